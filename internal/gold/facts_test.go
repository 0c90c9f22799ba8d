package gold_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/metalake/metalake/internal/dag"
	"github.com/metalake/metalake/internal/gold"
)

// The plan's test_dataset_owner_daily_aggregation, through dim_user and the fact.
func TestFactDatasetOwnerDailyPlanExample(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	const d = "2024-01-15"
	f.putUsers(t, d, user{"U001", "John", "US", "2024-01-01"}, user{"U002", "Jane", "UK", "2024-01-02"})
	f.putDatasets(t, d,
		dataset{"D001", "a", "U001", true, 100, 10},
		dataset{"D002", "b", "U001", false, 200, 20},
		dataset{"D003", "c", "U002", false, 300, 30},
		// Two owners dim_user does not know: one SK 0 row for both.
		dataset{"D004", "d", "U404", false, 1, 1},
		dataset{"D005", "e", "U405", true, 2, 0},
	)
	f.dims(t, d, "dim_date", "dim_user")
	rep, err := f.job.BuildFact(context.Background(), "fact_dataset_owner_daily", mustDate(t, d))
	if err != nil {
		t.Fatal(err)
	}
	rows := f.query(t, `SELECT u.user_id, f.user_sk, f.date_sk, f.datasets_count, f.private_datasets_count,
		f.public_datasets_count, f.total_views, f.total_downloads, f.avg_views_downloads_ratio, f.run_date, f.pipeline_run_id
		FROM gold.fact_dataset_owner_daily f JOIN gold.dim_user u USING (user_sk) ORDER BY f.user_sk`)
	if len(rows) != 3 {
		t.Fatalf("fact has %d rows, want 3 (U001, U002, Unknown): %v", len(rows), rows)
	}
	byUser := map[string]map[string]any{}
	for _, r := range rows {
		byUser[r["user_id"].(string)] = r
	}
	for user, want := range map[string][5]int64{"U001": {2, 1, 1, 300, 30}, "U002": {1, 0, 1, 300, 30}, "-1": {2, 1, 1, 3, 1}} {
		r := byUser[user]
		got := [5]int64{num(t, r["datasets_count"]), num(t, r["private_datasets_count"]), num(t, r["public_datasets_count"]),
			num(t, r["total_views"]), num(t, r["total_downloads"])}
		if got != want {
			t.Errorf("%s: (datasets, private, public, views, downloads) = %v, want %v", user, got, want)
		}
		if num(t, r["date_sk"]) != 20240115 || r["run_date"] != d || r["pipeline_run_id"] != "test-run" {
			t.Errorf("%s: date_sk %v run_date %v pipeline_run_id %v", user, r["date_sk"], r["run_date"], r["pipeline_run_id"])
		}
	}
	if v, _ := byUser["U001"]["avg_views_downloads_ratio"].(float64); v != 10 {
		t.Errorf("U001 avg_views_downloads_ratio = %v, want 10", byUser["U001"]["avg_views_downloads_ratio"])
	}
	if num(t, byUser["-1"]["user_sk"]) != 0 {
		t.Errorf("unknown owners resolve to SK 0, got %v", byUser["-1"]["user_sk"])
	}
	if got := rep.Metrics["missing_user_lookups"]; got != int64(2) {
		t.Errorf("missing_user_lookups = %v, want 2", got)
	}
	for _, c := range rep.DataQuality {
		if !c.CheckPassed {
			t.Errorf("check %s failed: %+v", c.CheckName, c)
		}
	}
	if len(rep.DataQuality) != 3 {
		t.Errorf("data_quality = %+v, want the three checks of the owner fact", rep.DataQuality)
	}
}

// Point in time: the fact of a date uses the dim_user version valid on that date, not the
// current one — even when the fact is (re)built after the dimension moved on.
func TestFactPointInTime(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.putUsers(t, "2024-01-01", user{"U001", "John", "US", "2024-01-01"})
	f.putUsers(t, "2024-01-15", user{"U001", "John", "CA", "2024-01-01"})
	for _, d := range []string{"2024-01-01", "2024-01-15"} {
		f.putDatasets(t, d, dataset{"D001", "a", "U001", false, 100, 10})
		f.dims(t, d, "dim_date", "dim_user")
	}
	ctx := context.Background()
	// The 1st's fact is built after dim_user absorbed the 15th: CA is current.
	for _, d := range []string{"2024-01-15", "2024-01-01"} {
		if _, err := f.job.BuildFact(ctx, "fact_dataset_owner_daily", mustDate(t, d)); err != nil {
			t.Fatal(err)
		}
	}
	rows := f.query(t, `SELECT CAST(f.run_date AS VARCHAR) AS run_date, u.country_code, u.is_current
		FROM gold.fact_dataset_owner_daily f JOIN gold.dim_user u USING (user_sk) ORDER BY f.run_date`)
	if len(rows) != 2 || rows[0]["country_code"] != "US" || rows[0]["is_current"] != false ||
		rows[1]["country_code"] != "CA" || rows[1]["is_current"] != true {
		t.Fatalf("facts resolve to %v, want the 1st → the US version (not current), the 15th → CA", rows)
	}
}

