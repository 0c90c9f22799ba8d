//go:build unix

package bench

import (
	"runtime"
	"syscall"
)

// PeakRSS returns the process's peak resident set size in bytes (getrusage RUSAGE_SELF
// ru_maxrss): the whole process since it started, every engine instance and Go's heap alike.
func PeakRSS() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	if runtime.GOOS == "darwin" || runtime.GOOS == "ios" {
		return int64(ru.Maxrss) // bytes there
	}
	return int64(ru.Maxrss) * 1024 // kilobytes on Linux and the BSDs
}
