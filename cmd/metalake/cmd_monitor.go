package main

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/metalake/metalake/internal/monitor"
	"github.com/metalake/metalake/internal/storage"
)

func cmdMonitor(ctx context.Context, a *app, args []string) error {
	fs := a.flags("monitor", "monitor --lake L --date D [--format table|json]")
	date := fs.String("date", "", "run date (YYYY-MM-DD)")
	format := fs.String("format", "table", "output format: table or json")
	if err := a.parse(fs, args); err != nil {
		return err
	}
	d, err := parseDateFlag("date", *date)
	if err != nil {
		return err
	}
	if *format != "table" && *format != "json" {
		return usagef("monitor: --format %q: use table or json", *format)
	}
	lk, err := a.openExistingLake(ctx)
	if err != nil {
		return err
	}
	var rep monitor.Report
	if err := lk.GetJSON(ctx, monitor.Key(d), &rep); storage.IsNotFound(err) {
		return fmt.Errorf("monitor: no monitoring report for %s (run the date first)", d)
	} else if err != nil {
		return err
	}
	if *format == "json" {
		enc := json.NewEncoder(a.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	fmt.Fprintf(a.stdout, "monitoring %s (checked %s)\n\nfreshness\n", rep.RunDate, rep.CheckTime)
	for _, layer := range sortedKeys(rep.Freshness) {
		for _, f := range rep.Freshness[layer] {
			fmt.Fprintf(a.stdout, "  %-7s %-30s latest %-10s runs %4d  days stale %d\n", layer, f.Table, f.LatestDate, f.Runs, f.DaysStale)
		}
	}
	fmt.Fprintln(a.stdout, "\nchecks")
	for _, c := range rep.AnomalyChecks {
		fmt.Fprintf(a.stdout, "  %-22s %-14s %s\n", c.Check, c.Table, c.Verdict)
	}
	fmt.Fprintln(a.stdout, "\ntargets")
	for _, t := range rep.Targets {
		mark := "ok"
		if t.Breached {
			mark = "BREACHED"
		}
		fmt.Fprintf(a.stdout, "  %-20s %10.4f  limit %10.4f  %s\n", t.Name, t.Value, t.Limit, mark)
	}
	if len(rep.Anomalies) > 0 {
		fmt.Fprintln(a.stdout, "\nanomalies")
		for _, an := range rep.Anomalies {
			fmt.Fprintf(a.stdout, "  %-6s %s\n", an.Severity, an.Message)
		}
	}
	return nil
}
