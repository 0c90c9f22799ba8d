package contract

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"regexp"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"
)

//go:embed defaults/*.yaml defaults/*.sql
var defaults embed.FS

// Column types a contract may declare.
const (
	TypeVarchar   = "varchar"
	TypeInteger   = "integer"
	TypeNumber    = "number"
	TypeTimestamp = "timestamp"
	TypeDate      = "date"
	TypeBoolean   = "boolean"
	TypeJSONArray = "json_array"
)

var validTypes = map[string]bool{TypeVarchar: true, TypeInteger: true, TypeNumber: true,
	TypeTimestamp: true, TypeDate: true, TypeBoolean: true, TypeJSONArray: true}

// Table is the contract of one bronze table.
type Table struct {
	// Name is the bronze table (users, datasets, tags, competitions, kernels).
	Name string `yaml:"table"`
	// Order is the table's position in listings and summaries.
	Order int `yaml:"order"`
	// RejectThreshold is the circuit breaker: a rejection rate above it fails the table.
	RejectThreshold float64 `yaml:"reject_threshold"`
	// Variants are the accepted raw layouts, tried in order; the first whose required
	// header columns are all present wins.
	Variants []Variant `yaml:"variants"`
	// Rules are the validation rules in evaluation order; the first that holds rejects the row.
	Rules []Rule `yaml:"rules"`
	// DedupKeys, when set, deduplicate valid rows on these columns (first by source line wins);
	// the removed rows are counted as duplicates_removed.
	DedupKeys []string `yaml:"dedup_keys"`
	// RejectColumns are shaped columns copied (as text) into the rejects beside the raw fields,
	// for shapes that derive rows (an exploded tag).
	RejectColumns []string `yaml:"reject_columns"`
	// Metrics are extra report fields computed by SQL.
	Metrics []Metric `yaml:"metrics"`
}

// Variant is one accepted raw layout of a table.
type Variant struct {
	// Layout names the variant ("plan", "kaggle", "kaggle_2016", …).
	Layout string `yaml:"layout"`
	// Source is the primary raw input: every one of its records is an input row.
	Source Source `yaml:"source"`
	// Lookups are auxiliary raw inputs joined by the shape (DatasetVersions, Tags).
	Lookups []Source `yaml:"lookups"`
	// Shape names an SQL model in the contract directory (e.g. datasets_kaggle.sql) that turns
	// the typed source into canonical rows; empty means the typed source as it is.
	Shape string `yaml:"shape"`
	// Metrics are report fields specific to this layout, added to the table's.
	Metrics []Metric `yaml:"metrics"`
}

// Source is one raw CSV input.
type Source struct {
	// Raw is the raw table name: raw/{raw}/ingestion_date=D/{raw}.csv.
	Raw string `yaml:"raw"`
	// Key, for a lookup, is the column the lookup is unique on (duplicates are removed and
	// counted, so a join never fans out).
	Key string `yaml:"key"`
	// Columns are the contract columns, in evaluation order for parse failures.
	Columns []Column `yaml:"columns"`
	// KeepExtra keeps header columns not in the contract as snake_case VARCHAR (default true
	// for the primary source, ignored for lookups).
	KeepExtra *bool `yaml:"keep_extra"`
}

// Column maps one raw header column to a typed canonical column.
type Column struct {
	Header   string   `yaml:"header"`
	Name     string   `yaml:"name"`
	Type     string   `yaml:"type"`
	Formats  []string `yaml:"formats"`
	Optional bool     `yaml:"optional"`
}

// Rule is one validation rule: when When holds (SQL over the shaped row), the row is rejected
// with Reason.
type Rule struct {
	Reason string `yaml:"reason"`
	When   string `yaml:"when"`
}

// Metric is one extra report field. Exactly one of SQL (an aggregate), GroupBy (a map of
// value → count) or Top (a list of the most frequent values) is set.
type Metric struct {
	Name string `yaml:"name"`
	// Section nests the field in the report (e.g. "statistics"); empty puts it at top level.
	Section string `yaml:"section"`
	// From is the relation: "valid" (published rows), "shaped" (all rows after shaping) or
	// "source" (typed primary source rows).
	From    string `yaml:"from"`
	SQL     string `yaml:"sql"`
	GroupBy string `yaml:"group_by"`
	Top     string `yaml:"top"`
	Limit   int    `yaml:"limit"`
	Where   string `yaml:"where"`
}

// Set is every table contract plus the SQL shape models they name.
type Set struct {
	Tables []Table
	shapes map[string]string
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

// Shape returns the SQL text of a shape model.
func (s *Set) Shape(name string) (string, bool) {
	q, ok := s.shapes[name]
	return q, ok
}

// Default returns the embedded contracts.
func Default() (*Set, error) {
	sub, err := fs.Sub(defaults, "defaults")
	if err != nil {
		return nil, err
	}
	return Load(sub)
}

// Load reads every *.yaml contract and *.sql shape model at the root of fsys.
func Load(fsys fs.FS) (*Set, error) {
	set := &Set{shapes: map[string]string{}}
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, fmt.Errorf("contracts: %w", err)
	}
	for _, e := range entries {
		name := e.Name()
		switch {
		case e.IsDir():
		case strings.HasSuffix(name, ".sql"):
			b, err := fs.ReadFile(fsys, name)
			if err != nil {
				return nil, fmt.Errorf("contracts: %w", err)
			}
			set.shapes[name] = string(b)
		case strings.HasSuffix(name, ".yaml") || strings.HasSuffix(name, ".yml"):
			b, err := fs.ReadFile(fsys, name)
			if err != nil {
				return nil, fmt.Errorf("contracts: %w", err)
			}
			t, err := decode(b)
			if err != nil {
				return nil, fmt.Errorf("contract %s: %w", name, err)
			}
			set.Tables = append(set.Tables, t)
		}
	}
	if len(set.Tables) == 0 {
		return nil, errors.New("contracts: no *.yaml table contract found")
	}
	sort.SliceStable(set.Tables, func(i, j int) bool { return set.Tables[i].Order < set.Tables[j].Order })
	if err := set.Validate(); err != nil {
		return nil, err
	}
	return set, nil
}

