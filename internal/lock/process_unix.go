//go:build unix

package lock

import (
	"errors"
	"syscall"
)

const processCheckSupported = true

// processRunning reports whether pid exists (signal 0 checks without signalling; EPERM means it
// exists under another user).
func processRunning(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