// A DQ violation fails the fact naming the check; nothing of the fact is published for the
// date (an earlier attempt's partition is withdrawn), other dates stay, and the report says
// which check failed.
func TestFactCheckFailureIsNotPublished(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	for _, d := range []string{"2024-01-14", "2024-01-15"} {
		f.putUsers(t, d, user{"U001", "John", "US", "2024-01-01"}, user{"U002", "Jane", "UK", "2024-01-02"})
		f.putDatasets(t, d, dataset{"D001", "a", "U001", true, 100, 10}, dataset{"D002", "b", "U002", false, 1, 1})
		f.dims(t, d, "dim_date", "dim_user")
		if _, err := f.job.BuildFact(ctx, "fact_dataset_owner_daily", mustDate(t, d)); err != nil {
			t.Fatal(err)
		}
	}
	other := manifestAttempt(t, f, "gold/fact_dataset_owner_daily/run_date=2024-01-14/")

	cases := []struct {
		table, check, tamper string
	}{
		{"fact_dataset_owner_daily", "total_equals_private_plus_public", "UPDATE fact SET private_datasets_count = private_datasets_count + 1 WHERE user_sk = (SELECT MIN(user_sk) FROM fact WHERE user_sk <> 0)"},
		{"fact_dataset_owner_daily", "no_negative_counts", "UPDATE fact SET total_views = -1"},
		{"fact_dataset_owner_daily", "foreign_key_integrity", "UPDATE fact SET user_sk = 999 WHERE user_sk <> 0"},
	}
	for _, tc := range cases {
		job := *f.job
		job.Tamper = func(table string) string {
			if table == tc.table {
				return tc.tamper
			}
			return ""
		}
		rep, err := job.BuildFact(ctx, tc.table, mustDate(t, "2024-01-15"))
		var ce *gold.CheckError
		if !errors.As(err, &ce) {
			t.Fatalf("%s: err = %v, want a *gold.CheckError", tc.check, err)
		}
		if !strings.Contains(err.Error(), "DQ check "+tc.check+" failed") || !strings.Contains(err.Error(), tc.table+" 2024-01-15") {
			t.Errorf("error %q should name the table, the date and the check %s", err, tc.check)
		}
		if dag.Retryable(err) {
			t.Errorf("%s: a failed DQ check must not be retried", tc.check)
		}
		if a := manifestAttempt(t, f, "gold/"+tc.table+"/run_date=2024-01-15/"); a != "" {
			t.Errorf("%s: the failed date's partition is still committed (attempt %s)", tc.check, a)
		}
		if a := manifestAttempt(t, f, "gold/"+tc.table+"/run_date=2024-01-14/"); a != other {
			t.Errorf("%s: another date's partition changed: %q → %q", tc.check, other, a)
		}
		var stored gold.FactReport
		if err := f.lake.GetJSON(ctx, gold.ReportKey(tc.table, mustDate(t, "2024-01-15")), &stored); err != nil {
			t.Fatal(err)
		}
		if stored.Status != gold.StatusFailed || stored.Published {
			t.Errorf("%s: report status %s published %v", tc.check, stored.Status, stored.Published)
		}
		found := false
		for _, c := range stored.DataQuality {
			if c.CheckName == tc.check {
				found = true
				if c.CheckPassed || c.Violations == 0 {
					t.Errorf("%s: report says %+v", tc.check, c)
				}
			}
		}
		if !found || len(rep.Failed()) == 0 {
			t.Errorf("%s: report data_quality %+v lacks the failed check", tc.check, stored.DataQuality)
		}
		// Rebuilt untampered, the date is published again.
		if _, err := f.job.BuildFact(ctx, tc.table, mustDate(t, "2024-01-15")); err != nil {
			t.Fatal(err)
		}
	}
}

// A violation that comes from the data, not a hook: a dataset whose privacy is unknown is
// neither private nor public, so total ≠ private + public.
func TestFactCheckFailureFromInput(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	const d = "2024-01-15"
	f.putUsers(t, d, user{"U001", "John", "US", "2024-01-01"})
	f.putSilver(t, "datasets", d, datasetsCols, datasetsTypes,
		"('D001', 'a', NULL, 'U001', NULL, 'dataset', NULL, NULL, 1, 1, 1.0)",
		"('D002', 'b', NULL, 'U001', true, 'dataset', NULL, NULL, 1, 1, 1.0)")
	f.dims(t, d, "dim_date", "dim_user")
	_, err := f.job.BuildFact(context.Background(), "fact_dataset_owner_daily", mustDate(t, d))
	want := "gold fact_dataset_owner_daily 2024-01-15: DQ check total_equals_private_plus_public failed (1 violation)"
	if err == nil || err.Error() != want {
		t.Fatalf("err = %v, want %q", err, want)
	}
}