func decode(b []byte) (Table, error) {
	var t Table
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&t); err != nil {
		return Table{}, err
	}
	return t, nil
}

var identRe = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

// Validate checks every contract and names the offending field.
func (s *Set) Validate() error {
	seen := map[string]bool{}
	for _, t := range s.Tables {
		if !identRe.MatchString(t.Name) {
			return fmt.Errorf("contract: table %q: name must be snake_case", t.Name)
		}
		if seen[t.Name] {
			return fmt.Errorf("contract: table %q declared twice", t.Name)
		}
		seen[t.Name] = true
		if t.RejectThreshold <= 0 || t.RejectThreshold > 1 {
			return fmt.Errorf("contract %s: reject_threshold = %v: must be in (0, 1], e.g. 0.10", t.Name, t.RejectThreshold)
		}
		if len(t.Variants) == 0 {
			return fmt.Errorf("contract %s: no variants", t.Name)
		}
		for _, v := range t.Variants {
			if v.Layout == "" {
				return fmt.Errorf("contract %s: a variant has no layout name", t.Name)
			}
			srcs := append([]Source{v.Source}, v.Lookups...)
			for i, src := range srcs {
				if err := src.validate(); err != nil {
					return fmt.Errorf("contract %s variant %s: %w", t.Name, v.Layout, err)
				}
				if i > 0 && src.Key == "" {
					return fmt.Errorf("contract %s variant %s: lookup %s needs a key", t.Name, v.Layout, src.Raw)
				}
			}
			if v.Shape != "" {
				if _, ok := s.shapes[v.Shape]; !ok {
					return fmt.Errorf("contract %s variant %s: shape %q not found next to the contract", t.Name, v.Layout, v.Shape)
				}
			}
		}
		for i, r := range t.Rules {
			if r.Reason == "" || r.When == "" {
				return fmt.Errorf("contract %s: rules[%d] needs reason and when", t.Name, i)
			}
		}
		metrics := append([]Metric(nil), t.Metrics...)
		for _, v := range t.Variants {
			metrics = append(metrics, v.Metrics...)
		}
		for _, m := range metrics {
			n := 0
			for _, x := range []string{m.SQL, m.GroupBy, m.Top} {
				if x != "" {
					n++
				}
			}
			if n != 1 {
				return fmt.Errorf("contract %s: metric %q: set exactly one of sql, group_by, top", t.Name, m.Name)
			}
			switch m.From {
			case "valid", "shaped", "source":
			default:
				return fmt.Errorf("contract %s: metric %q: from = %q: use valid, shaped or source", t.Name, m.Name, m.From)
			}
		}
	}
	return nil
}

func (src Source) validate() error {
	if !identRe.MatchString(src.Raw) {
		return fmt.Errorf("source raw %q: must be a snake_case raw table name", src.Raw)
	}
	names := map[string]bool{}
	for _, c := range src.Columns {
		if c.Header == "" || !identRe.MatchString(c.Name) {
			return fmt.Errorf("source %s: column %q→%q: header and snake_case name required", src.Raw, c.Header, c.Name)
		}
		if h := strings.TrimSpace(c.Header); h != c.Header {
			// File headers are trimmed before matching, so this one could never match.
			return fmt.Errorf("source %s column %s: header %q has surrounding blanks: write %q", src.Raw, c.Name, c.Header, h)
		}
		if names[c.Name] {
			return fmt.Errorf("source %s: column %q declared twice", src.Raw, c.Name)
		}
		names[c.Name] = true
		if !validTypes[c.Type] {
			return fmt.Errorf("source %s column %s: type %q: use varchar, integer, number, timestamp, date, boolean or json_array", src.Raw, c.Name, c.Type)
		}
		if (c.Type == TypeTimestamp || c.Type == TypeDate) && len(c.Formats) == 0 {
			return fmt.Errorf("source %s column %s: a %s column needs formats", src.Raw, c.Name, c.Type)
		}
	}
	if src.Key != "" && !names[src.Key] {
		return fmt.Errorf("source %s: key %q is not one of its columns", src.Raw, src.Key)
	}
	return nil
}

// KeepsExtra reports whether header columns outside the contract are kept.
func (src Source) KeepsExtra() bool { return src.KeepExtra == nil || *src.KeepExtra }

// RawTables lists every raw table any variant of t reads.
func (t Table) RawTables() []string {
	seen := map[string]bool{}
	var out []string
	for _, v := range t.Variants {
		for _, s := range append([]Source{v.Source}, v.Lookups...) {
			if !seen[s.Raw] {
				seen[s.Raw] = true
				out = append(out, s.Raw)
			}
		}
	}
	return out
}

// SQLFiles reads every *.sql file at the root of fsys (a layer's models), by file name.
func SQLFiles(fsys fs.FS) (map[string]string, error) {
	names, err := fs.Glob(fsys, "*.sql")
	if err != nil {
		return nil, err
	}
	out := make(map[string]string, len(names))
	for _, name := range names {
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		out[name] = string(b)
	}
	return out, nil
}
