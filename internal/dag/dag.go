// Package dag runs a graph of tasks declared as data: ids, dependencies, retries. Independent
// tasks run concurrently up to a bound; a task runs when all its dependencies succeeded (or
// were skipped as already done); a failed task marks everything downstream upstream_failed.
// Whether a failed attempt is retried is a property of its error (Retryable() bool), so a
// data-contract failure is not retried while an I/O failure is.
package dag

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"syscall"
	"time"
)

// Task statuses.
const (
	Pending        = "pending"
	Running        = "running"
	Success        = "success"
	Failed         = "failed"
	Skipped        = "skipped"
	UpstreamFailed = "upstream_failed"
)

// Task is one node of the graph.
type Task struct {
	ID   string
	Deps []string
	// Retries is how many times a retryable failure is retried (0: run once).
	Retries int
	// RetryDelay is the pause before each retry.
	RetryDelay time.Duration
	// AllDone makes the task run once every dependency has finished, whatever its status
	// (Airflow's all_done trigger rule): summaries and notifications run after failures too.
	AllDone bool
	Run     func(ctx context.Context) error
}

// Result is the outcome of one task.
type Result struct {
	ID       string
	Status   string
	Attempts int
	Start    time.Time
	End      time.Time
	Err      error
}

// Graph is a validated set of tasks.
type Graph struct {
	tasks map[string]Task
	order []string // declaration order, used to start ready tasks deterministically
}

// New validates tasks: unique ids, known dependencies, no cycles.
func New(tasks ...Task) (*Graph, error) {
	g := &Graph{tasks: map[string]Task{}}
	for _, t := range tasks {
		if t.ID == "" || t.Run == nil {
			return nil, fmt.Errorf("dag: task %q needs an id and a Run function", t.ID)
		}
		if _, dup := g.tasks[t.ID]; dup {
			return nil, fmt.Errorf("dag: task %q declared twice", t.ID)
		}
		g.tasks[t.ID] = t
		g.order = append(g.order, t.ID)
	}
	for _, t := range tasks {
		for _, d := range t.Deps {
			if _, ok := g.tasks[d]; !ok {
				return nil, fmt.Errorf("dag: task %q depends on unknown task %q", t.ID, d)
			}
		}
	}
	// Kahn's algorithm: every task must become ready.
	indeg := map[string]int{}
	for _, t := range tasks {
		indeg[t.ID] = len(t.Deps)
	}
	var ready []string
	for _, id := range g.order {
		if indeg[id] == 0 {
			ready = append(ready, id)
		}
	}
	seen := 0
	for len(ready) > 0 {
		id := ready[0]
		ready = ready[1:]
		seen++
		for _, o := range g.order {
			for _, d := range g.tasks[o].Deps {
				if d == id {
					indeg[o]--
					if indeg[o] == 0 {
						ready = append(ready, o)
					}
				}
			}
		}
	}
	if seen != len(tasks) {
		return nil, errors.New("dag: the tasks form a cycle")
	}
	return g, nil
}

// IDs lists the task ids in declaration order.
func (g *Graph) IDs() []string { return append([]string(nil), g.order...) }

// Deps returns a task's dependencies.
func (g *Graph) Deps(id string) []string { return g.tasks[id].Deps }

// Downstream returns ids and every task that depends on them, transitively, in declaration
// order.
func (g *Graph) Downstream(ids ...string) []string {
	mark := map[string]bool{}
	for _, id := range ids {
		mark[id] = true
	}
	for changed := true; changed; {
		changed = false
		for _, o := range g.order {
			if mark[o] {
				continue
			}
			for _, d := range g.tasks[o].Deps {
				if mark[d] {
					mark[o] = true
					changed = true
					break
				}
			}
		}
	}
	var out []string
	for _, o := range g.order {
		if mark[o] {
			out = append(out, o)
		}
	}
	return out
}

// Options control one execution.
type Options struct {
	// Parallelism bounds concurrently running tasks (< 1 means 1).
	Parallelism int
	// Done marks tasks that already succeeded in an earlier attempt (resume): they are not run
	// and count as satisfied dependencies (status skipped).
	Done map[string]bool
	// Observe is called on every status change (from several goroutines, serialised).
	Observe func(Result)
	// Sleep waits between retries (default: time.After honouring ctx); tests inject it.
	Sleep func(ctx context.Context, d time.Duration) error
	Now   func() time.Time
}

// Retryable reports whether a failure may succeed on retry. Cancellation never does, nor does
// a full, over-quota or read-only file system (see Exhausted); otherwise errors that say so
// (Retryable() bool) decide, and anything else (I/O, transient engine errors) is retried.
func Retryable(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) || Exhausted(err) {
		return false
	}
	var r interface{ Retryable() bool }
	if errors.As(err, &r) {
		return r.Retryable()
	}
	return true
}

