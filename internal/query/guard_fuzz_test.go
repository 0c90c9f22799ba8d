package query

import (
	"context"
	"database/sql"
	"errors"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/duckdb/duckdb-go/v2"
)

// fingerprintSQL describes everything a statement could change in a DuckDB database that
// outlives the statement: attached databases, schemas, tables (and their size), views, macros,
// sequences, indexes, types, settings, variables, secrets, prepared statements and the rows of
// the one table, plus the files of the one directory the connection may write to.
const fingerprintSQL = `SELECT string_agg(x, ' | ' ORDER BY x) FROM (
  SELECT 'db ' || database_name || ' ' || readonly AS x FROM duckdb_databases()
  UNION ALL SELECT 'schema ' || database_name || '.' || schema_name FROM duckdb_schemas()
  UNION ALL SELECT 'table ' || database_name || '.' || schema_name || '.' || table_name || ' ' || column_count || ' ' || estimated_size FROM duckdb_tables()
  UNION ALL SELECT 'view ' || database_name || '.' || schema_name || '.' || view_name || ' ' || sql FROM duckdb_views() WHERE NOT internal
  UNION ALL SELECT 'sequence ' || sequence_name FROM duckdb_sequences()
  UNION ALL SELECT 'index ' || index_name FROM duckdb_indexes()
  UNION ALL SELECT 'type ' || type_name FROM duckdb_types() WHERE NOT internal
  UNION ALL SELECT 'setting ' || name || '=' || COALESCE(value, 'NULL') FROM duckdb_settings()
  UNION ALL SELECT 'variable ' || name FROM duckdb_variables()
  UNION ALL SELECT 'secret ' || name FROM duckdb_secrets()
  UNION ALL SELECT 'extension ' || extension_name || ' ' || loaded || ' ' || installed FROM duckdb_extensions()
  UNION ALL SELECT 'prepared ' || name FROM duckdb_prepared_statements()
  UNION ALL SELECT 'rows ' || COUNT(*) || ' ' || SUM(id) FROM bronze.t)`

// macrosSQL lists the user's macros. It is kept apart because duckdb_functions() scans every
// built-in function (tens of milliseconds): only accepted statements, which run, pay for it.
const macrosSQL = `SELECT COALESCE(string_agg(function_name, ' ' ORDER BY function_name), '') FROM duckdb_functions() WHERE NOT internal`

// FuzzCheckReadOnly gives arbitrary text to the guard of `metalake query` on a real in-memory
// DuckDB connection, the way Query does. The oracle is the database itself: a fingerprint of
// everything a statement could change that outlives it (fingerprintSQL, macrosSQL). It asserts:
//
//   - checkReadOnly never panics, and gives the same verdict twice;
//   - it refuses with ErrRefused or DuckDB's own error, nothing else;
//   - deciding never changes the database, whatever the verdict (preparing binds but never
//     executes, even for several statements);
//   - a statement it accepts, executed as Query executes it, changes nothing either and leaves
//     no transaction open: it was not a write.
//
// The connection cannot touch files outside one scratch directory, nor the network
// (enable_external_access is off): an accepted statement writing there shows in the
// fingerprint, one writing elsewhere fails instead (caught by the keyword check below), so the
// fuzzer cannot damage the machine it runs on.
func FuzzCheckReadOnly(f *testing.F) {
	connector, err := duckdb.NewConnector("", nil)
	if err != nil {
		f.Fatal(err)
	}
	db := sql.OpenDB(connector)
	f.Cleanup(func() { db.Close() })
	ctx := context.Background()
	conn, err := db.Conn(ctx)
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { conn.Close() })
	scratch := f.TempDir()
	for _, q := range []string{
		"SET extension_directory = " + quoteLiteral(filepath.Join(scratch, "extensions")),
		"SET secret_directory = " + quoteLiteral(filepath.Join(scratch, "secrets")),
		"SET allowed_directories = [" + quoteLiteral(scratch) + "]",
		"SET threads = 1",
		"SET memory_limit = '256MB'",
		"SET autoinstall_known_extensions = false",
		"SET autoload_known_extensions = false",
		"CREATE SCHEMA bronze",
		"CREATE TABLE bronze.t AS SELECT range AS id FROM range(3)",
		"CREATE VIEW bronze.users AS SELECT id FROM bronze.t",
		"SET enable_external_access = false",
	} {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			f.Fatalf("%s: %v", q, err)
		}
	}
	fingerprint := func(t testing.TB, macros bool) string {
		var fp, m string
		if err := conn.QueryRowContext(ctx, fingerprintSQL).Scan(&fp); err != nil {
			t.Fatalf("fingerprint: %v", err)
		}
		if macros {
			if err := conn.QueryRowContext(ctx, macrosSQL).Scan(&m); err != nil {
				t.Fatalf("fingerprint: %v", err)
			}
			fp += " | macros " + m
		}
		err := filepath.WalkDir(scratch, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			fp += " | file " + path
			return nil
		})
		if err != nil {
			t.Fatalf("fingerprint: %v", err)
		}
		return fp
	}
	baseline, fullBaseline := fingerprint(f, false), fingerprint(f, true)

	f.Fuzz(func(t *testing.T, q string) {
		err := checkReadOnly(conn, q)
		if again := checkReadOnly(conn, q); (err == nil) != (again == nil) {
			t.Fatalf("%q: verdicts differ: %v, then %v", q, err, again)
		}
		if err != nil {
			var de *duckdb.Error
			if !errors.Is(err, ErrRefused) && !errors.As(err, &de) {
				t.Fatalf("%q: refused with %v (%T), neither a refusal nor a DuckDB error", q, err, err)
			}
			if fp := fingerprint(t, false); fp != baseline {
				t.Fatalf("%q: refused (%v), but deciding changed the database:\n%s\nwas\n%s", q, err, fp, baseline)
			}
			return
		}

		// Run it as Query would, bounded: the oracle needs its effects, not all its rows.
		qctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		var execErr error
		rows, execErr := conn.QueryContext(qctx, q)
		if execErr == nil {
			for i := 0; i < 1000 && rows.Next(); i++ {
			}
			execErr = rows.Err()
			rows.Close()
		}
		if execErr != nil && strings.Contains(execErr.Error(), "disabled by configuration") && looksLikeWrite(q) {
			t.Fatalf("%q: accepted, and only the engine's file lock-down stopped it: %v", q, execErr)
		}
		if _, err := conn.ExecContext(ctx, "COMMIT"); err == nil || !strings.Contains(err.Error(), "no transaction is active") {
			t.Fatalf("%q: accepted, and left a transaction open (COMMIT: %v)", q, err)
		}
		if fp := fingerprint(t, true); fp != fullBaseline {
			t.Fatalf("%q: accepted, and running it changed the database:\n%s\nwas\n%s", q, fp, fullBaseline)
		}
	})
}

func quoteLiteral(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// looksLikeWrite reports whether a statement names a writing keyword at all: with file access
// disabled, a read of a file fails the same way as a write, and only a write is the guard's
// failure.
func looksLikeWrite(q string) bool {
	u := strings.ToUpper(q)
	for _, kw := range []string{"COPY", "EXPORT", "ATTACH", "INSTALL", "LOAD", "CREATE", "INSERT", "UPDATE", "DELETE", "CHECKPOINT"} {
		if strings.Contains(u, kw) {
			return true
		}
	}
	return false
}
