package main_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/metalake/metalake/internal/testserver"
)

// bin is the metalake binary built once for the end-to-end tests.
var bin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "metalake-e2e-")
	if err != nil {
		panic(err)
	}
	bin = filepath.Join(dir, "metalake")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		os.Stderr.Write(out)
		panic(err)
	}
	code := m.Run()
	testserver.StopSharedSpark()
	os.RemoveAll(dir)
	os.Exit(code)
}

type result struct {
	code           int
	stdout, stderr string
}

func metalake(t *testing.T, dir string, args ...string) result {
	t.Helper()
	return metalakeEnv(t, dir, nil, args...)
}

// metalakeEnv runs the binary with extra environment variables.
func metalakeEnv(t *testing.T, dir string, env []string, args ...string) result {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Env = append(append(os.Environ(), "METALAKE_LAKE="), env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return result{code, out.String(), errb.String()}
}

func must(t *testing.T, r result, code int) result {
	t.Helper()
	if r.code != code {
		t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", r.code, code, r.stdout, r.stderr)
	}
	return r
}

// oneLine asserts a failure printed exactly one line naming every part.
func oneLine(t *testing.T, r result, parts ...string) {
	t.Helper()
	// Logs (e.g. the breaker's sample of rejected rows) may precede it; the failure itself is
	// one line.
	var failures []string
	for _, l := range strings.Split(strings.TrimSpace(r.stderr), "\n") {
		if strings.HasPrefix(l, "metalake: ") {
			failures = append(failures, l)
		}
	}
	if len(failures) != 1 {
		t.Errorf("want exactly one failure line, got:\n%s", r.stderr)
	}
	msg := strings.Join(failures, "\n")
	for _, p := range parts {
		if !strings.Contains(msg, p) {
			t.Errorf("message %q does not name %q", msg, p)
		}
	}
}

func writeFile(t *testing.T, path, body string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestCLIUsageErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cases := []struct {
		name  string
		args  []string
		parts []string
	}{
		{"unknown command", []string{"frobnicate"}, []string{"unknown command", "frobnicate"}},
		{"bad date", []string{"run", "--lake", "l", "--date", "2024-13-01"}, []string{"--date", "2024-13-01", "YYYY-MM-DD"}},
		{"missing date", []string{"run", "--lake", "l"}, []string{"--date is required"}},
		{"bad flag", []string{"run", "--lake", "l", "--date", "2024-01-01", "--frob"}, []string{"frob"}},
		{"range backwards", []string{"run", "--lake", "l", "--date", "2024-01-05", "--to", "2024-01-01"}, []string{"--to 2024-01-01 is before --date 2024-01-05"}},
		{"bad layout", []string{"generate", "--lake", "l", "--date", "2024-01-01", "--layout", "csv"}, []string{"Layout", "csv"}},
		{"bad format", []string{"query", "--lake", "l", "--format", "xml", "SELECT 1"}, []string{"xml"}},
		{"bad log format", []string{"run", "--lake", "l", "--date", "2024-01-01", "--log-format", "xml"}, []string{"--log-format"}},
		{"glue on a local lake", []string{"run", "--lake", "l", "--date", "2024-01-01", "--config", "glue.yaml"}, []string{"catalog.glue", "not an S3 lake"}},
		{"bad sns topic", []string{"run", "--lake", "l", "--date", "2024-01-01", "--config", "sns.yaml"}, []string{"notify.sns.topic_arn", "arn:aws:sns:REGION:ACCOUNT:TOPIC"}},
		{"setup on a local lake", []string{"setup", "--lake", "l"}, []string{"setup", "not an S3 lake"}},
		{"catalog with two tables", []string{"catalog", "--lake", "l", "a.b", "c.d"}, []string{"at most one table"}},
	}
	writeFile(t, filepath.Join(dir, "glue.yaml"), "catalog:\n  glue: true\n")
	writeFile(t, filepath.Join(dir, "sns.yaml"), "notify:\n  sns:\n    topic_arn: metalake-alerts\n")
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := metalake(t, dir, tc.args...)
			if r.code != 2 {
				t.Fatalf("exit %d, want 2 (usage)\n%s", r.code, r.stderr)
			}
			if tc.name != "bad flag" {
				oneLine(t, r, tc.parts...)
			}
		})
	}
}

