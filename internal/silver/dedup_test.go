package silver_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/metalake/metalake/internal/engine"
	"github.com/metalake/metalake/internal/lake"
	"github.com/metalake/metalake/internal/silver"
)

// TestDedupRepeatedKeyWithHistory: a key that bronze(D) repeats and silver(P) already holds
// is ranked among its new rows only (the run date outranks every carried row), yet keeps the
// first ingestion date of its history: the imputed signup is the date it was first ingested.
// Incremental equals full on every row, held rows included.
func TestDedupRepeatedKeyWithHistory(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	days := []struct{ date, users string }{
		{"2024-01-01", "U1,one,2023-01-01 00:00:00,US\nU2,two,,GB\nU3,three,2023-02-01 00:00:00,\n"},
		{"2024-01-02", "U1,one-a,2023-01-01 00:00:00,CA\nU1,one-b,2023-01-03 00:00:00,FR\nU2,two-a,,GB\nU2,two-b,,GB\nU4,four,,ES\nU4,four-b,,ES\n"},
		{"2024-01-03", "U2,two-c,,GB\nU3,three-b,2023-02-01 00:00:00,NL\nU3,three-c,2023-02-01 00:00:00,\n"},
	}
	var dates []string
	for _, d := range days {
		dates = append(dates, d.date)
		e.putRaw(t, "users", d.date, planUsersHeader+d.users)
		e.runBronze(t, d.date, "users")
		checkAccounting(t, e.runSilver(t, d.date, "users")["users"])
	}
	assertIncrementalEqualsFull(t, e, dates, "users")

	d2 := e.byKey(t, "users", "2024-01-02", "user_id")
	for _, c := range []struct{ id, name, signup, first string }{
		{"U1", "one-b", "2023-01-03", "2024-01-01"}, // the later signup wins within the snapshot
		{"U2", "two-b", "2024-01-01", "2024-01-01"}, // signup (none) and country tie: the last line; imputed from day 1
		{"U4", "four-b", "2024-01-02", "2024-01-02"},
	} {
		r := d2[c.id]
		if r == nil {
			t.Fatalf("%s missing from silver users 2024-01-02", c.id)
		}
		signup, _ := r["signup_ts"].(time.Time)
		first, _ := r["first_ingested_date"].(time.Time)
		if r["user_name"] != c.name || signup.Format(time.DateOnly) != c.signup || first.Format(time.DateOnly) != c.first {
			t.Errorf("%s = %v signup %v first %v, want %s %s %s", c.id, r["user_name"], signup, first, c.name, c.signup, c.first)
		}
	}
	// U3 lost its country on day 1 (dropped, held) and comes back on day 3 with one.
	if r := e.byKey(t, "users", "2024-01-03", "user_id")["U3"]; r == nil || r["user_name"] != "three-b" {
		t.Errorf("U3 on 2024-01-03 = %v, want three-b", r)
	}
}

// TestDedupPreviousSilverRepeatsAKey: silver(P) should hold each key once. When it does not,
// a repeated key absent from bronze(D) is still deduplicated by the dedup order (the
// window), as it always was; a repeated key that bronze(D) also has fails the run with an
// AccountingError instead of publishing it twice.
func TestDedupPreviousSilverRepeatsAKey(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name    string
		day2    string
		wantErr bool
	}{
		{name: "key absent from bronze(D)", day2: "U1,one,2023-01-01 00:00:00,US\n"},
		{name: "key in bronze(D)", day2: "U2,two-new,2023-01-01 00:00:00,US\n", wantErr: true},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			e.putRaw(t, "users", "2024-01-01", planUsersHeader+"U1,one,2023-01-01 00:00:00,US\nU2,two,2023-01-01 00:00:00,US\n")
			e.runBronze(t, "2024-01-01", "users")
			e.runSilver(t, "2024-01-01", "users")
			// U2 twice in silver(P): the copy has a later source line, so it wins the order.
			e.rewritePartition(t, lake.PartitionDir(lake.Silver, "users", mustDate(t, "2024-01-01")), func(rel string) string {
				return "SELECT * FROM " + rel + " UNION ALL SELECT * REPLACE ('two-copy' AS user_name, source_line + 100 AS source_line) FROM " + rel + " WHERE user_id = 'U2'"
			})
			e.putRaw(t, "users", "2024-01-02", planUsersHeader+c.day2)
			e.runBronze(t, "2024-01-02", "users")
			rep, err := e.silver.Run(context.Background(), "users", mustDate(t, "2024-01-02"), silver.Incremental)
			var ae *silver.AccountingError
			if c.wantErr {
				if !errors.As(err, &ae) {
					t.Fatalf("err = %v, want an AccountingError", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			checkAccounting(t, rep)
			if rep.OutputCount != 2 || rep.DuplicatesRemoved != 2 {
				t.Errorf("output %d, duplicates %d; want 2 and 2", rep.OutputCount, rep.DuplicatesRemoved)
			}
			if got := e.byKey(t, "users", "2024-01-02", "user_id")["U2"]["user_name"]; got != "two-copy" {
				t.Errorf("U2 = %v, want two-copy (the later source line)", got)
			}
		})
	}
}

// rewritePartition replaces a committed partition's rows by query(relation of its rows),
// keeping its attempt (silver(P) and its held rows are committed by one attempt).
func (e *env) rewritePartition(t testing.TB, dir string, query func(rel string) string) {
	t.Helper()
	ctx := context.Background()
	m, ok, err := e.lake.ReadManifest(ctx, dir)
	if err != nil || !ok {
		t.Fatalf("manifest of %s: %v %v", dir, ok, err)
	}
	fs, _ := e.files(t, dir)
	paths := make([]string, len(fs))
	for i, f := range fs {
		paths[i] = engine.Literal(f)
	}
	s, err := e.eng.Session(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	rel := "read_parquet([" + strings.Join(paths, ", ") + "])"
	out, err := s.WriteParquet(ctx, query(rel), engine.Output{})
	if err != nil {
		t.Fatal(err)
	}
	files := make([]lake.File, len(out))
	for i, f := range out {
		files[i] = lake.File{Path: f.Path, Rows: f.Rows}
	}
	if _, err := e.lake.Publish(ctx, dir, lake.Manifest{Layer: m.Layer, Table: m.Table, RunDate: m.RunDate, Attempt: m.Attempt}, files); err != nil {
		t.Fatal(err)
	}
}
