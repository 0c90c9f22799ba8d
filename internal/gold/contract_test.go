package gold_test

import (
	"context"
	"io/fs"
	"maps"
	"os"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/metalake/metalake/internal/gold"
)

// embeddedFS copies the package's contracts and models (the files Default embeds) into
// editable in-memory file systems.
func embeddedFS(t *testing.T) (contracts, models fstest.MapFS) {
	t.Helper()
	read := func(dir, pattern string) fstest.MapFS {
		out := fstest.MapFS{}
		names, err := fs.Glob(os.DirFS(dir), pattern)
		if err != nil || len(names) == 0 {
			t.Fatalf("%s/%s: %v (%d files)", dir, pattern, err, len(names))
		}
		for _, n := range names {
			b, err := os.ReadFile(dir + "/" + n)
			if err != nil {
				t.Fatal(err)
			}
			out[n] = &fstest.MapFile{Data: b}
		}
		return out
	}
	return read("contracts", "*.yaml"), read("models", "*.sql")
}

// edit replaces old by new in file of fsys (old must occur).
func edit(t *testing.T, fsys fstest.MapFS, file, old, new string) {
	t.Helper()
	f, ok := fsys[file]
	if !ok || !strings.Contains(string(f.Data), old) {
		t.Fatalf("%s does not contain %q", file, old)
	}
	fsys[file] = &fstest.MapFile{Data: []byte(strings.Replace(string(f.Data), old, new, 1))}
}

func TestLoadEmbedded(t *testing.T) {
	t.Parallel()
	contracts, models := embeddedFS(t)
	set, err := gold.Load(contracts, models)
	if err != nil {
		t.Fatal(err)
	}
	def, err := gold.Default()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.EqualFunc(set.Tables(), def.Tables(), func(a, b gold.Table) bool { return a.Name == b.Name }) {
		t.Errorf("the files on disk and the embedded ones differ: %v vs %v", set.Tables(), def.Tables())
	}
}

