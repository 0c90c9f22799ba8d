package pipeline

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/metalake/metalake/internal/bronze"
	"github.com/metalake/metalake/internal/catalog"
	"github.com/metalake/metalake/internal/contract"
	"github.com/metalake/metalake/internal/dag"
	"github.com/metalake/metalake/internal/lake"
	"github.com/metalake/metalake/internal/silver"
	"github.com/metalake/metalake/internal/storage"
)

// graph declares the run-date DAG. Task ids follow SPEC §6 (the plan's Airflow tasks):
// check_raw_files → bronze_{t} → bronze_summary → check_bronze_completion → silver_{t} (in the
// contracts' order) → validate_silver_output → silver_dq → check_silver_completion →
// pipeline_summary.
func (r *Runner) graph(ctx context.Context, d lake.Date, done map[string]bool) (*dag.Graph, error) {
	silverSet, err := silver.Default()
	if err != nil {
		return nil, err
	}
	silverState := &silverRun{outputs: map[string]int64{}}
	if err := silverState.resumeFrom(ctx, r.Lake, d, done); err != nil {
		return nil, err
	}
	job := &bronze.Job{Lake: r.Lake, Engine: r.Engine, Contracts: r.Contracts, Log: r.log(), Now: r.Now}
	built := newBronzeRun(done)
	tasks := []dag.Task{{
		ID:  "check_raw_files",
		Run: func(ctx context.Context) error { return CheckRawFiles(ctx, r.Lake, r.Contracts, d) },
	}}
	var catalogIDs []string
	for _, t := range r.Contracts.Names() {
		id := "bronze_" + t
		tasks = append(tasks, dag.Task{
			ID: id, Deps: []string{"check_raw_files"}, Retries: r.BronzeRetries, RetryDelay: r.RetryDelay,
			Run: func(ctx context.Context) error {
				_, err := job.Run(ctx, t, d)
				if err != nil {
					return r.forgetWithdrawn(ctx, err, lake.Bronze, t, d)
				}
				built.succeeded(id)
				return nil
			},
		}, r.catalogTask(lake.Bronze, t, d, id, r.BronzeRetries))
		catalogIDs = append(catalogIDs, "catalog_bronze_"+t)
	}
	tasks = append(tasks,
		dag.Task{ID: "bronze_summary", Deps: catalogIDs, AllDone: true, Run: func(ctx context.Context) error {
			_, err := r.writeBronzeSummary(ctx, d)
			return err
		}},
		dag.Task{ID: "check_bronze_completion", Deps: []string{"bronze_summary"}, Run: func(ctx context.Context) error {
			return r.checkBronzeCompletion(ctx, d, built)
		}},
	)
	tasks = append(tasks, r.silverTasks(d, silverSet, silverState)...)
	goldState := newGoldRun(lake.NewAttemptID(r.now()))
	goldState.resumeFrom(done)
	tasks = append(tasks, r.goldTasks(d, "check_silver_completion", goldState)...)
	tasks = append(tasks, r.monitorTask(d, silverSet, "validate_gold_outputs"))
	exported := r.newExportRun(done)
	tasks = append(tasks, r.exportTasks(d, "validate_gold_outputs", exported)...)
	tasks = append(tasks,
		dag.Task{ID: "pipeline_summary", Deps: append([]string{"check_bronze_completion", "check_silver_completion", "validate_gold_outputs", "monitor"}, r.exportIDs()...), AllDone: true,
			Run: func(ctx context.Context) error {
				return r.writePipelineSummary(ctx, d, built, silverState.summary(silverSet), goldState.summary(), exported.summary())
			}},
		dag.Task{ID: "notify", Deps: []string{"pipeline_summary"}, AllDone: true, Retries: 2, RetryDelay: r.RetryDelay,
			Run: func(ctx context.Context) error { return r.notify(ctx, d) }},
	)
	return dag.New(tasks...)
}

// catalogTask crawls layer.table's partition of d after the task that wrote it (the plan's
// crawler tasks): catalog_{layer}_{table}.
func (r *Runner) catalogTask(layer, table string, d lake.Date, after string, retries int) dag.Task {
	return r.catalogTaskOf(layer, table, d, after, retries, false)
}

