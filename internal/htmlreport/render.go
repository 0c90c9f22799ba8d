package htmlreport

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
)

// The chart library: Apache ECharts, the "common" build (line, bar, pie, scatter; grid,
// tooltip, legend, dataZoom, markLine …), pinned and verified (assets/README.md, `make
// echarts`), inlined into every report so the file opens offline.
const (
	EChartsVersion = "6.1.0"
	EChartsSHA256  = "61f13280aba3161f77fc801bf5f9c786f55f10432153a0683fc5cc0700b013d5"
)

//go:embed assets/echarts.common.min.js
var echartsJS string

//go:embed templates
var templateFS embed.FS

var (
	reportCSS = mustRead("templates/report.css")
	reportJS  = mustRead("templates/report.js")
	page      = template.Must(template.New("report.html.tmpl").Funcs(Funcs()).ParseFS(templateFS, "templates/report.html.tmpl"))
)

func mustRead(name string) string {
	b, err := templateFS.ReadFile(name)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// CSP is the Content-Security-Policy of every page: inline scripts and styles only, no
// request of any kind (no fetch, image, font or frame), so the file is provably offline.
const CSP = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'self'"

// Stylesheet is the pages' CSS (serve's pages share it).
func Stylesheet() template.CSS { return template.CSS(reportCSS) }

// Render writes the report as one self-contained HTML document: styles, scripts (ECharts
// included) and data inline, no external reference.
func (r *Report) Render(w io.Writer) error {
	data, err := json.Marshal(chartData{RunDate: r.RunDate, Run: r.Run, Flow: r.Flow, Rejects: r.Rejects,
		History: r.History, Data: r.Data, DateLink: r.DateLink})
	if err != nil {
		return fmt.Errorf("htmlreport: encode chart data: %w", err)
	}
	var b bytes.Buffer
	err = page.Execute(&b, struct {
		*Report
		CSS         template.CSS
		Script      template.JS
		Library     template.JS
		ChartData   template.JS
		CSP         string
		LibraryName string
	}{r, template.CSS(reportCSS), template.JS(reportJS), template.JS(echartsJS), template.JS(data), CSP,
		"Apache ECharts " + EChartsVersion})
	if err != nil {
		return fmt.Errorf("htmlreport: render %s: %w", r.RunDate, err)
	}
	_, err = w.Write(b.Bytes())
	return err
}

// chartData is what the page's script draws: the JSON island of the page.
type chartData struct {
	RunDate  string         `json:"run_date"`
	Run      *Run           `json:"run"`
	Flow     []TableFlow    `json:"flow"`
	Rejects  []TableRejects `json:"rejects"`
	History  History        `json:"history"`
	Data     *DataCharts    `json:"data"`
	DateLink string         `json:"date_link"`
}

// Funcs are the template functions of the report (serve's pages use them too).
func Funcs() template.FuncMap {
	return template.FuncMap{
		"num":    num,
		"pct":    pct,
		"secs":   secs,
		"cls":    statusClass,
		"float":  func(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) },
		"result": resultTable,
		"add":    func(a, b int) int { return a + b - 1 },
		"link": func(pattern, date string) string {
			if pattern == "" {
				return ""
			}
			return fmt.Sprintf(pattern, date)
		},
	}
}

// num writes an integer with thousands separators.
func num(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// pct writes a fraction as a percentage.
func pct(f float64) string { return strconv.FormatFloat(f*100, 'f', 2, 64) + " %" }

// secs writes a duration in seconds for people.
func secs(s float64) string {
	switch {
	case s < 1:
		return strconv.FormatFloat(s*1000, 'f', 0, 64) + " ms"
	case s < 60:
		return strconv.FormatFloat(s, 'f', 1, 64) + " s"
	case s < 3600:
		return fmt.Sprintf("%d min %02d s", int(s)/60, int(math.Round(s))%60)
	}
	return fmt.Sprintf("%d h %02d min", int(s)/3600, int(s)%3600/60)
}

// statusClass maps any status or verdict to one of the page's colour classes.
func statusClass(s string) string {
	switch strings.ToLower(s) {
	case "success", "ok", "passed", "true":
		return "ok"
	case "failed", "anomaly", "breached", "false", "high":
		return "fail"
	case "running":
		return "run"
	case "skipped", "not run", "not_run", "insufficient_history":
		return "skip"
	}
	return "warn"
}

// resultRows is a DQ check's structured result as a table.
type resultRows struct {
	Cols []string
	Rows [][]string
}

// resultTable lays out a check result: an object as one row, a list of objects as rows,
// columns sorted by name; anything else as one cell.
func resultTable(v any) resultRows {
	var objs []map[string]any
	switch x := v.(type) {
	case map[string]any:
		objs = []map[string]any{x}
	case []any:
		for _, e := range x {
			m, ok := e.(map[string]any)
			if !ok {
				return resultRows{Cols: []string{"value"}, Rows: [][]string{{cell(v)}}}
			}
			objs = append(objs, m)
		}
	default:
		return resultRows{Cols: []string{"value"}, Rows: [][]string{{cell(v)}}}
	}
	seen := map[string]bool{}
	var out resultRows
	for _, o := range objs {
		for k := range o {
			if !seen[k] {
				seen[k] = true
				out.Cols = append(out.Cols, k)
			}
		}
	}
	sort.Strings(out.Cols)
	for _, o := range objs {
		row := make([]string, len(out.Cols))
		for i, c := range out.Cols {
			row[i] = cell(o[c])
		}
		out.Rows = append(out.Rows, row)
	}
	return out
}

func cell(v any) string {
	switch x := v.(type) {
	case nil:
		return "—"
	case string:
		return x
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1e15 {
			return num(int64(x))
		}
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// ChartLibrary is the embedded chart library (ECharts' minified JavaScript).
func ChartLibrary() string { return echartsJS }
