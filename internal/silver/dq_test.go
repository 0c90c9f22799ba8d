package silver_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/metalake/metalake/internal/dag"
	"github.com/metalake/metalake/internal/lake"
	"github.com/metalake/metalake/internal/query"
	"github.com/metalake/metalake/internal/silver"
)

// TestDQReport: the structured results of the users, datasets and tags checks on a fixture
// whose answers are known.
func TestDQReport(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t)
	users := planUsersHeader
	n := 0
	for _, c := range []struct {
		cc    string
		times int
	}{{"US", 3}, {"VN", 2}, {"CA", 2}, {"MX", 1}, {"KR", 1}, {"JP", 1}, {"IN", 1}, {"GB", 1}, {"FR", 1}, {"DE", 1}, {"BR", 1}, {"AR", 1}} {
		for range c.times {
			n++
			signup := "2020-01-01 00:00:00"
			switch n {
			case 1:
				signup = "2024-01-05 10:00:00" // after the run date
			case 2:
				signup = "" // imputed: 2024-01-01
			case 3:
				signup = "2019-06-30 08:00:00"
			}
			users += fmt.Sprintf("U%d,user%d,%s,%s\n", n, n, signup, c.cc)
		}
	}
	e.putRaw(t, "users", "2024-01-01", users)
	e.putRaw(t, "datasets", "2024-01-01", planDatasetsHeader+`D1,A,,U1,100,10,2022-01-01,2023-12-31,Dataset,TRUE
D2,B,,U1,10,2,2022-01-01,2023-12-02,Dataset,FALSE
D3,C,,U2,20,4,2022-01-01,2023-01-01,Dataset,FALSE
D4,D,,U99,30,6,2021-01-01,2022-12-31,Dataset,FALSE
D5,E,,U3,40,8,2022-01-01,,Dataset,FALSE
`)
	e.putRaw(t, "tags", "2024-01-01", `DatasetId,Tags
D1,"[""ML"",""m-l"",""Vision""]"
D2,"[""ML""]"
D3,"[""Vision!""]"
`)
	e.runBronze(t, "2024-01-01", "users", "datasets", "tags")
	e.runSilver(t, "2024-01-01", "users", "datasets", "tags")
	q := &silver.DQ{Lake: e.lake, Engine: e.eng, Contracts: e.silver.Contracts}
	rep, err := q.Run(ctx, mustDate(t, "2024-01-01"))
	if err != nil {
		t.Fatal(err)
	}
	// The written report is what the checks see.
	var written silver.DQReport
	if err := e.lake.GetJSON(ctx, silver.DQKey(mustDate(t, "2024-01-01")), &written); err != nil {
		t.Fatal(err)
	}
	if written.Layer != "silver" || written.RunDate != "2024-01-01" || written.CheckTime == "" || len(written.Errors) != 0 {
		t.Errorf("report header %+v", written)
	}
	result := func(table, check string) string {
		for _, c := range rep.Tables[table].Checks {
			if c.Name == check {
				b, _ := json.Marshal(c.Result)
				return string(b)
			}
		}
		t.Fatalf("no check %s.%s", table, check)
		return ""
	}
	for _, c := range []struct{ table, check, want string }{
		{"users", "user_uniqueness", `{"duplicates":0,"total_rows":16,"unique_user_ids":16}`},
		{"users", "top_countries", `[{"country_code":"US","percentage":18.75,"users":3},{"country_code":"CA","percentage":12.5,"users":2},` +
			`{"country_code":"VN","percentage":12.5,"users":2},{"country_code":"AR","percentage":6.25,"users":1},` +
			`{"country_code":"BR","percentage":6.25,"users":1},{"country_code":"DE","percentage":6.25,"users":1},` +
			`{"country_code":"FR","percentage":6.25,"users":1},{"country_code":"GB","percentage":6.25,"users":1},` +
			`{"country_code":"IN","percentage":6.25,"users":1},{"country_code":"JP","percentage":6.25,"users":1}]`},
		{"users", "signup_dates", `{"future_signups":1,"imputed_signups":1,"max_signup_ts":"2024-01-05 10:00:00","min_signup_ts":"2019-06-30 08:00:00"}`},
		{"datasets", "owner_match", `{"matched_owners":4,"owner_match_rate":0.8,"total_datasets":5,"unmatched_owners":1}`},
		{"datasets", "privacy", `[{"avg_downloads":10,"avg_views":100,"datasets":1,"visibility":"private"},{"avg_downloads":5,"avg_views":25,"datasets":4,"visibility":"public"}]`},
		{"datasets", "freshness", `{"days_30_to_365":2,"missing_dates":1,"over_365_days":1,"under_30_days":1}`},
		{"tags", "tag_normalisation", `{"total_assignments":5,"unique_normalised_tags":3,"unique_original_tags":4}`},
		{"tags", "categories", `[{"assignments":5,"avg_datasets_per_tag":1.67,"tag_category":"popular","unique_tags":3}]`},
	} {
		if got := result(c.table, c.check); got != c.want {
			t.Errorf("%s.%s\ngot  %s\nwant %s", c.table, c.check, got, c.want)
		}
	}
}

