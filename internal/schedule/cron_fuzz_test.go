package schedule_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/metalake/metalake/internal/schedule"
)

// fuzzZones are the zones FuzzCron reads expressions in: UTC, where every fire must match the
// expression exactly, and zones with daylight-saving jumps of one hour and of 30 minutes.
var fuzzZones = []string{"UTC", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Asia/Bangkok"}

// FuzzCron parses arbitrary cron expressions and asks an accepted one for its next fire after
// an arbitrary instant (years 1970–2200). It asserts:
//
//   - New never panics; a refused expression's error is about schedule.cron and quotes the
//     expression or the offending field;
//   - an accepted expression fires again (Next is never the zero time: every accepted
//     expression fires at least once in any thirty years), strictly after the given instant,
//     on a whole minute;
//   - Next and Prev agree: the fire is a fire (Prev(next) == next) and there is none between
//     the instant and it;
//   - the fire matches the expression, checked by a naive matcher written from the cron
//     syntax: in UTC exactly; in a zone with daylight saving, the wall clock matches unless the
//     fire is the instant of a jump (a skipped wall time fires at the jump).
func FuzzCron(f *testing.F) {
	f.Fuzz(func(t *testing.T, expr string, zone uint8, after int64) {
		tz := fuzzZones[int(zone)%len(fuzzZones)]
		s, err := schedule.New(schedule.Spec{Cron: expr, TZ: tz})
		if err != nil {
			checkCronError(t, expr, err)
			return
		}
		const lo, hi = 0, 7258118400 // 1970-01-01 .. 2200-01-01
		at := time.Unix(lo+int64(uint64(after)%uint64(hi-lo)), int64(uint64(after)%1e9)).UTC()
		next := s.Next(at)
		if next.IsZero() {
			t.Fatalf("%q (%s) accepted but never fires after %s", expr, tz, at)
		}
		if !next.After(at) || next.Second() != 0 || next.Nanosecond() != 0 {
			t.Fatalf("%q (%s): Next(%s) = %s, want a whole minute after it", expr, tz, at, next)
		}
		if p := s.Prev(next); !p.Equal(next) {
			t.Fatalf("%q (%s): Next(%s) = %s but Prev of it = %s", expr, tz, at, next, p)
		}
		if p := s.Prev(next.Add(-time.Nanosecond)); p.After(at) {
			t.Fatalf("%q (%s): Next(%s) = %s skips the fire at %s", expr, tz, at, next, p)
		}
		c := parseNaiveCron(t, expr)
		local := next.In(s.Location())
		start, _ := local.ZoneBounds()
		jump := tz != "UTC" && local.Equal(start)
		if !c.matches(local) && !jump {
			t.Fatalf("%q (%s): Next(%s) = %s (%s local), which the expression does not select",
				expr, tz, at, next, local.Format("Mon 2006-01-02 15:04"))
		}
	})
}

func checkCronError(t *testing.T, expr string, err error) {
	t.Helper()
	msg := err.Error()
	if !strings.HasPrefix(msg, "schedule.cron") {
		t.Fatalf("%q: error %q is not about schedule.cron", expr, msg)
	}
	if expr == "" {
		return
	}
	quoted := []string{strconv.Quote(expr), strconv.Quote(strings.TrimSpace(expr))}
	for _, f := range strings.Fields(expr) {
		quoted = append(quoted, strconv.Quote(f))
	}
	for _, q := range quoted {
		if strings.Contains(msg, q) {
			return
		}
	}
	t.Fatalf("%q: error %q quotes neither the expression nor a field of it", expr, msg)
}

// naiveCron is a deliberately simple reading of a five-field expression, independent of the
// parser under test: each field keeps its text and is asked, value by value, whether it
// selects it.
type naiveCron struct {
	domStar, dowStar  bool
	minute, hour, dom naiveField
	month, dow        naiveField
}

type naiveField struct {
	text     string
	min, max int
	names    []string
}

func parseNaiveCron(t *testing.T, expr string) naiveCron {
	t.Helper()
	s := strings.TrimSpace(expr)
	switch strings.ToLower(s) {
	case "@yearly", "@annually":
		s = "0 0 1 1 *"
	case "@monthly":
		s = "0 0 1 * *"
	case "@weekly":
		s = "0 0 * * 0"
	case "@daily", "@midnight":
		s = "0 0 * * *"
	case "@hourly":
		s = "0 * * * *"
	}
	fs := strings.Fields(s)
	if len(fs) != 5 {
		t.Fatalf("%q accepted with %d fields", expr, len(fs))
	}
	months := []string{"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"}
	days := []string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}
	return naiveCron{
		domStar: strings.HasPrefix(fs[2], "*"), dowStar: strings.HasPrefix(fs[4], "*"),
		minute: naiveField{fs[0], 0, 59, nil}, hour: naiveField{fs[1], 0, 23, nil},
		dom: naiveField{fs[2], 1, 31, nil}, month: naiveField{fs[3], 1, 12, months},
		dow: naiveField{fs[4], 0, 7, days},
	}
}

func (c naiveCron) matches(t time.Time) bool {
	if !c.minute.has(t.Minute()) || !c.hour.has(t.Hour()) || !c.month.has(int(t.Month())) {
		return false
	}
	wd := int(t.Weekday())
	domOK := c.dom.has(t.Day())
	dowOK := c.dow.has(wd) || (wd == 0 && c.dow.has(7)) // 7 is Sunday too
	if c.domStar || c.dowStar {
		return domOK && dowOK
	}
	return domOK || dowOK
}

// has reports whether one of the field's comma-separated items selects v.
func (f naiveField) has(v int) bool {
	for _, item := range strings.Split(f.text, ",") {
		rng, stepText, stepped := strings.Cut(item, "/")
		step := 1
		if stepped {
			step, _ = strconv.Atoi(stepText)
		}
		var lo, hi int
		switch {
		case rng == "*":
			lo, hi = f.min, f.max
			if f.max == 7 {
				hi = 6
			}
		case strings.Contains(rng, "-"):
			a, b, _ := strings.Cut(rng, "-")
			lo, hi = f.num(a), f.num(b)
		default:
			lo = f.num(rng)
			hi = lo
			if stepped {
				hi = f.max
			}
		}
		if v >= lo && v <= hi && (v-lo)%step == 0 {
			return true
		}
	}
	return false
}

func (f naiveField) num(s string) int {
	for i, n := range f.names {
		if strings.EqualFold(n, s) {
			return f.min + i
		}
	}
	n, _ := strconv.Atoi(s)
	return n
}
