package lock

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/metalake/metalake/internal/storage"
)

// Key is where the lake's run lock lives.
const Key = "_lock"

// Defaults of Options.
const (
	DefaultTTL    = 2 * time.Minute
	DefaultSettle = 200 * time.Millisecond
)

// maxAttempts bounds how often Acquire retries when the store was too slow to decide a race.
// A store that is slow now and then (a request retried after a connection reset) passes on a
// later attempt; one that is always too slow fails after maxAttempts × Settle or so.
const maxAttempts = 8

// ErrTooSlow means Acquire gave up because, in every attempt, reading and writing the lock took
// at least half the settle delay, so winning could not be proven (see the package
// documentation): raise Options.Settle above twice the store's write latency.
var ErrTooSlow = errors.New("the store was too slow to take the lock safely")

// Info is the content of the lock object.
type Info struct {
	// Owner is the random token of one Acquire; Acquire sets it.
	Owner string `json:"owner"`
	// Host and PID identify the owner process (Acquire fills in os.Hostname and os.Getpid when
	// empty). Host must identify one process namespace: PIDs are only compared on equal hosts.
	Host string `json:"host"`
	PID  int    `json:"pid"`
	// Proc identifies the owner process beyond its PID (on Linux the boot id and the process
	// start time), so that a PID reused by an unrelated process is not mistaken for the owner.
	// Acquire sets it; it is empty where the platform offers nothing.
	Proc string `json:"proc,omitempty"`
	// RunDate is the date the owner is running (YYYY-MM-DD), for messages.
	RunDate string `json:"run_date"`
	// Command is what the owner is doing (run, ingest, generate, vacuum …), for messages;
	// empty means a run.
	Command     string    `json:"command,omitempty"`
	AcquiredAt  time.Time `json:"acquired_at"`
	HeartbeatAt time.Time `json:"heartbeat_at"`
}

// Options tune the lease. The zero value uses the defaults.
type Options struct {
	// TTL is how long a lock stays held without a heartbeat (default 2m).
	TTL time.Duration
	// Heartbeat is how often the holder refreshes the lock (default TTL/4); it must be shorter
	// than TTL.
	Heartbeat time.Duration
	// Settle is how long Acquire waits between writing the lock and reading it back (default
	// 200ms). It must exceed the store's write latency; see the package documentation. A
	// refresh also needs this much of the lease left, so Heartbeat+Settle must be below TTL.
	Settle time.Duration
	// Now is the clock of lease times (default time.Now).
	Now func() time.Time
	// Alive reports whether the owner of a lock written on this host still runs; it replaces
	// the default check (the PID answers signal 0 and, on Linux, is still the same process).
	// For a lock written on this host its answer decides, whatever the lease says; for other
	// hosts only the lease counts.
	Alive func(Info) bool
	// Log receives heartbeat problems (default: discarded).
	Log *slog.Logger
}

