package silver_test

import (
	"fmt"
	"testing"

	"github.com/metalake/metalake/internal/silver"
)

const planDatasetsHeader = "Id,Title,Subtitle,CreatorUserId,TotalViews,TotalDownloads,CreationDate,LastUpdatedDate,Type,IsPrivate\n"

// TestDatasetsCleaningAndEnrichment: FLAG has_missing_dates, DEFAULT is_private, IMPUTE 0 for
// missing counters, views_downloads_ratio, the owner from silver users of the same date
// ('Unknown'/'XX' when absent), ages against the run date — each case one dataset.
func TestDatasetsCleaningAndEnrichment(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.putRaw(t, "users", "2024-01-01", planUsersHeader+"U1,alice,2023-01-01 00:00:00,VN\nU2,nocountry,2023-01-01 00:00:00,\n")
	e.putRaw(t, "datasets", "2024-01-01", planDatasetsHeader+`D1,Ratio,,U1,100,10,2023-12-02 00:00:00,2023-12-31 23:00:00,Dataset,TRUE
D2,Zero downloads,,U1,5,0,2023-12-02,2023-12-02,Dataset,FALSE
D3,No views,,U1,,10,2023-12-02,2023-12-02,Dataset,false
D4,No downloads,,U1,7,,2023-12-02,2023-12-02,Dataset,False
D5,No dates,,U9,1,1,,,Dataset,
D6,Dropped owner,,U2,1,4,2021-01-01,,Competition,FALSE
`)
	e.runBronze(t, "2024-01-01", "users", "datasets")
	reps := e.runSilver(t, "2024-01-01", "users", "datasets")
	rep := reps["datasets"]
	checkAccounting(t, rep)
	rows := e.byKey(t, "datasets", "2024-01-01", "dataset_id")
	type want struct {
		ratio                   any // float64 or nil
		views, downloads        int64
		viewsImp, downloadsImp  bool
		private, privateImp     bool
		missingDates            bool
		owner, country          string
		matched                 bool
		ageDays, lastUpdateDays any // int64 or nil
	}
	cases := map[string]want{
		"D1": {10.0, 100, 10, false, false, true, false, false, "alice", "VN", true, int64(30), int64(1)},
		"D2": {nil, 5, 0, false, false, false, false, false, "alice", "VN", true, int64(30), int64(30)},
		"D3": {0.0, 0, 10, true, false, false, false, false, "alice", "VN", true, int64(30), int64(30)},
		"D4": {nil, 7, 0, false, true, false, false, false, "alice", "VN", true, int64(30), int64(30)},
		"D5": {1.0, 1, 1, false, false, false, true, true, "Unknown", "XX", false, nil, nil},
		"D6": {0.25, 1, 4, false, false, false, false, true, "Unknown", "XX", false, int64(1095), nil},
	}
	for id, w := range cases {
		t.Run(id, func(t *testing.T) {
			r := rows[id]
			if r == nil {
				t.Fatalf("%s missing", id)
			}
			got := want{r["views_downloads_ratio"], r["total_views"].(int64), r["total_downloads"].(int64),
				r["total_views_imputed"].(bool), r["total_downloads_imputed"].(bool), r["is_private"].(bool),
				r["is_private_imputed"].(bool), r["has_missing_dates"].(bool), r["owner_name"].(string),
				r["owner_country"].(string), r["owner_matched"].(bool), r["dataset_age_days"], r["last_update_days"]}
			if fmt.Sprint(got) != fmt.Sprint(w) {
				t.Errorf("\ngot  %+v\nwant %+v", got, w)
			}
		})
	}
	for _, c := range []struct {
		strategy, field string
		want            int64
	}{
		{silver.StrategyFlag, "created_ts, updated_ts", 2},
		{silver.StrategyDefault, "is_private", 1},
		{silver.StrategyImpute, "total_views", 1},
		{silver.StrategyImpute, "total_downloads", 1},
		{silver.StrategyDerive, "views_downloads_ratio", 2},
		{silver.StrategyDefault, "owner_name, owner_country", 2},
	} {
		if got := strategy(t, rep, c.strategy, c.field); got != c.want {
			t.Errorf("%s %s = %d, want %d", c.strategy, c.field, got, c.want)
		}
	}
	es := rep.Sections["enrichment_stats"]
	if fmt.Sprint(es) != "map[datasets_with_missing_dates:2 matched_owners:4 private_datasets:1 public_datasets:5 unmatched_owners:2]" {
		t.Errorf("enrichment_stats = %v", es)
	}
}

// TestDatasetsNoFanOutWhenOwnerChanged: a user whose country changed between snapshots is one
// row of silver users, so each dataset stays one row with the owner as of the run date.
func TestDatasetsNoFanOutWhenOwnerChanged(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, d := range []struct{ date, cc string }{{"2024-01-01", "US"}, {"2024-01-02", "CA"}, {"2024-01-03", "VN"}} {
		e.putRaw(t, "users", d.date, planUsersHeader+"U1,alice,2023-01-01 00:00:00,"+d.cc+"\nU1,alice,2023-01-01 00:00:00,"+d.cc+"\n")
		e.putRaw(t, "datasets", d.date, planDatasetsHeader+"D1,A,,U1,1,1,2023-01-01,2023-01-02,Dataset,FALSE\nD2,B,,U1,1,1,2023-01-01,2023-01-02,Dataset,FALSE\n")
		e.runBronze(t, d.date, "users", "datasets")
		reps := e.runSilver(t, d.date, "users", "datasets")
		checkAccounting(t, reps["datasets"])
		rows := e.query(t, "SELECT dataset_id, owner_country FROM "+e.rel(t, "datasets", d.date)+" ORDER BY 1")
		if len(rows) != 2 || rows[0]["owner_country"] != d.cc || rows[1]["owner_country"] != d.cc {
			t.Errorf("%s: %v, want D1 and D2 once each with owner_country %s", d.date, rows, d.cc)
		}
	}
}

// TestAgesAgainstRunDate: ages are measured against the run date, so two runs of a date, at
// different wall-clock times, agree (SPEC §12 defect 4).
func TestAgesAgainstRunDate(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.putRaw(t, "users", "2020-03-01", planUsersHeader+"U1,alice,2019-01-01 00:00:00,US\n")
	e.putRaw(t, "datasets", "2020-03-01", planDatasetsHeader+"D1,A,,U1,1,1,2020-02-28 12:00:00,2020-02-29 23:59:59,Dataset,FALSE\n")
	e.runBronze(t, "2020-03-01", "users", "datasets")
	e.runSilver(t, "2020-03-01", "users", "datasets")
	r := e.byKey(t, "datasets", "2020-03-01", "dataset_id")["D1"]
	if r["dataset_age_days"] != int64(2) || r["last_update_days"] != int64(1) {
		t.Errorf("ages %v/%v, want 2/1 (leap day, against 2020-03-01)", r["dataset_age_days"], r["last_update_days"])
	}
}
