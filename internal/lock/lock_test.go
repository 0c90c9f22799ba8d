package lock_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/metalake/metalake/internal/lake"
	"github.com/metalake/metalake/internal/lock"
	"github.com/metalake/metalake/internal/storage"
)

// clock is a settable test clock, safe for the heartbeat goroutine.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock(s string) *clock {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return &clock{t: t}
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *clock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// backends runs f against every bucket implementation the lock must work on.
func backends(t *testing.T, f func(t *testing.T, b storage.Bucket)) {
	t.Helper()
	t.Run("memory", func(t *testing.T) {
		t.Parallel()
		f(t, storage.NewMemory())
	})
	t.Run("local", func(t *testing.T) {
		t.Parallel()
		b, err := storage.NewLocal(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		f(t, b)
	})
}

// fast keeps tests quick: a short settle is safe for in-process buckets.
func fast(c *clock) lock.Options {
	return lock.Options{TTL: time.Minute, Heartbeat: 15 * time.Second, Settle: 20 * time.Millisecond, Now: c.Now}
}

func acquire(t *testing.T, b storage.Bucket, info lock.Info, o lock.Options) *lock.Lock {
	t.Helper()
	l, err := lock.Acquire(context.Background(), b, lock.Key, info, o)
	if err != nil {
		t.Fatalf("Acquire(%+v): %v", info, err)
	}
	t.Cleanup(func() { _ = l.Release(context.Background()) })
	return l
}

func mustRead(t *testing.T, b storage.Bucket) lock.Info {
	t.Helper()
	info, ok, err := lock.Read(context.Background(), b, lock.Key)
	if err != nil || !ok {
		t.Fatalf("Read: ok=%v err=%v, want a lock", ok, err)
	}
	return info
}

func heldError(t *testing.T, err error) *lock.HeldError {
	t.Helper()
	var he *lock.HeldError
	if !errors.As(err, &he) {
		t.Fatalf("error = %v, want *lock.HeldError", err)
	}
	return he
}

func waitClosed(t *testing.T, ch <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(10 * time.Second):
		t.Fatalf("%s did not happen within 10s", what)
	}
}

func TestAcquireRelease(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, b storage.Bucket) {
		c := newClock("2026-11-27T10:00:00Z")
		l, err := lock.Acquire(context.Background(), b, lock.Key, lock.Info{RunDate: "2024-01-15"}, fast(c))
		if err != nil {
			t.Fatal(err)
		}
		got := mustRead(t, b)
		host, _ := os.Hostname()
		if got.Owner == "" || got.Owner != l.Info().Owner {
			t.Errorf("stored owner %q, lock owner %q: want the same non-empty token", got.Owner, l.Info().Owner)
		}
		if got.Host != host || got.PID != os.Getpid() || got.RunDate != "2024-01-15" {
			t.Errorf("stored %+v, want host %s pid %d run date 2024-01-15", got, host, os.Getpid())
		}
		if !got.AcquiredAt.Equal(c.Now()) || !got.HeartbeatAt.Equal(c.Now()) {
			t.Errorf("stored times %s/%s, want the injected clock %s", got.AcquiredAt, got.HeartbeatAt, c.Now())
		}
		if err := l.Release(context.Background()); err != nil {
			t.Fatalf("Release: %v", err)
		}
		if _, ok, err := lock.Read(context.Background(), b, lock.Key); ok || err != nil {
			t.Fatalf("after Release: ok=%v err=%v, want no lock", ok, err)
		}
		if err := l.Release(context.Background()); err != nil {
			t.Errorf("second Release = %v, want nil", err)
		}
		// Free again: the next run takes it.
		acquire(t, b, lock.Info{RunDate: "2024-01-16"}, fast(c))
	})
}

