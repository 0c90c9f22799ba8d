package engine_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/big"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/metalake/metalake/internal/engine"
	"github.com/metalake/metalake/internal/engine/enginetest"
	"github.com/metalake/metalake/internal/storage"
)

func open(t *testing.T) *engine.DuckDB {
	t.Helper()
	eng, err := engine.Open(context.Background(), engine.Options{Threads: 2, MemoryLimit: "512MB", WorkDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	return eng
}

func TestSessionsDoNotShareTempObjects(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	eng := open(t)
	defer eng.Close()
	for i := 0; i < 3; i++ {
		s, err := eng.Session(ctx)
		if err != nil {
			t.Fatal(err)
		}
		// A table left by an earlier session would make this fail.
		if err := s.Exec(ctx, "CREATE TEMP TABLE leftover AS SELECT 1 AS x"); err != nil {
			t.Fatalf("session %d sees an earlier session's temp table: %v", i, err)
		}
		s.Close()
	}
}

func TestWriteParquetSplitsAndCounts(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	eng := open(t)
	s, err := eng.Session(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	files, err := s.WriteParquet(ctx, "SELECT i, md5(CAST(i AS VARCHAR)) AS h FROM range(300000) t(i)", engine.Output{MaxFileBytes: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	var total int64
	for _, f := range files {
		total += f.Rows
		if filepath.Ext(f.Path) != ".parquet" {
			t.Errorf("file %s", f.Path)
		}
	}
	if total != 300000 || len(files) < 2 {
		t.Errorf("%d files with %d rows; want several files holding 300000 rows", len(files), total)
	}
	empty, err := s.WriteParquet(ctx, "SELECT 1 AS x WHERE false", engine.Output{})
	if err != nil || len(empty) != 0 {
		t.Errorf("empty result: %v files, %v", empty, err)
	}
	work := filepath.Dir(filepath.Dir(files[0].Path))
	if err := eng.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(work); !os.IsNotExist(err) {
		t.Errorf("work dir %s survives Close: %v", work, err)
	}
}

func TestOptionsValidate(t *testing.T) {
	t.Parallel()
	if err := (engine.Options{Threads: -1}).Validate(); err == nil {
		t.Error("negative threads accepted")
	}
	if err := (engine.Options{MemoryLimit: "1GB'; DROP"}).Validate(); err == nil {
		t.Error("injection in memory limit accepted")
	}
	if pid, ok := engine.WorkDirPID("metalake-engine-123-456789"); !ok || pid != 123 {
		t.Errorf("WorkDirPID = %d %v", pid, ok)
	}
}

func TestSettingsHoldInEverySession(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	eng := open(t)
	defer eng.Close()
	for i := 0; i < 3; i++ {
		s, err := eng.Session(ctx)
		if err != nil {
			t.Fatalf("session %d: %v", i, err)
		}
		var threads int64
		var dir string
		if err := s.QueryRow(ctx, "SELECT current_setting('threads'), current_setting('temp_directory')", &threads, &dir); err != nil {
			t.Fatal(err)
		}
		if threads != 2 || filepath.Base(dir) != "spill" {
			t.Errorf("session %d: threads %d temp_directory %q", i, threads, dir)
		}
		s.Close()
	}
}

// TestObjects: rows come back as column → value maps, conv applied to every value; no rows is
// an empty list (reports write [] from it, never null); a bad query names its SQL.
func TestObjects(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	eng := open(t)
	defer eng.Close()
	s, err := eng.Session(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got, err := s.Objects(ctx, "SELECT range AS n, 'x' || range AS s FROM range(2) ORDER BY n", func(v any) any { return fmt.Sprint(v) })
	if err != nil || fmt.Sprint(got) != "[map[n:0 s:x0] map[n:1 s:x1]]" {
		t.Fatalf("Objects = %v, %v", got, err)
	}
	if _, ok := got[0]["n"].(string); !ok {
		t.Errorf("conv not applied: %T", got[0]["n"])
	}
	none, err := s.Objects(ctx, "SELECT 1 AS n WHERE false", nil)
	if err != nil || none == nil || len(none) != 0 {
		t.Errorf("no rows: %#v, %v", none, err)
	}
	var se *engine.SQLError
	if _, err := s.Objects(ctx, "SELECT nope FROM nowhere", nil); !errors.As(err, &se) {
		t.Errorf("bad query: %v", err)
	}
}

// TestFilePathIsLiteral: a path holding glob metacharacters names exactly one file — never
// the neighbours it would match as a pattern, nor nothing when its brackets match no name.
func TestFilePathIsLiteral(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	eng := open(t)
	defer eng.Close()
	s, err := eng.Session(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	root := t.TempDir()
	for _, d := range []string{"w*", "wz", "gl[ab]", "gla", "q?", "qz", "b{a,b}", "ba", `x\y`} {
		writeCSV(t, filepath.Join(root, d, "f.csv"), "a\n"+d+"\n")
	}
	for _, d := range []string{"w*", "gl[ab]", "q?", "b{a,b}", `x\y`, "wz"} {
		var got string
		q := "SELECT string_agg(a, '|') FROM read_csv(" + engine.FilePath(filepath.Join(root, d, "f.csv")) + ", header = true, columns = {'a': 'VARCHAR'})"
		if err := s.QueryRow(ctx, q, &got); err != nil {
			t.Fatalf("%s: %v", d, err)
		}
		if got != d {
			t.Errorf("reading %s/f.csv gave the rows %q, want only %q", d, got, d)
		}
	}
}

func writeCSV(t *testing.T, path, body string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestDuckDBConformance: the embedded engine passes the engine conformance suite.
func TestDuckDBConformance(t *testing.T) {
	enginetest.Run(t, func(t *testing.T, _ storage.Bucket) engine.Engine {
		eng := open(t)
		t.Cleanup(func() { eng.Close() })
		return eng
	}, nil)
}

// TestJSONValue: every layer stores engine values in reports the same way.
func TestJSONValue(t *testing.T) {
	t.Parallel()
	huge, _ := new(big.Int).SetString("123456789012345678901234567890", 10)
	for _, c := range []struct {
		in   any
		want string
	}{
		{big.NewInt(42), "42"},
		{huge, "123456789012345678901234567890"},
		{int32(7), "7"},
		{1.5, "1.5"},
		{math.NaN(), "null"},
		{math.Inf(1), "null"},
		{time.Date(2024, 1, 15, 0, 0, 0, 0, time.UTC), `"2024-01-15"`},
		{time.Date(2024, 1, 15, 13, 4, 5, 123000, time.UTC), `"2024-01-15T13:04:05.000123"`},
		{[]byte("raw"), `"raw"`},
		{[]any{big.NewInt(1), nil}, "[1,null]"},
		{map[string]any{"n": big.NewInt(3)}, `{"n":3}`},
	} {
		b, err := json.Marshal(engine.JSONValue(c.in))
		if err != nil || string(b) != c.want {
			t.Errorf("JSONValue(%v) encodes as %s, %v; want %s", c.in, b, err, c.want)
		}
	}
}
