package query

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/duckdb/duckdb-go/v2"
)

// text renders a non-NULL value for the table and csv formats. Scalars print as DuckDB would
// (dates YYYY-MM-DD, decimals with their scale); nested values (lists, structs, maps) and the
// JSON type print as compact JSON, which is unambiguous and parses back.
func text(v any, t *colType) string {
	if t != nil && t.id == "JSON" {
		return string(appendJSON(nil, v, t))
	}
	switch x := v.(type) {
	case string:
		return x
	case bool:
		return strconv.FormatBool(x)
	case int8, int16, int32, int64, int, uint8, uint16, uint32, uint64, uint:
		return fmt.Sprint(x)
	case float32:
		return formatFloat(float64(x), 32)
	case float64:
		return formatFloat(x, 64)
	case *big.Int:
		return x.String()
	case duckdb.Decimal:
		return decimalString(x)
	case time.Time:
		return timeString(x, t, ' ')
	case duckdb.Interval:
		return isoInterval(x)
	case []byte:
		if t != nil && t.id == "UUID" {
			return uuidString(x)
		}
		return blobString(x)
	case duckdb.UUID:
		return uuidString(x[:])
	}
	return string(appendJSON(nil, v, t))
}

// appendJSON appends v as JSON: numbers as numbers (NaN and infinities, which JSON cannot
// represent, as the strings "NaN", "Infinity", "-Infinity"), times as ISO 8601 strings, blobs
// as base64, UUIDs and intervals (ISO 8601 durations) as strings, structs and maps as objects.
func appendJSON(b []byte, v any, t *colType) []byte {
	switch x := v.(type) {
	case nil:
		return append(b, "null"...)
	case string:
		return appendJSONString(b, x)
	case bool:
		return strconv.AppendBool(b, x)
	case int8, int16, int32, int64, int, uint8, uint16, uint32, uint64, uint:
		return fmt.Append(b, x)
	case float32:
		return appendJSONFloat(b, float64(x), 32)
	case float64:
		return appendJSONFloat(b, x, 64)
	case *big.Int:
		if x == nil {
			return append(b, "null"...)
		}
		return x.Append(b, 10)
	case duckdb.Decimal:
		return append(b, decimalString(x)...)
	case time.Time:
		return appendJSONString(b, timeString(x, t, 'T'))
	case duckdb.Interval:
		return appendJSONString(b, isoInterval(x))
	case []byte:
		if t != nil && t.id == "UUID" {
			return appendJSONString(b, uuidString(x))
		}
		return appendJSONString(b, base64.StdEncoding.EncodeToString(x))
	case duckdb.UUID:
		return appendJSONString(b, uuidString(x[:]))
	case []any:
		var elem *colType
		if t != nil {
			elem = t.elem
		}
		b = append(b, '[')
		for i, e := range x {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSON(b, e, elem)
		}
		return append(b, ']')
	case map[string]any:
		return appendStruct(b, x, t)
	case duckdb.OrderedMap:
		var kt, vt *colType
		if t != nil {
			kt, vt = t.key, t.val
		}
		keys, vals := x.Keys(), x.Values()
		b = append(b, '{')
		for i := range keys {
			if i > 0 {
				b = append(b, ',')
			}
			key := "NULL"
			if keys[i] != nil {
				key = text(keys[i], kt)
			}
			b = appendJSONString(b, key)
			b = append(b, ':')
			b = appendJSON(b, vals[i], vt)
		}
		return append(b, '}')
	case duckdb.Union:
		return appendJSON(b, x.Value, t.field(x.Tag))
	}
	// A type this package does not know: whatever encoding/json makes of it, else its text.
	if j, err := json.Marshal(v); err == nil {
		return append(b, j...)
	}
	return appendJSONString(b, fmt.Sprint(v))
}

// appendStruct writes a STRUCT as an object with its fields in declared order (the driver
// hands it over as a Go map, which has none).
func appendStruct(b []byte, m map[string]any, t *colType) []byte {
	var names []string
	if t != nil {
		for _, f := range t.fields {
			if _, ok := m[f.name]; ok {
				names = append(names, f.name)
			}
		}
	}
	if len(names) < len(m) {
		var rest []string
		for k := range m {
			if !slices.Contains(names, k) {
				rest = append(rest, k)
			}
		}
		slices.Sort(rest)
		names = append(names, rest...)
	}
	b = append(b, '{')
	for i, k := range names {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, k)
		b = append(b, ':')
		b = appendJSON(b, m[k], t.field(k))
	}
	return append(b, '}')
}

