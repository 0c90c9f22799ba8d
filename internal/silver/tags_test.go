package silver_test

import (
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/metalake/metalake/internal/silver"
)

// TestTagsNormalisation: tag = lower(trim) with everything but [a-z0-9-] removed; empty after
// that is dropped (counted), (dataset_id, tag) deduplicated, tags of datasets absent from
// silver datasets removed (counted).
func TestTagsNormalisation(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.putRaw(t, "users", "2024-01-01", planUsersHeader+"U1,alice,2023-01-01 00:00:00,US\n")
	e.putRaw(t, "datasets", "2024-01-01", planDatasetsHeader+
		"D1,One,,U1,1,1,2023-01-01,2023-01-02,Dataset,FALSE\nD2,Two,,U1,1,1,2023-01-01,2023-01-02,Dataset,FALSE\n")
	e.putRaw(t, "tags", "2024-01-01", `DatasetId,Tags
D1,"[""Machine Learning"",""NLP!"",""  Data-Viz "",""!!!"",""C++"",""Data_Science""]"
D2,"[""NLP"",""nlp!""]"
D3,"[""Orphan"",""Also Orphan""]"
`)
	e.runBronze(t, "2024-01-01", "users", "datasets", "tags")
	rep := e.runSilver(t, "2024-01-01", "users", "datasets", "tags")["tags"]
	checkAccounting(t, rep)

	got := map[string]string{} // dataset_id/tag → tag_original
	for _, r := range e.query(t, "SELECT dataset_id, tag, tag_original FROM "+e.rel(t, "tags", "2024-01-01")) {
		got[fmt.Sprintf("%s/%s", r["dataset_id"], r["tag"])] = r["tag_original"].(string)
	}
	want := map[string]string{
		"D1/machinelearning": "Machine Learning",
		"D1/nlp":             "NLP!",
		"D1/data-viz":        "  Data-Viz ",
		"D1/c":               "C++",
		"D1/datascience":     "Data_Science",
		"D2/nlp":             "NLP", // "NLP" and "nlp!" normalise alike: one row, the first original by name
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("silver tags\ngot  %v\nwant %v", got, want)
	}
	if rep.BronzeInputCount != 10 || rep.DuplicatesRemoved != 1 || rep.OutputCount != 6 {
		t.Errorf("input %d duplicates %d output %d, want 10, 1, 6", rep.BronzeInputCount, rep.DuplicatesRemoved, rep.OutputCount)
	}
	for code, n := range map[string]int64{"empty_after_normalisation": 1, "orphan_dataset": 2} {
		if got := strategy(t, rep, silver.StrategyDrop, code); got != n {
			t.Errorf("DROP %s = %d, want %d", code, got, n)
		}
	}
	vs := rep.Sections["validation_stats"]
	if fmt.Sprint(vs["removed_orphan_tags"]) != "2" || fmt.Sprint(vs["removed_empty_after_normalisation"]) != "1" ||
		fmt.Sprint(vs["valid_tags"]) != "6" || fmt.Sprint(vs["input_tags"]) != "10" {
		t.Errorf("validation_stats = %v", vs)
	}
	ts := rep.Sections["tag_statistics"]
	if fmt.Sprint(ts["unique_tags"]) != "5" || fmt.Sprint(ts["total_tag_assignments"]) != "6" || fmt.Sprint(ts["datasets_with_tags"]) != "2" {
		t.Errorf("tag_statistics = %v", ts)
	}
	top, _ := rep.Metrics["top_popular_tags"].([]map[string]any)
	if len(top) != 5 || top[0]["tag"] != "nlp" || fmt.Sprint(top[0]["dataset_count"]) != "2" || top[1]["tag"] != "c" {
		t.Errorf("top_popular_tags = %v (want nlp first with 2 datasets, then ties by name)", top)
	}
}

// TestTagCategoryThresholds: popular > 10 % of tagged datasets, common > 1 %, regular > 10
// datasets, else rare — strict, at exactly the thresholds.
func TestTagCategoryThresholds(t *testing.T) {
	t.Parallel()
	cases := []struct {
		datasets int            // tagged datasets (each carries the tag "filler")
		tags     map[string]int // tag → datasets carrying it
		want     map[string]string
	}{
		{datasets: 2000,
			tags: map[string]int{"p201": 201, "c200": 200, "c21": 21, "r20": 20, "r11": 11, "x10": 10, "x1": 1},
			want: map[string]string{"filler": "popular", "p201": "popular", "c200": "common", "c21": "common",
				"r20": "regular", "r11": "regular", "x10": "rare", "x1": "rare"}},
		{datasets: 100,
			tags: map[string]int{"p11": 11, "c10": 10, "c2": 2, "x1": 1},
			want: map[string]string{"filler": "popular", "p11": "popular", "c10": "common", "c2": "common", "x1": "rare"}},
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("%d datasets", c.datasets), func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			var ds, tg strings.Builder
			ds.WriteString(planDatasetsHeader)
			tg.WriteString("DatasetId,Tags\n")
			names := make([]string, 0, len(c.tags))
			for n := range c.tags {
				names = append(names, n)
			}
			sort.Strings(names)
			for i := 1; i <= c.datasets; i++ {
				fmt.Fprintf(&ds, "D%04d,T,,U1,1,1,2023-01-01,2023-01-02,Dataset,FALSE\n", i)
				list := []string{`""filler""`}
				for _, n := range names {
					if i <= c.tags[n] {
						list = append(list, `""`+n+`""`)
					}
				}
				fmt.Fprintf(&tg, "D%04d,\"[%s]\"\n", i, strings.Join(list, ","))
			}
			e.putRaw(t, "users", "2024-01-01", planUsersHeader+"U1,alice,2023-01-01 00:00:00,US\n")
			e.putRaw(t, "datasets", "2024-01-01", ds.String())
			e.putRaw(t, "tags", "2024-01-01", tg.String())
			e.runBronze(t, "2024-01-01", "users", "datasets", "tags")
			rep := e.runSilver(t, "2024-01-01", "users", "datasets", "tags")["tags"]
			checkAccounting(t, rep)
			got := map[string]string{}
			for _, r := range e.query(t, "SELECT DISTINCT tag, dataset_count, tag_category FROM "+e.rel(t, "tags", "2024-01-01")) {
				got[r["tag"].(string)] = r["tag_category"].(string)
				wantCount := c.tags[r["tag"].(string)]
				if r["tag"] == "filler" {
					wantCount = c.datasets
				}
				if r["dataset_count"] != int64(wantCount) {
					t.Errorf("%s dataset_count %v, want %d", r["tag"], r["dataset_count"], wantCount)
				}
			}
			if fmt.Sprint(got) != fmt.Sprint(c.want) {
				t.Errorf("categories\ngot  %v\nwant %v", got, c.want)
			}
		})
	}
}
