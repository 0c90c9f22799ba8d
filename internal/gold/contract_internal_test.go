package gold

import (
	"reflect"
	"testing"
)

// The declarations below are what the Go code held before the tables became contracts
// (issue 11), copied verbatim: the embedded contracts must load into exactly these, every
// field of every table, so the same SQL runs in the same order.

func goDimensionSpecs() map[string]dimSpec {
	return map[string]dimSpec{
		"dim_user": {name: "dim_user", scd2: true, source: "users", key: "user_id", sk: "user_sk",
			tracked: cols("user_name, country_code"), type1: cols("signup_ts TIMESTAMP"), unique: "unique_users"},
		"dim_dataset": {name: "dim_dataset", scd2: true, source: "datasets", key: "dataset_id", sk: "dataset_sk",
			tracked: cols("dataset_title, owner_user_id, is_private BOOLEAN, dataset_type"),
			type1:   cols("dataset_subtitle, created_ts TIMESTAMP"), unique: "unique_datasets"},
		"dim_competition": {name: "dim_competition", source: "competitions", key: "competition_id", sk: "competition_sk",
			type1: cols(`slug, title, host_segment_title, enabled_ts TIMESTAMP, deadline_ts TIMESTAMP, reward_type,
				reward_quantity DOUBLE, num_prizes BIGINT, max_team_size BIGINT`), unique: "unique_competitions"},
		"dim_tag": {name: "dim_tag", source: "tags", key: "tag", sk: "tag_sk",
			type1: cols("tag_category, dataset_count BIGINT"), unique: "unique_tags"},
	}
}

func goDimDateSchema() schema {
	return cols(`date_sk BIGINT, date DATE, date_string, year INTEGER, quarter INTEGER, month INTEGER,
		month_name, month_name_short, week_of_year INTEGER, day_of_year INTEGER, day_of_month INTEGER,
		day_of_week INTEGER, day_name, day_name_short, is_weekend BOOLEAN, is_weekday BOOLEAN,
		is_holiday BOOLEAN, fiscal_year INTEGER, fiscal_quarter INTEGER, year_month, days_in_month INTEGER,
		created_at TIMESTAMP, etl_run_date DATE`)
}

func goDateSources() []dateSource {
	return []dateSource{
		{Table: "users", Column: "signup_ts"},
		{Table: "datasets", Column: "created_ts"},
		{Table: "datasets", Column: "updated_ts"},
		{Table: "competitions", Column: "enabled_ts"},
		{Table: "competitions", Column: "deadline_ts"},
		{Table: "kernels", Column: "created_ts"},
	}
}

// goFactSpecs: previousTags: true became previous: "tags" (the code read silver tags into
// silver_tags_prev; it now reads silver_{previous} into silver_{previous}_prev).
func goFactSpecs() map[string]factSpec {
	return map[string]factSpec{
		"fact_dataset_owner_daily": {
			name: "fact_dataset_owner_daily", silver: []string{"datasets"}, dims: []string{"dim_user", "dim_date"},
			schema: cols(`user_sk BIGINT, date_sk BIGINT, datasets_count BIGINT, private_datasets_count BIGINT,
				public_datasets_count BIGINT, total_views BIGINT, total_downloads BIGINT,
				avg_views_downloads_ratio DOUBLE, ` + factAudit),
			order:  "user_sk",
			checks: []string{"total_equals_private_plus_public", "no_negative_counts", "foreign_key_integrity"},
		},
		"fact_competitions_yearly": {
			name: "fact_competitions_yearly", silver: []string{"competitions"},
			schema: cols(`competition_year BIGINT, total_competitions BIGINT, featured_competitions BIGINT,
				research_competitions BIGINT, getting_started_competitions BIGINT, playground_competitions BIGINT,
				other_competitions BIGINT, total_teams_participated BIGINT, total_competitors_participated BIGINT,
				total_submissions_made BIGINT, avg_teams_per_competition DOUBLE, avg_competitors_per_competition DOUBLE,
				avg_submissions_per_competition DOUBLE, avg_submissions_per_team DOUBLE, avg_competitors_per_team DOUBLE,
				total_rewards_usd DOUBLE, avg_reward_usd_per_competition DOUBLE, competition_type_diversity BIGINT,
				yoy_growth_competitions DOUBLE, ` + factAudit),
			order:  "competition_year",
			checks: []string{"competition_type_sum_integrity", "no_negative_counts", "logical_constraints"},
		},
		"fact_tag_usage_daily": {
			name: "fact_tag_usage_daily", silver: []string{"tags", "datasets"}, dims: []string{"dim_tag", "dim_date"},
			previous: "tags",
			schema: cols(`tag_sk BIGINT, date_sk BIGINT, datasets_count BIGINT, new_assignments BIGINT,
				total_views BIGINT, total_downloads BIGINT, share_of_tagged DOUBLE, ` + factAudit),
			order:  "tag_sk",
			checks: []string{"no_negative_counts", "foreign_key_integrity", "logical_constraints"},
		},
		"bridge_dataset_tag": {
			name: "bridge_dataset_tag", silver: []string{"tags"}, dims: []string{"dim_dataset", "dim_tag"},
			schema: cols(`dataset_sk BIGINT, tag_sk BIGINT, weight DOUBLE, ` + factAudit),
			order:  "dataset_sk, tag_sk",
			checks: []string{"bridge_weights_sum_to_one", "no_negative_counts", "foreign_key_integrity"},
		},
	}
}

