package testserver

import "syscall"

// sparkProcAttr puts the Spark server in its own process group and has the kernel kill it
// when the test binary dies without cleaning up (a panic, a -timeout): a JVM holding a GiB
// must not outlive its test.
func sparkProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