func TestCLIConfigUnknownKeyNamesLine(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "metalake.yaml"), "engine:\n  threads: 2\n  memry_limit: 1GB\n")
	r := must(t, metalake(t, dir, "run", "--lake", "l", "--date", "2024-01-01"), 2)
	oneLine(t, r, "metalake.yaml", "line 3", "memry_limit")
}

func TestCLIGenerateRunQuery(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	lake := filepath.Join(dir, "lake")
	must(t, metalake(t, dir, "generate", "--lake", lake, "--date", "2025-07-01", "--days", "3", "--users", "3000", "--seed", "3"), 0)
	// Notifications go to a webhook on 127.0.0.1 (policy: always).
	hooks := make(chan map[string]any, 10)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		var m map[string]any
		json.NewDecoder(req.Body).Decode(&m)
		hooks <- m
	}))
	defer srv.Close()
	writeFile(t, filepath.Join(dir, "metalake.yaml"), "notify:\n  on: always\n  webhook:\n    url: "+srv.URL+"\n")
	r := must(t, metalake(t, dir, "run", "--lake", lake, "--date", "2025-06-30", "--to", "2025-07-03"), 0)
	if len(hooks) != 3 {
		t.Errorf("%d webhook deliveries, want one per run date (3)", len(hooks))
	}
	for len(hooks) > 0 {
		if m := <-hooks; !strings.Contains(fmt.Sprint(m["text"]), "SUCCESS") || m["summary"] == nil {
			t.Errorf("webhook payload %v", m)
		}
	}
	if !strings.Contains(r.stdout, "no raw data for 1 date(s) in the range: 2025-06-30") {
		t.Errorf("gap not reported:\n%s", r.stdout)
	}
	for _, f := range []string{
		"bronze/_reports/run_date=2025-07-01/users_report.json",
		"bronze/_reports/run_date=2025-07-02/bronze_summary.json",
		"_reports/run_date=2025-07-02/pipeline_summary.json",
		"bronze/users/run_date=2025-07-02/_manifest.json",
		"bronze/_rejects/users/run_date=2025-07-02/_manifest.json",
		"_state/runs/run_date=2025-07-01.json",
	} {
		if _, err := os.Stat(filepath.Join(lake, f)); err != nil {
			t.Errorf("missing %s", f)
		}
	}
	var rep map[string]any
	b, _ := os.ReadFile(filepath.Join(lake, "bronze/_reports/run_date=2025-07-01/users_report.json"))
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"table", "run_date", "processing_time", "duration_s", "input_count", "output_count", "reject_count", "rejection_rate", "top_reject_reasons", "status"} {
		if _, ok := rep[k]; !ok {
			t.Errorf("users report lacks %q", k)
		}
	}

	// status --format json shows both runs and every task's latest state.
	st := must(t, metalake(t, dir, "status", "--lake", lake, "--format", "json"), 0)
	var status struct {
		Runs []struct {
			RunDate string `json:"run_date"`
			Status  string `json:"status"`
			Tasks   []struct {
				Task     string  `json:"task"`
				Status   string  `json:"status"`
				Attempts int     `json:"attempts"`
				Duration float64 `json:"duration_s"`
			} `json:"tasks"`
		} `json:"runs"`
	}
	if err := json.Unmarshal([]byte(st.stdout), &status); err != nil {
		t.Fatalf("status json: %v\n%s", err, st.stdout)
	}
	if len(status.Runs) != 3 || status.Runs[0].RunDate != "2025-07-01" {
		t.Errorf("status runs: %+v", status.Runs)
	}
	for _, run := range status.Runs {
		if run.Status != "success" {
			t.Errorf("run %s: %s", run.RunDate, run.Status)
		}
	}
	for _, task := range status.Runs[0].Tasks {
		if task.Status != "success" || task.Attempts != 1 {
			t.Errorf("task %+v", task)
		}
	}
	must(t, metalake(t, dir, "status", "--lake", lake, "--date", "2025-07-02"), 0)
	mon := must(t, metalake(t, dir, "monitor", "--lake", lake, "--date", "2025-07-03"), 0)
	if !strings.Contains(mon.stdout, "row_count") || !strings.Contains(mon.stdout, "insufficient_history") || !strings.Contains(mon.stdout, "success_rate") {
		t.Errorf("monitor output:\n%s", mon.stdout)
	}

	// The date already succeeded: skipped with a message, exit 0.
	r = must(t, metalake(t, dir, "run", "--lake", lake, "--date", "2025-07-01"), 0)
	if !strings.Contains(r.stdout, "2025-07-01 already succeeded; use --force to rerun") {
		t.Errorf("no skip message:\n%s", r.stdout)
	}

	// Query: counts per run date agree with the reports; every layer's rows are visible.
	q := must(t, metalake(t, dir, "query", "--lake", lake, "--format", "json",
		"SELECT run_date, COUNT(*) AS n FROM bronze.users GROUP BY 1 ORDER BY 1"), 0)
	var rows []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(q.stdout), "\n") {
		line = strings.Trim(strings.TrimSpace(line), "[],")
		if line == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("json output %q: %v", q.stdout, err)
		}
		rows = append(rows, m)
	}
	if len(rows) != 3 || rows[0]["n"].(float64) != rep["output_count"].(float64) {
		t.Errorf("query rows %v, report output %v", rows, rep["output_count"])
	}
	must(t, metalake(t, dir, "query", "--lake", lake, "SELECT COUNT(*) FROM bronze.users_latest"), 0)
	// Every layer is queryable: silver(D) per date, gold dimensions with their Unknown member.
	g := must(t, metalake(t, dir, "query", "--lake", lake, "--format", "csv",
		"SELECT (SELECT COUNT(*) FROM gold.dim_user WHERE user_sk = 0 AND user_id = '-1' AND is_current) AS unknown, "+
			"(SELECT COUNT(DISTINCT run_date) FROM silver.users) AS silver_dates, "+
			"(SELECT COUNT(DISTINCT run_date) FROM gold.fact_dataset_owner_daily) AS fact_dates"), 0)
	if strings.TrimSpace(g.stdout) != "unknown,silver_dates,fact_dates\n1,3,3" {
		t.Errorf("layers: %q", g.stdout)
	}
	for _, d := range []string{"2025-07-01", "2025-07-02", "2025-07-03"} {
		var ps struct {
			OverallStatus string `json:"overall_status"`
			Layers        map[string]struct {
				Status string `json:"status"`
			} `json:"layers"`
		}
		b, _ := os.ReadFile(filepath.Join(lake, "_reports/run_date="+d+"/pipeline_summary.json"))
		if err := json.Unmarshal(b, &ps); err != nil || ps.OverallStatus != "SUCCESS" || ps.Layers["gold"].Status != "SUCCESS" || ps.Layers["silver"].Status != "SUCCESS" {
			t.Errorf("%s pipeline summary: %+v %v", d, ps, err)
		}
	}
	r = must(t, metalake(t, dir, "query", "--lake", lake, "COPY (SELECT 1) TO 'x.csv'"), 1)
	oneLine(t, r, "read-only")

	// A forced rerun gives the same business content.
	before := snapshot(t, dir, lake)
	must(t, metalake(t, dir, "run", "--lake", lake, "--date", "2025-07-02", "--to", "LATEST", "--force"), 0)
	if after := snapshot(t, dir, lake); after != before {
		t.Errorf("forced rerun changed the lake's business content")
	}
}

