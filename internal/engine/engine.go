// Package engine is metalake's compute seam: the Engine and Session interfaces every layer
// runs its SQL through, and DuckDB, the embedded engine that implements them. Nothing in
// these interfaces is DuckDB's or database/sql's: a second engine (Spark through Spark
// Connect) implements the same methods, and enginetest.Run is the suite both must pass.
//
// Objects move between the lake and an engine through Go: an engine is handed what it can
// read of a committed object (Engine.Input: a local path for DuckDB) and writes its outputs
// as files the lake then publishes (Session.WriteParquet).
package engine

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"

	"github.com/metalake/metalake/internal/lake"
	"github.com/metalake/metalake/internal/storage"
)

// Engine runs the layers' SQL. Implementations are safe for concurrent use by several tasks,
// each with its own Session.
type Engine interface {
	// Session opens a unit of work: temporary tables and views created in it are private to
	// it. A Session is not safe for concurrent use; open one per task and Close it.
	Session(ctx context.Context) (Session, error)

	// Input returns what the engine's readers take for the object key of b (a local path, or a
	// URI the engine reads itself), fetching it into the local directory dir if the engine
	// needs a local copy. The caller removes dir when done.
	Input(ctx context.Context, b storage.BucketReader, key, dir string) (string, error)

	// Dialect is the engine's spelling of what portable SQL cannot say.
	Dialect() Dialect

	// TempDir creates a fresh local scratch directory (downloads, footers); the caller removes
	// it when done, and Close removes whatever is left.
	TempDir(prefix string) (string, error)

	// Close releases the engine and its work directory.
	Close() error
}

// Session is one unit of work on an engine.
type Session interface {
	// Exec runs one or more statements.
	Exec(ctx context.Context, query string) error

	// QueryRow runs a query expected to return one row and scans its columns into dest
	// (pointers to Go values, as database/sql's Scan takes).
	QueryRow(ctx context.Context, query string, dest ...any) error

	// Each runs query and calls f with every row's values in column order (nil for NULL;
	// int64, float64, string, bool, time.Time, … as the column's type). row is reused between
	// calls: copy what f keeps. An error from f stops the query and is returned.
	Each(ctx context.Context, query string, f func(row []any) error) error

	// Objects returns every row (never nil) as a map of column name to value; conv, when set,
	// turns each value into the one stored (e.g. JSON-friendly scalars).
	Objects(ctx context.Context, query string, conv func(any) any) ([]map[string]any, error)

	// Describe returns the columns of a relation — a table or view name, a table function
	// call or a parenthesised query — without running it.
	Describe(ctx context.Context, relation string) ([]Column, error)

	// WriteParquet runs query and writes its result as snappy Parquet files, splitting large
	// results into files of about out.MaxFileBytes. It returns the files in a deterministic
	// order with their row counts, ready for lake.Publish into out.Dir: local files, or objects
	// the engine wrote into out.Dir itself; an empty result gives no files.
	WriteParquet(ctx context.Context, query string, out Output) ([]ParquetFile, error)

	// Fingerprint returns "rows:hash" of the Parquet files' content, ignoring the named
	// columns (processing-time audit columns) and row order, so two writes of the same
	// business content compare equal and any changed value does not.
	Fingerprint(ctx context.Context, files []string, exclude []string) (string, error)

	// Temp creates or replaces name, a temporary relation over query private to the session:
	// a view, evaluated wherever it is read, or (materialise) the result computed once and
	// kept — DuckDB's temporary table, Spark's cached temporary view. Replacing a view by a
	// materialised relation of the same name, or the reverse, is allowed.
	Temp(ctx context.Context, name, query string, materialise bool) error

	// DropTemp drops the temporary relation name created by Temp; an absent name is no error.
	DropTemp(ctx context.Context, name string) error

	// Close ends the session and drops what it created.
	Close() error
}

// Inputs is the one way a layer reads committed objects: what eng reads for each of keys
// (Engine.Input), in order, fetched into dir where the engine needs local copies. The
// relation over them is the dialect's (ReadParquet for the lake's Parquet files).
func Inputs(ctx context.Context, eng Engine, b storage.BucketReader, keys []string, dir string) ([]string, error) {
	refs := make([]string, len(keys))
	for i, key := range keys {
		ref, err := eng.Input(ctx, b, key, dir)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", key, err)
		}
		refs[i] = ref
	}
	return refs, nil
}

