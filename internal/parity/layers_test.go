package parity_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/metalake/metalake/internal/engine"
	"github.com/metalake/metalake/internal/engine/spark"
	"github.com/metalake/metalake/internal/gold"
	"github.com/metalake/metalake/internal/lake"
	"github.com/metalake/metalake/internal/silver"
	"github.com/metalake/metalake/internal/storage"
	"github.com/metalake/metalake/internal/testlake"
	"github.com/metalake/metalake/internal/testserver"
)

func TestMain(m *testing.M) {
	code := m.Run()
	testserver.StopSharedSpark()
	os.Exit(code)
}

func openSpark(t *testing.T) engine.Engine {
	t.Helper()
	srv := testserver.SharedSpark(t, func(ctx context.Context, remote string) error {
		e, err := spark.Open(ctx, spark.Options{Remote: remote, WorkDir: os.TempDir()})
		if err != nil {
			return err
		}
		return e.Close()
	})
	e, err := spark.Open(t.Context(), spark.Options{Remote: srv.Remote, WorkDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return e
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

// TestSilverAndGoldOnSparkFromTheSameBronze runs silver and gold on Spark over the bronze
// DuckDB published, and compares them with DuckDB's own silver and gold: three dates, so the
// incremental silver and the SCD2 history are exercised.
func TestSilverAndGoldOnSparkFromTheSameBronze(t *testing.T) {
	ctx := t.Context()
	duck := openDuckDB(t)
	sp := openSpark(t)
	dirA, dirB := t.TempDir(), t.TempDir()
	start := time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC)
	const days = 3
	a, err := testlake.Build(ctx, localLake(t, dirA).B, duck, testlake.Options{Start: start, Days: days, Users: 600, Seed: 7, DefectRate: 0.02})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"raw", "bronze"} {
		copyTree(t, dirA, dirB, p)
	}
	b := localLake(t, dirB)
	set, err := silver.Default()
	if err != nil {
		t.Fatal(err)
	}
	sj := &silver.Job{Lake: b, Engine: sp, Contracts: set}
	gj := &gold.Job{Lake: b, Engine: sp, RunID: "parity"}
	for i := range days {
		d := lake.DateOf(start.AddDate(0, 0, i))
		for _, tb := range set.Tables {
			if _, err := sj.Run(ctx, tb.Name, d, silver.Incremental); err != nil {
				t.Fatalf("spark silver %s %s: %v", tb.Name, d, err)
			}
		}
		for _, g := range gold.Tables() {
			if err := gj.Run(ctx, g.Name, d); err != nil {
				t.Fatalf("spark gold %s %s: %v", g.Name, d, err)
			}
		}
	}
	diffs, err := testlake.Compare(ctx, duck, a, b, []string{"silver/", "gold/"}, testlake.AuditColumns)
	if err != nil {
		t.Fatal(err)
	}
	if len(diffs) > 0 {
		t.Errorf("silver and gold differ between DuckDB (first) and Spark (second):\n%s", strings.Join(diffs, "\n"))
	}
}
