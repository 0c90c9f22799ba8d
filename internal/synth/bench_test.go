package synth_test

import (
	"context"
	"io"
	"testing"
	"time"

	"github.com/metalake/metalake/internal/storage"
	"github.com/metalake/metalake/internal/synth"
)

// BenchmarkUsers measures the generator alone: one day of 1e6 users written to io.Discard
// on one goroutine.
func BenchmarkUsers(b *testing.B) {
	for _, layout := range []string{synth.LayoutKaggle, synth.LayoutPlan} {
		b.Run(layout, func(b *testing.B) {
			benchTable(b, layout, "users", 1_000_000)
		})
	}
}

// BenchmarkTables measures every table of the Kaggle layout for 1e5 users.
func BenchmarkTables(b *testing.B) {
	o := synth.Options{Start: time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC), Days: 1, Users: 100_000}
	for _, table := range o.Tables() {
		b.Run(table, func(b *testing.B) { benchTable(b, synth.LayoutKaggle, table, 100_000) })
	}
}

func benchTable(b *testing.B, layout, table string, users int) {
	o := synth.Options{
		Start: time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC), Days: 2, Users: users,
		Layout: layout, Seed: 42, DefectRate: 0.01,
	}
	var rows, bytes int64
	for b.Loop() {
		st, err := synth.WriteTable(context.Background(), io.Discard, o, 1, table)
		if err != nil {
			b.Fatal(err)
		}
		rows, bytes = st.Rows, st.Bytes
	}
	b.SetBytes(bytes)
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// discardBucket uploads into nothing, so BenchmarkGenerateDay measures the generator, the
// pipes and the table-level concurrency, not a storage backend.
type discardBucket struct{ *storage.Memory }

func (discardBucket) Upload(ctx context.Context, name string, r io.Reader) error {
	_, err := io.Copy(io.Discard, r)
	return err
}

// BenchmarkGenerateDay measures a whole Kaggle-layout day (every table, concurrently, up to
// GOMAXPROCS at a time) for 1e6 users.
func BenchmarkGenerateDay(b *testing.B) {
	o := synth.Options{Start: time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC), Days: 2, Users: 1_000_000, Seed: 42, DefectRate: 0.01}
	var rows, bytes int64
	for b.Loop() {
		ds, err := synth.GenerateDay(context.Background(), discardBucket{storage.NewMemory()}, o, 1)
		if err != nil {
			b.Fatal(err)
		}
		rows, bytes = 0, 0
		for _, ts := range ds.Tables {
			rows += ts.Rows
			bytes += ts.Bytes
		}
	}
	b.SetBytes(bytes)
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}
