package main_test

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestCLILakePathIsTakenLiterally: a lake whose path holds glob metacharacters reads its own
// files only — never a neighbour's that the path would match as a pattern (/data/w* next to
// /data/wz read both lakes' users.csv and exited 0; /data/gl[ab] read only /data/gla's).
func TestCLILakePathIsTakenLiterally(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	gen := func(lake string, seed, users int) {
		must(t, metalake(t, dir, "generate", "--lake", filepath.Join(dir, lake), "--date", "2025-07-01",
			"--users", fmt.Sprint(users), "--seed", fmt.Sprint(seed)), 0)
	}
	gen("ref", 1, 500)
	must(t, metalake(t, dir, "run", "--lake", filepath.Join(dir, "ref"), "--date", "2025-07-01", "--quiet"), 0)
	want := snapshot(t, dir, filepath.Join(dir, "ref"))
	for _, c := range []struct{ lake, neighbour string }{{"w*", "wz"}, {"gl[ab]", "gla"}, {"q?", "qz"}} {
		gen(c.lake, 1, 500)
		gen(c.neighbour, 2, 900)
		lake := filepath.Join(dir, c.lake)
		must(t, metalake(t, dir, "run", "--lake", lake, "--date", "2025-07-01", "--quiet"), 0)
		if got := snapshot(t, dir, lake); got != want {
			t.Errorf("lake %s: its bronze and rejects differ from the same raw files in a plainly named lake (read %s's files?)", c.lake, c.neighbour)
		}
		r := must(t, metalake(t, dir, "query", "--lake", lake, "--format", "csv", "SELECT COUNT(*) FROM silver.users_latest"), 0)
		w := must(t, metalake(t, dir, "query", "--lake", filepath.Join(dir, "ref"), "--format", "csv", "SELECT COUNT(*) FROM silver.users_latest"), 0)
		if r.stdout != w.stdout {
			t.Errorf("lake %s: silver users %q, want %q", c.lake, r.stdout, w.stdout)
		}
	}
}

// TestCLIReadOnlyCommandsWriteNothing: query, status, catalog, monitor and report leave the
// lake byte for byte as it was (no _staging/, no cleanup), and a path holding no lake is exit
// 2 "no lake at …" without creating anything.
func TestCLIReadOnlyCommandsWriteNothing(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	lake := filepath.Join(dir, "lake")
	must(t, metalake(t, dir, "generate", "--lake", lake, "--date", "2025-07-01", "--users", "500"), 0)
	must(t, metalake(t, dir, "run", "--lake", lake, "--date", "2025-07-01", "--quiet"), 0)
	// The run's own staging is gone with it; an old uploads folder must survive read-only use.
	if err := os.RemoveAll(filepath.Join(lake, "_staging")); err != nil {
		t.Fatal(err)
	}
	before := treeListing(t, lake)
	readOnly := [][]string{
		{"query", "--lake", lake, "SELECT COUNT(*) FROM gold.dim_user"},
		{"status", "--lake", lake},
		{"status", "--lake", lake, "--date", "2025-07-01", "--format", "json"},
		{"catalog", "--lake", lake},
		{"monitor", "--lake", lake, "--date", "2025-07-01"},
		{"report", "--lake", lake, "--date", "2025-07-01"},
	}
	for _, args := range readOnly {
		must(t, metalake(t, dir, args...), 0)
	}
	if after := treeListing(t, lake); after != before {
		t.Errorf("read-only commands changed the lake:\nbefore:\n%s\nafter:\n%s", before, after)
	}

	empty := filepath.Join(dir, "empty")
	if err := os.Mkdir(empty, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, l := range []string{filepath.Join(dir, "lkae"), empty} {
		for _, args := range readOnly {
			args = append([]string(nil), args...)
			args[2] = l
			r := must(t, metalake(t, dir, args...), 2)
			oneLine(t, r, "no lake at", l)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "lkae")); !os.IsNotExist(err) {
		t.Error("a read-only command created the mistyped lake directory")
	}
	if entries, _ := os.ReadDir(empty); len(entries) != 0 {
		t.Errorf("read-only commands wrote into an empty directory: %v", entries)
	}
}

// treeListing lists every file and directory under root with size and modification time.
func treeListing(t *testing.T, root string) string {
	t.Helper()
	var lines []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		lines = append(lines, fmt.Sprintf("%s %d %s", rel, info.Size(), info.ModTime().Format(time.RFC3339Nano)))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

// holdLock writes the lake's lock as a live process on this host holds it (the test process
// itself), so commands see the lake as busy.
func holdLock(t *testing.T, lake, runDate string) {
	t.Helper()
	host, err := os.Hostname()
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	b, _ := json.Marshal(map[string]any{"owner": "test", "host": host, "pid": os.Getpid(),
		"run_date": runDate, "acquired_at": now, "heartbeat_at": now})
	writeFile(t, filepath.Join(lake, "_lock"), string(b))
}

// TestCLIWritersTakeTheLock: ingest and generate write raw files a run of the same date reads,
// so they wait for no run: while the lake is locked they exit 3 and change nothing (an ingest
// started during a run left a date committed from two snapshots).
func TestCLIWritersTakeTheLock(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	gen := filepath.Join(dir, "gen")
	must(t, metalake(t, dir, "generate", "--lake", gen, "--date", "2025-07-01", "--users", "300", "--layout", "plan"), 0)
	download := filepath.Join(dir, "download")
	for table, name := range map[string]string{"users": "users.csv", "datasets": "datasets.csv", "tags": "tags.csv", "competitions": "competitions.csv", "kernels": "kernels.csv"} {
		b, err := os.ReadFile(filepath.Join(gen, "raw", table, "ingestion_date=2025-07-01", table+".csv"))
		if err != nil {
			t.Fatal(err)
		}
		writeFile(t, filepath.Join(download, name), string(b))
	}
	lake := filepath.Join(dir, "lake")
	holdLock(t, lake, "2025-07-01")
	r := must(t, metalake(t, dir, "ingest", "--lake", lake, "--date", "2025-07-02", "--from", download), 3)
	oneLine(t, r, "locked", "2025-07-01")
	r = must(t, metalake(t, dir, "generate", "--lake", lake, "--date", "2025-07-02", "--users", "300"), 3)
	oneLine(t, r, "locked")
	if _, err := os.Stat(filepath.Join(lake, "raw")); !os.IsNotExist(err) {
		t.Error("a refused ingest or generate wrote raw files")
	}
	if err := os.Remove(filepath.Join(lake, "_lock")); err != nil {
		t.Fatal(err)
	}
	must(t, metalake(t, dir, "ingest", "--lake", lake, "--date", "2025-07-02", "--from", download), 0)
	if _, err := os.Stat(filepath.Join(lake, "_lock")); !os.IsNotExist(err) {
		t.Error("ingest left its lock behind")
	}
}

// TestCLILockOnATooSlowStore: when the store is too slow for the lock's settle delay (here a
// delay no store can meet), a writer fails with one line naming the lake and the setting to
// raise, and writes nothing.
func TestCLILockOnATooSlowStore(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "metalake.yaml"), "pipeline:\n  lock_settle: 1ns\n")
	lake := filepath.Join(dir, "lake")
	r := must(t, metalake(t, dir, "generate", "--lake", lake, "--date", "2025-07-01", "--users", "300"), 1)
	oneLine(t, r, lake, "too slow to take the lock", "pipeline.lock_settle")
	for _, p := range []string{"raw", "_lock"} {
		if _, err := os.Stat(filepath.Join(lake, p)); !os.IsNotExist(err) {
			t.Errorf("a generate that could not take the lock left %s behind (%v)", p, err)
		}
	}
}

