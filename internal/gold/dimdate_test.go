package gold_test

import (
	"context"
	"testing"
	"time"
)

func TestDimDate(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	// A signup in 1995 and a dataset created in 2035 lie outside the default range.
	f.putUsers(t, "2024-01-15", user{"U001", "John", "US", "1995-06-01 10:00:00"})
	f.putSilver(t, "datasets", "2024-01-15", datasetsCols, datasetsTypes,
		"('D001', 'a', NULL, 'U001', false, 'dataset', TIMESTAMP '2035-02-03', NULL, 1, 1, 1.0)")
	st, err := f.job.BuildDimension(ctx, "dim_date", mustDate(t, "2024-01-15"))
	if err != nil {
		t.Fatal(err)
	}
	if !st.Published {
		t.Fatal("the first build must publish dim_date")
	}
	rows := f.query(t, `SELECT date_sk, date_string, year, quarter, month, month_name, month_name_short, week_of_year,
		day_of_year, day_of_month, day_of_week, day_name, day_name_short, is_weekend, is_weekday, is_holiday,
		fiscal_year, fiscal_quarter, year_month, days_in_month
		FROM gold.dim_date WHERE date_string IN ('2024-01-01', '2024-07-01', '2024-02-29', '2024-12-29', '2024-12-30',
		'2024-04-30', '2024-05-01', '2024-09-02', '2024-09-03', '2023-06-30') ORDER BY date_sk`)
	by := map[string]map[string]any{}
	for _, r := range rows {
		by[r["date_string"].(string)] = r
	}
	type want struct {
		field string
		value any
	}
	checks := map[string][]want{
		"2024-01-01": {{"date_sk", 20240101.0}, {"day_of_week", 1.0}, {"day_name", "Monday"}, {"day_name_short", "Mon"},
			{"is_holiday", true}, {"is_weekend", false}, {"is_weekday", true}, {"fiscal_year", 2023.0}, {"fiscal_quarter", 3.0},
			{"year_month", "202401"}, {"quarter", 1.0}, {"month_name", "January"}, {"month_name_short", "Jan"},
			{"week_of_year", 1.0}, {"day_of_year", 1.0}, {"days_in_month", 31.0}},
		"2024-07-01": {{"fiscal_year", 2024.0}, {"fiscal_quarter", 1.0}, {"quarter", 3.0}, {"is_holiday", false}},
		"2023-06-30": {{"fiscal_year", 2022.0}, {"fiscal_quarter", 4.0}, {"day_name", "Friday"}},
		"2024-02-29": {{"days_in_month", 29.0}, {"day_of_month", 29.0}, {"day_of_year", 60.0}},
		"2024-12-29": {{"day_of_week", 7.0}, {"is_weekend", true}, {"week_of_year", 52.0}},
		"2024-12-30": {{"week_of_year", 1.0}}, // ISO: the week of 2025's first Thursday
		"2024-04-30": {{"is_holiday", true}},
		"2024-05-01": {{"is_holiday", true}},
		"2024-09-02": {{"is_holiday", true}},
		"2024-09-03": {{"is_holiday", false}},
	}
	for date, ws := range checks {
		r := by[date]
		if r == nil {
			t.Errorf("dim_date has no %s", date)
			continue
		}
		for _, w := range ws {
			if r[w.field] != w.value {
				t.Errorf("%s %s = %v, want %v", date, w.field, r[w.field], w.value)
			}
		}
	}
	// Every day of 2023-2024 against Go's calendar.
	all := f.query(t, `SELECT date_string, date_sk, year, quarter, month, week_of_year, day_of_year, day_of_month, day_of_week,
		is_weekend, fiscal_year, fiscal_quarter, days_in_month, day_name, month_name FROM gold.dim_date
		WHERE year IN (2023, 2024) ORDER BY date_sk`)
	if len(all) != 365+366 {
		t.Fatalf("%d days in 2023-2024", len(all))
	}
	for _, r := range all {
		day, err := time.Parse("2006-01-02", r["date_string"].(string))
		if err != nil {
			t.Fatal(err)
		}
		_, isoWeek := day.ISOWeek()
		dow := (int(day.Weekday())+6)%7 + 1
		m := int(day.Month())
		fy, fq := day.Year(), (m-7)/3+1
		if m < 7 {
			fy, fq = day.Year()-1, (m+5)/3+1
		}
		want := map[string]any{
			"date_sk": float64(day.Year()*10000 + m*100 + day.Day()), "year": float64(day.Year()), "month": float64(m),
			"quarter": float64((m-1)/3 + 1), "week_of_year": float64(isoWeek), "day_of_year": float64(day.YearDay()),
			"day_of_month": float64(day.Day()), "day_of_week": float64(dow), "is_weekend": dow >= 6,
			"fiscal_year": float64(fy), "fiscal_quarter": float64(fq),
			"days_in_month": float64(time.Date(day.Year(), day.Month()+1, 0, 0, 0, 0, 0, time.UTC).Day()),
			"day_name":      day.Weekday().String(), "month_name": day.Month().String(),
		}
		for k, v := range want {
			if r[k] != v {
				t.Fatalf("%s %s = %v, want %v", r["date_string"], k, r[k], v)
			}
		}
	}

	span := f.query(t, "SELECT CAST(MIN(date) AS VARCHAR) AS lo, CAST(MAX(date) AS VARCHAR) AS hi, COUNT(*) AS n, COUNT(DISTINCT date_sk) AS keys FROM gold.dim_date")[0]
	if span["lo"] != "1995-01-01" || span["hi"] != "2035-12-31" || span["n"] != span["keys"] {
		t.Errorf("dim_date spans %v, want 1995-01-01 .. 2035-12-31, one row per day", span)
	}
	attempt := manifestAttempt(t, f, "gold/dim_date/")

	// Nothing new: no rebuild.
	f.putUsers(t, "2024-01-16", user{"U001", "John", "US", "1995-06-01 10:00:00"})
	if st, err := f.job.BuildDimension(ctx, "dim_date", mustDate(t, "2024-01-16")); err != nil || st.Published {
		t.Fatalf("second build: published %v, err %v; want no rebuild", st.Published, err)
	}
	if got := manifestAttempt(t, f, "gold/dim_date/"); got != attempt {
		t.Errorf("dim_date was rewritten (%s → %s) although its range did not grow", attempt, got)
	}
	// A run date beyond the range grows it; the committed range is never lost.
	f.putUsers(t, "2041-03-01", user{"U001", "John", "US", "1995-06-01 10:00:00"})
	if st, err := f.job.BuildDimension(ctx, "dim_date", mustDate(t, "2041-03-01")); err != nil || !st.Published {
		t.Fatalf("run date 2041: published %v, err %v; want a rebuild", st.Published, err)
	}
	span = f.query(t, "SELECT CAST(MIN(date) AS VARCHAR) AS lo, CAST(MAX(date) AS VARCHAR) AS hi FROM gold.dim_date")[0]
	if span["lo"] != "1995-01-01" || span["hi"] != "2041-12-31" {
		t.Errorf("dim_date spans %v, want 1995-01-01 .. 2041-12-31", span)
	}
}
