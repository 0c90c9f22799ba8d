package gold

import (
	"fmt"
	"io/fs"
	"strings"

	"github.com/metalake/metalake/internal/engine"
	"github.com/metalake/metalake/internal/layer"
)

// The models (embedded with the contracts, contract.go) are portable SQL (CTEs, joins, window
// functions, CASE, IS DISTINCT FROM, VALUES) plus the template functions of the engine's
// dialect (engine.Funcs: date_series, iso_dow …) and the column-list helpers below; an engine
// brings its dialect, the models stay as they are.

// render executes the block named block of models/{file}.sql of the job's contracts with data,
// in the dialect of the job's engine. Each model file holds named blocks
// ({{define "name"}}…{{end}}): the SELECT that builds a table, its metrics, its checks.
func (j *Job) render(file, block string, data any) (string, error) {
	text, ok := j.contracts().models[file+".sql"]
	if !ok {
		return "", fmt.Errorf("gold model %s: %w", file, fs.ErrNotExist)
	}
	tpl, err := layer.Template(j.Engine.Dialect(), file, text, portableFuncs())
	if err != nil {
		return "", fmt.Errorf("gold model %s: %w", file, err)
	}
	out, err := layer.Execute(tpl, block, data)
	if err != nil {
		return "", fmt.Errorf("gold model %s/%s: %w", file, block, err)
	}
	return strings.TrimSpace(out), nil
}

// portableFuncs build column lists for the generic models (SCD2, Type 1) from the dimension
// specs; what they emit is plain SQL.
func portableFuncs() map[string]any {
	return map[string]any{
		// cols: "p.a, p.b" (prefix may be "").
		"cols": func(prefix string, names []string) string {
			out := make([]string, len(names))
			for i, n := range names {
				out[i] = prefix + n
			}
			return strings.Join(out, ", ")
		},
		// renamed: "p.a AS q_a, p.b AS q_b".
		"renamed": func(prefix, as string, names []string) string {
			out := make([]string, len(names))
			for i, n := range names {
				out[i] = fmt.Sprintf("%s%s AS %s%s", prefix, n, as, n)
			}
			return strings.Join(out, ", ")
		},
		// differ holds when any column of a differs from the same column of b, NULLs compared
		// as values (IS DISTINCT FROM): "(a.x IS DISTINCT FROM b.y OR …)"; false for no columns.
		"differ": func(a, b string, names []string) string {
			if len(names) == 0 {
				return "false"
			}
			out := make([]string, len(names))
			for i, n := range names {
				out[i] = fmt.Sprintf("%s%s IS DISTINCT FROM %s%s", a, n, b, n)
			}
			return "(" + strings.Join(out, " OR ") + ")"
		},
		// differ_lag holds when any column differs from the previous row of window w.
		"differ_lag": func(prefix string, names []string, over string) string {
			if len(names) == 0 {
				return "false"
			}
			out := make([]string, len(names))
			for i, n := range names {
				out[i] = fmt.Sprintf("%s%s IS DISTINCT FROM LAG(%s%s) OVER (%s)", prefix, n, prefix, n, over)
			}
			return "(" + strings.Join(out, " OR ") + ")"
		},
		"lit": engine.Text,
	}
}
