package warehouse

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/metalake/metalake/internal/deps"
	"github.com/metalake/metalake/internal/lake"
	"github.com/metalake/metalake/internal/storage"
)

// This file lends the black-box tests what they need to see the SQL a load sends without a
// server: a recording connection, and the lake's tables with fixed manifests (attempt ids and
// file names of a real build vary from run to run; golden files must not).

// Recorded is a load on a recording connection: every statement sent, in order, and the
// Redshift manifests written into the lake (key → JSON) while it ran.
type Recorded struct {
	Statements []string
	Manifests  map[string]string
	// Left are the lake objects under gold/_warehouse/ after the load (it removes its manifests).
	Left []string
	Err  error
}

// Have describes what the recorded warehouse already holds.
type Have struct {
	Columns  map[string]map[string]string // table → column → information_schema data_type
	Attempts map[string]string            // lake_dir → attempt
}

// RecordLoad reads gold of d from e.Lake (real schemas), gives every table a fixed manifest,
// and runs the load against a recorder that answers the warehouse reads from have. Redshift
// manifests are written into (and removed from) e.Lake.
func RecordLoad(ctx context.Context, e *Exporter, d lake.Date, have Have) (*Recorded, error) {
	tables, err := FixedTables(ctx, e, d)
	if err != nil {
		return nil, err
	}
	rec := &recorder{have: have, out: &Recorded{Manifests: map[string]string{}}, lk: e.Lake}
	_, rec.out.Err = e.load(ctx, rec, d, tables)
	err = e.Lake.B.Iter(ctx, "gold/_warehouse/", func(name string) error {
		rec.out.Left = append(rec.out.Left, name)
		return nil
	}, storage.WithRecursive())
	return rec.out, err
}

// PlanStatements is the plan of d's load (no header, no reads) as SQL text.
func PlanStatements(ctx context.Context, e *Exporter, d lake.Date, have Have) ([]string, []string, error) {
	tables, err := FixedTables(ctx, e, d)
	if err != nil {
		return nil, nil, err
	}
	steps, unchanged, err := plan(planData{kind: e.Target.Kind, schema: e.Target.Schema, iamRole: e.Target.IAMRole,
		lakeURI: e.lakeURI(), runDate: d, tables: tables, have: existing{columns: have.Columns, attempts: have.Attempts},
		now: deps.Now(e.Now), manifest: func(table string) string { return ManifestDir(d) + table + ".manifest" }})
	out := make([]string, len(steps))
	for i, s := range steps {
		out[i] = s.sql
	}
	return out, unchanged, err
}

// FixedTables reads gold of d and replaces every manifest by a fixed one: attempt
// "A-{table}", one file of 100 rows and 4096 bytes (none for an empty partition).
func FixedTables(ctx context.Context, e *Exporter, d lake.Date) ([]lakeTable, error) {
	tables, err := readGold(ctx, e.Lake, e.Engine, e.Target.Kind, d)
	if err != nil {
		return nil, err
	}
	for i := range tables {
		t := &tables[i]
		m := lake.Manifest{Layer: lake.Gold, Table: t.spec.name, Attempt: "A-" + t.spec.name, Rows: 100,
			Files: []lake.ManifestFile{{Name: "part-A-" + t.spec.name + "-00000.parquet", Rows: 100, Bytes: 4096}}}
		t.manifest = m
	}
	return tables, nil
}

// GoldColumns returns the warehouse data_type of every column of every gold table as the lake
// has it for d (what a warehouse holds after loading it).
func GoldColumns(ctx context.Context, e *Exporter, d lake.Date) (map[string]map[string]string, error) {
	tables, err := readGold(ctx, e.Lake, e.Engine, e.Target.Kind, d)
	if err != nil {
		return nil, err
	}
	out := map[string]map[string]string{}
	for _, t := range tables {
		out[t.spec.name] = map[string]string{}
		for _, c := range t.columns {
			out[t.spec.name][c.name] = c.sql.info
		}
	}
	return out, nil
}

// ColumnType exposes columnType.
func ColumnType(kind, engineType string) (string, string, error) {
	t, err := columnType(kind, engineType)
	return t.ddl, t.info, err
}

// SpecNames lists the tables the warehouse declares keys for, in load order.
func SpecNames() []string {
	var out []string
	for _, s := range tableSpecs() {
		out = append(out, s.name)
	}
	return out
}

// Retryable exposes the error classification.
func Retryable(err error) bool { return retryable(err) }

type recorder struct {
	have Have
	out  *Recorded
	lk   *lake.Lake
}

func (r *recorder) exec(ctx context.Context, sql string) (int64, error) {
	r.out.Statements = append(r.out.Statements, sql)
	if strings.HasPrefix(sql, "COPY ") {
		// What Redshift would read now: the manifest must be in the lake.
		start := strings.Index(sql, "FROM '") + len("FROM '")
		uri := sql[start : start+strings.Index(sql[start:], "'")]
		key := uri[strings.Index(uri, "gold/_warehouse/"):]
		b, err := storage.ReadAll(ctx, r.lk.B, key)
		if err != nil {
			return 0, fmt.Errorf("recorder: COPY reads %s: %w", key, err)
		}
		r.out.Manifests[key] = string(b)
	}
	return 0, nil
}

func (r *recorder) query(_ context.Context, sql string, f func([]any) error) error {
	r.out.Statements = append(r.out.Statements, sql)
	switch {
	case strings.Contains(sql, "information_schema.columns"):
		for _, table := range sortedKeys(r.have.Columns) {
			for _, col := range sortedKeys(r.have.Columns[table]) {
				if err := f([]any{table, col, r.have.Columns[table][col]}); err != nil {
					return err
				}
			}
		}
	case strings.Contains(sql, `"_metalake_exports"`):
		for _, dir := range sortedKeys(r.have.Attempts) {
			if err := f([]any{dir, r.have.Attempts[dir]}); err != nil {
				return err
			}
		}
	case strings.HasPrefix(sql, "SELECT COUNT(*)"):
		// One version of every dimension is missing from the lake, so the golden files show
		// the delete too.
		return f([]any{int64(1)})
	}
	return nil
}

func (r *recorder) copyFrom(context.Context, string, []string, pgx.CopyFromSource) (int64, error) {
	return 0, errors.New("recorder: no COPY protocol (Redshift loads with COPY FROM S3)")
}

func (r *recorder) close() {}

func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }

// MetricEqual exposes how Check compares one answer of each side.
func MetricEqual(float bool, a, b string) bool { return metric{float: float}.equal(&a, &b) }
