package main

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/metalake/metalake/internal/gold"
	"github.com/metalake/metalake/internal/lake"
	"github.com/metalake/metalake/internal/pipeline"
	"github.com/metalake/metalake/internal/warehouse"
)

func cmdExport(ctx context.Context, a *app, args []string) error {
	fs := a.flags("export", "export --lake L --date D [--to postgres://…|redshift://…] [--schema S] [--iam-role ARN] [--full]\n"+
		"       metalake export --lake L --check [--date D] [--to URL]")
	date := fs.String("date", "", "run date whose gold is loaded (YYYY-MM-DD); with --check the date compared (default: every date the warehouse holds)")
	to := fs.String("to", "", "warehouse: postgres://user@host:5432/db or redshift://user@host:5439/db (default warehouse.url); "+
		"the password comes from "+warehouse.PasswordEnv+" or "+warehouse.PGPasswordEnv)
	schema := fs.String("schema", "", "schema of the gold tables (default warehouse.schema, else meta_gold)")
	role := fs.String("iam-role", "", "Redshift: the IAM role COPY assumes to read the lake (default warehouse.iam_role)")
	full := fs.Bool("full", false, "reload every dimension, also one the warehouse already holds in its committed version")
	check := fs.Bool("check", false, "compare the warehouse with the lake (row counts, sums of measures, current SCD2 rows) instead of loading")
	if err := a.parse(fs, args); err != nil {
		return err
	}
	t, err := a.warehouseTarget(*to, *schema, *role)
	if err != nil {
		return err
	}
	var days []lake.Date
	if *date != "" || !*check {
		d, err := parseDateFlag("date", *date)
		if err != nil {
			return err
		}
		days = []lake.Date{d}
	}
	lk, err := a.openExistingLake(ctx)
	if err != nil {
		return err
	}
	eng, err := a.openEngine(ctx)
	if err != nil {
		return err
	}
	e := &warehouse.Exporter{Lake: lk, Engine: eng, Target: t, Log: a.log, Full: *full}
	if *check {
		rep, err := e.Check(ctx, days)
		if err != nil {
			return err
		}
		return printCheck(a, t, rep)
	}
	// The lock keeps a run from replacing the committed files while they are read.
	return a.withLakeLock(ctx, lk, days[0].String(), func(ctx context.Context) error {
		res, err := e.Export(ctx, days[0])
		if err != nil {
			return err
		}
		printExport(a, t, res)
		return nil
	})
}

// warehouseTarget is the configured warehouse with the flags' overrides, its password from the
// environment. Every problem is a usage error.
func (a *app) warehouseTarget(to, schema, role string) (warehouse.Target, error) {
	c := a.cfg.Warehouse
	if to != "" {
		c.URL = to
	}
	if schema != "" {
		c.Schema = schema
	}
	if role != "" {
		c.IAMRole = role
	}
	if c.URL == "" {
		return warehouse.Target{}, usagef("export: no warehouse: give --to postgres://user@host/db (or redshift://…), or set warehouse.url in metalake.yaml")
	}
	if to != "" {
		if _, _, err := warehouse.ParseURL(to); err != nil {
			return warehouse.Target{}, usagef("export: --to: %v", err)
		}
	}
	if err := c.Validate(); err != nil {
		return warehouse.Target{}, usagef("export: %v (--to, --schema and --iam-role override metalake.yaml)", err)
	}
	t, err := c.Target()
	if err != nil {
		return warehouse.Target{}, usagef("export: %v", err)
	}
	t.Password, _ = warehouse.PasswordFrom(os.Getenv)
	return t, nil
}

// wireWarehouse adds the export_warehouse task to a run when warehouse.url is configured (the
// demo's lake never goes to a configured warehouse).
func (a *app) wireWarehouse(r *pipeline.Runner) error {
	if !a.cfg.Warehouse.Enabled() || a.command == "demo" {
		return nil
	}
	t, err := a.warehouseTarget("", "", "")
	if err != nil {
		return err
	}
	e := &warehouse.Exporter{Lake: r.Lake, Engine: r.Local, Target: t, Log: a.log}
	r.Warehouse = &pipeline.Warehouse{Retries: a.cfg.Warehouse.Retries, Export: func(ctx context.Context, d lake.Date) error {
		_, err := e.Export(ctx, d)
		return err
	}}
	return nil
}

func printExport(a *app, t warehouse.Target, res *warehouse.Result) {
	fmt.Fprintf(a.stdout, "%s  gold exported to %s (schema %s) in %s\n", res.RunDate, t, t.Schema, res.Duration.Round(time.Millisecond))
	for _, g := range gold.Tables() {
		if n, ok := res.Rows[g.Name]; ok {
			fmt.Fprintf(a.stdout, "  %-26s %12d rows\n", g.Name, n)
		} else if slices.Contains(res.Unchanged, g.Name) {
			fmt.Fprintf(a.stdout, "  %-26s %12s (the warehouse holds this version)\n", g.Name, "unchanged")
		}
	}
	for _, dim := range sortedKeys(res.Kept) {
		if n := res.Kept[dim]; n > 0 {
			fmt.Fprintf(a.stdout, "  %s: %d version(s) the lake no longer has are kept: facts of other run dates reference them (export those dates again)\n", dim, n)
		}
	}
}

func printCheck(a *app, t warehouse.Target, rep *warehouse.CheckReport) error {
	fmt.Fprintf(a.stdout, "check %s (schema %s) against the lake: %d tables, run dates %s, %d checks\n",
		t, t.Schema, rep.Tables, strings.Join(rep.RunDates, ", "), rep.Checks)
	if len(rep.Differences) == 0 {
		fmt.Fprintln(a.stdout, "the warehouse equals the lake")
		return nil
	}
	fmt.Fprintf(a.stdout, "  %-26s %-10s %-36s %18s %18s\n", "table", "run_date", "check", "lake", "warehouse")
	for _, d := range rep.Differences {
		fmt.Fprintf(a.stdout, "  %-26s %-10s %-36s %18s %18s\n", d.Table, dash(d.RunDate), d.Check, dash(d.Lake), dash(d.Warehouse))
	}
	return fmt.Errorf("export --check: %d difference(s) between %s and the lake", len(rep.Differences), t)
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
