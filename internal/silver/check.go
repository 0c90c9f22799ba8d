package silver

import (
	"context"
	"fmt"
	"strings"

	"github.com/metalake/metalake/internal/lake"
	"github.com/metalake/metalake/internal/storage"
)

// CheckError is a failed validate_silver_output or check_silver_completion: every problem
// found, so one run shows them all. Not retryable: the outputs will not change by waiting.
type CheckError struct {
	Check    string
	RunDate  string
	Problems []string
}

func (e *CheckError) Error() string {
	return fmt.Sprintf("%s %s: %s", e.Check, e.RunDate, strings.Join(e.Problems, "; "))
}

// Retryable is false.
func (e *CheckError) Retryable() bool { return false }

// ValidateOutput is validate_silver_output: every table of set has a committed silver
// partition of d with rows, and a SUCCESS report of d whose output_count matches the partition.
func ValidateOutput(ctx context.Context, lk *lake.Lake, set *Set, d lake.Date) error {
	var problems []string
	for _, t := range set.Names() {
		m, ok, err := lk.ReadManifest(ctx, lake.PartitionDir(lake.Silver, t, d))
		if err != nil {
			return err
		}
		if !ok {
			problems = append(problems, fmt.Sprintf("no silver %s partition", t))
			continue
		}
		rep, err := ReadReport(ctx, lk, t, d)
		switch {
		case storage.IsNotFound(err):
			problems = append(problems, fmt.Sprintf("no silver %s report", t))
		case err != nil:
			return err
		case rep.Status != StatusSuccess:
			problems = append(problems, fmt.Sprintf("silver %s report status %s", t, rep.Status))
		case rep.OutputCount != m.Rows:
			problems = append(problems, fmt.Sprintf("silver %s report says %d rows, partition has %d", t, rep.OutputCount, m.Rows))
		}
		if m.Rows == 0 {
			problems = append(problems, fmt.Sprintf("silver %s output_count is 0", t))
		}
	}
	if len(problems) > 0 {
		return &CheckError{Check: "validate_silver_output", RunDate: d.String(), Problems: problems}
	}
	return nil
}

// CheckCompletion is check_silver_completion (before gold): every table of set has a committed
// silver partition of d, and the DQ report of d exists, covers users, datasets and tags, and
// has no error.
func CheckCompletion(ctx context.Context, lk *lake.Lake, set *Set, d lake.Date) error {
	var problems []string
	for _, t := range set.Names() {
		_, ok, err := lk.ReadManifest(ctx, lake.PartitionDir(lake.Silver, t, d))
		if err != nil {
			return err
		}
		if !ok {
			problems = append(problems, fmt.Sprintf("no silver %s partition", t))
		}
	}
	var dq DQReport
	err := lk.GetJSON(ctx, DQKey(d), &dq)
	switch {
	case storage.IsNotFound(err):
		problems = append(problems, "no silver DQ report")
	case err != nil:
		return err
	default:
		if dq.RunDate != d.String() {
			problems = append(problems, fmt.Sprintf("the DQ report is for %s", dq.RunDate))
		}
		for _, t := range dqTables() {
			if len(dq.Tables[t].Checks) == 0 {
				problems = append(problems, fmt.Sprintf("the DQ report has no %s checks", t))
			}
		}
		for _, e := range dq.Errors {
			problems = append(problems, "DQ "+e)
		}
	}
	if len(problems) > 0 {
		return &CheckError{Check: "check_silver_completion", RunDate: d.String(), Problems: problems}
	}
	return nil
}
