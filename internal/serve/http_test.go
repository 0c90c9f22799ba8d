package serve_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/metalake/metalake/internal/bronze"
	"github.com/metalake/metalake/internal/engine"
	"github.com/metalake/metalake/internal/lake"
	"github.com/metalake/metalake/internal/lock"
	"github.com/metalake/metalake/internal/monitor"
	"github.com/metalake/metalake/internal/pipeline"
	"github.com/metalake/metalake/internal/serve"
	"github.com/metalake/metalake/internal/storage"
	"github.com/metalake/metalake/internal/testlake"
	"github.com/metalake/metalake/internal/testserver"
)

// The shared lake of the HTTP tests: three daily snapshots run through the pipeline, and a
// secret file beside the lake that no answer may ever contain.
const (
	days   = 3
	secret = "TOP-SECRET-NEXT-TO-THE-LAKE"
)

var (
	start   = time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC)
	lakeDir string
	shared  *lake.Lake
	eng     engine.Engine
)

func TestMain(m *testing.M) {
	code, err := setup(m)
	if err != nil {
		fmt.Fprintln(os.Stderr, "serve tests:", err)
		code = 1
	}
	os.Exit(code)
}

func setup(m *testing.M) (int, error) {
	ctx := context.Background()
	tmp, err := os.MkdirTemp("", "serve-test-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(tmp)
	if err := os.WriteFile(filepath.Join(tmp, "secret.txt"), []byte(secret), 0o600); err != nil {
		return 0, err
	}
	duck, err := engine.Open(ctx, engine.Options{Threads: 2, MemoryLimit: "1GB", WorkDir: filepath.Join(tmp, "engine")})
	if err != nil {
		return 0, err
	}
	defer duck.Close()
	eng = duck
	lakeDir = filepath.Join(tmp, "lake")
	b, err := storage.NewLocal(lakeDir)
	if err != nil {
		return 0, err
	}
	if shared, err = testlake.Build(ctx, b, eng, testlake.Options{Start: start, Days: days, Users: 500, Seed: 11, DefectRate: 0.02}); err != nil {
		return 0, err
	}
	return m.Run(), nil
}

func date(i int) lake.Date { return lake.DateOf(start.AddDate(0, 0, i)) }

// server serves the shared lake on 127.0.0.1 for one test.
func server(t *testing.T, token string) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(serve.NewHTTP(shared, eng, token, nil).Handler())
	t.Cleanup(srv.Close)
	return srv
}

type answer struct {
	code int
	body string
	hdr  http.Header
}

