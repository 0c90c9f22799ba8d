package gold

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/metalake/metalake/internal/engine"
	"github.com/metalake/metalake/internal/lake"
)

// factSpec is a fact (or the bridge) as its contract declares it. Its SQL is
// models/{name}.sql: block "build" (the staged relation, which may carry internal __ columns
// the checks use), block "metrics" (one row) and one block "check {name}" per check (one count:
// the violations).
type factSpec struct {
	name   string
	silver []string // silver tables of the run date it reads
	dims   []string // committed dimensions it reads
	// previous, when set, is a silver table whose partition of the previous processed date it
	// also reads, as view silver_{previous}_prev (fact_tag_usage_daily's new_assignments).
	previous string
	schema   schema
	order    string
	checks   []string
}

// factData is what the fact models are rendered with.
type factData struct {
	D, TS       string // the run date and its midnight
	DateSK      int64
	RunID, Now  string
	HasPrevious bool
}

// BuildFact builds a fact's partition of d: stage the relation, run its checks, and publish
// gold/{fact}/run_date=d/ only if every check passes (replacing that partition alone). If a
// check fails the partition of d is withdrawn, the report says which check failed, and the
// error is a *CheckError. The report gold/_reports/run_date=d/{fact}_report.json is written
// either way.
func (j *Job) BuildFact(ctx context.Context, table string, d lake.Date) (*FactReport, error) {
	spec, ok := j.contracts().facts[table]
	if !ok {
		return nil, fmt.Errorf("gold: unknown table %q", table)
	}
	task := j.task(table, d, ReportKey(table, d))
	runID := j.RunID
	if runID == "" {
		runID = lake.NewAttemptID(task.Start)
	}
	rep := &FactReport{Table: table, RunDate: d.String(), PipelineRunID: runID, Metrics: map[string]any{}, DataQuality: []CheckResult{}}
	err := j.buildFact(ctx, spec, d, rep, task.Start)
	return rep, task.Finish(ctx, rep, err, "gold fact done", "rows", rep.Metrics["total_records"])
}

// Stamp records the outcome of the build (layer.Report).
func (r *FactReport) Stamp(status, errText, processingTime string, durationS float64) {
	r.Status, r.Error, r.ProcessingTime, r.DurationS = status, errText, processingTime, durationS
}

func (j *Job) buildFact(ctx context.Context, spec factSpec, d lake.Date, rep *FactReport, start time.Time) error {
	b, err := j.newBuild(ctx, spec.name, d)
	if err != nil {
		return fmt.Errorf("gold %s %s: %w", spec.name, d, err)
	}
	defer b.close()
	for _, t := range spec.silver {
		if err := b.silver(ctx, t, d); err != nil {
			return b.wrapInput(err)
		}
	}
	for _, dim := range spec.dims {
		_, found, err := b.committed(ctx, dim, DimDir(dim), j.contracts().dims[dim].columns())
		if err != nil {
			return b.wrapInput(err)
		}
		if !found {
			return &InputError{Table: spec.name, RunDate: d.String(), Err: fmt.Errorf("%s is not published: build it first", dim)}
		}
	}
	data := factData{D: dateLiteral(d), TS: midnight(d), RunID: quote(rep.PipelineRunID),
		Now: tsLiteral(start), DateSK: dateSK(d)}
	if spec.previous != "" {
		prev, err := b.previous(ctx, spec.previous, "silver_"+spec.previous+"_prev")
		if err != nil {
			return err
		}
		data.HasPrevious = prev != nil
		if prev != nil {
			rep.Metrics["previous_run_date"] = prev.String()
		} else {
			rep.Metrics["previous_run_date"] = nil
		}
	}

	q, err := j.render(spec.name, "build", data)
	if err != nil {
		return b.wrap(err)
	}
	if err := b.create(ctx, "TABLE", "fact", q); err != nil {
		return b.wrap(err)
	}
	if j.Tamper != nil {
		if t := j.Tamper(spec.name); t != "" {
			if err := b.s.Exec(ctx, t); err != nil {
				return b.wrap(fmt.Errorf("tamper: %w", err))
			}
		}
	}
	for _, c := range spec.checks {
		cq, err := j.render(spec.name, "check "+c, data)
		if err != nil {
			return b.wrap(err)
		}
		n, err := b.count(ctx, cq)
		if err != nil {
			return b.wrap(fmt.Errorf("check %s: %w", c, err))
		}
		rep.DataQuality = append(rep.DataQuality, CheckResult{CheckName: c, CheckPassed: n == 0, Violations: n})
	}
	mq, err := j.render(spec.name, "metrics", data)
	if err != nil {
		return b.wrap(err)
	}
	m, err := b.queryObject(ctx, mq)
	if err != nil {
		return b.wrap(err)
	}
	for k, v := range m {
		rep.Metrics[k] = v
	}

	dir := FactDir(spec.name, d)
	if failed := rep.Failed(); len(failed) > 0 {
		// Nothing of this fact is published for d; an earlier attempt's partition goes too, so
		// the lake reflects the latest attempt.
		if err := j.Lake.Withdraw(ctx, dir); err != nil {
			return b.wrap(err)
		}
		return &CheckError{Table: spec.name, RunDate: d.String(), Failed: failed}
	}
	files, err := b.s.WriteParquet(ctx, spec.schema.project("fact")+" ORDER BY "+spec.order, engine.Output{Dir: dir})
	if err != nil {
		return b.wrap(err)
	}
	if _, err := b.publish(ctx, dir, lake.NewAttemptID(start), files); err != nil {
		return b.wrap(err)
	}
	rep.Published = true
	return nil
}

// previous creates view name over the silver table's latest committed partition before the
// run date and returns its date (nil when there is none: the first date).
func (b *build) previous(ctx context.Context, table, name string) (*lake.Date, error) {
	parts, err := b.j.Lake.Partitions(ctx, lake.TableDir(lake.Silver, table))
	if err != nil {
		return nil, b.wrap(err)
	}
	var prev *lake.Partition
	for i := range parts {
		if parts[i].Date.Before(b.d) {
			prev = &parts[i]
		}
	}
	if prev == nil {
		return nil, nil
	}
	if _, _, err := b.committed(ctx, name, prev.Dir, b.j.contracts().silver[table]); err != nil {
		return nil, b.wrapInput(err)
	}
	d := prev.Date
	return &d, nil
}

// dateSK is the dim_date key of d (yyyymmdd).
func dateSK(d lake.Date) int64 {
	n, _ := strconv.ParseInt(strings.ReplaceAll(d.String(), "-", ""), 10, 64)
	return n
}

func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
