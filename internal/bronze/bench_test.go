package bronze_test

import (
	"context"
	"testing"
	"time"

	"github.com/metalake/metalake/internal/lake"
	"github.com/metalake/metalake/internal/synth"
)

// BenchmarkBronze measures bronze on a generated Kaggle-layout day (200k users ≈ 12 MB of
// users.csv): raw MB/s and rows/s over all five tables, one after the other. The 25 M-user
// figures in docs/BENCHMARKS.md come from the CLI (see there).
func BenchmarkBronze(b *testing.B) {
	f := newFixture(b)
	ctx := context.Background()
	start := time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC)
	stats, err := synth.Generate(ctx, f.lake.B, synth.Options{Start: start, Days: 1, Users: 200000, Seed: 1, DefectRate: 0.01})
	if err != nil {
		b.Fatal(err)
	}
	var bytes, rows int64
	for _, ts := range stats.Days[0].Tables {
		bytes += ts.Bytes
		rows += ts.Rows
	}
	d := lake.DateOf(start)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, table := range []string{"users", "datasets", "tags", "competitions", "kernels"} {
			if _, err := f.job.Run(ctx, table, d); err != nil {
				b.Fatal(err)
			}
		}
	}
	sec := b.Elapsed().Seconds() / float64(b.N)
	b.ReportMetric(float64(bytes)/1e6/sec, "MB/s")
	b.ReportMetric(float64(rows)/sec, "rows/s")
}
