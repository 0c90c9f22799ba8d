// Package serve is `metalake serve`: the scheduler loop and its read-only HTTP side.
//
// The loop (Loop) catches up missed run dates, then sleeps until each fire time of the
// schedule and runs the date it processes (Airflow's ds: the day before), waiting for late raw
// data up to a limit. Every dependency is injected (clock, sleep, the run itself) so the loop
// is tested without waiting for real time.
//
// The HTTP side (HTTP, http.go) serves the run grid, the HTML report of any date, the catalog,
// a rejects browser, Prometheus metrics and a health check, reading the lake through a view
// that refuses every write (ReadOnly). It binds loopback unless a token is set (CheckAddress).
package serve

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/metalake/metalake/internal/schedule"
)

// Loop runs a schedule. Schedule, Done, RawReady and Run are required.
type Loop struct {
	Schedule *schedule.Schedule
	// Done reports whether a run date already succeeded (it is then never run again).
	Done func(ctx context.Context, runDate string) (bool, error)
	// RawReady reports whether every raw table of a run date has arrived.
	RawReady func(ctx context.Context, runDate string) (bool, error)
	// Run runs one date.
	Run func(ctx context.Context, runDate string) error
	// Fail is told about a date that could not run (raw data late beyond RawWait, or the run
	// failed) so it can notify. Optional.
	Fail func(ctx context.Context, runDate string, err error)
	// RawWait bounds the wait for late raw data; RawPoll is how often it looks again.
	RawWait, RawPoll time.Duration
	Now              func() time.Time
	Sleep            func(ctx context.Context, d time.Duration) error
	Log              *slog.Logger
}

// ErrRawLate is wrapped by the failure of a date whose raw data did not arrive in time.
var ErrRawLate = errors.New("raw data did not arrive in time")

// Serve catches up, then runs each fire of the schedule until ctx is cancelled (SIGTERM), when
// it returns nil. A failed date is reported through Fail and does not stop the loop.
func (l *Loop) Serve(ctx context.Context) error {
	l.defaults()
	for {
		if err := l.catchUp(ctx); err != nil {
			return err
		}
		next := l.Schedule.Next(l.Now())
		l.Log.Info("waiting for the next run", "fire", next.Format(time.RFC3339), "run_date", l.Schedule.RunDate(next))
		if err := l.Sleep(ctx, next.Sub(l.Now())); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
	}
}

// catchUp runs every due date that has not succeeded, oldest first.
func (l *Loop) catchUp(ctx context.Context) error {
	var doneErr error
	due := l.Schedule.Due(l.Now(), func(d string) bool {
		ok, err := l.Done(ctx, d)
		if err != nil && doneErr == nil {
			doneErr = err
		}
		return ok
	})
	if doneErr != nil {
		return fmt.Errorf("serve: read run state: %w", doneErr)
	}
	for _, d := range due {
		if ctx.Err() != nil {
			return nil
		}
		if err := l.runDate(ctx, d); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			l.Log.Error("run failed", "run_date", d, "err", err)
			if l.Fail != nil {
				l.Fail(ctx, d, err)
			}
		}
	}
	return nil
}

// runDate waits for the raw data of d (up to RawWait) and runs it.
func (l *Loop) runDate(ctx context.Context, d string) error {
	deadline := l.Now().Add(l.RawWait)
	for {
		ok, err := l.RawReady(ctx, d)
		if err != nil {
			return err
		}
		if ok {
			break
		}
		if !l.Now().Before(deadline) {
			return fmt.Errorf("run %s: %w (waited %s)", d, ErrRawLate, l.RawWait)
		}
		wait := min(l.RawPoll, deadline.Sub(l.Now()))
		l.Log.Info("raw data not there yet; waiting", "run_date", d, "retry_in", wait.String())
		if err := l.Sleep(ctx, wait); err != nil {
			return err
		}
	}
	return l.Run(ctx, d)
}

func (l *Loop) defaults() {
	if l.Now == nil {
		l.Now = time.Now
	}
	if l.Sleep == nil {
		l.Sleep = func(ctx context.Context, d time.Duration) error {
			t := time.NewTimer(d)
			defer t.Stop()
			select {
			case <-t.C:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		}
	}
	if l.Log == nil {
		l.Log = slog.New(slog.DiscardHandler)
	}
	if l.RawPoll <= 0 {
		l.RawPoll = 5 * time.Minute
	}
}
