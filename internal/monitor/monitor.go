// Package monitor writes _monitoring/run_date=D/dq_monitoring_report.json (SPEC §7): freshness
// of every layer and table, anomaly checks with a verdict each, and the plan's targets tracked
// over the recent run history.
//
// Its cost does not grow with the lake's age: partition row counts come from the catalog
// (one object per table), the user duplicate-rate history from the previous monitoring
// reports, and the run history is the last HistoryRuns run states.
package monitor

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"os"
	"sort"
	"time"

	"github.com/metalake/metalake/internal/catalog"
	"github.com/metalake/metalake/internal/deps"
	"github.com/metalake/metalake/internal/engine"
	"github.com/metalake/metalake/internal/lake"
	"github.com/metalake/metalake/internal/storage"
)

// Verdicts and severities.
const (
	VerdictOK           = "ok"
	VerdictAnomaly      = "anomaly"
	VerdictInsufficient = "insufficient_history"
	SeverityHigh        = "HIGH"
	SeverityMedium      = "MEDIUM"
)

// Rules of the anomaly checks (SPEC §7).
const (
	CountWindow     = 7   // previous run dates a table's row count is compared with
	DupWindow       = 6   // previous run dates the user duplicate rate is compared with
	MinHistory      = 3   // fewer previous dates: insufficient_history
	ZLimit          = 3.0 // |x − mean| / σ' above this: HIGH
	DupFactor       = 1.5 // duplicate rate above this × the mean …
	DupFloor        = 0.005
	HistoryRuns     = 30 // run states the targets are computed over
	TargetSuccess   = 0.95
	TargetFreshDays = 1
	TargetDurationS = 30 * 60
	TargetRejection = 0.10
)

// Report is the monitoring report of one run date.
type Report struct {
	RunDate        string                 `json:"run_date"`
	CheckTime      string                 `json:"check_time"`
	Freshness      map[string][]Freshness `json:"freshness"`
	AnomalyChecks  []Check                `json:"anomaly_checks"`
	Anomalies      []Anomaly              `json:"anomalies"`
	UserDupRate    *float64               `json:"user_duplicate_rate"`
	Targets        []Target               `json:"targets"`
	RejectionRates map[string]float64     `json:"rejection_rates"`
}

// Freshness of one table.
type Freshness struct {
	Table      string `json:"table"`
	LatestDate string `json:"latest_run_date"`
	Runs       int    `json:"runs"`
	DaysStale  int    `json:"days_stale"`
}

// Check is one anomaly check's verdict.
type Check struct {
	Check   string `json:"check"`
	Table   string `json:"table"`
	Verdict string `json:"verdict"`
}

// Anomaly is one check that found something.
type Anomaly struct {
	Check    string  `json:"check"`
	Table    string  `json:"table"`
	Severity string  `json:"severity"`
	Value    float64 `json:"value"`
	Expected float64 `json:"expected"`
	Score    float64 `json:"score"`
	Message  string  `json:"message"`
}

// Target is one of the plan's targets over the recent runs.
type Target struct {
	Name     string  `json:"name"`
	Value    float64 `json:"value"`
	Limit    float64 `json:"limit"`
	Breached bool    `json:"breached"`
}

// RunInfo is what the monitor needs of a past run (the pipeline's run state).
type RunInfo struct {
	RunDate   string
	Succeeded bool
	Duration  time.Duration
}

// Monitor builds reports. Lake and Engine are required; Runs returns the most recent runs
// (at most n, newest last).
type Monitor struct {
	Lake   *lake.Lake
	Engine engine.Engine
	Runs   func(ctx context.Context, n int) ([]RunInfo, error)
	Log    *slog.Logger
	Now    func() time.Time
}

// Key is where the report of d lives.
func Key(d lake.Date) string {
	return fmt.Sprintf("_monitoring/run_date=%s/dq_monitoring_report.json", d)
}

