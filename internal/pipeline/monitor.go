package pipeline

import (
	"context"
	"fmt"
	"strings"

	"github.com/metalake/metalake/internal/dag"
	"github.com/metalake/metalake/internal/gold"
	"github.com/metalake/metalake/internal/lake"
	"github.com/metalake/metalake/internal/monitor"
	"github.com/metalake/metalake/internal/notify"
	"github.com/metalake/metalake/internal/silver"
)

// monitorTask writes the date's monitoring report after gold (SPEC §7) and alerts on
// anomalies through the notifier. An anomaly never fails the run.
func (r *Runner) monitorTask(d lake.Date, silverSet *silver.Set, after string) dag.Task {
	return dag.Task{ID: "monitor", Deps: []string{after}, AllDone: true, Retries: r.GoldRetries, RetryDelay: r.RetryDelay,
		Run: func(ctx context.Context) error {
			tables := map[string][]string{lake.Bronze: r.Contracts.Names(), lake.Silver: silverSet.Names()}
			for _, t := range gold.Tables() {
				tables[lake.Gold] = append(tables[lake.Gold], t.Name)
			}
			m := &monitor.Monitor{Lake: r.Lake, Engine: r.local(), Log: r.log(), Now: r.Now,
				Runs: func(ctx context.Context, n int) ([]monitor.RunInfo, error) {
					states, err := RecentStates(ctx, r.Lake, d, n)
					var out []monitor.RunInfo
					for _, s := range states {
						if s.Status == StatusRunning || s.FinishedAt == nil {
							continue // this run (still going) and runs killed mid-way
						}
						out = append(out, monitor.RunInfo{RunDate: s.RunDate, Succeeded: s.Status == StatusSuccess, Duration: s.FinishedAt.Sub(s.StartedAt)})
					}
					return out, err
				}}
			rep, err := m.Run(ctx, d, tables)
			if err != nil {
				return fmt.Errorf("monitor %s: %w", d, err)
			}
			if len(rep.Anomalies) == 0 || r.Notifier == nil {
				return nil
			}
			var lines []string
			for _, a := range rep.Anomalies {
				lines = append(lines, a.Severity+": "+a.Message)
			}
			msg := notify.Message{Subject: fmt.Sprintf("metalake %s: anomalies detected (%d)", d, len(rep.Anomalies)),
				Text: strings.Join(lines, "\n"), Summary: rep, Failed: true}
			if err := r.Notifier.Notify(ctx, msg); err != nil {
				r.log().Error("anomaly alert", "run_date", d.String(), "err", err)
			}
			return nil
		}}
}
