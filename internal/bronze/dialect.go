package bronze

import (
	"fmt"
	"strings"

	"github.com/metalake/metalake/internal/contract"
	"github.com/metalake/metalake/internal/engine"
)

// This file holds bronze's strict parsing expressions. What engines spell differently
// (regular expressions, strptime formats, JSON) comes from the engine's Dialect; the rest is
// SQL both DuckDB and Spark read alike (TRY_CAST, CASE, TRIM, LOWER, length). Reading the CSV
// itself differs more than a Dialect can say: see rawread.go.

const (
	integerPattern = `[+-]?[0-9]+`
	numberPattern  = `[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][+-]?[0-9]+)?`
)

// parseExpr is the SQL, in dialect d, that parses raw text column raw as a value of column
// c's type; NULL means "absent or unparseable" (failedExpr tells which). The error names a
// format d cannot spell.
//
// Most values are already in canonical form ("12", "True", a date in the first format, no
// surrounding blanks), so each type tries that cheap case first and falls back to the strict
// general parse (trim, pattern check, every format) only when it fails: the result is the same,
// the regular expressions and TRIM copies run on a handful of rows instead of 25 M.
func parseExpr(d engine.Dialect, c contract.Column, raw string) (string, error) {
	t := "TRIM(" + raw + ")"
	switch c.Type {
	case contract.TypeInteger:
		// A BIGINT that prints back as the raw text is canonical: the pattern would accept it.
		return fmt.Sprintf("CASE WHEN CAST(TRY_CAST(%[1]s AS BIGINT) AS STRING) = %[1]s THEN TRY_CAST(%[1]s AS BIGINT) WHEN %[2]s THEN TRY_CAST(%[3]s AS BIGINT) END",
			raw, d.Matches(t, integerPattern), t), nil
	case contract.TypeNumber:
		return fmt.Sprintf("CASE WHEN %s THEN TRY_CAST(%s AS DOUBLE) END", d.Matches(t, numberPattern), t), nil
	case contract.TypeTimestamp:
		return timestampExpr(d, raw, c.Formats)
	case contract.TypeDate:
		ts, err := timestampExpr(d, raw, c.Formats)
		return fmt.Sprintf("CAST(%s AS DATE)", ts), err
	case contract.TypeBoolean:
		return fmt.Sprintf("CASE %s WHEN 'True' THEN true WHEN 'False' THEN false ELSE CASE LOWER(%s) WHEN 'true' THEN true WHEN 'false' THEN false END END", raw, t), nil
	case contract.TypeJSONArray:
		return fmt.Sprintf("CASE WHEN %s THEN %s END", d.IsJSONArray(raw), raw), nil
	default:
		return raw, nil
	}
}

// timestampExpr parses raw with the first of formats that accepts it (after trimming).
//
// A failed parse costs DuckDB about ten successful ones, so the common case must not fail
// first: each format is tried alone on the untrimmed text, and only where the text's length
// fits the format (formatWidth), so a date-time value never pays for a date-only attempt. The
// strict general parse stays as the last resort, so every value gets the result it would get
// without the shortcuts (formats that both accept one text give the same timestamp). The
// error names a format d cannot spell.
func timestampExpr(d engine.Dialect, raw string, formats []string) (string, error) {
	var tries []string
	for _, f := range formats {
		try, err := d.ParseTimestamp(raw, f)
		if err != nil {
			return "", err
		}
		if lo, hi, ok := formatWidth(f); ok {
			fits := fmt.Sprintf("length(%s) >= %d", raw, lo)
			if hi >= 0 {
				fits = fmt.Sprintf("length(%s) BETWEEN %d AND %d", raw, lo, hi)
			}
			try = fmt.Sprintf("CASE WHEN %s THEN %s END", fits, try)
		}
		tries = append(tries, try)
	}
	general, err := d.ParseTimestamp("TRIM("+raw+")", formats...)
	if err != nil {
		return "", err
	}
	return "COALESCE(" + strings.Join(append(tries, general), ", ") + ")", nil
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
func dateOnlyExpr(d engine.Dialect, c contract.Column, raw string) (string, error) {
	var dateOnly []string
	for _, f := range c.Formats {
		if !strings.Contains(f, "%H") && !strings.Contains(f, "%I") {
			dateOnly = append(dateOnly, f)
		}
	}
	switch {
	case c.Type == contract.TypeDate || len(dateOnly) == len(c.Formats):
		return "true", nil
	case len(dateOnly) == 0:
		return "false", nil
	}
	ts, err := timestampExpr(d, raw, dateOnly)
	return fmt.Sprintf("COALESCE(%s IS NOT NULL, false)", ts), err
}
