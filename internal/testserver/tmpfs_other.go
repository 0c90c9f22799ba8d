//go:build !linux

package testserver

import "testing"

// Tmpfs mounts a small file system for a full-disk test; only Linux can here, elsewhere the
// test is skipped locally and fails under CI.
func Tmpfs(tb testing.TB, size int64) string {
	tb.Helper()
	Missing(tb, "a full-disk test mounts a tmpfs, which needs Linux")
	return ""
}
