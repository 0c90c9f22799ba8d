package bronze_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/metalake/metalake/internal/bronze"
	"github.com/metalake/metalake/internal/dag"
	"github.com/metalake/metalake/internal/lake"
)

func TestCircuitBreakerKeepsEvidenceAndWithdrawsPartition(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	d := mustDate(t, "2024-01-01")

	// A first, clean attempt publishes a partition.
	f.putRaw(t, "users", "2024-01-01", usersHeader+goodUsers(0, 80))
	if _, err := f.job.Run(ctx, "users", d); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := f.lake.ReadManifest(ctx, lake.PartitionDir(lake.Bronze, "users", d)); !ok {
		t.Fatal("clean attempt did not publish")
	}

	// The corrected raw file of the same date has 20 % bad rows.
	f.putRaw(t, "users", "2024-01-01", usersHeader+goodUsers(0, 80)+strings.Repeat(",nobody,2024-01-01,VN\n", 20))
	rep, err := f.job.Run(ctx, "users", d)
	var te *bronze.RejectThresholdError
	if !errors.As(err, &te) {
		t.Fatalf("want RejectThresholdError, got %v", err)
	}
	if te.Table != "users" || te.RunDate != "2024-01-01" || te.Rate != 0.2 {
		t.Errorf("error fields %+v", te)
	}
	for _, s := range []string{"users", "2024-01-01", "0.2000"} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("message %q does not name %q", err, s)
		}
	}
	if dag.Retryable(err) {
		t.Error("a tripped breaker must not be retried")
	}
	if rep.Status != bronze.StatusFailed || rep.RejectCount != 20 {
		t.Errorf("report %+v", rep)
	}
	written := f.report(t, "users", "2024-01-01")
	if written["status"] != "FAILED" || written["rejection_rate"].(float64) != 0.2 {
		t.Errorf("written report: %v", written)
	}
	rej := f.query(t, lake.RejectsDir("users", d), "SELECT COUNT(*) AS n, MIN(reject_reason) AS r FROM t")
	if num(t, rej[0]["n"]) != 20 || rej[0]["r"] != "user_id is null" {
		t.Errorf("rejects: %v", rej[0])
	}
	if _, ok, _ := f.lake.ReadManifest(ctx, lake.PartitionDir(lake.Bronze, "users", d)); ok {
		t.Error("the earlier attempt's partition is still published")
	}
	var left []string
	f.lake.B.Iter(ctx, lake.PartitionDir(lake.Bronze, "users", d), func(n string) error { left = append(left, n); return nil })
	if len(left) != 0 {
		t.Errorf("withdrawn partition still holds %v", left)
	}
}
