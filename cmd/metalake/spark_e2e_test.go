package main_test

import (
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/metalake/metalake/internal/engine/spark/sparktest"
)

// sparkEnv points metalake at the test binary's Spark Connect server.
func sparkEnv(t *testing.T) []string {
	t.Helper()
	return []string{"METALAKE_SPARK_REMOTE=" + sparktest.Remote(t)}
}

// TestSparkRunKilledAndRerun: a Spark run (--engine spark) gives the same lake as DuckDB's;
// then a Spark run is killed with SIGKILL at a seeded point across the clean run's duration
// and run again. The seed (METALAKE_KILL_SEED replays it) also picks the scenario: the date's
// first run killed then run plainly, or a forced rerun over the lake DuckDB committed killed
// then resumed (--resume) — one per test run, since each Spark run of a date costs a minute
// here. Every visible partition stays whole, and the end is the clean run's lake in every
// table, with nothing left in the engine's work directory.
func TestSparkRunKilledAndRerun(t *testing.T) {
	t.Parallel()
	env := sparkEnv(t)
	seed := envSeed(t, "METALAKE_KILL_SEED")
	const date = "2025-07-01"
	dir := t.TempDir()
	clean, duck := filepath.Join(dir, "clean"), filepath.Join(dir, "duck")
	for _, l := range []string{clean, duck} {
		must(t, metalake(t, dir, "generate", "--lake", l, "--date", date, "--days", "1", "--users", "400", "--seed", "13"), 0)
	}
	start := time.Now()
	must(t, metalakeEnv(t, dir, env, "run", "--engine", "spark", "--lake", clean, "--date", date, "--quiet"), 0)
	took := time.Since(start)
	want := lakeDigest(t, dir, nil, clean)
	must(t, metalake(t, dir, "run", "--engine", "duckdb", "--lake", duck, "--date", date, "--quiet"), 0)
	sameDigest(t, "DuckDB's lake against Spark's", lakeDigest(t, dir, nil, duck), want)

	rng := rand.New(rand.NewPCG(uint64(seed), 5))
	lake := filepath.Join(dir, "lake")
	first, again := []string(nil), []string(nil)
	if rng.IntN(2) == 0 {
		must(t, metalake(t, dir, "generate", "--lake", lake, "--date", date, "--days", "1", "--users", "400", "--seed", "13"), 0)
	} else {
		lake, first, again = duck, []string{"--force"}, []string{"--resume"}
	}
	// Not in the first tenth (connecting), so the kill lands in the layers' statements; and in
	// the first 60 %, since the clean run was the server's first (later runs of the same date
	// take about two thirds of its time, once the JVM has warmed up).
	at := took/10 + time.Duration(rng.Int64N(int64(took/2)))
	args := append([]string{"run", "--engine", "spark", "--lake", lake, "--date", date, "--quiet"}, first...)
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Env = append(append(os.Environ(), "METALAKE_LAKE="), env...)
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	killed := false
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("the run ended before the kill at %s with %v\n%s", at, err, out.String())
		}
	case <-time.After(at):
		killed = cmd.Process.Signal(syscall.SIGKILL) == nil
		<-exited
	}
	checkCommitted(t, lake)
	rerun := append([]string{"run", "--engine", "spark", "--lake", lake, "--date", date, "--quiet"}, again...)
	t.Logf("%s killed at %s of %s (killed: %v); then %s", strings.Join(args, " "), at.Round(time.Millisecond), took.Round(time.Millisecond), killed, strings.Join(rerun, " "))
	must(t, metalakeEnv(t, dir, env, rerun...), 0)
	checkCommitted(t, lake)
	for d, st := range statuses(t, dir, nil, lake) {
		if st.Status != "success" {
			t.Errorf("after the last rerun %s says %q", d, st.Status)
		}
	}
	if entries, _ := os.ReadDir(filepath.Join(lake, "_staging", "engine")); len(entries) != 0 {
		names := make([]string, len(entries))
		for i, e := range entries {
			names[i] = e.Name()
		}
		t.Errorf("the killed runs' engine work dirs were not cleaned: %v", names)
	}
	sameDigest(t, "after the killed Spark runs", lakeDigest(t, dir, nil, lake), want)
}
