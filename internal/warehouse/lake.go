package warehouse

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/metalake/metalake/internal/engine"
	"github.com/metalake/metalake/internal/gold"
	"github.com/metalake/metalake/internal/lake"
)

// lakeTable is one gold table as the lake commits it for a load of run date D: a dimension's
// current whole-table version, or a fact's (the bridge's) partition of D.
type lakeTable struct {
	spec     tableSpec
	dir      string // gold/dim_user/ or gold/{fact}/run_date=D/
	manifest lake.Manifest
	// columns is the table's schema in file order: from its own files, or, for an empty fact
	// partition, from the newest partition that has files (nil when no partition has any).
	columns []column
}

// keys are the committed data files.
func (t lakeTable) keys() []string { return t.manifest.Keys(t.dir) }

// ErrNotValidated is wrapped by Export when gold of the date did not pass
// validate_gold_outputs (or was never built): there is nothing consistent to load.
var ErrNotValidated = errors.New("gold is not validated")

// readGold reads the commit state of every gold table for run date d, and their schemas
// mapped to kind's types. Every dimension must have a committed version and every fact a
// committed partition of d (validate_gold_outputs checked both).
func readGold(ctx context.Context, lk *lake.Lake, eng engine.Engine, kind string, d lake.Date) ([]lakeTable, error) {
	var v gold.Validation
	if err := lk.GetJSON(ctx, gold.ValidationKey(d), &v); err != nil || v.OverallStatus != gold.StatusSuccess {
		return nil, fmt.Errorf("%w for %s (%s is missing or not SUCCESS): run the date first (metalake run --date %s)",
			ErrNotValidated, d, gold.ValidationKey(d), d)
	}
	tmp, err := eng.TempDir("warehouse-schema")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	s, err := eng.Session(ctx)
	if err != nil {
		return nil, err
	}
	defer s.Close()
	var out []lakeTable
	for _, spec := range tableSpecs() {
		t, ok, err := readTable(ctx, lk, s, tmp, kind, spec, d)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, fmt.Errorf("%w for %s: gold %s has no committed %s", ErrNotValidated, d, spec.name, t.dir)
		}
		out = append(out, t)
	}
	return out, nil
}

// readTable reads the commit state and schema of one gold table for run date d (a dimension's
// current version whatever d). found is false when it has none.
func readTable(ctx context.Context, lk *lake.Lake, s engine.Session, tmp, kind string, spec tableSpec, d lake.Date) (t lakeTable, found bool, err error) {
	t = lakeTable{spec: spec, dir: gold.DimDir(spec.name)}
	if !spec.dimension() {
		t.dir = gold.FactDir(spec.name, d)
	}
	m, ok, err := lk.ReadManifest(ctx, t.dir)
	if err != nil || !ok {
		return t, false, err
	}
	t.manifest = m
	schemaKey := ""
	if len(m.Files) > 0 {
		schemaKey = t.keys()[0]
	} else if !spec.dimension() {
		if schemaKey, err = newestFile(ctx, lk, spec.name); err != nil {
			return t, false, err
		}
	}
	if schemaKey != "" {
		if t.columns, err = describe(ctx, lk, s, kind, schemaKey, tmp); err != nil {
			return t, false, fmt.Errorf("gold %s: %w", spec.name, err)
		}
		if err := spec.checkColumns(t.columns); err != nil {
			return t, false, err
		}
	}
	return t, true, nil
}

// newestFile is a data file of the newest committed partition of a fact that has one ("" when
// none has): where an empty partition's schema comes from.
func newestFile(ctx context.Context, lk *lake.Lake, table string) (string, error) {
	parts, err := lk.Partitions(ctx, lake.TableDir(lake.Gold, table))
	if err != nil {
		return "", fmt.Errorf("gold %s: %w", table, err)
	}
	for i := len(parts) - 1; i >= 0; i-- {
		if keys := parts[i].Keys(); len(keys) > 0 {
			return keys[0], nil
		}
	}
	return "", nil
}

// describe reads the schema of a Parquet object from its footer (two range reads on S3) and
// maps every column to the warehouse's types.
func describe(ctx context.Context, lk *lake.Lake, s engine.Session, kind, key, tmp string) ([]column, error) {
	p, err := lk.LocalizeParquetFooter(ctx, key, tmp)
	if err != nil {
		return nil, err
	}
	cols, err := s.Describe(ctx, engine.ReadParquet([]string{p}))
	if err != nil {
		return nil, err
	}
	out := make([]column, len(cols))
	for i, c := range cols {
		t, err := columnType(kind, c.Type)
		if err != nil {
			return nil, fmt.Errorf("column %s: %w", c.Name, err)
		}
		out[i] = column{name: c.Name, engine: c.Type, sql: t}
	}
	return out, nil
}
