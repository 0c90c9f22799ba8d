package pipeline_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/metalake/metalake/internal/dag"
	"github.com/metalake/metalake/internal/gold"
	"github.com/metalake/metalake/internal/lake"
	"github.com/metalake/metalake/internal/pipeline"
)

// exportFailure is an export error with a retry class, as the warehouse's are.
type exportFailure struct{ retry bool }

func (e exportFailure) Error() string   { return "warehouse postgres://u@h:5432/db: export failed" }
func (e exportFailure) Retryable() bool { return e.retry }

// TestExportWarehouseTask: with a warehouse configured, export_warehouse runs after
// validate_gold_outputs (and before the summary and the notification); a retryable failure is
// retried; a failure that is not fails the run and leaves the lake's gold committed; --resume
// reruns only the export and what follows it.
func TestExportWarehouseTask(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	r, dates := newRunner(t, 1)
	d := dates[0]
	var mu sync.Mutex
	var results []error
	var calls []lake.Date
	r.Warehouse = &pipeline.Warehouse{Retries: 2, Export: func(_ context.Context, day lake.Date) error {
		mu.Lock()
		defer mu.Unlock()
		calls = append(calls, day)
		if len(results) == 0 {
			return nil
		}
		err := results[0]
		results = results[1:]
		return err
	}}

	results = []error{exportFailure{retry: false}}
	st, err := r.Run(ctx, d, pipeline.Options{})
	var re *pipeline.RunError
	if !errors.As(err, &re) || re.Task != "export_warehouse" {
		t.Fatalf("run with a failing export: %v, want a RunError of export_warehouse", err)
	}
	exp, val, sum := taskState(st, "export_warehouse"), taskState(st, "validate_gold_outputs"), taskState(st, "pipeline_summary")
	if exp.Status != dag.Failed || exp.Attempts != 1 || val.Status != dag.Success {
		t.Errorf("export %+v (a non-retryable failure runs once), validation %+v", exp, val)
	}
	if exp.StartedAt.Before(*val.EndedAt) || sum.StartedAt.Before(*exp.EndedAt) {
		t.Errorf("export_warehouse must run after validate_gold_outputs and before pipeline_summary: %+v %+v %+v", val, exp, sum)
	}
	var v gold.Validation
	if err := r.Lake.GetJSON(ctx, gold.ValidationKey(d), &v); err != nil || v.OverallStatus != gold.StatusSuccess {
		t.Errorf("the lake's gold after a failed export: %+v %v", v, err)
	}
	if _, ok, err := r.Lake.ReadManifest(ctx, gold.FactDir("fact_dataset_owner_daily", d)); !ok || err != nil {
		t.Errorf("a failed export withdrew a fact partition (%v)", err)
	}

	summary := func() pipeline.PipelineSummary {
		var s pipeline.PipelineSummary
		if err := r.Lake.GetJSON(ctx, lake.ReportKey("", d, "pipeline_summary.json"), &s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	if s := summary(); s.OverallStatus != "FAILED" || s.Layers.Warehouse == nil || s.Layers.Warehouse.Status != "FAILED" {
		t.Errorf("summary after a failed export: overall %s, warehouse %+v; want FAILED, FAILED", s.OverallStatus, s.Layers.Warehouse)
	}

	results = []error{exportFailure{retry: true}}
	second, err := r.Run(ctx, d, pipeline.Options{Resume: true})
	if err != nil {
		t.Fatal(err)
	}
	if s := summary(); s.OverallStatus != "SUCCESS" || s.Layers.Warehouse == nil || s.Layers.Warehouse.Status != "SUCCESS" {
		t.Errorf("summary after the resumed export: overall %s, warehouse %+v; want SUCCESS, SUCCESS", s.OverallStatus, s.Layers.Warehouse)
	}
	if exp := taskState(second, "export_warehouse"); exp.Status != dag.Success || exp.Attempts != 2 {
		t.Errorf("export after resume %+v, want success on the second attempt", exp)
	}
	if before, after := taskState(st, "gold_dim_user"), taskState(second, "gold_dim_user"); !after.StartedAt.Equal(*before.StartedAt) {
		t.Errorf("resume rebuilt gold: %+v", after)
	}
	if len(calls) != 3 || calls[2] != d {
		t.Errorf("export calls %v", calls)
	}

	// Without a warehouse there is no such task.
	r.Warehouse = nil
	third, err := r.Run(ctx, d, pipeline.Options{Force: true})
	if err != nil {
		t.Fatal(err)
	}
	if ts := taskState(third, "export_warehouse"); ts.Task != "" {
		t.Errorf("export_warehouse without a warehouse: %+v", ts)
	}
	if s := summary(); s.OverallStatus != "SUCCESS" || s.Layers.Warehouse != nil {
		t.Errorf("summary without a warehouse: overall %s, warehouse %+v; want SUCCESS and no line", s.OverallStatus, s.Layers.Warehouse)
	}
}
