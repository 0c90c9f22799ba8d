package gold

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// This file validates the contracts: every problem is reported, naming the file, the field and
// the fix.

var (
	identRe  = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
	defineRe = regexp.MustCompile(`\{\{-?\s*define\s+"([^"]+)"\s*-?\}\}`)
)

// Column types a contract may declare: portable SQL names both engines cast to.
var validTypes = []string{"STRING", "BIGINT", "INTEGER", "DOUBLE", "BOOLEAN", "DATE", "TIMESTAMP"}

const typeFix = "use STRING, BIGINT, INTEGER, DOUBLE, BOOLEAN, DATE or TIMESTAMP"

// Columns gold adds to every dimension (besides its keys) and to every fact.
var (
	dimensionAdded = []string{"effective_start_ts", "effective_end_ts", "is_current", "last_observed_date",
		"created_at", "updated_at", "etl_run_date"}
	factAdded = []string{"run_date", "pipeline_run_id", "created_at_ts"}
)

// genericModels are the models every dimension of a type runs, with the blocks the code renders.
var genericModels = map[string][]string{
	"scd2.sql":      {"past", "seen", "hits", "pieces", "versions", "dim"},
	"type1.sql":     {"merged", "dim"},
	"dim_stats.sql": {"stats", "integrity", "history"},
}

// validator collects every problem of a set of contracts.
type validator struct {
	set    *Set
	byName map[string]*contract
	errs   []error
}

func (v *validator) errorf(file, format string, args ...any) {
	v.errs = append(v.errs, fmt.Errorf("gold contract %s: %s", file, fmt.Sprintf(format, args...)))
}

// silverInputs checks silver.yaml and keeps its columns as the set's silver views.
func (v *validator) silverInputs(decls map[string][]columnDecl) {
	v.set.silver = map[string]schema{}
	for _, table := range sortedKeys(decls) {
		if !identRe.MatchString(table) {
			v.errorf(silverFile, "%q: a silver table name (snake_case)", table)
			continue
		}
		if len(decls[table]) == 0 {
			v.errorf(silverFile, "%s: no column: list the columns gold reads ({name, type}) or remove the table", table)
		}
		seen := map[string]bool{}
		for i, c := range decls[table] {
			field := fmt.Sprintf("%s[%d]", table, i)
			if !identRe.MatchString(c.Name) {
				v.errorf(silverFile, "%s: name %q: a snake_case silver column name", field, c.Name)
			} else if seen[c.Name] {
				v.errorf(silverFile, "%s: %s declared twice: keep one", field, c.Name)
			}
			seen[c.Name] = true
			if !slices.Contains(validTypes, c.Type) {
				v.errorf(silverFile, "%s %s: type %q: %s", field, c.Name, c.Type, typeFix)
			}
		}
		v.set.silver[table] = typed(decls[table])
	}
}

// tables checks each contract alone, then what they say about each other.
func (v *validator) tables(cs []contract) {
	for i := range cs {
		c := &cs[i]
		if prev, dup := v.byName[c.Table]; dup && c.Table != "" {
			v.errorf(c.file, "table %s: also declared in %s: give each table one contract", c.Table, prev.file)
			continue
		}
		v.byName[c.Table] = c
	}
	for i := range cs {
		v.table(&cs[i])
	}
	v.cycles(cs)
	read := map[string]bool{}
	for _, c := range cs {
		for _, r := range c.Silver {
			for _, col := range r.Columns {
				read[r.Table+"."+col] = true
			}
		}
	}
	for _, table := range sortedKeys(v.set.silver) {
		for _, c := range v.set.silver[table] {
			if !read[table+"."+c.name] {
				v.errorf(silverFile, "%s.%s: read by no gold contract: remove it (every build that opens silver %s requires it)",
					table, c.name, table)
			}
		}
	}
	for _, model := range sortedKeys(genericModels) {
		if users := v.users(cs, model); len(users) > 0 {
			v.blocks("gold model "+model, model, genericModels[model],
				"the generic model of "+strings.Join(users, ", "))
		}
	}
}

// users are the dimensions that run a generic model.
func (v *validator) users(cs []contract, model string) []string {
	var out []string
	for _, c := range cs {
		if c.Kind == KindDimension && (c.Type == TypeSCD2 || c.Type == TypeType1) &&
			(model == "dim_stats.sql" || model == c.Type+".sql") {
			out = append(out, c.Table)
		}
	}
	return out
}

