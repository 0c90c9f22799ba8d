package query

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/duckdb/duckdb-go/v2"

	"github.com/metalake/metalake/internal/engine"
	"github.com/metalake/metalake/internal/lake"
)

// Schemas the catalog exposes.
const (
	SchemaBronze  = lake.Bronze
	SchemaSilver  = lake.Silver
	SchemaGold    = lake.Gold
	SchemaRejects = "rejects"
)

// LatestSuffix names the view holding only the newest committed run_date of a partitioned table.
const LatestSuffix = "_latest"

// rejectsDir is where bronze keeps its rejects, one folder per table (lake.RejectsTableDir).
const rejectsDir = "bronze/_rejects/"

// Catalog is a read-only SQL session over the lake's committed data. Query is safe for
// concurrent use; each call takes its own DuckDB connection.
type Catalog struct {
	db     *sql.DB
	tables []string // schema.name, sorted
	work   string   // downloads and spill files; removed by Close
}

// source is one folder of the lake that becomes a view.
type source struct {
	schema, name string
	// parts are the committed run_date partitions, oldest first; nil for a whole-table folder.
	parts []partition
	// whole lists the local files of a folder committed as one unit (a gold dimension).
	whole []string
}

type partition struct {
	date  lake.Date
	files []string // local paths
}

func (s source) partitioned() bool { return s.whole == nil }

// Open lists the lake, localizes the committed data files of the tables it prepares (in place
// for a local lake, downloaded otherwise) and builds the views in a private, locked-down
// DuckDB whose limits mirror eng's. eng also provides the temporary directory.
//
// ForQuery(text) limits the views to the relations text reads (see References) when that is
// certain: on an object store a query then downloads only the tables it reads. The other
// relations are still listed by Tables (and in "table does not exist" messages).
func Open(ctx context.Context, lk *lake.Lake, eng engine.Engine, opts ...Option) (*Catalog, error) {
	work, err := eng.TempDir("query")
	if err != nil {
		return nil, fmt.Errorf("query: %w", err)
	}
	c := &Catalog{work: work}
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	if err := c.open(ctx, lk, eng, o); err != nil {
		return nil, errors.Join(err, c.Close())
	}
	return c, nil
}

// Option changes what Open prepares.
type Option func(*options)

type options struct {
	only map[string]bool // schema.name (lower case) of the relations to prepare; nil: all
}

// ForQuery prepares only the relations the SELECT text reads, when References is certain of
// them; otherwise every relation.
func ForQuery(ctx context.Context, text string) Option {
	names, ok := References(ctx, text)
	return func(o *options) {
		if !ok {
			return
		}
		o.only = map[string]bool{}
		for _, n := range names {
			o.only[n] = true
		}
	}
}

// wants reports whether the source's views are needed.
func (o options) wants(s source) bool {
	if o.only == nil {
		return true
	}
	full := strings.ToLower(s.schema + "." + s.name)
	return o.only[full] || (s.partitioned() && o.only[full+LatestSuffix])
}

func (c *Catalog) open(ctx context.Context, lk *lake.Lake, eng engine.Engine, o options) error {
	all, err := discover(ctx, lk)
	if err != nil {
		return fmt.Errorf("query: list lake %s: %w", lk.B.Name(), err)
	}
	var srcs []source
	var files []string
	for i := range all {
		if !o.wants(all[i]) {
			c.tables = append(c.tables, all[i].viewNames()...)
			continue
		}
		if err := c.localize(ctx, lk, &all[i]); err != nil {
			return fmt.Errorf("query: %s.%s: %w", all[i].schema, all[i].name, err)
		}
		files = append(files, all[i].files()...)
		srcs = append(srcs, all[i])
	}

	threads, memory, err := engineLimits(ctx, eng)
	if err != nil {
		return err
	}
	connector, err := duckdb.NewConnector("", nil)
	if err != nil {
		return fmt.Errorf("query: open duckdb: %w", err)
	}
	c.db = sql.OpenDB(connector)
	conn, err := c.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("query: open duckdb: %w", err)
	}
	defer conn.Close()

	setup := []string{
		fmt.Sprintf("SET GLOBAL threads = %d", threads),
		"SET GLOBAL memory_limit = " + engine.Literal(memory),
		"SET GLOBAL temp_directory = " + engine.Literal(filepath.Join(c.work, "spill")),
		"SET GLOBAL preserve_insertion_order = true",
		// Extensions are never fetched: a query gets what the binary bundles, offline.
		"SET GLOBAL autoinstall_known_extensions = false",
		"SET GLOBAL autoload_known_extensions = false",
	}
	for _, s := range []string{SchemaBronze, SchemaSilver, SchemaGold, SchemaRejects} {
		setup = append(setup, "CREATE SCHEMA "+engine.Ident(s))
	}
	if err := execAll(ctx, conn, setup); err != nil {
		return err
	}
	// DuckDB compares identifiers case-insensitively, and so must the collision check.
	folders := map[string]bool{}
	for _, s := range all {
		folders[strings.ToLower(s.schema+"."+s.name)] = true
	}
	for _, s := range srcs {
		names, err := createViews(ctx, conn, s, folders)
		if err != nil {
			return fmt.Errorf("query: %s.%s: %w", s.schema, s.name, err)
		}
		c.tables = append(c.tables, names...)
	}
	slices.Sort(c.tables)
	c.tables = slices.Compact(c.tables)

	// The lock-down comes last: the views are bound, and from now on the instance may open
	// only the files they list (and its own spill directory), never change that, and never
	// attach, export, copy to or read any other file.
	lock := []string{
		"SET GLOBAL allowed_paths = " + listLiteral(files),
		"SET GLOBAL enable_external_access = false",
		"SET GLOBAL lock_configuration = true",
	}
	return execAll(ctx, conn, lock)
}

