package warehouse

import (
	"context"
	"fmt"
	"maps"
	"math"
	"math/big"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/metalake/metalake/internal/engine"
	"github.com/metalake/metalake/internal/lake"
)

// CheckReport compares the warehouse with the lake: per table (per run date for the facts and
// the bridge) the row count, the sum of every numeric column, and for SCD2 dimensions the
// number of current versions and the sum of their surrogate keys.
type CheckReport struct {
	Target      string
	RunDates    []string
	Tables      int
	Checks      int
	Differences []Difference
}

// Difference is one check whose answers differ ("" stands for NULL or absent).
type Difference struct {
	Table, RunDate, Check string
	Lake, Warehouse       string
}

// Check compares the warehouse with the lake for run dates (none: every run date the
// warehouse holds, as loaded or as present in its facts). Dimensions are compared with the
// lake's committed version.
func (e *Exporter) Check(ctx context.Context, dates []lake.Date) (*CheckReport, error) {
	t := e.Target
	c, err := dial(ctx, t)
	if err != nil {
		return nil, err
	}
	defer c.close()
	fail := func(what string, err error) error { return statementError(t, "check: "+what, err) }
	have, err := e.existing(ctx, c)
	if err != nil {
		return nil, fail("read the warehouse's tables", err)
	}
	if len(have.columns) == 0 {
		return nil, &Error{Target: t.String(), Op: "check", Err: fmt.Errorf("schema %s holds no table: export a date first", t.Schema)}
	}
	if len(dates) == 0 {
		if dates, err = e.warehouseDates(ctx, c, have); err != nil {
			return nil, fail("list run dates", err)
		}
	}
	rep := &CheckReport{Target: t.String()}
	for _, d := range dates {
		rep.RunDates = append(rep.RunDates, d.String())
	}
	tmp, err := e.Engine.TempDir("warehouse-check")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	s, err := e.Engine.Session(ctx)
	if err != nil {
		return nil, err
	}
	defer s.Close()
	for _, spec := range tableSpecs() {
		rep.Tables++
		perDate := dates
		if spec.dimension() {
			perDate = []lake.Date{{}}
		}
		for _, d := range perDate {
			lt, found, err := readTable(ctx, e.Lake, s, tmp, t.Kind, spec, d)
			if err != nil {
				return nil, err
			}
			runDate := ""
			if !spec.dimension() {
				runDate = d.String()
			}
			cols := lt.columns
			if cols == nil {
				cols = warehouseColumns(have.columns[spec.name])
			}
			checks := metrics(spec, cols)
			lakeVals := make([]*string, len(checks))
			switch {
			case !found:
				// Rows the warehouse holds for a partition the lake does not commit (any more).
			case len(lt.manifest.Files) == 0:
				zero := "0"
				lakeVals[0] = &zero
			default:
				if lakeVals, err = e.lakeMetrics(ctx, s, lt, checks, tmp); err != nil {
					return nil, fmt.Errorf("check %s %s in the lake: %w", spec.name, runDate, err)
				}
			}
			if !found && lakeVals[0] == nil {
				zero := "0"
				lakeVals[0] = &zero
			}
			if _, ok := have.columns[spec.name]; !ok {
				rep.Checks++
				rep.add(Difference{Table: spec.name, RunDate: runDate, Check: "table", Lake: "present", Warehouse: "absent"})
				continue
			}
			whVals, err := e.warehouseMetrics(ctx, c, spec, runDate, checks)
			if err != nil {
				return nil, fail(spec.name, err)
			}
			for i, m := range checks {
				rep.Checks++
				if !m.equal(lakeVals[i], whVals[i]) {
					rep.add(Difference{Table: spec.name, RunDate: runDate, Check: m.name, Lake: format(lakeVals[i]), Warehouse: format(whVals[i])})
				}
			}
		}
	}
	return rep, nil
}

func (r *CheckReport) add(d Difference) { r.Differences = append(r.Differences, d) }

// metric is one number computed the same way on both sides (portable SQL: DuckDB, PostgreSQL
// and Redshift all read it), as text. Counts and sums of integers are exact (compared as
// text: a sum of 25 M view counts is beyond a float's precision); sums of floating-point
// columns agree to 1e-9 relative (they depend on the order rows are added in).
type metric struct {
	name, expr string
	float      bool
}

