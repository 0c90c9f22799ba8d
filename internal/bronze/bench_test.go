package bronze_test

import (
	"context"
	"testing"
	"time"

	"github.com/metalake/metalake/internal/benchknobs"
	"github.com/metalake/metalake/internal/bronze"
	"github.com/metalake/metalake/internal/contract"
	"github.com/metalake/metalake/internal/engine"
	"github.com/metalake/metalake/internal/lake"
	"github.com/metalake/metalake/internal/storage"
	"github.com/metalake/metalake/internal/synth"
)

// BenchmarkBronze measures bronze on a generated Kaggle-layout day: all five tables one after
// the other, reporting raw MB/s and rows/s over the day and seconds per table (s_users, …).
//
// Knobs (environment): METALAKE_BENCH_USERS (default 200000: ≈ 12 MB of users.csv),
// METALAKE_BENCH_THREADS (engine threads, default all cores), METALAKE_BENCH_MEMORY (engine
// memory limit, default 2200MB as the CLI), METALAKE_BENCH_DIR (keep the generated raw day
// there and reuse it: 25 M users are 2.4 GB), e.g.
//
//	METALAKE_BENCH_USERS=25000000 METALAKE_BENCH_DIR=/data/bench25m \
//	  go test ./internal/bronze -run '^$' -bench Bronze -benchtime 1x -timeout 0
func BenchmarkBronze(b *testing.B) {
	k := benchknobs.Read(b, 200000, "2200MB")
	ctx := context.Background()
	eng, err := engine.Open(ctx, engine.Options{Threads: k.Threads, MemoryLimit: k.Memory, WorkDir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	defer eng.Close()
	set, err := contract.Default()
	if err != nil {
		b.Fatal(err)
	}
	bucket, err := storage.NewLocal(k.Dir)
	if err != nil {
		b.Fatal(err)
	}
	lk := lake.New(bucket)
	job := &bronze.Job{Lake: lk, Engine: eng, Contracts: set}
	start := time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC)
	d := lake.DateOf(start)

	tables := []string{"users", "datasets", "tags", "competitions", "kernels"}
	inputs := map[string][]string{"users": {"users"}, "datasets": {"datasets", "dataset_versions"},
		"tags": {"dataset_tags", "tags"}, "competitions": {"competitions"}, "kernels": {"kernels"}}
	if ok, err := lk.B.Exists(ctx, lake.RawKey("users", d)); err != nil || !ok {
		if _, err := synth.Generate(ctx, lk.B, synth.Options{Start: start, Days: 1, Users: k.Users, Seed: 1, DefectRate: 0.01}); err != nil {
			b.Fatal(err)
		}
	}
	var bytes int64
	for _, t := range tables {
		for _, raw := range inputs[t] {
			info, err := lk.B.Attributes(ctx, lake.RawKey(raw, d))
			if err != nil {
				b.Fatal(err)
			}
			bytes += info.Size
		}
	}
	perTable := map[string]time.Duration{}
	var rows int64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		rows = 0
		for _, table := range tables {
			t0 := time.Now()
			rep, err := job.Run(ctx, table, d)
			if err != nil {
				b.Fatal(err)
			}
			perTable[table] += time.Since(t0)
			rows += rep.InputCount
		}
	}
	sec := b.Elapsed().Seconds() / float64(b.N)
	b.ReportMetric(float64(bytes)/1e6/sec, "MB/s")
	b.ReportMetric(float64(rows)/sec, "rows/s")
	for t, dur := range perTable {
		b.ReportMetric(dur.Seconds()/float64(b.N), "s_"+t)
	}
}
