package spark

import (
	"fmt"
	"path/filepath"
	"strings"
)

// Dialect is Spark SQL's spelling of engine.Dialect.
type Dialect struct{}

// literal quotes s as a Spark SQL string literal. A backslash escapes in Spark's literals (it
// does not in DuckDB's, which engine.Literal writes), so a pattern such as \p{L} or \s is
// written '\\p{L}', '\\s', and a quote \'.
func literal(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

// ident quotes s as a Spark SQL identifier.
func ident(s string) string { return "`" + strings.ReplaceAll(s, "`", "``") + "`" }

// ReadParquet implements engine.Dialect: one file-source relation over all of refs with Parquet
// schema merging, so files written with different columns are read by column name (NULL where
// a file lacks a column), as DuckDB's union_by_name does. Spark SQL has no UNION BY NAME that
// fills missing columns, and its parquet.`path` reads one path: several files become one glob,
// their common directory followed by {rest1,rest2,…}. Each file's directory is its base path,
// so no partition column is guessed from run_date=… directories.
//
// Limits: merging widens no types (a column INTEGER in one file and BIGINT in another fails,
// where DuckDB widens it); and Hadoop's globs cannot escape a glob character inside {…}, so
// files whose paths differ by parts holding one of \{}[]*? cannot be read together (the
// statement fails saying so; the lake's own keys never contain them).
func (Dialect) ReadParquet(refs []string) string {
	const opts = " WITH ('mergeSchema' = 'true')"
	switch len(refs) {
	case 0:
		return failing("ReadParquet: no files")
	case 1:
		return "parquet." + ident(globEscape(filepath.ToSlash(refs[0]))) + opts
	}
	paths := make([]string, len(refs))
	for i, r := range refs {
		paths[i] = filepath.ToSlash(r)
	}
	prefix := commonDir(paths)
	rest := make([]string, len(paths))
	for i, p := range paths {
		rest[i] = p[len(prefix):]
		if strings.ContainsAny(rest[i], `\{}[]*?`) {
			return failing("ReadParquet: cannot read several files whose paths differ in a part holding a glob character: " + p)
		}
		rest[i] = strings.ReplaceAll(rest[i], ",", `\,`)
	}
	return "parquet." + ident(globEscape(prefix)+"{"+strings.Join(rest, ",")+"}") + opts
}

// failing is a relation whose first row fails with msg.
func failing(msg string) string {
	return "(SELECT * FROM VALUES (1) AS failing(x) WHERE raise_error(" + literal(msg) + ") IS NULL)"
}

// globEscape escapes Hadoop's glob characters in a path.
func globEscape(p string) string {
	var b strings.Builder
	for _, r := range p {
		if strings.ContainsRune(`\{}[]*?`, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// commonDir is the longest directory prefix (ending in '/') shared by paths.
func commonDir(paths []string) string {
	prefix := paths[0]
	for _, p := range paths[1:] {
		for !strings.HasPrefix(p, prefix) {
			prefix = prefix[:len(prefix)-1]
		}
	}
	return prefix[:strings.LastIndexByte(prefix, '/')+1]
}

// Matches implements engine.Dialect with Java's regular expressions (DuckDB's are RE2; the
// patterns metalake uses mean the same in both). \z, not $, ends the match: $ would also match
// before a final line break.
func (Dialect) Matches(expr, pattern string) string {
	return fmt.Sprintf("(%s RLIKE %s)", expr, literal(`^(?:`+pattern+`)\z`))
}

// RegexpRemove implements engine.Dialect.
func (Dialect) RegexpRemove(expr, pattern string) string {
	return fmt.Sprintf("regexp_replace(%s, %s, '')", expr, literal(pattern))
}

// DaysBetween implements engine.Dialect.
func (Dialect) DaysBetween(ts, day string) string {
	return fmt.Sprintf("CAST(datediff(%s, CAST(%s AS DATE)) AS BIGINT)", day, ts) // datediff is an INT
}

// DateSeries implements engine.Dialect. An end before the start gives no row (Spark's sequence
// would fail).
func (Dialect) DateSeries(start, end string) string {
	s, e := "DATE "+literal(start), "DATE "+literal(end)
	return fmt.Sprintf("(SELECT explode(CASE WHEN %[1]s <= %[2]s THEN sequence(%[1]s, %[2]s, INTERVAL 1 DAY) END) AS d)", s, e)
}

// ISODayOfWeek implements engine.Dialect: Spark's dayofweek counts 1 = Sunday … 7 = Saturday.
func (Dialect) ISODayOfWeek(expr string) string {
	return fmt.Sprintf("((dayofweek(%s) + 5) %% 7 + 1)", expr)
}

// JSONStringList implements engine.Dialect.
func (Dialect) JSONStringList(col string) string {
	return fmt.Sprintf("from_json(%s, 'array<string>')", col)
}

// JSONArrayLength implements engine.Dialect.
func (Dialect) JSONArrayLength(col string) string { return "json_array_length(" + col + ")" }

// ExplodeWithPosition implements engine.Dialect: one generator over (element, position)
// pairs, whose fields inline makes the two columns (two generators in one SELECT would give
// their cross product, not DuckDB's zip).
func (Dialect) ExplodeWithPosition(list, value, pos string) string {
	return fmt.Sprintf("inline(transform(%s, (__e, __i) -> named_struct('v', __e, 'p', __i + 1))) AS (%s, %s)",
		list, ident(value), ident(pos))
}

// IsJSONArray implements engine.Dialect with Spark's JSON parser (Jackson), which reads the
// first value of a text and ignores what follows it ("[1] x" would pass). So the text is
// parsed twice, inside an array and as an object's value: text after a valid value makes one
// of the two invalid (it would have to continue both an array and an object), and a text that
// is no value at all makes both invalid. Single quotes, which Jackson takes by default, are
// refused as DuckDB refuses them.
func (Dialect) IsJSONArray(expr string) string {
	return fmt.Sprintf(`(%[1]s RLIKE '^[ \\t\\n\\r]*\\[' AND size(from_json('[' || %[1]s || ']', 'array<string>', map('allowSingleQuotes', 'false'))) = 1
  AND from_json('{"v":' || %[1]s || '}', 'struct<v:string,__corrupt:string>', map('allowSingleQuotes', 'false', 'columnNameOfCorruptRecord', '__corrupt')).__corrupt IS NULL)`, expr)
}

// ConstantText implements engine.Dialect: a literal (Spark's Parquet writer dictionary-encodes
// a constant column by itself).
func (Dialect) ConstantText(s string) string { return literal(s) }

// CountDistinctInRange implements engine.Dialect: COUNT(DISTINCT), Spark having no bitmap
// aggregate.
func (Dialect) CountDistinctInRange(expr string, _, _ int64) string {
	return fmt.Sprintf("COUNT(DISTINCT %s)", expr)
}

// CountDistinctText implements engine.Dialect: COUNT(DISTINCT).
func (Dialect) CountDistinctText(expr string) string {
	return fmt.Sprintf("COUNT(DISTINCT %s)", expr)
}
