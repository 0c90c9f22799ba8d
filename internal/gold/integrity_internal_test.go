package gold

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strings"
	"testing"

	"github.com/metalake/metalake/internal/engine"
	"github.com/metalake/metalake/internal/lake"
	"github.com/metalake/metalake/internal/storage"
)

// The checks of a new dimension version, on versions built by hand: every invariant broken
// once, for a key whose versions this build changed and for one it did not (checked only when
// every key is), whether the check takes the one-pass route (each checked key has one version)
// or compares versions in order.
func TestIntegrityChecks(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	eng, err := engine.Open(ctx, engine.Options{Threads: 2, MemoryLimit: "1GB", WorkDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { eng.Close() })
	bucket, err := storage.NewLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	j := &Job{Lake: lake.New(bucket), Engine: eng}
	spec := mustDefault().dims["dim_user"]
	data := dimData{Key: spec.key, SK: spec.sk, Tracked: spec.tracked.names(), Type1: spec.type1.names(), End: endOfTime}

	// A version: sk, user_id, user_name, start, end (dates; "" is the end of time), is_current.
	type v struct {
		sk         int64
		id, name   string
		start, end string
		current    bool
	}
	unknown := v{0, "-1", "Unknown", "1900-01-01", "", true}
	ok := []v{unknown, {1, "A", "ann", "2024-01-01", "2024-01-05", false}, {2, "A", "anna", "2024-01-05", "", true},
		{3, "B", "bob", "2024-01-01", "", true}}
	with := func(extra ...v) []v { return append(append([]v(nil), ok...), extra...) }
	cases := []struct {
		name     string
		versions []v
		changed  []string // keys in hits (checked unless all)
		want     map[string]int64
		wantAll  map[string]int64 // nil: as want
	}{
		{"valid", ok, []string{"A", "B"}, nil, nil},
		{"valid, nothing changed", ok, nil, nil, nil},
		{"duplicate surrogate key", with(v{3, "C", "cat", "2024-01-01", "", true}), nil,
			map[string]int64{"duplicate_surrogate_keys": 1}, nil},
		{"two unknown members", with(v{0, "-1", "Unknown", "1900-01-01", "", true}), nil,
			map[string]int64{"unknown_member_not_unique": 1, "duplicate_surrogate_keys": 1}, nil},
		{"null key", with(v{9, "", "nul", "2024-01-01", "", true}), nil, map[string]int64{"null_keys": 1}, nil},
		{"lone version not current", with(v{9, "C", "cat", "2024-01-01", "2024-01-10", false}), []string{"C"},
			map[string]int64{"keys_without_current": 1}, nil},
		{"lone version wrongly current", with(v{9, "C", "cat", "2024-01-01", "2024-01-10", true}), []string{"C"},
			map[string]int64{"keys_without_current": 1, "wrong_is_current": 1}, nil},
		{"lone empty version", with(v{9, "C", "cat", "2024-01-10", "2024-01-10", false}), []string{"C"},
			map[string]int64{"keys_without_current": 1, "empty_versions": 1}, nil},
		{"lone version, unchanged key", with(v{9, "C", "cat", "2024-01-01", "2024-01-10", false}), []string{"A"},
			map[string]int64{}, map[string]int64{"keys_without_current": 1}},
		{"overlap", with(v{8, "C", "cat", "2024-01-01", "", true}, v{9, "C", "kat", "2024-01-03", "", true}), []string{"C"},
			map[string]int64{"gaps_or_overlaps": 1}, nil},
		{"gap", with(v{8, "C", "cat", "2024-01-01", "2024-01-02", false}, v{9, "C", "kat", "2024-01-03", "", true}), []string{"C"},
			map[string]int64{"gaps_or_overlaps": 1}, nil},
		{"unmerged", with(v{8, "C", "cat", "2024-01-01", "2024-01-03", false}, v{9, "C", "cat", "2024-01-03", "", true}), []string{"C"},
			map[string]int64{"unmerged_versions": 1}, nil},
		{"same version twice", with(v{8, "C", "cat", "2024-01-01", "", true}, v{9, "C", "cat", "2024-01-01", "", true}), []string{"C"},
			map[string]int64{"gaps_or_overlaps": 1, "unmerged_versions": 1}, nil},
		{"overlap, unchanged key", with(v{8, "C", "cat", "2024-01-01", "", true}, v{9, "C", "kat", "2024-01-03", "", true}), []string{"B"},
			map[string]int64{}, map[string]int64{"gaps_or_overlaps": 1}},
	}
	for _, tc := range cases {
		for _, all := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/all=%t", tc.name, all), func(t *testing.T) {
				t.Parallel()
				b, err := j.newBuild(ctx, spec.name, mustParse(t, "2024-01-10"))
				if err != nil {
					t.Fatal(err)
				}
				defer b.close()
				rows := make([]string, len(tc.versions))
				for i, x := range tc.versions {
					id, end := engine.Literal(x.id), "TIMESTAMP '9999-12-31 00:00:00'"
					if x.id == "" {
						id = "NULL"
					}
					if x.end != "" {
						end = "TIMESTAMP " + engine.Literal(x.end+" 00:00:00")
					}
					rows[i] = fmt.Sprintf("(%d, %s, %s, 'US', TIMESTAMP %s, %s, %t)", x.sk, id, engine.Literal(x.name),
						engine.Literal(x.start+" 00:00:00"), end, x.current)
				}
				if err := b.create(ctx, "VIEW", "next_dim", "SELECT * FROM (VALUES "+strings.Join(rows, ", ")+
					") t(user_sk, user_id, user_name, country_code, effective_start_ts, effective_end_ts, is_current)"); err != nil {
					t.Fatal(err)
				}
				hits := "SELECT CAST(NULL AS STRING) AS k WHERE false"
				for _, k := range tc.changed {
					hits += " UNION ALL SELECT " + engine.Literal(k)
				}
				if err := b.create(ctx, "TABLE", "hits", hits); err != nil {
					t.Fatal(err)
				}
				want := tc.want
				if all && tc.wantAll != nil {
					want = tc.wantAll
				}
				err = b.integrity(ctx, spec, data, all)
				var ie *IntegrityError
				switch {
				case len(want) == 0 && err != nil:
					t.Fatalf("integrity: %v, want none", err)
				case len(want) == 0:
				case !errors.As(err, &ie):
					t.Fatalf("integrity: %v, want violations %v", err, want)
				case !maps.Equal(ie.Violations, want):
					t.Errorf("violations %v, want %v", ie.Violations, want)
				}
			})
		}
	}
}

func mustParse(t *testing.T, s string) lake.Date {
	t.Helper()
	d, err := lake.ParseDate(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}
