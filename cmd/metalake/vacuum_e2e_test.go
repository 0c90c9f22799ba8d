package main_test

import (
	"context"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/glue"

	"github.com/metalake/metalake/internal/deploy"
	"github.com/metalake/metalake/internal/lock"
	"github.com/metalake/metalake/internal/storage"
)

// lakeFiles lists a local lake's files (slash-separated, sorted), scratch space (_staging)
// aside.
func lakeFiles(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if rel = filepath.ToSlash(rel); !strings.HasPrefix(rel, "_staging/") {
			out = append(out, rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func filesMatching(files []string, re *regexp.Regexp) []string {
	var out []string
	for _, f := range files {
		if re.MatchString(f) {
			out = append(out, f)
		}
	}
	return out
}

// TestCLIVacuum: on a lake of five run dates, a dry run prints what --keep-dates 2 would free
// and changes nothing; the vacuum removes the bronze, silver and reports of the three oldest
// dates (bytes > 0) and nothing else; query still answers for the kept dates; a second vacuum
// removes nothing and says so; the next date then gives the same silver and gold as on a lake
// never vacuumed; a rerun of a vacuumed date fails naming the missing partition, and the
// documented way back (rerun from the first date) rebuilds it.
func TestCLIVacuum(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	lk, ref := filepath.Join(dir, "lake"), filepath.Join(dir, "ref")
	must(t, metalake(t, dir, "generate", "--lake", lk, "--date", "2025-07-01", "--days", "6", "--users", "2000", "--seed", "3"), 0)
	must(t, metalake(t, dir, "run", "--lake", lk, "--date", "2025-07-01", "--to", "2025-07-05", "--quiet"), 0)
	if err := os.CopyFS(ref, os.DirFS(lk)); err != nil {
		t.Fatal(err)
	}
	before := lakeFiles(t, lk)

	// Dry run: the plan, nothing changed.
	dry := must(t, metalake(t, dir, "vacuum", "--lake", lk, "--keep-dates", "2", "--dry-run", "--format", "json"), 0)
	var plan struct {
		DryRun       bool     `json:"dry_run"`
		RemovedDates []string `json:"removed_dates"`
		KeptDates    []string `json:"kept_dates"`
		Files        int      `json:"files"`
		Bytes        int64    `json:"bytes"`
		Groups       []struct {
			Area  string `json:"area"`
			Table string `json:"table"`
			Bytes int64  `json:"bytes"`
		} `json:"removed"`
	}
	if err := json.Unmarshal([]byte(dry.stdout), &plan); err != nil {
		t.Fatalf("dry-run json: %v\n%s", err, dry.stdout)
	}
	old := []string{"2025-07-01", "2025-07-02", "2025-07-03"}
	if !plan.DryRun || !slices.Equal(plan.RemovedDates, old) || !slices.Equal(plan.KeptDates, []string{"2025-07-04", "2025-07-05"}) ||
		plan.Bytes <= 0 || len(plan.Groups) == 0 {
		t.Errorf("dry-run plan: %+v", plan)
	}
	text := must(t, metalake(t, dir, "vacuum", "--lake", lk, "--keep-dates", "2", "--dry-run"), 0).stdout
	for _, want := range []string{"dry run: nothing is changed", "would remove 3 run date(s): 2025-07-01, 2025-07-02, 2025-07-03", "total"} {
		if !strings.Contains(text, want) {
			t.Errorf("dry run does not say %q:\n%s", want, text)
		}
	}
	if got := lakeFiles(t, lk); !slices.Equal(got, before) {
		t.Fatal("the dry run changed the lake")
	}

	// The vacuum.
	r := must(t, metalake(t, dir, "vacuum", "--lake", lk, "--keep-dates", "2"), 0)
	if !strings.Contains(r.stdout, "removed 3 run date(s): 2025-07-01, 2025-07-02, 2025-07-03") {
		t.Errorf("vacuum output:\n%s", r.stdout)
	}
	m := regexp.MustCompile(`(?m)^  total .*\((\d+) bytes\)$`).FindStringSubmatch(r.stdout)
	if m == nil {
		t.Fatalf("no total line:\n%s", r.stdout)
	}
	if freed, _ := strconv.ParseInt(m[1], 10, 64); freed <= 0 || freed != plan.Bytes {
		t.Errorf("freed %s bytes, the dry run announced %d", m[1], plan.Bytes)
	}
	// A full silver recomputation would silently miss the removed bronze: refused.
	fr := must(t, metalake(t, dir, "run", "--lake", lk, "--date", "2025-07-06", "--full-silver", "--quiet"), 2)
	oneLine(t, fr, "--full-silver on a vacuumed lake", "2025-07-01, 2025-07-02, 2025-07-03")
	after := lakeFiles(t, lk)
	oldData := regexp.MustCompile(`^(bronze|silver|_reports|_monitoring)/.*run_date=2025-07-0[123]/`)
	if left := filesMatching(after, oldData); len(left) != 0 {
		t.Errorf("left after the vacuum: %v", left)
	}
	for _, keep := range []*regexp.Regexp{
		regexp.MustCompile(`^raw/`), regexp.MustCompile(`^gold/`), regexp.MustCompile(`^_state/runs/`),
		regexp.MustCompile(`run_date=2025-07-0[45]/`),
	} {
		if !slices.Equal(filesMatching(after, keep), filesMatching(before, keep)) {
			t.Errorf("files matching %s changed", keep)
		}
	}
	if removed := len(before) - len(after) + 1; removed != plan.Files { // +1: _state/vacuum.json
		t.Errorf("%d files removed, the dry run announced %d", removed, plan.Files)
	}

	// Query answers for the kept dates; gold facts keep their history.
	q := must(t, metalake(t, dir, "query", "--lake", lk, "--format", "csv",
		"SELECT (SELECT string_agg(DISTINCT CAST(run_date AS VARCHAR), ' ' ORDER BY CAST(run_date AS VARCHAR)) FROM silver.users) AS silver, "+
			"(SELECT COUNT(DISTINCT run_date) FROM bronze.users) AS bronze, "+
			"(SELECT COUNT(DISTINCT run_date) FROM gold.fact_dataset_owner_daily) AS facts, "+
			"(SELECT COUNT(*) > 0 FROM silver.users_latest) AS latest"), 0)
	if got := strings.TrimSpace(q.stdout); got != "silver,bronze,facts,latest\n2025-07-04 2025-07-05,2,5,true" {
		t.Errorf("query after the vacuum: %q", got)
	}
	cat := must(t, metalake(t, dir, "catalog", "--lake", lk, "silver.users"), 0).stdout
	if strings.Contains(cat, "2025-07-01 rows") || !strings.Contains(cat, "2025-07-05 rows") {
		t.Errorf("catalog after the vacuum:\n%s", cat)
	}

	// Again: nothing to remove.
	again := must(t, metalake(t, dir, "vacuum", "--lake", lk, "--keep-dates", "2"), 0)
	if !strings.Contains(again.stdout, "nothing to remove: 2025-07-01..2025-07-03 (3) already vacuumed") {
		t.Errorf("second vacuum:\n%s", again.stdout)
	}
	if got := lakeFiles(t, lk); !slices.Equal(got, after) {
		t.Error("the second vacuum changed the lake")
	}

	// The next date: the same silver and gold as without the vacuum.
	for _, l := range []string{lk, ref} {
		must(t, metalake(t, dir, "run", "--lake", l, "--date", "2025-07-06", "--quiet"), 0)
	}
	var queries []string
	for _, tb := range []string{"users", "datasets", "tags", "competitions", "kernels"} {
		queries = append(queries, "SELECT COLUMNS(c -> c NOT IN ('silver_processed_ts', 'ingest_ts')) FROM silver."+tb+
			" WHERE run_date = DATE '2025-07-06' ORDER BY ALL")
	}
	for _, f := range []string{"fact_dataset_owner_daily", "fact_competitions_yearly", "fact_tag_usage_daily", "bridge_dataset_tag"} {
		queries = append(queries, "SELECT * EXCLUDE (pipeline_run_id, created_at_ts) FROM gold."+f+" WHERE run_date = DATE '2025-07-06' ORDER BY ALL")
	}
	for _, d := range []string{"dim_user", "dim_dataset", "dim_tag", "dim_competition"} {
		queries = append(queries, "SELECT * EXCLUDE (created_at, updated_at) FROM gold."+d+" ORDER BY ALL")
	}
	queries = append(queries, "SELECT COUNT(*), MIN(date_sk), MAX(date_sk) FROM gold.dim_date")
	sameRows(t, dir, lk, ref, queries)

	// A rerun of a vacuumed date fails naming what is missing …
	r = must(t, metalake(t, dir, "run", "--lake", lk, "--date", "2025-07-02", "--force", "--quiet"), 1)
	oneLine(t, r, "silver", "2025-07-02", "previous date 2025-07-01 has no silver partition")
	// … and rebuilding from the first date (raw is kept) restores it.
	must(t, metalake(t, dir, "run", "--lake", lk, "--date", "2025-07-01", "--to", "2025-07-02", "--force", "--quiet"), 0)
	sameRows(t, dir, lk, ref, []string{
		"SELECT COLUMNS(c -> c NOT IN ('silver_processed_ts', 'ingest_ts')) FROM silver.users WHERE run_date = DATE '2025-07-02' ORDER BY ALL",
		"SELECT COLUMNS(c -> c NOT IN ('silver_processed_ts', 'ingest_ts')) FROM silver.tags WHERE run_date = DATE '2025-07-02' ORDER BY ALL",
	})
}

// sameRows runs each query on two lakes and compares the CSV; the first lake must have rows.
func sameRows(t *testing.T, dir, a, b string, queries []string) {
	t.Helper()
	for _, q := range queries {
		want := must(t, metalake(t, dir, "query", "--lake", b, "--format", "csv", q), 0).stdout
		got := must(t, metalake(t, dir, "query", "--lake", a, "--format", "csv", q), 0).stdout
		if strings.Count(want, "\n") < 2 {
			t.Errorf("%s: no rows", q)
		}
		if got != want {
			t.Errorf("%s: the vacuumed lake differs (%d vs %d lines)", q, strings.Count(got, "\n"), strings.Count(want, "\n"))
		}
	}
}

func TestCLIVacuumUsageErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "l"), 0o755); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name  string
		args  []string
		parts []string
	}{
		{"both flags", []string{"--keep-dates", "2", "--before", "2025-07-03"}, []string{"--keep-dates", "--before", "cannot be combined"}},
		{"neither flag", nil, []string{"--keep-dates N", "--before"}},
		{"keep zero", []string{"--keep-dates", "0"}, []string{"--keep-dates 0", "at least 1"}},
		{"keep negative", []string{"--keep-dates", "-3"}, []string{"--keep-dates -3", "at least 1"}},
		{"bad date", []string{"--before", "2025-13-01"}, []string{"--before", "2025-13-01", "YYYY-MM-DD"}},
		{"bad format", []string{"--keep-dates", "2", "--format", "xml"}, []string{"--format", "xml"}},
		{"no lake", []string{"--lake", "missing", "--keep-dates", "2"}, []string{"no lake at missing"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			args := append([]string{"vacuum", "--lake", "l"}, tc.args...)
			r := metalake(t, dir, args...)
			if r.code != 2 {
				t.Fatalf("exit %d, want 2 (usage)\n%s%s", r.code, r.stdout, r.stderr)
			}
			oneLine(t, r, tc.parts...)
		})
	}
	if _, err := os.Stat(filepath.Join(dir, "missing")); !os.IsNotExist(err) {
		t.Error("vacuum of a missing lake created it")
	}
}