// TestValidateAndCompletion: validate_silver_output and check_silver_completion pass on a
// complete date and name every problem otherwise; neither is retryable.
func TestValidateAndCompletion(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t)
	dates := e.generate(t, "plan", 1, 500, 0.01)
	d := mustDate(t, dates[0])
	e.runBronze(t, dates[0], "users", "datasets", "tags", "competitions", "kernels")
	e.runSilver(t, dates[0], allTables...)
	set := e.silver.Contracts
	if err := silver.ValidateOutput(ctx, e.lake, set, d); err != nil {
		t.Fatalf("validate: %v", err)
	}
	if err := silver.CheckCompletion(ctx, e.lake, set, d); err == nil || !strings.Contains(err.Error(), "no silver DQ report") {
		t.Errorf("completion without a DQ report: %v", err)
	}
	q := &silver.DQ{Lake: e.lake, Engine: e.eng, Contracts: set}
	if _, err := q.Run(ctx, d); err != nil {
		t.Fatal(err)
	}
	if err := silver.CheckCompletion(ctx, e.lake, set, d); err != nil {
		t.Fatalf("completion: %v", err)
	}
	// Take tags away: both checks fail naming it, the DQ report records the error.
	if err := e.lake.Withdraw(ctx, lake.PartitionDir(lake.Silver, "tags", d)); err != nil {
		t.Fatal(err)
	}
	err := silver.ValidateOutput(ctx, e.lake, set, d)
	var ce *silver.CheckError
	if !errors.As(err, &ce) || dag.Retryable(err) || !strings.Contains(err.Error(), "no silver tags partition") {
		t.Errorf("validate after withdrawal: %v", err)
	}
	rep, err := q.Run(ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Errors) != 2 || !strings.Contains(rep.Errors[0], "silver tags "+dates[0]+" is not published") {
		t.Errorf("DQ errors = %v", rep.Errors)
	}
	if err := silver.CheckCompletion(ctx, e.lake, set, d); err == nil || !strings.Contains(err.Error(), "no silver tags partition") ||
		!strings.Contains(err.Error(), "DQ tags.tag_normalisation") {
		t.Errorf("completion after withdrawal: %v", err)
	}
	// An empty table fails validation (output_count 0).
	if _, err := e.lake.Publish(ctx, lake.PartitionDir(lake.Silver, "tags", d),
		lake.Manifest{Layer: lake.Silver, Table: "tags", RunDate: dates[0], Attempt: lake.NewAttemptID(time.Now())}, nil); err != nil {
		t.Fatal(err)
	}
	if err := silver.ValidateOutput(ctx, e.lake, set, d); err == nil || !strings.Contains(err.Error(), "silver tags output_count is 0") {
		t.Errorf("validate with an empty partition: %v", err)
	}
}

// TestQueryExposesSilver: `metalake query` sees every silver table (and its _latest view), with
// run_date equal to silver_run_date, and never the held rows or the reports.
func TestQueryExposesSilver(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t)
	dates := e.generate(t, "kaggle", 2, 300, 0.01)
	for _, d := range dates {
		e.runBronze(t, d, "users", "datasets", "tags", "competitions", "kernels")
		e.runSilver(t, d, allTables...)
	}
	c, err := query.Open(ctx, e.lake, e.eng)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	tables := strings.Join(c.Tables(), " ")
	for _, tb := range allTables {
		if !strings.Contains(tables, "silver."+tb+" ") || !strings.Contains(tables, "silver."+tb+"_latest") {
			t.Errorf("silver.%s not exposed: %s", tb, tables)
		}
	}
	if strings.Contains(tables, "held") || strings.Contains(tables, "_reports") {
		t.Errorf("internal folders exposed: %s", tables)
	}
	var out bytes.Buffer
	if err := c.Query(ctx, "SELECT COUNT(*) FROM silver.users WHERE run_date <> silver_run_date", query.FormatCSV, &out); err != nil {
		t.Fatal(err)
	}
	if out.String() != "count_star()\n0\n" {
		t.Errorf("run_date vs silver_run_date: %q", out.String())
	}
}
