package warehouse

import (
	"bytes"
	"embed"
	"fmt"
	"slices"
	"strings"
	"text/template"
	"time"

	"github.com/metalake/metalake/internal/lake"
)

//go:embed sql/*.sql
var sqlFiles embed.FS

var mergeSQL = template.Must(template.New("merge.sql").Funcs(template.FuncMap{
	"lit": literal,
	// cols: p."a", p."b"
	"cols": func(prefix string, cols []column) string {
		out := make([]string, len(cols))
		for i, c := range cols {
			out[i] = prefix + ident(c.name)
		}
		return strings.Join(out, ", ")
	},
	// set: "a" = p."a", …
	"set": func(prefix string, cols []column) string {
		out := make([]string, len(cols))
		for i, c := range cols {
			out[i] = ident(c.name) + " = " + prefix + ident(c.name)
		}
		return strings.Join(out, ",\n    ")
	},
	// same: every column of a equals b's, NULL equal to NULL (a portable IS NOT DISTINCT
	// FROM). Each term is true or false, never NULL, so NOT(same) holds for any difference.
	"same": func(a, b string, cols []column) string {
		out := make([]string, len(cols))
		for i, c := range cols {
			x, y := a+"."+ident(c.name), b+"."+ident(c.name)
			out[i] = fmt.Sprintf("((%s = %s AND %s IS NOT NULL AND %s IS NOT NULL) OR (%s IS NULL AND %s IS NULL))", x, y, x, y, x, y)
		}
		return strings.Join(out, "\n       AND ")
	},
}).ParseFS(sqlFiles, "sql/merge.sql"))

// render executes a block of sql/merge.sql.
func render(block string, data any) string {
	var b bytes.Buffer
	if err := mergeSQL.ExecuteTemplate(&b, block, data); err != nil {
		panic(fmt.Sprintf("warehouse: sql/merge.sql %s: %v", block, err)) // a template bug, caught by every test
	}
	return strings.TrimSpace(b.String())
}

// step is one thing a load does inside its transaction: a statement, a count to report, or a
// copy of a lake table into its staging table.
type step struct {
	sql string
	// missing, when set, names the dimension whose versions absent from the lake sql counts;
	// deletes, the dimension whose such versions sql deletes — skipped when none is missing.
	missing, deletes string
	// copy, when set, streams the lake table into stage (PostgreSQL: sql shows the COPY; the
	// rows travel by the COPY protocol). Redshift's COPY is a plain statement reading a
	// manifest, written into the lake first (manifest).
	copy     *lakeTable
	stage    string
	manifest *redshiftManifest
}

// existing is what the warehouse holds before a load: the columns of every table in the
// schema (information_schema data types) and the lake version each loaded folder came from.
type existing struct {
	columns  map[string]map[string]string // table → column → data_type
	attempts map[string]string            // lake_dir → attempt
}

// planData is what a load plan is built from.
type planData struct {
	kind     string
	schema   string
	iamRole  string
	lakeURI  string // s3://bucket/prefix for Redshift's COPY; the lake's name for the bookkeeping
	runDate  lake.Date
	tables   []lakeTable
	have     existing
	now      time.Time
	full     bool                      // reload dimensions the warehouse already holds
	manifest func(table string) string // lake key of a table's Redshift manifest
}

// SchemaError is a change the load refuses to make (a column whose type changed). Not
// retryable: the warehouse must be migrated by hand.
type SchemaError struct {
	Table, Column      string
	Warehouse, InLake  string
	Schema, TargetName string
}

func (e *SchemaError) Error() string {
	return fmt.Sprintf("warehouse %s: column %s.%s.%s is %s in the warehouse but %s in the lake: a changed column type is refused "+
		"(convert the column by hand, or drop the table and export again)", e.TargetName, e.Schema, e.Table, e.Column, e.Warehouse, e.InLake)
}

// Retryable is false: the next attempt would find the same column.
func (e *SchemaError) Retryable() bool { return false }

