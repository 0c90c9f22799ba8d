package bench_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/metalake/metalake/internal/bench"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

func f(v float64) *float64 { return &v }
func n(v int64) *int64     { return &v }

// sample is a fixed result with one measured date of each kind of task.
func sample() bench.Result {
	day := bench.DateResult{Date: "2025-07-01", Day: 1, RawBytes: 41_000_000, RawRows: 230_000,
		Floor: bench.FloorResult{Seconds: 0.8, MBPerS: 51.25, RowsPerS: 287500, OutputBytes: 20_000_000, PeakRSSBytes: 200 << 20,
			Tables: []bench.FloorTable{{Table: "users", Bytes: 30_000_000, Rows: 200_000, Seconds: 0.6, OutputBytes: 15_000_000}, {Table: "kernels", Bytes: 11_000_000, Rows: 30_000, Seconds: 0.2, OutputBytes: 5_000_000}}},
		Run: bench.RunResult{Status: "success", Seconds: 3.2, MBPerS: 12.813, RowsPerS: 71875, TaskSeconds: 4.5, PeakRSSBytes: 600 << 20,
			Layers: []bench.LayerTimes{{Layer: "bronze", Tasks: 2, WallSeconds: 1.2, TaskSeconds: 1.21}, {Layer: "silver", Tasks: 1, WallSeconds: 1, TaskSeconds: 1}, {Layer: "gold", Tasks: 1, WallSeconds: 2.29, TaskSeconds: 2.29}, {Layer: "other", Tasks: 1}},
			Tasks: []bench.TaskTimes{
				{Task: "check_raw_files", Layer: "other", Status: "success", Attempts: 1, StartSeconds: f(0), Seconds: 0},
				{Task: "bronze_users", Layer: "bronze", Status: "success", Attempts: 1, StartSeconds: f(0.01), Seconds: 1.2, RowsIn: n(200_000), RowsOut: n(198_000), RowsPerS: f(166666.667), MBPerS: f(25)},
				{Task: "catalog_bronze_users", Layer: "bronze", Status: "success", Attempts: 1, StartSeconds: f(1.21), Seconds: 0.01},
				{Task: "silver_users", Layer: "silver", Status: "success", Attempts: 1, StartSeconds: f(1.22), Seconds: 1, RowsIn: n(198_000), RowsOut: n(197_000), RowsPerS: f(198000)},
				{Task: "gold_dim_user", Layer: "gold", Status: "success", Attempts: 1, StartSeconds: f(2.3), Seconds: 2.29, RowsOut: n(197_000), RowsPerS: f(86026.201)},
			}},
		RunOverFloor: 4,
		Written:      bench.Areas{Bronze: bench.Size{Files: 3, Bytes: 9_000_000}, Silver: bench.Size{Files: 2, Bytes: 8_000_000}, Gold: bench.Size{Files: 2, Bytes: 7_000_000}, Other: bench.Size{Files: 5, Bytes: 10_000}, Total: bench.Size{Files: 12, Bytes: 24_010_000}}}
	return bench.Result{Lake: "/tmp/metalake-bench-1", Kept: true,
		Raw:        bench.RawInfo{Generated: &bench.RawSpec{Users: 200000, Seed: 1, Start: "2025-07-01", Days: 2, Layout: "kaggle", DefectRate: 0.01}, GenerateSeconds: f(1.5), Start: "2025-07-01", Days: 3},
		Engine:     bench.EngineInfo{MemoryLimit: "2200MB", Parallelism: 2, CPUs: 2},
		Dates:      []bench.DateResult{day},
		Unmeasured: []bench.DayRun{{Date: "2025-07-02", Day: 2, Status: "success", Seconds: 3.4}},
		LakeFiles:  day.Written, PeakRSSBytes: 600 << 20}
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (-update rewrites it):\n%s", name, got)
	}
}

func TestWriteTable(t *testing.T) {
	var b bytes.Buffer
	if err := bench.WriteTable(&b, sample()); err != nil {
		t.Fatal(err)
	}
	golden(t, "result.txt", b.Bytes())
}

// TestWriteJSON pins the field names (doc.go documents them): unknown figures are null.
func TestWriteJSON(t *testing.T) {
	var b bytes.Buffer
	if err := bench.WriteJSON(&b, sample()); err != nil {
		t.Fatal(err)
	}
	golden(t, "result.json", b.Bytes())
	var back bench.Result
	if err := json.Unmarshal(b.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	if back.Dates[0].Run.Tasks[0].RowsIn != nil || *back.Dates[0].Run.Tasks[1].RowsIn != 200_000 {
		t.Errorf("round trip lost the rows: %+v", back.Dates[0].Run.Tasks[:2])
	}
}