// TestCLIVacuumRefusedWhileLocked: while a run holds the lake's lock, a vacuum exits 3 with
// one line and removes nothing (a dry run, read-only, still answers); once the lock is
// released it runs.
func TestCLIVacuumRefusedWhileLocked(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	lk := filepath.Join(dir, "lake")
	must(t, metalake(t, dir, "generate", "--lake", lk, "--date", "2025-07-01", "--days", "2", "--users", "500"), 0)
	must(t, metalake(t, dir, "run", "--lake", lk, "--date", "2025-07-01", "--to", "2025-07-02", "--quiet"), 0)
	b, err := storage.NewLocal(lk)
	if err != nil {
		t.Fatal(err)
	}
	// This test process holds the lock as a run of 2025-07-03 would.
	held, err := lock.Acquire(ctx, b, lock.Key, lock.Info{RunDate: "2025-07-03"}, lock.Options{})
	if err != nil {
		t.Fatal(err)
	}
	before := lakeFiles(t, lk)
	r := metalake(t, dir, "vacuum", "--lake", lk, "--keep-dates", "1")
	if r.code != 3 {
		held.Release(ctx)
		t.Fatalf("vacuum under a held lock: exit %d, want 3\n%s%s", r.code, r.stdout, r.stderr)
	}
	oneLine(t, r, "locked", "2025-07-03")
	if got := lakeFiles(t, lk); !slices.Equal(got, before) {
		t.Error("a refused vacuum changed the lake")
	}
	dry := must(t, metalake(t, dir, "vacuum", "--lake", lk, "--keep-dates", "1", "--dry-run"), 0)
	if !strings.Contains(dry.stdout, "would remove 1 run date(s): 2025-07-01") {
		t.Errorf("dry run under the lock:\n%s", dry.stdout)
	}
	if err := held.Release(ctx); err != nil {
		t.Fatal(err)
	}
	r = must(t, metalake(t, dir, "vacuum", "--lake", lk, "--keep-dates", "1"), 0)
	if !strings.Contains(r.stdout, "removed 1 run date(s): 2025-07-01") {
		t.Errorf("vacuum after the lock was released:\n%s", r.stdout)
	}
	if _, err := os.Stat(filepath.Join(lk, "_lock")); !os.IsNotExist(err) {
		t.Error("the vacuum's lock outlived it")
	}
}

