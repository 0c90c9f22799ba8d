package pipeline

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/metalake/metalake/internal/contract"
	"github.com/metalake/metalake/internal/dag"
	"github.com/metalake/metalake/internal/engine"
	"github.com/metalake/metalake/internal/gold"
	"github.com/metalake/metalake/internal/lake"
	"github.com/metalake/metalake/internal/query"
	"github.com/metalake/metalake/internal/storage"
	"github.com/metalake/metalake/internal/synth"
)

// TestGoldTasks runs the gold tasks after bronze and silver of a generated lake, date after
// date: every gold task and validate_gold_outputs succeed, and gold agrees with silver.
func TestGoldTasks(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	eng, err := engine.Open(ctx, engine.Options{Threads: 2, MemoryLimit: "1GB", WorkDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { eng.Close() })
	b, err := storage.NewLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	if _, err := synth.Generate(ctx, b, synth.Options{Start: start, Days: 2, Users: 600, Layout: synth.LayoutKaggle, Seed: 5, DefectRate: 0.01}); err != nil {
		t.Fatal(err)
	}
	set, err := contract.Default()
	if err != nil {
		t.Fatal(err)
	}
	r := &Runner{Lake: lake.New(b), Engine: eng, Contracts: set, Parallelism: 2}
	for i := range 2 {
		d := lake.DateOf(start.AddDate(0, 0, i))
		if _, err := r.Run(ctx, d, Options{}); err != nil {
			t.Fatalf("bronze and silver %s: %v", d, err)
		}
		run := newGoldRun("run-" + d.String())
		tasks := append([]dag.Task{{ID: "check_silver_completion", Run: func(context.Context) error { return nil }}},
			r.goldTasks(d, "check_silver_completion", run)...)
		g, err := dag.New(tasks...)
		if err != nil {
			t.Fatal(err)
		}
		for _, res := range g.Sorted(g.Execute(ctx, dag.Options{Parallelism: 2})) {
			if res.Status != dag.Success {
				t.Errorf("%s %s: %s %v", d, res.ID, res.Status, res.Err)
			}
		}
		if s := run.summary(); s != (GoldLayer{Status: "SUCCESS", DimensionsBuilt: 5, FactsBuilt: 4}) {
			t.Errorf("%s: gold summary %+v", d, s)
		}

		// Gold agrees with silver of the date: every silver user has exactly one current
		// version, the owner fact counts every silver dataset, the bridge every tag pair.
		rows := queryJSON(t, r, `SELECT
			(SELECT COUNT(*) FROM silver.users WHERE run_date = DATE '`+d.String()+`') AS silver_users,
			(SELECT COUNT(*) FROM gold.dim_user WHERE is_current AND user_sk <> 0) AS current_users,
			(SELECT COUNT(*) FROM silver.datasets WHERE run_date = DATE '`+d.String()+`') AS silver_datasets,
			(SELECT SUM(datasets_count) FROM gold.fact_dataset_owner_daily WHERE run_date = DATE '`+d.String()+`') AS fact_datasets,
			(SELECT COUNT(*) FROM silver.tags WHERE run_date = DATE '`+d.String()+`') AS silver_tags,
			(SELECT COUNT(*) FROM gold.bridge_dataset_tag WHERE run_date = DATE '`+d.String()+`') AS bridge_rows,
			(SELECT COUNT(*) FROM silver.competitions WHERE run_date = DATE '`+d.String()+`' AND enabled_ts IS NOT NULL) AS silver_competitions,
			(SELECT SUM(total_competitions) FROM gold.fact_competitions_yearly WHERE run_date = DATE '`+d.String()+`') AS fact_competitions`)
		got := rows[0]
		for _, pair := range [][2]string{{"silver_users", "current_users"}, {"silver_datasets", "fact_datasets"},
			{"silver_tags", "bridge_rows"}, {"silver_competitions", "fact_competitions"}} {
			if got[pair[0]] != got[pair[1]] || got[pair[0]] == float64(0) {
				t.Errorf("%s: %s = %v but %s = %v", d, pair[0], got[pair[0]], pair[1], got[pair[1]])
			}
		}
		var v gold.Validation
		if err := r.Lake.GetJSON(ctx, gold.ValidationKey(d), &v); err != nil || v.OverallStatus != gold.StatusSuccess {
			t.Errorf("%s: validation %+v (err %v)", d, v, err)
		}
	}
}

func queryJSON(t *testing.T, r *Runner, q string) []map[string]any {
	t.Helper()
	ctx := context.Background()
	c, err := query.Open(ctx, r.Lake, r.Engine)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var buf bytes.Buffer
	if err := c.Query(ctx, q, "json", &buf); err != nil {
		t.Fatal(err)
	}
	var out []map[string]any
	if err := json.Unmarshal(buf.Bytes(), &out); err != nil {
		t.Fatal(err)
	}
	return out
}
