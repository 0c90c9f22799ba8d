package main_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/metalake/metalake/internal/storage/s3test"
)

// TestCLIOnS3Lake: the same commands on an S3 lake (a real S3 server) and on a local lake
// give the same lake: every layer's rows, rejects and reports agree, and a rerun is skipped.
func TestCLIOnS3Lake(t *testing.T) {
	t.Parallel()
	env, remote, dir := s3Lake(t)
	local := filepath.Join(dir, "lake")
	for _, lake := range []string{local, remote} {
		must(t, metalakeEnv(t, dir, env, "generate", "--lake", lake, "--date", "2025-07-01", "--days", "2", "--users", "2000", "--seed", "5"), 0)
		must(t, metalakeEnv(t, dir, env, "run", "--lake", lake, "--date", "2025-07-01", "--to", "2025-07-02", "--quiet"), 0)
	}
	sameLake(t, dir, env, local, remote)
	r := must(t, metalakeEnv(t, dir, env, "run", "--lake", remote, "--date", "2025-07-02"), 0)
	if !strings.Contains(r.stdout+r.stderr, "already succeeded") {
		t.Errorf("rerun of a succeeded date on S3 was not skipped:\n%s%s", r.stdout, r.stderr)
	}
}

// TestCLIKilledRunOnS3Lake: runs on an S3 lake killed mid-way leave no partial partition
// visible; the next run takes over the dead owner's lock, removes its engine work dir, and
// the lake ends equal to a clean local run.
func TestCLIKilledRunOnS3Lake(t *testing.T) {
	t.Parallel()
	env, remote, dir := s3Lake(t)
	clean := filepath.Join(dir, "clean")
	for _, lake := range []string{clean, remote} {
		must(t, metalakeEnv(t, dir, env, "generate", "--lake", lake, "--date", "2025-07-01", "--users", "300000", "--seed", "5"), 0)
	}
	must(t, metalakeEnv(t, dir, env, "run", "--lake", clean, "--date", "2025-07-01", "--quiet"), 0)
	var killed []int
	for _, delay := range []time.Duration{400 * time.Millisecond, 1500 * time.Millisecond} {
		cmd := exec.Command(bin, "run", "--lake", remote, "--date", "2025-07-01", "--force", "--quiet")
		cmd.Dir = dir
		cmd.Env = append(append(os.Environ(), "METALAKE_LAKE="), env...)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(delay)
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
		killed = append(killed, cmd.Process.Pid)
	}
	must(t, metalakeEnv(t, dir, env, "run", "--lake", remote, "--date", "2025-07-01", "--quiet"), 0)
	sameLake(t, dir, env, clean, remote)
	entries, _ := os.ReadDir(filepath.Join(os.TempDir(), "metalake-work"))
	for _, e := range entries {
		for _, pid := range killed {
			if strings.Contains(e.Name(), "-"+strconv.Itoa(pid)+"-") {
				t.Errorf("the killed run's engine work dir %s was not removed", e.Name())
			}
		}
	}
}

// s3Lake starts an S3 server for the test and returns the environment that reaches it, the
// URI of an empty lake in a new bucket there, and a working directory.
func s3Lake(t *testing.T) (env []string, uri, dir string) {
	t.Helper()
	srv := s3test.Start(t)
	srv.BucketAt(t, "s3://lake", srv.Config())
	return srv.Env(), "s3://lake/meta", t.TempDir()
}

// sameLake compares two lakes layer by layer through metalake query (processing-time columns
// aside); the first lake must have rows.
func sameLake(t *testing.T, dir string, env []string, a, b string) {
	t.Helper()
	queries := []string{
		"SELECT run_date, COUNT(*), COUNT(DISTINCT user_id), SUM(hash(user_id, user_name, signup_ts, country_code, source_line)) FROM bronze.users GROUP BY 1 ORDER BY 1",
		"SELECT reject_reason, COUNT(*), SUM(hash(source_line)) FROM rejects.users GROUP BY 1 ORDER BY 1",
		"SELECT COUNT(*), SUM(hash(dataset_id, dataset_title, total_views)) FROM bronze.datasets_latest",
		"SELECT COUNT(*), SUM(hash(user_id, user_name, country_code, first_ingested_date, last_ingested_date)) FROM silver.users_latest",
		"SELECT COUNT(*), SUM(hash(dataset_id, tag)) FROM silver.tags_latest",
		"SELECT COUNT(*), COUNT(DISTINCT user_sk), SUM(hash(user_id, user_sk, country_code, is_current, last_observed_date)) FROM gold.dim_user",
		"SELECT * EXCLUDE (pipeline_run_id, created_at_ts) FROM gold.fact_competitions_yearly_latest ORDER BY 1",
	}
	for _, q := range queries {
		want := must(t, metalakeEnv(t, dir, env, "query", "--lake", a, "--format", "csv", q), 0).stdout
		got := must(t, metalakeEnv(t, dir, env, "query", "--lake", b, "--format", "csv", q), 0).stdout
		if strings.Count(want, "\n") < 2 {
			t.Errorf("%s: %s gave no rows:\n%s", q, a, want)
		}
		if got != want {
			t.Errorf("%s:\n%s:\n%s\n%s:\n%s", q, b, got, a, want)
		}
	}
}
