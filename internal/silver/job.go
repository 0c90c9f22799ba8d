package silver

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"sort"
	"time"

	"github.com/metalake/metalake/internal/deps"
	"github.com/metalake/metalake/internal/engine"
	"github.com/metalake/metalake/internal/lake"
	"github.com/metalake/metalake/internal/layer"
)

// Job runs silver for one table and date. Lake, Engine and Contracts are required; Now
// (default time.Now) and Log (default: discard) are optional.
type Job struct {
	Lake      *lake.Lake
	Engine    engine.Engine
	Contracts *Set
	Log       *slog.Logger
	Now       func() time.Time
}

func (j *Job) now() time.Time { return deps.Now(j.Now) }

func (j *Job) log() *slog.Logger { return deps.Log(j.Log) }

// Run computes silver table for run date d and publishes silver/{table}/run_date=d (replacing
// only that partition), the rows held back with it, and the report. On failure the report is
// written with status FAILED and the published partitions are left as they were.
//
// Errors: *ContractError (missing bronze partition or dependency, unknown layout, a model that
// breaks its contract), *PreviousMissingError (depends_on_past), *AccountingError; all three
// are not retryable. Anything else (I/O, engine) is.
func (j *Job) Run(ctx context.Context, table string, d lake.Date, mode Mode) (*Report, error) {
	t, ok := j.Contracts.Table(table)
	if !ok {
		return nil, fmt.Errorf("silver: no contract for table %q", table)
	}
	if mode != Incremental && mode != Full {
		return nil, fmt.Errorf("silver %s %s: mode %q: use incremental or full", table, d, mode)
	}
	task := layer.Task{Lake: j.Lake, Log: j.Log, Now: j.Now, Layer: lake.Silver, Table: table, RunDate: d,
		Start: j.now(), Key: ReportKey(table, d)}
	rep := &Report{Table: table, RunDate: d.String(), Mode: mode, Layouts: []string{},
		CleaningStrategies: []StrategyCount{}, Metrics: map[string]any{}, Sections: map[string]map[string]any{}}
	err := j.run(ctx, t, d, mode, rep, task.Start)
	err = task.Finish(ctx, rep, err, "silver table done", "mode", string(mode), "input", rep.InputCount,
		"output", rep.OutputCount, "duplicates", rep.DuplicatesRemoved, "dropped", rep.DroppedCount)
	return rep, err
}

// Stamp records the outcome of the run (layer.Report).
func (r *Report) Stamp(status, errText, processingTime string, durationS float64) {
	r.Status, r.Error, r.ProcessingTime, r.DurationS = status, errText, processingTime, durationS
}

// run resolves the inputs (committed partitions only, run dates ≤ d), then computes and
// publishes in one engine session; see doc.go for the relations it builds.
func (j *Job) run(ctx context.Context, t Table, d lake.Date, mode Mode, rep *Report, start time.Time) error {
	fail := func(err error) error { return fmt.Errorf("silver %s %s: %w", t.Name, d, err) }
	contractErr := func(format string, args ...any) error {
		return &ContractError{Table: t.Name, RunDate: d.String(), Err: fmt.Errorf(format, args...)}
	}
	tmp, err := j.Engine.TempDir("silver-" + t.Name)
	if err != nil {
		return fail(err)
	}
	defer os.RemoveAll(tmp)
	r := &resolver{j: j, t: t, d: d, mode: mode, rep: rep, tmp: tmp, fail: fail, contractErr: contractErr}
	in, err := r.resolve(ctx)
	if err != nil {
		return err
	}
	s, err := j.Engine.Session(ctx)
	if err != nil {
		return fail(err)
	}
	defer s.Close()
	b := &build{j: j, s: s, t: t, d: d, mode: mode, rep: rep, contractErr: contractErr,
		data: map[string]any{"RunDate": dateLiteral(d.String()), "Table": t.Name}}
	defer b.cleanup(context.WithoutCancel(ctx))
	return b.compute(ctx, in, start)
}

// inputs are the partitions one run reads, localised for the engine.
type inputs struct {
	bronze                   []partitionInput          // bronze(D), or every bronze ≤ D (full)
	carriedMain, carriedHeld *partitionInput           // silver(P) and held(P); nil without P
	deps                     map[string]partitionInput // silver tables of D the enrichment reads
}

type resolver struct {
	j           *Job
	t           Table
	d           lake.Date
	mode        Mode
	rep         *Report
	tmp         string
	fail        func(error) error
	contractErr func(string, ...any) error
}

