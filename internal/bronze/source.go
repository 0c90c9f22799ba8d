package bronze

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/metalake/metalake/internal/contract"
	"github.com/metalake/metalake/internal/engine"
)

// loaded is one raw CSV read into the session: raw_{name} (text columns c0..), rej_{name}
// (structural rejects) and the typed view {name}.
type loaded struct {
	name       string   // typed view name (src, lkt_dataset_versions, …)
	raw        string   // raw table name
	rej        string   // structural rejects table
	key        string   // lake key of the CSV
	header     []string // as in the file
	rawNames   []string // snake_case name of every header column (rejects carry raw values by these)
	typedCols  []string // columns of the typed view, in order
	extras     []string // header columns kept as VARCHAR outside the contract
	kept       []int    // header positions materialised in the raw table (c{i})
	structural int64    // structurally broken records
	lineMap    string   // record-number map, when there are structural rejects
	rewritten  string   // why the raw file was read through a rewritten copy ("" if not)
}

// lineSQL returns the expression of the source line of alias's rows (alias.__ord is the
// record's ordinal among well-formed records) and the join it needs, if any.
func (l *loaded) lineSQL(alias string) (expr, join string) {
	if l.lineMap == "" {
		return alias + ".__ord + 2", ""
	}
	return lineFromBuckets(alias, alias+"_lm"), fmt.Sprintf(" JOIN %s %s_lm ON %s", l.lineMap, alias, bucketOf(alias, alias+"_lm"))
}

// load reads path (the object key) as source src into the session; tmp is a scratch
// directory (for a rewritten copy of the file, see readRaw).
// dateOnly names the timestamp columns whose date-only helper the rules use (parsing a value a
// second time costs real time at 25 M rows, so only they get one).
func load(ctx context.Context, s engine.Session, name string, src contract.Source, key, path, tmp string, header []string, primary bool, dateOnly map[string]bool) (*loaded, error) {
	l := &loaded{name: name, raw: "raw_" + name, rej: "rej_" + name, key: key, header: header}
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
	if err := l.readRaw(ctx, s, path, tmp); err != nil {
		return nil, fmt.Errorf("read %s: %w", key, err)
	}

	// Record numbers: rowid counts well-formed records only; every structural reject before a
	// record shifts it by one. The map is applied only where a line is written (lineSQL), as
	// an equality join on a bucket of ordinals: an ASOF join carrying every column cost more
	// than the parse itself at 25 M rows.
	if l.structural > 0 {
		l.lineMap = "lines_" + name
		if err := s.Exec(ctx, lineMapSQL(l.lineMap, l.raw, l.rej)); err != nil {
			return nil, err
		}
	}
	from := l.raw + " r"

	used := map[int]bool{}
	var inner, outer, reasons []string
	inner = append(inner, "r.rowid AS __ord")
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
		inner = append(inner, fmt.Sprintf("%s AS %s", raw, rawAlias), fmt.Sprintf("%s AS %s", parseExpr(c, raw), parsed))
		outer = append(outer, parsed)
		l.typedCols = append(l.typedCols, c.Name)
		if dateOnly[c.Name] {
			inner = append(inner, fmt.Sprintf("%s AS %s", dateOnlyExpr(c, raw), engine.Ident(dateOnlyName(c.Name))))
			outer = append(outer, engine.Ident(dateOnlyName(c.Name)))
			l.typedCols = append(l.typedCols, dateOnlyName(c.Name))
		}
		if f := failedExpr(c, rawAlias, parsed); f != "false" {
			reasons = append(reasons, fmt.Sprintf("WHEN %s THEN %s", f, engine.Literal(parseReason(c))))
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
	view := fmt.Sprintf("CREATE OR REPLACE TEMP VIEW %s AS SELECT %s FROM (SELECT %s FROM %s)",
		name, strings.Join(outer, ", "), strings.Join(inner, ", "), from)
	if err := s.Exec(ctx, view); err != nil {
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
	return "VARCHAR"
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
// raw table alias a, for the rejects file.
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
	cols := append(l.nullRawColumnsSQL(), extra...)
	return fmt.Sprintf(`SELECT %s, 'malformed csv line' AS reject_reason, %s AS source_file,
  CAST(line AS BIGINT) AS source_line, LTRIM(MIN(csv_line), chr(10) || chr(13)) AS raw_line, %s
FROM %s GROUP BY line`, strings.Join(cols, ", "), engine.Literal(l.key), meta, l.rej)
}

func (l *loaded) drop(ctx context.Context, s engine.Session) {
	for _, q := range []string{
		"DROP VIEW IF EXISTS " + l.name,
		"DROP TABLE IF EXISTS lines_" + l.name,
		"DROP TABLE IF EXISTS " + l.raw,
		"DROP TABLE IF EXISTS " + l.rej,
		"DROP TABLE IF EXISTS " + l.scan(),
	} {
		_ = s.Exec(ctx, q)
	}
}
