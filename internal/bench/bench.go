package bench

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"runtime"
	"time"

	"github.com/metalake/metalake/internal/engine"
	"github.com/metalake/metalake/internal/lake"
	"github.com/metalake/metalake/internal/pipeline"
)

// Options of one bench.
type Options struct {
	// Dir is the bench directory, a local directory: the raw snapshots, and the lake the runs
	// write. Run claims it (see Run); everything bench writes stays in it.
	Dir string
	// Runner runs a date as `metalake run` does; its Lake must be Dir's.
	Runner *pipeline.Runner
	// Raw is what to generate when Dir holds no raw snapshots for the dates (or ones bench
	// generated from another spec). Start and Days also name the dates run.
	Raw RawSpec
	// Engine configures the floor's DuckDB: the run's threads and memory limit, and the
	// parent of its work directory ("": Dir/_staging/engine, where the CLI's run engine works,
	// so a killed bench's leftovers are removed by the next process). Log is the Runner's.
	Engine engine.Options
	// Progress, when set, receives one line per phase (generating, floor, run of a date).
	Progress func(line string)
}

// Validate reports the first invalid option, naming it and the fix.
func (o Options) Validate() error {
	switch {
	case o.Dir == "":
		return errors.New("bench: Dir is empty: give the bench directory")
	case o.Runner == nil || o.Runner.Lake == nil || o.Runner.Contracts == nil:
		return errors.New("bench: Runner (with Lake and Contracts) is required")
	case o.Raw.Days < 1:
		return fmt.Errorf("bench: Raw.Days is %d: run 1 date or more", o.Raw.Days)
	case o.Raw.Users < 1:
		return fmt.Errorf("bench: Raw.Users is %d: give 1 user or more", o.Raw.Users)
	}
	if _, err := lake.ParseDate(o.Raw.Start); err != nil {
		return fmt.Errorf("bench: Raw.Start: %w", err)
	}
	return o.Engine.Validate()
}

// benchRun is one bench in progress.
type benchRun struct {
	o     Options
	lk    *lake.Lake
	dates []lake.Date
}

// Run measures the pipeline against its floor in o.Dir:
//
//  1. claims the directory (a bench directory, or an empty one or one holding raw/ only; a
//     lake with run outputs is refused with a *DirError), and reuses its raw snapshots of the
//     dates or generates them;
//  2. removes the outputs of earlier benches (Reset), so day 1 runs on a lake with no history;
//  3. for each date, oldest first: day 1 and the last day are measured — their raw files are
//     read once (so both sides read from the page cache), the floor converts them (a fresh
//     DuckDB), then the run of the date — and the days between are run and timed only.
//
// The caller holds the directory's lake lock and removes what it does not keep (Reset).
func Run(ctx context.Context, o Options) (Result, error) {
	if err := o.Validate(); err != nil {
		return Result{}, err
	}
	start, _ := lake.ParseDate(o.Raw.Start)
	b := &benchRun{o: o, lk: o.Runner.Lake}
	for i := 0; i < o.Raw.Days; i++ {
		b.dates = append(b.dates, start.AddDays(i))
	}
	res := Result{Lake: o.Dir, Unmeasured: []DayRun{},
		Engine: EngineInfo{Threads: o.Engine.Threads, MemoryLimit: o.Engine.MemoryLimit, Parallelism: o.Runner.Parallelism, CPUs: runtime.NumCPU()}}
	m, err := claim(ctx, b.lk, o.Dir)
	if err != nil {
		return res, err
	}
	if res.Raw, err = b.prepareRaw(ctx, &m); err != nil {
		return res, err
	}
	if err := Reset(o.Dir); err != nil {
		return res, err
	}
	for i, d := range b.dates {
		day := i + 1
		if i > 0 && i < len(b.dates)-1 {
			b.progress("run %s (day %d, not measured)", d, day)
			st, secs, err := b.run(ctx, d)
			if err != nil {
				return res, err
			}
			res.Unmeasured = append(res.Unmeasured, DayRun{Date: d.String(), Day: day, Status: st.Status, Seconds: secs})
			continue
		}
		dr, err := b.measure(ctx, d, day)
		if err != nil {
			return res, err
		}
		res.Dates = append(res.Dates, dr)
	}
	if res.LakeFiles, err = Walk(o.Dir); err != nil {
		return res, err
	}
	res.PeakRSSBytes = PeakRSS()
	return res, nil
}

// measure runs the floor and then the run of d.
func (b *benchRun) measure(ctx context.Context, d lake.Date, day int) (DateResult, error) {
	dr := DateResult{Date: d.String(), Day: day}
	files, err := rawFiles(ctx, b.lk, b.o.Runner.Contracts, b.o.Dir, d)
	if err != nil {
		return dr, err
	}
	for _, f := range files {
		dr.RawBytes += f.bytes
	}
	if err := warm(ctx, files); err != nil {
		return dr, err
	}
	b.progress("floor %s (day %d): DuckDB converts %d raw files, %.1f MB, to Parquet", d, day, len(files), float64(dr.RawBytes)/1e6)
	eo := b.o.Engine
	if eo.WorkDir == "" {
		eo.WorkDir = filepath.Join(b.o.Dir, "_staging", "engine")
	}
	eo.Log = b.o.Runner.Log
	if dr.Floor, err = floor(ctx, eo, files); err != nil {
		return dr, err
	}
	for _, t := range dr.Floor.Tables {
		dr.RawRows += t.Rows
	}
	dr.Floor.MBPerS = rate(float64(dr.RawBytes)/1e6, dr.Floor.Seconds)
	dr.Floor.RowsPerS = rate(float64(dr.RawRows), dr.Floor.Seconds)
	dr.Floor.PeakRSSBytes = PeakRSS()

	before, err := snapshot(b.o.Dir)
	if err != nil {
		return dr, err
	}
	b.progress("run %s (day %d)", d, day)
	started := time.Now()
	st, secs, err := b.run(ctx, d)
	if err != nil {
		return dr, err
	}
	after, err := snapshot(b.o.Dir)
	if err != nil {
		return dr, err
	}
	dr.Written = areas(after, before)
	dr.Run = RunResult{Status: st.Status, Seconds: secs, Layers: layerTimes(st), PeakRSSBytes: PeakRSS(),
		MBPerS: rate(float64(dr.RawBytes)/1e6, secs), RowsPerS: rate(float64(dr.RawRows), secs)}
	if !st.StartedAt.IsZero() {
		started = st.StartedAt
	}
	dr.Run.Tasks = taskTimes(st, started)
	for _, t := range dr.Run.Tasks {
		dr.Run.TaskSeconds += t.Seconds
	}
	dr.Run.TaskSeconds = round3(dr.Run.TaskSeconds)
	if err := addRows(ctx, b.lk, b.o.Runner.Contracts.Names(), d, dr.Run.Tasks); err != nil {
		return dr, err
	}
	dr.RunOverFloor = rate(dr.Run.Seconds, dr.Floor.Seconds)
	return dr, nil
}

// run runs date d as `metalake run --date d` does on this lake, timing the whole call.
func (b *benchRun) run(ctx context.Context, d lake.Date) (pipeline.RunState, float64, error) {
	t0 := time.Now()
	st, err := b.o.Runner.Run(ctx, d, pipeline.Options{})
	secs := round3(time.Since(t0).Seconds())
	if err != nil {
		return st, secs, fmt.Errorf("bench: run %s: %w", d, err)
	}
	return st, secs, nil
}

func (b *benchRun) progress(format string, args ...any) {
	if b.o.Progress != nil {
		b.o.Progress(fmt.Sprintf(format, args...))
	}
}
