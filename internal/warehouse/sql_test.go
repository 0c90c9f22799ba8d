package warehouse_test

import (
	"context"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/metalake/metalake/internal/gold"
	"github.com/metalake/metalake/internal/lake"
	"github.com/metalake/metalake/internal/storage"
	"github.com/metalake/metalake/internal/warehouse"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// golden compares got with testdata/name (rewritten with -update).
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from the golden file (go test -update rewrites it):\n%s", name, lineDiff(string(want), got))
	}
}

func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := range max(len(w), len(g)) {
		var a, b string
		if i < len(w) {
			a = w[i]
		}
		if i < len(g) {
			b = g[i]
		}
		if a != b {
			return "line " + strconv.Itoa(i+1) + ":\n  want " + a + "\n  got  " + b
		}
	}
	return ""
}

var fixedNow = func() time.Time { return time.Date(2024, 3, 4, 2, 0, 0, 0, time.UTC) }

// redshiftExporter reads the generated lake's gold schemas; Redshift manifests go to a memory
// bucket standing for the S3 lake s3://metalake-lake/meta.
func redshiftExporter(t *testing.T) (*warehouse.Exporter, *lake.Lake) {
	t.Helper()
	src := generatedLake(t)
	mem := lake.New(storage.NewMemory())
	ctx := context.Background()
	// The memory lake holds what a load reads: manifests, validation reports, footers.
	err := src.B.Iter(ctx, "gold/", func(name string) error {
		b, err := storage.ReadAll(ctx, src.B, name)
		if err != nil {
			return err
		}
		return storage.PutBytes(ctx, mem.B, name, b)
	}, storage.WithRecursive())
	if err != nil {
		t.Fatal(err)
	}
	u, kind, err := warehouse.ParseURL("redshift://metalake_admin@metalake.abc123.us-west-1.redshift.amazonaws.com/metalake")
	if err != nil {
		t.Fatal(err)
	}
	tg := warehouse.Target{Kind: kind, URL: u, Schema: warehouse.DefaultSchema, IAMRole: "arn:aws:iam::123456789012:role/metalake-redshift"}
	return &warehouse.Exporter{Lake: mem, Engine: newEngine(t), Target: tg, LakeURI: "s3://metalake-lake/meta", Now: fixedNow}, mem
}

// TestRedshiftLoadSQL keeps the exact SQL a Redshift load sends in golden files: into an empty
// warehouse (schema, tables with informational keys and sort keys, staging by COPY from a
// manifest of the committed files, the common merge), and into one that already holds every
// dimension's version and lacks a column the lake added.
func TestRedshiftLoadSQL(t *testing.T) {
	e, _ := redshiftExporter(t)
	ctx := context.Background()
	d := date(t, dates[2])
	rec, err := warehouse.RecordLoad(ctx, e, d, warehouse.Have{})
	if err != nil || rec.Err != nil {
		t.Fatal(err, rec.Err)
	}
	golden(t, "redshift_first_load.sql", strings.Join(rec.Statements, ";\n\n")+";\n")
	if len(rec.Left) != 0 {
		t.Errorf("manifests left in the lake after the load: %v", rec.Left)
	}
	// Every COPY read a manifest listing exactly the table's committed file, with its size.
	var copies int
	for _, s := range rec.Statements {
		if strings.HasPrefix(s, "COPY ") {
			copies++
		}
	}
	if copies != len(gold.Tables()) || len(rec.Manifests) != copies {
		t.Errorf("%d COPY statements, %d manifests; want one each per gold table (%d)", copies, len(rec.Manifests), len(gold.Tables()))
	}
	want := `{"entries":[{"url":"s3://metalake-lake/meta/gold/dim_user/part-A-dim_user-00000.parquet","mandatory":true,"meta":{"content_length":4096}}]}`
	if got := strings.Join(strings.Fields(rec.Manifests[warehouse.ManifestDir(d)+"dim_user.manifest"]), ""); got != want {
		t.Errorf("dim_user manifest\n got %s\nwant %s", got, want)
	}

	// A second load: the warehouse holds every table, dimensions at the committed version,
	// dim_tag without the column tag_category: one ALTER TABLE, no dimension staged.
	have, err := warehouse.GoldColumns(ctx, e, d)
	if err != nil {
		t.Fatal(err)
	}
	delete(have["dim_tag"], "tag_category")
	attempts := map[string]string{}
	for _, table := range gold.Tables() {
		if table.Kind == gold.KindDimension {
			attempts[gold.DimDir(table.Name)] = "A-" + table.Name
		}
	}
	rec, err = warehouse.RecordLoad(ctx, e, d, warehouse.Have{Columns: have, Attempts: attempts})
	if err != nil || rec.Err != nil {
		t.Fatal(err, rec.Err)
	}
	golden(t, "redshift_next_load.sql", strings.Join(rec.Statements, ";\n\n")+";\n")
}

