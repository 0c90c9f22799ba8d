package bench

import (
	"context"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/metalake/metalake/internal/gold"
	"github.com/metalake/metalake/internal/lake"
	"github.com/metalake/metalake/internal/pipeline"
	"github.com/metalake/metalake/internal/storage"
)

// Layers in the order they are reported; LayerOther holds the tasks of no layer (the raw
// check, monitor, summaries, notify, export).
const LayerOther = "other"

// Layers lists every layer a task can belong to, in report order.
var Layers = []string{lake.Bronze, lake.Silver, lake.Gold, LayerOther}

// LayerOf returns the layer of a DAG task: catalog_{layer}_{table} belongs to the layer it
// crawls; {layer}_{…}, check_{layer}_… and validate_{layer}_… to theirs; anything else is
// LayerOther.
func LayerOf(task string) string {
	id := strings.TrimPrefix(task, "catalog_")
	for _, l := range Layers[:3] {
		if strings.HasPrefix(id, l+"_") || strings.Contains(id, "_"+l+"_") || strings.HasSuffix(id, "_"+l) {
			return l
		}
	}
	return LayerOther
}

// taskTimes turns the run state's tasks into the report's, in the state's (DAG) order, with
// start offsets from started (the run's start).
func taskTimes(st pipeline.RunState, started time.Time) []TaskTimes {
	out := make([]TaskTimes, 0, len(st.Tasks))
	for _, t := range st.Tasks {
		tt := TaskTimes{Task: t.Task, Layer: LayerOf(t.Task), Status: t.Status, Attempts: t.Attempts, Seconds: t.DurationS}
		if t.StartedAt != nil {
			off := round3(math.Max(0, t.StartedAt.Sub(started).Seconds()))
			tt.StartSeconds = &off
		}
		out = append(out, tt)
	}
	return out
}

// layerTimes sums the tasks by layer (every layer of Layers, in order, even without tasks):
// TaskSeconds adds their durations, WallSeconds is the time during which at least one of
// them ran (the union of their intervals), so overlapping tasks count once.
func layerTimes(st pipeline.RunState) []LayerTimes {
	out := make([]LayerTimes, len(Layers))
	spans := make([][][2]time.Time, len(Layers))
	for i, l := range Layers {
		out[i].Layer = l
	}
	for _, t := range st.Tasks {
		i := slices.Index(Layers, LayerOf(t.Task))
		out[i].Tasks++
		out[i].TaskSeconds += t.DurationS
		if t.StartedAt != nil && t.EndedAt != nil && t.EndedAt.After(*t.StartedAt) {
			spans[i] = append(spans[i], [2]time.Time{*t.StartedAt, *t.EndedAt})
		}
	}
	for i := range out {
		out[i].TaskSeconds = round3(out[i].TaskSeconds)
		out[i].WallSeconds = round3(union(spans[i]).Seconds())
	}
	return out
}

// union is the total length of the intervals, overlaps counted once.
func union(spans [][2]time.Time) time.Duration {
	slices.SortFunc(spans, func(a, b [2]time.Time) int { return a[0].Compare(b[0]) })
	var total time.Duration
	var cur [2]time.Time
	for i, s := range spans {
		switch {
		case i == 0:
			cur = s
		case s[0].After(cur[1]):
			total += cur[1].Sub(cur[0])
			cur = s
		case s[1].After(cur[1]):
			cur[1] = s[1]
		}
	}
	if len(spans) > 0 {
		total += cur[1].Sub(cur[0])
	}
	return total
}

// tableReport is what a bronze or silver table report says about the rows of its task.
type tableReport struct {
	InputCount  *int64   `json:"input_count"`
	OutputCount *int64   `json:"output_count"`
	SourceFiles []string `json:"source_files"` // bronze: the raw objects it read
}

// addRows fills the rows of the tasks that write a table: bronze_{t} and silver_{t} from
// their reports of d, gold_{t} from its committed manifest (rows out only), and the rates.
// A report or manifest that is not there leaves the figures unknown.
func addRows(ctx context.Context, lk *lake.Lake, tables []string, d lake.Date, tasks []TaskTimes) error {
	for i := range tasks {
		t := &tasks[i]
		layer, table, ok := strings.Cut(t.Task, "_")
		if !ok {
			continue
		}
		switch {
		case (layer == lake.Bronze || layer == lake.Silver) && slices.Contains(tables, table):
			var rep tableReport
			err := lk.GetJSON(ctx, lake.ReportKey(layer, d, table+"_report.json"), &rep)
			if storage.IsNotFound(err) {
				continue
			}
			if err != nil {
				return err
			}
			t.RowsIn, t.RowsOut = rep.InputCount, rep.OutputCount
			if layer == lake.Bronze && t.Seconds > 0 {
				var bytes int64
				for _, key := range rep.SourceFiles {
					attrs, err := lk.B.Attributes(ctx, key)
					if err != nil {
						return err
					}
					bytes += attrs.Size
				}
				t.MBPerS = ptr(round3(float64(bytes) / 1e6 / t.Seconds))
			}
		case layer == lake.Gold:
			dir, ok := goldDir(table, d)
			if !ok {
				continue
			}
			m, ok, err := lk.ReadManifest(ctx, dir)
			if err != nil {
				return err
			}
			if ok {
				t.RowsOut = ptr(m.Rows)
			}
		}
		if n := firstKnown(t.RowsIn, t.RowsOut); n != nil && t.Seconds > 0 {
			t.RowsPerS = ptr(round3(float64(*n) / t.Seconds))
		}
	}
	return nil
}

// goldDir is the folder of gold table's version of d: a dimension is one whole-table object,
// a fact or the bridge has a partition per run date.
func goldDir(table string, d lake.Date) (string, bool) {
	for _, g := range gold.Tables() {
		if g.Name == table {
			if g.Kind == gold.KindDimension {
				return lake.TableDir(lake.Gold, table), true
			}
			return lake.PartitionDir(lake.Gold, table, d), true
		}
	}
	return "", false
}

func firstKnown(xs ...*int64) *int64 {
	for _, x := range xs {
		if x != nil {
			return x
		}
	}
	return nil
}

func ptr[T any](v T) *T { return &v }

// round3 rounds to the millisecond (or the thousandth of a ratio).
func round3(x float64) float64 { return math.Round(x*1000) / 1000 }

// rate is n per second, 0 when the time is 0.
func rate(n float64, seconds float64) float64 {
	if seconds <= 0 {
		return 0
	}
	return round3(n / seconds)
}
