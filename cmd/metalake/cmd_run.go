package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/metalake/metalake/internal/deploy"
	"github.com/metalake/metalake/internal/lake"
	"github.com/metalake/metalake/internal/notify"
	"github.com/metalake/metalake/internal/pipeline"
	"github.com/metalake/metalake/internal/vacuum"
)

func cmdRun(ctx context.Context, a *app, args []string) error {
	fs := a.flags("run", "run --lake L --date D [--to D2] [--force]")
	date := fs.String("date", "", "run date (YYYY-MM-DD)")
	to := fs.String("to", "", "last run date of a range (or LATEST: the newest raw date); dates with raw data run in order")
	force := fs.Bool("force", false, "rerun dates that already succeeded, replacing their outputs")
	resume := fs.Bool("resume", false, "rerun only the tasks that did not succeed in the date's last attempt (and their downstream)")
	quiet := fs.Bool("quiet", false, "print only the final summary")
	fullSilver := fs.Bool("full-silver", false, "recompute silver from all bronze up to the date (fallback when a previous silver partition is missing)")
	a.engineFlag(fs)
	if err := a.parse(fs, args); err != nil {
		return err
	}
	from, err := parseDateFlag("date", *date)
	if err != nil {
		return err
	}
	if *resume && *force {
		return usagef("run: %v", pipeline.ErrResumeWithForce)
	}
	until := from
	latest := strings.EqualFold(*to, "latest")
	if *to != "" && !latest {
		if until, err = parseDateFlag("to", *to); err != nil {
			return err
		}
		if until.Before(from) {
			return usagef("run: --to %s is before --date %s", until, from)
		}
	}
	r, err := a.runner(ctx, !*quiet)
	if err != nil {
		return err
	}
	r.SilverFull = *fullSilver
	if *fullSilver {
		// A full recomputation reads every bronze partition up to the date: after a vacuum
		// removed some, it would compute a silver that silently lacks their keys.
		if log, err := vacuum.ReadLog(ctx, r.Lake); err != nil {
			return err
		} else if n := len(log.Vacuums); n > 0 {
			return usagef("run: --full-silver on a vacuumed lake would miss the bronze of the removed dates (%s); rebuild from raw with run --date FIRST --to %s --force instead",
				strings.Join(log.Vacuums[n-1].RemovedDates, ", "), from)
		}
	}
	if latest {
		if until, err = latestRawDate(ctx, r); err != nil {
			return err
		}
		if until.Before(from) {
			return usagef("run: the latest raw date %s is before --date %s", until, from)
		}
	}
	dates := []lake.Date{from}
	if *to != "" {
		var gaps []lake.Date
		if dates, gaps, err = datesWithRaw(ctx, r, from, until); err != nil {
			return fmt.Errorf("run %s..%s: find the dates with raw data (no date ran): %w", from, until, err)
		}
		if len(gaps) > 0 {
			fmt.Fprintf(a.stdout, "no raw data for %d date(s) in the range: %s\n", len(gaps), joinDates(gaps))
		}
		if len(dates) == 0 {
			return fmt.Errorf("run %s..%s: no raw data in the range", from, until)
		}
	}
	return a.withLakeLock(ctx, r.Lake, from.String(), func(ctx context.Context) error {
		for _, d := range dates {
			st, err := r.Run(ctx, d, pipeline.Options{Force: *force, Resume: *resume})
			if errors.Is(err, pipeline.ErrAlreadySucceeded) {
				fmt.Fprintf(a.stdout, "%s already succeeded; use --force to rerun\n", d)
				continue
			}
			printRunSummary(a, st)
			if err != nil {
				return err
			}
		}
		return nil
	})
}

// runner wires a pipeline runner from the app's configuration.
func (a *app) runner(ctx context.Context, progress bool) (*pipeline.Runner, error) {
	lk, err := a.openLake()
	if err != nil {
		return nil, err
	}
	set, err := a.contracts()
	if err != nil {
		return nil, err
	}
	if t := a.cfg.Pipeline.RejectThreshold; t > 0 {
		for i := range set.Tables {
			set.Tables[i].RejectThreshold = t
		}
	}
	eng, err := a.openLayerEngine(ctx)
	if err != nil {
		return nil, err
	}
	local, err := a.openEngine(ctx)
	if err != nil {
		return nil, err
	}
	r := &pipeline.Runner{Lake: lk, Engine: eng, Local: local, Contracts: set, Log: a.log,
		Parallelism: a.cfg.Pipeline.Parallelism, RetryDelay: a.cfg.Pipeline.RetryDelay,
		BronzeRetries: a.cfg.Pipeline.Retries.Bronze, SilverRetries: a.cfg.Pipeline.Retries.Silver,
		GoldRetries: a.cfg.Pipeline.Retries.Gold}
	// E-mails carry the date's HTML report (serve also links it, with its --report-url).
	notifier, err := notify.New(a.cfg.Notify, os.Getenv, a.log, notify.WithReport(a.reportFunc(r), ""))
	if err != nil {
		return nil, usagef("notify: %v", err)
	}
	r.Notifier = notifier
	if a.cfg.Catalog.Glue {
		b, clients, err := a.awsLake(ctx, "catalog.glue", "Glue tables point at S3 objects")
		if err != nil {
			return nil, err
		}
		g := &deploy.GlueRegistrar{Lake: b, Glue: clients.Glue}
		r.Registrar = g
		lk.BeforeSweep = g.Relink // Athena moves to a rerun's files before the old ones go
	}
	if err := a.wireWarehouse(r); err != nil {
		return nil, err
	}
	if progress {
		r.Observe = newProgress(a.stdout, a.logFormat == "json").observe
	}
	return r, nil
}

