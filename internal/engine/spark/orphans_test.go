package spark_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/metalake/metalake/internal/engine/spark"
	"github.com/metalake/metalake/internal/engine/spark/sparktest"
)

// TestOpenEndsTheSessionsOfADeadProcess: a session recorded in the work directory of a process
// that no longer runs (metalake killed with -9 mid-statement) is ended by the next engine that
// opens on the same parent directory — its running statement stops instead of running on into
// a directory about to be removed.
func TestOpenEndsTheSessionsOfADeadProcess(t *testing.T) {
	parent := t.TempDir()
	first, err := spark.Open(t.Context(), spark.Options{Remote: sparktest.Remote(t), WorkDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer first.Close()
	s, err := first.Session(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	ids, err := os.ReadDir(filepath.Join(first.Path(), "spark-sessions"))
	if err != nil || len(ids) != 1 {
		t.Fatalf("the open session is not recorded in the work directory: %v %v", ids, err)
	}
	// The recorded session, moved into the work directory of a process that has exited.
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	deadDir := filepath.Join(parent, fmt.Sprintf("metalake-engine-%d-x", dead.Process.Pid), "spark-sessions")
	if err := os.MkdirAll(deadDir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(deadDir, ids[0].Name()), nil, 0o644); err != nil {
		t.Fatal(err)
	}

	done := make(chan error, 1)
	go func() {
		// Minutes of work on two cores, unless the session is ended.
		var n int64
		done <- s.QueryRow(t.Context(), "SELECT COUNT(*) FROM range(0, 200000000000) WHERE hash(id) % 7 = 3", &n)
	}()
	time.Sleep(3 * time.Second) // the statement is running
	second, err := spark.Open(t.Context(), spark.Options{Remote: sparktest.Remote(t), WorkDir: parent})
	if err != nil {
		t.Fatal(err)
	}
	defer second.Close()
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("the orphaned session's statement finished normally; it should have been stopped")
		}
		t.Logf("the orphaned statement stopped: %v", err)
	case <-time.After(2 * time.Minute):
		t.Fatal("the orphaned session's statement still runs 2 minutes after the next engine opened")
	}
	if left, _ := os.ReadDir(deadDir); len(left) != 0 {
		t.Errorf("the dead process's session record is still there: %v", left)
	}
	var one int64
	if err := s.QueryRow(t.Context(), "SELECT 1", &one); err == nil {
		t.Error("the ended session still answers")
	}
}
