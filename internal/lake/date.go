package lake

import (
	"fmt"
	"time"
)

// DateLayout is the lake's date format (run_date=, ingestion_date=).
const DateLayout = "2006-01-02"

// Date is a calendar day (UTC midnight).
type Date struct{ t time.Time }

// ParseDate parses YYYY-MM-DD and rejects anything else with a message naming the value.
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(DateLayout, s)
	if err != nil {
		return Date{}, fmt.Errorf("invalid date %q: use YYYY-MM-DD, e.g. 2024-01-15", s)
	}
	return Date{t: t}, nil
}

// DateOf truncates t to its UTC day.
func DateOf(t time.Time) Date {
	y, m, d := t.UTC().Date()
	return Date{t: time.Date(y, m, d, 0, 0, 0, 0, time.UTC)}
}

func (d Date) String() string               { return d.t.Format(DateLayout) }
func (d Date) Time() time.Time              { return d.t }
func (d Date) IsZero() bool                 { return d.t.IsZero() }
func (d Date) AddDays(n int) Date           { return Date{t: d.t.AddDate(0, 0, n)} }
func (d Date) Before(o Date) bool           { return d.t.Before(o.t) }
func (d Date) After(o Date) bool            { return d.t.After(o.t) }
func (d Date) Equal(o Date) bool            { return d.t.Equal(o.t) }
func (d Date) MarshalText() ([]byte, error) { return []byte(d.String()), nil }
func (d *Date) UnmarshalText(b []byte) error {
	p, err := ParseDate(string(b))
	if err != nil {
		return err
	}
	*d = p
	return nil
}