// TestPostgresLoadPlan keeps the plan of a first PostgreSQL load in a golden file: deferred
// natural keys, indexes on the date keys, COPY FROM STDIN into staging tables, the same merge.
func TestPostgresLoadPlan(t *testing.T) {
	lk := generatedLake(t)
	u, kind, err := warehouse.ParseURL("postgres://metalake@db.example.com/analytics")
	if err != nil {
		t.Fatal(err)
	}
	e := &warehouse.Exporter{Lake: lk, Engine: newEngine(t), Target: warehouse.Target{Kind: kind, URL: u, Schema: warehouse.DefaultSchema},
		LakeURI: "/srv/lake", Now: fixedNow}
	steps, unchanged, err := warehouse.PlanStatements(context.Background(), e, date(t, dates[1]), warehouse.Have{})
	if err != nil {
		t.Fatal(err)
	}
	if len(unchanged) != 0 {
		t.Errorf("unchanged %v in an empty warehouse", unchanged)
	}
	golden(t, "postgres_first_load.sql", strings.Join(steps, ";\n\n")+";\n")
}

// TestSchemaChangeRefused: a column whose type differs from the lake's is refused, naming the
// column and both types, before anything is staged; it is not retryable.
func TestSchemaChangeRefused(t *testing.T) {
	e, _ := redshiftExporter(t)
	ctx := context.Background()
	d := date(t, dates[2])
	have, err := warehouse.GoldColumns(ctx, e, d)
	if err != nil {
		t.Fatal(err)
	}
	have["dim_tag"]["dataset_count"] = "character varying"
	rec, err := warehouse.RecordLoad(ctx, e, d, warehouse.Have{Columns: have})
	if err != nil {
		t.Fatal(err)
	}
	var se *warehouse.SchemaError
	if !errors.As(rec.Err, &se) || se.Table != "dim_tag" || se.Column != "dataset_count" {
		t.Fatalf("error %v, want a SchemaError on dim_tag.dataset_count", rec.Err)
	}
	for _, part := range []string{"meta_gold.dim_tag.dataset_count", "character varying in the warehouse", "bigint in the lake", "refused"} {
		if !strings.Contains(rec.Err.Error(), part) {
			t.Errorf("%q does not say %q", rec.Err, part)
		}
	}
	if warehouse.Retryable(rec.Err) {
		t.Error("a refused type change is retryable")
	}
	if slices.ContainsFunc(rec.Statements, func(s string) bool { return strings.HasPrefix(s, "CREATE TEMP") }) {
		t.Error("staged tables before refusing")
	}
	if rec.Statements[len(rec.Statements)-1] != "ROLLBACK" {
		t.Errorf("last statement %q, want ROLLBACK", rec.Statements[len(rec.Statements)-1])
	}
}

// TestTablesCoverGold: every gold table has its keys declared, in gold's order.
func TestTablesCoverGold(t *testing.T) {
	var want []string
	for _, g := range gold.Tables() {
		want = append(want, g.Name)
	}
	if got := warehouse.SpecNames(); !slices.Equal(got, want) {
		t.Errorf("warehouse tables %v, gold tables %v", got, want)
	}
}

func TestColumnTypes(t *testing.T) {
	t.Parallel()
	cases := []struct{ engine, kind, ddl, info string }{
		{"BIGINT", warehouse.Postgres, "bigint", "bigint"},
		{"VARCHAR", warehouse.Postgres, "text", "text"},
		{"VARCHAR", warehouse.Redshift, "VARCHAR(65535)", "character varying"},
		{"TIMESTAMP", warehouse.Postgres, "timestamp", "timestamp without time zone"},
		{"TIMESTAMP WITH TIME ZONE", warehouse.Redshift, "TIMESTAMPTZ", "timestamp with time zone"},
		{"DOUBLE", warehouse.Redshift, "DOUBLE PRECISION", "double precision"},
		{"DECIMAL(18,3)", warehouse.Postgres, "numeric(18,3)", "numeric"},
		{"DATE", warehouse.Postgres, "date", "date"},
		{"BOOLEAN", warehouse.Redshift, "BOOLEAN", "boolean"},
		{"INTEGER", warehouse.Postgres, "integer", "integer"},
		{"UINTEGER", warehouse.Postgres, "bigint", "bigint"},
	}
	for _, c := range cases {
		ddl, info, err := warehouse.ColumnType(c.kind, c.engine)
		if err != nil || ddl != c.ddl || info != c.info {
			t.Errorf("%s on %s: %q %q %v, want %q %q", c.engine, c.kind, ddl, info, err, c.ddl, c.info)
		}
	}
	for _, bad := range []string{"INTEGER[]", "STRUCT(a INTEGER)", "HUGEINT", "UBIGINT", "INTERVAL", "BLOB", "MAP(VARCHAR, INTEGER)"} {
		if _, _, err := warehouse.ColumnType(warehouse.Postgres, bad); err == nil || !strings.Contains(err.Error(), bad) {
			t.Errorf("%s: error %v, want one naming the type", bad, err)
		}
	}
}

