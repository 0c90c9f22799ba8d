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
	"strings"
	"time"

	"github.com/duckdb/duckdb-go/v2"

	"github.com/metalake/metalake/internal/storage"
)

var (
	_ Engine  = (*DuckDB)(nil)
	_ Session = (*duckSession)(nil)
)

// DuckDB is the embedded engine: one in-memory instance per process, one memory limit;
// concurrent tasks each take a Session (a connection with its own temporary tables) and share
// the instance's threads and memory. DuckDB here has no object-store extension: it reads
// local files only (inputs are localized through Go, see Input) and writes into its private
// work directory, from which the lake publishes.
type DuckDB struct {
	log *slog.Logger
	db  *sql.DB
	*WorkDir
}

// Open starts an in-memory DuckDB with the given limits and a fresh private work directory.
func Open(ctx context.Context, opts Options) (*DuckDB, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	work, err := NewWorkDir(opts.WorkDir)
	if err != nil {
		return nil, err
	}
	spill := filepath.Join(work.Path(), "spill")
	connector, err := duckdb.NewConnector("", nil)
	if err != nil {
		work.Remove()
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
			work.Remove()
			return nil, fmt.Errorf("engine: %s: %w", q, err)
		}
	}
	log := opts.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &DuckDB{db: db, WorkDir: work, log: log}, nil
}

// Close implements Engine: it shuts DuckDB down and removes the work directory.
func (d *DuckDB) Close() error {
	err := d.db.Close()
	return errors.Join(err, d.Remove())
}

// duckSession is one DuckDB connection: temporary tables and views created in it are private
// to it.
type duckSession struct {
	conn  *sql.Conn
	eng   *DuckDB
	temps map[string]string // name → "TABLE" or "VIEW", for DropTemp
}

// Session implements Engine: a new connection.
func (d *DuckDB) Session(ctx context.Context) (Session, error) {
	c, err := d.db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("engine session: %w", err)
	}
	return &duckSession{conn: c, eng: d, temps: map[string]string{}}, nil
}

// Close ends the session. The connection is discarded, not returned to the pool: DuckDB temp
// tables, views and reject tables live as long as their connection, and a later session
// must never see (or append to) an earlier one's.
func (s *duckSession) Close() error {
	// ErrBadConn makes database/sql discard the connection (its temporary objects die with
	// it) instead of returning it to the pool; the connection is then already closed.
	_ = s.conn.Raw(func(any) error { return driver.ErrBadConn })
	if err := s.conn.Close(); err != nil && !errors.Is(err, sql.ErrConnDone) {
		return err
	}
	return nil
}

// Exec implements Session.
func (s *duckSession) Exec(ctx context.Context, query string) error {
	defer s.timed(query)()
	if _, err := s.conn.ExecContext(ctx, query); err != nil {
		return &SQLError{SQL: query, Err: err}
	}
	return nil
}

// Temp implements Session: a TEMP VIEW, or materialised a TEMP TABLE. DuckDB's CREATE OR
// REPLACE does not replace an object of the other kind, so that one is dropped first.
func (s *duckSession) Temp(ctx context.Context, name, query string, materialise bool) error {
	kind := "VIEW"
	if materialise {
		kind = "TABLE"
	}
	if old, ok := s.temps[name]; ok && old != kind {
		if err := s.DropTemp(ctx, name); err != nil {
			return err
		}
	}
	if err := s.Exec(ctx, fmt.Sprintf("CREATE OR REPLACE TEMP %s %s AS %s", kind, Ident(name), query)); err != nil {
		return err
	}
	s.temps[name] = kind
	return nil
}

// DropTemp implements Session.
func (s *duckSession) DropTemp(ctx context.Context, name string) error {
	kind, ok := s.temps[name]
	if !ok {
		return nil
	}
	if err := s.Exec(ctx, fmt.Sprintf("DROP %s IF EXISTS %s", kind, Ident(name))); err != nil {
		return err
	}
	delete(s.temps, name)
	return nil
}

// timed logs a statement's duration at debug level (metalake -v shows where time goes).
func (s *duckSession) timed(query string) func() {
	start := time.Now()
	return func() {
		q := strings.Join(strings.Fields(query), " ")
		if len(q) > 120 {
			q = q[:120] + "…"
		}
		s.eng.log.Debug("sql", "duration_s", time.Since(start).Seconds(), "statement", q)
	}
}

// Each implements Session.
func (s *duckSession) Each(ctx context.Context, query string, f func(row []any) error) error {
	defer s.timed(query)()
	rows, err := s.conn.QueryContext(ctx, query)
	if err != nil {
		return &SQLError{SQL: query, Err: err}
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return &SQLError{SQL: query, Err: err}
	}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return &SQLError{SQL: query, Err: err}
		}
		if err := f(vals); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return &SQLError{SQL: query, Err: err}
	}
	return nil
}

// Objects implements Session.
func (s *duckSession) Objects(ctx context.Context, query string, conv func(any) any) ([]map[string]any, error) {
	defer s.timed(query)()
	rows, err := s.conn.QueryContext(ctx, query)
	if err != nil {
		return nil, &SQLError{SQL: query, Err: err}
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

// QueryRow implements Session.
func (s *duckSession) QueryRow(ctx context.Context, query string, dest ...any) error {
	defer s.timed(query)()
	if err := s.conn.QueryRowContext(ctx, query).Scan(dest...); err != nil {
		return &SQLError{SQL: query, Err: err}
	}
	return nil
}

// WriteParquet implements Session: the files land in a new directory under the work directory
// (out.Dir aside: the lake publishes them).
func (s *duckSession) WriteParquet(ctx context.Context, query string, out Output) ([]ParquetFile, error) {
	maxFileBytes := out.FileBytes()
	dir, err := s.eng.TempDir("parquet")
	if err != nil {
		return nil, err
	}
	copySQL := fmt.Sprintf(
		"COPY (%s) TO '%s' (FORMAT parquet, COMPRESSION snappy, FILE_SIZE_BYTES %d, FILENAME_PATTERN 'part-{i}', ROW_GROUP_SIZE 122880)",
		query, escape(dir), maxFileBytes)
	if err := s.Exec(ctx, copySQL); err != nil {
		// A failed COPY can leave partial files (a full disk): give their room back now.
		os.RemoveAll(dir)
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

// Fingerprint implements Session.
func (s *duckSession) Fingerprint(ctx context.Context, files []string, exclude []string) (string, error) {
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

// Describe implements Session.
func (s *duckSession) Describe(ctx context.Context, relation string) ([]Column, error) {
	var out []Column
	err := s.Each(ctx, "SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM "+relation+")", func(row []any) error {
		name, _ := row[0].(string)
		typ, _ := row[1].(string)
		out = append(out, Column{Name: name, Type: typ})
		return nil
	})
	return out, err
}

// Input implements Engine: DuckDB reads local files (LocalInput).
func (d *DuckDB) Input(ctx context.Context, b storage.BucketReader, key, dir string) (string, error) {
	return LocalInput(ctx, b, key, dir)
}

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
