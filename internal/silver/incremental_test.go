package silver_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/metalake/metalake/internal/dag"
	"github.com/metalake/metalake/internal/lake"
	"github.com/metalake/metalake/internal/silver"
)

// auditColumns are the processing-time columns allowed to differ between two computations of
// the same silver partition.
var auditColumns = []string{"silver_processed_ts"}

// businessColumns lists the columns of a relation other than the audit columns.
func (e *env) businessColumns(t testing.TB, rel string) []string {
	t.Helper()
	var out []string
	for _, r := range e.query(t, "SELECT column_name FROM (DESCRIBE SELECT * FROM "+rel+")") {
		name := r["column_name"].(string)
		if !contains(auditColumns, name) {
			out = append(out, `"`+name+`"`)
		}
	}
	return out
}

// sameRows asserts two relations hold the same multiset of rows on every business column
// (EXCEPT ALL in both directions), showing a few differing rows otherwise.
func sameRows(t testing.TB, e *env, what, a, b string) {
	t.Helper()
	ca, cb := e.businessColumns(t, a), e.businessColumns(t, b)
	if strings.Join(ca, ",") != strings.Join(cb, ",") {
		t.Errorf("%s: columns differ:\n%v\n%v", what, ca, cb)
		return
	}
	cols := strings.Join(ca, ", ")
	diff := fmt.Sprintf(`SELECT 'only in first' AS side, * FROM (SELECT %[1]s FROM %[2]s EXCEPT ALL SELECT %[1]s FROM %[3]s) x
UNION ALL SELECT 'only in second', * FROM (SELECT %[1]s FROM %[3]s EXCEPT ALL SELECT %[1]s FROM %[2]s) y`, cols, a, b)
	rows := e.query(t, diff)
	if len(rows) > 0 {
		show := rows
		if len(show) > 6 {
			show = show[:6]
		}
		t.Errorf("%s: %d rows differ, e.g.:\n%v", what, len(rows), show)
	}
}

// assertIncrementalEqualsFull recomputes every table (in dependency order) for every date in
// full mode in a second lake that shares e's bronze, and compares each silver partition and
// its held rows with e's incremental ones.
func assertIncrementalEqualsFull(t testing.TB, e *env, dates []string, tables ...string) {
	t.Helper()
	root := t.TempDir()
	copyTree(t, filepath.Join(e.root, "bronze"), filepath.Join(root, "bronze"))
	full := newEnvOn(t, e.eng, root)
	// Full mode reads no previous silver, so the dates can run in any order: newest first.
	for i := len(dates) - 1; i >= 0; i-- {
		reps := full.runSilverMode(t, dates[i], silver.Full, tables...)
		for _, tb := range tables {
			checkAccounting(t, reps[tb])
		}
	}
	for _, d := range dates {
		for _, tb := range tables {
			what := fmt.Sprintf("silver %s %s incremental vs full", tb, d)
			sameRows(t, e, what, e.rel(t, tb, d), full.rel(t, tb, d))
			held := silver.HeldDir(tb, mustDate(t, d))
			if fs, _ := e.files(t, held); len(fs) > 0 {
				sameRows(t, e, what+" (held rows)", e.relDir(t, held), full.relDir(t, held))
			} else if fs, _ := full.files(t, held); len(fs) > 0 {
				t.Errorf("%s: full holds %d files of rows back, incremental none", what, len(fs))
			}
		}
	}
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// TestIncrementalEqualsFullGenerated: on a multi-day generated lake with defects, in both
// layouts, silver computed day by day from the previous silver equals the full recomputation
// from every bronze partition ≤ D, on every business column, for every table and date; and
// every report reconciles.
func TestIncrementalEqualsFullGenerated(t *testing.T) {
	t.Parallel()
	for _, layout := range []string{"plan", "kaggle"} {
		t.Run(layout, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			dates := e.generate(t, layout, 5, 3000, 0.04)
			var notLatest int64
			for _, d := range dates {
				e.runBronze(t, d, "users", "datasets", "tags", "competitions", "kernels")
				reps := e.runSilver(t, d, allTables...)
				for _, tb := range allTables {
					checkAccounting(t, reps[tb])
					notLatest += reps[tb].NotInLatestSnapshot
				}
			}
			if notLatest == 0 {
				t.Error("no key was ever absent from a latest snapshot: the carried path is not exercised")
			}
			assertIncrementalEqualsFull(t, e, dates, allTables...)
		})
	}
}

