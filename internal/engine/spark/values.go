package spark

import (
	"database/sql"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/metalake/metalake/internal/engine"
)

// value converts element i of a result column (Spark's Arrow encoding) to the Go value
// engine.Session documents; see the package comment.
func value(a arrow.Array, i int) (any, error) {
	if a.IsNull(i) {
		return nil, nil
	}
	switch a := a.(type) {
	case *array.Boolean:
		return a.Value(i), nil
	case *array.Int8:
		return int64(a.Value(i)), nil
	case *array.Int16:
		return int64(a.Value(i)), nil
	case *array.Int32:
		return int64(a.Value(i)), nil
	case *array.Int64:
		return a.Value(i), nil
	case *array.Float32:
		return float64(a.Value(i)), nil
	case *array.Float64:
		return a.Value(i), nil
	case *array.Decimal128:
		return a.Value(i).ToFloat64(a.DataType().(*arrow.Decimal128Type).Scale), nil
	case *array.Decimal256:
		return a.Value(i).ToFloat64(a.DataType().(*arrow.Decimal256Type).Scale), nil
	case *array.String:
		return a.Value(i), nil
	case *array.LargeString:
		return a.Value(i), nil
	case *array.Binary:
		return append([]byte(nil), a.Value(i)...), nil
	case *array.LargeBinary:
		return append([]byte(nil), a.Value(i)...), nil
	case *array.Date32:
		return a.Value(i).ToTime().UTC(), nil
	case *array.Date64:
		return a.Value(i).ToTime().UTC(), nil
	case *array.Timestamp:
		// TIMESTAMP_NTZ arrives without a zone and TIMESTAMP with the session's (UTC): either
		// way the number is microseconds from the epoch of the UTC wall clock.
		return a.Value(i).ToTime(a.DataType().(*arrow.TimestampType).Unit).UTC(), nil
	case *array.Duration:
		return time.Duration(a.Value(i)) * a.DataType().(*arrow.DurationType).Unit.Multiplier(), nil
	case *array.Map:
		keys, items := a.Keys(), a.Items()
		start, end := a.ValueOffsets(i)
		m := make(map[any]any, end-start)
		for j := start; j < end; j++ {
			k, err := value(keys, int(j))
			if err != nil {
				return nil, err
			}
			v, err := value(items, int(j))
			if err != nil {
				return nil, err
			}
			m[k] = v
		}
		return m, nil
	case *array.List:
		start, end := a.ValueOffsets(i)
		return list(a.ListValues(), start, end)
	case *array.LargeList:
		start, end := a.ValueOffsets(i)
		return list(a.ListValues(), start, end)
	case *array.Struct:
		st := a.DataType().(*arrow.StructType)
		m := make(map[string]any, a.NumField())
		for j := 0; j < a.NumField(); j++ {
			v, err := value(a.Field(j), i)
			if err != nil {
				return nil, err
			}
			m[st.Field(j).Name] = v
		}
		return m, nil
	case *array.Null:
		return nil, nil
	}
	return nil, fmt.Errorf("unsupported result type %s", a.DataType())
}

func list(values arrow.Array, start, end int64) ([]any, error) {
	out := make([]any, 0, end-start)
	for j := start; j < end; j++ {
		v, err := value(values, int(j))
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// scanInto stores v into dest as database/sql's Scan does for the destinations metalake uses:
// an sql.Scanner (sql.NullTime …), *any, *int and *int32 besides engine.Scan's.
func scanInto(v, dest any) error {
	switch d := dest.(type) {
	case sql.Scanner:
		return d.Scan(v)
	case *int:
		var n int64
		if err := engine.Scan([]any{v}, &n); err != nil {
			return err
		}
		*d = int(n)
		return nil
	case *int32:
		var n int64
		if err := engine.Scan([]any{v}, &n); err != nil {
			return err
		}
		if n < math.MinInt32 || n > math.MaxInt32 {
			return fmt.Errorf("%d overflows int32", n)
		}
		*d = int32(n)
		return nil
	}
	return engine.Scan([]any{v}, dest)
}

// duckType spells a Spark SQL type (DESCRIBE's data_type: bigint, string, timestamp_ntz,
// decimal(10,2), array<string>, struct<a:int>, …) as DuckDB does (BIGINT, VARCHAR, TIMESTAMP,
// DECIMAL(10,2), VARCHAR[], STRUCT(a INTEGER)).
func duckType(t string) string {
	t = strings.TrimSpace(t)
	lower := strings.ToLower(t)
	switch {
	case strings.HasPrefix(lower, "array<") && strings.HasSuffix(t, ">"):
		return duckType(t[len("array<"):len(t)-1]) + "[]"
	case strings.HasPrefix(lower, "map<") && strings.HasSuffix(t, ">"):
		kv := splitTop(t[len("map<"):len(t)-1], ',')
		if len(kv) == 2 {
			return "MAP(" + duckType(kv[0]) + ", " + duckType(kv[1]) + ")"
		}
	case strings.HasPrefix(lower, "struct<") && strings.HasSuffix(t, ">"):
		var fields []string
		for _, f := range splitTop(t[len("struct<"):len(t)-1], ',') {
			name, typ, ok := cutField(f)
			if !ok {
				return strings.ToUpper(t)
			}
			fields = append(fields, engine.Ident(name)+" "+duckType(typ))
		}
		return "STRUCT(" + strings.Join(fields, ", ") + ")"
	case strings.HasPrefix(lower, "decimal"):
		return strings.ToUpper(strings.ReplaceAll(t, " ", ""))
	case strings.HasPrefix(lower, "string"), strings.HasPrefix(lower, "varchar"), strings.HasPrefix(lower, "char"):
		return "VARCHAR" // string collate …, varchar(n), char(n)
	case strings.HasPrefix(lower, "interval"):
		return "INTERVAL"
	}
	switch lower {
	case "bigint", "long":
		return "BIGINT"
	case "int", "integer":
		return "INTEGER"
	case "smallint", "short":
		return "SMALLINT"
	case "tinyint", "byte":
		return "TINYINT"
	case "double":
		return "DOUBLE"
	case "float", "real":
		return "FLOAT"
	case "boolean":
		return "BOOLEAN"
	case "date":
		return "DATE"
	case "timestamp_ntz":
		return "TIMESTAMP"
	case "timestamp", "timestamp_ltz":
		return "TIMESTAMP WITH TIME ZONE"
	case "binary":
		return "BLOB"
	case "void":
		return "NULL"
	}
	return strings.ToUpper(t)
}

// splitTop splits s at the separators outside <…> and (…).
func splitTop(s string, sep byte) []string {
	var out []string
	depth, start := 0, 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '<', '(':
			depth++
		case '>', ')':
			depth--
		case '`':
			if j := strings.IndexByte(s[i+1:], '`'); j >= 0 {
				i += j + 1
			}
		case sep:
			if depth == 0 {
				out = append(out, s[start:i])
				start = i + 1
			}
		}
	}
	return append(out, s[start:])
}

// cutField splits a struct field "name:type" (a name in backquotes may hold a colon).
func cutField(f string) (name, typ string, ok bool) {
	f = strings.TrimSpace(f)
	if strings.HasPrefix(f, "`") {
		end := strings.Index(f[1:], "`:")
		if end < 0 {
			return "", "", false
		}
		return strings.ReplaceAll(f[1:end+1], "``", "`"), f[end+3:], true
	}
	return strings.Cut(f, ":")
}
