package main_test

// Fault tests: the built binary against a disk that fills up, a network between it and its S3
// store that resets, stalls, cuts and slows connections (Toxiproxy), and SIGKILL at random
// points. Each fault must end in a whole lake and a truthful state: the run succeeds, or fails
// with one line naming the cause, never hangs, never leaves half a partition visible; the next
// run completes the work and the lake then equals a clean run's. Random choices come from a
// logged seed (METALAKE_TOXI_SEED, METALAKE_KILL_SEED) so a failure can be replayed.

import (
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	toxiproxy "github.com/Shopify/toxiproxy/v2/client"

	"github.com/metalake/metalake/internal/storage/s3test"
	"github.com/metalake/metalake/internal/testserver"
)

// TestFaultDiskFull: a local lake on a disk that fills during the run (a 24 MiB tmpfs taken but
// for 256 KiB by a filler file). A full disk is not retried: the task that hit it ran once, the
// run fails at once (long before the lock's 2-minute lease could expire) with one line naming
// the task, the date and "no space left on device", and its state says failed — not running,
// not interrupted. Once space is freed, --resume completes the date and the lake equals a
// clean run's.
func TestFaultDiskFull(t *testing.T) {
	t.Parallel()
	const date = "2025-07-01"
	dir := t.TempDir()
	disk := testserver.Tmpfs(t, 24<<20)
	lake, clean := filepath.Join(disk, "lake"), filepath.Join(dir, "clean")
	for _, l := range []string{lake, clean} {
		must(t, metalake(t, dir, "generate", "--lake", l, "--date", date, "--users", "20000", "--seed", "3"), 0)
	}
	must(t, metalake(t, dir, "run", "--lake", clean, "--date", date, "--quiet"), 0)
	filler := fillDisk(t, disk, 256<<10)

	// The guard is no timing assertion: a run that retried until the lease expired would take
	// over two minutes and then fail the checks below.
	line := failureLine(t, runLimited(t, 5*time.Minute, dir, nil, "run", "--lake", lake, "--date", date, "--quiet"))
	if !strings.Contains(strings.ToLower(line), "no space left on device") || !strings.Contains(line, date) || strings.Contains(line, "interrupted") {
		t.Errorf("failure line %q: want the date and \"no space left on device\"", line)
	}
	r := must(t, metalake(t, dir, "status", "--lake", lake, "--date", date, "--format", "json"), 0)
	st := parseRunState(t, r.stdout)
	if st.Status != "failed" {
		t.Errorf("status of %s after a full disk: %q, want failed", date, st.Status)
	}
	full := 0
	firstFailed := ""
	for _, task := range st.Tasks {
		if task.Status == "failed" && firstFailed == "" {
			firstFailed = task.Task
		}
		if strings.Contains(strings.ToLower(task.Error), "no space left on device") {
			full++
			if task.Status != "failed" || task.Attempts != 1 {
				t.Errorf("%s hit the full disk: %s after %d attempts, want failed after 1 (a full disk is not retried)", task.Task, task.Status, task.Attempts)
			}
		}
	}
	if full == 0 || !strings.Contains(line, firstFailed) {
		t.Errorf("no task failed on the full disk, or the line does not name the first that failed (%q):\n%s", firstFailed, r.stdout)
	}
	checkCommitted(t, lake)

	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	must(t, metalake(t, dir, "run", "--lake", lake, "--date", date, "--resume", "--quiet"), 0)
	if st := statuses(t, dir, nil, lake)[date]; st.Status != "success" {
		t.Errorf("status after the resume: %q", st.Status)
	}
	sameDigest(t, "after a full disk and --resume", lakeDigest(t, dir, nil, lake), lakeDigest(t, dir, nil, clean))
}

// fillDisk writes a file that leaves about leave bytes free on the file system of dir.
func fillDisk(t *testing.T, dir string, leave int64) string {
	t.Helper()
	var fs syscall.Statfs_t
	if err := syscall.Statfs(dir, &fs); err != nil {
		t.Fatal(err)
	}
	size := int64(fs.Bavail)*int64(fs.Bsize) - leave
	if size <= 0 {
		t.Fatalf("%s has only %d bytes free", dir, int64(fs.Bavail)*int64(fs.Bsize))
	}
	path := filepath.Join(dir, "filler")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	chunk := make([]byte, 1<<20)
	for size > 0 {
		n := min(size, int64(len(chunk)))
		if _, err := f.Write(chunk[:n]); err != nil {
			t.Fatal(err)
		}
		size -= n
	}
	return path
}

