package gold_test

import (
	"context"
	"math"
	"testing"
)

// tagLake is two days of datasets and tags: on the 2nd, D2's title changes (a new dim_dataset
// version), D1 loses nlp, D2 gains cv, and D4 arrives with a new tag.
func tagLake(t *testing.T) *fixture {
	f := newFixture(t)
	f.putUsers(t, "2024-01-01", user{"U1", "u1", "US", "2020-01-01"}, user{"U2", "u2", "US", "2020-01-01"})
	f.putUsers(t, "2024-01-02", user{"U1", "u1", "US", "2020-01-01"}, user{"U2", "u2", "US", "2020-01-01"})
	f.putDatasets(t, "2024-01-01",
		dataset{"D1", "one", "U1", false, 100, 10}, dataset{"D2", "two", "U1", false, 200, 20}, dataset{"D3", "three", "U2", false, 300, 30})
	f.putDatasets(t, "2024-01-02",
		dataset{"D1", "one", "U1", false, 110, 11}, dataset{"D2", "two v2", "U1", false, 220, 22},
		dataset{"D3", "three", "U2", false, 330, 33}, dataset{"D4", "four", "U2", false, 5, 1})
	f.putTags(t, "2024-01-01", [2]string{"D1", "ml"}, [2]string{"D1", "nlp"}, [2]string{"D2", "ml"},
		[2]string{"D3", "cv"}, [2]string{"D3", "ml"}, [2]string{"D3", "nlp"})
	f.putTags(t, "2024-01-02", [2]string{"D1", "ml"}, [2]string{"D2", "ml"}, [2]string{"D2", "cv"},
		[2]string{"D3", "cv"}, [2]string{"D3", "ml"}, [2]string{"D3", "nlp"}, [2]string{"D4", "new-tag"})
	return f
}

func buildTagFacts(t *testing.T, f *fixture, date string) {
	t.Helper()
	f.dims(t, date, "dim_date", "dim_dataset", "dim_tag")
	for _, fact := range []string{"fact_tag_usage_daily", "bridge_dataset_tag"} {
		rep, err := f.job.BuildFact(context.Background(), fact, mustDate(t, date))
		if err != nil {
			t.Fatalf("%s %s: %v", fact, date, err)
		}
		for _, c := range rep.DataQuality {
			if !c.CheckPassed {
				t.Errorf("%s %s: check %+v", fact, date, c)
			}
		}
	}
}

