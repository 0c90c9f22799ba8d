package testlake

import (
	"context"
	"fmt"
	"os"
	"slices"
	"sort"
	"strings"

	"github.com/metalake/metalake/internal/engine"
	"github.com/metalake/metalake/internal/lake"
	"github.com/metalake/metalake/internal/storage"
)

// AuditColumns hold when and by which run a row was processed: two runs of the same data
// differ there and nowhere else.
var AuditColumns = []string{"ingest_ts", "silver_processed_ts", "created_at_ts", "created_at", "updated_at", "pipeline_run_id"}

// Compare reads every committed partition under the prefixes (e.g. "bronze/", "_rejects/",
// "silver/", "gold/") in lakes a and b with eng and returns their differences: a partition
// committed in one lake only, different column names or types, and rows present in one and
// not the other (as multisets, row order aside), with up to three sample rows each way. The
// named columns are left out of the comparison (AuditColumns). No difference: nil.
func Compare(ctx context.Context, eng engine.Engine, a, b *lake.Lake, prefixes []string, ignore []string) ([]string, error) {
	dirsA, err := committedDirs(ctx, a, prefixes)
	if err != nil {
		return nil, err
	}
	dirsB, err := committedDirs(ctx, b, prefixes)
	if err != nil {
		return nil, err
	}
	var diffs []string
	for _, d := range union(dirsA, dirsB) {
		switch {
		case !slices.Contains(dirsB, d):
			diffs = append(diffs, d+": committed only in the first lake")
		case !slices.Contains(dirsA, d):
			diffs = append(diffs, d+": committed only in the second lake")
		default:
			diff, err := comparePartition(ctx, eng, a, b, d, ignore)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", d, err)
			}
			diffs = append(diffs, diff...)
		}
	}
	return diffs, nil
}

// committedDirs lists the partition folders under prefixes that hold a manifest.
func committedDirs(ctx context.Context, l *lake.Lake, prefixes []string) ([]string, error) {
	var dirs []string
	for _, p := range prefixes {
		err := l.B.Iter(ctx, p, func(name string) error {
			if dir, ok := strings.CutSuffix(name, lake.ManifestName); ok {
				dirs = append(dirs, dir)
			}
			return nil
		}, storage.WithRecursive())
		if err != nil {
			return nil, err
		}
	}
	sort.Strings(dirs)
	return dirs, nil
}

func union(a, b []string) []string {
	out := slices.Concat(a, b)
	sort.Strings(out)
	return slices.Compact(out)
}

// comparePartition compares one partition folder of both lakes.
func comparePartition(ctx context.Context, eng engine.Engine, a, b *lake.Lake, dir string, ignore []string) ([]string, error) {
	tmp, err := eng.TempDir("compare")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	s, err := eng.Session(ctx)
	if err != nil {
		return nil, err
	}
	defer s.Close()
	var rels [2]string
	var cols [2][]engine.Column
	for i, l := range []*lake.Lake{a, b} {
		m, _, err := l.ReadManifest(ctx, dir)
		if err != nil {
			return nil, err
		}
		refs, err := engine.Inputs(ctx, eng, l.B, m.Keys(dir), fmt.Sprintf("%s/%d", tmp, i))
		if err != nil {
			return nil, err
		}
		if len(refs) == 0 {
			rels[i] = ""
			continue
		}
		rels[i] = eng.Dialect().ReadParquet(refs)
		all, err := s.Describe(ctx, "(SELECT * FROM "+rels[i]+")")
		if err != nil {
			return nil, err
		}
		for _, c := range all {
			if !slices.Contains(ignore, c.Name) {
				cols[i] = append(cols[i], c)
			}
		}
	}
	switch {
	case rels[0] == "" && rels[1] == "":
		return nil, nil
	case rels[0] == "" || rels[1] == "":
		return []string{fmt.Sprintf("%s: empty in one lake only (first has files: %v)", dir, rels[0] != "")}, nil
	}
	if d := columnDiff(cols[0], cols[1]); d != "" {
		return []string{dir + ": " + d}, nil
	}
	names := make([]string, len(cols[0]))
	for i, c := range cols[0] {
		names[i] = engine.Ident(c.Name)
	}
	sel := strings.Join(names, ", ")
	var diffs []string
	for i, side := range []string{"first", "second"} {
		q := fmt.Sprintf("SELECT %[1]s FROM %[2]s EXCEPT ALL SELECT %[1]s FROM %[3]s", sel, rels[i], rels[1-i])
		var n int64
		if err := s.QueryRow(ctx, "SELECT COUNT(*) FROM ("+q+")", &n); err != nil {
			return nil, err
		}
		if n == 0 {
			continue
		}
		sample, err := s.Objects(ctx, q+" LIMIT 3", nil)
		if err != nil {
			return nil, err
		}
		lines := make([]string, len(sample))
		for j, r := range sample {
			lines[j] = "    " + formatRow(cols[0], r)
		}
		diffs = append(diffs, fmt.Sprintf("%s: %d row(s) only in the %s lake, e.g.\n%s", dir, n, side, strings.Join(lines, "\n")))
	}
	return diffs, nil
}

func columnDiff(a, b []engine.Column) string {
	if slices.Equal(a, b) {
		return ""
	}
	var only []string
	for _, c := range a {
		if !slices.Contains(b, c) {
			only = append(only, fmt.Sprintf("first has %s %s", c.Name, c.Type))
		}
	}
	for _, c := range b {
		if !slices.Contains(a, c) {
			only = append(only, fmt.Sprintf("second has %s %s", c.Name, c.Type))
		}
	}
	if len(only) == 0 {
		return "columns in a different order"
	}
	return "columns differ: " + strings.Join(only, ", ")
}

func formatRow(cols []engine.Column, row map[string]any) string {
	parts := make([]string, len(cols))
	for i, c := range cols {
		parts[i] = fmt.Sprintf("%s=%v", c.Name, row[c.Name])
	}
	return strings.Join(parts, " ")
}