// TestCLIStatusShowsInterrupted: a run killed with SIGKILL leaves its state "running"; status
// shows it as interrupted once no live process holds the lake, and as running while one does.
func TestCLIStatusShowsInterrupted(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	lake := filepath.Join(dir, "lake")
	must(t, metalake(t, dir, "generate", "--lake", lake, "--date", "2025-07-01", "--users", "100000"), 0)
	cmd := exec.Command(bin, "run", "--lake", lake, "--date", "2025-07-01", "--quiet")
	cmd.Dir = dir
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	state := filepath.Join(lake, "_state/runs/run_date=2025-07-01.json")
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		if _, err := os.Stat(state); err == nil {
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatal("the run never wrote its state")
		}
	}
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()

	status := func() (run string, tasks map[string]string) {
		r := must(t, metalake(t, dir, "status", "--lake", lake, "--date", "2025-07-01", "--format", "json"), 0)
		var st struct {
			Status string `json:"status"`
			Tasks  []struct{ Task, Status string }
		}
		if err := json.Unmarshal([]byte(r.stdout), &st); err != nil {
			t.Fatalf("status json: %v\n%s", err, r.stdout)
		}
		tasks = map[string]string{}
		for _, tk := range st.Tasks {
			tasks[tk.Task] = tk.Status
		}
		return st.Status, tasks
	}
	run, tasks := status()
	if run != "interrupted" {
		t.Fatalf("status of a killed run = %q, want interrupted", run)
	}
	for task, s := range tasks {
		if s == "running" {
			t.Errorf("task %s of a killed run shown as running", task)
		}
	}
	r := must(t, metalake(t, dir, "status", "--lake", lake), 0)
	if !strings.Contains(r.stdout, "interrupted") {
		t.Errorf("status table does not show the killed run as interrupted:\n%s", r.stdout)
	}

	holdLock(t, lake, "2025-07-01")
	if run, _ := status(); run != "running" {
		t.Errorf("status while a live process holds the lake = %q, want running", run)
	}
	os.Remove(filepath.Join(lake, "_lock"))
	must(t, metalake(t, dir, "run", "--lake", lake, "--date", "2025-07-01", "--quiet"), 0)
	if run, _ := status(); run != "success" {
		t.Errorf("status after the rerun = %q, want success", run)
	}
}