// Close releases the DuckDB instance and removes downloaded files.
func (c *Catalog) Close() error {
	var err error
	if c.db != nil {
		err = c.db.Close()
		c.db = nil
	}
	if c.work != "" {
		err = errors.Join(err, os.RemoveAll(c.work))
		c.work = ""
	}
	if err != nil {
		return fmt.Errorf("query: close: %w", err)
	}
	return nil
}

// Tables lists the relations the catalog exposes as schema.name, sorted.
func (c *Catalog) Tables() []string { return slices.Clone(c.tables) }

// discover lists the folders that become views, with their committed partitions (keys still
// in the lake).
func discover(ctx context.Context, lk *lake.Lake) ([]source, error) {
	var out []source
	add := func(schema, parent string) error {
		dirs, err := subdirs(ctx, lk, parent)
		if err != nil {
			return err
		}
		for _, name := range dirs {
			if strings.HasPrefix(name, "_") || strings.HasPrefix(name, ".") {
				continue // metalake's bookkeeping (_rejects, _reports, …) and hidden folders
			}
			s, ok, err := readSource(ctx, lk, schema, name, parent+name+"/")
			if err != nil {
				return err
			}
			if ok {
				out = append(out, s)
			}
		}
		return nil
	}
	for _, layer := range []string{lake.Bronze, lake.Silver, lake.Gold} {
		if err := add(layer, layer+"/"); err != nil {
			return nil, err
		}
	}
	if err := add(SchemaRejects, rejectsDir); err != nil {
		return nil, err
	}
	return out, nil
}

// subdirs lists the folder names directly under dir.
func subdirs(ctx context.Context, lk *lake.Lake, dir string) ([]string, error) {
	var out []string
	err := lk.B.Iter(ctx, dir, func(entry string) error {
		if name, ok := strings.CutSuffix(strings.TrimPrefix(entry, dir), "/"); ok && name != "" {
			out = append(out, name)
		}
		return nil
	})
	return out, err
}

// readSource reads the commit state of one table folder. A manifest directly in the folder
// makes it a whole-table folder: that manifest claims the folder (publishing it sweeps every
// other object under it), so run_date= subfolders next to it are not part of the table. ok is
// false when nothing in the folder is committed.
func readSource(ctx context.Context, lk *lake.Lake, schema, name, dir string) (source, bool, error) {
	s := source{schema: schema, name: name}
	m, ok, err := lk.ReadManifest(ctx, dir)
	if err != nil {
		return s, false, err
	}
	if ok {
		s.whole = []string{}
		for _, f := range m.Files {
			s.whole = append(s.whole, dir+f.Name)
		}
		// An empty whole-table folder has no columns to show (and no run_date to fall back on).
		return s, len(s.whole) > 0, nil
	}
	parts, err := lk.Partitions(ctx, dir)
	if err != nil {
		return s, false, err
	}
	for _, p := range parts {
		s.parts = append(s.parts, partition{date: p.Date, files: p.Keys()})
	}
	return s, len(s.parts) > 0, nil
}

