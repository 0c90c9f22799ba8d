package htmlreport

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/metalake/metalake/internal/country"
	"github.com/metalake/metalake/internal/engine"
	"github.com/metalake/metalake/internal/lake"
	"github.com/metalake/metalake/internal/query"
)

// Sizes of the data charts.
const (
	TopTags      = 20
	TopCountries = 15
	// NewUsersDays is how many days, ending on the run date, the new-users chart shows.
	NewUsersDays = 90
	// RejectSampleRows is how many rejected rows of each table the report shows.
	RejectSampleRows = 10
)

// chartRelations are the lake relations the data charts read (each chart below names its own).
var chartRelations = []string{
	"gold.fact_tag_usage_daily", "gold.dim_tag", "gold.dim_user",
	"gold.fact_competitions_yearly", "gold.fact_dataset_owner_daily",
}

// Chart names, as the page and DataCharts.Errors know them.
const (
	chartTags         = "top_tags"
	chartCountries    = "countries"
	chartCompetitions = "competitions"
	chartOwners       = "owners"
	chartNewUsers     = "new_users"
	chartRejects      = "reject_samples"
)

// dataCharts queries what the data charts and the reject samples show. A chart whose query
// fails (its table is not in the lake yet: the run stopped before gold) keeps no data and
// says why in Errors; the report is still written.
func dataCharts(ctx context.Context, lk *lake.Lake, eng engine.Engine, d lake.Date) (*DataCharts, error) {
	dc := &DataCharts{Errors: map[string]string{}}
	rejects, err := RejectTables(ctx, lk, d)
	if err != nil {
		return nil, err
	}
	relations := append([]string(nil), chartRelations...)
	for _, t := range rejects {
		relations = append(relations, query.SchemaRejects+"."+engine.Ident(t.Name))
	}
	cat, err := openCatalog(ctx, lk, eng, relations)
	if err != nil {
		return nil, err
	}
	defer cat.Close()
	p := newParams(d)
	have := map[string]bool{}
	for _, t := range cat.Tables() {
		have[t] = true
	}
	for _, c := range []struct {
		name      string
		relations []string
		fill      func(context.Context, *query.Catalog, sqlParams) error
	}{
		{chartTags, []string{"gold.fact_tag_usage_daily", "gold.dim_tag"}, dc.topTags},
		{chartCountries, []string{"gold.dim_user"}, dc.countries},
		{chartCompetitions, []string{"gold.fact_competitions_yearly"}, dc.competitions},
		{chartOwners, []string{"gold.fact_dataset_owner_daily"}, dc.owners},
		{chartNewUsers, []string{"gold.dim_user"}, dc.newUsers},
	} {
		if i := slices.IndexFunc(c.relations, func(r string) bool { return !have[r] }); i >= 0 {
			dc.Errors[c.name] = c.relations[i] + " is not in the lake (gold was never built)"
			continue
		}
		if err := c.fill(ctx, cat, p); err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			dc.Errors[c.name] = firstLine(err)
		}
	}
	for _, t := range rejects {
		s, err := rejectPage(ctx, cat, t, p, "", 0, RejectSampleRows)
		if err != nil {
			dc.Errors[chartRejects] = firstLine(err)
			continue
		}
		dc.Rejects = append(dc.Rejects, s)
	}
	return dc, nil
}

func (dc *DataCharts) topTags(ctx context.Context, cat *query.Catalog, p sqlParams) error {
	rows, err := runSQL(ctx, cat, "top_tags", p)
	for _, r := range rows {
		dc.TopTags = append(dc.TopTags, NamedCount{Name: r.str("name"), Count: r.int("count")})
	}
	return err
}

func (dc *DataCharts) countries(ctx context.Context, cat *query.Catalog, p sqlParams) error {
	rows, err := runSQL(ctx, cat, "users_by_country", p)
	if err != nil {
		return err
	}
	names := map[string]string{}
	for _, e := range country.All() {
		names[e.Code] = e.Name
	}
	for _, r := range rows {
		code, n := r.str("name"), r.int("count")
		switch {
		case code == "XX" || code == "":
			dc.CountryUnknown += n
		case len(dc.Countries) < TopCountries:
			dc.Countries = append(dc.Countries, NamedCount{Name: code, Label: names[code], Count: n})
		default:
			dc.CountryOther += n
		}
	}
	return nil
}

func (dc *DataCharts) competitions(ctx context.Context, cat *query.Catalog, p sqlParams) error {
	rows, err := runSQL(ctx, cat, "competitions_by_year", p)
	for _, r := range rows {
		dc.Competitions = append(dc.Competitions, CompetitionYear{
			Year: r.int("year"), Featured: r.int("featured"), Research: r.int("research"),
			GettingStarted: r.int("getting_started"), Playground: r.int("playground"), Other: r.int("other"),
			RewardsUSD: r.float("rewards_usd"),
		})
	}
	return err
}

// ownerBuckets label the buckets of datasets_per_owner.sql (bucket n is ownerBuckets[n-1]).
var ownerBuckets = []string{"1", "2", "3–5", "6–10", "11–20", "21–50", "51–100", "> 100"}

func (dc *DataCharts) owners(ctx context.Context, cat *query.Catalog, p sqlParams) error {
	rows, err := runSQL(ctx, cat, "datasets_per_owner", p)
	if err != nil {
		return err
	}
	got := map[int64]row{}
	for _, r := range rows {
		got[r.int("bucket")] = r
	}
	for i, label := range ownerBuckets {
		r := got[int64(i+1)]
		b := Bucket{Label: label, Owners: r.int("owners"), Datasets: r.int("datasets")}
		dc.Owners += b.Owners
		dc.MaxOwnerDatasets = max(dc.MaxOwnerDatasets, r.int("max_datasets"))
		dc.OwnerBuckets = append(dc.OwnerBuckets, b)
	}
	return nil
}

