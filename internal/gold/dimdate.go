package gold

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/metalake/metalake/internal/lake"
)

// dimDateSchema is dim_date's columns (SPEC §5).
func dimDateSchema() schema {
	return cols(`date_sk BIGINT, date DATE, date_string, year INTEGER, quarter INTEGER, month INTEGER,
		month_name, month_name_short, week_of_year INTEGER, day_of_year INTEGER, day_of_month INTEGER,
		day_of_week INTEGER, day_name, day_name_short, is_weekend BOOLEAN, is_weekday BOOLEAN,
		is_holiday BOOLEAN, fiscal_year INTEGER, fiscal_quarter INTEGER, year_month, days_in_month INTEGER,
		created_at TIMESTAMP, etl_run_date DATE`)
}

// dateSource is one date column of silver whose every value dim_date must cover.
type dateSource struct {
	Table, Column string
	View          string
}

func dateSources() []dateSource {
	return []dateSource{
		{Table: "users", Column: "signup_ts"},
		{Table: "datasets", Column: "created_ts"},
		{Table: "datasets", Column: "updated_ts"},
		{Table: "competitions", Column: "enabled_ts"},
		{Table: "competitions", Column: "deadline_ts"},
		{Table: "kernels", Column: "created_ts"},
	}
}

// DefaultDateRange is dim_date's range when nothing requires more (SPEC §5).
func DefaultDateRange() [2]lake.Date {
	s, _ := lake.ParseDate("2000-01-01")
	e, _ := lake.ParseDate("2030-12-31")
	return [2]lake.Date{s, e}
}

// buildDimDate grows dim_date to cover the default range, the run date, the committed range and
// every date of silver(d); it is rebuilt and published only when the range must grow.
func (j *Job) buildDimDate(ctx context.Context, d lake.Date, st *DimStats) error {
	b, err := j.newBuild(ctx, dimDate, d)
	if err != nil {
		return fmt.Errorf("gold %s %s: %w", dimDate, d, err)
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
	for _, s := range dateSources() {
		view := "silver_" + s.Table
		if !seen[s.Table] {
			seen[s.Table] = true
			dir := lake.PartitionDir(lake.Silver, s.Table, d)
			_, found, err := b.committed(ctx, view, dir, silverInputs()[s.Table])
			if err != nil {
				return b.wrapInput(err)
			}
			if !found {
				continue
			}
			scanned = append(scanned, s.Table)
		} else if !contains(scanned, s.Table) {
			continue
		}
		s.View = view
		sources = append(sources, s)
	}
	st.Metrics["sources_scanned"] = scanned
	if len(sources) > 0 {
		q, err := j.render("dim_date", "data_range", struct{ Sources []dateSource }{sources})
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

	sch := dimDateSchema()
	man, found, err := b.committed(ctx, "dim_committed", DimDir(dimDate), sch)
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
				return b.dimDateStats(ctx, "dim_committed", st)
			}
		}
	}

	now := j.now().UTC().Truncate(time.Microsecond)
	q, err := j.render("dim_date", "build", struct {
		Start, End string
		Now, D     string
	}{rng[0].String(), rng[1].String(), tsLiteral(now), dateLiteral(d)})
	if err != nil {
		return b.wrap(err)
	}
	files, err := b.s.WriteParquet(ctx, sch.project("("+q+") x")+" ORDER BY date_sk", 0)
	if err != nil {
		return b.wrap(err)
	}
	if err := b.create(ctx, "VIEW", "next_dim", sch.project(rowsOf(b.j.Engine.Dialect(), files, sch))); err != nil {
		return b.wrap(err)
	}
	if err := b.dimDateStats(ctx, "next_dim", st); err != nil {
		return err
	}
	attempt := lake.NewAttemptID(now)
	if _, err := b.publish(ctx, DimDir(dimDate), attempt, files); err != nil {
		return b.wrap(err)
	}
	st.Published, st.Attempt = true, attempt
	return nil
}

func (b *build) dimDateStats(ctx context.Context, rel string, st *DimStats) error {
	if rel != "next_dim" {
		if err := b.create(ctx, "VIEW", "next_dim", "SELECT * FROM "+rel); err != nil {
			return b.wrap(err)
		}
	}
	q, err := b.j.render("dim_date", "stats", nil)
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

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}
