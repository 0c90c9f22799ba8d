package schedule_test

import (
	"strings"
	"testing"
	"time"

	"github.com/metalake/metalake/internal/schedule"
)

func mustNew(t *testing.T, s schedule.Spec) *schedule.Schedule {
	t.Helper()
	sc, err := schedule.New(s)
	if err != nil {
		t.Fatalf("New(%+v): %v", s, err)
	}
	return sc
}

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestDefaultSpecBangkok(t *testing.T) {
	t.Parallel()
	sc := mustNew(t, schedule.DefaultSpec())

	// 02:00 in Bangkok (+07) is 19:00 UTC the day before.
	got := sc.Next(mustTime(t, "2024-01-15T12:00:00Z"))
	if want := mustTime(t, "2024-01-15T19:00:00Z"); !got.Equal(want) {
		t.Fatalf("Next = %s, want %s", got, want)
	}
	if got.Location().String() != "Asia/Bangkok" {
		t.Errorf("Next location = %s, want Asia/Bangkok", got.Location())
	}
	if wall := got.Format("2006-01-02 15:04 -0700"); wall != "2024-01-16 02:00 +0700" {
		t.Errorf("Next wall time = %s, want 2024-01-16 02:00 +0700", wall)
	}
	// The run fired 2024-01-16 02:00 +07 processes 2024-01-15 (Airflow's ds).
	if rd := sc.RunDate(got); rd != "2024-01-15" {
		t.Errorf("RunDate(%s) = %s, want 2024-01-15", got, rd)
	}
	// RunDate reads the fire in the schedule's zone, whatever zone the caller passes.
	if rd := sc.RunDate(got.UTC()); rd != "2024-01-15" {
		t.Errorf("RunDate(UTC %s) = %s, want 2024-01-15", got.UTC(), rd)
	}
}

func TestNext(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		spec        schedule.Spec
		after, want string
	}{
		{"strictly after a fire", schedule.DefaultSpec(), "2024-01-15T19:00:00Z", "2024-01-16T19:00:00Z"},
		{"just before a fire", schedule.DefaultSpec(), "2024-01-15T18:59:59Z", "2024-01-15T19:00:00Z"},
		{"UTC every 15 min", schedule.Spec{Cron: "*/15 * * * *", TZ: "UTC"}, "2024-01-15T10:07:00Z", "2024-01-15T10:15:00Z"},
		{"hour rollover", schedule.Spec{Cron: "*/15 * * * *", TZ: "UTC"}, "2024-01-15T10:45:00Z", "2024-01-15T11:00:00Z"},
		{"weekdays only, Friday to Monday", schedule.Spec{Cron: "30 6 * * mon-fri", TZ: "UTC"}, "2024-01-19T07:00:00Z", "2024-01-22T06:30:00Z"},
		{"day 7 is Sunday", schedule.Spec{Cron: "0 0 * * 7", TZ: "UTC"}, "2024-01-15T00:00:00Z", "2024-01-21T00:00:00Z"},
		{"month names and list", schedule.Spec{Cron: "0 0 1 jan,jul *", TZ: "UTC"}, "2024-01-01T00:00:00Z", "2024-07-01T00:00:00Z"},
		{"leap day", schedule.Spec{Cron: "0 0 29 2 *", TZ: "UTC"}, "2024-03-01T00:00:00Z", "2028-02-29T00:00:00Z"},
		{"31st skips short months", schedule.Spec{Cron: "0 12 31 * *", TZ: "UTC"}, "2024-01-31T12:00:00Z", "2024-03-31T12:00:00Z"},
		// Both day fields restricted: either matches (Vixie cron). 2024-01-13 is a Saturday.
		{"dom or dow", schedule.Spec{Cron: "0 0 15 * sat", TZ: "UTC"}, "2024-01-10T00:00:00Z", "2024-01-13T00:00:00Z"},
		{"@daily descriptor", schedule.Spec{Cron: "@daily", TZ: "Asia/Tokyo"}, "2024-01-15T16:00:00Z", "2024-01-16T15:00:00Z"},
		{"range with step", schedule.Spec{Cron: "10-40/10 3 * * *", TZ: "UTC"}, "2024-01-15T03:20:00Z", "2024-01-15T03:30:00Z"},
		// Sao Paulo sprang forward at midnight 2018-11-04 (00:00 -03 -> 01:00 -02): midnight
		// fires at the jump, on the right local day.
		{"spring forward at midnight", schedule.Spec{Cron: "0 0 * * *", TZ: "America/Sao_Paulo"}, "2018-11-03T12:00:00Z", "2018-11-04T03:00:00Z"},
		{"value with step", schedule.Spec{Cron: "50/5 3 * * *", TZ: "UTC"}, "2024-01-15T03:50:00Z", "2024-01-15T03:55:00Z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sc := mustNew(t, tt.spec)
			got := sc.Next(mustTime(t, tt.after))
			if want := mustTime(t, tt.want); !got.Equal(want) {
				t.Errorf("%q in %s: Next(%s) = %s, want %s", tt.spec.Cron, tt.spec.TZ, tt.after, got.UTC(), want)
			}
		})
	}
}

