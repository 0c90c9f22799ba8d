package pipeline

import (
	"context"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"

	"github.com/metalake/metalake/internal/engine"
	"github.com/metalake/metalake/internal/gold"
	"github.com/metalake/metalake/internal/lake"
	"github.com/metalake/metalake/internal/silver"
)

// Stale dates (SPEC §6): when a rerun of date D changes D's outputs, every later date that had
// succeeded was computed from the old outputs and is marked stale. Whether the outputs changed
// is told by fingerprints, which hash every row of D's silver partitions and gold facts — a
// few percent of a run. So they are computed only when a later date could go stale: the daily
// run of the newest date computes none. A rerun of D with later successful dates compares the
// fingerprint of D's outputs from before its first attempt (see beforeFingerprint) with the
// one after it succeeded (markStale). A date that runs for the first time after later dates
// succeeded (late raw data) marks them stale without fingerprints: they never saw its outputs.

// auditColumns may differ between two runs of the same date; they never count as a change.
var auditColumns = []string{"ingest_ts", "silver_processed_ts", "created_at_ts", "created_at", "updated_at", "pipeline_run_id"}

// unknownFingerprint stands for a table whose partition could not be read before a rerun. It
// equals no "rows:hash", so the rerun counts the table as changed.
const unknownFingerprint = "unknown"

// absentFingerprint is the "before" of a date that runs for the first time after later dates
// succeeded (its raw data arrived late): they were computed without its outputs.
const absentFingerprint = "absent"

