package gold

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/metalake/metalake/internal/lake"
	"github.com/metalake/metalake/internal/storage"
)

// Validation is gold/_reports/run_date=D/gold_validation_report.json: validate_gold_outputs'
// verdict on every dimension, fact and the bridge of the run date.
type Validation struct {
	RunDate       string                 `json:"run_date"`
	CheckTime     string                 `json:"check_time"`
	Dimensions    map[string]TableStatus `json:"dimensions"`
	Facts         map[string]TableStatus `json:"facts"`
	OverallStatus string                 `json:"overall_status"`
}

// TableStatus is one table's line of the validation.
type TableStatus struct {
	Status string `json:"status"`
	Rows   int64  `json:"rows"`
	Reason string `json:"reason,omitempty"`
}

// ValidationKey is the key of the validation report of day d.
func ValidationKey(d lake.Date) string {
	return lake.ReportKey(lake.Gold, d, "gold_validation_report.json")
}

// ValidationError lists every problem validate_gold_outputs found. Not retryable.
type ValidationError struct {
	RunDate  string
	Problems []string
}

func (e *ValidationError) Error() string {
	return fmt.Sprintf("gold validation %s failed: %s", e.RunDate, strings.Join(e.Problems, "; "))
}
func (e *ValidationError) Retryable() bool { return false }

// Validate checks gold of run date d (SPEC §5, the plan's validate_gold_outputs without its
// defect 13): every dimension is committed, non-empty and was built for d; every fact and the
// bridge has a report for d with status SUCCESS and every check passed, and its partition of d
// is committed. It writes the validation report and returns a *ValidationError naming every
// problem.
func Validate(ctx context.Context, lk *lake.Lake, d lake.Date, now time.Time) (*Validation, error) {
	v := &Validation{RunDate: d.String(), CheckTime: isoTime(now), Dimensions: map[string]TableStatus{},
		Facts: map[string]TableStatus{}, OverallStatus: StatusSuccess}
	var problems []string
	fail := func(m map[string]TableStatus, table, reason string, rows int64) {
		m[table] = TableStatus{Status: StatusFailed, Rows: rows, Reason: reason}
		problems = append(problems, table+": "+reason)
	}
	for _, t := range Tables() {
		if t.Kind == KindDimension {
			m, ok, err := lk.ReadManifest(ctx, DimDir(t.Name))
			if err != nil {
				return nil, fmt.Errorf("gold validation %s: %w", d, err)
			}
			switch {
			case !ok:
				fail(v.Dimensions, t.Name, "missing (gold/"+t.Name+"/ has no committed version)", 0)
				continue
			case m.Rows == 0:
				fail(v.Dimensions, t.Name, "empty", 0)
				continue
			}
			var st DimStats
			err = lk.GetJSON(ctx, StatsKey(t.Name, d), &st)
			switch {
			case storage.IsNotFound(err):
				fail(v.Dimensions, t.Name, "not built for "+d.String()+" (no stats)", m.Rows)
			case err != nil:
				return nil, fmt.Errorf("gold validation %s: %w", d, err)
			case st.Status != StatusSuccess:
				fail(v.Dimensions, t.Name, "build failed: "+st.Error, m.Rows)
			default:
				v.Dimensions[t.Name] = TableStatus{Status: StatusSuccess, Rows: m.Rows}
			}
			continue
		}
		var rep FactReport
		err := lk.GetJSON(ctx, ReportKey(t.Name, d), &rep)
		switch {
		case storage.IsNotFound(err):
			fail(v.Facts, t.Name, "no report for "+d.String(), 0)
			continue
		case err != nil:
			return nil, fmt.Errorf("gold validation %s: %w", d, err)
		}
		if failed := rep.Failed(); len(failed) > 0 {
			ce := &CheckError{Table: t.Name, RunDate: d.String(), Failed: failed}
			fail(v.Facts, t.Name, strings.TrimPrefix(ce.Error(), fmt.Sprintf("gold %s %s: ", t.Name, d)), 0)
			continue
		}
		if rep.Status != StatusSuccess {
			fail(v.Facts, t.Name, "build failed: "+rep.Error, 0)
			continue
		}
		m, ok, err := lk.ReadManifest(ctx, FactDir(t.Name, d))
		if err != nil {
			return nil, fmt.Errorf("gold validation %s: %w", d, err)
		}
		if !ok {
			fail(v.Facts, t.Name, "partition of "+d.String()+" is not committed", 0)
			continue
		}
		v.Facts[t.Name] = TableStatus{Status: StatusSuccess, Rows: m.Rows}
	}
	if len(problems) > 0 {
		v.OverallStatus = StatusFailed
	}
	if err := lk.PutJSON(ctx, ValidationKey(d), v); err != nil {
		return v, fmt.Errorf("gold validation %s: write report: %w", d, err)
	}
	if len(problems) > 0 {
		return v, &ValidationError{RunDate: d.String(), Problems: problems}
	}
	return v, nil
}
