package silver

import (
	"context"
	"fmt"
	"strings"

	"github.com/metalake/metalake/internal/engine"
)

// strategies fills cleaning_strategies: a DROP counts every row dropped with its code; any
// other strategy counts the output rows its predicate holds for (one scan for all of them).
func (b *build) strategies(ctx context.Context) error {
	var sums []string
	for _, st := range b.t.Strategies {
		if st.Strategy != StrategyDrop {
			sums = append(sums, fmt.Sprintf("CAST(COALESCE(SUM(CASE WHEN (%s) THEN 1 ELSE 0 END), 0) AS BIGINT)", st.Count))
		}
	}
	counts := make([]int64, len(sums))
	if len(sums) > 0 {
		dest := make([]any, len(sums))
		for i := range counts {
			dest[i] = &counts[i]
		}
		if err := b.s.QueryRow(ctx, "SELECT "+strings.Join(sums, ", ")+" FROM output", dest...); err != nil {
			return b.contractErr("strategy counts: %w", err)
		}
	}
	i := 0
	for _, st := range b.t.Strategies {
		sc := StrategyCount{Strategy: st.Strategy, Field: st.Field, Reason: st.Reason, Code: st.Code}
		if st.Strategy == StrategyDrop {
			sc.RecordsAffected = b.drops[st.Code]
		} else {
			sc.RecordsAffected = counts[i]
			i++
		}
		b.rep.CleaningStrategies = append(b.rep.CleaningStrategies, sc)
	}
	return nil
}

// metrics computes the contract's table-specific report fields.
func (b *build) metrics(ctx context.Context) error {
	for _, m := range b.t.Metrics {
		var val any
		switch {
		case m.Dropped != "":
			val = b.drops[m.Dropped]
		case m.Value != "":
			val = b.rep.counter(m.Value)
		case m.SQL != "" && m.GroupBy == "":
			var x any
			if err := b.s.QueryRow(ctx, fmt.Sprintf("SELECT %s FROM output", m.SQL), &x); err != nil {
				return b.contractErr("metric %s: %w", m.Name, err)
			}
			val = engine.JSONValue(x)
		case m.SQL != "":
			out := map[string]any{}
			err := b.s.Each(ctx, fmt.Sprintf("SELECT CAST(%s AS STRING) AS k, %s AS v FROM output GROUP BY 1 ORDER BY 1", m.GroupBy, m.SQL), func(row []any) error {
				name := "null"
				if k, ok := row[0].(string); ok {
					name = k
				}
				out[name] = engine.JSONValue(row[1])
				return nil
			})
			if err != nil {
				return b.contractErr("metric %s: %w", m.Name, err)
			}
			val = out
		default:
			list, err := b.s.Objects(ctx, m.Rows, engine.JSONValue)
			if err != nil {
				return b.contractErr("metric %s: %w", m.Name, err)
			}
			val = list
		}
		if m.Section != "" {
			if b.rep.Sections[m.Section] == nil {
				b.rep.Sections[m.Section] = map[string]any{}
			}
			b.rep.Sections[m.Section][m.Name] = val
		} else {
			b.rep.Metrics[m.Name] = val
		}
	}
	return nil
}
