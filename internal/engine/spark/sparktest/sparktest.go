// Package sparktest gives tests a Spark engine on the test binary's one Spark Connect server
// (testserver.SharedSpark: the server make test starts, else one started on first use).
// Without Java or Spark the test is skipped locally and fails under CI. A test binary that
// uses it calls testserver.StopSharedSpark from TestMain after m.Run.
package sparktest

import (
	"context"
	"os"
	"testing"

	"github.com/metalake/metalake/internal/engine/spark"
	"github.com/metalake/metalake/internal/testserver"
)

// Remote returns the address of the test binary's Spark Connect server, once an engine can
// open on it (a session and a first query answer).
func Remote(t testing.TB) string {
	t.Helper()
	return testserver.SharedSpark(t, func(ctx context.Context, remote string) error {
		e, err := spark.Open(ctx, spark.Options{Remote: remote, WorkDir: os.TempDir()})
		if err != nil {
			return err
		}
		return e.Close()
	}).Remote
}

// Open opens a Spark engine with a private work directory, closed when t ends.
func Open(t testing.TB) *spark.Engine {
	t.Helper()
	e, err := spark.Open(t.Context(), spark.Options{Remote: Remote(t), WorkDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return e
}
