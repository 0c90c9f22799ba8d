package main

import (
	"context"
	"strings"

	"github.com/metalake/metalake/internal/query"
)

func cmdQuery(ctx context.Context, a *app, args []string) error {
	fs := a.flags("query", `query --lake L [--format table|csv|json] "SQL"`)
	format := fs.String("format", "table", "output format: table, csv or json")
	if err := a.parse(fs, args); err != nil {
		return err
	}
	sql := strings.TrimSpace(strings.Join(fs.Args(), " "))
	if sql == "" {
		return usagef(`query: give the SQL as an argument, e.g. metalake query "SELECT COUNT(*) FROM bronze.users_latest"`)
	}
	switch *format {
	case "table", "csv", "json":
	default:
		return usagef("query: --format %q: use table, csv or json", *format)
	}
	lk, err := a.openExistingLake(ctx)
	if err != nil {
		return err
	}
	eng, err := a.openEngine(ctx)
	if err != nil {
		return err
	}
	// Only the tables the query reads are prepared: on an object store the others stay remote.
	cat, err := query.Open(ctx, lk, eng, query.ForQuery(ctx, sql))
	if err != nil {
		return err
	}
	defer cat.Close()
	return cat.Query(ctx, sql, *format, a.stdout)
}
