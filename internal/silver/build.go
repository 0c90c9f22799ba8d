package silver

import (
	"context"
	"fmt"
	"strings"
	"text/template"
	"time"

	"github.com/metalake/metalake/internal/engine"
	"github.com/metalake/metalake/internal/lake"
	"github.com/metalake/metalake/internal/layer"
)

// build is one run of one table inside its engine session: the relations it creates (see
// doc.go) and the counts it gathers for the report.
type build struct {
	j           *Job
	s           engine.Session
	t           Table
	d           lake.Date
	mode        Mode
	rep         *Report
	contractErr func(string, ...any) error
	data        map[string]any // template data of the models
	objects     []string       // temporary relations, dropped by cleanup

	newCols     columns          // prepared bronze rows (new_rows)
	stateCols   columns          // the clean model's output, __drop included
	clean       string           // the rendered clean model
	drops       map[string]int64 // every dropped row by code
	newTotal    int64            // prepared rows (= bronze rows)
	carriedRows int64            // rows of silver(P) and held(P)
	sorted      bool             // write silver(D) and the held rows ordered by key
	outSQL      string           // the query that writes silver(D)
}

func (b *build) fail(err error) error { return fmt.Errorf("silver %s %s: %w", b.t.Name, b.d, err) }

func (b *build) accountingErr(format string, args ...any) error {
	return &AccountingError{Table: b.t.Name, RunDate: b.d.String(), Detail: fmt.Sprintf(format, args...)}
}

func (b *build) exec(ctx context.Context, kind, name, query string) error {
	if err := b.s.Temp(ctx, name, query, kind == "TABLE"); err != nil {
		return b.fail(fmt.Errorf("%s %s: %w", strings.ToLower(kind), name, err))
	}
	b.objects = append(b.objects, name)
	return nil
}

// cleanup drops the session's temporary objects.
func (b *build) cleanup(ctx context.Context) {
	for i := len(b.objects) - 1; i >= 0; i-- {
		_ = b.s.DropTemp(ctx, b.objects[i])
	}
}

func (b *build) render(name string) (string, error) {
	text, ok := b.j.Contracts.Model(name)
	if !ok {
		return "", b.contractErr("model %s not found", name)
	}
	param := func(p string) (string, error) {
		for _, x := range b.t.Params {
			if x.Name == p {
				if len(x.Layouts) > 0 {
					return "", fmt.Errorf("param %s has per-layout values: read the column __%s instead", p, p)
				}
				return x.Default, nil
			}
		}
		return "", fmt.Errorf("param %q is not declared in the %s contract", p, b.t.Name)
	}
	out, err := layer.Render(b.j.Engine.Dialect(), name, text, template.FuncMap{"param": param}, b.data)
	if err != nil {
		return "", b.contractErr("model %s: %w", name, err)
	}
	return strings.TrimRight(strings.TrimSpace(out), ";"), nil
}

func (b *build) compute(ctx context.Context, in inputs, start time.Time) error {
	if err := b.prepare(ctx, in.bronze); err != nil {
		return err
	}
	if err := b.stateSchema(ctx); err != nil {
		return err
	}
	if err := b.dedup(ctx, in.carriedMain, in.carriedHeld); err != nil {
		return err
	}
	enrichedCols, err := b.cleanAndEnrich(ctx, in.deps)
	if err != nil {
		return err
	}
	outFiles, heldFiles, err := b.write(ctx, enrichedCols, start)
	if err != nil {
		return err
	}
	if err := b.account(ctx, outFiles, heldFiles); err != nil {
		return err
	}
	if err := b.reportFields(ctx, outFiles); err != nil {
		return err
	}
	// Publish the held rows first, then silver(D) with the same attempt: its manifest is the
	// commit point the next date checks, and the attempt ties the two together.
	attempt := lake.NewAttemptID(start)
	if err := b.publish(ctx, HeldDir(b.t.Name, b.d), "_held/"+b.t.Name, attempt, heldFiles); err != nil {
		return err
	}
	return b.publish(ctx, lake.PartitionDir(lake.Silver, b.t.Name, b.d), b.t.Name, attempt, outFiles)
}

