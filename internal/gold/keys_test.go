package gold_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/metalake/metalake/internal/dag"
	"github.com/metalake/metalake/internal/gold"
	"github.com/metalake/metalake/internal/storage"
)

// A key is never handed out twice: when a rerun on corrected data merges two versions, the
// merged-away key is gone for good, even though it was the largest key of the dimension.
func TestMergedAwayKeyIsNotReused(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	f.putUsers(t, "2024-01-01", user{"U001", "John", "US", "2024-01-01"})
	f.putUsers(t, "2024-01-15", user{"U001", "John", "CA", "2024-01-01"})
	f.dims(t, "2024-01-01", "dim_user")
	f.dims(t, "2024-01-15", "dim_user")
	keys := keyed(t, f)
	if len(keys) != 3 {
		t.Fatalf("dim_user = %v", keys)
	}
	// The 15th's snapshot is corrected (U001 never moved) and the date rerun: the CA version,
	// which started on the 15th, is updated in place and merges into the US version.
	f.putUsers(t, "2024-01-15", user{"U001", "John", "US", "2024-01-01"})
	st, err := f.job.BuildDimension(ctx, "dim_user", mustDate(t, "2024-01-15"))
	if err != nil {
		t.Fatal(err)
	}
	if num(t, st.Metrics["removed_versions"]) != 1 {
		t.Errorf("removed_versions = %v, want 1", st.Metrics["removed_versions"])
	}
	rows := f.query(t, "SELECT user_sk, country_code, CAST(effective_end_ts AS VARCHAR) AS e FROM gold.dim_user WHERE user_sk <> 0")
	if len(rows) != 1 || rows[0]["country_code"] != "US" || rows[0]["e"] != "9999-12-31 00:00:00" || num(t, rows[0]["user_sk"]) != 1 {
		t.Fatalf("after the correction dim_user = %v, want one current US version keeping key 1", rows)
	}
	f.putUsers(t, "2024-01-20", user{"U001", "John", "DE", "2024-01-01"})
	f.dims(t, "2024-01-20", "dim_user")
	for sk, who := range keyed(t, f) {
		if strings.Contains(who, "|DE") && sk != 3 {
			t.Errorf("the DE version got key %d, want 3 (key 2 was handed out before)", sk)
		}
	}
}

// Missing inputs fail without retry, naming what is missing.
func TestMissingInputs(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	d := mustDate(t, "2024-01-15")
	_, err := f.job.BuildDimension(ctx, "dim_user", d)
	var ie *gold.InputError
	if !errors.As(err, &ie) || dag.Retryable(err) || !strings.Contains(err.Error(), "silver users 2024-01-15 is not published") {
		t.Errorf("dim_user without silver: %v", err)
	}
	f.putUsers(t, "2024-01-15", user{"U001", "John", "US", "2024-01-01"})
	f.putDatasets(t, "2024-01-15", dataset{"D001", "a", "U001", true, 1, 1})
	f.dims(t, "2024-01-15", "dim_user")
	_, err = f.job.BuildFact(ctx, "fact_dataset_owner_daily", d)
	if !errors.As(err, &ie) || dag.Retryable(err) || !strings.Contains(err.Error(), "dim_date is not published") {
		t.Errorf("fact without dim_date: %v", err)
	}
	// A silver partition without a column gold needs.
	f.putSilver(t, "tags", "2024-01-15", "dataset_id, tag", "VARCHAR, VARCHAR", "('D001', 'x')")
	_, err = f.job.BuildDimension(ctx, "dim_tag", d)
	if !errors.As(err, &ie) || !strings.Contains(err.Error(), "lacks column(s) [tag_category dataset_count]") {
		t.Errorf("dim_tag over incomplete silver: %v", err)
	}
}

// Silver must hold one row per key: a build over a partition that repeats a key fails without
// retry, naming the duplicates, and publishes nothing — whether the repeated key is new, has a
// version effective on the date (equal or changed), or only versions after it (a backfill).
func TestDuplicateSilverKeysFailTheBuild(t *testing.T) {
	t.Parallel()
	u1, u2 := user{"U001", "John", "US", "2024-01-01"}, user{"U002", "Jane", "UK", "2024-01-02"}
	moved := user{"U001", "John", "CA", "2024-01-01"}
	renamed := user{"U001", "Johnny", "CA", "2024-01-01"}
	cases := []struct {
		name  string
		first string // a date built before, holding u1 and u2 ("": none)
		date  string
		users []user
	}{
		{"new key twice, equal rows", "", "2024-01-10", []user{u1, u1, u2}},
		{"new key twice, different rows", "", "2024-01-10", []user{u1, moved, u2}},
		{"new key twice beside existing keys", "2024-01-01", "2024-01-10", []user{u1, u2, {"U003", "Ann", "VN", ""}, {"U003", "Ann", "VN", ""}}},
		{"existing key twice, unchanged", "2024-01-01", "2024-01-10", []user{u1, u1, u2}},
		{"existing key twice, unchanged and changed", "2024-01-01", "2024-01-10", []user{u1, moved, u2}},
		{"existing key twice, changed alike", "2024-01-01", "2024-01-10", []user{moved, moved, u2}},
		{"existing key twice, changed apart", "2024-01-01", "2024-01-10", []user{moved, renamed, u2}},
		{"backfilled key twice", "2024-01-20", "2024-01-10", []user{u1, moved, u2}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			before := ""
			if tc.first != "" {
				f.putUsers(t, tc.first, u1, u2)
				f.dims(t, tc.first, "dim_user")
				before = f.csv(t, "SELECT * FROM gold.dim_user ORDER BY user_sk")
			}
			f.putUsers(t, tc.date, tc.users...)
			_, err := f.job.BuildDimension(context.Background(), "dim_user", mustDate(t, tc.date))
			var ie *gold.InputError
			if !errors.As(err, &ie) || dag.Retryable(err) ||
				!strings.Contains(err.Error(), "silver users "+tc.date+" has 1 duplicate user_id values") {
				t.Fatalf("dim_user over duplicate keys: %v, want a non-retryable InputError naming 1 duplicate", err)
			}
			if tc.first == "" {
				if a := manifestAttempt(t, f, "gold/dim_user/"); a != "" {
					t.Errorf("a dimension was published (%s)", a)
				}
			} else if after := f.csv(t, "SELECT * FROM gold.dim_user ORDER BY user_sk"); after != before {
				t.Errorf("dim_user changed:\nbefore\n%s\nafter\n%s", before, after)
			}
		})
	}
}