func (v *validator) table(c *contract) {
	f := c.file
	if !identRe.MatchString(c.Table) {
		v.errorf(f, "table %q: name the table (snake_case: its folder under gold/)", c.Table)
		return
	}
	if c.Order < 1 {
		v.errorf(f, "order %d: give the table's position in listings (1, 2, …; after every table it depends on)", c.Order)
	}
	for _, d := range c.DependsOn {
		switch dep, ok := v.byName[d]; {
		case d == c.Table:
			v.errorf(f, "depends_on %q: a table cannot depend on itself: remove it", d)
		case !ok:
			v.errorf(f, "depends_on %q: not a gold table: declare it (contracts/%s.yaml) or remove it", d, d)
		case dep.Order >= c.Order && dep.Order >= 1:
			v.errorf(f, "depends_on %s: it has order %d, not before this table's %d: give %s a larger order", d, dep.Order, c.Order, c.Table)
		}
	}
	v.silverReads(c)
	switch c.Kind {
	case KindDimension:
		v.dimension(c)
	case KindFact, KindBridge:
		v.fact(c)
	default:
		v.errorf(f, "kind %q: use %s, %s or %s", c.Kind, KindDimension, KindFact, KindBridge)
	}
	for _, col := range c.Indexes {
		if !slices.Contains(v.outputColumns(c), col) {
			v.errorf(f, "indexes %q: not a column of %s: name one of its columns", col, c.Table)
		}
	}
}

func (v *validator) silverReads(c *contract) {
	seen := map[string]bool{}
	for i, r := range c.Silver {
		field := fmt.Sprintf("silver[%d]", i)
		decl, ok := v.set.silver[r.Table]
		switch {
		case !ok:
			v.errorf(c.file, "%s table %q: not declared in %s: add it there with the columns gold reads and their types", field, r.Table, silverFile)
			continue
		case seen[r.Table]:
			v.errorf(c.file, "%s table %s: listed twice: list its columns once", field, r.Table)
		case len(r.Columns) == 0:
			v.errorf(c.file, "%s table %s: no columns: list the columns the model reads", field, r.Table)
		}
		seen[r.Table] = true
		for _, col := range r.Columns {
			if !slices.Contains(decl.names(), col) {
				v.errorf(c.file, "%s %s.%s: not declared in %s: add {name: %s, type: …} to its %s list", field, r.Table, col, silverFile, col, r.Table)
			}
		}
	}
}

func (v *validator) dimension(c *contract) {
	f := c.file
	v.forbid(c, "only facts and bridges have it: remove it (or make the kind fact)",
		given{"dimensions", len(c.Dimensions) > 0}, given{"previous", c.Previous != ""}, given{"grain", len(c.Grain) > 0},
		given{"sort_by", len(c.SortBy) > 0}, given{"checks", len(c.Checks) > 0})
	if !identRe.MatchString(c.Key) {
		v.errorf(f, "key %q: name the natural key column", c.Key)
	}
	if !identRe.MatchString(c.SurrogateKey) {
		v.errorf(f, "surrogate_key %q: name the surrogate key column (e.g. %s_sk)", c.SurrogateKey, strings.TrimPrefix(c.Table, "dim_"))
	}
	switch c.Type {
	case TypeCalendar:
		v.calendar(c)
		return
	case TypeSCD2, TypeType1:
	default:
		v.errorf(f, "type %q: use %s (versions), %s (overwritten in place) or %s (generated dates)", c.Type, TypeSCD2, TypeType1, TypeCalendar)
		return
	}
	if len(c.Columns) > 0 {
		v.errorf(f, "columns: only a calendar declares its whole schema: list the attributes under tracked and type1")
	}
	if !slices.ContainsFunc(c.Silver, func(r silverRead) bool { return r.Table == c.Source }) {
		v.errorf(f, "source %q: not among the silver tables it reads (silver:): name one of them", c.Source)
	} else if i := slices.IndexFunc(c.Silver, func(r silverRead) bool { return r.Table == c.Source }); !slices.Contains(c.Silver[i].Columns, c.Key) {
		v.errorf(f, "key %s: not a column it reads from silver %s: add it to that silver list", c.Key, c.Source)
	}
	if c.Type == TypeSCD2 && len(c.Tracked) == 0 {
		v.errorf(f, "tracked: an scd2 dimension tracks at least one column (or make it type1)")
	}
	if c.Type == TypeType1 && len(c.Tracked) > 0 {
		v.errorf(f, "tracked: a type1 dimension keeps no versions: move these columns to type1 (or make it scd2)")
	}
	if !identRe.MatchString(c.UniqueMetric) {
		v.errorf(f, "unique_metric %q: name the distinct-keys metric of its stats (e.g. unique_%ss)", c.UniqueMetric, strings.TrimPrefix(c.Table, "dim_"))
	}
	seen := map[string]string{c.Key: "key", c.SurrogateKey: "surrogate_key"}
	v.columns(c, "tracked", c.Tracked, seen, dimensionAdded)
	v.columns(c, "type1", c.Type1, seen, dimensionAdded)
	v.model(c, []string{"source", "unknown"}, "the source query over silver and the Unknown member")
}

