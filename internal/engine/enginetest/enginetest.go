// Package enginetest is the conformance suite every engine passes (as storagetest is for
// buckets): sessions, value types, NULLs, Unicode, timestamps at day borders, rounding, window
// ties, empty inputs, Parquet written and read back through Engine.Input, fingerprints and
// error reporting. Its SQL is the portable subset the layers' models are written in (VALUES,
// CAST, CASE, window functions, CTEs); what differs between engines comes from the engine's
// Dialect. Text is CAST … AS STRING: Spark rejects VARCHAR without a length, and DuckDB reads
// STRING as VARCHAR.
package enginetest

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/metalake/metalake/internal/engine"
	"github.com/metalake/metalake/internal/lake"
	"github.com/metalake/metalake/internal/storage"
)

// Run checks that the engines made by newEngine honour the engine contract. Every subtest
// gets a fresh lake from newLake (nil: a local directory) and a fresh engine from newEngine
// for it, the lake its outputs are published into (both called with the subtest's
// *testing.T; close the engine in t.Cleanup); subtests run in parallel.
func Run(t *testing.T, newEngine func(t *testing.T, lake storage.Bucket) engine.Engine, newLake func(t *testing.T) storage.Bucket) {
	t.Helper()
	if newLake == nil {
		newLake = func(t *testing.T) storage.Bucket {
			b, err := storage.NewLocal(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			return b
		}
	}
	tests := []struct {
		name string
		fn   func(t *testing.T, e engine.Engine)
	}{
		{"SessionsArePrivate", testSessionsArePrivate},
		{"TempRelations", testTempRelations},
		{"ValuesAndNulls", testValuesAndNulls},
		{"Unicode", testUnicode},
		{"TextConstants", testTextConstants},
		{"TimestampsAtDayBorders", testTimestamps},
		{"Rounding", testRounding},
		{"WindowTies", testWindowTies},
		{"EmptyInputs", testEmptyInputs},
		{"ParquetRoundTrip", testParquetRoundTrip},
		{"InputFromAnyBucket", testInputFromAnyBucket},
		{"ReadParquetUnionsByName", testUnionByName},
		{"Describe", testDescribe},
		{"Fingerprint", testFingerprint},
		{"ErrorsNameTheStatement", testErrors},
		{"TempDir", testTempDir},
		{"DialectRegex", testDialectRegex},
		{"DialectDays", testDialectDays},
		{"DialectJSONLists", testDialectJSONLists},
		{"DialectParseTimestamp", testDialectParseTimestamp},
		{"DialectIsJSONArray", testDialectIsJSONArray},
		{"DialectConstantText", testDialectConstantText},
		{"DialectCountDistinctInRange", testDialectCountDistinctInRange},
		{"DialectCountDistinctText", testDialectCountDistinctText},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, newEngine(t, newLake(t)))
		})
	}
	t.Run("PublishIntoTheLake", func(t *testing.T) {
		t.Parallel()
		lk := newLake(t)
		testPublishIntoTheLake(t, newEngine(t, lk), lk)
	})
}

