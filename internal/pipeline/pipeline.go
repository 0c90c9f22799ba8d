package pipeline

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/metalake/metalake/internal/catalog"
	"github.com/metalake/metalake/internal/contract"
	"github.com/metalake/metalake/internal/dag"
	"github.com/metalake/metalake/internal/deps"
	"github.com/metalake/metalake/internal/engine"
	"github.com/metalake/metalake/internal/lake"
	"github.com/metalake/metalake/internal/notify"
)

// Runner runs the pipeline for run dates. Lake, Engine and Contracts are required.
type Runner struct {
	Lake *lake.Lake
	// Engine runs the layers (bronze, silver, gold) and their fingerprints.
	Engine engine.Engine
	// Local reads what the layers published for the tasks around them (monitor, catalog,
	// warehouse export, reports): the embedded engine, also when Engine is a remote one.
	// nil: Engine.
	Local       engine.Engine
	Contracts   *contract.Set
	Log         *slog.Logger
	Now         func() time.Time
	Parallelism int
	// BronzeRetries, SilverRetries and GoldRetries are how often a retryable failure of a
	// layer's task is retried (SPEC: 1, 2, 2). Data-contract failures are never retried.
	BronzeRetries int
	SilverRetries int
	GoldRetries   int
	// SilverFull recomputes silver from every bronze partition up to the date instead of
	// silver(previous date) + bronze(date): the fallback when a previous silver partition is
	// missing (the results are equal; it costs more the older the lake).
	SilverFull bool
	// Notifier receives the pipeline summary of every run (the notify task); nil: log only.
	Notifier   notify.Notifier
	RetryDelay time.Duration
	// Observe, when set, receives every task status change (progress display).
	Observe func(date lake.Date, r dag.Result)
	// Registrar, when set, publishes every crawled table to an external catalog (Glue) in the
	// catalog_{layer}_{table} tasks.
	Registrar catalog.Registrar
	// Warehouse, when set, adds the export_warehouse task (gold into PostgreSQL/Redshift).
	Warehouse *Warehouse
}

// local is the engine of the tasks around the layers (Local, else Engine).
func (r *Runner) local() engine.Engine {
	if r.Local != nil {
		return r.Local
	}
	return r.Engine
}

// Options of one run.
type Options struct {
	// Force reruns a date that already succeeded, replacing its outputs.
	Force bool
	// Resume reruns only the tasks of the date's last attempt that did not succeed, and
	// everything downstream of them. It cannot be combined with Force.
	Resume bool
}

// ErrResumeWithForce is returned by Run when both Resume and Force are set.
var ErrResumeWithForce = errors.New("--resume and --force cannot be combined: --force reruns everything, --resume only what did not succeed")

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

func (r *Runner) now() time.Time { return deps.Now(r.Now) }

func (r *Runner) log() *slog.Logger { return deps.Log(r.Log) }

// Run executes the DAG for d and returns its final state.
func (r *Runner) Run(ctx context.Context, d lake.Date, o Options) (RunState, error) {
	prev, ok, err := LoadState(ctx, r.Lake, d)
	if err != nil {
		return RunState{}, fmt.Errorf("run %s: read state: %w", d, err)
	}
	if o.Resume && o.Force {
		return RunState{}, ErrResumeWithForce
	}
	// A successful date is done, unless forced — or resumed after an upgrade added tasks that
	// its last attempt never ran (those run, with what depends on them).
	if ok && prev.Status == StatusSuccess && !o.Force && !o.Resume {
		return prev, ErrAlreadySucceeded
	}
	done := map[string]bool{}
	if o.Resume && ok {
		done = resumable(prev)
	}
	if len(done) > 0 {
		// A task that succeeded before but depends on one that did not must run again. The
		// graph's shape does not depend on done, so a first build tells what is downstream.
		shape, err := r.graph(ctx, d, nil)
		if err != nil {
			return RunState{}, err
		}
		var redo []string
		for _, id := range shape.IDs() {
			if !done[id] {
				redo = append(redo, id)
			}
		}
		// Every task succeeded: the date is done — unless its attempt never finished (killed,
		// or its final stale check failed), which the run below finishes without rerunning a
		// task.
		if len(redo) == 0 && prev.Status == StatusSuccess {
			return prev, ErrAlreadySucceeded
		}
		for _, id := range shape.Downstream(redo...) {
			delete(done, id)
		}
	}
	g, err := r.graph(ctx, d, done)
	if err != nil {
		return RunState{}, err
	}
	// A rerun of a date that later dates were computed from fingerprints its outputs before
	// changing them (nil for the newest date: nothing can go stale). The first saved state
	// keeps it, so an attempt that dies and is resumed still tells whether it changed them.
	before, err := r.beforeFingerprint(ctx, d, prev, ok)
	if err != nil {
		return RunState{}, fmt.Errorf("run %s: fingerprint the outputs before the rerun: %w", d, err)
	}
	st := RunState{RunDate: d.String(), Status: StatusRunning, StartedAt: r.now().UTC(), Fingerprint: before}
	for _, id := range g.IDs() {
		ts := TaskState{Task: id, Status: dag.Pending}
		if done[id] {
			ts = prevTask(prev, id)
		}
		st.Tasks = append(st.Tasks, ts)
	}
	if err := saveState(ctx, r.Lake, st); err != nil {
		return st, fmt.Errorf("run %s: write state: %w", d, err)
	}
	var mu sync.Mutex
	results := g.Execute(ctx, dag.Options{
		Done:        done,
		Parallelism: r.Parallelism,
		Now:         r.now,
		Observe: func(res dag.Result) {
			if r.Observe != nil {
				r.Observe(d, res)
			}
			if res.Status == dag.Success || res.Status == dag.Failed || res.Status == dag.Running {
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
		if done[res.ID] {
			// Resumed: the task's latest state is the earlier success (attempts unchanged).
			st.Tasks = append(st.Tasks, prevTask(prev, res.ID))
			continue
		}
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
	var staleErr error
	// Only a rerun that later successful dates were computed from has a fingerprint to
	// compare with (see beforeFingerprint); the daily run of the newest date skips this.
	if st.Status == StatusSuccess && len(before) > 0 {
		if err := r.markStale(ctx, d, before, &st); err != nil {
			// The outputs are committed but later dates may not be marked: the date is not
			// done. --resume reruns no task, only this check.
			staleErr = fmt.Errorf("run %s: stale check: %w", d, err)
			st.Status, st.Error = StatusFailed, staleErr.Error()
		}
	}
	if err := saveState(ctx, r.Lake, st); err != nil {
		err = fmt.Errorf("run %s: write state: %w", d, err)
		if first != nil {
			return st, errors.Join(first, err)
		}
		return st, errors.Join(staleErr, err)
	}
	if first != nil {
		return st, first
	}
	if staleErr != nil {
		return st, staleErr
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

// resumable returns the tasks of an earlier attempt that succeeded.
func resumable(prev RunState) map[string]bool {
	done := map[string]bool{}
	for _, t := range prev.Tasks {
		if t.Status == dag.Success || t.Status == dag.Skipped {
			done[t.Task] = true
		}
	}
	return done
}

func prevTask(prev RunState, id string) TaskState {
	for _, t := range prev.Tasks {
		if t.Task == id {
			return t
		}
	}
	return TaskState{Task: id, Status: dag.Skipped}
}
