package gold_test

import (
	"context"
	"encoding/csv"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/metalake/metalake/internal/bronze"
	"github.com/metalake/metalake/internal/contract"
	"github.com/metalake/metalake/internal/silver"
	"github.com/metalake/metalake/internal/storage"
)

// yearTotals are the figures of one year counted straight from the CSV.
type yearTotals struct {
	total, featured, research, gettingStarted, playground, other int64
	teams, competitors, submissions                              int64
	usd                                                          float64
	segments                                                     map[string]bool
}

// countCompetitions reads Competitions.csv with Go's CSV reader: the independent truth.
func countCompetitions(t *testing.T, path string) (map[int64]*yearTotals, int64) {
	t.Helper()
	fh, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	r := csv.NewReader(fh)
	header, err := r.Read()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range header {
		col[h] = i
	}
	atoi := func(s string) int64 {
		if s == "" {
			return 0
		}
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	out := map[int64]*yearTotals{}
	var rows int64
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		rows++
		date := rec[col["EnabledDate"]] // MM/DD/YYYY HH:MM:SS
		parts := strings.Split(strings.Fields(date)[0], "/")
		y := atoi(parts[2])
		yt := out[y]
		if yt == nil {
			yt = &yearTotals{segments: map[string]bool{}}
			out[y] = yt
		}
		yt.total++
		switch seg := rec[col["HostSegmentTitle"]]; seg {
		case "Featured":
			yt.featured++
		case "Research":
			yt.research++
		case "Getting Started":
			yt.gettingStarted++
		case "Playground":
			yt.playground++
		default:
			yt.other++
		}
		if seg := rec[col["HostSegmentTitle"]]; seg != "" {
			yt.segments[seg] = true
		}
		yt.teams += atoi(rec[col["TotalTeams"]])
		yt.competitors += atoi(rec[col["TotalCompetitors"]])
		yt.submissions += atoi(rec[col["TotalSubmissions"]])
		if rec[col["RewardType"]] == "USD" {
			q, err := strconv.ParseFloat(rec[col["RewardQuantity"]], 64)
			if err != nil {
				t.Fatal(err)
			}
			yt.usd += q
		}
	}
	return out, rows
}

// The real 2022 Competitions.csv through bronze, silver and the yearly fact: every year's
// totals and type splits equal counts computed directly from the file (all 5,212 rows).
func TestRealCompetitionsYearly(t *testing.T) {
	t.Parallel()
	path := filepath.Join("..", "..", "..", "shared", "realdata", "meta-kaggle-2022-03", "Competitions.csv")
	body, err := os.ReadFile(path)
	if err != nil {
		t.Skipf("real Meta Kaggle extract not available: %v", err)
	}
	want, n := countCompetitions(t, path)
	if n != 5212 {
		t.Fatalf("the real file has %d rows, expected 5,212", n)
	}
	f := newFixture(t)
	ctx := context.Background()
	d := mustDate(t, "2022-03-17")
	if err := storage.PutBytes(ctx, f.lake.B, "raw/competitions/ingestion_date=2022-03-17/competitions.csv", body); err != nil {
		t.Fatal(err)
	}
	cset, err := contract.Default()
	if err != nil {
		t.Fatal(err)
	}
	brep, err := (&bronze.Job{Lake: f.lake, Engine: f.eng, Contracts: cset}).Run(ctx, "competitions", d)
	if err != nil {
		t.Fatal(err)
	}
	if brep.OutputCount != n {
		t.Fatalf("bronze kept %d of %d competitions", brep.OutputCount, n)
	}
	sset, err := silver.Default()
	if err != nil {
		t.Fatal(err)
	}
	srep, err := (&silver.Job{Lake: f.lake, Engine: f.eng, Contracts: sset}).Run(ctx, "competitions", d, silver.Incremental)
	if err != nil {
		t.Fatal(err)
	}
	if srep.OutputCount != n {
		t.Fatalf("silver kept %d of %d competitions", srep.OutputCount, n)
	}
	f.dims(t, "2022-03-17", "dim_date", "dim_competition")
	rep, err := f.job.BuildFact(ctx, "fact_competitions_yearly", d)
	if err != nil {
		t.Fatal(err)
	}
	rows := f.query(t, "SELECT * FROM gold.fact_competitions_yearly ORDER BY competition_year")
	if len(rows) != len(want) {
		t.Fatalf("%d years in the fact, %d in the file", len(rows), len(want))
	}
	var sum int64
	for _, r := range rows {
		y := num(t, r["competition_year"])
		w := want[y]
		if w == nil {
			t.Fatalf("year %d is not in the file", y)
		}
		got := [9]int64{num(t, r["total_competitions"]), num(t, r["featured_competitions"]), num(t, r["research_competitions"]),
			num(t, r["getting_started_competitions"]), num(t, r["playground_competitions"]), num(t, r["other_competitions"]),
			num(t, r["total_teams_participated"]), num(t, r["total_competitors_participated"]), num(t, r["total_submissions_made"])}
		exp := [9]int64{w.total, w.featured, w.research, w.gettingStarted, w.playground, w.other, w.teams, w.competitors, w.submissions}
		if got != exp {
			t.Errorf("%d: (total, featured, research, getting started, playground, other, teams, competitors, submissions) = %v, want %v", y, got, exp)
		}
		if usd := r["total_rewards_usd"].(float64); math.Abs(usd-w.usd) > 1e-6 {
			t.Errorf("%d: total_rewards_usd = %v, want %v", y, usd, w.usd)
		}
		if div := num(t, r["competition_type_diversity"]); div != int64(len(w.segments)) {
			t.Errorf("%d: competition_type_diversity = %d, want %d", y, div, len(w.segments))
		}
		if prev := want[y-1]; prev == nil {
			if r["yoy_growth_competitions"] != nil {
				t.Errorf("%d: yoy_growth_competitions = %v, want NULL (no %d)", y, r["yoy_growth_competitions"], y-1)
			}
		} else if g := r["yoy_growth_competitions"].(float64); math.Abs(g-float64(w.total-prev.total)*100/float64(prev.total)) > 1e-9 {
			t.Errorf("%d: yoy_growth_competitions = %v", y, g)
		}
		sum += got[0]
	}
	if sum != n || rep.Metrics["total_competitions_all_years"] != n {
		t.Errorf("years sum to %d (report %v), the file has %d rows", sum, rep.Metrics["total_competitions_all_years"], n)
	}
	for _, c := range rep.DataQuality {
		if !c.CheckPassed {
			t.Errorf("check %+v failed on the real file", c)
		}
	}
}
