package serve

import (
	"context"
	"log/slog"
	"sort"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/metalake/metalake/internal/bronze"
	"github.com/metalake/metalake/internal/htmlreport"
	"github.com/metalake/metalake/internal/lake"
	"github.com/metalake/metalake/internal/lock"
	"github.com/metalake/metalake/internal/monitor"
	"github.com/metalake/metalake/internal/pipeline"
	"github.com/metalake/metalake/internal/silver"
	"github.com/metalake/metalake/internal/storage"
)

// MetricsDates is how many run dates, newest first, the per-date metrics cover: enough for a
// dashboard of the last quarter, bounded so a lake's age does not grow every scrape.
const MetricsDates = 90

// ScrapeTimeout bounds the lake reads of one scrape.
const ScrapeTimeout = 30 * time.Second

// lakeCollector reads the lake at every scrape (run states, the newest date's reports and
// monitoring report, the lock) and turns it into metrics. Nothing is cached: a scrape shows
// the lake as it is.
type lakeCollector struct {
	lk  *lake.Lake
	log *slog.Logger
}

func desc(name, help string, labels ...string) *prometheus.Desc {
	return prometheus.NewDesc("metalake_"+name, help, labels, nil)
}

var (
	mUp             = desc("lake_up", "1 when the last scrape read the lake, 0 when a read failed (see the server log).")
	mLocked         = desc("lake_locked", "1 while a live process holds the lake's run lock.")
	mLock           = desc("lake_lock_info", "The lake's run lock while it is held: the date running and the command.", "run_date", "command")
	mLatest         = desc("latest_run_date_timestamp_seconds", "The newest run date with a run state, as a Unix time (midnight UTC).")
	mRunStatus      = desc("run_status", "1 for the status of the run date's last run (success, failed, running, interrupted).", "run_date", "status")
	mRunSuccess     = desc("run_success", "1 when the run date's last run succeeded, else 0.", "run_date")
	mRunDuration    = desc("run_duration_seconds", "Wall-clock duration of the run date's last run.", "run_date")
	mRunStale       = desc("run_stale", "1 when a rerun of an earlier date changed this date's inputs after it ran.", "run_date")
	mStageStatus    = desc("stage_status", "1 for the status of a stage (bronze, silver, gold, monitor) of the run date's last run: its worst task.", "run_date", "stage", "status")
	mStageDuration  = desc("stage_duration_seconds", "Wall-clock duration of a stage of the run date's last run.", "run_date", "stage")
	mTaskDuration   = desc("task_duration_seconds", "Duration of each task of the newest run date (first attempt's start to last attempt's end).", "run_date", "task", "stage")
	mTaskAttempts   = desc("task_attempts", "Attempts of each task of the newest run date.", "run_date", "task", "stage")
	mRowsIn         = desc("rows_input", "Rows a table's layer read on the newest run date.", "run_date", "layer", "table")
	mRowsOut        = desc("rows_output", "Rows a table's layer published on the newest run date.", "run_date", "layer", "table")
	mRowsRejected   = desc("rows_rejected", "Rows bronze rejected on the newest run date.", "run_date", "table")
	mRowsDup        = desc("rows_duplicates_removed", "Duplicate rows a layer removed on the newest run date.", "run_date", "layer", "table")
	mRowsDropped    = desc("rows_dropped", "Rows silver dropped (cleaning strategies) on the newest run date.", "run_date", "table")
	mRejectionRate  = desc("rejection_rate", "Bronze rejection rate (fraction) of the newest run date.", "run_date", "table")
	mAnomalies      = desc("anomalies", "Anomalies the monitor found on the newest run date, by severity.", "run_date", "severity")
	mAnomaly        = desc("anomaly", "1 for each anomaly of the newest run date.", "run_date", "check", "table", "severity")
	mFreshness      = desc("freshness_days", "Days between the newest run date and a table's latest partition (monitoring report).", "run_date", "layer", "table")
	mTargetBreached = desc("target_breached", "1 when one of the plan's targets is breached (monitoring report of the newest run date).", "run_date", "target")
	mTargetValue    = desc("target_value", "The value measured for one of the plan's targets.", "run_date", "target")
)

func (c *lakeCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{mUp, mLocked, mLock, mLatest, mRunStatus, mRunSuccess, mRunDuration, mRunStale,
		mStageStatus, mStageDuration, mTaskDuration, mTaskAttempts, mRowsIn, mRowsOut, mRowsRejected, mRowsDup,
		mRowsDropped, mRejectionRate, mAnomalies, mAnomaly, mFreshness, mTargetBreached, mTargetValue} {
		ch <- d
	}
}

func (c *lakeCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), ScrapeTimeout)
	defer cancel()
	up := 1.0
	if err := c.collect(ctx, ch); err != nil {
		c.log.Error("metrics: read the lake", "lake", c.lk.B.Name(), "err", err)
		up = 0
	}
	ch <- prometheus.MustNewConstMetric(mUp, prometheus.GaugeValue, up)
}

func gauge(ch chan<- prometheus.Metric, d *prometheus.Desc, v float64, labels ...string) {
	ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
}

