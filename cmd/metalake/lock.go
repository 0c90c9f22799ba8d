package main

import (
	"context"
	"errors"

	"github.com/metalake/metalake/internal/lake"
	"github.com/metalake/metalake/internal/lock"
)

// withLakeLock runs f while holding the lake's lock (one active run per lake, the plan's
// max_active_runs=1). Every command that writes into the lake takes it — run, and ingest and
// generate, whose raw files a run of the same date would otherwise read half old, half new. Another live run makes it fail at once with exit code 3; a lock left by
// a killed process is taken over (dead PID on this host, or an expired lease). If the lock is
// lost mid-run (another process took it over), the run is cancelled.
func (a *app) withLakeLock(ctx context.Context, lk *lake.Lake, runDate string, f func(ctx context.Context) error) error {
	l, err := lock.Acquire(ctx, lk.B, lock.Key, lock.Info{RunDate: runDate, Command: a.command}, lock.Options{Log: a.log})
	var held *lock.HeldError
	if errors.As(err, &held) {
		return &lockedError{err}
	}
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		select {
		case <-l.Lost():
			a.log.Error("lake lock lost; stopping the run", "err", l.Err())
			cancel()
		case <-ctx.Done():
		}
	}()
	runErr := f(ctx)
	if lost := l.Err(); errors.Is(lost, lock.ErrLost) && (runErr == nil || errors.Is(runErr, context.Canceled)) {
		// The run was stopped because the lock was lost: say that, not "interrupted".
		runErr = lost
	}
	if err := l.Release(context.WithoutCancel(ctx)); err != nil && runErr == nil {
		runErr = err
	}
	return runErr
}
