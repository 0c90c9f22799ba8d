package main_test

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/metalake/metalake/internal/gold"
	"github.com/metalake/metalake/internal/testserver"
)

var exportDates = []string{"2025-07-01", "2025-07-02", "2025-07-03"}

// warehouseLake generates and runs a three-date lake (no warehouse configured).
func warehouseLake(t *testing.T, dir string) string {
	t.Helper()
	lk := filepath.Join(dir, "lake")
	must(t, metalake(t, dir, "generate", "--lake", lk, "--date", exportDates[0], "--days", "3", "--users", "2000", "--seed", "7"), 0)
	must(t, metalake(t, dir, "run", "--lake", lk, "--date", exportDates[0], "--to", exportDates[2], "--quiet"), 0)
	return lk
}

// pgEnv is the environment reaching pg with the right password, and none of the caller's libpq
// settings.
func pgEnv(pg *testserver.Postgres, password string) []string {
	return []string{"PGPASSWORD=", "PGHOST=", "PGUSER=", "PGDATABASE=", "PGSSLMODE=", "METALAKE_WAREHOUSE_PASSWORD=" + password}
}

func pgConnect(t *testing.T, pg *testserver.Postgres) *pgx.Conn {
	t.Helper()
	cfg, err := pgx.ParseConfig(pg.URL())
	if err != nil {
		t.Fatal(err)
	}
	cfg.Password = pg.Password
	c, err := pgx.ConnectConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close(context.Background()) })
	return c
}

// TestCLIExportToPostgres loads a generated three-date lake into a real PostgreSQL with
// metalake export: for every gold table the warehouse answers what metalake query answers; a
// rerun adds no duplicate; export --check finds the warehouse equal to the lake, then a
// difference; a wrong password is one clear line without the password.
func TestCLIExportToPostgres(t *testing.T) {
	t.Parallel()
	pg := testserver.StartPostgres(t)
	dir := t.TempDir()
	lk := warehouseLake(t, dir)
	env := pgEnv(pg, pg.Password)
	for _, d := range exportDates {
		r := must(t, metalakeEnv(t, dir, env, "export", "--lake", lk, "--date", d, "--to", pg.URL()), 0)
		if !strings.Contains(r.stdout, d+"  gold exported to postgres://metalake@127.0.0.1:"+pg.Port) || !strings.Contains(r.stdout, "bridge_dataset_tag") {
			t.Errorf("export %s output:\n%s", d, r.stdout)
		}
	}
	conn := pgConnect(t, pg)
	assertWarehouseAnswers(t, dir, lk, conn, "meta_gold", exportDates)

	before := tableCounts(t, conn, "meta_gold")
	r := must(t, metalakeEnv(t, dir, env, "export", "--lake", lk, "--date", exportDates[1], "--to", pg.URL()), 0)
	if strings.Count(r.stdout, "unchanged") != 5 {
		t.Errorf("a rerun reloaded dimensions the warehouse holds:\n%s", r.stdout)
	}
	if after := tableCounts(t, conn, "meta_gold"); after != before {
		t.Errorf("a rerun changed the row counts:\nbefore %s\nafter  %s", before, after)
	}

	r = must(t, metalakeEnv(t, dir, env, "export", "--lake", lk, "--check", "--to", pg.URL()), 0)
	if !strings.Contains(r.stdout, "the warehouse equals the lake") || !strings.Contains(r.stdout, strings.Join(exportDates, ", ")) {
		t.Errorf("check output:\n%s", r.stdout)
	}
	if _, err := conn.Exec(context.Background(), `UPDATE meta_gold.fact_dataset_owner_daily SET total_views = total_views + 5
		WHERE run_date = '2025-07-02' AND user_sk = (SELECT MAX(user_sk) FROM meta_gold.fact_dataset_owner_daily WHERE run_date = '2025-07-02')`); err != nil {
		t.Fatal(err)
	}
	r = must(t, metalakeEnv(t, dir, env, "export", "--lake", lk, "--check", "--to", pg.URL()), 1)
	oneLine(t, r, "1 difference(s)", "postgres://metalake@127.0.0.1:"+pg.Port)
	if !strings.Contains(r.stdout, "fact_dataset_owner_daily") || !strings.Contains(r.stdout, "sum(total_views)") {
		t.Errorf("check does not show the difference:\n%s", r.stdout)
	}

	// A wrong password: one line naming host and user, never the password.
	wrong := "wrong-" + pg.Password[:6]
	r = must(t, metalakeEnv(t, dir, pgEnv(pg, wrong), "export", "--lake", lk, "--date", exportDates[0], "--to", pg.URL()), 1)
	oneLine(t, r, "127.0.0.1:"+pg.Port, "user metalake", "password authentication failed")
	if strings.Contains(r.stdout+r.stderr, wrong) || strings.Contains(r.stdout+r.stderr, pg.Password) {
		t.Errorf("the password is printed:\n%s%s", r.stdout, r.stderr)
	}

	// Usage errors: a password in the URL, no warehouse, no date.
	r = must(t, metalakeEnv(t, dir, env, "export", "--lake", lk, "--date", exportDates[0], "--to", "postgres://metalake:hunter2@127.0.0.1/db"), 2)
	oneLine(t, r, "--to", "holds a password", "METALAKE_WAREHOUSE_PASSWORD")
	if strings.Contains(r.stderr, "hunter2") {
		t.Errorf("the password is printed: %s", r.stderr)
	}
	oneLine(t, must(t, metalakeEnv(t, dir, env, "export", "--lake", lk, "--date", exportDates[0]), 2), "no warehouse", "warehouse.url")
	oneLine(t, must(t, metalakeEnv(t, dir, env, "export", "--lake", lk, "--to", pg.URL()), 2), "--date is required")
}