// catalogTaskOf is catalogTask for a partitioned table or (whole) a whole-table object.
func (r *Runner) catalogTaskOf(layer, table string, d lake.Date, after string, retries int, whole bool) dag.Task {
	c := r.crawler()
	return dag.Task{
		ID: "catalog_" + layer + "_" + table, Deps: []string{after}, Retries: retries, RetryDelay: r.RetryDelay,
		Run: func(ctx context.Context) error {
			dir := lake.PartitionDir(layer, table, d)
			if whole {
				dir = lake.TableDir(layer, table)
			}
			_, err := c.Crawl(ctx, layer, table, dir, d)
			return err
		},
	}
}

func (r *Runner) crawler() *catalog.Crawler {
	return &catalog.Crawler{Lake: r.Lake, Engine: r.local(), Registrar: r.Registrar, Log: r.log(), Now: r.Now}
}

// forgetWithdrawn runs after a task that writes layer.table's partition of d failed: when the
// task withdrew the partition (a tripped circuit breaker, a failed fact check), the catalogs
// stop listing it. The task's own error comes first.
func (r *Runner) forgetWithdrawn(ctx context.Context, taskErr error, layer, table string, d lake.Date) error {
	if err := r.crawler().Forget(ctx, layer, table, lake.PartitionDir(layer, table, d), d); err != nil {
		return errors.Join(taskErr, fmt.Errorf("catalog %s.%s %s: %w", layer, table, d, err))
	}
	return taskErr
}

// MissingRawError lists every raw table missing for a date.
type MissingRawError struct {
	RunDate string
	Missing []string // raw keys
}

func (e *MissingRawError) Error() string {
	return fmt.Sprintf("missing raw files for %s: %s", e.RunDate, strings.Join(e.Missing, ", "))
}

// Retryable is false: the files will not appear by retrying within the run (the scheduler
// waits for late data instead).
func (e *MissingRawError) Retryable() bool { return false }

// ArchivedRawError lists the raw objects of a date that sit in an archive storage class (the
// lake's lifecycle moves raw to Glacier after 90 days): nothing can read them before a restore.
type ArchivedRawError struct {
	RunDate  string
	Archived []string // "key (CLASS)"
}

func (e *ArchivedRawError) Error() string {
	return fmt.Sprintf("raw files for %s are archived: %s; restore raw for %s first (S3 RestoreObject), then rerun",
		e.RunDate, strings.Join(e.Archived, ", "), e.RunDate)
}

// Retryable is false: a restore takes hours.
func (e *ArchivedRawError) Retryable() bool { return false }