func TestBerlinDST(t *testing.T) {
	t.Parallel()
	sc := mustNew(t, schedule.Spec{Cron: "30 2 * * *", TZ: "Europe/Berlin", Offset: 1})
	// Walk one fire at a time across both 2024 transitions and check each day fires exactly
	// once, on its own local date.
	tests := []struct {
		after, want string
	}{
		// Before spring forward: 02:30 CET = 01:30 UTC.
		{"2024-03-30T00:00:00Z", "2024-03-30T01:30:00Z"},
		// 2024-03-31 02:30 does not exist (02:00 -> 03:00): it fires at the jump, 03:00 CEST.
		{"2024-03-30T01:30:00Z", "2024-03-31T01:00:00Z"},
		// The next day is back to 02:30, now CEST = 00:30 UTC.
		{"2024-03-31T01:00:00Z", "2024-04-01T00:30:00Z"},
		// 2024-10-27 02:30 happens twice (03:00 CEST -> 02:00 CET): only the first, CEST.
		{"2024-10-26T00:30:00Z", "2024-10-27T00:30:00Z"},
		{"2024-10-27T00:30:00Z", "2024-10-28T01:30:00Z"},
	}
	for _, tt := range tests {
		got := sc.Next(mustTime(t, tt.after))
		if want := mustTime(t, tt.want); !got.Equal(want) {
			t.Errorf("Next(%s) = %s (%s), want %s", tt.after, got.UTC(), got, want)
		}
	}
	fire := sc.Next(mustTime(t, "2024-03-30T01:30:00Z"))
	if rd := sc.RunDate(fire); rd != "2024-03-30" {
		t.Errorf("RunDate of the spring-forward fire %s = %s, want 2024-03-30", fire, rd)
	}

	// Count fires per local day over both transitions: one each.
	seen := map[string]int{}
	for f := sc.Next(mustTime(t, "2024-03-25T00:00:00Z")); f.Before(mustTime(t, "2024-11-05T00:00:00Z")); f = sc.Next(f) {
		seen[f.Format("2006-01-02")]++
	}
	if len(seen) != 225 { // 2024-03-25 .. 2024-11-04
		t.Errorf("fired on %d local days, want 225", len(seen))
	}
	for day, n := range seen {
		if n != 1 {
			t.Errorf("fired %d times on %s, want once", n, day)
		}
	}
}

func TestHourlyAcrossFallBackFiresEachWallTimeOnce(t *testing.T) {
	t.Parallel()
	sc := mustNew(t, schedule.Spec{Cron: "0 * * * *", TZ: "Europe/Berlin"})
	var got []string
	for f := sc.Next(mustTime(t, "2024-10-26T22:30:00Z")); f.Before(mustTime(t, "2024-10-27T03:30:00Z")); f = sc.Next(f) {
		got = append(got, f.UTC().Format("15:04"))
	}
	// Local 01:00 CEST, 02:00 CEST, then 03:00 and 04:00 CET: the repeated 02:00 (CET, 01:00 UTC)
	// does not fire again.
	want := "23:00,00:00,02:00,03:00"
	if strings.Join(got, ",") != want {
		t.Errorf("hourly fires across fall-back (UTC) = %v, want %s", got, want)
	}
}

