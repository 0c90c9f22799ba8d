package main

import (
	"context"
	"fmt"

	"github.com/metalake/metalake/internal/synth"
)

func cmdGenerate(ctx context.Context, a *app, args []string) error {
	fs := a.flags("generate", "generate --lake L --date D [--days N] [--users N] [--layout kaggle|plan] [--seed N] [--defect-rate F]")
	date := fs.String("date", "", "first ingestion date (YYYY-MM-DD)")
	days := fs.Int("days", 1, "number of consecutive daily snapshots")
	users := fs.Int("users", 1000, "users on the first day (other tables scale with the real ratios)")
	layout := fs.String("layout", synth.LayoutKaggle, "raw layout: kaggle (real Meta Kaggle files) or plan (the seed's schema)")
	seed := fs.Int64("seed", 1, "random seed (same seed, same bytes)")
	defects := fs.Float64("defect-rate", 0.01, "share of rows carrying one defect")
	if err := a.parse(fs, args); err != nil {
		return err
	}
	d, err := parseDateFlag("date", *date)
	if err != nil {
		return err
	}
	opts := synth.Options{Start: d.Time(), Days: *days, Users: *users, Layout: *layout, Seed: *seed, DefectRate: *defects}
	if err := opts.Validate(); err != nil {
		return usagef("generate: %s", oneLine(err.Error()))
	}
	lk, err := a.openLake()
	if err != nil {
		return err
	}
	var stats synth.Stats
	err = a.withLakeLock(ctx, lk, d.String(), func(ctx context.Context) error {
		stats, err = synth.Generate(ctx, lk.B, opts)
		return err
	})
	if err != nil {
		return fmt.Errorf("generate: %w", err)
	}
	printGenerateStats(a, stats)
	return nil
}

func printGenerateStats(a *app, stats synth.Stats) {
	for _, day := range stats.Days {
		fmt.Fprintf(a.stdout, "%s\n", day.Date.Format("2006-01-02"))
		for _, t := range sortedKeys(day.Tables) {
			ts := day.Tables[t]
			fmt.Fprintf(a.stdout, "  %-17s %10d rows %12d bytes %6d defects %6d duplicates\n",
				t, ts.Rows, ts.Bytes, ts.DefectRows(), ts.Duplicates)
		}
	}
}
