package query_test

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/metalake/metalake/internal/engine"
	"github.com/metalake/metalake/internal/lake"
	"github.com/metalake/metalake/internal/query"
	"github.com/metalake/metalake/internal/storage"
)

// fixture is a lake (on one backend) plus the engine that writes its Parquet files.
type fixture struct {
	lk      *lake.Lake
	eng     engine.Engine
	root    string // local backend only: the lake's directory
	workDir string // the engine's parent work directory
}

func newFixture(t *testing.T, backend string) *fixture {
	t.Helper()
	ctx := context.Background()
	f := &fixture{workDir: t.TempDir()}
	eng, err := engine.Open(ctx, engine.Options{Threads: 2, MemoryLimit: "512MB", WorkDir: f.workDir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { eng.Close() })
	f.eng = eng
	switch backend {
	case "local":
		f.root = t.TempDir()
		b, err := storage.NewLocal(f.root)
		if err != nil {
			t.Fatal(err)
		}
		f.lk = lake.New(b)
	case "memory":
		f.lk = lake.New(storage.NewMemory())
	default:
		t.Fatalf("unknown backend %q", backend)
	}
	return f
}

// parquet writes the result of q as Parquet files in the engine's work directory.
func (f *fixture) parquet(t *testing.T, q string) []engine.ParquetFile {
	t.Helper()
	ctx := context.Background()
	s, err := f.eng.Session(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	files, err := s.WriteParquet(ctx, q, engine.Output{})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// publish commits the result of q as the partition (or whole-table folder) dir.
func (f *fixture) publish(t *testing.T, dir, q string) {
	t.Helper()
	var files []lake.File
	for _, p := range f.parquet(t, q) {
		files = append(files, lake.File{Path: p.Path, Rows: p.Rows})
	}
	m := lake.Manifest{Attempt: lake.NewAttemptID(time.Now())}
	if _, err := f.lk.Publish(context.Background(), dir, m, files); err != nil {
		t.Fatal(err)
	}
}

// put stores the result of q as one Parquet object under key, outside the commit protocol
// (an orphan of a crashed attempt, or a partition being written).
func (f *fixture) put(t *testing.T, key, q string) {
	t.Helper()
	files := f.parquet(t, q)
	if len(files) != 1 {
		t.Fatalf("put %s: %d files, want 1", key, len(files))
	}
	if err := storage.UploadFile(context.Background(), f.lk.B, key, files[0].Path); err != nil {
		t.Fatal(err)
	}
}

func (f *fixture) open(t *testing.T) *query.Catalog {
	t.Helper()
	c, err := query.Open(context.Background(), f.lk, f.eng)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// run returns the output of a query that must succeed.
func run(t *testing.T, c *query.Catalog, q, format string) string {
	t.Helper()
	var out bytes.Buffer
	if err := c.Query(context.Background(), q, format, &out); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return out.String()
}

// localPath is where the local backend keeps key.
func (f *fixture) localPath(key string) string {
	return filepath.Join(f.root, filepath.FromSlash(key))
}

func checkOutput(t *testing.T, q, got, want string) {
	t.Helper()
	if got != want {
		t.Errorf("%s\n--- got ---\n%s--- want ---\n%s", q, got, want)
	}
}
