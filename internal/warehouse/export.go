package warehouse

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/metalake/metalake/internal/deps"
	"github.com/metalake/metalake/internal/engine"
	"github.com/metalake/metalake/internal/lake"
)

// Exporter loads gold of a lake into a warehouse. Lake, Engine and Target are required.
type Exporter struct {
	Lake   *lake.Lake
	Engine engine.Engine
	Target Target
	Log    *slog.Logger
	Now    func() time.Time
	// LakeURI names the lake in the warehouse's bookkeeping and is the s3:// root Redshift's
	// COPY reads the lake's files from ("": the bucket's name, s3://bucket/prefix for an S3
	// lake).
	LakeURI string
	// Full reloads every dimension, also one whose committed version the warehouse already
	// holds (after the warehouse was changed by hand; Check shows such drift).
	Full bool
}

// Result is what one load did.
type Result struct {
	RunDate string
	// Rows are the rows loaded per table (a fact's: its rows of the run date).
	Rows map[string]int64
	// Unchanged are the dimensions the warehouse already held in their committed version
	// (nothing to load).
	Unchanged []string
	// Kept counts, per dimension, the versions the lake no longer has that stay in the
	// warehouse because facts of other run dates still reference them.
	Kept     map[string]int64
	Duration time.Duration
}

func (e *Exporter) log() *slog.Logger { return deps.Log(e.Log) }

func (e *Exporter) lakeURI() string {
	if e.LakeURI != "" {
		return strings.TrimSuffix(e.LakeURI, "/")
	}
	return strings.TrimSuffix(e.Lake.B.Name(), "/")
}

// Export loads gold of run date d into the warehouse, in one transaction: every dimension
// becomes the lake's committed version, and the facts' and the bridge's rows of d become the
// lake's partition of d; rows of other run dates are untouched. Tables are created from the
// lake's schemas, added columns added; a changed column type is refused (*SchemaError). The
// date's gold must have passed validate_gold_outputs (ErrNotValidated otherwise). Errors say
// whether a retry may help (Retryable).
func (e *Exporter) Export(ctx context.Context, d lake.Date) (*Result, error) {
	start := time.Now()
	if err := e.Target.validate("iam_role"); err != nil {
		return nil, &Error{Target: e.Target.String(), Op: "export " + d.String(), Err: err}
	}
	if e.Target.Kind == Redshift && !strings.HasPrefix(e.lakeURI(), "s3://") {
		return nil, &Error{Target: e.Target.String(), Op: "export " + d.String(),
			Err: fmt.Errorf("Redshift loads with COPY from S3: the lake %s is not on S3", e.lakeURI())}
	}
	tables, err := readGold(ctx, e.Lake, e.Engine, e.Target.Kind, d)
	if err != nil {
		return nil, &Error{Target: e.Target.String(), Op: "export " + d.String(), Err: err, retry: retryable(err)}
	}
	c, err := dial(ctx, e.Target)
	if err != nil {
		return nil, err
	}
	defer c.close()
	res, err := e.load(ctx, c, d, tables)
	if err != nil {
		return nil, err
	}
	res.Duration = time.Since(start)
	e.log().Info("warehouse export done", "target", e.Target.String(), "run_date", d.String(),
		"duration_s", res.Duration.Seconds(), "unchanged", res.Unchanged)
	return res, nil
}

// load runs one run date's load on c, in one transaction: nothing of it is visible unless all
// of it commits, and a connection lost on the way (a killed server) leaves the warehouse as
// it was.
func (e *Exporter) load(ctx context.Context, c conn, d lake.Date, tables []lakeTable) (res *Result, err error) {
	t := e.Target
	op := "export " + d.String()
	fail := func(what string, err error) error { return statementError(t, op+": "+what, err) }
	if _, err := c.exec(ctx, "BEGIN"); err != nil {
		return nil, fail("begin", err)
	}
	committed := false
	st := &loadState{missing: map[string]int64{}}
	defer func() {
		if !committed {
			rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
			_, _ = c.exec(rctx, "ROLLBACK") // a broken connection has rolled back already
			cancel()
		}
		for _, key := range st.manifests {
			if derr := e.Lake.B.Delete(context.WithoutCancel(ctx), key); derr != nil {
				e.log().Warn("warehouse: remove Redshift manifest", "key", key, "err", derr)
			}
		}
	}()
	for _, q := range header(t.Kind, t.Schema) {
		if _, err := c.exec(ctx, q); err != nil {
			return nil, fail("prepare schema "+t.Schema, err)
		}
	}
	have, err := e.existing(ctx, c)
	if err != nil {
		return nil, fail("read the warehouse's tables", err)
	}
	steps, unchanged, err := plan(planData{kind: t.Kind, schema: t.Schema, iamRole: t.IAMRole, lakeURI: e.lakeURI(),
		runDate: d, tables: tables, have: have, now: deps.Now(e.Now), full: e.Full,
		manifest: func(table string) string { return ManifestDir(d) + table + ".manifest" }})
	var se *SchemaError
	if errors.As(err, &se) {
		se.TargetName = t.String()
		return nil, se
	}
	if err != nil {
		return nil, fail("plan", err)
	}
	res = &Result{RunDate: d.String(), Rows: map[string]int64{}, Unchanged: unchanged, Kept: map[string]int64{}}
	st.res = res
	for _, tb := range tables {
		if !slices.Contains(unchanged, tb.spec.name) {
			res.Rows[tb.spec.name] = tb.manifest.Rows
		}
	}
	for _, s := range steps {
		if s.deletes != "" && st.missing[s.deletes] == 0 {
			continue // nothing to delete: skip a second scan of the dimension
		}
		start := time.Now()
		if err := e.run(ctx, c, s, st); err != nil {
			return nil, fail(describeStep(s), err)
		}
		e.log().Debug("warehouse step", "run_date", d.String(), "step", describeStep(s), "duration_s", time.Since(start).Seconds())
	}
	start := time.Now()
	if _, err := c.exec(ctx, "COMMIT"); err != nil {
		return nil, fail("commit", err)
	}
	committed = true
	e.log().Debug("warehouse step", "run_date", d.String(), "step", "COMMIT", "duration_s", time.Since(start).Seconds())
	for dim, n := range res.Kept {
		if n > 0 {
			e.log().Warn("warehouse: dimension versions the lake no longer has are kept: facts of other run dates reference them; "+
				"rerun and export those dates", "table", dim, "versions", n, "run_date", d.String())
		}
	}
	return res, nil
}