// TestIncrementalEqualsFullEdgeCases: hand-written days that defeat a naive incremental
// design — a dataset whose later snapshot shows an older update (the carried version must
// win), a user dropped for no country who comes back with one (its signup imputed from the
// first ingestion), a tag whose dataset only appears later while the link disappears from the
// snapshot (held back, then revived), a user whose country changes (one owner row).
func TestIncrementalEqualsFullEdgeCases(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	days := []struct {
		date                  string
		users, datasets, tags string
	}{
		{"2024-01-01",
			"U1,alice,2023-01-01 00:00:00,US\nU2,bob,,\n",
			"D1,Title one,,U1,10,2,2023-06-01 00:00:00,2023-12-01 00:00:00,Dataset,FALSE\n",
			"D1,\"[\"\"ML\"\"]\"\nD2,\"[\"\"Orphan Tag\"\"]\"\n"},
		{"2024-01-02",
			"U1,alice,2023-01-01 00:00:00,CA\nU2,bob,,GB\n",
			"D1,Title stale,,U1,5,1,2023-06-01 00:00:00,2023-11-01 00:00:00,Dataset,FALSE\nD2,Title two,,U2,1,0,2023-06-01 00:00:00,,Dataset,\n",
			"D1,\"[\"\"ML\"\"]\"\n"},
		{"2024-01-03",
			"U1,alice,2023-01-01 00:00:00,CA\n",
			"D1,Title three,,U1,20,4,2023-06-01 00:00:00,2023-12-15 00:00:00,Dataset,TRUE\n",
			"D1,\"[\"\"ML\"\"]\"\n"},
	}
	var dates []string
	for _, d := range days {
		dates = append(dates, d.date)
		e.putRaw(t, "users", d.date, planUsersHeader+d.users)
		e.putRaw(t, "datasets", d.date, planDatasetsHeader+d.datasets)
		e.putRaw(t, "tags", d.date, "DatasetId,Tags\n"+d.tags)
		e.runBronze(t, d.date, "users", "datasets", "tags")
		for _, rep := range e.runSilver(t, d.date, "users", "datasets", "tags") {
			checkAccounting(t, rep)
		}
	}
	assertIncrementalEqualsFull(t, e, dates, "users", "datasets", "tags")

	ds2 := e.byKey(t, "datasets", "2024-01-02", "dataset_id")
	if ds2["D1"]["dataset_title"] != "Title one" {
		t.Errorf("2024-01-02 D1 title %v: the carried version (updated later) must win", ds2["D1"]["dataset_title"])
	}
	if ds2["D1"]["owner_country"] != "CA" || len(ds2) != 2 {
		t.Errorf("2024-01-02: D1 owner_country %v, %d datasets (want CA, 2: one owner row per user)", ds2["D1"]["owner_country"], len(ds2))
	}
	tags1 := e.query(t, "SELECT dataset_id, tag FROM "+e.rel(t, "tags", "2024-01-01")+" ORDER BY 1")
	tags2 := e.query(t, "SELECT dataset_id, tag FROM "+e.rel(t, "tags", "2024-01-02")+" ORDER BY 1")
	if len(tags1) != 1 || len(tags2) != 2 || tags2[1]["tag"] != "orphantag" {
		t.Errorf("orphan tag: day 1 %v, day 2 %v (want held back on day 1, revived on day 2)", tags1, tags2)
	}
	u2 := e.byKey(t, "users", "2024-01-02", "user_id")["U2"]
	if u2 == nil || fmt.Sprint(u2["signup_ts"])[:10] != "2024-01-01" {
		t.Errorf("U2 on 2024-01-02 = %v: kept, signup imputed from its first ingestion (2024-01-01)", u2)
	}
	// Not in the latest snapshot on 2024-01-03: U2 and D2 (carried, counted).
	reps := e.runSilver(t, "2024-01-03", "users", "datasets")
	if reps["users"].NotInLatestSnapshot != 1 || reps["datasets"].NotInLatestSnapshot != 1 {
		t.Errorf("not_in_latest_snapshot users %d datasets %d, want 1 and 1", reps["users"].NotInLatestSnapshot, reps["datasets"].NotInLatestSnapshot)
	}
}

// TestForcedRerunOfOlderDate: rerunning an older date after newer ones gives the same silver
// for it (business columns), and leaves the newer dates untouched (same manifests).
func TestForcedRerunOfOlderDate(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t)
	dates := e.generate(t, "plan", 4, 2000, 0.03)
	for _, d := range dates {
		e.runBronze(t, d, "users", "datasets", "tags", "competitions", "kernels")
		e.runSilver(t, d, allTables...)
	}
	manifests := func(d string) map[string]lake.Manifest {
		out := map[string]lake.Manifest{}
		for _, tb := range allTables {
			for _, dir := range []string{lake.PartitionDir(lake.Silver, tb, mustDate(t, d)), silver.HeldDir(tb, mustDate(t, d))} {
				m, ok, err := e.lake.ReadManifest(ctx, dir)
				if err != nil || !ok {
					t.Fatalf("%s: %v %v", dir, ok, err)
				}
				out[dir] = m
			}
		}
		return out
	}
	before := map[string]map[string]lake.Manifest{}
	for _, d := range dates[2:] {
		before[d] = manifests(d)
	}
	// Keep day 2's rows aside (the rerun replaces the partition's files).
	old := newEnvOn(t, e.eng, filepath.Join(t.TempDir(), "old"))
	copyTree(t, filepath.Join(e.root, "silver"), filepath.Join(old.root, "silver"))

	e.runBronze(t, dates[1], "users", "datasets", "tags", "competitions", "kernels")
	reps := e.runSilver(t, dates[1], allTables...)
	for _, tb := range allTables {
		checkAccounting(t, reps[tb])
		sameRows(t, e, "rerun of silver "+tb+" "+dates[1], e.rel(t, tb, dates[1]), old.rel(t, tb, dates[1]))
		if *reps[tb].PreviousRunDate != dates[0] {
			t.Errorf("%s rerun read previous date %s, want %s", tb, *reps[tb].PreviousRunDate, dates[0])
		}
	}
	for _, d := range dates[2:] {
		after := manifests(d)
		for dir, m := range before[d] {
			if after[dir].Attempt != m.Attempt || !after[dir].CommittedAt.Equal(m.CommittedAt) {
				t.Errorf("%s was touched by the rerun of %s", dir, dates[1])
			}
		}
	}
}

