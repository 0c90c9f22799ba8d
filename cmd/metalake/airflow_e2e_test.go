package main_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/metalake/metalake/internal/testserver"
)

// TestAirflowDAG loads deploy/airflow/metalake_dag.py with Airflow itself (the pinned version
// make test installs): it imports without errors as one DAG with one task, daily at 02:00
// Asia/Bangkok with catch-up, one active run, depends_on_past and retries; its first run fires
// on the day after the start date and processes the start date; a retry adds --resume. The
// command Airflow renders for that run then runs the date on a real lake.
func TestAirflowDAG(t *testing.T) {
	t.Parallel()
	python := os.Getenv("METALAKE_AIRFLOW_PYTHON")
	if python == "" {
		testserver.Missing(t, "no Airflow (make test installs it in bin/airflow; or set METALAKE_AIRFLOW_PYTHON to a python with apache-airflow)")
	}
	dir := t.TempDir()
	lk := filepath.Join(dir, "lake")
	cmd := exec.Command(python, "testdata/inspect_dag.py", "../../deploy/airflow")
	cmd.Env = append(os.Environ(), "METALAKE_DAG_NO_VARIABLES=1", "METALAKE_LAKE="+lk, "METALAKE_BIN="+bin,
		"METALAKE_START=2025-07-01", "AIRFLOW_HOME="+filepath.Join(dir, "airflow"))
	out, err := cmd.Output()
	if err != nil {
		var stderr []byte
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = ee.Stderr
		}
		t.Fatalf("inspect the DAG: %v\n%s\n%s", err, out, stderr)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	var got struct {
		Errors        map[string]string `json:"errors"`
		Dags          []string          `json:"dags"`
		Schedule      string            `json:"schedule"`
		MaxActiveRuns int               `json:"max_active_runs"`
		Catchup       bool              `json:"catchup"`
		Tasks         []string          `json:"tasks"`
		Retries       int               `json:"retries"`
		DependsOnPast bool              `json:"depends_on_past"`
		FirstRunAfter string            `json:"first_run_after"`
		Commands      map[string]string `json:"commands"`
	}
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &got); err != nil {
		t.Fatalf("inspect output: %v\n%s", err, out)
	}
	if len(got.Errors) > 0 || strings.Join(got.Dags, ",") != "metalake" {
		t.Fatalf("DagBag: errors %v, dags %v", got.Errors, got.Dags)
	}
	if got.Schedule != "0 2 * * *" || got.MaxActiveRuns != 1 || !got.Catchup || strings.Join(got.Tasks, ",") != "metalake_run" ||
		got.Retries != 2 || !got.DependsOnPast {
		t.Errorf("DAG settings: %+v", got)
	}
	if got.FirstRunAfter != "2025-07-02T02:00:00+07:00" {
		t.Errorf("first run fires at %s, want 2025-07-02T02:00:00+07:00 (02:00 Bangkok, the day after the run date)", got.FirstRunAfter)
	}
	want := bin + " run --lake " + lk + " --date 2025-07-01"
	first, retry := strings.Join(strings.Fields(got.Commands["1"]), " "), strings.Join(strings.Fields(got.Commands["2"]), " ")
	if first != want+" --quiet" || retry != want+" --resume --quiet" {
		t.Errorf("rendered commands:\n first %q\n retry %q\nwant %q (+ --resume on the retry)", first, retry, want+" --quiet")
	}

	must(t, metalake(t, dir, "generate", "--lake", lk, "--date", "2025-07-01", "--users", "400", "--seed", "2"), 0)
	run := exec.Command("sh", "-c", got.Commands["1"])
	run.Dir = dir
	if b, err := run.CombinedOutput(); err != nil {
		t.Fatalf("the rendered command failed: %v\n%s", err, b)
	}
	status := must(t, metalake(t, dir, "status", "--lake", lk, "--date", "2025-07-01", "--format", "json"), 0).stdout
	if !strings.Contains(status, `"status": "success"`) {
		t.Errorf("after the Airflow command, 2025-07-01 is not a success:\n%s", status)
	}
}
