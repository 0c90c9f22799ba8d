package bench_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/metalake/metalake/internal/bench"
	"github.com/metalake/metalake/internal/contract"
	"github.com/metalake/metalake/internal/engine"
	"github.com/metalake/metalake/internal/lake"
	"github.com/metalake/metalake/internal/pipeline"
	"github.com/metalake/metalake/internal/storage"
	"github.com/metalake/metalake/internal/synth"
)

// newRunner wires a runner on the lake at dir, as `metalake run` does without notifications.
func newRunner(t *testing.T, dir string) *pipeline.Runner {
	t.Helper()
	b, err := storage.NewLocal(dir)
	if err != nil {
		t.Fatal(err)
	}
	eng, err := engine.Open(context.Background(), engine.Options{MemoryLimit: "1GB", WorkDir: filepath.Join(dir, "_staging", "engine")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { eng.Close() })
	set, err := contract.Default()
	if err != nil {
		t.Fatal(err)
	}
	return &pipeline.Runner{Lake: lake.New(b), Engine: eng, Contracts: set, Parallelism: 2}
}

func spec(users, days int) bench.RawSpec {
	return bench.RawSpec{Users: users, Seed: 7, Start: "2025-07-01", Days: days, Layout: synth.LayoutKaggle, DefectRate: 0.01}
}

// expectedRows is what the floor's reader must read of a generated raw file: every record but
// the structurally broken ones (an extra field, a record cut off at the end of the file).
func expectedRows(t *testing.T, s bench.RawSpec, day int, table string) int64 {
	t.Helper()
	start, _ := lake.ParseDate(s.Start)
	o := synth.Options{Start: start.Time(), Days: s.Days, Users: s.Users, Seed: s.Seed, Layout: s.Layout, DefectRate: s.DefectRate}
	ts, err := synth.WriteTable(context.Background(), io.Discard, o, day, table)
	if err != nil {
		t.Fatal(err)
	}
	return ts.Rows - ts.Defects[synth.DefectMalformed] - ts.Defects[synth.DefectTruncated]
}

// TestRun runs a four-day bench (day 4, an odd day index, has records cut off at the end of
// its files) and checks every figure against the lake it leaves and the
// generator's own counts (no timing is asserted: only how the figures relate).
func TestRun(t *testing.T) {
	dir := t.TempDir()
	r := newRunner(t, dir)
	s := spec(2000, 4)
	res, err := bench.Run(context.Background(), bench.Options{Dir: dir, Runner: r, Raw: s, Engine: engine.Options{MemoryLimit: "1GB"}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Raw.Reused || res.Raw.GenerateSeconds == nil || res.Raw.Generated == nil || *res.Raw.Generated != s {
		t.Errorf("raw = %+v, want generated with %+v", res.Raw, s)
	}
	if len(res.Dates) != 2 || res.Dates[0].Date != "2025-07-01" || res.Dates[0].Day != 1 || res.Dates[1].Date != "2025-07-04" || res.Dates[1].Day != 4 {
		t.Fatalf("measured dates = %+v, want day 1 and day 4", res.Dates)
	}
	if len(res.Unmeasured) != 2 || res.Unmeasured[0].Date != "2025-07-02" || res.Unmeasured[1].Day != 3 || res.Unmeasured[1].Status != pipeline.StatusSuccess {
		t.Errorf("unmeasured = %+v, want days 2 and 3", res.Unmeasured)
	}
	for _, d := range res.Dates {
		checkDate(t, dir, r, s, d)
	}
	walked := walk(t, dir)
	if res.LakeFiles.Bronze != walked[lake.Bronze] || res.LakeFiles.Silver != walked[lake.Silver] || res.LakeFiles.Gold != walked[lake.Gold] {
		t.Errorf("lake files = %+v, the lake holds %+v", res.LakeFiles, walked)
	}
	if res.PeakRSSBytes <= 0 {
		t.Errorf("peak RSS = %d", res.PeakRSSBytes)
	}

	// A second bench reuses the raw snapshots and starts from a lake with no history: day 1's
	// silver carries nothing over.
	res2, err := bench.Run(context.Background(), bench.Options{Dir: dir, Runner: r, Raw: spec(2000, 2), Engine: engine.Options{MemoryLimit: "1GB"}})
	if err != nil {
		t.Fatal(err)
	}
	if !res2.Raw.Reused || res2.Raw.GenerateSeconds != nil {
		t.Errorf("second bench raw = %+v, want reused", res2.Raw)
	}
	if n := task(t, res2.Dates[0], "silver_users"); *n.RowsIn != *task(t, res2.Dates[0], "bronze_users").RowsOut {
		t.Errorf("day 1 of the second bench: silver users read %d rows, bronze wrote %d: history was not removed", *n.RowsIn, *task(t, res2.Dates[0], "bronze_users").RowsOut)
	}
	if _, err := os.Stat(filepath.Join(dir, "bronze", "users", "run_date=2025-07-04")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the first bench's day 4 survived the second bench: %v", err)
	}
	if err := bench.Reset(dir); err != nil {
		t.Fatal(err)
	}
	left, _ := os.ReadDir(dir)
	for _, e := range left {
		if !slices.Contains([]string{"raw", "_state", "_staging"}, e.Name()) {
			t.Errorf("Reset left %s", e.Name())
		}
	}
}

func checkDate(t *testing.T, dir string, r *pipeline.Runner, s bench.RawSpec, d bench.DateResult) {
	t.Helper()
	date, _ := lake.ParseDate(d.Date)
	// The floor reads every raw file of the date, every well-formed record of each.
	var rows, bytes int64
	var tables []string
	for _, ft := range d.Floor.Tables {
		tables = append(tables, ft.Table)
		if want := expectedRows(t, s, d.Day-1, ft.Table); ft.Rows != want {
			t.Errorf("%s floor %s: %d rows, want %d", d.Date, ft.Table, ft.Rows, want)
		}
		st, err := os.Stat(filepath.Join(dir, filepath.FromSlash(lake.RawKey(ft.Table, date))))
		if err != nil || st.Size() != ft.Bytes {
			t.Errorf("%s floor %s: %d bytes, the file: %v %v", d.Date, ft.Table, ft.Bytes, st, err)
		}
		if ft.OutputBytes <= 0 {
			t.Errorf("%s floor %s wrote %d bytes", d.Date, ft.Table, ft.OutputBytes)
		}
		rows += ft.Rows
		bytes += ft.Bytes
	}
	slices.Sort(tables)
	if want := []string{"competitions", "dataset_tags", "dataset_versions", "datasets", "kernels", "tags", "users"}; !slices.Equal(tables, want) {
		t.Errorf("%s floor tables %v, want %v", d.Date, tables, want)
	}
	if rows != d.RawRows || bytes != d.RawBytes {
		t.Errorf("%s raw %d rows %d bytes, the floor's tables sum to %d, %d", d.Date, d.RawRows, d.RawBytes, rows, bytes)
	}
	if d.Floor.Seconds <= 0 || d.Run.Seconds <= 0 {
		t.Fatalf("%s: floor %v s, run %v s", d.Date, d.Floor.Seconds, d.Run.Seconds)
	}
	near(t, d.Date+" run/floor", d.RunOverFloor, d.Run.Seconds/d.Floor.Seconds)
	near(t, d.Date+" run MB/s", d.Run.MBPerS, float64(d.RawBytes)/1e6/d.Run.Seconds)
	near(t, d.Date+" floor rows/s", d.Floor.RowsPerS, float64(d.RawRows)/d.Floor.Seconds)

	// Every task of the date's DAG, in the run state's order, each in one layer.
	st, ok, err := pipeline.LoadState(context.Background(), r.Lake, date)
	if err != nil || !ok {
		t.Fatalf("%s state: %v %v", d.Date, ok, err)
	}
	if len(d.Run.Tasks) != len(st.Tasks) {
		t.Fatalf("%s: %d tasks reported, the DAG ran %d", d.Date, len(d.Run.Tasks), len(st.Tasks))
	}
	var sum float64
	perLayer := map[string]int{}
	for i, tt := range d.Run.Tasks {
		if tt.Task != st.Tasks[i].Task || tt.Seconds != st.Tasks[i].DurationS || tt.Status != pipeline.StatusSuccess {
			t.Errorf("%s task %d = %+v, state %+v", d.Date, i, tt, st.Tasks[i])
		}
		sum += tt.Seconds
		perLayer[tt.Layer]++
	}
	near(t, d.Date+" task seconds", d.Run.TaskSeconds, sum)
	if sum > d.Run.Seconds*float64(r.Parallelism)+0.01 {
		t.Errorf("%s: tasks took %.3f s in a run of %.3f s with %d at a time", d.Date, sum, d.Run.Seconds, r.Parallelism)
	}
	var layers []string
	for _, l := range d.Run.Layers {
		layers = append(layers, l.Layer)
		if l.Tasks != perLayer[l.Layer] {
			t.Errorf("%s layer %s: %d tasks, the task list has %d", d.Date, l.Layer, l.Tasks, perLayer[l.Layer])
		}
		// Task durations are whole milliseconds (truncated), the wall time their exact union.
		if l.WallSeconds > l.TaskSeconds+0.01+0.001*float64(l.Tasks) || l.WallSeconds > d.Run.Seconds+0.01 {
			t.Errorf("%s layer %s: wall %.3f s, tasks %.3f s, run %.3f s", d.Date, l.Layer, l.WallSeconds, l.TaskSeconds, d.Run.Seconds)
		}
	}
	if !slices.Equal(layers, bench.Layers) {
		t.Errorf("%s layers %v, want %v", d.Date, layers, bench.Layers)
	}

	// Rows: bronze read every record of the file, silver and gold wrote rows.
	start, _ := lake.ParseDate(s.Start)
	o := synth.Options{Start: start.Time(), Days: s.Days, Users: s.Users, Seed: s.Seed, DefectRate: s.DefectRate}
	users, err := synth.WriteTable(context.Background(), io.Discard, o, d.Day-1, "users")
	if err != nil {
		t.Fatal(err)
	}
	if b := task(t, d, "bronze_users"); b.RowsIn == nil || *b.RowsIn != users.Rows || b.RowsOut == nil || b.MBPerS == nil || b.RowsPerS == nil {
		t.Errorf("%s bronze_users = %+v, want %d rows in and rates", d.Date, b, users.Rows)
	}
	if g := task(t, d, "gold_dim_user"); g.RowsOut == nil || *g.RowsOut < int64(s.Users)/2 || g.RowsIn != nil {
		t.Errorf("%s gold_dim_user = %+v", d.Date, g)
	}
	if c := task(t, d, "check_raw_files"); c.RowsIn != nil || c.RowsOut != nil || c.Layer != bench.LayerOther {
		t.Errorf("%s check_raw_files = %+v", d.Date, c)
	}

	// Written: exactly the date's bronze and silver partitions and reports (nothing of other
	// dates), at least its gold facts.
	for _, layer := range []string{lake.Bronze, lake.Silver} {
		var want bench.Size
		countFiles(t, filepath.Join(dir, layer), func(rel string, size int64) {
			if strings.Contains(rel, "run_date="+d.Date+"/") {
				want.Files++
				want.Bytes += size
			}
		})
		got := d.Written.Bronze
		if layer == lake.Silver {
			got = d.Written.Silver
		}
		if got != want {
			t.Errorf("%s written %s = %+v, the lake holds %+v of the date", d.Date, layer, got, want)
		}
	}
	if d.Written.Gold.Files < 4 || d.Written.Total.Files != d.Written.Bronze.Files+d.Written.Silver.Files+d.Written.Gold.Files+d.Written.Other.Files {
		t.Errorf("%s written = %+v", d.Date, d.Written)
	}
}

func task(t *testing.T, d bench.DateResult, id string) bench.TaskTimes {
	t.Helper()
	for _, tt := range d.Run.Tasks {
		if tt.Task == id {
			return tt
		}
	}
	t.Fatalf("%s: no task %s", d.Date, id)
	return bench.TaskTimes{}
}

// near checks a rounded figure against the value it rounds (within 1 % or a thousandth).
func near(t *testing.T, what string, got, want float64) {
	t.Helper()
	if math.Abs(got-want) > math.Max(0.001, 0.01*math.Abs(want)) {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
}

func countFiles(t *testing.T, root string, f func(rel string, size int64)) {
	t.Helper()
	err := filepath.Walk(root, func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		f(filepath.ToSlash(rel), info.Size())
		return nil
	})
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
}

func walk(t *testing.T, dir string) map[string]bench.Size {
	out := map[string]bench.Size{}
	for _, layer := range []string{lake.Bronze, lake.Silver, lake.Gold} {
		var s bench.Size
		countFiles(t, filepath.Join(dir, layer), func(_ string, size int64) { s.Files++; s.Bytes += size })
		out[layer] = s
	}
	return out
}

func TestCheck(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		files []string
		ok    bool
	}{
		{"missing", nil, true},
		{"empty", []string{}, true},
		{"raw only", []string{"raw/users/ingestion_date=2025-07-01/users.csv"}, true},
		{"raw and a leftover lock and upload", []string{"raw/users/ingestion_date=2025-07-01/users.csv", "_lock", "_staging/uploads/x"}, true},
		{"a bench directory", []string{"_state/lake.json:bench", "bronze/users/run_date=2025-07-01/part-0.parquet"}, true},
		{"a lake with run outputs", []string{"raw/users/ingestion_date=2025-07-01/users.csv", "bronze/users/run_date=2025-07-01/part-0.parquet"}, false},
		{"a lake's state only", []string{"_state/runs/run_date=2025-07-01.json"}, false},
		{"a demo lake", []string{"_state/lake.json:demo"}, false},
		{"unrelated files", []string{"notes.txt"}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := filepath.Join(t.TempDir(), "d")
			if tc.files != nil {
				os.MkdirAll(dir, 0o755)
			}
			for _, f := range tc.files {
				name, kind, _ := strings.Cut(f, ":")
				body := []byte("x")
				if kind != "" {
					body, _ = json.Marshal(map[string]string{"kind": kind})
				}
				p := filepath.Join(dir, filepath.FromSlash(name))
				os.MkdirAll(filepath.Dir(p), 0o755)
				if err := os.WriteFile(p, body, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			err := bench.Check(dir)
			var de *bench.DirError
			if tc.ok != (err == nil) || (err != nil && !errors.As(err, &de)) {
				t.Fatalf("Check = %v, want ok %v", err, tc.ok)
			}
			if !tc.ok {
				// Reset refuses what Check refuses, and removes nothing.
				before := listAll(t, dir)
				if err := bench.Reset(dir); !errors.As(err, &de) {
					t.Errorf("Reset = %v, want a DirError", err)
				}
				if after := listAll(t, dir); !slices.Equal(before, after) {
					t.Errorf("Reset changed %v into %v", before, after)
				}
			}
		})
	}
}

func listAll(t *testing.T, dir string) []string {
	var out []string
	countFiles(t, dir, func(rel string, _ int64) { out = append(out, rel) })
	return out
}

// TestRunRefusesForeignRaw: raw snapshots bench did not generate are never replaced; when
// they lack a date, the bench stops and says so.
func TestRunRefusesForeignRaw(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	b, _ := storage.NewLocal(dir)
	start, _ := lake.ParseDate("2025-07-01")
	if _, err := synth.Generate(context.Background(), b, synth.Options{Start: start.Time(), Days: 1, Users: 50, Seed: 1}); err != nil {
		t.Fatal(err)
	}
	before := listAll(t, filepath.Join(dir, "raw"))
	r := newRunner(t, dir)
	_, err := bench.Run(context.Background(), bench.Options{Dir: dir, Runner: r, Raw: spec(50, 2), Engine: engine.Options{MemoryLimit: "1GB"}})
	var de *bench.DirError
	if !errors.As(err, &de) || !strings.Contains(err.Error(), "did not generate") {
		t.Fatalf("Run = %v, want a DirError about raw/", err)
	}
	if after := listAll(t, filepath.Join(dir, "raw")); !slices.Equal(before, after) {
		t.Errorf("raw/ changed: %v → %v", before, after)
	}
}

func TestLayerOf(t *testing.T) {
	t.Parallel()
	for task, want := range map[string]string{
		"check_raw_files": bench.LayerOther, "bronze_users": lake.Bronze, "catalog_bronze_users": lake.Bronze,
		"bronze_summary": lake.Bronze, "check_bronze_completion": lake.Bronze, "silver_dq": lake.Silver,
		"validate_silver_output": lake.Silver, "check_silver_completion": lake.Silver, "gold_dim_user": lake.Gold,
		"catalog_gold_fact_tag_usage_daily": lake.Gold, "validate_gold_outputs": lake.Gold, "monitor": bench.LayerOther,
		"pipeline_summary": bench.LayerOther, "notify": bench.LayerOther, "export_warehouse": bench.LayerOther,
	} {
		if got := bench.LayerOf(task); got != want {
			t.Errorf("LayerOf(%s) = %s, want %s", task, got, want)
		}
	}
}

func TestFloorSQLQuotes(t *testing.T) {
	t.Parallel()
	q := bench.FloorSQL("/data/w*/it's.csv", []string{"Id", `Na"me`, "it's"}, "/out/x.parquet")
	for _, want := range []string{"'/data/w[*]/it''s.csv'", `'Na"me': 'VARCHAR'`, "'it''s': 'VARCHAR'", "auto_detect = false", "ignore_errors = true", "FORMAT parquet, COMPRESSION snappy", "'/out/x.parquet'"} {
		if !strings.Contains(q, want) {
			t.Errorf("FloorSQL lacks %q:\n%s", want, q)
		}
	}
}
