package parity_test

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/metalake/metalake/internal/engine/spark"
	"github.com/metalake/metalake/internal/engine/spark/sparktest"
	"github.com/metalake/metalake/internal/synth"
	"github.com/metalake/metalake/internal/testlake"
)

// TestPipelineOnBothEngines runs the same generated raw snapshots — both raw layouts, three
// dates, defects on — through the whole pipeline on DuckDB and on Spark, and compares the two
// lakes: every committed partition of bronze, its rejects, silver and gold row for row (row
// order and the audit columns aside), and every report, summary and monitoring file field by
// field (durations and processing times aside). With the Kaggle layout Spark reads and writes
// the lake itself (as on a cluster: outputs written into their partition folders and
// committed there), with the plan's through its work directory.
func TestPipelineOnBothEngines(t *testing.T) {
	for _, layout := range []string{synth.LayoutKaggle, synth.LayoutPlan} {
		t.Run(layout, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			duck := openDuckDB(t)
			dirA, dirB := t.TempDir(), t.TempDir()
			a, b := localLake(t, dirA), localLake(t, dirB)
			sp := sparktest.Open(t)
			if layout == synth.LayoutKaggle {
				sp = sparktest.OpenWith(t, spark.Options{Lake: b.B})
			}
			start := time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC)
			const days = 3
			opts := synth.Options{Start: start, Days: days, Users: 500, Layout: layout, Seed: 5, DefectRate: 0.03}
			if _, err := synth.Generate(ctx, a.B, opts); err != nil {
				t.Fatal(err)
			}
			copyTree(t, dirA, dirB, "raw")
			runBoth(t, a, b, duck, sp, start, days)
			diffs, err := testlake.Compare(ctx, duck, a, b, []string{"bronze/", "silver/", "gold/"}, testlake.AuditColumns)
			if err != nil {
				t.Fatal(err)
			}
			diffs = append(diffs, compareReports(t, dirA, dirB)...)
			if len(diffs) > 0 {
				t.Errorf("the lakes of DuckDB (first) and Spark (second) differ:\n%s", strings.Join(diffs, "\n"))
			}
		})
	}
}

// volatileKeys are report fields that differ between any two runs: when and how long.
var volatileKeys = []string{"duration_s", "processing_time", "check_time", "execution_time", "pipeline_run_id",
	"run_id", "attempt", "started_at", "finished_at", "checked_at"}

// compareReports compares every JSON report of the two lakes (layer reports, summaries, DQ and
// monitoring reports): the same files, and in each the same fields and values, floats to
// 1e-9 relative (engines sum in different orders), volatile fields aside.
func compareReports(t *testing.T, dirA, dirB string) []string {
	t.Helper()
	list := func(dir string) []string {
		var out []string
		for _, pattern := range []string{"*/_reports/*/*.json", "_reports/*/*.json", "_monitoring/*/*.json"} {
			m, _ := filepath.Glob(filepath.Join(dir, pattern))
			for _, f := range m {
				rel, _ := filepath.Rel(dir, f)
				out = append(out, rel)
			}
		}
		sort.Strings(out)
		return out
	}
	fa, fb := list(dirA), list(dirB)
	if !slices.Equal(fa, fb) {
		return []string{fmt.Sprintf("report files differ:\n    first  %v\n    second %v", fa, fb)}
	}
	if len(fa) == 0 {
		t.Fatal("no reports found: the comparison would compare nothing")
	}
	var diffs []string
	for _, f := range fa {
		var va, vb any
		for i, dir := range []string{dirA, dirB} {
			data, err := os.ReadFile(filepath.Join(dir, f))
			if err != nil {
				t.Fatal(err)
			}
			v := &va
			if i == 1 {
				v = &vb
			}
			if err := json.Unmarshal(data, v); err != nil {
				t.Fatalf("%s: %v", f, err)
			}
		}
		diffs = append(diffs, jsonDiff(f, va, vb)...)
	}
	return diffs
}

func jsonDiff(path string, a, b any) []string {
	switch x := a.(type) {
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok {
			return []string{fmt.Sprintf("%s: %v vs %v", path, a, b)}
		}
		if x["name"] == "max_duration_s" && y["name"] == "max_duration_s" {
			return nil // the monitoring target on the longest task's duration
		}
		var keys []string
		for k := range x {
			keys = append(keys, k)
		}
		for k := range y {
			if _, ok := x[k]; !ok {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		var out []string
		for _, k := range keys {
			if slices.Contains(volatileKeys, k) {
				continue
			}
			out = append(out, jsonDiff(path+"."+k, x[k], y[k])...)
		}
		return out
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return []string{fmt.Sprintf("%s: %v vs %v", path, a, b)}
		}
		var out []string
		for i := range x {
			out = append(out, jsonDiff(fmt.Sprintf("%s[%d]", path, i), x[i], y[i])...)
		}
		return out
	case float64:
		y, ok := b.(float64)
		if ok && (x == y || math.Abs(x-y) <= 1e-9*math.Max(math.Abs(x), math.Abs(y))) {
			return nil
		}
	default:
		if reflect.DeepEqual(a, b) {
			return nil
		}
	}
	return []string{fmt.Sprintf("%s: %v vs %v", path, a, b)}
}