// snapshot renders every bronze table of the lake (audit columns excluded) as CSV.
func snapshot(t *testing.T, dir, lake string) string {
	t.Helper()
	var b strings.Builder
	for _, table := range []string{"users", "datasets", "tags", "competitions", "kernels"} {
		r := must(t, metalake(t, dir, "query", "--lake", lake, "--format", "csv",
			"SELECT COLUMNS(c -> c <> 'ingest_ts') FROM bronze."+table+" ORDER BY ALL"), 0)
		b.WriteString(r.stdout)
		r = must(t, metalake(t, dir, "query", "--lake", lake, "--format", "csv",
			"SELECT COLUMNS(c -> c <> 'ingest_ts') FROM rejects."+table+" ORDER BY ALL"), 0)
		b.WriteString(r.stdout)
	}
	return b.String()
}

func TestCLIFailuresNameTableDateCause(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	lake := filepath.Join(dir, "lake")
	must(t, metalake(t, dir, "generate", "--lake", lake, "--date", "2024-01-01", "--users", "500", "--layout", "plan", "--defect-rate", "0"), 0)

	// Missing raw table.
	if err := os.RemoveAll(filepath.Join(lake, "raw/kernels")); err != nil {
		t.Fatal(err)
	}
	r := must(t, metalake(t, dir, "run", "--lake", lake, "--date", "2024-01-01"), 1)
	oneLine(t, r, "check_raw_files", "2024-01-01", "raw/kernels/ingestion_date=2024-01-01/kernels.csv")

	// Circuit breaker: 20 % bad users.
	must(t, metalake(t, dir, "generate", "--lake", lake, "--date", "2024-01-01", "--users", "500", "--layout", "plan", "--defect-rate", "0"), 0)
	users := filepath.Join(lake, "raw/users/ingestion_date=2024-01-01/users.csv")
	body, _ := os.ReadFile(users)
	lines := strings.Split(strings.TrimSpace(string(body)), "\n")
	bad := len(lines) / 4 // header + N rows → N/4 bad is 20 % of N + N/4
	for i := 0; i < bad; i++ {
		lines = append(lines, ",ghost,2024-01-01 00:00:00,VN")
	}
	writeFile(t, users, strings.Join(lines, "\n")+"\n")
	r = must(t, metalake(t, dir, "run", "--lake", lake, "--date", "2024-01-01"), 1)
	oneLine(t, r, "bronze users 2024-01-01", "rejection rate 0.2", "exceeds the limit 0.1000")
	if _, err := os.Stat(filepath.Join(lake, "bronze/users/run_date=2024-01-01/_manifest.json")); !os.IsNotExist(err) {
		t.Error("a bronze users partition was published despite the breaker")
	}
	if _, err := os.Stat(filepath.Join(lake, "bronze/_rejects/users/run_date=2024-01-01/_manifest.json")); err != nil {
		t.Error("rejects were not written")
	}
}

