package gold

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/metalake/metalake/internal/deps"
	"github.com/metalake/metalake/internal/engine"
	"github.com/metalake/metalake/internal/lake"
	"github.com/metalake/metalake/internal/layer"
)

// Kinds of gold tables.
const (
	KindDimension = "dimension"
	KindFact      = "fact"
	KindBridge    = "bridge"
)

// Job builds gold tables for a run date. Lake and Engine are required; the rest is optional.
type Job struct {
	Lake   *lake.Lake
	Engine engine.Engine
	Log    *slog.Logger
	Now    func() time.Time
	// RunID is written to every fact row as pipeline_run_id ("" : a fresh attempt id per job).
	RunID string
	// DateRange is dim_date's minimum range (zero: 2000-01-01 .. 2030-12-31); it grows to
	// cover every date in the data and every run date.
	DateRange [2]lake.Date
	// Contracts are the tables the job builds (nil: the embedded ones, Default; Validate and
	// the pipeline know those).
	Contracts *Set
	// Tamper, when set, returns SQL run against the staged fact relation (temp table "fact")
	// of table before its checks: tests inject data-quality violations with it. Leave nil.
	Tamper func(table string) string
}

func (j *Job) now() time.Time { return deps.Now(j.Now) }

func (j *Job) contracts() *Set {
	if j.Contracts != nil {
		return j.Contracts
	}
	return mustDefault()
}

func (j *Job) log() *slog.Logger { return deps.Log(j.Log) }

// Run builds one gold table for run date d (a dimension, a fact or the bridge) and writes its
// stats or report. Errors that retrying cannot fix (a missing input, a failed data-quality
// check) say so through Retryable() bool.
func (j *Job) Run(ctx context.Context, table string, d lake.Date) error {
	if _, ok := j.contracts().dims[table]; ok {
		_, err := j.BuildDimension(ctx, table, d)
		return err
	}
	_, err := j.BuildFact(ctx, table, d)
	return err
}

// BuildDimension merges silver of d into dimension table and publishes the new version of
// gold/{table}/ (unless nothing changed), then writes gold/_reports/run_date=d/{table}_stats.json.
func (j *Job) BuildDimension(ctx context.Context, table string, d lake.Date) (*DimStats, error) {
	task := j.task(table, d, StatsKey(table, d))
	task.Doc = "stats"
	st := &DimStats{Table: table, RunDate: d.String(), Metrics: map[string]any{}}
	spec, ok := j.contracts().dims[table]
	if !ok {
		return nil, fmt.Errorf("gold: unknown dimension %q", table)
	}
	var err error
	if spec.calendar {
		err = j.buildDimDate(ctx, spec, d, st)
	} else {
		err = j.buildDim(ctx, spec, d, st)
	}
	return st, task.Finish(ctx, st, err, "gold dimension done", "published", st.Published, "rows", st.Metrics["total_records"])
}

// Stamp records the outcome of the build (layer.Report).
func (s *DimStats) Stamp(status, errText, processingTime string, durationS float64) {
	s.Status, s.Error, s.ProcessingTime, s.DurationS = status, errText, processingTime, durationS
}

// task is the frame of building table for d, started now, its report written to key.
func (j *Job) task(table string, d lake.Date, key string) layer.Task {
	return layer.Task{Lake: j.Lake, Log: j.Log, Now: j.Now, Layer: lake.Gold, Table: table, RunDate: d, Start: j.now(), Key: key}
}

// StatsKey is the key of a dimension's stats of day d.
func StatsKey(table string, d lake.Date) string {
	return lake.ReportKey(lake.Gold, d, table+"_stats.json")
}

// ReportKey is the key of a fact's (or the bridge's) report of day d.
func ReportKey(table string, d lake.Date) string {
	return lake.ReportKey(lake.Gold, d, table+"_report.json")
}

// DimDir is the folder of a dimension (one whole-table version, committed by its manifest).
func DimDir(table string) string { return lake.TableDir(lake.Gold, table) }

// FactDir is the folder of a fact's partition of day d.
func FactDir(table string, d lake.Date) string { return lake.PartitionDir(lake.Gold, table, d) }

// build is one task's engine session and scratch directory.
type build struct {
	j     *Job
	s     engine.Session
	d     lake.Date
	table string
	tmp   string
}

func (j *Job) newBuild(ctx context.Context, table string, d lake.Date) (*build, error) {
	s, err := j.Engine.Session(ctx)
	if err != nil {
		return nil, err
	}
	tmp, err := j.Engine.TempDir("gold-" + table)
	if err != nil {
		s.Close()
		return nil, err
	}
	return &build{j: j, s: s, d: d, table: table, tmp: tmp}, nil
}

func (b *build) close() {
	b.s.Close()
	os.RemoveAll(b.tmp)
}

func (b *build) errorf(format string, args ...any) error {
	return fmt.Errorf("gold %s %s: %s", b.table, b.d, fmt.Sprintf(format, args...))
}

func (b *build) wrap(err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("gold %s %s: %w", b.table, b.d, err)
}

