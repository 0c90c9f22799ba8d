package config_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/metalake/metalake/internal/config"
)

func write(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "metalake.yaml")
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLoad(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, body string
		wantErr    string
		check      func(t *testing.T, c config.Config)
	}{
		{name: "empty file keeps defaults", body: "", check: func(t *testing.T, c config.Config) {
			if c.Pipeline.Retries.Silver != 2 || c.Pipeline.LockSettle != 200*time.Millisecond || c.Schedule.Cron != "0 2 * * *" || c.Schedule.TZ != "Asia/Bangkok" || c.Schedule.Offset != 1 {
				t.Errorf("defaults lost: %+v", c)
			}
		}},
		{name: "values override", body: "engine:\n  threads: 2\npipeline:\n  retry_delay: 5s\n  retries: {bronze: 3}\nschedule:\n  cron: \"30 1 * * *\"\n  tz: UTC\n", check: func(t *testing.T, c config.Config) {
			if c.Engine.Threads != 2 || c.Pipeline.RetryDelay != 5*time.Second || c.Pipeline.Retries.Bronze != 3 || c.Pipeline.Retries.Gold != 2 || c.Schedule.TZ != "UTC" || c.Schedule.Offset != 1 {
				t.Errorf("overrides: %+v", c)
			}
		}},
		{name: "unknown key names its line", body: "engine:\n  threads: 2\n  memry_limit: 1GB\n", wantErr: "line 3: field memry_limit not found"},
		{name: "bad threshold", body: "pipeline:\n  reject_threshold: 5\n", wantErr: "pipeline.reject_threshold"},
		{name: "lock settle", body: "pipeline:\n  lock_settle: 2s\n", check: func(t *testing.T, c config.Config) {
			if c.Pipeline.LockSettle != 2*time.Second {
				t.Errorf("pipeline.lock_settle = %s, want 2s", c.Pipeline.LockSettle)
			}
		}},
		{name: "lock settle zero", body: "pipeline:\n  lock_settle: 0s\n", wantErr: "pipeline.lock_settle = 0s"},
		{name: "lock settle too long", body: "pipeline:\n  lock_settle: 5m\n", wantErr: "pipeline.lock_settle = 5m0s"},
		{name: "bad time zone", body: "schedule:\n  tz: Mars/Olympus\n", wantErr: "Mars/Olympus"},
		{name: "bad notify policy", body: "notify:\n  on: sometimes\n", wantErr: "sometimes"},
		{name: "spark engine", body: "engine:\n  kind: spark\n  spark:\n    remote: sc://spark.internal:15002\n", check: func(t *testing.T, c config.Config) {
			kind, err := c.EngineKind("")
			if err != nil || kind != config.EngineSpark {
				t.Errorf("engine kind = %q, %v; want spark", kind, err)
			}
			if kind, _ := c.EngineKind("duckdb"); kind != config.EngineDuckDB {
				t.Errorf("--engine duckdb does not override engine.kind: %q", kind)
			}
			remote, err := c.SparkRemote(func(string) string { return "" })
			if err != nil || remote != "sc://spark.internal:15002" {
				t.Errorf("remote = %q, %v", remote, err)
			}
			remote, err = c.SparkRemote(func(k string) string {
				if k == config.SparkRemoteEnv {
					return "sc://127.0.0.1:15999"
				}
				return ""
			})
			if err != nil || remote != "sc://127.0.0.1:15999" {
				t.Errorf("METALAKE_SPARK_REMOTE does not override engine.spark.remote: %q, %v", remote, err)
			}
		}},
		{name: "unknown engine kind", body: "engine:\n  kind: presto\n", wantErr: "engine.kind: engine \"presto\": use duckdb"},
		{name: "spark remote not sc://", body: "engine:\n  spark:\n    remote: http://host:15002\n", wantErr: "engine.spark.remote"},
		{name: "spark conf", body: "engine:\n  spark:\n    conf:\n      fs.s3a.endpoint: http://127.0.0.1:9000\n      fs.s3a.path.style.access: \"true\"\n", check: func(t *testing.T, c config.Config) {
			if got := c.Engine.Spark.Conf; len(got) != 2 || got["fs.s3a.endpoint"] != "http://127.0.0.1:9000" || got["fs.s3a.path.style.access"] != "true" {
				t.Errorf("engine.spark.conf = %v", got)
			}
		}},
		{name: "spark conf bad key", body: "engine:\n  spark:\n    conf:\n      \"fs.s3a.endpoint = x\": y\n", wantErr: "engine.spark.conf key"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, err := config.Load(write(t, tc.body), true)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) || strings.Contains(err.Error(), "\n") {
					t.Fatalf("error %v, want one line containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tc.check(t, c)
		})
	}
}

func TestSparkRemoteRequired(t *testing.T) {
	t.Parallel()
	_, err := config.Default().SparkRemote(func(string) string { return "" })
	if err == nil || !strings.Contains(err.Error(), "engine.spark.remote") || !strings.Contains(err.Error(), config.SparkRemoteEnv) {
		t.Errorf("no remote: %v; want an error naming engine.spark.remote and %s", err, config.SparkRemoteEnv)
	}
	if _, err := config.Default().EngineKind("sparkk"); err == nil || !strings.Contains(err.Error(), `"sparkk"`) {
		t.Errorf("--engine sparkk: %v", err)
	}
}

func TestMissingFile(t *testing.T) {
	t.Parallel()
	if _, err := config.Load(filepath.Join(t.TempDir(), "nope.yaml"), false); err != nil {
		t.Errorf("optional missing file: %v", err)
	}
	if _, err := config.Load(filepath.Join(t.TempDir(), "nope.yaml"), true); err == nil {
		t.Error("explicit missing file accepted")
	}
}