func TestCLIDemoRefusesForeignLake(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "mylake", "raw", "users", "ingestion_date=2024-01-01", "users.csv"), "Id\n1\n")
	r := must(t, metalake(t, dir, "demo", "--lake", "mylake"), 2)
	oneLine(t, r, "not a demo lake")
}

// TestCLIKilledRunLeavesNoPartialPartition kills a run with SIGKILL while it writes, checks that
// every visible partition is whole, then lets the next run clean up and reproduce a clean run.
func TestCLIKilledRunLeavesNoPartialPartition(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	lake := filepath.Join(dir, "lake")
	clean := filepath.Join(dir, "clean")
	for _, l := range []string{lake, clean} {
		must(t, metalake(t, dir, "generate", "--lake", l, "--date", "2025-07-01", "--users", "300000", "--seed", "5"), 0)
	}
	must(t, metalake(t, dir, "run", "--lake", clean, "--date", "2025-07-01", "--quiet"), 0)

	for _, delay := range []time.Duration{300 * time.Millisecond, 900 * time.Millisecond} {
		cmd := exec.Command(bin, "run", "--lake", lake, "--date", "2025-07-01", "--force", "--quiet")
		cmd.Dir = dir
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(delay)
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
		checkCommitted(t, lake)
	}
	must(t, metalake(t, dir, "run", "--lake", lake, "--date", "2025-07-01", "--quiet"), 0)
	checkCommitted(t, lake)
	if entries, _ := os.ReadDir(filepath.Join(lake, "_staging", "engine")); len(entries) != 0 {
		t.Errorf("the killed runs' engine work dirs were not cleaned: %d left", len(entries))
	}
	if snapshot(t, dir, lake) != snapshot(t, dir, clean) {
		t.Error("the lake after a killed run and a rerun differs from a clean run")
	}
}