func (v *validator) calendar(c *contract) {
	f := c.file
	v.forbid(c, "a calendar is generated, not merged from silver: remove it",
		given{"source", c.Source != ""}, given{"tracked", len(c.Tracked) > 0}, given{"type1", len(c.Type1) > 0},
		given{"unique_metric", c.UniqueMetric != ""})
	if len(c.Columns) == 0 {
		v.errorf(f, "columns: a calendar declares its whole schema (with its key and surrogate key)")
	}
	v.columns(c, "columns", c.Columns, map[string]string{}, nil)
	names := typed(c.Columns).names()
	for _, k := range [][2]string{{"key", c.Key}, {"surrogate_key", c.SurrogateKey}} {
		if k[1] != "" && len(names) > 0 && !slices.Contains(names, k[1]) {
			v.errorf(f, "%s %s: not among its columns: add it", k[0], k[1])
		}
	}
	for i, r := range c.Silver {
		for _, col := range r.Columns {
			if t := v.set.silver[r.Table].typeOf(col); t != "" && t != "DATE" && t != "TIMESTAMP" {
				v.errorf(f, "silver[%d] %s.%s: a calendar reads the dates it must cover, and this is %s: remove it", i, r.Table, col, t)
			}
		}
	}
	v.model(c, []string{"build", "stats", "data_range"}, "the calendar, its stats and the data's date range")
}

func (v *validator) fact(c *contract) {
	f := c.file
	v.forbid(c, "only dimensions have it: remove it (or make the kind dimension)",
		given{"type", c.Type != ""}, given{"source", c.Source != ""}, given{"key", c.Key != ""},
		given{"surrogate_key", c.SurrogateKey != ""}, given{"tracked", len(c.Tracked) > 0},
		given{"type1", len(c.Type1) > 0}, given{"unique_metric", c.UniqueMetric != ""})
	if len(c.Columns) == 0 {
		v.errorf(f, "columns: list the output columns (run_date, pipeline_run_id and created_at_ts are added)")
	}
	v.columns(c, "columns", c.Columns, map[string]string{}, factAdded)
	names := typed(c.Columns).names()
	for _, d := range c.Dimensions {
		dep, ok := v.byName[d]
		switch {
		case !ok || dep.Kind != KindDimension:
			v.errorf(f, "dimensions %q: not a gold dimension: name a dimension it reads (its view is the committed version)", d)
		case !slices.Contains(c.DependsOn, d):
			v.errorf(f, "dimensions %s: it reads this dimension but does not depend on it: add %s to depends_on", d, d)
		}
	}
	if c.Previous != "" && !slices.ContainsFunc(c.Silver, func(r silverRead) bool { return r.Table == c.Previous }) {
		v.errorf(f, "previous %q: not among the silver tables it reads (silver:): name one of them", c.Previous)
	}
	for _, g := range c.Grain {
		if !slices.Contains(names, g) {
			v.errorf(f, "grain %q: not one of its columns: name the columns unique within a run date", g)
		}
	}
	if len(c.SortBy) == 0 {
		v.errorf(f, "sort_by: name the columns its files are sorted by")
	}
	for _, s := range c.SortBy {
		if !slices.Contains(names, s) {
			v.errorf(f, "sort_by %q: not one of its columns: name one of them", s)
		}
	}
	seen := map[string]bool{}
	for _, ch := range c.Checks {
		if !identRe.MatchString(ch) || seen[ch] {
			v.errorf(f, "checks %q: a snake_case check name, listed once", ch)
		}
		seen[ch] = true
	}
	blocks := []string{"build", "metrics"}
	for _, ch := range c.Checks {
		blocks = append(blocks, "check "+ch)
	}
	v.model(c, blocks, "its staged relation, its metrics and one block per check")
	if text, ok := v.set.models[c.Table+".sql"]; ok {
		for _, m := range defineRe.FindAllStringSubmatch(text, -1) {
			if ch, ok := strings.CutPrefix(m[1], "check "); ok && !slices.Contains(c.Checks, ch) {
				v.errorf(f, "checks: models/%s.sql defines check %q, which checks does not list: add it (or remove the block)", c.Table, ch)
			}
		}
	}
}

