package spark_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/metalake/metalake/internal/engine"
	"github.com/metalake/metalake/internal/engine/enginetest"
	"github.com/metalake/metalake/internal/engine/spark"
	"github.com/metalake/metalake/internal/engine/spark/sparktest"
	"github.com/metalake/metalake/internal/storage"
	"github.com/metalake/metalake/internal/storage/s3test"
	"github.com/metalake/metalake/internal/testserver"
)

func TestMain(m *testing.M) {
	code := m.Run()
	testserver.StopSharedSpark()
	os.Exit(code)
}

// TestSparkConformance: the Spark engine passes the conformance suite three ways: through the
// work directory (no lake given: local copies in, local files out), reading and writing a
// local lake itself, and an S3 lake through s3a (a versitygw server).
func TestSparkConformance(t *testing.T) {
	sparktest.Remote(t)
	t.Run("work-dir", func(t *testing.T) {
		enginetest.Run(t, func(t *testing.T, _ storage.Bucket) engine.Engine { return sparktest.Open(t) }, nil)
	})
	t.Run("local-lake", func(t *testing.T) {
		enginetest.Run(t, func(t *testing.T, lake storage.Bucket) engine.Engine {
			return sparktest.OpenWith(t, spark.Options{Lake: lake})
		}, nil)
	})
	t.Run("s3a", func(t *testing.T) {
		srv := s3test.Start(t)
		conf := sparktest.S3AConf(srv)
		sparktest.RequireS3A(t, conf, srv.Bucket(t, ""))
		enginetest.Run(t, func(t *testing.T, lake storage.Bucket) engine.Engine {
			return sparktest.OpenWith(t, spark.Options{Lake: lake, Conf: conf})
		}, func(t *testing.T) storage.Bucket { return srv.Bucket(t, "lake") })
	})
}

func TestWriteParquetSplitsLargeOutputs(t *testing.T) {
	t.Parallel()
	e := sparktest.Open(t)
	s, err := e.Session(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	files, err := s.WriteParquet(t.Context(), "SELECT id, md5(CAST(id AS STRING)) AS h FROM range(200000) ORDER BY id", engine.Output{MaxFileBytes: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	var total int64
	for _, f := range files {
		total += f.Rows
		st, err := os.Stat(f.Path)
		if err != nil {
			t.Fatal(err)
		}
		// A file may exceed the target by one row group's worth, not by a multiple of it.
		if st.Size() > 2<<20 {
			t.Errorf("%s has %d bytes, want about 1 MiB at most", filepath.Base(f.Path), st.Size())
		}
	}
	if total != 200000 || len(files) < 3 {
		t.Errorf("%d files with %d rows; want 200000 rows split into several files", len(files), total)
	}
	var n, distinct int64
	if err := s.QueryRow(t.Context(), "SELECT COUNT(*), COUNT(DISTINCT id) FROM "+e.Dialect().ReadParquet(paths(files)), &n, &distinct); err != nil {
		t.Fatal(err)
	}
	if n != 200000 || distinct != 200000 {
		t.Errorf("read back %d rows, %d distinct ids; want 200000 of each", n, distinct)
	}
	// The query's order survives the split: file after file, ids ascending.
	last := int64(-1)
	for _, f := range files {
		var lo, hi int64
		if err := s.QueryRow(t.Context(), "SELECT MIN(id), MAX(id) FROM "+e.Dialect().ReadParquet([]string{f.Path}), &lo, &hi); err != nil {
			t.Fatal(err)
		}
		if lo <= last {
			t.Errorf("%s holds ids %d…%d after a file ending at %d: the split lost the query's order", filepath.Base(f.Path), lo, hi, last)
		}
		last = hi
	}
}

func paths(files []engine.ParquetFile) []string {
	var out []string
	for _, f := range files {
		out = append(out, f.Path)
	}
	return out
}

func TestExecRunsScriptsAndQueries(t *testing.T) {
	t.Parallel()
	e := sparktest.Open(t)
	s, err := e.Session(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	// Two statements, a semicolon inside a literal and a comment; then a query that fails only
	// when it runs (Spark accepts it at submission).
	if err := s.Exec(t.Context(), "CREATE TEMP VIEW a AS SELECT 'x;y' AS s; -- the first; the second:\nCREATE TEMP VIEW b AS SELECT s FROM a;"); err != nil {
		t.Fatal(err)
	}
	var got string
	if err := s.QueryRow(t.Context(), "SELECT s FROM b", &got); err != nil || got != "x;y" {
		t.Fatalf("view over view = %q, %v", got, err)
	}
	err = s.Exec(t.Context(), "SELECT raise_error('boom') FROM range(3)")
	if err == nil || !strings.Contains(err.Error(), "boom") {
		t.Errorf("Exec of a query failing at run time = %v; want its error", err)
	}
}

func TestErrorsAndClose(t *testing.T) {
	t.Parallel()
	e := sparktest.Open(t)
	s, err := e.Session(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	// The server's message, not the client library's restatement of the SQL.
	err = s.Exec(t.Context(), "SELECT no_such_column FROM (VALUES (1)) AS t(x)")
	if err == nil || !strings.HasPrefix(err.Error(), "engine: [UNRESOLVED_COLUMN") {
		t.Errorf("error = %v; want engine: [UNRESOLVED_COLUMN…", err)
	}
	if err := s.Exec(t.Context(), "CREATE TEMP VIEW v AS SELECT 1 AS x"); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	// Released on the server: the session is gone, not merely forgotten by the client.
	if err := s.Exec(t.Context(), "SELECT x FROM v"); err == nil {
		t.Error("a closed session still runs statements")
	}
}

func TestReadParquetDoesNotGuessPartitions(t *testing.T) {
	t.Parallel()
	e := sparktest.Open(t)
	s, err := e.Session(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	root := filepath.Join(t.TempDir(), "lake [1]")
	var refs []string
	for i, d := range []string{"2024-01-01", "2024-01-02"} {
		files, err := s.WriteParquet(t.Context(), "SELECT "+string(rune('1'+i))+" AS id", engine.Output{})
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(root, "t", "run_date="+d, "part-0.parquet")
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(files[0].Path, p); err != nil {
			t.Fatal(err)
		}
		refs = append(refs, p)
	}
	cols, err := s.Describe(t.Context(), e.Dialect().ReadParquet(refs))
	if err != nil {
		t.Fatal(err)
	}
	if len(cols) != 1 || cols[0].Name != "id" || cols[0].Type != "INTEGER" {
		t.Errorf("columns %v; want only id INTEGER (no run_date guessed from the path)", cols)
	}
	var n int64
	if err := s.QueryRow(t.Context(), "SELECT SUM(id) FROM "+e.Dialect().ReadParquet(refs), &n); err != nil || n != 3 {
		t.Errorf("sum over both files = %d, %v; want 3", n, err)
	}
}