func appendJSONFloat(b []byte, f float64, bits int) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return appendJSONString(b, formatFloat(f, bits))
	}
	return append(b, formatFloat(f, bits)...)
}

// formatFloat prints plain decimals for everyday magnitudes and exponents only for extreme
// ones (JavaScript's rule), so 123456789 does not become 1.23456789e+08.
func formatFloat(f float64, bits int) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	}
	if a := math.Abs(f); a != 0 && (a < 1e-6 || a >= 1e21) {
		return strconv.FormatFloat(f, 'g', -1, bits)
	}
	return strconv.FormatFloat(f, 'f', -1, bits)
}

// decimalString prints a DECIMAL exactly, with all the digits of its scale (1.50, not 1.5).
func decimalString(d duckdb.Decimal) string {
	if d.Value == nil {
		return "0"
	}
	s := new(big.Int).Abs(d.Value).String()
	if sc := int(d.Scale); sc > 0 {
		if len(s) <= sc {
			s = strings.Repeat("0", sc-len(s)+1) + s
		}
		s = s[:len(s)-sc] + "." + s[len(s)-sc:]
	}
	if d.Value.Sign() < 0 {
		s = "-" + s
	}
	return s
}

// timeString prints a date/time value by its DuckDB type; sep separates date and time (' ' in
// text, 'T' in JSON, as ISO 8601 wants). A time whose type is unknown prints in full.
func timeString(x time.Time, t *colType, sep byte) string {
	id := ""
	if t != nil {
		id = t.id
	}
	dateTime := "2006-01-02" + string(sep) + "15:04:05.999999999"
	switch id {
	case "DATE":
		return x.Format("2006-01-02")
	case "TIME":
		return x.Format("15:04:05.999999999")
	case "TIMETZ":
		return x.Format("15:04:05.999999999Z07:00")
	case "TIMESTAMP", "TIMESTAMP_S", "TIMESTAMP_MS", "TIMESTAMP_NS":
		return x.Format(dateTime)
	}
	return x.Format(dateTime + "Z07:00")
}

// isoInterval prints an INTERVAL as an ISO 8601 duration (P1Y2M3DT4H5M6.5S).
func isoInterval(iv duckdb.Interval) string {
	var b strings.Builder
	b.WriteByte('P')
	if y := iv.Months / 12; y != 0 {
		fmt.Fprintf(&b, "%dY", y)
	}
	if m := iv.Months % 12; m != 0 {
		fmt.Fprintf(&b, "%dM", m)
	}
	if iv.Days != 0 {
		fmt.Fprintf(&b, "%dD", iv.Days)
	}
	if us := iv.Micros; us != 0 {
		b.WriteByte('T')
		sign := ""
		if us < 0 {
			sign, us = "-", -us
		}
		if h := us / 3_600_000_000; h != 0 {
			fmt.Fprintf(&b, "%s%dH", sign, h)
		}
		if m := us / 60_000_000 % 60; m != 0 {
			fmt.Fprintf(&b, "%s%dM", sign, m)
		}
		if s, frac := us/1_000_000%60, us%1_000_000; s != 0 || frac != 0 {
			fmt.Fprintf(&b, "%s%d", sign, s)
			if frac != 0 {
				b.WriteString(strings.TrimRight(fmt.Sprintf(".%06d", frac), "0"))
			}
			b.WriteByte('S')
		}
	}
	if b.Len() == 1 {
		return "PT0S"
	}
	return b.String()
}

func uuidString(b []byte) string {
	if len(b) != 16 {
		return hex.EncodeToString(b)
	}
	h := hex.EncodeToString(b)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// blobString prints bytes as DuckDB does: printable ASCII as is, everything else as \xHH.
func blobString(p []byte) string {
	var b strings.Builder
	for _, c := range p {
		if c >= 0x20 && c < 0x7f && c != '\\' {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, `\x%02X`, c)
		}
	}
	return b.String()
}

// appendJSONString appends s as a JSON string. Unlike encoding/json it leaves <, > and &
// alone (the output is not HTML); invalid UTF-8 becomes U+FFFD.
func appendJSONString(b []byte, s string) []byte {
	const hexDigits = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c == '\n':
				b = append(b, '\\', 'n')
			case c == '\r':
				b = append(b, '\\', 'r')
			case c == '\t':
				b = append(b, '\\', 't')
			case c < 0x20 || c == 0x7f:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			// Valid JSON, but not valid JavaScript: escape them as encoding/json does.
			b = fmt.Appendf(b, `\u%04x`, r)
		default:
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}
