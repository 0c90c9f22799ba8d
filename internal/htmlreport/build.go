package htmlreport

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/metalake/metalake/internal/bronze"
	"github.com/metalake/metalake/internal/engine"
	"github.com/metalake/metalake/internal/gold"
	"github.com/metalake/metalake/internal/lake"
	"github.com/metalake/metalake/internal/lock"
	"github.com/metalake/metalake/internal/monitor"
	"github.com/metalake/metalake/internal/pipeline"
	"github.com/metalake/metalake/internal/silver"
	"github.com/metalake/metalake/internal/storage"
)

// ErrNoRun is returned by Build for a date the lake knows nothing of: no run state and no
// report.
var ErrNoRun = errors.New("this date never ran in the lake")

// DefaultHistoryDates is how many run dates, up to the report's, the history shows.
const DefaultHistoryDates = 400

// Options tune Build.
type Options struct {
	// Engine runs the data charts and the reject samples through the read-only query catalog
	// (its limits and temporary directory); nil leaves them out.
	Engine engine.Engine
	// HistoryDates bounds the history (default DefaultHistoryDates).
	HistoryDates int
	// DateLink turns dates into links: a fmt pattern such as "/report/%s" (serve).
	DateLink string
	// Home, when set, is linked from the page's header (serve's run grid).
	Home string
	Now  func() time.Time
}

// Build reads everything the report of d shows, through the lake's read paths only (run
// state, reports, catalog and monitoring objects; data through the query catalog, which reads
// committed partitions only). It writes nothing.
func Build(ctx context.Context, lk *lake.Lake, d lake.Date, o Options) (*Report, error) {
	now := time.Now
	if o.Now != nil {
		now = o.Now
	}
	rep := &Report{RunDate: d.String(), Lake: lk.B.Name(), GeneratedAt: now().UTC().Format(time.RFC3339),
		Status: "not run", DateLink: o.DateLink, Home: o.Home, Flow: []TableFlow{}, Rejects: []TableRejects{},
		GoldFacts: []gold.FactReport{}, Missing: []string{}}
	st, ran, err := pipeline.LoadState(ctx, lk, d)
	if err != nil {
		return nil, err
	}
	live, err := lockLive(ctx, lk)
	if err != nil {
		return nil, err
	}
	if ran {
		states := []pipeline.RunState{st}
		if !live {
			pipeline.MarkInterrupted(states)
		}
		rep.Run = runView(states[0])
		rep.Status = states[0].Status
	}
	found, err := rep.readReports(ctx, lk, d)
	if err != nil {
		return nil, err
	}
	if !ran && !found {
		return nil, fmt.Errorf("%w: %s", ErrNoRun, d)
	}
	rep.assemble()
	n := o.HistoryDates
	if n <= 0 {
		n = DefaultHistoryDates
	}
	if rep.History, err = buildHistory(ctx, lk, d, n, live); err != nil {
		return nil, err
	}
	if o.Engine != nil {
		if rep.Data, err = dataCharts(ctx, lk, o.Engine, d); err != nil {
			return nil, err
		}
	}
	return rep, nil
}

// lockLive reports whether a live process holds the lake's run lock (a running state is then
// really running; otherwise it is shown as interrupted, as status shows it).
func lockLive(ctx context.Context, lk *lake.Lake) (bool, error) {
	_, live, err := lock.Active(ctx, lk.B, lock.Key, lock.Options{})
	return live, err
}

// runView arranges a run state for the timeline: tasks by start, times since the run began.
func runView(st pipeline.RunState) *Run {
	r := &Run{Status: st.Status, StartedAt: st.StartedAt.UTC().Format(time.RFC3339), DurationS: RunDuration(st),
		Stale: st.Stale, StaleReason: st.StaleReason, Stages: StageRuns(st), Counts: map[string]int{}, Tasks: []Task{}}
	if st.FinishedAt != nil {
		r.FinishedAt = st.FinishedAt.UTC().Format(time.RFC3339)
	}
	for _, t := range st.Tasks {
		v := Task{Task: t.Task, Stage: StageOf(t.Task), Status: t.Status, Attempts: t.Attempts, DurationS: t.DurationS, Error: t.Error}
		if t.StartedAt != nil {
			v.Started = true
			v.StartS = round3(t.StartedAt.Sub(st.StartedAt).Seconds())
			v.EndS = v.StartS
		}
		if t.EndedAt != nil {
			v.EndS = round3(t.EndedAt.Sub(st.StartedAt).Seconds())
		}
		r.Counts[t.Status]++
		if t.Attempts > 1 {
			r.Retried++
		}
		r.Tasks = append(r.Tasks, v)
	}
	// By start; the tasks that never started last, in the DAG's order.
	sort.SliceStable(r.Tasks, func(i, j int) bool {
		a, b := r.Tasks[i], r.Tasks[j]
		if a.Started != b.Started {
			return a.Started
		}
		return a.StartS < b.StartS
	})
	return r
}

