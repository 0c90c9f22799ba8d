package parity_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/metalake/metalake/internal/engine"
	"github.com/metalake/metalake/internal/lake"
	"github.com/metalake/metalake/internal/storage"
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
