package gold

import (
	"fmt"
	"strings"

	"github.com/metalake/metalake/internal/engine"
)

// column is one typed column of a relation gold reads or writes.
type column struct{ name, typ string }

// schema is an ordered column list. Inputs are projected through their schema (so a model sees
// exactly these columns and types, and an empty partition still has them); outputs are
// written in schema order.
type schema []column

func (s schema) names() []string {
	out := make([]string, len(s))
	for i, c := range s {
		out[i] = c.name
	}
	return out
}

// project selects the schema's columns from rel, cast to their types.
func (s schema) project(rel string) string {
	cols := make([]string, len(s))
	for i, c := range s {
		cols[i] = fmt.Sprintf("CAST(%s AS %s) AS %s", engine.Ident(c.name), engine.CastType(c.typ), engine.Ident(c.name))
	}
	return "SELECT " + strings.Join(cols, ", ") + " FROM " + rel
}

// empty is a relation with the schema's columns and no row.
func (s schema) empty() string {
	cols := make([]string, len(s))
	for i, c := range s {
		cols[i] = fmt.Sprintf("CAST(NULL AS %s) AS %s", engine.CastType(c.typ), engine.Ident(c.name))
	}
	return "SELECT " + strings.Join(cols, ", ") + " WHERE false"
}

// list names the schema's columns in order.
func (s schema) list() string {
	cols := make([]string, len(s))
	for i, c := range s {
		cols[i] = engine.Ident(c.name)
	}
	return strings.Join(cols, ", ")
}

// cols parses "name TYPE, name, …" (the type defaults to STRING: the text type both DuckDB and
// Spark SQL know by that name): the columns gold adds to every table.
func cols(spec string) schema {
	var out schema
	for _, f := range strings.Split(spec, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		name, typ, ok := strings.Cut(f, " ")
		if !ok {
			typ = "STRING"
		}
		out = append(out, column{name: name, typ: strings.TrimSpace(typ)})
	}
	return out
}

// audit columns end every dimension: when the row was created and last changed (processing
// time) and the run date of that change. They are the only dimension columns that may differ
// between two builds of the same inputs.
const auditCols = "created_at TIMESTAMP, updated_at TIMESTAMP, etl_run_date DATE"

// factAudit ends every fact: the run date partition, the pipeline run and processing time.
const factAudit = "run_date DATE, pipeline_run_id, created_at_ts TIMESTAMP"