// latestRawDate is the newest date with raw data of any table.
func latestRawDate(ctx context.Context, r *pipeline.Runner) (lake.Date, error) {
	var latest lake.Date
	for _, t := range r.Contracts.Tables {
		for _, raw := range t.RawTables() {
			ds, err := r.Lake.RawDates(ctx, raw)
			if err != nil {
				return lake.Date{}, err
			}
			if n := len(ds); n > 0 && ds[n-1].After(latest) {
				latest = ds[n-1]
			}
		}
	}
	if latest.IsZero() {
		return lake.Date{}, fmt.Errorf("run --to LATEST: %s has no raw data", r.Lake.B.Name())
	}
	return latest, nil
}

// datesWithRaw splits [from, until] into dates that have raw data (any table) and gaps.
func datesWithRaw(ctx context.Context, r *pipeline.Runner, from, until lake.Date) (have, gaps []lake.Date, err error) {
	seen := map[lake.Date]bool{}
	for _, t := range r.Contracts.Tables {
		for _, raw := range t.RawTables() {
			ds, err := r.Lake.RawDates(ctx, raw)
			if err != nil {
				return nil, nil, err
			}
			for _, d := range ds {
				seen[d] = true
			}
		}
	}
	for d := from; !d.After(until); d = d.AddDays(1) {
		if seen[d] {
			have = append(have, d)
		} else {
			gaps = append(gaps, d)
		}
	}
	return have, gaps, nil
}

func joinDates(ds []lake.Date) string {
	s := make([]string, len(ds))
	for i, d := range ds {
		s[i] = d.String()
	}
	return strings.Join(s, ", ")
}

func printRunSummary(a *app, st pipeline.RunState) {
	ctx := context.Background()
	d, err := lake.ParseDate(st.RunDate)
	if err != nil || a.lake == nil {
		return
	}
	var bs pipeline.BronzeSummary
	if err := a.lake.GetJSON(ctx, lake.ReportKey(lake.Bronze, d, "bronze_summary.json"), &bs); err != nil {
		fmt.Fprintf(a.stdout, "%s  run %s\n", st.RunDate, st.Status)
		return
	}
	fmt.Fprintf(a.stdout, "\n%s  run %s\n", st.RunDate, strings.ToUpper(st.Status))
	fmt.Fprintf(a.stdout, "  %-14s %-8s %12s %12s %10s %8s\n", "bronze", "status", "input", "output", "rejected", "rate")
	for _, t := range sortedKeys(bs.Tables) {
		ts := bs.Tables[t]
		fmt.Fprintf(a.stdout, "  %-14s %-8s %12d %12d %10d %8.4f\n", t, ts.Status, ts.InputCount, ts.OutputCount, ts.RejectCount, ts.RejectionRate)
	}
	o := bs.Overall
	fmt.Fprintf(a.stdout, "  %-14s %-8s %12d %12d %10d %8.4f\n", "overall", "", o.TotalInput, o.TotalOutput, o.TotalRejected, o.OverallRejectionRate)
	printSilverSummary(a, d, sortedKeys(bs.Tables))
	var ps pipeline.PipelineSummary
	if err := a.lake.GetJSON(ctx, lake.ReportKey("", d, "pipeline_summary.json"), &ps); err == nil {
		g := ps.Layers.Gold
		fmt.Fprintf(a.stdout, "  %-14s %-8s %d dimensions, %d facts built; overall %s\n", "gold", g.Status, g.DimensionsBuilt, g.FactsBuilt, ps.OverallStatus)
	}
	fmt.Fprintln(a.stdout)
}

// printSilverSummary prints one line per silver table that has a report for d.
func printSilverSummary(a *app, d lake.Date, tables []string) {
	header := false
	for _, t := range tables {
		var r struct {
			Status            string `json:"status"`
			InputCount        int64  `json:"input_count"`
			DuplicatesRemoved int64  `json:"duplicates_removed"`
			OutputCount       int64  `json:"output_count"`
			NotInLatest       int64  `json:"not_in_latest_snapshot"`
		}
		if err := a.lake.GetJSON(context.Background(), lake.ReportKey(lake.Silver, d, t+"_report.json"), &r); err != nil {
			continue
		}
		if !header {
			fmt.Fprintf(a.stdout, "  %-14s %-8s %12s %12s %10s %12s\n", "silver", "status", "input", "output", "dup", "not latest")
			header = true
		}
		fmt.Fprintf(a.stdout, "  %-14s %-8s %12d %12d %10d %12d\n", t, r.Status, r.InputCount, r.OutputCount, r.DuplicatesRemoved, r.NotInLatest)
	}
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