func TestSecondAcquireRefused(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, b storage.Bucket) {
		c := newClock("2026-11-27T10:00:00Z")
		first := acquire(t, b, lock.Info{RunDate: "2024-01-15", Host: "x"}, fast(c))
		c.Add(30 * time.Second)

		// Same host, live PID: refused; another host within the lease: refused too.
		for _, host := range []string{"x", "y"} {
			_, err := lock.Acquire(context.Background(), b, lock.Key, lock.Info{RunDate: "2024-01-16", Host: host}, fast(c))
			he := heldError(t, err)
			want := fmt.Sprintf("lake is locked by a run of 2024-01-15 started 2026-11-27T10:00:00Z (pid %d on host x); wait for it or check metalake status", os.Getpid())
			if err.Error() != want {
				t.Errorf("from host %s: error %q, want %q", host, err, want)
			}
			if he.Holder.Owner != first.Info().Owner {
				t.Errorf("HeldError names owner %q, want the holder %q", he.Holder.Owner, first.Info().Owner)
			}
		}
		if got := mustRead(t, b); got.Owner != first.Info().Owner {
			t.Errorf("refused acquires changed the lock owner to %q", got.Owner)
		}
	})
}

func TestTakeOver(t *testing.T) {
	t.Parallel()
	deadPID := exitedPID(t)
	tests := []struct {
		name     string
		holder   lock.Info // written as the stored lock
		age      time.Duration
		host     string // the contender's host
		alive    func(lock.Info) bool
		takeOver bool
	}{
		{name: "other host, lease fresh", holder: lock.Info{Host: "a", PID: os.Getpid()}, age: 59 * time.Second, host: "b"},
		{name: "other host, lease expired", holder: lock.Info{Host: "a", PID: os.Getpid()}, age: time.Minute, host: "b", takeOver: true},
		{name: "same host, dead pid, lease fresh", holder: lock.Info{Host: "h", PID: deadPID}, age: 0, host: "h", takeOver: true},
		{name: "other host, dead pid there means nothing here", holder: lock.Info{Host: "a", PID: deadPID}, age: 0, host: "h"},
		{name: "same host, live pid, lease expired", holder: lock.Info{Host: "h", PID: os.Getpid()}, age: time.Hour, host: "h"},
		{name: "custom Alive says dead", holder: lock.Info{Host: "h", PID: os.Getpid()}, age: 0, host: "h",
			alive: func(lock.Info) bool { return false }, takeOver: true},
		{name: "custom Alive says alive", holder: lock.Info{Host: "h", PID: deadPID}, age: time.Hour, host: "h",
			alive: func(lock.Info) bool { return true }},
		{name: "custom Alive is not asked about other hosts", holder: lock.Info{Host: "a", PID: os.Getpid()}, age: time.Hour, host: "h",
			alive: func(lock.Info) bool { return true }, takeOver: true},
	}
	if runtime.GOOS == "linux" {
		tests = append(tests, struct {
			name     string
			holder   lock.Info
			age      time.Duration
			host     string
			alive    func(lock.Info) bool
			takeOver bool
		}{name: "same host, pid reused by another process", holder: lock.Info{Host: "h", PID: os.Getpid(), Proc: "another-boot:1"}, age: 0, host: "h", takeOver: true})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			backends(t, func(t *testing.T, b storage.Bucket) {
				c := newClock("2026-11-27T10:00:00Z")
				stale := tt.holder
				stale.Owner, stale.RunDate = "stale-owner", "2024-01-14"
				stale.AcquiredAt, stale.HeartbeatAt = c.Now().Add(-tt.age), c.Now().Add(-tt.age)
				if err := lake.New(b).PutJSON(context.Background(), lock.Key, stale); err != nil {
					t.Fatal(err)
				}
				o := fast(c)
				o.Alive = tt.alive
				l, err := lock.Acquire(context.Background(), b, lock.Key, lock.Info{RunDate: "2024-01-15", Host: tt.host}, o)
				if !tt.takeOver {
					if he := heldError(t, err); he.Holder.Owner != "stale-owner" {
						t.Errorf("HeldError holder %q, want stale-owner", he.Holder.Owner)
					}
					return
				}
				if err != nil {
					t.Fatalf("Acquire over %+v: %v, want a take-over", stale, err)
				}
				defer l.Release(context.Background())
				if got := mustRead(t, b); got.Owner != l.Info().Owner || got.RunDate != "2024-01-15" {
					t.Errorf("after take-over the lock is %+v, want ours", got)
				}
			})
		})
	}
}

