package silver_test

import (
	"fmt"
	"testing"

	"github.com/metalake/metalake/internal/silver"
)

// TestCompetitions: competition_year from enabled_ts, reward_usd only for USD rewards, trimmed
// host segment, inverted and missing dates flagged, the no-limit sentinel flagged.
func TestCompetitions(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.putRaw(t, "competitions", "2024-01-01", `Id,Slug,Title,HostSegmentTitle,EnabledDate,DeadlineDate,RewardType,RewardQuantity,NumPrizes,TotalTeams,TotalCompetitors,TotalSubmissions,MaxTeamSize
1,a,A,"  Featured ",03/01/2021 00:00:00,06/01/2021 23:59:00,USD,25000.0000,3,100,120,900,5
2,b,B,Research,12/31/2019 10:00:00,01/15/2019 00:00:00,EUR,1000.0000,1,10,12,50,2147483647
3,c,C,Playground,,,Knowledge,0.0000,0,5,5,5,
4,d,D,"",07/04/2022 00:00:00,08/01/2022 00:00:00,usd ,100.0000,1,0,0,0,1
`)
	e.runBronze(t, "2024-01-01", "competitions")
	rep := e.runSilver(t, "2024-01-01", "competitions")["competitions"]
	checkAccounting(t, rep)
	rows := e.byKey(t, "competitions", "2024-01-01", "competition_id")
	type row struct {
		year, usd, segment, rewardType any
		inverted, missing, unlimited   any
	}
	want := map[string]row{
		"1": {int64(2021), 25000.0, "Featured", "USD", false, false, false},
		"2": {int64(2019), nil, "Research", "EUR", true, false, true},
		"3": {nil, nil, "Playground", "Knowledge", false, true, false},
		"4": {int64(2022), 100.0, nil, "usd", false, false, false},
	}
	for id, w := range want {
		r := rows[id]
		got := row{r["competition_year"], r["reward_usd"], r["host_segment_title"], r["reward_type"],
			r["has_inverted_dates"], r["has_missing_dates"], r["max_team_size_unlimited"]}
		if fmt.Sprint(got) != fmt.Sprint(w) {
			t.Errorf("competition %s\ngot  %v\nwant %v", id, got, w)
		}
	}
	if got := strategy(t, rep, silver.StrategyDerive, "reward_usd"); got != 2 {
		t.Errorf("DERIVE reward_usd = %d, want 2", got)
	}
}

// TestKernels: the author from silver users of the run date ('Unknown'/'XX' when absent),
// missing counters imputed (flagged), forks derived, the age against the run date.
func TestKernels(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.putRaw(t, "users", "2024-01-01", planUsersHeader+"U1,alice,2023-01-01 00:00:00,VN\n")
	e.putRaw(t, "kernels", "2024-01-01", `Id,AuthorUserId,CreationDate,TotalViews,TotalComments,TotalVotes,ForkParentKernelVersionId
1,U1,12/22/2023 08:00:00,10,1,2,
2,U7,12/31/2023 08:00:00,,,3,99
2,U7,12/31/2023 08:00:00,5,0,3,99
`)
	e.runBronze(t, "2024-01-01", "users", "kernels")
	rep := e.runSilver(t, "2024-01-01", "users", "kernels")["kernels"]
	checkAccounting(t, rep)
	if rep.DuplicatesRemoved != 1 || rep.OutputCount != 2 {
		t.Errorf("duplicates %d output %d, want 1 and 2", rep.DuplicatesRemoved, rep.OutputCount)
	}
	rows := e.byKey(t, "kernels", "2024-01-01", "kernel_id")
	if r := rows["1"]; r["author_name"] != "alice" || r["author_country"] != "VN" || r["author_matched"] != true ||
		r["kernel_age_days"] != int64(10) || r["is_fork"] != false {
		t.Errorf("kernel 1 = %v", r)
	}
	// The last line of the duplicate wins (counters present, nothing imputed).
	if r := rows["2"]; r["author_name"] != "Unknown" || r["author_country"] != "XX" || r["total_views"] != int64(5) ||
		r["counts_imputed"] != false || r["is_fork"] != true {
		t.Errorf("kernel 2 = %v", r)
	}
	if got := strategy(t, rep, silver.StrategyDefault, "author_name, author_country"); got != 1 {
		t.Errorf("unmatched authors = %d, want 1", got)
	}
}
