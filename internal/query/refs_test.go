package query_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/metalake/metalake/internal/lake"
	"github.com/metalake/metalake/internal/query"
	"github.com/metalake/metalake/internal/storage"
)

func TestReferences(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		sql  string
		want string // "" with ok false
	}{
		{"SELECT COUNT(*) FROM bronze.users", "[bronze.users]"},
		{"WITH x AS (SELECT * FROM Bronze.Users_Latest) SELECT * FROM x JOIN silver.users s USING (user_id) WHERE s.user_id IN (SELECT user_id FROM gold.dim_user)",
			"[bronze.users_latest gold.dim_user silver.users]"},
		{"SELECT 1", "[]"},
		{"DESCRIBE rejects.users", "[rejects.users]"},
		{"SELECT * FROM information_schema.tables", ""},
		{"SELECT * FROM duckdb_tables()", ""},
		{"SELECT * FROM read_parquet('x.parquet')", ""},
		{"DELETE FROM bronze.users", ""},
		{"SELECT FROM WHERE", ""},
	} {
		names, ok := query.References(ctx, tc.sql)
		got := ""
		if ok {
			got = fmt.Sprint(sortedCopy(names))
		}
		if got != tc.want {
			t.Errorf("References(%q) = %q (ok %v), want %q", tc.sql, got, ok, tc.want)
		}
	}
}

// TestCatalogForQueryReadsOnlyItsTables: on an object store, a catalog opened for one query
// downloads the files of the tables that query reads and no others, lists every table, and
// answers as a full catalog does.
func TestCatalogForQueryReadsOnlyItsTables(t *testing.T) {
	f := newFixture(t, "memory")
	d, err := lake.ParseDate("2024-01-02")
	if err != nil {
		t.Fatal(err)
	}
	f.publish(t, lake.PartitionDir(lake.Bronze, "users", d), "SELECT 'U'||range AS user_id, DATE '2024-01-02' AS run_date FROM range(100)")
	f.publish(t, lake.PartitionDir(lake.Silver, "users", d), "SELECT 'U'||range AS user_id, DATE '2024-01-02' AS run_date FROM range(100000)")
	f.publish(t, "gold/dim_user/", "SELECT range AS user_sk FROM range(100000)")
	counted := storage.WithMetrics(f.lk.B)
	lk := lake.New(counted)
	ctx := context.Background()

	q := "SELECT COUNT(*) AS n FROM bronze.users_latest"
	c, err := query.Open(ctx, lk, f.eng, query.ForQuery(ctx, q))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	checkOutput(t, q, run(t, c, q, "csv"), "n\n100\n")
	read := counted.Snapshot().BytesRead
	if got := strings.Join(c.Tables(), " "); got != "bronze.users bronze.users_latest gold.dim_user silver.users silver.users_latest" {
		t.Errorf("tables %s", got)
	}

	full, err := query.Open(ctx, lk, f.eng)
	if err != nil {
		t.Fatal(err)
	}
	defer full.Close()
	all := counted.Snapshot().BytesRead - read
	if read == 0 || read*10 > all {
		t.Errorf("the catalog for one query read %d bytes, a full one %d: it should read the one small table only", read, all)
	}
	if err := c.Query(ctx, "SELECT COUNT(*) FROM silver.users", "csv", &strings.Builder{}); err == nil {
		t.Error("a table the catalog was not opened for answered")
	}
}

func sortedCopy(xs []string) []string {
	out := append([]string{}, xs...)
	slices.Sort(out)
	return out
}
