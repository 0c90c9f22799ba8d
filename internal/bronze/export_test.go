package bronze

import (
	"testing"

	"github.com/metalake/metalake/internal/engine/spark"
)

// OpenSpark opens a Spark engine on the test binary's shared Spark Connect server, closed
// when t ends (skipped locally without Spark, failed under CI).
func OpenSpark(t *testing.T) *spark.Engine { return openSpark(t) }

// SetMaxLineBytes lowers the record size limit so a test can cross it with small files, and
// returns the function restoring it. The limit is package state: the test must not run in
// parallel (parallel tests start only after the sequential ones have finished).
func SetMaxLineBytes(n int64) (restore func()) {
	old := maxLineBytes
	maxLineBytes = n
	return func() { maxLineBytes = old }
}
