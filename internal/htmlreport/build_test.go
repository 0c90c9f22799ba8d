package htmlreport_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"html"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/metalake/metalake/internal/bronze"
	"github.com/metalake/metalake/internal/htmlreport"
	"github.com/metalake/metalake/internal/lake"
	"github.com/metalake/metalake/internal/pipeline"
	"github.com/metalake/metalake/internal/silver"
)

// TestBuildFromLake: the report of the last date shows what the lake's reports say, every
// layer reconciles, and the history covers every run date.
func TestBuildFromLake(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := date(days - 1)
	rep := build(t, shared, d, htmlreport.Options{Engine: eng})
	if rep.Status != pipeline.StatusSuccess || rep.Run == nil || rep.Summary == nil || rep.Summary.OverallStatus != "SUCCESS" {
		t.Fatalf("status %q, summary %+v: want a successful run", rep.Status, rep.Summary)
	}
	st, _, err := pipeline.LoadState(ctx, shared, d)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Run.Tasks) != len(st.Tasks) {
		t.Errorf("timeline has %d tasks, the run state %d", len(rep.Run.Tasks), len(st.Tasks))
	}
	var stages []string
	for _, s := range rep.Run.Stages {
		stages = append(stages, s.Stage)
		if s.Status != "success" || s.DurationS <= 0 {
			t.Errorf("stage %+v: want success with a duration", s)
		}
	}
	if !slices.Equal(stages, htmlreport.Stages()) {
		t.Errorf("stages %v, want %v", stages, htmlreport.Stages())
	}
	if len(rep.Missing) != 0 {
		t.Errorf("missing reports %v", rep.Missing)
	}

	want := []string{"competitions", "datasets", "kernels", "tags", "users"}
	var tables []string
	for _, f := range rep.Flow {
		tables = append(tables, f.Table)
		var br bronze.Report
		if err := shared.GetJSON(ctx, lake.ReportKey(lake.Bronze, d, f.Table+"_report.json"), &br); err != nil {
			t.Fatal(err)
		}
		b := f.Bronze
		if b == nil || b.Input != br.InputCount || b.Output != br.OutputCount || b.Rejects != br.RejectCount || !b.Reconciled {
			t.Errorf("%s bronze flow %+v, report in=%d out=%d rej=%d", f.Table, b, br.InputCount, br.OutputCount, br.RejectCount)
		}
		var sr silver.Report
		if err := shared.GetJSON(ctx, silver.ReportKey(f.Table, d), &sr); err != nil {
			t.Fatal(err)
		}
		s := f.Silver
		if s == nil || s.Input != sr.InputCount || s.Output != sr.OutputCount || !s.Reconciled || !s.FromBronze || len(s.Strategies) == 0 {
			t.Errorf("%s silver flow %+v, report in=%d out=%d", f.Table, s, sr.InputCount, sr.OutputCount)
		}
	}
	if !slices.Equal(tables, want) {
		t.Errorf("row flow tables %v, want %v", tables, want)
	}
	var rejected int64
	for _, r := range rep.Rejects {
		rejected += r.Rejects
		if r.Threshold != 0.10 || r.Breached {
			t.Errorf("%s rejects %+v: want the 10 %% breaker, not breached", r.Table, r)
		}
	}
	if rejected == 0 {
		t.Error("no rejects on a lake generated with defects")
	}
	if rep.SilverDQ == nil || len(rep.GoldFacts) != 4 || rep.Validation == nil || rep.Monitor == nil {
		t.Errorf("silver DQ %v, %d gold facts, validation %v, monitor %v: want all", rep.SilverDQ != nil, len(rep.GoldFacts), rep.Validation != nil, rep.Monitor != nil)
	}
	if len(rep.History.Dates) != days || rep.History.Dates[days-1] != d.String() || rep.History.Truncated {
		t.Errorf("history dates %v, want the %d run dates up to %s", rep.History.Dates, days, d)
	}
	for _, tbl := range want {
		if rows := rep.History.BronzeRows[tbl]; len(rows) != days || rows[days-1] == nil || *rows[days-1] != rep.Flow[slices.Index(want, tbl)].Bronze.Output {
			t.Errorf("history bronze rows of %s: %v", tbl, rows)
		}
	}
}

