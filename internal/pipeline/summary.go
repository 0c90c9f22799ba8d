package pipeline

import (
	"context"

	"github.com/metalake/metalake/internal/lake"
)

// PipelineSummary is _reports/run_date=D/pipeline_summary.json (the plan's shape). Only the
// layers the pipeline runs are listed; overall_status is SUCCESS only when each of them truly
// succeeded.
type PipelineSummary struct {
	Pipeline      string                  `json:"pipeline"`
	RunDate       string                  `json:"run_date"`
	ExecutionTime string                  `json:"execution_time"`
	Layers        map[string]LayerSummary `json:"layers"`
	OverallStatus string                  `json:"overall_status"`
}

// LayerSummary is one layer's line.
type LayerSummary struct {
	Status        string  `json:"status"`
	TotalInput    int64   `json:"total_input"`
	TotalOutput   int64   `json:"total_output"`
	RejectionRate float64 `json:"rejection_rate"`
}

func (r *Runner) writePipelineSummary(ctx context.Context, d lake.Date) error {
	var bs BronzeSummary
	bronzeStatus := "FAILED"
	if err := r.Lake.GetJSON(ctx, lake.ReportKey(lake.Bronze, d, "bronze_summary.json"), &bs); err == nil &&
		r.checkBronzeCompletion(ctx, d) == nil {
		bronzeStatus = "SUCCESS"
		for _, t := range bs.Tables {
			if t.Status != "SUCCESS" {
				bronzeStatus = "FAILED"
			}
		}
	}
	s := PipelineSummary{
		Pipeline:      "metalake",
		RunDate:       d.String(),
		ExecutionTime: r.now().UTC().Format("2006-01-02T15:04:05Z"),
		Layers: map[string]LayerSummary{lake.Bronze: {
			Status: bronzeStatus, TotalInput: bs.Overall.TotalInput, TotalOutput: bs.Overall.TotalOutput,
			RejectionRate: bs.Overall.OverallRejectionRate,
		}},
		OverallStatus: bronzeStatus,
	}
	return r.Lake.PutJSON(ctx, lake.ReportKey("", d, "pipeline_summary.json"), s)
}
