package bronze

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strings"
	"text/template"
	"time"

	"github.com/metalake/metalake/internal/contract"
	"github.com/metalake/metalake/internal/country"
	"github.com/metalake/metalake/internal/deps"
	"github.com/metalake/metalake/internal/engine"
	"github.com/metalake/metalake/internal/lake"
	"github.com/metalake/metalake/internal/layer"
	"github.com/metalake/metalake/internal/storage"
)

// SourceSystem is the value of every bronze row's source_system column.
const SourceSystem = "kaggle_meta"

// Job runs bronze for one table and date. Its fields are its dependencies; all are required
// except Now (default time.Now) and Log (default: discard).
type Job struct {
	Lake      *lake.Lake
	Engine    engine.Engine
	Contracts *contract.Set
	Log       *slog.Logger
	Now       func() time.Time
}

func (j *Job) now() time.Time { return deps.Now(j.Now) }

func (j *Job) log() *slog.Logger { return deps.Log(j.Log) }

// Run processes table for run date d and returns its report. The report is also written to
// the lake, even when the circuit breaker trips (then the error is a *RejectThresholdError).
// A data-contract problem (missing raw file, unknown layout, empty file) is a *ContractError.
func (j *Job) Run(ctx context.Context, table string, d lake.Date) (*Report, error) {
	t, ok := j.Contracts.Table(table)
	if !ok {
		return nil, fmt.Errorf("bronze: no contract for table %q", table)
	}
	start := j.now()
	ingestTS := start.UTC().Truncate(time.Microsecond)
	s, err := j.Engine.Session(ctx)
	if err != nil {
		return nil, err
	}
	defer s.Close()
	tmp, err := j.Engine.TempDir("bronze-" + table)
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)

	contractErr := func(err error) error { return &ContractError{Table: table, RunDate: d.String(), Err: err} }
	v, primaryPath, header, err := j.detect(ctx, t, d, tmp)
	if err != nil {
		var ce *ContractError
		if errors.As(err, &ce) {
			return nil, err
		}
		return nil, fmt.Errorf("bronze %s %s: %w", table, d, err)
	}
	dialect := j.Engine.Dialect()
	src, err := load(ctx, s, dialect, "src", v.Source, lake.RawKey(v.Source.Raw, d), primaryPath, tmp, header, true, dateOnlyColumns(t))
	if err != nil {
		return nil, contractErr(err)
	}
	defer src.drop(ctx, s)
	j.logRewrite(table, d, src)

	rep := &Report{Table: table, RunDate: d.String(), Layout: v.Layout, RejectThreshold: t.RejectThreshold,
		SourceFiles: []string{src.key}, ExtraColumns: src.extras, Metrics: map[string]any{}, Sections: map[string]map[string]any{}}
	if rep.ExtraColumns == nil {
		rep.ExtraColumns = []string{}
	}
	meta := fmt.Sprintf("DATE %s AS run_date, CAST(%s AS TIMESTAMP) AS ingest_ts",
		engine.Literal(d.String()), engine.Literal(ingestTS.Format("2006-01-02 15:04:05.999999")))

	for _, lk := range v.Lookups {
		lr, err := j.lookup(ctx, s, t, lk, d, tmp, meta)
		if err != nil {
			return nil, err
		}
		rep.Lookups = append(rep.Lookups, lr)
		rep.SourceFiles = append(rep.SourceFiles, lr.SourceFile)
	}
	if err := loadCountries(ctx, s); err != nil {
		return nil, err
	}

	shapeSQL := "SELECT * FROM src"
	if v.Shape != "" {
		text, _ := j.Contracts.Shape(v.Shape)
		if shapeSQL, err = j.render(v.Shape, text, src.typedCols); err != nil {
			return nil, err
		}
	}
	if err := s.Temp(ctx, "shaped", shapeSQL, false); err != nil {
		return nil, fmt.Errorf("bronze %s %s: shape %s: %w", table, d, v.Shape, err)
	}
	defer s.DropTemp(ctx, "shaped")
	shapedCols, err := columns(ctx, s, "shaped")
	if err != nil {
		return nil, err
	}
	hasSub := false
	var outCols []string
	for _, c := range shapedCols {
		if c == "__sub" {
			hasSub = true
		}
		if !strings.HasPrefix(c, "__") {
			outCols = append(outCols, engine.Ident(c))
		}
	}
	order := "__ord"
	if hasSub {
		order = "__ord, __sub"
	}

	judged, materialised := judgedSQL(t, order)
	if err := s.Temp(ctx, "judged", judged, materialised); err != nil {
		return nil, fmt.Errorf("bronze %s %s: validate: %w", table, d, err)
	}
	defer s.DropTemp(ctx, "judged")
	rejectedCols := []string{"__ord", "__reject"}
	for _, c := range t.RejectColumns {
		rejectedCols = append(rejectedCols, engine.Ident(c))
	}
	if err := s.Temp(ctx, "rejected", fmt.Sprintf("SELECT %s FROM judged WHERE __reject IS NOT NULL",
		strings.Join(rejectedCols, ", ")), true); err != nil {
		return nil, fmt.Errorf("bronze %s %s: validate: %w", table, d, err)
	}
	defer s.DropTemp(ctx, "rejected")

	var rejected, dups int64
	if err := s.QueryRow(ctx, "SELECT COUNT(*) FROM rejected", &rejected); err != nil {
		return nil, err
	}
	validRel, shapedN, err := validRelation(ctx, s, materialised, rejected)
	if err != nil {
		return nil, err
	}
	if len(t.DedupKeys) > 0 {
		if err := s.QueryRow(ctx, "SELECT COUNT(*) FROM judged WHERE __dup", &dups); err != nil {
			return nil, err
		}
	}
	rep.InputCount = shapedN + src.structural
	rep.RejectCount = rejected + src.structural
	rep.DuplicatesRemoved = dups
	rep.OutputCount = shapedN - rejected - dups
	if rep.InputCount > 0 {
		rep.RejectionRate = round4(float64(rep.RejectCount) / float64(rep.InputCount))
	}
	if rep.TopRejectReasons, err = topReasons(ctx, s, src.structural); err != nil {
		return nil, err
	}

	rejectsSQL := primaryRejectsSQL(src, t.RejectColumns, meta)
	rejFiles, err := s.WriteParquet(ctx, rejectsSQL, engine.Output{Dir: lake.RejectsDir(table, d)})
	if err != nil {
		return nil, fmt.Errorf("bronze %s %s: write rejects: %w", table, d, err)
	}
	attempt := lake.NewAttemptID(start)
	if err := j.publish(ctx, lake.RejectsDir(table, d), "_rejects/"+table, d, attempt, rejFiles, rep.RejectCount); err != nil {
		return nil, err
	}

	if err := j.metrics(ctx, s, t, v, rep, map[string]string{"valid": validRel, "shaped": "judged", "source": "src"}); err != nil {
		return nil, fmt.Errorf("bronze %s %s: metrics: %w", table, d, err)
	}

	partition := lake.PartitionDir(lake.Bronze, table, d)
	if rep.RejectionRate > t.RejectThreshold {
		j.logSample(ctx, s, src, table, d)
		if err := j.Lake.Withdraw(ctx, partition); err != nil {
			return nil, err
		}
		return rep, j.task(table, d, start).Finish(ctx, reportDoc{rep},
			&RejectThresholdError{Table: table, RunDate: d.String(), Rate: rep.RejectionRate, Limit: t.RejectThreshold}, "")
	}

	validLine, validJoin := src.lineSQL("v")
	if materialised {
		// The raw text was only needed for rejects and metrics: free it before the write.
		if err := s.DropTemp(ctx, "src"); err != nil {
			return nil, err
		}
		if err := s.DropTemp(ctx, src.raw); err != nil {
			return nil, err
		}
	}
	validCols := make([]string, len(outCols))
	for i, c := range outCols {
		validCols[i] = "v." + c
	}
	validSQL := fmt.Sprintf(`SELECT %s, %s, %s AS source_file, %s AS source_system, %s AS source_line
FROM %s v%s`, strings.Join(validCols, ", "), meta, dialect.ConstantText(src.key), dialect.ConstantText(SourceSystem), validLine, validRel, validJoin)
	files, err := s.WriteParquet(ctx, validSQL, engine.Output{Dir: partition})
	if err != nil {
		return nil, fmt.Errorf("bronze %s %s: write: %w", table, d, err)
	}
	if err := j.publish(ctx, partition, table, d, attempt, files, rep.OutputCount); err != nil {
		return nil, err
	}
	if err := j.task(table, d, start).Finish(ctx, reportDoc{rep}, nil, ""); err != nil {
		return nil, err
	}
	return rep, nil
}

