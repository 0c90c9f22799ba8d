package bronze

import (
	"fmt"

	"github.com/metalake/metalake/internal/layer"
)

// Report statuses: every layer's (internal/layer).
const (
	StatusSuccess = layer.StatusSuccess
	StatusFailed  = layer.StatusFailed
)

// Report is bronze/_reports/run_date=D/{table}_report.json. Field names are the plan's.
type Report struct {
	Table             string                    `json:"table"`
	RunDate           string                    `json:"run_date"`
	ProcessingTime    string                    `json:"processing_time"`
	DurationS         float64                   `json:"duration_s"`
	InputCount        int64                     `json:"input_count"`
	OutputCount       int64                     `json:"output_count"`
	RejectCount       int64                     `json:"reject_count"`
	DuplicatesRemoved int64                     `json:"duplicates_removed"`
	RejectionRate     float64                   `json:"rejection_rate"`
	RejectThreshold   float64                   `json:"reject_threshold"`
	TopRejectReasons  []ReasonCount             `json:"top_reject_reasons"`
	Status            string                    `json:"status"`
	Layout            string                    `json:"layout"`
	SourceFiles       []string                  `json:"source_files"`
	ExtraColumns      []string                  `json:"extra_columns"`
	Lookups           []LookupReport            `json:"lookups,omitempty"`
	Metrics           map[string]any            `json:"-"`
	Sections          map[string]map[string]any `json:"-"`
}

// ReasonCount is one entry of top_reject_reasons.
type ReasonCount struct {
	Reason string `json:"reason"`
	Count  int64  `json:"count"`
}

// LookupReport accounts for an auxiliary input (DatasetVersions, Tags): every record is used,
// rejected or a removed duplicate of its key.
type LookupReport struct {
	Raw               string `json:"raw"`
	SourceFile        string `json:"source_file"`
	InputCount        int64  `json:"input_count"`
	OutputCount       int64  `json:"output_count"`
	RejectCount       int64  `json:"reject_count"`
	DuplicatesRemoved int64  `json:"duplicates_removed"`
	RejectsDir        string `json:"rejects_dir"`
}

// JSON returns the report as a flat object: fixed fields, then contract metrics at top level
// or in their sections (statistics, …).
func (r *Report) JSON() map[string]any {
	out := map[string]any{
		"table": r.Table, "run_date": r.RunDate, "processing_time": r.ProcessingTime,
		"duration_s": r.DurationS, "input_count": r.InputCount, "output_count": r.OutputCount,
		"reject_count": r.RejectCount, "duplicates_removed": r.DuplicatesRemoved,
		"rejection_rate": r.RejectionRate, "reject_threshold": r.RejectThreshold,
		"top_reject_reasons": r.TopRejectReasons, "status": r.Status, "layout": r.Layout,
		"source_files": r.SourceFiles, "extra_columns": r.ExtraColumns,
	}
	if len(r.Lookups) > 0 {
		out["lookups"] = r.Lookups
	}
	for k, v := range r.Metrics {
		out[k] = v
	}
	for s, m := range r.Sections {
		out[s] = m
	}
	return out
}

// RejectThresholdError is returned by Job.Run when the circuit breaker trips. The rejects and
// the FAILED report have been written; no valid partition is published for the date.
type RejectThresholdError struct {
	Table   string
	RunDate string
	Rate    float64
	Limit   float64
}

func (e *RejectThresholdError) Error() string {
	return fmt.Sprintf("bronze %s %s: rejection rate %.4f exceeds the limit %.4f (rejects in bronze/_rejects/%s/run_date=%s)",
		e.Table, e.RunDate, e.Rate, e.Limit, e.Table, e.RunDate)
}

// Retryable is false: the same input trips the breaker again.
func (e *RejectThresholdError) Retryable() bool { return false }

// ContractError is a data-contract failure (missing raw file, unknown header layout, missing
// column, empty file): retrying cannot help.
type ContractError struct {
	Table, RunDate string
	Err            error
}

func (e *ContractError) Error() string {
	return fmt.Sprintf("bronze %s %s: %v", e.Table, e.RunDate, e.Err)
}
func (e *ContractError) Unwrap() error   { return e.Err }
func (e *ContractError) Retryable() bool { return false }

func round4(x float64) float64 {
	return float64(int64(x*10000+0.5)) / 10000
}
