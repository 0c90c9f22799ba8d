package bronze

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/metalake/metalake/internal/engine"
	"github.com/metalake/metalake/internal/lake"
)

// rawReader is how an engine brings a raw CSV file into a session: the one part of bronze that
// differs between engines by more than a Dialect spelling, because each engine's CSV reader
// finds structurally broken records its own way. DuckDB's (duckReader, this file) is strict
// read_csv with its reject tables; Spark's (sparkReader, sparkread.go) is its CSV source with a
// corrupt-record column. Both give the same rows, line numbers and rejects on well-formed UTF-8
// CSV with LF line breaks (TestBronzeOnSpark); docs/SPARK.md lists where they differ.
type rawReader interface {
	// read reads the CSV file at path into the session: l.raw, a relation of the text fields
	// c{i} (i in l.kept) of every well-formed record, whose column l.ord orders the records as
	// the file does, and l.structural, the number of structurally broken records. tmp is a
	// scratch directory.
	read(ctx context.Context, s engine.Session, l *loaded, path, tmp string) error
	// lineSQL returns the expression of the source line of alias's rows (alias.__ord is
	// l.raw's l.ord) and the join it needs, if any.
	lineSQL(alias string) (expr, join string)
	// structuralRejectsSQL selects the structurally broken records in the rejects layout:
	// cols (the NULL raw and extra columns), reject_reason, source_file, source_line,
	// raw_line and meta.
	structuralRejectsSQL(l *loaded, cols []string, meta string) string
	// drop drops what read created.
	drop(ctx context.Context, s engine.Session)
}

// csvViewer is a session whose engine reads CSV as Spark does (internal/engine/spark):
// TempCSV makes a view over the file in which a record with the wrong number of fields holds
// its text in the corrupt column. Such a session gets the sparkReader; any other, DuckDB's.
type csvViewer interface {
	TempCSV(ctx context.Context, name, path string, columns []string, corrupt string) error
}

// newRawReader returns the reader for session s and sets l.raw and l.ord.
func newRawReader(s engine.Session, l *loaded) rawReader {
	l.raw = "raw_" + l.name
	if cv, ok := s.(csvViewer); ok {
		l.ord = sparkOrd
		return &sparkReader{cv: cv, csv: "csv_" + l.name, all: "all_" + l.name, rej: "rej_" + l.name, raw: l.raw}
	}
	l.ord = "rowid"
	return &duckReader{raw: l.raw, rej: "rej_" + l.name, scan: "scan_" + l.name}
}

// duckReader reads with DuckDB's strict read_csv: the raw table's rowid counts the well-formed
// records, structurally broken ones go to the reject table rej (its scan table scan), and a
// record-number map (lineMap) turns ordinals into lines when there are any.
type duckReader struct {
	raw, rej, scan string
	lineMap        string // "" without structural rejects
	name           string // l.name, for the rewritten copy's file names
	ncols          int
	kept           []int
}

var _ rawReader = (*duckReader)(nil)

// read materialises the raw CSV at path as the raw table, its structurally broken records in
// the reject table and their count in l.structural (readFile), then the record-number map.
func (r *duckReader) read(ctx context.Context, s engine.Session, l *loaded, path, tmp string) error {
	r.name, r.ncols, r.kept = l.name, len(l.header), l.kept
	if err := r.readFile(ctx, s, l, path, tmp); err != nil {
		return err
	}
	// Record numbers: rowid counts well-formed records only; every structural reject before a
	// record shifts it by one. The map is applied only where a line is written (lineSQL), as
	// an equality join on a bucket of ordinals (lineMapSQL): an ASOF join carrying every column
	// cost more than the parse itself at 25 M rows.
	if l.structural > 0 {
		r.lineMap = "lines_" + l.name
		return s.Temp(ctx, r.lineMap, lineMapSQL(r.raw, r.rej), true)
	}
	return nil
}