// localize replaces the source's keys by local paths. A download lands in a folder of its own
// mirroring the key's folder, so two keys can never map to the same local file.
func (c *Catalog) localize(ctx context.Context, lk *lake.Lake, s *source) error {
	local := func(key string) (string, error) {
		dir := filepath.Join(c.work, "objects", filepath.FromSlash(path.Dir(key)))
		p, _, err := lk.Localize(ctx, key, dir)
		if err != nil {
			return "", fmt.Errorf("localize %s: %w", key, err)
		}
		return literalPath(p, dir)
	}
	var err error
	for i := range s.whole {
		if s.whole[i], err = local(s.whole[i]); err != nil {
			return err
		}
	}
	for i := range s.parts {
		for j := range s.parts[i].files {
			if s.parts[i].files[j], err = local(s.parts[i].files[j]); err != nil {
				return err
			}
		}
	}
	return nil
}

// viewNames are the relations createViews makes of s (without making them).
func (s source) viewNames() []string {
	full := s.schema + "." + s.name
	if !s.partitioned() {
		return []string{full}
	}
	return []string{full, full + LatestSuffix}
}

func (s source) files() []string {
	out := slices.Clone(s.whole)
	for _, p := range s.parts {
		out = append(out, p.files...)
	}
	return out
}

// engineLimits reads the engine's thread count and memory limit so the private instance
// stays within what the user configured for metalake.
func engineLimits(ctx context.Context, eng engine.Engine) (threads int64, memory string, err error) {
	s, err := eng.Session(ctx)
	if err != nil {
		return 0, "", fmt.Errorf("query: %w", err)
	}
	defer s.Close()
	err = s.QueryRow(ctx, "SELECT current_setting('threads')::BIGINT, current_setting('memory_limit')", &threads, &memory)
	if err != nil {
		return 0, "", fmt.Errorf("query: read engine limits: %w", err)
	}
	return threads, memory, nil
}

func execAll(ctx context.Context, conn *sql.Conn, stmts []string) error {
	for _, s := range stmts {
		if _, err := conn.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("query: %s: %w", brief(s), err)
		}
	}
	return nil
}

// createViews creates the source's view (and its _latest) and returns their qualified names.
// folders holds the lower-cased qualified names of every folder view.
func createViews(ctx context.Context, conn *sql.Conn, s source, folders map[string]bool) ([]string, error) {
	full := s.schema + "." + s.name
	if !s.partitioned() {
		body := "SELECT * FROM " + readParquet(s.whole, "")
		return []string{full}, createView(ctx, conn, s.schema, s.name, body)
	}

	body, err := partitionedBody(ctx, conn, s.parts)
	if err != nil {
		return nil, err
	}
	if err := createView(ctx, conn, s.schema, s.name, body); err != nil {
		return nil, err
	}
	names := []string{full}

	latest := s.name + LatestSuffix
	if folders[strings.ToLower(s.schema+"."+latest)] {
		// A real folder named like the _latest view wins: it is data, the view a convenience.
		return names, nil
	}
	newest := s.parts[len(s.parts)-1]
	if len(newest.files) == 0 {
		// The newest run committed an empty partition: _latest is empty, with the table's columns.
		body = fmt.Sprintf("SELECT * FROM %s.%s WHERE false", engine.Ident(s.schema), engine.Ident(s.name))
	} else if body, err = partitionedBody(ctx, conn, []partition{newest}); err != nil {
		return nil, err
	}
	if err := createView(ctx, conn, s.schema, latest, body); err != nil {
		return nil, err
	}
	return append(names, s.schema+"."+latest), nil
}

