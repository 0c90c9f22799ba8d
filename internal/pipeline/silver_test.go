package pipeline_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/metalake/metalake/internal/contract"
	"github.com/metalake/metalake/internal/dag"
	"github.com/metalake/metalake/internal/engine"
	"github.com/metalake/metalake/internal/lake"
	"github.com/metalake/metalake/internal/pipeline"
	"github.com/metalake/metalake/internal/silver"
	"github.com/metalake/metalake/internal/storage"
	"github.com/metalake/metalake/internal/synth"
)

func newRunner(t *testing.T, days int) (*pipeline.Runner, []lake.Date) {
	t.Helper()
	ctx := context.Background()
	eng, err := engine.Open(ctx, engine.Options{Threads: 2, MemoryLimit: "1GB", WorkDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { eng.Close() })
	b, err := storage.NewLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	if _, err := synth.Generate(ctx, b, synth.Options{Start: start, Days: days, Users: 800, Layout: synth.LayoutKaggle, Seed: 3, DefectRate: 0.02}); err != nil {
		t.Fatal(err)
	}
	set, err := contract.Default()
	if err != nil {
		t.Fatal(err)
	}
	var dates []lake.Date
	for i := range days {
		dates = append(dates, lake.DateOf(start.AddDate(0, 0, i)))
	}
	return &pipeline.Runner{Lake: lake.New(b), Engine: eng, Contracts: set, Parallelism: 2}, dates
}

func summary(t *testing.T, r *pipeline.Runner, d lake.Date) pipeline.PipelineSummary {
	t.Helper()
	var s pipeline.PipelineSummary
	if err := r.Lake.GetJSON(context.Background(), lake.ReportKey("", d, "pipeline_summary.json"), &s); err != nil {
		t.Fatal(err)
	}
	return s
}

func taskState(st pipeline.RunState, id string) pipeline.TaskState {
	for _, ts := range st.Tasks {
		if ts.Task == id {
			return ts
		}
	}
	return pipeline.TaskState{}
}

// TestRunBronzeAndSilver: a run produces bronze, silver (five tables), the DQ report and a
// pipeline summary with silver SUCCESS; the next date builds on it.
func TestRunBronzeAndSilver(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	r, dates := newRunner(t, 2)
	for _, d := range dates {
		st, err := r.Run(ctx, d, pipeline.Options{})
		if err != nil {
			t.Fatalf("run %s: %v", d, err)
		}
		for _, id := range []string{"silver_users", "silver_datasets", "silver_competitions", "silver_tags", "silver_kernels",
			"validate_silver_output", "silver_dq", "check_silver_completion", "pipeline_summary"} {
			if ts := taskState(st, id); ts.Status != dag.Success {
				t.Errorf("%s %s: %s %s", d, id, ts.Status, ts.Error)
			}
		}
		s := summary(t, r, d)
		if s.OverallStatus != "SUCCESS" || s.Layers.Bronze.Status != "SUCCESS" || s.Layers.Silver.Status != "SUCCESS" ||
			s.Layers.Silver.TablesProcessed != 5 || s.Layers.Silver.TotalOutput == 0 {
			t.Errorf("%s summary %+v", d, s)
		}
		for _, tb := range []string{"users", "datasets", "competitions", "tags", "kernels"} {
			m, ok, err := r.Lake.ReadManifest(ctx, lake.PartitionDir(lake.Silver, tb, d))
			if err != nil || !ok || m.Rows == 0 || s.Layers.Silver.Tables[tb] != m.Rows {
				t.Errorf("silver %s %s: committed %v rows %d (summary %d) %v", tb, d, ok, m.Rows, s.Layers.Silver.Tables[tb], err)
			}
		}
		var dq silver.DQReport
		if err := r.Lake.GetJSON(ctx, silver.DQKey(d), &dq); err != nil || len(dq.Errors) != 0 || len(dq.Tables) != 3 {
			t.Errorf("DQ report %s: %+v %v", d, dq, err)
		}
	}
	rep, err := silver.ReadReport(ctx, r.Lake, "users", dates[1])
	if err != nil || rep.Status != silver.StatusSuccess {
		t.Errorf("users report of day 2: %+v %v", rep, err)
	}
}

// TestRunOutOfOrder: running a date whose previous date has no silver fails silver without
// retrying (depends_on_past), names the date to run first, and the summary says so; running
// the dates in order then works, and a forced rerun of the older date succeeds.
func TestRunOutOfOrder(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	r, dates := newRunner(t, 2)
	st, err := r.Run(ctx, dates[1], pipeline.Options{})
	var re *pipeline.RunError
	if !errors.As(err, &re) || re.Task != "silver_users" {
		t.Fatalf("err = %v, want silver_users to fail", err)
	}
	var pm *silver.PreviousMissingError
	if !errors.As(err, &pm) || !strings.Contains(err.Error(), "previous date "+dates[0].String()+" has no silver partition; run it first") {
		t.Errorf("err = %v", err)
	}
	if ts := taskState(st, "silver_users"); ts.Attempts != 1 {
		t.Errorf("silver_users attempts %d: a depends_on_past failure is not retried", ts.Attempts)
	}
	if ts := taskState(st, "silver_tags"); ts.Status != dag.UpstreamFailed {
		t.Errorf("silver_tags %s, want upstream_failed", ts.Status)
	}
	s := summary(t, r, dates[1])
	if s.Layers.Bronze.Status != "SUCCESS" || s.Layers.Silver.Status != "FAILED" || s.OverallStatus != "FAILED" {
		t.Errorf("summary %+v", s)
	}
	for _, d := range dates {
		if _, err := r.Run(ctx, d, pipeline.Options{Force: true}); err != nil {
			t.Fatalf("run %s in order: %v", d, err)
		}
	}
	if _, err := r.Run(ctx, dates[0], pipeline.Options{Force: true}); err != nil {
		t.Fatalf("forced rerun of %s: %v", dates[0], err)
	}
	if s := summary(t, r, dates[0]); s.OverallStatus != "SUCCESS" {
		t.Errorf("rerun summary %+v", s)
	}
}
