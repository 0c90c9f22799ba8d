package htmlreport_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/metalake/metalake/internal/contract"
	"github.com/metalake/metalake/internal/engine"
	"github.com/metalake/metalake/internal/htmlreport"
	"github.com/metalake/metalake/internal/lake"
	"github.com/metalake/metalake/internal/pipeline"
	"github.com/metalake/metalake/internal/query"
	"github.com/metalake/metalake/internal/storage"
	"github.com/metalake/metalake/internal/synth"
	"github.com/metalake/metalake/internal/testlake"
)

// The shared lake: four daily snapshots of a small synthetic Meta Kaggle (with defects, so
// there are rejects), run through the whole pipeline once for every test.
const days = 4

var (
	start  = time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC)
	shared *lake.Lake
	eng    engine.Engine
)

func TestMain(m *testing.M) {
	code, err := setup(m)
	if err != nil {
		fmt.Fprintln(os.Stderr, "htmlreport tests:", err)
		code = 1
	}
	os.Exit(code)
}

func setup(m *testing.M) (int, error) {
	ctx := context.Background()
	tmp, err := os.MkdirTemp("", "htmlreport-test-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(tmp)
	duck, err := engine.Open(ctx, engine.Options{Threads: 2, MemoryLimit: "1GB", WorkDir: filepath.Join(tmp, "engine")})
	if err != nil {
		return 0, err
	}
	defer duck.Close()
	eng = duck
	b, err := storage.NewLocal(filepath.Join(tmp, "lake"))
	if err != nil {
		return 0, err
	}
	if shared, err = testlake.Build(ctx, b, eng, testlake.Options{Start: start, Days: days, Users: 700, Seed: 7, DefectRate: 0.02}); err != nil {
		return 0, err
	}
	return m.Run(), nil
}

// date is the i-th generated date (0: 2025-07-01).
func date(i int) lake.Date { return lake.DateOf(start.AddDate(0, 0, i)) }

func build(t *testing.T, lk *lake.Lake, d lake.Date, o htmlreport.Options) *htmlreport.Report {
	t.Helper()
	rep, err := htmlreport.Build(context.Background(), lk, d, o)
	if err != nil {
		t.Fatalf("Build %s: %v", d, err)
	}
	return rep
}

func render(t *testing.T, rep *htmlreport.Report) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := rep.Render(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// sqlRows runs a statement through the query catalog: the independent answer a chart's data
// is compared with.
func sqlRows(t *testing.T, lk *lake.Lake, q string) []map[string]any {
	t.Helper()
	ctx := context.Background()
	cat, err := query.Open(ctx, lk, eng, query.ForQuery(ctx, q))
	if err != nil {
		t.Fatal(err)
	}
	defer cat.Close()
	var out bytes.Buffer
	if err := cat.Query(ctx, q, query.FormatJSON, &out); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	var rows []map[string]any
	dec := json.NewDecoder(&out)
	dec.UseNumber()
	if err := dec.Decode(&rows); err != nil {
		t.Fatal(err)
	}
	return rows
}

func jsonInt(t *testing.T, v any) int64 {
	t.Helper()
	n, ok := v.(json.Number)
	if !ok {
		t.Fatalf("%v (%T) is not a number", v, v)
	}
	i, err := n.Int64()
	if err != nil {
		t.Fatal(err)
	}
	return i
}

// putJSON writes an object into a lake (fabricated run states and reports).
func putJSON(t *testing.T, lk *lake.Lake, key string, v any) {
	t.Helper()
	if err := lk.PutJSON(context.Background(), key, v); err != nil {
		t.Fatal(err)
	}
}

func newLake(t *testing.T) *lake.Lake {
	t.Helper()
	b, err := storage.NewLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return lake.New(b)
}

// runLake generates days snapshots with the given share of defective rows and runs them; a
// run that fails (the circuit breaker) is part of the lake, not an error.
func runLake(t *testing.T, days, users int, defects float64) *lake.Lake {
	t.Helper()
	ctx := context.Background()
	lk := newLake(t)
	if _, err := synth.Generate(ctx, lk.B, synth.Options{Start: start, Days: days, Users: users, Layout: synth.LayoutKaggle, Seed: 3, DefectRate: defects}); err != nil {
		t.Fatal(err)
	}
	set, err := contract.Default()
	if err != nil {
		t.Fatal(err)
	}
	r := &pipeline.Runner{Lake: lk, Engine: eng, Contracts: set, Parallelism: 2}
	for i := range days {
		_, _ = r.Run(ctx, date(i), pipeline.Options{})
	}
	return lk
}
