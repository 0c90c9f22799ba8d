package gold_test

import (
	"context"
	"testing"

	"github.com/metalake/metalake/internal/gold"
)

// The plan's test_user_dimension_scd2: U001 is US on 2024-01-01 and CA on 2024-01-15.
func TestDimUserPlanExample(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.putUsers(t, "2024-01-01", user{"U001", "John", "US", "2024-01-01"}, user{"U002", "Jane", "UK", "2024-01-02"})
	f.putUsers(t, "2024-01-15", user{"U001", "John", "CA", "2024-01-01"}, user{"U002", "Jane", "UK", "2024-01-02"})
	f.dims(t, "2024-01-01", "dim_user")
	f.dims(t, "2024-01-15", "dim_user")

	rows := f.query(t, `SELECT user_sk, user_id, user_name, country_code, CAST(effective_start_ts AS VARCHAR) AS s,
		CAST(effective_end_ts AS VARCHAR) AS e, is_current FROM gold.dim_user ORDER BY user_id, effective_start_ts`)
	if len(rows) != 4 { // U001 ×2, U002, Unknown
		t.Fatalf("dim_user has %d rows, want 4: %v", len(rows), rows)
	}
	unknown, us, ca, jane := rows[0], rows[1], rows[2], rows[3]
	if num(t, unknown["user_sk"]) != 0 || unknown["user_id"] != "-1" || unknown["user_name"] != "Unknown" ||
		unknown["country_code"] != "XX" || unknown["is_current"] != true || unknown["s"] != "1900-01-01 00:00:00" ||
		unknown["e"] != "9999-12-31 00:00:00" {
		t.Errorf("Unknown member = %v", unknown)
	}
	if us["user_id"] != "U001" || us["country_code"] != "US" || us["e"] != "2024-01-15 00:00:00" || us["is_current"] != false ||
		us["s"] != "2024-01-01 00:00:00" {
		t.Errorf("historical U001 = %v, want US 2024-01-01 → 2024-01-15, not current", us)
	}
	if ca["user_id"] != "U001" || ca["country_code"] != "CA" || ca["s"] != "2024-01-15 00:00:00" ||
		ca["e"] != "9999-12-31 00:00:00" || ca["is_current"] != true {
		t.Errorf("current U001 = %v, want CA from 2024-01-15, current", ca)
	}
	if jane["user_id"] != "U002" || jane["is_current"] != true || jane["s"] != "2024-01-01 00:00:00" {
		t.Errorf("U002 = %v", jane)
	}
	if num(t, us["user_sk"]) == num(t, ca["user_sk"]) || num(t, us["user_sk"]) == 0 || num(t, ca["user_sk"]) == 0 {
		t.Errorf("U001's versions need distinct non-zero keys: %v %v", us["user_sk"], ca["user_sk"])
	}

	var st gold.DimStats
	if err := f.lake.GetJSON(context.Background(), gold.StatsKey("dim_user", mustDate(t, "2024-01-15")), &st); err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]int64{"total_records": 4, "current_records": 3, "historical_records": 1,
		"unique_users": 2, "new_versions": 1, "updated_versions": 1, "changed_keys": 1, "unchanged_keys": 1} {
		if got := num(t, st.Metrics[k]); got != want {
			t.Errorf("stats %s = %d, want %d (%v)", k, got, want, st.Metrics)
		}
	}
}

// The plan's test_unknown_record_creation: an empty input still gives the Unknown member.
func TestDimUserEmptyInputHasUnknownMember(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.putUsers(t, "2024-01-01")
	f.dims(t, "2024-01-01", "dim_user")
	rows := f.query(t, "SELECT user_sk, user_id, user_name, country_code, is_current FROM gold.dim_user")
	if len(rows) != 1 || num(t, rows[0]["user_sk"]) != 0 || rows[0]["user_id"] != "-1" || rows[0]["user_name"] != "Unknown" ||
		rows[0]["country_code"] != "XX" || rows[0]["is_current"] != true {
		t.Fatalf("dim_user from empty input = %v, want only the Unknown member", rows)
	}
}
