package silver_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/metalake/metalake/internal/silver"
)

const planUsersHeader = "Id,UserName,RegisterDate,Country\n"

// TestUsersDedupWinner: the winning version of a user, by SPEC §4's order: run date, then
// signup_ts (NULLs last), then country_code (NULLs last), then the last source line.
func TestUsersDedupWinner(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		day1     []string // plan rows after the header
		day2     []string // nil: no second snapshot
		wantName string   // user_name of the winning version (names identify versions)
		wantCC   string
	}{
		{name: "later signup wins within a snapshot",
			day1:     []string{"U1,late,2024-01-05 00:00:00,US", "U1,early,2024-01-02 00:00:00,US"},
			wantName: "late", wantCC: "US"},
		{name: "known signup beats a missing one",
			day1:     []string{"U1,known,2023-12-01 00:00:00,US", "U1,missing,,US"},
			wantName: "known", wantCC: "US"},
		{name: "known country beats a missing one, even on an earlier line",
			day1:     []string{"U1,withcountry,2024-01-02 00:00:00,VN", "U1,nocountry,2024-01-02 00:00:00,"},
			wantName: "withcountry", wantCC: "VN"},
		{name: "country_code descending breaks a signup tie",
			day1:     []string{"U1,us,2024-01-02 00:00:00,US", "U1,ca,2024-01-02 00:00:00,CA"},
			wantName: "us", wantCC: "US"},
		{name: "identical sort keys: the last line wins",
			day1:     []string{"U1,first,2024-01-02 00:00:00,US", "U1,second,2024-01-02 00:00:00,US"},
			wantName: "second", wantCC: "US"},
		{name: "the later run date wins over a later signup",
			day1:     []string{"U1,old,2024-01-09 00:00:00,US"},
			day2:     []string{"U1,new,2020-01-01 00:00:00,CA"},
			wantName: "new", wantCC: "CA"},
		{name: "a user absent from the latest snapshot keeps its last version",
			day1:     []string{"U1,kept,2024-01-02 00:00:00,US"},
			day2:     []string{"U2,other,2024-01-02 00:00:00,US"},
			wantName: "kept", wantCC: "US"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			e.putRaw(t, "users", "2024-01-01", planUsersHeader+strings.Join(c.day1, "\n")+"\n")
			e.runBronze(t, "2024-01-01", "users")
			e.runSilver(t, "2024-01-01", "users")
			last := "2024-01-01"
			if c.day2 != nil {
				last = "2024-01-02"
				e.putRaw(t, "users", last, planUsersHeader+strings.Join(c.day2, "\n")+"\n")
				e.runBronze(t, last, "users")
				rep := e.runSilver(t, last, "users")["users"]
				checkAccounting(t, rep)
			}
			got := e.byKey(t, "users", last, "user_id")["U1"]
			if got == nil {
				t.Fatalf("U1 missing from silver users %s", last)
			}
			if got["user_name"] != c.wantName || got["country_code"] != c.wantCC {
				t.Errorf("winner = %v/%v, want %s/%s", got["user_name"], got["country_code"], c.wantName, c.wantCC)
			}
		})
	}
}

// TestUsersStrategiesPlan: DROP (missing country, not two letters), IMPUTE (signup from the
// first ingestion date), NORMALISE (upper/trim), each counted.
func TestUsersStrategiesPlan(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.putRaw(t, "users", "2024-01-01", planUsersHeader+`U1,a,2024-01-01 10:00:00,US
U2,b,2023-05-01,us
U3,c,2023-05-01 00:00:00,
U4,d,2023-05-01 00:00:00,1A
U5,e,,VN
U6,f,2023-05-01 00:00:00,vn
`)
	e.runBronze(t, "2024-01-01", "users")
	rep := e.runSilver(t, "2024-01-01", "users")["users"]
	checkAccounting(t, rep)
	if rep.InputCount != 6 || rep.OutputCount != 4 || rep.DuplicatesRemoved != 0 {
		t.Errorf("counts: input %d output %d dups %d, want 6/4/0", rep.InputCount, rep.OutputCount, rep.DuplicatesRemoved)
	}
	for _, c := range []struct {
		strategy, code string
		want           int64
	}{
		{silver.StrategyDrop, "no_country", 1},
		{silver.StrategyDrop, "invalid_country", 1},
		{silver.StrategyImpute, "signup_ts", 1},
		{silver.StrategyFlag, "country_code", 0},
	} {
		if got := strategy(t, rep, c.strategy, c.code); got != c.want {
			t.Errorf("%s %s = %d, want %d", c.strategy, c.code, got, c.want)
		}
	}
	dq := rep.Sections["data_quality"]
	if fmt.Sprint(dq["dropped_no_country"]) != "1" || fmt.Sprint(dq["dropped_invalid_country"]) != "1" ||
		fmt.Sprint(dq["imputed_signup_ts"]) != "1" || fmt.Sprint(dq["unique_countries"]) != "2" {
		t.Errorf("data_quality = %v", dq)
	}
	rows := e.byKey(t, "users", "2024-01-01", "user_id")
	if rows["U2"]["country_code"] != "US" || rows["U6"]["country_code"] != "VN" {
		t.Errorf("country codes not normalised: %v %v", rows["U2"]["country_code"], rows["U6"]["country_code"])
	}
	if rows["U5"]["signup_ts_imputed"] != true || rows["U5"]["signup_ts"].(time.Time).Format(time.DateTime) != "2024-01-01 00:00:00" {
		t.Errorf("U5 imputed signup = %v (%v)", rows["U5"]["signup_ts"], rows["U5"]["signup_ts_imputed"])
	}
	if _, ok := rows["U3"]; ok {
		t.Error("U3 (no country) kept in the plan layout")
	}
	// The dropped rows are held back, with their codes, for the next date.
	held := e.query(t, "SELECT user_id, drop_code FROM "+e.relDir(t, silver.HeldDir("users", mustDate(t, "2024-01-01")))+" ORDER BY 1")
	if len(held) != 2 || held[0]["drop_code"] != "no_country" || held[1]["drop_code"] != "invalid_country" {
		t.Errorf("held rows = %v", held)
	}
}

