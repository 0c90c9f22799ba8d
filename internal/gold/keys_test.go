package gold_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/metalake/metalake/internal/dag"
	"github.com/metalake/metalake/internal/gold"
)

// A key is never handed out twice: when a rerun on corrected data merges two versions, the
// merged-away key is gone for good, even though it was the largest key of the dimension.
func TestMergedAwayKeyIsNotReused(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	f.putUsers(t, "2024-01-01", user{"U001", "John", "US", "2024-01-01"})
	f.putUsers(t, "2024-01-15", user{"U001", "John", "CA", "2024-01-01"})
	f.dims(t, "2024-01-01", "dim_user")
	f.dims(t, "2024-01-15", "dim_user")
	keys := keyed(t, f)
	if len(keys) != 3 {
		t.Fatalf("dim_user = %v", keys)
	}
	// The 15th's snapshot is corrected (U001 never moved) and the date rerun: the CA version,
	// which started on the 15th, is updated in place and merges into the US version.
	f.putUsers(t, "2024-01-15", user{"U001", "John", "US", "2024-01-01"})
	st, err := f.job.BuildDimension(ctx, "dim_user", mustDate(t, "2024-01-15"))
	if err != nil {
		t.Fatal(err)
	}
	if num(t, st.Metrics["removed_versions"]) != 1 {
		t.Errorf("removed_versions = %v, want 1", st.Metrics["removed_versions"])
	}
	rows := f.query(t, "SELECT user_sk, country_code, CAST(effective_end_ts AS VARCHAR) AS e FROM gold.dim_user WHERE user_sk <> 0")
	if len(rows) != 1 || rows[0]["country_code"] != "US" || rows[0]["e"] != "9999-12-31 00:00:00" || num(t, rows[0]["user_sk"]) != 1 {
		t.Fatalf("after the correction dim_user = %v, want one current US version keeping key 1", rows)
	}
	f.putUsers(t, "2024-01-20", user{"U001", "John", "DE", "2024-01-01"})
	f.dims(t, "2024-01-20", "dim_user")
	for sk, who := range keyed(t, f) {
		if strings.Contains(who, "|DE") && sk != 3 {
			t.Errorf("the DE version got key %d, want 3 (key 2 was handed out before)", sk)
		}
	}
}

// Missing inputs fail without retry, naming what is missing.
func TestMissingInputs(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	d := mustDate(t, "2024-01-15")
	_, err := f.job.BuildDimension(ctx, "dim_user", d)
	var ie *gold.InputError
	if !errors.As(err, &ie) || dag.Retryable(err) || !strings.Contains(err.Error(), "silver users 2024-01-15 is not published") {
		t.Errorf("dim_user without silver: %v", err)
	}
	f.putUsers(t, "2024-01-15", user{"U001", "John", "US", "2024-01-01"})
	f.putDatasets(t, "2024-01-15", dataset{"D001", "a", "U001", true, 1, 1})
	f.dims(t, "2024-01-15", "dim_user")
	_, err = f.job.BuildFact(ctx, "fact_dataset_owner_daily", d)
	if !errors.As(err, &ie) || dag.Retryable(err) || !strings.Contains(err.Error(), "dim_date is not published") {
		t.Errorf("fact without dim_date: %v", err)
	}
	// A silver partition without a column gold needs.
	f.putSilver(t, "tags", "2024-01-15", "dataset_id, tag", "VARCHAR, VARCHAR", "('D001', 'x')")
	_, err = f.job.BuildDimension(ctx, "dim_tag", d)
	if !errors.As(err, &ie) || !strings.Contains(err.Error(), "lacks column(s) [tag_category dataset_count]") {
		t.Errorf("dim_tag over incomplete silver: %v", err)
	}
}