// Each broken contract is refused with an error naming the file, the field and the fix.
func TestLoadRefusesBrokenContracts(t *testing.T) {
	t.Parallel()
	type change func(t *testing.T, contracts, models fstest.MapFS)
	replace := func(file, old, new string) change {
		return func(t *testing.T, c, m fstest.MapFS) {
			if strings.HasPrefix(file, "models/") {
				edit(t, m, strings.TrimPrefix(file, "models/"), old, new)
			} else {
				edit(t, c, file, old, new)
			}
		}
	}
	for _, tc := range []struct {
		name   string
		change change
		want   []string
	}{
		{"unknown kind", replace("dim_tag.yaml", "kind: dimension", "kind: dimensions"),
			[]string{`gold contract dim_tag.yaml: kind "dimensions": use dimension, fact or bridge`}},
		{"unknown dimension type", replace("dim_tag.yaml", "type: type1", "type: scd3"),
			[]string{`gold contract dim_tag.yaml: type "scd3": use scd2 (versions), type1 (overwritten in place) or calendar (generated dates)`}},
		{"unknown field", replace("dim_tag.yaml", "source: tags", "source: tags\ncolour: blue"),
			[]string{"gold contract dim_tag.yaml: yaml: unmarshal errors:", "line 9: field colour not found in type gold.contract"}},
		{"empty contract", func(t *testing.T, c, _ fstest.MapFS) { c["dim_tag.yaml"] = &fstest.MapFile{} },
			[]string{`gold contract dim_tag.yaml: empty: declare the table`}},
		{"dependency not a gold table", replace("fact_competitions_yearly.yaml", "[dim_competition, dim_date]", "[dim_competitions, dim_date]"),
			[]string{`gold contract fact_competitions_yearly.yaml: depends_on "dim_competitions": not a gold table: declare it (contracts/dim_competitions.yaml) or remove it`}},
		{"dependency on itself", replace("fact_competitions_yearly.yaml", "[dim_competition, dim_date]", "[fact_competitions_yearly]"),
			[]string{`gold contract fact_competitions_yearly.yaml: depends_on "fact_competitions_yearly": a table cannot depend on itself`}},
		{"cycle", func(t *testing.T, c, _ fstest.MapFS) {
			edit(t, c, "dim_user.yaml", "type: scd2", "type: scd2\ndepends_on: [dim_dataset]")
			edit(t, c, "dim_dataset.yaml", "type: scd2", "type: scd2\ndepends_on: [dim_user]")
		}, []string{`gold contract dim_user.yaml: depends_on: a cycle dim_user → dim_dataset → dim_user: remove one of these dependencies`}},
		{"dependency listed later", replace("dim_user.yaml", "order: 2", "order: 20"),
			[]string{`gold contract fact_dataset_owner_daily.yaml: depends_on dim_user: it has order 20, not before this table's 6: give fact_dataset_owner_daily a larger order`}},
		{"fact reads a dimension it does not depend on", replace("fact_dataset_owner_daily.yaml", "depends_on: [dim_user, dim_date]", "depends_on: [dim_date]"),
			[]string{`gold contract fact_dataset_owner_daily.yaml: dimensions dim_user: it reads this dimension but does not depend on it: add dim_user to depends_on`}},
		{"fact reads a fact as a dimension", func(t *testing.T, c, _ fstest.MapFS) {
			edit(t, c, "bridge_dataset_tag.yaml", "depends_on: [dim_dataset, dim_tag]", "depends_on: [dim_dataset, dim_tag, fact_tag_usage_daily]")
			edit(t, c, "bridge_dataset_tag.yaml", "dimensions: [dim_dataset, dim_tag]", "dimensions: [dim_dataset, dim_tag, fact_tag_usage_daily]")
		}, []string{`gold contract bridge_dataset_tag.yaml: dimensions "fact_tag_usage_daily": not a gold dimension`}},
		{"column without a type", replace("dim_user.yaml", "{name: country_code, type: STRING}", "{name: country_code}"),
			[]string{`gold contract dim_user.yaml: tracked[1] country_code: type "": use STRING, BIGINT, INTEGER, DOUBLE, BOOLEAN, DATE or TIMESTAMP`}},
		{"fact column with an unknown type", replace("bridge_dataset_tag.yaml", "{name: weight, type: DOUBLE}", "{name: weight, type: FLOAT8}"),
			[]string{`gold contract bridge_dataset_tag.yaml: columns[2] weight: type "FLOAT8": use STRING`}},
		{"silver column with an unknown type", replace("silver.yaml", "{name: created_ts, type: TIMESTAMP}\n", "{name: created_ts, type: DATETIME}\n"),
			[]string{`gold contract silver.yaml: datasets[6] created_ts: type "DATETIME": use STRING`}},
		{"column gold adds", replace("fact_tag_usage_daily.yaml", "{name: share_of_tagged, type: DOUBLE}", "{name: run_date, type: DATE}"),
			[]string{`gold contract fact_tag_usage_daily.yaml: columns[6]: run_date is a column gold adds itself: remove it`}},
		{"column declared twice", replace("dim_dataset.yaml", "{name: created_ts, type: TIMESTAMP}", "{name: dataset_title, type: STRING}"),
			[]string{`gold contract dim_dataset.yaml: type1[1]: dataset_title is already declared (tracked): declare each column once`}},
		{"duplicate name", func(t *testing.T, c, _ fstest.MapFS) { c["dim_user_copy.yaml"] = c["dim_user.yaml"] },
			[]string{`gold contract dim_user_copy.yaml: table dim_user: also declared in dim_user.yaml: give each table one contract`}},
		{"missing model", func(t *testing.T, _, m fstest.MapFS) { delete(m, "dim_tag.sql") },
			[]string{`gold contract dim_tag.yaml: model: models/dim_tag.sql is missing: write it with the blocks "source", "unknown"`}},
		{"missing generic model", func(t *testing.T, _, m fstest.MapFS) { delete(m, "scd2.sql") },
			[]string{`gold model scd2.sql: models/scd2.sql is missing: write it with the blocks "past", "seen", "hits", "pieces", "versions", "dim" (the generic model of dim_user, dim_dataset)`}},
		{"missing check block", replace("fact_competitions_yearly.yaml", "logical_constraints]", "logical_constraints, yearly_totals]"),
			[]string{`gold contract fact_competitions_yearly.yaml: model: models/fact_competitions_yearly.sql has no block "check yearly_totals": add {{define "check yearly_totals"}}…{{end}}`}},
		{"check not listed", replace("fact_competitions_yearly.yaml", ", logical_constraints]", "]"),
			[]string{`gold contract fact_competitions_yearly.yaml: checks: models/fact_competitions_yearly.sql defines check "logical_constraints", which checks does not list: add it (or remove the block)`}},
		{"missing model block", replace("models/dim_user.sql", `{{define "unknown"}}`, `{{define "unknown_member"}}`),
			[]string{`gold contract dim_user.yaml: model: models/dim_user.sql has no block "unknown"`}},
		{"silver table not declared", replace("dim_tag.yaml", "{table: tags, columns: [tag, tag_category, dataset_count]}", "{table: tag, columns: [tag]}"),
			[]string{`gold contract dim_tag.yaml: silver[0] table "tag": not declared in silver.yaml: add it there`,
				`gold contract dim_tag.yaml: source "tags": not among the silver tables it reads (silver:)`}},
		{"silver column not declared", replace("dim_user.yaml", "[user_id, user_name, country_code, signup_ts]", "[user_id, user_name, country_code, signup_ts, display_name]"),
			[]string{`gold contract dim_user.yaml: silver[0] users.display_name: not declared in silver.yaml: add {name: display_name, type: …} to its users list`}},
		{"silver column read by no contract", replace("silver.yaml", "kernels:\n", "kernels:\n  - {name: author_user_id, type: STRING}\n"),
			[]string{`gold contract silver.yaml: kernels.author_user_id: read by no gold contract: remove it`}},
		{"missing silver.yaml", func(t *testing.T, c, _ fstest.MapFS) { delete(c, "silver.yaml") },
			[]string{`gold contract silver.yaml: missing: declare the silver columns gold reads there`}},
		{"key not read", replace("dim_tag.yaml", "key: tag\n", "key: tag_id\n"),
			[]string{`gold contract dim_tag.yaml: key tag_id: not a column it reads from silver tags: add it to that silver list`}},
		{"calendar reads a non-date", replace("dim_date.yaml", "{table: users, columns: [signup_ts]}", "{table: users, columns: [signup_ts, user_name]}"),
			[]string{`gold contract dim_date.yaml: silver[0] users.user_name: a calendar reads the dates it must cover, and this is STRING: remove it`}},
		{"fact field on a dimension", replace("dim_tag.yaml", "unique_metric: unique_tags", "unique_metric: unique_tags\ngrain: [tag]"),
			[]string{`gold contract dim_tag.yaml: grain: only facts and bridges have it: remove it (or make the kind fact)`}},
		{"dimension field on a fact", replace("bridge_dataset_tag.yaml", "kind: bridge", "kind: bridge\nsurrogate_key: bridge_sk"),
			[]string{`gold contract bridge_dataset_tag.yaml: surrogate_key: only dimensions have it: remove it (or make the kind dimension)`}},
		{"unknown grain, sort and index columns", func(t *testing.T, c, _ fstest.MapFS) {
			edit(t, c, "fact_tag_usage_daily.yaml", "grain: [tag_sk]", "grain: [tag]")
			edit(t, c, "fact_tag_usage_daily.yaml", "sort_by: [tag_sk]", "sort_by: [tag]")
			edit(t, c, "fact_tag_usage_daily.yaml", "indexes: [date_sk, tag_sk]", "indexes: [date]")
		}, []string{`gold contract fact_tag_usage_daily.yaml: grain "tag": not one of its columns`,
			`gold contract fact_tag_usage_daily.yaml: sort_by "tag": not one of its columns`,
			`gold contract fact_tag_usage_daily.yaml: indexes "date": not a column of fact_tag_usage_daily`}},
		{"previous not read", replace("fact_tag_usage_daily.yaml", "\nprevious: tags\n", "\nprevious: users\n"),
			[]string{`gold contract fact_tag_usage_daily.yaml: previous "users": not among the silver tables it reads (silver:)`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			contracts, models := embeddedFS(t)
			tc.change(t, contracts, models)
			_, err := gold.Load(contracts, models)
			if err == nil {
				t.Fatal("Load accepted the broken contracts")
			}
			t.Log(err)
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error\n%v\nlacks\n%s", err, w)
				}
			}
		})
	}
}

