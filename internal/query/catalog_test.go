package query_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/metalake/metalake/internal/query"
	"github.com/metalake/metalake/internal/storage"
)

// buildLake writes a small lake exercising every case the catalog must handle.
func buildLake(t *testing.T, f *fixture) {
	t.Helper()
	// bronze/users: rows carry run_date; the second run added a column (and wrote run_date
	// as text); an orphan file sits next to it; a third run never committed.
	f.publish(t, "bronze/users/run_date=2024-01-01/",
		"SELECT * FROM (VALUES (1, 'alice', DATE '2024-01-01'), (2, 'bob', DATE '2024-01-01')) t(id, name, run_date)")
	f.publish(t, "bronze/users/run_date=2024-01-02/",
		"SELECT * FROM (VALUES (1, 'alice', 'US', '2024-01-02'), (2, 'bob', 'VN', '2024-01-02'), (3, 'carol', 'GB', '2024-01-02')) t(id, name, country, run_date)")
	f.put(t, "bronze/users/run_date=2024-01-02/part-orphan-00000.parquet",
		"SELECT 99 AS id, 'orphan' AS name, 'XX' AS country, '2024-01-02' AS run_date")
	f.put(t, "bronze/users/run_date=2024-01-03/part-pending-00000.parquet",
		"SELECT 100 AS id, 'pending' AS name, 'XX' AS country, '2024-01-03' AS run_date")
	// A table that has never committed anything, and bookkeeping that is not a table.
	f.put(t, "bronze/pending/run_date=2024-01-01/part-x-00000.parquet", "SELECT 1 AS id")
	if err := storage.PutBytes(context.Background(), f.lk.B, "bronze/_reports/run_date=2024-01-01/users_report.json", []byte("{}")); err != nil {
		t.Fatal(err)
	}

	// silver/datasets: files without run_date.
	f.publish(t, "silver/datasets/run_date=2024-01-01/", "SELECT 10 AS dataset_id")
	f.publish(t, "silver/datasets/run_date=2024-01-02/", "SELECT * FROM (VALUES (10), (11)) t(dataset_id)")

	// gold: a whole-table dimension and a partitioned fact.
	f.publish(t, "gold/dim_user/", "SELECT * FROM (VALUES (1, 'alice'), (2, 'bob')) t(user_key, user_name)")
	f.publish(t, "gold/fact_daily/run_date=2024-01-02/", "SELECT 3 AS users")

	// rejects: users rejected a row on day 1 and none on day 2; tags never rejected anything.
	f.publish(t, "bronze/_rejects/users/run_date=2024-01-01/",
		"SELECT 'U9' AS raw_id, 'bad date' AS reject_reason, DATE '2024-01-01' AS run_date")
	f.publish(t, "bronze/_rejects/users/run_date=2024-01-02/", "SELECT 'x' AS raw_id, 'x' AS reject_reason WHERE false")
	f.publish(t, "bronze/_rejects/tags/run_date=2024-01-01/", "SELECT 'x' AS raw_id WHERE false")
}

func forEachBackend(t *testing.T, test func(t *testing.T, f *fixture)) {
	for _, backend := range []string{"local", "memory"} {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			test(t, newFixture(t, backend))
		})
	}
}

func TestCatalogViews(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, f *fixture) {
		buildLake(t, f)
		c := f.open(t)

		want := []string{
			"bronze.users", "bronze.users_latest",
			"gold.dim_user", "gold.fact_daily", "gold.fact_daily_latest",
			"rejects.tags", "rejects.tags_latest", "rejects.users", "rejects.users_latest",
			"silver.datasets", "silver.datasets_latest",
		}
		if got := c.Tables(); !slices.Equal(got, want) {
			t.Errorf("Tables() = %q\nwant %q", got, want)
		}

		cases := []struct{ name, q, want string }{
			{
				"committed partitions unioned by name; orphan and uncommitted files unread",
				"SELECT run_date, id, name, country FROM bronze.users ORDER BY run_date, id",
				"run_date,id,name,country\n2024-01-01,1,alice,\n2024-01-01,2,bob,\n2024-01-02,1,alice,US\n2024-01-02,2,bob,VN\n2024-01-02,3,carol,GB\n",
			},
			{
				"run_date is one DATE column even when the files carry one",
				"SELECT column_name, column_type FROM (DESCRIBE bronze.users) WHERE lower(column_name) LIKE '%run_date%'",
				"column_name,column_type\nrun_date,DATE\n",
			},
			{
				"run_date added from the partition when the files lack it",
				"SELECT run_date, dataset_id FROM silver.datasets ORDER BY ALL",
				"run_date,dataset_id\n2024-01-01,10\n2024-01-02,10\n2024-01-02,11\n",
			},
			{
				"run_date type when added",
				"SELECT column_type FROM (DESCRIBE silver.datasets) WHERE column_name = 'run_date'",
				"column_type\nDATE\n",
			},
			{
				"_latest holds the newest committed run only",
				"SELECT run_date, count(*) AS n FROM bronze.users_latest GROUP BY ALL",
				"run_date,n\n2024-01-02,3\n",
			},
			{
				"_latest of a table with one partition",
				"SELECT run_date, users FROM gold.fact_daily_latest",
				"run_date,users\n2024-01-02,3\n",
			},
			{
				"whole-table dimension, no run_date",
				"SELECT * FROM gold.dim_user ORDER BY user_key",
				"user_key,user_name\n1,alice\n2,bob\n",
			},
			{
				"rejects over every run",
				"SELECT run_date, raw_id, reject_reason FROM rejects.users",
				"run_date,raw_id,reject_reason\n2024-01-01,U9,bad date\n",
			},
			{
				"rejects _latest is the newest run's empty partition, with the table's columns",
				"SELECT run_date, raw_id, reject_reason FROM rejects.users_latest",
				"run_date,raw_id,reject_reason\n",
			},
			{
				"a table whose partitions are all empty counts 0",
				"SELECT (SELECT count(*) FROM rejects.tags) AS n, (SELECT count(*) FROM rejects.tags_latest) AS latest",
				"n,latest\n0,0\n",
			},
		}
		for _, tc := range cases {
			checkOutput(t, tc.name+": "+tc.q, run(t, c, tc.q, "csv"), tc.want)
		}

		var out bytes.Buffer
		err := c.Query(context.Background(), "SELECT * FROM gold.dim_user_latest", "csv", &out)
		if err == nil || !strings.Contains(err.Error(), "does not exist") {
			t.Errorf("a dimension has no _latest view: err = %v", err)
		}
		if f.root != "" {
			// Even a query that names a lake file directly cannot read one the manifests do not list.
			orphan := f.localPath("bronze/users/run_date=2024-01-02/part-orphan-00000.parquet")
			err := c.Query(context.Background(), "SELECT * FROM read_parquet('"+orphan+"')", "csv", &out)
			if err == nil || !strings.Contains(err.Error(), "Permission Error") {
				t.Errorf("reading the orphan file directly: err = %v, want a permission error", err)
			}
		}
	})
}

