package spark

import (
	"fmt"
	"strings"
)

// ParseTimestamp implements engine.Dialect. Spark parses with Java's DateTimeFormatter
// patterns, which accept other texts than DuckDB's strptime (M takes any number of digits,
// a blank matches one space and nothing else, surrounding blanks fail), so each format
// becomes two tests: a regular expression that accepts exactly the texts strptime's grammar
// does (the digit counts, ASCII whitespace where the format has a blank and around the text),
// and, on those, try_to_timestamp with the equivalent pattern on the text with its whitespace
// made single spaces, which checks the values (month 13, 02/30 and 24:00 do not parse).
func (Dialect) ParseTimestamp(expr string, formats ...string) (string, error) {
	if len(formats) == 0 {
		return "", fmt.Errorf("ParseTimestamp(%s): no format", expr)
	}
	tries := make([]string, len(formats))
	for i, f := range formats {
		gate, pattern, err := translateStrptime(f)
		if err != nil {
			return "", err
		}
		tries[i] = fmt.Sprintf(`CASE WHEN %[1]s RLIKE %[2]s THEN try_to_timestamp(regexp_replace(regexp_replace(%[1]s, '^\\s+|\\s+$', ''), '\\s+', ' '), %[3]s) END`,
			expr, literal(gate), literal(pattern))
	}
	if len(tries) == 1 {
		return tries[0], nil
	}
	return "COALESCE(" + strings.Join(tries, ", ") + ")", nil
}

// strptimeFields are the specifiers ParseTimestamp translates: the digits strptime reads for
// each (at most, greedily: possessive in the expression, as strptime never gives digits back)
// and the Java pattern letter.
var strptimeFields = map[byte]struct {
	digits string
	letter string
}{
	'Y': {"{1,4}+", "y"},
	'm': {"{1,2}+", "M"},
	'd': {"{1,2}+", "d"},
	'H': {"{1,2}+", "H"},
	'M': {"{1,2}+", "m"},
	'S': {"{1,2}+", "s"},
}

// translateStrptime returns the regular expression that accepts the texts the strptime format
// f does and the Java pattern that parses them once their whitespace is single spaces. It
// refuses, naming the format, what it cannot translate exactly: other specifiers, numbers
// without a separator between them (strptime splits "2019012" by digit counts), and blanks at
// either end of the format (strptime then treats whitespace differently).
func translateStrptime(f string) (gate, pattern string, err error) {
	fail := func(why string) (string, string, error) {
		return "", "", fmt.Errorf("timestamp format %q: %s (Spark translates %%Y %%m %%d %%H %%M %%S and %%%%, separated by other characters)", f, why)
	}
	if f == "" {
		return fail("empty")
	}
	if isBlank(f[0]) || isBlank(f[len(f)-1]) {
		return fail("a blank at its start or end")
	}
	var re, java strings.Builder
	var text strings.Builder // literal text not yet written to the Java pattern
	flush := func() {
		if text.Len() > 0 {
			java.WriteString("'" + strings.ReplaceAll(text.String(), "'", "''") + "'")
			text.Reset()
		}
	}
	re.WriteString(`^\s*`)
	lastNumeric := false
	for i := 0; i < len(f); i++ {
		c := f[i]
		switch {
		case c == '%':
			if i+1 >= len(f) {
				return fail("a lone % at its end")
			}
			i++
			if f[i] == '%' {
				re.WriteString(`%`)
				text.WriteByte('%')
				lastNumeric = false
				continue
			}
			field, ok := strptimeFields[f[i]]
			if !ok {
				return fail(fmt.Sprintf("specifier %%%c has no translation", f[i]))
			}
			if lastNumeric {
				return fail("two numbers without a separator")
			}
			flush()
			re.WriteString("[0-9]" + field.digits)
			java.WriteString(field.letter)
			lastNumeric = true
		case isBlank(c):
			for i+1 < len(f) && isBlank(f[i+1]) {
				i++ // strptime reads a run of blanks in a format as one
			}
			re.WriteString(`\s+`)
			text.WriteByte(' ')
			lastNumeric = false
		default:
			if c < 0x80 && !isAlnum(c) {
				re.WriteByte('\\') // a backslash before ASCII punctuation always means the character
			}
			re.WriteByte(c)
			text.WriteByte(c)
			lastNumeric = false
		}
	}
	flush()
	re.WriteString(`\s*\z`)
	return re.String(), java.String(), nil
}

// isBlank is strptime's whitespace (and Java's \s): space, \t, \n, \v, \f, \r.
func isBlank(c byte) bool { return c == ' ' || (c >= '\t' && c <= '\r') }

func isAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}
