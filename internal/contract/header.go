package contract

import (
	"fmt"
	"sort"
	"strings"
	"unicode"
)

// HeaderError says which raw file failed to match and why.
type HeaderError struct {
	Table, File string
	// Missing maps each variant's layout to its required columns absent from the header.
	Missing map[string][]string
	Header  []string
}

func (e *HeaderError) Error() string {
	layouts := make([]string, 0, len(e.Missing))
	for l := range e.Missing {
		layouts = append(layouts, l)
	}
	// The closest variant (fewest missing columns) first: that is the one the user meant.
	sort.Slice(layouts, func(i, j int) bool {
		a, b := len(e.Missing[layouts[i]]), len(e.Missing[layouts[j]])
		if a != b {
			return a < b
		}
		return layouts[i] < layouts[j]
	})
	var parts []string
	for _, l := range layouts {
		parts = append(parts, fmt.Sprintf("%s layout is missing column(s) %s", l, strings.Join(e.Missing[l], ", ")))
	}
	return fmt.Sprintf("%s: %s: header matches no known layout: %s", e.Table, e.File, strings.Join(parts, "; "))
}

// Match picks the first variant whose primary source's required columns are all in header.
func (t Table) Match(file string, header []string) (Variant, error) {
	have := headerSet(header)
	missing := map[string][]string{}
	for _, v := range t.Variants {
		m := v.Source.MissingColumns(have)
		if len(m) == 0 {
			return v, nil
		}
		missing[v.Layout] = m
	}
	return Variant{}, &HeaderError{Table: t.Name, File: file, Missing: missing, Header: header}
}

// MissingColumns lists the required columns of src absent from a header set (see HeaderSet).
func (src Source) MissingColumns(have map[string]bool) []string {
	var m []string
	for _, c := range src.Columns {
		if !c.Optional && !have[strings.ToLower(c.Header)] {
			m = append(m, c.Header)
		}
	}
	return m
}

// Reads reports whether src reads the raw column named h (matched as in HeaderSet).
func (src Source) Reads(h string) bool {
	h = strings.ToLower(strings.TrimSpace(h))
	for _, c := range src.Columns {
		if strings.ToLower(c.Header) == h {
			return true
		}
	}
	return false
}

// HeaderSet is the set of lower-cased header names.
func HeaderSet(header []string) map[string]bool { return headerSet(header) }

func headerSet(header []string) map[string]bool {
	have := make(map[string]bool, len(header))
	for _, h := range header {
		have[strings.ToLower(strings.TrimSpace(h))] = true
	}
	return have
}

// SnakeCase converts a raw header name (CamelCase, spaces, dashes) to snake_case:
// LocationSharingOptOut → location_sharing_opt_out, CurrentUrlSlug → current_url_slug,
// HTTPCode → http_code.
func SnakeCase(s string) string {
	rs := []rune(strings.TrimSpace(s))
	var b strings.Builder
	for i, r := range rs {
		switch {
		case unicode.IsUpper(r):
			if i > 0 && b.Len() > 0 && !strings.HasSuffix(b.String(), "_") {
				prevLower := unicode.IsLower(rs[i-1]) || unicode.IsDigit(rs[i-1])
				nextLower := i+1 < len(rs) && unicode.IsLower(rs[i+1])
				if prevLower || (unicode.IsUpper(rs[i-1]) && nextLower) {
					b.WriteByte('_')
				}
			}
			b.WriteRune(unicode.ToLower(r))
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(unicode.ToLower(r))
		default:
			if b.Len() > 0 && !strings.HasSuffix(b.String(), "_") {
				b.WriteByte('_')
			}
		}
	}
	out := strings.TrimSuffix(b.String(), "_")
	if out == "" || unicode.IsDigit(rune(out[0])) {
		out = "col_" + out
	}
	return out
}