// Fingerprint summarises the business content of d's committed silver partitions and gold
// facts, one "rows:hash" per table (dimensions are whole-table: a changed version shows in the
// facts). Two runs of a date produced the same business content when their fingerprints are
// equal. It fails when a partition is missing or cannot be read.
func (r *Runner) Fingerprint(ctx context.Context, d lake.Date) (map[string]string, error) {
	out := map[string]string{}
	err := r.fingerprintEach(ctx, d, func(name, fp string, err error) error {
		if err != nil {
			return err
		}
		out[name] = fp
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// fingerprintEach calls f with the fingerprint of each of d's outputs, or why it could not be
// computed. An error returned by f stops it.
func (r *Runner) fingerprintEach(ctx context.Context, d lake.Date, f func(name, fp string, err error) error) error {
	set, err := silver.Default()
	if err != nil {
		return err
	}
	s, err := r.Engine.Session(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	tmp, err := r.Engine.TempDir("fingerprint")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	parts := map[string]string{}
	for _, t := range set.Tables {
		parts["silver."+t.Name] = lake.PartitionDir(lake.Silver, t.Name, d)
	}
	for _, t := range gold.Tables() {
		if t.Kind != gold.KindDimension {
			parts["gold."+t.Name] = lake.PartitionDir(lake.Gold, t.Name, d)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(parts)) {
		dir := parts[name]
		fp, err := func() (string, error) {
			m, ok, err := r.Lake.ReadManifest(ctx, dir)
			if err != nil || !ok {
				return "", fmt.Errorf("%s %s: no committed partition (%v)", name, d, err)
			}
			files, err := engine.Inputs(ctx, r.Engine, r.Lake.B, m.Keys(dir), tmp)
			if err != nil {
				return "", fmt.Errorf("%s %s: %w", name, d, err)
			}
			return s.Fingerprint(ctx, files, auditColumns)
		}()
		if err := f(name, fp, err); err != nil {
			return err
		}
	}
	return nil
}

// beforeFingerprint is what a run of d compares its outputs with, or nil when no comparison is
// needed. It runs before the DAG, and the run's first saved state keeps it, so an attempt that
// is killed and resumed still compares with the outputs as they were before the rerun began.
//
// Only a date that ran before (hadPrev) and has later successful dates needs one. The earlier
// attempt's fingerprint is kept when there is one (the later dates were computed from those
// outputs: a failed attempt may since have overwritten some of them). Otherwise it is computed
// from the committed outputs. A partition that is missing or cannot be read is recorded as
// unknownFingerprint, which no result equals: the later dates are then marked stale, with the
// reason, rather than risking a change going unnoticed; and a rerun that repairs a broken
// partition is never blocked by it.
//
// A date that never ran before but has later successful dates (its raw data arrived after
// they ran: each built on the ingestion date before it, which is now d) has no outputs they
// were computed from: its "before" is absentFingerprint, and they are marked stale once it
// succeeds.
//
// Without later successful dates nothing can go stale and the earlier fingerprint is dropped:
// any date that succeeds after this attempt is computed from the outputs as they are then,
// which a later rerun of d fingerprints afresh.
func (r *Runner) beforeFingerprint(ctx context.Context, d lake.Date, prev RunState, hadPrev bool) (map[string]string, error) {
	later, err := laterSuccesses(ctx, r.Lake, d)
	if err != nil || len(later) == 0 {
		return nil, err
	}
	if !hadPrev {
		return map[string]string{"outputs": absentFingerprint}, nil
	}
	if len(prev.Fingerprint) > 0 {
		return prev.Fingerprint, nil
	}
	out := map[string]string{}
	err = r.fingerprintEach(ctx, d, func(name, fp string, err error) error {
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			r.log().Warn("outputs before the rerun cannot be read; later dates will be marked stale", "run_date", d.String(), "table", name, "err", err)
			fp = unknownFingerprint
		}
		out[name] = fp
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// laterSuccesses returns the states of the dates after d whose last run succeeded: they were
// computed from d's outputs. Only the states after d are read, so the run of the newest date
// lists their names and reads none.
func laterSuccesses(ctx context.Context, lk *lake.Lake, d lake.Date) ([]RunState, error) {
	self := lake.StateKey(d)
	keys, err := stateKeys(ctx, lk, func(name string) bool { return name > self })
	if err != nil {
		return nil, err
	}
	states, err := readStates(ctx, lk, keys)
	if err != nil {
		return nil, err
	}
	var out []RunState
	for _, st := range states {
		ld, err := lake.ParseDate(st.RunDate)
		if err == nil && ld.After(d) && st.Status == StatusSuccess {
			out = append(out, st)
		}
	}
	return out, nil
}

// markStale compares d's outputs, just produced, with before (see beforeFingerprint) and, when
// they differ, marks every later date that had succeeded as stale: their state and pipeline
// summary say so until they are recomputed with --date D --to LATEST --force. st.Fingerprint
// becomes the new fingerprint only once every later date is marked, so a check that fails
// midway compares with before again when resumed.
func (r *Runner) markStale(ctx context.Context, d lake.Date, before map[string]string, st *RunState) error {
	fp, err := r.Fingerprint(ctx, d)
	if err != nil {
		return err
	}
	if maps.Equal(before, fp) {
		st.Fingerprint = fp
		return nil
	}
	why := "was rerun and its outputs changed"
	var unknown []string
	for name, v := range before {
		if v == unknownFingerprint {
			unknown = append(unknown, name)
		}
	}
	if len(unknown) > 0 {
		slices.Sort(unknown)
		why = fmt.Sprintf("was rerun and its outputs before the rerun could not all be read (%s), so they may have changed", strings.Join(unknown, ", "))
	}
	if before["outputs"] == absentFingerprint {
		why = "was run after them for the first time (its raw data arrived late), so they were computed without it"
	}
	later, err := laterSuccesses(ctx, r.Lake, d)
	if err != nil {
		return err
	}
	for _, l := range later {
		ld, _ := lake.ParseDate(l.RunDate)
		l.Stale = true
		l.StaleReason = fmt.Sprintf("%s %s; recompute with: metalake run --date %s --to %s --force", d, why, d, ld)
		if err := saveState(ctx, r.Lake, l); err != nil {
			return err
		}
		key := lake.ReportKey("", ld, "pipeline_summary.json")
		var s PipelineSummary
		if err := r.Lake.GetJSON(ctx, key, &s); err == nil {
			s.Stale = true
			if err := r.Lake.PutJSON(ctx, key, s); err != nil {
				return err
			}
		}
		st.MarkedStale = append(st.MarkedStale, l.RunDate)
		r.log().Warn("later date is stale", "run_date", l.RunDate, "because", d.String(), "why", why)
	}
	st.Fingerprint = fp
	return nil
}
