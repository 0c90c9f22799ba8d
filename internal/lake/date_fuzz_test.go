package lake_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/metalake/metalake/internal/lake"
)

// FuzzParseDate parses arbitrary text as a date flag or partition name. It asserts:
//
//   - ParseDate never panics;
//   - a refusal quotes the input, so the user sees what was wrong;
//   - an accepted date is canonical: String() gives back exactly the input (a partition name
//     has one spelling), it is UTC midnight, and it re-parses (ParseDate and UnmarshalText)
//     equal to itself;
//   - the neighbouring days round-trip too and keep their order.
func FuzzParseDate(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string) {
		d, err := lake.ParseDate(s)
		if err != nil {
			if want := fmt.Sprintf("%q", s); !strings.Contains(err.Error(), want) {
				t.Fatalf("ParseDate(%q) error %q does not quote the input", s, err)
			}
			var u lake.Date
			if uerr := u.UnmarshalText([]byte(s)); uerr == nil {
				t.Fatalf("UnmarshalText(%q) accepted what ParseDate refused", s)
			}
			return
		}
		if d.String() != s {
			t.Fatalf("ParseDate(%q).String() = %q: an accepted date must be canonical", s, d.String())
		}
		tm := d.Time()
		if tm.Location() != time.UTC || tm.Hour() != 0 || tm.Minute() != 0 || tm.Second() != 0 || tm.Nanosecond() != 0 {
			t.Fatalf("ParseDate(%q) = %v, want UTC midnight", s, tm)
		}
		again, err := lake.ParseDate(d.String())
		if err != nil || !again.Equal(d) {
			t.Fatalf("ParseDate(%q) = %v, %v; want %v", d.String(), again, err, d)
		}
		text, _ := d.MarshalText()
		var u lake.Date
		if err := u.UnmarshalText(text); err != nil || !u.Equal(d) {
			t.Fatalf("UnmarshalText(%q) = %v, %v; want %v", text, u, err, d)
		}
		if !lake.DateOf(tm.Add(23 * time.Hour)).Equal(d) {
			t.Fatalf("DateOf(%v) is not %v", tm.Add(23*time.Hour), d)
		}
		for _, n := range []int{-1, 1} {
			nb := d.AddDays(n)
			p, err := lake.ParseDate(nb.String())
			if nb.Time().Year() >= 0 && nb.Time().Year() <= 9999 && (err != nil || !p.Equal(nb)) {
				t.Fatalf("%v %+d days = %v does not round-trip: %v, %v", d, n, nb, p, err)
			}
			if (n > 0) != nb.After(d) || !nb.AddDays(-n).Equal(d) {
				t.Fatalf("%v %+d days = %v: order or inverse broken", d, n, nb)
			}
		}
	})
}
