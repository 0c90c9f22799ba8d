package gold_test

import (
	"context"
	"testing"
)

func TestFactCompetitionsYearly(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	const d = "2024-01-15"
	f.putSilver(t, "competitions", d, compCols, compTypes,
		// 2019: one featured USD competition.
		"('1', 's1', 'T1', 'Featured', TIMESTAMP '2019-03-01', TIMESTAMP '2019-06-01', 'USD', 1000.0, 3, 5, 10, 20, 100)",
		// 2020: research (EUR: not dollars), playground (Knowledge), getting started, InClass, no segment.
		"('2', 's2', 'T2', 'Research', TIMESTAMP '2020-01-01', NULL, 'EUR', 5000.0, 1, 1, 4, 4, 40)",
		"('3', 's3', 'T3', 'Playground', TIMESTAMP '2020-02-01', NULL, 'Knowledge', 0.0, 0, 1, 6, 8, 60)",
		"('4', 's4', 'T4', 'Getting Started', TIMESTAMP '2020-03-01', NULL, NULL, NULL, 0, 1, 0, 0, 0)",
		"('5', 's5', 'T5', 'InClass', TIMESTAMP '2020-04-01', NULL, 'USD', 300.0, 1, 1, 2, 4, 20)",
		"('6', 's6', 'T6', NULL, TIMESTAMP '2020-05-01', NULL, 'usd ', 100.0, 1, 1, 8, 8, 80)",
		// 2022 (2021 absent: no growth figure), and one competition without an enabled date.
		"('7', 's7', 'T7', 'Featured', TIMESTAMP '2022-01-01', NULL, 'Swag', 10.0, 1, 1, 1, 2, 3)",
		"('8', 's8', 'T8', 'Featured', NULL, NULL, 'USD', 50.0, 1, 1, 1, 1, 1)",
	)
	f.dims(t, d, "dim_date", "dim_competition")
	rep, err := f.job.BuildFact(context.Background(), "fact_competitions_yearly", mustDate(t, d))
	if err != nil {
		t.Fatal(err)
	}
	rows := f.query(t, `SELECT * FROM gold.fact_competitions_yearly ORDER BY competition_year`)
	if len(rows) != 3 {
		t.Fatalf("%d years, want 3: %v", len(rows), rows)
	}
	y2019, y2020, y2022 := rows[0], rows[1], rows[2]
	ints := map[string][3]int64{
		"total_competitions":             {1, 5, 1},
		"featured_competitions":          {1, 0, 1},
		"research_competitions":          {0, 1, 0},
		"getting_started_competitions":   {0, 1, 0},
		"playground_competitions":        {0, 1, 0},
		"other_competitions":             {0, 2, 0},
		"total_teams_participated":       {10, 20, 1},
		"total_competitors_participated": {20, 24, 2},
		"total_submissions_made":         {100, 200, 3},
		"competition_type_diversity":     {1, 4, 1},
	}
	for col, want := range ints {
		got := [3]int64{num(t, y2019[col]), num(t, y2020[col]), num(t, y2022[col])}
		if got != want {
			t.Errorf("%s = %v, want %v", col, got, want)
		}
	}
	floats := map[string][3]any{
		"total_rewards_usd":               {1000.0, 400.0, 0.0},
		"avg_reward_usd_per_competition":  {1000.0, 200.0, nil},
		"avg_teams_per_competition":       {10.0, 4.0, 1.0},
		"avg_competitors_per_competition": {20.0, 4.8, 2.0},
		"avg_submissions_per_team":        {10.0, 10.0, 3.0},
		"avg_competitors_per_team":        {2.0, 1.2, 2.0},
		"yoy_growth_competitions":         {nil, 400.0, nil},
	}
	for col, want := range floats {
		got := [3]any{y2019[col], y2020[col], y2022[col]}
		for i := range got {
			if w, ok := want[i].(float64); ok {
				if g, ok := got[i].(float64); !ok || g < w-1e-9 || g > w+1e-9 {
					t.Errorf("%s[%d] = %v, want %v", col, i, got[i], w)
				}
			} else if got[i] != nil {
				t.Errorf("%s[%d] = %v, want NULL", col, i, got[i])
			}
		}
	}
	if rep.Metrics["competitions_without_year"] != int64(1) {
		t.Errorf("competitions_without_year = %v, want 1", rep.Metrics["competitions_without_year"])
	}
	for _, c := range rep.DataQuality {
		if !c.CheckPassed {
			t.Errorf("check %+v failed", c)
		}
	}
}
