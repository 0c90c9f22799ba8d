package synth

import "strconv"

// quoting is how a file quotes its fields. The three styles imitate the files metalake reads.
type quoting uint8

const (
	// quoteMinimal quotes a field only when it must (plan layout, like pandas' to_csv).
	quoteMinimal quoting = iota
	// quoteText always quotes text and dates, never numbers or booleans; null is an empty
	// field (Meta Kaggle's Users, Datasets, DatasetVersions, Kernels …).
	quoteText
	// quoteAll quotes every field, nulls as "" (Meta Kaggle's Competitions.csv).
	quoteAll
)

// timeFormat is how timestamps and dates are spelled.
type timeFormat uint8

const (
	timeKaggle timeFormat = iota // MM/DD/YYYY HH:MM:SS and MM/DD/YYYY
	timePlan                     // YYYY-MM-DD HH:MM:SS and YYYY-MM-DD
)

// row builds one CSV record in a reusable byte buffer: no fmt, no per-field allocation.
type row struct {
	b  []byte
	q  quoting
	tf timeFormat
	n  int // fields appended so far
}

func (r *row) reset() {
	r.b = r.b[:0]
	r.n = 0
}

func (r *row) sep() {
	if r.n > 0 {
		r.b = append(r.b, ',')
	}
	r.n++
}

// num appends a bare numeric literal (already formatted), quoted only under quoteAll.
func (r *row) num(lit string) {
	r.sep()
	if r.q == quoteAll {
		r.b = append(r.b, '"')
		r.b = append(r.b, lit...)
		r.b = append(r.b, '"')
		return
	}
	r.b = append(r.b, lit...)
}

func (r *row) int(v int64) {
	r.sep()
	if r.q == quoteAll {
		r.b = append(r.b, '"')
		r.b = strconv.AppendInt(r.b, v, 10)
		r.b = append(r.b, '"')
		return
	}
	r.b = strconv.AppendInt(r.b, v, 10)
}

// intOrNull appends v, or a null when ok is false.
func (r *row) intOrNull(v int64, ok bool) {
	if ok {
		r.int(v)
	} else {
		r.null()
	}
}

func (r *row) null() {
	r.sep()
	if r.q == quoteAll {
		r.b = append(r.b, '"', '"')
	}
}

func (r *row) boolean(v bool) {
	if v {
		r.num("True")
	} else {
		r.num("False")
	}
}

// text appends a text field; an empty text is a null, as in the real files.
func (r *row) text(s string) {
	if s == "" {
		r.null()
		return
	}
	r.sep()
	r.b = appendText(r.b, s, r.q)
}

func (r *row) textBytes(s []byte) {
	if len(s) == 0 {
		r.null()
		return
	}
	r.sep()
	r.b = appendText(r.b, s, r.q)
}

// quoted appends s inside quotes whatever the style: the raw files quote such values even
// where a minimal writer would not (a value of spaces, a JSON array).
func (r *row) quoted(s string) {
	r.sep()
	r.b = appendQuoted(r.b, s)
}

func appendText[S string | []byte](b []byte, s S, q quoting) []byte {
	if q != quoteMinimal || needsQuotes(s) {
		return appendQuoted(b, s)
	}
	return append(b, s...)
}

func needsQuotes[S string | []byte](s S) bool {
	if len(s) == 0 {
		return false
	}
	if s[0] == ' ' || s[0] == '\t' || s[len(s)-1] == ' ' {
		return true
	}
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case ',', '"', '\n', '\r':
			return true
		}
	}
	return false
}

func appendQuoted[S string | []byte](b []byte, s S) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		if s[i] == '"' {
			b = append(b, s[start:i+1]...)
			b = append(b, '"')
			start = i + 1
		}
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// Timestamps are Unix seconds (UTC). Formatting is done by hand: time.Time.AppendFormat costs
// several times more and this is on the hot path of every row.

const secondsPerDay = 86400

// civil converts days since 1970-01-01 into a proleptic Gregorian date (H. Hinnant's
// days_from_civil inverse).
func civil(days int64) (y, m, d int) {
	z := days + 719468
	era := z / 146097
	if z < 0 && z%146097 != 0 {
		era--
	}
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	yy := yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d = int(doy - (153*mp+2)/5 + 1)
	if mp < 10 {
		m = int(mp + 3)
	} else {
		m = int(mp - 9)
	}
	if m <= 2 {
		yy++
	}
	return int(yy), m, d
}

// daysFromCivil is the inverse of civil.
func daysFromCivil(y, m, d int) int64 {
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era--
	}
	yoe := int64(y - era*400)
	mm := int64(m)
	if mm > 2 {
		mm -= 3
	} else {
		mm += 9
	}
	doy := (153*mm+2)/5 + int64(d) - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return int64(era)*146097 + doe - 719468
}

func append2(b []byte, v int) []byte { return append(b, byte('0'+v/10), byte('0'+v%10)) }

func append4(b []byte, v int) []byte {
	return append(b, byte('0'+v/1000%10), byte('0'+v/100%10), byte('0'+v/10%10), byte('0'+v%10))
}

func appendDate(b []byte, sec int64, tf timeFormat) []byte {
	days := sec / secondsPerDay
	if sec < 0 && sec%secondsPerDay != 0 {
		days--
	}
	y, m, d := civil(days)
	if tf == timePlan {
		b = append4(b, y)
		b = append(b, '-')
		b = append2(b, m)
		b = append(b, '-')
		return append2(b, d)
	}
	b = append2(b, m)
	b = append(b, '/')
	b = append2(b, d)
	b = append(b, '/')
	return append4(b, y)
}

func appendTimestamp(b []byte, sec int64, tf timeFormat) []byte {
	b = appendDate(b, sec, tf)
	s := int(sec % secondsPerDay)
	if s < 0 {
		s += secondsPerDay
	}
	b = append(b, ' ')
	b = append2(b, s/3600)
	b = append(b, ':')
	b = append2(b, s/60%60)
	b = append(b, ':')
	return append2(b, s%60)
}

// ts appends a timestamp field (quoted as text in the Kaggle files).
func (r *row) ts(sec int64) {
	r.sep()
	if r.q != quoteMinimal {
		r.b = append(r.b, '"')
	}
	r.b = appendTimestamp(r.b, sec, r.tf)
	if r.q != quoteMinimal {
		r.b = append(r.b, '"')
	}
}

// date appends a date-only field.
func (r *row) date(sec int64) {
	r.sep()
	if r.q != quoteMinimal {
		r.b = append(r.b, '"')
	}
	r.b = appendDate(r.b, sec, r.tf)
	if r.q != quoteMinimal {
		r.b = append(r.b, '"')
	}
}
