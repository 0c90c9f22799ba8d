package engine

import (
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"time"
)

// Scan copies the values of a row from Session.Each into dest, one pointer per column:
// *string, *int64, *float64, *bool, *time.Time or *any. Integers of any width convert to
// int64 and to float64; NULL leaves the zero value (use *any to tell NULL apart). Anything
// else is an error naming the column, so an engine returning an unexpected type fails loudly.
func Scan(row []any, dest ...any) error {
	if len(dest) != len(row) {
		return fmt.Errorf("engine: scan %d columns into %d destinations", len(row), len(dest))
	}
	for i, v := range row {
		if err := scanOne(v, dest[i]); err != nil {
			return fmt.Errorf("engine: column %d: %w", i+1, err)
		}
	}
	return nil
}

func scanOne(v, dest any) error {
	if p, ok := dest.(*any); ok {
		*p = v
		return nil
	}
	if v == nil {
		switch p := dest.(type) {
		case *string:
			*p = ""
		case *int64:
			*p = 0
		case *float64:
			*p = 0
		case *bool:
			*p = false
		case *time.Time:
			*p = time.Time{}
		default:
			return fmt.Errorf("unsupported destination %T", dest)
		}
		return nil
	}
	switch p := dest.(type) {
	case *string:
		if s, ok := v.(string); ok {
			*p = s
			return nil
		}
	case *int64:
		if n, ok := toInt64(v); ok {
			*p = n
			return nil
		}
	case *float64:
		switch x := v.(type) {
		case float64:
			*p = x
			return nil
		case float32:
			*p = float64(x)
			return nil
		}
		if n, ok := toInt64(v); ok {
			*p = float64(n)
			return nil
		}
	case *bool:
		if b, ok := v.(bool); ok {
			*p = b
			return nil
		}
	case *time.Time:
		if t, ok := v.(time.Time); ok {
			*p = t
			return nil
		}
	default:
		return fmt.Errorf("unsupported destination %T", dest)
	}
	return fmt.Errorf("cannot store %T %v in %T", v, v, dest)
}

func toInt64(v any) (int64, bool) {
	switch x := v.(type) {
	case int64:
		return x, true
	case int32:
		return int64(x), true
	case int16:
		return int64(x), true
	case int8:
		return int64(x), true
	case int:
		return int64(x), true
	case uint32:
		return int64(x), true
	case uint16:
		return int64(x), true
	case uint8:
		return int64(x), true
	case uint64:
		if x <= 1<<63-1 {
			return int64(x), true
		}
	case *big.Int:
		if x.IsInt64() {
			return x.Int64(), true
		}
	}
	return 0, false
}

// JSONValue turns a value from Session.Each or Objects into the one a report stores, the same
// way for every layer and every engine: integers of any width as int64 (a wider one, from a
// SUM, as an exact json.Number), floats as float64 (NaN and infinities, which JSON cannot
// hold, as null), a time at midnight as its date ("2006-01-02") and any other time as ISO 8601
// without zone (the engine's timestamps are UTC), bytes as text, lists and structs element by
// element.
func JSONValue(v any) any {
	switch x := v.(type) {
	case nil, string, bool, int64:
		return v
	case *big.Int:
		if x.IsInt64() {
			return x.Int64()
		}
		return json.Number(x.String())
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil
		}
		return x
	case float32:
		return JSONValue(float64(x))
	case time.Time:
		x = x.UTC()
		if x.Hour() == 0 && x.Minute() == 0 && x.Second() == 0 && x.Nanosecond() == 0 {
			return x.Format("2006-01-02")
		}
		return x.Format("2006-01-02T15:04:05.999999")
	case []byte:
		return string(x)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = JSONValue(e)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = JSONValue(e)
		}
		return out
	}
	if n, ok := toInt64(v); ok {
		return n
	}
	return v
}
