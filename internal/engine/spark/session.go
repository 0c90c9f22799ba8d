package spark

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/spark-connect-go/spark/sparkerrors"
	sparksql "github.com/apache/spark-connect-go/spark/sql"

	"github.com/metalake/metalake/internal/engine"
)

// sessionSettings are set on every session: TIMESTAMP is a wall-clock value as in DuckDB and in
// the lake's files (Spark's default TIMESTAMP is an instant shown in the session's zone), the
// zone that instants are shown in is UTC, a backslash in a string literal is an escape
// (the dialect's literals rely on it, whatever the server's default), and a double-quoted
// name is an identifier, as in standard SQL and DuckDB (engine.Ident quotes that way; Spark
// would otherwise read "x" as a string literal). The last needs ANSI mode, Spark 4's default,
// set here too.
var sessionSettings = [][2]string{
	{"spark.sql.session.timeZone", "UTC"},
	{"spark.sql.timestampType", "TIMESTAMP_NTZ"},
	{"spark.sql.parser.escapedStringLiterals", "false"},
	{"spark.sql.ansi.enabled", "true"},
	{"spark.sql.ansi.doubleQuotedIdentifiers", "true"},
}

// session is one Spark Connect session: its temporary views and settings are private to it.
type session struct {
	eng   *Engine
	ss    sparksql.SparkSession
	id    string            // the server's session id, for ReleaseSession
	temps map[string]*place // temporary views created by Temp → the place of their files (nil for a view)
}

// Session implements engine.Engine: a new Spark Connect session on the engine's connection.
func (e *Engine) Session(ctx context.Context) (engine.Session, error) {
	ss, err := sparksql.NewSessionBuilder().WithChannelBuilder(e.ch).Build(ctx)
	if err != nil {
		return nil, fmt.Errorf("engine session: %w", err)
	}
	s := &session{eng: e, ss: ss, temps: map[string]*place{}}
	capture := context.WithValue(ctx, sessionIDKey{}, &s.id)
	settings := sessionSettings
	for _, k := range slices.Sorted(maps.Keys(e.conf)) {
		settings = append(settings[:len(settings):len(settings)], [2]string{k, e.conf[k]})
	}
	for _, kv := range settings {
		if err := ss.Config().Set(capture, kv[0], kv[1]); err != nil {
			s.Close()
			return nil, fmt.Errorf("engine session: set %s: %w", kv[0], serverError(err))
		}
	}
	if err := e.recordSession(s.id); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// Close implements engine.Session: the server forgets the session and all it created.
func (s *session) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, p := range s.temps {
		if p != nil {
			p.removeAll(ctx)
		}
	}
	clear(s.temps)
	if s.id == "" {
		return nil
	}
	id := s.id
	s.id = ""
	if err := s.eng.ch.releaseSession(ctx, id); err != nil {
		return fmt.Errorf("engine session close: %w", err)
	}
	s.eng.forgetSession(id)
	return nil
}

// Temp implements engine.Session: a temporary view, or materialised one over Parquet files
// the query was written to in the work directory. Not CACHE TABLE: a Spark temporary view
// keeps its SQL text and resolves the views it names again when read, so a cached relation
// would follow a source replaced after it was made (and be recomputed, not kept); files are a
// snapshot, and spill to disk by nature.
func (s *session) Temp(ctx context.Context, name, query string, materialise bool) error {
	if err := s.DropTemp(ctx, name); err != nil {
		return err
	}
	rel := query
	var snap *place
	if materialise {
		p, err := s.eng.snapshotPlace()
		if err != nil {
			return err
		}
		snap = &p
		if err := s.Exec(ctx, insertDirectory(p.uri, strings.TrimRight(strings.TrimSpace(query), ";"), 0)); err != nil {
			p.removeAll(ctx)
			return err
		}
		rel = "SELECT * FROM parquet." + ident(globEscape(filepath.ToSlash(p.uri)))
	}
	if err := s.Exec(ctx, fmt.Sprintf("CREATE OR REPLACE TEMP VIEW %s AS %s", ident(name), rel)); err != nil {
		if snap != nil {
			snap.removeAll(ctx)
		}
		return err
	}
	s.temps[name] = snap
	return nil
}

// DropTemp implements engine.Session.
func (s *session) DropTemp(ctx context.Context, name string) error {
	snap, ok := s.temps[name]
	if !ok {
		return nil
	}
	if err := s.Exec(ctx, "DROP VIEW IF EXISTS "+ident(name)); err != nil {
		return err
	}
	delete(s.temps, name)
	if snap != nil {
		return snap.removeAll(ctx)
	}
	return nil
}

// timed logs a statement's duration at debug level (metalake -v shows where time goes).
func (s *session) timed(query string) func() {
	start := time.Now()
	return func() {
		q := strings.Join(strings.Fields(query), " ")
		if len(q) > 120 {
			q = q[:120] + "…"
		}
		s.eng.log.Debug("sql", "engine", "spark", "duration_s", time.Since(start).Seconds(), "statement", q)
	}
}

// Exec implements engine.Session. Spark runs a command when it is submitted; a query is run to
// its end into Spark's no-op sink, so its errors surface here too.
func (s *session) Exec(ctx context.Context, query string) error {
	for _, stmt := range statements(query) {
		if err := s.exec(ctx, stmt); err != nil {
			return &engine.SQLError{SQL: query, Err: err}
		}
	}
	return nil
}

