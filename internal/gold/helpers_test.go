package gold_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/metalake/metalake/internal/engine"
	"github.com/metalake/metalake/internal/gold"
	"github.com/metalake/metalake/internal/lake"
	"github.com/metalake/metalake/internal/query"
	"github.com/metalake/metalake/internal/storage"
)

type fixture struct {
	lake *lake.Lake
	eng  engine.Engine
	job  *gold.Job
}

// newFixture is an empty local lake, an engine and a gold job whose clock ticks one second per
// call (processing times differ between runs, as they would in production).
func newFixture(t testing.TB) *fixture {
	t.Helper()
	b, err := storage.NewLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return newFixtureOn(t, b)
}

// newFixtureOn is newFixture over a given bucket (the memory backend has no local paths: every
// input is downloaded, every output uploaded).
func newFixtureOn(t testing.TB, b storage.Bucket) *fixture {
	t.Helper()
	ctx := context.Background()
	eng, err := engine.Open(ctx, engine.Options{Threads: 2, MemoryLimit: "1GB", WorkDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { eng.Close() })
	lk := lake.New(b)
	var tick atomic.Int64
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	now := func() time.Time { return base.Add(time.Duration(tick.Add(1)) * time.Second) }
	return &fixture{lake: lk, eng: eng, job: &gold.Job{Lake: lk, Engine: eng, Now: now, RunID: "test-run"}}
}

func mustDate(t testing.TB, s string) lake.Date {
	t.Helper()
	d, err := lake.ParseDate(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// Silver column lists the fixtures write (a subset of silver's columns: what gold reads).
const (
	usersCols    = "user_id, user_name, country_code, signup_ts"
	datasetsCols = "dataset_id, dataset_title, dataset_subtitle, owner_user_id, is_private, dataset_type, created_ts, updated_ts, total_views, total_downloads, views_downloads_ratio"
	tagsCols     = "dataset_id, tag, tag_category, dataset_count"
	compCols     = "competition_id, slug, title, host_segment_title, enabled_ts, deadline_ts, reward_type, reward_quantity, num_prizes, max_team_size, total_teams, total_competitors, total_submissions"
)

// putSilver publishes silver/{table}/run_date=date with rows given as SQL value tuples over
// columns (typed by a SELECT so NULL columns keep their type).
func (f *fixture) putSilver(t testing.TB, table, date, columns, types string, rows ...string) {
	t.Helper()
	ctx := context.Background()
	d := mustDate(t, date)
	s, err := f.eng.Session(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	names := strings.Split(columns, ",")
	typs := strings.Split(types, ",")
	if len(names) != len(typs) {
		t.Fatalf("putSilver %s: %d columns, %d types", table, len(names), len(typs))
	}
	var sel []string
	for i, n := range names {
		sel = append(sel, fmt.Sprintf("CAST(%s AS %s) AS %s", strings.TrimSpace(n), strings.TrimSpace(typs[i]), strings.TrimSpace(n)))
	}
	sel = append(sel, fmt.Sprintf("DATE '%s' AS silver_run_date", date))
	var q string
	if len(rows) == 0 {
		q = "SELECT " + strings.Join(sel, ", ") + " FROM (SELECT " + nulls(len(names), names) + ") v WHERE false"
	} else {
		q = fmt.Sprintf("SELECT %s FROM (VALUES %s) v(%s)", strings.Join(sel, ", "), strings.Join(rows, ", "), columns)
	}
	files, err := s.WriteParquet(ctx, q, engine.Output{})
	if err != nil {
		t.Fatal(err)
	}
	var lf []lake.File
	for _, x := range files {
		lf = append(lf, lake.File{Path: x.Path, Rows: x.Rows})
	}
	if _, err := f.lake.Publish(ctx, lake.PartitionDir(lake.Silver, table, d),
		lake.Manifest{Layer: lake.Silver, Table: table, RunDate: date, Attempt: lake.NewAttemptID(time.Now())}, lf); err != nil {
		t.Fatal(err)
	}
}

func nulls(n int, names []string) string {
	out := make([]string, n)
	for i := range out {
		out[i] = "NULL AS " + strings.TrimSpace(names[i])
	}
	return strings.Join(out, ", ")
}

const (
	usersTypes    = "VARCHAR, VARCHAR, VARCHAR, TIMESTAMP"
	datasetsTypes = "VARCHAR, VARCHAR, VARCHAR, VARCHAR, BOOLEAN, VARCHAR, TIMESTAMP, TIMESTAMP, BIGINT, BIGINT, DOUBLE"
	tagsTypes     = "VARCHAR, VARCHAR, VARCHAR, BIGINT"
	compTypes     = "VARCHAR, VARCHAR, VARCHAR, VARCHAR, TIMESTAMP, TIMESTAMP, VARCHAR, DOUBLE, BIGINT, BIGINT, BIGINT, BIGINT, BIGINT"
)

// user is one silver users row.
type user struct{ id, name, country, signup string }

func (u user) sql() string {
	return fmt.Sprintf("('%s', '%s', %s, %s)", u.id, u.name, nullable(u.country), nullableTS(u.signup))
}

func nullable(s string) string {
	if s == "" {
		return "NULL"
	}
	return "'" + s + "'"
}

func nullableTS(s string) string {
	if s == "" {
		return "NULL"
	}
	return "TIMESTAMP '" + s + "'"
}

func (f *fixture) putUsers(t testing.TB, date string, us ...user) {
	t.Helper()
	rows := make([]string, len(us))
	for i, u := range us {
		rows[i] = u.sql()
	}
	f.putSilver(t, "users", date, usersCols, usersTypes, rows...)
}

// dataset is one silver datasets row.
type dataset struct {
	id, title, owner string
	private          bool
	views, downloads int64
}

func (d dataset) sql() string {
	ratio := "NULL"
	if d.downloads > 0 {
		ratio = fmt.Sprintf("%g", float64(d.views)/float64(d.downloads))
	}
	return fmt.Sprintf("('%s', '%s', NULL, '%s', %t, 'dataset', TIMESTAMP '2023-06-01', TIMESTAMP '2023-12-01', %d, %d, %s)",
		d.id, d.title, d.owner, d.private, d.views, d.downloads, ratio)
}

func (f *fixture) putDatasets(t testing.TB, date string, ds ...dataset) {
	t.Helper()
	rows := make([]string, len(ds))
	for i, d := range ds {
		rows[i] = d.sql()
	}
	f.putSilver(t, "datasets", date, datasetsCols, datasetsTypes, rows...)
}

// putTags publishes silver tags from (dataset, tag) pairs; dataset_count and tag_category are
// derived as silver does (category simplified to "rare").
func (f *fixture) putTags(t testing.TB, date string, pairs ...[2]string) {
	t.Helper()
	count := map[string]int{}
	for _, p := range pairs {
		count[p[1]]++
	}
	rows := make([]string, len(pairs))
	for i, p := range pairs {
		rows[i] = fmt.Sprintf("('%s', '%s', 'rare', %d)", p[0], p[1], count[p[1]])
	}
	f.putSilver(t, "tags", date, tagsCols, tagsTypes, rows...)
}

func (f *fixture) dims(t testing.TB, date string, names ...string) {
	t.Helper()
	for _, n := range names {
		if _, err := f.job.BuildDimension(context.Background(), n, mustDate(t, date)); err != nil {
			t.Fatalf("%s %s: %v", n, date, err)
		}
	}
}

// query runs SQL through the query catalog (what `metalake query` sees) and returns rows as
// JSON objects.
func (f *fixture) query(t testing.TB, q string) []map[string]any {
	t.Helper()
	var out []map[string]any
	if err := json.Unmarshal([]byte(f.run(t, q, "json")), &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// csv runs SQL through the query catalog and returns CSV text.
func (f *fixture) csv(t testing.TB, q string) string {
	t.Helper()
	return f.run(t, q, "csv")
}

func (f *fixture) run(t testing.TB, q, format string) string {
	t.Helper()
	ctx := context.Background()
	c, err := query.Open(ctx, f.lake, f.eng)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var buf bytes.Buffer
	if err := c.Query(ctx, q, format, &buf); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return buf.String()
}

func num(t testing.TB, v any) int64 {
	t.Helper()
	switch x := v.(type) {
	case int64:
		return x
	case float64:
		return int64(x)
	case json.Number:
		n, err := x.Int64()
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	t.Fatalf("not a number: %#v", v)
	return 0
}

func manifestAttempt(t testing.TB, f *fixture, dir string) string {
	t.Helper()
	m, ok, err := f.lake.ReadManifest(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	if !ok {
		return ""
	}
	return m.Attempt
}
