package warehouse

import (
	"fmt"
	"slices"

	"github.com/metalake/metalake/internal/gold"
)

// tableSpec holds the keys of one gold table in the warehouse. The columns and their types
// come from the lake's Parquet files; only what Parquet cannot say comes from the table's gold
// contract (tableSpecs).
type tableSpec struct {
	name string
	kind string // gold.KindDimension, KindFact or KindBridge
	// key is the primary key: the surrogate key of a dimension, the grain of a fact (which its
	// model groups by, so it is unique per run date). The bridge has none: several unknown
	// datasets (surrogate key 0) may carry one tag.
	key []string
	// natural is the natural key plus validity of a dimension: unique.
	natural []string
	// current is the SCD2 current-version flag ("" for other tables), checked by Check.
	current string
	// refs are the foreign keys to dimensions (their surrogate keys), in column order.
	refs []ref
	// indexes are the date keys (and foreign-key columns) the warehouse indexes.
	indexes []string
}

// ref is a foreign key: column references dim's primary key (a column of the same name).
type ref struct{ column, dim string }

// tableSpecs lists every gold table in load order (the gold contracts' order: dimensions
// before the facts that reference them), with the keys its contract declares: a dimension's
// surrogate key, its natural key (plus effective_start_ts and is_current for SCD2); a fact's
// run_date plus grain, its references and indexes.
func tableSpecs() []tableSpec {
	var out []tableSpec
	for _, t := range gold.Tables() {
		s := tableSpec{name: t.Name, kind: t.Kind, indexes: t.Indexes}
		if t.Kind == gold.KindDimension {
			s.key, s.natural = []string{t.SurrogateKey}, []string{t.Key}
			if t.SCD2 {
				s.natural, s.current = append(s.natural, "effective_start_ts"), "is_current"
			}
		} else if len(t.Grain) > 0 {
			s.key = append([]string{"run_date"}, t.Grain...)
		}
		for _, r := range t.References {
			s.refs = append(s.refs, ref{column: r.Column, dim: r.Dimension})
		}
		out = append(out, s)
	}
	return out
}

func (s tableSpec) dimension() bool { return s.kind == gold.KindDimension }

// specOf returns the spec of a table.
func specOf(name string) (tableSpec, bool) {
	i := slices.IndexFunc(tableSpecs(), func(s tableSpec) bool { return s.name == name })
	if i < 0 {
		return tableSpec{}, false
	}
	return tableSpecs()[i], true
}

// keyColumns are every column the spec names (they must exist in the lake's schema).
func (s tableSpec) keyColumns() []string {
	out := slices.Clone(s.key)
	out = append(out, s.natural...)
	for _, r := range s.refs {
		out = append(out, r.column)
	}
	out = append(out, s.indexes...)
	if s.current != "" {
		out = append(out, s.current)
	}
	if !s.dimension() {
		out = append(out, "run_date")
	}
	return out
}

// checkColumns fails when the lake's table lacks a column the spec names: gold and this
// package disagree, and loading would build the wrong keys.
func (s tableSpec) checkColumns(cols []column) error {
	for _, k := range s.keyColumns() {
		if !slices.ContainsFunc(cols, func(c column) bool { return c.name == k }) {
			return fmt.Errorf("gold %s has no column %s (a key of the warehouse table)", s.name, k)
		}
	}
	return nil
}

// dimSK is a dimension's surrogate key.
func dimSK(dim string) string {
	s, _ := specOf(dim)
	return s.key[0]
}