func (s *session) exec(ctx context.Context, stmt string) error {
	defer s.timed(stmt)()
	df, err := s.ss.Sql(ctx, stmt)
	if err != nil {
		return serverError(err)
	}
	if isQuery(stmt) {
		if err := df.Write().Format("noop").Mode("overwrite").Save(ctx, ""); err != nil {
			return serverError(err)
		}
	}
	return nil
}

// collect runs query and returns its result; the caller releases it.
func (s *session) collect(ctx context.Context, query string) (arrow.Table, error) {
	defer s.timed(query)()
	df, err := s.ss.Sql(ctx, query)
	if err != nil {
		return nil, serverError(err)
	}
	tbl, err := df.ToArrow(ctx)
	if err != nil {
		return nil, serverError(err)
	}
	if tbl == nil || *tbl == nil {
		// No Arrow batch at all (a command's empty result): no rows, no columns.
		return array.NewTable(arrow.NewSchema(nil, nil), nil, 0), nil
	}
	return *tbl, nil
}

// rows calls f with every row of t, converted (row is reused).
func rows(t arrow.Table, f func(row []any) error) error {
	r := array.NewTableReader(t, 64<<10)
	defer r.Release()
	row := make([]any, t.NumCols())
	for r.Next() {
		rec := r.Record()
		cols := rec.Columns()
		for i := 0; i < int(rec.NumRows()); i++ {
			for j, c := range cols {
				v, err := value(c, i)
				if err != nil {
					return fmt.Errorf("column %s: %w", rec.ColumnName(j), err)
				}
				row[j] = v
			}
			if err := f(row); err != nil {
				return err
			}
		}
	}
	return r.Err()
}

// Each implements engine.Session.
func (s *session) Each(ctx context.Context, query string, f func(row []any) error) error {
	t, err := s.collect(ctx, query)
	if err != nil {
		return &engine.SQLError{SQL: query, Err: err}
	}
	defer t.Release()
	var ferr error
	err = rows(t, func(row []any) error {
		if err := f(row); err != nil {
			ferr = err
			return err
		}
		return nil
	})
	switch {
	case ferr != nil:
		return ferr
	case err != nil:
		return &engine.SQLError{SQL: query, Err: err}
	}
	return nil
}

// Objects implements engine.Session.
func (s *session) Objects(ctx context.Context, query string, conv func(any) any) ([]map[string]any, error) {
	t, err := s.collect(ctx, query)
	if err != nil {
		return nil, &engine.SQLError{SQL: query, Err: err}
	}
	defer t.Release()
	names := make([]string, t.NumCols())
	for i, f := range t.Schema().Fields() {
		names[i] = f.Name
	}
	out := []map[string]any{}
	err = rows(t, func(row []any) error {
		obj := make(map[string]any, len(row))
		for i, v := range row {
			if conv != nil {
				v = conv(v)
			}
			obj[names[i]] = v
		}
		out = append(out, obj)
		return nil
	})
	if err != nil {
		return nil, &engine.SQLError{SQL: query, Err: err}
	}
	return out, nil
}

// QueryRow implements engine.Session: the first row's values are stored into dest as
// database/sql's Scan would (a query without rows is sql.ErrNoRows).
func (s *session) QueryRow(ctx context.Context, query string, dest ...any) error {
	t, err := s.collect(ctx, query)
	if err != nil {
		return &engine.SQLError{SQL: query, Err: err}
	}
	defer t.Release()
	if t.NumRows() == 0 {
		return &engine.SQLError{SQL: query, Err: sql.ErrNoRows}
	}
	if int(t.NumCols()) != len(dest) {
		return &engine.SQLError{SQL: query, Err: fmt.Errorf("%d columns into %d destinations", t.NumCols(), len(dest))}
	}
	errFirst := errors.New("first row")
	err = rows(t, func(row []any) error {
		for i, v := range row {
			if err := scanInto(v, dest[i]); err != nil {
				return fmt.Errorf("column %d: %w", i+1, err)
			}
		}
		return errFirst
	})
	if !errors.Is(err, errFirst) {
		return &engine.SQLError{SQL: query, Err: err}
	}
	return nil
}

// Describe implements engine.Session. Types are spelled as DuckDB spells them (BIGINT, VARCHAR,
// TIMESTAMP, DECIMAL(p,s), VARCHAR[] …): the catalog compares them between partitions and the
// Glue registration maps them, whichever engine wrote the partition.
func (s *session) Describe(ctx context.Context, relation string) ([]engine.Column, error) {
	q := "DESCRIBE QUERY SELECT * FROM " + relation
	var out []engine.Column
	err := s.Each(ctx, q, func(row []any) error {
		name, _ := row[0].(string)
		typ, _ := row[1].(string)
		out = append(out, engine.Column{Name: name, Type: duckType(typ)})
		return nil
	})
	return out, err
}

// serverError turns the client library's error, which repeats the whole statement before the
// server's message, into the server's message ([ERROR_CLASS] text. SQLSTATE: …), keeping the
// original in the chain.
func serverError(err error) error {
	var se *sparkerrors.SparkError
	if errors.As(err, &se) && strings.TrimSpace(se.Message) != "" {
		msg := strings.TrimSpace(se.Message)
		if se.ErrorClass != "" && !strings.HasPrefix(msg, "["+se.ErrorClass+"]") {
			msg = "[" + se.ErrorClass + "] " + msg
		}
		return &remoteError{msg: msg, err: err}
	}
	return err
}

type remoteError struct {
	msg string
	err error
}

func (e *remoteError) Error() string { return e.msg }
func (e *remoteError) Unwrap() error { return e.err }