func TestPrev(t *testing.T) {
	t.Parallel()
	sc := mustNew(t, schedule.DefaultSpec())
	tests := []struct{ at, want string }{
		{"2024-01-15T19:00:00Z", "2024-01-15T19:00:00Z"}, // at a fire: that fire
		{"2024-01-15T18:59:59Z", "2024-01-14T19:00:00Z"},
		{"2024-01-16T10:00:00Z", "2024-01-15T19:00:00Z"},
	}
	for _, tt := range tests {
		if got := sc.Prev(mustTime(t, tt.at)); !got.Equal(mustTime(t, tt.want)) {
			t.Errorf("Prev(%s) = %s, want %s", tt.at, got.UTC(), tt.want)
		}
	}
}

func TestDue(t *testing.T) {
	t.Parallel()
	bangkok := schedule.DefaultSpec()
	withStart := func(s schedule.Spec, start string) schedule.Spec { s.Start = start; return s }
	tests := []struct {
		name string
		spec schedule.Spec
		now  string
		done []string
		want []string
	}{
		{
			// Fires 2024-01-16/17/18 02:00 +07 have passed; the 19th's (18:00 UTC+1h) has not.
			name: "three missed days in order",
			spec: withStart(bangkok, "2024-01-15"),
			now:  "2024-01-18T18:00:00Z",
			want: []string{"2024-01-15", "2024-01-16", "2024-01-17"},
		},
		{
			name: "a fire exactly at now is due",
			spec: withStart(bangkok, "2024-01-15"),
			now:  "2024-01-18T19:00:00Z",
			want: []string{"2024-01-15", "2024-01-16", "2024-01-17", "2024-01-18"},
		},
		{
			name: "done dates are not run again",
			spec: withStart(bangkok, "2024-01-15"),
			now:  "2024-01-18T18:00:00Z",
			done: []string{"2024-01-15", "2024-01-17"},
			want: []string{"2024-01-16"},
		},
		{
			name: "everything done",
			spec: withStart(bangkok, "2024-01-15"),
			now:  "2024-01-18T18:00:00Z",
			done: []string{"2024-01-15", "2024-01-16", "2024-01-17"},
			want: nil,
		},
		{
			name: "start in the future",
			spec: withStart(bangkok, "2024-02-01"),
			now:  "2024-01-18T18:00:00Z",
			want: nil,
		},
		{
			name: "no start: only the latest fire",
			spec: bangkok,
			now:  "2024-01-18T18:00:00Z",
			want: []string{"2024-01-17"},
		},
		{
			name: "no start, latest already done",
			spec: bangkok,
			now:  "2024-01-18T18:00:00Z",
			done: []string{"2024-01-17"},
			want: nil,
		},
		{
			name: "offset 0 processes the fire's own day",
			spec: schedule.Spec{Cron: "0 23 * * *", TZ: "UTC", Offset: 0, Start: "2024-01-15"},
			now:  "2024-01-16T23:30:00Z",
			want: []string{"2024-01-15", "2024-01-16"},
		},
		{
			name: "several fires a day yield each date once",
			spec: schedule.Spec{Cron: "0 */6 * * *", TZ: "UTC", Offset: 1, Start: "2024-01-15"},
			now:  "2024-01-18T07:00:00Z",
			want: []string{"2024-01-15", "2024-01-16", "2024-01-17"},
		},
		{
			name: "weekly: start between fires",
			spec: schedule.Spec{Cron: "0 2 * * mon", TZ: "UTC", Offset: 1, Start: "2024-01-10"},
			now:  "2024-01-30T00:00:00Z",
			// Mondays 15, 22, 29 process the Sundays before.
			want: []string{"2024-01-14", "2024-01-21", "2024-01-28"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sc := mustNew(t, tt.spec)
			done := map[string]bool{}
			for _, d := range tt.done {
				done[d] = true
			}
			got := sc.Due(mustTime(t, tt.now), func(d string) bool { return done[d] })
			if strings.Join(got, ",") != strings.Join(tt.want, ",") {
				t.Errorf("Due(%s) = %v, want %v", tt.now, got, tt.want)
			}
		})
	}
}

