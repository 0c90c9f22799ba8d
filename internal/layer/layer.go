package layer

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"text/template"
	"time"

	"github.com/metalake/metalake/internal/deps"
	"github.com/metalake/metalake/internal/engine"
	"github.com/metalake/metalake/internal/lake"
)

// Report statuses, as every layer's report spells them.
const (
	StatusSuccess = "SUCCESS"
	StatusFailed  = "FAILED"
)

// Report is a task's report as Finish needs it: something that takes the outcome. Finish
// then writes the report itself as JSON, so its shape stays the layer's.
type Report interface {
	// Stamp records the outcome: status (StatusSuccess or StatusFailed), the build's error
	// text ("" on success), when processing ended (ISOTime) and how long it took in seconds,
	// to the millisecond.
	Stamp(status, errText, processingTime string, durationS float64)
}

// Task is one layer task, from its start: table of layer for run date RunDate.
type Task struct {
	Lake    *lake.Lake
	Log     *slog.Logger     // where the done line goes (nil: discard)
	Now     func() time.Time // the clock (nil: time.Now)
	Layer   string           // lake.Bronze, lake.Silver or lake.Gold
	Table   string
	RunDate lake.Date
	Start   time.Time // the duration counts from here
	Key     string    // where the report is written
	// Doc is what the report is called in the error of a failed write ("": "report").
	Doc string
}

// Finish ends the task whose build returned err: it stamps rep with the outcome, writes rep to
// t.Key (with ctx's values but not its cancellation: a cancelled task still leaves its
// report) and returns err. A failed write is the error of a build that succeeded, and is
// joined to the error of one that failed: "{layer} {table} {date}: write report: …". On success, when done is not "", it logs done at
// info level with the table, the run date, attrs and duration_s.
func (t Task) Finish(ctx context.Context, rep Report, err error, done string, attrs ...any) error {
	end := deps.Now(t.Now)
	durationS := float64(end.Sub(t.Start).Milliseconds()) / 1000
	if err != nil {
		rep.Stamp(StatusFailed, err.Error(), ISOTime(end), durationS)
	} else {
		rep.Stamp(StatusSuccess, "", ISOTime(end), durationS)
	}
	if werr := t.Lake.PutJSON(context.WithoutCancel(ctx), t.Key, rep); werr != nil {
		doc := t.Doc
		if doc == "" {
			doc = "report"
		}
		// A failed build keeps its own error first (its type decides retries), with the lost
		// report beside it: nothing fails silently.
		err = errors.Join(err, fmt.Errorf("%s %s %s: write %s: %w", t.Layer, t.Table, t.RunDate, doc, werr))
	}
	if err == nil && done != "" {
		args := append(append([]any{"table", t.Table, "run_date", t.RunDate.String()}, attrs...), "duration_s", durationS)
		deps.Log(t.Log).Info(done, args...)
	}
	return err
}

// ISOTime is the reports' timestamp: UTC to the microsecond.
func ISOTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000000Z") }

// Template parses text as the template name with the functions of dialect d (engine.Funcs)
// and extra, which wins over them; executing it fails on a missing map key.
func Template(d engine.Dialect, name, text string, extra template.FuncMap) (*template.Template, error) {
	funcs := template.FuncMap(engine.Funcs(d))
	for k, f := range extra {
		funcs[k] = f
	}
	return template.New(name).Funcs(funcs).Option("missingkey=error").Parse(text)
}

// Execute runs block of tpl ("": tpl itself) over data and returns what it wrote.
func Execute(tpl *template.Template, block string, data any) (string, error) {
	var b bytes.Buffer
	var err error
	if block == "" {
		err = tpl.Execute(&b, data)
	} else {
		err = tpl.ExecuteTemplate(&b, block, data)
	}
	return b.String(), err
}

// Render is Template, then Execute of the whole text: a model or expression of a layer in
// the dialect of its engine. Its errors are text/template's, for the layer to wrap.
func Render(d engine.Dialect, name, text string, extra template.FuncMap, data any) (string, error) {
	tpl, err := Template(d, name, text, extra)
	if err != nil {
		return "", err
	}
	return Execute(tpl, "", data)
}

// Output is a folder's new content and what its manifest says of it.
type Output struct {
	Dir     string // the folder: a partition, a whole-table dimension, rejects, held rows
	Layer   string // lake.Bronze, lake.Silver or lake.Gold
	Table   string // the manifest's table ("_rejects/users" for users' rejects)
	RunDate lake.Date
	Attempt string
	// Files are what the task wrote; a file with a Key is already in the folder and is
	// committed where it lies.
	Files []lake.File
}

// Publish makes o.Files the content of o.Dir (the lake's commit protocol, Lake.Publish) and
// returns the committed manifest.
func Publish(ctx context.Context, l *lake.Lake, o Output) (lake.Manifest, error) {
	m := lake.Manifest{Layer: o.Layer, Table: o.Table, RunDate: o.RunDate.String(), Attempt: o.Attempt}
	return l.Publish(ctx, o.Dir, m, o.Files)
}

// PublishCounted is Publish of files that must hold want rows, the count the task accounted
// for. When they do not, nothing is published and the error is an internal accounting error:
// numbers that do not reconcile are never published.
func PublishCounted(ctx context.Context, l *lake.Lake, o Output, want int64) (lake.Manifest, error) {
	var got int64
	for _, f := range o.Files {
		got += f.Rows
	}
	if got != want {
		return lake.Manifest{}, fmt.Errorf("%s %s %s: internal accounting error: wrote %d rows, expected %d", o.Layer, o.Table, o.RunDate, got, want)
	}
	return Publish(ctx, l, o)
}