func (dc *DataCharts) newUsers(ctx context.Context, cat *query.Catalog, p sqlParams) error {
	rows, err := runSQL(ctx, cat, "new_users_per_day", p)
	if err != nil {
		return err
	}
	byDay := map[string]int64{}
	for _, r := range rows {
		byDay[r.str("day")] = r.int("count")
	}
	for i := NewUsersDays - 1; i >= 0; i-- {
		day := p.day.AddDays(-i).String()
		dc.NewUsers = append(dc.NewUsers, DayCount{Day: day, Count: byDay[day]})
	}
	return nil
}

// RejectTable is one rejects table with a committed partition of the date.
type RejectTable struct {
	Name string
	Rows int64
}

// RejectTables lists the rejects tables (bronze/_rejects/{name}/) with rows on d, by name.
func RejectTables(ctx context.Context, lk *lake.Lake, d lake.Date) ([]RejectTable, error) {
	root := strings.TrimSuffix(lake.RejectsTableDir("x"), "x/") // bronze/_rejects/
	var names []string
	err := lk.B.Iter(ctx, root, func(key string) error {
		if n := len(key); n > len(root) && key[n-1] == '/' {
			names = append(names, key[len(root):n-1])
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("htmlreport: list rejects: %w", err)
	}
	sort.Strings(names)
	var out []RejectTable
	for _, n := range names {
		m, ok, err := lk.ReadManifest(ctx, lake.RejectsDir(n, d))
		if err != nil {
			return nil, err
		}
		if ok && m.Rows > 0 {
			out = append(out, RejectTable{Name: n, Rows: m.Rows})
		}
	}
	return out, nil
}

// ErrUnknownReason is returned by Rejects for a reason no rejected row of the date has.
var ErrUnknownReason = errors.New("no rejected row of the date has this reason")

// RejectPage is one page of a rejects table's rows of a date, for the rejects browser.
type RejectPage struct {
	RejectSamples
	// Reasons are every reason of the table's rows of the date with its count.
	Reasons []NamedCount
	// Matching is the number of rows of the selected reason (all rows when none is).
	Matching int64
}

// Rejects reads rows offset … offset+limit of table's rejects of d (of one reason when reason
// is not ""), opening the read-only query catalog for that table only. t is one of
// RejectTables' entries; a reason that no row has gives ErrUnknownReason.
func Rejects(ctx context.Context, lk *lake.Lake, eng engine.Engine, t RejectTable, d lake.Date, reason string, offset, limit int) (RejectPage, error) {
	cat, err := openCatalog(ctx, lk, eng, []string{query.SchemaRejects + "." + engine.Ident(t.Name)})
	if err != nil {
		return RejectPage{}, err
	}
	defer cat.Close()
	p := newParams(d).withTable(t.Name)
	rows, err := runSQL(ctx, cat, "reject_reasons", p)
	if err != nil {
		return RejectPage{}, err
	}
	page := RejectPage{Matching: t.Rows}
	found := reason == ""
	for _, r := range rows {
		nc := NamedCount{Name: r.str("name"), Count: r.int("count")}
		page.Reasons = append(page.Reasons, nc)
		if reason != "" && nc.Name == reason {
			page.Matching, found = nc.Count, true
		}
	}
	if !found {
		return page, fmt.Errorf("%w: %q", ErrUnknownReason, reason)
	}
	page.RejectSamples, err = rejectPage(ctx, cat, t, newParams(d), reason, offset, limit)
	return page, err
}

func rejectPage(ctx context.Context, cat *query.Catalog, t RejectTable, p sqlParams, reason string, offset, limit int) (RejectSamples, error) {
	p = p.withTable(t.Name)
	p.Offset, p.Limit = offset, limit
	if reason != "" {
		p.Reason = engine.Literal(reason)
	}
	rows, err := runSQL(ctx, cat, "reject_samples", p)
	if err != nil {
		return RejectSamples{}, fmt.Errorf("rejects.%s: %w", t.Name, err)
	}
	s := RejectSamples{Table: t.Name, Total: t.Rows, Rows: []RejectSample{}}
	if len(rows) > 0 {
		s.Columns = rawColumns(rows[0].cols)
	}
	for _, r := range rows {
		s.Rows = append(s.Rows, sampleOf(r, s.Columns))
	}
	return s, nil
}

// rejectMeta are the columns bronze adds to a rejected row; the others are its raw fields.
var rejectMeta = map[string]bool{
	"reject_reason": true, "source_file": true, "source_line": true, "raw_line": true,
	"run_date": true, "ingest_ts": true,
}

func rawColumns(cols []string) []string {
	var out []string
	for _, c := range cols {
		if !rejectMeta[c] {
			out = append(out, c)
		}
	}
	return out
}

func sampleOf(r row, raw []string) RejectSample {
	s := RejectSample{File: r.str("source_file"), Line: r.int("source_line"), Reason: r.str("reject_reason")}
	if v, ok := r.vals["raw_line"].(string); ok {
		s.Raw, s.RawIsLine = v, true
		return s
	}
	fields := make([]string, len(raw))
	for i, c := range raw {
		fields[i] = r.str(c)
	}
	s.Raw = csvLine(fields)
	return s
}

// csvLine joins fields as one CSV line (RFC 4180 quoting), as the raw file had them.
func csvLine(fields []string) string {
	var b strings.Builder
	w := csv.NewWriter(&b)
	_ = w.Write(fields) // a strings.Builder does not fail
	w.Flush()
	return strings.TrimSuffix(b.String(), "\n")
}
