package vacuum_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/metalake/metalake/internal/catalog"
	"github.com/metalake/metalake/internal/engine"
	"github.com/metalake/metalake/internal/lake"
	"github.com/metalake/metalake/internal/pipeline"
	"github.com/metalake/metalake/internal/storage"
	"github.com/metalake/metalake/internal/testlake"
	"github.com/metalake/metalake/internal/vacuum"
)

// The template lake: six days of generated Meta Kaggle snapshots, the first five run by the
// real pipeline (the sixth is the "next date"). Every test works on its own copy.
var (
	template string
	eng      *engine.DuckDB
	start    = time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC)
)

const (
	days = 6
	ran  = 5
)

func TestMain(m *testing.M) {
	code, err := setup(m)
	if err != nil {
		fmt.Fprintln(os.Stderr, "vacuum tests:", err)
		code = 1
	}
	os.Exit(code)
}

func setup(m *testing.M) (int, error) {
	ctx := context.Background()
	tmp, err := os.MkdirTemp("", "vacuum-test-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(tmp)
	template = filepath.Join(tmp, "lake")
	eng, err = engine.Open(ctx, engine.Options{Threads: 2, MemoryLimit: "1GB", WorkDir: filepath.Join(tmp, "engine")})
	if err != nil {
		return 0, err
	}
	defer eng.Close()
	b, err := storage.NewLocal(template)
	if err != nil {
		return 0, err
	}
	if _, err := testlake.Build(ctx, b, eng, testlake.Options{Start: start, Days: days, Run: ran, Users: 2000, Seed: 3, DefectRate: 0.01}); err != nil {
		return 0, err
	}
	return m.Run(), nil
}

func runner(lk *lake.Lake) (*pipeline.Runner, error) {
	return testlake.Runner(lk, eng)
}

// date is the i-th generated date (0: 2025-07-01).
func date(i int) lake.Date { return lake.DateOf(start.AddDate(0, 0, i)) }

func dates(idx ...int) []lake.Date {
	out := make([]lake.Date, len(idx))
	for i, x := range idx {
		out[i] = date(x)
	}
	return out
}

// newLake copies the template lake and returns it with a vacuum over it (catalog wired).
func newLake(t *testing.T) (*lake.Lake, *vacuum.Vacuum, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "lake")
	if err := os.CopyFS(dir, os.DirFS(template)); err != nil {
		t.Fatal(err)
	}
	b, err := storage.NewLocal(dir)
	if err != nil {
		t.Fatal(err)
	}
	lk := lake.New(b)
	return lk, &vacuum.Vacuum{Lake: lk, Catalog: &catalog.Crawler{Lake: lk}}, dir
}

// files lists every file of a local lake (slash-separated, sorted), without the scratch
// folders a run or an upload may leave (_staging).
func files(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		if !strings.HasPrefix(rel, "_staging/") {
			out = append(out, rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(out)
	return out
}

// withDate returns the files of the list that belong to run date d's folders.
func withDate(fs []string, d lake.Date) []string {
	var out []string
	for _, f := range fs {
		if strings.Contains(f, "run_date="+d.String()+"/") {
			out = append(out, f)
		}
	}
	return out
}

// under returns the files under prefix.
func under(fs []string, prefix string) []string {
	var out []string
	for _, f := range fs {
		if strings.HasPrefix(f, prefix) {
			out = append(out, f)
		}
	}
	return out
}

// checkWhole asserts every committed partition of the lake is whole: each manifest's files
// exist with the sizes it lists.
func checkWhole(t *testing.T, dir string) {
	t.Helper()
	for _, f := range files(t, dir) {
		if !strings.HasSuffix(f, "/"+lake.ManifestName) {
			continue
		}
		var m lake.Manifest
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for _, mf := range m.Files {
			st, err := os.Stat(filepath.Join(dir, filepath.Dir(f), mf.Name))
			if err != nil || st.Size() != mf.Bytes {
				t.Errorf("%s lists %s, which is missing or partial", f, mf.Name)
			}
		}
	}
}

// catalogDates returns, per catalogued "layer.table", the partition dates the catalog lists.
func catalogDates(t *testing.T, lk *lake.Lake) map[string][]string {
	t.Helper()
	tables, err := catalog.List(context.Background(), lk)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	for _, tb := range tables {
		var ds []string
		for pk := range tb.Partitions {
			ds = append(ds, pk)
		}
		sort.Strings(ds)
		out[tb.Layer+"."+tb.Table] = ds
	}
	return out
}

func strs(ds []lake.Date) []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = d.String()
	}
	return out
}

func mustPlan(t *testing.T, v *vacuum.Vacuum, o vacuum.Options) *vacuum.Plan {
	t.Helper()
	p, err := v.Plan(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func equalDates(t *testing.T, what string, got, want []lake.Date) {
	t.Helper()
	if !slices.Equal(strs(got), strs(want)) {
		t.Errorf("%s = %v, want %v", what, strs(got), strs(want))
	}
}

// setState rewrites run date d's state (a failed or stale run, as the pipeline records them).
func setState(t *testing.T, lk *lake.Lake, d lake.Date, edit func(*pipeline.RunState)) {
	t.Helper()
	ctx := context.Background()
	st, ok, err := pipeline.LoadState(ctx, lk, d)
	if err != nil || !ok {
		t.Fatalf("state of %s: %v %v", d, ok, err)
	}
	edit(&st)
	if err := lk.PutJSON(ctx, lake.StateKey(d), st); err != nil {
		t.Fatal(err)
	}
}