// Run writes the report of d and returns it. Anomalies are reported, never errors: a HIGH
// anomaly alerts but does not fail the run.
func (m *Monitor) Run(ctx context.Context, d lake.Date, tables map[string][]string) (*Report, error) {
	rep := &Report{RunDate: d.String(), CheckTime: m.now().Format(time.RFC3339), Freshness: map[string][]Freshness{},
		AnomalyChecks: []Check{}, Anomalies: []Anomaly{}, RejectionRates: map[string]float64{}}
	layers := make([]string, 0, len(tables))
	for l := range tables {
		layers = append(layers, l)
	}
	sort.Strings(layers)
	for _, layer := range layers {
		for _, t := range tables[layer] {
			var c catalog.Table
			err := m.Lake.GetJSON(ctx, catalog.Key(layer, t), &c)
			if err != nil && !storage.IsNotFound(err) {
				return nil, err
			}
			f := freshness(t, c, d)
			rep.Freshness[layer] = append(rep.Freshness[layer], f)
			if layer == lake.Bronze {
				m.countCheck(rep, t, c, d)
			}
		}
	}
	if err := m.dupCheck(ctx, rep, d); err != nil {
		return nil, err
	}
	if err := m.targets(ctx, rep, d); err != nil {
		return nil, err
	}
	for _, a := range rep.Anomalies {
		m.log().Warn("anomaly", "run_date", d.String(), "check", a.Check, "table", a.Table, "severity", a.Severity, "message", a.Message)
	}
	return rep, m.Lake.PutJSON(ctx, Key(d), rep)
}

func freshness(table string, c catalog.Table, d lake.Date) Freshness {
	f := Freshness{Table: table, DaysStale: -1}
	for date := range c.Partitions {
		pd, err := lake.ParseDate(date)
		if err != nil || pd.After(d) {
			continue
		}
		f.Runs++
		if f.LatestDate == "" || date > f.LatestDate {
			f.LatestDate = date
		}
	}
	if latest, err := lake.ParseDate(f.LatestDate); err == nil {
		f.DaysStale = int(d.Time().Sub(latest.Time()).Hours() / 24)
	}
	return f
}

// countCheck compares bronze(D)'s valid-row count with the previous CountWindow run dates.
func (m *Monitor) countCheck(rep *Report, table string, c catalog.Table, d lake.Date) {
	var dates []string
	for date := range c.Partitions {
		if date < d.String() {
			dates = append(dates, date)
		}
	}
	sort.Strings(dates)
	if len(dates) > CountWindow {
		dates = dates[len(dates)-CountWindow:]
	}
	cur, ok := c.Partitions[d.String()]
	check := Check{Check: "row_count", Table: table, Verdict: VerdictInsufficient}
	defer func() { rep.AnomalyChecks = append(rep.AnomalyChecks, check) }()
	if !ok || len(dates) < MinHistory {
		return
	}
	xs := make([]float64, len(dates))
	for i, date := range dates {
		xs[i] = float64(c.Partitions[date].Rows)
	}
	z, mean := zScore(float64(cur.Rows), xs)
	check.Verdict = VerdictOK
	if z > ZLimit {
		check.Verdict = VerdictAnomaly
		rep.Anomalies = append(rep.Anomalies, Anomaly{Check: "row_count", Table: table, Severity: SeverityHigh,
			Value: float64(cur.Rows), Expected: mean, Score: round(z),
			Message: fmt.Sprintf("bronze %s has %d rows on %s, %.0f expected from the previous %d dates (z = %.1f)", table, cur.Rows, d, mean, len(xs), z)})
	}
}

// zScore is |x − mean| / σ' with σ' = max(sample σ, 1 % of the mean, 1): a constant series
// does not alarm on a tiny change.
func zScore(x float64, xs []float64) (z, mean float64) {
	for _, v := range xs {
		mean += v
	}
	mean /= float64(len(xs))
	var ss float64
	for _, v := range xs {
		ss += (v - mean) * (v - mean)
	}
	sigma := 0.0
	if len(xs) > 1 {
		sigma = math.Sqrt(ss / float64(len(xs)-1))
	}
	sigma = math.Max(sigma, math.Max(0.01*math.Abs(mean), 1))
	return math.Abs(x-mean) / sigma, mean
}

