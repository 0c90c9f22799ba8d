package pipeline

import (
	"context"
	"sync"

	"github.com/metalake/metalake/internal/dag"
	"github.com/metalake/metalake/internal/gold"
	"github.com/metalake/metalake/internal/lake"
)

// goldRun collects what the gold tasks of one run did, for the pipeline summary: gold is
// SUCCESS only when validate_gold_outputs passed in this run.
type goldRun struct {
	runID     string
	mu        sync.Mutex
	started   bool
	built     map[string]string // table → kind, for tables built in this run
	validated bool
}

// newGoldRun starts the gold bookkeeping of one run; runID is written to every fact row as
// pipeline_run_id (e.g. lake.NewAttemptID(r.now())).
func newGoldRun(runID string) *goldRun {
	return &goldRun{runID: runID, built: map[string]string{}}
}

// resumeFrom records what the attempt being resumed already did (done tasks do not run again).
func (g *goldRun) resumeFrom(done map[string]bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, t := range gold.Tables() {
		if done["gold_"+t.Name] {
			g.built[t.Name] = t.Kind
			g.started = true
		}
	}
	g.validated = done["validate_gold_outputs"]
}

// goldTasks declares the gold layer of run date d (SPEC §5–6): gold_{table} for every gold
// table — the dimensions after upstream (check_silver_completion), each fact and the bridge
// after the dimensions it reads — and validate_gold_outputs after all of them. The validation
// runs even when a gold task failed (all-done), so its report lists every problem of the date.
// Retryable (I/O) failures are retried r.GoldRetries times; a failed data-quality check, a
// missing input, a dimension integrity error or a failed validation never is.
func (r *Runner) goldTasks(d lake.Date, upstream string, run *goldRun) []dag.Task {
	job := &gold.Job{Lake: r.Lake, Engine: r.Engine, Log: r.log(), Now: r.Now, RunID: run.runID}
	var tasks []dag.Task
	var ids []string
	for _, t := range gold.Tables() {
		deps := []string{upstream}
		for _, dep := range t.Deps {
			deps = append(deps, "gold_"+dep)
		}
		id := "gold_" + t.Name
		ids = append(ids, id)
		table := t
		tasks = append(tasks, dag.Task{
			ID: id, Deps: deps, Retries: r.GoldRetries, RetryDelay: r.RetryDelay,
			Run: func(ctx context.Context) error {
				run.mu.Lock()
				run.started = true
				run.mu.Unlock()
				if err := job.Run(ctx, table.Name, d); err != nil {
					if table.Kind != gold.KindDimension {
						return r.forgetWithdrawn(ctx, err, lake.Gold, table.Name, d)
					}
					return err
				}
				run.mu.Lock()
				run.built[table.Name] = table.Kind
				run.mu.Unlock()
				return nil
			},
		}, r.catalogTaskOf(lake.Gold, t.Name, d, id, r.GoldRetries, t.Kind == gold.KindDimension))
		ids = append(ids, "catalog_gold_"+t.Name)
	}
	tasks = append(tasks, dag.Task{
		ID: "validate_gold_outputs", Deps: ids, AllDone: true,
		Run: func(ctx context.Context) error {
			if _, err := gold.Validate(ctx, r.Lake, d, r.now()); err != nil {
				return err
			}
			run.mu.Lock()
			run.validated = true
			run.mu.Unlock()
			return nil
		},
	})
	return tasks
}

// GoldLayer is the gold line of the pipeline summary (the plan's status, dimensions_built,
// facts_built): SUCCESS only when validate_gold_outputs passed in this run; FAILED when gold
// ran and did not get there; NOT_RUN when an upstream failure kept it from starting.
// facts_built counts the facts and the bridge.
type GoldLayer struct {
	Status          string `json:"status"`
	DimensionsBuilt int    `json:"dimensions_built"`
	FactsBuilt      int    `json:"facts_built"`
}

// summary is the gold line of the pipeline summary.
func (g *goldRun) summary() GoldLayer {
	g.mu.Lock()
	defer g.mu.Unlock()
	out := GoldLayer{Status: "NOT_RUN"}
	for _, kind := range g.built {
		if kind == gold.KindDimension {
			out.DimensionsBuilt++
		} else {
			out.FactsBuilt++
		}
	}
	switch {
	case g.validated:
		out.Status = "SUCCESS"
	case g.started:
		out.Status = "FAILED"
	}
	return out
}
