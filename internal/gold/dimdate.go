package gold

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"time"

	"github.com/metalake/metalake/internal/engine"
	"github.com/metalake/metalake/internal/lake"
)

// dateSource is one date column of silver whose every value dim_date must cover (the columns
// its contract reads, in order).
type dateSource struct {
	Table, Column string
	View          string
}

// DefaultDateRange is dim_date's range when nothing requires more (SPEC §5).
func DefaultDateRange() [2]lake.Date {
	s, _ := lake.ParseDate("2000-01-01")
	e, _ := lake.ParseDate("2030-12-31")
	return [2]lake.Date{s, e}
}

// buildDimDate grows the calendar dimension spec (dim_date) to cover the default range, the
// run date, the committed range and every date of silver(d); it is rebuilt and published only
// when the range must grow.
func (j *Job) buildDimDate(ctx context.Context, spec dimSpec, d lake.Date, st *DimStats) error {
	b, err := j.newBuild(ctx, spec.name, d)
	if err != nil {
		return fmt.Errorf("gold %s %s: %w", spec.name, d, err)
	}
	defer b.close()
	rng := j.DateRange
	if rng[0].IsZero() || rng[1].IsZero() {
		rng = DefaultDateRange()
	}
	widen := func(x lake.Date) {
		if x.Before(rng[0]) {
			rng[0] = x
		}
		if x.After(rng[1]) {
			rng[1] = x
		}
	}
	widen(d)

	// Dates in the data: every silver table of d that is published (dim_date runs after
	// check_silver_completion, so in a pipeline run all are).
	var sources []dateSource
	var scanned []string
	seen := map[string]bool{}
	for _, s := range spec.dates {
		view := "silver_" + s.Table
		if !seen[s.Table] {
			seen[s.Table] = true
			dir := lake.PartitionDir(lake.Silver, s.Table, d)
			_, found, err := b.committed(ctx, view, dir, j.contracts().silver[s.Table])
			if err != nil {
				return b.wrapInput(err)
			}
			if !found {
				continue
			}
			scanned = append(scanned, s.Table)
		} else if !slices.Contains(scanned, s.Table) {
			continue
		}
		s.View = view
		sources = append(sources, s)
	}
	st.Metrics["sources_scanned"] = scanned
	if len(sources) > 0 {
		q, err := j.render(spec.name, "data_range", struct{ Sources []dateSource }{sources})
		if err != nil {
			return b.wrap(err)
		}
		var lo, hi sql.NullTime
		if err := b.s.QueryRow(ctx, q, &lo, &hi); err != nil {
			return b.wrap(err)
		}
		if lo.Valid {
			widen(lake.DateOf(lo.Time))
		}
		if hi.Valid {
			widen(lake.DateOf(hi.Time))
		}
	}

	// Whole years: year-level rollups over dim_date are complete, and a date in a year already
	// covered never forces a rebuild.
	rng[0] = lake.DateOf(time.Date(rng[0].Time().Year(), 1, 1, 0, 0, 0, 0, time.UTC))
	rng[1] = lake.DateOf(time.Date(rng[1].Time().Year(), 12, 31, 0, 0, 0, 0, time.UTC))

	sch := spec.columns()
	man, found, err := b.committed(ctx, "dim_committed", DimDir(spec.name), sch)
	if err != nil {
		return b.wrapInput(err)
	}
	if found {
		var lo, hi sql.NullTime
		if err := b.s.QueryRow(ctx, "SELECT MIN(date), MAX(date) FROM dim_committed", &lo, &hi); err != nil {
			return b.wrap(err)
		}
		if lo.Valid && hi.Valid {
			clo, chi := lake.DateOf(lo.Time), lake.DateOf(hi.Time)
			widen(clo)
			widen(chi)
			if clo.Equal(rng[0]) && chi.Equal(rng[1]) {
				// The committed dimension already covers everything: nothing to rebuild.
				st.Attempt = man.Attempt
				return b.dimDateStats(ctx, spec, "dim_committed", st)
			}
		}
	}

	now := j.now().UTC().Truncate(time.Microsecond)
	q, err := j.render(spec.name, "build", struct {
		Start, End string
		Now, D     string
	}{rng[0].String(), rng[1].String(), tsLiteral(now), dateLiteral(d)})
	if err != nil {
		return b.wrap(err)
	}
	files, err := b.s.WriteParquet(ctx, sch.project("("+q+") x")+" ORDER BY date_sk", engine.Output{Dir: DimDir(spec.name)})
	if err != nil {
		return b.wrap(err)
	}
	if err := b.create(ctx, "VIEW", "next_dim", sch.project(rowsOf(b.j.Engine.Dialect(), files, sch))); err != nil {
		return b.wrap(err)
	}
	if err := b.dimDateStats(ctx, spec, "next_dim", st); err != nil {
		return err
	}
	attempt := lake.NewAttemptID(now)
	if _, err := b.publish(ctx, DimDir(spec.name), attempt, files); err != nil {
		return b.wrap(err)
	}
	st.Published, st.Attempt = true, attempt
	return nil
}

func (b *build) dimDateStats(ctx context.Context, spec dimSpec, rel string, st *DimStats) error {
	if rel != "next_dim" {
		if err := b.create(ctx, "VIEW", "next_dim", "SELECT * FROM "+rel); err != nil {
			return b.wrap(err)
		}
	}
	q, err := b.j.render(spec.name, "stats", nil)
	if err != nil {
		return b.wrap(err)
	}
	m, err := b.queryObject(ctx, q)
	if err != nil {
		return b.wrap(err)
	}
	for k, v := range m {
		st.Metrics[k] = v
	}
	return nil
}
