// Package s3test runs a real S3 server for tests: versitygw (pinned in the Makefile) on a free
// loopback port over a temporary directory, one per test that asks, stopped when it ends.
//
// The binary is METALAKE_VERSITYGW, else versitygw on PATH, else $GOPATH/bin/versitygw; without
// one the test is skipped locally and fails under CI (internal/testserver).
package s3test

import (
	"context"
	"fmt"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/metalake/metalake/internal/storage"
	"github.com/metalake/metalake/internal/testserver"
)

// Server is a running S3 server.
type Server struct {
	Endpoint       string
	Access, Secret string
	buckets        atomic.Int64
}

// Start runs a server for the test tb and stops it when tb ends.
func Start(tb testing.TB) *Server {
	tb.Helper()
	var fallbacks []string
	if out, err := exec.Command("go", "env", "GOPATH").Output(); err == nil {
		fallbacks = append(fallbacks, filepath.Join(strings.TrimSpace(string(out)), "bin", "versitygw"))
	}
	bin := testserver.Executable(tb, "METALAKE_VERSITYGW", "versitygw", "make test installs it", fallbacks...)
	addr := "127.0.0.1:" + testserver.FreePort(tb)
	s := &Server{Endpoint: "http://" + addr, Access: "metalaketest", Secret: "metalaketestsecret"}
	cmd := exec.Command(bin, "--access", s.Access, "--secret", s.Secret, "--port", addr, "--quiet", "posix", tb.TempDir())
	testserver.Run(tb, cmd, 15*time.Second, func() bool {
		resp, err := http.Get(s.Endpoint)
		if err == nil {
			resp.Body.Close()
		}
		return err == nil
	})
	return s
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