// TestDependsOnPast: silver(D) needs silver of the previous ingestion date (raw or bronze);
// without it the job fails without retry, naming that date. Full mode does not need it.
func TestDependsOnPast(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t)
	e.putRaw(t, "users", "2024-01-02", planUsersHeader+"U1,a,2023-01-01 00:00:00,US\n")
	e.putRaw(t, "users", "2024-01-05", planUsersHeader+"U1,a,2023-01-01 00:00:00,US\n")
	e.runBronze(t, "2024-01-02", "users")
	e.runBronze(t, "2024-01-05", "users")
	rep, err := e.silver.Run(ctx, "users", mustDate(t, "2024-01-05"), silver.Incremental)
	var pm *silver.PreviousMissingError
	if !errors.As(err, &pm) || pm.Previous != "2024-01-02" || dag.Retryable(err) {
		t.Fatalf("err = %v, want a non-retryable PreviousMissingError naming 2024-01-02", err)
	}
	if want := "silver users 2024-01-05: previous date 2024-01-02 has no silver partition; run it first"; err.Error() != want {
		t.Errorf("message %q, want %q", err, want)
	}
	if rep == nil || rep.Status != silver.StatusFailed {
		t.Errorf("report %+v, want FAILED", rep)
	}
	if _, err := e.silver.Run(ctx, "users", mustDate(t, "2024-01-05"), silver.Full); err != nil {
		t.Errorf("full mode: %v", err)
	}
	// The previous date is the latest with bronze (2024-01-02), not the calendar day before.
	e.runSilver(t, "2024-01-02", "users")
	if r := e.runSilver(t, "2024-01-05", "users")["users"]; *r.PreviousRunDate != "2024-01-02" || r.CarriedCount != 1 {
		t.Errorf("previous %v carried %d, want 2024-01-02 and 1", *r.PreviousRunDate, r.CarriedCount)
	}
	// A raw snapshot that bronze has not processed is still the previous ingestion date.
	e.putRaw(t, "users", "2024-01-04", planUsersHeader+"U1,a,2023-01-01 00:00:00,US\n")
	if _, err := e.silver.Run(ctx, "users", mustDate(t, "2024-01-05"), silver.Incremental); !errors.As(err, &pm) || pm.Previous != "2024-01-04" {
		t.Errorf("unprocessed raw 2024-01-04: err = %v, want it named as the previous date", err)
	}
	// A date without bronze is a contract error.
	_, err = e.silver.Run(ctx, "users", mustDate(t, "2024-01-03"), silver.Incremental)
	var ce *silver.ContractError
	if !errors.As(err, &ce) || dag.Retryable(err) {
		t.Errorf("no bronze: err = %v, want a non-retryable ContractError", err)
	}
	// A dependency not yet published is a contract error too.
	e.putRaw(t, "datasets", "2024-01-02", planDatasetsHeader+"D1,T,,U1,1,1,2023-01-01,2023-01-02,Dataset,FALSE\n")
	e.runBronze(t, "2024-01-02", "datasets")
	if err := e.lake.Withdraw(ctx, lake.PartitionDir(lake.Silver, "users", mustDate(t, "2024-01-02"))); err != nil {
		t.Fatal(err)
	}
	_, err = e.silver.Run(ctx, "datasets", mustDate(t, "2024-01-02"), silver.Incremental)
	if !errors.As(err, &ce) || !strings.Contains(err.Error(), "silver users 2024-01-02 is not published") {
		t.Errorf("missing dependency: err = %v", err)
	}
}

// TestNoFutureLeak: silver of D reads no bronze partition after D (SPEC §12 defect 3).
func TestNoFutureLeak(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.putRaw(t, "users", "2024-01-01", planUsersHeader+"U1,old,2023-01-01 00:00:00,US\n")
	e.putRaw(t, "users", "2024-01-02", planUsersHeader+"U1,new,2023-01-01 00:00:00,US\nU2,later,2023-01-01 00:00:00,US\n")
	e.runBronze(t, "2024-01-01", "users")
	e.runBronze(t, "2024-01-02", "users")
	for _, mode := range []silver.Mode{silver.Incremental, silver.Full} {
		e.runSilverMode(t, "2024-01-01", mode, "users")
		rows := e.byKey(t, "users", "2024-01-01", "user_id")
		if len(rows) != 1 || rows["U1"]["user_name"] != "old" {
			t.Errorf("%s: silver users 2024-01-01 = %v, want only U1 'old'", mode, rows)
		}
	}
}