// TestDataChartsAgreeWithTheLake: each chart's numbers equal an independent query or report.
func TestDataChartsAgreeWithTheLake(t *testing.T) {
	t.Parallel()
	d := date(days - 1)
	rep := build(t, shared, d, htmlreport.Options{Engine: eng})
	dc := rep.Data
	if dc == nil || len(dc.Errors) != 0 {
		t.Fatalf("data charts %+v", dc)
	}
	// Users by country: the top 15 + the rest + no country = every user of silver users(D).
	var users int64 = dc.CountryUnknown + dc.CountryOther
	for i, c := range dc.Countries {
		users += c.Count
		if c.Name == "XX" || len(c.Name) != 2 || c.Label == "" || (i > 0 && c.Count > dc.Countries[i-1].Count) {
			t.Errorf("country %d %+v: want a named ISO code, by users descending", i, c)
		}
	}
	var su silver.Report
	if err := shared.GetJSON(context.Background(), silver.ReportKey("users", d), &su); err != nil {
		t.Fatal(err)
	}
	if len(dc.Countries) == 0 || len(dc.Countries) > htmlreport.TopCountries || users != su.OutputCount {
		t.Errorf("%d countries hold %d users, silver users(%s) has %d", len(dc.Countries), users, d, su.OutputCount)
	}
	// Top tags: the top of silver tags(D) counted directly.
	rows := sqlRows(t, shared, fmt.Sprintf(`SELECT tag, COUNT(DISTINCT dataset_id) AS n FROM silver.tags WHERE run_date = DATE '%s' GROUP BY tag ORDER BY n DESC, tag LIMIT 20`, d))
	if len(dc.TopTags) != len(rows) || len(rows) == 0 {
		t.Fatalf("%d top tags, silver has %d", len(dc.TopTags), len(rows))
	}
	for i, r := range rows {
		if dc.TopTags[i].Name != r["tag"] || dc.TopTags[i].Count != jsonInt(t, r["n"]) {
			t.Errorf("tag %d: chart %+v, silver %v", i, dc.TopTags[i], r)
		}
	}
	// Competitions: the years' totals add up to silver competitions with a start date.
	var comps int64
	for _, y := range dc.Competitions {
		comps += y.Featured + y.Research + y.GettingStarted + y.Playground + y.Other
	}
	rows = sqlRows(t, shared, fmt.Sprintf(`SELECT SUM(total_competitions) AS n FROM gold.fact_competitions_yearly WHERE run_date = DATE '%s'`, d))
	if len(dc.Competitions) == 0 || comps != jsonInt(t, rows[0]["n"]) {
		t.Errorf("competition chart totals %d over %d years, fact says %v", comps, len(dc.Competitions), rows[0]["n"])
	}
	// Owners: the buckets hold every owner of the fact (the unknown owner aside).
	rows = sqlRows(t, shared, fmt.Sprintf(`SELECT COUNT(*) AS n, SUM(datasets_count) AS ds FROM gold.fact_dataset_owner_daily WHERE run_date = DATE '%s' AND user_sk <> 0`, d))
	var owners, datasets int64
	for _, b := range dc.OwnerBuckets {
		owners += b.Owners
		datasets += b.Datasets
	}
	if owners == 0 || owners != dc.Owners || owners != jsonInt(t, rows[0]["n"]) || datasets != jsonInt(t, rows[0]["ds"]) {
		t.Errorf("owner buckets: %d owners / %d datasets, fact %v", owners, datasets, rows[0])
	}
	// New users: 90 days ending on D.
	if n := len(dc.NewUsers); n != htmlreport.NewUsersDays || dc.NewUsers[n-1].Day != d.String() {
		t.Errorf("new users: %d days ending %v", n, dc.NewUsers)
	}
	// Reject samples: a file and line of the date's raw data, a reason the report counts.
	if len(dc.Rejects) == 0 {
		t.Fatal("no reject samples")
	}
	for _, s := range dc.Rejects {
		if len(s.Rows) == 0 || len(s.Rows) > htmlreport.RejectSampleRows || int64(len(s.Rows)) > s.Total {
			t.Errorf("rejects.%s: %d sample rows of %d", s.Table, len(s.Rows), s.Total)
		}
		for _, r := range s.Rows {
			if !strings.HasPrefix(r.File, "raw/") || !strings.Contains(r.File, "ingestion_date="+d.String()) || r.Line <= 1 || r.Reason == "" || r.Raw == "" {
				t.Errorf("rejects.%s sample %+v: want the raw file of %s, a data line, a reason and the raw text", s.Table, r, d)
			}
		}
	}
}