// CheckRawFiles fails listing every table that has no complete raw input for d: for each
// table, some variant's source and lookups must all be present. When the first complete
// variant's raw objects are archived and not restored it fails too (ArchivedRawError), before
// any table starts; archived files of a variant bronze will not read do not count.
func CheckRawFiles(ctx context.Context, lk *lake.Lake, set *contract.Set, d lake.Date) error {
	var missing, archived []string
	for _, t := range set.Tables {
		var best []string
		for _, v := range t.Variants {
			var m, frozen []string
			for _, s := range append([]contract.Source{v.Source}, v.Lookups...) {
				key := lake.RawKey(s.Raw, d)
				attrs, err := lk.B.Attributes(ctx, key)
				if storage.IsNotFound(err) {
					m = append(m, key)
					continue
				}
				if err != nil {
					return err
				}
				if attrs.Archived {
					frozen = append(frozen, key+" ("+attrs.StorageClass+")")
				}
			}
			if len(m) == 0 {
				for _, k := range frozen {
					if !contains(archived, k) {
						archived = append(archived, k)
					}
				}
				best = nil
				break
			}
			// Report against the variant closest to complete: the one the user most likely meant.
			if best == nil || len(m) < len(best) {
				best = m
			}
		}
		for _, k := range best {
			if !contains(missing, k) {
				missing = append(missing, k)
			}
		}
	}
	if len(missing) > 0 {
		return &MissingRawError{RunDate: d.String(), Missing: missing}
	}
	if len(archived) > 0 {
		return &ArchivedRawError{RunDate: d.String(), Archived: archived}
	}
	return nil
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// BronzeSummary is bronze/_reports/run_date=D/bronze_summary.json.
type BronzeSummary struct {
	RunDate string                  `json:"run_date"`
	Tables  map[string]TableSummary `json:"tables"`
	Overall Overall                 `json:"overall"`
}

// TableSummary is one table's line of the bronze summary.
type TableSummary struct {
	Status        string  `json:"status"`
	InputCount    int64   `json:"input_count"`
	OutputCount   int64   `json:"output_count"`
	RejectCount   int64   `json:"reject_count"`
	RejectionRate float64 `json:"rejection_rate"`
}

// Overall sums the bronze tables.
type Overall struct {
	TotalInput           int64   `json:"total_input"`
	TotalOutput          int64   `json:"total_output"`
	TotalRejected        int64   `json:"total_rejected"`
	OverallRejectionRate float64 `json:"overall_rejection_rate"`
}

// writeBronzeSummary reads every table's report of d (a table whose report is missing is
// listed as MISSING) and writes the summary.
func (r *Runner) writeBronzeSummary(ctx context.Context, d lake.Date) (BronzeSummary, error) {
	s := BronzeSummary{RunDate: d.String(), Tables: map[string]TableSummary{}}
	for _, t := range r.Contracts.Names() {
		var rep struct {
			TableSummary
			RunDate string `json:"run_date"`
		}
		err := r.Lake.GetJSON(ctx, lake.ReportKey(lake.Bronze, d, t+"_report.json"), &rep)
		if err != nil {
			s.Tables[t] = TableSummary{Status: "MISSING"}
			continue
		}
		s.Tables[t] = rep.TableSummary
		s.Overall.TotalInput += rep.InputCount
		s.Overall.TotalOutput += rep.OutputCount
		s.Overall.TotalRejected += rep.RejectCount
	}
	if s.Overall.TotalInput > 0 {
		s.Overall.OverallRejectionRate = round4(float64(s.Overall.TotalRejected) / float64(s.Overall.TotalInput))
	}
	return s, r.Lake.PutJSON(ctx, lake.ReportKey(lake.Bronze, d, "bronze_summary.json"), s)
}

// ErrBronzeIncomplete is wrapped by check_bronze_completion's failures.
var ErrBronzeIncomplete = errors.New("bronze incomplete")

type contractFailure struct{ error }

func (contractFailure) Retryable() bool { return false }

func (r *Runner) checkBronzeCompletion(ctx context.Context, d lake.Date, built *bronzeRun) error {
	var s BronzeSummary
	if err := r.Lake.GetJSON(ctx, lake.ReportKey(lake.Bronze, d, "bronze_summary.json"), &s); err != nil {
		return err
	}
	var problems []string
	for _, t := range r.Contracts.Names() {
		_, ok, err := r.Lake.ReadManifest(ctx, lake.PartitionDir(lake.Bronze, t, d))
		if err != nil {
			return err
		}
		switch {
		case !ok:
			problems = append(problems, fmt.Sprintf("no bronze %s partition", t))
		case !built.ok("bronze_" + t):
			// A partition from an earlier attempt is not this run's output: silver must not
			// build on it as if bronze had just succeeded (the raw input may have changed).
			problems = append(problems, fmt.Sprintf("bronze %s did not succeed in this run", t))
		}
	}
	limit := 0.10
	if s.Overall.OverallRejectionRate > limit {
		problems = append(problems, fmt.Sprintf("overall rejection rate %.4f > %.2f", s.Overall.OverallRejectionRate, limit))
	}
	if len(problems) > 0 {
		return contractFailure{fmt.Errorf("%w: %s", ErrBronzeIncomplete, strings.Join(problems, "; "))}
	}
	return nil
}

// bronzeRun records which bronze tasks have succeeded: in this run, or in the attempt a
// --resume continues (done).
type bronzeRun struct {
	mu           sync.Mutex
	succeededIDs map[string]bool
}

func newBronzeRun(done map[string]bool) *bronzeRun {
	b := &bronzeRun{succeededIDs: map[string]bool{}}
	for id, ok := range done {
		if ok && strings.HasPrefix(id, "bronze_") {
			b.succeededIDs[id] = true
		}
	}
	return b
}

func (b *bronzeRun) succeeded(id string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.succeededIDs[id] = true
}

func (b *bronzeRun) ok(id string) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.succeededIDs[id]
}

func round4(x float64) float64 { return float64(int64(x*10000+0.5)) / 10000 }
