package layer_test

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"text/template"
	"time"

	"github.com/metalake/metalake/internal/engine"
	"github.com/metalake/metalake/internal/lake"
	"github.com/metalake/metalake/internal/layer"
	"github.com/metalake/metalake/internal/storage"
)

// report is a layer's report as far as the frame is concerned.
type report struct {
	Table          string  `json:"table"`
	ProcessingTime string  `json:"processing_time"`
	DurationS      float64 `json:"duration_s"`
	Status         string  `json:"status"`
	Error          string  `json:"error,omitempty"`
	Rows           int64   `json:"rows"`
}

func (r *report) Stamp(status, errText, processingTime string, durationS float64) {
	r.Status, r.Error, r.ProcessingTime, r.DurationS = status, errText, processingTime, durationS
}

var (
	runDate = mustDate("2024-01-02")
	start   = time.Date(2024, 1, 2, 3, 4, 5, 0, time.FixedZone("CET", 3600))
	end     = start.Add(1234567 * time.Microsecond) // 1.234567 s: duration_s keeps the milliseconds
)

func mustDate(s string) lake.Date {
	d, err := lake.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

// task is a silver task over l that ends at end and logs into log.
func task(l *lake.Lake, log *bytes.Buffer) layer.Task {
	return layer.Task{Lake: l, Log: slog.New(slog.NewTextHandler(log, nil)), Now: func() time.Time { return end },
		Layer: lake.Silver, Table: "users", RunDate: runDate, Start: start,
		Key: lake.ReportKey(lake.Silver, runDate, "users_report.json")}
}

func written(t *testing.T, l *lake.Lake, key string) report {
	t.Helper()
	var got report
	if err := l.GetJSON(context.Background(), key, &got); err != nil {
		t.Fatal(err)
	}
	return got
}

func TestFinishStampsASuccess(t *testing.T) {
	t.Parallel()
	l := lake.New(storage.NewMemory())
	var log bytes.Buffer
	tk := task(l, &log)
	rep := &report{Table: "users", Rows: 7}
	if err := tk.Finish(context.Background(), rep, nil, "silver table done", "rows", rep.Rows); err != nil {
		t.Fatal(err)
	}
	want := report{Table: "users", ProcessingTime: "2024-01-02T02:04:06.234567Z", DurationS: 1.234, Status: layer.StatusSuccess, Rows: 7}
	if *rep != want {
		t.Errorf("stamped %+v, want %+v", *rep, want)
	}
	if got := written(t, l, tk.Key); got != want {
		t.Errorf("written %+v, want %+v", got, want)
	}
	if line := log.String(); !strings.Contains(line, `msg="silver table done" table=users run_date=2024-01-02 rows=7 duration_s=1.234`) {
		t.Errorf("log: %s", line)
	}
}

type buildError struct{}

func (buildError) Error() string { return "silver users 2024-01-02: no bronze" }

func TestFinishStampsAFailure(t *testing.T) {
	t.Parallel()
	l := lake.New(storage.NewMemory())
	var log bytes.Buffer
	tk := task(l, &log)
	rep := &report{Table: "users"}
	build := &buildError{}
	if err := tk.Finish(context.Background(), rep, build, "silver table done"); err != build {
		t.Fatalf("Finish returned %v, want the build's error itself", err)
	}
	want := report{Table: "users", ProcessingTime: "2024-01-02T02:04:06.234567Z", DurationS: 1.234, Status: layer.StatusFailed,
		Error: "silver users 2024-01-02: no bronze"}
	if got := written(t, l, tk.Key); got != want {
		t.Errorf("written %+v, want %+v", got, want)
	}
	if log.Len() > 0 {
		t.Errorf("a failed task logged done: %s", log.String())
	}
}

// TestFinishWritesUnderACancelledContext: a task cancelled as it ends still leaves its report.
func TestFinishWritesUnderACancelledContext(t *testing.T) {
	t.Parallel()
	l := lake.New(storage.NewMemory())
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	tk := task(l, &bytes.Buffer{})
	if err := tk.Finish(ctx, &report{Table: "users"}, context.Canceled, ""); !errors.Is(err, context.Canceled) {
		t.Fatalf("Finish returned %v", err)
	}
	if got := written(t, l, tk.Key); got.Status != layer.StatusFailed || got.Error != context.Canceled.Error() {
		t.Errorf("written %+v", got)
	}
}

// TestFinishWhenTheReportCannotBeWritten: the report's folder is a file. The write failure is
// the task's error when the build succeeded, and is joined to the build's error (which keeps
// its type, and comes first) when it failed.
func TestFinishWhenTheReportCannotBeWritten(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name, doc string
		build     error
		want      string
	}{
		{"after success", "", nil, "silver users 2024-01-02: write report: "},
		{"after success, stats", "stats", nil, "silver users 2024-01-02: write stats: "},
		{"after failure", "", buildError{}, "silver users 2024-01-02: no bronze"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			root := t.TempDir()
			if err := os.WriteFile(filepath.Join(root, "silver"), []byte("not a folder"), 0o644); err != nil {
				t.Fatal(err)
			}
			b, err := storage.NewLocal(root)
			if err != nil {
				t.Fatal(err)
			}
			var log bytes.Buffer
			tk := task(lake.New(b), &log)
			tk.Doc = c.doc
			err = tk.Finish(context.Background(), &report{Table: "users"}, c.build, "silver table done")
			if err == nil || !strings.HasPrefix(err.Error(), c.want) || !strings.Contains(err.Error(), "write "+cmp.Or(c.doc, "report")+": ") {
				t.Errorf("Finish returned %v, want %q… naming the failed write", err, c.want)
			}
			if c.build != nil && !errors.As(err, new(buildError)) {
				t.Errorf("Finish returned %v, which no longer holds the build's error", err)
			}
			if log.Len() > 0 {
				t.Errorf("logged done: %s", log.String())
			}
		})
	}
}

