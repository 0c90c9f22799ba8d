package pipeline

import (
	"context"
	"fmt"
	"maps"
	"os"

	"github.com/metalake/metalake/internal/engine"
	"github.com/metalake/metalake/internal/gold"
	"github.com/metalake/metalake/internal/lake"
	"github.com/metalake/metalake/internal/silver"
)

// auditColumns may differ between two runs of the same date; they never count as a change.
var auditColumns = []string{"ingest_ts", "silver_processed_ts", "created_at_ts", "created_at", "updated_at", "pipeline_run_id"}

// fingerprint summarises the business content of d's silver partitions and gold facts, one
// "rows:hash" per table. (Dimensions are whole-table: a changed version shows in the facts.)
func (r *Runner) fingerprint(ctx context.Context, d lake.Date) (map[string]string, error) {
	set, err := silver.Default()
	if err != nil {
		return nil, err
	}
	s, err := r.Engine.Session(ctx)
	if err != nil {
		return nil, err
	}
	defer s.Close()
	tmp, err := r.Engine.TempDir("fingerprint")
	if err != nil {
		return nil, err
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
	out := map[string]string{}
	for name, dir := range parts {
		m, ok, err := r.Lake.ReadManifest(ctx, dir)
		if err != nil || !ok {
			return nil, fmt.Errorf("%s %s: no committed partition (%v)", name, d, err)
		}
		files, err := engine.Inputs(ctx, r.Engine, r.Lake.B, m.Keys(dir), tmp)
		if err != nil {
			return nil, err
		}
		fp, err := s.Fingerprint(ctx, files, auditColumns)
		if err != nil {
			return nil, err
		}
		out[name] = fp
	}
	return out, nil
}

// markStale records d's fingerprint and, when a rerun changed d's outputs, marks every later
// date that had succeeded as stale (its results were computed from the old d): their state
// and pipeline summary say so until they are recomputed with --date D --to LATEST --force.
func (r *Runner) markStale(ctx context.Context, d lake.Date, prev RunState, hadPrev bool, st *RunState) error {
	fp, err := r.fingerprint(ctx, d)
	if err != nil {
		return err
	}
	st.Fingerprint = fp
	if !hadPrev || prev.Fingerprint == nil || maps.Equal(prev.Fingerprint, fp) {
		return nil
	}
	later, err := ListStates(ctx, r.Lake)
	if err != nil {
		return err
	}
	for _, l := range later {
		ld, err := lake.ParseDate(l.RunDate)
		if err != nil || !ld.After(d) || l.Status != StatusSuccess {
			continue
		}
		l.Stale = true
		l.StaleReason = fmt.Sprintf("%s was rerun and its outputs changed; recompute with: metalake run --date %s --to %s --force", d, d, ld)
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
		r.log().Warn("later date is stale", "run_date", l.RunDate, "because", d.String())
	}
	return nil
}
