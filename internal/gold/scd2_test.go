package gold_test

import (
	"context"
	"fmt"
	"math/rand"
	"sort"
	"strings"
	"testing"
)

// history is silver users per run date: an evolving population that exercises every SCD2
// case — changes, a change and a change back, keys that appear late, keys absent from some
// snapshots (silver drops them), NULL tracked values, Type 1 changes.
func history() map[string][]user {
	return map[string][]user{
		"2024-01-01": {
			{"A", "ann", "US", "2020-01-01"}, {"C", "cat", "JP", "2020-01-03"}, {"D", "dan", "FR", "2020-01-04"},
			{"E", "eve", "DE", "2020-01-05"}, {"F", "fay", "", "2020-01-06"}, {"H", "hal", "US", "2020-01-08"},
			{"I", "ivy", "US", "2020-01-09"},
		},
		"2024-01-05": {
			{"A", "ann", "US", "2020-01-01"}, {"C", "cat", "JP", "2020-01-03"},
			{"E", "eve", "DE", "2020-01-05"}, {"F", "fay", "", "2020-01-06"}, {"H", "hal", "CA", "2020-01-08"},
			{"I", "ivy", "CA", "2020-01-09"},
		},
		"2024-01-10": {
			{"A", "ann", "CA", "2020-01-01"}, {"B", "bob", "UK", "2020-01-02"}, {"C", "cat", "JP", "2020-01-03"},
			{"E", "eve", "DE", "2020-01-05"}, {"F", "fay", "VN", "2020-01-06"}, {"H", "hal", "US", "2020-01-08"},
		},
		"2024-01-15": {
			{"A", "ann", "CA", "2020-01-01"}, {"B", "bob", "UK", "2020-01-02"}, {"C", "cathy", "JP", "2020-01-03"},
			{"D", "dan", "DE", "2020-01-04"}, {"E", "eve", "DE", "2020-01-05"}, {"F", "fay", "", "2020-01-06"},
			{"H", "hal", "CA", "2020-01-08"}, {"I", "ivy", "US", "2020-01-09"},
		},
		"2024-01-20": {
			{"A", "ann", "US", "2020-01-01"}, {"B", "bob", "UK", "2020-01-02"}, {"C", "cathy", "JP", "2020-01-03"},
			{"D", "dan", "DE", "2020-01-04"}, {"E", "eve", "DE", "2020-02-02"}, {"F", "fay", "", "2020-01-06"},
			{"G", "gus", "BR", "2020-01-07"}, {"H", "hal", "US", "2020-01-08"}, {"I", "ivy", "US", "2020-01-09"},
		},
	}
}