// prepare creates bronze_in and new_rows (the prepare model: key-only drops) and counts them.
func (b *build) prepare(ctx context.Context, bronzeIn []partitionInput) error {
	t := b.t
	bin, err := b.j.bronzeInSQL(ctx, b.s, t, bronzeIn)
	if err != nil {
		return b.fail(err)
	}
	if err := b.exec(ctx, "VIEW", "bronze_in", bin); err != nil {
		return err
	}
	prepare := "SELECT bronze_in.*, CAST(NULL AS STRING) AS __drop FROM bronze_in"
	if t.Models.Prepare != "" {
		if prepare, err = b.render(t.Models.Prepare); err != nil {
			return err
		}
	}
	if err := b.exec(ctx, "VIEW", "new_rows", prepare); err != nil {
		return err
	}
	if b.newCols, err = describe(ctx, b.s, "SELECT * FROM new_rows"); err != nil {
		return b.fail(err)
	}
	for _, need := range append(append([]string{"__drop"}, t.Key...), "source_run_date", "source_line", "source_file") {
		if _, ok := b.newCols.find(need); !ok {
			return b.contractErr("prepare model output has no column %s", need)
		}
	}
	var nk []string
	for _, k := range t.Key {
		nk = append(nk, engine.Ident(k)+" IS NULL")
	}
	b.drops = map[string]int64{}
	var nullKeys int64
	err = b.s.Each(ctx, fmt.Sprintf(`SELECT __drop, COUNT(*), CAST(COALESCE(SUM(CASE WHEN %s THEN 1 ELSE 0 END), 0) AS BIGINT)
FROM new_rows GROUP BY __drop`, strings.Join(nk, " OR ")), func(row []any) error {
		var code any
		var n, nulls int64
		if err := engine.Scan(row, &code, &n, &nulls); err != nil {
			return err
		}
		b.newTotal += n
		if c, ok := code.(string); ok {
			b.drops[c] += n
		} else {
			nullKeys += nulls
		}
		return nil
	})
	if err != nil {
		return b.fail(err)
	}
	if b.newTotal != b.rep.BronzeInputCount {
		return b.accountingErr("the prepare model gave %d rows for %d bronze rows", b.newTotal, b.rep.BronzeInputCount)
	}
	if nullKeys > 0 {
		return b.contractErr("%d bronze rows have a NULL key (%s)", nullKeys, strings.Join(t.Key, ", "))
	}
	return nil
}

// stateSchema finds the state columns: the clean model's output over a placeholder
// winners_new of the same shape as the real one. The clean model must emit the lineage, key
// and dedup columns (the latter unchanged in type) and __drop.
func (b *build) stateSchema(ctx context.Context) error {
	t := b.t
	newKeep := b.newCols.without("__drop")
	cols := append(quoted(newKeep.names(), ""), "source_run_date AS first_ingested_date", "source_run_date AS last_ingested_date")
	if err := b.exec(ctx, "VIEW", "winners_new", "SELECT "+strings.Join(cols, ", ")+" FROM new_rows"); err != nil {
		return err
	}
	var err error
	if b.clean, err = b.render(t.Models.Clean); err != nil {
		return err
	}
	if b.stateCols, err = describe(ctx, b.s, b.clean); err != nil {
		return b.contractErr("clean model %s: %w", t.Models.Clean, err)
	}
	orderCols, _ := b.order("")
	for _, need := range append(append(append([]string{"__drop"}, lineage...), t.Key...), orderCols...) {
		if _, ok := b.stateCols.find(need); !ok {
			return b.contractErr("clean model %s must emit column %s", t.Models.Clean, need)
		}
	}
	for _, need := range append(append([]string(nil), t.Key...), orderCols...) {
		nc, ok := b.newCols.find(need)
		sc, _ := b.stateCols.find(need)
		if !ok {
			return b.contractErr("dedup column %s is not a column of the prepared bronze rows", need)
		}
		if nc.Type != sc.Type {
			return b.contractErr("clean model %s changes the type of dedup column %s (%s → %s)", t.Models.Clean, need, nc.Type, sc.Type)
		}
	}
	return nil
}