// plan builds the statements of a run date's load, in order (between BEGIN and COMMIT, after
// the header and the reads of what the warehouse has): the schema changes, the staging, the
// merge and the bookkeeping. It also returns the dimensions left alone because the warehouse
// already holds their committed version.
func plan(p planData) (steps []step, unchanged []string, err error) {
	var schemaSteps, stageSteps, factDeletes, dimMerges, factInserts, drops []step
	var loaded []lakeTable
	for _, t := range p.tables {
		name := t.spec.name
		have, exists := p.have.columns[name]
		if t.columns == nil {
			// An empty fact partition and no partition with files to take a schema from.
			if exists {
				factDeletes = append(factDeletes, step{sql: render("fact_delete", mergeData{Table: p.table(name), RunDate: p.runDate.String()})})
			}
			loaded = append(loaded, t)
			continue
		}
		ddl, err := p.schemaChanges(t, have, exists)
		if err != nil {
			return nil, nil, err
		}
		schemaSteps = append(schemaSteps, ddl...)
		if t.spec.dimension() && !p.full && len(ddl) == 0 && p.have.attempts[t.dir] == t.manifest.Attempt {
			unchanged = append(unchanged, name)
			continue
		}
		loaded = append(loaded, t)
		stage := ident("stage_" + name)
		stageSteps = append(stageSteps, p.stage(t, stage)...)
		drops = append(drops, step{sql: "DROP TABLE " + stage})
		d := mergeData{Table: p.table(name), Stage: stage, Columns: t.columns, RunDate: p.runDate.String()}
		if !t.spec.dimension() {
			factDeletes = append(factDeletes, step{sql: render("fact_delete", d)})
			factInserts = append(factInserts, step{sql: render("fact_insert", d)})
			continue
		}
		d.SK = ident(t.spec.key[0])
		d.Columns = slices.DeleteFunc(slices.Clone(t.columns), func(c column) bool { return c.name == t.spec.key[0] })
		for _, f := range p.tables {
			if slices.ContainsFunc(f.spec.refs, func(r ref) bool { return r.dim == name }) && (f.columns != nil || p.have.columns[f.spec.name] != nil) {
				d.Refs = append(d.Refs, p.table(f.spec.name))
			}
		}
		all := d
		all.Columns = t.columns
		dimMerges = append(dimMerges,
			step{sql: render("dim_missing", d), missing: name},
			step{sql: render("dim_delete", d), deletes: name},
			step{sql: render("dim_update", d)},
			step{sql: render("dim_insert", all)})
	}
	steps = slices.Concat(schemaSteps, stageSteps, factDeletes, dimMerges, factInserts, p.bookkeeping(loaded), drops)
	return steps, unchanged, nil
}

// mergeData fills the blocks of sql/merge.sql.
type mergeData struct {
	Table, Stage, SK string
	Columns          []column
	RunDate          string
	Refs             []string // tables whose foreign keys reference the dimension
}

// table is the qualified name of a warehouse table.
func (p planData) table(name string) string { return ident(p.schema) + "." + ident(name) }

// schemaChanges creates a table the warehouse lacks (with its keys and indexes) or adds the
// columns the lake added; a column whose type differs is refused.
func (p planData) schemaChanges(t lakeTable, have map[string]string, exists bool) ([]step, error) {
	if !exists {
		return p.createTable(t), nil
	}
	var out []step
	for _, c := range t.columns {
		got, ok := have[c.name]
		if !ok {
			out = append(out, step{sql: fmt.Sprintf("ALTER TABLE %s ADD COLUMN %s %s", p.table(t.spec.name), ident(c.name), c.sql.ddl)})
			continue
		}
		if got != c.sql.info {
			return nil, &SchemaError{Table: t.spec.name, Column: c.name, Warehouse: got, InLake: c.sql.info, Schema: p.schema}
		}
	}
	return out, nil
}

// createTable declares a table from the lake's schema: primary key, the natural key plus
// validity of a dimension (unique; deferred on PostgreSQL, so versions can move within a
// load), foreign keys to the dimensions, and indexes on the date keys (PostgreSQL; Redshift
// has no indexes: a sort key on run_date instead, and its constraints are informational).
func (p planData) createTable(t lakeTable) []step {
	name := t.spec.name
	var lines []string
	for _, c := range t.columns {
		l := "  " + ident(c.name) + " " + c.sql.ddl
		if slices.Contains(t.spec.key, c.name) {
			l += " NOT NULL"
		}
		lines = append(lines, l)
	}
	if len(t.spec.key) > 0 {
		lines = append(lines, fmt.Sprintf("  CONSTRAINT %s PRIMARY KEY (%s)", ident(name+"_pkey"), identList(t.spec.key)))
	}
	if len(t.spec.natural) > 0 {
		deferred := " DEFERRABLE INITIALLY DEFERRED"
		if p.kind == Redshift {
			deferred = ""
		}
		lines = append(lines, fmt.Sprintf("  CONSTRAINT %s UNIQUE (%s)%s", ident(name+"_natural_key"), identList(t.spec.natural), deferred))
	}
	for _, r := range t.spec.refs {
		lines = append(lines, fmt.Sprintf("  CONSTRAINT %s FOREIGN KEY (%s) REFERENCES %s (%s)",
			ident(name+"_"+r.column+"_fkey"), ident(r.column), p.table(r.dim), ident(dimSK(r.dim))))
	}
	ddl := fmt.Sprintf("CREATE TABLE %s (\n%s\n)", p.table(name), strings.Join(lines, ",\n"))
	switch {
	case p.kind == Redshift && !t.spec.dimension():
		ddl += ` SORTKEY ("run_date")`
	case p.kind == Postgres && t.spec.dimension():
		// A daily load updates most dimension rows (last_observed_date): with half of each
		// page free the new versions stay on their page (HOT updates, no index entries), three
		// times faster than full pages.
		ddl += " WITH (fillfactor = 50)"
	}
	out := []step{{sql: ddl}}
	if p.kind == Postgres {
		for _, c := range t.spec.indexes {
			out = append(out, step{sql: fmt.Sprintf("CREATE INDEX %s ON %s (%s)", ident(name+"_"+c+"_idx"), p.table(name), ident(c))})
		}
	}
	return out
}

