package gold

import (
	"fmt"

	"github.com/metalake/metalake/internal/engine"
)

// This file is the one place where gold's SQL depends on DuckDB's dialect. The models use
// portable SQL (CTEs, joins, window functions, CASE, IS DISTINCT FROM, VALUES) plus the
// template functions below; a Spark implementation replaces this file, not the models.

// dialectFuncs are the engine-specific template functions of the models.
func dialectFuncs() map[string]any {
	return map[string]any{
		// date_series is a relation with one DATE column d per day from start to end inclusive
		// (Spark: SELECT explode(sequence(DATE start, DATE end, INTERVAL 1 DAY)) AS d).
		"date_series": func(start, end string) string {
			return fmt.Sprintf("(SELECT CAST(range AS DATE) AS d FROM range(DATE %s, DATE %s + INTERVAL 1 DAY, INTERVAL 1 DAY))",
				engine.Literal(start), engine.Literal(end))
		},
		// iso_dow is the ISO day of the week, 1 = Monday … 7 = Sunday
		// (Spark: (dayofweek(expr) + 5) % 7 + 1).
		"iso_dow": func(expr string) string { return "isodow(" + expr + ")" },
	}
}

// readParquet is a relation over local Parquet files, columns unioned by name
// (Spark: a DataFrame reader over the same paths with mergeSchema).
func readParquet(paths []string) string { return engine.ReadParquet(paths) }
