package warehouse

import (
	"fmt"
	"slices"

	"github.com/metalake/metalake/internal/gold"
)

// tableSpec declares the keys of one gold table in the warehouse. The columns and their types
// come from the lake's Parquet files; only what Parquet cannot say is declared here.
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

// tableSpecs lists every gold table in load order: dimensions before the facts that reference
// them. A test keeps it equal to gold.Tables().
func tableSpecs() []tableSpec {
	return []tableSpec{
		{name: "dim_date", kind: gold.KindDimension, key: []string{"date_sk"}, natural: []string{"date"}},
		{name: "dim_user", kind: gold.KindDimension, key: []string{"user_sk"},
			natural: []string{"user_id", "effective_start_ts"}, current: "is_current"},
		{name: "dim_dataset", kind: gold.KindDimension, key: []string{"dataset_sk"},
			natural: []string{"dataset_id", "effective_start_ts"}, current: "is_current"},
		{name: "dim_competition", kind: gold.KindDimension, key: []string{"competition_sk"}, natural: []string{"competition_id"}},
		{name: "dim_tag", kind: gold.KindDimension, key: []string{"tag_sk"}, natural: []string{"tag"}},
		{name: "fact_dataset_owner_daily", kind: gold.KindFact, key: []string{"run_date", "user_sk"},
			refs:    []ref{{"user_sk", "dim_user"}, {"date_sk", "dim_date"}},
			indexes: []string{"date_sk", "user_sk"}},
		{name: "fact_competitions_yearly", kind: gold.KindFact, key: []string{"run_date", "competition_year"}},
		{name: "fact_tag_usage_daily", kind: gold.KindFact, key: []string{"run_date", "tag_sk"},
			refs:    []ref{{"tag_sk", "dim_tag"}, {"date_sk", "dim_date"}},
			indexes: []string{"date_sk", "tag_sk"}},
		{name: "bridge_dataset_tag", kind: gold.KindBridge,
			refs:    []ref{{"dataset_sk", "dim_dataset"}, {"tag_sk", "dim_tag"}},
			indexes: []string{"run_date", "dataset_sk", "tag_sk"}},
	}
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
