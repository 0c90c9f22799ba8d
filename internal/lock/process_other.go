//go:build !unix

package lock

// Without signal 0 the default liveness check does not know, and only the lease counts.
const processCheckSupported = false

func processRunning(int) bool { return true }
