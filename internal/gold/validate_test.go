package gold_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/metalake/metalake/internal/dag"
	"github.com/metalake/metalake/internal/gold"
	"github.com/metalake/metalake/internal/storage"
)

// fullDay publishes silver for every table gold reads and builds all of gold for date.
func fullDay(t *testing.T, f *fixture, date string) error {
	t.Helper()
	f.putUsers(t, date, user{"U1", "u1", "US", "2020-01-01"})
	f.putDatasets(t, date, dataset{"D1", "one", "U1", true, 10, 1}, dataset{"D2", "two", "U9", false, 20, 2})
	f.putTags(t, date, [2]string{"D1", "ml"}, [2]string{"D2", "ml"}, [2]string{"D2", "cv"})
	f.putSilver(t, "competitions", date, compCols, compTypes,
		"('1', 's1', 'T1', 'Featured', TIMESTAMP '2019-03-01', NULL, 'USD', 1000.0, 3, 5, 10, 20, 100)")
	ctx := context.Background()
	var errs []error
	for _, tb := range gold.Tables() {
		errs = append(errs, f.job.Run(ctx, tb.Name, mustDate(t, date)))
	}
	return errors.Join(errs...)
}

func TestValidateGoldOutputs(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

	t.Run("complete", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t)
		if err := fullDay(t, f, "2024-01-15"); err != nil {
			t.Fatal(err)
		}
		v, err := gold.Validate(ctx, f.lake, mustDate(t, "2024-01-15"), now)
		if err != nil {
			t.Fatal(err)
		}
		if v.OverallStatus != gold.StatusSuccess || len(v.Dimensions) != 5 || len(v.Facts) != 4 {
			t.Fatalf("validation = %+v", v)
		}
		var stored gold.Validation
		if err := f.lake.GetJSON(ctx, gold.ValidationKey(mustDate(t, "2024-01-15")), &stored); err != nil || stored.OverallStatus != gold.StatusSuccess {
			t.Fatalf("stored validation %+v (err %v)", stored, err)
		}
	})
	t.Run("memory backend", func(t *testing.T) {
		t.Parallel()
		f := newFixtureOn(t, storage.NewMemory())
		for _, d := range []string{"2024-01-14", "2024-01-15"} {
			if err := fullDay(t, f, d); err != nil {
				t.Fatal(err)
			}
			if _, err := gold.Validate(ctx, f.lake, mustDate(t, d), now); err != nil {
				t.Fatal(err)
			}
		}
		rows := f.query(t, "SELECT COUNT(*) AS n FROM gold.fact_tag_usage_daily WHERE new_assignments IS NOT NULL")
		if num(t, rows[0]["n"]) != 2 {
			t.Errorf("the second date's tag usage should count new assignments: %v", rows)
		}
	})
	t.Run("missing dimension and facts", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t)
		f.putUsers(t, "2024-01-15", user{"U1", "u1", "US", "2020-01-01"})
		f.dims(t, "2024-01-15", "dim_user")
		_, err := gold.Validate(ctx, f.lake, mustDate(t, "2024-01-15"), now)
		var ve *gold.ValidationError
		if !errors.As(err, &ve) || dag.Retryable(err) {
			t.Fatalf("err = %v, want a non-retryable *gold.ValidationError", err)
		}
		for _, want := range []string{"dim_date: missing", "dim_tag: missing", "bridge_dataset_tag: no report for 2024-01-15",
			"fact_competitions_yearly: no report"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %q lacks %q", err, want)
			}
		}
		if strings.Contains(err.Error(), "dim_user") {
			t.Errorf("dim_user was built: %v", err)
		}
	})
	t.Run("failed check", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t)
		f.job.Tamper = func(table string) string {
			if table == "bridge_dataset_tag" {
				return "UPDATE fact SET weight = weight / 2 WHERE __dataset_id = 'D2'"
			}
			return ""
		}
		err := fullDay(t, f, "2024-01-15")
		if err == nil || !strings.Contains(err.Error(), "DQ check bridge_weights_sum_to_one failed (1 violation)") {
			t.Fatalf("build err = %v", err)
		}
		_, err = gold.Validate(ctx, f.lake, mustDate(t, "2024-01-15"), now)
		if err == nil || !strings.Contains(err.Error(), "bridge_dataset_tag: DQ check bridge_weights_sum_to_one failed") {
			t.Fatalf("validate err = %v", err)
		}
	})
}
