package silver_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/metalake/metalake/internal/bronze"
	"github.com/metalake/metalake/internal/contract"
	"github.com/metalake/metalake/internal/engine"
	"github.com/metalake/metalake/internal/lake"
	"github.com/metalake/metalake/internal/silver"
	"github.com/metalake/metalake/internal/storage"
	"github.com/metalake/metalake/internal/synth"
)

// env is a local lake, an engine and the bronze and silver jobs over them.
type env struct {
	root   string
	lake   *lake.Lake
	eng    engine.Engine
	bronze *bronze.Job
	silver *silver.Job
}

func newEnv(t testing.TB) *env {
	t.Helper()
	ctx := context.Background()
	eng, err := engine.Open(ctx, engine.Options{Threads: 2, MemoryLimit: "1GB", WorkDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { eng.Close() })
	return newEnvOn(t, eng, t.TempDir())
}

func newEnvOn(t testing.TB, eng engine.Engine, root string) *env {
	t.Helper()
	bset, err := contract.Default()
	if err != nil {
		t.Fatal(err)
	}
	sset, err := silver.Default()
	if err != nil {
		t.Fatal(err)
	}
	b, err := storage.NewLocal(root)
	if err != nil {
		t.Fatal(err)
	}
	lk := lake.New(b)
	return &env{root: root, lake: lk, eng: eng,
		bronze: &bronze.Job{Lake: lk, Engine: eng, Contracts: bset},
		silver: &silver.Job{Lake: lk, Engine: eng, Contracts: sset}}
}

func mustDate(t testing.TB, s string) lake.Date {
	t.Helper()
	d, err := lake.ParseDate(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// putRaw writes a raw CSV snapshot.
func (e *env) putRaw(t testing.TB, table, date, body string) {
	t.Helper()
	if err := storage.PutBytes(context.Background(), e.lake.B, lake.RawKey(table, mustDate(t, date)), []byte(body)); err != nil {
		t.Fatal(err)
	}
}

// runBronze runs bronze for tables on date and fails the test on any error.
func (e *env) runBronze(t testing.TB, date string, tables ...string) {
	t.Helper()
	for _, tb := range tables {
		if _, err := e.bronze.Run(context.Background(), tb, mustDate(t, date)); err != nil {
			t.Fatalf("bronze %s %s: %v", tb, date, err)
		}
	}
}

// runSilver runs silver for tables on date (incremental) and returns the reports.
func (e *env) runSilver(t testing.TB, date string, tables ...string) map[string]*silver.Report {
	t.Helper()
	return e.runSilverMode(t, date, silver.Incremental, tables...)
}

func (e *env) runSilverMode(t testing.TB, date string, mode silver.Mode, tables ...string) map[string]*silver.Report {
	t.Helper()
	out := map[string]*silver.Report{}
	for _, tb := range tables {
		rep, err := e.silver.Run(context.Background(), tb, mustDate(t, date), mode)
		if err != nil {
			t.Fatalf("silver %s %s: %v", tb, date, err)
		}
		out[tb] = rep
	}
	return out
}

// files returns the local paths of a committed partition's files (nil when not committed).
func (e *env) files(t testing.TB, dir string) ([]string, bool) {
	t.Helper()
	m, ok, err := e.lake.ReadManifest(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	if !ok {
		return nil, false
	}
	var out []string
	for _, f := range m.Files {
		out = append(out, filepath.Join(e.root, filepath.FromSlash(dir+f.Name)))
	}
	return out, true
}

// rel is an SQL relation over a committed silver partition (fails the test when absent).
func (e *env) rel(t testing.TB, table, date string) string {
	t.Helper()
	return e.relDir(t, lake.PartitionDir(lake.Silver, table, mustDate(t, date)))
}

func (e *env) relDir(t testing.TB, dir string) string {
	t.Helper()
	fs, ok := e.files(t, dir)
	if !ok {
		t.Fatalf("partition %s is not committed", dir)
	}
	if len(fs) == 0 {
		return "(SELECT 1 AS empty_partition WHERE false)"
	}
	q := make([]string, len(fs))
	for i, f := range fs {
		q[i] = engine.Literal(f)
	}
	return "read_parquet([" + strings.Join(q, ", ") + "], union_by_name = true, hive_partitioning = false)"
}

// query runs q (with {t} replaced by the silver table's relation of date) and returns rows as
// maps of column → value.
func (e *env) query(t testing.TB, q string) []map[string]any {
	t.Helper()
	ctx := context.Background()
	s, err := e.eng.Session(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	out, err := s.Objects(ctx, q, nil)
	if err != nil {
		t.Fatalf("%v\n%s", err, q)
	}
	return out
}

// scalar runs a one-value query.
func (e *env) scalar(t testing.TB, q string) any {
	t.Helper()
	rows := e.query(t, q)
	if len(rows) != 1 || len(rows[0]) != 1 {
		t.Fatalf("scalar query gave %v\n%s", rows, q)
	}
	for _, v := range rows[0] {
		return v
	}
	return nil
}

// byKey returns the silver rows of table on date keyed by the string value of col.
func (e *env) byKey(t testing.TB, table, date, col string) map[string]map[string]any {
	t.Helper()
	out := map[string]map[string]any{}
	for _, r := range e.query(t, "SELECT * FROM "+e.rel(t, table, date)) {
		out[fmt.Sprint(r[col])] = r
	}
	return out
}

// strategy returns records_affected of the report's strategy (by strategy and field, or code).
func strategy(t testing.TB, rep *silver.Report, strat, fieldOrCode string) int64 {
	t.Helper()
	for _, s := range rep.CleaningStrategies {
		if s.Strategy == strat && (s.Field == fieldOrCode || s.Code == fieldOrCode) {
			return s.RecordsAffected
		}
	}
	t.Fatalf("report %s has no strategy %s %s: %+v", rep.Table, strat, fieldOrCode, rep.CleaningStrategies)
	return 0
}

// checkAccounting asserts the report's invariants.
func checkAccounting(t testing.TB, rep *silver.Report) {
	t.Helper()
	var dropped int64
	for _, s := range rep.CleaningStrategies {
		if s.Strategy == silver.StrategyDrop {
			dropped += s.RecordsAffected
		}
	}
	if rep.InputCount != rep.BronzeInputCount+rep.CarriedCount ||
		rep.InputCount != rep.OutputCount+rep.DuplicatesRemoved+dropped ||
		dropped != rep.DroppedCount || rep.Status != silver.StatusSuccess {
		t.Errorf("%s %s accounting: input %d (bronze %d + carried %d) vs output %d + dups %d + dropped %d (strategies %d), status %s",
			rep.Table, rep.RunDate, rep.InputCount, rep.BronzeInputCount, rep.CarriedCount, rep.OutputCount,
			rep.DuplicatesRemoved, rep.DroppedCount, dropped, rep.Status)
	}
}

// generate writes a synthetic lake of days days starting 2024-03-01.
func (e *env) generate(t testing.TB, layout string, days, users int, defects float64) []string {
	t.Helper()
	start := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	if _, err := synth.Generate(context.Background(), e.lake.B, synth.Options{Start: start, Days: days, Users: users,
		Layout: layout, Seed: 7, DefectRate: defects}); err != nil {
		t.Fatal(err)
	}
	var dates []string
	for i := range days {
		dates = append(dates, start.AddDate(0, 0, i).Format(time.DateOnly))
	}
	return dates
}

var allTables = []string{"users", "datasets", "competitions", "tags", "kernels"}

// copyTree copies the directory src into dst (bronze of one lake into another).
func copyTree(t testing.TB, src, dst string) {
	t.Helper()
	if err := os.CopyFS(dst, os.DirFS(src)); err != nil {
		t.Fatal(err)
	}
}
