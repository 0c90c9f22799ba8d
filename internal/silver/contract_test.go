package silver_test

import (
	"context"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/metalake/metalake/internal/dag"
	"github.com/metalake/metalake/internal/lake"
	"github.com/metalake/metalake/internal/silver"
)

func TestDefaultContracts(t *testing.T) {
	t.Parallel()
	set, err := silver.Default()
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(set.Names(), ","); got != "users,datasets,tags,competitions,kernels" {
		t.Errorf("tables %s", got)
	}
	// SPEC §4's order: users → datasets → {competitions, tags}; users → kernels.
	want := map[string]string{"users": "", "datasets": "users", "tags": "datasets", "competitions": "datasets", "kernels": "users"}
	for name, up := range want {
		tb, _ := set.Table(name)
		if got := strings.Join(tb.Upstream(), ","); got != up {
			t.Errorf("%s upstream %q, want %q", name, got, up)
		}
	}
}

func TestContractValidation(t *testing.T) {
	t.Parallel()
	const base = `table: t
bronze: t
key: [id]
dedup_order: [source_run_date DESC, source_line DESC]
columns: [{name: id, type: VARCHAR}]
models: {clean: c.sql}
`
	models := fstest.MapFS{"c.sql": {Data: []byte("SELECT 1")}}
	cases := []struct{ name, yaml, want string }{
		{"valid", base, ""},
		{"unknown key", base + "colums: []\n", "field colums not found"},
		{"bad order", strings.Replace(base, "source_line DESC", "source_line DOWN", 1), `dedup_order "source_line DOWN"`},
		{"bad type", strings.Replace(base, "VARCHAR", "STRING", 1), `type "STRING"`},
		{"reserved column", strings.Replace(base, "{name: id", "{name: source_line", 1), "lineage or metadata name"},
		{"missing model", strings.Replace(base, "c.sql", "nope.sql", 1), `"nope.sql" not found`},
		{"drop without code", base + "strategies: [{strategy: DROP, field: id, reason: r}]\n", "a DROP names its snake_case code"},
		{"flag without count", base + "strategies: [{strategy: FLAG, field: id, reason: r}]\n", "give count"},
		{"unknown strategy", base + "strategies: [{strategy: FIX, field: id, reason: r, count: x}]\n", "strategy must be"},
		{"param not allowed", base + "params: [{name: p, allowed: [a, b], default: c}]\n", `value "c": use one of [a b]`},
		{"param layout not allowed", base + "params: [{name: p, allowed: [a, b], default: a, layouts: {kaggle: z}}]\n", `value "z"`},
		{"metric of an unknown drop", base + "metrics: [{name: m, dropped: nope}]\n", `dropped "nope"`},
		{"metric of an unknown counter", base + "metrics: [{name: m, value: nope}]\n", `value "nope"`},
		{"metric with two kinds", base + "metrics: [{name: m, sql: 'COUNT(*)', rows: 'SELECT 1'}]\n", "exactly one of"},
		{"unknown dependency", base + "depends_on: [nope]\n", `"nope": not another silver table`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			_, err := silver.Load(fstest.MapFS{"t.yaml": {Data: []byte(c.yaml)}}, models)
			if c.want == "" {
				if err != nil {
					t.Fatalf("valid contract rejected: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("err = %v, want it to mention %q", err, c.want)
			}
		})
	}
	cyc := fstest.MapFS{
		"a.yaml": {Data: []byte(strings.Replace(base, "table: t", "table: a", 1) + "depends_on: [b]\n")},
		"b.yaml": {Data: []byte(strings.Replace(base, "table: t", "table: b", 1) + "after: [a]\n")},
	}
	if _, err := silver.Load(cyc, models); err == nil || !strings.Contains(err.Error(), "cycle") {
		t.Errorf("cycle: %v", err)
	}
}

// TestModelsBreakingTheirContract: a drop code no DROP strategy declares, or a prepare model
// that changes the row count, fails the run before anything is published (and is not retried).
func TestModelsBreakingTheirContract(t *testing.T) {
	t.Parallel()
	const contract = `table: users
bronze: users
key: [user_id]
dedup_order: [source_run_date DESC, source_line DESC]
columns: [{name: user_id, type: VARCHAR}]
models: {prepare: p.sql, clean: c.sql}
strategies: [{strategy: DROP, field: user_id, code: declared, reason: r}]
`
	const clean = `SELECT w.user_id, w.first_ingested_date, w.last_ingested_date, w.source_run_date, w.source_file,
  w.source_line, 'undeclared' AS __drop FROM winners_new w`
	cases := []struct{ name, prepare, clean, want string }{
		{"undeclared drop code", "SELECT bronze_in.*, CAST(NULL AS VARCHAR) AS __drop FROM bronze_in", clean, `code "undeclared"`},
		{"prepare changes the row count", "SELECT b.*, CAST(NULL AS VARCHAR) AS __drop FROM bronze_in b, (SELECT 1 UNION ALL SELECT 2) two",
			strings.Replace(clean, "'undeclared'", "CAST(NULL AS VARCHAR)", 1), "internal accounting error"},
		{"clean misses a lineage column", "SELECT bronze_in.*, CAST(NULL AS VARCHAR) AS __drop FROM bronze_in",
			strings.Replace(clean, "w.source_file,", "", 1), "must emit column source_file"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			set, err := silver.Load(fstest.MapFS{"users.yaml": {Data: []byte(contract)}},
				fstest.MapFS{"p.sql": {Data: []byte(c.prepare)}, "c.sql": {Data: []byte(c.clean)}})
			if err != nil {
				t.Fatal(err)
			}
			e := newEnv(t)
			e.putRaw(t, "users", "2024-01-01", planUsersHeader+"U1,a,2023-01-01 00:00:00,US\n")
			e.runBronze(t, "2024-01-01", "users")
			e.silver.Contracts = set
			rep, err := e.silver.Run(context.Background(), "users", mustDate(t, "2024-01-01"), silver.Incremental)
			if err == nil || !strings.Contains(err.Error(), c.want) || dag.Retryable(err) {
				t.Fatalf("err = %v, want a non-retryable error mentioning %q", err, c.want)
			}
			if rep.Status != silver.StatusFailed || rep.Error == "" {
				t.Errorf("report status %s error %q", rep.Status, rep.Error)
			}
			if _, ok := e.files(t, lake.PartitionDir(lake.Silver, "users", mustDate(t, "2024-01-01"))); ok {
				t.Error("a partition was published")
			}
		})
	}
}