// TestCLIExportTaskAndBackfill: with warehouse.url in metalake.yaml every run ends with
// export_warehouse; its failure (a wrong password) fails the run and leaves the lake's gold
// committed, --resume completes it. A backfill (a later date loaded first) ends equal too.
func TestCLIExportTaskAndBackfill(t *testing.T) {
	t.Parallel()
	pg := testserver.StartPostgres(t)
	dir := t.TempDir()
	lk := filepath.Join(dir, "lake")
	must(t, metalake(t, dir, "generate", "--lake", lk, "--date", exportDates[0], "--days", "3", "--users", "2000", "--seed", "7"), 0)
	writeFile(t, filepath.Join(dir, "metalake.yaml"), fmt.Sprintf("warehouse:\n  url: %s\n  retries: 0\n", pg.URL()))
	env := pgEnv(pg, pg.Password)
	r := must(t, metalakeEnv(t, dir, env, "run", "--lake", lk, "--date", exportDates[0], "--to", exportDates[1]), 0)
	if !strings.Contains(r.stdout, "export_warehouse") {
		t.Errorf("no export_warehouse task in the run:\n%s", r.stdout)
	}

	// The third date's export fails: the run fails on it, gold of the date stays committed.
	r = must(t, metalakeEnv(t, dir, pgEnv(pg, "nope"), "run", "--lake", lk, "--date", exportDates[2]), 1)
	oneLine(t, r, "export_warehouse", exportDates[2], "password authentication failed")
	must(t, metalake(t, dir, "query", "--lake", lk, "SELECT COUNT(*) FROM gold.fact_tag_usage_daily_latest"), 0)
	st := must(t, metalake(t, dir, "status", "--lake", lk, "--date", exportDates[2], "--format", "json"), 0)
	if !strings.Contains(st.stdout, `"validate_gold_outputs"`) || !strings.Contains(st.stdout, `"failed"`) {
		t.Errorf("status after a failed export:\n%s", st.stdout)
	}
	must(t, metalakeEnv(t, dir, env, "run", "--lake", lk, "--date", exportDates[2], "--resume"), 0)
	conn := pgConnect(t, pg)
	assertWarehouseAnswers(t, dir, lk, conn, "meta_gold", exportDates)
	must(t, metalakeEnv(t, dir, env, "export", "--lake", lk, "--check"), 0)

	// Backfill into another schema: the latest date first, then the older ones.
	for _, d := range []string{exportDates[2], exportDates[0], exportDates[1]} {
		must(t, metalakeEnv(t, dir, env, "export", "--lake", lk, "--date", d, "--schema", "backfill"), 0)
	}
	assertWarehouseAnswers(t, dir, lk, conn, "backfill", exportDates)
	must(t, metalakeEnv(t, dir, env, "export", "--lake", lk, "--check", "--schema", "backfill"), 0)
}

