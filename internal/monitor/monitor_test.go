package monitor_test

import (
	"context"
	"testing"
	"time"

	"github.com/metalake/metalake/internal/catalog"
	"github.com/metalake/metalake/internal/engine"
	"github.com/metalake/metalake/internal/lake"
	"github.com/metalake/metalake/internal/monitor"
	"github.com/metalake/metalake/internal/storage"
)

func setup(t *testing.T) (*monitor.Monitor, *lake.Lake, engine.Engine) {
	t.Helper()
	eng, err := engine.Open(context.Background(), engine.Options{Threads: 1, WorkDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { eng.Close() })
	lk := lake.New(storage.NewMemory())
	return &monitor.Monitor{Lake: lk, Engine: eng}, lk, eng
}

// putCatalog records bronze partitions with the given row counts ending on day d.
func putCatalog(t *testing.T, lk *lake.Lake, table string, d lake.Date, rows ...int64) {
	t.Helper()
	c := catalog.Table{Layer: lake.Bronze, Table: table, Partitions: map[string]catalog.Partition{}}
	for i, n := range rows {
		c.Partitions[d.AddDays(i-len(rows)+1).String()] = catalog.Partition{Rows: n}
	}
	if err := lk.PutJSON(context.Background(), catalog.Key(lake.Bronze, table), c); err != nil {
		t.Fatal(err)
	}
}

func verdict(r *monitor.Report, check, table string) string {
	for _, c := range r.AnomalyChecks {
		if c.Check == check && c.Table == table {
			return c.Verdict
		}
	}
	return ""
}

func TestRowCountChecks(t *testing.T) {
	t.Parallel()
	m, lk, _ := setup(t)
	d, _ := lake.ParseDate("2024-01-10")
	putCatalog(t, lk, "users", d, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 2000) // jump
	putCatalog(t, lk, "datasets", d, 500, 500, 500, 500, 503)                     // constant series, tiny change
	putCatalog(t, lk, "kernels", d, 10, 11, 400)                                  // two previous dates only
	rep, err := m.Run(context.Background(), d, map[string][]string{lake.Bronze: {"users", "datasets", "kernels", "tags"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ table, want string }{
		{"users", monitor.VerdictAnomaly}, {"datasets", monitor.VerdictOK},
		{"kernels", monitor.VerdictInsufficient}, {"tags", monitor.VerdictInsufficient},
	} {
		if got := verdict(rep, "row_count", c.table); got != c.want {
			t.Errorf("%s: %s, want %s", c.table, got, c.want)
		}
	}
	if len(rep.Anomalies) != 1 || rep.Anomalies[0].Severity != monitor.SeverityHigh || rep.Anomalies[0].Expected != 1000 {
		t.Errorf("anomalies %+v", rep.Anomalies)
	}
	if f := rep.Freshness[lake.Bronze]; f[0].Table != "users" || f[0].DaysStale != 0 || f[0].Runs != 8 || f[3].DaysStale != -1 {
		t.Errorf("freshness %+v", f)
	}
	var stored monitor.Report
	if err := lk.GetJSON(context.Background(), monitor.Key(d), &stored); err != nil || len(stored.AnomalyChecks) != len(rep.AnomalyChecks) {
		t.Errorf("report not stored: %v", err)
	}
}

func TestUserDuplicateRate(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	m, lk, eng := setup(t)
	d, _ := lake.ParseDate("2024-01-10")
	low := 0.001
	for back := 1; back <= 3; back++ {
		lk.PutJSON(ctx, monitor.Key(d.AddDays(-back)), monitor.Report{UserDupRate: &low})
	}
	// 100 rows, 90 distinct users: rate 0.10.
	s, _ := eng.Session(ctx)
	files, err := s.WriteParquet(ctx, "SELECT CAST(i % 90 AS VARCHAR) AS user_id FROM range(100) t(i)", engine.Output{})
	s.Close()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := lk.Publish(ctx, lake.PartitionDir(lake.Bronze, "users", d), lake.Manifest{Attempt: lake.NewAttemptID(time.Now())},
		[]lake.File{{Path: files[0].Path, Rows: files[0].Rows}}); err != nil {
		t.Fatal(err)
	}
	rep, err := m.Run(ctx, d, map[string][]string{lake.Bronze: {"users"}})
	if err != nil {
		t.Fatal(err)
	}
	if rep.UserDupRate == nil || *rep.UserDupRate != 0.1 || verdict(rep, "user_duplicate_rate", "users") != monitor.VerdictAnomaly {
		t.Fatalf("dup rate %v, checks %+v", rep.UserDupRate, rep.AnomalyChecks)
	}
	if a := rep.Anomalies[len(rep.Anomalies)-1]; a.Severity != monitor.SeverityMedium || a.Expected != 0.001 {
		t.Errorf("anomaly %+v", a)
	}
}

func TestTargets(t *testing.T) {
	t.Parallel()
	m, _, _ := setup(t)
	m.Runs = func(context.Context, int) ([]monitor.RunInfo, error) {
		return []monitor.RunInfo{{Succeeded: true, Duration: time.Minute}, {Succeeded: false, Duration: 40 * time.Minute}}, nil
	}
	d, _ := lake.ParseDate("2024-01-10")
	rep, err := m.Run(context.Background(), d, map[string][]string{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]monitor.Target{}
	for _, tg := range rep.Targets {
		got[tg.Name] = tg
	}
	if !got["success_rate"].Breached || got["success_rate"].Value != 0.5 || !got["max_duration_s"].Breached || got["max_rejection_rate"].Breached {
		t.Errorf("targets %+v", rep.Targets)
	}
}
