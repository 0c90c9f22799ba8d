package main

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/metalake/metalake/internal/lock"
	"github.com/metalake/metalake/internal/pipeline"
)

func cmdStatus(ctx context.Context, a *app, args []string) error {
	fs := a.flags("status", "status --lake L [--date D] [--format table|json]")
	date := fs.String("date", "", "show only this run date")
	format := fs.String("format", "table", "output format: table or json")
	if err := a.parse(fs, args); err != nil {
		return err
	}
	if *format != "table" && *format != "json" {
		return usagef("status: --format %q: use table or json", *format)
	}
	lk, err := a.openExistingLake(ctx)
	if err != nil {
		return err
	}
	var runs []pipeline.RunState
	if *date != "" {
		d, err := parseDateFlag("date", *date)
		if err != nil {
			return err
		}
		st, ok, err := pipeline.LoadState(ctx, lk, d)
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("status: %s has never run on %s", d, lk.B.Name())
		}
		runs = []pipeline.RunState{st}
	} else if runs, err = pipeline.ListStates(ctx, lk); err != nil {
		return err
	}
	if _, live, err := lock.Active(ctx, lk.B, lock.Key, lock.Options{}); err != nil {
		return err
	} else if !live {
		pipeline.MarkInterrupted(runs)
	}
	if *format == "json" {
		enc := json.NewEncoder(a.stdout)
		enc.SetIndent("", "  ")
		if *date != "" {
			return enc.Encode(runs[0])
		}
		if runs == nil {
			runs = []pipeline.RunState{}
		}
		return enc.Encode(map[string]any{"runs": runs})
	}
	if len(runs) == 0 {
		fmt.Fprintf(a.stdout, "no runs yet in %s\n", lk.B.Name())
		return nil
	}
	for _, r := range runs {
		fmt.Fprintf(a.stdout, "%s  %-8s started %s", r.RunDate, r.Status, r.StartedAt.Format("2006-01-02 15:04:05Z"))
		if r.FinishedAt != nil {
			fmt.Fprintf(a.stdout, "  took %.1fs", r.FinishedAt.Sub(r.StartedAt).Seconds())
		}
		if r.Stale {
			fmt.Fprintf(a.stdout, "  STALE: %s", r.StaleReason)
		}
		fmt.Fprintln(a.stdout)
		if *date == "" && r.Status == pipeline.StatusSuccess {
			continue
		}
		for _, t := range r.Tasks {
			line := fmt.Sprintf("  %-32s %-16s attempts %d  %6.1fs", t.Task, t.Status, t.Attempts, t.DurationS)
			if t.Error != "" {
				line += "  " + oneLine(t.Error)
			}
			fmt.Fprintln(a.stdout, line)
		}
	}
	return nil
}
