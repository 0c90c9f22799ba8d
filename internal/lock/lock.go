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
const maxAttempts = 3

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
	// 200ms). It must exceed the store's write latency; see the package documentation.
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
		took := time.Since(began)
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
	return nil, fmt.Errorf("lock %s: the store was too slow to take the lock safely in %d attempts (settle %s): raise the lock settle delay above twice the store's write latency", key, maxAttempts, o.Settle)
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
		l.mu.Lock()
		last := l.info.HeartbeatAt
		l.mu.Unlock()
		l.o.Log.Warn("lock: heartbeat failed", "key", l.key, "err", err)
		if l.o.Now().Sub(last) >= l.o.TTL {
			l.lose(fmt.Errorf("%w: lock %s: no heartbeat since %s, the lease expired (last error: %v)", ErrLost, l.key, last.UTC().Format(time.RFC3339), err))
			return
		}
	}
}

// Refresh renews the lease now (the heartbeat calls it every Options.Heartbeat). It returns an
// error wrapping ErrLost, and closes Lost, when the lock is gone or has another owner.
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
		return err
	}
	if err := l.checkOurs(cur, ok); err != nil {
		l.lose(err)
		return err
	}
	next := l.info
	next.HeartbeatAt = l.o.Now()
	if err := write(ctx, l.b, l.key, next); err != nil {
		return err
	}
	l.info = next
	return nil
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

// Info returns the lock's current content.
func (l *Lock) Info() Info {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.info
}

// Release stops the heartbeat and deletes the lock if it is still ours. When another run has
// taken it over (or it was removed) it deletes nothing and returns an error wrapping ErrLost.
// Calling it again returns the first result.
func (l *Lock) Release(ctx context.Context) error {
	l.stop()
	<-l.done
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.released {
		return l.relErr
	}
	cur, ok, err := Read(ctx, l.b, l.key)
	if err != nil {
		return fmt.Errorf("lock %s: release: %w", l.key, err)
	}
	if err := l.checkOurs(cur, ok); err != nil {
		l.lose(err)
		l.released, l.relErr = true, err
		return err
	}
	if err := l.b.Delete(ctx, l.key); err != nil {
		return fmt.Errorf("lock %s: release: %w", l.key, err)
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
