package bronze

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/metalake/metalake/internal/contract"
	"github.com/metalake/metalake/internal/engine"
)

// loaded is one raw CSV read into the session by the engine's reader (rawReader): raw_{name}
// (text columns c{i} of the well-formed records), the structural rejects, and the typed view
// {name}.
type loaded struct {
	name       string    // typed view name (src, lkt_dataset_versions, …)
	raw        string    // raw relation name
	ord        string    // raw's column ordering the records as the file does (the typed rows' __ord)
	rd         rawReader // what read the file: line numbers and structural rejects are its
	key        string    // lake key of the CSV
	header     []string  // as in the file
	rawNames   []string  // snake_case name of every header column (rejects carry raw values by these)
	typedCols  []string  // columns of the typed view, in order
	extras     []string  // header columns kept as text outside the contract
	kept       []int     // header positions kept in the raw relation (c{i})
	structural int64     // structurally broken records
	rewritten  string    // why the raw file was read through a rewritten copy ("" if not)
}

// lineSQL returns the expression of the source line of alias's rows (alias.__ord is the
// record's ordinal, l.ord) and the join it needs, if any.
func (l *loaded) lineSQL(alias string) (expr, join string) { return l.rd.lineSQL(alias) }

// load reads path (the object key) as source src into the session, parsing in dialect d; tmp
// is a scratch directory (for a rewritten copy of the file, see duckReader).
// dateOnly names the timestamp columns whose date-only helper the rules use (parsing a value a
// second time costs real time at 25 M rows, so only they get one).
func load(ctx context.Context, s engine.Session, d engine.Dialect, name string, src contract.Source, key, path, tmp string, header []string, primary bool, dateOnly map[string]bool) (*loaded, error) {
	l := &loaded{name: name, key: key, header: header}
	l.rd = newRawReader(s, l)
	idx := map[string]int{}
	for i, h := range header {
		idx[strings.ToLower(strings.TrimSpace(h))] = i
	}
	if missing := src.MissingColumns(contract.HeaderSet(header)); len(missing) > 0 {
		return nil, fmt.Errorf("%s: missing required column(s) %s", key, strings.Join(missing, ", "))
	}
	// A lookup keeps only the fields its contract reads (DatasetVersions' descriptions are most
	// of its bytes); the primary source keeps every field for its rejects and extra columns.
	for i, h := range header {
		if primary || src.Reads(h) {
			l.kept = append(l.kept, i)
		}
	}
	from := l.raw + " r"

	used := map[int]bool{}
	var inner, outer, reasons []string
	inner = append(inner, "r."+l.ord+" AS __ord")
	outer = append(outer, "__ord")
	l.typedCols = append(l.typedCols, "__ord")
	for _, c := range src.Columns {
		i, ok := idx[strings.ToLower(c.Header)]
		if !ok { // optional and absent
			outer = append(outer, fmt.Sprintf("CAST(NULL AS %s) AS %s", sqlType(c.Type), engine.Ident(c.Name)))
			l.typedCols = append(l.typedCols, c.Name)
			if dateOnly[c.Name] {
				outer = append(outer, fmt.Sprintf("false AS %s", engine.Ident(dateOnlyName(c.Name))))
				l.typedCols = append(l.typedCols, dateOnlyName(c.Name))
			}
			continue
		}
		used[i] = true
		raw := fmt.Sprintf("r.c%d", i)
		rawAlias := fmt.Sprintf("__raw%d", i)
		parsed := engine.Ident(c.Name)
		expr, err := parseExpr(d, c, raw)
		if err != nil {
			return nil, fmt.Errorf("%s: column %s: %w", key, c.Header, err)
		}
		inner = append(inner, fmt.Sprintf("%s AS %s", raw, rawAlias), fmt.Sprintf("%s AS %s", expr, parsed))
		outer = append(outer, parsed)
		l.typedCols = append(l.typedCols, c.Name)
		if dateOnly[c.Name] {
			only, err := dateOnlyExpr(d, c, raw)
			if err != nil {
				return nil, fmt.Errorf("%s: column %s: %w", key, c.Header, err)
			}
			inner = append(inner, fmt.Sprintf("%s AS %s", only, engine.Ident(dateOnlyName(c.Name))))
			outer = append(outer, engine.Ident(dateOnlyName(c.Name)))
			l.typedCols = append(l.typedCols, dateOnlyName(c.Name))
		}
		if f := failedExpr(c, rawAlias, parsed); f != "false" {
			reasons = append(reasons, fmt.Sprintf("WHEN %s THEN %s", f, engine.Text(parseReason(c))))
		}
	}
	taken := map[string]bool{}
	for _, c := range l.typedCols {
		taken[c] = true
	}
	l.rawNames = uniqueSnake(header)
	if primary && src.KeepsExtra() {
		for i := range header {
			if used[i] {
				continue
			}
			n := l.rawNames[i]
			for taken[n] {
				n += "_extra"
			}
			taken[n] = true
			inner = append(inner, fmt.Sprintf("r.c%d AS %s", i, engine.Ident(n)))
			outer = append(outer, engine.Ident(n))
			l.typedCols = append(l.typedCols, n)
			l.extras = append(l.extras, n)
		}
	}
	reason := "CAST(NULL AS STRING)"
	if len(reasons) > 0 {
		reason = "CASE " + strings.Join(reasons, " ") + " END"
	}
	outer = append(outer, reason+" AS __reason")
	l.typedCols = append(l.typedCols, "__reason")
	// Read only now: a column the dialect cannot parse fails the load before the file is read.
	if err := l.rd.read(ctx, s, l, path, tmp); err != nil {
		return nil, fmt.Errorf("read %s: %w", key, err)
	}
	view := fmt.Sprintf("SELECT %s FROM (SELECT %s FROM %s)", strings.Join(outer, ", "), strings.Join(inner, ", "), from)
	if err := s.Temp(ctx, name, view, false); err != nil {
		return nil, err
	}
	return l, nil
}

