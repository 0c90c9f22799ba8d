package schedule

import (
	"errors"
	"fmt"
	"time"
	_ "time/tzdata" // schedules name IANA zones; hosts without zoneinfo still resolve them
)

// DateLayout is the format of run dates and Spec.Start.
const DateLayout = "2006-01-02"

// maxScanDays bounds the search for the next fire. The rarest satisfiable schedules fire on
// one date and weekday together ("0 0 */31 2 1": 1 February when it is a Monday — a field
// written with * restricts with AND, as in Vixie cron), which can be eleven years apart (2027,
// then 2038) and more across a century's skipped leap day; 29 February alone can be eight
// (2096, then 2104). Thirty years covers the 28-year calendar cycle with room to spare.
const maxScanDays = 30 * 366

// Spec configures the scheduler (metalake.yaml's schedule section).
type Spec struct {
	// Cron is a five-field cron expression (minute hour day-of-month month day-of-week), e.g.
	// "0 2 * * *", or one of @yearly, @monthly, @weekly, @daily, @hourly.
	Cron string `yaml:"cron"`
	// TZ is the IANA time zone the expression is read in, e.g. "Asia/Bangkok" or "UTC".
	TZ string `yaml:"tz"`
	// Offset is how many days before its fire's local date a run's date is: Airflow's ds is 1,
	// the day before. It is taken literally: 0 processes the fire's own day. DefaultSpec sets 1.
	Offset int `yaml:"offset"`
	// Start is the first run date to catch up from (YYYY-MM-DD); empty means no catchup.
	Start string `yaml:"start"`
}

// DefaultSpec is metalake's schedule: daily at 02:00 Asia/Bangkok processing the previous day.
func DefaultSpec() Spec {
	return Spec{Cron: "0 2 * * *", TZ: "Asia/Bangkok", Offset: 1}
}

// maxOffset bounds Offset: a larger offset is almost certainly a typo.
const maxOffset = 366

// Validate names the first invalid field and how to fix it.
func (s Spec) Validate() error {
	_, err := New(s)
	return err
}

// Schedule is a validated Spec, ready to compute fire times and run dates. It is immutable and
// safe for concurrent use.
type Schedule struct {
	spec  Spec
	cron  cronExpr
	loc   *time.Location
	start time.Time // civil date of Start at UTC midnight; zero when no catchup
}

// New validates s and returns its schedule. Errors name the field (schedule.cron, schedule.tz,
// schedule.offset, schedule.start) and the fix.
func New(s Spec) (*Schedule, error) {
	if s.Cron == "" {
		return nil, errors.New(`schedule.cron is empty: set a five-field cron expression, e.g. "0 2 * * *" (daily at 02:00)`)
	}
	c, err := parseCron(s.Cron)
	if err != nil {
		return nil, fmt.Errorf("schedule.cron: %w", err)
	}
	if s.TZ == "" {
		return nil, errors.New(`schedule.tz is empty: set an IANA time zone, e.g. "Asia/Bangkok" or "UTC"`)
	}
	loc, err := time.LoadLocation(s.TZ)
	if err != nil {
		return nil, fmt.Errorf("schedule.tz = %q: not a known IANA time zone: use a name such as \"Asia/Bangkok\", \"Europe/Berlin\" or \"UTC\"", s.TZ)
	}
	if s.Offset < 0 || s.Offset > maxOffset {
		return nil, fmt.Errorf("schedule.offset = %d: use the number of days between a fire and the date it processes, 0 to %d (1 processes the previous day)", s.Offset, maxOffset)
	}
	sc := &Schedule{spec: s, cron: c, loc: loc}
	if s.Start != "" {
		st, err := time.Parse(DateLayout, s.Start)
		if err != nil {
			return nil, fmt.Errorf("schedule.start = %q: use a date YYYY-MM-DD, e.g. 2024-01-01, or leave it empty for no catchup", s.Start)
		}
		sc.start = st
	}
	return sc, nil
}

// Spec returns the schedule's configuration.
func (s *Schedule) Spec() Spec { return s.spec }

// Location returns the schedule's time zone.
func (s *Schedule) Location() *time.Location { return s.loc }

// Next returns the first fire time strictly after `after`, in the schedule's time zone.
func (s *Schedule) Next(after time.Time) time.Time {
	// Start a day early: a skipped wall time late on the previous day fires at a jump that may
	// land after midnight.
	day := civilDay(after.In(s.loc)).AddDate(0, 0, -1)
	for i := 0; i < maxScanDays; i++ {
		if t, ok := s.firstAfter(day, after); ok {
			// Fires of the following day cannot come earlier unless a jump reorders them.
			if u, ok := s.firstAfter(day.AddDate(0, 0, 1), after); ok && u.Before(t) {
				return u
			}
			return t
		}
		day = day.AddDate(0, 0, 1)
	}
	return time.Time{} // unreachable for a validated expression
}

