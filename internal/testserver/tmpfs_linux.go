package testserver

import (
	"fmt"
	"syscall"
	"testing"
)

// Tmpfs mounts a file system of size bytes on a new temporary directory and unmounts it when
// tb ends: a disk small enough to fill, for tests of a full disk. Mounting needs root
// (CAP_SYS_ADMIN); without it the test is skipped locally and fails under CI.
func Tmpfs(tb testing.TB, size int64) string {
	tb.Helper()
	dir := tb.TempDir() // removed after the unmount below: cleanups run last-registered first
	if err := syscall.Mount("tmpfs", dir, "tmpfs", syscall.MS_NOSUID|syscall.MS_NODEV, fmt.Sprintf("size=%d,mode=0755", size)); err != nil {
		Missing(tb, fmt.Sprintf("cannot mount a %d-byte tmpfs on %s (%v): a full-disk test needs root", size, dir, err))
	}
	tb.Cleanup(func() {
		// A process the test killed may still hold a file open: detach then.
		if err := syscall.Unmount(dir, 0); err != nil {
			if err := syscall.Unmount(dir, syscall.MNT_DETACH); err != nil {
				tb.Errorf("unmount the tmpfs on %s: %v", dir, err)
			}
		}
	})
	return dir
}
