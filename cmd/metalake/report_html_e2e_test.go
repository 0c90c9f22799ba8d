package main_test

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/metalake/metalake/internal/browsertest"
)

// reportReady is true once every chart of a report page has rendered.
const reportReady = `document.documentElement.getAttribute('data-charts') === 'ready'`

// chartsDrawn counts the report's charts and those that rendered something (a canvas with
// painted pixels).
const chartsDrawn = `(function () {
  var all = document.querySelectorAll('[data-chart]'), drawn = 0;
  all.forEach(function (el) {
    var c = el.querySelector('canvas');
    if (!c || el.getAttribute('data-drawn') !== '1') return;
    var d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data, px = 0;
    for (var i = 3; i < d.length; i += 4) if (d[i] > 0) px++;
    if (px > 100) drawn++;
  });
  return [all.length, drawn];
})()`

// TestReportHTMLOneAndSixtyDates: `report --out` of a 1-date lake and of a 60-date lake
// writes one self-contained file that opens offline in Chromium with every section and chart;
// the command writes nothing into the lake. The sizes and render times go to the log
// (docs/REPORTS.md records them).
func TestReportHTMLOneAndSixtyDates(t *testing.T) {
	t.Parallel()
	b := browsertest.New(t)
	for _, tc := range []struct {
		name       string
		days       int
		users      string
		screenshot string
	}{
		{"1 date", 1, "300", ""},
		{"60 dates", 60, "60", "report-60-dates-history.png"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			lake := filepath.Join(dir, "lake")
			last := time.Date(2025, 5, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, tc.days-1).Format("2006-01-02")
			must(t, metalake(t, dir, "generate", "--lake", lake, "--date", "2025-05-01", "--days", strconv.Itoa(tc.days), "--users", tc.users), 0)
			must(t, metalake(t, dir, "run", "--lake", lake, "--date", "2025-05-01", "--to", last, "--quiet"), 0)
			before := lakeTree(t, lake)
			out := filepath.Join(dir, "report.html")
			r := must(t, metalake(t, dir, "report", "--lake", lake, "--date", last, "--out", out), 0)
			if !strings.Contains(r.stdout, "wrote "+out) {
				t.Errorf("stdout %q does not name the file", r.stdout)
			}
			if after := lakeTree(t, lake); after != before {
				t.Errorf("report --out changed the lake")
			}
			info, err := os.Stat(out)
			if err != nil {
				t.Fatal(err)
			}
			url := "file://" + out
			p := b.Open(t, url, nil, reportReady)
			p.CheckClean(t)
			for _, u := range p.Requests() {
				if u != url && !strings.HasPrefix(u, "data:") {
					t.Errorf("the report requested %s", u)
				}
			}
			dates := browsertest.Eval[int](t, p, `document.querySelectorAll('.strip .sq').length`)
			if dates != tc.days {
				t.Errorf("history shows %d run dates, want %d", dates, tc.days)
			}
			counts := browsertest.Eval[[]int](t, p, chartsDrawn)
			if counts[0] != 12 || counts[1] != counts[0] {
				t.Errorf("%d of %d charts drew something, want all 12", counts[1], counts[0])
			}
			ms := browsertest.Eval[float64](t, p, `window.metalakeReport.renderMs`)
			t.Logf("%s: report of %s is %d KB; its %d charts were drawn %.0f ms after navigation", tc.name, last, info.Size()/1024, counts[1], ms)
			if tc.screenshot != "" {
				p.SaveScreenshot(t, "#history", tc.screenshot)
			}
		})
	}
}

// TestReportHTMLUsage: --out with a report name is a usage error, an unknown date a failure
// naming it, and "-" writes the page to stdout.
func TestReportHTMLUsage(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	lake := filepath.Join(dir, "lake")
	must(t, metalake(t, dir, "generate", "--lake", lake, "--date", "2025-07-01", "--users", "200"), 0)
	must(t, metalake(t, dir, "run", "--lake", lake, "--date", "2025-07-01", "--quiet"), 0)
	r := must(t, metalake(t, dir, "report", "--lake", lake, "--date", "2025-07-01", "bronze/users_report", "--out", "x.html"), 2)
	oneLine(t, r, "--out")
	r = must(t, metalake(t, dir, "report", "--lake", lake, "--date", "2025-07-09", "--out", filepath.Join(dir, "x.html")), 1)
	oneLine(t, r, "2025-07-09", "never run")
	if _, err := os.Stat(filepath.Join(dir, "x.html")); !os.IsNotExist(err) {
		t.Errorf("a failed report left a file: %v", err)
	}
	r = must(t, metalake(t, dir, "report", "--lake", lake, "--date", "2025-07-01", "--out", "-"), 0)
	if !strings.HasPrefix(r.stdout, "<!DOCTYPE html>") || !strings.Contains(r.stdout, `<section id="data">`) {
		t.Errorf("--out - wrote %.200q", r.stdout)
	}
}

// lakeTree lists every file of a local lake with its size and modification time.
func lakeTree(t *testing.T, dir string) string {
	t.Helper()
	var b strings.Builder
	err := filepath.Walk(dir, func(path string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		b.WriteString(rel + " " + info.ModTime().UTC().Format(time.RFC3339Nano) + " " + strconv.FormatInt(info.Size(), 10) + "\n")
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}
