package silver

import (
	"github.com/metalake/metalake/internal/engine"
)

// The models use only portable SQL besides the template functions of the engine's dialect
// (engine.Dialect: reading Parquet, regular expressions, day differences); an engine brings its
// dialect, the models stay as they are.

// modelFuncs are the template functions of the models: the engine dialect's (matches,
// regexp_remove, days_between …) and param, which resolves constant contract params.
func modelFuncs(d engine.Dialect, param func(string) (string, error)) map[string]any {
	funcs := engine.Funcs(d)
	funcs["param"] = param
	return funcs
}

// dateLiteral is a DATE constant (portable).
func dateLiteral(d string) string { return "DATE " + engine.Literal(d) }

// timestampLiteral is a TIMESTAMP constant (portable).
func timestampLiteral(ts string) string { return "TIMESTAMP " + engine.Literal(ts) }