func (o Options) withDefaults() (Options, error) {
	if o.TTL < 0 || o.Heartbeat < 0 || o.Settle < 0 {
		return o, fmt.Errorf("lock options: negative duration (ttl %s, heartbeat %s, settle %s)", o.TTL, o.Heartbeat, o.Settle)
	}
	if o.TTL == 0 {
		o.TTL = DefaultTTL
	}
	if o.Heartbeat == 0 {
		o.Heartbeat = o.TTL / 4
	}
	if o.Heartbeat >= o.TTL {
		return o, fmt.Errorf("lock options: heartbeat %s must be shorter than the ttl %s (e.g. ttl/4)", o.Heartbeat, o.TTL)
	}
	if o.Settle == 0 {
		o.Settle = DefaultSettle
	}
	if o.Heartbeat+o.Settle >= o.TTL {
		return o, fmt.Errorf("lock options: heartbeat %s plus settle %s must be shorter than the ttl %s: a refresh needs the settle delay left on its lease", o.Heartbeat, o.Settle, o.TTL)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	return o, nil
}

// HeldError is returned by Acquire when another live run holds the lock.
type HeldError struct {
	Holder Info
}

func (e *HeldError) Error() string {
	run := "a run"
	if c := e.Holder.Command; c != "" && c != "run" {
		run = "metalake " + c
	}
	if e.Holder.RunDate != "" {
		run += " of " + e.Holder.RunDate
	}
	return fmt.Sprintf("lake is locked by %s started %s (pid %d on host %s); wait for it or check metalake status",
		run, e.Holder.AcquiredAt.UTC().Format(time.RFC3339), e.Holder.PID, e.Holder.Host)
}

// ErrLost means the lock is no longer ours: it was taken over after our lease expired, removed,
// or could not be refreshed within the TTL. Lock.Err and Lock.Release return errors wrapping it.
var ErrLost = errors.New("lock lost")

// Lock is a held lock. Release it when the run ends.
type Lock struct {
	b    storage.Bucket
	key  string
	o    Options
	stop context.CancelFunc
	done chan struct{} // closed when the heartbeat goroutine has returned

	mu       sync.Mutex // serialises refreshes with Release
	info     Info
	released bool
	relErr   error

	lostOnce sync.Once
	lost     chan struct{}
	lostErr  error // set before lost is closed
}

// Acquire takes the lock at key for the run described by info (RunDate at least; Host and PID
// default to this process). It returns a *HeldError when another live run holds it, and starts
// a heartbeat that keeps the lock until Release.
func Acquire(ctx context.Context, b storage.Bucket, key string, info Info, o Options) (*Lock, error) {
	o, err := o.withDefaults()
	if err != nil {
		return nil, err
	}
	if info.Host == "" {
		if info.Host, err = os.Hostname(); err != nil {
			return nil, fmt.Errorf("lock %s: host name: %w", key, err)
		}
	}
	if info.PID == 0 {
		info.PID = os.Getpid()
	}
	if info.Proc == "" {
		info.Proc = procIdentity(info.PID)
	}
	info.Owner = newToken()

	var took time.Duration
	for attempt := 1; attempt <= maxAttempts; attempt++ {
		began := time.Now()
		cur, ok, err := Read(ctx, b, key)
		if err != nil {
			return nil, err
		}
		if ok && cur.Owner != info.Owner && held(cur, info.Host, o) {
			return nil, &HeldError{Holder: cur}
		}
		now := o.Now()
		info.AcquiredAt, info.HeartbeatAt = now, now
		if err := write(ctx, b, key, info); err != nil {
			return nil, err
		}
		took = time.Since(began)
		if err := sleep(ctx, o.Settle); err != nil {
			releaseIfOurs(b, key, info.Owner)
			return nil, err
		}
		back, ok, err := Read(ctx, b, key)
		if err != nil {
			releaseIfOurs(b, key, info.Owner)
			return nil, err
		}
		if ok && back.Owner != info.Owner {
			return nil, &HeldError{Holder: back}
		}
		// Winning is only proven when our read and write fit in the settle delay (see doc.go);
		// a missing object means someone removed it meanwhile. Either way, try again.
		if !ok || took >= o.Settle/2 {
			o.Log.Warn("lock: retrying acquire", "key", key, "attempt", attempt, "read_write", took, "settle", o.Settle, "object_present", ok)
			continue
		}
		return start(b, key, info, o), nil
	}
	releaseIfOurs(b, key, info.Owner)
	return nil, fmt.Errorf("lock %s: %w in %d attempts (the last read and write took %s; they must fit in half the settle delay %s)", key, ErrTooSlow, maxAttempts, took.Round(time.Millisecond), o.Settle)
}

// held reports whether cur still holds the lock, seen from a process on host.
func held(cur Info, host string, o Options) bool {
	if cur.Host == host {
		if o.Alive != nil {
			return o.Alive(cur)
		}
		if processCheckSupported {
			return defaultAlive(cur)
		}
	}
	return o.Now().Sub(cur.HeartbeatAt) < o.TTL
}

// defaultAlive: the PID runs and, where the platform tells, is still the process that took
// the lock.
func defaultAlive(i Info) bool {
	if i.PID <= 0 || !processRunning(i.PID) {
		return false
	}
	if i.Proc == "" {
		return true
	}
	now := procIdentity(i.PID)
	return now == "" || now == i.Proc
}

func start(b storage.Bucket, key string, info Info, o Options) *Lock {
	ctx, cancel := context.WithCancel(context.Background())
	l := &Lock{b: b, key: key, o: o, info: info, stop: cancel, done: make(chan struct{}), lost: make(chan struct{})}
	go l.heartbeat(ctx)
	return l
}

func (l *Lock) heartbeat(ctx context.Context) {
	defer close(l.done)
	t := time.NewTicker(l.o.Heartbeat)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		err := l.Refresh(ctx)
		if err == nil || ctx.Err() != nil {
			continue
		}
		if errors.Is(err, ErrLost) {
			return
		}
		// Refresh itself gives the lock up once failures have let the lease lapse.
		l.o.Log.Warn("lock: heartbeat failed", "key", l.key, "err", err)
	}
}

