package warehouse

import (
	"fmt"
	"regexp"
	"strings"
)

// column is one column of a gold table: its name, the engine's (DuckDB's, i.e. the Parquet
// file's) type and the warehouse type it maps to.
type column struct {
	name   string
	engine string
	sql    sqlType
}

// sqlType is a warehouse column type: the DDL that declares it and the data_type that
// information_schema.columns reports for it (how an existing column is compared).
type sqlType struct {
	ddl  string
	info string
}

var decimalType = regexp.MustCompile(`^DECIMAL\((\d+),\s*(\d+)\)$`)

// columnType maps an engine column type to the warehouse's (kind Postgres or Redshift). It is
// the one place types are mapped; a type it does not know is an error naming it, never a
// silent text column.
func columnType(kind, engineType string) (sqlType, error) {
	t := strings.ToUpper(strings.TrimSpace(engineType))
	rs := kind == Redshift
	pick := func(pg, pgInfo, red, redInfo string) sqlType {
		if rs {
			return sqlType{red, redInfo}
		}
		return sqlType{pg, pgInfo}
	}
	switch t {
	case "BOOLEAN":
		return pick("boolean", "boolean", "BOOLEAN", "boolean"), nil
	case "TINYINT", "SMALLINT", "UTINYINT":
		return pick("smallint", "smallint", "SMALLINT", "smallint"), nil
	case "INTEGER", "USMALLINT":
		return pick("integer", "integer", "INTEGER", "integer"), nil
	case "BIGINT", "UINTEGER":
		return pick("bigint", "bigint", "BIGINT", "bigint"), nil
	case "FLOAT":
		return pick("real", "real", "REAL", "real"), nil
	case "DOUBLE":
		return pick("double precision", "double precision", "DOUBLE PRECISION", "double precision"), nil
	case "VARCHAR":
		// Redshift's TEXT is VARCHAR(256); gold strings (titles, subtitles) are longer.
		return pick("text", "text", "VARCHAR(65535)", "character varying"), nil
	case "DATE":
		return pick("date", "date", "DATE", "date"), nil
	case "TIMESTAMP":
		return pick("timestamp", "timestamp without time zone", "TIMESTAMP", "timestamp without time zone"), nil
	case "TIMESTAMP WITH TIME ZONE":
		return pick("timestamptz", "timestamp with time zone", "TIMESTAMPTZ", "timestamp with time zone"), nil
	}
	if m := decimalType.FindStringSubmatch(t); m != nil {
		ddl := fmt.Sprintf("numeric(%s,%s)", m[1], m[2])
		return pick(ddl, "numeric", strings.ToUpper(ddl), "numeric"), nil
	}
	return sqlType{}, fmt.Errorf("type %s has no %s mapping (supported: BOOLEAN, TINYINT, SMALLINT, INTEGER, BIGINT, "+
		"UTINYINT, USMALLINT, UINTEGER, FLOAT, DOUBLE, DECIMAL(p,s), VARCHAR, DATE, TIMESTAMP, TIMESTAMP WITH TIME ZONE)", engineType, kind)
}

// numeric reports whether a column holds a measure Check sums.
func (c column) numeric() bool {
	switch c.sql.info {
	case "smallint", "integer", "bigint", "real", "double precision", "numeric":
		return true
	}
	return false
}