// exitedPID returns the PID of a process that has exited.
func exitedPID(t *testing.T) int {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "-test.run=^$")
	if err := cmd.Run(); err != nil {
		t.Fatalf("run a short-lived process: %v", err)
	}
	return cmd.Process.Pid
}

func TestConcurrentAcquireOneWins(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, b storage.Bucket) {
		c := newClock("2026-11-27T10:00:00Z")
		o := fast(c)
		o.Settle = lock.DefaultSettle
		const n = 8
		var (
			wg      sync.WaitGroup
			startCh = make(chan struct{})
			locks   = make([]*lock.Lock, n)
			errs    = make([]error, n)
		)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-startCh
				// Half on another host, so both the lease and the PID check are exercised.
				info := lock.Info{RunDate: "2024-01-15", Host: fmt.Sprintf("host-%d", i%2)}
				locks[i], errs[i] = lock.Acquire(context.Background(), b, lock.Key, info, o)
			}()
		}
		close(startCh)
		wg.Wait()

		var winner *lock.Lock
		for i := range n {
			if errs[i] == nil {
				if winner != nil {
					t.Fatalf("two winners: %s and %s", winner.Info().Owner, locks[i].Info().Owner)
				}
				winner = locks[i]
			}
		}
		if winner == nil {
			t.Fatalf("no winner; errors: %v", errs)
		}
		defer winner.Release(context.Background())
		for i, err := range errs {
			if err == nil {
				continue
			}
			// A loser may be refused by another racer that lost later; it is always a racer.
			if he := heldError(t, err); he.Holder.Owner == "" || he.Holder.RunDate != "2024-01-15" {
				t.Errorf("loser %d was refused by %+v, want one of the racers", i, he.Holder)
			}
		}
		if got := mustRead(t, b); got.Owner != winner.Info().Owner {
			t.Errorf("stored owner %q, want the winner %q", got.Owner, winner.Info().Owner)
		}
	})
}

func TestReleaseKeepsSomeoneElsesLock(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, b storage.Bucket) {
		c := newClock("2026-11-27T10:00:00Z")
		l, err := lock.Acquire(context.Background(), b, lock.Key, lock.Info{RunDate: "2024-01-15", Host: "a"}, fast(c))
		if err != nil {
			t.Fatal(err)
		}
		// Our process stalls past the lease; a run on another host takes over.
		c.Add(2 * time.Minute)
		other, err := lock.Acquire(context.Background(), b, lock.Key, lock.Info{RunDate: "2024-01-16", Host: "b"}, fast(c))
		if err != nil {
			t.Fatalf("take-over of an expired lease: %v", err)
		}
		defer other.Release(context.Background())

		err = l.Release(context.Background())
		if !errors.Is(err, lock.ErrLost) || !strings.Contains(err.Error(), "2024-01-16") {
			t.Errorf("Release of a lock taken over = %v, want ErrLost naming the new run 2024-01-16", err)
		}
		if got := mustRead(t, b); got.Owner != other.Info().Owner {
			t.Errorf("after the old holder's Release the lock is %+v, want the new owner's", got)
		}
		if l.Err() == nil {
			t.Error("Err() = nil after losing the lock")
		}
	})
}

