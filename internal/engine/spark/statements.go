package spark

import "strings"

// statements splits a script into its statements at the semicolons that are not inside a
// string literal, a quoted identifier or a comment: Spark Connect runs one statement per
// request, while Session.Exec takes one or more. Empty statements are dropped.
//
// String literals follow Spark's rules: a backslash escapes the next character and a doubled
// quote is a quote. Compound statements (BEGIN … END scripts) are not recognised.
func statements(script string) []string {
	var out []string
	start := 0
	flush := func(end int) {
		if s := strings.TrimSpace(script[start:end]); s != "" {
			out = append(out, s)
		}
		start = end + 1
	}
	for i := 0; i < len(script); i++ {
		switch c := script[i]; c {
		case '\'', '"', '`':
			i = skipQuoted(script, i, c)
		case '-':
			if strings.HasPrefix(script[i:], "--") {
				if j := strings.IndexByte(script[i:], '\n'); j >= 0 {
					i += j
				} else {
					i = len(script)
				}
			}
		case '/':
			if strings.HasPrefix(script[i:], "/*") {
				i = skipBlockComment(script, i)
			}
		case ';':
			flush(i)
		}
	}
	if start < len(script) {
		flush(len(script))
	}
	return out
}

// skipQuoted returns the index of the quote closing the literal or identifier opened at i (the
// last index when it is not closed).
func skipQuoted(s string, i int, q byte) int {
	for j := i + 1; j < len(s); j++ {
		switch s[j] {
		case '\\':
			if q != '`' {
				j++
			}
		case q:
			if j+1 < len(s) && s[j+1] == q {
				j++
				continue
			}
			return j
		}
	}
	return len(s) - 1
}

// skipBlockComment returns the index of the '/' ending the (possibly nested) comment opened at i.
func skipBlockComment(s string, i int) int {
	depth := 0
	for j := i; j < len(s)-1; j++ {
		switch {
		case s[j] == '/' && s[j+1] == '*':
			depth++
			j++
		case s[j] == '*' && s[j+1] == '/':
			depth--
			j++
			if depth == 0 {
				return j
			}
		}
	}
	return len(s) - 1
}

// isQuery reports whether stmt is a query (its rows are its result) rather than a command that
// Spark runs when it is submitted: Session.Exec must still run a query to its end.
func isQuery(stmt string) bool {
	s := strings.TrimLeft(stmt, " \t\r\n(")
	for strings.HasPrefix(s, "--") || strings.HasPrefix(s, "/*") {
		if strings.HasPrefix(s, "--") {
			j := strings.IndexByte(s, '\n')
			if j < 0 {
				return false
			}
			s = s[j+1:]
		} else {
			j := skipBlockComment(s, 0)
			s = s[j+1:]
		}
		s = strings.TrimLeft(s, " \t\r\n(")
	}
	word := s
	if j := strings.IndexAny(s, " \t\r\n(*"); j >= 0 {
		word = s[:j]
	}
	switch strings.ToUpper(word) {
	case "SELECT", "WITH", "VALUES", "FROM", "TABLE":
		return true
	}
	return false
}