// task is the frame of table's run for d, started at start. Bronze writes its report only once
// the breaker has ruled (a contract or I/O failure before that leaves none) and logs no done
// line of its own.
func (j *Job) task(table string, d lake.Date, start time.Time) layer.Task {
	return layer.Task{Lake: j.Lake, Now: j.Now, Layer: lake.Bronze, Table: table, RunDate: d, Start: start,
		Key: lake.ReportKey(lake.Bronze, d, table+"_report.json")}
}

// reportDoc is the report as the frame stamps and writes it: the flat object of Report.JSON.
// Bronze's report has no error field: a failure's text is its error's, not the report's.
type reportDoc struct{ *Report }

func (r reportDoc) Stamp(status, _, processingTime string, durationS float64) {
	r.Status, r.ProcessingTime, r.DurationS = status, processingTime, durationS
}

func (r reportDoc) MarshalJSON() ([]byte, error) { return json.Marshal(r.JSON()) }

// primaryRejectsSQL selects every rejected row of the primary source in the rejects layout:
// records that parsed carry their raw fields (and the shaped columns named in rejectColumns,
// e.g. an exploded tag); structurally broken ones carry their raw line.
func primaryRejectsSQL(src *loaded, rejectColumns []string, meta string) string {
	var extra, extraNull []string
	rawNames := map[string]bool{}
	for _, n := range src.rawNames {
		rawNames[n] = true
	}
	for _, c := range rejectColumns {
		alias := c
		if rawNames[alias] {
			alias = "shaped_" + c
		}
		extra = append(extra, fmt.Sprintf("CAST(j.%s AS STRING) AS %s", engine.Ident(c), engine.Ident(alias)))
		extraNull = append(extraNull, "CAST(NULL AS STRING) AS "+engine.Ident(alias))
	}
	line, join := src.lineSQL("j")
	return fmt.Sprintf(`SELECT * FROM (
SELECT %s, j.__reject AS reject_reason, %s AS source_file, %s AS source_line,
  CAST(NULL AS STRING) AS raw_line, %s
FROM rejected j%s%s
UNION ALL
%s) ORDER BY source_line, reject_reason`,
		strings.Join(append(src.rawColumnsSQL("r"), extra...), ", "), engine.Text(src.key), line, meta, join, src.rawJoin("j"),
		src.structuralRejectsSQL(extraNull, meta))
}