func TestHeartbeatKeepsLockPastTTL(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, b storage.Bucket) {
		c := newClock("2026-11-27T10:00:00Z")
		o := fast(c)
		o.Heartbeat = 5 * time.Millisecond // real time; lease times follow the test clock
		l := acquire(t, b, lock.Info{RunDate: "2024-01-15", Host: "a"}, o)

		// The run lasts 10 TTLs; the heartbeat refreshes the lease as the clock moves. Each step
		// waits for the refresh, so a refresh sees at most two steps (half the TTL) of its lease
		// gone: a step of a whole TTL would be a stall, which loses the lock.
		for range 40 {
			c.Add(o.TTL / 4)
			want := c.Now()
			deadline := time.Now().Add(10 * time.Second)
			for !mustRead(t, b).HeartbeatAt.Equal(want) {
				if time.Now().After(deadline) {
					t.Fatalf("heartbeat did not refresh the lock to %s within 10s", want)
				}
				time.Sleep(time.Millisecond)
			}
		}
		_, err := lock.Acquire(context.Background(), b, lock.Key, lock.Info{RunDate: "2024-01-16", Host: "b"}, fast(c))
		if he := heldError(t, err); he.Holder.Owner != l.Info().Owner {
			t.Errorf("refused by %q, want the long run %q", he.Holder.Owner, l.Info().Owner)
		}
		if got := mustRead(t, b); !got.AcquiredAt.Equal(newClock("2026-11-27T10:00:00Z").Now()) {
			t.Errorf("heartbeat changed AcquiredAt to %s", got.AcquiredAt)
		}
		if l.Err() != nil {
			t.Errorf("Err() = %v while held", l.Err())
		}
	})
}

// TestHeartbeatDetectsAnotherOwner: a run on another host takes the lock over, or someone
// removes it, once the holder's lease has expired (as the protocol allows); the heartbeat
// closes Lost and writes nothing back.
func TestHeartbeatDetectsAnotherOwner(t *testing.T) {
	t.Parallel()
	// Which loss the heartbeat reports depends on whether it refreshes between the clock's jump
	// and the tamper (the lease expired) or after it (what it read).
	const expired = "the lease expired"
	tests := []struct {
		name      string
		tamper    func(b storage.Bucket) error
		wantErr   []string // any of them
		wantOwner string   // of the lock object afterwards; "" for none
	}{
		{"taken over", func(b storage.Bucket) error {
			return lake.New(b).PutJSON(context.Background(), lock.Key, lock.Info{Owner: "intruder", RunDate: "2024-02-01", Host: "z", PID: 7})
		}, []string{"taken over by a run of 2024-02-01 (pid 7 on host z)", expired}, "intruder"},
		{"removed", func(b storage.Bucket) error { return b.Delete(context.Background(), lock.Key) }, []string{"was removed", expired}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			backends(t, func(t *testing.T, b storage.Bucket) {
				c := newClock("2026-11-27T10:00:00Z")
				o := fast(c)
				o.Heartbeat = 5 * time.Millisecond
				l := acquire(t, b, lock.Info{RunDate: "2024-01-15"}, o)

				// The holder stalls past its lease. A refresh that passed its check before the
				// jump lands before anyone takes over (the protocol's settle delay exceeds the
				// store's write latency; this clock jumps at once), so wait for it: Info waits
				// for a refresh in progress.
				c.Add(o.TTL + time.Second)
				l.Info()
				if err := tt.tamper(b); err != nil {
					t.Fatal(err)
				}
				waitClosed(t, l.Lost(), "Lost")
				err := l.Err()
				if !errors.Is(err, lock.ErrLost) || !containsAny(err.Error(), tt.wantErr) {
					t.Errorf("Err() = %v, want ErrLost containing one of %q", err, tt.wantErr)
				}
				// The heartbeat must not write ours back over the new state.
				info, ok, err := lock.Read(context.Background(), b, lock.Key)
				if err != nil || info.Owner != tt.wantOwner || ok != (tt.wantOwner != "") {
					t.Errorf("after losing, lock = %+v (ok=%v, err=%v), want owner %q: the lost holder wrote it back", info, ok, err, tt.wantOwner)
				}
			})
		})
	}
}

