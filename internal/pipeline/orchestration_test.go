package pipeline_test

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
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

// renameUser renames the first user of a raw users file, a change that reaches silver.
func renameUser(t *testing.T, path string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(b), "\n")
	fields := strings.SplitN(lines[1], ",", 3)
	fields[1] = "renamed_by_test"
	lines[1] = strings.Join(fields, ",")
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")), 0o644); err != nil {
		t.Fatal(err)
	}
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

// dying stops writing once dead is set, as a killed process would: nothing more lands.
type dying struct {
	storage.Bucket
	dead atomic.Bool
}

func (b *dying) Upload(ctx context.Context, name string, r io.Reader) error {
	if b.dead.Load() {
		return errors.New("killed")
	}
	return b.Bucket.Upload(ctx, name, r)
}

func (b *dying) Delete(ctx context.Context, name string) error {
	if b.dead.Load() {
		return errors.New("killed")
	}
	return b.Bucket.Delete(ctx, name)
}

// TestDailyRunRecordsNoFingerprint: dates run in order, each the newest, as the daily run does
// (and a forced rerun of the newest date): nothing can go stale, so no fingerprint is computed
// or recorded, and every run succeeds.
func TestDailyRunRecordsNoFingerprint(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	r, dates := newRunner(t, 2)
	runs := []struct {
		d lake.Date
		o pipeline.Options
	}{{dates[0], pipeline.Options{}}, {dates[1], pipeline.Options{}}, {dates[1], pipeline.Options{Force: true}}}
	for _, run := range runs {
		st, err := r.Run(ctx, run.d, run.o)
		if err != nil {
			t.Fatalf("%s %+v: %v", run.d, run.o, err)
		}
		saved, _, err := pipeline.LoadState(ctx, r.Lake, run.d)
		if err != nil {
			t.Fatal(err)
		}
		if st.Status != pipeline.StatusSuccess || len(st.Fingerprint) != 0 || len(saved.Fingerprint) != 0 || len(st.MarkedStale) != 0 {
			t.Errorf("%s %+v: %s, fingerprint %v (saved %v), marked stale %v; want success without a fingerprint",
				run.d, run.o, st.Status, st.Fingerprint, saved.Fingerprint, st.MarkedStale)
		}
	}
	if st, _, _ := pipeline.LoadState(ctx, r.Lake, dates[0]); st.Stale {
		t.Errorf("%s stale after runs of the newest date: %s", dates[0], st.StaleReason)
	}
}