// judgedSQL is "judged": every shaped row with its verdict (__reject: the parse reason, else
// the first rule that holds) and, for deduplicated tables, __dup. Without deduplication it is
// a view: materialising 25 M typed rows beside the raw text would spill, while the valid rows
// can stream from the raw table straight into Parquet. Deduplication needs a window over all
// rows: then judged is materialised.
func judgedSQL(t contract.Table, order string) (query string, materialise bool) {
	var rules []string
	for _, r := range t.Rules {
		rules = append(rules, fmt.Sprintf("WHEN COALESCE((%s), false) THEN %s", r.When, engine.Text(r.Reason)))
	}
	ruleExpr := "CAST(NULL AS STRING)"
	if len(rules) > 0 {
		ruleExpr = "CASE " + strings.Join(rules, " ") + " END"
	}
	dupExpr := "false"
	if len(t.DedupKeys) > 0 {
		keys := make([]string, len(t.DedupKeys))
		for i, k := range t.DedupKeys {
			keys[i] = engine.Ident(k)
		}
		dupExpr = fmt.Sprintf("(__reject IS NULL AND ROW_NUMBER() OVER (PARTITION BY __reject IS NULL, %s ORDER BY %s) > 1)", strings.Join(keys, ", "), order)
		materialise = true
	}
	return fmt.Sprintf(`SELECT *, %s AS __dup FROM (SELECT s.*, COALESCE(s.__reason, %s) AS __reject FROM shaped s)`, dupExpr, ruleExpr), materialise
}

