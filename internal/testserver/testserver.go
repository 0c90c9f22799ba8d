// Package testserver runs a real server process for a test (an S3 server, an AWS emulator, a
// fault-injecting TCP proxy): found by an environment variable or on PATH, started on a free
// loopback port, waited for until it answers, killed when the test ends. It also mounts a
// small real file system for a full-disk test (Tmpfs). A missing executable (or no right to
// mount) skips the test locally and fails it under CI (CI set), so a CI run can never pass
// without these tests.
package testserver

import (
	"bytes"
	"net"
	"os"
	"os/exec"
	"sync"
	"testing"
	"time"
)

// Executable returns the path in envVar, else name on PATH, else the first of fallbacks that
// exists; with none it skips tb (fails it under CI) saying hint.
func Executable(tb testing.TB, envVar, name, hint string, fallbacks ...string) string {
	tb.Helper()
	if p := os.Getenv(envVar); p != "" {
		return p
	}
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	for _, p := range fallbacks {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	Missing(tb, "no "+name+" ("+hint+"; or set "+envVar+")")
	return ""
}

// Missing skips tb because a tool the test needs is absent, or fails it under CI (CI set).
func Missing(tb testing.TB, msg string) {
	tb.Helper()
	if os.Getenv("CI") != "" {
		tb.Fatal(msg)
	}
	tb.Skip(msg)
}

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago and that no other test
// of this process has been given: the kernel readily hands a just-closed port out again, and two
// servers started on one port let the loser's readiness check reach the winner.
func FreePort(tb testing.TB) string {
	tb.Helper()
	handedOut.mu.Lock()
	defer handedOut.mu.Unlock()
	for {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			tb.Fatal(err)
		}
		_, port, _ := net.SplitHostPort(l.Addr().String())
		l.Close()
		if !handedOut.ports[port] {
			handedOut.ports[port] = true
			return port
		}
	}
}

var handedOut = struct {
	mu    sync.Mutex
	ports map[string]bool
}{ports: map[string]bool{}}

// Run starts cmd and returns once ready reports true (polled every 50 ms). It fails tb when
// the process exits first or does not answer within timeout, showing its output. The process
// is killed when tb ends.
func Run(tb testing.TB, cmd *exec.Cmd, timeout time.Duration, ready func() bool) {
	tb.Helper()
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		tb.Fatalf("start %s: %v", cmd.Path, err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	tb.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-exited
	})
	deadline := time.Now().Add(timeout)
	for {
		select {
		case err := <-exited:
			tb.Fatalf("%s exited: %v\n%s", cmd.Path, err, logs.String())
		default:
		}
		if ready() {
			return
		}
		if time.Now().After(deadline) {
			tb.Fatalf("%s did not answer within %s\n%s", cmd.Path, timeout, logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}
