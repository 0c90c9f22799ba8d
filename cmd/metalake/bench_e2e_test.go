package main_test

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// benchJSON is the part of `metalake bench --format json` the tests read (field names as
// internal/bench documents them).
type benchJSON struct {
	Lake string `json:"lake"`
	Kept bool   `json:"kept"`
	Raw  struct {
		Reused bool `json:"reused"`
	} `json:"raw"`
	Engine struct {
		Parallelism int `json:"parallelism"`
	} `json:"engine"`
	Dates []struct {
		Date         string  `json:"date"`
		Day          int     `json:"day"`
		RawBytes     int64   `json:"raw_bytes"`
		RunOverFloor float64 `json:"run_over_floor"`
		Floor        struct {
			Seconds float64 `json:"seconds"`
			Tables  []struct {
				Table   string  `json:"table"`
				Bytes   int64   `json:"bytes"`
				Seconds float64 `json:"seconds"`
			} `json:"tables"`
		} `json:"floor"`
		Run struct {
			Status  string  `json:"status"`
			Seconds float64 `json:"seconds"`
			Layers  []struct {
				Layer string  `json:"layer"`
				Tasks int     `json:"tasks"`
				Wall  float64 `json:"wall_s"`
			} `json:"layers"`
			Tasks []struct {
				Task    string  `json:"task"`
				Layer   string  `json:"layer"`
				Seconds float64 `json:"seconds"`
				RowsIn  *int64  `json:"rows_in"`
			} `json:"tasks"`
		} `json:"run"`
	} `json:"dates"`
	LakeFiles map[string]struct {
		Files int64 `json:"files"`
		Bytes int64 `json:"bytes"`
	} `json:"lake_files"`
	PeakRSS int64 `json:"peak_rss_bytes"`
}

// TestBenchCLI runs a small bench twice on one directory: the JSON's figures agree with each
// other and with the lake it keeps; the second run reuses the raw snapshots, prints the table
// and removes its run outputs.
func TestBenchCLI(t *testing.T) {
	t.Parallel()
	work := t.TempDir()
	dir := filepath.Join(work, "bench")
	r := must(t, metalake(t, work, "bench", "--users", "3000", "--days", "2", "--lake", dir, "--keep", "--format", "json"), 0)
	var res benchJSON
	if err := json.Unmarshal([]byte(r.stdout), &res); err != nil {
		t.Fatalf("stdout is not one JSON object: %v\n%s", err, r.stdout)
	}
	var keys map[string]json.RawMessage
	json.Unmarshal([]byte(r.stdout), &keys)
	for _, k := range []string{"lake", "kept", "raw", "engine", "dates", "unmeasured_days", "lake_files", "peak_rss_bytes"} {
		if _, ok := keys[k]; !ok {
			t.Errorf("JSON lacks %q", k)
		}
	}
	if res.Lake != dir || !res.Kept || res.Raw.Reused || res.PeakRSS <= 0 || res.Engine.Parallelism < 1 {
		t.Errorf("lake %q kept %v reused %v peak %d parallelism %d", res.Lake, res.Kept, res.Raw.Reused, res.PeakRSS, res.Engine.Parallelism)
	}
	if len(res.Dates) != 2 || res.Dates[0].Date != "2025-07-01" || res.Dates[1].Date != "2025-07-02" {
		t.Fatalf("dates = %+v", res.Dates)
	}
	for _, d := range res.Dates {
		if d.Floor.Seconds <= 0 || d.Run.Seconds <= 0 || d.Run.Status != "success" {
			t.Fatalf("%s: floor %v s, run %v s %s", d.Date, d.Floor.Seconds, d.Run.Seconds, d.Run.Status)
		}
		if want := d.Run.Seconds / d.Floor.Seconds; math.Abs(d.RunOverFloor-want) > math.Max(0.001, want/100) {
			t.Errorf("%s run/floor = %v, run %v / floor %v = %v", d.Date, d.RunOverFloor, d.Run.Seconds, d.Floor.Seconds, want)
		}
		var floorSum float64
		var bytes int64
		for _, ft := range d.Floor.Tables {
			floorSum += ft.Seconds
			bytes += ft.Bytes
		}
		if math.Abs(floorSum-d.Floor.Seconds) > 0.001*float64(len(d.Floor.Tables)) || bytes != d.RawBytes || len(d.Floor.Tables) != 7 {
			t.Errorf("%s floor %v s over %d tables summing to %v s, %d of %d bytes", d.Date, d.Floor.Seconds, len(d.Floor.Tables), floorSum, bytes, d.RawBytes)
		}
		// Every task of the date's DAG, as the run state lists them.
		var st struct {
			Tasks []struct {
				Task string `json:"task"`
			} `json:"tasks"`
		}
		b, err := os.ReadFile(filepath.Join(dir, "_state", "runs", "run_date="+d.Date+".json"))
		if err != nil {
			t.Fatal(err)
		}
		json.Unmarshal(b, &st)
		var want, got []string
		for _, s := range st.Tasks {
			want = append(want, s.Task)
		}
		var sum float64
		perLayer := map[string]int{}
		for _, tk := range d.Run.Tasks {
			got = append(got, tk.Task)
			sum += tk.Seconds
			perLayer[tk.Layer]++
		}
		if len(want) < 40 || !slices.Equal(got, want) {
			t.Errorf("%s tasks %v, the DAG ran %v", d.Date, got, want)
		}
		for _, id := range []string{"check_raw_files", "bronze_users", "silver_users", "gold_dim_user", "monitor", "pipeline_summary", "notify"} {
			if !slices.Contains(got, id) {
				t.Errorf("%s: no task %s", d.Date, id)
			}
		}
		if sum > d.Run.Seconds*float64(res.Engine.Parallelism)+0.01 {
			t.Errorf("%s: tasks sum to %.3f s in a run of %.3f s, %d at a time", d.Date, sum, d.Run.Seconds, res.Engine.Parallelism)
		}
		var layers []string
		for _, l := range d.Run.Layers {
			layers = append(layers, l.Layer)
			if l.Tasks != perLayer[l.Layer] || l.Wall > d.Run.Seconds+0.01 {
				t.Errorf("%s layer %+v: the task list has %d tasks in it, run %v s", d.Date, l, perLayer[l.Layer], d.Run.Seconds)
			}
		}
		if !slices.Equal(layers, []string{"bronze", "silver", "gold", "other"}) {
			t.Errorf("%s layers %v", d.Date, layers)
		}
	}
	// The files it reports are the lake's.
	for _, layer := range []string{"bronze", "silver", "gold"} {
		var files, bytes int64
		filepath.Walk(filepath.Join(dir, layer), func(_ string, info os.FileInfo, err error) error {
			if err == nil && !info.IsDir() {
				files++
				bytes += info.Size()
			}
			return err
		})
		if got := res.LakeFiles[layer]; got.Files != files || got.Bytes != bytes || files == 0 {
			t.Errorf("lake_files.%s = %+v, the lake holds %d files, %d bytes", layer, got, files, bytes)
		}
	}

	// Again, as a table, without --keep: the raw snapshots are reused and stay, the run's
	// outputs go.
	r = must(t, metalake(t, work, "bench", "--users", "3000", "--days", "2", "--lake", dir), 0)
	for _, want := range []string{"run/floor", "2025-07-01 (day 1)", "2025-07-02 (day 2)", "bronze_users", "gold_dim_user", "floor: raw file", "written by the run", "lake files after the last day", "peak RSS"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("table lacks %q:\n%s", want, r.stdout)
		}
	}
	for _, layer := range []string{"bronze", "silver", "gold", "other"} {
		if !strings.Contains(r.stdout, "\n  "+layer+" ") {
			t.Errorf("table lacks layer %s:\n%s", layer, r.stdout)
		}
	}
	if !strings.Contains(r.stderr, "reusing the raw snapshots") {
		t.Errorf("the second bench did not say it reused the raw snapshots:\n%s", r.stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "raw", "users", "ingestion_date=2025-07-02", "users.csv")); err != nil {
		t.Errorf("raw snapshots gone: %v", err)
	}
	for _, gone := range []string{"bronze", "silver", "gold", "_reports", "_catalog", filepath.Join("_state", "runs")} {
		if _, err := os.Stat(filepath.Join(dir, gone)); !os.IsNotExist(err) {
			t.Errorf("%s left after a bench without --keep: %v", gone, err)
		}
	}
}

