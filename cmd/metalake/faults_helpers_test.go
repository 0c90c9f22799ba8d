package main_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/metalake/metalake/internal/storage"
)

// runLimited runs the binary like metalakeEnv, but a command still running after limit is a
// hang: it gets SIGQUIT, so the Go runtime prints every goroutine's stack, and the test fails
// showing where metalake's own goroutines were stuck.
func runLimited(t *testing.T, limit time.Duration, dir string, env []string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGQUIT) }
	cmd.WaitDelay = 10 * time.Second
	cmd.Dir = dir
	cmd.Env = append(append(os.Environ(), "METALAKE_LAKE="), env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("metalake %s hung: still running after %s; its goroutines:\n%s", strings.Join(args, " "), limit, ownStacks(errb.String()))
	}
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return result{code, out.String(), errb.String()}
}

// ownStacks keeps the goroutines of a Go stack dump that run metalake's code, without the
// source lines, so a hang shows where it waits in a screenful.
func ownStacks(dump string) string {
	var b strings.Builder
	for _, g := range strings.Split(dump, "\n\n") {
		if !strings.Contains(g, "github.com/metalake/metalake/") || !strings.HasPrefix(g, "goroutine ") {
			continue
		}
		for _, l := range strings.Split(g, "\n") {
			if !strings.HasPrefix(l, "\t") && !strings.HasPrefix(l, "runtime.") {
				b.WriteString(l + "\n")
			}
		}
		b.WriteString("\n")
	}
	if b.Len() == 0 {
		return dump
	}
	return b.String()
}

// failureLine asserts r failed with exit 1 and exactly one `metalake: ` line, and returns it.
func failureLine(t *testing.T, r result) string {
	t.Helper()
	var lines []string
	for _, l := range strings.Split(r.stderr, "\n") {
		if strings.HasPrefix(l, "metalake: ") {
			lines = append(lines, l)
		}
	}
	if r.code != 1 || len(lines) != 1 {
		t.Fatalf("exit %d with %d failure lines, want exit 1 and one line naming the cause\nstdout:\n%s\nstderr:\n%s", r.code, len(lines), r.stdout, r.stderr)
	}
	return lines[0]
}

// runState is `metalake status --format json` of one run date.
type runState struct {
	RunDate    string     `json:"run_date"`
	Status     string     `json:"status"`
	FinishedAt *time.Time `json:"finished_at"`
	Tasks      []struct {
		Task     string `json:"task"`
		Status   string `json:"status"`
		Attempts int    `json:"attempts"`
		Error    string `json:"error"`
	} `json:"tasks"`
}

// parseRunState reads `metalake status --date D --format json`.
func parseRunState(t *testing.T, js string) runState {
	t.Helper()
	var st runState
	if err := json.Unmarshal([]byte(js), &st); err != nil {
		t.Fatalf("status --date --format json: %v\n%s", err, js)
	}
	return st
}

// statuses returns `metalake status --format json` by run date.
func statuses(t *testing.T, dir string, env []string, lake string) map[string]runState {
	t.Helper()
	r := must(t, metalakeEnv(t, dir, env, "status", "--lake", lake, "--format", "json"), 0)
	var s struct {
		Runs []runState `json:"runs"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &s); err != nil {
		t.Fatalf("status --format json: %v\n%s", err, r.stdout)
	}
	out := map[string]runState{}
	for _, run := range s.Runs {
		out[run.RunDate] = run
	}
	return out
}

// digestTables are every table metalake query sees, rejects included.
var digestTables = func() []string {
	var out []string
	for _, t := range []string{"users", "datasets", "tags", "competitions", "kernels"} {
		out = append(out, "bronze."+t, "rejects."+t, "silver."+t)
	}
	for _, g := range []string{"dim_date", "dim_user", "dim_dataset", "dim_competition", "dim_tag",
		"fact_dataset_owner_daily", "fact_competitions_yearly", "fact_tag_usage_daily", "bridge_dataset_tag"} {
		out = append(out, "gold."+g)
	}
	return out
}()

// auditColumns say when and by which attempt a row was processed: they differ between two
// runs of the same input and are left out of a digest (pipeline's fingerprint does the same).
const auditColumns = "'ingest_ts', 'silver_processed_ts', 'created_at_ts', 'created_at', 'updated_at', 'pipeline_run_id'"

// lakeDigest returns, for every table of the lake, its row count and the sum of its rows'
// hashes over every column but the audit columns: equal digests mean equal committed content,
// whatever the row order. One metalake query reads every table.
func lakeDigest(t *testing.T, dir string, env []string, lake string) string {
	t.Helper()
	parts := make([]string, len(digestTables))
	for i, tb := range digestTables {
		parts[i] = fmt.Sprintf("SELECT '%s' AS tbl, COUNT(*) AS n, COALESCE(SUM(hash(*COLUMNS(c -> c NOT IN (%s)))), 0) AS h FROM %s",
			tb, auditColumns, tb)
	}
	r := must(t, metalakeEnv(t, dir, env, "query", "--lake", lake, "--format", "csv", strings.Join(parts, " UNION ALL ")+" ORDER BY tbl"), 0)
	return r.stdout
}

// sameDigest fails t naming every table whose content differs between two digests.
func sameDigest(t *testing.T, what, got, want string) {
	t.Helper()
	if got == want {
		if strings.Count(want, "\n") != len(digestTables)+1 {
			t.Fatalf("digest of %d tables has %d lines:\n%s", len(digestTables), strings.Count(want, "\n"), want)
		}
		return
	}
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	var diff []string
	for i := range max(len(g), len(w)) {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl {
			diff = append(diff, fmt.Sprintf("  got  %s\n  want %s", gl, wl))
		}
	}
	t.Errorf("%s: the lake's content differs from a clean run's (table,rows,hash):\n%s", what, strings.Join(diff, "\n"))
}

// checkCommittedBucket is checkCommitted for any bucket (an S3 lake): every manifest lists
// only objects that exist with the listed size, so no partition is visible half written (a run
// that failed early may have committed none).
func checkCommittedBucket(t *testing.T, b storage.Bucket) {
	t.Helper()
	ctx := context.Background()
	var manifests []string
	for _, layer := range []string{"bronze/", "silver/", "gold/"} {
		if err := b.Iter(ctx, layer, func(name string) error {
			if strings.HasSuffix(name, "/_manifest.json") {
				manifests = append(manifests, name)
			}
			return nil
		}, storage.WithRecursive()); err != nil {
			t.Fatalf("list %s: %v", layer, err)
		}
	}
	sort.Strings(manifests)
	for _, key := range manifests {
		data, err := storage.ReadAll(ctx, b, key)
		if err != nil {
			t.Errorf("%s: %v", key, err)
			continue
		}
		var m struct {
			Files []struct {
				Name  string `json:"name"`
				Bytes int64  `json:"bytes"`
			} `json:"files"`
		}
		if err := json.Unmarshal(data, &m); err != nil {
			t.Errorf("%s: %v", key, err)
			continue
		}
		dir := strings.TrimSuffix(key, "_manifest.json")
		for _, f := range m.Files {
			a, err := b.Attributes(ctx, dir+f.Name)
			if err != nil || a.Size != f.Bytes {
				t.Errorf("%s lists %s (%d bytes), which is missing or partial: %v", key, f.Name, f.Bytes, err)
			}
		}
	}
}
