package bronze_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/metalake/metalake/internal/bronze"
	"github.com/metalake/metalake/internal/lake"
	"github.com/metalake/metalake/internal/storage"
)

// jobFuzzTables are the raw files FuzzJobAccounting can write: a fixed, valid header per
// layout, so every input reaches the engine's CSV reader and the contract's rules rather than
// stopping at header detection (FuzzReadHeader covers that).
var jobFuzzTables = []struct{ table, raw, header string }{
	{"users", "users", "Id,UserName,RegisterDate,Country\n"},
	{"users", "users", "Id,UserName,DisplayName,RegisterDate,PerformanceTier,Country\n"},
	{"tags", "tags", "DatasetId,Tags\n"},
}

// FuzzJobAccounting runs the real bronze job, on a real embedded engine, over a raw file made
// of a fixed valid header and a fuzzed body (one input takes a few tens of milliseconds, so
// this fuzzes slowly but end to end). Whatever the body, the job must either fail with one
// line naming the table and date that is a contract error or the circuit breaker (whose
// report still accounts for every row), or succeed with
//
//	input_count = output_count + reject_count + duplicates_removed
//
// with the committed partitions holding exactly output_count and reject_count rows, and, for
// a table with one row per record (users), no more input rows than the body has lines (ended
// by LF, CRLF or a lone CR).
func FuzzJobAccounting(f *testing.F) {
	fx := newFixture(f)
	f.Fuzz(func(t *testing.T, layout uint8, body string) {
		spec := jobFuzzTables[int(layout)%len(jobFuzzTables)]
		job := *fx.job
		job.Lake = lake.New(storage.NewMemory())
		d, _ := lake.ParseDate("2024-01-01")
		ctx := context.Background()
		if err := storage.PutBytes(ctx, job.Lake.B, lake.RawKey(spec.raw, d), []byte(spec.header+body)); err != nil {
			t.Fatal(err)
		}
		rep, err := job.Run(ctx, spec.table, d)
		if rep != nil {
			t.Logf("input %d output %d rejects %d duplicates %d, err %v", rep.InputCount, rep.OutputCount, rep.RejectCount, rep.DuplicatesRemoved, err)
		} else {
			t.Logf("err %v", err)
		}
		if err != nil {
			msg := err.Error()
			if strings.Contains(msg, "\n") || !strings.Contains(msg, spec.table) || !strings.Contains(msg, "2024-01-01") {
				t.Fatalf("body %q: error %q, want one line naming %s and 2024-01-01", body, msg, spec.table)
			}
			var ce *bronze.ContractError
			var rt *bronze.RejectThresholdError
			switch {
			case errors.As(err, &rt):
				if rep == nil || rep.Status != bronze.StatusFailed {
					t.Fatalf("body %q: breaker tripped without a failed report: %+v", body, rep)
				}
			case errors.As(err, &ce):
				return
			default:
				t.Fatalf("body %q: error %v (%T) is neither a contract error nor the breaker", body, err, err)
			}
		}
		if rep.InputCount != rep.OutputCount+rep.RejectCount+rep.DuplicatesRemoved || rep.OutputCount < 0 || rep.RejectCount < 0 {
			t.Fatalf("body %q: input %d != output %d + rejects %d + duplicates %d",
				body, rep.InputCount, rep.OutputCount, rep.RejectCount, rep.DuplicatesRemoved)
		}
		var reasons int64
		for _, r := range rep.TopRejectReasons {
			reasons += r.Count
		}
		if reasons > rep.RejectCount {
			t.Fatalf("body %q: reject reasons count %d rows, reject_count is %d", body, reasons, rep.RejectCount)
		}
		if spec.table == "users" {
			// A line ends in LF, CRLF or a lone CR (the engine's reader takes all three).
			breaks := strings.Count(strings.ReplaceAll(body, "\r\n", "\n"), "\n") + strings.Count(strings.ReplaceAll(body, "\r\n", "\n"), "\r")
			if lines := int64(breaks + 1); rep.InputCount > lines {
				t.Fatalf("body %q: %d input rows from %d lines", body, rep.InputCount, lines)
			}
		}
		committed := func(dir string) int64 {
			m, ok, err := job.Lake.ReadManifest(ctx, dir)
			if err != nil || !ok {
				t.Fatalf("body %q: partition %s not committed (%v)", body, dir, err)
			}
			return m.Rows
		}
		if n := committed(lake.RejectsDir(spec.table, d)); n != rep.RejectCount {
			t.Fatalf("body %q: rejects partition holds %d rows, report says %d", body, n, rep.RejectCount)
		}
		if err == nil {
			if n := committed(lake.PartitionDir(lake.Bronze, spec.table, d)); n != rep.OutputCount {
				t.Fatalf("body %q: partition holds %d rows, report says %d", body, n, rep.OutputCount)
			}
		}
	})
}