// TestRenderIsSelfContained: one HTML document with every section, the chart library and
// the data inline, and nothing that would make the browser fetch anything.
func TestRenderIsSelfContained(t *testing.T) {
	t.Parallel()
	page := string(render(t, build(t, shared, date(days-1), htmlreport.Options{Engine: eng})))
	if !strings.Contains(page, htmlreport.ChartLibrary()) {
		t.Fatal("the chart library is not inlined")
	}
	// The rest of the page (the library's own code aside, whose strings build an export window
	// this page never opens): markup, styles, data and the report's script.
	html := html.UnescapeString(strings.Replace(page, htmlreport.ChartLibrary(), "", 1))
	for _, id := range sections {
		if !strings.Contains(html, `<section id="`+id+`">`) {
			t.Errorf("section %q missing", id)
		}
	}
	for _, want := range []string{`http-equiv="Content-Security-Policy" content="default-src 'none';`, `id="report-data"`, "Apache ECharts " + htmlreport.EChartsVersion} {
		if !strings.Contains(html, want) {
			t.Errorf("report does not contain %q", want)
		}
	}
	external := regexp.MustCompile(`(?i)<(script|img|link|iframe|object|embed|source|video|audio)\b[^>]*\b(src|href|data)\s*=|@import|url\(\s*['"]?(https?:)?//`)
	if m := external.FindString(html); m != "" {
		t.Errorf("report references something external: %q", m)
	}
	if n := strings.Count(html, "<script"); n != 3 {
		t.Errorf("%d script elements, want 3 (data, library, report)", n)
	}
}

// sections are the ids of the report's sections.
var sections = []string{"run", "flow", "rejects", "quality", "monitoring", "history", "data"}

func TestEmbeddedChartLibraryIsThePinnedOne(t *testing.T) {
	t.Parallel()
	sum := sha256.Sum256([]byte(htmlreport.ChartLibrary()))
	if got := hex.EncodeToString(sum[:]); got != htmlreport.EChartsSHA256 {
		t.Errorf("embedded ECharts sha256 %s, pinned %s: run make echarts", got, htmlreport.EChartsSHA256)
	}
	if strings.Contains(strings.ToLower(htmlreport.ChartLibrary()), "</script") {
		t.Error("the chart library contains </script, which would end its inline script element")
	}
}

// TestBreakerTripped: a run stopped by the circuit breaker gets a report: the table over the
// limit, its rejects, the run failed, the missing later reports listed.
func TestBreakerTripped(t *testing.T) {
	t.Parallel()
	lk := runLake(t, 1, 300, 0.3)
	rep := build(t, lk, date(0), htmlreport.Options{Engine: eng})
	if rep.Status != pipeline.StatusFailed {
		t.Errorf("status %s, want failed", rep.Status)
	}
	breached := 0
	for _, r := range rep.Rejects {
		if r.Breached {
			breached++
			if r.Rate <= r.Threshold || r.Status != "FAILED" {
				t.Errorf("%+v: breached but not over the limit or not FAILED", r)
			}
		}
	}
	if breached == 0 {
		t.Errorf("rejects %+v: want a table over the breaker", rep.Rejects)
	}
	if rep.Data == nil || len(rep.Data.Rejects) == 0 || rep.Data.Errors["top_tags"] == "" {
		t.Errorf("data %+v: want reject samples and explained empty gold charts", rep.Data)
	}
	if !slices.Contains(rep.Missing, lake.ReportKey(lake.Silver, date(0), "")) {
		t.Errorf("missing %v: want silver's reports listed", rep.Missing)
	}
}