// readFile reads the file, or a rewritten copy of it.
//
// DuckDB's strict reader reads nearly every file right, and fast. Two kinds of file it cannot:
//   - one mixing CRLF with LF line breaks (or holding a CR that is no line break): the read
//     fails ("the CSV Parser state machine reached an invalid state", no line number), or,
//     where a CRLF follows a quoted last field, a valid record becomes a reject ("unterminated
//     quote"). No reader option helps: new_line = '\n' reads such a file as no rows at all,
//     strict_mode = false also accepts broken records;
//   - one with a record of maxLineBytes or more: depending on where its buffers fall, the
//     record is silently dropped, rejected with the previous record's text, or (spread over
//     lines, e.g. after an unterminated quote) cut into pieces read as records.
//
// Those files are rewritten (rewriteCSV) and the copy is read instead. Telling them apart costs
// the common file next to nothing, so a file of LF lines is read exactly as before: a probe of
// 64 KiB per 32 MiB (hasLongLine: under 1 ms for a 1.5 GB file in the page cache, 20 ms
// cold), the read itself, and, when it has structural rejects, one query over them
// (suspectRejectsSQL). Scanning every byte in Go first would cost about 5 s at 25 M rows (the
// rewrite's speed, ~300 MB/s), most of the read's own time; the file that needs the rewrite
// pays that, plus a second read.
func (r *duckReader) readFile(ctx context.Context, s engine.Session, l *loaded, path, tmp string) error {
	long, err := hasLongLine(path)
	if err != nil {
		return err
	}
	var readErr error // the read of the file as it is, when tried
	if !long {
		ok, err := r.readAsIs(ctx, s, l, path)
		if ok || ctx.Err() != nil {
			return err
		}
		readErr = err
	}
	copyPath, side := filepath.Join(tmp, r.name+".rewritten.csv"), filepath.Join(tmp, r.name+".replaced.csv")
	defer os.Remove(copyPath)
	defer os.Remove(side)
	res, err := rewriteCSV(ctx, path, copyPath, side, r.ncols)
	if err != nil {
		return fmt.Errorf("rewrite: %w", err)
	}
	switch {
	case res.changed():
		return r.readCopy(ctx, s, l, copyPath, side, res)
	case long: // the probe's block held a long line, not one over the limit
		_, err := r.readAsIs(ctx, s, l, path)
		return err
	}
	return readErr // the copy would read the same: the first read stands, or its error
}

// readAsIs reads path as it is. ok is false when the read failed or left rejects that send
// the file through the rewrite (suspectRejectsSQL); err is the failure, if any.
func (r *duckReader) readAsIs(ctx context.Context, s engine.Session, l *loaded, path string) (ok bool, err error) {
	if err := r.readOnce(ctx, s, path); err != nil {
		return false, err
	}
	if err := r.countStructural(ctx, s, l); err != nil || l.structural == 0 {
		return err == nil, err
	}
	var suspect int64
	if err := s.QueryRow(ctx, suspectRejectsSQL(r.rej), &suspect); err != nil {
		return false, err
	}
	return suspect == 0, nil
}

// readCopy reads the rewritten copy at path in place of the raw file; side holds the raw lines
// of the records it replaced.
func (r *duckReader) readCopy(ctx context.Context, s engine.Session, l *loaded, path, side string, res rewriteResult) error {
	if err := r.dropRead(ctx, s); err != nil {
		return err
	}
	if err := r.readOnce(ctx, s, path); err != nil {
		return err
	}
	if err := r.countStructural(ctx, s, l); err != nil {
		return err
	}
	l.rewritten = res.String()
	if res.replaced() == 0 {
		return nil
	}
	// The rejects of replaced records get their own text instead of the placeholder's.
	if err := s.Exec(ctx, restoreRejectTextSQL(r.rej, side)); err != nil {
		return err
	}
	var n int64
	if err := s.QueryRow(ctx, matchedRejectsSQL(r.rej, side), &n); err != nil {
		return err
	}
	if n != res.replaced() {
		// The rewrite and the reader disagree on record numbers: every line number would be
		// suspect, so say so rather than publish them.
		return fmt.Errorf("internal error: the rewrite replaced %d records, the reader rejected %d of them at their lines", res.replaced(), n)
	}
	return nil
}

// readOnce reads path into the raw table, its rejects into the reject tables.
func (r *duckReader) readOnce(ctx context.Context, s engine.Session, path string) error {
	return s.Temp(ctx, r.raw, readCSVSQL(path, r.ncols, r.kept, r.rej, r.scan), true)
}