// TestRerunThatChangesOutputsMarksLaterDatesStale: an identical rerun of an older date marks
// nothing; a rerun that changes its outputs marks every later successful date stale — also when
// that rerun is killed after it overwrote silver and then resumed, since the fingerprint of the
// outputs from before the rerun was saved with its first state.
func TestRerunThatChangesOutputsMarksLaterDatesStale(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	r, dates := newRunner(t, 3)
	path := rawPath(t, r, "users", dates[0])
	dy := &dying{Bucket: r.Lake.B}
	r.Lake = lake.New(dy)
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
	if len(st.Fingerprint) == 0 {
		t.Errorf("rerun of %s with a later successful date recorded no fingerprint", dates[1])
	}
	// Rename a user on day 1 and rerun it, killed once silver is committed (when gold starts).
	renameUser(t, path)
	killCtx, kill := context.WithCancel(ctx)
	defer kill()
	r.Observe = func(_ lake.Date, res dag.Result) {
		if strings.HasPrefix(res.ID, "gold_") && res.Status == dag.Running {
			dy.dead.Store(true)
			kill()
		}
	}
	if _, err := r.Run(killCtx, dates[0], pipeline.Options{Force: true}); err == nil {
		t.Fatal("the killed rerun succeeded")
	}
	r.Observe = nil
	dy.dead.Store(false)
	killed, _, err := pipeline.LoadState(ctx, r.Lake, dates[0])
	if err != nil {
		t.Fatal(err)
	}
	if killed.Status != pipeline.StatusRunning || taskState(killed, "silver_users").Status != dag.Success || len(killed.Fingerprint) == 0 {
		t.Fatalf("precondition: the killed attempt should have left a running state with silver_users done and the earlier fingerprint: %s, silver_users %s, fingerprint %v",
			killed.Status, taskState(killed, "silver_users").Status, killed.Fingerprint)
	}
	st, err = r.Run(ctx, dates[0], pipeline.Options{Resume: true})
	if err != nil {
		t.Fatal(err)
	}
	if ts := taskState(st, "silver_users"); !ts.StartedAt.Equal(*taskState(killed, "silver_users").StartedAt) {
		t.Errorf("resume reran silver_users: %+v", ts)
	}
	if len(st.MarkedStale) != 2 {
		t.Fatalf("marked stale: %v, want the two later dates", st.MarkedStale)
	}
	for _, d := range dates[1:] {
		later, _, _ := pipeline.LoadState(ctx, r.Lake, d)
		if !later.Stale || !strings.Contains(later.StaleReason, "outputs changed") || !strings.Contains(later.StaleReason, "--force") || !summary(t, r, d).Stale {
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

// TestRerunOverMissingOutputsMarksLaterDatesStale: when an older date is rerun while one of
// its partitions is missing, what the later dates were computed from cannot be fingerprinted.
// Even though the rerun restores the same content, the later dates are marked stale, saying
// which table could not be read — never a change left unnoticed.
func TestRerunOverMissingOutputsMarksLaterDatesStale(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	r, dates := newRunner(t, 2)
	for _, d := range dates {
		if _, err := r.Run(ctx, d, pipeline.Options{}); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.Lake.Withdraw(ctx, lake.PartitionDir(lake.Silver, "users", dates[0])); err != nil {
		t.Fatal(err)
	}
	st, err := r.Run(ctx, dates[0], pipeline.Options{Force: true})
	if err != nil {
		t.Fatal(err)
	}
	later, _, _ := pipeline.LoadState(ctx, r.Lake, dates[1])
	if !slices.Equal(st.MarkedStale, []string{dates[1].String()}) || !later.Stale || !strings.Contains(later.StaleReason, "could not all be read (silver.users)") {
		t.Errorf("marked stale %v; %s stale %v %q; want it stale because silver.users could not be read", st.MarkedStale, dates[1], later.Stale, later.StaleReason)
	}
	if st.Fingerprint["silver.users"] == "" || st.Fingerprint["silver.users"] == "unknown" {
		t.Errorf("fingerprint after the rerun %v, want the restored silver.users", st.Fingerprint)
	}
}

// TestLateDateMarksLaterDatesStale: a date whose raw data arrives after the next date ran
// (which then built on the date before it) runs for the first time with a later successful
// date: that one was computed without it and is marked stale, saying why, until recomputed.
func TestLateDateMarksLaterDatesStale(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	r, dates := newRunner(t, 3)
	// raw/{table}/ingestion_date=D/{file}
	root := filepath.Dir(filepath.Dir(filepath.Dir(rawPath(t, r, "users", dates[1]))))
	late, err := filepath.Glob(filepath.Join(root, "*", "ingestion_date="+dates[1].String()))
	if err != nil || len(late) == 0 {
		t.Fatalf("raw folders of %s: %v %v", dates[1], late, err)
	}
	aside := t.TempDir()
	for i, dir := range late {
		if err := os.Rename(dir, filepath.Join(aside, strconv.Itoa(i))); err != nil {
			t.Fatal(err)
		}
	}
	for _, d := range []lake.Date{dates[0], dates[2]} {
		st, err := r.Run(ctx, d, pipeline.Options{})
		if err != nil || len(st.MarkedStale) != 0 {
			t.Fatalf("run %s without %s's raw data: %v, marked stale %v", d, dates[1], err, st.MarkedStale)
		}
	}
	for i, dir := range late { // the late data arrives
		if err := os.Rename(filepath.Join(aside, strconv.Itoa(i)), dir); err != nil {
			t.Fatal(err)
		}
	}
	st, err := r.Run(ctx, dates[1], pipeline.Options{})
	if err != nil {
		t.Fatal(err)
	}
	later, _, _ := pipeline.LoadState(ctx, r.Lake, dates[2])
	if !slices.Equal(st.MarkedStale, []string{dates[2].String()}) || !later.Stale || !strings.Contains(later.StaleReason, "arrived late") || !summary(t, r, dates[2]).Stale {
		t.Errorf("marked stale %v; %s stale %v %q; want it stale because %s arrived late", st.MarkedStale, dates[2], later.Stale, later.StaleReason, dates[1])
	}
	if _, err := r.Run(ctx, dates[2], pipeline.Options{Force: true}); err != nil {
		t.Fatal(err)
	}
	if later, _, _ := pipeline.LoadState(ctx, r.Lake, dates[2]); later.Stale {
		t.Errorf("%s still stale after its recompute: %q", dates[2], later.StaleReason)
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
	before, err := r.Fingerprint(ctx, dates[1])
	if err != nil {
		t.Fatal(err)
	}
	// Day 1's silver users partition is lost.
	if err := r.Lake.Withdraw(ctx, lake.PartitionDir(lake.Silver, "users", dates[0])); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Run(ctx, dates[1], pipeline.Options{Force: true}); err == nil || !strings.Contains(err.Error(), dates[0].String()) {
		t.Fatalf("incremental silver without its previous partition: %v", err)
	}
	r.SilverFull = true
	if _, err := r.Run(ctx, dates[1], pipeline.Options{Force: true}); err != nil {
		t.Fatal(err)
	}
	after, err := r.Fingerprint(ctx, dates[1])
	if err != nil {
		t.Fatal(err)
	}
	// Full recomputation gives the same silver as the incremental run did.
	if before["silver.users"] == "" || after["silver.users"] != before["silver.users"] {
		t.Errorf("full silver users %q, incremental %q", after["silver.users"], before["silver.users"])
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

// TestFailedStaleCheckIsResumable: a rerun of an older date changes its outputs; every task
// succeeds but the final stale check cannot read them. The date is failed (not left running,
// nor called a success), keeping the fingerprint of its outputs from before the rerun, and
// --resume finishes it without rerunning a task: it marks the later date stale.
func TestFailedStaleCheckIsResumable(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	r, dates := newRunner(t, 2)
	d := dates[0]
	path := rawPath(t, r, "users", d)
	fr := &failingReads{Bucket: r.Lake.B, key: lake.PartitionDir(lake.Silver, "users", d) + lake.ManifestName}
	r.Lake = lake.New(fr)
	// The stale check runs only when a later date succeeded.
	for _, d := range dates {
		if _, err := r.Run(ctx, d, pipeline.Options{}); err != nil {
			t.Fatal(err)
		}
	}
	renameUser(t, path)
	r.Observe = func(_ lake.Date, res dag.Result) {
		if res.ID == "notify" && res.Status == dag.Success {
			fr.on.Store(true) // the DAG is done: only the stale check reads after this
		}
	}
	first, err := r.Run(ctx, d, pipeline.Options{Force: true})
	if err == nil || !strings.Contains(err.Error(), "stale check") {
		t.Fatalf("run whose stale check cannot read: %v, want a stale check error", err)
	}
	fr.on.Store(false)
	r.Observe = nil
	if st, _, _ := pipeline.LoadState(ctx, r.Lake, d); st.Status != pipeline.StatusFailed || !strings.Contains(st.Error, "stale check") || len(st.Fingerprint) == 0 {
		t.Errorf("state after the failed stale check: %s %q, fingerprint %v; want failed with the cause and the earlier fingerprint", st.Status, st.Error, st.Fingerprint)
	}
	if later, _, _ := pipeline.LoadState(ctx, r.Lake, dates[1]); later.Stale {
		t.Errorf("%s marked stale by a failed stale check", dates[1])
	}
	second, err := r.Run(ctx, d, pipeline.Options{Resume: true})
	if err != nil {
		t.Fatalf("resume: %v", err)
	}
	if second.Status != pipeline.StatusSuccess || second.Error != "" || len(second.Fingerprint) == 0 {
		t.Errorf("state after resume: %s %q, fingerprint %v", second.Status, second.Error, second.Fingerprint)
	}
	if later, _, _ := pipeline.LoadState(ctx, r.Lake, dates[1]); !later.Stale || !slices.Equal(second.MarkedStale, []string{dates[1].String()}) {
		t.Errorf("after resume: %s stale %v, marked stale %v; want the later date stale", dates[1], later.Stale, second.MarkedStale)
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
