package silver

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/metalake/metalake/internal/lake"
	"github.com/metalake/metalake/internal/layer"
)

// Report statuses: every layer's (internal/layer).
const (
	StatusSuccess = layer.StatusSuccess
	StatusFailed  = layer.StatusFailed
)

// Modes of a run.
const (
	// Incremental computes silver(D) from silver(P) (P the previous date with bronze) and bronze(D).
	Incremental Mode = "incremental"
	// Full recomputes silver(D) from every bronze partition ≤ D (the reference the incremental
	// result equals; a fallback when the previous silver is unusable).
	Full Mode = "full"
)

// Mode selects how silver(D) is computed.
type Mode string

// Report is silver/_reports/run_date=D/{table}_report.json. Field names follow SPEC §4.
//
// input_count = bronze_input_count + carried_count = output_count + duplicates_removed +
// dropped_count, always (checked before anything is published). carried_count counts the rows
// of silver(P) and the rows held back at P (dropped winners, orphans) that are carried with it.
type Report struct {
	Table               string          `json:"table"`
	RunDate             string          `json:"run_date"`
	ProcessingTime      string          `json:"processing_time"`
	DurationS           float64         `json:"duration_s"`
	Mode                Mode            `json:"mode"`
	PreviousRunDate     *string         `json:"previous_run_date"`
	Layouts             []string        `json:"layouts"`
	BronzePartitions    int             `json:"bronze_partitions"`
	InputCount          int64           `json:"input_count"`
	BronzeInputCount    int64           `json:"bronze_input_count"`
	CarriedCount        int64           `json:"carried_count"`
	CarriedHeldCount    int64           `json:"carried_held_count"`
	AfterDedupCount     int64           `json:"after_dedup_count"`
	DuplicatesRemoved   int64           `json:"duplicates_removed"`
	DroppedCount        int64           `json:"dropped_count"`
	OutputCount         int64           `json:"output_count"`
	HeldCount           int64           `json:"held_count"`
	NotInLatestSnapshot int64           `json:"not_in_latest_snapshot"`
	CleaningStrategies  []StrategyCount `json:"cleaning_strategies"`
	Status              string          `json:"status"`
	Error               string          `json:"error,omitempty"`
	// Metrics are the contract's table-specific fields: top level, or nested by section
	// (data_quality, enrichment_stats, validation_stats, tag_statistics, …).
	Metrics  map[string]any            `json:"-"`
	Sections map[string]map[string]any `json:"-"`
}

// StrategyCount is one entry of cleaning_strategies.
type StrategyCount struct {
	Strategy        string `json:"strategy"`
	Field           string `json:"field"`
	Reason          string `json:"reason"`
	Code            string `json:"code,omitempty"`
	RecordsAffected int64  `json:"records_affected"`
}

// counterNames are the report counters a contract metric may copy (value:).
var counterNames = []string{"input_count", "bronze_input_count", "carried_count", "after_dedup_count",
	"duplicates_removed", "dropped_count", "output_count", "held_count", "not_in_latest_snapshot"}

func (r *Report) counter(name string) int64 {
	switch name {
	case "input_count":
		return r.InputCount
	case "bronze_input_count":
		return r.BronzeInputCount
	case "carried_count":
		return r.CarriedCount
	case "after_dedup_count":
		return r.AfterDedupCount
	case "duplicates_removed":
		return r.DuplicatesRemoved
	case "dropped_count":
		return r.DroppedCount
	case "output_count":
		return r.OutputCount
	case "held_count":
		return r.HeldCount
	case "not_in_latest_snapshot":
		return r.NotInLatestSnapshot
	}
	return 0
}

// MarshalJSON writes the fixed fields, then the contract metrics at top level or in their
// sections.
func (r *Report) MarshalJSON() ([]byte, error) {
	type plain Report
	b, err := json.Marshal((*plain)(r))
	if err != nil {
		return nil, err
	}
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, err
	}
	for k, v := range r.Metrics {
		out[k] = v
	}
	for s, m := range r.Sections {
		out[s] = m
	}
	return json.Marshal(out)
}

// ReportKey is the lake key of table's silver report of d.
func ReportKey(table string, d lake.Date) string {
	return lake.ReportKey(lake.Silver, d, table+"_report.json")
}

// ReportSummary is the part of a written report other tasks read.
type ReportSummary struct {
	Table       string `json:"table"`
	RunDate     string `json:"run_date"`
	Status      string `json:"status"`
	InputCount  int64  `json:"input_count"`
	OutputCount int64  `json:"output_count"`
	Error       string `json:"error"`
}

// ReadReport reads the summary fields of table's report of d; the error wraps
// storage.ErrNotFound when there is none.
func ReadReport(ctx context.Context, lk *lake.Lake, table string, d lake.Date) (ReportSummary, error) {
	var s ReportSummary
	err := lk.GetJSON(ctx, ReportKey(table, d), &s)
	return s, err
}

// ContractError is a failure retrying cannot fix: a missing or unusable input (no bronze
// partition, a dependency not published, an unknown layout) or a model that breaks its
// contract.
type ContractError struct {
	Table, RunDate string
	Err            error
}

func (e *ContractError) Error() string {
	return fmt.Sprintf("silver %s %s: %v", e.Table, e.RunDate, e.Err)
}
func (e *ContractError) Unwrap() error   { return e.Err }
func (e *ContractError) Retryable() bool { return false }

// PreviousMissingError is depends_on_past failing: silver(D) is computed from silver(P), and
// P has bronze but no committed silver partition. Run P first (a date range runs in order).
type PreviousMissingError struct {
	Table, RunDate, Previous string
	// Held is true when the partition exists but the rows held back with it do not (a crash
	// between the two publishes): rerun P.
	Held bool
}

func (e *PreviousMissingError) Error() string {
	if e.Held {
		return fmt.Sprintf("silver %s %s: previous date %s has a silver partition but no matching held rows (silver/_held/%s/run_date=%s); rerun %s with --force",
			e.Table, e.RunDate, e.Previous, e.Table, e.Previous, e.Previous)
	}
	return fmt.Sprintf("silver %s %s: previous date %s has no silver partition; run it first", e.Table, e.RunDate, e.Previous)
}

// Retryable is false: the previous date will not appear by retrying.
func (e *PreviousMissingError) Retryable() bool { return false }

// AccountingError means the counts do not reconcile (input ≠ output + duplicates + dropped):
// nothing was published. It is a bug in a model or in this package, not a transient failure.
type AccountingError struct {
	Table, RunDate string
	Detail         string
}

func (e *AccountingError) Error() string {
	return fmt.Sprintf("silver %s %s: internal accounting error: %s (nothing published)", e.Table, e.RunDate, e.Detail)
}
func (e *AccountingError) Retryable() bool { return false }

func isoTime(t time.Time) string { return layer.ISOTime(t) }
