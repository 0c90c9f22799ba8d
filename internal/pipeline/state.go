package pipeline

import (
	"context"
	"math/rand/v2"
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
	// Error is why a run whose tasks all succeeded still failed (its final stale check).
	Error string `json:"error,omitempty"`
	// Stale says a rerun of an earlier date changed that date's outputs after this one ran.
	Stale       bool   `json:"stale,omitempty"`
	StaleReason string `json:"stale_reason,omitempty"`
	// MarkedStale lists the later dates this run made stale.
	MarkedStale []string `json:"marked_stale,omitempty"`
	// Fingerprint summarises the business content of the date's outputs ("rows:hash" per
	// table, see Runner.Fingerprint), to tell whether a rerun changed them. It is recorded only
	// by a rerun of a date that later successful dates were computed from: while the rerun
	// runs (or after it failed), the outputs from before it, which the later dates were
	// computed from ("unknown" for a table that could not be read); once it succeeded, its new
	// outputs. Empty otherwise — the daily run of the newest date computes none.
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

// saveState writes st. The final state of a run (FinishedAt set) must land even when the run
// failed because its disk is full, so while a date runs on a local disk a reserve object holds
// room for it, and the final write gives that room back first (see keepReserve).
func saveState(ctx context.Context, lk *lake.Lake, st RunState) error {
	d, err := lake.ParseDate(st.RunDate)
	if err != nil {
		return err
	}
	if st.FinishedAt != nil {
		if onLocalDisk(lk) {
			if err := lk.B.Delete(ctx, lake.ReserveKey(d)); err != nil {
				return err
			}
		}
		return lk.PutJSON(ctx, lake.StateKey(d), st)
	}
	if err := lk.PutJSON(ctx, lake.StateKey(d), st); err != nil {
		return err
	}
	keepReserve(ctx, lk, d)
	return nil
}

// onLocalDisk reports whether the lake's objects are files on a local file system.
func onLocalDisk(lk *lake.Lake) bool {
	_, ok := lk.B.(storage.LocalPather)
	return ok
}

// reserveSize is the room kept for a run's final state: a few times a large one (about 50
// tasks with their errors: 10–20 KB), in whole blocks of any file system.
const reserveSize = 64 << 10

// keepReserve makes sure the reserve of the run of d exists. Only a lake on a local disk
// keeps one: the disk a run fills is the one its final state must be written to. An object
// store does not fill up that way. The reserve is best effort: a disk already too full for
// it fails the run soon enough on its own. Its bytes are random, so a compressing file system
// cannot store them in less room than the state will need.
func keepReserve(ctx context.Context, lk *lake.Lake, d lake.Date) {
	if !onLocalDisk(lk) {
		return
	}
	if ok, err := lk.B.Exists(ctx, lake.ReserveKey(d)); ok || err != nil {
		return
	}
	room := make([]byte, reserveSize)
	rand.NewChaCha8([32]byte{}).Read(room)
	_ = storage.PutBytes(ctx, lk.B, lake.ReserveKey(d), room)
}

// ListStates returns the persisted state of every run date, oldest first.
func ListStates(ctx context.Context, lk *lake.Lake) ([]RunState, error) {
	keys, err := stateKeys(ctx, lk, func(string) bool { return true })
	if err != nil {
		return nil, err
	}
	return readStates(ctx, lk, keys)
}

// RecentStates returns the state of the last n run dates up to and including d, oldest
// first. Only their n objects are read (the listing is of names), so the cost does not grow
// with the lake's history.
func RecentStates(ctx context.Context, lk *lake.Lake, d lake.Date, n int) ([]RunState, error) {
	last := lake.StateKey(d)
	keys, err := stateKeys(ctx, lk, func(name string) bool { return name <= last })
	if err != nil {
		return nil, err
	}
	if len(keys) > n {
		keys = keys[len(keys)-n:]
	}
	return readStates(ctx, lk, keys)
}

// stateKeys lists the names of the persisted run states that keep accepts, oldest first (state
// keys sort by date).
func stateKeys(ctx context.Context, lk *lake.Lake, keep func(name string) bool) ([]string, error) {
	var keys []string
	err := lk.B.Iter(ctx, "_state/runs/", func(name string) error {
		if keep(name) {
			keys = append(keys, name)
		}
		return nil
	})
	return keys, err
}

// readStates reads the run states named keys, in that order.
func readStates(ctx context.Context, lk *lake.Lake, keys []string) ([]RunState, error) {
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