// validRelation returns the valid rows of judged (with its columns) and the number of shaped
// rows; rejected is the number of rows in "rejected".
//
// A materialised judged holds every verdict: its valid rows are a filter. A judged view would
// evaluate every rule and parse check a second time to find its NULL verdicts (0.4 of the valid
// rows' 1.9 CPU s at 2 M users); instead they are the shaped rows whose record has no row in
// rejected, a join with a hash table of the rejected ordinals. That is exactly the rows of NULL
// verdict unless the shape gave one record several rows of which some were rejected and some
// not (an explosion): the shaped rows are counted with the same join, and when those whose
// record was rejected outnumber the rejected rows, the verdicts are evaluated again.
func validRelation(ctx context.Context, s engine.Session, materialised bool, rejected int64) (rel string, shaped int64, err error) {
	const verdicts = "(SELECT * FROM judged WHERE __reject IS NULL AND NOT __dup)"
	if materialised {
		err := s.QueryRow(ctx, "SELECT COUNT(*) FROM shaped", &shaped)
		return verdicts, shaped, err
	}
	const rejectedOrds = "(SELECT DISTINCT __ord AS __rejected_ord FROM rejected) x ON x.__rejected_ord = s.__ord"
	var matched int64
	if err := s.QueryRow(ctx, "SELECT COUNT(*), COUNT(x.__rejected_ord) FROM shaped s LEFT JOIN "+rejectedOrds, &shaped, &matched); err != nil {
		return "", 0, err
	}
	if matched != rejected {
		return verdicts, shaped, nil
	}
	return "(SELECT s.*, CAST(NULL AS STRING) AS __reject, false AS __dup FROM shaped s LEFT JOIN " + rejectedOrds +
		" WHERE x.__rejected_ord IS NULL)", shaped, nil
}

// detect finds the variant whose primary raw file exists and whose header it matches.
func (j *Job) detect(ctx context.Context, t contract.Table, d lake.Date, tmp string) (contract.Variant, string, []string, error) {
	var missingFiles []string
	var headerErr *contract.HeaderError
	for _, v := range t.Variants {
		key := lake.RawKey(v.Source.Raw, d)
		path, _, err := j.Lake.Localize(ctx, key, tmp)
		if storage.IsNotFound(err) {
			missingFiles = append(missingFiles, key)
			continue
		}
		if err != nil {
			return contract.Variant{}, "", nil, err
		}
		header, err := fileHeader(key, path)
		if err != nil {
			return contract.Variant{}, "", nil, &ContractError{Table: t.Name, RunDate: d.String(), Err: err}
		}
		single := t
		single.Variants = []contract.Variant{v}
		if _, err := single.Match(key, header); err != nil {
			var he *contract.HeaderError
			if errors.As(err, &he) {
				if headerErr == nil {
					headerErr = he
				} else {
					for l, m := range he.Missing {
						headerErr.Missing[l] = m
					}
				}
			}
			continue
		}
		return v, path, header, nil
	}
	if headerErr != nil {
		return contract.Variant{}, "", nil, &ContractError{Table: t.Name, RunDate: d.String(), Err: errors.New(strings.TrimPrefix(headerErr.Error(), t.Name+": "))}
	}
	return contract.Variant{}, "", nil, &ContractError{Table: t.Name, RunDate: d.String(),
		Err: fmt.Errorf("missing raw file (looked for %s)", strings.Join(dedupe(missingFiles), ", "))}
}