// exhaustedErrnos are the storage failures no retry within a run can cure: nothing the run
// does frees space, raises a quota or remounts a file system, so retrying would only hold the
// lake lock while its own heartbeat fails on the same disk.
var exhaustedErrnos = []syscall.Errno{syscall.ENOSPC, syscall.EDQUOT, syscall.EROFS}

// Exhausted reports whether err says a write found its file system full (ENOSPC), over its
// quota (EDQUOT) or read-only (EROFS), anywhere in its chain. Go's file operations say so
// with the errno (*fs.PathError); the engine and the S3 backend translate their own reports
// (DuckDB's "IO Error: … No space left on device", an S3 store's InsufficientStorage) so that
// errors.Is finds the same errno (internal/engine, internal/storage).
func Exhausted(err error) bool {
	for _, e := range exhaustedErrnos {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// Execute runs the graph and returns every task's result, keyed by id.
func (g *Graph) Execute(ctx context.Context, o Options) map[string]Result {
	if o.Parallelism < 1 {
		o.Parallelism = 1
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Sleep == nil {
		o.Sleep = func(ctx context.Context, d time.Duration) error {
			select {
			case <-time.After(d):
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		}
	}
	var mu sync.Mutex
	results := map[string]Result{}
	set := func(r Result) {
		results[r.ID] = r
		if o.Observe != nil {
			o.Observe(r)
		}
	}
	mu.Lock()
	for _, id := range g.order {
		if o.Done[id] {
			set(Result{ID: id, Status: Skipped})
		} else {
			set(Result{ID: id, Status: Pending})
		}
	}
	mu.Unlock()

	finished := make(chan string)
	running := 0
	for {
		mu.Lock()
		// Propagate failures, then start every ready task in declaration order.
		for changed := true; changed; {
			changed = false
			for _, id := range g.order {
				if results[id].Status != Pending || g.tasks[id].AllDone {
					continue
				}
				for _, d := range g.tasks[id].Deps {
					if s := results[d].Status; s == Failed || s == UpstreamFailed {
						set(Result{ID: id, Status: UpstreamFailed, Err: fmt.Errorf("upstream task %s did not succeed", d)})
						changed = true
						break
					}
				}
			}
		}
		var ready []string
		for _, id := range g.order {
			if results[id].Status != Pending {
				continue
			}
			ok := true
			for _, d := range g.tasks[id].Deps {
				s := results[d].Status
				done := s == Success || s == Skipped
				if g.tasks[id].AllDone {
					done = s != Pending && s != Running
				}
				if !done {
					ok = false
					break
				}
			}
			if ok {
				ready = append(ready, id)
			}
		}
		for _, id := range ready {
			if running >= o.Parallelism {
				break
			}
			running++
			set(Result{ID: id, Status: Running, Start: o.Now()})
			go func(t Task) {
				r := g.runTask(ctx, t, o, func(r Result) {
					mu.Lock()
					set(r)
					mu.Unlock()
				})
				mu.Lock()
				set(r)
				mu.Unlock()
				finished <- t.ID
			}(g.tasks[id])
		}
		mu.Unlock()
		if running == 0 {
			break
		}
		<-finished
		running--
	}
	return results
}

func (g *Graph) runTask(ctx context.Context, t Task, o Options, progress func(Result)) Result {
	r := Result{ID: t.ID, Status: Running, Start: o.Now()}
	for {
		r.Attempts++
		if r.Attempts > 1 {
			progress(r)
		}
		err := ctx.Err()
		if err == nil {
			err = safeRun(ctx, t)
		}
		if err == nil {
			r.Status, r.End, r.Err = Success, o.Now(), nil
			return r
		}
		r.Err = err
		if r.Attempts > t.Retries || !Retryable(err) {
			r.Status, r.End = Failed, o.Now()
			return r
		}
		if serr := o.Sleep(ctx, t.RetryDelay); serr != nil {
			r.Status, r.End = Failed, o.Now()
			return r
		}
	}
}

// safeRun turns a panic in a task into its error so one bad task cannot take the run down
// without a record.
func safeRun(ctx context.Context, t Task) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("task %s panicked: %v", t.ID, p)
		}
	}()
	return t.Run(ctx)
}

// Sorted returns results in the graph's declaration order.
func (g *Graph) Sorted(results map[string]Result) []Result {
	out := make([]Result, 0, len(results))
	for _, id := range g.order {
		if r, ok := results[id]; ok {
			out = append(out, r)
		}
	}
	return out
}
