package query

import (
	"bufio"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Output formats of Query.
const (
	FormatTable = "table"
	FormatCSV   = "csv"
	FormatJSON  = "json"
)

// MaxTableRows is how many rows the table format holds to align its columns; it prints those
// and reports how many more the result had. csv and json stream every row.
const MaxTableRows = 10_000

// Query runs one read-only statement (see the package comment) and streams its result to w.
//
// Formats:
//   - "table" (or ""): aligned columns with a header, numbers right-aligned, NULL shown as
//     NULL, multi-line values (EXPLAIN plans) kept on their own lines, and a "(N rows)" footer;
//     at most MaxTableRows rows are printed, the footer says how many there were in all.
//   - "csv": RFC 4180 quoting with a header line and "\n" line ends; NULL is an empty field,
//     an empty string is "".
//   - "json": an array of objects, one per line and row, keys in column order (a repeated
//     column name gets a _1, _2 … suffix); see appendJSON for the values.
//
// A statement that is not allowed returns an error wrapping ErrRefused. A DuckDB error is
// returned with its first line, plus the available tables when a table does not exist. An
// error after rows were written leaves the output incomplete.
func (c *Catalog) Query(ctx context.Context, q, format string, w io.Writer) error {
	write, err := writerFor(format)
	if err != nil {
		return err
	}
	if c.db == nil {
		return errors.New("query: the catalog is closed")
	}
	conn, err := c.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("query: %w", err)
	}
	defer conn.Close()

	if err := checkReadOnly(conn, q); err != nil {
		return c.sqlError(ctx, err)
	}
	rows, err := conn.QueryContext(ctx, q)
	if err != nil {
		return c.sqlError(ctx, err)
	}
	defer rows.Close()
	r, err := newResult(rows)
	if err != nil {
		return c.sqlError(ctx, err)
	}
	o := &output{w: bufio.NewWriterSize(w, 64<<10)}
	werr := write(o, r)
	if o.err == nil {
		// Also after a failure midway: the rows before it are worth seeing.
		o.err = o.w.Flush()
	}
	if werr != nil {
		return c.sqlError(ctx, werr)
	}
	if o.err != nil {
		return fmt.Errorf("query: write output: %w", o.err)
	}
	return nil
}

// writer writes a result; it returns the result's (SQL) error and leaves output errors in o.
type writer func(o *output, r *result) error

func writerFor(format string) (writer, error) {
	switch format {
	case FormatTable, "":
		return writeTable, nil
	case FormatCSV:
		return writeCSV, nil
	case FormatJSON:
		return writeJSON, nil
	}
	return nil, fmt.Errorf("query: unknown format %q: use %s, %s or %s", format, FormatTable, FormatCSV, FormatJSON)
}

// output is a buffered writer that keeps its first error, so writers can stop early.
type output struct {
	w   *bufio.Writer
	err error
}

func (o *output) write(p []byte) {
	if o.err == nil {
		_, o.err = o.w.Write(p)
	}
}

func (o *output) writeString(s string) {
	if o.err == nil {
		_, o.err = o.w.WriteString(s)
	}
}

type column struct {
	name string
	typ  *colType
}

// result scans the rows of a query one at a time.
type result struct {
	rows *sql.Rows
	cols []column
	vals []any
	ptrs []any
}

func newResult(rows *sql.Rows) (*result, error) {
	types, err := rows.ColumnTypes()
	if err != nil {
		return nil, err
	}
	r := &result{rows: rows, vals: make([]any, len(types)), ptrs: make([]any, len(types))}
	for i, ct := range types {
		r.cols = append(r.cols, column{name: ct.Name(), typ: parseType(ct.DatabaseTypeName())})
		r.ptrs[i] = &r.vals[i]
	}
	return r, nil
}

// next scans the next row into r.vals; false at the end or on error (then see r.rows.Err).
func (r *result) next() (bool, error) {
	if !r.rows.Next() {
		return false, r.rows.Err()
	}
	if err := r.rows.Scan(r.ptrs...); err != nil {
		return false, err
	}
	return true, nil
}

func writeCSV(o *output, r *result) error {
	line := make([]byte, 0, 256)
	for i, c := range r.cols {
		if i > 0 {
			line = append(line, ',')
		}
		line = appendCSVField(line, c.name)
	}
	o.write(append(line, '\n'))
	for o.err == nil {
		ok, err := r.next()
		if !ok {
			return err
		}
		line = line[:0]
		for i, v := range r.vals {
			if i > 0 {
				line = append(line, ',')
			}
			if v != nil {
				line = appendCSVField(line, text(v, r.cols[i].typ))
			}
		}
		o.write(append(line, '\n'))
	}
	return nil
}