// lookup loads an auxiliary input as lk_{raw}: typed, rejects published, unique on its key.
func (j *Job) lookup(ctx context.Context, s engine.Session, t contract.Table, src contract.Source, d lake.Date, tmp, meta string) (LookupReport, error) {
	key := lake.RawKey(src.Raw, d)
	fail := func(err error) (LookupReport, error) {
		return LookupReport{}, &ContractError{Table: t.Name, RunDate: d.String(), Err: err}
	}
	path, _, err := j.Lake.Localize(ctx, key, tmp)
	if storage.IsNotFound(err) {
		return fail(fmt.Errorf("missing raw file %s (lookup of %s)", key, t.Name))
	}
	if err != nil {
		return LookupReport{}, err
	}
	header, err := fileHeader(key, path)
	if err != nil {
		return fail(err)
	}
	name := "lkt_" + src.Raw
	l, err := load(ctx, s, j.Engine.Dialect(), name, src, key, path, tmp, header, false, nil)
	if err != nil {
		return fail(err)
	}
	j.logRewrite(t.Name, d, l)
	k := engine.Ident(src.Key)
	reason := fmt.Sprintf("COALESCE(__reason, CASE WHEN %s IS NULL THEN %s END)", k, engine.Text(src.Key+" is null"))
	if err := s.Temp(ctx, "judged_"+name, fmt.Sprintf(`SELECT *, CASE WHEN __lk_reject IS NULL THEN ROW_NUMBER() OVER (PARTITION BY __lk_reject IS NULL, %[2]s ORDER BY __ord) > 1 ELSE false END AS __lk_dup
FROM (SELECT *, %[3]s AS __lk_reject FROM %[1]s)`, name, k, reason), true); err != nil {
		return LookupReport{}, err
	}
	if err := s.Temp(ctx, "lk_"+src.Raw, fmt.Sprintf("SELECT * FROM judged_%s WHERE __lk_reject IS NULL AND NOT __lk_dup", name), false); err != nil {
		return LookupReport{}, err
	}
	lr := LookupReport{Raw: src.Raw, SourceFile: key, RejectsDir: lake.RejectsDir(t.Name+"_lookup_"+src.Raw, d)}
	var n, rej, dup int64
	if err := s.QueryRow(ctx, fmt.Sprintf("SELECT COUNT(*), COUNT(__lk_reject), COALESCE(SUM(CASE WHEN __lk_dup THEN 1 ELSE 0 END), 0) FROM judged_%s", name), &n, &rej, &dup); err != nil {
		return LookupReport{}, err
	}
	lr.InputCount = n + l.structural
	lr.RejectCount = rej + l.structural
	lr.DuplicatesRemoved = dup
	lr.OutputCount = n - rej - dup
	lkLine, lkJoin := l.lineSQL("j")
	rejSQL := fmt.Sprintf(`SELECT * FROM (
SELECT %s, j.__lk_reject AS reject_reason, %s AS source_file, %s AS source_line, CAST(NULL AS STRING) AS raw_line, %s
FROM (SELECT * FROM judged_%s WHERE __lk_reject IS NOT NULL) j%s%s
UNION ALL %s) ORDER BY source_line`,
		strings.Join(l.rawColumnsSQL("r"), ", "), engine.Text(key), lkLine, meta, name, lkJoin, l.rawJoin("j"), l.structuralRejectsSQL(nil, meta))
	files, err := s.WriteParquet(ctx, rejSQL, engine.Output{Dir: lr.RejectsDir})
	if err != nil {
		return LookupReport{}, err
	}
	if err := j.publish(ctx, lr.RejectsDir, "_rejects/"+t.Name+"_lookup_"+src.Raw, d, lake.NewAttemptID(j.now()), files, lr.RejectCount); err != nil {
		return LookupReport{}, err
	}
	return lr, nil
}

