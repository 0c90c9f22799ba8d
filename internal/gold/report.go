package gold

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/metalake/metalake/internal/layer"
)

// Report statuses: every layer's (internal/layer).
const (
	StatusSuccess = layer.StatusSuccess
	StatusFailed  = layer.StatusFailed
)

// DimStats is gold/_reports/run_date=D/{dim}_stats.json. Metrics (total_records,
// current_records, new_versions, max_sk, …) are written at the top level, as the plan's stats.
type DimStats struct {
	Table          string
	RunDate        string
	ProcessingTime string
	DurationS      float64
	Status         string
	Error          string
	// Published is false when nothing changed: the committed version stands (a rerun).
	Published bool
	// Attempt is the manifest attempt of the dimension's committed version after this run.
	Attempt string
	Metrics map[string]any
}

// MarshalJSON flattens the metrics next to the fixed fields.
func (s *DimStats) MarshalJSON() ([]byte, error) {
	out := map[string]any{}
	for k, v := range s.Metrics {
		out[k] = v
	}
	out["table"] = s.Table
	out["run_date"] = s.RunDate
	out["processing_time"] = s.ProcessingTime
	out["duration_s"] = s.DurationS
	out["status"] = s.Status
	out["published"] = s.Published
	out["attempt"] = s.Attempt
	if s.Error != "" {
		out["error"] = s.Error
	}
	return json.Marshal(out)
}

// UnmarshalJSON reads what MarshalJSON wrote.
func (s *DimStats) UnmarshalJSON(b []byte) error {
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	str := func(k string) string { v, _ := m[k].(string); delete(m, k); return v }
	s.Table, s.RunDate, s.ProcessingTime = str("table"), str("run_date"), str("processing_time")
	s.Status, s.Error, s.Attempt = str("status"), str("error"), str("attempt")
	s.DurationS, _ = m["duration_s"].(float64)
	s.Published, _ = m["published"].(bool)
	delete(m, "duration_s")
	delete(m, "published")
	s.Metrics = m
	return nil
}

// FactReport is gold/_reports/run_date=D/{fact}_report.json (the plan's shape: metrics and
// data_quality).
type FactReport struct {
	Table          string         `json:"table"`
	RunDate        string         `json:"run_date"`
	PipelineRunID  string         `json:"pipeline_run_id"`
	ProcessingTime string         `json:"processing_time"`
	DurationS      float64        `json:"duration_s"`
	Status         string         `json:"status"`
	Published      bool           `json:"published"`
	Error          string         `json:"error,omitempty"`
	Metrics        map[string]any `json:"metrics"`
	DataQuality    []CheckResult  `json:"data_quality"`
}

// CheckResult is one data-quality check of a fact.
type CheckResult struct {
	CheckName   string `json:"check_name"`
	CheckPassed bool   `json:"check_passed"`
	Violations  int64  `json:"violations"`
}

// Failed returns the checks that did not pass.
func (r *FactReport) Failed() []CheckResult {
	var out []CheckResult
	for _, c := range r.DataQuality {
		if !c.CheckPassed {
			out = append(out, c)
		}
	}
	return out
}

// CheckError is a fact whose data-quality checks failed: its report is written, its
// partition of the date is not published (one published by an earlier attempt is withdrawn).
// Not retryable: the same inputs fail the same checks.
type CheckError struct {
	Table   string
	RunDate string
	Failed  []CheckResult
}

func (e *CheckError) Error() string {
	parts := make([]string, len(e.Failed))
	for i, c := range e.Failed {
		unit := "violations"
		if c.Violations == 1 {
			unit = "violation"
		}
		parts[i] = fmt.Sprintf("%s failed (%d %s)", c.CheckName, c.Violations, unit)
	}
	word := "check"
	if len(e.Failed) > 1 {
		word = "checks"
	}
	return fmt.Sprintf("gold %s %s: DQ %s %s", e.Table, e.RunDate, word, strings.Join(parts, ", "))
}

// Retryable is false: the same inputs fail the same checks.
func (e *CheckError) Retryable() bool { return false }

// InputError is a missing or malformed input (a silver partition or dimension that is not
// published, a column that is not there). Not retryable within the run.
type InputError struct {
	Table   string
	RunDate string
	Err     error
}

func (e *InputError) Error() string {
	return fmt.Sprintf("gold %s %s: %v", e.Table, e.RunDate, e.Err)
}
func (e *InputError) Unwrap() error   { return e.Err }
func (e *InputError) Retryable() bool { return false }

// IntegrityError is a dimension that failed its structural invariants after a merge (versions
// overlapping, a key without exactly one current version, a surrogate key used twice). Nothing
// is published. It means a bug or a corrupted committed dimension, not bad input data.
type IntegrityError struct {
	Table      string
	RunDate    string
	Violations map[string]int64
}

func (e *IntegrityError) Error() string {
	var parts []string
	for _, k := range sortedKeys(e.Violations) {
		if e.Violations[k] > 0 {
			parts = append(parts, fmt.Sprintf("%s=%d", k, e.Violations[k]))
		}
	}
	return fmt.Sprintf("gold %s %s: dimension integrity violated (%s); nothing published", e.Table, e.RunDate, strings.Join(parts, ", "))
}
func (e *IntegrityError) Retryable() bool { return false }
