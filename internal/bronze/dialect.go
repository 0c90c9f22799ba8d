package bronze

import (
	"fmt"
	"strings"

	"github.com/metalake/metalake/internal/contract"
	"github.com/metalake/metalake/internal/engine"
)

// This file is the one place where bronze's SQL depends on DuckDB's dialect: CSV reading with
// reject capture, strict parsing expressions and the list functions used by shape models.
// A Spark implementation replaces these functions, not the models.

const (
	integerPattern = `[+-]?[0-9]+`
	numberPattern  = `[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][+-]?[0-9]+)?`
)

// parseExpr is the SQL that parses raw text column raw as a value of column c's type;
// NULL means "absent or unparseable" (failedExpr tells which).
//
// Most values are already in canonical form ("12", "True", a date in the first format, no
// surrounding blanks), so each type tries that cheap case first and falls back to the strict
// general parse (trim, pattern check, every format) only when it fails: the result is the same,
// the regular expressions and TRIM copies run on a handful of rows instead of 25 M.
func parseExpr(c contract.Column, raw string) string {
	t := "TRIM(" + raw + ")"
	switch c.Type {
	case contract.TypeInteger:
		// A BIGINT that prints back as the raw text is canonical: the pattern would accept it.
		return fmt.Sprintf("CASE WHEN CAST(TRY_CAST(%[1]s AS BIGINT) AS VARCHAR) = %[1]s THEN TRY_CAST(%[1]s AS BIGINT) WHEN regexp_full_match(%[2]s, '%[3]s') THEN TRY_CAST(%[2]s AS BIGINT) END", raw, t, integerPattern)
	case contract.TypeNumber:
		return fmt.Sprintf("CASE WHEN regexp_full_match(%s, '%s') THEN TRY_CAST(%s AS DOUBLE) END", t, numberPattern, t)
	case contract.TypeTimestamp:
		return timestampExpr(raw, c.Formats)
	case contract.TypeDate:
		return fmt.Sprintf("CAST(%s AS DATE)", timestampExpr(raw, c.Formats))
	case contract.TypeBoolean:
		return fmt.Sprintf("CASE %s WHEN 'True' THEN true WHEN 'False' THEN false ELSE CASE LOWER(%s) WHEN 'true' THEN true WHEN 'false' THEN false END END", raw, t)
	case contract.TypeJSONArray:
		return fmt.Sprintf("CASE WHEN json_type(TRY_CAST(%s AS JSON)) = 'ARRAY' THEN %s END", raw, raw)
	default:
		return raw
	}
}

// timestampExpr parses raw with the first of formats that accepts it (after trimming).
//
// A failed TRY_STRPTIME costs about ten successful ones, so the common case must not fail
// first: each format is tried alone on the untrimmed text, and only where the text's length
// fits the format (formatWidth), so a date-time value never pays for a date-only attempt. The
// strict general parse stays as the last resort, so every value gets the result it would get
// without the shortcuts (formats that both accept one text give the same timestamp).
func timestampExpr(raw string, formats []string) string {
	var tries []string
	for _, f := range formats {
		try := fmt.Sprintf("TRY_STRPTIME(%s, %s)", raw, engine.Literal(f))
		if lo, hi, ok := formatWidth(f); ok {
			fits := fmt.Sprintf("length(%s) >= %d", raw, lo)
			if hi >= 0 {
				fits = fmt.Sprintf("length(%s) BETWEEN %d AND %d", raw, lo, hi)
			}
			try = fmt.Sprintf("CASE WHEN %s THEN %s END", fits, try)
		}
		tries = append(tries, try)
	}
	tries = append(tries, fmt.Sprintf("TRY_STRPTIME(TRIM(%s), %s)", raw, formatList(formats)))
	return "COALESCE(" + strings.Join(tries, ", ") + ")"
}

// specifierWidth is how many characters a strptime specifier can consume (a generous bound).
var specifierWidth = map[byte][2]int{
	'd': {1, 2}, 'm': {1, 2}, 'H': {1, 2}, 'I': {1, 2}, 'M': {1, 2}, 'S': {1, 2},
	'Y': {1, 4}, 'y': {1, 4}, 'j': {1, 3}, 'f': {1, 9}, 'g': {1, 9}, 'n': {1, 9}, 'p': {2, 2},
	'%': {1, 1},
}

// formatWidth bounds the length of a text strptime format f can accept: hi -1 means no upper
// bound (a blank in a format matches any run of blanks). ok is false when f has a specifier
// without a known width (then no length test is made).
func formatWidth(f string) (lo, hi int, ok bool) {
	for i := 0; i < len(f); i++ {
		switch {
		case f[i] == '%':
			if i+1 >= len(f) {
				return 0, 0, false
			}
			i++
			w, known := specifierWidth[f[i]]
			if !known {
				return 0, 0, false
			}
			lo += w[0]
			if hi >= 0 {
				hi += w[1]
			}
		case f[i] == ' ':
			lo++
			hi = -1
		default:
			lo++
			if hi >= 0 {
				hi++
			}
		}
	}
	return lo, hi, true
}

// failedExpr holds when raw has a value that parsed did not accept. The cheap test comes first:
// TRIM runs only where parsing gave NULL.
func failedExpr(c contract.Column, raw, parsed string) string {
	if c.Type == contract.TypeVarchar {
		return "false"
	}
	return fmt.Sprintf("(%s IS NULL AND %s IS NOT NULL AND TRIM(%s) <> '')", parsed, raw, raw)
}