// Refresh renews the lease now (the heartbeat calls it every Options.Heartbeat). It returns an
// error wrapping ErrLost, and closes Lost, when the lock is gone or has another owner, or when
// the lease lapsed before it could be renewed: less than Options.Settle of it was left to
// write in, or the write returned after the lease had ended. A lapsed lease is never written
// again, since a run on another host may already own the lock (see the package documentation).
func (l *Lock) Refresh(ctx context.Context) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.released {
		return fmt.Errorf("lock %s: refresh after release", l.key)
	}
	if err := l.Err(); err != nil {
		return err
	}
	cur, ok, err := Read(ctx, l.b, l.key)
	if err != nil {
		return l.loseIfLapsed(l.o.Now(), "refreshed", err)
	}
	if err := l.checkOurs(cur, ok); err != nil {
		l.lose(err)
		return err
	}
	now := l.o.Now()
	if err := l.loseIfLapsed(now, "refreshed", nil); err != nil {
		return err
	}
	next := l.info
	next.HeartbeatAt = now
	err = write(ctx, l.b, l.key, next)
	if done := l.o.Now(); !done.Before(l.info.HeartbeatAt.Add(l.o.TTL)) {
		// The write may have landed after the lease ended, over a run that took the lock over
		// and confirmed it meanwhile. It renews nothing; l.info keeps the lease we really had.
		lost := fmt.Errorf("%w: lock %s: the lease expired while it was being refreshed: no heartbeat since %s, the write returned at %s (ttl %s)",
			ErrLost, l.key, l.info.HeartbeatAt.UTC().Format(time.RFC3339), done.UTC().Format(time.RFC3339), l.o.TTL)
		l.lose(lost)
		return lost
	}
	if err != nil {
		return l.loseIfLapsed(l.o.Now(), "refreshed", err)
	}
	l.info = next
	return nil
}

// loseIfLapsed gives the lock up when, at now, less than Options.Settle of the lease is left:
// a write or delete started then may land after the lease ends, when another host may take
// over. It returns the error wrapping ErrLost, or else cause (a failed read or write, or nil).
// what is what could not be done in time ("refreshed", "released").
func (l *Lock) loseIfLapsed(now time.Time, what string, cause error) error {
	if now.Before(l.info.HeartbeatAt.Add(l.o.TTL - l.o.Settle)) {
		return cause
	}
	lost := fmt.Errorf("%w: lock %s: the lease expired before it could be %s: no heartbeat since %s (ttl %s, and a write needs the settle delay %s of it left)",
		ErrLost, l.key, what, l.info.HeartbeatAt.UTC().Format(time.RFC3339), l.o.TTL, l.o.Settle)
	if cause != nil {
		lost = fmt.Errorf("%w (last error: %v)", lost, cause)
	}
	l.lose(lost)
	return lost
}

func (l *Lock) checkOurs(cur Info, ok bool) error {
	switch {
	case !ok:
		return fmt.Errorf("%w: lock %s was removed", ErrLost, l.key)
	case cur.Owner != l.info.Owner:
		return fmt.Errorf("%w: lock %s was taken over by a run of %s (pid %d on host %s) at %s", ErrLost, l.key,
			cur.RunDate, cur.PID, cur.Host, cur.AcquiredAt.UTC().Format(time.RFC3339))
	}
	return nil
}

func (l *Lock) lose(err error) {
	l.lostOnce.Do(func() {
		l.lostErr = err
		close(l.lost)
	})
}

