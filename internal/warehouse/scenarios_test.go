package warehouse_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/metalake/metalake/internal/contract"
	"github.com/metalake/metalake/internal/dag"
	"github.com/metalake/metalake/internal/engine"
	"github.com/metalake/metalake/internal/gold"
	"github.com/metalake/metalake/internal/lake"
	"github.com/metalake/metalake/internal/pipeline"
	"github.com/metalake/metalake/internal/warehouse"
)

// TestExportIsIdempotentPerRunDate: whatever the sequence of loads, the warehouse equals the
// lake's gold for the dates loaded — a rerun of a date, a backfill of older dates after a later
// one, a load after the lake reran a date with --force.
func TestExportIsIdempotentPerRunDate(t *testing.T) {
	c := startCluster(t)
	ctx := context.Background()

	t.Run("rerun", func(t *testing.T) {
		lk, eng := generatedLake(t), newEngine(t)
		tg := c.database(t)
		e := exporter(lk, eng, tg)
		conn := c.connect(t, tg)
		defer conn.Close(ctx)
		for _, d := range dates {
			export(t, e, d)
		}
		before := counts(t, conn)
		res := export(t, e, dates[1])
		if !slices.Equal(res.Unchanged, []string{"dim_date", "dim_user", "dim_dataset", "dim_competition", "dim_tag"}) {
			t.Errorf("a rerun reloaded dimensions the warehouse holds: unchanged %v", res.Unchanged)
		}
		if after := counts(t, conn); !maps.Equal(after, before) {
			t.Errorf("row counts changed by a rerun:\n before %v\n after  %v", before, after)
		}
		assertEqualsLake(t, lk, eng, conn, dates)
		// --full reloads the dimensions too, with the same result.
		e.Full = true
		if res := export(t, e, dates[1]); len(res.Unchanged) != 0 {
			t.Errorf("a full load left %v alone", res.Unchanged)
		}
		assertEqualsLake(t, lk, eng, conn, dates)
	})

	t.Run("backfill", func(t *testing.T) {
		lk, eng := generatedLake(t), newEngine(t)
		tg := c.database(t)
		e := exporter(lk, eng, tg)
		conn := c.connect(t, tg)
		defer conn.Close(ctx)
		export(t, e, dates[2])
		export(t, e, dates[0])
		assertEqualsLake(t, lk, eng, conn, []string{dates[0], dates[2]})
		if n := counts(t, conn)["fact_dataset_owner_daily "+dates[1]]; n != 0 {
			t.Errorf("%d rows of a date never loaded", n)
		}
		export(t, e, dates[1])
		assertEqualsLake(t, lk, eng, conn, dates)
	})

	t.Run("after a forced rerun", func(t *testing.T) {
		lk, eng := generatedLake(t), newEngine(t)
		tg := c.database(t)
		e := exporter(lk, eng, tg)
		conn := c.connect(t, tg)
		defer conn.Close(ctx)
		for _, d := range dates {
			export(t, e, d)
		}
		runID := func() string {
			var id string
			if err := conn.QueryRow(ctx, "SELECT MIN(pipeline_run_id) FROM meta_gold.fact_tag_usage_daily WHERE run_date = $1", dates[1]).Scan(&id); err != nil {
				t.Fatal(err)
			}
			return id
		}
		old := runID()
		set, err := contract.Default()
		if err != nil {
			t.Fatal(err)
		}
		r := &pipeline.Runner{Lake: lk, Engine: eng, Contracts: set, Parallelism: 2}
		if _, err := r.Run(ctx, date(t, dates[1]), pipeline.Options{Force: true}); err != nil {
			t.Fatal(err)
		}
		export(t, e, dates[1])
		assertEqualsLake(t, lk, eng, conn, dates)
		if runID() == old {
			t.Errorf("the forced rerun's facts (new pipeline_run_id) did not replace the old ones")
		}
	})
}