// assertWarehouseAnswers compares every gold table of the warehouse schema with metalake
// query's answer over the same run dates, row for row.
func assertWarehouseAnswers(t *testing.T, dir, lk string, conn *pgx.Conn, schema string, days []string) {
	t.Helper()
	in := "'" + strings.Join(days, "', '") + "'"
	for _, table := range gold.Tables() {
		filter := ""
		if table.Kind != gold.KindDimension {
			filter = " WHERE CAST(run_date AS VARCHAR) IN (" + in + ")"
		}
		r := must(t, metalake(t, dir, "query", "--lake", lk, "--format", "json", "SELECT * FROM gold."+table.Name+filter), 0)
		dec := json.NewDecoder(strings.NewReader(r.stdout))
		dec.UseNumber()
		var rows []map[string]any
		if err := dec.Decode(&rows); err != nil {
			t.Fatalf("%s: %v", table.Name, err)
		}
		var want []string
		for _, row := range rows {
			want = append(want, rowLine(row))
		}
		got := pgRows(t, conn, fmt.Sprintf("SELECT * FROM %s.%s%s", schema, table.Name, strings.Replace(filter, "VARCHAR", "text", 1)))
		slices.Sort(want)
		if len(want) == 0 || !slices.Equal(got, want) {
			t.Errorf("%s.%s: %d rows in the warehouse, metalake query answers %d; first rows:\n  %s\n  %s", schema, table.Name, len(got), len(want),
				first(got), first(want))
		}
	}
}

func first(rows []string) string {
	if len(rows) == 0 {
		return "(none)"
	}
	return rows[0]
}

func pgRows(t *testing.T, conn *pgx.Conn, q string) []string {
	t.Helper()
	rows, err := conn.Query(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		vals, err := rows.Values()
		if err != nil {
			t.Fatal(err)
		}
		row := map[string]any{}
		for i, f := range rows.FieldDescriptions() {
			v := vals[i]
			switch x := v.(type) {
			case time.Time:
				if f.DataTypeOID == pgtype.DateOID {
					v = x.Format("2006-01-02")
				} else {
					v = x.Format("2006-01-02T15:04:05.999999")
				}
			case pgtype.Numeric:
				f, _ := x.Float64Value()
				v = f.Float64
			}
			row[f.Name] = v
		}
		out = append(out, rowLine(row))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return out
}

// rowLine renders a row with its columns in name order, every number as a float64.
func rowLine(row map[string]any) string {
	keys := make([]string, 0, len(row))
	for k := range row {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b strings.Builder
	for _, k := range keys {
		var s string
		switch v := row[k].(type) {
		case nil:
			s = "NULL"
		case json.Number:
			f, _ := v.Float64()
			s = strconv.FormatFloat(f, 'g', -1, 64)
		case int64:
			s = strconv.FormatFloat(float64(v), 'g', -1, 64)
		case int32:
			s = strconv.FormatFloat(float64(v), 'g', -1, 64)
		case float64:
			s = strconv.FormatFloat(v, 'g', -1, 64)
		default:
			s = fmt.Sprint(v)
		}
		b.WriteString(k + "=" + s + "|")
	}
	return b.String()
}

// tableCounts renders the row count of every gold table per run date.
func tableCounts(t *testing.T, conn *pgx.Conn, schema string) string {
	t.Helper()
	var parts []string
	for _, table := range gold.Tables() {
		q := fmt.Sprintf("SELECT COUNT(*) FROM %s.%s", schema, table.Name)
		if table.Kind != gold.KindDimension {
			q = fmt.Sprintf("SELECT string_agg(run_date || ':' || n, ',' ORDER BY run_date) FROM (SELECT run_date, COUNT(*) AS n FROM %s.%s GROUP BY 1) x", schema, table.Name)
		}
		var s string
		if err := conn.QueryRow(context.Background(), "SELECT CAST(("+q+") AS text)").Scan(&s); err != nil {
			t.Fatal(err)
		}
		parts = append(parts, table.Name+"="+s)
	}
	return strings.Join(parts, " ")
}
