package catalog_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/metalake/metalake/internal/catalog"
	"github.com/metalake/metalake/internal/engine"
	"github.com/metalake/metalake/internal/lake"
	"github.com/metalake/metalake/internal/storage"
)

func TestCrawlRecordsSchemaVersionsAndLogsRemovedColumns(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	eng := openEngine(t)
	lk := lake.New(storage.NewMemory())
	var logs bytes.Buffer
	c := &catalog.Crawler{Lake: lk, Engine: eng, Log: slog.New(slog.NewTextHandler(&logs, nil))}
	publish := func(date, query string) lake.Date {
		d, _ := lake.ParseDate(date)
		s, err := eng.Session(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		files, err := s.WriteParquet(ctx, query, engine.Output{})
		if err != nil {
			t.Fatal(err)
		}
		var lf []lake.File
		for _, f := range files {
			lf = append(lf, lake.File{Path: f.Path, Rows: f.Rows})
		}
		if _, err := lk.Publish(ctx, lake.PartitionDir(lake.Bronze, "users", d), lake.Manifest{Attempt: lake.NewAttemptID(time.Now())}, lf); err != nil {
			t.Fatal(err)
		}
		return d
	}
	d1 := publish("2024-01-01", "SELECT 'U1' AS user_id, 'a' AS user_name, 'VN' AS country_code FROM range(3)")
	if _, err := c.Crawl(ctx, lake.Bronze, "users", lake.PartitionDir(lake.Bronze, "users", d1), d1); err != nil {
		t.Fatal(err)
	}
	d2 := publish("2024-01-02", "SELECT 'U1' AS user_id, 'a' AS user_name, 1 AS performance_tier FROM range(5)")
	tab, err := c.Crawl(ctx, lake.Bronze, "users", lake.PartitionDir(lake.Bronze, "users", d2), d2)
	if err != nil {
		t.Fatal(err)
	}
	if len(tab.Schemas) != 2 {
		t.Fatalf("schema versions %+v", tab.Schemas)
	}
	v2 := tab.Schemas[1]
	if v2.Version != 2 || v2.FirstSeen != "2024-01-02" || strings.Join(v2.Added, ",") != "performance_tier" || strings.Join(v2.Removed, ",") != "country_code" {
		t.Errorf("version 2: %+v", v2)
	}
	// A partitioned table has run_date (DATE) whether or not its files hold it: readers take it
	// from the run_date=D path (Glue declares it, _latest tables carry it).
	last := v2.Columns[len(v2.Columns)-1]
	if last.Name != "run_date" || last.Type != "DATE" {
		t.Errorf("version 2 columns %+v: want run_date DATE from the partition path", v2.Columns)
	}
	if tab.Partitions["2024-01-01"].Rows != 3 || tab.Partitions["2024-01-02"].Rows != 5 || tab.Partitions["2024-01-02"].SchemaVersion != 2 {
		t.Errorf("partitions %+v", tab.Partitions)
	}
	if !strings.Contains(logs.String(), "schema changed") || !strings.Contains(logs.String(), "country_code") {
		t.Errorf("removed column not logged: %s", logs.String())
	}
	// Crawling the same partition again changes nothing but the timestamp.
	again, err := c.Crawl(ctx, lake.Bronze, "users", lake.PartitionDir(lake.Bronze, "users", d2), d2)
	if err != nil || len(again.Schemas) != 2 {
		t.Errorf("recrawl: %d versions, %v", len(again.Schemas), err)
	}
}

// TestCrawlReadsOnlyTheFooterOfARemoteFile: on a store without local files (S3, memory) the
// crawler describes a partition from its Parquet footer: the schema is right and it reads a
// small fraction of the file (it used to download the whole file).
func TestCrawlReadsOnlyTheFooterOfARemoteFile(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	eng := openEngine(t)
	store := storage.WithMetrics(storage.NewMemory())
	lk := lake.New(store)
	d, _ := lake.ParseDate("2024-01-01")
	s, err := eng.Session(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	files, err := s.WriteParquet(ctx, "SELECT range AS user_id, md5(CAST(range AS VARCHAR)) AS user_name, DATE '2024-01-01' AS run_date FROM range(300000)", engine.Output{})
	if err != nil {
		t.Fatal(err)
	}
	var lf []lake.File
	for _, f := range files {
		lf = append(lf, lake.File{Path: f.Path, Rows: f.Rows})
	}
	dir := lake.PartitionDir(lake.Bronze, "users", d)
	m, err := lk.Publish(ctx, dir, lake.Manifest{Attempt: lake.NewAttemptID(time.Now())}, lf)
	if err != nil {
		t.Fatal(err)
	}
	before := store.Snapshot()
	tab, err := (&catalog.Crawler{Lake: lk, Engine: eng}).Crawl(ctx, lake.Bronze, "users", dir, d)
	if err != nil {
		t.Fatal(err)
	}
	var cols []string
	for _, c := range tab.Schemas[0].Columns {
		cols = append(cols, c.Name+" "+c.Type)
	}
	if strings.Join(cols, ", ") != "user_id BIGINT, user_name VARCHAR, run_date DATE" {
		t.Errorf("schema = %v", cols)
	}
	read := store.Snapshot().BytesRead - before.BytesRead
	if size := m.Files[0].Bytes; read*20 > size {
		t.Errorf("the crawl read %d bytes of a %d-byte file; the footer is a small fraction", read, size)
	}
}

func openEngine(t *testing.T) engine.Engine {
	t.Helper()
	eng, err := engine.Open(context.Background(), engine.Options{Threads: 1, WorkDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { eng.Close() })
	return eng
}

// TestForgetDropsOnlyWithdrawnPartitions: Forget removes a partition the lake no longer has
// and leaves one it still has.
func TestForgetDropsOnlyWithdrawnPartitions(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	eng := openEngine(t)
	lk := lake.New(storage.NewMemory())
	c := &catalog.Crawler{Lake: lk, Engine: eng}
	var dates []lake.Date
	for _, day := range []string{"2024-01-01", "2024-01-02"} {
		d, _ := lake.ParseDate(day)
		dates = append(dates, d)
		s, err := eng.Session(ctx)
		if err != nil {
			t.Fatal(err)
		}
		files, err := s.WriteParquet(ctx, "SELECT 1 AS user_id", engine.Output{})
		s.Close()
		if err != nil {
			t.Fatal(err)
		}
		dir := lake.PartitionDir(lake.Bronze, "users", d)
		if _, err := lk.Publish(ctx, dir, lake.Manifest{Attempt: lake.NewAttemptID(time.Now())}, []lake.File{{Path: files[0].Path, Rows: files[0].Rows}}); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Crawl(ctx, lake.Bronze, "users", dir, d); err != nil {
			t.Fatal(err)
		}
	}
	kept := lake.PartitionDir(lake.Bronze, "users", dates[0])
	gone := lake.PartitionDir(lake.Bronze, "users", dates[1])
	if err := lk.Withdraw(ctx, gone); err != nil {
		t.Fatal(err)
	}
	for i, dir := range []string{kept, gone} {
		if err := c.Forget(ctx, lake.Bronze, "users", dir, dates[i]); err != nil {
			t.Fatal(err)
		}
	}
	var tab catalog.Table
	if err := lk.GetJSON(ctx, catalog.Key(lake.Bronze, "users"), &tab); err != nil {
		t.Fatal(err)
	}
	if _, ok := tab.Partitions["2024-01-01"]; !ok || len(tab.Partitions) != 1 {
		t.Errorf("partitions after forgetting the withdrawn 2024-01-02: %v", tab.Partitions)
	}
}
