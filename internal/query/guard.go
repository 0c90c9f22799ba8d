package query

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/duckdb/duckdb-go/v2"
)

// ErrRefused is wrapped by the error Query returns for a statement it will not run: anything
// but exactly one read-only statement. Test for it with errors.Is.
var ErrRefused = errors.New("statement refused")

type refusal struct{ msg string }

func (r *refusal) Error() string        { return "query: " + r.msg }
func (r *refusal) Is(target error) bool { return target == ErrRefused }

func refused(format string, args ...any) error {
	return &refusal{msg: fmt.Sprintf(format, args...)}
}

func notReadOnly(got string) error {
	return refused("only read-only statements are allowed (got %s)", got)
}

// readOnlyKeyword reports whether a statement starting with kw may be a query. It only
// chooses the wording of an error: what runs is decided by DuckDB's statement type.
func readOnlyKeyword(kw string) bool {
	switch kw {
	case "SELECT", "WITH", "FROM", "VALUES", "TABLE", "EXPLAIN", "DESCRIBE", "DESC", "SHOW",
		"SUMMARIZE", "PIVOT", "UNPIVOT", "PIVOT_WIDER", "PIVOT_LONGER":
		return true
	}
	return false
}

// stmtTypeName names one of DuckDB's statement types in a refusal.
func stmtTypeName(t duckdb.StmtType) string {
	switch t {
	case duckdb.STATEMENT_TYPE_INSERT:
		return "INSERT"
	case duckdb.STATEMENT_TYPE_UPDATE:
		return "UPDATE"
	case duckdb.STATEMENT_TYPE_DELETE:
		return "DELETE"
	case duckdb.STATEMENT_TYPE_PREPARE:
		return "PREPARE"
	case duckdb.STATEMENT_TYPE_CREATE:
		return "CREATE"
	case duckdb.STATEMENT_TYPE_EXECUTE:
		return "EXECUTE"
	case duckdb.STATEMENT_TYPE_ALTER:
		return "ALTER"
	case duckdb.STATEMENT_TYPE_TRANSACTION:
		return "a transaction statement"
	case duckdb.STATEMENT_TYPE_COPY:
		return "COPY"
	case duckdb.STATEMENT_TYPE_ANALYZE:
		return "ANALYZE"
	case duckdb.STATEMENT_TYPE_VARIABLE_SET:
		return "SET VARIABLE"
	case duckdb.STATEMENT_TYPE_CREATE_FUNC:
		return "CREATE FUNCTION"
	case duckdb.STATEMENT_TYPE_DROP:
		return "DROP"
	case duckdb.STATEMENT_TYPE_EXPORT:
		return "EXPORT"
	case duckdb.STATEMENT_TYPE_PRAGMA:
		return "PRAGMA"
	case duckdb.STATEMENT_TYPE_VACUUM:
		return "VACUUM"
	case duckdb.STATEMENT_TYPE_CALL:
		return "CALL"
	case duckdb.STATEMENT_TYPE_SET:
		return "SET"
	case duckdb.STATEMENT_TYPE_LOAD:
		return "LOAD"
	case duckdb.STATEMENT_TYPE_ATTACH:
		return "ATTACH"
	case duckdb.STATEMENT_TYPE_DETACH:
		return "DETACH"
	}
	return fmt.Sprintf("statement type %d", t)
}

// checkReadOnly returns nil when q is exactly one statement that only reads: DuckDB's prepared
// statement type is SELECT (which DESCRIBE, SHOW, SUMMARIZE and VALUES are too), or EXPLAIN of
// such a statement (EXPLAIN ANALYZE executes what it explains). Preparing binds but never
// executes. A statement that fails to prepare is returned as DuckDB's error, unless its first
// word shows it was not a query (a COPY to a forbidden path fails to bind, for instance).
func checkReadOnly(conn *sql.Conn, q string) error {
	return checkStatement(conn, q, 0)
}

func checkStatement(conn *sql.Conn, q string, depth int) error {
	if skipSpace(q, 0) == len(q) {
		return refused("the query is empty")
	}
	typ, err := statementType(conn, q)
	kw := leadingKeyword(q)
	for inner := q; kw == "EXPLAIN"; {
		// Word the error by what is explained: EXPLAIN ANALYZE COPY … is a COPY.
		var ok bool
		if inner, ok = explainTarget(inner); !ok {
			break
		}
		kw = leadingKeyword(inner)
	}
	if err != nil {
		var de *duckdb.Error
		switch {
		case !errors.As(err, &de) && err.Error() == "empty query":
			// The driver's own refusal of a text with no statement in it (";", a stray byte).
			return refused("the query is empty")
		case !errors.As(err, &de) && strings.Contains(err.Error(), "multi-statement"):
			// The driver's own refusal (not a DuckDB error) of a string holding several statements.
			return refused("only one statement is allowed per query (PIVOT without an IN list counts as several: list the values, ON col IN (…))")
		case kw != "" && !readOnlyKeyword(kw):
			return notReadOnly(kw)
		}
		return err
	}
	switch typ {
	case duckdb.STATEMENT_TYPE_SELECT:
		return nil
	case duckdb.STATEMENT_TYPE_EXPLAIN:
		inner, ok := explainTarget(q)
		if !ok || depth > 2 {
			return refused("cannot tell which statement this EXPLAIN explains: EXPLAIN [ANALYZE] SELECT …")
		}
		return checkStatement(conn, inner, depth+1)
	}
	if kw != "" && !readOnlyKeyword(kw) {
		return notReadOnly(kw) // what the user wrote: INSTALL rather than LOAD, USE rather than SET
	}
	return notReadOnly(stmtTypeName(typ))
}