// partitionedBody is the SELECT over the files of parts (union by name) with one run_date
// DATE column taken from each file's partition, replacing any run_date the files carry: the
// partition folder is what the commit protocol vouches for, and _latest selects by it.
func partitionedBody(ctx context.Context, conn *sql.Conn, parts []partition) (string, error) {
	var files []string
	for _, p := range parts {
		files = append(files, p.files...)
	}
	if len(files) == 0 {
		// Every committed partition is empty: there are no columns to discover.
		return "SELECT CAST(NULL AS DATE) AS run_date WHERE false", nil
	}
	cols, err := columns(ctx, conn, readParquet(files, ""))
	if err != nil {
		return "", err
	}

	// Every partition's date is a constant; with several partitions each file is mapped to its
	// date through the reader's filename column (named so that it cannot shadow a data column).
	date := ""
	fileCol := ""
	if nonEmpty(parts) == 1 {
		for _, p := range parts {
			if len(p.files) > 0 {
				date = dateLiteral(p.date)
			}
		}
	} else {
		fileCol = unusedName("__metalake_file", cols)
		var b strings.Builder
		b.WriteString("CASE")
		for _, p := range parts {
			if len(p.files) == 0 {
				continue
			}
			fmt.Fprintf(&b, " WHEN %s IN %s THEN %s", engine.Ident(fileCol), tupleLiteral(p.files), dateLiteral(p.date))
		}
		b.WriteString(" END")
		date = b.String()
	}

	sel := "SELECT *"
	if fileCol != "" {
		sel += fmt.Sprintf(" EXCLUDE (%s)", engine.Ident(fileCol))
	}
	if i := slices.IndexFunc(cols, func(c string) bool { return strings.EqualFold(c, "run_date") }); i >= 0 {
		sel += fmt.Sprintf(" REPLACE (%s AS %s)", date, engine.Ident(cols[i]))
	} else {
		sel += fmt.Sprintf(", %s AS run_date", date)
	}
	return sel + " FROM " + readParquet(files, fileCol), nil
}

func nonEmpty(parts []partition) int {
	n := 0
	for _, p := range parts {
		if len(p.files) > 0 {
			n++
		}
	}
	return n
}

// columns returns the column names of a FROM item.
func columns(ctx context.Context, conn *sql.Conn, from string) ([]string, error) {
	rows, err := conn.QueryContext(ctx, "DESCRIBE SELECT * FROM "+from)
	if err != nil {
		return nil, fmt.Errorf("read schema: %w", err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	var names []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		name, _ := vals[0].(string) // column_name
		names = append(names, name)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read schema: %w", err)
	}
	return names, nil
}

func createView(ctx context.Context, conn *sql.Conn, schema, name, body string) error {
	q := fmt.Sprintf("CREATE VIEW %s.%s AS %s", engine.Ident(schema), engine.Ident(name), body)
	if _, err := conn.ExecContext(ctx, q); err != nil {
		return fmt.Errorf("create view: %w", err)
	}
	return nil
}

// readParquet is the read_parquet call over files, unioning schemas by column name; fileCol,
// when set, names the column holding each row's file.
func readParquet(files []string, fileCol string) string {
	opts := ", union_by_name = true"
	if fileCol != "" {
		opts += ", filename = " + engine.Literal(fileCol)
	}
	return "read_parquet(" + listLiteral(files) + opts + ")"
}

// literalPath returns a path to the local file p that the engine's readers take literally. They
// expand glob patterns, and the lock-down that follows the views forbids the directory listing
// a bracketed pattern (engine.FilePath) needs, so a file whose path holds a glob
// metacharacter (a lake at /data/w*) is read through a symbolic link in dir, named after it
// without them.
func literalPath(p, dir string) (string, error) {
	if !strings.ContainsAny(p, "*?[") {
		return p, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	link := filepath.Join(dir, strings.NewReplacer("*", "_", "?", "_", "[", "_").Replace(filepath.Base(p)))
	if err := os.Symlink(p, link); err != nil && !errors.Is(err, fs.ErrExist) {
		return "", fmt.Errorf("link %s: %w", p, err)
	}
	return link, nil
}

func listLiteral(items []string) string {
	q := make([]string, len(items))
	for i, s := range items {
		q[i] = engine.Literal(s)
	}
	return "[" + strings.Join(q, ", ") + "]"
}

func tupleLiteral(items []string) string {
	l := listLiteral(items)
	return "(" + l[1:len(l)-1] + ")"
}

func dateLiteral(d lake.Date) string { return "DATE " + engine.Literal(d.String()) }

// unusedName returns base, suffixed if needed so that it differs from every column name
// (case-insensitively, as DuckDB compares identifiers).
func unusedName(base string, cols []string) string {
	name := base
	for i := 1; slices.ContainsFunc(cols, func(c string) bool { return strings.EqualFold(c, name) }); i++ {
		name = fmt.Sprintf("%s_%d", base, i)
	}
	return name
}

// brief shortens a statement for an error message (the allowed_paths list can be huge).
func brief(stmt string) string {
	stmt = firstLine(stmt)
	if len(stmt) <= 120 {
		return stmt
	}
	cut := 120
	for cut > 0 && !utf8.RuneStart(stmt[cut]) {
		cut--
	}
	return stmt[:cut] + "…"
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