// Prev returns the last fire time at or before t, or the zero time when there is none within
// thirty years.
func (s *Schedule) Prev(t time.Time) time.Time {
	day := civilDay(t.In(s.loc)).AddDate(0, 0, 1)
	for i := 0; i < maxScanDays; i++ {
		var last time.Time
		for _, f := range s.fires(day) {
			if !f.After(t) && f.After(last) {
				last = f
			}
		}
		if !last.IsZero() {
			return last
		}
		day = day.AddDate(0, 0, -1)
	}
	return time.Time{}
}

// RunDate returns the date (YYYY-MM-DD) the run fired at fire processes: fire's local date in
// the schedule's zone minus Offset days.
func (s *Schedule) RunDate(fire time.Time) string {
	return civilDay(fire.In(s.loc)).AddDate(0, 0, -s.spec.Offset).Format(DateLayout)
}

// Due returns, in date order, the run dates that should run by now and for which done is false.
//
// With Start set (catchup) these are the run dates, from Start on, of every fire at or before
// now. Without Start only the latest fire at or before now counts (no catchup). A schedule that
// fires several times a day yields each run date once.
func (s *Schedule) Due(now time.Time, done func(runDate string) bool) []string {
	var out []string
	add := func(rd string) {
		if !done(rd) {
			out = append(out, rd)
		}
	}
	if s.start.IsZero() {
		if f := s.Prev(now); !f.IsZero() {
			add(s.RunDate(f))
		}
		return out
	}
	// The first fire that processes Start or later is on Start+Offset (local) or later.
	first := s.start.AddDate(0, 0, s.spec.Offset)
	after := s.midnight(first).Add(-time.Nanosecond)
	last := ""
	for {
		f := s.Next(after)
		if f.IsZero() || f.After(now) {
			return out
		}
		if rd := s.RunDate(f); rd != last {
			add(rd)
			last = rd
		}
		// Later fires on the same local day process the same date: skip to the next day.
		after = f
		if next := s.midnight(civilDay(f.In(s.loc)).AddDate(0, 0, 1)).Add(-time.Nanosecond); next.After(after) {
			after = next
		}
	}
}

// midnight is the first instant of civil day d in the schedule's zone (or the end of a jump
// over midnight).
func (s *Schedule) midnight(d time.Time) time.Time {
	return s.instant(d, 0, 0)
}

// firstAfter returns the first fire of civil day d strictly after t.
func (s *Schedule) firstAfter(d, t time.Time) (time.Time, bool) {
	for _, f := range s.fires(d) {
		if f.After(t) {
			return f, true
		}
	}
	return time.Time{}, false
}

// fires lists the fire instants of civil day d (UTC midnight) in ascending order.
func (s *Schedule) fires(d time.Time) []time.Time {
	if !s.cron.matchDay(d.Day(), int(d.Month()), int(d.Weekday())) {
		return nil
	}
	var out []time.Time
	for _, h := range values(s.cron.hour) {
		for _, m := range values(s.cron.minute) {
			t := s.instant(d, h, m)
			// Two skipped wall times map to the same jump: fire once.
			if n := len(out); n > 0 && !t.After(out[n-1]) {
				continue
			}
			out = append(out, t)
		}
	}
	return out
}

// instant returns the first instant at which the wall clock of the schedule's zone reads h:m on
// civil day d: the earlier of two occurrences after a fall-back, and the jump itself when a
// spring-forward skips h:m.
func (s *Schedule) instant(d time.Time, h, m int) time.Time {
	y, mo, dd := d.Date()
	want := time.Date(y, mo, dd, h, m, 0, 0, time.UTC)
	t := time.Date(y, mo, dd, h, m, 0, 0, s.loc)
	start, end := t.ZoneBounds()
	_, off := t.Zone()
	offsets := []int{off}
	if !start.IsZero() {
		_, o := start.Add(-time.Nanosecond).Zone()
		offsets = append(offsets, o)
	}
	if !end.IsZero() {
		_, o := end.Zone()
		offsets = append(offsets, o)
	}
	var best time.Time
	for _, o := range offsets {
		u := want.Add(-time.Duration(o) * time.Second).In(s.loc)
		if wall(u).Equal(want) && (best.IsZero() || u.Before(best)) {
			best = u
		}
	}
	if !best.IsZero() {
		return best
	}
	// h:m was skipped. Go resolves it with the offset from before the jump, landing past it.
	for _, j := range []time.Time{start, end} {
		if !j.IsZero() && wall(j.Add(-time.Nanosecond).In(s.loc)).Before(want) && wall(j.In(s.loc)).After(want) {
			return j.In(s.loc)
		}
	}
	return t
}

// wall is t's local wall-clock reading as a UTC time, for comparing wall times.
func wall(t time.Time) time.Time {
	y, mo, d := t.Date()
	h, m, sec := t.Clock()
	return time.Date(y, mo, d, h, m, sec, t.Nanosecond(), time.UTC)
}

// civilDay is t's local date at UTC midnight.
func civilDay(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}
