// Command withspark runs a command beside one Spark Connect server: it starts the server
// (testserver.LaunchSpark: pyspark's Spark, local[2], loopback, a free port), waits until it
// answers, runs the command with METALAKE_TEST_SPARK_REMOTE naming it, and stops it. `make
// test` runs `go test ./...` this way, so every test binary shares one server instead of each
// starting its own JVM. Without Spark or Java it runs the command alone (the Spark tests then
// skip, or fail under CI, as they say).
//
//	go run ./internal/testserver/withspark -- go test ./...
package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"syscall"
	"time"

	"github.com/metalake/metalake/internal/testserver"
)

func main() {
	args := os.Args[1:]
	if len(args) > 0 && args[0] == "--" {
		args = args[1:]
	}
	if len(args) == 0 {
		fmt.Fprintln(os.Stderr, "usage: withspark -- COMMAND [ARG...]")
		os.Exit(2)
	}
	os.Exit(run(args))
}

func run(args []string) int {
	env := os.Environ()
	if os.Getenv(testserver.SparkRemoteEnv) == "" {
		srv, dir, err := start()
		if err != nil {
			fmt.Fprintf(os.Stderr, "withspark: no shared Spark Connect server (%v); each test binary starts its own or skips\n", err)
		} else {
			defer os.RemoveAll(dir)
			defer srv.Stop()
			env = append(env, testserver.SparkRemoteEnv+"="+srv.Remote)
			fmt.Fprintf(os.Stderr, "withspark: Spark Connect server %s\n", srv.Remote)
		}
	}
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Env = env
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	if err := cmd.Start(); err != nil {
		fmt.Fprintf(os.Stderr, "withspark: %v\n", err)
		return 127
	}
	// An interrupt reaches the command (same process group); wait for it, then stop the server.
	signal.Ignore(syscall.SIGINT, syscall.SIGTERM)
	err := cmd.Wait()
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		return ee.ExitCode()
	case err != nil:
		fmt.Fprintf(os.Stderr, "withspark: %v\n", err)
		return 1
	}
	return 0
}

// start launches the server in a fresh directory, which the caller removes after Stop.
func start() (*testserver.SparkServer, string, error) {
	dir, err := os.MkdirTemp("", "metalake-spark-")
	if err != nil {
		return nil, "", err
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		os.RemoveAll(dir)
		return nil, "", err
	}
	_, port, _ := net.SplitHostPort(l.Addr().String())
	l.Close()
	begin := time.Now()
	srv, err := testserver.LaunchSpark(dir, port, func(ctx context.Context, remote string) error {
		c, err := net.DialTimeout("tcp", remote[len("sc://"):], time.Second)
		if err == nil {
			c.Close()
		}
		return err
	})
	if err != nil {
		os.RemoveAll(dir)
		return nil, "", err
	}
	fmt.Fprintf(os.Stderr, "withspark: server up in %.1fs\n", time.Since(begin).Seconds())
	return srv, dir, nil
}
