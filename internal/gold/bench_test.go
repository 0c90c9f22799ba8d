package gold_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/metalake/metalake/internal/benchknobs"
	"github.com/metalake/metalake/internal/engine"
	"github.com/metalake/metalake/internal/gold"
	"github.com/metalake/metalake/internal/lake"
	"github.com/metalake/metalake/internal/storage"
)

// BenchmarkGold builds all of gold (five dimensions, three facts, the bridge, in dependency
// order, one at a time) for day 1 of an empty gold layer and for day 2 on top of day 1, over
// silver generated in SQL: METALAKE_BENCH_USERS users (default 200,000), one dataset per 50
// users with two tags each from 800 tags, 10,000 competitions; on day 2, 0.2 % new users, 1 %
// of users change country, 0.5 % new datasets, 1 % of datasets change title, every dataset's
// views grow. Reported: seconds per table (s_{table}) and in all (s_gold).
//
//	go test ./internal/gold -run '^$' -bench Gold -benchtime 3x
//	METALAKE_BENCH_USERS=25000000 METALAKE_BENCH_DIR=/data/gold25m METALAKE_BENCH_MEMORY=8GB \
//	  go test ./internal/gold -run '^$' -bench Gold -benchtime 1x -timeout 0
//
// METALAKE_BENCH_DIR keeps the generated silver (reused when its user count matches);
// METALAKE_BENCH_THREADS bounds the engine's threads (default: all cores).
func BenchmarkGold(b *testing.B) {
	k := benchknobs.Read(b, 200_000, "3GB")
	users := k.Users
	ctx := context.Background()
	eng, err := engine.Open(ctx, engine.Options{Threads: k.Threads, MemoryLimit: k.Memory, WorkDir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	defer eng.Close()
	bucket, err := storage.NewLocal(k.Dir)
	if err != nil {
		b.Fatal(err)
	}
	lk := lake.New(bucket)
	day1, day2 := mustDate(b, "2024-03-01"), mustDate(b, "2024-03-02")
	setup := time.Now()
	if err := benchSilver(ctx, lk, eng, users, day1, day2); err != nil {
		b.Fatal(err)
	}
	b.Logf("silver for %d users ready in %.1fs", users, time.Since(setup).Seconds())

	for _, day := range []lake.Date{day1, day2} {
		b.Run(fmt.Sprintf("users=%d/day=%s", users, day), func(b *testing.B) {
			times := map[string]time.Duration{}
			for range b.N {
				b.StopTimer()
				for _, dir := range []string{"gold", "_state/gold"} {
					if err := os.RemoveAll(filepath.Join(k.Dir, filepath.FromSlash(dir))); err != nil {
						b.Fatal(err)
					}
				}
				job := &gold.Job{Lake: lk, Engine: eng, RunID: "bench"}
				if day == day2 {
					if err := runGold(ctx, job, day1, nil); err != nil {
						b.Fatal(err)
					}
				}
				b.StartTimer()
				if err := runGold(ctx, job, day, times); err != nil {
					b.Fatal(err)
				}
			}
			var total time.Duration
			for table, d := range times {
				b.ReportMetric(d.Seconds()/float64(b.N), "s_"+table)
				total += d
			}
			b.ReportMetric(total.Seconds()/float64(b.N), "s_gold")
		})
	}
}

func runGold(ctx context.Context, job *gold.Job, d lake.Date, times map[string]time.Duration) error {
	for _, t := range gold.Tables() {
		start := time.Now()
		if err := job.Run(ctx, t.Name, d); err != nil {
			return err
		}
		if times != nil {
			times[t.Name] += time.Since(start)
		}
	}
	return nil
}

// benchSilver publishes silver users, datasets, tags and competitions for both days, unless a
// kept lake already holds them for this many users.
func benchSilver(ctx context.Context, lk *lake.Lake, eng engine.Engine, users int, day1, day2 lake.Date) error {
	marker := fmt.Sprintf("_bench/gold_silver_%d.json", users)
	if ok, err := lk.B.Exists(ctx, marker); err != nil || ok {
		return err
	}
	s, err := eng.Session(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	n := users
	nd := max(n/50, 10)
	for i, d := range []lake.Date{day1, day2} {
		second := i == 1
		nu, nds := n, nd
		if second {
			nu, nds = n+n/500, nd+nd/200
		}
		change := func(mod int) string {
			if second {
				return fmt.Sprintf("i %% %d = 7", mod)
			}
			return "false"
		}
		tables := map[string]string{
			"users": fmt.Sprintf(`SELECT CAST(i AS VARCHAR) AS user_id, 'user' || CAST(i AS VARCHAR) AS user_name,
  CASE WHEN %s THEN 'ZZ' ELSE chr(65 + CAST(i %% 26 AS INTEGER)) || chr(65 + CAST((i // 26) %% 26 AS INTEGER)) END AS country_code,
  TIMESTAMP '2010-01-01' + to_days(CAST(i %% 4000 AS INTEGER)) AS signup_ts
FROM range(%d) t(i)`, change(100), nu),
			"datasets": fmt.Sprintf(`SELECT CAST(i AS VARCHAR) AS dataset_id,
  CASE WHEN %s THEN 'title v2 ' ELSE 'title ' END || CAST(i AS VARCHAR) AS dataset_title, NULL::VARCHAR AS dataset_subtitle,
  CAST((i * 37) %% %d AS VARCHAR) AS owner_user_id, i %% 10 = 0 AS is_private, 'dataset' AS dataset_type,
  TIMESTAMP '2015-01-01' + to_days(CAST(i %% 3000 AS INTEGER)) AS created_ts,
  TIMESTAMP '2023-01-01' + to_days(CAST(i %% 300 AS INTEGER)) AS updated_ts,
  CAST(i %% 5000 + %d AS BIGINT) AS total_views, CAST(i %% 500 AS BIGINT) AS total_downloads,
  CASE WHEN i %% 500 > 0 THEN CAST(i %% 5000 + %d AS DOUBLE) / (i %% 500) END AS views_downloads_ratio
FROM range(%d) t(i)`, change(100), n, i*10, i*10, nds),
			"tags": fmt.Sprintf(`WITH p AS (
  SELECT DISTINCT CAST(i AS VARCHAR) AS dataset_id, 'tag-' || CAST(x AS VARCHAR) AS tag
  FROM range(%d) t(i), (SELECT 0 AS k UNION ALL SELECT 1) ks,
       LATERAL (SELECT CASE WHEN k = 0 THEN i %% 800 ELSE (i * 7 + 3) %% 800 END AS x) xs)
SELECT dataset_id, tag, 'rare' AS tag_category, COUNT(*) OVER (PARTITION BY tag) AS dataset_count FROM p`, nds),
			"competitions": `SELECT CAST(i AS VARCHAR) AS competition_id, 'c' || CAST(i AS VARCHAR) AS slug, 'C ' || CAST(i AS VARCHAR) AS title,
  ['Featured', 'Research', 'Playground', 'Getting Started', 'InClass', NULL][CAST(i % 6 AS INTEGER) + 1] AS host_segment_title,
  TIMESTAMP '2010-01-01' + to_days(CAST(i % 5000 AS INTEGER)) AS enabled_ts, NULL::TIMESTAMP AS deadline_ts,
  CASE WHEN i % 3 = 0 THEN 'USD' ELSE 'Knowledge' END AS reward_type, CAST(i % 100 AS DOUBLE) * 100 AS reward_quantity,
  3::BIGINT AS num_prizes, 5::BIGINT AS max_team_size, CAST(i % 300 AS BIGINT) AS total_teams,
  CAST(i % 300 + i % 7 AS BIGINT) AS total_competitors, CAST(i % 3000 AS BIGINT) AS total_submissions
FROM range(10000) t(i)`,
		}
		for table, q := range tables {
			files, err := s.WriteParquet(ctx, q, engine.Output{})
			if err != nil {
				return fmt.Errorf("%s: %w", table, err)
			}
			lf := make([]lake.File, len(files))
			for j, f := range files {
				lf[j] = lake.File{Path: f.Path, Rows: f.Rows}
			}
			if _, err := lk.Publish(ctx, lake.PartitionDir(lake.Silver, table, d),
				lake.Manifest{Layer: lake.Silver, Table: table, RunDate: d.String(), Attempt: lake.NewAttemptID(time.Now())}, lf); err != nil {
				return err
			}
		}
	}
	return lk.PutJSON(ctx, marker, map[string]int{"users": users})
}