func (j *Job) publish(ctx context.Context, dir, table string, d lake.Date, attempt string, files []engine.ParquetFile, want int64) error {
	// Accounting is the point of bronze: never publish numbers that do not reconcile.
	_, err := layer.PublishCounted(ctx, j.Lake, layer.Output{Dir: dir, Layer: lake.Bronze, Table: table, RunDate: d, Attempt: attempt, Files: files}, want)
	return err
}

func topReasons(ctx context.Context, s engine.Session, structural int64) ([]ReasonCount, error) {
	out := []ReasonCount{}
	err := s.Each(ctx, fmt.Sprintf(`SELECT reason, n FROM (
SELECT __reject AS reason, COUNT(*) AS n FROM rejected GROUP BY 1
UNION ALL SELECT 'malformed csv line', %d WHERE %d > 0)
ORDER BY n DESC, reason ASC LIMIT 5`, structural, structural), func(row []any) error {
		var rc ReasonCount
		err := engine.Scan(row, &rc.Reason, &rc.Count)
		out = append(out, rc)
		return err
	})
	return out, err
}

// logSample logs up to 10 rejected rows so a tripped breaker can be diagnosed from the log.
func (j *Job) logSample(ctx context.Context, s engine.Session, src *loaded, table string, d lake.Date) {
	line, join := src.lineSQL("j")
	_ = s.Each(ctx, "SELECT "+line+", j.__reject FROM rejected j"+join+" ORDER BY 1 LIMIT 10", func(row []any) error {
		var line int64
		var reason string
		if engine.Scan(row, &line, &reason) == nil {
			j.log().Warn("rejected row sample", "table", table, "run_date", d.String(), "line", line, "reason", reason)
		}
		return nil
	})
}

func (j *Job) metrics(ctx context.Context, s engine.Session, t contract.Table, v contract.Variant, rep *Report, rel map[string]string) error {
	all := append(append([]contract.Metric(nil), t.Metrics...), v.Metrics...)
	scalars, err := j.scalarMetrics(ctx, s, all, rel)
	if err != nil {
		return err
	}
	for _, m := range all {
		from := rel[m.From]
		where := metricWhere(m)
		var val any
		switch {
		case m.SQL != "":
			val = scalars[m.Name]
		case m.GroupBy != "":
			out := map[string]int64{}
			err := s.Each(ctx, fmt.Sprintf("SELECT CAST(%[1]s AS STRING), COUNT(*) FROM %[2]s m WHERE %[3]s AND %[1]s IS NOT NULL GROUP BY 1 ORDER BY 1", engine.Ident(m.GroupBy), from, where), func(row []any) error {
				var k string
				var n int64
				err := engine.Scan(row, &k, &n)
				out[k] = n
				return err
			})
			if err != nil {
				return err
			}
			val = out
		default:
			limit := m.Limit
			if limit <= 0 {
				limit = 10
			}
			out := []map[string]any{}
			err := s.Each(ctx, fmt.Sprintf("SELECT CAST(%[1]s AS STRING) AS v, COUNT(*) AS n FROM %[2]s m WHERE %[3]s AND %[1]s IS NOT NULL GROUP BY 1 ORDER BY n DESC, v ASC LIMIT %[4]d", engine.Ident(m.Top), from, where, limit), func(row []any) error {
				var k string
				var n int64
				err := engine.Scan(row, &k, &n)
				out = append(out, map[string]any{m.Top: k, "count": n})
				return err
			})
			if err != nil {
				return err
			}
			val = out
		}
		if m.Section != "" {
			if rep.Sections[m.Section] == nil {
				rep.Sections[m.Section] = map[string]any{}
			}
			rep.Sections[m.Section][m.Name] = engine.JSONValue(val)
		} else {
			rep.Metrics[m.Name] = engine.JSONValue(val)
		}
	}
	// The tags report names its counts the plan's way.
	if t.Name == "tags" {
		rep.Metrics["valid_tags"] = rep.OutputCount
		rep.Metrics["rejected_tags"] = rep.RejectCount
	}
	return nil
}