// appendCSVField quotes a field when RFC 4180 needs it, and the empty string too, so that it
// differs from NULL (an empty field).
func appendCSVField(b []byte, s string) []byte {
	if s != "" && !strings.ContainsAny(s, ",\"\r\n") {
		return append(b, s...)
	}
	b = append(b, '"')
	b = append(b, strings.ReplaceAll(s, `"`, `""`)...)
	return append(b, '"')
}

func writeJSON(o *output, r *result) error {
	keys := uniqueNames(r.cols)
	line := make([]byte, 0, 256)
	n := 0
	for o.err == nil {
		ok, err := r.next()
		if !ok {
			if err != nil {
				return err
			}
			break
		}
		line = line[:0]
		if n == 0 {
			line = append(line, "[\n"...)
		} else {
			line = append(line, ",\n"...)
		}
		line = append(line, '{')
		for i, v := range r.vals {
			if i > 0 {
				line = append(line, ',')
			}
			line = appendJSONString(line, keys[i])
			line = append(line, ':')
			line = appendJSON(line, v, r.cols[i].typ)
		}
		o.write(append(line, '}'))
		n++
	}
	if n == 0 {
		o.writeString("[]\n")
	} else {
		o.writeString("\n]\n")
	}
	return nil
}

// uniqueNames suffixes repeated column names (a, a_1, a_2) so JSON keys stay distinct.
func uniqueNames(cols []column) []string {
	seen := map[string]bool{}
	out := make([]string, len(cols))
	for i, c := range cols {
		name := c.name
		for n := 1; seen[name]; n++ {
			name = c.name + "_" + strconv.Itoa(n)
		}
		seen[name] = true
		out[i] = name
	}
	return out
}

func writeTable(o *output, r *result) error {
	var cells [][]string
	total := 0
	for {
		ok, err := r.next()
		if err != nil {
			return err
		}
		if !ok {
			break
		}
		total++
		if len(cells) >= MaxTableRows {
			continue // counted, not kept
		}
		row := make([]string, len(r.vals))
		for i, v := range r.vals {
			if v == nil {
				row[i] = "NULL"
			} else {
				row[i] = cleanCell(text(v, r.cols[i].typ))
			}
		}
		cells = append(cells, row)
	}

	width := make([]int, len(r.cols))
	right := make([]bool, len(r.cols))
	header := make([]string, len(r.cols))
	for i, c := range r.cols {
		header[i] = cleanCell(c.name)
		right[i] = c.typ.numeric()
		width[i] = cellWidth(header[i])
	}
	for _, row := range cells {
		for i, s := range row {
			width[i] = max(width[i], cellWidth(s))
		}
	}

	if len(r.cols) > 0 {
		writeTableRow(o, header, width, right)
		dashes := make([]string, len(width))
		for i, w := range width {
			dashes[i] = strings.Repeat("-", w+2)
		}
		o.writeString(strings.Join(dashes, "+") + "\n")
		for _, row := range cells {
			writeTableRow(o, row, width, right)
		}
	}
	switch {
	case total > len(cells):
		o.writeString(fmt.Sprintf("(first %d of %d rows shown: use LIMIT, or csv or json output for all of them)\n", len(cells), total))
	case total == 1:
		o.writeString("(1 row)\n")
	default:
		o.writeString(fmt.Sprintf("(%d rows)\n", total))
	}
	return nil
}

// writeTableRow writes one row; a cell with several lines makes the row as many lines high.
func writeTableRow(o *output, row []string, width []int, right []bool) {
	lines := make([][]string, len(row))
	height := 1
	for i, s := range row {
		lines[i] = strings.Split(s, "\n")
		height = max(height, len(lines[i]))
	}
	var b strings.Builder
	for k := range height {
		b.Reset()
		for i := range row {
			if i > 0 {
				b.WriteString(" |")
			}
			s := ""
			if k < len(lines[i]) {
				s = lines[i][k]
			}
			pad := strings.Repeat(" ", width[i]-utf8.RuneCountInString(s))
			b.WriteByte(' ')
			if right[i] {
				b.WriteString(pad + s)
			} else {
				b.WriteString(s + pad)
			}
		}
		o.writeString(strings.TrimRight(b.String(), " ") + "\n")
	}
}

// cleanCell makes a value safe for the aligned layout: tabs and carriage returns would break
// the column widths; newlines are kept (the row grows taller) except a final one, which
// would only add an empty line (EXPLAIN's plan ends with one).
func cleanCell(s string) string {
	s = strings.TrimSuffix(s, "\n")
	if !strings.ContainsAny(s, "\t\r") {
		return s
	}
	return strings.NewReplacer("\r\n", "\n", "\r", "", "\t", "    ").Replace(s)
}

// cellWidth is the width of the widest line of a cell, in runes.
func cellWidth(s string) int {
	w := 0
	for line := range strings.SplitSeq(s, "\n") {
		w = max(w, utf8.RuneCountInString(line))
	}
	return w
}
