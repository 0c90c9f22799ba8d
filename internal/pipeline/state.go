package pipeline

import (
	"context"
	"time"

	"github.com/metalake/metalake/internal/lake"
	"github.com/metalake/metalake/internal/storage"
)

// Run statuses (a run takes the status of its worst task).
const (
	StatusSuccess = "success"
	StatusFailed  = "failed"
	StatusRunning = "running"
	// StatusInterrupted is never stored: it is how a run (and its tasks) whose state says
	// running is shown when no live process holds the lake's lock — killed, or its machine
	// lost. The next run of the date (--resume or not) picks it up.
	StatusInterrupted = "interrupted"
)

// MarkInterrupted shows runs as interrupted (see StatusInterrupted): it rewrites the running
// runs and tasks of states read for display. Call it only when no live process holds the lock.
func MarkInterrupted(runs []RunState) {
	for i := range runs {
		if runs[i].Status != StatusRunning {
			continue
		}
		runs[i].Status = StatusInterrupted
		for j := range runs[i].Tasks {
			if runs[i].Tasks[j].Status == StatusRunning {
				runs[i].Tasks[j].Status = StatusInterrupted
			}
		}
	}
}

// RunState is the persisted record of one run date.
type RunState struct {
	RunDate    string      `json:"run_date"`
	Status     string      `json:"status"`
	StartedAt  time.Time   `json:"started_at"`
	FinishedAt *time.Time  `json:"finished_at,omitempty"`
	Tasks      []TaskState `json:"tasks"`
	// Stale says a rerun of an earlier date changed that date's outputs after this one ran.
	Stale       bool   `json:"stale,omitempty"`
	StaleReason string `json:"stale_reason,omitempty"`
	// MarkedStale lists the later dates this run made stale.
	MarkedStale []string `json:"marked_stale,omitempty"`
	// Fingerprint summarises the business content of the date's outputs ("rows:hash" per
	// table), to tell whether a rerun changed them.
	Fingerprint map[string]string `json:"fingerprint,omitempty"`
}

// TaskState is the latest state of one task.
type TaskState struct {
	Task      string     `json:"task"`
	Status    string     `json:"status"`
	Attempts  int        `json:"attempts"`
	StartedAt *time.Time `json:"started_at,omitempty"`
	EndedAt   *time.Time `json:"finished_at,omitempty"`
	DurationS float64    `json:"duration_s"`
	Error     string     `json:"error,omitempty"`
}

// LoadState reads the run state of d; ok is false when the date never ran.
func LoadState(ctx context.Context, lk *lake.Lake, d lake.Date) (st RunState, ok bool, err error) {
	err = lk.GetJSON(ctx, lake.StateKey(d), &st)
	if storage.IsNotFound(err) {
		return RunState{}, false, nil
	}
	return st, err == nil, err
}

func saveState(ctx context.Context, lk *lake.Lake, st RunState) error {
	d, err := lake.ParseDate(st.RunDate)
	if err != nil {
		return err
	}
	return lk.PutJSON(ctx, lake.StateKey(d), st)
}

// ListStates returns the persisted state of every run date, oldest first.
func ListStates(ctx context.Context, lk *lake.Lake) ([]RunState, error) {
	var keys []string
	if err := lk.B.Iter(ctx, "_state/runs/", func(name string) error {
		keys = append(keys, name)
		return nil
	}); err != nil {
		return nil, err
	}
	var out []RunState
	for _, k := range keys {
		var st RunState
		if err := lk.GetJSON(ctx, k, &st); err != nil {
			return nil, err
		}
		out = append(out, st)
	}
	return out, nil
}

// RecentStates returns the state of the last n run dates up to and including d, oldest
// first. Only their n objects are read (the listing is of names), so the cost does not grow
// with the lake's history.
func RecentStates(ctx context.Context, lk *lake.Lake, d lake.Date, n int) ([]RunState, error) {
	var keys []string
	last := lake.StateKey(d)
	if err := lk.B.Iter(ctx, "_state/runs/", func(name string) error {
		if name <= last {
			keys = append(keys, name)
		}
		return nil
	}); err != nil {
		return nil, err
	}
	if len(keys) > n {
		keys = keys[len(keys)-n:]
	}
	out := make([]RunState, 0, len(keys))
	for _, k := range keys {
		var st RunState
		if err := lk.GetJSON(ctx, k, &st); err != nil {
			return nil, err
		}
		out = append(out, st)
	}
	return out, nil
}