// Lost is closed when the heartbeat finds the lock gone or owned by another run; the run should
// stop writing. Err says why.
func (l *Lock) Lost() <-chan struct{} { return l.lost }

// Err returns why Lost was closed (an error wrapping ErrLost), or nil while the lock is held.
func (l *Lock) Err() error {
	select {
	case <-l.lost:
		return l.lostErr
	default:
		return nil
	}
}

// Info returns the lock's content as Acquire or the last successful refresh wrote it; it waits
// for a refresh in progress.
func (l *Lock) Info() Info {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.info
}

// Release stops the heartbeat and deletes the lock if it is still ours. When the lock was lost
// (Err is set), another run has taken it over, it was removed, or the lease has lapsed, it
// deletes nothing and returns an error wrapping ErrLost: without compare-and-swap a delete
// after our lease could remove a lock another host has taken over since. An expired lock left
// behind is taken over by the next Acquire. Calling Release again returns the first result.
func (l *Lock) Release(ctx context.Context) error {
	l.stop()
	<-l.done
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.released {
		return l.relErr
	}
	if err := l.Err(); err != nil {
		l.released, l.relErr = true, err
		return err
	}
	cur, ok, err := Read(ctx, l.b, l.key)
	if err != nil {
		return fmt.Errorf("lock %s: release: %w", l.key, err)
	}
	err = l.checkOurs(cur, ok)
	if err != nil {
		l.lose(err)
	} else {
		err = l.loseIfLapsed(l.o.Now(), "released", nil)
	}
	if err != nil {
		l.released, l.relErr = true, err
		return err
	}
	if err := l.b.Delete(ctx, l.key); err != nil {
		return fmt.Errorf("lock %s: release: %w", l.key, err)
	}
	if done := l.o.Now(); !done.Before(l.info.HeartbeatAt.Add(l.o.TTL)) {
		// Too late to undo: a run that took over meanwhile finds its lock removed at its next
		// heartbeat and stops.
		l.o.Log.Warn("lock: the release returned after the lease ended; it may have removed a lock taken over meanwhile",
			"key", l.key, "heartbeat_at", l.info.HeartbeatAt, "returned_at", done, "ttl", l.o.TTL)
	}
	l.released = true
	return nil
}

// Active reports whether a live process holds the lock at key, judged as Acquire judges it
// with o (the zero Options: the defaults): on this host by its process, elsewhere by its lease.
// info is the lock's content when there is one.
func Active(ctx context.Context, b storage.BucketReader, key string, o Options) (info Info, live bool, err error) {
	if o, err = o.withDefaults(); err != nil {
		return Info{}, false, err
	}
	info, ok, err := Read(ctx, b, key)
	if err != nil || !ok {
		return info, false, err
	}
	host, err := os.Hostname()
	if err != nil {
		return info, false, fmt.Errorf("lock %s: host name: %w", key, err)
	}
	return info, held(info, host, o), nil
}

// Read returns the lock at key; ok is false when there is none.
func Read(ctx context.Context, b storage.BucketReader, key string) (info Info, ok bool, err error) {
	data, err := storage.ReadAll(ctx, b, key)
	if storage.IsNotFound(err) {
		return Info{}, false, nil
	}
	if err != nil {
		return Info{}, false, fmt.Errorf("lock %s: read: %w", key, err)
	}
	if err := json.Unmarshal(data, &info); err != nil {
		return Info{}, false, fmt.Errorf("lock %s: not a lock object (%v): if no run is active, delete it", key, err)
	}
	return info, true, nil
}

func write(ctx context.Context, b storage.Bucket, key string, info Info) error {
	data, err := json.MarshalIndent(info, "", "  ")
	if err != nil {
		return fmt.Errorf("lock %s: %w", key, err)
	}
	if err := storage.PutBytes(ctx, b, key, append(data, '\n')); err != nil {
		return fmt.Errorf("lock %s: write: %w", key, err)
	}
	return nil
}

// releaseIfOurs removes a lock Acquire wrote but did not keep, even when ctx is cancelled.
func releaseIfOurs(b storage.Bucket, key, owner string) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if cur, ok, err := Read(ctx, b, key); err == nil && ok && cur.Owner == owner {
		_ = b.Delete(ctx, key)
	}
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func newToken() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