// cleanAndEnrich creates state (the clean model over new winners; carried winners pass
// through, only their ingestion dates move), live (state rows not dropped) and enriched (the
// enrich model over live and the silver tables of the same date it depends on).
func (b *build) cleanAndEnrich(ctx context.Context, deps map[string]partitionInput) (columns, error) {
	winnersNew := append(quoted(b.newCols.without("__drop").names(), ""), "__fi AS first_ingested_date", "__li AS last_ingested_date")
	if err := b.exec(ctx, "VIEW", "winners_new", "SELECT "+strings.Join(winnersNew, ", ")+" FROM winners WHERE __new"); err != nil {
		return nil, err
	}
	var carriedState []string
	for _, c := range b.stateCols {
		switch c.Name {
		case "first_ingested_date":
			carriedState = append(carriedState, "__fi AS first_ingested_date")
		case "last_ingested_date":
			carriedState = append(carriedState, "__li AS last_ingested_date")
		default:
			carriedState = append(carriedState, engine.Ident(c.Name))
		}
	}
	if err := b.exec(ctx, "VIEW", "state", fmt.Sprintf("SELECT %s FROM (%s) c\nUNION ALL\nSELECT %s FROM winners WHERE NOT __new",
		strings.Join(quoted(b.stateCols.names(), ""), ", "), b.clean, strings.Join(carriedState, ", "))); err != nil {
		return nil, err
	}
	stateKeep := b.stateCols.without("__drop")
	if err := b.exec(ctx, "VIEW", "live", "SELECT "+strings.Join(quoted(stateKeep.names(), ""), ", ")+" FROM state WHERE __drop IS NULL"); err != nil {
		return nil, err
	}
	for _, dep := range b.t.DependsOn {
		if err := b.exec(ctx, "VIEW", "silver_"+dep, "SELECT * FROM "+b.j.Engine.Dialect().ReadParquet(deps[dep].paths)); err != nil {
			return nil, err
		}
	}
	enrich := "SELECT live.*, CAST(NULL AS STRING) AS __drop FROM live"
	if b.t.Models.Enrich != "" {
		var err error
		if enrich, err = b.render(b.t.Models.Enrich); err != nil {
			return nil, err
		}
	}
	if err := b.exec(ctx, "VIEW", "enriched", enrich); err != nil {
		return nil, err
	}
	enrichedCols, err := describe(ctx, b.s, "SELECT * FROM enriched")
	if err != nil {
		return nil, b.fail(err)
	}
	for _, c := range append(stateKeep, column{Name: "__drop"}) {
		if _, ok := enrichedCols.find(c.Name); !ok {
			return nil, b.contractErr("enrich model must keep every live column and emit __drop: %s is missing", c.Name)
		}
	}
	return enrichedCols, nil
}

// write writes silver(D) (business columns, then lineage, then metadata) and the held rows
// (state columns + drop_code, kept for the next date, + held_reason): ordered by key after
// the window, which scatters them, else in the order they stream (see doc.go).
func (b *build) write(ctx context.Context, enrichedCols columns, start time.Time) (out, held []engine.ParquetFile, err error) {
	processed := start.UTC().Truncate(time.Microsecond).Format("2006-01-02 15:04:05.999999")
	var outCols []string
	for _, c := range enrichedCols {
		if !strings.HasPrefix(c.Name, "__") && !contains(lineage, c.Name) {
			outCols = append(outCols, engine.Ident(c.Name))
		}
	}
	outCols = append(outCols, quoted(lineage, "")...)
	outCols = append(outCols, timestampLiteral(processed)+" AS silver_processed_ts", dateLiteral(b.d.String())+" AS silver_run_date")
	orderBy := ""
	if b.sorted {
		orderBy = " ORDER BY " + strings.Join(quoted(b.t.Key, ""), ", ")
	}
	b.outSQL = fmt.Sprintf("SELECT %s FROM enriched WHERE __drop IS NULL%s", strings.Join(outCols, ", "), orderBy)
	if out, err = b.s.WriteParquet(ctx, b.outSQL, engine.Output{Dir: lake.PartitionDir(lake.Silver, b.t.Name, b.d)}); err != nil {
		return nil, nil, b.fail(fmt.Errorf("write: %w", err))
	}
	keep := strings.Join(quoted(b.stateCols.without("__drop").names(), ""), ", ")
	heldSQL := fmt.Sprintf(`SELECT * FROM (
SELECT %[1]s, __drop AS drop_code, __drop AS held_reason FROM state WHERE __drop IS NOT NULL
UNION ALL
SELECT %[1]s, CAST(NULL AS STRING) AS drop_code, __drop AS held_reason FROM enriched WHERE __drop IS NOT NULL
) h%[2]s`, keep, orderBy)
	if held, err = b.s.WriteParquet(ctx, heldSQL, engine.Output{Dir: HeldDir(b.t.Name, b.d)}); err != nil {
		return nil, nil, b.fail(fmt.Errorf("write held rows: %w", err))
	}
	return out, held, nil
}