// LocalInput is Engine.Input for an engine that reads local files: the object's own file when
// the bucket exposes local paths, else a download into dir (its key's path under dir, so
// distinct keys never share a file).
func LocalInput(ctx context.Context, b storage.BucketReader, key, dir string) (string, error) {
	if lp, ok := b.(storage.LocalPather); ok {
		if p, ok := lp.LocalPath(key); ok {
			return p, nil
		}
	}
	path := filepath.Join(dir, filepath.FromSlash(key))
	if err := storage.Download(ctx, b, key, path); err != nil {
		return "", err
	}
	return path, nil
}

// Options configure the embedded engine.
type Options struct {
	// Threads bounds DuckDB's worker threads (0: all cores).
	Threads int
	// MemoryLimit is DuckDB's memory_limit, e.g. "3GB" ("" keeps DuckDB's default, 80 % of RAM).
	MemoryLimit string
	// Log receives one debug record per statement with its duration (nil: discard).
	Log *slog.Logger
	// WorkDir is the parent of the engine's private work directory (spill files, staged
	// outputs, downloaded inputs). "" means os.TempDir(). The private directory is removed by Close.
	WorkDir string
}

// Validate reports the first invalid option, naming the field and the fix.
func (o Options) Validate() error {
	if o.Threads < 0 {
		return fmt.Errorf("engine.threads = %d: must be 0 (all cores) or positive", o.Threads)
	}
	if o.MemoryLimit != "" && strings.ContainsAny(o.MemoryLimit, "'\";") {
		return fmt.Errorf("engine.memory_limit = %q: use a size such as 3GB or 512MB", o.MemoryLimit)
	}
	return nil
}

// Column is one column of a relation.
type Column struct {
	Name string
	Type string
}

// SQLError carries the failing statement so a failure can be diagnosed from the log.
type SQLError struct {
	SQL string
	Err error
}

func (e *SQLError) Error() string {
	msg := e.Err.Error()
	if i := strings.IndexByte(msg, '\n'); i > 0 {
		msg = msg[:i]
	}
	return "engine: " + msg
}

func (e *SQLError) Unwrap() error { return e.Err }

// ParquetFile is one file written by WriteParquet with its row count: a local file, or an
// object the engine wrote into the lake (Key), which is what lake.Publish commits. Path is
// what the engine reads it back by (Session.Fingerprint, the dialect's ReadParquet).
type ParquetFile = lake.File

// Output says where WriteParquet's files are headed.
type Output struct {
	// Dir is the lake folder the files will be published into (lake.Publish), "" for a result
	// that is only read back. An engine that writes into the lake itself (Spark on a lake it
	// can reach) puts them in a folder of their own under Dir, named for this write alone,
	// which the manifest then commits file by file; one that writes local files ignores it.
	Dir string
	// MaxFileBytes splits large results into files of about this size (0: 256 MiB).
	MaxFileBytes int64
}

// FileBytes is MaxFileBytes, or its default when unset.
func (o Output) FileBytes() int64 {
	if o.MaxFileBytes <= 0 {
		return 256 << 20
	}
	return o.MaxFileBytes
}

// Literal quotes s as a SQL string literal, for DuckDB and for typed literals (DATE '…',
// TIMESTAMP '…'), whose text never holds a backslash. A text value in SQL that any engine runs
// is Text.
func Literal(s string) string { return "'" + escape(s) + "'" }

// Text is a constant text expression holding s that every engine reads the same. Engines
// disagree on one character in string literals: a backslash is itself in DuckDB (standard
// SQL) and an escape in Spark, so a backslash is spelled chr(92) outside any literal.
func Text(s string) string {
	if !strings.Contains(s, `\`) {
		return Literal(s)
	}
	parts := strings.Split(s, `\`)
	for i, p := range parts {
		parts[i] = Literal(p)
	}
	return "(" + strings.Join(parts, " || chr(92) || ") + ")"
}

// CastType spells the type t, as Describe names it (DuckDB's names are the canonical ones:
// VARCHAR, BIGINT, INTEGER, DOUBLE, DECIMAL(p,s), BOOLEAN, DATE, TIMESTAMP), as a CAST target
// every engine reads the same: VARCHAR is STRING (Spark wants a length after VARCHAR; DuckDB
// reads STRING as VARCHAR), the other scalar names are already shared.
func CastType(t string) string {
	if strings.EqualFold(t, "VARCHAR") {
		return "STRING"
	}
	return t
}

// Ident quotes s as a SQL identifier.
func Ident(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

func escape(s string) string { return strings.ReplaceAll(s, "'", "''") }
