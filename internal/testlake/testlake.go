// Package testlake builds real lakes for tests: synthetic Meta Kaggle snapshots (Kaggle
// layout, with defects) generated into a bucket and run through the whole pipeline on a real
// engine — the shared fixture of the packages that read a finished lake (reports, serve,
// warehouse, vacuum).
package testlake

import (
	"context"
	"fmt"
	"time"

	"github.com/metalake/metalake/internal/contract"
	"github.com/metalake/metalake/internal/engine"
	"github.com/metalake/metalake/internal/lake"
	"github.com/metalake/metalake/internal/pipeline"
	"github.com/metalake/metalake/internal/storage"
	"github.com/metalake/metalake/internal/synth"
)

// Options say what to generate and how much of it to run.
type Options struct {
	Start      time.Time
	Days       int     // snapshots generated, one a day from Start
	Run        int     // the first Run dates are run (0: all of them)
	Users      int     // users on the first day
	Seed       int64   // generator seed
	DefectRate float64 // share of rows carrying a defect
}

// Build generates o's snapshots into b and runs the dates o asks for on eng, in order.
func Build(ctx context.Context, b storage.Bucket, eng engine.Engine, o Options) (*lake.Lake, error) {
	if _, err := synth.Generate(ctx, b, synth.Options{Start: o.Start, Days: o.Days, Users: o.Users,
		Layout: synth.LayoutKaggle, Seed: o.Seed, DefectRate: o.DefectRate}); err != nil {
		return nil, fmt.Errorf("generate: %w", err)
	}
	lk := lake.New(b)
	r, err := Runner(lk, eng)
	if err != nil {
		return nil, err
	}
	n := o.Run
	if n == 0 {
		n = o.Days
	}
	for i := range n {
		d := lake.DateOf(o.Start.AddDate(0, 0, i))
		if _, err := r.Run(ctx, d, pipeline.Options{}); err != nil {
			return nil, fmt.Errorf("run %s: %w", d, err)
		}
	}
	return lk, nil
}

// Runner is the pipeline runner the tests run dates with: the default contracts, two tasks at
// a time, nothing else configured.
func Runner(lk *lake.Lake, eng engine.Engine) (*pipeline.Runner, error) {
	set, err := contract.Default()
	if err != nil {
		return nil, err
	}
	return &pipeline.Runner{Lake: lk, Engine: eng, Contracts: set, Parallelism: 2}, nil
}