// dupCheck computes bronze users(D)'s duplicate rate and compares it with the mean of the
// previous DupWindow monitoring reports.
func (m *Monitor) dupCheck(ctx context.Context, rep *Report, d lake.Date) error {
	check := Check{Check: "user_duplicate_rate", Table: "users", Verdict: VerdictInsufficient}
	defer func() { rep.AnomalyChecks = append(rep.AnomalyChecks, check) }()
	dir := lake.PartitionDir(lake.Bronze, "users", d)
	man, ok, err := m.Lake.ReadManifest(ctx, dir)
	if err != nil || !ok || len(man.Files) == 0 {
		return err
	}
	rate, err := m.dupRate(ctx, dir, man)
	if err != nil {
		return err
	}
	rep.UserDupRate = &rate
	var history []float64
	for back := 1; back <= 3*DupWindow && len(history) < DupWindow; back++ {
		var prev Report
		err := m.Lake.GetJSON(ctx, Key(d.AddDays(-back)), &prev)
		if storage.IsNotFound(err) {
			continue
		}
		if err != nil {
			return err
		}
		if prev.UserDupRate != nil {
			history = append(history, *prev.UserDupRate)
		}
	}
	if len(history) < MinHistory {
		return nil
	}
	var mean float64
	for _, h := range history {
		mean += h
	}
	mean /= float64(len(history))
	check.Verdict = VerdictOK
	if rate > DupFactor*mean && rate > DupFloor {
		check.Verdict = VerdictAnomaly
		rep.Anomalies = append(rep.Anomalies, Anomaly{Check: "user_duplicate_rate", Table: "users", Severity: SeverityMedium,
			Value: round(rate), Expected: round(mean), Score: round(rate / math.Max(mean, 1e-12)),
			Message: fmt.Sprintf("bronze users duplicate rate %.4f on %s, mean of the previous %d dates %.4f", rate, d, len(history), mean)})
	}
	return nil
}

func (m *Monitor) dupRate(ctx context.Context, dir string, man lake.Manifest) (float64, error) {
	tmp, err := m.Engine.TempDir("monitor")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(tmp)
	files, err := engine.Inputs(ctx, m.Engine, m.Lake.B, man.Keys(dir), tmp)
	if err != nil {
		return 0, err
	}
	s, err := m.Engine.Session(ctx)
	if err != nil {
		return 0, err
	}
	defer s.Close()
	var rate float64
	q := fmt.Sprintf("SELECT COALESCE(1 - %s / NULLIF(COUNT(*), 0), 0) FROM %s", m.Engine.Dialect().CountDistinctText("user_id"), engine.ReadParquet(files))
	err = s.QueryRow(ctx, q, &rate)
	return round(rate), err
}

// targets computes the plan's targets over the last HistoryRuns runs up to d.
func (m *Monitor) targets(ctx context.Context, rep *Report, d lake.Date) error {
	var rejection float64
	var bs struct {
		Tables map[string]struct {
			RejectionRate float64 `json:"rejection_rate"`
		} `json:"tables"`
	}
	if err := m.Lake.GetJSON(ctx, lake.ReportKey(lake.Bronze, d, "bronze_summary.json"), &bs); err == nil {
		for t, s := range bs.Tables {
			rep.RejectionRates[t] = s.RejectionRate
			rejection = math.Max(rejection, s.RejectionRate)
		}
	}
	maxStale := 0
	for _, fs := range rep.Freshness {
		for _, f := range fs {
			if f.DaysStale > maxStale {
				maxStale = f.DaysStale
			}
		}
	}
	rep.Targets = append(rep.Targets,
		Target{Name: "max_rejection_rate", Value: rejection, Limit: TargetRejection, Breached: rejection > TargetRejection},
		Target{Name: "freshness_days", Value: float64(maxStale), Limit: TargetFreshDays, Breached: maxStale >= TargetFreshDays})
	if m.Runs == nil {
		return nil
	}
	runs, err := m.Runs(ctx, HistoryRuns)
	if err != nil {
		return err
	}
	if len(runs) > 0 {
		ok, longest := 0, 0.0
		for _, r := range runs {
			if r.Succeeded {
				ok++
			}
			longest = math.Max(longest, r.Duration.Seconds())
		}
		rate := round(float64(ok) / float64(len(runs)))
		rep.Targets = append(rep.Targets,
			Target{Name: "success_rate", Value: rate, Limit: TargetSuccess, Breached: rate < TargetSuccess},
			Target{Name: "max_duration_s", Value: round(longest), Limit: TargetDurationS, Breached: longest > TargetDurationS})
	}
	return nil
}

func round(x float64) float64 { return math.Round(x*10000) / 10000 }

func (m *Monitor) now() time.Time { return deps.Now(m.Now).UTC() }

func (m *Monitor) log() *slog.Logger { return deps.Log(m.Log) }
