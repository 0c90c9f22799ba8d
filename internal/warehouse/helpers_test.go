package warehouse_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/metalake/metalake/internal/engine"
	"github.com/metalake/metalake/internal/gold"
	"github.com/metalake/metalake/internal/lake"
	"github.com/metalake/metalake/internal/query"
	"github.com/metalake/metalake/internal/storage"
	"github.com/metalake/metalake/internal/testlake"
	"github.com/metalake/metalake/internal/testserver"
	"github.com/metalake/metalake/internal/warehouse"
)

// The generated lake every test starts from: three daily snapshots, run through the whole
// pipeline once per test binary and copied for each test that changes it.
var (
	dates    = []string{"2024-03-01", "2024-03-02", "2024-03-03"}
	baseLake struct {
		once sync.Once
		dir  string
		err  error
	}
)

func TestMain(m *testing.M) {
	code := m.Run()
	if baseLake.dir != "" {
		os.RemoveAll(baseLake.dir)
	}
	os.Exit(code)
}

func newEngine(t testing.TB) engine.Engine {
	t.Helper()
	eng, err := engine.Open(context.Background(), engine.Options{Threads: 2, MemoryLimit: "1GB", WorkDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { eng.Close() })
	return eng
}

// generatedLake returns a private copy of the three-date lake.
func generatedLake(t testing.TB) *lake.Lake {
	t.Helper()
	baseLake.once.Do(func() {
		baseLake.dir, baseLake.err = buildLake()
	})
	if baseLake.err != nil {
		t.Fatalf("build the test lake: %v", baseLake.err)
	}
	dir := filepath.Join(t.TempDir(), "lake")
	if err := copyDir(baseLake.dir, dir); err != nil {
		t.Fatal(err)
	}
	b, err := storage.NewLocal(dir)
	if err != nil {
		t.Fatal(err)
	}
	return lake.New(b)
}

func buildLake() (string, error) {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "metalake-warehouse-lake-")
	if err != nil {
		return "", err
	}
	work, err := os.MkdirTemp("", "metalake-warehouse-engine-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(work)
	eng, err := engine.Open(ctx, engine.Options{Threads: 2, MemoryLimit: "1GB", WorkDir: work})
	if err != nil {
		return "", err
	}
	defer eng.Close()
	b, err := storage.NewLocal(dir)
	if err != nil {
		return "", err
	}
	start, _ := lake.ParseDate(dates[0])
	if _, err := testlake.Build(ctx, b, eng, testlake.Options{Start: start.Time(), Days: len(dates), Users: 1500, Seed: 11, DefectRate: 0.01}); err != nil {
		return "", err
	}
	return dir, nil
}

func copyDir(src, dst string) error {
	return filepath.Walk(src, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		if info.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		in, err := os.Open(p)
		if err != nil {
			return err
		}
		defer in.Close()
		out, err := os.Create(target)
		if err != nil {
			return err
		}
		if _, err := io.Copy(out, in); err != nil {
			out.Close()
			return err
		}
		return out.Close()
	})
}

