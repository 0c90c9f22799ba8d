package bronze

import (
	"context"
	"fmt"
	"strings"

	"github.com/metalake/metalake/internal/engine"
)

// sparkOrd is the column of a Spark raw relation holding a record's ordinal among all the
// file's records, broken ones included.
const sparkOrd = "__rec"

// sparkReader reads with Spark's CSV source (csvViewer.TempCSV): a record with the wrong number
// of fields is a structural reject, its text in the corrupt column. The source reads a file
// in one task, its records in file order, so monotonically_increasing_id() over the scan
// numbers them 0, 1, … as the file does; the numbering is materialised at once (all), so
// every later read sees the same numbers. A record's line is then its ordinal + 2, as
// DuckDB's record numbers (the header is line 1), with no map: broken records are numbered
// too.
//
// What DuckDB's reader does and this one does not (docs/SPARK.md, "Bronze on Spark"): no
// rewrite for CRLF line breaks or records of maxLineBytes or more (Spark reads both as they
// are, and makes a CRLF inside quotes an LF), no reject for text after a field's closing
// quote ("a"b is the value), for text that is not UTF-8, nor for a blank line, which Spark
// skips and does not count.
type sparkReader struct {
	cv            csvViewer
	csv, all, rej string // the file's view, its numbered records, the broken ones
	raw           string
}

var _ rawReader = (*sparkReader)(nil)

const corruptColumn = "__corrupt"

func (r *sparkReader) read(ctx context.Context, s engine.Session, l *loaded, path, tmp string) error {
	cols := make([]string, len(l.header))
	for i := range cols {
		cols[i] = fmt.Sprintf("c%d", i)
	}
	if err := r.cv.TempCSV(ctx, r.csv, path, cols, corruptColumn); err != nil {
		return err
	}
	kept := make([]string, len(l.kept))
	for j, i := range l.kept {
		kept[j] = fmt.Sprintf("c%d", i)
	}
	keptList := strings.Join(kept, ", ")
	if err := s.Temp(ctx, r.all, fmt.Sprintf("SELECT monotonically_increasing_id() AS %s, %s, %s FROM %s",
		sparkOrd, keptList, corruptColumn, r.csv), true); err != nil {
		return err
	}
	if err := s.Temp(ctx, r.raw, fmt.Sprintf("SELECT %s, %s FROM %s WHERE %s IS NULL",
		sparkOrd, keptList, r.all, corruptColumn), false); err != nil {
		return err
	}
	if err := s.Temp(ctx, r.rej, fmt.Sprintf("SELECT %s, %s FROM %s WHERE %s IS NOT NULL",
		sparkOrd, corruptColumn, r.all, corruptColumn), false); err != nil {
		return err
	}
	// The numbering holds only if the scan was one partition: then the ordinals are 0…n-1.
	var n, last int64
	q := fmt.Sprintf("SELECT COUNT(*), COALESCE(MAX(%s), -1), COUNT(%s) FROM %s", sparkOrd, corruptColumn, r.all)
	if err := s.QueryRow(ctx, q, &n, &last, &l.structural); err != nil {
		return err
	}
	if last != n-1 {
		return fmt.Errorf("internal error: Spark numbered the %d records 0…%d: it did not read the file as one partition, so the numbers are no line numbers", n, last)
	}
	return nil
}

func (r *sparkReader) lineSQL(alias string) (expr, join string) {
	return alias + ".__ord + 2", ""
}

// structuralRejectsSQL: the record's text is cut, as DuckDB cuts it, at rejectTextBytes bytes
// (at a character boundary: the bytes of a character cut in two are dropped).
func (r *sparkReader) structuralRejectsSQL(l *loaded, cols []string, meta string) string {
	text := fmt.Sprintf(`CASE WHEN octet_length(%[1]s) <= %[2]d THEN %[1]s
  ELSE regexp_replace(make_valid_utf8(CAST(substring(CAST(%[1]s AS BINARY), 1, %[2]d) AS STRING)), '`+"\uFFFD"+`+$', '') END`,
		corruptColumn, rejectTextBytes)
	return fmt.Sprintf(`SELECT %s, 'malformed csv line' AS reject_reason, %s AS source_file,
  %s + 2 AS source_line, %s AS raw_line, %s
FROM %s`, strings.Join(cols, ", "), engine.Text(l.key), sparkOrd, text, meta, r.rej)
}

func (r *sparkReader) drop(ctx context.Context, s engine.Session) {
	for _, name := range []string{r.rej, r.raw, r.all, r.csv} {
		_ = s.DropTemp(ctx, name)
	}
}
