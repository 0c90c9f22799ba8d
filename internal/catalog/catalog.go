// Package catalog is metalake's crawler (the plan's Glue crawlers): after a table's partition
// is published it records the table's schema, partitions, row counts and schema versions in
// the lake at _catalog/{layer}/{table}.json. A schema change adds a version and is logged
// (the plan's UPDATE_IN_DATABASE policy); a removed column is logged and kept in the history,
// never silently dropped (the plan's LOG deletion policy).
package catalog

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/metalake/metalake/internal/deps"
	"github.com/metalake/metalake/internal/engine"
	"github.com/metalake/metalake/internal/lake"
	"github.com/metalake/metalake/internal/storage"
)

// Column is one column of a schema version.
type Column struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

// SchemaVersion is one schema the table has had.
type SchemaVersion struct {
	Version    int       `json:"version"`
	FirstSeen  string    `json:"first_seen_run_date"`
	Columns    []Column  `json:"columns"`
	Added      []string  `json:"added,omitempty"`
	Removed    []string  `json:"removed,omitempty"`
	Changed    []string  `json:"type_changed,omitempty"`
	RecordedAt time.Time `json:"recorded_at"`
}

// Partition is one crawled partition.
type Partition struct {
	Rows          int64 `json:"rows"`
	Files         int   `json:"files"`
	Bytes         int64 `json:"bytes"`
	SchemaVersion int   `json:"schema_version"`
}

// Table is the catalog entry of one table.
type Table struct {
	Layer         string               `json:"layer"`
	Table         string               `json:"table"`
	Location      string               `json:"location"`
	Format        string               `json:"format"`
	PartitionKeys []string             `json:"partition_keys"`
	Schemas       []SchemaVersion      `json:"schema_versions"`
	Partitions    map[string]Partition `json:"partitions"`
	UpdatedAt     time.Time            `json:"updated_at"`
}

// Key is where the entry of a table lives.
func Key(layer, table string) string { return fmt.Sprintf("_catalog/%s/%s.json", layer, table) }

// Registrar publishes a crawled table to an external catalog (AWS Glue for an S3 lake) after
// the lake's own entry is written: t is that entry, dir the committed partition folder of run
// date d.
type Registrar interface {
	Register(ctx context.Context, t Table, dir string, d lake.Date) error
	// Unregister removes run date d's partition of t (already gone from t.Partitions).
	Unregister(ctx context.Context, t Table, d lake.Date) error
}

// Crawler records partitions. Lake and Engine are required; Registrar, when set, also
// receives every crawled partition.
type Crawler struct {
	Lake      *lake.Lake
	Engine    engine.Engine
	Registrar Registrar
	Log       *slog.Logger
	Now       func() time.Time
}

// Crawl records the committed partition dir (run date d) of layer.table. A missing partition
// is an error: crawling runs after a successful publish.
func (c *Crawler) Crawl(ctx context.Context, layer, table, dir string, d lake.Date) (Table, error) {
	m, ok, err := c.Lake.ReadManifest(ctx, dir)
	if err != nil {
		return Table{}, err
	}
	if !ok {
		return Table{}, fmt.Errorf("catalog %s.%s %s: no committed partition in %s", layer, table, d, dir)
	}
	var t Table
	err = c.Lake.GetJSON(ctx, Key(layer, table), &t)
	if err != nil && !storage.IsNotFound(err) {
		return Table{}, err
	}
	// A whole-table object (a gold dimension) has its manifest in the table folder itself.
	whole := strings.TrimSuffix(dir, "/") == strings.TrimSuffix(lake.TableDir(layer, table), "/")
	if err != nil {
		t = Table{Layer: layer, Table: table, Location: lake.TableDir(layer, table), Format: "parquet",
			PartitionKeys: []string{"run_date"}, Partitions: map[string]Partition{}}
		if whole {
			t.PartitionKeys = []string{}
		}
	}
	cols, err := c.schema(ctx, dir, m)
	if err != nil {
		return Table{}, fmt.Errorf("catalog %s.%s %s: %w", layer, table, d, err)
	}
	version := 0
	if n := len(t.Schemas); n > 0 {
		version = t.Schemas[n-1].Version
	}
	if cols != nil {
		var prev []Column
		if n := len(t.Schemas); n > 0 {
			prev = t.Schemas[n-1].Columns
		}
		if !slices.Equal(prev, cols) {
			sv := diff(prev, cols)
			sv.Version, sv.FirstSeen, sv.RecordedAt = version+1, d.String(), c.now()
			version = sv.Version
			t.Schemas = append(t.Schemas, sv)
			if len(prev) > 0 {
				c.log().Warn("schema changed", "table", layer+"."+table, "run_date", d.String(), "version", version,
					"added", sv.Added, "removed", sv.Removed, "type_changed", sv.Changed)
			}
		}
	}
	p := Partition{Rows: m.Rows, Files: len(m.Files), SchemaVersion: version}
	for _, f := range m.Files {
		p.Bytes += f.Bytes
	}
	if whole {
		// One current version: keyed by the run date that published it.
		t.Partitions = map[string]Partition{d.String(): p}
	} else {
		t.Partitions[d.String()] = p
	}
	t.UpdatedAt = c.now()
	if err := c.Lake.PutJSON(ctx, Key(layer, table), t); err != nil {
		return Table{}, err
	}
	if c.Registrar != nil {
		if err := c.Registrar.Register(ctx, t, dir, d); err != nil {
			return Table{}, err
		}
	}
	return t, nil
}

