package htmlreport

import (
	"math"
	"strings"
	"time"

	"github.com/metalake/metalake/internal/lake"
	"github.com/metalake/metalake/internal/pipeline"
)

// Stages of a run as the report, the run grid and the metrics group its tasks. "monitor"
// holds what runs after gold: monitor, pipeline_summary and notify.
const (
	StageBronze  = lake.Bronze
	StageSilver  = lake.Silver
	StageGold    = lake.Gold
	StageMonitor = "monitor"
)

// Stages lists the stages in run order.
func Stages() []string { return []string{StageBronze, StageSilver, StageGold, StageMonitor} }

// StageOf names the stage of a task of the run-date DAG (docs/ORCHESTRATION.md):
// check_raw_files, bronze_*, catalog_bronze_*, bronze_summary and check_bronze_completion are
// bronze; silver_*, catalog_silver_*, validate_silver_output and check_silver_completion
// silver; gold_*, catalog_gold_* and validate_gold_outputs gold; the rest monitor.
func StageOf(task string) string {
	t := task
	for _, p := range []string{"catalog_", "check_", "validate_"} {
		t = strings.TrimPrefix(t, p)
	}
	switch {
	case t == "raw_files", strings.HasPrefix(t, "bronze"):
		return StageBronze
	case strings.HasPrefix(t, "silver"):
		return StageSilver
	case strings.HasPrefix(t, "gold"):
		return StageGold
	}
	return StageMonitor
}

// statusRank orders task statuses from best to worst; a stage shows its worst task.
var statusRank = map[string]int{
	"success": 0, "skipped": 1, "pending": 2, pipeline.StatusRunning: 3,
	pipeline.StatusInterrupted: 4, "upstream_failed": 5, pipeline.StatusFailed: 6,
}

// StageRun is one stage of one run: the worst status of its tasks and its wall-clock span.
type StageRun struct {
	Stage  string `json:"stage"`
	Status string `json:"status"`
	// DurationS is from the first task's start to the last task's end (tasks of a stage run
	// concurrently, so this is what the stage cost the run, not the sum of its tasks).
	DurationS float64 `json:"duration_s"`
	Tasks     int     `json:"tasks"`
}

// StageRuns summarises a run state by stage, in run order; a stage without tasks is absent.
func StageRuns(st pipeline.RunState) []StageRun {
	var out []StageRun
	for _, stage := range Stages() {
		s := StageRun{Stage: stage}
		var first, last time.Time
		for _, t := range st.Tasks {
			if StageOf(t.Task) != stage {
				continue
			}
			s.Tasks++
			if s.Tasks == 1 || statusRank[t.Status] > statusRank[s.Status] {
				s.Status = t.Status
			}
			if t.StartedAt != nil && (first.IsZero() || t.StartedAt.Before(first)) {
				first = *t.StartedAt
			}
			if t.EndedAt != nil && t.EndedAt.After(last) {
				last = *t.EndedAt
			}
		}
		if s.Tasks == 0 {
			continue
		}
		if !first.IsZero() && last.After(first) {
			s.DurationS = round3(last.Sub(first).Seconds())
		}
		out = append(out, s)
	}
	return out
}

// RunDuration is how long the run took: to its end, or to its last task's end while it runs.
func RunDuration(st pipeline.RunState) float64 {
	end := st.StartedAt
	if st.FinishedAt != nil {
		end = *st.FinishedAt
	} else {
		for _, t := range st.Tasks {
			if t.EndedAt != nil && t.EndedAt.After(end) {
				end = *t.EndedAt
			}
		}
	}
	return round3(end.Sub(st.StartedAt).Seconds())
}

func round3(x float64) float64 { return math.Round(x*1000) / 1000 }