// reports read by readReports before assemble arranges them.
type reports struct {
	bronze map[string]bronze.Report
	silver map[string]silver.Report
}

// readReports reads every report of d; found is false when there is none at all.
func (r *Report) readReports(ctx context.Context, lk *lake.Lake, d lake.Date) (found bool, err error) {
	get := func(key string, v any, expected bool) (bool, error) {
		err := lk.GetJSON(ctx, key, v)
		switch {
		case err == nil:
			found = true
			return true, nil
		case storage.IsNotFound(err):
			if expected {
				r.Missing = append(r.Missing, key)
			}
			return false, nil
		}
		return false, fmt.Errorf("htmlreport: read %s: %w", key, err)
	}
	var ps pipeline.PipelineSummary
	if ok, err := get(lake.ReportKey("", d, "pipeline_summary.json"), &ps, true); err != nil {
		return false, err
	} else if ok {
		r.Summary = &ps
	}
	rs := reports{bronze: map[string]bronze.Report{}, silver: map[string]silver.Report{}}
	for _, layer := range []string{lake.Bronze, lake.Silver, lake.Gold} {
		names, err := reportFiles(ctx, lk, layer, d)
		if err != nil {
			return false, err
		}
		if len(names) == 0 {
			r.Missing = append(r.Missing, lake.ReportKey(layer, d, ""))
		}
		for _, name := range names {
			if err := r.readReport(get, &rs, layer, d, name); err != nil {
				return false, err
			}
		}
	}
	var mon monitor.Report
	if ok, err := get(monitor.Key(d), &mon, true); err != nil {
		return false, err
	} else if ok {
		r.Monitor = &mon
	}
	r.rs = rs
	return found, nil
}

// readReport reads one report file of a layer into its place.
func (r *Report) readReport(get func(string, any, bool) (bool, error), rs *reports, layer string, d lake.Date, name string) error {
	key := lake.ReportKey(layer, d, name)
	base := strings.TrimSuffix(name, ".json")
	var err error
	switch {
	case layer == lake.Bronze && name == "bronze_summary.json":
	case layer == lake.Bronze && strings.HasSuffix(base, "_report"):
		var b bronze.Report
		if _, err = get(key, &b, false); err == nil {
			rs.bronze[b.Table] = b
		}
	case layer == lake.Silver && name == "silver_dq_report.json":
		var q silver.DQReport
		if _, err = get(key, &q, false); err == nil {
			r.SilverDQ = &q
		}
	case layer == lake.Silver && strings.HasSuffix(base, "_report"):
		var s silver.Report
		if _, err = get(key, &s, false); err == nil {
			rs.silver[s.Table] = s
		}
	case layer == lake.Gold && name == "gold_validation_report.json":
		var v gold.Validation
		if _, err = get(key, &v, false); err == nil {
			r.Validation = &v
		}
	case layer == lake.Gold && strings.HasSuffix(base, "_stats"):
		var s gold.DimStats
		if _, err = get(key, &s, false); err == nil {
			r.GoldDims = append(r.GoldDims, s)
		}
	case layer == lake.Gold && strings.HasSuffix(base, "_report"):
		var f gold.FactReport
		if _, err = get(key, &f, false); err == nil {
			r.GoldFacts = append(r.GoldFacts, f)
		}
	}
	return err
}

// reportFiles lists the file names in a layer's report folder of d, sorted.
func reportFiles(ctx context.Context, lk *lake.Lake, layer string, d lake.Date) ([]string, error) {
	dir := lake.ReportKey(layer, d, "")
	var names []string
	err := lk.B.Iter(ctx, dir, func(key string) error {
		if strings.HasSuffix(key, ".json") {
			names = append(names, strings.TrimPrefix(key, dir))
		}
		return nil
	})
	if err != nil && !storage.IsNotFound(err) {
		return nil, fmt.Errorf("htmlreport: list %s: %w", dir, err)
	}
	sort.Strings(names)
	return names, nil
}