// expectedVersions is the SCD2 history of processing dates in order, computed independently in
// Go: per user, the snapshots that show it, consecutive equal (user_name, country_code) merged;
// a version starts on the first date showing it and ends where the next starts; signup_ts is
// the value of the latest date showing the user. One CSV line per version, as versionsSQL.
func expectedVersions(h map[string][]user, dates []string) string {
	sorted := append([]string(nil), dates...)
	sort.Strings(sorted)
	type version struct{ name, country, start, end string }
	vs := map[string][]version{}
	signup := map[string]string{}
	for _, d := range sorted {
		for _, u := range h[d] {
			list := vs[u.id]
			signup[u.id] = u.signup
			if n := len(list); n > 0 && list[n-1].name == u.name && list[n-1].country == u.country {
				continue
			}
			if n := len(list); n > 0 {
				list[n-1].end = d
			}
			vs[u.id] = append(list, version{u.name, u.country, d, ""})
		}
	}
	var lines []string
	for id, list := range vs {
		for _, v := range list {
			end, current := "9999-12-31 00:00:00", "true"
			if v.end != "" {
				end, current = v.end+" 00:00:00", "false"
			}
			lines = append(lines, fmt.Sprintf("%s,%s,%s,%s 00:00:00,%s 00:00:00,%s,%s", id, v.name, v.country, signup[id], v.start, end, current))
		}
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

// versionsSQL lists the business columns of dim_user (keys aside) in a canonical order.
const versionsSQL = `SELECT user_id, user_name, country_code, signup_ts, effective_start_ts, effective_end_ts, is_current
FROM gold.dim_user WHERE user_sk <> 0 ORDER BY ALL`

func csvBody(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	sort.Strings(lines[1:])
	return strings.Join(lines[1:], "\n")
}

// keyed maps surrogate key → "user_id|start|tracked…" for stability checks.
func keyed(t *testing.T, f *fixture) map[int64]string {
	t.Helper()
	out := map[int64]string{}
	if manifestAttempt(t, f, "gold/dim_user/") == "" {
		return out
	}
	for _, r := range f.query(t, `SELECT user_sk, user_id, user_name, country_code, CAST(effective_start_ts AS VARCHAR) AS s FROM gold.dim_user`) {
		out[num(t, r["user_sk"])] = fmt.Sprintf("%v|%v|%v|%v", r["user_id"], r["s"], r["user_name"], r["country_code"])
	}
	return out
}

func TestSCD2OrderIndependence(t *testing.T) {
	t.Parallel()
	h := history()
	all := []string{"2024-01-01", "2024-01-05", "2024-01-10", "2024-01-15", "2024-01-20"}
	shuffled := func(seed int64) []string {
		out := append([]string(nil), all...)
		rand.New(rand.NewSource(seed)).Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
		return out
	}
	cases := []struct {
		name  string
		order []string // processing order; repeated dates are reruns
	}{
		{"in order", all},
		{"in order with reruns", []string{"2024-01-01", "2024-01-01", "2024-01-05", "2024-01-10", "2024-01-10", "2024-01-15", "2024-01-20", "2024-01-20"}},
		{"15th then 1st", []string{"2024-01-15", "2024-01-01"}},
		{"1st, 20th, then 10th", []string{"2024-01-01", "2024-01-20", "2024-01-10"}},
		{"reverse", []string{"2024-01-20", "2024-01-15", "2024-01-10", "2024-01-05", "2024-01-01"}},
		{"backfill into the middle", []string{"2024-01-01", "2024-01-20", "2024-01-10", "2024-01-05", "2024-01-15"}},
		{"out of order with reruns", []string{"2024-01-10", "2024-01-01", "2024-01-20", "2024-01-10", "2024-01-05", "2024-01-01", "2024-01-15", "2024-01-20"}},
		{"shuffle 1", shuffled(1)},
		{"shuffle 2", shuffled(2)},
		{"shuffle 3", shuffled(3)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			dates := map[string]bool{}
			for _, d := range tc.order {
				dates[d] = true
			}
			for d := range dates {
				f.putUsers(t, d, h[d]...)
			}
			seen := map[int64]string{} // every key ever committed and what it identified
			var highWater int64
			processed := map[string]bool{}
			var done []string
			for _, d := range tc.order {
				before := keyed(t, f)
				beforeCSV := ""
				if processed[d] {
					beforeCSV = f.csv(t, "SELECT * EXCLUDE (last_observed_date) FROM gold.dim_user ORDER BY user_sk")
				}
				st, err := f.job.BuildDimension(context.Background(), "dim_user", mustDate(t, d))
				if err != nil {
					t.Fatalf("dim_user %s: %v", d, err)
				}
				after := keyed(t, f)
				if processed[d] {
					// A rerun changes nothing, keys and audit columns included.
					if st.Published {
						t.Errorf("rerun of %s published a new version", d)
					}
					if got := f.csv(t, "SELECT * EXCLUDE (last_observed_date) FROM gold.dim_user ORDER BY user_sk"); got != beforeCSV {
						t.Errorf("rerun of %s changed dim_user:\nbefore\n%s\nafter\n%s", d, beforeCSV, got)
					}
				}
				processed[d] = true
				done = append(done, d)
				for sk, who := range after {
					id := strings.SplitN(who, "|", 2)[0]
					if prev, ok := seen[sk]; ok && strings.SplitN(prev, "|", 2)[0] != id {
						t.Errorf("after %s: key %d moved from %s to %s", d, sk, prev, who)
					}
					if _, existed := before[sk]; !existed && sk != 0 && sk <= highWater {
						t.Errorf("after %s: key %d reused (high water was %d)", d, sk, highWater)
					}
				}
				for sk, who := range after {
					seen[sk] = who
					highWater = max(highWater, sk)
				}
				if got, want := csvBody(f.csv(t, versionsSQL)), expectedVersions(h, done); got != want {
					t.Fatalf("after processing %v, dim_user versions:\n%s\nwant (in-order build of the same dates):\n%s", done, got, want)
				}
			}
		})
	}
}

// In order, a version's key, start and tracked values never change once it exists: only its
// end moves (from the end of time to the start of its successor).
func TestSCD2StableKeysInOrder(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	h := history()
	dates := []string{"2024-01-01", "2024-01-05", "2024-01-10", "2024-01-15", "2024-01-20"}
	for _, d := range dates {
		f.putUsers(t, d, h[d]...)
	}
	var prev map[int64]string
	lastSeen := map[string]string{}
	for _, d := range dates {
		f.dims(t, d, "dim_user")
		cur := keyed(t, f)
		for sk, who := range prev {
			if cur[sk] != who {
				t.Errorf("after %s: key %d was %q, now %q", d, sk, who, cur[sk])
			}
		}
		prev = cur
		// Every version of a user carries the latest date whose silver showed the user: users
		// absent from this snapshot keep theirs.
		for _, u := range h[d] {
			lastSeen[u.id] = d
		}
		var want []string
		for id, day := range lastSeen {
			want = append(want, id+","+day)
		}
		sort.Strings(want)
		got := f.csv(t, `SELECT user_id, CAST(MIN(last_observed_date) AS VARCHAR) || CASE WHEN MIN(last_observed_date) <> MAX(last_observed_date) THEN ' differs between versions' ELSE '' END
FROM gold.dim_user WHERE user_sk <> 0 GROUP BY user_id ORDER BY user_id`)
		if g := csvBody(got); g != strings.Join(want, "\n") {
			t.Errorf("after %s: last_observed_date per user\n%s\nwant\n%s", d, g, strings.Join(want, "\n"))
		}
	}
}
