package main_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/metalake/metalake/internal/browsertest"
	"github.com/metalake/metalake/internal/testserver"
)

// daemon is a `metalake serve` process; the test's cleanup stops it.
type daemon struct {
	cmd    *exec.Cmd
	base   string
	mu     sync.Mutex
	stdout bytes.Buffer
	stderr bytes.Buffer
	done   chan struct{}
	code   int
}

// lockedBuffer writes into the daemon's buffers under its lock.
type lockedBuffer struct {
	d *daemon
	b *bytes.Buffer
}

func (w lockedBuffer) Write(p []byte) (int, error) {
	w.d.mu.Lock()
	defer w.d.mu.Unlock()
	return w.b.Write(p)
}

func (d *daemon) output() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.stdout.String() + d.stderr.String()
}

// startServe starts `metalake serve` on a free loopback port with args and waits until
// /healthz answers.
func startServe(t *testing.T, dir string, env []string, args ...string) *daemon {
	t.Helper()
	port := testserver.FreePort(t)
	d := &daemon{base: "http://127.0.0.1:" + port, done: make(chan struct{})}
	d.cmd = exec.Command(bin, append([]string{"serve", "--http", "127.0.0.1:" + port}, args...)...)
	d.cmd.Dir = dir
	d.cmd.Env = append(append(os.Environ(), "METALAKE_LAKE=", "METALAKE_HTTP_TOKEN="), env...)
	d.cmd.Stdout, d.cmd.Stderr = lockedBuffer{d, &d.stdout}, lockedBuffer{d, &d.stderr}
	if err := d.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		_ = d.cmd.Wait()
		d.code = d.cmd.ProcessState.ExitCode()
		close(d.done)
	}()
	t.Cleanup(func() { d.stop(t) })
	deadline := time.Now().Add(90 * time.Second)
	for {
		select {
		case <-d.done:
			t.Fatalf("serve exited %d before answering:\n%s", d.code, d.output())
		default:
		}
		if resp, err := http.Get(d.base + "/healthz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return d
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve did not answer /healthz:\n%s", d.output())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// stop sends SIGTERM and waits for the exit code (killing it if it does not stop).
func (d *daemon) stop(t *testing.T) int {
	t.Helper()
	select {
	case <-d.done:
		return d.code
	default:
	}
	_ = d.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-d.done:
	case <-time.After(30 * time.Second):
		_ = d.cmd.Process.Kill()
		<-d.done
		t.Errorf("serve did not stop on SIGTERM:\n%s", d.output())
	}
	return d.code
}

func (d *daemon) get(t *testing.T, path string, header ...string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, d.base+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// servedLake generates and runs two dates.
func servedLake(t *testing.T) (dir, lake string) {
	t.Helper()
	dir = t.TempDir()
	lake = filepath.Join(dir, "lake")
	must(t, metalake(t, dir, "generate", "--lake", lake, "--date", "2025-07-01", "--days", "2", "--users", "300"), 0)
	must(t, metalake(t, dir, "run", "--lake", lake, "--date", "2025-07-01", "--to", "2025-07-02", "--quiet"), 0)
	return dir, lake
}

// TestServeHTTPDashboard: `serve --http --no-schedule` serves the pages read-only: /metrics
// equals `status`, unknown dates and climbing paths are 404, the pages open cleanly in
// Chromium, and SIGTERM stops it with exit 0.
func TestServeHTTPDashboard(t *testing.T) {
	t.Parallel()
	dir, lake := servedLake(t)
	before := lakeTree(t, lake)
	d := startServe(t, dir, nil, "--lake", lake, "--no-schedule")

	var status struct {
		Runs []struct {
			RunDate string `json:"run_date"`
			Status  string `json:"status"`
		} `json:"runs"`
	}
	if err := json.Unmarshal([]byte(must(t, metalake(t, dir, "status", "--lake", lake, "--format", "json"), 0).stdout), &status); err != nil {
		t.Fatal(err)
	}
	code, body := d.get(t, "/metrics")
	p := expfmt.NewTextParser(model.UTF8Validation)
	mf, err := p.TextToMetricFamilies(strings.NewReader(body))
	if code != http.StatusOK || err != nil {
		t.Fatalf("/metrics: %d, %v", code, err)
	}
	success := map[string]float64{}
	for _, m := range mf["metalake_run_success"].GetMetric() {
		success[m.GetLabel()[0].GetValue()] = m.GetGauge().GetValue()
	}
	if len(success) != len(status.Runs) {
		t.Errorf("metrics cover %d run dates, status %d", len(success), len(status.Runs))
	}
	for _, r := range status.Runs {
		if want := map[bool]float64{true: 1, false: 0}[r.Status == "success"]; success[r.RunDate] != want {
			t.Errorf("metalake_run_success{run_date=%s} = %v, status says %s", r.RunDate, success[r.RunDate], r.Status)
		}
	}
	for path, want := range map[string]int{
		"/": 200, "/report/2025-07-02": 200, "/catalog": 200, "/rejects/2025-07-02": 200,
		"/report/2025-08-01": 404, "/report/..%2f..%2f_state%2flake.json": 404, "/catalog/bronze/..%2fusers": 404,
	} {
		if code, body := d.get(t, path); code != want || (want == 404 && !strings.Contains(body, "404 not found")) {
			t.Errorf("GET %s: %d %.100q, want %d", path, code, body, want)
		}
	}
	if _, body := d.get(t, "/report/2025-08-01"); !strings.Contains(body, "no run of 2025-08-01") {
		t.Errorf("unknown date: %q, want it named", body)
	}

	b := browsertest.New(t)
	for _, path := range []string{"/", "/report/2025-07-02"} {
		ready := `document.readyState === 'complete'`
		if strings.HasPrefix(path, "/report/") {
			ready = reportReady
		}
		pg := b.Open(t, d.base+path, []string{d.base + "/"}, ready)
		pg.CheckClean(t)
	}
	if code := d.stop(t); code != 0 {
		t.Errorf("serve exited %d on SIGTERM, want 0:\n%s", code, d.output())
	}
	if !strings.Contains(d.output(), "read-only") {
		t.Errorf("serve did not say it serves read-only:\n%s", d.output())
	}
	if after := lakeTree(t, lake); after != before {
		t.Error("serving changed the lake")
	}
}

// TestServeHTTPAddressAndToken: a non-loopback address needs METALAKE_HTTP_TOKEN (exit 2
// otherwise, before listening); with a token every page but /healthz needs it.
func TestServeHTTPAddressAndToken(t *testing.T) {
	t.Parallel()
	dir, lake := servedLake(t)
	r := must(t, metalakeEnv(t, dir, []string{"METALAKE_HTTP_TOKEN="}, "serve", "--lake", lake, "--http", "0.0.0.0:"+testserver.FreePort(t), "--no-schedule"), 2)
	oneLine(t, r, "0.0.0.0", "METALAKE_HTTP_TOKEN")
	r = must(t, metalake(t, dir, "serve", "--lake", lake, "--no-schedule"), 2)
	oneLine(t, r, "--http")

	const token = "e2e-t0ken"
	d := startServe(t, dir, []string{"METALAKE_HTTP_TOKEN=" + token}, "--lake", lake, "--no-schedule")
	if code, _ := d.get(t, "/metrics"); code != http.StatusUnauthorized {
		t.Errorf("/metrics without the token: %d, want 401", code)
	}
	if code, _ := d.get(t, "/report/2025-07-01", "Authorization", "Bearer wrong"); code != http.StatusUnauthorized {
		t.Errorf("a wrong token: %d, want 401", code)
	}
	if code, body := d.get(t, "/metrics", "Authorization", "Bearer "+token); code != http.StatusOK || !strings.Contains(body, "metalake_run_success") {
		t.Errorf("/metrics with the token: %d", code)
	}
}

// TestServeHTTPBesideScheduler: --http runs beside the scheduler loop (nothing due here); both
// stop on SIGTERM.
func TestServeHTTPBesideScheduler(t *testing.T) {
	t.Parallel()
	dir, lake := servedLake(t)
	future := time.Now().AddDate(0, 1, 0).Format("2006-01-02")
	d := startServe(t, dir, nil, "--lake", lake, "--start", future)
	if code, body := d.get(t, "/"); code != http.StatusOK || !strings.Contains(body, "2025-07-02") {
		t.Errorf("run grid beside the scheduler: %d", code)
	}
	if code := d.stop(t); code != 0 {
		t.Errorf("serve exited %d on SIGTERM, want 0:\n%s", code, d.output())
	}
	if out := d.output(); !strings.Contains(out, "dashboard on http://127.0.0.1:") || !strings.Contains(out, "serving ") {
		t.Errorf("serve did not announce the scheduler and the dashboard:\n%s", out)
	}
}
