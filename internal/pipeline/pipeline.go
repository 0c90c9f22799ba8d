package pipeline

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/metalake/metalake/internal/bronze"
	"github.com/metalake/metalake/internal/contract"
	"github.com/metalake/metalake/internal/dag"
	"github.com/metalake/metalake/internal/engine"
	"github.com/metalake/metalake/internal/lake"
)

// Runner runs the pipeline for run dates. Lake, Engine and Contracts are required.
type Runner struct {
	Lake        *lake.Lake
	Engine      *engine.DuckDB
	Contracts   *contract.Set
	Log         *slog.Logger
	Now         func() time.Time
	Parallelism int
	// BronzeRetries is how often a retryable bronze failure is retried (SPEC: 1).
	BronzeRetries int
	RetryDelay    time.Duration
	// Observe, when set, receives every task status change (progress display).
	Observe func(date lake.Date, r dag.Result)
}

// Options of one run.
type Options struct {
	// Force reruns a date that already succeeded, replacing its outputs.
	Force bool
}

// ErrAlreadySucceeded is returned by Run when the date already succeeded and Force is off.
var ErrAlreadySucceeded = errors.New("already succeeded; use --force to rerun")

// RunError is a failed run: the first failed task and its error.
type RunError struct {
	RunDate string
	Task    string
	Err     error
}

func (e *RunError) Error() string {
	msg := e.Err.Error()
	if strings.Contains(msg, e.RunDate) {
		return fmt.Sprintf("%s failed: %s", e.Task, msg)
	}
	return fmt.Sprintf("%s %s failed: %s", e.Task, e.RunDate, msg)
}
func (e *RunError) Unwrap() error { return e.Err }

func (r *Runner) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

func (r *Runner) log() *slog.Logger {
	if r.Log != nil {
		return r.Log
	}
	return slog.New(slog.DiscardHandler)
}

// Run executes the DAG for d and returns its final state.
func (r *Runner) Run(ctx context.Context, d lake.Date, o Options) (RunState, error) {
	prev, ok, err := LoadState(ctx, r.Lake, d)
	if err != nil {
		return RunState{}, fmt.Errorf("run %s: read state: %w", d, err)
	}
	if ok && prev.Status == StatusSuccess && !o.Force {
		return prev, ErrAlreadySucceeded
	}
	reports := &reportSet{bronze: map[string]*bronze.Report{}}
	g, err := r.graph(d, reports)
	if err != nil {
		return RunState{}, err
	}
	st := RunState{RunDate: d.String(), Status: StatusRunning, StartedAt: r.now().UTC()}
	for _, id := range g.IDs() {
		st.Tasks = append(st.Tasks, TaskState{Task: id, Status: dag.Pending})
	}
	if err := saveState(ctx, r.Lake, st); err != nil {
		return st, fmt.Errorf("run %s: write state: %w", d, err)
	}
	var mu sync.Mutex
	results := g.Execute(ctx, dag.Options{
		Parallelism: r.Parallelism,
		Now:         r.now,
		Observe: func(res dag.Result) {
			if r.Observe != nil {
				r.Observe(d, res)
			}
			if res.Status == dag.Success || res.Status == dag.Failed {
				mu.Lock()
				defer mu.Unlock()
				st.Tasks = merge(st.Tasks, res)
				if err := saveState(ctx, r.Lake, st); err != nil {
					r.log().Error("write run state", "run_date", d.String(), "err", err)
				}
			}
		},
	})
	var first *RunError
	st.Tasks = nil
	for _, res := range g.Sorted(results) {
		st.Tasks = merge(st.Tasks, res)
		if res.Status == dag.Failed && first == nil {
			first = &RunError{RunDate: d.String(), Task: res.ID, Err: res.Err}
		}
	}
	end := r.now().UTC()
	st.FinishedAt = &end
	st.Status = StatusSuccess
	for _, t := range st.Tasks {
		if t.Status != dag.Success && t.Status != dag.Skipped {
			st.Status = StatusFailed
		}
	}
	if err := saveState(ctx, r.Lake, st); err != nil {
		return st, fmt.Errorf("run %s: write state: %w", d, err)
	}
	if first != nil {
		return st, first
	}
	if st.Status != StatusSuccess {
		return st, fmt.Errorf("run %s: not every task succeeded", d)
	}
	return st, nil
}

func merge(tasks []TaskState, res dag.Result) []TaskState {
	ts := TaskState{Task: res.ID, Status: res.Status, Attempts: res.Attempts}
	if !res.Start.IsZero() {
		s := res.Start.UTC()
		ts.StartedAt = &s
	}
	if !res.End.IsZero() {
		e := res.End.UTC()
		ts.EndedAt = &e
		ts.DurationS = float64(res.End.Sub(res.Start).Milliseconds()) / 1000
	}
	if res.Err != nil {
		ts.Error = res.Err.Error()
	}
	for i := range tasks {
		if tasks[i].Task == res.ID {
			tasks[i] = ts
			return tasks
		}
	}
	return append(tasks, ts)
}

// reportSet collects the reports tasks hand to later tasks within one run.
type reportSet struct {
	mu     sync.Mutex
	bronze map[string]*bronze.Report
}

func (s *reportSet) putBronze(r *bronze.Report) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.bronze[r.Table] = r
}