// A new gold table is a contract and a model: here a Type 1 dimension of countries and a fact
// of users per country and day, added to the embedded contracts with no Go change, are
// validated, listed in dependency order and built.
func TestNewTablesAsData(t *testing.T) {
	t.Parallel()
	contracts, models := embeddedFS(t)
	contracts["dim_country.yaml"] = &fstest.MapFile{Data: []byte(`
table: dim_country
kind: dimension
order: 10
type: type1
silver:
  - {table: users, columns: [country_code]}
source: users
key: country_code
surrogate_key: country_sk
type1:
  - {name: users, type: BIGINT}
unique_metric: unique_countries
`)}
	models["dim_country.sql"] = &fstest.MapFile{Data: []byte(`
{{define "source"}}
SELECT country_code, CAST(COUNT(*) AS BIGINT) AS users
FROM silver_users
WHERE country_code IS NOT NULL
GROUP BY country_code
{{end}}

{{define "unknown"}}
SELECT CAST(0 AS BIGINT) AS country_sk, '??' AS country_code, CAST(0 AS BIGINT) AS users,
       CAST(NULL AS DATE) AS last_observed_date
{{end}}
`)}
	contracts["fact_country_daily.yaml"] = &fstest.MapFile{Data: []byte(`
table: fact_country_daily
kind: fact
order: 11
depends_on: [dim_country, dim_date]
silver:
  - {table: users, columns: [country_code]}
dimensions: [dim_country, dim_date]
columns:
  - {name: country_sk, type: BIGINT}
  - {name: date_sk, type: BIGINT}
  - {name: users, type: BIGINT}
grain: [country_sk]
sort_by: [country_sk]
checks: [no_negative_counts, foreign_key_integrity]
`)}
	models["fact_country_daily.sql"] = &fstest.MapFile{Data: []byte(`
{{define "build"}}
SELECT COALESCE(c.country_sk, 0) AS country_sk,
       CAST({{.DateSK}} AS BIGINT) AS date_sk,
       CAST(COUNT(*) AS BIGINT) AS users,
       {{.D}} AS run_date,
       {{.RunID}} AS pipeline_run_id,
       {{.Now}} AS created_at_ts
FROM silver_users u
LEFT JOIN dim_country c ON c.country_code = u.country_code AND c.country_sk <> 0
GROUP BY COALESCE(c.country_sk, 0)
{{end}}

{{define "metrics"}}
SELECT CAST(COUNT(*) AS BIGINT) AS total_records FROM fact
{{end}}

{{define "check no_negative_counts"}}
SELECT COUNT(*) FROM fact WHERE users < 0
{{end}}

{{define "check foreign_key_integrity"}}
SELECT COUNT(*) FROM fact f
WHERE NOT EXISTS (SELECT 1 FROM dim_country c WHERE c.country_sk = f.country_sk)
   OR NOT EXISTS (SELECT 1 FROM dim_date d WHERE d.date_sk = f.date_sk)
{{end}}
`)}
	set, err := gold.Load(contracts, models)
	if err != nil {
		t.Fatal(err)
	}
	tables := set.Tables()
	if len(tables) != len(gold.Tables())+2 {
		t.Fatalf("%d tables, want the embedded ones and two more", len(tables))
	}
	dim, fact := tables[len(tables)-2], tables[len(tables)-1]
	if dim.Name != "dim_country" || dim.Kind != gold.KindDimension || dim.SurrogateKey != "country_sk" || dim.SCD2 {
		t.Errorf("dim_country = %+v", dim)
	}
	if fact.Name != "fact_country_daily" || fact.Kind != gold.KindFact ||
		!slices.Equal(fact.References, []gold.Reference{{Column: "country_sk", Dimension: "dim_country"}, {Column: "date_sk", Dimension: "dim_date"}}) {
		t.Errorf("fact_country_daily = %+v", fact)
	}

	f := newFixture(t)
	f.job.Contracts = set
	const d = "2024-01-15"
	f.putUsers(t, d, user{"U1", "a", "US", "2020-01-01"}, user{"U2", "b", "US", ""}, user{"U3", "c", "DE", ""})
	ctx := context.Background()
	for _, name := range []string{"dim_date", "dim_country", "fact_country_daily"} {
		if err := f.job.Run(ctx, name, mustDate(t, d)); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	rows := f.query(t, `SELECT c.country_code, f.users, f.date_sk FROM gold.fact_country_daily f
		JOIN gold.dim_country c USING (country_sk) ORDER BY c.country_code`)
	if len(rows) != 2 || rows[0]["country_code"] != "DE" || num(t, rows[0]["users"]) != 1 ||
		rows[1]["country_code"] != "US" || num(t, rows[1]["users"]) != 2 || num(t, rows[1]["date_sk"]) != 20240115 {
		t.Errorf("fact_country_daily ⋈ dim_country = %v", rows)
	}
	var rep gold.FactReport
	if err := f.lake.GetJSON(ctx, gold.ReportKey("fact_country_daily", mustDate(t, d)), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Status != gold.StatusSuccess || len(rep.DataQuality) != 2 || !rep.DataQuality[1].CheckPassed {
		t.Errorf("report = %+v", rep)
	}
	// The embedded job knows nothing of them.
	if err := (&gold.Job{Lake: f.lake, Engine: f.eng}).Run(ctx, "fact_country_daily", mustDate(t, d)); err == nil {
		t.Error("the default contracts built fact_country_daily")
	}
}

// Any text in place of one contract loads or is refused with errors naming a gold file; it
// never panics.
func FuzzLoadContract(f *testing.F) {
	for _, name := range []string{"dim_user.yaml", "dim_date.yaml", "fact_tag_usage_daily.yaml", "bridge_dataset_tag.yaml", "silver.yaml"} {
		b, err := os.ReadFile("contracts/" + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(name, b)
	}
	f.Add("dim_tag.yaml", []byte("table: dim_tag\nkind: dimension\ndepends_on: [dim_tag]\n"))
	contracts := fstest.MapFS{}
	models := fstest.MapFS{}
	for dir, fsys := range map[string]fstest.MapFS{"contracts": contracts, "models": models} {
		entries, err := os.ReadDir(dir)
		if err != nil {
			f.Fatal(err)
		}
		for _, e := range entries {
			b, err := os.ReadFile(dir + "/" + e.Name())
			if err != nil {
				f.Fatal(err)
			}
			fsys[e.Name()] = &fstest.MapFile{Data: b}
		}
	}
	f.Fuzz(func(t *testing.T, name string, doc []byte) {
		if _, ok := contracts[name]; !ok {
			return
		}
		fsys := maps.Clone(contracts)
		fsys[name] = &fstest.MapFile{Data: doc}
		set, err := gold.Load(fsys, models)
		if err != nil {
			for _, line := range strings.Split(err.Error(), "\n") {
				if !strings.HasPrefix(line, "gold contract ") && !strings.HasPrefix(line, "gold model") && !strings.HasPrefix(line, "  ") {
					t.Fatalf("error line %q names no gold file", line)
				}
			}
			return
		}
		if len(set.Tables()) == 0 {
			t.Fatal("a set without tables loaded")
		}
	})
}
