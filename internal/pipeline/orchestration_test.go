package pipeline_test

import (
	"context"
	"errors"
	"io"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/metalake/metalake/internal/bronze"
	"github.com/metalake/metalake/internal/dag"
	"github.com/metalake/metalake/internal/lake"
	"github.com/metalake/metalake/internal/notify"
	"github.com/metalake/metalake/internal/pipeline"
	"github.com/metalake/metalake/internal/storage"
)

// flaky fails the first upload under a prefix with an I/O error, as a network store would.
type flaky struct {
	storage.Bucket
	mu     sync.Mutex
	prefix string
	failed bool
}

func (f *flaky) Upload(ctx context.Context, name string, r io.Reader) error {
	f.mu.Lock()
	fail := !f.failed && strings.HasPrefix(name, f.prefix)
	f.failed = f.failed || fail
	f.mu.Unlock()
	if fail {
		return errors.New("connection reset by peer")
	}
	return f.Bucket.Upload(ctx, name, r)
}

type recorder struct {
	mu   sync.Mutex
	msgs []notify.Message
}

func (r *recorder) Notify(_ context.Context, m notify.Message) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.msgs = append(r.msgs, m)
	return nil
}

func rawPath(t *testing.T, r *pipeline.Runner, table string, d lake.Date) string {
	t.Helper()
	p, ok := r.Lake.B.(storage.LocalPather).LocalPath(lake.RawKey(table, d))
	if !ok {
		t.Fatalf("no raw %s for %s", table, d)
	}
	return p
}