func TestCatalogEmptyLake(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, f *fixture) {
		c := f.open(t)
		if got := c.Tables(); len(got) != 0 {
			t.Errorf("Tables() = %q, want none", got)
		}
		checkOutput(t, "SELECT 1", run(t, c, "SELECT 1 AS one", "csv"), "one\n1\n")
	})
}

func TestCatalogRealFolderBeatsLatestView(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "local")
	f.publish(t, "silver/t/run_date=2024-01-01/", "SELECT 1 AS v")
	f.publish(t, "silver/t/run_date=2024-01-02/", "SELECT 2 AS v")
	f.publish(t, "silver/t_latest/run_date=2024-01-01/", "SELECT 42 AS v")
	c := f.open(t)
	want := []string{"silver.t", "silver.t_latest", "silver.t_latest_latest"}
	if got := c.Tables(); !slices.Equal(got, want) {
		t.Errorf("Tables() = %q, want %q", got, want)
	}
	checkOutput(t, "real t_latest", run(t, c, "SELECT v FROM silver.t_latest", "csv"), "v\n42\n")
}

func TestCatalogMissingTableListsTables(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "local")
	f.publish(t, "silver/datasets/run_date=2024-01-01/", "SELECT 1 AS id")
	c := f.open(t)
	err := c.Query(context.Background(), "SELECT * FROM silver.nope", "table", &bytes.Buffer{})
	if err == nil {
		t.Fatal("query of a missing table succeeded")
	}
	msg := err.Error()
	for _, want := range []string{"query: Catalog Error: Table with name nope does not exist", "(available tables: silver.datasets, silver.datasets_latest)"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q lacks %q", msg, want)
		}
	}
	if strings.Contains(msg, "\n") || strings.Contains(msg, "Did you mean") {
		t.Errorf("error %q should be one line, DuckDB's first", msg)
	}

	err = c.Query(context.Background(), "SELECT nope()", "table", &bytes.Buffer{})
	if err == nil || strings.Contains(err.Error(), "available tables") {
		t.Errorf("an unknown function is not a missing table: %v", err)
	}
	err = c.Query(context.Background(), `SELECT * FROM "empty query"`, "table", &bytes.Buffer{})
	if err == nil || errors.Is(err, query.ErrRefused) || !strings.Contains(err.Error(), "available tables") {
		t.Errorf("a table named like a driver message: %v", err)
	}
	err = c.Query(context.Background(), "SELECT 'x'::INTEGER", "table", &bytes.Buffer{})
	if err == nil || !strings.HasPrefix(err.Error(), "query: Conversion Error: ") || strings.Contains(err.Error(), "\n") {
		t.Errorf("a conversion error: %q", err)
	}
}

func TestCatalogCloseRemovesDownloads(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "memory")
	f.publish(t, "bronze/users/run_date=2024-01-01/", "SELECT 1 AS id")
	c := f.open(t)
	run(t, c, "SELECT * FROM bronze.users", "csv")
	downloads, _ := filepath.Glob(filepath.Join(f.workDir, "*", "query-*"))
	if len(downloads) == 0 {
		t.Fatal("no query work directory under the engine's work directory")
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	for _, d := range downloads {
		if _, err := os.Stat(d); !os.IsNotExist(err) {
			t.Errorf("%s still exists after Close (err %v)", d, err)
		}
	}
	if err := c.Query(context.Background(), "SELECT 1", "csv", &bytes.Buffer{}); err == nil {
		t.Error("Query after Close succeeded")
	}
}

func TestCatalogConcurrentQueries(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "local")
	f.publish(t, "silver/datasets/run_date=2024-01-01/", "SELECT * FROM range(1000) t(id)")
	c := f.open(t)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			var out bytes.Buffer
			if err := c.Query(context.Background(), "SELECT sum(id) AS s FROM silver.datasets", "csv", &out); err != nil {
				t.Error(err)
				return
			}
			if out.String() != "s\n499500\n" {
				t.Errorf("got %q", out.String())
			}
		})
	}
	wg.Wait()
}