// TestBenchTempLake: without --lake, bench works in a temporary directory it removes, and
// never in the lake METALAKE_LAKE or ./lake names.
func TestBenchTempLake(t *testing.T) {
	t.Parallel()
	work := t.TempDir()
	tmp := filepath.Join(work, "tmp")
	os.Mkdir(tmp, 0o755)
	other := filepath.Join(work, "other-lake")
	must(t, metalakeEnv(t, work, []string{"TMPDIR=" + tmp, "METALAKE_LAKE=" + other}, "bench", "--users", "300", "--days", "1", "--format", "json"), 0)
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Errorf("bench left %v in $TMPDIR", left)
	}
	for _, p := range []string{other, filepath.Join(work, "lake")} {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Errorf("bench touched %s: %v", p, err)
		}
	}
}

func TestBenchUsageErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	// A lake with run outputs, and a demo lake: bench must leave them untouched.
	writeFile(t, filepath.Join(dir, "real", "bronze", "users", "run_date=2025-07-01", "_manifest.json"), "{}")
	writeFile(t, filepath.Join(dir, "demo", "_state", "lake.json"), `{"kind":"demo"}`)
	cases := []struct {
		name  string
		args  []string
		parts []string
	}{
		{"no users", []string{"--users", "0"}, []string{"--users 0"}},
		{"no days", []string{"--days", "0"}, []string{"--days 0"}},
		{"bad format", []string{"--format", "xml"}, []string{"--format", "xml"}},
		{"bad date", []string{"--date", "2025-13-01"}, []string{"--date"}},
		{"object store", []string{"--lake", "s3://bucket/prefix"}, []string{"s3://bucket/prefix", "local directory"}},
		{"a lake with outputs", []string{"--lake", "real"}, []string{"real", "bronze"}},
		{"a demo lake", []string{"--lake", "demo"}, []string{"demo", "not a bench directory"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := metalake(t, dir, append([]string{"bench"}, tc.args...)...)
			if r.code != 2 {
				t.Fatalf("exit %d, want 2 (usage)\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
			}
			oneLine(t, r, tc.parts...)
			if strings.Contains(r.stderr, "bench: raw") || r.stdout != "" {
				t.Errorf("a usage error did work:\n%s%s", r.stdout, r.stderr)
			}
		})
	}
	for _, lake := range []string{"real", "demo"} {
		entries, _ := os.ReadDir(filepath.Join(dir, lake))
		for _, e := range entries {
			if e.Name() != "bronze" && e.Name() != "_state" {
				t.Errorf("bench wrote %s into the %s lake", e.Name(), lake)
			}
		}
	}
}