func TestTransientFailureIsRetried(t *testing.T) {
	t.Parallel()
	r, dates := newRunner(t, 1)
	r.BronzeRetries = 1
	r.Lake = lake.New(&flaky{Bucket: r.Lake.B, prefix: "bronze/users/"})
	st, err := r.Run(context.Background(), dates[0], pipeline.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if ts := taskState(st, "bronze_users"); ts.Status != dag.Success || ts.Attempts != 2 {
		t.Errorf("bronze_users %+v, want success after 2 attempts", ts)
	}
}

func TestCircuitBreakerIsNotRetriedAndResumeRerunsOnlyWhatFailed(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	r, dates := newRunner(t, 1)
	r.BronzeRetries = 3
	rec := &recorder{}
	r.Notifier = rec
	d := dates[0]
	path := rawPath(t, r, "users", d)
	good, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimRight(string(good), "\n"), "\n")
	bad := append([]string{}, lines...)
	for i := 0; i < len(lines)/3; i++ {
		bad = append(bad, ",ghost,01/01/2024,1,,")
	}
	if err := os.WriteFile(path, []byte(strings.Join(bad, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	first, err := r.Run(ctx, d, pipeline.Options{})
	var te *bronze.RejectThresholdError
	if !errors.As(err, &te) {
		t.Fatalf("want the circuit breaker, got %v", err)
	}
	if ts := taskState(first, "bronze_users"); ts.Status != dag.Failed || ts.Attempts != 1 {
		t.Errorf("bronze_users %+v: a data-contract failure must not be retried", ts)
	}
	if ts := taskState(first, "silver_users"); ts.Status != dag.UpstreamFailed {
		t.Errorf("silver_users %+v, want upstream_failed", ts)
	}
	if len(rec.msgs) != 1 || !rec.msgs[0].Failed || !strings.Contains(rec.msgs[0].Subject, d.String()) {
		t.Errorf("failure notification: %+v", rec.msgs)
	}

	// Fix the input, resume: only bronze_users and what depends on it run again.
	if err := os.WriteFile(path, good, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Run(ctx, d, pipeline.Options{Resume: true, Force: true}); !errors.Is(err, pipeline.ErrResumeWithForce) {
		t.Errorf("--resume --force: %v", err)
	}
	second, err := r.Run(ctx, d, pipeline.Options{Resume: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"bronze_datasets", "bronze_kernels", "check_raw_files"} {
		before, after := taskState(first, id), taskState(second, id)
		if after.Status != dag.Success || after.Attempts != 1 || !after.StartedAt.Equal(*before.StartedAt) {
			t.Errorf("%s was rerun on resume: before %+v after %+v", id, before, after)
		}
	}
	for _, id := range []string{"bronze_users", "bronze_summary", "silver_users", "silver_datasets", "pipeline_summary"} {
		if after := taskState(second, id); after.Status != dag.Success || !after.StartedAt.After(*taskState(first, "check_raw_files").StartedAt) {
			t.Errorf("%s not rerun on resume: %+v", id, after)
		}
	}
	if s := summary(t, r, d); s.OverallStatus != "SUCCESS" || s.Layers.Silver.TablesProcessed != 5 {
		t.Errorf("summary after resume: %+v", s)
	}
	if len(rec.msgs) != 2 || rec.msgs[1].Failed {
		t.Errorf("success notification: %+v", rec.msgs)
	}
	// Nothing left to resume.
	if _, err := r.Run(ctx, d, pipeline.Options{Resume: true}); !errors.Is(err, pipeline.ErrAlreadySucceeded) {
		t.Errorf("resume of a complete date: %v", err)
	}
}

func TestRerunThatChangesOutputsMarksLaterDatesStale(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	r, dates := newRunner(t, 3)
	for _, d := range dates {
		if _, err := r.Run(ctx, d, pipeline.Options{}); err != nil {
			t.Fatal(err)
		}
	}
	// A rerun that changes nothing marks nothing.
	st, err := r.Run(ctx, dates[1], pipeline.Options{Force: true})
	if err != nil || len(st.MarkedStale) != 0 {
		t.Fatalf("identical rerun marked %v stale (%v)", st.MarkedStale, err)
	}
	// Rename a user on day 1 and rerun it: days 2 and 3 are stale.
	path := rawPath(t, r, "users", dates[0])
	b, _ := os.ReadFile(path)
	lines := strings.Split(string(b), "\n")
	fields := strings.SplitN(lines[1], ",", 3)
	fields[1] = "renamed_by_test"
	lines[1] = strings.Join(fields, ",")
	os.WriteFile(path, []byte(strings.Join(lines, "\n")), 0o644)
	st, err = r.Run(ctx, dates[0], pipeline.Options{Force: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(st.MarkedStale) != 2 {
		t.Fatalf("marked stale: %v, want the two later dates", st.MarkedStale)
	}
	for _, d := range dates[1:] {
		later, _, _ := pipeline.LoadState(ctx, r.Lake, d)
		if !later.Stale || !strings.Contains(later.StaleReason, "--force") || !summary(t, r, d).Stale {
			t.Errorf("%s: stale %v %q summary %v", d, later.Stale, later.StaleReason, summary(t, r, d).Stale)
		}
	}
	// Recomputing in order clears it.
	for _, d := range dates[1:] {
		if _, err := r.Run(ctx, d, pipeline.Options{Force: true}); err != nil {
			t.Fatal(err)
		}
		if later, _, _ := pipeline.LoadState(ctx, r.Lake, d); later.Stale {
			t.Errorf("%s still stale after recompute", d)
		}
	}
}

func TestFullSilverRecoversAMissingPreviousPartition(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	r, dates := newRunner(t, 2)
	for _, d := range dates {
		if _, err := r.Run(ctx, d, pipeline.Options{}); err != nil {
			t.Fatal(err)
		}
	}
	before, _, _ := pipeline.LoadState(ctx, r.Lake, dates[1])
	// Day 1's silver users partition is lost.
	if err := r.Lake.Withdraw(ctx, lake.PartitionDir(lake.Silver, "users", dates[0])); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Run(ctx, dates[1], pipeline.Options{Force: true}); err == nil || !strings.Contains(err.Error(), dates[0].String()) {
		t.Fatalf("incremental silver without its previous partition: %v", err)
	}
	r.SilverFull = true
	after, err := r.Run(ctx, dates[1], pipeline.Options{Force: true})
	if err != nil {
		t.Fatal(err)
	}
	// Full recomputation gives the same silver as the incremental run did.
	if before.Fingerprint["silver.users"] == "" || after.Fingerprint["silver.users"] != before.Fingerprint["silver.users"] {
		t.Errorf("full silver users %q, incremental %q", after.Fingerprint["silver.users"], before.Fingerprint["silver.users"])
	}
}

// TestForcedRerunWithFailingBronzeDoesNotBuildOnTheOldPartition: the date succeeded once; its
// raw users file is then replaced by one bronze cannot read (an unknown header). The forced
// rerun's bronze_users fails without withdrawing the earlier partition, and silver must not
// build on that partition as if bronze had just succeeded: check_bronze_completion fails
// naming the table, silver and gold do not run, and the summary says FAILED.
func TestForcedRerunWithFailingBronzeDoesNotBuildOnTheOldPartition(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	r, dates := newRunner(t, 1)
	d := dates[0]
	if _, err := r.Run(ctx, d, pipeline.Options{}); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(rawPath(t, r, "users", d), []byte("Who,What\n1,2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	st, err := r.Run(ctx, d, pipeline.Options{Force: true})
	if err == nil {
		t.Fatal("forced rerun with an unreadable users file succeeded")
	}
	if _, ok, _ := r.Lake.ReadManifest(ctx, lake.PartitionDir(lake.Bronze, "users", d)); !ok {
		t.Fatal("precondition: the earlier bronze users partition should still be there")
	}
	check := taskState(st, "check_bronze_completion")
	if check.Status != dag.Failed || !strings.Contains(check.Error, "bronze users did not succeed in this run") {
		t.Errorf("check_bronze_completion %+v, want failed naming users", check)
	}
	for _, id := range []string{"silver_users", "silver_datasets", "gold_dim_user"} {
		if ts := taskState(st, id); ts.Status != dag.UpstreamFailed {
			t.Errorf("%s %+v, want upstream_failed", id, ts)
		}
	}
	if s := summary(t, r, d); s.OverallStatus != "FAILED" || s.Layers.Bronze.Status != "FAILED" {
		t.Errorf("summary: overall %s, bronze %s; want FAILED, FAILED", s.OverallStatus, s.Layers.Bronze.Status)
	}
}

// failingReads fails every read of key while on is set, as a store that went away would.
type failingReads struct {
	storage.Bucket
	key string
	on  atomic.Bool
}

func (f *failingReads) Get(ctx context.Context, name string) (io.ReadCloser, error) {
	if f.on.Load() && name == f.key {
		return nil, errors.New("connection reset by peer")
	}
	return f.Bucket.Get(ctx, name)
}

// TestFailedStaleCheckIsResumable: when every task succeeded but the final stale check could
// not read the outputs, the date is failed (not left running, nor called a success), and
// --resume finishes it without rerunning a task.
func TestFailedStaleCheckIsResumable(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	r, dates := newRunner(t, 1)
	d := dates[0]
	fr := &failingReads{Bucket: r.Lake.B, key: lake.PartitionDir(lake.Silver, "users", d) + lake.ManifestName}
	r.Lake = lake.New(fr)
	r.Observe = func(_ lake.Date, res dag.Result) {
		if res.ID == "notify" && res.Status == dag.Success {
			fr.on.Store(true) // the DAG is done: only the stale check reads after this
		}
	}
	first, err := r.Run(ctx, d, pipeline.Options{})
	if err == nil || !strings.Contains(err.Error(), "stale check") {
		t.Fatalf("run whose stale check cannot read: %v, want a stale check error", err)
	}
	if st, _, _ := pipeline.LoadState(ctx, r.Lake, d); st.Status != pipeline.StatusFailed || !strings.Contains(st.Error, "stale check") {
		t.Errorf("state after the failed stale check: %s %q, want failed with the cause", st.Status, st.Error)
	}
	fr.on.Store(false)
	r.Observe = nil
	second, err := r.Run(ctx, d, pipeline.Options{Resume: true})
	if err != nil {
		t.Fatalf("resume: %v", err)
	}
	if second.Status != pipeline.StatusSuccess || second.Error != "" || len(second.Fingerprint) == 0 {
		t.Errorf("state after resume: %s %q, fingerprint %v", second.Status, second.Error, second.Fingerprint)
	}
	for _, id := range []string{"bronze_users", "silver_users", "gold_dim_user"} {
		if a, b := taskState(first, id), taskState(second, id); !b.StartedAt.Equal(*a.StartedAt) || b.Attempts != a.Attempts {
			t.Errorf("resume reran %s: %+v then %+v", id, a, b)
		}
	}
	if _, err := r.Run(ctx, d, pipeline.Options{Resume: true}); !errors.Is(err, pipeline.ErrAlreadySucceeded) {
		t.Errorf("resume of the finished date: %v, want already succeeded", err)
	}
}