// TestExportSchemaEvolution: a column the lake added (a dimension's, a fact's partition's)
// becomes an ALTER TABLE, older rows read NULL; a column whose type changed is refused with a
// clear error and the warehouse is left as it was.
func TestExportSchemaEvolution(t *testing.T) {
	c := startCluster(t)
	ctx := context.Background()
	lk, eng := generatedLake(t), newEngine(t)
	tg := c.database(t)
	e := exporter(lk, eng, tg)
	conn := c.connect(t, tg)
	defer conn.Close(ctx)
	export(t, e, dates[0])
	export(t, e, dates[1])

	republish(t, lk, eng, gold.DimDir("dim_tag"), "SELECT *, CAST(dataset_count / 4.0 AS DECIMAL(10,2)) AS weight_hint FROM %s")
	republish(t, lk, eng, gold.FactDir("fact_tag_usage_daily", date(t, dates[2])), "SELECT *, share_of_tagged * 2 AS share_doubled FROM %s")
	export(t, e, dates[2])
	assertEqualsLake(t, lk, eng, conn, dates)
	var hint, doubled, olderNull int64
	err := conn.QueryRow(ctx, `SELECT (SELECT COUNT(weight_hint) FROM meta_gold.dim_tag),
		(SELECT COUNT(share_doubled) FROM meta_gold.fact_tag_usage_daily WHERE run_date = $1),
		(SELECT COUNT(*) FROM meta_gold.fact_tag_usage_daily WHERE run_date < $1 AND share_doubled IS NULL)`, dates[2]).Scan(&hint, &doubled, &olderNull)
	if err != nil {
		t.Fatal(err)
	}
	if hint == 0 || doubled == 0 || olderNull == 0 {
		t.Errorf("added columns: %d weight_hint values, %d share_doubled values of %s, %d older rows with NULL", hint, doubled, dates[2], olderNull)
	}

	before := counts(t, conn)
	republish(t, lk, eng, gold.DimDir("dim_competition"), "SELECT * REPLACE (CAST(num_prizes AS VARCHAR) AS num_prizes) FROM %s")
	_, err = e.Export(ctx, date(t, dates[2]))
	var se *warehouse.SchemaError
	if !errors.As(err, &se) {
		t.Fatalf("export after a type change: %v, want a *SchemaError", err)
	}
	for _, part := range []string{"meta_gold.dim_competition.num_prizes", "bigint in the warehouse", "text in the lake", "refused"} {
		if !strings.Contains(err.Error(), part) {
			t.Errorf("%q does not say %q", err, part)
		}
	}
	if dag.Retryable(err) {
		t.Error("a refused type change is retryable")
	}
	if after := counts(t, conn); !maps.Equal(after, before) {
		t.Errorf("a refused load changed the warehouse:\n before %v\n after  %v", before, after)
	}
	var typ string
	if err := conn.QueryRow(ctx, `SELECT data_type FROM information_schema.columns
		WHERE table_schema = 'meta_gold' AND table_name = 'dim_competition' AND column_name = 'num_prizes'`).Scan(&typ); err != nil || typ != "bigint" {
		t.Errorf("num_prizes is %q (%v), want bigint", typ, err)
	}
}

// TestExportWrongPassword: one clear error naming the host and the user, never the password;
// not retried.
func TestExportWrongPassword(t *testing.T) {
	c := startCluster(t)
	lk, eng := generatedLake(t), newEngine(t)
	tg := c.database(t)
	tg.Password = "not-the-password-7f3a"
	_, err := exporter(lk, eng, tg).Export(context.Background(), date(t, dates[0]))
	if err == nil {
		t.Fatal("export with a wrong password succeeded")
	}
	msg := err.Error()
	for _, part := range []string{"127.0.0.1:" + c.pg.Port, "user metalake", "password authentication failed"} {
		if !strings.Contains(msg, part) {
			t.Errorf("%q does not name %q", msg, part)
		}
	}
	if strings.Contains(msg, tg.Password) || strings.Contains(msg, c.pg.Password) || strings.Contains(msg, "\n") {
		t.Errorf("error shows a password or spans lines: %q", msg)
	}
	if dag.Retryable(err) {
		t.Error("bad credentials are retryable")
	}
}

// TestExportNeedsValidatedGold: a date the lake has not (successfully) built is refused.
func TestExportNeedsValidatedGold(t *testing.T) {
	lk, eng := generatedLake(t), newEngine(t)
	u, kind, _ := warehouse.ParseURL("postgres://metalake@127.0.0.1:1/none")
	_, err := exporter(lk, eng, warehouse.Target{Kind: kind, URL: u, Schema: "meta_gold"}).Export(context.Background(), date(t, "2024-03-09"))
	if !errors.Is(err, warehouse.ErrNotValidated) || !strings.Contains(err.Error(), "run the date first") || dag.Retryable(err) {
		t.Errorf("export of an unbuilt date: %v", err)
	}
}