func containsAny(s string, subs []string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

func TestRefresh(t *testing.T) {
	t.Parallel()
	b := storage.NewMemory()
	c := newClock("2026-11-27T10:00:00Z")
	o := fast(c)
	o.Heartbeat = 59 * time.Second // never ticks during the test
	l := acquire(t, b, lock.Info{RunDate: "2024-01-15"}, o)
	c.Add(45 * time.Second)
	if err := l.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := mustRead(t, b).HeartbeatAt; !got.Equal(c.Now()) {
		t.Errorf("HeartbeatAt = %s after Refresh, want %s", got, c.Now())
	}
}

// TestRefreshAfterTheLeaseLapsed: a holder that stalled (GC pause, SIGSTOP, a slow store) until
// less than the settle delay of its lease was left loses the lock at its next refresh and
// writes nothing, neither over a run that took over nor over its own stale lock; Release then
// deletes nothing, and the stale lock is taken over once its lease has expired.
func TestRefreshAfterTheLeaseLapsed(t *testing.T) {
	t.Parallel()
	const lapsed = "the lease expired before it could be refreshed: no heartbeat since 2026-11-27T10:00:00Z"
	c0 := newClock("2026-11-27T10:00:00Z")
	o0 := fast(c0)
	tests := []struct {
		name     string
		stall    time.Duration // of the holder's clock since its last heartbeat
		takeOver bool          // a run on another host takes the lock over after the stall
		wantErr  string        // "" when the refresh renews the lease
	}{
		{name: "just inside the lease", stall: o0.TTL - o0.Settle - time.Millisecond},
		{name: "within the settle delay of the lease's end", stall: o0.TTL - o0.Settle/2, wantErr: lapsed},
		{name: "past the lease", stall: o0.TTL + time.Second, wantErr: lapsed},
		{name: "past the lease, taken over", stall: 2 * o0.TTL, takeOver: true, wantErr: "taken over by a run of 2024-01-16"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			backends(t, func(t *testing.T, b storage.Bucket) {
				ctx := context.Background()
				c := newClock("2026-11-27T10:00:00Z")
				o := fast(c)
				o.Heartbeat = 59 * time.Second // never ticks during the test: Refresh is called here
				l := acquire(t, b, lock.Info{RunDate: "2024-01-15", Host: "a"}, o)
				c.Add(tt.stall)
				if tt.takeOver {
					acquire(t, b, lock.Info{RunDate: "2024-01-16", Host: "b"}, fast(c))
				}
				before := mustRead(t, b)

				err := l.Refresh(ctx)
				if tt.wantErr == "" {
					if err != nil {
						t.Fatalf("Refresh %s after the last heartbeat: %v", tt.stall, err)
					}
					if got := mustRead(t, b); got.Owner != l.Info().Owner || !got.HeartbeatAt.Equal(c.Now()) {
						t.Errorf("after Refresh the lock is %+v, want ours refreshed at %s", got, c.Now())
					}
					return
				}
				if !errors.Is(err, lock.ErrLost) || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Refresh %s after the last heartbeat = %v, want ErrLost containing %q", tt.stall, err, tt.wantErr)
				}
				select {
				case <-l.Lost():
				default:
					t.Error("Lost is open after Refresh lost the lock")
				}
				if err := l.Refresh(ctx); !errors.Is(err, lock.ErrLost) {
					t.Errorf("second Refresh = %v, want ErrLost", err)
				}
				if err := l.Release(ctx); !errors.Is(err, lock.ErrLost) {
					t.Errorf("Release = %v, want ErrLost", err)
				}
				if got := mustRead(t, b); got.Owner != before.Owner || !got.HeartbeatAt.Equal(before.HeartbeatAt) {
					t.Errorf("after the lost holder's Refresh and Release the lock is %+v, want it untouched (%+v)", got, before)
				}
				if !tt.takeOver {
					// The stale lock is the next run's once its lease has expired.
					c.Add(o.TTL)
					acquire(t, b, lock.Info{RunDate: "2024-01-16", Host: "b"}, fast(c))
				}
			})
		})
	}
}

// slowUploads is a store whose uploads take stall on the test clock.
type slowUploads struct {
	storage.Bucket
	c     *clock
	stall time.Duration
}