// checkCommitted asserts every manifest's files exist and, for partitions with a manifest, no
// other data file is visible to metalake (orphans may exist only beside an uncommitted state).
func checkCommitted(t *testing.T, lake string) {
	t.Helper()
	filepath.WalkDir(filepath.Join(lake, "bronze"), func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || d.Name() != "_manifest.json" {
			return err
		}
		var m struct {
			Files []struct {
				Name  string `json:"name"`
				Bytes int64  `json:"bytes"`
			} `json:"files"`
		}
		b, _ := os.ReadFile(p)
		if err := json.Unmarshal(b, &m); err != nil {
			t.Errorf("%s: %v", p, err)
			return nil
		}
		var listed []string
		for _, f := range m.Files {
			st, err := os.Stat(filepath.Join(filepath.Dir(p), f.Name))
			if err != nil || st.Size() != f.Bytes {
				t.Errorf("%s lists %s which is missing or partial", p, f.Name)
			}
			listed = append(listed, f.Name)
		}
		sort.Strings(listed)
		return nil
	})
}

func TestCLISecondConcurrentRunIsRefused(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	lake := filepath.Join(dir, "lake")
	must(t, metalake(t, dir, "generate", "--lake", lake, "--date", "2025-07-01", "--users", "400000"), 0)
	first := exec.Command(bin, "run", "--lake", lake, "--date", "2025-07-01", "--quiet")
	first.Dir = dir
	if err := first.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		if _, err := os.Stat(filepath.Join(lake, "_lock")); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the first run never took the lock")
		}
		time.Sleep(10 * time.Millisecond)
	}
	r := metalake(t, dir, "run", "--lake", lake, "--date", "2025-07-01")
	if err := first.Wait(); err != nil {
		t.Fatalf("first run: %v", err)
	}
	if r.code != 3 {
		t.Fatalf("second run: exit %d, want 3 (locked)\n%s", r.code, r.stderr)
	}
	oneLine(t, r, "locked", "2025-07-01")
	if _, err := os.Stat(filepath.Join(lake, "_lock")); !os.IsNotExist(err) {
		t.Error("the lock outlived the run")
	}
}

// TestCLIIngestThenRun copies a Meta Kaggle-style download (Kaggle file names) into a lake and
// runs it; a download missing files is refused with one line listing all of them.
func TestCLIIngestThenRun(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	gen := filepath.Join(dir, "gen")
	must(t, metalake(t, dir, "generate", "--lake", gen, "--date", "2025-07-01", "--users", "2000"), 0)
	download := filepath.Join(dir, "download")
	names := map[string]string{"users": "Users.csv", "datasets": "Datasets.csv", "dataset_versions": "DatasetVersions.csv",
		"tags": "Tags.csv", "dataset_tags": "DatasetTags.csv", "competitions": "Competitions.csv", "kernels": "Kernels.csv"}
	for table, name := range names {
		b, err := os.ReadFile(filepath.Join(gen, "raw", table, "ingestion_date=2025-07-01", table+".csv"))
		if err != nil {
			t.Fatal(err)
		}
		writeFile(t, filepath.Join(download, name), string(b))
	}
	lake := filepath.Join(dir, "lake")
	r := must(t, metalake(t, dir, "ingest", "--lake", lake, "--date", "2025-07-01", "--from", download), 0)
	if !strings.Contains(r.stdout, "kaggle layout") {
		t.Errorf("ingest output: %s", r.stdout)
	}
	must(t, metalake(t, dir, "run", "--lake", lake, "--date", "2025-07-01", "--quiet"), 0)

	os.Remove(filepath.Join(download, "Kernels.csv"))
	os.Remove(filepath.Join(download, "DatasetTags.csv"))
	r = must(t, metalake(t, dir, "ingest", "--lake", lake, "--date", "2025-07-02", "--from", download), 1)
	oneLine(t, r, "Kernels.csv", "DatasetTags.csv")
}