func TestBuildUnknownDate(t *testing.T) {
	t.Parallel()
	_, err := htmlreport.Build(context.Background(), shared, date(days+3), htmlreport.Options{})
	if !errors.Is(err, htmlreport.ErrNoRun) {
		t.Errorf("Build of a date that never ran: %v, want ErrNoRun", err)
	}
}

// TestFailedRunWithRetries: a fabricated run whose silver task needed three attempts and whose
// bronze table tripped the breaker shows both; a running state without a live lock is
// interrupted, as status shows it.
func TestFailedRunWithRetries(t *testing.T) {
	t.Parallel()
	lk := newLake(t)
	d := date(0)
	putJSON(t, lk, lake.StateKey(d), failedState(d))
	putJSON(t, lk, lake.ReportKey(lake.Bronze, d, "users_report.json"), map[string]any{
		"table": "users", "run_date": d.String(), "input_count": 100, "output_count": 80, "reject_count": 20,
		"duplicates_removed": 0, "rejection_rate": 0.2, "reject_threshold": 0.1, "status": "FAILED",
		"top_reject_reasons": []map[string]any{{"reason": "user_id is null", "count": 20}}})
	rep := build(t, lk, d, htmlreport.Options{})
	if rep.Status != pipeline.StatusFailed || rep.Run.Retried != 1 || rep.Run.Counts["upstream_failed"] != 1 {
		t.Errorf("status %s, retried %d, counts %v", rep.Status, rep.Run.Retried, rep.Run.Counts)
	}
	if len(rep.Rejects) != 1 || !rep.Rejects[0].Breached {
		t.Errorf("rejects %+v: want users breaching the breaker", rep.Rejects)
	}
	if !slices.Contains(rep.Missing, lake.ReportKey("", d, "pipeline_summary.json")) {
		t.Errorf("missing %v: want the pipeline summary listed", rep.Missing)
	}
	html := string(render(t, rep))
	for _, want := range []string{"silver_users", "attempt 3 failed: engine out of memory", `<span class="badge fail">failed</span>`} {
		if !strings.Contains(html, want) {
			t.Errorf("report does not contain %q", want)
		}
	}

	// With the engine, the data charts of a lake without gold say why they are empty; the
	// report is still built.
	rep = build(t, lk, d, htmlreport.Options{Engine: eng})
	if rep.Data == nil || len(rep.Data.Errors) != 5 || len(rep.Data.TopTags) != 0 {
		t.Errorf("data charts of a lake without gold: %+v, want 5 explained empty charts", rep.Data)
	}

	running := failedState(d)
	running.Status, running.FinishedAt = pipeline.StatusRunning, nil
	running.Tasks[2].Status = pipeline.StatusRunning
	putJSON(t, lk, lake.StateKey(d), running)
	if rep := build(t, lk, d, htmlreport.Options{}); rep.Status != pipeline.StatusInterrupted {
		t.Errorf("a running state without a live lock shows as %s, want interrupted", rep.Status)
	}
}

