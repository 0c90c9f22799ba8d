package htmlreport_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/metalake/metalake/internal/browsertest"
	"github.com/metalake/metalake/internal/htmlreport"
	"github.com/metalake/metalake/internal/lake"
)

// ChartReady is the expression a report page makes true once every chart has rendered.
const chartsReady = `document.documentElement.getAttribute('data-charts') === 'ready'`

// chartState is what the page says of one chart: drawn, how many pixels its canvas painted,
// and how many data points its series hold.
type chartState struct {
	Name   string `json:"name"`
	Drawn  bool   `json:"drawn"`
	Pixels int    `json:"px"`
	Points int    `json:"points"`
}

const chartStates = `Array.from(document.querySelectorAll('[data-chart]')).map(function (el) {
  var c = el.querySelector('canvas'), px = 0, points = 0, inst = echarts.getInstanceByDom(el);
  if (c) {
    var d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    for (var i = 3; i < d.length; i += 4) if (d[i] > 0) px++;
  }
  var o = inst && inst.getOption();
  (o && o.series || []).forEach(function (s) {
    (s.data || []).forEach(function (v) { if (v != null && (typeof v !== 'object' || v.value != null)) points++; });
  });
  return { name: el.getAttribute('data-chart'), drawn: el.getAttribute('data-drawn') === '1', px: px, points: points };
})`

// TestReportInBrowser opens report files in headless Chromium with the network cut off: no
// console error, no request but the file itself, every section there, every chart drawn.
func TestReportInBrowser(t *testing.T) {
	b := browsertest.New(t)
	failed := newLake(t)
	putJSON(t, failed, lake.StateKey(date(0)), failedState(date(0)))
	many := manyDates(t, 300)
	tripped := runLake(t, 1, 300, 0.3)
	tests := []struct {
		name        string
		lk          *lake.Lake
		d           lake.Date
		o           htmlreport.Options
		charts      int  // chart containers expected
		data        bool // every chart holds data
		screenshots map[string]string
	}{
		{name: "pipeline lake", lk: shared, d: date(days - 1), o: htmlreport.Options{Engine: eng}, charts: 12, data: true,
			screenshots: map[string]string{"": "report-top.png", "#run": "report-run.png", "#data": "report-data.png", "#flow": "report-flow.png", "#rejects": "report-rejects.png"}},
		{name: "first date", lk: shared, d: date(0), o: htmlreport.Options{Engine: eng}, charts: 12},
		{name: "300 dates", lk: many, d: date(299), charts: 7, screenshots: map[string]string{"#history": "report-history-300.png"}},
		{name: "failed run with retries", lk: failed, d: date(0), charts: 7, screenshots: map[string]string{"#run": "report-failed-run.png"}},
		{name: "circuit breaker tripped", lk: tripped, d: date(0), o: htmlreport.Options{Engine: eng}, charts: 12,
			screenshots: map[string]string{"#rejects": "report-breaker.png"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			html := render(t, build(t, tt.lk, tt.d, tt.o))
			path := filepath.Join(t.TempDir(), "report.html")
			if err := os.WriteFile(path, html, 0o644); err != nil {
				t.Fatal(err)
			}
			url := "file://" + path
			p := b.Open(t, url, nil, chartsReady)
			p.CheckClean(t)
			for _, u := range p.Requests() {
				if u != url && !strings.HasPrefix(u, "data:") {
					t.Errorf("the report requested %s", u)
				}
			}
			ids := browsertest.Eval[[]string](t, p, `Array.from(document.querySelectorAll('section')).map(function (s) { return s.id; })`)
			if !slices.Equal(ids, sections) {
				t.Errorf("sections %v, want %v", ids, sections)
			}
			states := browsertest.Eval[[]chartState](t, p, chartStates)
			if len(states) != tt.charts {
				t.Errorf("%d charts, want %d: %+v", len(states), tt.charts, states)
			}
			for _, s := range states {
				if !s.Drawn || s.Pixels < 100 || (tt.data && s.Points == 0) {
					t.Errorf("chart %s: drawn %v, %d pixels painted, %d data points", s.Name, s.Drawn, s.Pixels, s.Points)
				}
			}
			ms := browsertest.Eval[float64](t, p, `window.metalakeReport.renderMs`)
			t.Logf("%s: %d KB, %d charts drawn %.0f ms after navigation", tt.name, len(html)/1024, len(states), ms)
			for sel, name := range tt.screenshots {
				p.SaveScreenshot(t, sel, name)
			}
		})
	}
}