func metricWhere(m contract.Metric) string {
	if m.Where != "" {
		return m.Where
	}
	return "true"
}

// scalarMetrics evaluates the SQL metrics, one query per relation and filter: each query is a
// full pass over the judged rows (the datasets statistics took three passes).
func (j *Job) scalarMetrics(ctx context.Context, s engine.Session, metrics []contract.Metric, rel map[string]string) (map[string]any, error) {
	type pass struct {
		from, where  string
		names, exprs []string
	}
	var passes []*pass
	byKey := map[string]*pass{}
	for _, m := range metrics {
		if m.SQL == "" {
			continue
		}
		expr, err := j.render(m.Name, m.SQL, nil)
		if err != nil {
			return nil, err
		}
		key := m.From + "\x00" + metricWhere(m)
		p := byKey[key]
		if p == nil {
			p = &pass{from: rel[m.From], where: metricWhere(m)}
			byKey[key] = p
			passes = append(passes, p)
		}
		p.names = append(p.names, m.Name)
		p.exprs = append(p.exprs, expr)
	}
	out := map[string]any{}
	for _, p := range passes {
		vals := make([]any, len(p.exprs))
		dest := make([]any, len(vals))
		for i := range vals {
			dest[i] = &vals[i]
		}
		if err := s.QueryRow(ctx, fmt.Sprintf("SELECT %s FROM %s m WHERE %s", strings.Join(p.exprs, ", "), p.from, p.where), dest...); err != nil {
			return nil, fmt.Errorf("%s: %w", strings.Join(p.names, ", "), err)
		}
		for i, n := range p.names {
			out[n] = vals[i]
		}
	}
	return out, nil
}

// render executes a shape model or metric template in the dialect of the job's engine; cols
// lists srcCols (the typed source's columns) qualified by an alias, minus the ones named.
func (j *Job) render(name, text string, srcCols []string) (string, error) {
	cols := func(alias string, except ...string) string {
		var out []string
		for _, c := range srcCols {
			if !slices.Contains(except, c) {
				out = append(out, alias+"."+engine.Ident(c))
			}
		}
		return strings.Join(out, ", ")
	}
	out, err := layer.Render(j.Engine.Dialect(), name, text, template.FuncMap{"cols": cols}, nil)
	if err != nil {
		return "", fmt.Errorf("model %s: %w", name, err)
	}
	return out, nil
}

func columns(ctx context.Context, s engine.Session, rel string) ([]string, error) {
	cols, err := s.Describe(ctx, rel)
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = c.Name
	}
	return out, err
}

// loadCountries creates the countries lookup (lower-cased name → ISO alpha-2) from the
// embedded table.
func loadCountries(ctx context.Context, s engine.Session) error {
	r := csv.NewReader(bytes.NewReader(country.CSV()))
	recs, err := r.ReadAll()
	if err != nil {
		return fmt.Errorf("embedded country table: %w", err)
	}
	if len(recs) < 2 {
		return fmt.Errorf("embedded country table: no rows")
	}
	var vals []string
	for _, rec := range recs[1:] {
		vals = append(vals, fmt.Sprintf("(%s, %s)", engine.Text(strings.ToLower(strings.TrimSpace(rec[0]))), engine.Text(rec[1])))
	}
	return s.Temp(ctx, "countries", "SELECT DISTINCT * FROM (VALUES "+strings.Join(vals, ", ")+") AS t(name_key, code)", true)
}

func dedupe(xs []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, x := range xs {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}
