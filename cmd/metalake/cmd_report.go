package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/metalake/metalake/internal/lake"
	"github.com/metalake/metalake/internal/pipeline"
	"github.com/metalake/metalake/internal/storage"
)

// cmdReport shows what a date's run reported: the run summary and the list of its reports, or
// one report (bronze/users_report, silver/silver_dq_report, gold/dim_user_stats,
// pipeline_summary, …) as JSON.
func cmdReport(ctx context.Context, a *app, args []string) error {
	fs := a.flags("report", "report --lake L --date D [REPORT]")
	date := fs.String("date", "", "run date (YYYY-MM-DD)")
	if err := a.parse(fs, args); err != nil {
		return err
	}
	arg, err := optionalArg(fs, "report name")
	if err != nil {
		return err
	}
	d, err := parseDateFlag("date", *date)
	if err != nil {
		return err
	}
	lk, err := a.openExistingLake(ctx)
	if err != nil {
		return err
	}
	names, err := reportNames(ctx, lk, d)
	if err != nil {
		return err
	}
	st, ran, err := pipeline.LoadState(ctx, lk, d)
	if err != nil {
		return err
	}
	if !ran && len(names) == 0 {
		return fmt.Errorf("report: %s has never run on %s", d, lk.B.Name())
	}
	if arg == "" {
		if ran {
			printRunSummary(a, st)
		}
		fmt.Fprintf(a.stdout, "reports of %s (metalake report --date %s NAME):\n", d, d)
		for _, n := range names {
			fmt.Fprintf(a.stdout, "  %s\n", n)
		}
		return nil
	}
	name := strings.TrimSuffix(arg, ".json")
	if !slices.Contains(names, name) {
		return usagef("report: no report %q for %s (reports: %s)", name, d, strings.Join(names, ", "))
	}
	layer, file, found := strings.Cut(name, "/") // LAYER/NAME, or NAME for the pipeline's own
	if !found {
		layer, file = "", name
	}
	key := lake.ReportKey(layer, d, file+".json")
	var raw json.RawMessage
	if err := lk.GetJSON(ctx, key, &raw); err != nil {
		return err
	}
	var out bytes.Buffer
	if err := json.Indent(&out, raw, "", "  "); err != nil {
		return fmt.Errorf("report %s: %w", key, err)
	}
	out.WriteByte('\n')
	_, err = a.stdout.Write(out.Bytes())
	return err
}

// reportNames lists d's reports as LAYER/NAME (the pipeline's own as NAME), sorted by layer.
func reportNames(ctx context.Context, lk *lake.Lake, d lake.Date) ([]string, error) {
	var names []string
	for _, layer := range []string{"", lake.Bronze, lake.Silver, lake.Gold} {
		dir := strings.TrimSuffix(lake.ReportKey(layer, d, "x"), "x")
		err := lk.B.Iter(ctx, dir, func(key string) error {
			if !strings.HasSuffix(key, ".json") || strings.HasSuffix(key, "/") {
				return nil
			}
			n := strings.TrimSuffix(strings.TrimPrefix(key, dir), ".json")
			if layer != "" {
				n = layer + "/" + n
			}
			names = append(names, n)
			return nil
		})
		if err != nil && !storage.IsNotFound(err) {
			return nil, err
		}
	}
	return names, nil
}
