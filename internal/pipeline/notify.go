package pipeline

import (
	"context"
	"fmt"

	"github.com/metalake/metalake/internal/lake"
	"github.com/metalake/metalake/internal/notify"
)

// notify sends the run's pipeline summary to the configured channels (the plan's notify task).
// The notifier decides from the policy (failure/success/always) who is told; the log always is.
func (r *Runner) notify(ctx context.Context, d lake.Date) error {
	var s PipelineSummary
	if err := r.Lake.GetJSON(ctx, lake.ReportKey("", d, "pipeline_summary.json"), &s); err != nil {
		return fmt.Errorf("notify %s: read pipeline summary: %w", d, err)
	}
	msg := notify.Message{
		Subject: fmt.Sprintf("metalake %s: %s", d, s.OverallStatus),
		Text: fmt.Sprintf("Run date %s finished with overall status %s (bronze %s, silver %s, gold %s).",
			d, s.OverallStatus, s.Layers.Bronze.Status, s.Layers.Silver.Status, s.Layers.Gold.Status),
		Summary: s,
		RunDate: d.String(),
		Failed:  s.OverallStatus != "SUCCESS",
	}
	n := r.Notifier
	if n == nil {
		n = notify.NewLog(r.log())
	}
	return n.Notify(ctx, msg)
}
