package silver

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"regexp"
	"sort"
	"strings"

	"github.com/metalake/metalake/internal/contract"
	"go.yaml.in/yaml/v3"
)

//go:embed contracts/*.yaml models/*.sql
var embedded embed.FS

// Strategy names used in reports (SPEC §4 plus the two this package adds: DERIVE for a
// documented derived value, NORMALISE for a rewritten value).
const (
	StrategyDrop      = "DROP"
	StrategyImpute    = "IMPUTE"
	StrategyFlag      = "FLAG"
	StrategyDefault   = "DEFAULT"
	StrategyNormalise = "NORMALISE"
	StrategyDerive    = "DERIVE"
)

var validStrategies = map[string]bool{StrategyDrop: true, StrategyImpute: true, StrategyFlag: true,
	StrategyDefault: true, StrategyNormalise: true, StrategyDerive: true}

// Column types a contract may declare for the bronze columns it reads (portable SQL names).
var validTypes = map[string]bool{"VARCHAR": true, "BIGINT": true, "DOUBLE": true, "TIMESTAMP": true,
	"DATE": true, "BOOLEAN": true}

// Table is the silver contract of one table: which bronze columns it reads, how versions of a
// key are ordered, the SQL models that clean and enrich it, and how its report counts things.
type Table struct {
	// Name is the silver table (users, datasets, …).
	Name string `yaml:"table"`
	// Order is the table's position in listings.
	Order int `yaml:"order"`
	// Bronze is the bronze table it reads.
	Bronze string `yaml:"bronze"`
	// DependsOn are silver tables of the same run date the enrich model reads (as views
	// silver_{name}); they must be published first.
	DependsOn []string `yaml:"depends_on"`
	// After are silver tables that must run first without being read (SPEC §4's order).
	After []string `yaml:"after"`
	// Key is the natural key: silver holds one row per key.
	Key []string `yaml:"key"`
	// DedupOrder ranks the versions of a key, best first: "column ASC|DESC [NULLS FIRST|LAST]".
	// It must be a total order (end with a unique tie-breaker such as source_line) and its
	// columns must reach silver unchanged by the clean model, so a carried row compares with a
	// new bronze row exactly as its bronze original would (see doc.go).
	DedupOrder []string `yaml:"dedup_order"`
	// Columns are the bronze columns read, cast to the given type; a column a layout does not
	// have reads as NULL.
	Columns []Column `yaml:"columns"`
	// Params are contract settings the models read. A param with per-layout values is a column
	// __{name} of every bronze row (rows of partitions of different layouts may meet in one
	// run); one without is a template constant ({{param "name"}}).
	Params []Param `yaml:"params"`
	// Models name the SQL models (in models/).
	Models Models `yaml:"models"`
	// Strategies are the cleaning strategies reported in cleaning_strategies, in order.
	Strategies []Strategy `yaml:"strategies"`
	// Metrics are table-specific report fields.
	Metrics []Metric `yaml:"metrics"`
}

// Column is one bronze column silver reads.
type Column struct {
	Name string `yaml:"name"`
	Type string `yaml:"type"`
}

// Param is one contract setting.
type Param struct {
	Name string `yaml:"name"`
	// Allowed, when set, lists the values the param may take.
	Allowed []string `yaml:"allowed"`
	// Default is the value for layouts not listed in Layouts.
	Default string `yaml:"default"`
	// Layouts overrides the value per bronze layout (plan, kaggle, …).
	Layouts map[string]string `yaml:"layouts"`
}

// Models names the SQL models of a table. Prepare (optional) reads bronze_in and may emit a
// __drop code for rows to drop before deduplication (only for predicates of the key alone);
// Clean reads winners_new (new bronze rows that won deduplication) and emits the state columns
// plus __drop; Enrich (optional) reads live (state rows not dropped) and the silver_{dep}
// views, keeps every live column and adds the date-relative ones plus __drop.
type Models struct {
	Prepare string `yaml:"prepare"`
	Clean   string `yaml:"clean"`
	Enrich  string `yaml:"enrich"`
}

// Strategy is one entry of cleaning_strategies. A DROP names the __drop code its models emit
// (the count is every row dropped with it); any other strategy gives Count, an SQL predicate
// over the output rows (the count is the rows of silver(D) it holds for).
type Strategy struct {
	Strategy string `yaml:"strategy"`
	Field    string `yaml:"field"`
	Reason   string `yaml:"reason"`
	Code     string `yaml:"code"`
	Count    string `yaml:"count"`
}

// Metric is one table-specific report field, computed over the output rows (relation output)
// unless it names a drop code or a report counter. Exactly one of Dropped, Value, SQL (alone:
// a scalar aggregate; with GroupBy: a map of group → aggregate) or Rows (a query whose rows
// become a list of objects) is set.
type Metric struct {
	Name    string `yaml:"name"`
	Section string `yaml:"section"`
	Dropped string `yaml:"dropped"`
	Value   string `yaml:"value"`
	SQL     string `yaml:"sql"`
	GroupBy string `yaml:"group_by"`
	Rows    string `yaml:"rows"`
}

