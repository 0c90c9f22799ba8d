package parity_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/metalake/metalake/internal/engine"
	"github.com/metalake/metalake/internal/lake"
	"github.com/metalake/metalake/internal/pipeline"
	"github.com/metalake/metalake/internal/storage"
	"github.com/metalake/metalake/internal/testlake"
	"github.com/metalake/metalake/internal/testserver"
)

func TestMain(m *testing.M) {
	code := m.Run()
	testserver.StopSharedSpark()
	os.Exit(code)
}

func openDuckDB(t *testing.T) engine.Engine {
	t.Helper()
	e, err := engine.Open(t.Context(), engine.Options{Threads: 2, WorkDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return e
}

func localLake(t *testing.T, dir string) *lake.Lake {
	t.Helper()
	b, err := storage.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	return lake.New(b)
}

// copyTree copies the files under src/prefix to dst/prefix.
func copyTree(t *testing.T, src, dst, prefix string) {
	t.Helper()
	root := filepath.Join(src, prefix)
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		out := filepath.Join(dst, rel)
		if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
			return err
		}
		return os.WriteFile(out, b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// runBoth runs the pipeline for days dates from start on lake a with DuckDB and on lake b with
// sp (its surrounding tasks on DuckDB, as the CLI does), each date on both before the next;
// any failure ends the test.
func runBoth(t *testing.T, a, b *lake.Lake, duck, sp engine.Engine, start time.Time, days int) {
	t.Helper()
	ra, err := testlake.Runner(a, duck)
	if err != nil {
		t.Fatal(err)
	}
	rb, err := testlake.Runner(b, sp)
	if err != nil {
		t.Fatal(err)
	}
	rb.Local = duck
	for i := range days {
		d := lake.DateOf(start.AddDate(0, 0, i))
		for _, r := range []*pipeline.Runner{ra, rb} {
			st, err := r.Run(t.Context(), d, pipeline.Options{})
			if err != nil {
				t.Fatalf("%s on %T: %v", d, r.Engine, err)
			}
			if st.Status != "success" {
				t.Fatalf("%s on %T: %s", d, r.Engine, st.Status)
			}
		}
	}
}
