package bronze_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/metalake/metalake/internal/bronze"
	"github.com/metalake/metalake/internal/contract"
	"github.com/metalake/metalake/internal/engine"
	"github.com/metalake/metalake/internal/lake"
	"github.com/metalake/metalake/internal/storage"
)

type fixture struct {
	lake *lake.Lake
	job  *bronze.Job
	eng  engine.Engine
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	ctx := context.Background()
	eng, err := engine.Open(ctx, engine.Options{Threads: 2, MemoryLimit: "1GB", WorkDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { eng.Close() })
	set, err := contract.Default()
	if err != nil {
		t.Fatal(err)
	}
	b, err := storage.NewLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	lk := lake.New(b)
	return &fixture{lake: lk, eng: eng, job: &bronze.Job{Lake: lk, Engine: eng, Contracts: set}}
}

func (f *fixture) putRaw(t *testing.T, table, date, body string) {
	t.Helper()
	d := mustDate(t, date)
	if err := storage.PutBytes(context.Background(), f.lake.B, lake.RawKey(table, d), []byte(body)); err != nil {
		t.Fatal(err)
	}
}

func mustDate(t *testing.T, s string) lake.Date {
	t.Helper()
	d, err := lake.ParseDate(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// query runs SQL over the committed files of a partition dir (exposed as table t).
func (f *fixture) query(t *testing.T, dir, q string) []map[string]any {
	t.Helper()
	ctx := context.Background()
	m, ok, err := f.lake.ReadManifest(ctx, dir)
	if err != nil || !ok {
		t.Fatalf("partition %s not committed (err %v)", dir, err)
	}
	s, err := f.eng.Session(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var files []string
	for _, fl := range m.Files {
		p, _, err := f.lake.Localize(ctx, dir+fl.Name, t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, engine.Literal(p))
	}
	if len(files) == 0 {
		// An empty partition has no file to give the view its columns: nothing to query.
		return nil
	}
	src := "read_parquet([" + strings.Join(files, ", ") + "], union_by_name = true)"
	if err := s.Exec(ctx, "CREATE OR REPLACE TEMP VIEW t AS SELECT * FROM "+src); err != nil {
		t.Fatal(err)
	}
	out, err := s.Objects(ctx, q, nil)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func (f *fixture) report(t *testing.T, table, date string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := f.lake.GetJSON(context.Background(), lake.ReportKey(lake.Bronze, mustDate(t, date), table+"_report.json"), &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func num(t *testing.T, v any) int64 {
	t.Helper()
	if f, ok := v.(float64); ok {
		return int64(f)
	}
	n, err := strconv.ParseInt(fmt.Sprint(v), 10, 64)
	if err != nil {
		t.Fatalf("not a number: %#v", v)
	}
	return n
}

// committedRows is the row count the manifest of a committed partition records.
func (f *fixture) committedRows(t *testing.T, dir string) int64 {
	t.Helper()
	m, ok, err := f.lake.ReadManifest(context.Background(), dir)
	if err != nil || !ok {
		t.Fatalf("partition %s not committed (err %v)", dir, err)
	}
	return m.Rows
}
