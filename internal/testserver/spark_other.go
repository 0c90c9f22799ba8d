//go:build !linux

package testserver

import "syscall"

// sparkProcAttr puts the Spark server in its own process group.
func sparkProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
