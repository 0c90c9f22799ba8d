package main_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/metalake/metalake/internal/storage/s3test"
)

// TestCLIOnS3Lake: the same commands on an S3 lake (a real S3 server) and on a local lake
// give the same lake: every layer's rows, rejects and reports agree, and a rerun is skipped.
func TestCLIOnS3Lake(t *testing.T) {
	t.Parallel()
	srv := s3test.Start(t)
	srv.BucketAt(t, "s3://e2e", srv.Config())
	env := srv.Env()
	dir := t.TempDir()
	local := filepath.Join(dir, "lake")
	remote := "s3://e2e/meta"
	for _, lake := range []string{local, remote} {
		must(t, metalakeEnv(t, dir, env, "generate", "--lake", lake, "--date", "2025-07-01", "--days", "2", "--users", "2000", "--seed", "5"), 0)
		must(t, metalakeEnv(t, dir, env, "run", "--lake", lake, "--date", "2025-07-01", "--to", "2025-07-02", "--quiet"), 0)
	}
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
		want := must(t, metalakeEnv(t, dir, env, "query", "--lake", local, "--format", "csv", q), 0).stdout
		got := must(t, metalakeEnv(t, dir, env, "query", "--lake", remote, "--format", "csv", q), 0).stdout
		if strings.Count(want, "\n") < 2 {
			t.Errorf("%s: the local lake gave no rows:\n%s", q, want)
		}
		if got != want {
			t.Errorf("%s:\nS3 lake:\n%s\nlocal lake:\n%s", q, got, want)
		}
	}
	r := must(t, metalakeEnv(t, dir, env, "run", "--lake", remote, "--date", "2025-07-02"), 0)
	if !strings.Contains(r.stdout+r.stderr, "already succeeded") {
		t.Errorf("rerun of a succeeded date on S3 was not skipped:\n%s%s", r.stdout, r.stderr)
	}
}
