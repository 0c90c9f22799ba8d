// Package engine is metalake's compute seam: one embedded DuckDB instance per process behind a
// small API (sessions that run SQL, Parquet output into a private work directory). DuckDB here
// has no object-store extension, so objects move between the lake and the engine through Go
// (internal/lake); the engine only ever sees local files in its work directory or files the
// storage backend exposes in place.
//
// One instance per process, one memory limit: concurrent tasks each take a Session (a DuckDB
// connection with its own temporary tables) and share the instance's threads and memory.
package engine

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/duckdb/duckdb-go/v2"
)

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

// DuckDB is the embedded engine.
type DuckDB struct {
	log     *slog.Logger
	db      *sql.DB
	workDir string
	seq     atomic.Int64
}

// Open starts an in-memory DuckDB with the given limits and a fresh private work directory.
func Open(ctx context.Context, opts Options) (*DuckDB, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	parent := opts.WorkDir
	if parent == "" {
		parent = os.TempDir()
	}
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return nil, fmt.Errorf("engine work dir: %w", err)
	}
	work, err := os.MkdirTemp(parent, fmt.Sprintf("%s%d-", workDirPrefix, os.Getpid()))
	if err != nil {
		return nil, fmt.Errorf("engine work dir: %w", err)
	}
	spill := filepath.Join(work, "spill")
	connector, err := duckdb.NewConnector("", nil)
	if err != nil {
		os.RemoveAll(work)
		return nil, fmt.Errorf("engine: open duckdb: %w", err)
	}
	db := sql.OpenDB(connector)
	// Database-wide settings, once: sessions come and go (their connections are discarded),
	// and DuckDB refuses to move the temp directory once it has been used.
	settings := []string{
		fmt.Sprintf("SET temp_directory = '%s'", escape(spill)),
		"SET preserve_insertion_order = true",
		"SET enable_progress_bar = false",
	}
	if opts.Threads > 0 {
		settings = append(settings, fmt.Sprintf("SET threads = %d", opts.Threads))
	}
	if opts.MemoryLimit != "" {
		settings = append(settings, fmt.Sprintf("SET memory_limit = '%s'", opts.MemoryLimit))
	}
	for _, q := range settings {
		if _, err := db.ExecContext(ctx, q); err != nil {
			db.Close()
			os.RemoveAll(work)
			return nil, fmt.Errorf("engine: %s: %w", q, err)
		}
	}
	log := opts.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &DuckDB{db: db, workDir: work, log: log}, nil
}

const workDirPrefix = "metalake-engine-"

// WorkDirPID returns the process id encoded in an engine work directory's name, so a later
// process can remove the directories of engines that died without Close.
func WorkDirPID(name string) (int, bool) {
	rest, ok := strings.CutPrefix(name, workDirPrefix)
	if !ok {
		return 0, false
	}
	pidText, _, ok := strings.Cut(rest, "-")
	if !ok {
		return 0, false
	}
	pid, err := strconv.Atoi(pidText)
	return pid, err == nil && pid > 0
}

// Close shuts the engine down and removes its work directory.
func (d *DuckDB) Close() error {
	err := d.db.Close()
	return errors.Join(err, os.RemoveAll(d.workDir))
}

// TempDir creates a fresh directory inside the engine's work directory. The caller removes it
// when done (Close removes whatever is left).
func (d *DuckDB) TempDir(prefix string) (string, error) {
	n := d.seq.Add(1)
	dir := filepath.Join(d.workDir, fmt.Sprintf("%s-%d", sanitize(prefix), n))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("engine temp dir: %w", err)
	}
	return dir, nil
}

// Session is one DuckDB connection: temporary tables and views created in it are private to it.
// A Session is not safe for concurrent use; open one per task.
type Session struct {
	conn *sql.Conn
	eng  *DuckDB
}

// Session opens a new connection.
func (d *DuckDB) Session(ctx context.Context) (*Session, error) {
	c, err := d.db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("engine session: %w", err)
	}
	return &Session{conn: c, eng: d}, nil
}

// Close ends the session. The connection is discarded, not returned to the pool: DuckDB temp
// tables, views and reject tables live as long as their connection, and a later session
// must never see (or append to) an earlier one's.
func (s *Session) Close() error {
	_ = s.conn.Raw(func(any) error { return driver.ErrBadConn })
	return s.conn.Close()
}

// Engine returns the instance the session belongs to.
func (s *Session) Engine() *DuckDB { return s.eng }

// Exec runs one or more statements.
func (s *Session) Exec(ctx context.Context, query string, args ...any) error {
	defer s.timed(query)()
	if _, err := s.conn.ExecContext(ctx, query, args...); err != nil {
		return &SQLError{SQL: query, Err: err}
	}
	return nil
}

// timed logs a statement's duration at debug level (metalake -v shows where time goes).
func (s *Session) timed(query string) func() {
	start := time.Now()
	return func() {
		q := strings.Join(strings.Fields(query), " ")
		if len(q) > 120 {
			q = q[:120] + "…"
		}
		s.eng.log.Debug("sql", "duration_s", time.Since(start).Seconds(), "statement", q)
	}
}

// Query runs a query; the caller closes the rows.
func (s *Session) Query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	rows, err := s.conn.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, &SQLError{SQL: query, Err: err}
	}
	return rows, nil
}