// create makes the session's temporary relation name over query: kind "TABLE" is
// materialised (computed once), "VIEW" is not (Session.Temp).
func (b *build) create(ctx context.Context, kind, name, query string) error {
	if err := b.s.Temp(ctx, name, query, kind == "TABLE"); err != nil {
		return fmt.Errorf("%s %s: %w", kind, name, err)
	}
	return nil
}

// committed localizes the committed files of dir and creates view name over them, projected
// through sch. found is false when dir has no committed version (the view is then empty).
func (b *build) committed(ctx context.Context, name, dir string, sch schema) (m lake.Manifest, found bool, err error) {
	m, found, err = b.j.Lake.ReadManifest(ctx, dir)
	if err != nil {
		return m, false, err
	}
	paths, err := engine.Inputs(ctx, b.j.Engine, b.j.Lake.B, m.Keys(dir), b.tmp)
	if err != nil {
		return m, false, err
	}
	if len(paths) == 0 {
		return m, found, b.create(ctx, "VIEW", name, sch.empty())
	}
	rel := b.j.Engine.Dialect().ReadParquet(paths)
	if missing, err := b.missingColumns(ctx, rel, sch); err != nil {
		return m, found, err
	} else if len(missing) > 0 {
		return m, found, &InputError{Table: b.table, RunDate: b.d.String(),
			Err: fmt.Errorf("%s lacks column(s) %v", dir, missing)}
	}
	return m, found, b.create(ctx, "VIEW", name, sch.project(rel))
}

// silver creates view silver_{table} over silver/{table}/run_date=d; a missing partition is
// an *InputError (silver has not published it: retrying will not help).
func (b *build) silver(ctx context.Context, table string, d lake.Date) error {
	sch := b.j.contracts().silver[table]
	dir := lake.PartitionDir(lake.Silver, table, d)
	_, found, err := b.committed(ctx, "silver_"+table, dir, sch)
	if err != nil {
		return err
	}
	if !found {
		return &InputError{Table: b.table, RunDate: b.d.String(), Err: fmt.Errorf("silver %s %s is not published", table, d)}
	}
	return nil
}

func (b *build) missingColumns(ctx context.Context, rel string, sch schema) ([]string, error) {
	cols, err := b.s.Describe(ctx, rel)
	if err != nil {
		return nil, err
	}
	have := map[string]bool{}
	for _, c := range cols {
		have[c.Name] = true
	}
	var missing []string
	for _, c := range sch {
		if !have[c.name] {
			missing = append(missing, c.name)
		}
	}
	return missing, nil
}

// publish makes files the new content of dir (the lake's commit protocol).
func (b *build) publish(ctx context.Context, dir, attempt string, files []engine.ParquetFile) (lake.Manifest, error) {
	return layer.Publish(ctx, b.j.Lake, layer.Output{Dir: dir, Layer: lake.Gold, Table: b.table, RunDate: b.d, Attempt: attempt, Files: files})
}

// queryObject runs a one-row query and returns its columns by name (JSON-friendly values).
func (b *build) queryObject(ctx context.Context, q string) (map[string]any, error) {
	defer b.timed(q)()
	objs, err := b.s.Objects(ctx, q, engine.JSONValue)
	if err != nil {
		return nil, err
	}
	if len(objs) == 0 {
		return map[string]any{}, nil
	}
	return objs[0], nil
}

// timed logs a query's duration at debug level (the engine times only Exec and QueryRow).
func (b *build) timed(q string) func() {
	start := time.Now()
	return func() {
		q = strings.Join(strings.Fields(q), " ")
		if len(q) > 100 {
			q = q[:100] + "…"
		}
		b.j.log().Debug("gold query", "table", b.table, "run_date", b.d.String(), "duration_s", time.Since(start).Seconds(), "query", q)
	}
}

func (b *build) count(ctx context.Context, q string) (int64, error) {
	var n int64
	err := b.s.QueryRow(ctx, "SELECT CAST(COALESCE(("+q+"), 0) AS BIGINT)", &n)
	return n, err
}

// parquetFiles are the local paths of written files.
func parquetFiles(files []engine.ParquetFile) []string {
	out := make([]string, len(files))
	for i, f := range files {
		out[i] = f.Path
	}
	return out
}

// rowsOf is a relation over written files, or sch's empty relation when there are none.
func rowsOf(dl engine.Dialect, files []engine.ParquetFile, sch schema) string {
	if len(files) == 0 {
		return "(" + sch.empty() + ")"
	}
	return dl.ReadParquet(parquetFiles(files))
}

func isoTime(t time.Time) string { return layer.ISOTime(t) }

func tsLiteral(t time.Time) string {
	return "TIMESTAMP " + engine.Literal(t.UTC().Truncate(time.Microsecond).Format("2006-01-02 15:04:05.999999"))
}

func dateLiteral(d lake.Date) string { return "DATE " + engine.Literal(d.String()) }

// midnight is the TIMESTAMP at which versions observed on d start.
func midnight(d lake.Date) string { return "TIMESTAMP " + engine.Literal(d.String()+" 00:00:00") }

// endOfTime closes current versions (SPEC §5: 9999-12-31 00:00:00).
const endOfTime = "TIMESTAMP '9999-12-31 00:00:00'"
