package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/metalake/metalake/internal/engine"
	"github.com/metalake/metalake/internal/htmlreport"
	"github.com/metalake/metalake/internal/lake"
	"github.com/metalake/metalake/internal/pipeline"
	"github.com/metalake/metalake/internal/storage"
)

// cmdReport shows what a date's run reported: the run summary and the list of its reports, or
// one report (bronze/users_report, silver/silver_dq_report, gold/dim_user_stats,
// pipeline_summary, …) as JSON; with --out, the self-contained HTML report of the date.
func cmdReport(ctx context.Context, a *app, args []string) error {
	fs := a.flags("report", "report --lake L --date D [REPORT] [--out FILE.html]")
	date := fs.String("date", "", "run date (YYYY-MM-DD)")
	htmlOut := fs.String("out", "", "write the date's self-contained HTML report to this file (- for stdout)")
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
	if *htmlOut != "" && arg != "" {
		return usagef("report: --out writes the whole HTML report; drop %q or --out", arg)
	}
	lk, err := a.openExistingLake(ctx)
	if err != nil {
		return err
	}
	if *htmlOut != "" {
		return writeHTMLReport(ctx, a, lk, d, *htmlOut)
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

// writeHTMLReport renders the HTML report of d into path (atomically: a reader never sees half
// a file) or stdout.
func writeHTMLReport(ctx context.Context, a *app, lk *lake.Lake, d lake.Date, path string) error {
	eng, err := a.openEngine(ctx) // read-only: its work directory is outside the lake
	if err != nil {
		return err
	}
	html, err := renderReport(ctx, lk, eng, d, "")
	if errors.Is(err, htmlreport.ErrNoRun) {
		return fmt.Errorf("report: %s has never run on %s", d, lk.B.Name())
	}
	if err != nil {
		return err
	}
	if path == "-" {
		_, err = a.stdout.Write(html)
		return err
	}
	if err := writeFileAtomic(path, html); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	fmt.Fprintf(a.stdout, "wrote %s (%d KB): the report of %s\n", path, (len(html)+1023)/1024, d)
	return nil
}

// renderReport builds and renders the HTML report of d, its data charts through eng.
func renderReport(ctx context.Context, lk *lake.Lake, eng engine.Engine, d lake.Date, dateLink string) ([]byte, error) {
	rep, err := htmlreport.Build(ctx, lk, d, htmlreport.Options{Engine: eng, DateLink: dateLink})
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if err := rep.Render(&b); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// writeFileAtomic writes data to a temporary file beside path, then renames it into place.
func writeFileAtomic(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Chmod(0o644); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
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