// dropRead drops what a read created, so the next read starts afresh (the reject tables
// would otherwise be appended to).
func (r *duckReader) dropRead(ctx context.Context, s engine.Session) error {
	if err := s.DropTemp(ctx, r.raw); err != nil {
		return err
	}
	return s.Exec(ctx, fmt.Sprintf("DROP TABLE IF EXISTS %s; DROP TABLE IF EXISTS %s", r.rej, r.scan))
}

func (r *duckReader) countStructural(ctx context.Context, s engine.Session, l *loaded) error {
	return s.QueryRow(ctx, "SELECT COUNT(DISTINCT line) FROM "+r.rej, &l.structural)
}

func (r *duckReader) lineSQL(alias string) (expr, join string) {
	if r.lineMap == "" {
		return alias + ".__ord + 2", ""
	}
	return fmt.Sprintf("%[1]s.__ord + 2 + %[1]s_lm.off", alias), fmt.Sprintf(" JOIN %s %s_lm ON %s", r.lineMap, alias, segmentOf(alias, alias+"_lm"))
}

// structuralRejectsSQL: DuckDB reports one reject per error, several for one record at times,
// each with the record's text (after a CRLF, from the LF on).
func (r *duckReader) structuralRejectsSQL(l *loaded, cols []string, meta string) string {
	return fmt.Sprintf(`SELECT %s, 'malformed csv line' AS reject_reason, %s AS source_file,
  CAST(line AS BIGINT) AS source_line, LTRIM(MIN(csv_line), chr(10) || chr(13)) AS raw_line, %s
FROM %s GROUP BY line`, strings.Join(cols, ", "), engine.Literal(l.key), meta, r.rej)
}

func (r *duckReader) drop(ctx context.Context, s engine.Session) {
	_ = s.DropTemp(ctx, r.lineMap)
	_ = s.DropTemp(ctx, r.raw)
	_ = s.Exec(ctx, fmt.Sprintf("DROP TABLE IF EXISTS %s; DROP TABLE IF EXISTS %s", r.rej, r.scan))
}

// logRewrite says when a raw file was read through a rewritten copy: the read took longer.
func (j *Job) logRewrite(table string, d lake.Date, l *loaded) {
	if l.rewritten != "" {
		j.log().Info("raw file rewritten before reading", "table", table, "run_date", d.String(), "file", l.key, "changes", l.rewritten)
	}
}

// readCSVSQL reads a raw CSV file, for materialising as the raw table: the text columns c{i}
// of the kept positions, in file order (DuckDB keeps insertion order, so the table's rowid is
// the record's ordinal among well-formed records). Field counts and quoting are checked on every field, text
// encoding only on the kept ones; structurally broken records go to the reject table rejTable.
//
// Its max_line_size is maxLineBytes, but a record that long does not always reach the rejects
// table, nor with its own text (rawread.go): such files are read through a rewritten copy.
// The buffer is twice the limit, as DuckDB requires a larger one.
func readCSVSQL(path string, ncols int, kept []int, rejTable, rejScan string) string {
	cols := make([]string, ncols)
	for i := range cols {
		cols[i] = fmt.Sprintf("'c%d': 'VARCHAR'", i)
	}
	sel := make([]string, len(kept))
	for j, i := range kept {
		sel[j] = fmt.Sprintf("c%d", i)
	}
	return fmt.Sprintf(`SELECT %s FROM read_csv(%s,
  columns = {%s}, header = true, auto_detect = false, delim = ',', quote = '"', escape = '"',
  strict_mode = true, null_padding = false, store_rejects = true,
  rejects_table = %s, rejects_scan = %s, max_line_size = %d, buffer_size = %d)`,
		strings.Join(sel, ", "), engine.FilePath(path), strings.Join(cols, ", "),
		engine.Literal(rejTable), engine.Literal(rejScan), maxLineBytes, 2*maxLineBytes)
}