// testPublishIntoTheLake: what WriteParquet writes for a lake folder, lake.Publish commits
// there, whether the engine handed back local files or wrote into the folder itself; the
// committed files read back through Input, a second publish replaces the first, and once the
// session is closed the lake holds the committed files and manifests alone (no staged writes,
// no temporary snapshots).
func testPublishIntoTheLake(t *testing.T, e engine.Engine, b storage.Bucket) {
	ctx := t.Context()
	s, err := e.Session(ctx)
	if err != nil {
		t.Fatal(err)
	}
	lk := lake.New(b)
	const dir = "silver/t/run_date=2024-01-01/"
	if err := s.Temp(ctx, "snap", "SELECT CAST(id AS BIGINT) AS id FROM (VALUES (1), (2)) AS t(id)", true); err != nil {
		t.Fatal(err)
	}
	var committed lake.Manifest
	for round, n := range []int64{40, 7} {
		q := fmt.Sprintf("SELECT CAST(r.id * 100 + s.id AS BIGINT) AS id, CAST('v' || CAST(r.id AS STRING) AS STRING) AS v FROM (SELECT id FROM (VALUES %s) AS t(id)) r CROSS JOIN snap s WHERE r.id * 2 <= %d",
			valuesList(int(n)), 2*n)
		files, err := s.WriteParquet(ctx, q, engine.Output{Dir: dir})
		if err != nil {
			t.Fatalf("round %d: WriteParquet: %v", round, err)
		}
		var rows int64
		for _, f := range files {
			rows += f.Rows
			if f.Key != "" && !strings.HasPrefix(f.Key, dir) {
				t.Errorf("round %d: the engine wrote %s, outside the folder %s", round, f.Key, dir)
			}
		}
		if rows != 2*n {
			t.Fatalf("round %d: wrote %d rows, want %d", round, rows, 2*n)
		}
		committed, err = lk.Publish(ctx, dir, lake.Manifest{Layer: lake.Silver, Table: "t", RunDate: "2024-01-01", Attempt: fmt.Sprintf("a%d", round)}, files)
		if err != nil {
			t.Fatalf("round %d: Publish: %v", round, err)
		}
		refs, err := engine.Inputs(ctx, e, b, committed.Keys(dir), t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		var count, sum int64
		if err := s.QueryRow(ctx, "SELECT COUNT(*), CAST(SUM(id) AS BIGINT) FROM "+e.Dialect().ReadParquet(refs), &count, &sum); err != nil {
			t.Fatal(err)
		}
		if want := 2*(n*(n+1)/2)*100 + 3*n; count != 2*n || sum != want || committed.Rows != 2*n {
			t.Errorf("round %d: committed %d rows (manifest %d) summing to %d, want %d summing to %d", round, count, committed.Rows, sum, 2*n, want)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{dir + lake.ManifestName: true}
	for _, key := range committed.Keys(dir) {
		want[key] = true
	}
	var extra []string
	err = b.Iter(ctx, "", func(key string) error {
		if !want[key] {
			extra = append(extra, key)
		}
		delete(want, key)
		return nil
	}, storage.WithRecursive())
	if err != nil {
		t.Fatal(err)
	}
	if len(extra) > 0 || len(want) > 0 {
		t.Errorf("after the session closed the lake holds %v besides its committed files, and lacks %v", extra, want)
	}
}

// valuesList is "(1), (2), …, (n)".
func valuesList(n int) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = fmt.Sprintf("(%d)", i+1)
	}
	return strings.Join(parts, ", ")
}

func session(t *testing.T, e engine.Engine) engine.Session {
	t.Helper()
	s, err := e.Session(t.Context())
	if err != nil {
		t.Fatalf("Session: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func exec(t *testing.T, s engine.Session, q string) {
	t.Helper()
	if err := s.Exec(t.Context(), q); err != nil {
		t.Fatalf("Exec(%s): %v", q, err)
	}
}

// rows returns every row of q, copied.
func rows(t *testing.T, s engine.Session, q string) [][]any {
	t.Helper()
	var out [][]any
	if err := s.Each(t.Context(), q, func(row []any) error {
		out = append(out, slices.Clone(row))
		return nil
	}); err != nil {
		t.Fatalf("Each(%s): %v", q, err)
	}
	return out
}

func testSessionsArePrivate(t *testing.T, e engine.Engine) {
	a, b := session(t, e), session(t, e)
	exec(t, a, "CREATE OR REPLACE TEMP VIEW mine AS SELECT 1 AS x")
	if err := b.Exec(t.Context(), "SELECT x FROM mine"); err == nil {
		t.Error("a session sees another session's temporary view")
	}
	exec(t, b, "CREATE OR REPLACE TEMP VIEW mine AS SELECT 2 AS x")
	var x int64
	if err := a.QueryRow(t.Context(), "SELECT x FROM mine", &x); err != nil || x != 1 {
		t.Errorf("first session's view = %d, %v; want 1 (the second session's view replaced it?)", x, err)
	}
	a.Close()
	c := session(t, e)
	if err := c.Exec(t.Context(), "SELECT x FROM mine"); err == nil {
		t.Error("a new session sees a closed session's temporary view")
	}
}

// testTempRelations: Session.Temp makes views and materialised relations, replaces one kind
// by the other, computes a materialised one once (it keeps its rows when what it was computed
// from changes), and DropTemp removes either, an absent name being no error.
func testTempRelations(t *testing.T, e engine.Engine) {
	s := session(t, e)
	ctx := t.Context()
	count := func(name string) int64 {
		t.Helper()
		var n int64
		if err := s.QueryRow(ctx, "SELECT COUNT(*) FROM "+engine.Ident(name), &n); err != nil {
			t.Fatalf("count %s: %v", name, err)
		}
		return n
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(s.Temp(ctx, "src", "SELECT * FROM (VALUES (1), (2), (3)) AS t(x)", false))
	must(s.Temp(ctx, "kept", "SELECT x FROM src WHERE x > 1", true))
	must(s.Temp(ctx, "live", "SELECT x FROM src WHERE x > 1", false))
	must(s.Temp(ctx, "src", "SELECT * FROM (VALUES (5), (6), (7), (8)) AS t(x)", false))
	if n := count("kept"); n != 2 {
		t.Errorf("materialised relation has %d rows after its source changed, want the 2 it was computed with", n)
	}
	must(s.Temp(ctx, "live", "SELECT x FROM src WHERE x > 1", false))
	if n := count("live"); n != 4 {
		t.Errorf("view has %d rows, want 4 (it reads its source when read)", n)
	}
	// One kind replaced by the other, under the same name, both ways.
	must(s.Temp(ctx, "kept", "SELECT x FROM src", false))
	if n := count("kept"); n != 4 {
		t.Errorf("view that replaced a materialised relation has %d rows, want 4", n)
	}
	must(s.Temp(ctx, "kept", "SELECT x FROM src WHERE x = 5", true))
	must(s.Temp(ctx, "kept", "SELECT x FROM src WHERE x >= 7", true))
	if n := count("kept"); n != 2 {
		t.Errorf("materialised relation replaced by another has %d rows, want 2", n)
	}
	must(s.DropTemp(ctx, "kept"))
	must(s.DropTemp(ctx, "live"))
	must(s.DropTemp(ctx, "never_made"))
	for _, name := range []string{"kept", "live"} {
		if err := s.Exec(ctx, "SELECT * FROM "+engine.Ident(name)); err == nil {
			t.Errorf("%s is still readable after DropTemp", name)
		}
	}
}

func testValuesAndNulls(t *testing.T, e engine.Engine) {
	s := session(t, e)
	got := rows(t, s, `SELECT id, CAST(n AS BIGINT) AS n, CAST(f AS DOUBLE) AS f, s, b FROM (VALUES
  (1, 7, 1.5, 'a', true),
  (2, NULL, NULL, NULL, NULL),
  (3, -9223372036854775807, -0.25, '', false)) AS t(id, n, f, s, b) ORDER BY id`)
	want := [][]any{
		{int64(1), int64(7), 1.5, "a", true},
		{int64(2), nil, nil, nil, nil},
		{int64(3), int64(-9223372036854775807), -0.25, "", false},
	}
	if len(got) != len(want) {
		t.Fatalf("%d rows, want %d: %v", len(got), len(want), got)
	}
	for i := range want {
		for j := range want[i] {
			var id int64
			if err := engine.Scan(got[i][:1], &id); err != nil {
				t.Fatal(err)
			}
			if !sameValue(got[i][j], want[i][j]) {
				t.Errorf("row %d column %d = %#v (%T), want %#v (%T)", i+1, j+1, got[i][j], got[i][j], want[i][j], want[i][j])
			}
		}
	}
	// Scan: NULL leaves the zero value, *any tells NULL apart, a wrong type is an error.
	var n int64 = 42
	var v any = "x"
	if err := engine.Scan(got[1][1:2], &n); err != nil || n != 0 {
		t.Errorf("Scan(NULL into *int64) = %d, %v; want 0", n, err)
	}
	if err := engine.Scan(got[1][1:2], &v); err != nil || v != nil {
		t.Errorf("Scan(NULL into *any) = %v, %v; want nil", v, err)
	}
	var str string
	if err := engine.Scan(got[0][1:2], &str); err == nil {
		t.Error("Scan of a BIGINT into *string succeeded")
	}
}

// sameValue compares engine values, integers of any width as int64.
func sameValue(got, want any) bool {
	if w, ok := want.(int64); ok {
		var g int64
		return engine.Scan([]any{got}, &g) == nil && got != nil && g == w
	}
	return got == want
}

// testTextConstants: engine.Text spells any text, backslashes and quotes included, so that
// every engine reads back exactly that text.
func testTextConstants(t *testing.T, e engine.Engine) {
	s := session(t, e)
	for _, want := range []string{"", "plain", "it's", `a\b`, `\`, `\'`, `'\\'`, `C:\new\table`, `\n is not a line break`, "ünï'cödé\\"} {
		got := value(t, s, engine.Text(want))
		if got != want {
			t.Errorf("engine.Text(%q) reads back as %#v", want, got)
		}
	}
}

func testUnicode(t *testing.T, e engine.Engine) {
	s := session(t, e)
	for _, text := range []string{"Việt Nam", "日本語", "emoji 🦆 duck", "Zürich", "a'b\"c", "tab\tand\nnewline", "e\u0301"} {
		var got string
		var chars int64
		q := fmt.Sprintf("SELECT %s, length(%[1]s)", engine.Literal(text))
		if err := s.QueryRow(t.Context(), q, &got, &chars); err != nil {
			t.Fatalf("%q: %v", text, err)
		}
		if got != text {
			t.Errorf("round trip of %q gave %q", text, got)
		}
		if want := int64(len([]rune(text))); chars != want {
			t.Errorf("length(%q) = %d, want %d characters", text, chars, want)
		}
	}
	var up, low string
	if err := s.QueryRow(t.Context(), "SELECT upper('việt zürich'), lower('VIỆT ZÜRICH')", &up, &low); err != nil {
		t.Fatal(err)
	}
	if up != "VIỆT ZÜRICH" || low != "việt zürich" {
		t.Errorf("upper/lower of non-ASCII text: %q %q", up, low)
	}
}

func testTimestamps(t *testing.T, e engine.Engine) {
	s := session(t, e)
	var ts time.Time
	var d time.Time
	var next time.Time
	q := `SELECT CAST('2024-12-31 23:59:59.999999' AS TIMESTAMP),
  CAST(CAST('2024-12-31 23:59:59.999999' AS TIMESTAMP) AS DATE),
  CAST(CAST('2024-02-28' AS DATE) + INTERVAL 1 DAY AS DATE)`
	if err := s.QueryRow(t.Context(), q, &ts, &d, &next); err != nil {
		t.Fatal(err)
	}
	want := time.Date(2024, 12, 31, 23, 59, 59, 999999000, time.UTC)
	if !ts.Equal(want) || ts.UTC() != want {
		t.Errorf("timestamp = %v, want %v (no time-zone shift)", ts, want)
	}
	if y, m, dd := d.Date(); y != 2024 || m != 12 || dd != 31 {
		t.Errorf("date of the last microsecond of 2024 = %v, want 2024-12-31", d)
	}
	if y, m, dd := next.Date(); y != 2024 || m != 2 || dd != 29 {
		t.Errorf("2024-02-28 + 1 day = %v, want the leap day", next)
	}
	var before, at bool
	if err := s.QueryRow(t.Context(), `SELECT CAST('2024-01-14 23:59:59' AS TIMESTAMP) < CAST('2024-01-15' AS DATE),
  CAST('2024-01-15 00:00:00' AS TIMESTAMP) = CAST(CAST('2024-01-15' AS DATE) AS TIMESTAMP)`, &before, &at); err != nil {
		t.Fatal(err)
	}
	if !before || !at {
		t.Errorf("a version boundary at midnight: before=%v at=%v, want both true", before, at)
	}
}

func testRounding(t *testing.T, e engine.Engine) {
	s := session(t, e)
	for _, c := range []struct {
		expr string
		want float64
	}{
		{"ROUND(CAST(2.5 AS DOUBLE))", 3},
		{"ROUND(CAST(-2.5 AS DOUBLE))", -3},
		{"ROUND(CAST(0.12345 AS DOUBLE), 4)", 0.1235},
		{"CAST(7 AS DOUBLE) / 2", 3.5},
		{"CAST(1 AS BIGINT) / CAST(4 AS BIGINT)", 0.25},
	} {
		var got float64
		if err := s.QueryRow(t.Context(), "SELECT "+c.expr, &got); err != nil {
			t.Fatalf("%s: %v", c.expr, err)
		}
		if math.Abs(got-c.want) > 1e-12 {
			t.Errorf("%s = %v, want %v", c.expr, got, c.want)
		}
	}
}

func testWindowTies(t *testing.T, e engine.Engine) {
	s := session(t, e)
	got := rows(t, s, `WITH v AS (SELECT * FROM (VALUES ('a', 2, 'x'), ('a', 2, 'y'), ('a', 1, 'z'), ('b', NULL, 'w'), ('b', 5, 'v')) AS t(k, n, tie))
SELECT k, tie, ROW_NUMBER() OVER (PARTITION BY k ORDER BY n DESC NULLS LAST, tie DESC) AS rn,
       RANK() OVER (PARTITION BY k ORDER BY n DESC NULLS LAST) AS rk
FROM v ORDER BY k, rn`)
	want := "[[a y 1 1] [a x 2 1] [a z 3 3] [b v 1 1] [b w 2 2]]"
	if fmt.Sprint(got) != want {
		t.Errorf("window ranks = %v, want %s", got, want)
	}
}

func testEmptyInputs(t *testing.T, e engine.Engine) {
	s := session(t, e)
	const empty = "SELECT * FROM (VALUES (1, 'a')) AS t(id, s) WHERE id < 0"
	if got := rows(t, s, empty); len(got) != 0 {
		t.Errorf("Each over no rows called f %d times", len(got))
	}
	objs, err := s.Objects(t.Context(), empty, nil)
	if err != nil || objs == nil || len(objs) != 0 {
		t.Errorf("Objects over no rows = %#v, %v; want an empty, non-nil list", objs, err)
	}
	files, err := s.WriteParquet(t.Context(), empty, engine.Output{})
	if err != nil || len(files) != 0 {
		t.Errorf("WriteParquet of no rows = %v, %v; want no files", files, err)
	}
	if fp, err := s.Fingerprint(t.Context(), nil, nil); err != nil || fp != "0:0" {
		t.Errorf("Fingerprint of no files = %q, %v; want 0:0", fp, err)
	}
	var n, sum any
	if err := s.QueryRow(t.Context(), "SELECT COUNT(*), SUM(id) FROM ("+empty+") e", &n, &sum); err != nil {
		t.Fatal(err)
	}
	if !sameValue(n, int64(0)) || sum != nil {
		t.Errorf("COUNT, SUM over no rows = %v, %v; want 0, NULL", n, sum)
	}
}

// writeSample writes rows id 1..n with a text and a nullable column and returns the files.
func writeSample(t *testing.T, s engine.Session, n int) []engine.ParquetFile {
	t.Helper()
	var vals []string
	for i := 1; i <= n; i++ {
		txt := "NULL"
		if i%3 != 0 {
			txt = engine.Literal(fmt.Sprintf("row %d ✓", i))
		}
		vals = append(vals, fmt.Sprintf("(%d, %s, CAST('2024-01-%02d' AS DATE))", i, txt, 1+i%28))
	}
	files, err := s.WriteParquet(t.Context(), "SELECT CAST(id AS BIGINT) AS id, s, d FROM (VALUES "+strings.Join(vals, ", ")+") AS t(id, s, d)", engine.Output{})
	if err != nil {
		t.Fatalf("WriteParquet: %v", err)
	}
	return files
}

func testParquetRoundTrip(t *testing.T, e engine.Engine) {
	s := session(t, e)
	files := writeSample(t, s, 50)
	var total int64
	var paths []string
	for _, f := range files {
		if _, err := os.Stat(f.Path); err != nil {
			t.Errorf("WriteParquet returned %s, which is not a local file: %v", f.Path, err)
		}
		total += f.Rows
		paths = append(paths, f.Path)
	}
	if total != 50 || len(files) == 0 {
		t.Fatalf("%d files with %d rows, want 50 rows", len(files), total)
	}
	var n, nulls, idSum int64
	var maxS string
	q := "SELECT COUNT(*), CAST(SUM(CASE WHEN s IS NULL THEN 1 ELSE 0 END) AS BIGINT), CAST(SUM(id) AS BIGINT), MAX(s) FROM " + e.Dialect().ReadParquet(paths)
	if err := s.QueryRow(t.Context(), q, &n, &nulls, &idSum, &maxS); err != nil {
		t.Fatal(err)
	}
	if n != 50 || nulls != 16 || idSum != 50*51/2 || maxS != "row 8 ✓" {
		t.Errorf("read back %d rows, %d NULLs, id sum %d, max %q; want 50, 16, 1275, row 8 ✓", n, nulls, idSum, maxS)
	}
}

func testInputFromAnyBucket(t *testing.T, e engine.Engine) {
	s := session(t, e)
	files := writeSample(t, s, 10)
	data, err := os.ReadFile(files[0].Path)
	if err != nil {
		t.Fatal(err)
	}
	local, err := storage.NewLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for name, b := range map[string]storage.Bucket{"memory": storage.NewMemory(), "local": local} {
		const key = "silver/t/run_date=2024-01-01/part-0.parquet"
		if err := storage.PutBytes(t.Context(), b, key, data); err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		refs, err := engine.Inputs(t.Context(), e, b, []string{key}, dir)
		if err != nil {
			t.Fatalf("%s: Inputs: %v", name, err)
		}
		var n int64
		if err := s.QueryRow(t.Context(), "SELECT COUNT(*) FROM "+e.Dialect().ReadParquet(refs), &n); err != nil || n != files[0].Rows {
			t.Errorf("%s bucket: read %d rows through Input, %v; want %d", name, n, err, files[0].Rows)
		}
		if _, err := engine.Inputs(t.Context(), e, b, []string{"silver/t/missing.parquet"}, dir); !storage.IsNotFound(err) {
			t.Errorf("%s bucket: Input of a missing object = %v, want a not-found error", name, err)
		}
	}
}

func testUnionByName(t *testing.T, e engine.Engine) {
	s := session(t, e)
	a, err := s.WriteParquet(t.Context(), "SELECT * FROM (VALUES (1, 'x')) AS t(id, s)", engine.Output{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.WriteParquet(t.Context(), "SELECT * FROM (VALUES ('y', 2, true)) AS t(s, id, added)", engine.Output{})
	if err != nil {
		t.Fatal(err)
	}
	got := rows(t, s, "SELECT id, s, added FROM "+e.Dialect().ReadParquet([]string{a[0].Path, b[0].Path})+" ORDER BY id")
	if fmt.Sprint(got) != "[[1 x <nil>] [2 y true]]" {
		t.Errorf("partitions written with different schemas read back as %v; want columns matched by name, NULL where absent", got)
	}
}

func testDescribe(t *testing.T, e engine.Engine) {
	s := session(t, e)
	cols, err := s.Describe(t.Context(), "(SELECT CAST(1 AS BIGINT) AS id, 'x' AS name, CAST(NULL AS TIMESTAMP) AS ts) AS d")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range cols {
		names = append(names, c.Name)
		if c.Type == "" {
			t.Errorf("column %s has no type", c.Name)
		}
	}
	if strings.Join(names, ",") != "id,name,ts" {
		t.Errorf("Describe names %v, want id,name,ts in order", names)
	}
}

func testFingerprint(t *testing.T, e engine.Engine) {
	s := session(t, e)
	write := func(q string) []string {
		files, err := s.WriteParquet(t.Context(), q, engine.Output{})
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, f := range files {
			out = append(out, f.Path)
		}
		return out
	}
	fp := func(files []string, exclude ...string) string {
		v, err := s.Fingerprint(t.Context(), files, exclude)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	base := write("SELECT * FROM (VALUES (1, 'a', 10), (2, 'b', 20)) AS t(id, s, audit)")
	shuffled := write("SELECT * FROM (VALUES (2, 'b', 99), (1, 'a', 98)) AS t(id, s, audit)")
	changed := write("SELECT * FROM (VALUES (1, 'a', 10), (2, 'c', 20)) AS t(id, s, audit)")
	if fp(base, "audit") != fp(shuffled, "audit") {
		t.Error("the same business rows in another order, with other audit values, fingerprint differently")
	}
	if fp(base) == fp(shuffled) {
		t.Error("a changed column that is not excluded does not change the fingerprint")
	}
	if fp(base, "audit") == fp(changed, "audit") {
		t.Error("a changed business value does not change the fingerprint")
	}
	if !strings.HasPrefix(fp(base), "2:") {
		t.Errorf("fingerprint %q does not start with the row count", fp(base))
	}
}

func testErrors(t *testing.T, e engine.Engine) {
	s := session(t, e)
	const bad = "SELECT no_such_column FROM (VALUES (1)) AS t(x)"
	for name, err := range map[string]error{
		"Exec":     s.Exec(t.Context(), bad),
		"QueryRow": s.QueryRow(t.Context(), bad, new(any)),
		"Each":     s.Each(t.Context(), bad, func([]any) error { return nil }),
	} {
		var se *engine.SQLError
		if !errors.As(err, &se) || se.SQL != bad {
			t.Errorf("%s of a bad statement: %v; want an *engine.SQLError carrying the statement", name, err)
		}
	}
	stop := errors.New("stop")
	calls := 0
	err := s.Each(t.Context(), "SELECT * FROM (VALUES (1), (2), (3)) AS t(x)", func([]any) error { calls++; return stop })
	if !errors.Is(err, stop) || calls != 1 {
		t.Errorf("an error from f: Each returned %v after %d calls; want it at once", err, calls)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := s.Exec(ctx, "SELECT 1"); err == nil {
		t.Error("Exec with a canceled context succeeded")
	}
}

func testTempDir(t *testing.T, e engine.Engine) {
	a, err := e.TempDir("x/y z")
	if err != nil {
		t.Fatal(err)
	}
	b, err := e.TempDir("x/y z")
	if err != nil {
		t.Fatal(err)
	}
	if a == b {
		t.Errorf("two TempDir calls gave the same directory %s", a)
	}
	for _, d := range []string{a, b} {
		if st, err := os.Stat(d); err != nil || !st.IsDir() {
			t.Errorf("TempDir %s is not a directory: %v", d, err)
		}
		if filepath.Base(filepath.Dir(d)) == "x" {
			t.Errorf("TempDir %s nests the prefix's slash as a folder", d)
		}
	}
}

// value runs "SELECT expr" and returns its one value.
func value(t *testing.T, s engine.Session, expr string) any {
	t.Helper()
	var v any
	if err := s.QueryRow(t.Context(), "SELECT "+expr, &v); err != nil {
		t.Fatalf("SELECT %s: %v", expr, err)
	}
	return v
}

func testDialectRegex(t *testing.T, e engine.Engine) {
	s, d := session(t, e), e.Dialect()
	for _, c := range []struct {
		text, pattern string
		want          any
	}{
		{"'abc'", "a.c", true},
		{"'abc'", "b", false}, // entirely, not somewhere
		{"'US'", "[A-Z]{2}", true},
		{"'USA'", "[A-Z]{2}", false},
		{"'Việt'", `\p{L}+`, true},
		{"''", "[A-Z]*", true},
		{"CAST(NULL AS STRING)", "a", nil},
	} {
		if got := value(t, s, d.Matches(c.text, c.pattern)); got != c.want {
			t.Errorf("Matches(%s, %q) = %v, want %v", c.text, c.pattern, got, c.want)
		}
	}
	for _, c := range []struct{ text, pattern, want string }{
		{"'a1b22c333'", "[0-9]+", "abc"},
		{"'  spaced  out '", `^\s+|\s+$`, "spaced  out"},
		{"'tag—with—dashes'", "—", "tagwithdashes"},
		{"'nothing'", "[0-9]", "nothing"},
	} {
		if got := value(t, s, d.RegexpRemove(c.text, c.pattern)); got != c.want {
			t.Errorf("RegexpRemove(%s, %q) = %q, want %q (every match removed)", c.text, c.pattern, got, c.want)
		}
	}
}

func testDialectDays(t *testing.T, e engine.Engine) {
	s, d := session(t, e), e.Dialect()
	for _, c := range []struct {
		ts, day string
		want    any
	}{
		{"TIMESTAMP '2024-01-01 23:59:59'", "DATE '2024-01-02'", int64(1)},
		{"TIMESTAMP '2024-01-02 00:00:00'", "DATE '2024-01-02'", int64(0)},
		{"TIMESTAMP '2024-03-01 00:00:01'", "DATE '2024-02-28'", int64(-2)},
		{"TIMESTAMP '2023-01-01 12:00:00'", "DATE '2024-01-01'", int64(365)},
		{"CAST(NULL AS TIMESTAMP)", "DATE '2024-01-01'", nil},
	} {
		got := value(t, s, d.DaysBetween(c.ts, c.day))
		if (c.want == nil) != (got == nil) || c.want != nil && !sameValue(got, c.want) {
			t.Errorf("DaysBetween(%s, %s) = %v, want %v", c.ts, c.day, got, c.want)
		}
	}
	// A BIGINT like every count of days the layers write: a Parquet INT32 here would give the
	// same column different types on different engines.
	if cols, err := s.Describe(t.Context(), "(SELECT "+d.DaysBetween("TIMESTAMP '2024-01-01 00:00:00'", "DATE '2024-01-02'")+" AS n)"); err != nil || len(cols) != 1 || cols[0].Type != "BIGINT" {
		t.Errorf("DaysBetween's type = %v (%v), want BIGINT", cols, err)
	}
	got := rows(t, s, "SELECT CAST(d AS STRING), "+d.ISODayOfWeek("d")+" FROM "+d.DateSeries("2024-02-26", "2024-03-03")+" AS s ORDER BY d")
	want := "[[2024-02-26 1] [2024-02-27 2] [2024-02-28 3] [2024-02-29 4] [2024-03-01 5] [2024-03-02 6] [2024-03-03 7]]"
	if fmt.Sprint(got) != want {
		t.Errorf("DateSeries over a leap week with ISODayOfWeek = %v, want %s", got, want)
	}
	if one := rows(t, s, "SELECT d FROM "+d.DateSeries("2030-12-31", "2030-12-31")+" AS s"); len(one) != 1 {
		t.Errorf("DateSeries of one day gave %d rows, want 1 (inclusive)", len(one))
	}
}

func testDialectJSONLists(t *testing.T, e engine.Engine) {
	s, d := session(t, e), e.Dialect()
	exec(t, s, `CREATE OR REPLACE TEMP VIEW j AS SELECT * FROM (VALUES
  (1, '["a","b","a"]'), (2, '[]'), (3, CAST(NULL AS STRING)), (4, '["Việt Nam", "x,y"]')) AS t(id, tags)`)
	list := d.JSONStringList("tags")
	got := rows(t, s, fmt.Sprintf("SELECT * FROM (SELECT id, %s FROM j) e ORDER BY id, pos",
		d.ExplodeWithPosition(list, "tag", "pos")))
	want := "[[1 a 1] [1 b 2] [1 a 3] [4 Việt Nam 1] [4 x,y 2]]"
	if fmt.Sprint(got) != want {
		t.Errorf("ExplodeWithPosition = %v, want %s: exactly the columns id, tag, pos; empty and NULL lists give no row", got, want)
	}
	quoted := rows(t, s, `SELECT "id" FROM j WHERE "id" = 4`)
	if fmt.Sprint(quoted) != "[[4]]" {
		t.Errorf(`a double-quoted name (engine.Ident) read back %v, want the column id: it must be an identifier, not a string`, quoted)
	}
	for _, c := range []struct {
		text string
		want any
	}{
		{`'["a","b"]'`, int64(2)},
		{`'[]'`, int64(0)},
		{"CAST(NULL AS STRING)", nil},
	} {
		got := value(t, s, d.JSONArrayLength(c.text))
		if (c.want == nil) != (got == nil) || c.want != nil && !sameValue(got, c.want) {
			t.Errorf("JSONArrayLength(%s) = %v, want %v", c.text, got, c.want)
		}
	}
}

// testDialectParseTimestamp: strptime's grammar as DuckDB reads it, on both sides of every
// edge (digit counts, whitespace, impossible dates and times), the first format that accepts
// a text winning; and a format an engine cannot spell is an error, not a different parse.
func testDialectParseTimestamp(t *testing.T, e engine.Engine) {
	s, d := session(t, e), e.Dialect()
	kaggle := []string{"%m/%d/%Y %H:%M:%S", "%m/%d/%Y"}
	iso := []string{"%Y-%m-%d %H:%M:%S", "%Y-%m-%d"}
	for _, c := range []struct {
		text    string // a SQL expression
		formats []string
		want    string // "" for NULL
	}{
		{"'01/02/2019 07:55:37'", kaggle, "2019-01-02 07:55:37"},
		{"'1/2/2019 1:2:3'", kaggle, "2019-01-02 01:02:03"},
		{"'04/01/2010'", kaggle, "2010-04-01 00:00:00"},
		{"'4/1/2010'", kaggle, "2010-04-01 00:00:00"},
		{"' 04/01/2010' || chr(9)", kaggle, "2010-04-01 00:00:00"},               // whitespace around
		{"'01/02/2019' || chr(9) || ' 07:55:37'", kaggle, "2019-01-02 07:55:37"}, // a run of blanks
		{"'01/02/2019' || chr(10) || '07:55:37 '", kaggle, "2019-01-02 07:55:37"},
		{"'12/31/999'", kaggle, "0999-12-31 00:00:00"},
		{"'04/01/10'", kaggle, "0010-04-01 00:00:00"}, // %Y is the year as written
		{"'02/29/2020'", kaggle, "2020-02-29 00:00:00"},
		{"'13/01/2010'", kaggle, ""},
		{"'02/30/2019'", kaggle, ""},
		{"'01/01/2019 24:00:00'", kaggle, ""},
		{"'01/01/2019 23:59:60'", kaggle, ""},
		{"'001/02/2019'", kaggle, ""}, // three digits for %m
		{"'12/31/99999'", kaggle, ""}, // five for %Y
		{"'1/02/2019 007:00:00'", kaggle, ""},
		{"'01/02/2019 07:55'", kaggle, ""},
		{"'01/02/2019 07:55:37.5'", kaggle, ""},
		{"'01/02/201907:55:37'", kaggle, ""},                   // a blank in the format needs one in the text
		{"'04/ 01/2010'", kaggle, ""},                          // and none elsewhere
		{"'01/02/2019' || chr(160) || '07:55:37'", kaggle, ""}, // no-break space is no blank
		{"'+4/01/2010'", kaggle, ""},
		{"'٠٤/٠١/٢٠١٠'", kaggle, ""},
		{"'2019-01-02'", kaggle, ""},
		{"''", kaggle, ""},
		{"CAST(NULL AS STRING)", kaggle, ""},
		{"'2019-01-02 07:55:37'", iso, "2019-01-02 07:55:37"},
		{"'2019-1-2'", iso, "2019-01-02 00:00:00"},
		{"'2019-01-02 7:5:3 '", iso, "2019-01-02 07:05:03"},
		{"'2019-01-02T07:55:37'", iso, ""},
		{"'04/01/2010'", []string{"%m/%d/%Y"}, "2010-04-01 00:00:00"},
		{"'04/01/2010 10:00:00'", []string{"%m/%d/%Y"}, ""},
		{"'100% 2019'", []string{"100%% %Y"}, "2019-01-01 00:00:00"},
	} {
		expr, err := d.ParseTimestamp(c.text, c.formats...)
		if err != nil {
			t.Errorf("ParseTimestamp(%s, %q): %v", c.text, c.formats, err)
			continue
		}
		got := ""
		if v := value(t, s, expr); v != nil {
			ts, ok := v.(time.Time)
			if !ok {
				t.Errorf("ParseTimestamp(%s, %q) = %#v, want a time.Time", c.text, c.formats, v)
				continue
			}
			got = ts.Format("2006-01-02 15:04:05")
		}
		if got != c.want {
			t.Errorf("ParseTimestamp(%s, %q) = %q, want %q (empty: NULL)", c.text, c.formats, got, c.want)
		}
	}
	expr, err := d.ParseTimestamp("'2019-01-02'", iso...)
	if err != nil {
		t.Fatal(err)
	}
	if cols, err := s.Describe(t.Context(), "(SELECT "+expr+" AS ts) AS p"); err != nil || len(cols) != 1 || cols[0].Type != "TIMESTAMP" {
		t.Errorf("ParseTimestamp's type = %v (%v), want TIMESTAMP", cols, err)
	}
	// A format beyond the documented language: refused, or parsed as strptime would.
	if expr, err := d.ParseTimestamp("'Jan 02 2019'", "%b %d %Y"); err == nil {
		if v, ok := value(t, s, expr).(time.Time); !ok || v.Format("2006-01-02") != "2019-01-02" {
			t.Errorf("ParseTimestamp with %%b accepted the format and parsed 'Jan 02 2019' as %v", v)
		}
	} else if !strings.Contains(err.Error(), "%b") {
		t.Errorf("ParseTimestamp with %%b: error %q does not name the specifier", err)
	}
}

// testDialectIsJSONArray: RFC 8259 arrays (whitespace around, nesting, escapes) hold; other
// JSON, broken JSON, text after an array and NULL do not.
func testDialectIsJSONArray(t *testing.T, e engine.Engine) {
	s, d := session(t, e), e.Dialect()
	for _, c := range []struct {
		text string
		want bool
	}{
		{`'[]'`, true},
		{`'["a","b"]'`, true},
		{`'[1, 2.5e3, -0, true, false, null]'`, true},
		{`' [1] '`, true},
		{`chr(9) || '[1]' || chr(10)`, true},
		{`'[[1,2],[{"a":[]}],{}]'`, true},
		{`'[{"a":1,"a":2}]'`, true}, // duplicate keys are valid JSON
		{`'["x' || chr(92) || '"y", "' || chr(92) || 'u00e9", "Việt"]'`, true}, // chr(92): a backslash reads alike in both dialects' literals
		{`'["a' || chr(92) || 'x"]'`, false},                                   // no such escape
		{`'[123456789012345678901234567890]'`, true},
		{`'{"a":[1]}'`, false},
		{`'"[1]"'`, false},
		{`'null'`, false},
		{`'42'`, false},
		{`''`, false},
		{`' '`, false},
		{`'['`, false},
		{`'["a"'`, false},
		{`'[1] x'`, false},
		{`'[1][2]'`, false},
		{`'[1]]'`, false},
		{`'[1]}'`, false},
		{`'[1],[2]'`, false},
		{`'[1 2]'`, false},
		{`'[,1]'`, false},
		{`'[1,,2]'`, false},
		{`'[01]'`, false},
		{`'[.5]'`, false},
		{`'[''a'']'`, false}, // single quotes
		{`'[{a:1}]'`, false},
		{`'[1, /* c */ 2]'`, false},
		{`'["a' || chr(9) || 'b"]'`, false}, // a raw control character inside a string
		{`'[nul]'`, false},
		{`'[1]' || chr(160)`, false},
		{`'abc'`, false},
		{`CAST(NULL AS STRING)`, false},
	} {
		got := value(t, s, "COALESCE("+d.IsJSONArray(c.text)+", false)")
		if got != c.want {
			t.Errorf("IsJSONArray(%s) = %v, want %v", c.text, got, c.want)
		}
	}
}

// testDialectConstantText: the constant reads back as text, through Parquet too.
func testDialectConstantText(t *testing.T, e engine.Engine) {
	s, d := session(t, e), e.Dialect()
	q := "SELECT id, " + d.ConstantText("kaggle_meta") + " AS src, " + d.ConstantText(`it's Việt \p`) + " AS other FROM (VALUES (1), (2)) AS t(id)"
	files, err := s.WriteParquet(t.Context(), q, engine.Output{})
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, f := range files {
		paths = append(paths, f.Path)
	}
	rel := e.Dialect().ReadParquet(paths)
	got := rows(t, s, "SELECT id, src, other FROM "+rel+" ORDER BY id")
	if fmt.Sprint(got) != `[[1 kaggle_meta it's Việt \p] [2 kaggle_meta it's Việt \p]]` {
		t.Errorf("constant text columns read back as %v", got)
	}
	cols, err := s.Describe(t.Context(), rel)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cols {
		if c.Name != "id" && c.Type != "VARCHAR" {
			t.Errorf("constant text column %s is %s in Parquet, want VARCHAR", c.Name, c.Type)
		}
	}
}

// testDialectCountDistinctInRange: the count equals COUNT(DISTINCT) — repeated values once,
// NULLs not, the bounds themselves counted, negative bounds, a range too wide for any bitmap,
// no rows — and is a BIGINT that reads back as an integer.
func testDialectCountDistinctInRange(t *testing.T, e engine.Engine) {
	s, d := session(t, e), e.Dialect()
	const vals = "(VALUES (CAST(-5 AS BIGINT)), (3), (3), (CAST(NULL AS BIGINT)), (10), (-5), (7)) AS t(x)"
	for _, c := range []struct {
		lo, hi int64
		from   string
		want   int64
	}{
		{-5, 10, vals, 4},
		{-5, 1 << 40, vals, 4},
		{0, 0, "(VALUES (CAST(0 AS BIGINT)), (0)) AS t(x)", 1},
		{0, 100, "(VALUES (CAST(1 AS BIGINT))) AS t(x) WHERE x > 1", 0},
	} {
		var got, ref int64
		q := fmt.Sprintf("SELECT CAST(%s AS BIGINT), CAST(COUNT(DISTINCT x) AS BIGINT) FROM %s", d.CountDistinctInRange("x", c.lo, c.hi), c.from)
		if err := s.QueryRow(t.Context(), q, &got, &ref); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		if got != c.want || ref != c.want {
			t.Errorf("CountDistinctInRange over [%d, %d] of %s = %d (COUNT(DISTINCT) %d), want %d", c.lo, c.hi, c.from, got, ref, c.want)
		}
	}
}

// testDialectCountDistinctText: the count equals COUNT(DISTINCT) over texts that are canonical
// integers, integers in other forms (leading zero, sign, blank, too large for any bitmap) and
// no integers at all, with repeats and NULLs; over no rows it is 0.
func testDialectCountDistinctText(t *testing.T, e engine.Engine) {
	s, d := session(t, e), e.Dialect()
	texts := []string{"'1'", "'01'", "'1'", "CAST(NULL AS STRING)", "'-1'", "'+1'", "' 1'", "'99999999999'",
		"'99999999999'", "'abc'", "'0'", "'007'", "'7'", "'67108864'", "'67108863'", "''", "'1.0'"}
	rowsSQL := make([]string, len(texts))
	for i, x := range texts {
		rowsSQL[i] = "(" + x + ")"
	}
	for _, c := range []struct {
		from string
		want int64
	}{
		{"(VALUES " + strings.Join(rowsSQL, ", ") + ") AS t(x)", 14},
		{"(VALUES ('1')) AS t(x) WHERE x = '2'", 0},
	} {
		var got, ref int64
		q := fmt.Sprintf("SELECT CAST(%s AS BIGINT), CAST(COUNT(DISTINCT x) AS BIGINT) FROM %s", d.CountDistinctText("x"), c.from)
		if err := s.QueryRow(t.Context(), q, &got, &ref); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		if got != c.want || ref != c.want {
			t.Errorf("CountDistinctText over %s = %d (COUNT(DISTINCT) %d), want %d", c.from, got, ref, c.want)
		}
	}
}