func TestParseURL(t *testing.T) {
	t.Parallel()
	good := []struct{ raw, kind, str string }{
		{"postgres://metalake@db.example.com/analytics", warehouse.Postgres, "postgres://metalake@db.example.com:5432/analytics"},
		{"postgresql://bi@10.0.0.5:6432/dw?sslmode=require", warehouse.Postgres, "postgresql://bi@10.0.0.5:6432/dw"},
		{"redshift://admin@c.abc.us-west-1.redshift.amazonaws.com/dev", warehouse.Redshift, "redshift://admin@c.abc.us-west-1.redshift.amazonaws.com:5439/dev"},
	}
	for _, g := range good {
		u, kind, err := warehouse.ParseURL(g.raw)
		if err != nil || kind != g.kind {
			t.Errorf("%s: %v %v", g.raw, kind, err)
			continue
		}
		if s := (warehouse.Target{Kind: kind, URL: u}).String(); s != g.str {
			t.Errorf("%s names itself %s, want %s", g.raw, s, g.str)
		}
	}
	bad := []struct{ raw, says string }{
		{"postgres://metalake:s3cret@db/analytics", "holds a password"},
		{"postgres://metalake@db/analytics?password=s3cret", "holds a password"},
		{"mysql://metalake@db/analytics", `scheme "mysql"`},
		{"postgres://db/analytics", "name the user"},
		{"postgres://metalake@db", "name the database"},
		{"postgres://metalake@/analytics", "name the host"},
	}
	for _, b := range bad {
		_, _, err := warehouse.ParseURL(b.raw)
		if err == nil || !strings.Contains(err.Error(), b.says) || strings.Contains(err.Error(), "s3cret") {
			t.Errorf("%s: error %v, want one saying %q without the password", b.raw, err, b.says)
		}
	}
}

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	cases := []struct {
		c    warehouse.Config
		says string
	}{
		{warehouse.Config{URL: "redshift://a@h/db", Schema: "meta_gold"}, "iam_role is required"},
		{warehouse.Config{URL: "redshift://a@h/db", IAMRole: "metalake-redshift"}, "want a role ARN"},
		{warehouse.Config{URL: "postgres://a@h/db", Schema: "Meta-Gold"}, "warehouse.schema"},
		{warehouse.Config{URL: "postgres://a:pw@h/db"}, "warehouse.url: the URL holds a password"},
		{warehouse.Config{Retries: -1}, "warehouse.retries"},
	}
	for _, c := range cases {
		if err := c.c.Validate(); err == nil || !strings.Contains(err.Error(), c.says) {
			t.Errorf("%+v: %v, want %q", c.c, err, c.says)
		}
	}
	if err := warehouse.DefaultConfig().Validate(); err != nil {
		t.Errorf("defaults: %v", err)
	}
	ok := warehouse.Config{URL: "redshift://a@h/db", IAMRole: "arn:aws:iam::123456789012:role/metalake-redshift", Retries: 2}
	if err := ok.Validate(); err != nil {
		t.Errorf("%+v: %v", ok, err)
	}
}

// TestCheckComparesIntegersExactly: a sum of counts is compared exactly, however large (a
// relative tolerance would hide 5 views among 7 billion); floating-point sums to 1e-9.
func TestCheckComparesIntegersExactly(t *testing.T) {
	t.Parallel()
	cases := []struct {
		float bool
		a, b  string
		equal bool
	}{
		{false, "7460556201", "7460556206", false},
		{false, "7460556201", "7460556201", true},
		{false, "123456789012345678901234567890", "123456789012345678901234567891", false},
		{true, "1.0000000000001", "1", true},
		{true, "1.001", "1", false},
		{true, "2.5e+12", "2500000000000", true},
	}
	for _, c := range cases {
		if got := warehouse.MetricEqual(c.float, c.a, c.b); got != c.equal {
			t.Errorf("float %v: %s vs %s: equal %v, want %v", c.float, c.a, c.b, got, c.equal)
		}
	}
}