func failedState(d lake.Date) pipeline.RunState {
	t0 := d.Time().Add(2 * time.Hour)
	at := func(s float64) *time.Time { t := t0.Add(time.Duration(s * float64(time.Second))); return &t }
	end := at(9)
	return pipeline.RunState{RunDate: d.String(), Status: pipeline.StatusFailed, StartedAt: t0, FinishedAt: end,
		Tasks: []pipeline.TaskState{
			{Task: "check_raw_files", Status: "success", Attempts: 1, StartedAt: at(0), EndedAt: at(0.1), DurationS: 0.1},
			{Task: "bronze_users", Status: "success", Attempts: 1, StartedAt: at(0.1), EndedAt: at(1.5), DurationS: 1.4},
			{Task: "silver_users", Status: "failed", Attempts: 3, StartedAt: at(1.6), EndedAt: at(8), DurationS: 6.4,
				Error: "silver users: attempt 3 failed: engine out of memory"},
			{Task: "gold_dim_user", Status: "upstream_failed", Attempts: 0, Error: "upstream task silver_users did not succeed"},
			{Task: "pipeline_summary", Status: "success", Attempts: 1, StartedAt: at(8.5), EndedAt: at(9), DurationS: 0.5},
		}}
}

// TestHistoryOfManyDates: 300 run dates fit (and read through the bounded parallel reads);
// HistoryDates keeps the newest and says older ones were left out.
func TestHistoryOfManyDates(t *testing.T) {
	t.Parallel()
	lk := manyDates(t, 300)
	last := date(299)
	rep := build(t, lk, last, htmlreport.Options{})
	h := rep.History
	if len(h.Dates) != 300 || h.Truncated || h.Dates[0] != date(0).String() || h.Dates[299] != last.String() {
		t.Fatalf("history of %d dates (%s…), truncated %v", len(h.Dates), h.Dates[0], h.Truncated)
	}
	for i, v := range h.RejectRate["users"] {
		if v == nil || *v != rate(i) {
			t.Fatalf("users rejection rate of date %d: %v, want %v", i, v, rate(i))
		}
	}
	if v := h.DurationS[htmlreport.StageBronze][299]; v == nil || *v != 2 {
		t.Errorf("bronze duration of the last date %v, want 2 s", v)
	}
	rep = build(t, lk, last, htmlreport.Options{HistoryDates: 100})
	if len(rep.History.Dates) != 100 || !rep.History.Truncated || rep.History.Dates[0] != date(200).String() {
		t.Errorf("history bounded to 100: %d dates from %s, truncated %v", len(rep.History.Dates), rep.History.Dates[0], rep.History.Truncated)
	}
	// The report of an earlier date shows the history up to it only.
	if rep := build(t, lk, date(9), htmlreport.Options{}); len(rep.History.Dates) != 10 {
		t.Errorf("history of date 9 has %d dates, want 10", len(rep.History.Dates))
	}
}

func rate(i int) float64 { return float64(i%7) / 100 }

// manyDates fabricates n successful run dates with their bronze summaries.
func manyDates(t *testing.T, n int) *lake.Lake {
	t.Helper()
	lk := newLake(t)
	for i := range n {
		d := date(i)
		t0 := d.Time().Add(2 * time.Hour)
		end := t0.Add(5 * time.Second)
		at := func(s int) *time.Time { x := t0.Add(time.Duration(s) * time.Second); return &x }
		putJSON(t, lk, lake.StateKey(d), pipeline.RunState{RunDate: d.String(), Status: pipeline.StatusSuccess, StartedAt: t0, FinishedAt: &end,
			Tasks: []pipeline.TaskState{
				{Task: "bronze_users", Status: "success", Attempts: 1, StartedAt: at(0), EndedAt: at(2), DurationS: 2},
				{Task: "silver_users", Status: "success", Attempts: 1, StartedAt: at(2), EndedAt: at(4), DurationS: 2},
				{Task: "gold_dim_user", Status: "success", Attempts: 1, StartedAt: at(4), EndedAt: at(5), DurationS: 1},
			}})
		putJSON(t, lk, lake.ReportKey(lake.Bronze, d, "bronze_summary.json"), pipeline.BronzeSummary{RunDate: d.String(),
			Tables: map[string]pipeline.TableSummary{"users": {Status: "SUCCESS", InputCount: 100, OutputCount: 100 - int64(i%7), RejectCount: int64(i % 7), RejectionRate: rate(i)}}})
	}
	return lk
}
