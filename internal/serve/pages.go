package serve

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/metalake/metalake/internal/catalog"
	"github.com/metalake/metalake/internal/htmlreport"
	"github.com/metalake/metalake/internal/lake"
	"github.com/metalake/metalake/internal/lock"
	"github.com/metalake/metalake/internal/pipeline"
	"github.com/metalake/metalake/internal/storage"
)

// Sizes of the pages.
const (
	GridDates    = 30 // run dates per page of the run grid
	RejectsPage  = 50 // rejected rows per page of the rejects browser
	maxPageParam = 1_000_000
)

//go:embed templates/*.html
var pageFiles embed.FS

var pages = map[string]*template.Template{}

func init() {
	for _, name := range []string{"runs", "catalog", "table", "rejects", "reject_rows"} {
		pages[name] = template.Must(template.New("layout.html").Funcs(htmlreport.Funcs()).
			ParseFS(pageFiles, "templates/layout.html", "templates/"+name+".html"))
	}
}

// page is what the layout shows around a page's content.
type page struct {
	Title string
	Nav   string
	CSS   template.CSS
	Data  any
}

func (h *HTTP) render(w http.ResponseWriter, r *http.Request, name, title string, data any) {
	var b bytes.Buffer
	if err := pages[name].Execute(&b, page{Title: title, Nav: name, CSS: htmlreport.Stylesheet(), Data: data}); err != nil {
		h.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = w.Write(b.Bytes())
}

// --- run dates -----------------------------------------------------------------------------

// runDates lists every date with a run state, oldest first (names only: no object is read).
func (h *HTTP) runDates(ctx context.Context) ([]string, error) {
	probe := lake.StateKey(lastDate)
	prefix, suffix, _ := strings.Cut(probe, lastDate.String())
	dir := prefix[:strings.LastIndexByte(prefix, '/')+1]
	var dates []string
	err := h.lake.B.Iter(ctx, dir, func(key string) error {
		if v, ok := strings.CutPrefix(key, prefix); ok {
			if v, ok = strings.CutSuffix(v, suffix); ok {
				if _, err := lake.ParseDate(v); err == nil {
					dates = append(dates, v)
				}
			}
		}
		return nil
	})
	if err != nil && !storage.IsNotFound(err) {
		return nil, err
	}
	slices.Sort(dates)
	return dates, nil
}

// date parses a date parameter: a date in the lake's format, else 404.
func date(w http.ResponseWriter, v string) (lake.Date, bool) {
	d, err := lake.ParseDate(v)
	if err != nil || d.String() != v {
		notFound(w, fmt.Sprintf("%q is not a run date (YYYY-MM-DD)", v))
		return lake.Date{}, false
	}
	return d, true
}

// pageParam is the 1-based ?page= parameter (1 when absent); anything else is a 404.
func pageParam(w http.ResponseWriter, r *http.Request) (int, bool) {
	v := r.URL.Query().Get("page")
	if v == "" {
		return 1, true
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > maxPageParam {
		notFound(w, fmt.Sprintf("page %q: want a number from 1", v))
		return 0, false
	}
	return n, true
}

// --- the run grid --------------------------------------------------------------------------

type grid struct {
	Dates        []string
	Rows         []gridRow
	Page, Pages  int
	Newer, Older string
	Locked       string
}

type gridRow struct {
	Name  string
	Kind  string // run, stage, task
	Cells []gridCell
}

type gridCell struct {
	Status, Title, Link string
}

// runs is the run grid: a column per run date (newest on the right, GridDates per page), a
// row for the run, one per stage and, folded, one per task.
func (h *HTTP) runs(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p, ok := pageParam(w, r)
	if !ok {
		return
	}
	dates, err := h.runDates(ctx)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	g := grid{Page: p, Pages: max(1, (len(dates)+GridDates-1)/GridDates)}
	if p > g.Pages {
		notFound(w, fmt.Sprintf("page %d: the grid has %d", p, g.Pages))
		return
	}
	end := len(dates) - (p-1)*GridDates
	var states []pipeline.RunState
	if end > 0 {
		last, _ := lake.ParseDate(dates[end-1])
		if states, err = pipeline.RecentStates(ctx, h.lake, last, GridDates); err != nil {
			h.fail(w, r, err)
			return
		}
	}
	info, live, err := lock.Active(ctx, h.lake.B, lock.Key, lock.Options{})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if live {
		g.Locked = fmt.Sprintf("locked by %s of %s since %s", orRun(info.Command), info.RunDate, info.AcquiredAt.UTC().Format("2006-01-02 15:04:05Z"))
	} else {
		pipeline.MarkInterrupted(states)
	}
	g.fill(states)
	if p > 1 {
		g.Newer = "/?page=" + strconv.Itoa(p-1)
	}
	if p < g.Pages {
		g.Older = "/?page=" + strconv.Itoa(p+1)
	}
	h.render(w, r, "runs", "runs", g)
}

func orRun(cmd string) string {
	if cmd == "" {
		return "run"
	}
	return cmd
}

func (g *grid) fill(states []pipeline.RunState) {
	run := gridRow{Name: "run", Kind: "run"}
	stages := map[string]*gridRow{}
	var order []string
	tasks := map[string]*gridRow{}
	for _, st := range states {
		g.Dates = append(g.Dates, st.RunDate)
		link := "/report/" + st.RunDate
		run.Cells = append(run.Cells, gridCell{Status: st.Status, Title: fmt.Sprintf("%s %s (%.1f s)", st.RunDate, st.Status, htmlreport.RunDuration(st)), Link: link})
		for _, s := range htmlreport.StageRuns(st) {
			if stages[s.Stage] == nil {
				stages[s.Stage] = &gridRow{Name: s.Stage, Kind: "stage"}
			}
			row := stages[s.Stage]
			row.Cells = padCells(row.Cells, len(g.Dates)-1)
			row.Cells = append(row.Cells, gridCell{Status: s.Status, Title: fmt.Sprintf("%s %s %s (%.1f s)", st.RunDate, s.Stage, s.Status, s.DurationS), Link: link + "#run"})
		}
		for _, t := range st.Tasks {
			if tasks[t.Task] == nil {
				tasks[t.Task] = &gridRow{Name: t.Task, Kind: "task"}
				order = append(order, t.Task)
			}
			row := tasks[t.Task]
			row.Cells = padCells(row.Cells, len(g.Dates)-1)
			title := fmt.Sprintf("%s %s %s, %d attempt(s), %.2f s", st.RunDate, t.Task, t.Status, t.Attempts, t.DurationS)
			if t.Error != "" {
				title += ": " + firstLine(t.Error)
			}
			row.Cells = append(row.Cells, gridCell{Status: t.Status, Title: title, Link: link + "#run"})
		}
	}
	g.Rows = append(g.Rows, run)
	for _, s := range htmlreport.Stages() {
		if row := stages[s]; row != nil {
			row.Cells = padCells(row.Cells, len(g.Dates))
			g.Rows = append(g.Rows, *row)
		}
	}
	for _, name := range order {
		row := tasks[name]
		row.Cells = padCells(row.Cells, len(g.Dates))
		g.Rows = append(g.Rows, *row)
	}
}

// padCells fills a row up to n cells with blanks (a date without that stage or task).
func padCells(cells []gridCell, n int) []gridCell {
	for len(cells) < n {
		cells = append(cells, gridCell{})
	}
	return cells
}

// --- reports -------------------------------------------------------------------------------

func (h *HTTP) report(w http.ResponseWriter, r *http.Request) {
	d, ok := date(w, r.PathValue("date"))
	if !ok {
		return
	}
	rep, err := htmlreport.Build(r.Context(), h.lake, d, htmlreport.Options{Engine: h.engine, DateLink: "/report/%s", Home: "/"})
	if errors.Is(err, htmlreport.ErrNoRun) {
		notFound(w, fmt.Sprintf("no run of %s in this lake", d))
		return
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	var b bytes.Buffer
	if err := rep.Render(&b); err != nil {
		h.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = w.Write(b.Bytes())
}

// latestReport redirects to the report of the newest run date.
func (h *HTTP) latestReport(w http.ResponseWriter, r *http.Request) {
	h.toLatest(w, r, "/report/")
}

func (h *HTTP) latestRejects(w http.ResponseWriter, r *http.Request) {
	h.toLatest(w, r, "/rejects/")
}

func (h *HTTP) toLatest(w http.ResponseWriter, r *http.Request, prefix string) {
	dates, err := h.runDates(r.Context())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if len(dates) == 0 {
		notFound(w, "no run in this lake yet")
		return
	}
	http.Redirect(w, r, prefix+dates[len(dates)-1], http.StatusFound)
}

// --- the catalog ---------------------------------------------------------------------------

type catalogRow struct {
	Layer, Table, Latest string
	Versions, Partitions int
	Rows, Bytes          int64
}

// catalogTables lists the catalog's tables of a layer (names only).
func (h *HTTP) catalogTables(ctx context.Context, layer string) ([]string, error) {
	dir := strings.TrimSuffix(catalog.Key(layer, "x"), "x.json")
	var names []string
	err := h.lake.B.Iter(ctx, dir, func(key string) error {
		if n, ok := strings.CutSuffix(strings.TrimPrefix(key, dir), ".json"); ok && !strings.Contains(n, "/") {
			names = append(names, n)
		}
		return nil
	})
	if err != nil && !storage.IsNotFound(err) {
		return nil, err
	}
	slices.Sort(names)
	return names, nil
}

func (h *HTTP) catalogIndex(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	var rows []catalogRow
	for _, layer := range []string{lake.Bronze, lake.Silver, lake.Gold} {
		names, err := h.catalogTables(ctx, layer)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		for _, n := range names {
			var t catalog.Table
			if err := h.lake.GetJSON(ctx, catalog.Key(layer, n), &t); err != nil {
				h.fail(w, r, err)
				return
			}
			row := catalogRow{Layer: layer, Table: n, Versions: len(t.Schemas), Partitions: len(t.Partitions)}
			for d, p := range t.Partitions {
				if d > row.Latest {
					row.Latest, row.Rows = d, p.Rows
				}
				row.Bytes += p.Bytes
			}
			rows = append(rows, row)
		}
	}
	h.render(w, r, "catalog", "catalog", rows)
}

type tablePage struct {
	catalog.Table
	Dates []string // partitions, newest first
}

func (h *HTTP) catalogTable(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	layer, name := r.PathValue("layer"), r.PathValue("table")
	if layer != lake.Bronze && layer != lake.Silver && layer != lake.Gold {
		notFound(w, fmt.Sprintf("no layer %q (bronze, silver, gold)", layer))
		return
	}
	names, err := h.catalogTables(ctx, layer)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if !slices.Contains(names, name) {
		notFound(w, fmt.Sprintf("no table %s.%s in the catalog", layer, name))
		return
	}
	var t catalog.Table
	if err := h.lake.GetJSON(ctx, catalog.Key(layer, name), &t); err != nil {
		h.fail(w, r, err)
		return
	}
	p := tablePage{Table: t}
	for d := range t.Partitions {
		p.Dates = append(p.Dates, d)
	}
	slices.Sort(p.Dates)
	slices.Reverse(p.Dates)
	h.render(w, r, "table", layer+"."+name, p)
}

// --- rejects -------------------------------------------------------------------------------

type rejectsPage struct {
	Date   string
	Tables []htmlreport.RejectTable
}

func (h *HTTP) rejectTables(w http.ResponseWriter, r *http.Request) {
	d, ok := h.ranDate(w, r)
	if !ok {
		return
	}
	tables, err := htmlreport.RejectTables(r.Context(), h.lake, d)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.render(w, r, "rejects", "rejects "+d.String(), rejectsPage{Date: d.String(), Tables: tables})
}

// ranDate is the {date} of the path when the lake has a run state of it, else 404.
func (h *HTTP) ranDate(w http.ResponseWriter, r *http.Request) (lake.Date, bool) {
	d, ok := date(w, r.PathValue("date"))
	if !ok {
		return d, false
	}
	dates, err := h.runDates(r.Context())
	if err != nil {
		h.fail(w, r, err)
		return d, false
	}
	if !slices.Contains(dates, d.String()) {
		notFound(w, fmt.Sprintf("no run of %s in this lake", d))
		return d, false
	}
	return d, true
}

type rejectRowsPage struct {
	Date, Table, Reason string
	htmlreport.RejectPage
	Page, Pages  int
	First        int
	Newer, Older string
	ReasonLinks  []reasonLink
}

type reasonLink struct {
	htmlreport.NamedCount
	Link     string
	Selected bool
}

func (h *HTTP) rejectRows(w http.ResponseWriter, r *http.Request) {
	d, ok := h.ranDate(w, r)
	if !ok {
		return
	}
	p, ok := pageParam(w, r)
	if !ok {
		return
	}
	tables, err := htmlreport.RejectTables(r.Context(), h.lake, d)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	name := r.PathValue("table")
	i := slices.IndexFunc(tables, func(t htmlreport.RejectTable) bool { return t.Name == name })
	if i < 0 {
		notFound(w, fmt.Sprintf("no rejects of table %q on %s", name, d))
		return
	}
	reason := r.URL.Query().Get("reason")
	rp, err := htmlreport.Rejects(r.Context(), h.lake, h.engine, tables[i], d, reason, (p-1)*RejectsPage, RejectsPage)
	if errors.Is(err, htmlreport.ErrUnknownReason) {
		notFound(w, fmt.Sprintf("no rejected row of %s on %s has the reason %q", name, d, reason))
		return
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	out := rejectRowsPage{Date: d.String(), Table: name, Reason: reason, RejectPage: rp, Page: p,
		Pages: max(1, int((rp.Matching+RejectsPage-1)/RejectsPage)), First: (p-1)*RejectsPage + 1}
	if p > out.Pages {
		notFound(w, fmt.Sprintf("page %d: %d rows make %d pages", p, rp.Matching, out.Pages))
		return
	}
	link := func(page int, reason string) string {
		q := url.Values{}
		if page > 1 {
			q.Set("page", strconv.Itoa(page))
		}
		if reason != "" {
			q.Set("reason", reason)
		}
		u := "/rejects/" + d.String() + "/" + url.PathEscape(name)
		if len(q) > 0 {
			u += "?" + q.Encode()
		}
		return u
	}
	if p > 1 {
		out.Newer = link(p-1, reason)
	}
	if p < out.Pages {
		out.Older = link(p+1, reason)
	}
	out.ReasonLinks = append(out.ReasonLinks, reasonLink{NamedCount: htmlreport.NamedCount{Name: "all reasons", Count: tables[i].Rows}, Link: link(1, ""), Selected: reason == ""})
	for _, rc := range rp.Reasons {
		out.ReasonLinks = append(out.ReasonLinks, reasonLink{NamedCount: rc, Link: link(1, rc.Name), Selected: rc.Name == reason})
	}
	h.render(w, r, "reject_rows", "rejects."+name+" "+d.String(), out)
}