// stage creates the staging table of t (the lake's columns, in file order, which Redshift's
// COPY from Parquet requires) and fills it.
func (p planData) stage(t lakeTable, stage string) []step {
	defs := make([]string, len(t.columns))
	for i, c := range t.columns {
		defs[i] = ident(c.name) + " " + c.sql.ddl
	}
	out := []step{{sql: fmt.Sprintf("CREATE TEMP TABLE %s (%s)", stage, strings.Join(defs, ", "))}}
	if len(t.manifest.Files) == 0 {
		return out
	}
	if p.kind == Redshift {
		key := p.manifest(t.spec.name)
		return append(out, step{
			sql: fmt.Sprintf("COPY %s FROM %s IAM_ROLE %s FORMAT AS PARQUET MANIFEST",
				stage, literal(p.lakeURI+"/"+key), literal(p.iamRole)),
			manifest: newRedshiftManifest(key, p.lakeURI, t),
		})
	}
	tc := t
	return append(out,
		step{sql: fmt.Sprintf("COPY %s (%s) FROM STDIN (FORMAT binary) -- %d rows of %s", stage, identList(names(t.columns)),
			t.manifest.Rows, t.dir), copy: &tc, stage: stage},
		// Temporary tables are never analyzed automatically: without statistics the merge's
		// joins are planned for an empty table.
		step{sql: "ANALYZE " + stage})
}

// bookkeeping records which lake version of each folder the warehouse now holds.
func (p planData) bookkeeping(loaded []lakeTable) []step {
	if len(loaded) == 0 {
		return nil
	}
	exports := p.table("_metalake_exports")
	dirs := make([]string, len(loaded))
	values := make([]string, len(loaded))
	for i, t := range loaded {
		dirs[i] = literal(t.dir)
		runDate := "NULL"
		if !t.spec.dimension() {
			runDate = fmt.Sprintf("CAST(%s AS DATE)", literal(p.runDate.String()))
		}
		values[i] = fmt.Sprintf("(%s, %s, %s, %s, %d, %s, CAST(%s AS TIMESTAMP))", literal(t.dir), literal(t.spec.name), runDate,
			literal(t.manifest.Attempt), t.manifest.Rows, literal(p.lakeURI), literal(p.now.UTC().Format("2006-01-02 15:04:05.999999")))
	}
	return []step{
		{sql: fmt.Sprintf("DELETE FROM %s WHERE \"lake_dir\" IN (%s)", exports, strings.Join(dirs, ", "))},
		{sql: fmt.Sprintf("INSERT INTO %s (\"lake_dir\", \"table_name\", \"run_date\", \"attempt\", \"row_count\", \"lake\", \"exported_at\") VALUES\n  %s",
			exports, strings.Join(values, ",\n  "))},
	}
}

// header are the statements every load starts its transaction with: the schema and the
// bookkeeping table exist, and the bookkeeping table is locked so that two loads into one
// schema run one after the other.
func header(kind, schema string) []string {
	lock := fmt.Sprintf("LOCK TABLE %s.\"_metalake_exports\" IN EXCLUSIVE MODE", ident(schema))
	if kind == Redshift {
		lock = fmt.Sprintf("LOCK TABLE %s.\"_metalake_exports\"", ident(schema))
	}
	return []string{
		"CREATE SCHEMA IF NOT EXISTS " + ident(schema),
		fmt.Sprintf(`CREATE TABLE IF NOT EXISTS %s."_metalake_exports" (
  "lake_dir" VARCHAR(1024) NOT NULL,
  "table_name" VARCHAR(128) NOT NULL,
  "run_date" DATE,
  "attempt" VARCHAR(128) NOT NULL,
  "row_count" BIGINT NOT NULL,
  "lake" VARCHAR(1024) NOT NULL,
  "exported_at" TIMESTAMP NOT NULL,
  PRIMARY KEY ("lake_dir")
)`, ident(schema)),
		lock,
	}
}

// columnsQuery and exportsQuery read what the warehouse holds (information_schema: both
// PostgreSQL and Redshift have it).
func columnsQuery(schema string) string {
	return fmt.Sprintf("SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_schema = %s ORDER BY table_name, ordinal_position",
		literal(schema))
}

func exportsQuery(schema string) string {
	return fmt.Sprintf(`SELECT "lake_dir", "attempt" FROM %s."_metalake_exports"`, ident(schema))
}

func ident(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

func identList(names []string) string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = ident(n)
	}
	return strings.Join(out, ", ")
}

func literal(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

func names(cols []column) []string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = c.name
	}
	return out
}