// TestFaultS3NetworkToxics runs a two-date range on an S3 lake through a TCP proxy that
// injects faults (Toxiproxy between metalake and a real S3 server), one seeded scenario each:
// latency, connection resets (at once, mid-stream), stalls that end in a close, stalls that
// never end (only a client-side timeout ends them), slow and sliced streams, streams cut after
// a few bytes. Every faulty run must succeed or fail with one line (exit 1), never hang and
// never leave half a partition visible; with the faults removed, --resume completes the range
// and the lake equals a clean local run's.
func TestFaultS3NetworkToxics(t *testing.T) {
	t.Parallel()
	seed := envSeed(t, "METALAKE_TOXI_SEED")
	srv := s3test.Start(t)
	tp := testserver.StartToxiproxy(t, seed)
	dir := t.TempDir()
	// Task retries after a network fault come quickly here (the default waits 30 s).
	writeFile(t, filepath.Join(dir, "metalake.yaml"), "pipeline:\n  retry_delay: 100ms\n")
	gen := []string{"--date", "2025-07-01", "--days", "2", "--users", "5000", "--seed", "5"}
	rangeArgs := []string{"--date", "2025-07-01", "--to", "2025-07-02", "--quiet"}
	clean := filepath.Join(dir, "clean")
	must(t, metalake(t, dir, append([]string{"generate", "--lake", clean}, gen...)...), 0)
	must(t, metalake(t, dir, append([]string{"run", "--lake", clean}, rangeArgs...)...), 0)
	want := lakeDigest(t, dir, nil, clean)

	rng := rand.New(rand.NewPCG(uint64(seed), 2))
	between := func(lo, hi int) int { return lo + rng.IntN(hi-lo+1) }
	chance := func(lo, hi float32) float32 { return lo + rng.Float32()*(hi-lo) }
	type toxic = toxiproxy.Toxic
	scenarios := []struct {
		name   string
		toxics []toxic
	}{
		{"latency", []toxic{
			{Name: "down", Type: "latency", Stream: "downstream", Toxicity: 1, Attributes: toxiproxy.Attributes{"latency": between(2, 6), "jitter": 2}},
			{Name: "up", Type: "latency", Stream: "upstream", Toxicity: 1, Attributes: toxiproxy.Attributes{"latency": between(1, 4), "jitter": 1}},
		}},
		{"reset_peer", []toxic{{Name: "reset", Type: "reset_peer", Stream: "downstream", Toxicity: chance(0.05, 0.15), Attributes: toxiproxy.Attributes{"timeout": 0}}}},
		{"reset_mid_stream", []toxic{{Name: "reset", Type: "reset_peer", Stream: "upstream", Toxicity: chance(0.05, 0.2), Attributes: toxiproxy.Attributes{"timeout": between(20, 200)}}}},
		{"stall_then_close", []toxic{{Name: "stall", Type: "timeout", Stream: "downstream", Toxicity: chance(0.05, 0.15), Attributes: toxiproxy.Attributes{"timeout": between(200, 1000)}}}},
		{"black_hole", []toxic{{Name: "hole", Type: "timeout", Stream: "upstream", Toxicity: chance(0.005, 0.02), Attributes: toxiproxy.Attributes{"timeout": 0}}}},
		{"slow_sliced", []toxic{
			{Name: "bandwidth", Type: "bandwidth", Stream: "downstream", Toxicity: 1, Attributes: toxiproxy.Attributes{"rate": between(500, 2000)}},
			{Name: "slicer", Type: "slicer", Stream: "upstream", Toxicity: 1, Attributes: toxiproxy.Attributes{"average_size": 1024, "size_variation": 512, "delay": between(50, 300)}},
		}},
		{"cut_stream", []toxic{{Name: "cut", Type: "limit_data", Stream: "downstream", Toxicity: chance(0.05, 0.15), Attributes: toxiproxy.Attributes{"bytes": between(1000, 100000)}}}},
	}
	upstream := strings.TrimPrefix(srv.Endpoint, "http://")
	for i, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			t.Parallel()
			uri := fmt.Sprintf("s3://faults-%d/meta", i)
			bucket := srv.BucketAt(t, uri, srv.Config())
			proxy := tp.Proxy(t, sc.name, upstream)
			direct := srv.Env()
			// The S3 client gives up on a connection that moves no byte for a second (a black
			// hole is otherwise waited for forever).
			faulty := append(srv.Env(), "METALAKE_S3_ENDPOINT=http://"+proxy.Listen, "METALAKE_S3_IDLE_TIMEOUT=1s")
			must(t, metalakeEnv(t, dir, direct, append([]string{"generate", "--lake", uri}, gen...)...), 0)
			for _, x := range sc.toxics {
				if _, err := proxy.AddToxic(x.Name, x.Type, x.Stream, x.Toxicity, x.Attributes); err != nil {
					t.Fatalf("toxic %+v: %v", x, err)
				}
			}
			t.Logf("toxics %+v", sc.toxics)

			start := time.Now()
			r := runLimited(t, 90*time.Second, dir, faulty, append([]string{"run", "--lake", uri}, rangeArgs...)...)
			t.Logf("faulty run: exit %d after %s", r.code, time.Since(start).Round(time.Millisecond))
			states := statuses(t, dir, direct, uri)
			if r.code == 0 {
				for _, d := range []string{"2025-07-01", "2025-07-02"} {
					if states[d].Status != "success" {
						t.Errorf("the run succeeded but %s says %q", d, states[d].Status)
					}
				}
			} else {
				line := failureLine(t, r)
				t.Logf("failure: %s", line)
				if strings.Contains(line, "interrupted") || !strings.Contains(line, uri) && !runDateRE.MatchString(line) {
					t.Errorf("failure line %q names neither the lake nor a date", line)
				}
				// A date named by the failure failed, or never started (the range was being
				// planned); it never claims success nor stays running.
				if d := runDateRE.FindString(line); d != "" {
					if s := states[d].Status; s != "failed" && s != "interrupted" && s != "" {
						t.Errorf("%s failed (%s) but its status says %q", d, line, s)
					}
				}
			}
			checkCommittedBucket(t, bucket)

			for _, x := range sc.toxics {
				if err := proxy.RemoveToxic(x.Name); err != nil {
					t.Fatal(err)
				}
			}
			must(t, runLimited(t, 90*time.Second, dir, faulty, append([]string{"run", "--lake", uri, "--resume"}, rangeArgs...)...), 0)
			for d, s := range statuses(t, dir, direct, uri) {
				if s.Status != "success" {
					t.Errorf("after --resume %s says %q", d, s.Status)
				}
			}
			sameDigest(t, sc.name, lakeDigest(t, dir, direct, uri), want)
		})
	}
}

