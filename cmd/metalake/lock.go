package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/metalake/metalake/internal/lake"
	"github.com/metalake/metalake/internal/lock"
)

// withLakeLock runs f while holding the lake's lock (one active run per lake, the plan's
// max_active_runs=1). Every command that writes into the lake takes it — run, and ingest and
// generate, whose raw files a run of the same date would otherwise read half old, half new. Another live run makes it fail at once with exit code 3; a lock left by
// a killed process is taken over (dead PID on this host, or an expired lease). If the lock is
// lost mid-run (another process took it over), the run is cancelled.
func (a *app) withLakeLock(ctx context.Context, lk *lake.Lake, runDate string, f func(ctx context.Context) error) error {
	l, err := lock.Acquire(ctx, lk.B, lock.Key, lock.Info{RunDate: runDate, Command: a.command}, lock.Options{Settle: a.cfg.Pipeline.LockSettle, Log: a.log})
	var held *lock.HeldError
	if errors.As(err, &held) {
		return &lockedError{err}
	}
	if errors.Is(err, lock.ErrTooSlow) {
		return fmt.Errorf("lake %s: %w: raise pipeline.lock_settle in metalake.yaml above twice the store's write latency", a.lakeURI, err)
	}
	if err != nil {
		return fmt.Errorf("lake %s: %w", a.lakeURI, err)
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
		runErr = fmt.Errorf("lake %s: %w", a.lakeURI, lost)
	}
	if err := l.Release(context.WithoutCancel(ctx)); err != nil && runErr == nil {
		runErr = fmt.Errorf("lake %s: %w", a.lakeURI, err)
	}
	return runErr
}