func TestDueAfterCatchupReturnsNothingNew(t *testing.T) {
	t.Parallel()
	spec := schedule.DefaultSpec()
	spec.Start = "2024-01-15"
	sc := mustNew(t, spec)
	now := mustTime(t, "2024-01-18T18:00:00Z")
	done := map[string]bool{}
	for _, d := range sc.Due(now, func(d string) bool { return done[d] }) {
		done[d] = true // the scheduler runs them
	}
	if again := sc.Due(now, func(d string) bool { return done[d] }); len(again) != 0 {
		t.Errorf("second Due at the same time = %v, want nothing (no double run)", again)
	}
	// The next fire adds exactly one date.
	next := sc.Next(now)
	if got := sc.Due(next, func(d string) bool { return done[d] }); strings.Join(got, ",") != "2024-01-18" {
		t.Errorf("Due at the next fire %s = %v, want [2024-01-18]", next, got)
	}
}

func TestValidate(t *testing.T) {
	t.Parallel()
	ok := schedule.DefaultSpec()
	with := func(f func(*schedule.Spec)) schedule.Spec { s := ok; f(&s); return s }
	tests := []struct {
		name string
		spec schedule.Spec
		want []string // substrings of the error; nil: valid
	}{
		{"default", ok, nil},
		{"with start", with(func(s *schedule.Spec) { s.Start = "2024-01-01" }), nil},
		{"offset 0", with(func(s *schedule.Spec) { s.Offset = 0 }), nil},
		{"descriptor", with(func(s *schedule.Spec) { s.Cron = "@hourly" }), nil},
		{"empty cron", with(func(s *schedule.Spec) { s.Cron = "" }), []string{"schedule.cron", "0 2 * * *"}},
		{"four fields", with(func(s *schedule.Spec) { s.Cron = "0 2 * *" }), []string{"schedule.cron", "4 fields, want 5"}},
		{"six fields", with(func(s *schedule.Spec) { s.Cron = "0 0 2 * * *" }), []string{"schedule.cron", "seconds are not supported"}},
		{"minute out of range", with(func(s *schedule.Spec) { s.Cron = "60 2 * * *" }), []string{"schedule.cron", "minute", "out of range 0-59"}},
		{"hour out of range", with(func(s *schedule.Spec) { s.Cron = "0 24 * * *" }), []string{"schedule.cron", "hour", "out of range 0-23"}},
		{"bad name", with(func(s *schedule.Spec) { s.Cron = "0 2 * * funday" }), []string{"schedule.cron", "day-of-week", `"funday" is not a number`}},
		{"zero step", with(func(s *schedule.Spec) { s.Cron = "*/0 2 * * *" }), []string{"schedule.cron", "step"}},
		{"backwards range", with(func(s *schedule.Spec) { s.Cron = "0 5-2 * * *" }), []string{"schedule.cron", "backwards"}},
		{"never fires", with(func(s *schedule.Spec) { s.Cron = "0 0 30 2 *" }), []string{"schedule.cron", "never fires"}},
		{"unknown descriptor", with(func(s *schedule.Spec) { s.Cron = "@every 5m" }), []string{"schedule.cron", "descriptor"}},
		{"empty tz", with(func(s *schedule.Spec) { s.TZ = "" }), []string{"schedule.tz", "Asia/Bangkok"}},
		{"unknown tz", with(func(s *schedule.Spec) { s.TZ = "Mars/Olympus" }), []string{"schedule.tz", "Mars/Olympus"}},
		{"negative offset", with(func(s *schedule.Spec) { s.Offset = -1 }), []string{"schedule.offset = -1", "previous day"}},
		{"huge offset", with(func(s *schedule.Spec) { s.Offset = 1000 }), []string{"schedule.offset = 1000"}},
		{"bad start", with(func(s *schedule.Spec) { s.Start = "15/01/2024" }), []string{"schedule.start", "YYYY-MM-DD"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := tt.spec.Validate()
			if tt.want == nil {
				if err != nil {
					t.Fatalf("Validate(%+v) = %v, want nil", tt.spec, err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Validate(%+v) = nil, want an error mentioning %q", tt.spec, tt.want)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Validate error %q does not mention %q", err, w)
				}
			}
			if _, nerr := schedule.New(tt.spec); nerr == nil || nerr.Error() != err.Error() {
				t.Errorf("New error %v differs from Validate error %v", nerr, err)
			}
		})
	}
}