var runDateRE = regexp.MustCompile(`\d{4}-\d{2}-\d{2}`)

// TestFaultKilledAtRandomPoints kills a three-date run (--force, so every kill lands in real
// work) with SIGKILL at N points drawn across a clean run's duration (METALAKE_KILL_N, default
// 8; METALAKE_KILL_SEED replays the points). After each kill every visible partition is whole
// and no date claims a success it did not finish (the date the kill interrupted shows running
// or interrupted); then the range is run again, alternately plain and --resume. At the end the
// lake equals a clean run's in every table.
func TestFaultKilledAtRandomPoints(t *testing.T) {
	t.Parallel()
	seed := envSeed(t, "METALAKE_KILL_SEED")
	n := 8
	if v := os.Getenv("METALAKE_KILL_N"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 1 {
			t.Fatalf("METALAKE_KILL_N=%q: want a positive number", v)
		}
	}
	dates := []string{"2025-07-01", "2025-07-02", "2025-07-03"}
	dir := t.TempDir()
	lake, clean := filepath.Join(dir, "lake"), filepath.Join(dir, "clean")
	for _, l := range []string{lake, clean} {
		must(t, metalake(t, dir, "generate", "--lake", l, "--date", dates[0], "--days", "3", "--users", "2000", "--seed", "11"), 0)
	}
	rangeArgs := []string{"--date", dates[0], "--to", dates[2], "--quiet"}
	must(t, metalake(t, dir, append([]string{"run", "--lake", clean}, rangeArgs...)...), 0)
	want := lakeDigest(t, dir, nil, clean)
	// The kills land in forced reruns: their duration is the one to draw from (and a forced
	// rerun must not change the lake).
	start := time.Now()
	must(t, metalake(t, dir, append([]string{"run", "--lake", clean, "--force"}, rangeArgs...)...), 0)
	took := time.Since(start)
	sameDigest(t, "a forced rerun", lakeDigest(t, dir, nil, clean), want)

	rng := rand.New(rand.NewPCG(uint64(seed), 3))
	landed := 0
	for i := range n {
		at := time.Duration(rng.Int64N(int64(took)))
		cmd := exec.Command(bin, append([]string{"run", "--lake", lake, "--force"}, rangeArgs...)...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "METALAKE_LAKE=")
		var out strings.Builder
		cmd.Stdout = &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		var err error
		killed := false
		select {
		case err = <-exited:
		case <-time.After(at):
			killed = cmd.Process.Signal(syscall.SIGKILL) == nil
			err = <-exited
		}
		if !killed && err != nil {
			t.Fatalf("kill %d: the run ended before the kill at %s with %v\n%s", i+1, at, err, out.String())
		}
		checkCommitted(t, lake)
		interrupted := ""
		states := statuses(t, dir, nil, lake)
		for _, d := range dates {
			st, ok := states[d]
			switch {
			case !ok:
			case st.Status == "success":
				// Success is written once, when every task of the date has finished.
				for _, task := range st.Tasks {
					if task.Status != "success" && task.Status != "skipped" || st.FinishedAt == nil {
						t.Errorf("kill %d at %s: %s says success but %s is %s", i+1, at, d, task.Task, task.Status)
					}
				}
			case st.Status == "running" || st.Status == "interrupted":
				if interrupted != "" {
					t.Errorf("kill %d at %s: %s and %s both unfinished", i+1, at, interrupted, d)
				}
				interrupted = d
			default:
				t.Errorf("kill %d at %s: %s says %q after a kill", i+1, at, d, st.Status)
			}
		}
		// Killed before the first date wrote its state, or between a date's final state and
		// the next date's first, no date is in progress.
		if interrupted != "" {
			landed++
		}
		again := []string{"run", "--lake", lake}
		if i%2 == 1 {
			again = append(again, "--resume")
		}
		t.Logf("kill %d at %s of %s (killed: %v, date in progress %q); then run %s", i+1, at.Round(time.Millisecond), took.Round(time.Millisecond), killed, interrupted, strings.Join(again[3:], " "))
		must(t, metalake(t, dir, append(again, rangeArgs...)...), 0)
	}
	if n >= 4 && landed == 0 {
		t.Errorf("none of %d kills landed inside a date's run: the kill points exercise nothing", n)
	}
	checkCommitted(t, lake)
	for d, st := range statuses(t, dir, nil, lake) {
		if st.Status != "success" {
			t.Errorf("after the last rerun %s says %q", d, st.Status)
		}
	}
	if entries, _ := os.ReadDir(filepath.Join(lake, "_staging", "engine")); len(entries) != 0 {
		t.Errorf("the killed runs' engine work dirs were not cleaned: %d left", len(entries))
	}
	if _, err := os.Stat(filepath.Join(lake, "_lock")); !os.IsNotExist(err) {
		t.Errorf("the lock outlived the runs: %v", err)
	}
	sameDigest(t, fmt.Sprintf("after %d kills (seed %d)", n, seed), lakeDigest(t, dir, nil, lake), want)
}

// envSeed returns the seed in the environment variable name, else a new one; it is logged so
// that a failure can be replayed.
func envSeed(t *testing.T, name string) int64 {
	t.Helper()
	seed := time.Now().UnixNano()
	if v := os.Getenv(name); v != "" {
		var err error
		if seed, err = strconv.ParseInt(v, 10, 64); err != nil {
			t.Fatalf("%s=%q: want an integer", name, v)
		}
	}
	t.Logf("seed %d (%s=%d replays it)", seed, name, seed)
	return seed
}