// parseReason is the reject reason of a value that does not parse (never embeds the value,
// so reasons group).
func parseReason(c contract.Column) string {
	switch c.Type {
	case contract.TypeJSONArray:
		return c.Name + " is not a JSON array"
	case contract.TypeInteger:
		return c.Name + " is not a valid integer"
	case contract.TypeNumber:
		return c.Name + " is not a valid number"
	case contract.TypeTimestamp:
		return c.Name + " is not a valid timestamp"
	case contract.TypeDate:
		return c.Name + " is not a valid date"
	case contract.TypeBoolean:
		return c.Name + " is not a valid boolean"
	}
	return c.Name + " is not valid"
}

// dateOnlyExpr holds when a timestamp value was written without a time of day, so rules can
// compare at date precision.
func dateOnlyExpr(c contract.Column, raw string) string {
	var dateOnly []string
	for _, f := range c.Formats {
		if !strings.Contains(f, "%H") && !strings.Contains(f, "%I") {
			dateOnly = append(dateOnly, f)
		}
	}
	switch {
	case c.Type == contract.TypeDate || len(dateOnly) == len(c.Formats):
		return "true"
	case len(dateOnly) == 0:
		return "false"
	}
	return fmt.Sprintf("COALESCE(%s IS NOT NULL, false)", timestampExpr(raw, dateOnly))
}

func formatList(formats []string) string {
	q := make([]string, len(formats))
	for i, f := range formats {
		q[i] = engine.Literal(f)
	}
	return "[" + strings.Join(q, ", ") + "]"
}

// readCSVSQL materialises a raw CSV file as table `table` with the text columns c{i} of the
// kept positions, in file order (DuckDB keeps insertion order, so rowid is the record's ordinal
// among well-formed records). Field counts and quoting are checked on every field, text
// encoding only on the kept ones; structurally broken records go to the reject table rejTable.
//
// Its max_line_size is maxLineBytes, but a record that long does not always reach the rejects
// table, nor with its own text (rawread.go): such files are read through a rewritten copy.
// The buffer is twice the limit, as DuckDB requires a larger one.
func readCSVSQL(table, path string, ncols int, kept []int, rejTable, rejScan string) string {
	cols := make([]string, ncols)
	for i := range cols {
		cols[i] = fmt.Sprintf("'c%d': 'VARCHAR'", i)
	}
	sel := make([]string, len(kept))
	for j, i := range kept {
		sel[j] = fmt.Sprintf("c%d", i)
	}
	return fmt.Sprintf(`CREATE OR REPLACE TEMP TABLE %s AS SELECT %s FROM read_csv(%s,
  columns = {%s}, header = true, auto_detect = false, delim = ',', quote = '"', escape = '"',
  strict_mode = true, null_padding = false, store_rejects = true,
  rejects_table = %s, rejects_scan = %s, max_line_size = %d, buffer_size = %d)`,
		table, strings.Join(sel, ", "), engine.FilePath(path), strings.Join(cols, ", "),
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

// constantText is a text column holding s on every row. Typed as a one-value ENUM, the
// Parquet writer stores it as dictionary index 0 instead of hashing 25 M equal strings (a
// third of the cost of the metadata columns); readers see VARCHAR.
func constantText(s string) string {
	return fmt.Sprintf("CAST(%[1]s AS ENUM(%[1]s))", engine.Literal(s))
}

// lineBucket is the size of the ordinal ranges of the record-number map.
const lineBucket = 4096

// lineMapSQL creates table name: one row per bucket of lineBucket record ordinals, holding
// the number of structural rejects before the bucket (base) and the positions of those inside
// it (vbs, as "well-formed records before the reject"). A record's line is then
// ordinal + 2 + base + |{v in vbs : v <= ordinal}|: an equality join on a small table.
// base is a running sum of the per-bucket counts, so consecutive broken records (equal
// positions) all count.
func lineMapSQL(name, raw, rej string) string {
	return fmt.Sprintf(`CREATE OR REPLACE TEMP TABLE %[1]s AS
WITH per AS (
  SELECT valid_before // %[4]d AS b, COUNT(*) AS n, list(valid_before ORDER BY valid_before) AS vbs
  FROM (SELECT CAST(line AS BIGINT) - 2 - (ROW_NUMBER() OVER (ORDER BY line) - 1) AS valid_before
        FROM (SELECT DISTINCT line FROM %[3]s))
  GROUP BY 1)
SELECT b.range AS b,
       CAST(COALESCE(SUM(per.n) OVER (ORDER BY b.range ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS BIGINT) AS base,
       COALESCE(per.vbs, []) AS vbs
FROM range(0, (SELECT COUNT(*) FROM %[2]s) // %[4]d + 1) b LEFT JOIN per ON per.b = b.range`, name, raw, rej, lineBucket)
}

func bucketOf(rows, m string) string {
	return fmt.Sprintf("%s.b = %s.__ord // %d", m, rows, lineBucket)
}

func lineFromBuckets(rows, m string) string {
	return fmt.Sprintf("%[1]s.__ord + 2 + %[2]s.base + len(list_filter(%[2]s.vbs, x -> x <= %[1]s.__ord))", rows, m)
}