func goSilverInputs() map[string]schema {
	return map[string]schema{
		"users": cols("user_id, user_name, country_code, signup_ts TIMESTAMP"),
		"datasets": cols(`dataset_id, dataset_title, dataset_subtitle, owner_user_id, is_private BOOLEAN,
			dataset_type, created_ts TIMESTAMP, updated_ts TIMESTAMP, total_views BIGINT, total_downloads BIGINT,
			views_downloads_ratio DOUBLE`),
		"tags": cols("dataset_id, tag, tag_category, dataset_count BIGINT"),
		"competitions": cols(`competition_id, slug, title, host_segment_title, enabled_ts TIMESTAMP,
			deadline_ts TIMESTAMP, reward_type, reward_quantity DOUBLE, num_prizes BIGINT, max_team_size BIGINT,
			total_teams BIGINT, total_competitors BIGINT, total_submissions BIGINT`),
		"kernels": cols("created_ts TIMESTAMP"),
	}
}

// goTables is Tables() as the code listed it (name, kind, deps), with the keys the warehouse
// declared for each table (internal/warehouse/tables.go), which it now reads from here.
func goTables() []Table {
	return []Table{
		{Name: "dim_date", Kind: KindDimension, Key: "date", SurrogateKey: "date_sk"},
		{Name: "dim_user", Kind: KindDimension, Key: "user_id", SurrogateKey: "user_sk", SCD2: true},
		{Name: "dim_dataset", Kind: KindDimension, Key: "dataset_id", SurrogateKey: "dataset_sk", SCD2: true},
		{Name: "dim_competition", Kind: KindDimension, Key: "competition_id", SurrogateKey: "competition_sk"},
		{Name: "dim_tag", Kind: KindDimension, Key: "tag", SurrogateKey: "tag_sk"},
		{Name: "fact_dataset_owner_daily", Kind: KindFact, Deps: []string{"dim_user", "dim_date"},
			Grain:      []string{"user_sk"},
			References: []Reference{{"user_sk", "dim_user"}, {"date_sk", "dim_date"}},
			Indexes:    []string{"date_sk", "user_sk"}},
		{Name: "fact_competitions_yearly", Kind: KindFact, Deps: []string{"dim_competition", "dim_date"},
			Grain: []string{"competition_year"}},
		{Name: "fact_tag_usage_daily", Kind: KindFact, Deps: []string{"dim_tag", "dim_date"},
			Grain:      []string{"tag_sk"},
			References: []Reference{{"tag_sk", "dim_tag"}, {"date_sk", "dim_date"}},
			Indexes:    []string{"date_sk", "tag_sk"}},
		{Name: "bridge_dataset_tag", Kind: KindBridge, Deps: []string{"dim_dataset", "dim_tag"},
			References: []Reference{{"dataset_sk", "dim_dataset"}, {"tag_sk", "dim_tag"}},
			Indexes:    []string{"run_date", "dataset_sk", "tag_sk"}},
	}
}

func TestContractsEqualTheGoDeclarations(t *testing.T) {
	t.Parallel()
	set, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	if got, want := set.Tables(), goTables(); !reflect.DeepEqual(got, want) {
		t.Errorf("Tables():\n got %+v\nwant %+v", got, want)
	}
	dims := goDimensionSpecs()
	dims["dim_date"] = dimSpec{name: "dim_date", key: "date", sk: "date_sk", calendar: true,
		schema: goDimDateSchema(), dates: goDateSources()}
	if len(set.dims) != len(dims) {
		t.Errorf("%d dimensions, want %d", len(set.dims), len(dims))
	}
	for name, want := range dims {
		if got := set.dims[name]; !reflect.DeepEqual(got, want) {
			t.Errorf("dimension %s:\n got %+v\nwant %+v", name, got, want)
		}
	}
	if got, want := set.dims["dim_date"].columns(), goDimDateSchema(); !reflect.DeepEqual(got, want) {
		t.Errorf("dim_date columns = %v, want %v", got, want)
	}
	facts := goFactSpecs()
	if len(set.facts) != len(facts) {
		t.Errorf("%d facts, want %d", len(set.facts), len(facts))
	}
	for name, want := range facts {
		if got := set.facts[name]; !reflect.DeepEqual(got, want) {
			t.Errorf("fact %s:\n got %+v\nwant %+v", name, got, want)
		}
	}
	if got, want := set.silver, goSilverInputs(); !reflect.DeepEqual(got, want) {
		t.Errorf("silver inputs:\n got %v\nwant %v", got, want)
	}
}

// Tables hands out copies: a caller cannot change the loaded contracts.
func TestTablesAreCopies(t *testing.T) {
	t.Parallel()
	a := Tables()
	a[5].Deps[0] = "changed"
	a[5].References[0].Dimension = "changed"
	if b := Tables(); b[5].Deps[0] != "dim_user" || b[5].References[0].Dimension != "dim_user" {
		t.Fatalf("Tables() shares its slices: %+v", b[5])
	}
}
