package silver

import (
	"fmt"

	"github.com/metalake/metalake/internal/engine"
)

// This file is the one place where silver's SQL depends on DuckDB's dialect: reading Parquet
// files and the few functions the models need whose spelling differs between engines (regular
// expressions, day differences). The models use only portable SQL besides these template
// functions; a Spark implementation replaces this file, not the models.

// modelFuncs are the template functions of the models. param resolves constant contract params.
func modelFuncs(param func(string) (string, error)) map[string]any {
	return map[string]any{
		// matches holds when expr matches pattern entirely (Spark: expr RLIKE '^(pattern)$').
		"matches": func(expr, pattern string) string {
			return fmt.Sprintf("regexp_full_match(%s, %s)", expr, engine.Literal(pattern))
		},
		// regexp_remove deletes every match of pattern (Spark: regexp_replace(expr, pattern, '')).
		"regexp_remove": func(expr, pattern string) string {
			return fmt.Sprintf("regexp_replace(%s, %s, '', 'g')", expr, engine.Literal(pattern))
		},
		// days_between is the number of calendar days from the date of ts to day (a DATE
		// expression); NULL when ts is NULL (Spark: datediff(day, ts)).
		"days_between": func(ts, day string) string {
			return fmt.Sprintf("date_diff('day', CAST(%s AS DATE), %s)", ts, day)
		},
		"param": param,
	}
}

// readParquet is a relation over Parquet files (local paths), columns unioned by name.
func readParquet(paths []string) string { return engine.ReadParquet(paths) }

// dateLiteral is a DATE constant (portable).
func dateLiteral(d string) string { return "DATE " + engine.Literal(d) }

// timestampLiteral is a TIMESTAMP constant (portable).
func timestampLiteral(ts string) string { return "TIMESTAMP " + engine.Literal(ts) }
