package serve_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/metalake/metalake/internal/schedule"
	"github.com/metalake/metalake/internal/serve"
)

// fakeClock advances only when the loop sleeps; the test cancels after a number of sleeps.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	sleeps int
	stopAt int
	cancel context.CancelFunc
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	c.sleeps++
	c.now = c.now.Add(d)
	stop := c.sleeps >= c.stopAt
	c.mu.Unlock()
	if stop {
		c.cancel()
		return ctx.Err()
	}
	return nil
}

func newLoop(t *testing.T, start string, now time.Time, stopAt int) (*serve.Loop, *fakeClock, *[]string, context.Context) {
	t.Helper()
	sched, err := schedule.New(schedule.Spec{Cron: "0 2 * * *", TZ: "Asia/Bangkok", Offset: 1, Start: start})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	clock := &fakeClock{now: now, stopAt: stopAt, cancel: cancel}
	var ran []string
	done := map[string]bool{}
	var mu sync.Mutex
	l := &serve.Loop{
		Schedule: sched,
		Done: func(_ context.Context, d string) (bool, error) {
			mu.Lock()
			defer mu.Unlock()
			return done[d], nil
		},
		RawReady: func(context.Context, string) (bool, error) { return true, nil },
		Run: func(_ context.Context, d string) error {
			mu.Lock()
			defer mu.Unlock()
			ran = append(ran, d)
			done[d] = true
			return nil
		},
		RawWait: time.Hour, RawPoll: 10 * time.Minute,
		Now: clock.Now, Sleep: clock.Sleep,
	}
	return l, clock, &ran, ctx
}

func TestCatchUpThenFireDailyWithoutDoubleRuns(t *testing.T) {
	t.Parallel()
	bangkok, _ := time.LoadLocation("Asia/Bangkok")
	// 2024-01-04 10:00 in Bangkok: the fires of 01-02, 01-03 and 01-04 (02:00) were missed.
	now := time.Date(2024, 1, 4, 10, 0, 0, 0, bangkok)
	l, _, ran, ctx := newLoop(t, "2024-01-01", now, 3)
	if err := l.Serve(ctx); err != nil {
		t.Fatal(err)
	}
	// Catch-up of the three missed days, then the fires of 01-05 and 01-06 (two sleeps), and
	// no date twice.
	want := []string{"2024-01-01", "2024-01-02", "2024-01-03", "2024-01-04", "2024-01-05"}
	if len(*ran) != len(want) {
		t.Fatalf("ran %v, want %v", *ran, want)
	}
	for i := range want {
		if (*ran)[i] != want[i] {
			t.Fatalf("ran %v, want %v", *ran, want)
		}
	}
}

func TestLateRawDataFailsAfterTheWaitAndNotifies(t *testing.T) {
	t.Parallel()
	now := time.Date(2024, 1, 2, 19, 30, 0, 0, time.UTC) // 02:30 on 01-03 in Bangkok
	l, clock, ran, ctx := newLoop(t, "2024-01-02", now, 100)
	l.RawReady = func(context.Context, string) (bool, error) { return false, nil }
	var failed []string
	var failErr error
	l.Fail = func(_ context.Context, d string, err error) {
		failed = append(failed, d)
		failErr = err
		clock.cancel()
	}
	if err := l.Serve(ctx); err != nil {
		t.Fatal(err)
	}
	if len(*ran) != 0 || len(failed) != 1 || failed[0] != "2024-01-02" || !errors.Is(failErr, serve.ErrRawLate) {
		t.Fatalf("ran %v failed %v (%v)", *ran, failed, failErr)
	}
	// One hour of waiting in 10-minute polls.
	if clock.sleeps != 6 {
		t.Errorf("%d polls, want 6", clock.sleeps)
	}
}
