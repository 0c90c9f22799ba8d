package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/metalake/metalake/internal/bench"
	"github.com/metalake/metalake/internal/engine"
	"github.com/metalake/metalake/internal/notify"
	"github.com/metalake/metalake/internal/storage"
	"github.com/metalake/metalake/internal/synth"
	"github.com/metalake/metalake/internal/warehouse"
)

func cmdBench(ctx context.Context, a *app, args []string) error {
	fs := a.flags("bench", "bench [--users N] [--days K] [--lake DIR] [--keep] [--format table|json] [--seed N] [--date D]")
	users := fs.Int("users", 200000, "users on day 1 of the generated raw snapshots")
	days := fs.Int("days", 2, "dates to run: day 1 and day K are measured against the floor")
	seed := fs.Int64("seed", 1, "random seed of the generated raw snapshots")
	date := fs.String("date", "2025-07-01", "first date (YYYY-MM-DD)")
	keep := fs.Bool("keep", false, "keep the bench lake (default: a temporary directory is removed, a named one keeps only its raw/)")
	format := fs.String("format", "table", "output: table or json")
	lakeFlag := fs.Lookup("lake")
	lakeFlag.Usage, lakeFlag.DefValue = "bench directory (default: a fresh temporary one; never METALAKE_LAKE or ./lake)", ""
	if err := a.parse(fs, args); err != nil {
		return err
	}
	switch {
	case *users < 1 || *users > synth.MaxUsers:
		return usagef("bench: --users %d: give a number of users between 1 and %d", *users, synth.MaxUsers)
	case *days < 1 || *days > synth.MaxDays:
		return usagef("bench: --days %d: give a number of dates between 1 and %d", *days, synth.MaxDays)
	case *format != "table" && *format != "json":
		return usagef("bench: --format %q: use table or json", *format)
	}
	start, err := parseDateFlag("date", *date)
	if err != nil {
		return err
	}
	dir, temp, err := benchDir(a, fs)
	if err != nil {
		return err
	}
	// Everything bench writes stays in its directory: no notifications, external catalog or
	// warehouse, and the engine works inside the lake.
	a.lakeURI = dir
	a.cfg.Notify = notify.Config{On: notify.OnNever}
	a.cfg.Catalog.Glue = false
	a.cfg.Warehouse = warehouse.Config{}
	a.cfg.Engine.WorkDir = ""
	res, err := runBench(ctx, a, bench.Options{
		Dir:    dir,
		Raw:    bench.RawSpec{Users: *users, Seed: *seed, Start: start.String(), Days: *days, Layout: synth.LayoutKaggle, DefectRate: 0.01},
		Engine: engine.Options{Threads: a.cfg.Engine.Threads, MemoryLimit: a.cfg.Engine.MemoryLimit},
		Progress: func(line string) {
			fmt.Fprintf(a.stderr, "bench: %s\n", line)
		},
	}, *keep || temp) // a temporary directory goes as a whole (below), unless kept
	if temp && !*keep {
		a.close() // the run engine works inside dir
		a.engine = nil
		if rmErr := os.RemoveAll(dir); rmErr != nil && err == nil {
			err = rmErr
		}
	}
	if err != nil {
		return err
	}
	switch {
	case *keep:
		fmt.Fprintf(a.stderr, "bench: kept %s (a lake: metalake query --lake %s …)\n", dir, dir)
	case !temp:
		fmt.Fprintf(a.stderr, "bench: removed the run outputs; %s keeps its raw/ for the next bench\n", dir)
	}
	res.Kept = *keep
	if *format == "json" {
		return bench.WriteJSON(a.stdout, res)
	}
	return bench.WriteTable(a.stdout, res)
}

// benchDir is the bench directory: --lake when given (a local directory; METALAKE_LAKE and
// the configuration's lake are never used: bench must not write into a real lake), else a
// fresh temporary directory.
func benchDir(a *app, fs *flag.FlagSet) (dir string, temp bool, err error) {
	explicit := false
	fs.Visit(func(f *flag.Flag) { explicit = explicit || f.Name == "lake" })
	if !explicit {
		dir, err = os.MkdirTemp("", "metalake-bench-")
		return dir, true, err
	}
	dir, ok := storage.LocalRoot(a.lakeURI)
	if !ok {
		return "", false, usagef("bench: --lake %s: give a local directory (DuckDB reads the raw files in place)", a.lakeURI)
	}
	if dir, err = filepath.Abs(dir); err != nil {
		return "", false, err
	}
	// Before anything opens it: a lake bench must not use is left untouched.
	if err := bench.Check(dir); err != nil {
		return "", false, usagef("%v", err)
	}
	return dir, false, nil
}

// runBench runs the bench holding the directory's lake lock; unless keepOutputs, the run's
// outputs are removed afterwards, also when it failed or was interrupted.
func runBench(ctx context.Context, a *app, o bench.Options, keepOutputs bool) (bench.Result, error) {
	lk, err := a.openLake()
	if err != nil {
		return bench.Result{}, err
	}
	r, err := a.runner(ctx, false)
	if err != nil {
		return bench.Result{}, err
	}
	o.Runner = r
	var res bench.Result
	err = a.withLakeLock(ctx, lk, o.Raw.Start, func(ctx context.Context) error {
		var err error
		res, err = bench.Run(ctx, o)
		var de *bench.DirError
		if errors.As(err, &de) {
			return usagef("%v", err)
		}
		if !keepOutputs {
			if rmErr := bench.Reset(o.Dir); rmErr != nil && err == nil {
				err = rmErr
			}
		}
		return err
	})
	return res, err
}
