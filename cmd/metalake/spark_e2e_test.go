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
// then Spark runs are killed with SIGKILL at seeded points across the clean run's duration
// (METALAKE_KILL_SEED replays them) — the first in the date's first run, the second in a
// forced rerun — and run again, plain then --resume. Every visible partition stays whole, and
// the end is the clean run's lake in every table, with nothing left in the engine's work
// directory. One date: a Spark run of it costs a minute here.
func TestSparkRunKilledAndRerun(t *testing.T) {
	t.Parallel()
	env := sparkEnv(t)
	seed := envSeed(t, "METALAKE_KILL_SEED")
	const date = "2025-07-01"
	dir := t.TempDir()
	lake, clean, duck := filepath.Join(dir, "lake"), filepath.Join(dir, "clean"), filepath.Join(dir, "duck")
	for _, l := range []string{lake, clean, duck} {
		must(t, metalake(t, dir, "generate", "--lake", l, "--date", date, "--days", "1", "--users", "400", "--seed", "13"), 0)
	}
	start := time.Now()
	must(t, metalakeEnv(t, dir, env, "run", "--engine", "spark", "--lake", clean, "--date", date, "--quiet"), 0)
	took := time.Since(start)
	want := lakeDigest(t, dir, nil, clean)
	must(t, metalake(t, dir, "run", "--engine", "duckdb", "--lake", duck, "--date", date, "--quiet"), 0)
	sameDigest(t, "DuckDB's lake against Spark's", lakeDigest(t, dir, nil, duck), want)

	rng := rand.New(rand.NewPCG(uint64(seed), 5))
	for i, first := range [][]string{nil, {"--force"}} {
		// Not in the first tenth (connecting), so the kill lands in the layers' statements.
		at := took/10 + time.Duration(rng.Int64N(int64(took*8/10)))
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
				t.Fatalf("kill %d: the run ended before the kill at %s with %v\n%s", i+1, at, err, out.String())
			}
		case <-time.After(at):
			killed = cmd.Process.Signal(syscall.SIGKILL) == nil
			<-exited
		}
		checkCommitted(t, lake)
		again := []string{"run", "--engine", "spark", "--lake", lake, "--date", date, "--quiet"}
		if i == 1 {
			again = append(again, "--resume")
		}
		t.Logf("kill %d at %s of %s (killed: %v); then %s", i+1, at.Round(time.Millisecond), took.Round(time.Millisecond), killed, strings.Join(again, " "))
		must(t, metalakeEnv(t, dir, env, again...), 0)
	}
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
