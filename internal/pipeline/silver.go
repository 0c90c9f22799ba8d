package pipeline

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/metalake/metalake/internal/dag"
	"github.com/metalake/metalake/internal/lake"
	"github.com/metalake/metalake/internal/silver"
)

// silverRun collects what the silver tasks of one run did, for the pipeline summary: a layer
// is SUCCESS only when it truly ran and passed in this run, never because of files left by an
// earlier one.
type silverRun struct {
	mu       sync.Mutex
	outputs  map[string]int64 // output rows of the tables that succeeded (in this run, or in the attempt a resume continues)
	complete bool             // check_silver_completion passed in this run
	started  bool
}

func (s *silverRun) put(rep *silver.Report) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.outputs[rep.Table] = rep.OutputCount
}

// silverTasks declares silver_{table} (ordered by the contracts' depends_on/after: users →
// datasets → {competitions, tags}, users → kernels), validate_silver_output, silver_dq and
// check_silver_completion, all after check_bronze_completion. Each silver table of D is
// computed incrementally from silver of the previous date with bronze (depends_on_past: a
// missing previous partition fails the task without retry, naming the date to run first).
func (r *Runner) silverTasks(d lake.Date, set *silver.Set, run *silverRun) []dag.Task {
	job := &silver.Job{Lake: r.Lake, Engine: r.Engine, Contracts: set, Log: r.log(), Now: r.Now}
	mode := silver.Incremental
	if r.SilverFull {
		mode = silver.Full
	}
	var tasks []dag.Task
	var ids []string
	for _, t := range set.Tables {
		deps := []string{"check_bronze_completion"}
		for _, u := range t.Upstream() {
			deps = append(deps, "silver_"+u)
		}
		id := "silver_" + t.Name
		ids = append(ids, id)
		table := t.Name
		tasks = append(tasks, dag.Task{
			ID: id, Deps: deps, Retries: r.SilverRetries, RetryDelay: r.RetryDelay,
			Run: func(ctx context.Context) error {
				run.mu.Lock()
				run.started = true
				run.mu.Unlock()
				rep, err := job.Run(ctx, table, d, mode)
				if err == nil {
					run.put(rep)
				}
				return err
			},
		}, r.catalogTask(lake.Silver, table, d, id, r.SilverRetries))
		ids = append(ids, "catalog_silver_"+table)
	}
	tasks = append(tasks,
		dag.Task{ID: "validate_silver_output", Deps: ids, Run: func(ctx context.Context) error {
			return silver.ValidateOutput(ctx, r.Lake, set, d)
		}},
		dag.Task{ID: "silver_dq", Deps: []string{"validate_silver_output"}, Retries: r.SilverRetries, RetryDelay: r.RetryDelay,
			Run: func(ctx context.Context) error {
				q := &silver.DQ{Lake: r.Lake, Engine: r.Engine, Contracts: set, Log: r.log(), Now: r.Now}
				_, err := q.Run(ctx, d)
				return err
			}},
		dag.Task{ID: "check_silver_completion", Deps: []string{"silver_dq"}, Run: func(ctx context.Context) error {
			if err := silver.CheckCompletion(ctx, r.Lake, set, d); err != nil {
				return err
			}
			run.mu.Lock()
			run.complete = true
			run.mu.Unlock()
			return nil
		}},
	)
	return tasks
}

// summary is the silver line of the pipeline summary.
func (s *silverRun) summary(set *silver.Set) SilverLayer {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := SilverLayer{Status: "NOT_RUN", TablesProcessed: len(s.outputs), Tables: map[string]int64{}}
	for t, n := range s.outputs {
		out.TotalOutput += n
		out.Tables[t] = n
	}
	switch {
	case s.complete && len(s.outputs) == len(set.Tables):
		out.Status = "SUCCESS"
	case s.started:
		out.Status = "FAILED"
	}
	return out
}

// resumeFrom records what the attempt being resumed already did (done tasks do not run again).
func (s *silverRun) resumeFrom(ctx context.Context, lk *lake.Lake, d lake.Date, done map[string]bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for id := range done {
		table, ok := strings.CutPrefix(id, "silver_")
		if !ok || table == "dq" {
			continue
		}
		rep, err := silver.ReadReport(ctx, lk, table, d)
		if err != nil {
			return fmt.Errorf("resume %s: %s succeeded earlier but its report is unreadable: %w", d, id, err)
		}
		s.outputs[table] = rep.OutputCount
		s.started = true
	}
	s.complete = done["check_silver_completion"]
	return nil
}