// TestCLICatalogAndReport: after a run, `catalog` lists every table the run wrote with its
// partitions and latest row count (equal to what query counts), shows one table's columns as
// JSON, and names the known tables when asked for an unknown one; `report` shows the date's
// run summary and lists its reports, prints one as JSON, and names them for an unknown one.
func TestCLICatalogAndReport(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	lk := filepath.Join(dir, "lake")
	must(t, metalake(t, dir, "generate", "--lake", lk, "--date", "2025-07-01", "--days", "2", "--users", "600", "--seed", "9"), 0)
	must(t, metalake(t, dir, "run", "--lake", lk, "--date", "2025-07-01", "--to", "2025-07-02", "--quiet"), 0)
	list := must(t, metalake(t, dir, "catalog", "--lake", lk), 0).stdout
	count := strings.TrimSpace(must(t, metalake(t, dir, "query", "--lake", lk, "--format", "csv",
		"SELECT COUNT(*) FROM silver.users_latest"), 0).stdout)
	count = count[strings.LastIndex(count, "\n")+1:]
	found := 0
	for _, l := range strings.Split(list, "\n") {
		f := strings.Fields(l)
		if len(f) == 6 && (strings.HasPrefix(f[0], "bronze.") || strings.HasPrefix(f[0], "silver.") || strings.HasPrefix(f[0], "gold.")) {
			found++
			if f[0] == "silver.users" && (f[2] != "2" || f[3] != "2025-07-02" || f[4] != count) {
				t.Errorf("silver.users line %q: want 2 partitions, latest 2025-07-02, %s rows", l, count)
			}
		}
	}
	if found != 19 {
		t.Errorf("catalog lists %d tables, want 19 (5 bronze, 5 silver, 9 gold):\n%s", found, list)
	}
	var tab struct {
		Schemas []struct {
			Columns []struct{ Name, Type string } `json:"columns"`
		} `json:"schema_versions"`
		Partitions map[string]any `json:"partitions"`
	}
	out := must(t, metalake(t, dir, "catalog", "--lake", lk, "gold.dim_user", "--format", "json"), 0).stdout
	if err := json.Unmarshal([]byte(out), &tab); err != nil {
		t.Fatalf("catalog --format json: %v\n%s", err, out)
	}
	if len(tab.Schemas) != 1 || len(tab.Schemas[0].Columns) == 0 || tab.Schemas[0].Columns[0].Name != "user_sk" || len(tab.Partitions) != 1 {
		t.Errorf("gold.dim_user entry: %+v", tab)
	}
	r := must(t, metalake(t, dir, "catalog", "--lake", lk, "silver.nope"), 2)
	oneLine(t, r, "silver.nope", "silver.users", "gold.dim_user")

	summary := must(t, metalake(t, dir, "report", "--lake", lk, "--date", "2025-07-02"), 0).stdout
	for _, want := range []string{"2025-07-02  run SUCCESS", "  pipeline_summary\n", "  bronze/users_report\n", "  silver/silver_dq_report\n", "  gold/dim_user_stats\n"} {
		if !strings.Contains(summary, want) {
			t.Errorf("report of 2025-07-02 lacks %q:\n%s", want, summary)
		}
	}
	var rep struct {
		Table string `json:"table"`
		In    int64  `json:"input_count"`
		Out   int64  `json:"output_count"`
		Rej   int64  `json:"reject_count"`
	}
	out = must(t, metalake(t, dir, "report", "--lake", lk, "--date", "2025-07-02", "bronze/users_report"), 0).stdout
	if err := json.Unmarshal([]byte(out), &rep); err != nil || rep.Table != "users" || rep.In == 0 || rep.In != rep.Out+rep.Rej {
		t.Errorf("bronze/users_report: %+v, %v\n%s", rep, err, out)
	}
	r = must(t, metalake(t, dir, "report", "--lake", lk, "--date", "2025-07-02", "bronze/nope"), 2)
	oneLine(t, r, "bronze/nope", "bronze/users_report", "pipeline_summary")
	for _, args := range [][]string{{}, {"bronze/users_report"}} {
		r = must(t, metalake(t, dir, append([]string{"report", "--lake", lk, "--date", "2025-07-09"}, args...)...), 1)
		oneLine(t, r, "2025-07-09", "never run")
	}
}
