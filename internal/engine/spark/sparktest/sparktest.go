// Package sparktest gives tests a Spark engine on the test binary's one Spark Connect server
// (testserver.SharedSpark: the server make test starts, else one started on first use).
// Without Java or Spark the test is skipped locally and fails under CI. A test binary that
// uses it calls testserver.StopSharedSpark from TestMain after m.Run.
package sparktest

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/metalake/metalake/internal/engine"
	"github.com/metalake/metalake/internal/engine/spark"
	"github.com/metalake/metalake/internal/storage"
	"github.com/metalake/metalake/internal/storage/s3test"
	"github.com/metalake/metalake/internal/testserver"
)

// Remote returns the address of the test binary's Spark Connect server, once an engine can
// open on it (a session and a first query answer).
func Remote(t testing.TB) string {
	t.Helper()
	return testserver.SharedSpark(t, func(ctx context.Context, remote string) error {
		e, err := spark.Open(ctx, spark.Options{Remote: remote, WorkDir: os.TempDir()})
		if err != nil {
			return err
		}
		return e.Close()
	}).Remote
}

// Open opens a Spark engine with a private work directory, closed when t ends: it reads local
// copies and writes into the work directory.
func Open(t testing.TB) *spark.Engine {
	t.Helper()
	return OpenWith(t, spark.Options{})
}

// OpenWith opens a Spark engine as Open does, with opts (Remote and WorkDir filled in when
// unset): e.g. Lake, so that the server reads and writes the lake itself.
func OpenWith(t testing.TB, opts spark.Options) *spark.Engine {
	t.Helper()
	if opts.Remote == "" {
		opts.Remote = Remote(t)
	}
	if opts.WorkDir == "" {
		opts.WorkDir = t.TempDir()
	}
	e, err := spark.Open(t.Context(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return e
}

// S3AConf are the settings by which the server reaches srv's buckets through s3a (path-style
// requests over plain HTTP, srv's credentials).
func S3AConf(srv *s3test.Server) map[string]string {
	return map[string]string{
		"fs.s3a.endpoint":               srv.Endpoint,
		"fs.s3a.endpoint.region":        "us-east-1",
		"fs.s3a.path.style.access":      "true",
		"fs.s3a.connection.ssl.enabled": "false",
		"fs.s3a.access.key":             srv.Access,
		"fs.s3a.secret.key":             srv.Secret,
	}
}

// RequireS3A checks that the test server reaches b through s3a with conf: it writes and reads
// a small Parquet file there. A server without Hadoop's s3a connector on its class path (make
// test downloads it into ./bin/spark-jars) skips the test locally and fails it under CI.
func RequireS3A(t testing.TB, conf map[string]string, b storage.Bucket) {
	t.Helper()
	e := OpenWith(t, spark.Options{Lake: b, Conf: conf})
	s, err := e.Session(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	files, err := s.WriteParquet(t.Context(), "SELECT 1 AS x", engine.Output{Dir: "_probe/"})
	if err != nil {
		msg := err.Error()
		if strings.Contains(msg, "ClassNotFound") || strings.Contains(msg, "NoClassDefFound") || strings.Contains(msg, "No FileSystem for scheme") {
			testserver.Missing(t, "the Spark Connect server has no s3a connector (make test downloads it into ./bin/spark-jars and puts it on the server's class path): "+msg)
		}
		t.Fatalf("spark cannot write into %s through s3a: %v", b.Name(), err)
	}
	if len(files) != 1 || files[0].Key == "" {
		t.Fatalf("spark wrote %+v into %s: want one object in the lake", files, b.Name())
	}
}
