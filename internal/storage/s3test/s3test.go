// Package s3test runs a real S3 server for tests: versitygw (pinned in the Makefile) on a free
// loopback port over a temporary directory, one per test that asks, stopped when it ends.
//
// The binary is METALAKE_VERSITYGW, else versitygw on PATH, else $GOPATH/bin/versitygw. When
// none exists the test is skipped locally and fails under CI (CI set), so a CI run can never
// pass without the S3 tests; `make test` installs the binary first.
package s3test

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/metalake/metalake/internal/storage"
)

// Server is a running S3 server.
type Server struct {
	Endpoint       string
	Access, Secret string
	buckets        atomic.Int64
}

// Binary returns the versitygw executable, or "" when there is none.
func Binary() string {
	if p := os.Getenv("METALAKE_VERSITYGW"); p != "" {
		return p
	}
	if p, err := exec.LookPath("versitygw"); err == nil {
		return p
	}
	if out, err := exec.Command("go", "env", "GOPATH").Output(); err == nil {
		p := filepath.Join(strings.TrimSpace(string(out)), "bin", "versitygw")
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return ""
}

// Start runs a server for the test tb and stops it when tb ends.
func Start(tb testing.TB) *Server {
	tb.Helper()
	bin := Binary()
	if bin == "" {
		msg := "no versitygw binary (make test installs it; or set METALAKE_VERSITYGW)"
		if os.Getenv("CI") != "" {
			tb.Fatal(msg)
		}
		tb.Skip(msg)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	root := tb.TempDir()
	s := &Server{Endpoint: "http://" + addr, Access: "metalaketest", Secret: "metalaketestsecret"}
	var logs bytes.Buffer
	cmd := exec.Command(bin, "--access", s.Access, "--secret", s.Secret, "--port", addr, "--quiet", "posix", root)
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		tb.Fatalf("start versitygw: %v", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	tb.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-exited
	})
	deadline := time.Now().Add(15 * time.Second)
	for {
		select {
		case err := <-exited:
			tb.Fatalf("versitygw exited: %v\n%s", err, logs.String())
		default:
		}
		if resp, err := http.Get(s.Endpoint); err == nil {
			resp.Body.Close()
			return s
		}
		if time.Now().After(deadline) {
			tb.Fatalf("versitygw did not answer on %s within 15 s\n%s", addr, logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Config is the storage configuration that reaches the server.
func (s *Server) Config() storage.S3Config {
	return storage.S3Config{Endpoint: s.Endpoint, Region: "us-east-1", PathStyle: true, AccessKey: s.Access, SecretKey: s.Secret}
}

// Bucket creates a new, empty bucket on the server and returns it as a storage bucket rooted
// at prefix ("" for the bucket's root).
func (s *Server) Bucket(tb testing.TB, prefix string) *storage.S3 {
	tb.Helper()
	uri := fmt.Sprintf("s3://lake-%d-%d", time.Now().UnixNano()%1e9, s.buckets.Add(1))
	if prefix != "" {
		uri += "/" + prefix
	}
	return s.BucketAt(tb, uri, s.Config())
}

// BucketAt opens uri with cfg and creates its bucket.
func (s *Server) BucketAt(tb testing.TB, uri string, cfg storage.S3Config) *storage.S3 {
	tb.Helper()
	b, err := storage.NewS3(context.Background(), uri, cfg)
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := b.EnsureBucket(context.Background()); err != nil {
		tb.Fatal(err)
	}
	return b
}

// Env is the environment under which `metalake --lake s3://…` reaches the server.
func (s *Server) Env() []string {
	return []string{"METALAKE_S3_ENDPOINT=" + s.Endpoint, "METALAKE_S3_REGION=us-east-1",
		"AWS_ACCESS_KEY_ID=" + s.Access, "AWS_SECRET_ACCESS_KEY=" + s.Secret, "AWS_EC2_METADATA_DISABLED=true"}
}