// suspectRejectsSQL counts the structural rejects whose record DuckDB's reader may not have
// delimited right, which send the file through the rewrite:
//   - a record over its size limit (one that crosses its buffers loses track of quoting);
//   - an unterminated quote whose reported text is cut at its 10,000-character cap (the
//     record may run on for megabytes) or holds no quote at all (the text is another
//     record's: the real one spans its buffers);
//   - a record whose text ends in CR: in a file of LF lines, a CRLF after a quoted last field
//     is not a read failure but "Value with unterminated quote found" for a valid record.
func suspectRejectsSQL(rej string) string {
	return fmt.Sprintf(`SELECT COUNT(*) FROM %s WHERE error_type = 'LINE SIZE OVER MAXIMUM' OR ends_with(csv_line, chr(13))
  OR (error_type = 'UNQUOTED VALUE' AND (length(csv_line) >= %d OR strpos(csv_line, '"') = 0))`, rej, rejectTextBytes-16)
}

// replacedLinesSQL reads the (line, raw_line) file the rewrite writes for the records it
// replaced by a placeholder. Its lines end in LF; saying so matters: left to guess, the
// reader fails on a CR inside the quoted text of the first line.
func replacedLinesSQL(side string) string {
	return fmt.Sprintf(`read_csv(%s, columns = {'line': 'BIGINT', 'raw_line': 'VARCHAR'}, header = false,
  auto_detect = false, delim = ',', quote = '"', escape = '"', new_line = '\n', strict_mode = true)`, engine.FilePath(side))
}

// restoreRejectTextSQL gives the rejects of replaced records their own raw text.
func restoreRejectTextSQL(rej, side string) string {
	return fmt.Sprintf("UPDATE %s SET csv_line = s.raw_line FROM %s s WHERE %s.line = s.line", rej, replacedLinesSQL(side), rej)
}

// matchedRejectsSQL counts the replaced records the reader rejected at their own line.
func matchedRejectsSQL(rej, side string) string {
	return fmt.Sprintf("SELECT COUNT(DISTINCT r.line) FROM %s r JOIN %s s ON r.line = s.line", rej, replacedLinesSQL(side))
}

// lineBucket is the size of the ordinal ranges the record-number map is keyed by.
const lineBucket = 256

// lineMapSQL is the record-number map of raw table raw and its reject table rej: the ordinals
// cut into segments [lo, hi) over which the number of structural rejects before a record (off)
// is constant, cut also at every multiple of lineBucket so that a segment lies in one bucket
// (b). A record's line is then ordinal + 2 + off, found by an equality join on its bucket that
// checks the bucket's few segments (one, plus one per structural reject in it). A reject's
// position is the number of well-formed records before it (valid_before); consecutive broken
// records share one and all count. (Before: one row per bucket of 4,096 ordinals with the list
// of its positions, counted by a lambda per row — three times the join's cost.)
func lineMapSQL(raw, rej string) string {
	return fmt.Sprintf(`WITH per AS (
  SELECT valid_before AS pos, COUNT(*) AS n
  FROM (SELECT CAST(line AS BIGINT) - 2 - (ROW_NUMBER() OVER (ORDER BY line) - 1) AS valid_before
        FROM (SELECT DISTINCT line FROM %[2]s))
  GROUP BY 1),
cuts AS (
  SELECT pos, SUM(n) AS n FROM (
    SELECT range * %[3]d AS pos, 0 AS n FROM range(0, (SELECT COUNT(*) FROM %[1]s) // %[3]d + 1)
    UNION ALL SELECT pos, n FROM per)
  GROUP BY pos)
SELECT pos // %[3]d AS b, pos AS lo, COALESCE(LEAD(pos) OVER (ORDER BY pos), (pos // %[3]d + 1) * %[3]d) AS hi,
       CAST(SUM(n) OVER (ORDER BY pos ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS BIGINT) AS off
FROM cuts`, raw, rej, lineBucket)
}

// segmentOf is the join condition of rows' ordinal (__ord) to its segment in map m.
func segmentOf(rows, m string) string {
	return fmt.Sprintf("%[2]s.b = %[1]s.__ord // %[3]d AND %[1]s.__ord >= %[2]s.lo AND %[1]s.__ord < %[2]s.hi", rows, m, lineBucket)
}