// Set is every silver contract plus the SQL models they name.
type Set struct {
	Tables []Table
	models map[string]string
}

// Default returns the embedded silver contracts and models.
func Default() (*Set, error) {
	c, err := fs.Sub(embedded, "contracts")
	if err != nil {
		return nil, err
	}
	m, err := fs.Sub(embedded, "models")
	if err != nil {
		return nil, err
	}
	return Load(c, m)
}

// Load reads every *.yaml contract at the root of contracts and every *.sql model at the root
// of models, decoding strictly (an unknown key is an error naming its line), then validates.
func Load(contracts, models fs.FS) (*Set, error) {
	ms, err := contract.SQLFiles(models)
	if err != nil {
		return nil, fmt.Errorf("silver models: %w", err)
	}
	set := &Set{models: ms}
	cs, err := fs.Glob(contracts, "*.yaml")
	if err != nil {
		return nil, fmt.Errorf("silver contracts: %w", err)
	}
	for _, name := range cs {
		b, err := fs.ReadFile(contracts, name)
		if err != nil {
			return nil, fmt.Errorf("silver contracts: %w", err)
		}
		var t Table
		dec := yaml.NewDecoder(bytes.NewReader(b))
		dec.KnownFields(true)
		if err := dec.Decode(&t); err != nil {
			return nil, fmt.Errorf("silver contract %s: %w", name, err)
		}
		set.Tables = append(set.Tables, t)
	}
	if len(set.Tables) == 0 {
		return nil, errors.New("silver contracts: no *.yaml contract found")
	}
	sort.SliceStable(set.Tables, func(i, j int) bool { return set.Tables[i].Order < set.Tables[j].Order })
	if err := set.Validate(); err != nil {
		return nil, err
	}
	return set, nil
}

// Table returns the contract of the named table.
func (s *Set) Table(name string) (Table, bool) {
	for _, t := range s.Tables {
		if t.Name == name {
			return t, true
		}
	}
	return Table{}, false
}

// Names lists the tables in their declared order.
func (s *Set) Names() []string {
	out := make([]string, len(s.Tables))
	for i, t := range s.Tables {
		out[i] = t.Name
	}
	return out
}

// Model returns the text of an SQL model.
func (s *Set) Model(name string) (string, bool) {
	m, ok := s.models[name]
	return m, ok
}

// Upstream lists the silver tables t waits for: those it reads and those it runs after.
func (t Table) Upstream() []string {
	out := append([]string(nil), t.DependsOn...)
	for _, a := range t.After {
		if !contains(out, a) {
			out = append(out, a)
		}
	}
	return out
}

var (
	identRe    = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
	orderRe    = regexp.MustCompile(`^([a-z][a-z0-9_]*) (ASC|DESC)( NULLS (FIRST|LAST))?$`)
	paramValRe = regexp.MustCompile(`^[A-Za-z0-9_.-]+$`)
)

const strategyErr = "strategies[%d] (%s %s): %s"

// lineage columns every state row carries (see doc.go); the clean model must emit them.
var lineage = []string{"first_ingested_date", "last_ingested_date", "source_run_date", "source_file", "source_line"}

// reserved names Go adds to bronze_in or to the output.
var reserved = map[string]bool{"source_run_date": true, "source_file": true, "source_line": true,
	"first_ingested_date": true, "last_ingested_date": true, "silver_processed_ts": true, "silver_run_date": true,
	"run_date": true}

// Validate checks every contract and names the offending field.
func (s *Set) Validate() error {
	seen := map[string]bool{}
	for _, t := range s.Tables {
		seen[t.Name] = true
	}
	names := map[string]bool{}
	for _, t := range s.Tables {
		if err := s.validateTable(t, seen); err != nil {
			return fmt.Errorf("silver contract %s: %w", t.Name, err)
		}
		if names[t.Name] {
			return fmt.Errorf("silver contract %s: declared twice", t.Name)
		}
		names[t.Name] = true
	}
	// Dependencies must be acyclic: each table's upstream tables come earlier in some order.
	done := map[string]bool{}
	for progress := true; progress; {
		progress = false
		for _, t := range s.Tables {
			if done[t.Name] {
				continue
			}
			ready := true
			for _, u := range t.Upstream() {
				if !done[u] {
					ready = false
				}
			}
			if ready {
				done[t.Name] = true
				progress = true
			}
		}
	}
	if len(done) != len(s.Tables) {
		return errors.New("silver contracts: depends_on/after form a cycle")
	}
	return nil
}

