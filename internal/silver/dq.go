package silver

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"text/template"
	"time"

	"github.com/metalake/metalake/internal/engine"
	"github.com/metalake/metalake/internal/lake"
)

// DQKey is the lake key of the silver DQ report of d.
func DQKey(d lake.Date) string { return lake.ReportKey(lake.Silver, d, "silver_dq_report.json") }

// DQReport is silver/_reports/run_date=D/silver_dq_report.json (the plan's shape, with
// structured results instead of raw engine output).
type DQReport struct {
	Layer     string             `json:"layer"`
	RunDate   string             `json:"run_date"`
	CheckTime string             `json:"check_time"`
	Tables    map[string]DQTable `json:"tables"`
	// Errors lists every check that failed (could not run, or found a broken promise such as a
	// duplicate key); check_silver_completion requires it to be empty.
	Errors []string `json:"errors"`
}

// DQTable holds one table's checks in order.
type DQTable struct {
	Checks []DQCheck `json:"checks"`
}

// DQCheck is one named check and its structured result (an object, or a list of objects).
type DQCheck struct {
	Name   string `json:"name"`
	Result any    `json:"result"`
	Error  string `json:"error,omitempty"`
}

// dqCheck declares one check: its table, name, SQL model (over the view silver_{table}) and
// whether its result is one row (an object; a non-NULL __error column fails the check) or a list.
type dqCheck struct {
	table, name, model string
	list               bool
}

// dqChecks are the plan's Athena checks (SPEC §4), as SQL over silver of the run date.
var dqChecks = []dqCheck{
	{"users", "user_uniqueness", "dq_users_uniqueness.sql", false},
	{"users", "top_countries", "dq_users_top_countries.sql", true},
	{"users", "signup_dates", "dq_users_signup_dates.sql", false},
	{"datasets", "owner_match", "dq_datasets_owner_match.sql", false},
	{"datasets", "privacy", "dq_datasets_privacy.sql", true},
	{"datasets", "freshness", "dq_datasets_freshness.sql", false},
	{"tags", "tag_normalisation", "dq_tags_normalisation.sql", false},
	{"tags", "categories", "dq_tags_categories.sql", true},
}

// dqTables are the tables the DQ report checks.
func dqTables() []string { return []string{"users", "datasets", "tags"} }

// DQ writes the silver DQ report. Lake, Engine and Contracts (for the models) are required.
type DQ struct {
	Lake      *lake.Lake
	Engine    engine.Engine
	Contracts *Set
	Log       *slog.Logger
	Now       func() time.Time
}

// Run checks silver of d and writes the report. A check that cannot run or finds a broken
// promise is recorded in the report (its error, and in errors); Run itself fails only when the
// report cannot be produced or written (I/O).
func (q *DQ) Run(ctx context.Context, d lake.Date) (*DQReport, error) {
	now := time.Now
	if q.Now != nil {
		now = q.Now
	}
	rep := &DQReport{Layer: lake.Silver, RunDate: d.String(), Tables: map[string]DQTable{}, Errors: []string{}}
	tmp, err := q.Engine.TempDir("silver-dq")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	s, err := q.Engine.Session(ctx)
	if err != nil {
		return nil, err
	}
	defer s.Close()
	available := map[string]error{}
	for _, t := range dqTables() {
		err := q.view(ctx, s, t, d, tmp)
		var missing *missingInputError
		if err != nil && !errors.As(err, &missing) {
			// Reading a published partition failed (I/O): the task fails and is retried or
			// resumed, rather than record a check failure --resume would read forever.
			return nil, fmt.Errorf("silver dq %s: %w", d, err)
		}
		available[t] = err
	}
	defer func() {
		for _, t := range dqTables() {
			_ = s.DropTemp(context.WithoutCancel(ctx), "silver_"+t)
		}
	}()
	for _, c := range dqChecks {
		res, cerr := q.check(ctx, s, c, d, available[c.table])
		chk := DQCheck{Name: c.name, Result: res}
		if cerr != nil {
			chk.Error = cerr.Error()
			rep.Errors = append(rep.Errors, fmt.Sprintf("%s.%s: %s", c.table, c.name, cerr))
		}
		tb := rep.Tables[c.table]
		tb.Checks = append(tb.Checks, chk)
		rep.Tables[c.table] = tb
	}
	rep.CheckTime = isoTime(now())
	if len(rep.Errors) > 0 && q.Log != nil {
		q.Log.Warn("silver DQ found errors", "run_date", d.String(), "errors", rep.Errors)
	}
	if err := q.Lake.PutJSON(ctx, DQKey(d), rep); err != nil {
		return rep, fmt.Errorf("silver dq %s: write report: %w", d, err)
	}
	return rep, nil
}

// missingInputError is a silver partition the checks cannot read because it is not there (not
// published, or empty): a finding the report records, unlike an I/O failure.
type missingInputError struct{ msg string }

func (e *missingInputError) Error() string { return e.msg }

// view exposes silver table's committed partition of d as silver_{table}: a
// *missingInputError when there is none to read.
func (q *DQ) view(ctx context.Context, s engine.Session, table string, d lake.Date, tmp string) error {
	dir := lake.PartitionDir(lake.Silver, table, d)
	m, ok, err := q.Lake.ReadManifest(ctx, dir)
	if err != nil {
		return err
	}
	if !ok {
		return &missingInputError{fmt.Sprintf("silver %s %s is not published", table, d)}
	}
	if len(m.Files) == 0 {
		return &missingInputError{fmt.Sprintf("silver %s %s is empty", table, d)}
	}
	paths, err := engine.Inputs(ctx, q.Engine, q.Lake.B, m.Keys(dir), tmp)
	if err != nil {
		return err
	}
	return s.Temp(ctx, "silver_"+table, "SELECT * FROM "+q.Engine.Dialect().ReadParquet(paths), false)
}

func (q *DQ) check(ctx context.Context, s engine.Session, c dqCheck, d lake.Date, unavailable error) (any, error) {
	if unavailable != nil {
		return nil, unavailable
	}
	text, ok := q.Contracts.Model(c.model)
	if !ok {
		return nil, fmt.Errorf("model %s not found", c.model)
	}
	tpl, err := template.New(c.model).Funcs(modelFuncs(q.Engine.Dialect(), func(p string) (string, error) {
		return "", fmt.Errorf("param %q: DQ models have no params", p)
	})).Option("missingkey=error").Parse(text)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if err := tpl.Execute(&b, map[string]any{"RunDate": dateLiteral(d.String())}); err != nil {
		return nil, err
	}
	rows, err := s.Objects(ctx, strings.TrimRight(strings.TrimSpace(b.String()), ";"), engine.JSONValue)
	if err != nil {
		return nil, err
	}
	if c.list {
		return rows, nil
	}
	if len(rows) != 1 {
		return nil, fmt.Errorf("expected one row, got %d", len(rows))
	}
	res := rows[0]
	msg, _ := res["__error"].(string)
	delete(res, "__error")
	if msg != "" {
		return res, fmt.Errorf("%s", msg)
	}
	return res, nil
}
