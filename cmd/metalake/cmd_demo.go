package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"time"

	"github.com/metalake/metalake/internal/lake"
	"github.com/metalake/metalake/internal/pipeline"
	"github.com/metalake/metalake/internal/storage"
	"github.com/metalake/metalake/internal/synth"
)

// demoMarker identifies a lake that demo created, so demo never writes into a real lake.
type demoMarker struct {
	Kind      string    `json:"kind"`
	CreatedAt time.Time `json:"created_at"`
}

func cmdDemo(ctx context.Context, a *app, args []string) error {
	fs := a.flags("demo", "demo [--lake DIR] [--days N] [--users N] [--layout kaggle|plan]")
	days := fs.Int("days", 3, "daily snapshots to generate")
	users := fs.Int("users", 2000, "users on the first day")
	layout := fs.String("layout", synth.LayoutKaggle, "raw layout: kaggle or plan")
	a.engineFlag(fs)
	if err := a.parse(fs, args); err != nil {
		return err
	}
	explicit := false
	fs.Visit(func(f *flag.Flag) { explicit = explicit || f.Name == "lake" })
	if !explicit {
		a.lakeURI = "./demo-lake"
	}
	lk, err := a.openLake()
	if err != nil {
		return err
	}
	if err := claimDemoLake(ctx, lk); err != nil {
		return err
	}
	start, _ := lake.ParseDate("2025-07-01")
	opts := synth.Options{Start: start.Time(), Days: *days, Users: *users, Layout: *layout, Seed: 42, DefectRate: 0.01}
	if err := opts.Validate(); err != nil {
		return usagef("demo: %s", oneLine(err.Error()))
	}
	r, err := a.runner(ctx, true)
	if err != nil {
		return err
	}
	err = a.withLakeLock(ctx, lk, start.String(), func(ctx context.Context) error {
		fmt.Fprintf(a.stdout, "generating %d day(s) of synthetic Meta Kaggle (%s layout, %d users) in %s\n", *days, opts.Layout, *users, lk.B.Name())
		if _, err := synth.Generate(ctx, lk.B, opts); err != nil {
			return fmt.Errorf("demo: generate: %w", err)
		}
		for i := 0; i < *days; i++ {
			st, err := r.Run(ctx, start.AddDays(i), pipeline.Options{Force: true})
			printRunSummary(a, st)
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "Try:\n  go run ./cmd/metalake query --lake %s \"SELECT run_date, COUNT(*) AS users FROM bronze.users GROUP BY 1 ORDER BY 1\"\n", a.lakeURI)
	fmt.Fprintf(a.stdout, "  go run ./cmd/metalake query --lake %s \"SELECT reject_reason, COUNT(*) FROM rejects.users GROUP BY 1 ORDER BY 2 DESC\"\n", a.lakeURI)
	fmt.Fprintf(a.stdout, "  go run ./cmd/metalake query --lake %s \"SELECT competition_year, total_competitions, featured_competitions, total_rewards_usd FROM gold.fact_competitions_yearly_latest ORDER BY 1 DESC LIMIT 5\"\n", a.lakeURI)
	fmt.Fprintf(a.stdout, "  go run ./cmd/metalake status --lake %s\n", a.lakeURI)
	fmt.Fprintf(a.stdout, "  go run ./cmd/metalake catalog --lake %s\n", a.lakeURI)
	fmt.Fprintf(a.stdout, "  go run ./cmd/metalake report --lake %s --date %s bronze/users_report\n", a.lakeURI, start.AddDays(*days-1))
	return nil
}

// claimDemoLake accepts an empty lake (marking it as a demo lake) or an existing demo lake,
// and refuses anything else.
func claimDemoLake(ctx context.Context, lk *lake.Lake) error {
	var m demoMarker
	err := lk.GetJSON(ctx, lake.MarkerKey, &m)
	switch {
	case err == nil && m.Kind == "demo":
		return nil
	case err == nil:
		return usagef("demo: %s is a %q lake, not a demo lake: give another --lake", lk.B.Name(), m.Kind)
	case !storage.IsNotFound(err):
		return err
	}
	empty := true
	if err := lk.B.Iter(ctx, "", func(name string) error {
		if name != "_staging/" {
			empty = false
			return errStop
		}
		return nil
	}); err != nil && !errors.Is(err, errStop) {
		return err
	}
	if !empty {
		return usagef("demo: %s is not empty and not a demo lake: demo only writes into an empty folder or a lake it created", lk.B.Name())
	}
	return lk.PutJSON(ctx, lake.MarkerKey, demoMarker{Kind: "demo", CreatedAt: time.Now().UTC()})
}

var errStop = errors.New("stop")