// TestCLIVacuumGlueLake: on an S3 lake registered in Glue (the AWS emulator), the vacuum
// unregisters the removed partitions and deletes their symlink manifests, keeps the gold
// facts' partitions, and says that the deleted objects stay as noncurrent versions until the
// lifecycle rule expires them.
func TestCLIVacuumGlueLake(t *testing.T) {
	t.Parallel()
	const uri = "s3://vacuum-lake/meta"
	e := emulatedLake(t, uri, true, 3, 900)
	ctx := context.Background()
	r := must(t, metalakeEnv(t, e.dir, e.env, "vacuum", "--lake", uri, "--keep-dates", "1"), 0)
	for _, want := range []string{"removed 2 run date(s): 2025-07-01, 2025-07-02", "s3: vacuum-lake is versioned",
		"noncurrent versions", deploy.NoncurrentRule, strconv.Itoa(deploy.NoncurrentVersionDays) + " days"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("vacuum output does not say %q:\n%s", want, r.stdout)
		}
	}
	partitions := func(db, table string) []string {
		out, err := e.glue.GetPartitions(ctx, &glue.GetPartitionsInput{DatabaseName: aws.String(db), TableName: aws.String(table)})
		if err != nil {
			t.Fatal(err)
		}
		var ds []string
		for _, p := range out.Partitions {
			ds = append(ds, p.Values...)
		}
		slices.Sort(ds)
		return ds
	}
	for _, tb := range [][2]string{{"meta_bronze", "users"}, {"meta_silver", "tags"}} {
		if got := partitions(tb[0], tb[1]); !slices.Equal(got, []string{"2025-07-03"}) {
			t.Errorf("Glue %s.%s partitions after the vacuum: %v", tb[0], tb[1], got)
		}
	}
	if got := partitions("meta_gold", "fact_dataset_owner_daily"); len(got) != 3 {
		t.Errorf("Glue gold fact partitions: %v, want all three kept", got)
	}
	for _, key := range []string{"bronze/users/run_date=2025-07-01/symlink.txt", "silver/users/run_date=2025-07-02/symlink.txt"} {
		if ok, _ := e.b.Exists(ctx, deploy.SymlinkDir+key); ok {
			t.Errorf("%s%s is still there", deploy.SymlinkDir, key)
		}
	}
	if ok, _ := e.b.Exists(ctx, "bronze/users/run_date=2025-07-01/_manifest.json"); ok {
		t.Error("the removed partition is still committed")
	}
	q := must(t, metalakeEnv(t, e.dir, e.env, "query", "--lake", uri, "--format", "csv", "SELECT COUNT(DISTINCT run_date) FROM silver.users"), 0)
	if strings.TrimSpace(q.stdout) != "count(DISTINCT run_date)\n1" {
		t.Errorf("query after the vacuum: %q", q.stdout)
	}
}