var dateOnlyRef = regexp.MustCompile(`__([a-z0-9_]+)_date_only`)

// dateOnlyColumns lists the columns whose date-only helper the table's rules reference.
func dateOnlyColumns(t contract.Table) map[string]bool {
	out := map[string]bool{}
	for _, r := range t.Rules {
		for _, m := range dateOnlyRef.FindAllStringSubmatch(r.When, -1) {
			out[m[1]] = true
		}
	}
	return out
}

// dateOnlyName is the helper column telling whether a timestamp was written as a bare date.
func dateOnlyName(col string) string { return "__" + col + "_date_only" }

func sqlType(t string) string {
	switch t {
	case contract.TypeInteger:
		return "BIGINT"
	case contract.TypeNumber:
		return "DOUBLE"
	case contract.TypeTimestamp:
		return "TIMESTAMP"
	case contract.TypeDate:
		return "DATE"
	case contract.TypeBoolean:
		return "BOOLEAN"
	}
	return "STRING" // DuckDB reads it as VARCHAR; Spark wants a length after VARCHAR
}

// uniqueSnake snake-cases header names, suffixing collisions so every raw column keeps a name.
func uniqueSnake(header []string) []string {
	out := make([]string, len(header))
	seen := map[string]int{}
	for i, h := range header {
		n := contract.SnakeCase(h)
		seen[n]++
		if seen[n] > 1 {
			n = fmt.Sprintf("%s_%d", n, seen[n])
		}
		out[i] = n
	}
	return out
}

// rawColumnsSQL selects the raw text of every header column under its snake_case name, from
// raw relation alias a, for the rejects file.
func (l *loaded) rawColumnsSQL(a string) []string {
	cols := make([]string, len(l.kept))
	for j, i := range l.kept {
		cols[j] = fmt.Sprintf("%s.c%d AS %s", a, i, engine.Ident(l.rawNames[i]))
	}
	return cols
}

func (l *loaded) nullRawColumnsSQL() []string {
	cols := make([]string, len(l.kept))
	for j, i := range l.kept {
		cols[j] = "CAST(NULL AS STRING) AS " + engine.Ident(l.rawNames[i])
	}
	return cols
}

// structuralRejectsSQL selects the structurally broken records in the rejects layout.
func (l *loaded) structuralRejectsSQL(extra []string, meta string) string {
	return l.rd.structuralRejectsSQL(l, append(l.nullRawColumnsSQL(), extra...), meta)
}

// rawJoin is the join from alias j's rows (with __ord) to their raw record r.
func (l *loaded) rawJoin(j string) string {
	return fmt.Sprintf(" JOIN %s r ON r.%s = %s.__ord", l.raw, l.ord, j)
}

func (l *loaded) drop(ctx context.Context, s engine.Session) {
	_ = s.DropTemp(ctx, l.name)
	l.rd.drop(ctx, s)
}
