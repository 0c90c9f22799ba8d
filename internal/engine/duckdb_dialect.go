package engine

import (
	"fmt"
	"strings"
)

// duckDialect is DuckDB's spelling of Dialect. It reads local files only: refs are paths.
type duckDialect struct{}

var _ Dialect = duckDialect{}

// Dialect implements Engine.
func (d *DuckDB) Dialect() Dialect { return duckDialect{} }

func (duckDialect) ReadParquet(refs []string) string { return ReadParquet(refs) }

func (duckDialect) Matches(expr, pattern string) string {
	return fmt.Sprintf("regexp_full_match(%s, %s)", expr, Literal(pattern))
}

func (duckDialect) RegexpRemove(expr, pattern string) string {
	return fmt.Sprintf("regexp_replace(%s, %s, '', 'g')", expr, Literal(pattern))
}

func (duckDialect) DaysBetween(ts, day string) string {
	return fmt.Sprintf("date_diff('day', CAST(%s AS DATE), %s)", ts, day)
}

func (duckDialect) DateSeries(start, end string) string {
	return fmt.Sprintf("(SELECT CAST(range AS DATE) AS d FROM range(DATE %s, DATE %s + INTERVAL 1 DAY, INTERVAL 1 DAY))",
		Literal(start), Literal(end))
}

func (duckDialect) ISODayOfWeek(expr string) string { return "isodow(" + expr + ")" }

func (duckDialect) JSONStringList(col string) string {
	return fmt.Sprintf(`from_json(%s, '["VARCHAR"]')`, col)
}

func (duckDialect) JSONArrayLength(col string) string {
	return fmt.Sprintf("json_array_length(TRY_CAST(%s AS JSON))", col)
}

// ExplodeWithPosition: UNNEST and generate_subscripts in one SELECT are zipped, not crossed.
func (duckDialect) ExplodeWithPosition(list, value, pos string) string {
	return fmt.Sprintf("UNNEST(%[1]s) AS %[2]s, generate_subscripts(%[1]s, 1) AS %[3]s", list, Ident(value), Ident(pos))
}

// ParseTimestamp: TRY_STRPTIME, whose format language Dialect.ParseTimestamp describes; a list
// of formats is tried in order by TRY_STRPTIME itself.
func (duckDialect) ParseTimestamp(expr string, formats ...string) (string, error) {
	switch len(formats) {
	case 0:
		return "", fmt.Errorf("ParseTimestamp(%s): no format", expr)
	case 1:
		return fmt.Sprintf("TRY_STRPTIME(%s, %s)", expr, Literal(formats[0])), nil
	}
	q := make([]string, len(formats))
	for i, f := range formats {
		q[i] = Literal(f)
	}
	return fmt.Sprintf("TRY_STRPTIME(%s, [%s])", expr, strings.Join(q, ", ")), nil
}

// IsJSONArray: NULL for text that is not JSON (TRY_CAST), false for other JSON.
func (duckDialect) IsJSONArray(expr string) string {
	return fmt.Sprintf("json_type(TRY_CAST(%s AS JSON)) = 'ARRAY'", expr)
}

// ConstantText is typed as a one-value ENUM: the Parquet writer stores it as dictionary index
// 0 instead of hashing 25 M equal strings (a third of the cost of bronze's metadata columns);
// readers see VARCHAR.
func (duckDialect) ConstantText(s string) string {
	return fmt.Sprintf("CAST(%[1]s AS ENUM(%[1]s))", Literal(s))
}

// maxBitmapBits bounds the range CountDistinctInRange counts with a bitmap: 2^28 values, a
// 32 MiB bitstring per thread.
const maxBitmapBits = 1 << 28

// CountDistinctInRange sets one bit per value in a bitstring of the range (bitstring_agg) and
// counts them: no hash table. Over 25 M surrogate keys that is 0.7 s against COUNT(DISTINCT)'s
// 2.8 s (docs/BENCHMARKS.md, session 10). A range wider than maxBitmapBits is counted with
// COUNT(DISTINCT).
func (duckDialect) CountDistinctInRange(expr string, lo, hi int64) string {
	if hi < lo || uint64(hi)-uint64(lo) >= maxBitmapBits {
		return fmt.Sprintf("COUNT(DISTINCT %s)", expr)
	}
	return fmt.Sprintf("COALESCE(bit_count(bitstring_agg(%s, %d, %d)), 0)", expr, lo, hi)
}

// maxBitmapID bounds the canonical integers CountDistinctText counts with a bitmap: 2^26
// values (above Meta Kaggle's ids), an 8 MiB bitstring per thread.
const maxBitmapID = 1<<26 - 1

// CountDistinctText counts the values that are canonical decimal integers in [0, maxBitmapID]
// (the text of their own BIGINT: no sign, no leading zero, no blank) with a bitmap, the other
// values with COUNT(DISTINCT). A value is in one part or the other by its text alone, so no
// value is counted twice, and two texts are equal exactly when their integers are. Over 25 M
// user ids that is 1.1 s against COUNT(DISTINCT)'s 2.4 s (docs/BENCHMARKS.md, session 10).
func (duckDialect) CountDistinctText(expr string) string {
	v := fmt.Sprintf("TRY_CAST(%s AS BIGINT)", expr)
	canonical := fmt.Sprintf("COALESCE(%[1]s BETWEEN 0 AND %[2]d AND CAST(%[1]s AS VARCHAR) = %[3]s, false)", v, maxBitmapID, expr)
	return fmt.Sprintf("(COALESCE(bit_count(bitstring_agg(CASE WHEN %[1]s THEN %[2]s END, 0, %[3]d)), 0) + COUNT(DISTINCT CASE WHEN NOT %[1]s THEN %[4]s END))",
		canonical, v, maxBitmapID, expr)
}

// ReadParquet is DuckDB's relation over local Parquet files (Dialect.ReadParquet).
func ReadParquet(paths []string) string {
	q := make([]string, len(paths))
	for i, p := range paths {
		q[i] = FilePath(p)
	}
	return "read_parquet([" + strings.Join(q, ", ") + "], union_by_name = true, hive_partitioning = false)"
}