func (s *Set) validateTable(t Table, tables map[string]bool) error {
	if !identRe.MatchString(t.Name) {
		return fmt.Errorf("table %q: name must be snake_case", t.Name)
	}
	if !identRe.MatchString(t.Bronze) {
		return fmt.Errorf("bronze = %q: name the bronze table it reads", t.Bronze)
	}
	for _, d := range append(append([]string(nil), t.DependsOn...), t.After...) {
		if !tables[d] || d == t.Name {
			return fmt.Errorf("depends_on/after %q: not another silver table", d)
		}
	}
	cols := map[string]string{}
	for i, c := range t.Columns {
		if !identRe.MatchString(c.Name) || reserved[c.Name] {
			return fmt.Errorf("columns[%d] %q: a snake_case bronze column name (not a lineage or metadata name)", i, c.Name)
		}
		if !validTypes[c.Type] {
			return fmt.Errorf("columns[%d] %s: type %q: use VARCHAR, BIGINT, DOUBLE, TIMESTAMP, DATE or BOOLEAN", i, c.Name, c.Type)
		}
		if _, dup := cols[c.Name]; dup {
			return fmt.Errorf("columns: %q declared twice", c.Name)
		}
		cols[c.Name] = c.Type
	}
	if len(t.Key) == 0 {
		return errors.New("key: at least one column")
	}
	for _, k := range t.Key {
		if !identRe.MatchString(k) {
			return fmt.Errorf("key %q: not a column name", k)
		}
	}
	if len(t.DedupOrder) == 0 {
		return errors.New("dedup_order: at least one term, ending with a unique tie-breaker (source_line)")
	}
	for _, o := range t.DedupOrder {
		if !orderRe.MatchString(o) {
			return fmt.Errorf("dedup_order %q: write \"column ASC|DESC [NULLS FIRST|LAST]\"", o)
		}
	}
	for i, p := range t.Params {
		if !identRe.MatchString(p.Name) {
			return fmt.Errorf("params[%d] %q: snake_case name", i, p.Name)
		}
		vals := []string{p.Default}
		for _, v := range p.Layouts {
			vals = append(vals, v)
		}
		for _, v := range vals {
			if !paramValRe.MatchString(v) {
				return fmt.Errorf("params %s: value %q: letters, digits, '_', '.', '-' only", p.Name, v)
			}
			if len(p.Allowed) > 0 && !contains(p.Allowed, v) {
				return fmt.Errorf("params %s: value %q: use one of %v", p.Name, v, p.Allowed)
			}
		}
	}
	for _, m := range []string{t.Models.Prepare, t.Models.Clean, t.Models.Enrich} {
		if m == "" {
			continue
		}
		if _, ok := s.models[m]; !ok {
			return fmt.Errorf("models: %q not found in models/", m)
		}
	}
	if t.Models.Clean == "" {
		return errors.New("models.clean: required")
	}
	codes := map[string]bool{}
	for i, st := range t.Strategies {
		if !validStrategies[st.Strategy] {
			return fmt.Errorf(strategyErr, i, st.Strategy, st.Field, "strategy must be DROP, IMPUTE, FLAG, DEFAULT, NORMALISE or DERIVE")
		}
		if st.Field == "" || st.Reason == "" {
			return fmt.Errorf(strategyErr, i, st.Strategy, st.Field, "field and reason are required")
		}
		if st.Strategy == StrategyDrop {
			if !identRe.MatchString(st.Code) || st.Count != "" {
				return fmt.Errorf(strategyErr, i, st.Strategy, st.Field, "a DROP names its snake_case code (and no count)")
			}
			if codes[st.Code] {
				return fmt.Errorf(strategyErr, i, st.Strategy, st.Field, "code "+st.Code+" used twice")
			}
			codes[st.Code] = true
		} else if st.Count == "" || st.Code != "" {
			return fmt.Errorf(strategyErr, i, st.Strategy, st.Field, "give count (an SQL predicate over the output rows), not code")
		}
	}
	for _, m := range t.Metrics {
		n := 0
		for _, x := range []string{m.Dropped, m.Value, m.SQL, m.Rows} {
			if x != "" {
				n++
			}
		}
		if n != 1 || (m.GroupBy != "" && m.SQL == "") || !identRe.MatchString(m.Name) {
			return fmt.Errorf("metric %q: a snake_case name and exactly one of dropped, value, sql (optionally with group_by) or rows", m.Name)
		}
		if m.Dropped != "" && !codes[m.Dropped] {
			return fmt.Errorf("metric %s: dropped %q is not the code of a DROP strategy", m.Name, m.Dropped)
		}
		if m.Value != "" && !contains(counterNames, m.Value) {
			return fmt.Errorf("metric %s: value %q: use one of %s", m.Name, m.Value, strings.Join(counterNames, ", "))
		}
	}
	return nil
}

// value returns the value of p for a layout.
func (p Param) value(layout string) string {
	if v, ok := p.Layouts[layout]; ok {
		return v
	}
	return p.Default
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}