// account counts what was written and checks, before anything is published, that every
// input row is an output row, a removed duplicate or a dropped row under a declared strategy.
func (b *build) account(ctx context.Context, out, held []engine.ParquetFile) error {
	rep := b.rep
	for _, f := range out {
		rep.OutputCount += f.Rows
	}
	for _, f := range held {
		rep.HeldCount += f.Rows
	}
	if len(held) > 0 {
		err := b.s.Each(ctx, "SELECT held_reason, COUNT(*) FROM "+b.j.Engine.Dialect().ReadParquet(filePaths(held))+" GROUP BY held_reason", func(row []any) error {
			var code string
			var n int64
			err := engine.Scan(row, &code, &n)
			b.drops[code] += n
			return err
		})
		if err != nil {
			return b.fail(err)
		}
	}
	for code, n := range b.drops {
		rep.DroppedCount += n
		if !b.declared(code) {
			return b.contractErr("a model dropped %d rows with code %q, which no DROP strategy of the contract declares", n, code)
		}
	}
	if rep.InputCount != rep.OutputCount+rep.DuplicatesRemoved+rep.DroppedCount || rep.AfterDedupCount != rep.OutputCount+rep.HeldCount {
		return b.accountingErr("input %d ≠ output %d + duplicates %d + dropped %d, or after dedup %d ≠ output + held %d",
			rep.InputCount, rep.OutputCount, rep.DuplicatesRemoved, rep.DroppedCount, rep.AfterDedupCount, rep.HeldCount)
	}
	return nil
}

// reportFields computes not_in_latest_snapshot, cleaning_strategies and the contract's
// metrics over the written rows (relation output).
func (b *build) reportFields(ctx context.Context, out []engine.ParquetFile) error {
	rel := "SELECT * FROM " + b.j.Engine.Dialect().ReadParquet(filePaths(out))
	if len(out) == 0 {
		rel = strings.Replace(b.outSQL, "WHERE __drop IS NULL", "WHERE false", 1)
	}
	if err := b.exec(ctx, "VIEW", "output", rel); err != nil {
		return err
	}
	q := fmt.Sprintf("SELECT COUNT(*) FROM output WHERE last_ingested_date < %s", dateLiteral(b.d.String()))
	if err := b.s.QueryRow(ctx, q, &b.rep.NotInLatestSnapshot); err != nil {
		return b.fail(err)
	}
	if err := b.strategies(ctx); err != nil {
		return err
	}
	return b.metrics(ctx)
}

func (b *build) publish(ctx context.Context, dir, table, attempt string, files []engine.ParquetFile) error {
	if _, err := layer.Publish(ctx, b.j.Lake, layer.Output{Dir: dir, Layer: lake.Silver, Table: table, RunDate: b.d, Attempt: attempt, Files: files}); err != nil {
		return b.fail(err)
	}
	return nil
}

// order returns the dedup order's columns and its SQL over the columns of alias (e.g. "u.").
func (b *build) order(alias string) ([]string, string) {
	var cols, terms []string
	for _, o := range b.t.DedupOrder {
		m := orderRe.FindStringSubmatch(o)
		cols = append(cols, m[1])
		terms = append(terms, alias+engine.Ident(m[1])+strings.TrimPrefix(o, m[1]))
	}
	return cols, strings.Join(terms, ", ")
}

func (b *build) declared(code string) bool {
	for _, st := range b.t.Strategies {
		if st.Strategy == StrategyDrop && st.Code == code {
			return true
		}
	}
	return false
}

// unionColumns is every column of the prepared rows and of the state, in that order; a column
// in both must have one type.
func unionColumns(newCols, stateCols columns) (columns, error) {
	out := append(columns(nil), newCols...)
	for _, c := range stateCols {
		if n, ok := newCols.find(c.Name); ok {
			if n.Type != c.Type {
				return nil, fmt.Errorf("column %s is %s in the bronze rows and %s after cleaning: give the cleaned column a new name", c.Name, n.Type, c.Type)
			}
			continue
		}
		out = append(out, c)
	}
	return out, nil
}

func quoted(names []string, prefix string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = prefix + engine.Ident(n)
	}
	return out
}

func filePaths(files []engine.ParquetFile) []string {
	out := make([]string, len(files))
	for i, f := range files {
		out[i] = f.Path
	}
	return out
}
