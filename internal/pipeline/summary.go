package pipeline

import (
	"context"

	"github.com/metalake/metalake/internal/lake"
)

// PipelineSummary is _reports/run_date=D/pipeline_summary.json (the plan's shape). Only the
// layers the pipeline runs are listed; overall_status is SUCCESS only when each of them truly
// succeeded in this run.
type PipelineSummary struct {
	Pipeline      string `json:"pipeline"`
	RunDate       string `json:"run_date"`
	ExecutionTime string `json:"execution_time"`
	Layers        Layers `json:"layers"`
	OverallStatus string `json:"overall_status"`
	// Stale is set when a rerun of an earlier date changed the inputs this run used.
	Stale bool `json:"stale,omitempty"`
}

// Layers holds one line per layer.
type Layers struct {
	Bronze LayerSummary `json:"bronze"`
	Silver SilverLayer  `json:"silver"`
	Gold   GoldLayer    `json:"gold"`
	// Warehouse is the export_warehouse task's line, when a warehouse is configured.
	Warehouse *WarehouseLayer `json:"warehouse,omitempty"`
}

// WarehouseLayer is the warehouse line: SUCCESS when this run (or the attempt --resume
// continues) loaded the date's gold, FAILED when the load failed, NOT_RUN when an upstream
// failure kept it from starting.
type WarehouseLayer struct {
	Status string `json:"status"`
}

// LayerSummary is the bronze line.
type LayerSummary struct {
	Status        string  `json:"status"`
	TotalInput    int64   `json:"total_input"`
	TotalOutput   int64   `json:"total_output"`
	RejectionRate float64 `json:"rejection_rate"`
}

// SilverLayer is the silver line: SUCCESS only when every silver table was published in this
// run and check_silver_completion passed; FAILED when silver ran and did not get there;
// NOT_RUN when an upstream failure kept it from starting.
type SilverLayer struct {
	Status          string `json:"status"`
	TablesProcessed int    `json:"tables_processed"`
	TotalOutput     int64  `json:"total_output"`
	// Tables is the output_count of each table published in this run.
	Tables map[string]int64 `json:"tables"`
}

func (r *Runner) writePipelineSummary(ctx context.Context, d lake.Date, built *bronzeRun, sl SilverLayer, gl GoldLayer, wl *WarehouseLayer) error {
	var bs BronzeSummary
	bronzeStatus := "FAILED"
	if err := r.Lake.GetJSON(ctx, lake.ReportKey(lake.Bronze, d, "bronze_summary.json"), &bs); err == nil &&
		r.checkBronzeCompletion(ctx, d, built) == nil {
		bronzeStatus = "SUCCESS"
		for _, t := range bs.Tables {
			if t.Status != "SUCCESS" {
				bronzeStatus = "FAILED"
			}
		}
	}
	overall := "FAILED"
	if bronzeStatus == "SUCCESS" && sl.Status == "SUCCESS" && gl.Status == "SUCCESS" && (wl == nil || wl.Status == "SUCCESS") {
		overall = "SUCCESS"
	}
	s := PipelineSummary{
		Pipeline:      "metalake",
		RunDate:       d.String(),
		ExecutionTime: r.now().UTC().Format("2006-01-02T15:04:05Z"),
		Layers: Layers{
			Bronze: LayerSummary{
				Status: bronzeStatus, TotalInput: bs.Overall.TotalInput, TotalOutput: bs.Overall.TotalOutput,
				RejectionRate: bs.Overall.OverallRejectionRate,
			},
			Silver:    sl,
			Gold:      gl,
			Warehouse: wl,
		},
		OverallStatus: overall,
	}
	return r.Lake.PutJSON(ctx, lake.ReportKey("", d, "pipeline_summary.json"), s)
}