// TestUsersKaggleFlagsMissingCountry: the Kaggle contract keeps users without a country as
// 'XX' + country_missing (configuration, not code: the layout selects the param).
func TestUsersKaggleFlagsMissingCountry(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.putRaw(t, "users", "2024-01-01", `Id,UserName,DisplayName,RegisterDate,PerformanceTier,Country,LocationSharingOptOut
1,ann,Ann,01/02/2020,1,Vietnam,False
2,bob,Bob,01/02/2020,2,,False
3,cat,Cat,01/02/2020,1,Atlantis,True
4,dan,Dan,,1,,False
`)
	e.runBronze(t, "2024-01-01", "users")
	rep := e.runSilver(t, "2024-01-01", "users")["users"]
	checkAccounting(t, rep)
	if rep.OutputCount != 4 || rep.DroppedCount != 0 {
		t.Fatalf("output %d dropped %d, want 4 and 0", rep.OutputCount, rep.DroppedCount)
	}
	if got := strategy(t, rep, silver.StrategyFlag, "country_code"); got != 3 {
		t.Errorf("FLAG country_code = %d, want 3", got)
	}
	if got := strategy(t, rep, silver.StrategyImpute, "signup_ts"); got != 1 {
		t.Errorf("IMPUTE signup_ts = %d, want 1", got)
	}
	rows := e.byKey(t, "users", "2024-01-01", "user_id")
	for id, want := range map[string]string{"1": "VN", "2": "XX", "3": "XX", "4": "XX"} {
		r := rows[id]
		if r["country_code"] != want || r["country_missing"] != (want == "XX") {
			t.Errorf("user %s: country_code %v country_missing %v, want %s", id, r["country_code"], r["country_missing"], want)
		}
	}
}

// TestUsersSignupImputedFromFirstIngestion: the imputed signup is the run date on which the
// user was first ingested, also when its first version was dropped, and incrementally equal to
// the full recomputation.
func TestUsersSignupImputedFromFirstIngestion(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.putRaw(t, "users", "2024-01-01", planUsersHeader+"U1,a,2023-01-01 00:00:00,US\nU2,b,2023-01-01 00:00:00,\n")
	e.putRaw(t, "users", "2024-01-02", planUsersHeader+"U1,a,,US\nU2,b,,US\nU3,c,,US\n")
	e.putRaw(t, "users", "2024-01-03", planUsersHeader+"U3,c,,US\n")
	for _, d := range []string{"2024-01-01", "2024-01-02", "2024-01-03"} {
		e.runBronze(t, d, "users")
		checkAccounting(t, e.runSilver(t, d, "users")["users"])
	}
	rows := e.byKey(t, "users", "2024-01-03", "user_id")
	for id, want := range map[string]string{"U1": "2024-01-01", "U2": "2024-01-01", "U3": "2024-01-02"} {
		got := rows[id]["signup_ts"].(time.Time).Format(time.DateOnly)
		if got != want || rows[id]["signup_ts_imputed"] != true {
			t.Errorf("%s signup %s (imputed %v), want %s", id, got, rows[id]["signup_ts_imputed"], want)
		}
	}
	if rows["U1"]["last_ingested_date"].(time.Time).Format(time.DateOnly) != "2024-01-02" {
		t.Errorf("U1 last_ingested_date = %v", rows["U1"]["last_ingested_date"])
	}
	assertIncrementalEqualsFull(t, e, []string{"2024-01-01", "2024-01-02", "2024-01-03"}, "users")
}