func (r *resolver) resolve(ctx context.Context) (inputs, error) {
	var in inputs
	prev, err := r.bronze(ctx, &in)
	if err != nil {
		return in, err
	}
	if r.mode == Incremental && prev != nil {
		if err := r.previous(ctx, *prev, &in); err != nil {
			return in, err
		}
	}
	r.rep.InputCount = r.rep.BronzeInputCount + r.rep.CarriedCount
	in.deps = map[string]partitionInput{}
	for _, dep := range r.t.DependsOn {
		p, ok, err := r.j.committed(ctx, lake.PartitionDir(lake.Silver, dep, r.d), r.d)
		if err != nil {
			return in, r.fail(err)
		}
		if !ok {
			return in, r.contractErr("silver %s %s is not published: run silver %s first", dep, r.d, dep)
		}
		pi, err := r.j.localize(ctx, p, r.tmp)
		if err != nil {
			return in, r.fail(err)
		}
		if len(pi.paths) == 0 {
			return in, r.contractErr("silver %s %s is empty: nothing to enrich from", dep, r.d)
		}
		in.deps[dep] = pi
	}
	return in, nil
}

// bronze selects the bronze partitions to read (with their layouts) and returns the previous
// ingestion date: the latest date < d with a raw snapshot (SPEC §6) or a bronze partition (raw
// may have been removed since), so a snapshot whose bronze or silver did not run is never
// skipped silently.
func (r *resolver) bronze(ctx context.Context, in *inputs) (*lake.Date, error) {
	t, d := r.t, r.d
	parts, err := r.j.Lake.Partitions(ctx, lake.TableDir(lake.Bronze, t.Bronze))
	if err != nil {
		return nil, r.fail(err)
	}
	var use []lake.Partition
	var prev *lake.Date
	cur := false
	for _, p := range parts {
		switch {
		case p.Date.After(d):
		case p.Date.Equal(d):
			cur = true
			use = append(use, p)
		default:
			pd := p.Date
			prev = &pd
			if r.mode == Full {
				use = append(use, p)
			}
		}
	}
	if !cur {
		return nil, r.contractErr("no committed bronze %s partition for %s", t.Bronze, d)
	}
	raw, err := r.j.Lake.RawDates(ctx, t.Bronze)
	if err != nil {
		return nil, r.fail(err)
	}
	for _, rd := range raw {
		if rd.Before(d) && (prev == nil || rd.After(*prev)) {
			x := rd
			prev = &x
		}
	}
	layouts := map[string]bool{}
	for _, p := range use {
		pi, err := r.j.localize(ctx, p, r.tmp)
		if err != nil {
			return nil, r.fail(err)
		}
		if pi.layout, err = r.j.bronzeLayout(ctx, t.Bronze, p.Date); err != nil {
			return nil, &ContractError{Table: t.Name, RunDate: d.String(), Err: err}
		}
		layouts[pi.layout] = true
		in.bronze = append(in.bronze, pi)
		r.rep.BronzeInputCount += pi.rows()
	}
	r.rep.BronzePartitions = len(in.bronze)
	for l := range layouts {
		r.rep.Layouts = append(r.rep.Layouts, l)
	}
	sort.Strings(r.rep.Layouts)
	return prev, nil
}

// previous finds silver(P) and the rows held back at P (depends_on_past): both committed, by
// the same attempt.
func (r *resolver) previous(ctx context.Context, prev lake.Date, in *inputs) error {
	t, p := r.t, prev.String()
	r.rep.PreviousRunDate = &p
	main, ok, err := r.j.committed(ctx, lake.PartitionDir(lake.Silver, t.Name, prev), prev)
	if err != nil {
		return r.fail(err)
	}
	if !ok {
		return &PreviousMissingError{Table: t.Name, RunDate: r.d.String(), Previous: p}
	}
	held, ok, err := r.j.committed(ctx, HeldDir(t.Name, prev), prev)
	if err != nil {
		return r.fail(err)
	}
	if !ok || held.Manifest.Attempt != main.Manifest.Attempt {
		return &PreviousMissingError{Table: t.Name, RunDate: r.d.String(), Previous: p, Held: true}
	}
	m, err := r.j.localize(ctx, main, r.tmp)
	if err != nil {
		return r.fail(err)
	}
	h, err := r.j.localize(ctx, held, r.tmp)
	if err != nil {
		return r.fail(err)
	}
	in.carriedMain, in.carriedHeld = &m, &h
	r.rep.CarriedCount = m.rows() + h.rows()
	r.rep.CarriedHeldCount = h.rows()
	return nil
}
