package main

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/metalake/metalake/internal/catalog"
)

// cmdCatalog shows the lake's catalog (SPEC §8): every table with its schema version and
// partitions, or one table's columns, schema history and partitions.
func cmdCatalog(ctx context.Context, a *app, args []string) error {
	fs := a.flags("catalog", "catalog --lake L [LAYER.TABLE] [--format table|json]")
	format := fs.String("format", "table", "output format: table or json")
	if err := a.parse(fs, args); err != nil {
		return err
	}
	if *format != "table" && *format != "json" {
		return usagef("catalog: --format %q: use table or json", *format)
	}
	name, err := optionalArg(fs, "table (LAYER.TABLE)")
	if err != nil {
		return err
	}
	lk, err := a.openExistingLake(ctx)
	if err != nil {
		return err
	}
	tables, err := catalog.List(ctx, lk)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(a.stdout)
	enc.SetIndent("", "  ")
	if name == "" {
		if *format == "json" {
			if tables == nil {
				tables = []catalog.Table{}
			}
			return enc.Encode(map[string]any{"tables": tables})
		}
		if len(tables) == 0 {
			fmt.Fprintf(a.stdout, "the catalog of %s is empty (nothing has run yet)\n", lk.B.Name())
			return nil
		}
		fmt.Fprintf(a.stdout, "%-34s %7s %10s %-10s %12s %10s\n", "table", "schema", "partitions", "latest", "rows", "MB")
		for _, t := range tables {
			latest := latestPartition(t)
			p := t.Partitions[latest]
			fmt.Fprintf(a.stdout, "%-34s %7s %10d %-10s %12d %10.1f\n", t.Layer+"."+t.Table, fmt.Sprintf("v%d", len(t.Schemas)),
				len(t.Partitions), latest, p.Rows, float64(p.Bytes)/1e6)
		}
		return nil
	}
	i := slices.IndexFunc(tables, func(t catalog.Table) bool { return t.Layer+"."+t.Table == name })
	if i < 0 {
		var names []string
		for _, t := range tables {
			names = append(names, t.Layer+"."+t.Table)
		}
		return usagef("catalog: no table %q in the catalog of %s (tables: %s)", name, lk.B.Name(), strings.Join(names, ", "))
	}
	t := tables[i]
	if *format == "json" {
		return enc.Encode(t)
	}
	fmt.Fprintf(a.stdout, "%s.%s  %s at %s  partitioned by %s\n", t.Layer, t.Table, t.Format, t.Location, orDash(strings.Join(t.PartitionKeys, ", ")))
	if n := len(t.Schemas); n > 0 {
		fmt.Fprintf(a.stdout, "\ncolumns (schema v%d)\n", t.Schemas[n-1].Version)
		for _, c := range t.Schemas[n-1].Columns {
			fmt.Fprintf(a.stdout, "  %-32s %s\n", c.Name, c.Type)
		}
		fmt.Fprintln(a.stdout, "\nschema history")
		for _, v := range t.Schemas {
			fmt.Fprintf(a.stdout, "  v%-3d first seen %s", v.Version, v.FirstSeen)
			for _, ch := range []struct {
				what string
				cols []string
			}{{"added", v.Added}, {"removed", v.Removed}, {"type changed", v.Changed}} {
				if len(ch.cols) > 0 {
					fmt.Fprintf(a.stdout, "  %s: %s", ch.what, strings.Join(ch.cols, ", "))
				}
			}
			fmt.Fprintln(a.stdout)
		}
	}
	fmt.Fprintln(a.stdout, "\npartitions")
	keys := make([]string, 0, len(t.Partitions))
	for k := range t.Partitions {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		p := t.Partitions[k]
		fmt.Fprintf(a.stdout, "  %-10s rows %12d  files %3d  %10.1f MB  schema v%d\n", k, p.Rows, p.Files, float64(p.Bytes)/1e6, p.SchemaVersion)
	}
	return nil
}

func latestPartition(t catalog.Table) string {
	latest := ""
	for k := range t.Partitions {
		if k > latest {
			latest = k
		}
	}
	return latest
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
