package warehouse_test

import (
	"context"
	"slices"
	"testing"
)

// TestExportLoadsTheLake loads a generated three-date lake into a real PostgreSQL date after
// date: after each load every gold table equals metalake query's answer (dimensions whole,
// facts and the bridge for the dates loaded), Check finds no difference, the keys exist.
func TestExportLoadsTheLake(t *testing.T) {
	c := startCluster(t)
	lk := generatedLake(t)
	eng := newEngine(t)
	tg := c.database(t)
	e := exporter(lk, eng, tg)
	conn := c.connect(t, tg)
	defer conn.Close(context.Background())
	for i, d := range dates {
		res := export(t, e, d)
		if len(res.Rows) == 0 {
			t.Fatalf("%s: nothing loaded", d)
		}
		assertEqualsLake(t, lk, eng, conn, dates[:i+1])
		rep, err := e.Check(context.Background(), nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(rep.Differences) > 0 || !slices.Equal(rep.RunDates, dates[:i+1]) || rep.Checks < 40 {
			t.Errorf("%s: check %+v", d, rep)
		}
	}
	var constraints []string
	rows, err := conn.Query(context.Background(), `SELECT conname FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
		WHERE n.nspname = 'meta_gold' ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var s string
		rows.Scan(&s)
		constraints = append(constraints, s)
	}
	rows.Close()
	for _, want := range []string{"dim_user_pkey", "dim_user_natural_key", "fact_dataset_owner_daily_user_sk_fkey",
		"fact_dataset_owner_daily_date_sk_fkey", "bridge_dataset_tag_dataset_sk_fkey", "fact_tag_usage_daily_tag_sk_fkey"} {
		if !slices.Contains(constraints, want) {
			t.Errorf("constraint %s missing: %v", want, constraints)
		}
	}
}