// loadState is what the steps of one load share.
type loadState struct {
	res       *Result
	manifests []string         // Redshift manifests written into the lake (removed at the end)
	missing   map[string]int64 // per dimension: rows the lake no longer has
}

// run executes one step.
func (e *Exporter) run(ctx context.Context, c conn, s step, st *loadState) error {
	switch {
	case s.copy != nil:
		n, err := e.copyTable(ctx, c, *s.copy, s.stage)
		if err != nil {
			return err
		}
		if n != s.copy.manifest.Rows {
			return fmt.Errorf("copied %d rows of %s, its manifest commits %d", n, s.copy.dir, s.copy.manifest.Rows)
		}
		return nil
	case s.manifest != nil:
		if err := s.manifest.write(ctx, e.Lake); err != nil {
			return err
		}
		st.manifests = append(st.manifests, s.manifest.key)
	case s.missing != "":
		return c.query(ctx, s.sql, func(vals []any) error {
			var n int64
			if err := engine.Scan(vals[:1], &n); err != nil {
				return fmt.Errorf("count of %s: %w", s.missing, err)
			}
			st.missing[s.missing] = n
			st.res.Kept[s.missing] = n
			return nil
		})
	case s.deletes != "":
		n, err := c.exec(ctx, s.sql)
		st.res.Kept[s.deletes] -= n
		return err
	}
	_, err := c.exec(ctx, s.sql)
	return err
}

// copyTable streams the committed files of t from the engine into the staging table by the
// COPY protocol.
func (e *Exporter) copyTable(ctx context.Context, c conn, t lakeTable, stage string) (int64, error) {
	tmp, err := e.Engine.TempDir("warehouse-" + t.spec.name)
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(tmp)
	files, err := engine.Inputs(ctx, e.Engine, e.Lake.B, t.keys(), tmp)
	if err != nil {
		return 0, err
	}
	s, err := e.Engine.Session(ctx)
	if err != nil {
		return 0, err
	}
	defer s.Close()
	q, conv := selectFor(t.columns, engine.ReadParquet(files))
	rows := streamRows(ctx, s, q, conv)
	defer rows.Close()
	// The staging table is a temporary one: unqualified, as pgx quotes the name it is given.
	return c.copyFrom(ctx, strings.Trim(stage, `"`), names(t.columns), rows)
}

// existing reads the columns of the schema's tables and the bookkeeping of loaded versions.
func (e *Exporter) existing(ctx context.Context, c conn) (existing, error) {
	have := existing{columns: map[string]map[string]string{}, attempts: map[string]string{}}
	err := c.query(ctx, columnsQuery(e.Target.Schema), func(v []any) error {
		table, col, typ := fmt.Sprint(v[0]), fmt.Sprint(v[1]), fmt.Sprint(v[2])
		if have.columns[table] == nil {
			have.columns[table] = map[string]string{}
		}
		have.columns[table][col] = typ
		return nil
	})
	if err != nil {
		return have, err
	}
	err = c.query(ctx, exportsQuery(e.Target.Schema), func(v []any) error {
		have.attempts[fmt.Sprint(v[0])] = fmt.Sprint(v[1])
		return nil
	})
	return have, err
}

// describeStep names a step in an error: its first words (never a value: statements carry
// no secrets, but a long one is unreadable in one line).
func describeStep(s step) string {
	q := strings.Join(strings.Fields(s.sql), " ")
	if i := strings.Index(q, " ("); i > 0 && i < 80 {
		q = q[:i]
	}
	if len(q) > 100 {
		q = q[:100] + "…"
	}
	return q
}
