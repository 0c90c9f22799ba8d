package htmlreport

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"text/template"

	"github.com/metalake/metalake/internal/engine"
	"github.com/metalake/metalake/internal/lake"
	"github.com/metalake/metalake/internal/query"
)

//go:embed queries/*.sql
var queryFiles embed.FS

var queries = template.Must(template.New("").Option("missingkey=error").ParseFS(queryFiles, "queries/*.sql"))

// sqlParams fill the query templates; every field is already SQL (a literal or an
// identifier), made by newParams and the helpers below, never raw input.
type sqlParams struct {
	Date, Timestamp, From, Until string
	Table, Reason                string
	Limit, Offset                int
	day                          lake.Date
}

func newParams(d lake.Date) sqlParams {
	return sqlParams{
		Date:      "DATE " + engine.Literal(d.String()),
		Timestamp: "TIMESTAMP " + engine.Literal(d.String()+" 00:00:00"),
		From:      "TIMESTAMP " + engine.Literal(d.AddDays(1-NewUsersDays).String()+" 00:00:00"),
		Until:     "TIMESTAMP " + engine.Literal(d.AddDays(1).String()+" 00:00:00"),
		day:       d,
	}
}

// withTable names a rejects table (an identifier, quoted: names come from folder names).
func (p sqlParams) withTable(t string) sqlParams {
	p.Table = engine.Ident(t)
	return p
}

func renderSQL(name string, p sqlParams) (string, error) {
	var b strings.Builder
	if err := queries.ExecuteTemplate(&b, name+".sql", p); err != nil {
		return "", fmt.Errorf("htmlreport: query %s: %w", name, err)
	}
	return b.String(), nil
}

// openCatalog opens the read-only query catalog over the committed lake, preparing only the
// relations named (schema.name, the name quoted when it is not a plain identifier).
func openCatalog(ctx context.Context, lk *lake.Lake, eng engine.Engine, relations []string) (*query.Catalog, error) {
	return query.Open(ctx, lk, eng, query.ForQuery(ctx, "SELECT 1 FROM "+strings.Join(relations, ", ")))
}

// row is one result row, its columns in the query's order.
type row struct {
	cols []string
	vals map[string]any
}

func (r row) str(col string) string { return text(r.vals[col]) }

func (r row) int(col string) int64 {
	switch v := r.vals[col].(type) {
	case json.Number:
		if n, err := v.Int64(); err == nil {
			return n
		}
		f, _ := v.Float64()
		return int64(f)
	}
	return 0
}

func (r row) float(col string) float64 {
	if v, ok := r.vals[col].(json.Number); ok {
		f, _ := v.Float64()
		return f
	}
	return 0
}

// text is a JSON value as the raw CSV would have shown it.
func text(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case json.Number:
		return x.String()
	case bool:
		return strconv.FormatBool(x)
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// runSQL runs query name through the catalog and returns its rows.
func runSQL(ctx context.Context, cat *query.Catalog, name string, p sqlParams) ([]row, error) {
	q, err := renderSQL(name, p)
	if err != nil {
		return nil, err
	}
	var out bytes.Buffer
	if err := cat.Query(ctx, q, query.FormatJSON, &out); err != nil {
		return nil, err
	}
	return decodeRows(out.Bytes())
}

// decodeRows reads the query package's JSON output (an array of objects, keys in column
// order), keeping the order and numbers exact.
func decodeRows(data []byte) ([]row, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	bad := func(err error) ([]row, error) { return nil, fmt.Errorf("htmlreport: read query result: %w", err) }
	if err := expectDelim(dec, '['); err != nil {
		return bad(err)
	}
	var rows []row
	for dec.More() {
		if err := expectDelim(dec, '{'); err != nil {
			return bad(err)
		}
		r := row{vals: map[string]any{}}
		for dec.More() {
			tok, err := dec.Token()
			if err != nil {
				return bad(err)
			}
			key, _ := tok.(string)
			var v any
			if err := dec.Decode(&v); err != nil {
				return bad(err)
			}
			r.cols = append(r.cols, key)
			r.vals[key] = v
		}
		if err := expectDelim(dec, '}'); err != nil {
			return bad(err)
		}
		rows = append(rows, r)
	}
	return rows, expectDelimErr(dec, ']')
}

func expectDelim(dec *json.Decoder, want json.Delim) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if d, ok := tok.(json.Delim); !ok || d != want {
		return fmt.Errorf("want %q, got %v", want, tok)
	}
	return nil
}

func expectDelimErr(dec *json.Decoder, want json.Delim) error {
	if err := expectDelim(dec, want); err != nil {
		return fmt.Errorf("htmlreport: read query result: %w", err)
	}
	return nil
}

// firstLine keeps an error message to one line for the page.
func firstLine(err error) string {
	s := err.Error()
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return s
}
