package pipeline_test

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/metalake/metalake/internal/dag"
	"github.com/metalake/metalake/internal/lake"
	"github.com/metalake/metalake/internal/pipeline"
	"github.com/metalake/metalake/internal/storage"
)

// TestRunKeepsRoomForItsFinalState: while a date runs on a local lake, a reserve object holds
// room for its final state; the final write gives it back, so none is left after the run.
func TestRunKeepsRoomForItsFinalState(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	r, dates := newRunner(t, 1)
	reserve := lake.ReserveKey(dates[0])
	var mu sync.Mutex
	held := 0
	r.Observe = func(_ lake.Date, res dag.Result) {
		if res.Status != dag.Success {
			return
		}
		if ok, err := r.Lake.B.Exists(ctx, reserve); err != nil || !ok {
			t.Errorf("no reserve while %s ran: %v", res.ID, err)
		}
		mu.Lock()
		held++
		mu.Unlock()
	}
	if _, err := r.Run(ctx, dates[0], pipeline.Options{}); err != nil {
		t.Fatal(err)
	}
	if ok, err := r.Lake.B.Exists(ctx, reserve); ok || err != nil || held == 0 {
		t.Errorf("after the run: reserve left %v (%v), seen during %d tasks", ok, err, held)
	}
}

// full answers every upload under prefix as a full disk does.
type full struct {
	storage.Bucket
	prefix string
}

func (f full) Upload(ctx context.Context, name string, r io.Reader) error {
	if strings.HasPrefix(name, f.prefix) {
		return &fs.PathError{Op: "write", Path: "/lake/_staging/uploads/upload-1.tmp", Err: syscall.ENOSPC}
	}
	return f.Bucket.Upload(ctx, name, r)
}

// TestFullDiskIsNotRetried: a task that finds the disk full fails at once, however many retries
// its layer has; the run fails naming it, and its state says failed.
func TestFullDiskIsNotRetried(t *testing.T) {
	t.Parallel()
	r, dates := newRunner(t, 1)
	r.BronzeRetries = 3
	r.Lake = lake.New(full{Bucket: r.Lake.B, prefix: "bronze/users/"})
	st, err := r.Run(context.Background(), dates[0], pipeline.Options{})
	var re *pipeline.RunError
	if !errors.As(err, &re) || re.Task != "bronze_users" || !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("want bronze_users failing on a full disk, got %v", err)
	}
	if ts := taskState(st, "bronze_users"); ts.Status != dag.Failed || ts.Attempts != 1 || !strings.Contains(ts.Error, "no space left on device") {
		t.Errorf("bronze_users %+v, want failed after 1 attempt", ts)
	}
	if st.Status != pipeline.StatusFailed {
		t.Errorf("run status %q", st.Status)
	}
}