func date(t testing.TB, s string) lake.Date {
	t.Helper()
	d, err := lake.ParseDate(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// cluster is a PostgreSQL server shared by the subtests of one test; each gets a database.
type cluster struct {
	pg *testserver.Postgres
	n  int
}

func startCluster(t *testing.T) *cluster {
	return &cluster{pg: testserver.StartPostgres(t)}
}

// database creates a fresh database and returns the target loading it (schema meta_gold).
func (c *cluster) database(t testing.TB) warehouse.Target {
	t.Helper()
	c.n++
	name := fmt.Sprintf("wh%d", c.n)
	admin := c.connect(t, c.target(t, "postgres"))
	defer admin.Close(context.Background())
	if _, err := admin.Exec(context.Background(), "CREATE DATABASE "+name); err != nil {
		t.Fatal(err)
	}
	return c.target(t, name)
}

func (c *cluster) target(t testing.TB, db string) warehouse.Target {
	t.Helper()
	raw := strings.Replace(c.pg.URL(), "/"+c.pg.Database+"?", "/"+db+"?", 1)
	u, kind, err := warehouse.ParseURL(raw)
	if err != nil {
		t.Fatal(err)
	}
	return warehouse.Target{Kind: kind, URL: u, Schema: warehouse.DefaultSchema, Password: c.pg.Password}
}

func (c *cluster) connect(t testing.TB, tg warehouse.Target) *pgx.Conn {
	t.Helper()
	cfg, err := pgx.ParseConfig(tg.URL.String())
	if err != nil {
		t.Fatal(err)
	}
	cfg.Password = c.pg.Password
	conn, err := pgx.ConnectConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return conn
}

func exporter(lk *lake.Lake, eng engine.Engine, tg warehouse.Target) *warehouse.Exporter {
	return &warehouse.Exporter{Lake: lk, Engine: eng, Target: tg, LakeURI: "test-lake"}
}

func export(t testing.TB, e *warehouse.Exporter, day string) *warehouse.Result {
	t.Helper()
	res, err := e.Export(context.Background(), date(t, day))
	if err != nil {
		t.Fatalf("export %s: %v", day, err)
	}
	return res
}

// tableRows is a table's content as sorted canonical lines, one per row.
type tableRows []string

// lakeRows is what metalake query answers for a gold table (a fact: its rows of the dates).
func lakeRows(t testing.TB, lk *lake.Lake, eng engine.Engine, table string, days []string) tableRows {
	t.Helper()
	ctx := context.Background()
	cat, err := query.Open(ctx, lk, eng)
	if err != nil {
		t.Fatal(err)
	}
	defer cat.Close()
	q := "SELECT * FROM gold." + table
	if !strings.HasPrefix(table, "dim_") {
		q += " WHERE run_date IN (" + dateList(days) + ")"
	}
	var out bytes.Buffer
	if err := cat.Query(ctx, q, query.FormatJSON, &out); err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(&out)
	dec.UseNumber()
	var rows []map[string]any
	if err := dec.Decode(&rows); err != nil {
		t.Fatal(err)
	}
	var lines tableRows
	for _, r := range rows {
		lines = append(lines, canonical(r))
	}
	slices.Sort(lines)
	return lines
}

// warehouseRows is the warehouse's answer for the same table and dates.
func warehouseRows(t testing.TB, conn *pgx.Conn, schema, table string, days []string) tableRows {
	t.Helper()
	q := fmt.Sprintf(`SELECT * FROM %s.%s`, schema, table)
	if !strings.HasPrefix(table, "dim_") {
		q += " WHERE run_date IN (" + dateList(days) + ")"
	}
	rows, err := conn.Query(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	fields := rows.FieldDescriptions()
	var lines tableRows
	for rows.Next() {
		vals, err := rows.Values()
		if err != nil {
			t.Fatal(err)
		}
		r := map[string]any{}
		for i, f := range fields {
			r[f.Name] = pgValue(vals[i], f.DataTypeOID)
		}
		lines = append(lines, canonical(r))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	slices.Sort(lines)
	return lines
}

// pgValue renders a PostgreSQL value as metalake query's JSON does (dates YYYY-MM-DD,
// timestamps ISO 8601 without a zone).
func pgValue(v any, oid uint32) any {
	if n, ok := v.(pgtype.Numeric); ok {
		f, err := n.Float64Value()
		if err != nil || !f.Valid {
			return nil
		}
		return f.Float64
	}
	tm, ok := v.(time.Time)
	if !ok {
		return v
	}
	if oid == 1082 { // date
		return tm.Format("2006-01-02")
	}
	return tm.UTC().Format("2006-01-02T15:04:05.999999")
}

// canonical renders a row with its columns in name order; numbers as float64 text so that
// 158 and 158.0 agree.
func canonical(r map[string]any) string {
	var b strings.Builder
	for _, k := range slices.Sorted(func(yield func(string) bool) {
		for k := range r {
			if !yield(k) {
				return
			}
		}
	}) {
		b.WriteString(k + "=")
		switch v := r[k].(type) {
		case nil:
			b.WriteString("NULL")
		case json.Number:
			f, _ := v.Float64()
			b.WriteString(strconv.FormatFloat(f, 'g', -1, 64))
		case int64:
			b.WriteString(strconv.FormatFloat(float64(v), 'g', -1, 64))
		case int32:
			b.WriteString(strconv.FormatFloat(float64(v), 'g', -1, 64))
		case int16:
			b.WriteString(strconv.FormatFloat(float64(v), 'g', -1, 64))
		case float64:
			b.WriteString(strconv.FormatFloat(v, 'g', -1, 64))
		case float32:
			b.WriteString(strconv.FormatFloat(float64(v), 'g', -1, 64))
		default:
			fmt.Fprint(&b, v)
		}
		b.WriteString("|")
	}
	return b.String()
}

func dateList(days []string) string {
	q := make([]string, len(days))
	for i, d := range days {
		q[i] = "DATE '" + d + "'"
	}
	return strings.Join(q, ", ")
}

// goldNames lists every gold table.
func goldNames() []string {
	var out []string
	for _, t := range gold.Tables() {
		out = append(out, t.Name)
	}
	return out
}

// assertEqualsLake fails unless every gold table of the warehouse equals the lake's answer
// (facts: for days).
func assertEqualsLake(t testing.TB, lk *lake.Lake, eng engine.Engine, conn *pgx.Conn, days []string) {
	t.Helper()
	for _, table := range goldNames() {
		want := lakeRows(t, lk, eng, table, days)
		got := warehouseRows(t, conn, "meta_gold", table, days)
		if len(want) == 0 {
			t.Errorf("%s: the lake has no rows for %v: the comparison proves nothing", table, days)
		}
		t.Logf("%s %v: %d rows in the lake, %d in the warehouse", table, days, len(want), len(got))
		if !slices.Equal(got, want) {
			t.Errorf("%s: the warehouse differs from the lake: %d rows, want %d\n%s", table, len(got), len(want), firstDiff(got, want))
		}
	}
}

func firstDiff(got, want tableRows) string {
	for i := range max(len(got), len(want)) {
		var g, w string
		if i < len(got) {
			g = got[i]
		}
		if i < len(want) {
			w = want[i]
		}
		if g != w {
			return fmt.Sprintf("first difference at sorted row %d:\n  warehouse %s\n  lake      %s", i, g, w)
		}
	}
	return ""
}

// counts returns the row count of every gold table per run date (dimensions under "").
func counts(t testing.TB, conn *pgx.Conn) map[string]int64 {
	t.Helper()
	out := map[string]int64{}
	for _, table := range goldNames() {
		q := fmt.Sprintf("SELECT '', COUNT(*) FROM meta_gold.%s", table)
		if !strings.HasPrefix(table, "dim_") {
			q = fmt.Sprintf("SELECT CAST(run_date AS text), COUNT(*) FROM meta_gold.%s GROUP BY 1", table)
		}
		rows, err := conn.Query(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var d string
			var n int64
			if err := rows.Scan(&d, &n); err != nil {
				t.Fatal(err)
			}
			out[table+" "+d] = n
		}
		rows.Close()
	}
	return out
}
