package engine

// Dialect spells, for one engine, what portable SQL cannot: reading the lake's files and the
// few functions whose names differ between engines. The layers' models are portable SQL (CTEs,
// joins, window functions, CASE, IS DISTINCT FROM, VALUES) plus these, called as template
// functions (Funcs); an engine brings its Dialect, the models stay as they are.
type Dialect interface {
	// ReadParquet is the relation over the Parquet objects refs (from Engine.Input): columns
	// unioned by name, so partitions written with different schemas stack, and no partition
	// columns guessed from run_date=… paths (run_date comes from the files or the manifest).
	ReadParquet(refs []string) string

	// Matches holds when the text expr matches the regular expression pattern entirely.
	Matches(expr, pattern string) string
	// RegexpRemove deletes every match of pattern from expr.
	RegexpRemove(expr, pattern string) string
	// DaysBetween is the number of calendar days (a BIGINT) from the date of timestamp ts to
	// day (a DATE expression), negative when ts is later; NULL when ts is NULL.
	DaysBetween(ts, day string) string
	// DateSeries is a parenthesised relation with one DATE column d, one row per day from start
	// to end (YYYY-MM-DD) inclusive.
	DateSeries(start, end string) string
	// ISODayOfWeek is the ISO day of the week of a DATE: 1 = Monday … 7 = Sunday.
	ISODayOfWeek(expr string) string

	// JSONStringList parses col, a JSON array of strings, into a list.
	JSONStringList(col string) string
	// JSONArrayLength is the number of elements of col, a JSON array; NULL when col is NULL or
	// not JSON.
	JSONArrayLength(col string) string
	// ExplodeWithPosition is a select-list fragment yielding one row per element of list:
	// the element as column value and its 1-based position as column pos. An empty or NULL
	// list yields no row. (One generator for both: engines disagree on what two do.)
	ExplodeWithPosition(list, value, pos string) string

	// ParseTimestamp parses the text expr as a TIMESTAMP with the first of formats that accepts
	// it; NULL when none does or expr is NULL. Formats are strptime's as DuckDB reads them:
	// %Y is a year of 1 to 4 digits, %m %d %H %M %S numbers of 1 or 2 digits, %% a percent
	// sign, any other character itself, except that a blank matches any run of ASCII
	// whitespace; whitespace around the text is ignored, and an impossible date or time (02/30,
	// 24:00:00) does not parse. An engine that cannot spell a format returns an error naming
	// it, never an expression that parses differently. (DuckDB's strptime also takes the words
	// infinity, -infinity and epoch, in any case, for 1900-01-01 00:00:00; Spark does not.)
	ParseTimestamp(expr string, formats ...string) (string, error)
	// IsJSONArray is a condition on the text expr: true when it is a JSON array (RFC 8259,
	// whitespace around it allowed), otherwise false or NULL, so it belongs in WHEN or WHERE.
	// What RFC 8259 does not allow is engine-specific: both take NaN and Infinity, DuckDB also
	// trailing commas ([1,]), Spark also escaped lone surrogates ("\ud800").
	IsJSONArray(expr string) string
	// ConstantText is a text column holding s on every row, in the cheapest form the engine's
	// Parquet writer has for it (readers see plain text).
	ConstantText(s string) string
	// CountDistinctInRange is an aggregate: the number of distinct non-NULL values of expr, a
	// BIGINT every value of which lies in [lo, hi] (the caller knows the bounds, e.g. from MIN
	// and MAX; a value outside them is an error, not a wrong count), 0 over no rows. It is
	// COUNT(DISTINCT expr) for an engine with nothing cheaper over a dense range of integers.
	CountDistinctInRange(expr string, lo, hi int64) string
	// CountDistinctText is an aggregate over a whole relation (not one per group: an engine
	// may keep a large bitmap for it): the number of distinct non-NULL values of the text
	// expr, 0 over no rows, as COUNT(DISTINCT expr) counts them. An engine may count the
	// values that are decimal integers in canonical form (ids such as Kaggle's) faster.
	CountDistinctText(expr string) string
}

// Funcs returns d's spellings under the names the models call them by.
func Funcs(d Dialect) map[string]any {
	return map[string]any{
		"matches":                 d.Matches,
		"regexp_remove":           d.RegexpRemove,
		"days_between":            d.DaysBetween,
		"date_series":             d.DateSeries,
		"iso_dow":                 d.ISODayOfWeek,
		"json_string_list":        d.JSONStringList,
		"json_array_length":       d.JSONArrayLength,
		"explode_with_position":   d.ExplodeWithPosition,
		"parse_timestamp":         d.ParseTimestamp,
		"is_json_array":           d.IsJSONArray,
		"constant_text":           d.ConstantText,
		"count_distinct_in_range": d.CountDistinctInRange,
		"count_distinct_text":     d.CountDistinctText,
	}
}