// statementType prepares q on the connection and returns DuckDB's statement type. It uses the
// driver's Prepare, not PrepareContext: the latter executes every statement but the last of
// a multi-statement string, while Prepare refuses such a string without running anything.
func statementType(conn *sql.Conn, q string) (duckdb.StmtType, error) {
	var typ duckdb.StmtType
	err := conn.Raw(func(dc any) error {
		c, ok := dc.(*duckdb.Conn)
		if !ok {
			return fmt.Errorf("unexpected driver connection %T", dc)
		}
		st, err := c.Prepare(q)
		if err != nil {
			return err
		}
		defer st.Close()
		ds, ok := st.(*duckdb.Stmt)
		if !ok {
			return fmt.Errorf("unexpected driver statement %T", st)
		}
		typ, err = ds.StatementType()
		return err
	})
	return typ, err
}

// explainTarget returns the statement an EXPLAIN explains: what follows EXPLAIN, ANALYZE and
// option lists such as (FORMAT json). ok is false when q does not have that shape.
func explainTarget(q string) (string, bool) {
	i := skipSpace(q, 0)
	w, i := word(q, i)
	if !strings.EqualFold(w, "EXPLAIN") {
		return "", false
	}
	for {
		i = skipSpace(q, i)
		if w, j := word(q, i); strings.EqualFold(w, "ANALYZE") || strings.EqualFold(w, "ANALYSE") {
			i = j
			continue
		}
		if i < len(q) && q[i] == '(' && !readOnlyKeyword(leadingKeyword(q[i:])) {
			end, ok := closeParen(q, i)
			if !ok {
				return "", false
			}
			i = end
			continue
		}
		break
	}
	rest := q[i:]
	if strings.TrimSpace(rest) == "" {
		return "", false
	}
	return rest, true
}

// leadingKeyword returns the first word of q in upper case, past spaces, comments and opening
// parentheses.
func leadingKeyword(q string) string {
	i := 0
	for {
		i = skipSpace(q, i)
		if i < len(q) && q[i] == '(' {
			i++
			continue
		}
		break
	}
	w, _ := word(q, i)
	return strings.ToUpper(w)
}

// word returns the SQL word (letters, digits, underscores) starting at i and the index after it.
func word(q string, i int) (string, int) {
	j := i
	for j < len(q) {
		c := q[j]
		if c == '_' || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || (j > i && '0' <= c && c <= '9') {
			j++
			continue
		}
		break
	}
	return q[i:j], j
}

// skipSpace returns the index of the first byte at or after i that is not white space or part
// of a comment (-- to the end of the line, /* … */).
func skipSpace(q string, i int) int {
	for i < len(q) {
		switch {
		case q[i] == ' ' || q[i] == '\t' || q[i] == '\n' || q[i] == '\r' || q[i] == '\f':
			i++
		case strings.HasPrefix(q[i:], "--"):
			end := strings.IndexByte(q[i:], '\n')
			if end < 0 {
				return len(q)
			}
			i += end + 1
		case strings.HasPrefix(q[i:], "/*"):
			end := strings.Index(q[i+2:], "*/")
			if end < 0 {
				return len(q)
			}
			i += 2 + end + 2
		default:
			return i
		}
	}
	return i
}

// closeParen returns the index just past the parenthesis closing the one at q[open], skipping
// quoted strings, quoted identifiers and comments.
func closeParen(q string, open int) (int, bool) {
	depth := 0
	for i := open; i < len(q); {
		if j := skipSpace(q, i); j != i {
			i = j
			continue
		}
		switch c := q[i]; c {
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				return i + 1, true
			}
		case '\'', '"':
			// A doubled quote inside is an escaped quote: the scan simply closes and reopens.
			end := strings.IndexByte(q[i+1:], c)
			if end < 0 {
				return 0, false
			}
			i += end + 2
			continue
		}
		i++
	}
	return 0, false
}

// sqlError is a DuckDB error as Query reports it: its first line, plus the available tables
// when a table was not found, as one line.
type sqlError struct {
	msg string
	err error
}

func (e *sqlError) Error() string { return "query: " + e.msg }
func (e *sqlError) Unwrap() error { return e.err }

func (c *Catalog) sqlError(ctx context.Context, err error) error {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return fmt.Errorf("query: %w", ctxErr)
	}
	var re *refusal
	if errors.As(err, &re) {
		return err
	}
	msg := firstLine(err.Error())
	if missingTable(err) {
		list := "none (the lake has no committed tables)"
		if len(c.tables) > 0 {
			list = strings.Join(c.tables, ", ")
		}
		// On the same line: reporters commonly print an error's first line only.
		msg += " (available tables: " + list + ")"
	}
	return &sqlError{msg: msg, err: err}
}

// missingTable reports whether err is DuckDB's "table (or its schema) does not exist".
func missingTable(err error) bool {
	var de *duckdb.Error
	if !errors.As(err, &de) || de.Type != duckdb.ErrorTypeCatalog {
		return false
	}
	msg := firstLine(de.Msg)
	if !strings.Contains(msg, "does not exist") {
		return false
	}
	for _, what := range []string{"Table with name", "Schema with name", "View with name"} {
		if strings.Contains(msg, what) {
			return true
		}
	}
	return false
}
