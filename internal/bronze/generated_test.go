package bronze_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/metalake/metalake/internal/lake"
	"github.com/metalake/metalake/internal/synth"
)

// expectedReason maps a generator defect kind to the one bronze reject reason it must produce
// ("" for defects that are counted but not rejected).
var expectedReason = map[string]map[string]string{
	"users": {synth.DefectNullID: "user_id is null", synth.DefectEmptyName: "user_name is empty",
		synth.DefectNullName: "user_name is null", synth.DefectBadDate: "signup_ts is not a valid timestamp",
		synth.DefectBadCountry: "country_code length != 2", synth.DefectUnmappedCountry: ""},
	"datasets": {synth.DefectNullID: "dataset_id is null", synth.DefectNegativeViews: "total_views < 0",
		synth.DefectNegativeDownloads: "total_downloads < 0", synth.DefectUpdatedBeforeCreated: "updated_ts < created_ts",
		synth.DefectNonNumeric: "total_views is not a valid integer", synth.DefectNullOwner: "owner_user_id is null",
		synth.DefectMissingVersion: "dataset_title is null", synth.DefectEmptyTitle: "dataset_title is empty"},
	"tags": {synth.DefectBadJSON: "tags is not a JSON array", synth.DefectLongTag: "tag too long (>100 chars)",
		synth.DefectMissingTag: "tag is null"},
	"competitions": {synth.DefectNullID: "competition_id is null", synth.DefectNegativeTeams: "total_teams < 0"},
	"kernels":      {synth.DefectNullID: "kernel_id is null", synth.DefectNegativeViews: "total_views < 0"},
}

// TestGeneratedLakes runs bronze on generated lakes of both layouts and checks every count
// against what the generator says it wrote: nothing lost, every defect rejected with its
// reason, every reject in the rejects file.
func TestGeneratedLakes(t *testing.T) {
	t.Parallel()
	for _, layout := range []string{synth.LayoutKaggle, synth.LayoutPlan} {
		t.Run(layout, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			ctx := context.Background()
			start := time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC)
			stats, err := synth.Generate(ctx, f.lake.B, synth.Options{Start: start, Days: 2, Users: 4000, Layout: layout, Seed: 7, DefectRate: 0.03})
			if err != nil {
				t.Fatal(err)
			}
			for day := range stats.Days {
				d := lake.DateOf(start.AddDate(0, 0, day))
				for _, table := range []string{"users", "datasets", "tags", "competitions", "kernels"} {
					raw := table
					if table == "tags" && layout == synth.LayoutKaggle {
						raw = "dataset_tags"
					}
					st, _ := stats.Table(day, raw)
					rep, err := f.job.Run(ctx, table, d)
					if err != nil {
						t.Fatalf("%s %s: %v", table, d, err)
					}
					name := fmt.Sprintf("%s %s", table, d)
					want := map[string]int64{}
					for kind, n := range st.Defects {
						reason, ok := expectedReason[table][kind]
						switch {
						case kind == synth.DefectMalformed || kind == synth.DefectTruncated:
							reason = "malformed csv line"
						case !ok:
							t.Fatalf("%s: no expected reason for defect %q", name, kind)
						}
						if reason != "" {
							want[reason] += n
						}
					}
					got := map[string]int64{}
					var rejects int64
					for _, r := range f.query(t, lake.RejectsDir(table, d), "SELECT reject_reason, COUNT(*) AS n FROM t GROUP BY 1") {
						got[r["reject_reason"].(string)] = num(t, r["n"])
						rejects += num(t, r["n"])
					}
					if fmt.Sprint(got) != fmt.Sprint(want) {
						t.Errorf("%s: rejects by reason %v, generator injected %v", name, got, want)
					}
					if rejects != rep.RejectCount {
						t.Errorf("%s: rejects file %d rows, report %d", name, rejects, rep.RejectCount)
					}
					if rep.InputCount != rep.OutputCount+rep.RejectCount+rep.DuplicatesRemoved {
						t.Errorf("%s: input %d != output %d + rejects %d + duplicates %d", name, rep.InputCount, rep.OutputCount, rep.RejectCount, rep.DuplicatesRemoved)
					}
					input := st.Rows
					if table == "tags" && layout == synth.LayoutPlan {
						// One row per exploded tag, one per non-array value, one per broken record.
						input = st.TagElements + st.Defects[synth.DefectBadJSON] + st.Defects[synth.DefectMalformed] + st.Defects[synth.DefectTruncated]
						if rep.DuplicatesRemoved != st.DuplicateTagElements {
							t.Errorf("%s: duplicates removed %d, generator duplicated %d tags", name, rep.DuplicatesRemoved, st.DuplicateTagElements)
						}
						if n := num(t, rep.Metrics["datasets_without_tags"]); n != st.EmptyTagRows {
							t.Errorf("%s: datasets_without_tags %d, generator wrote %d", name, n, st.EmptyTagRows)
						}
					}
					if rep.InputCount != input {
						t.Errorf("%s: input_count %d, the file has %d records", name, rep.InputCount, input)
					}
					if published := f.query(t, lake.PartitionDir(lake.Bronze, table, d), "SELECT COUNT(*) AS n FROM t"); num(t, published[0]["n"]) != rep.OutputCount {
						t.Errorf("%s: partition holds %v rows, report says %d", name, published[0]["n"], rep.OutputCount)
					}
					for _, lk := range rep.Lookups {
						lst, _ := stats.Table(day, lk.Raw)
						if lk.InputCount != lst.Rows || lk.DuplicatesRemoved != lst.Duplicates ||
							lk.RejectCount != lst.Defects[synth.DefectMalformed]+lst.Defects[synth.DefectTruncated] {
							t.Errorf("%s: lookup %s %+v, generator %+v", name, lk.Raw, lk, lst)
						}
					}
					if table == "users" && layout == synth.LayoutKaggle {
						var unmapped int64
						if m, ok := rep.Metrics["unmapped_countries"].(map[string]int64); ok {
							for _, n := range m {
								unmapped += n
							}
						}
						if unmapped != st.Defects[synth.DefectUnmappedCountry] {
							t.Errorf("%s: unmapped countries %d, generator wrote %d", name, unmapped, st.Defects[synth.DefectUnmappedCountry])
						}
					}
				}
			}
		})
	}
}