// get sends a GET with the path exactly as given (no cleaning) and optional headers.
func get(t *testing.T, srv *httptest.Server, path string, header ...string) answer {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, srv.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.URL.Opaque = path // sent verbatim as the request target
	if p, q, ok := strings.Cut(path, "?"); ok {
		req.URL.Opaque, req.URL.RawQuery = p, q
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return answer{resp.StatusCode, string(b), resp.Header}
}

func TestCheckAddress(t *testing.T) {
	t.Parallel()
	tests := []struct {
		addr, token, want string
		needsToken        bool
	}{
		{addr: "8080", want: "127.0.0.1:8080"},
		{addr: "127.0.0.1:8080", want: "127.0.0.1:8080"},
		{addr: "127.9.9.9:80", want: "127.9.9.9:80"},
		{addr: "[::1]:8080", want: "[::1]:8080"},
		{addr: "localhost:8080", want: "localhost:8080"},
		{addr: ":8080", needsToken: true},
		{addr: "0.0.0.0:8080", needsToken: true},
		{addr: "192.168.1.5:8080", needsToken: true},
		{addr: "metalake.example.com:8080", needsToken: true},
		{addr: "0.0.0.0:8080", token: "t0k", want: "0.0.0.0:8080"},
		{addr: ":8080", token: "t0k", want: ":8080"},
	}
	for _, tt := range tests {
		got, err := serve.CheckAddress(tt.addr, tt.token)
		if tt.needsToken {
			if !errors.Is(err, serve.ErrNeedsToken) || !strings.Contains(err.Error(), serve.TokenEnv) {
				t.Errorf("CheckAddress(%q) = %q, %v: want a refusal naming %s", tt.addr, got, err, serve.TokenEnv)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("CheckAddress(%q, token %q) = %q, %v; want %q", tt.addr, tt.token, got, err, tt.want)
		}
	}
	if _, err := serve.CheckAddress("127.0.0.1:", ""); err == nil {
		t.Error("an address without a port was accepted")
	}
}

// TestPages: every page answers 200 with what it is about.
func TestPages(t *testing.T) {
	t.Parallel()
	srv := server(t, "")
	d := date(days - 1).String()
	rejectsOf := rejectTable(t, date(days-1))
	for path, want := range map[string]string{
		"/":                               `data-page="runs"`,
		"/?page=1":                        d,
		"/report/" + d:                    `<section id="data">`,
		"/report/" + date(0).String():     `<section id="history">`,
		"/catalog":                        `/catalog/silver/users`,
		"/catalog/gold/dim_user":          "effective_start_ts",
		"/rejects/" + d:                   "/rejects/" + d + "/" + rejectsOf,
		"/rejects/" + d + "/" + rejectsOf: "ingestion_date=" + d,
		"/healthz":                        "ok",
		"/metrics":                        "metalake_run_success",
		"/rejects/" + d + "/users?page=1": "raw/users/ingestion_date=" + d,
		"/catalog/bronze/users":           "run_date",
		"/report/" + d + "?unused=param":  "metalake",
		"/rejects/" + d + "/" + rejectsOf + "?page=1": "page 1 of",
	} {
		a := get(t, srv, path)
		if a.code != http.StatusOK || !strings.Contains(a.body, want) {
			t.Errorf("GET %s: %d, body without %q:\n%.300s", path, a.code, want, a.body)
		}
		if csp := a.hdr.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") || a.hdr.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("GET %s: headers %v", path, a.hdr)
		}
	}
	for path, loc := range map[string]string{"/report": "/report/" + d, "/rejects": "/rejects/" + d} {
		if a := get(t, srv, path); a.code != http.StatusFound || a.hdr.Get("Location") != loc {
			t.Errorf("GET %s: %d to %q, want 302 to %s", path, a.code, a.hdr.Get("Location"), loc)
		}
	}
}

// rejectTable is a rejects table with rows on d.
func rejectTable(t *testing.T, d lake.Date) string {
	t.Helper()
	var br bronze.Report
	if err := shared.GetJSON(context.Background(), lake.ReportKey(lake.Bronze, d, "users_report.json"), &br); err != nil {
		t.Fatal(err)
	}
	if br.RejectCount == 0 {
		t.Fatal("the shared lake has no rejected user on the last date")
	}
	return "users"
}

// TestNotFound: unknown dates, tables and reasons, and every attempt to climb out of the lake
// through a parameter or the path, are a 404 with a message, never a file.
func TestNotFound(t *testing.T) {
	t.Parallel()
	srv := server(t, "")
	d := date(days - 1).String()
	cases := map[string]string{
		"/report/2030-01-01":                        "no run of 2030-01-01",
		"/report/2025-13-45":                        "is not a run date",
		"/report/20250701":                          "is not a run date",
		"/rejects/2030-01-01":                       "no run of 2030-01-01",
		"/rejects/" + d + "/nosuch":                 "no rejects of table",
		"/rejects/" + d + "/users?reason=nosuch":    "has the reason",
		"/rejects/" + d + "/users?page=0":           "want a number",
		"/rejects/" + d + "/users?page=999":         "page 999",
		"/?page=99":                                 "page 99",
		"/catalog/platinum/users":                   "no layer",
		"/catalog/bronze/nosuch":                    "no table bronze.nosuch",
		"/nosuch":                                   "no such page",
		"/report/../../../etc/passwd":               "",
		"/report/..%2f..%2f..%2fetc%2fpasswd":       "",
		"/report/%2e%2e%2f%2e%2e%2fsecret.txt":      "",
		"/catalog/bronze/..%2f..%2f_state%2flake":   "",
		"/catalog/../../secret.txt":                 "",
		"/catalog/bronze/..\\..\\secret.txt":        "",
		"/catalog/bronze/users.json":                "no table bronze.users.json",
		"/catalog/_state/runs":                      "no layer",
		"/rejects/" + d + "/..%2f..%2f..%2fsecret":  "",
		"/rejects/" + d + "/users?reason=../../x":   "",
		"/rejects/" + d + "/users?page=..%2f..%2fx": "",
		"/%2e%2e/%2e%2e/secret.txt":                 "",
		"/report/" + d + "%00":                      "",
		"/../secret.txt":                            "",
	}
	for path, want := range cases {
		a := get(t, srv, path)
		if a.code != http.StatusNotFound || !strings.Contains(a.body, "404 not found") || !strings.Contains(a.body, want) {
			t.Errorf("GET %s: %d %q, want 404 saying %q", path, a.code, a.body, want)
		}
		if strings.Contains(a.body, secret) || strings.Contains(a.body, "root:") {
			t.Errorf("GET %s served a file outside the lake", path)
		}
	}
	if a := get(t, srv, "/report/"+d, "X-Unused", "x"); a.code != http.StatusOK {
		t.Errorf("the valid report after the bad requests: %d", a.code)
	}
}

func TestMethodsOtherThanGetAreRefused(t *testing.T) {
	t.Parallel()
	srv := server(t, "")
	for _, m := range []string{http.MethodPost, http.MethodPut, http.MethodDelete} {
		req, _ := http.NewRequest(m, srv.URL+"/report/"+date(0).String(), strings.NewReader("x"))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusMethodNotAllowed {
			t.Errorf("%s: %d, want 405", m, resp.StatusCode)
		}
	}
}

// TestToken: with a token, every page but /healthz needs it, as a bearer token or a basic-auth
// password.
func TestToken(t *testing.T) {
	t.Parallel()
	const token = "s3cret-t0ken"
	srv := server(t, token)
	for _, tc := range []struct {
		name   string
		header []string
		code   int
	}{
		{"none", nil, http.StatusUnauthorized},
		{"wrong bearer", []string{"Authorization", "Bearer nope"}, http.StatusUnauthorized},
		{"prefix of the token", []string{"Authorization", "Bearer s3cret"}, http.StatusUnauthorized},
		{"empty bearer", []string{"Authorization", "Bearer "}, http.StatusUnauthorized},
		{"bearer", []string{"Authorization", "Bearer " + token}, http.StatusOK},
		{"basic", []string{"Authorization", basic("anyone", token)}, http.StatusOK},
		{"basic wrong", []string{"Authorization", basic(token, "x")}, http.StatusUnauthorized},
	} {
		for _, path := range []string{"/", "/metrics", "/report/" + date(0).String(), "/catalog"} {
			a := get(t, srv, path, tc.header...)
			if a.code != tc.code {
				t.Errorf("%s, GET %s: %d, want %d", tc.name, path, a.code, tc.code)
			}
			if a.code == http.StatusUnauthorized && (a.hdr.Get("WWW-Authenticate") == "" || strings.Contains(a.body, "metalake_run")) {
				t.Errorf("%s, GET %s: 401 without a challenge, or with content", tc.name, path)
			}
		}
	}
	if a := get(t, srv, "/healthz"); a.code != http.StatusOK {
		t.Errorf("/healthz without the token: %d, want 200", a.code)
	}
}

func basic(user, pw string) string {
	req, _ := http.NewRequest(http.MethodGet, "http://x/", nil)
	req.SetBasicAuth(user, pw)
	return req.Header.Get("Authorization")
}

// TestMetricsEqualRunState: /metrics parses as Prometheus text and its values are the run
// state's, the reports' and the monitor's; the lock shows while it is held.
func TestMetricsEqualRunState(t *testing.T) {
	ctx := context.Background()
	srv := server(t, "")
	mf := scrape(t, srv)
	if v := value(t, mf, "metalake_lake_up", nil); v != 1 {
		t.Errorf("metalake_lake_up = %v, want 1", v)
	}
	if v := value(t, mf, "metalake_lake_locked", nil); v != 0 {
		t.Errorf("metalake_lake_locked = %v with no run, want 0", v)
	}
	for i := range days {
		st, ok, err := pipeline.LoadState(ctx, shared, date(i))
		if err != nil || !ok {
			t.Fatal(ok, err)
		}
		rd := map[string]string{"run_date": st.RunDate}
		if v := value(t, mf, "metalake_run_success", rd); v != 1 {
			t.Errorf("%s run_success = %v, want 1", st.RunDate, v)
		}
		if v := value(t, mf, "metalake_run_status", map[string]string{"run_date": st.RunDate, "status": st.Status}); v != 1 {
			t.Errorf("%s run_status{status=%s} = %v, want 1", st.RunDate, st.Status, v)
		}
		want := math.Round(st.FinishedAt.Sub(st.StartedAt).Seconds()*1000) / 1000
		if v := value(t, mf, "metalake_run_duration_seconds", rd); math.Abs(v-want) > 1e-9 {
			t.Errorf("%s run_duration_seconds = %v, state says %v", st.RunDate, v, want)
		}
		for _, stage := range []string{"bronze", "silver", "gold", "monitor"} {
			if v := value(t, mf, "metalake_stage_status", map[string]string{"run_date": st.RunDate, "stage": stage, "status": "success"}); v != 1 {
				t.Errorf("%s stage %s not success", st.RunDate, stage)
			}
		}
	}
	newest, _, _ := pipeline.LoadState(ctx, shared, date(days-1))
	for _, task := range newest.Tasks {
		l := map[string]string{"run_date": newest.RunDate, "task": task.Task}
		if v := value(t, mf, "metalake_task_duration_seconds", l); v != task.DurationS {
			t.Errorf("task %s duration %v, state says %v", task.Task, v, task.DurationS)
		}
		if v := value(t, mf, "metalake_task_attempts", l); v != float64(task.Attempts) {
			t.Errorf("task %s attempts %v, state says %d", task.Task, v, task.Attempts)
		}
	}
	var bs pipeline.BronzeSummary
	if err := shared.GetJSON(ctx, lake.ReportKey(lake.Bronze, date(days-1), "bronze_summary.json"), &bs); err != nil {
		t.Fatal(err)
	}
	for table, s := range bs.Tables {
		l := map[string]string{"run_date": newest.RunDate, "table": table}
		lb := map[string]string{"run_date": newest.RunDate, "table": table, "layer": "bronze"}
		if value(t, mf, "metalake_rows_input", lb) != float64(s.InputCount) || value(t, mf, "metalake_rows_output", lb) != float64(s.OutputCount) ||
			value(t, mf, "metalake_rows_rejected", l) != float64(s.RejectCount) || value(t, mf, "metalake_rejection_rate", l) != s.RejectionRate {
			t.Errorf("bronze %s rows differ from the summary %+v", table, s)
		}
	}
	var mon monitor.Report
	if err := shared.GetJSON(ctx, monitor.Key(date(days-1)), &mon); err != nil {
		t.Fatal(err)
	}
	high := 0
	for _, a := range mon.Anomalies {
		if a.Severity == monitor.SeverityHigh {
			high++
		}
	}
	if v := value(t, mf, "metalake_anomalies", map[string]string{"run_date": newest.RunDate, "severity": "HIGH"}); v != float64(high) {
		t.Errorf("HIGH anomalies %v, the monitor found %d", v, high)
	}
	for layer, fs := range mon.Freshness {
		for _, f := range fs {
			if v := value(t, mf, "metalake_freshness_days", map[string]string{"layer": layer, "table": f.Table}); v != float64(f.DaysStale) {
				t.Errorf("freshness of %s.%s %v, monitor says %d", layer, f.Table, v, f.DaysStale)
			}
		}
	}

	l, err := lock.Acquire(ctx, shared.B, lock.Key, lock.Info{RunDate: "2025-07-09", Command: "run"}, lock.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Release(ctx)
	mf = scrape(t, srv)
	if v := value(t, mf, "metalake_lake_locked", nil); v != 1 {
		t.Errorf("metalake_lake_locked = %v while a run holds the lock, want 1", v)
	}
	if v := value(t, mf, "metalake_lake_lock_info", map[string]string{"run_date": "2025-07-09", "command": "run"}); v != 1 {
		t.Errorf("lake_lock_info = %v, want 1 for the running date", v)
	}
}

func scrape(t *testing.T, srv *httptest.Server) map[string]*dto.MetricFamily {
	t.Helper()
	a := get(t, srv, "/metrics")
	if a.code != http.StatusOK {
		t.Fatalf("/metrics: %d %s", a.code, a.body)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	mf, err := p.TextToMetricFamilies(strings.NewReader(a.body))
	if err != nil {
		t.Fatalf("/metrics does not parse: %v", err)
	}
	return mf
}

// value is the one sample of name whose labels include want; it fails the test when there is
// not exactly one.
func value(t *testing.T, mf map[string]*dto.MetricFamily, name string, want map[string]string) float64 {
	t.Helper()
	f, ok := mf[name]
	if !ok {
		t.Fatalf("no metric %s", name)
	}
	var found []float64
	for _, m := range f.GetMetric() {
		labels := map[string]string{}
		for _, lp := range m.GetLabel() {
			labels[lp.GetName()] = lp.GetValue()
		}
		match := true
		for k, v := range want {
			if labels[k] != v {
				match = false
			}
		}
		if match {
			found = append(found, m.GetGauge().GetValue())
		}
	}
	if len(found) != 1 {
		t.Fatalf("%s%v: %d samples, want 1", name, want, len(found))
	}
	return found[0]
}

// TestNothingIsWritten: serving every page leaves the lake byte for byte as it was, and the
// HTTP side's view of the bucket refuses writes.
func TestNothingIsWritten(t *testing.T) {
	before := tree(t, lakeDir)
	srv := server(t, "")
	d := date(days - 1).String()
	for _, p := range []string{"/", "/report/" + d, "/report/" + date(0).String(), "/catalog", "/catalog/silver/users", "/rejects/" + d, "/rejects/" + d + "/users", "/metrics"} {
		if a := get(t, srv, p); a.code != http.StatusOK {
			t.Fatalf("GET %s: %d", p, a.code)
		}
	}
	if after := tree(t, lakeDir); after != before {
		t.Errorf("serving changed the lake:\nbefore:\n%s\nafter:\n%s", before, after)
	}
	ro := serve.ReadOnly(shared.B)
	if err := ro.Upload(context.Background(), "x.json", strings.NewReader("{}")); !errors.Is(err, serve.ErrReadOnly) {
		t.Errorf("Upload through the read-only view: %v", err)
	}
	if err := ro.Delete(context.Background(), lake.StateKey(date(0))); !errors.Is(err, serve.ErrReadOnly) {
		t.Errorf("Delete through the read-only view: %v", err)
	}
}

// tree lists every file under dir with its size, modification time and content hash.
func tree(t *testing.T, dir string) string {
	t.Helper()
	var b strings.Builder
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		if d.IsDir() {
			fmt.Fprintf(&b, "%s/\n", rel)
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(data)
		fmt.Fprintf(&b, "%s %d %s %s\n", rel, info.Size(), info.ModTime().UTC().Format(time.RFC3339Nano), hex.EncodeToString(sum[:8]))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestServeListensAndStops: Serve answers on the address it reports and returns nil when its
// context ends.
func TestServeListensAndStops(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	addr := make(chan string, 1)
	done := make(chan error, 1)
	h := serve.NewHTTP(shared, eng, "", nil)
	go func() { done <- h.Serve(ctx, "127.0.0.1:"+testserver.FreePort(t), func(a string) { addr <- a }) }()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	var at string
	select {
	case at = <-addr:
	case err := <-done:
		t.Fatalf("Serve: %v", err)
	}
	resp, err := http.Get("http://" + at + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("/healthz: %d", resp.StatusCode)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Serve after cancel: %v, want nil", err)
	}
	done <- nil // for the cleanup
}