func metrics(spec tableSpec, cols []column) []metric {
	exact := func(name, expr string) metric {
		return metric{name: name, expr: fmt.Sprintf("CAST(%s AS VARCHAR)", expr)}
	}
	out := []metric{exact("rows", "COUNT(*)")}
	for _, c := range cols {
		switch {
		case !c.numeric():
		case c.sql.info == "real" || c.sql.info == "double precision":
			out = append(out, metric{name: "sum(" + c.name + ")", expr: fmt.Sprintf("CAST(CAST(SUM(%s) AS FLOAT8) AS VARCHAR)", ident(c.name)), float: true})
		default:
			out = append(out, exact("sum("+c.name+")", fmt.Sprintf("SUM(%s)", ident(c.name))))
		}
	}
	if spec.current != "" {
		cur, sk := ident(spec.current), ident(spec.key[0])
		out = append(out,
			exact("current rows", fmt.Sprintf("SUM(CASE WHEN %s THEN 1 ELSE 0 END)", cur)),
			exact("sum("+spec.key[0]+") of current rows", fmt.Sprintf("SUM(CASE WHEN %s THEN %s END)", cur, sk)))
	}
	return out
}

// equal compares the two sides' answers; NULL equals NULL.
func (m metric) equal(a, b *string) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	if !m.float {
		x, okx := new(big.Rat).SetString(*a)
		y, oky := new(big.Rat).SetString(*b)
		if okx && oky {
			return x.Cmp(y) == 0
		}
		return *a == *b
	}
	x, errx := strconv.ParseFloat(*a, 64)
	y, erry := strconv.ParseFloat(*b, 64)
	if errx != nil || erry != nil {
		return *a == *b
	}
	return math.Abs(x-y) <= 1e-9*math.Max(1, math.Max(math.Abs(x), math.Abs(y)))
}

func selectMetrics(ms []metric) string {
	exprs := make([]string, len(ms))
	for i, m := range ms {
		exprs[i] = m.expr
	}
	return "SELECT " + strings.Join(exprs, ", ")
}

func (e *Exporter) lakeMetrics(ctx context.Context, s engine.Session, t lakeTable, ms []metric, tmp string) ([]*string, error) {
	files, err := engine.Inputs(ctx, e.Engine, e.Lake.B, t.keys(), tmp)
	if err != nil {
		return nil, err
	}
	out := make([]*string, len(ms))
	dest := make([]any, len(ms))
	for i := range dest {
		dest[i] = new(any)
	}
	if err := s.QueryRow(ctx, selectMetrics(ms)+" FROM "+engine.ReadParquet(files), dest...); err != nil {
		return nil, err
	}
	for i, d := range dest {
		out[i] = text(*(d.(*any)))
	}
	return out, nil
}

func (e *Exporter) warehouseMetrics(ctx context.Context, c conn, spec tableSpec, runDate string, ms []metric) ([]*string, error) {
	q := selectMetrics(ms) + " FROM " + ident(e.Target.Schema) + "." + ident(spec.name)
	if runDate != "" {
		q += fmt.Sprintf(` WHERE "run_date" = CAST(%s AS DATE)`, literal(runDate))
	}
	out := make([]*string, len(ms))
	err := c.query(ctx, q, func(vals []any) error {
		for i, v := range vals {
			out[i] = text(v)
		}
		return nil
	})
	return out, err
}

// warehouseDates are the run dates the warehouse holds: loaded (bookkeeping) or present in a
// fact.
func (e *Exporter) warehouseDates(ctx context.Context, c conn, have existing) ([]lake.Date, error) {
	seen := map[string]bool{}
	q := fmt.Sprintf(`SELECT DISTINCT CAST("run_date" AS VARCHAR(10)) FROM %s."_metalake_exports" WHERE "run_date" IS NOT NULL`, ident(e.Target.Schema))
	for _, spec := range tableSpecs() {
		if _, ok := have.columns[spec.name]; ok && !spec.dimension() {
			q += fmt.Sprintf(` UNION SELECT DISTINCT CAST("run_date" AS VARCHAR(10)) FROM %s.%s`, ident(e.Target.Schema), ident(spec.name))
		}
	}
	err := c.query(ctx, q, func(v []any) error {
		seen[fmt.Sprint(v[0])] = true
		return nil
	})
	if err != nil {
		return nil, err
	}
	var out []lake.Date
	for _, s := range slices.Sorted(maps.Keys(seen)) {
		d, err := lake.ParseDate(s)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}

// warehouseColumns stands in for the lake's schema when the lake has no file of a table: the
// warehouse's numeric columns, so that its rows still show as a difference.
func warehouseColumns(have map[string]string) []column {
	var out []column
	for _, name := range slices.Sorted(maps.Keys(have)) {
		out = append(out, column{name: name, sql: sqlType{info: have[name]}})
	}
	return out
}

func text(v any) *string {
	if v == nil {
		return nil
	}
	t := strings.TrimSpace(fmt.Sprint(v))
	return &t
}

func format(v *string) string {
	if v == nil {
		return ""
	}
	return *v
}