// Objects runs a query and returns its rows (never nil) as maps of column name → value; conv,
// when set, turns each engine value into the one stored (e.g. JSON-friendly scalars).
func (s *Session) Objects(ctx context.Context, query string, conv func(any) any) ([]map[string]any, error) {
	rows, err := s.Query(ctx, query)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, &SQLError{SQL: query, Err: err}
	}
	out := []map[string]any{}
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, &SQLError{SQL: query, Err: err}
		}
		obj := make(map[string]any, len(cols))
		for i, c := range cols {
			if conv != nil {
				vals[i] = conv(vals[i])
			}
			obj[c] = vals[i]
		}
		out = append(out, obj)
	}
	if err := rows.Err(); err != nil {
		return nil, &SQLError{SQL: query, Err: err}
	}
	return out, nil
}

// QueryRow runs a query expected to return one row and scans it into dest.
func (s *Session) QueryRow(ctx context.Context, query string, dest ...any) error {
	defer s.timed(query)()
	if err := s.conn.QueryRowContext(ctx, query).Scan(dest...); err != nil {
		return &SQLError{SQL: query, Err: err}
	}
	return nil
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

// ParquetFile is one file written by WriteParquet.
type ParquetFile struct {
	Path string
	Rows int64
}

// WriteParquet runs query and writes its result as snappy Parquet files into a new directory
// under the work directory, splitting large results into files of about maxFileBytes
// (0: 256 MiB). It returns the files in a deterministic order with their row counts.
// An empty result gives no files.
func (s *Session) WriteParquet(ctx context.Context, query string, maxFileBytes int64) ([]ParquetFile, error) {
	if maxFileBytes <= 0 {
		maxFileBytes = 256 << 20
	}
	dir, err := s.eng.TempDir("parquet")
	if err != nil {
		return nil, err
	}
	copySQL := fmt.Sprintf(
		"COPY (%s) TO '%s' (FORMAT parquet, COMPRESSION snappy, FILE_SIZE_BYTES %d, FILENAME_PATTERN 'part-{i}', ROW_GROUP_SIZE 122880)",
		query, escape(dir), maxFileBytes)
	if err := s.Exec(ctx, copySQL); err != nil {
		return nil, err
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("engine: list parquet output: %w", err)
	}
	var files []ParquetFile
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".parquet") {
			continue
		}
		p := filepath.Join(dir, e.Name())
		var n int64
		if err := s.QueryRow(ctx, "SELECT COALESCE(SUM(num_rows), 0) FROM parquet_file_metadata("+FilePath(p)+")", &n); err != nil {
			return nil, err
		}
		if n == 0 {
			os.Remove(p)
			continue
		}
		files = append(files, ParquetFile{Path: p, Rows: n})
	}
	sortFiles(files)
	return files, nil
}

// Literal quotes s as a SQL string literal.
func Literal(s string) string { return "'" + escape(s) + "'" }

// FilePath quotes a local file path for the engine's file readers (read_csv, read_parquet,
// parquet_file_metadata …). They expand glob patterns, so a path is never handed over as it
// is: a lake at /data/w* would also read /data/wz, and one at /data/gl[ab] only /data/gla.
// Each glob metacharacter is bracketed ([*], [?], [[]), which matches exactly that character,
// so the pattern names the one file p. Output paths (COPY … TO) are not patterns: use Literal.
func FilePath(p string) string {
	if !strings.ContainsAny(p, "*?[") {
		return Literal(p)
	}
	var b strings.Builder
	for _, r := range p {
		if r == '*' || r == '?' || r == '[' {
			b.WriteString("[" + string(r) + "]")
			continue
		}
		b.WriteRune(r)
	}
	return Literal(b.String())
}

// Ident quotes s as a SQL identifier.
func Ident(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

func escape(s string) string { return strings.ReplaceAll(s, "'", "''") }

func sanitize(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '/' || r == '\\' || r == '.' || r == ' ' {
			return '_'
		}
		return r
	}, s)
}

// Fingerprint returns "rows:hash" of the Parquet files' content, ignoring the named columns
// (processing-time audit columns) and row order, so two writes of the same business content
// compare equal and any changed value does not.
func (s *Session) Fingerprint(ctx context.Context, files []string, exclude []string) (string, error) {
	if len(files) == 0 {
		return "0:0", nil
	}
	ex := make([]string, len(exclude))
	for i, c := range exclude {
		ex[i] = Literal(c)
	}
	exList := "''"
	if len(ex) > 0 {
		exList = strings.Join(ex, ", ")
	}
	var fp string
	err := s.QueryRow(ctx, fmt.Sprintf(
		"SELECT CAST(COUNT(*) AS VARCHAR) || ':' || CAST(COALESCE(SUM(hash(*COLUMNS(c -> c NOT IN (%s)))), 0) AS VARCHAR) FROM %s",
		exList, ReadParquet(files)), &fp)
	return fp, err
}

// Column is one column of a relation.
type Column struct {
	Name string
	Type string
}

// Describe returns the columns of a relation — a table or view name, a table function call or
// a parenthesised query — without running it.
func (s *Session) Describe(ctx context.Context, relation string) ([]Column, error) {
	rows, err := s.Query(ctx, "SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM "+relation+")")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Column
	for rows.Next() {
		var c Column
		if err := rows.Scan(&c.Name, &c.Type); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// ReadParquet is the relation over local Parquet files that every layer reads with: columns
// unioned by name (partitions written with different schemas stack), and no hive-partition
// columns guessed from the lake's run_date=… paths (run_date comes from the files or the
// manifest, never from a path).
func ReadParquet(paths []string) string {
	q := make([]string, len(paths))
	for i, p := range paths {
		q[i] = FilePath(p)
	}
	return "read_parquet([" + strings.Join(q, ", ") + "], union_by_name = true, hive_partitioning = false)"
}
