package warehouse

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// conn is what a load needs of a warehouse connection. Statements carry no parameters (every
// value is a rendered literal), so they travel by the simple query protocol, which Redshift
// speaks as PostgreSQL does.
type conn interface {
	// exec runs a statement and returns the rows it affected.
	exec(ctx context.Context, sql string) (int64, error)
	// query calls f with every row's values.
	query(ctx context.Context, sql string, f func(vals []any) error) error
	// copyFrom streams rows into table by the COPY protocol (PostgreSQL).
	copyFrom(ctx context.Context, table string, columns []string, src pgx.CopyFromSource) (int64, error)
	close()
}

type pgConn struct{ c *pgx.Conn }

// dial connects to the target with pgx (PostgreSQL, and Redshift through its PostgreSQL wire
// protocol). A failure names the host and the user, never the password.
func dial(ctx context.Context, t Target) (conn, error) {
	u := *t.URL
	u.Scheme = "postgres"
	cfg, err := pgx.ParseConfig(u.String())
	if err != nil {
		return nil, &Error{Target: t.String(), Op: "connect", Err: errors.New(oneLine(err.Error()))}
	}
	if t.Password != "" {
		cfg.Password = t.Password
	}
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = 30 * time.Second
	}
	cfg.DefaultQueryExecMode = pgx.QueryExecModeSimpleProtocol
	cfg.RuntimeParams["application_name"] = "metalake export"
	c, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, &Error{Target: t.String(), Op: fmt.Sprintf("connect to %s as user %s", t.Host(), t.User()),
			Err: errors.New(cause(err)), retry: retryable(err)}
	}
	return &pgConn{c: c}, nil
}

func (p *pgConn) exec(ctx context.Context, sql string) (int64, error) {
	tag, err := p.c.Exec(ctx, sql)
	return tag.RowsAffected(), err
}

func (p *pgConn) query(ctx context.Context, sql string, f func([]any) error) error {
	rows, err := p.c.Query(ctx, sql, pgx.QueryExecModeSimpleProtocol)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		vals, err := rows.Values()
		if err != nil {
			return err
		}
		if err := f(vals); err != nil {
			return err
		}
	}
	return rows.Err()
}

func (p *pgConn) copyFrom(ctx context.Context, table string, columns []string, src pgx.CopyFromSource) (int64, error) {
	return p.c.CopyFrom(ctx, pgx.Identifier{table}, columns, src)
}

func (p *pgConn) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = p.c.Close(ctx)
}

// Error is a failed export or check: the target (without its password), what was being done,
// and whether a retry may help (Retryable, read by the run's DAG).
type Error struct {
	Target string
	Op     string
	Err    error
	retry  bool
}

func (e *Error) Error() string { return fmt.Sprintf("warehouse %s: %s: %v", e.Target, e.Op, e.Err) }
func (e *Error) Unwrap() error { return e.Err }

// Retryable is true for failures a later attempt may not meet: a lost or refused connection,
// a server shutting down or out of resources, a serialization failure or deadlock. Bad
// credentials, a missing database, a refused schema change or a constraint violation are not.
func (e *Error) Retryable() bool { return e.retry }

// retryable classifies a warehouse error by its SQLSTATE class, else as a network failure.
func retryable(err error) bool {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var se *SchemaError
	if errors.As(err, &se) || errors.Is(err, ErrNotValidated) {
		return false
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return retryableState(pe.Code)
	}
	var ne net.Error
	return pgconn.SafeToRetry(err) || pgconn.Timeout(err) || errors.As(err, &ne) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || isConnError(err)
}

// retryableState says whether a SQLSTATE is worth another attempt.
func retryableState(code string) bool {
	if strings.HasPrefix(code, "08") || strings.HasPrefix(code, "53") { // connection exception, insufficient resources
		return true
	}
	switch code {
	case "57P01", "57P02", "57P03", // admin shutdown, crash shutdown, cannot connect now
		"40001", "40P01", "55P03": // serialization failure, deadlock, lock not available
		return true
	}
	return false
}

// isConnError recognises a connection that broke mid-statement (the server went away).
func isConnError(err error) bool {
	msg := err.Error()
	for _, s := range []string{"conn closed", "connection reset", "broken pipe", "unexpected EOF", "connection refused"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

// cause is the server's message for a failed connection (pgx's own adds the connection
// parameters, which the caller names itself), e.g. `password authentication failed for
// user "metalake" (SQLSTATE 28P01)`.
func cause(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return fmt.Sprintf("%s (SQLSTATE %s)", pe.Message, pe.Code)
	}
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) && ce.Unwrap() != nil {
		return oneLine(ce.Unwrap().Error())
	}
	return oneLine(err.Error())
}

// statementError wraps a failed statement with its first line, classified.
func statementError(t Target, op string, err error) error {
	var se *SchemaError
	if errors.As(err, &se) {
		return err
	}
	msg := oneLine(err.Error())
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Detail != "" {
		msg += ": " + pe.Detail
	}
	if pe != nil && pe.Code == "23503" { // foreign_key_violation
		msg += " (the lake's facts of this date reference a dimension version the lake no longer has: " +
			"rerun the date and the later ones, metalake run --date D --to LATEST --force, then export them)"
	}
	return &Error{Target: t.String(), Op: op, Err: wrapped{msg, err}, retry: retryable(err)}
}

// wrapped keeps err in the chain under a one-line message.
type wrapped struct {
	msg string
	err error
}

func (w wrapped) Error() string { return w.msg }
func (w wrapped) Unwrap() error { return w.err }

func oneLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return s
}