func boolValue(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

func (c *lakeCollector) collect(ctx context.Context, ch chan<- prometheus.Metric) error {
	info, live, err := lock.Active(ctx, c.lk.B, lock.Key, lock.Options{})
	if err != nil {
		return err
	}
	gauge(ch, mLocked, boolValue(live))
	if live {
		gauge(ch, mLock, 1, info.RunDate, orRun(info.Command))
	}
	states, err := pipeline.RecentStates(ctx, c.lk, lastDate, MetricsDates)
	if err != nil || len(states) == 0 {
		return err
	}
	if !live {
		pipeline.MarkInterrupted(states)
	}
	for _, st := range states {
		d := st.RunDate
		gauge(ch, mRunStatus, 1, d, st.Status)
		gauge(ch, mRunSuccess, boolValue(st.Status == pipeline.StatusSuccess), d)
		gauge(ch, mRunDuration, htmlreport.RunDuration(st), d)
		gauge(ch, mRunStale, boolValue(st.Stale), d)
		for _, s := range htmlreport.StageRuns(st) {
			gauge(ch, mStageStatus, 1, d, s.Stage, s.Status)
			gauge(ch, mStageDuration, s.DurationS, d, s.Stage)
		}
	}
	newest := states[len(states)-1]
	date, err := lake.ParseDate(newest.RunDate)
	if err != nil {
		return err
	}
	gauge(ch, mLatest, float64(date.Time().Unix()))
	for _, t := range newest.Tasks {
		gauge(ch, mTaskDuration, t.DurationS, newest.RunDate, t.Task, htmlreport.StageOf(t.Task))
		gauge(ch, mTaskAttempts, float64(t.Attempts), newest.RunDate, t.Task, htmlreport.StageOf(t.Task))
	}
	if err := c.collectRows(ctx, ch, date); err != nil {
		return err
	}
	return c.collectMonitor(ctx, ch, date)
}

// lastDate bounds RecentStates from above: every run date.
var lastDate, _ = lake.ParseDate("9999-12-31")

// collectRows reports the rows of every table's bronze and silver run of d.
func (c *lakeCollector) collectRows(ctx context.Context, ch chan<- prometheus.Metric, d lake.Date) error {
	bs, err := reportsOf[bronze.Report](ctx, c.lk, lake.Bronze, d, "bronze_summary.json")
	if err != nil {
		return err
	}
	for _, r := range bs {
		gauge(ch, mRowsIn, float64(r.InputCount), d.String(), lake.Bronze, r.Table)
		gauge(ch, mRowsOut, float64(r.OutputCount), d.String(), lake.Bronze, r.Table)
		gauge(ch, mRowsRejected, float64(r.RejectCount), d.String(), r.Table)
		gauge(ch, mRowsDup, float64(r.DuplicatesRemoved), d.String(), lake.Bronze, r.Table)
		gauge(ch, mRejectionRate, r.RejectionRate, d.String(), r.Table)
	}
	ss, err := reportsOf[silver.Report](ctx, c.lk, lake.Silver, d, "silver_dq_report.json")
	if err != nil {
		return err
	}
	for _, r := range ss {
		gauge(ch, mRowsIn, float64(r.InputCount), d.String(), lake.Silver, r.Table)
		gauge(ch, mRowsOut, float64(r.OutputCount), d.String(), lake.Silver, r.Table)
		gauge(ch, mRowsDup, float64(r.DuplicatesRemoved), d.String(), lake.Silver, r.Table)
		gauge(ch, mRowsDropped, float64(r.DroppedCount), d.String(), r.Table)
	}
	return nil
}

// reportsOf reads every {table}_report.json of a layer's report folder of d (skipping the
// layer's summary file), keyed by table.
func reportsOf[R any](ctx context.Context, lk *lake.Lake, layer string, d lake.Date, summary string) (map[string]R, error) {
	dir := lake.ReportKey(layer, d, "")
	var keys []string
	err := lk.B.Iter(ctx, dir, func(key string) error {
		if len(key) > len("_report.json") && key[len(key)-len("_report.json"):] == "_report.json" && key != dir+summary {
			keys = append(keys, key)
		}
		return nil
	})
	if err != nil && !storage.IsNotFound(err) {
		return nil, err
	}
	sort.Strings(keys)
	out := map[string]R{}
	for _, k := range keys {
		var r R
		if err := lk.GetJSON(ctx, k, &r); err != nil {
			return nil, err
		}
		out[k[len(dir):len(k)-len("_report.json")]] = r
	}
	return out, nil
}

// collectMonitor reports the anomalies, freshness and targets of d's monitoring report.
func (c *lakeCollector) collectMonitor(ctx context.Context, ch chan<- prometheus.Metric, d lake.Date) error {
	var m monitor.Report
	if err := c.lk.GetJSON(ctx, monitor.Key(d), &m); err != nil {
		if storage.IsNotFound(err) {
			return nil
		}
		return err
	}
	counts := map[string]int{monitor.SeverityHigh: 0, monitor.SeverityMedium: 0}
	seen := map[[3]string]bool{}
	for _, a := range m.Anomalies {
		counts[a.Severity]++
		if key := [3]string{a.Check, a.Table, a.Severity}; !seen[key] { // one series each
			seen[key] = true
			gauge(ch, mAnomaly, 1, d.String(), a.Check, a.Table, a.Severity)
		}
	}
	for sev, n := range counts {
		gauge(ch, mAnomalies, float64(n), d.String(), sev)
	}
	for layer, fs := range m.Freshness {
		for _, f := range fs {
			gauge(ch, mFreshness, float64(f.DaysStale), d.String(), layer, f.Table)
		}
	}
	for _, t := range m.Targets {
		gauge(ch, mTargetBreached, boolValue(t.Breached), d.String(), t.Name)
		gauge(ch, mTargetValue, t.Value, d.String(), t.Name)
	}
	return nil
}
