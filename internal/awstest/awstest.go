// Package awstest runs an AWS emulator for tests: moto's server (pinned in the Makefile) on a
// free loopback port, one per test that asks, stopped when it ends. It stands in for what
// cannot run here (Glue, Athena, and S3's bucket policies and storage classes); lake I/O itself
// is tested against a real S3 server (internal/storage/s3test).
//
// The executable is METALAKE_MOTO_SERVER, else moto_server on PATH. When there is none the test
// is skipped locally and fails under CI (CI set); `make test` installs it first.
package awstest

import (
	"bytes"
	"net"
	"net/http"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/metalake/metalake/internal/storage"
)

// Server is a running emulator: every AWS service on one endpoint.
type Server struct {
	Endpoint string
	Region   string
}

// Binary returns the moto_server executable, or "" when there is none.
func Binary() string {
	if p := os.Getenv("METALAKE_MOTO_SERVER"); p != "" {
		return p
	}
	if p, err := exec.LookPath("moto_server"); err == nil {
		return p
	}
	return ""
}

// Start runs an emulator for tb and stops it when tb ends. region is the region its clients
// use (moto keeps each region's resources apart).
func Start(tb testing.TB, region string) *Server {
	tb.Helper()
	bin := Binary()
	if bin == "" {
		msg := "no moto_server (make test installs it; or set METALAKE_MOTO_SERVER)"
		if os.Getenv("CI") != "" {
			tb.Fatal(msg)
		}
		tb.Skip(msg)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(l.Addr().String())
	l.Close()
	s := &Server{Endpoint: "http://127.0.0.1:" + port, Region: region}
	var logs bytes.Buffer
	cmd := exec.Command(bin, "-H", "127.0.0.1", "-p", port)
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		tb.Fatalf("start moto_server: %v", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	tb.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-exited
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		select {
		case err := <-exited:
			tb.Fatalf("moto_server exited: %v\n%s", err, logs.String())
		default:
		}
		if resp, err := http.Get(s.Endpoint + "/moto-api/"); err == nil {
			resp.Body.Close()
			return s
		}
		if time.Now().After(deadline) {
			tb.Fatalf("moto_server did not answer on port %s within 30 s\n%s", port, logs.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Config is the storage configuration that reaches the emulator's S3.
func (s *Server) Config() storage.S3Config {
	return storage.S3Config{Endpoint: s.Endpoint, Region: s.Region, PathStyle: true, AccessKey: "testing", SecretKey: "testing"}
}

// Env is the environment under which the metalake CLI reaches the emulator for every service.
func (s *Server) Env() []string {
	return []string{"AWS_ENDPOINT_URL=" + s.Endpoint, "METALAKE_S3_ENDPOINT=" + s.Endpoint,
		"METALAKE_S3_REGION=" + s.Region, "AWS_REGION=" + s.Region,
		"AWS_ACCESS_KEY_ID=testing", "AWS_SECRET_ACCESS_KEY=testing", "AWS_EC2_METADATA_DISABLED=true"}
}