// parquetFile is a local file as an engine leaves it (Publish does not read it).
func parquetFile(t *testing.T, rows int64) lake.File {
	t.Helper()
	p := filepath.Join(t.TempDir(), "out.parquet")
	if err := os.WriteFile(p, []byte("PAR1"), 0o644); err != nil {
		t.Fatal(err)
	}
	return lake.File{Path: p, Rows: rows}
}

func TestPublishCounted(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	l := lake.New(storage.NewMemory())
	dir := lake.RejectsDir("users", runDate)
	// An object the engine wrote into the folder itself is committed where it lies.
	inPlace := dir + "_spark-write-1/part-0.parquet"
	if err := storage.PutBytes(ctx, l.B, inPlace, []byte("PAR1")); err != nil {
		t.Fatal(err)
	}
	out := layer.Output{Dir: dir, Layer: lake.Bronze, Table: "_rejects/users", RunDate: runDate, Attempt: "a1",
		Files: []lake.File{parquetFile(t, 3), {Path: "s3a://lake/" + inPlace, Key: inPlace, Rows: 2}}}

	_, err := layer.PublishCounted(ctx, l, out, 4)
	if err == nil || err.Error() != "bronze _rejects/users 2024-01-02: internal accounting error: wrote 5 rows, expected 4" {
		t.Fatalf("PublishCounted(want 4) = %v", err)
	}
	if _, ok, err := l.ReadManifest(ctx, dir); err != nil || ok {
		t.Fatalf("a refused output was committed (ok %v, err %v)", ok, err)
	}

	m, err := layer.PublishCounted(ctx, l, out, 5)
	if err != nil {
		t.Fatal(err)
	}
	got, ok, err := l.ReadManifest(ctx, dir)
	if err != nil || !ok {
		t.Fatalf("not committed (ok %v, err %v)", ok, err)
	}
	if got.Layer != lake.Bronze || got.Table != "_rejects/users" || got.RunDate != "2024-01-02" || got.Attempt != "a1" || got.Rows != 5 ||
		len(got.Files) != 2 || got.Files[1].Name != "_spark-write-1/part-0.parquet" || got.Attempt != m.Attempt {
		t.Errorf("manifest %+v", got)
	}
}

func TestRender(t *testing.T) {
	t.Parallel()
	eng, err := engine.Open(context.Background(), engine.Options{Threads: 1, WorkDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { eng.Close() })
	d := eng.Dialect()
	extra := template.FuncMap{
		"cols":    func(alias string) string { return alias + ".a, " + alias + ".b" },
		"iso_dow": func(string) string { return "overridden" }, // a layer's function wins
	}

	got, err := layer.Render(d, "m", `SELECT {{cols "s"}}, {{matches "x" "^a"}}, {{iso_dow "d"}} FROM t WHERE d = {{.D}}`, extra, map[string]string{"D": "1"})
	if want := "SELECT s.a, s.b, " + d.Matches("x", "^a") + ", overridden FROM t WHERE d = 1"; err != nil || got != want {
		t.Errorf("Render = %q, %v; want %q", got, err, want)
	}
	if _, err := layer.Render(d, "m", "{{.Missing}}", nil, map[string]string{}); err == nil {
		t.Error("a missing key rendered")
	}
	if _, err := layer.Render(d, "m", "{{nope}}", nil, nil); err == nil {
		t.Error("an unknown function parsed")
	}

	tpl, err := layer.Template(d, "f", `{{define "build"}}SELECT {{iso_dow .}}{{end}}{{define "stats"}}SELECT 1{{end}}`, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := layer.Execute(tpl, "build", "d"); err != nil || got != "SELECT "+d.ISODayOfWeek("d") {
		t.Errorf("Execute(build) = %q, %v", got, err)
	}
	if _, err := layer.Execute(tpl, "check x", nil); err == nil {
		t.Error("a missing block executed")
	}
}
