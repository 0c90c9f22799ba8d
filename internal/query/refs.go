package query

import (
	"context"
	"database/sql"
	"encoding/json"
	"strings"

	"github.com/duckdb/duckdb-go/v2"
)

// References lists the lake relations (schema.name, lower case) a SELECT statement reads, as
// DuckDB's own parser sees them, so a catalog can fetch only their files from an object store.
// ok is false when the answer is not certain — the text does not parse as SELECT statements,
// it calls a table function, or it reads a schema that is not the lake's (information_schema,
// …) — and then everything must be available.
func References(ctx context.Context, text string) (names []string, ok bool) {
	connector, err := duckdb.NewConnector("", nil)
	if err != nil {
		return nil, false
	}
	db := sql.OpenDB(connector)
	defer db.Close()
	var ast string
	if err := db.QueryRowContext(ctx, "SELECT CAST(json_serialize_sql(CAST(? AS VARCHAR)) AS VARCHAR)", text).Scan(&ast); err != nil {
		return nil, false
	}
	var tree any
	if err := json.Unmarshal([]byte(ast), &tree); err != nil {
		return nil, false
	}
	if m, _ := tree.(map[string]any); m == nil || m["error"] != false {
		return nil, false
	}
	lake := map[string]bool{SchemaBronze: true, SchemaSilver: true, SchemaGold: true, SchemaRejects: true}
	seen := map[string]bool{}
	ok = true
	var walk func(v any)
	walk = func(v any) {
		switch n := v.(type) {
		case map[string]any:
			switch n["type"] {
			case "TABLE_FUNCTION":
				ok = false
			case "BASE_TABLE":
				schema, _ := n["schema_name"].(string)
				table, _ := n["table_name"].(string)
				schema, table = strings.ToLower(schema), strings.ToLower(table)
				switch {
				case schema == "":
					// A CTE (the lake's relations are always schema-qualified).
				case lake[schema]:
					if !seen[schema+"."+table] {
						seen[schema+"."+table] = true
						names = append(names, schema+"."+table)
					}
				default:
					ok = false
				}
			}
			for _, c := range n {
				walk(c)
			}
		case []any:
			for _, c := range n {
				walk(c)
			}
		}
	}
	walk(tree)
	if !ok {
		return nil, false
	}
	return names, true
}