// given is a field of a contract and whether it is set.
type given struct {
	field string
	set   bool
}

// forbid reports each set field as one this kind of table does not have.
func (v *validator) forbid(c *contract, fix string, fields ...given) {
	for _, g := range fields {
		if g.set {
			v.errorf(c.file, "%s: %s", g.field, fix)
		}
	}
}

// columns checks declared output columns: snake_case, a valid type, no name twice or taken.
func (v *validator) columns(c *contract, field string, cs []columnDecl, seen map[string]string, added []string) {
	for i, col := range cs {
		at := fmt.Sprintf("%s[%d]", field, i)
		switch {
		case !identRe.MatchString(col.Name):
			v.errorf(c.file, "%s: name %q: a snake_case column name", at, col.Name)
		case slices.Contains(added, col.Name):
			v.errorf(c.file, "%s: %s is a column gold adds itself: remove it", at, col.Name)
		case seen[col.Name] != "":
			v.errorf(c.file, "%s: %s is already declared (%s): declare each column once", at, col.Name, seen[col.Name])
		}
		if col.Name != "" && seen[col.Name] == "" {
			seen[col.Name] = field
		}
		if !slices.Contains(validTypes, col.Type) {
			v.errorf(c.file, "%s %s: type %q: %s", at, col.Name, col.Type, typeFix)
		}
	}
}

// outputColumns are every column the table's files hold.
func (v *validator) outputColumns(c *contract) []string {
	switch c.Kind {
	case KindDimension:
		if c.Type == TypeCalendar {
			return typed(c.Columns).names()
		}
		spec := dimSpec{scd2: c.Type == TypeSCD2, key: c.Key, sk: c.SurrogateKey, tracked: typed(c.Tracked), type1: typed(c.Type1)}
		return spec.columns().names()
	default:
		return append(typed(c.Columns).names(), factAdded...)
	}
}

// model checks that models/{table}.sql exists and defines blocks.
func (v *validator) model(c *contract, blocks []string, what string) {
	v.blocks("gold contract "+c.file+": model", c.Table+".sql", blocks, what)
}

// blocks checks that model exists and defines blocks; problems start with prefix.
func (v *validator) blocks(prefix, model string, blocks []string, what string) {
	text, ok := v.set.models[model]
	if !ok {
		v.errs = append(v.errs, fmt.Errorf("%s: models/%s is missing: write it with the blocks %s (%s)", prefix, model, quoteAll(blocks), what))
		return
	}
	var defined []string
	for _, m := range defineRe.FindAllStringSubmatch(text, -1) {
		defined = append(defined, m[1])
	}
	for _, b := range blocks {
		if !slices.Contains(defined, b) {
			v.errs = append(v.errs, fmt.Errorf("%s: models/%s has no block %q: add {{define %q}}…{{end}} (%s)", prefix, model, b, b, what))
		}
	}
}

// cycles reports dependency cycles, naming the path.
func (v *validator) cycles(cs []contract) {
	const (
		visiting = 1
		done     = 2
	)
	state := map[string]int{}
	reported := map[string]bool{}
	var stack []string
	var visit func(name string)
	visit = func(name string) {
		state[name] = visiting
		stack = append(stack, name)
		for _, d := range v.byName[name].DependsOn {
			if _, ok := v.byName[d]; !ok || d == name {
				continue
			}
			switch state[d] {
			case visiting:
				i := slices.Index(stack, d)
				cycle := append(slices.Clone(stack[i:]), d)
				if !reported[d] {
					reported[d] = true
					v.errorf(v.byName[d].file, "depends_on: a cycle %s: remove one of these dependencies", strings.Join(cycle, " → "))
				}
			case 0:
				visit(d)
			}
		}
		stack = stack[:len(stack)-1]
		state[name] = done
	}
	for i := range cs {
		if state[cs[i].Table] == 0 && v.byName[cs[i].Table] == &cs[i] {
			visit(cs[i].Table)
		}
	}
}

func (s schema) typeOf(name string) string {
	for _, c := range s {
		if c.name == name {
			return c.typ
		}
	}
	return ""
}

func quoteAll(xs []string) string {
	q := make([]string, len(xs))
	for i, x := range xs {
		q[i] = fmt.Sprintf("%q", x)
	}
	return strings.Join(q, ", ")
}
