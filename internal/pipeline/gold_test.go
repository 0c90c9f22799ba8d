package pipeline

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
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
	eng, b := engineAndBucket(t)
	start := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	if _, err := synth.Generate(ctx, b, synth.Options{Start: start, Days: 2, Users: 600, Layout: synth.LayoutKaggle, Seed: 5, DefectRate: 0.01}); err != nil {
		t.Fatal(err)
	}
	set, err := contract.Default()
	if err != nil {
		t.Fatal(err)
	}
	r := &Runner{Lake: lake.New(b), Engine: eng, Contracts: set, Parallelism: 2, GoldRetries: 2}
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

// A failed data-quality check fails its task once (no retry), the other gold tasks still run,
// validate_gold_outputs fails naming the check, and the gold line of the summary is FAILED.
func TestGoldTasksCheckFailure(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	eng, b := engineAndBucket(t)
	r := &Runner{Lake: lake.New(b), Engine: eng, GoldRetries: 2}
	d, _ := lake.ParseDate("2024-01-15")
	// Silver as silver writes it, except for one dataset whose privacy is unknown.
	for table, q := range map[string]string{
		"users": "SELECT 'U1' AS user_id, 'u1' AS user_name, 'US' AS country_code, TIMESTAMP '2020-01-01' AS signup_ts",
		"datasets": `SELECT * FROM (VALUES ('D1', 'one', 'U1', true), ('D2', 'two', 'U1', NULL)) v(dataset_id, dataset_title, owner_user_id, is_private)
			CROSS JOIN (SELECT NULL::VARCHAR AS dataset_subtitle, 'dataset' AS dataset_type, NULL::TIMESTAMP AS created_ts,
			NULL::TIMESTAMP AS updated_ts, 1::BIGINT AS total_views, 1::BIGINT AS total_downloads, 1.0::DOUBLE AS views_downloads_ratio)`,
		"tags": "SELECT 'D1' AS dataset_id, 'ml' AS tag, 'rare' AS tag_category, 1::BIGINT AS dataset_count",
		"competitions": `SELECT '1' AS competition_id, 's' AS slug, 't' AS title, 'Featured' AS host_segment_title,
			TIMESTAMP '2020-01-01' AS enabled_ts, NULL::TIMESTAMP AS deadline_ts, 'USD' AS reward_type, 1.0::DOUBLE AS reward_quantity,
			1::BIGINT AS num_prizes, 1::BIGINT AS max_team_size, 1::BIGINT AS total_teams, 1::BIGINT AS total_competitors, 1::BIGINT AS total_submissions`,
	} {
		s, err := eng.Session(ctx)
		if err != nil {
			t.Fatal(err)
		}
		files, err := s.WriteParquet(ctx, q, engine.Output{})
		s.Close()
		if err != nil {
			t.Fatal(err)
		}
		var lf []lake.File
		for _, f := range files {
			lf = append(lf, lake.File{Path: f.Path, Rows: f.Rows})
		}
		if _, err := r.Lake.Publish(ctx, lake.PartitionDir(lake.Silver, table, d), lake.Manifest{Layer: lake.Silver, Table: table,
			RunDate: d.String(), Attempt: lake.NewAttemptID(time.Now())}, lf); err != nil {
			t.Fatal(err)
		}
	}
	run := newGoldRun("run-1")
	tasks := append([]dag.Task{{ID: "check_silver_completion", Run: func(context.Context) error { return nil }}},
		r.goldTasks(d, "check_silver_completion", run)...)
	g, err := dag.New(tasks...)
	if err != nil {
		t.Fatal(err)
	}
	results := g.Execute(ctx, dag.Options{Parallelism: 2, Sleep: func(context.Context, time.Duration) error { return nil }})
	for id, res := range results {
		switch id {
		case "gold_fact_dataset_owner_daily":
			if res.Status != dag.Failed || res.Attempts != 1 || res.Err == nil ||
				res.Err.Error() != "gold fact_dataset_owner_daily 2024-01-15: DQ check total_equals_private_plus_public failed (1 violation)" {
				t.Errorf("%s: %s after %d attempts: %v", id, res.Status, res.Attempts, res.Err)
			}
		case "catalog_gold_fact_dataset_owner_daily":
			if res.Status != dag.UpstreamFailed {
				t.Errorf("%s: %s, want upstream_failed (nothing to crawl)", id, res.Status)
			}
		case "validate_gold_outputs":
			if res.Status != dag.Failed || res.Err == nil || !strings.Contains(res.Err.Error(),
				"fact_dataset_owner_daily: DQ check total_equals_private_plus_public failed (1 violation)") {
				t.Errorf("%s: %s %v", id, res.Status, res.Err)
			}
		default:
			if res.Status != dag.Success {
				t.Errorf("%s: %s %v", id, res.Status, res.Err)
			}
		}
	}
	if s := run.summary(); s != (GoldLayer{Status: "FAILED", DimensionsBuilt: 5, FactsBuilt: 3}) {
		t.Errorf("gold summary %+v", s)
	}
	resumed := newGoldRun("run-2")
	resumed.resumeFrom(map[string]bool{"gold_dim_user": true, "gold_bridge_dataset_tag": true, "validate_gold_outputs": true})
	if s := resumed.summary(); s != (GoldLayer{Status: "SUCCESS", DimensionsBuilt: 1, FactsBuilt: 1}) {
		t.Errorf("resumed gold summary %+v", s)
	}
}

// engineAndBucket opens an engine and an empty local bucket that live as long as the test.
func engineAndBucket(t *testing.T) (engine.Engine, storage.Bucket) {
	t.Helper()
	eng, err := engine.Open(context.Background(), engine.Options{Threads: 2, MemoryLimit: "1GB", WorkDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { eng.Close() })
	b, err := storage.NewLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return eng, b
}