func TestFactTagUsageAndBridge(t *testing.T) {
	t.Parallel()
	f := tagLake(t)
	buildTagFacts(t, f, "2024-01-01")
	buildTagFacts(t, f, "2024-01-02")

	type usage struct {
		datasets, views, downloads int64
		newAssignments             any
		share                      float64
	}
	rows := f.query(t, `SELECT CAST(f.run_date AS VARCHAR) AS d, t.tag, f.datasets_count, f.new_assignments, f.total_views,
		f.total_downloads, f.share_of_tagged, f.date_sk FROM gold.fact_tag_usage_daily f JOIN gold.dim_tag t USING (tag_sk)`)
	want := map[string]usage{
		"2024-01-01 ml":      {3, 600, 60, nil, 1},
		"2024-01-01 nlp":     {2, 400, 40, nil, 2.0 / 3},
		"2024-01-01 cv":      {1, 300, 30, nil, 1.0 / 3},
		"2024-01-02 ml":      {3, 660, 66, 0.0, 0.75},
		"2024-01-02 nlp":     {1, 330, 33, 0.0, 0.25},
		"2024-01-02 cv":      {2, 550, 55, 1.0, 0.5},
		"2024-01-02 new-tag": {1, 5, 1, 1.0, 0.25},
	}
	if len(rows) != len(want) {
		t.Fatalf("%d tag usage rows, want %d: %v", len(rows), len(want), rows)
	}
	for _, r := range rows {
		k := r["d"].(string) + " " + r["tag"].(string)
		w, ok := want[k]
		if !ok {
			t.Errorf("unexpected row %v", r)
			continue
		}
		if num(t, r["datasets_count"]) != w.datasets || num(t, r["total_views"]) != w.views ||
			num(t, r["total_downloads"]) != w.downloads || r["new_assignments"] != w.newAssignments ||
			math.Abs(r["share_of_tagged"].(float64)-w.share) > 1e-12 {
			t.Errorf("%s = %v, want %+v", k, r, w)
		}
	}

	// The bridge: weights 1/tags per dataset, and the dataset version effective on each date.
	bridge := f.query(t, `SELECT CAST(b.run_date AS VARCHAR) AS d, ds.dataset_id, ds.dataset_title, t.tag, b.weight
		FROM gold.bridge_dataset_tag b JOIN gold.dim_dataset ds USING (dataset_sk) JOIN gold.dim_tag t USING (tag_sk)
		ORDER BY d, dataset_id, tag`)
	if len(bridge) != 13 {
		t.Fatalf("bridge has %d rows, want 13: %v", len(bridge), bridge)
	}
	sums := map[string]float64{}
	for _, r := range bridge {
		sums[r["d"].(string)+" "+r["dataset_id"].(string)] += r["weight"].(float64)
		if r["dataset_id"] == "D2" {
			wantTitle := map[string]string{"2024-01-01": "two", "2024-01-02": "two v2"}[r["d"].(string)]
			if r["dataset_title"] != wantTitle {
				t.Errorf("bridge %s resolves D2 to %q, want the version of that date %q", r["d"], r["dataset_title"], wantTitle)
			}
		}
		if r["dataset_id"] == "D3" && math.Abs(r["weight"].(float64)-1.0/3) > 1e-15 {
			t.Errorf("D3 has 3 tags: weight %v", r["weight"])
		}
	}
	for k, s := range sums {
		if math.Abs(s-1) > 1e-9 {
			t.Errorf("%s weights sum to %v", k, s)
		}
	}

	// dim_tag is Type 1: a tag keeps its key, its attributes follow the latest date.
	tags := f.query(t, "SELECT tag, tag_sk, dataset_count FROM gold.dim_tag ORDER BY tag")
	counts := map[string]int64{}
	for _, r := range tags {
		counts[r["tag"].(string)] = num(t, r["dataset_count"])
	}
	if len(tags) != 5 || counts["nlp"] != 1 || counts["cv"] != 2 || counts["Unknown"] != 0 {
		t.Errorf("dim_tag = %v", tags)
	}

	// Rebuilding the 1st after the dimensions moved on gives the same business columns.
	before := f.csv(t, "SELECT * EXCLUDE (created_at_ts, pipeline_run_id) FROM gold.bridge_dataset_tag WHERE run_date = DATE '2024-01-01' ORDER BY ALL")
	beforeUsage := f.csv(t, "SELECT * EXCLUDE (created_at_ts, pipeline_run_id) FROM gold.fact_tag_usage_daily WHERE run_date = DATE '2024-01-01' ORDER BY ALL")
	other := manifestAttempt(t, f, "gold/bridge_dataset_tag/run_date=2024-01-02/")
	buildTagFacts(t, f, "2024-01-01")
	if after := f.csv(t, "SELECT * EXCLUDE (created_at_ts, pipeline_run_id) FROM gold.bridge_dataset_tag WHERE run_date = DATE '2024-01-01' ORDER BY ALL"); after != before {
		t.Errorf("rerun of the 1st changed the bridge:\n%s\n→\n%s", before, after)
	}
	if after := f.csv(t, "SELECT * EXCLUDE (created_at_ts, pipeline_run_id) FROM gold.fact_tag_usage_daily WHERE run_date = DATE '2024-01-01' ORDER BY ALL"); after != beforeUsage {
		t.Errorf("rerun of the 1st changed the tag usage:\n%s\n→\n%s", beforeUsage, after)
	}
	if got := manifestAttempt(t, f, "gold/bridge_dataset_tag/run_date=2024-01-02/"); got != other {
		t.Errorf("rerunning the 1st replaced the 2nd's partition")
	}
}

// Type 1 dimensions absorb dates in any order and end with the latest date's attributes.
func TestType1OutOfOrder(t *testing.T) {
	t.Parallel()
	inOrder, backfill := tagLake(t), tagLake(t)
	inOrder.dims(t, "2024-01-01", "dim_tag", "dim_dataset")
	inOrder.dims(t, "2024-01-02", "dim_tag", "dim_dataset")
	backfill.dims(t, "2024-01-02", "dim_tag", "dim_dataset")
	backfill.dims(t, "2024-01-01", "dim_tag", "dim_dataset")
	for _, q := range []string{
		"SELECT tag, tag_category, dataset_count FROM gold.dim_tag ORDER BY ALL",
		`SELECT dataset_id, dataset_title, owner_user_id, is_private, dataset_type, created_ts, effective_start_ts,
			effective_end_ts, is_current FROM gold.dim_dataset ORDER BY ALL`,
	} {
		if a, b := inOrder.csv(t, q), backfill.csv(t, q); a != b {
			t.Errorf("%s\nin order:\n%s\nout of order:\n%s", q, a, b)
		}
	}
}
