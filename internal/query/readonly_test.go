package query_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/metalake/metalake/internal/query"
)

func TestQueryRefusesWhatIsNotReadOnly(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "local")
	f.publish(t, "bronze/users/run_date=2024-01-01/", "SELECT 1 AS id")
	c := f.open(t)
	scratch := t.TempDir()
	target := filepath.Join(scratch, "x.csv")

	cases := []struct{ q, want string }{
		{"COPY (SELECT 1) TO '" + target + "'", "(got COPY)"},
		{"COPY bronze.users TO '" + target + "' (FORMAT csv)", "(got COPY)"},
		{"CREATE TABLE t AS SELECT 1", "(got CREATE)"},
		{"CREATE OR REPLACE VIEW bronze.users AS SELECT 2 AS id", "(got CREATE)"},
		{"INSERT INTO bronze.users VALUES (2)", "(got INSERT)"},
		{"DROP VIEW bronze.users", "(got DROP)"},
		{"ATTACH '" + filepath.Join(scratch, "x.db") + "' AS x", "(got ATTACH)"},
		{"DETACH memory", "(got DETACH)"},
		{"SET threads = 1", "(got SET)"},
		{"RESET threads", "(got RESET)"},
		{"PRAGMA threads = 1", "(got PRAGMA)"},
		{"INSTALL httpfs", "(got INSTALL)"},
		{"LOAD httpfs", "(got LOAD)"},
		{"CALL pragma_version()", "(got CALL)"},
		{"USE bronze", "(got USE)"},
		{"BEGIN TRANSACTION", "(got BEGIN)"},
		{"CHECKPOINT", "(got CHECKPOINT)"},
		{"EXPORT DATABASE '" + filepath.Join(scratch, "export") + "'", "(got EXPORT)"},
		{"/* hidden */ -- comment\n copy (select 1) to '" + target + "'", "(got COPY)"},
		{"EXPLAIN ANALYZE CREATE TABLE t AS SELECT 1", "(got CREATE)"},
		{"EXPLAIN ANALYZE COPY (SELECT 1) TO '" + target + "'", "(got COPY)"},
		{"SELECT 1; SELECT 2", "only one statement"},
		{"SELECT 1; CREATE TABLE t AS SELECT 1", "only one statement"},
		{"SELECT 1; COPY (SELECT 1) TO '" + target + "'", "only one statement"},
		{"  ", "empty"},
		{"-- nothing", "empty"},
	}
	for _, tc := range cases {
		var out bytes.Buffer
		err := c.Query(context.Background(), tc.q, "table", &out)
		if !errors.Is(err, query.ErrRefused) {
			t.Errorf("%s: err = %v, want a refusal", tc.q, err)
			continue
		}
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %q, want it to contain %q", tc.q, err, tc.want)
		}
		if strings.Contains(tc.want, "got") && !strings.HasPrefix(err.Error(), "query: only read-only statements are allowed (got ") {
			t.Errorf("%s: err = %q", tc.q, err)
		}
		if out.Len() > 0 {
			t.Errorf("%s: wrote %q", tc.q, out.String())
		}
	}

	// Nothing above took effect.
	if _, err := os.Stat(target); !os.IsNotExist(err) {
		t.Errorf("%s exists (err %v)", target, err)
	}
	if entries, _ := os.ReadDir(scratch); len(entries) != 0 {
		t.Errorf("files appeared in %s: %v", scratch, entries)
	}
	checkOutput(t, "views intact", run(t, c, "SELECT id FROM bronze.users", "csv"), "id\n1\n")
	for _, q := range []string{"SELECT * FROM t", "SELECT * FROM x.main.t"} {
		if err := c.Query(context.Background(), q, "csv", &bytes.Buffer{}); err == nil || !strings.Contains(err.Error(), "does not exist") {
			t.Errorf("%s: err = %v, want does not exist", q, err)
		}
	}
	checkOutput(t, "threads unchanged", run(t, c, "SELECT current_setting('threads') AS n", "csv"), "n\n2\n")
}

func TestQueryCannotReadOtherFiles(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "local")
	c := f.open(t)
	secret := filepath.Join(t.TempDir(), "secret.csv")
	if err := os.WriteFile(secret, []byte("a\n1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		"SELECT * FROM read_csv('/etc/passwd')",
		"SELECT * FROM '/etc/passwd'",
		"SELECT * FROM read_text('/etc/passwd')",
		"SELECT * FROM read_csv('" + secret + "')",
		"SELECT * FROM glob('/etc/*')",
		"SELECT * FROM read_parquet('https://example.com/x.parquet')",
	} {
		err := c.Query(context.Background(), q, "csv", &bytes.Buffer{})
		if err == nil {
			t.Errorf("%s: succeeded", q)
			continue
		}
		if errors.Is(err, query.ErrRefused) {
			t.Errorf("%s: refused as a statement, want DuckDB's own refusal: %v", q, err)
		}
		t.Logf("%s: %v", q, err)
	}
}

func TestQueryAllowsReadOnlyStatements(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "memory")
	f.publish(t, "silver/datasets/run_date=2024-01-01/", "SELECT 1 AS id")
	c := f.open(t)
	for _, q := range []string{
		"SELECT 1",
		"SELECT 1;",
		"  -- leading comment\nSELECT 1",
		"(SELECT 1) UNION ALL (SELECT 2)",
		"WITH x AS (SELECT 1 AS a) SELECT * FROM x",
		"FROM silver.datasets",
		"VALUES (1), (2)",
		"TABLE silver.datasets",
		"DESCRIBE silver.datasets",
		"DESCRIBE SELECT 1 AS a",
		"SHOW TABLES",
		"SHOW ALL TABLES",
		"SUMMARIZE silver.datasets",
		"EXPLAIN SELECT * FROM silver.datasets",
		"EXPLAIN ANALYZE SELECT * FROM silver.datasets",
		"EXPLAIN (FORMAT json) SELECT 1",
		"PIVOT silver.datasets ON id IN (1, 2) USING count(*)",
		"PRAGMA version",
		"SELECT * FROM duckdb_views() WHERE NOT internal",
	} {
		for _, format := range []string{"table", "csv", "json"} {
			if err := c.Query(context.Background(), q, format, &bytes.Buffer{}); err != nil {
				t.Errorf("%s (%s): %v", q, format, err)
			}
		}
	}
}
