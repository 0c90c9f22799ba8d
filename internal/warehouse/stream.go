package warehouse

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5/pgtype"

	"github.com/metalake/metalake/internal/engine"
)

// rowStream hands the rows of an engine query to pgx's CopyFrom (a pgx.CopyFromSource) one at
// a time. The engine pushes rows (Session.Each) from a goroutine into a small bounded buffer,
// so however large the table (25 M dimension rows), only a few thousand rows are in Go memory
// at once. Close stops the query.
type rowStream struct {
	batches chan [][]any
	cancel  context.CancelFunc
	conv    []func(any) (any, error)
	cur     [][]any
	i       int
	row     []any
	err     error
	// result is the query's error, set before batches is closed.
	result error
}

const streamBatch = 1024

// streamRows runs query on s and streams its rows; conv[i], when set, converts column i's
// engine value into what pgx encodes. It is the one place this package reads rows through
// the engine's API.
func streamRows(ctx context.Context, s engine.Session, query string, conv []func(any) (any, error)) *rowStream {
	ctx, cancel := context.WithCancel(ctx)
	rs := &rowStream{batches: make(chan [][]any, 4), cancel: cancel, conv: conv}
	go func() {
		defer close(rs.batches)
		batch := make([][]any, 0, streamBatch)
		send := func() error {
			select {
			case rs.batches <- batch:
				batch = make([][]any, 0, streamBatch)
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		err := s.Each(ctx, query, func(row []any) error {
			batch = append(batch, slices.Clone(row)) // Each reuses row
			if len(batch) == streamBatch {
				return send()
			}
			return nil
		})
		if err == nil && len(batch) > 0 {
			err = send()
		}
		rs.result = err
	}()
	return rs
}

// Next implements pgx.CopyFromSource.
func (rs *rowStream) Next() bool {
	if rs.err != nil {
		return false
	}
	for rs.i >= len(rs.cur) {
		b, ok := <-rs.batches
		if !ok {
			rs.err = rs.result
			return false
		}
		rs.cur, rs.i = b, 0
	}
	rs.row = rs.cur[rs.i]
	rs.cur[rs.i] = nil
	rs.i++
	return true
}

// Values implements pgx.CopyFromSource.
func (rs *rowStream) Values() ([]any, error) {
	for i, f := range rs.conv {
		if f == nil || rs.row[i] == nil {
			continue
		}
		v, err := f(rs.row[i])
		if err != nil {
			return nil, err
		}
		rs.row[i] = v
	}
	return rs.row, nil
}

// Err implements pgx.CopyFromSource.
func (rs *rowStream) Err() error { return rs.err }

// Close stops the query (when the copy ended early) and waits for it.
func (rs *rowStream) Close() {
	rs.cancel()
	for range rs.batches {
	}
}

// selectFor is the query streaming cols from rel, and the conversions its values need:
// decimals travel as text (exact) and become pgtype.Numeric.
func selectFor(cols []column, rel string) (string, []func(any) (any, error)) {
	exprs := make([]string, len(cols))
	conv := make([]func(any) (any, error), len(cols))
	for i, c := range cols {
		exprs[i] = engine.Ident(c.name)
		if c.sql.info == "numeric" {
			exprs[i] = fmt.Sprintf("CAST(%s AS VARCHAR) AS %s", engine.Ident(c.name), engine.Ident(c.name))
			conv[i] = func(v any) (any, error) {
				var n pgtype.Numeric
				if err := n.Scan(v); err != nil {
					return nil, fmt.Errorf("column %s: %w", c.name, err)
				}
				return n, nil
			}
		}
	}
	return "SELECT " + strings.Join(exprs, ", ") + " FROM " + rel, conv
}