// The same for a Type 1 dimension: a repeated competition, new or already in the dimension.
func TestDuplicateSilverKeysFailTypeOne(t *testing.T) {
	t.Parallel()
	row := func(id, title string) string {
		return "('" + id + "', 's" + id + "', '" + title + "', 'Featured', TIMESTAMP '2019-03-01', NULL, 'USD', 1000.0, 3, 5, 10, 20, 100)"
	}
	f := newFixture(t)
	ctx := context.Background()
	f.putSilver(t, "competitions", "2024-01-01", compCols, compTypes, row("1", "A"), row("1", "B"), row("2", "C"))
	_, err := f.job.BuildDimension(ctx, "dim_competition", mustDate(t, "2024-01-01"))
	var ie *gold.InputError
	if !errors.As(err, &ie) || !strings.Contains(err.Error(), "has 1 duplicate competition_id values") {
		t.Fatalf("dim_competition over a repeated new key: %v", err)
	}
	f.putSilver(t, "competitions", "2024-01-02", compCols, compTypes, row("1", "A"), row("2", "C"))
	f.dims(t, "2024-01-02", "dim_competition")
	f.putSilver(t, "competitions", "2024-01-03", compCols, compTypes, row("1", "A"), row("2", "C"), row("2", "C"))
	_, err = f.job.BuildDimension(ctx, "dim_competition", mustDate(t, "2024-01-03"))
	if !errors.As(err, &ie) || !strings.Contains(err.Error(), "has 1 duplicate competition_id values") {
		t.Fatalf("dim_competition over a repeated existing key: %v", err)
	}
}

// lostAnswer stores the first upload under prefix once armed, then answers it with an error, as
// a connection that closes before the response does: the object lands, the caller sees a fault.
type lostAnswer struct {
	storage.Bucket
	prefix string
	armed  atomic.Bool
}

func (b *lostAnswer) Upload(ctx context.Context, name string, r io.Reader) error {
	if err := b.Bucket.Upload(ctx, name, r); err != nil {
		return err
	}
	if strings.HasPrefix(name, b.prefix) && b.armed.CompareAndSwap(true, false) {
		return errors.New("read tcp 127.0.0.1:41234->127.0.0.1:7070: connection reset by peer")
	}
	return nil
}

// A dimension build that fails after handing out new keys (its state written, its version never
// committed: the publish met a network fault) and is retried hands out the keys a build that
// never failed hands out, so the retried lake equals a clean one. Before, the retry numbered
// from the failed attempt's high-water key and every new key of the date shifted.
func TestRetriedBuildHandsOutTheSameKeys(t *testing.T) {
	t.Parallel()
	fill := func(f *fixture) {
		f.putUsers(t, "2024-01-01", user{"U1", "u1", "US", "2020-01-01"}, user{"U2", "u2", "US", "2020-01-01"})
		f.putUsers(t, "2024-01-02", user{"U1", "u1", "CA", "2020-01-01"}, user{"U2", "u2", "US", "2020-01-01"},
			user{"U3", "u3", "DE", "2020-01-01"})
		f.putTags(t, "2024-01-01", [2]string{"D1", "ml"}, [2]string{"D1", "nlp"}, [2]string{"D3", "cv"})
		f.putTags(t, "2024-01-02", [2]string{"D1", "ml"}, [2]string{"D2", "cv"}, [2]string{"D4", "new-tag"}, [2]string{"D4", "audio"})
	}
	keys := map[string]string{
		"dim_user": "SELECT user_id AS k, user_sk AS sk, CAST(effective_start_ts AS VARCHAR) AS s FROM gold.dim_user ORDER BY ALL",
		"dim_tag":  "SELECT tag AS k, tag_sk AS sk FROM gold.dim_tag ORDER BY ALL",
	}
	for _, dim := range []string{"dim_user", "dim_tag"} {
		t.Run(dim, func(t *testing.T) {
			t.Parallel()
			clean := newFixtureOn(t, storage.NewMemory())
			faulty := &lostAnswer{Bucket: storage.NewMemory(), prefix: "gold/" + dim + "/"}
			f := newFixtureOn(t, faulty)
			fill(clean)
			fill(f)
			for _, d := range []string{"2024-01-01", "2024-01-02"} {
				clean.dims(t, d, dim)
				faulty.armed.Store(true)
				if _, err := f.job.BuildDimension(context.Background(), dim, mustDate(t, d)); err == nil {
					t.Fatalf("%s %s: the build met no fault", dim, d)
				}
				f.dims(t, d, dim) // the retry
				got, want := f.query(t, keys[dim]), clean.query(t, keys[dim])
				if fmt.Sprint(got) != fmt.Sprint(want) {
					t.Errorf("%s after %s: the retried build's keys\n  %v\nwant a clean build's\n  %v", dim, d, got, want)
				}
			}
		})
	}
}
