package silver_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/metalake/metalake/internal/benchknobs"
	"github.com/metalake/metalake/internal/engine"
	"github.com/metalake/metalake/internal/lake"
	"github.com/metalake/metalake/internal/silver"
	"github.com/metalake/metalake/internal/synth"
)

// BenchmarkSilver measures silver for one run date (all five tables, in pipeline order) on a
// generated Kaggle-layout lake: on day 2 and on the last day incrementally — the cost must not
// grow with history — and on the last day in full mode for contrast (it reads every bronze
// partition). Each iteration reruns the date (replacing its partitions with identical rows).
//
// Knobs (environment): METALAKE_BENCH_USERS (default 20000), METALAKE_BENCH_DAYS (default 30),
// METALAKE_BENCH_MEMORY (engine memory limit, default 3GB), METALAKE_BENCH_DIR (keep the lake
// there and reuse it on the next run: the setup of a 25 M-user lake takes a while), e.g.
//
//	METALAKE_BENCH_USERS=25000000 METALAKE_BENCH_DAYS=2 METALAKE_BENCH_DIR=/data/bench25m \
//	  go test ./internal/silver -run '^$' -bench Silver -benchtime 1x -timeout 0
func BenchmarkSilver(b *testing.B) {
	k := benchknobs.Read(b, 20000, "3GB")
	users, root := k.Users, k.Dir
	days := benchknobs.Int(b, "METALAKE_BENCH_DAYS", 30)
	if days < 2 {
		b.Fatal("METALAKE_BENCH_DAYS must be at least 2")
	}
	ctx := context.Background()
	eng, err := engine.Open(ctx, engine.Options{Threads: k.Threads, MemoryLimit: k.Memory, WorkDir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	defer eng.Close()
	e := newEnvOn(b, eng, root)
	start := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	var dates []string
	for i := range days {
		dates = append(dates, start.AddDate(0, 0, i).Format(time.DateOnly))
	}
	last := dates[len(dates)-1]
	// Setup, skipped for what an earlier run left in METALAKE_BENCH_DIR.
	t0 := time.Now()
	for i, d := range dates {
		if _, ok, _ := e.lake.ReadManifest(ctx, lake.PartitionDir(lake.Bronze, "kernels", mustDate(b, d))); !ok {
			if _, err := synth.GenerateDay(ctx, e.lake.B, synth.Options{Start: start, Days: days, Users: users,
				Layout: synth.LayoutKaggle, Seed: 11, DefectRate: 0.01}, i); err != nil {
				b.Fatal(err)
			}
			e.runBronze(b, d, "users", "datasets", "tags", "competitions", "kernels")
		}
		if _, ok := e.files(b, lake.PartitionDir(lake.Silver, "kernels", mustDate(b, d))); !ok {
			e.runSilver(b, d, silverOrder...)
		}
	}
	b.Logf("setup (%d users, %d days): %v", users, days, time.Since(t0).Round(time.Second))

	for _, c := range []struct {
		name string
		date string
		mode silver.Mode
	}{
		{"day2/incremental", dates[1], silver.Incremental},
		{fmt.Sprintf("day%d/incremental", days), last, silver.Incremental},
		{fmt.Sprintf("day%d/full", days), last, silver.Full},
	} {
		b.Run(c.name, func(b *testing.B) {
			var input, output int64
			for b.Loop() {
				input, output = 0, 0
				for _, rep := range e.runSilverMode(b, c.date, c.mode, silverOrder...) {
					input += rep.InputCount
					output += rep.OutputCount
				}
			}
			b.ReportMetric(float64(input), "input_rows")
			b.ReportMetric(float64(output), "output_rows")
		})
	}
}

// silverOrder is the pipeline's order of the silver tables.
var silverOrder = []string{"users", "datasets", "kernels", "competitions", "tags"}