// Forget removes run date d's partition of layer.table (folder dir) from the catalog, and from
// the Registrar's, when the lake no longer has it: a task that withdrew it (a tripped circuit
// breaker, a failed fact check) never reaches its catalog task. A partition the lake still has,
// or one the catalog never listed, is left alone.
func (c *Crawler) Forget(ctx context.Context, layer, table, dir string, d lake.Date) error {
	if _, ok, err := c.Lake.ReadManifest(ctx, dir); err != nil || ok {
		return err
	}
	var t Table
	err := c.Lake.GetJSON(ctx, Key(layer, table), &t)
	if storage.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	if _, listed := t.Partitions[d.String()]; !listed {
		return nil
	}
	delete(t.Partitions, d.String())
	t.UpdatedAt = c.now()
	if err := c.Lake.PutJSON(ctx, Key(layer, table), t); err != nil {
		return err
	}
	c.log().Info("withdrawn partition removed from the catalog", "table", layer+"."+table, "run_date", d.String())
	if c.Registrar != nil {
		return c.Registrar.Unregister(ctx, t, d)
	}
	return nil
}

func diff(prev, cols []Column) SchemaVersion {
	sv := SchemaVersion{Columns: cols}
	old := map[string]string{}
	for _, c := range prev {
		old[c.Name] = c.Type
	}
	now := map[string]bool{}
	for _, c := range cols {
		now[c.Name] = true
		switch t, ok := old[c.Name]; {
		case len(prev) > 0 && !ok:
			sv.Added = append(sv.Added, c.Name)
		case ok && t != c.Type:
			sv.Changed = append(sv.Changed, c.Name)
		}
	}
	for _, c := range prev {
		if !now[c.Name] {
			sv.Removed = append(sv.Removed, c.Name)
		}
	}
	return sv
}

// schema reads the column names and types of a partition (nil for an empty partition).
func (c *Crawler) schema(ctx context.Context, dir string, m lake.Manifest) ([]Column, error) {
	if len(m.Files) == 0 {
		return nil, nil
	}
	tmp, err := c.Engine.TempDir("catalog")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	// One file carries the schema: every file of a partition is written by one query. Its
	// footer is all the engine reads to describe it.
	p, err := c.Lake.LocalizeParquetFooter(ctx, dir+m.Files[0].Name, tmp)
	if err != nil {
		return nil, err
	}
	s, err := c.Engine.Session(ctx)
	if err != nil {
		return nil, err
	}
	defer s.Close()
	described, err := s.Describe(ctx, c.Engine.Dialect().ReadParquet([]string{p}))
	if err != nil {
		return nil, err
	}
	cols := make([]Column, len(described))
	hasRunDate := false
	for i, c := range described {
		cols[i] = Column{Name: c.Name, Type: c.Type}
		hasRunDate = hasRunDate || c.Name == "run_date"
	}
	// run_date is a column of every partitioned table (readers take it from the run_date=D
	// path, as Hive, Athena and metalake query do) even where the files do not hold it; the
	// engine is not asked to guess it from the path.
	if !hasRunDate && strings.Contains(dir, "/run_date=") {
		cols = append(cols, Column{Name: "run_date", Type: "DATE"})
	}
	return cols, nil
}

func (c *Crawler) now() time.Time { return deps.Now(c.Now).UTC() }

func (c *Crawler) log() *slog.Logger { return deps.Log(c.Log) }

// List returns every table of the lake's catalog, by layer then table name.
func List(ctx context.Context, lk *lake.Lake) ([]Table, error) {
	var out []Table
	for _, layer := range []string{lake.Bronze, lake.Silver, lake.Gold} {
		err := lk.B.Iter(ctx, "_catalog/"+layer+"/", func(name string) error {
			if !strings.HasSuffix(name, ".json") {
				return nil
			}
			var t Table
			if err := lk.GetJSON(ctx, name, &t); err != nil {
				return err
			}
			out = append(out, t)
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Dir is the lake folder of t's partition keyed pk in t.Partitions (a whole-table object's
// one entry is its table folder).
func (t Table) Dir(pk string) (string, error) {
	if len(t.PartitionKeys) == 0 {
		return lake.TableDir(t.Layer, t.Table), nil
	}
	d, err := lake.ParseDate(pk)
	if err != nil {
		return "", fmt.Errorf("catalog %s.%s: partition %q: %w", t.Layer, t.Table, pk, err)
	}
	return lake.PartitionDir(t.Layer, t.Table, d), nil
}
