package dag_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/metalake/metalake/internal/dag"
)

type permanent struct{ error }

func (permanent) Retryable() bool { return false }

func noSleep(context.Context, time.Duration) error { return nil }

func TestRetriesFollowTheError(t *testing.T) {
	t.Parallel()
	var flaky, contract atomic.Int32
	g, err := dag.New(
		dag.Task{ID: "flaky", Retries: 2, Run: func(context.Context) error {
			if flaky.Add(1) < 3 {
				return errors.New("connection reset")
			}
			return nil
		}},
		dag.Task{ID: "contract", Retries: 2, Run: func(context.Context) error {
			contract.Add(1)
			return permanent{errors.New("rejection rate 0.2 > 0.1")}
		}},
		dag.Task{ID: "after_contract", Deps: []string{"contract"}, Run: func(context.Context) error { return nil }},
		dag.Task{ID: "summary", Deps: []string{"flaky", "after_contract"}, AllDone: true, Run: func(context.Context) error { return nil }},
	)
	if err != nil {
		t.Fatal(err)
	}
	res := g.Execute(context.Background(), dag.Options{Parallelism: 2, Sleep: noSleep})
	check := func(id, status string, attempts int) {
		t.Helper()
		if r := res[id]; r.Status != status || r.Attempts != attempts {
			t.Errorf("%s: status %s attempts %d, want %s %d", id, r.Status, r.Attempts, status, attempts)
		}
	}
	check("flaky", dag.Success, 3)
	check("contract", dag.Failed, 1)
	check("after_contract", dag.UpstreamFailed, 0)
	check("summary", dag.Success, 1)
}

func TestDoneTasksAreSkippedAndConcurrencyIsBounded(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	running, peak := 0, 0
	work := func(context.Context) error {
		mu.Lock()
		running++
		if running > peak {
			peak = running
		}
		mu.Unlock()
		time.Sleep(5 * time.Millisecond)
		mu.Lock()
		running--
		mu.Unlock()
		return nil
	}
	ran := map[string]bool{}
	var rmu sync.Mutex
	task := func(id string, deps ...string) dag.Task {
		return dag.Task{ID: id, Deps: deps, Run: func(ctx context.Context) error {
			rmu.Lock()
			ran[id] = true
			rmu.Unlock()
			return work(ctx)
		}}
	}
	g, err := dag.New(task("a"), task("b", "a"), task("c", "a"), task("d", "a"), task("e", "b", "c", "d"))
	if err != nil {
		t.Fatal(err)
	}
	res := g.Execute(context.Background(), dag.Options{Parallelism: 2, Done: map[string]bool{"a": true}})
	if ran["a"] || res["a"].Status != dag.Skipped {
		t.Errorf("done task ran: %+v", res["a"])
	}
	for _, id := range []string{"b", "c", "d", "e"} {
		if res[id].Status != dag.Success {
			t.Errorf("%s: %+v", id, res[id])
		}
	}
	if peak > 2 {
		t.Errorf("peak concurrency %d exceeds 2", peak)
	}
}

func TestInvalidGraphs(t *testing.T) {
	t.Parallel()
	run := func(context.Context) error { return nil }
	if _, err := dag.New(dag.Task{ID: "a", Deps: []string{"b"}, Run: run}, dag.Task{ID: "b", Deps: []string{"a"}, Run: run}); err == nil {
		t.Error("cycle accepted")
	}
	if _, err := dag.New(dag.Task{ID: "a", Deps: []string{"zzz"}, Run: run}); err == nil {
		t.Error("unknown dependency accepted")
	}
	if _, err := dag.New(dag.Task{ID: "a", Run: run}, dag.Task{ID: "a", Run: run}); err == nil {
		t.Error("duplicate id accepted")
	}
}

func TestPanicBecomesFailure(t *testing.T) {
	t.Parallel()
	g, _ := dag.New(dag.Task{ID: "boom", Retries: 3, Run: func(context.Context) error { panic("nil map") }})
	res := g.Execute(context.Background(), dag.Options{Sleep: noSleep})
	if res["boom"].Status != dag.Failed || res["boom"].Err == nil {
		t.Errorf("%+v", res["boom"])
	}
}

func TestDownstream(t *testing.T) {
	t.Parallel()
	run := func(context.Context) error { return nil }
	g, _ := dag.New(dag.Task{ID: "a", Run: run}, dag.Task{ID: "b", Deps: []string{"a"}, Run: run},
		dag.Task{ID: "c", Run: run}, dag.Task{ID: "d", Deps: []string{"b", "c"}, Run: run})
	got := g.Downstream("b")
	if len(got) != 2 || got[0] != "b" || got[1] != "d" {
		t.Errorf("Downstream(b) = %v", got)
	}
}

// TestFullDiskIsNotRetried: a task failing on a full, over-quota or read-only file system
// runs once whatever its retries, even when its error also says it is retryable; an ordinary
// I/O error is still retried.
func TestFullDiskIsNotRetried(t *testing.T) {
	t.Parallel()
	// A real one where the system has it: /dev/full answers every write with ENOSPC.
	full := error(&fs.PathError{Op: "write", Path: "/tmp/x/part-0.parquet", Err: syscall.ENOSPC})
	if err := os.WriteFile("/dev/full", []byte("x"), 0o644); err != nil {
		full = err
	}
	for _, tc := range []struct {
		name     string
		err      error
		attempts int
	}{
		{"no space left", fmt.Errorf("bronze users 2025-07-01: write: %w", full), 1},
		{"over quota", fmt.Errorf("upload: %w", &fs.PathError{Op: "write", Path: "x", Err: syscall.EDQUOT}), 1},
		{"read-only", &os.LinkError{Op: "rename", Old: "a", New: "b", Err: syscall.EROFS}, 1},
		{"says retryable but the disk is full", retryable{full}, 1},
		{"in a joined error", errors.Join(errors.New("catalog"), full), 1},
		{"connection reset", fmt.Errorf("upload: %w", syscall.ECONNRESET), 3},
		{"other I/O", &fs.PathError{Op: "open", Path: "x", Err: syscall.EIO}, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := dag.Exhausted(tc.err); got != (tc.attempts == 1) {
				t.Errorf("Exhausted(%v) = %v", tc.err, got)
			}
			g, err := dag.New(dag.Task{ID: "write", Retries: 2, Run: func(context.Context) error { return tc.err }})
			if err != nil {
				t.Fatal(err)
			}
			r := g.Execute(context.Background(), dag.Options{Sleep: noSleep})["write"]
			if r.Status != dag.Failed || r.Attempts != tc.attempts || !errors.Is(r.Err, tc.err) {
				t.Errorf("%s after %d attempts (%v), want failed after %d", r.Status, r.Attempts, r.Err, tc.attempts)
			}
		})
	}
}

type retryable struct{ error }

func (retryable) Retryable() bool { return true }
func (e retryable) Unwrap() error { return e.error }