// TestCheckFindsDifferences: Check reports what differs — a missing fact row, a changed
// measure, a changed current version — and a full reload of the date repairs it.
func TestCheckFindsDifferences(t *testing.T) {
	c := startCluster(t)
	ctx := context.Background()
	lk, eng := generatedLake(t), newEngine(t)
	tg := c.database(t)
	e := exporter(lk, eng, tg)
	conn := c.connect(t, tg)
	defer conn.Close(ctx)
	for _, d := range dates {
		export(t, e, d)
	}
	for _, q := range []string{
		fmt.Sprintf(`DELETE FROM meta_gold.bridge_dataset_tag WHERE ctid IN (SELECT ctid FROM meta_gold.bridge_dataset_tag WHERE run_date = '%s' LIMIT 1)`, dates[1]),
		`UPDATE meta_gold.dim_tag SET dataset_count = dataset_count + 1 WHERE tag_sk = (SELECT MAX(tag_sk) FROM meta_gold.dim_tag)`,
		`UPDATE meta_gold.dim_user SET is_current = false WHERE user_sk = (SELECT MAX(user_sk) FROM meta_gold.dim_user WHERE is_current)`,
	} {
		if _, err := conn.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	rep, err := e.Check(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	found := map[string]bool{}
	for _, d := range rep.Differences {
		found[d.Table+" "+d.RunDate+" "+d.Check] = true
	}
	for _, want := range []string{
		"bridge_dataset_tag " + dates[1] + " rows",
		"dim_tag  sum(dataset_count)",
		"dim_user  current rows",
		"dim_user  sum(user_sk) of current rows",
	} {
		if !found[want] {
			t.Errorf("check did not report %q; it reported %v", want, slices.Sorted(maps.Keys(found)))
		}
	}
	if found["bridge_dataset_tag "+dates[0]+" rows"] || found["dim_date  rows"] {
		t.Errorf("check reported differences that are not there: %v", slices.Sorted(maps.Keys(found)))
	}
	e.Full = true
	export(t, e, dates[1])
	if rep, err := e.Check(ctx, nil); err != nil || len(rep.Differences) != 0 {
		t.Errorf("after a full reload: %v %+v", err, rep)
	}
}

// TestExportKeepsReferencedVersions: a dimension version the lake dropped (a rerun on
// corrected data merged it) stays in the warehouse while facts of another run date reference
// it — the foreign keys hold — and is reported; Check shows the extra row.
func TestExportKeepsReferencedVersions(t *testing.T) {
	c := startCluster(t)
	ctx := context.Background()
	lk, eng := generatedLake(t), newEngine(t)
	tg := c.database(t)
	e := exporter(lk, eng, tg)
	conn := c.connect(t, tg)
	defer conn.Close(ctx)
	for _, d := range dates {
		export(t, e, d)
	}
	var sk int64
	err := conn.QueryRow(ctx, `SELECT MIN(user_sk) FROM meta_gold.fact_dataset_owner_daily WHERE user_sk <> 0 AND run_date = $1
		AND user_sk IN (SELECT user_sk FROM meta_gold.fact_dataset_owner_daily WHERE run_date = $2)`, dates[0], dates[1]).Scan(&sk)
	if err != nil {
		t.Fatal(err)
	}
	where := fmt.Sprintf("SELECT * FROM %%s WHERE user_sk <> %d", sk)
	republish(t, lk, eng, gold.DimDir("dim_user"), where)
	republish(t, lk, eng, gold.FactDir("fact_dataset_owner_daily", date(t, dates[1])), where)
	res := export(t, e, dates[1])
	if res.Kept["dim_user"] != 1 {
		t.Errorf("kept %v, want 1 dim_user version", res.Kept)
	}
	var n int64
	if err := conn.QueryRow(ctx, "SELECT COUNT(*) FROM meta_gold.dim_user WHERE user_sk = $1", sk).Scan(&n); err != nil || n != 1 {
		t.Errorf("the referenced version %d: %d rows (%v)", sk, n, err)
	}
	rep, err := e.Check(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(rep.Differences, func(d warehouse.Difference) bool { return d.Table == "dim_user" && d.Check == "rows" }) {
		t.Errorf("check does not show the kept version: %+v", rep.Differences)
	}
}

// republish replaces the committed content of dir with query (a format with %s for the
// relation over its files), as a new attempt of the lake's commit protocol.
func republish(t testing.TB, lk *lake.Lake, eng engine.Engine, dir, query string) {
	t.Helper()
	ctx := context.Background()
	m, ok, err := lk.ReadManifest(ctx, dir)
	if err != nil || !ok {
		t.Fatalf("%s: %v %v", dir, ok, err)
	}
	tmp := t.TempDir()
	files, err := engine.Inputs(ctx, eng, lk.B, m.Keys(dir), tmp)
	if err != nil {
		t.Fatal(err)
	}
	s, err := eng.Session(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	out, err := s.WriteParquet(ctx, fmt.Sprintf(query, engine.ReadParquet(files)), engine.Output{})
	if err != nil {
		t.Fatal(err)
	}
	var lf []lake.File
	for _, f := range out {
		lf = append(lf, lake.File{Path: f.Path, Rows: f.Rows})
	}
	m.Attempt = m.Attempt + "-x"
	if _, err := lk.Publish(ctx, dir, m, lf); err != nil {
		t.Fatal(err)
	}
}
