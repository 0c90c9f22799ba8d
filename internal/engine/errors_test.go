package engine_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/metalake/metalake/internal/dag"
	"github.com/metalake/metalake/internal/engine"
)

// TestDiskFullIsNotRetried: DuckDB's report of a full disk (a real one: /dev/full answers
// every write with ENOSPC) is ENOSPC to errors.Is, as Go's own file operations say it, and the
// DAG does not retry it, however it is wrapped; other engine errors stay retryable.
func TestDiskFullIsNotRetried(t *testing.T) {
	t.Parallel()
	if _, err := os.Stat("/dev/full"); err != nil {
		t.Skip("no /dev/full on this system")
	}
	ctx := context.Background()
	eng := open(t)
	defer eng.Close()
	s, err := eng.Session(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()

	full := s.Exec(ctx, "COPY (SELECT range AS n FROM range(100000)) TO '/dev/full' (FORMAT parquet)")
	missing := s.Exec(ctx, fmt.Sprintf("COPY (SELECT 1) TO %s (FORMAT csv)", engine.Literal(filepath.Join(t.TempDir(), "no", "such", "dir", "x.csv"))))
	syntax := s.Exec(ctx, "SELEC 1")
	goFull := os.WriteFile("/dev/full", []byte("x"), 0o644)
	for _, tc := range []struct {
		name      string
		err       error
		exhausted bool
	}{
		{"duckdb: no space left", full, true},
		{"go: no space left", goFull, true},
		{"duckdb: missing directory", missing, false},
		{"duckdb: syntax error", syntax, false},
	} {
		if tc.err == nil {
			t.Fatalf("%s: no error", tc.name)
		}
		wrapped := fmt.Errorf("bronze users 2025-07-01: %w", tc.err)
		if got := errors.Is(wrapped, syscall.ENOSPC); got != tc.exhausted {
			t.Errorf("%s: errors.Is(ENOSPC) = %v, want %v (%v)", tc.name, got, tc.exhausted, tc.err)
		}
		if got := dag.Retryable(wrapped); got == tc.exhausted {
			t.Errorf("%s: dag.Retryable = %v, want %v (%v)", tc.name, got, !tc.exhausted, tc.err)
		}
	}
	var se *engine.SQLError
	if !errors.As(full, &se) {
		t.Fatalf("%T is not an *engine.SQLError", full)
	}
	if n, ok := se.Errno(); !ok || n != syscall.ENOSPC || errors.Is(full, syscall.EROFS) {
		t.Errorf("Errno() = %v, %v; want ENOSPC only", n, ok)
	}
}