func (s *slowUploads) Upload(ctx context.Context, name string, r io.Reader) error {
	err := s.Bucket.Upload(ctx, name, r)
	s.c.Add(s.stall)
	return err
}

// TestRefreshReturningAfterTheLease: a refresh whose write returns only after the lease ended
// may have landed over a run that took over and confirmed it meanwhile, so it renews nothing:
// the lock is lost and Release leaves the object alone.
func TestRefreshReturningAfterTheLease(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, b storage.Bucket) {
		ctx := context.Background()
		c := newClock("2026-11-27T10:00:00Z")
		o := fast(c)
		o.Heartbeat = 59 * time.Second // never ticks during the test
		slow := &slowUploads{Bucket: b, c: c}
		l := acquire(t, slow, lock.Info{RunDate: "2024-01-15", Host: "a"}, o)
		c.Add(45 * time.Second)
		slow.stall = 30 * time.Second

		err := l.Refresh(ctx)
		const want = "the lease expired while it was being refreshed: no heartbeat since 2026-11-27T10:00:00Z"
		if !errors.Is(err, lock.ErrLost) || !strings.Contains(err.Error(), want) {
			t.Fatalf("Refresh returning after the lease = %v, want ErrLost containing %q", err, want)
		}
		if l.Err() == nil {
			t.Error("Err() = nil after a refresh that returned after the lease")
		}
		written := mustRead(t, b)
		if err := l.Release(ctx); !errors.Is(err, lock.ErrLost) {
			t.Errorf("Release = %v, want ErrLost", err)
		}
		if got := mustRead(t, b); got.Owner != written.Owner || !got.HeartbeatAt.Equal(written.HeartbeatAt) {
			t.Errorf("Release of a lost lock changed it to %+v, want %+v left alone", got, written)
		}
	})
}

// slowWrites is a store whose first n uploads (all, when n < 0) take delay of real time, as
// a store does when a request is retried after a connection reset.
type slowWrites struct {
	storage.Bucket
	delay time.Duration
	mu    sync.Mutex
	n     int
}

func (s *slowWrites) Upload(ctx context.Context, name string, r io.Reader) error {
	s.mu.Lock()
	slow := s.n != 0
	if s.n > 0 {
		s.n--
	}
	s.mu.Unlock()
	if slow {
		time.Sleep(s.delay)
	}
	return s.Bucket.Upload(ctx, name, r)
}

// TestAcquireOnASlowStore: winning is proven only when a read and a write fit in half the
// settle delay. A store slow now and then is retried until an attempt fits; one always too slow
// fails with ErrTooSlow, saying what it measured, and leaves no lock behind.
func TestAcquireOnASlowStore(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := newClock("2026-12-05T10:00:00Z")
	o := fast(c) // settle 20ms: a write of 15ms leaves the read and write no room

	t.Run("now and then", func(t *testing.T) {
		t.Parallel()
		b := &slowWrites{Bucket: storage.NewMemory(), delay: 15 * time.Millisecond, n: 5}
		l := acquire(t, b, lock.Info{RunDate: "2024-01-15", Host: "a"}, o)
		if got := mustRead(t, b); got.RunDate != "2024-01-15" {
			t.Errorf("lock after a slow start = %+v, want ours", got)
		}
		if err := l.Release(ctx); err != nil {
			t.Errorf("Release: %v", err)
		}
	})
	t.Run("always", func(t *testing.T) {
		t.Parallel()
		b := &slowWrites{Bucket: storage.NewMemory(), delay: 15 * time.Millisecond, n: -1}
		_, err := lock.Acquire(ctx, b, lock.Key, lock.Info{RunDate: "2024-01-15", Host: "a"}, o)
		if !errors.Is(err, lock.ErrTooSlow) || !strings.Contains(err.Error(), "settle delay 20ms") || !strings.Contains(err.Error(), lock.Key) {
			t.Fatalf("Acquire on a store always too slow = %v, want ErrTooSlow naming the key and the settle delay", err)
		}
		if _, ok, err := lock.Read(ctx, b, lock.Key); ok || err != nil {
			t.Errorf("after a failed Acquire the lock is there (ok=%v, err=%v), want it removed", ok, err)
		}
	})
}

