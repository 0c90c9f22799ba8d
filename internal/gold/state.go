package gold

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/metalake/metalake/internal/lake"
	"github.com/metalake/metalake/internal/storage"
)

// dimState is _state/gold/{dim}.json: what a dimension needs beyond its rows.
//
// HighWaterSK is the largest surrogate key ever handed out. It is written before the version
// that uses new keys is published, so a key committed once is never handed out again, even
// after the version holding it was merged away (and MAX(sk) of the committed rows dropped).
// Keys of an attempt that never committed were never visible, so they may be handed out again.
//
// Reserved makes a retried build hand out the keys its failed attempt handed out: a build
// that finds the committed version its predecessor started from (the predecessor never
// committed) starts numbering from the predecessor's starting high-water key, not from the
// keys the predecessor reserved. A retry after a network fault then gives the lake a clean run
// gives, instead of one whose new keys skip a range.
//
// ProcessedDates are the run dates whose silver the dimension has absorbed: an out-of-order
// run consults the silver of later processed dates to know where the history it splits
// resumes (see doc.go).
type dimState struct {
	Table          string       `json:"table"`
	HighWaterSK    int64        `json:"high_water_sk"`
	Reserved       *reservation `json:"reserved,omitempty"`
	ProcessedDates []string     `json:"processed_dates"`
}

// reservation is what the build that last wrote the state started from: the committed version
// (Base, committedVersion's id) and the high-water key then (every key ever committed is at or
// below it).
type reservation struct {
	Base        string `json:"base"`
	HighWaterSK int64  `json:"high_water_sk"`
}

// committedVersion identifies the committed version a build reads ("none" before the first).
func committedVersion(m lake.Manifest, found bool) string {
	if !found {
		return "none"
	}
	return m.Attempt + " " + m.CommittedAt.UTC().Format(time.RFC3339Nano)
}

// startingHighWater is the largest key a build must not hand out again: every key the state
// covers, unless the last build that wrote the state started from the same committed version
// (then the keys it added were never committed), and every committed key.
func (s dimState) startingHighWater(base string, committedMax int64) int64 {
	if r := s.Reserved; r != nil && r.Base == base {
		return max(r.HighWaterSK, committedMax)
	}
	return max(s.HighWaterSK, committedMax)
}

// StateKey is the key of a dimension's state file.
func StateKey(table string) string { return fmt.Sprintf("_state/gold/%s.json", table) }

func readState(ctx context.Context, lk *lake.Lake, table string) (dimState, error) {
	st := dimState{Table: table}
	err := lk.GetJSON(ctx, StateKey(table), &st)
	if storage.IsNotFound(err) {
		return dimState{Table: table}, nil
	}
	if err != nil {
		return st, fmt.Errorf("read %s: %w", StateKey(table), err)
	}
	return st, nil
}

func (s *dimState) add(d lake.Date) {
	for _, x := range s.ProcessedDates {
		if x == d.String() {
			return
		}
	}
	s.ProcessedDates = append(s.ProcessedDates, d.String())
	sort.Strings(s.ProcessedDates)
}

func (s dimState) processed(d lake.Date) bool {
	for _, x := range s.ProcessedDates {
		if x == d.String() {
			return true
		}
	}
	return false
}

// after returns the processed dates later than d, oldest first.
func (s dimState) after(d lake.Date) []lake.Date {
	var out []lake.Date
	for _, x := range s.ProcessedDates {
		p, err := lake.ParseDate(x)
		if err == nil && p.After(d) {
			out = append(out, p)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Before(out[j]) })
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
