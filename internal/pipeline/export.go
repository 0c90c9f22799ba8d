package pipeline

import (
	"context"

	"github.com/metalake/metalake/internal/dag"
	"github.com/metalake/metalake/internal/lake"
)

// Warehouse configures the export_warehouse task: once validate_gold_outputs has passed, the
// run date's gold is loaded into a warehouse (internal/warehouse, docs/WAREHOUSE.md).
type Warehouse struct {
	// Export loads run date d's gold in one transaction. Its error says whether a retry may
	// help (Retryable): a lost connection may, bad credentials or a refused schema change may
	// not.
	Export func(ctx context.Context, d lake.Date) error
	// Retries for retryable failures.
	Retries int
}

// exportTaskID is the task loading gold into the warehouse.
const exportTaskID = "export_warehouse"

// exportRun is the export's outcome in this run, for the pipeline summary: nil when no
// warehouse is configured.
type exportRun struct{ status string }

// newExportRun starts the outcome: SUCCESS when an earlier attempt that --resume continues
// already exported, else NOT_RUN until the task runs.
func (r *Runner) newExportRun(done map[string]bool) *exportRun {
	if r.Warehouse == nil || r.Warehouse.Export == nil {
		return nil
	}
	if done[exportTaskID] {
		return &exportRun{status: "SUCCESS"}
	}
	return &exportRun{status: "NOT_RUN"}
}

// summary is the warehouse line of the pipeline summary (nil without a warehouse).
func (e *exportRun) summary() *WarehouseLayer {
	if e == nil {
		return nil
	}
	return &WarehouseLayer{Status: e.status}
}

// exportTasks declares export_warehouse after after (validate_gold_outputs) when a warehouse
// is configured. Its failure fails the run; the lake's committed gold stays as it is (the
// load is one transaction in the warehouse and writes nothing into the lake's data).
func (r *Runner) exportTasks(d lake.Date, after string, st *exportRun) []dag.Task {
	if st == nil {
		return nil
	}
	return []dag.Task{{
		ID: exportTaskID, Deps: []string{after}, Retries: r.Warehouse.Retries, RetryDelay: r.RetryDelay,
		Run: func(ctx context.Context) error {
			st.status = "FAILED"
			if err := r.Warehouse.Export(ctx, d); err != nil {
				return err
			}
			st.status = "SUCCESS"
			return nil
		},
	}}
}

// exportIDs are the ids exportTasks declares (the summary waits for them).
func (r *Runner) exportIDs() []string {
	if r.Warehouse == nil || r.Warehouse.Export == nil {
		return nil
	}
	return []string{exportTaskID}
}