func TestReadAndOptions(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := storage.NewMemory()
	if _, ok, err := lock.Read(ctx, b, lock.Key); ok || err != nil {
		t.Errorf("Read of no lock: ok=%v err=%v, want false, nil", ok, err)
	}
	if err := storage.PutBytes(ctx, b, lock.Key, []byte("not json")); err != nil {
		t.Fatal(err)
	}
	if _, _, err := lock.Read(ctx, b, lock.Key); err == nil || !strings.Contains(err.Error(), "_lock") {
		t.Errorf("Read of garbage = %v, want an error naming the key", err)
	}
	if _, err := lock.Acquire(ctx, storage.NewMemory(), lock.Key, lock.Info{}, lock.Options{TTL: time.Second, Heartbeat: time.Second}); err == nil ||
		!strings.Contains(err.Error(), "heartbeat") {
		t.Errorf("Acquire with heartbeat >= ttl = %v, want an options error", err)
	}
	if _, err := lock.Acquire(ctx, storage.NewMemory(), lock.Key, lock.Info{}, lock.Options{TTL: time.Second, Heartbeat: 900 * time.Millisecond, Settle: 100 * time.Millisecond}); err == nil ||
		!strings.Contains(err.Error(), "plus settle") {
		t.Errorf("Acquire with heartbeat+settle >= ttl = %v, want an options error", err)
	}
}

// TestActive: a lock is active while its owner lives (same host: the process decides) or its
// lease runs (another host); absent, released or expired, it is not — what status reads to
// show a killed run as interrupted.
func TestActive(t *testing.T) {
	t.Parallel()
	backends(t, func(t *testing.T, b storage.Bucket) {
		ctx := context.Background()
		c := newClock("2026-11-27T10:00:00Z")
		o := fast(c)
		if _, live, err := lock.Active(ctx, b, lock.Key, o); err != nil || live {
			t.Fatalf("no lock: live=%v err=%v, want false", live, err)
		}
		host, _ := os.Hostname()
		l := acquire(t, b, lock.Info{RunDate: "2024-01-15", Command: "ingest"}, o)
		info, live, err := lock.Active(ctx, b, lock.Key, o)
		if err != nil || !live || info.Command != "ingest" || info.Host != host {
			t.Fatalf("held by this process: live=%v info=%+v err=%v", live, info, err)
		}
		if err := l.Release(ctx); err != nil {
			t.Fatal(err)
		}
		if _, live, _ := lock.Active(ctx, b, lock.Key, o); live {
			t.Error("a released lock is active")
		}

		// Another host: the lease decides.
		acquire(t, b, lock.Info{RunDate: "2024-01-16", Host: "elsewhere", PID: 1}, o)
		if _, live, _ := lock.Active(ctx, b, lock.Key, o); !live {
			t.Error("a fresh lock of another host is not active")
		}
		c.Add(2 * time.Minute)
		if _, live, _ := lock.Active(ctx, b, lock.Key, o); live {
			t.Error("a lock of another host past its lease is active")
		}
	})
}

// TestHeldErrorNamesTheCommand: a lake held by ingest or generate says so.
func TestHeldErrorNamesTheCommand(t *testing.T) {
	t.Parallel()
	b := storage.NewMemory()
	c := newClock("2026-11-27T10:00:00Z")
	acquire(t, b, lock.Info{RunDate: "2024-01-15", Command: "ingest"}, fast(c))
	_, err := lock.Acquire(context.Background(), b, lock.Key, lock.Info{RunDate: "2024-01-15"}, fast(c))
	heldError(t, err)
	if !strings.Contains(err.Error(), "locked by metalake ingest of 2024-01-15") {
		t.Errorf("error %q does not name the holding command", err)
	}
}
