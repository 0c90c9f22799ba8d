package vacuum_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/metalake/metalake/internal/catalog"
	"github.com/metalake/metalake/internal/lake"
	"github.com/metalake/metalake/internal/pipeline"
	"github.com/metalake/metalake/internal/storage"
	"github.com/metalake/metalake/internal/vacuum"
)

func TestOptionsValidate(t *testing.T) {
	t.Parallel()
	d, _ := lake.ParseDate("2025-07-03")
	cases := []struct {
		name string
		o    vacuum.Options
		want string // "" : valid
	}{
		{"keep", vacuum.Options{KeepDates: 2}, ""},
		{"before", vacuum.Options{Before: d}, ""},
		{"neither", vacuum.Options{}, "--keep-dates N"},
		{"both", vacuum.Options{KeepDates: 2, Before: d}, "cannot be combined"},
		{"negative", vacuum.Options{KeepDates: -1}, "--keep-dates -1"},
	}
	for _, tc := range cases {
		err := tc.o.Validate()
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%s: error %v, want one naming %q", tc.name, err, tc.want)
		}
	}
}

// TestKeepDatesRemovesOldBronzeAndSilver: --keep-dates 2 on five run dates removes the
// bronze, rejects, silver, held rows and reports of the three oldest — exactly those files —
// forgets them in the catalog and logs the vacuum; raw, gold and the run states stay; a second
// vacuum finds nothing to remove.
func TestKeepDatesRemovesOldBronzeAndSilver(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	lk, v, dir := newLake(t)
	before := files(t, dir)
	p := mustPlan(t, v, vacuum.Options{KeepDates: 2})
	equalDates(t, "run dates", p.RunDates, dates(0, 1, 2, 3, 4))
	equalDates(t, "vacuumed dates", p.Dates, dates(0, 1, 2))
	if len(p.Protected) != 0 {
		t.Errorf("protected %+v, want none (the kept dates hold what later runs read)", p.Protected)
	}
	want := map[string]bool{}
	var wantBytes int64
	for _, d := range p.Dates {
		for _, f := range withDate(before, d) {
			if strings.HasPrefix(f, "gold/") || strings.HasPrefix(f, "raw/") || strings.HasPrefix(f, "_state/") {
				continue
			}
			want[f] = true
			st, err := os.Stat(filepath.Join(dir, f))
			if err != nil {
				t.Fatal(err)
			}
			wantBytes += st.Size()
		}
	}
	s := p.Summary()
	if !s.DryRun || s.Files != len(want) || s.Bytes != wantBytes || wantBytes == 0 {
		t.Errorf("plan: dry_run %v, %d files %d bytes; want %d files %d bytes", s.DryRun, s.Files, s.Bytes, len(want), wantBytes)
	}
	areas := map[string]bool{}
	for _, g := range s.Groups {
		areas[g.Area] = true
		if !slices.Equal(g.Dates, strs(dates(0, 1, 2))) {
			t.Errorf("%s %s: dates %v", g.Area, g.Table, g.Dates)
		}
	}
	for _, a := range []string{"bronze", "bronze/_rejects", "silver", "silver/_held", "bronze/_reports", "silver/_reports", "_reports", "_monitoring"} {
		if !areas[a] {
			t.Errorf("nothing planned under %s", a)
		}
	}
	if areas["gold"] || areas["gold/_reports"] {
		t.Error("gold is planned for removal without Options.Gold")
	}
	if got := files(t, dir); !slices.Equal(got, before) {
		t.Fatal("planning changed the lake")
	}

	if err := v.Apply(ctx, p); err != nil {
		t.Fatal(err)
	}
	after := files(t, dir)
	var gone []string
	for _, f := range before {
		if !slices.Contains(after, f) {
			gone = append(gone, f)
		}
	}
	if len(gone) != len(want) {
		t.Errorf("removed %d files, want %d", len(gone), len(want))
	}
	for _, f := range gone {
		if !want[f] {
			t.Errorf("removed %s, which the vacuum must keep", f)
		}
	}
	for _, f := range after {
		if !slices.Contains(before, f) && f != lake.VacuumLogKey {
			t.Errorf("new file %s", f)
		}
	}
	if s := p.Summary(); s.DryRun || s.Files != len(want) || s.Bytes != wantBytes {
		t.Errorf("applied: dry_run %v, freed %d files %d bytes", s.DryRun, s.Files, s.Bytes)
	}
	checkWhole(t, dir)
	for name, ds := range catalogDates(t, lk) {
		wantDates := strs(dates(3, 4))
		switch {
		case strings.HasPrefix(name, "gold.dim_"):
			continue
		case strings.HasPrefix(name, "gold."):
			wantDates = strs(dates(0, 1, 2, 3, 4))
		}
		if !slices.Equal(ds, wantDates) {
			t.Errorf("catalog %s lists %v, want %v", name, ds, wantDates)
		}
	}
	log, err := vacuum.ReadLog(ctx, lk)
	if err != nil || len(log.Vacuums) != 1 || !slices.Equal(log.Vacuums[0].RemovedDates, strs(dates(0, 1, 2))) || log.Vacuums[0].Bytes != wantBytes {
		t.Errorf("vacuum log %+v, %v", log, err)
	}

	var text strings.Builder
	p.Summary().WriteText(&text)
	for _, w := range []string{"removed 3 run date(s): 2025-07-01, 2025-07-02, 2025-07-03", fmt.Sprintf("(%d bytes)", wantBytes),
		"run dates kept: 2025-07-04, 2025-07-05", "raw/", "note: monitor:"} {
		if !strings.Contains(text.String(), w) {
			t.Errorf("the summary does not say %q:\n%s", w, text.String())
		}
	}

	// Again: nothing left, and it says so.
	p2 := mustPlan(t, v, vacuum.Options{KeepDates: 2})
	if len(p2.Items) != 0 || len(p2.Catalog) != 0 {
		t.Errorf("second plan: %d items, %d catalog entries", len(p2.Items), len(p2.Catalog))
	}
	if err := v.Apply(ctx, p2); err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	p2.Summary().WriteText(&out)
	if !strings.Contains(out.String(), "nothing to remove: 2025-07-01..2025-07-03 (3) already vacuumed") {
		t.Errorf("second vacuum says:\n%s", out.String())
	}
	if log, _ := vacuum.ReadLog(ctx, lk); len(log.Vacuums) != 1 {
		t.Errorf("a vacuum that removed nothing was logged: %+v", log)
	}
	if got := files(t, dir); !slices.Equal(got, after) {
		t.Error("the second vacuum changed the lake")
	}
}

// TestNextRunAfterVacuumEqualsUnvacuumed: --before far in the future still keeps the latest
// date (and says why); the next date then runs on the vacuumed lake with the same silver and
// gold business content as on a lake never vacuumed; a rerun of a vacuumed date fails naming
// the previous partition it lacks.
func TestNextRunAfterVacuumEqualsUnvacuumed(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	lk, v, _ := newLake(t)
	far, _ := lake.ParseDate("2030-01-01")
	p := mustPlan(t, v, vacuum.Options{Before: far})
	equalDates(t, "vacuumed dates", p.Dates, dates(0, 1, 2, 3))
	if len(p.Protected) != 1 || !p.Protected[0].Date.Equal(date(4)) {
		t.Fatalf("protected %+v, want the latest date", p.Protected)
	}
	why := strings.Join(p.Protected[0].Reasons, "; ")
	for _, w := range []string{"the latest run date", "newest silver partition of", "users"} {
		if !strings.Contains(why, w) {
			t.Errorf("kept %s because %q: does not say %q", date(4), why, w)
		}
	}
	if err := v.Apply(ctx, p); err != nil {
		t.Fatal(err)
	}

	ref, _, _ := newLake(t)
	var wg sync.WaitGroup
	fps := make([]map[string]string, 2)
	errs := make([]error, 2)
	for i, l := range []*lake.Lake{lk, ref} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := runner(l)
			if err == nil {
				_, err = r.Run(ctx, date(5), pipeline.Options{})
			}
			if err == nil {
				fps[i], err = r.Fingerprint(ctx, date(5))
			}
			errs[i] = err
		}()
	}
	wg.Wait()
	if errs[0] != nil || errs[1] != nil {
		t.Fatalf("next run: vacuumed lake %v; unvacuumed lake %v", errs[0], errs[1])
	}
	got, want := fps[0], fps[1]
	if len(want) < 9 {
		t.Fatalf("fingerprint %v: want every silver table and gold fact", want)
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s of %s: %s after a vacuum, %s without", k, date(5), got[k], w)
		}
	}
	var rep struct {
		Metrics map[string]any `json:"metrics"`
	}
	if err := lk.GetJSON(ctx, lake.ReportKey(lake.Gold, date(5), "fact_tag_usage_daily_report.json"), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Metrics["previous_run_date"] != date(4).String() || rep.Metrics["new_assignments"] == nil {
		t.Errorf("fact_tag_usage_daily of %s: previous_run_date %v, new_assignments %v", date(5), rep.Metrics["previous_run_date"], rep.Metrics["new_assignments"])
	}

	// A backfill of a vacuumed date fails in silver, naming what is missing.
	r, err := runner(lk)
	if err != nil {
		t.Fatal(err)
	}
	_, err = r.Run(ctx, date(2), pipeline.Options{Force: true})
	if err == nil || !strings.Contains(err.Error(), "previous date "+date(1).String()+" has no silver partition") {
		t.Errorf("rerun of vacuumed %s: %v", date(2), err)
	}
}

// TestUncleanRunsKeepTheirInputs: a failed or stale run date is kept with every date back to
// the last clean run (its rerun reads their silver); the date of a silver table's newest
// partition is kept even when it is not the latest date.
func TestUncleanRunsKeepTheirInputs(t *testing.T) {
	t.Parallel()
	reasons := func(p *vacuum.Plan) map[string]string {
		out := map[string]string{}
		for _, k := range p.Protected {
			out[k.Date.String()] = strings.Join(k.Reasons, "; ")
		}
		return out
	}
	t.Run("failed", func(t *testing.T) {
		t.Parallel()
		lk, v, _ := newLake(t)
		setState(t, lk, date(2), func(st *pipeline.RunState) { st.Status = pipeline.StatusFailed })
		p := mustPlan(t, v, vacuum.Options{KeepDates: 1})
		equalDates(t, "vacuumed dates", p.Dates, dates(0, 3))
		got := reasons(p)
		if !strings.Contains(got["2025-07-03"], "did not succeed (failed)") ||
			!strings.Contains(got["2025-07-02"], "last clean run before 2025-07-03") || len(got) != 2 {
			t.Errorf("protected: %v", got)
		}
	})
	t.Run("stale", func(t *testing.T) {
		t.Parallel()
		lk, v, _ := newLake(t)
		setState(t, lk, date(3), func(st *pipeline.RunState) { st.Stale = true })
		p := mustPlan(t, v, vacuum.Options{KeepDates: 1})
		equalDates(t, "vacuumed dates", p.Dates, dates(0, 1))
		got := reasons(p)
		if !strings.Contains(got["2025-07-04"], "stale") || !strings.Contains(got["2025-07-03"], "last clean run before 2025-07-04") {
			t.Errorf("protected: %v", got)
		}
	})
	t.Run("newest silver", func(t *testing.T) {
		t.Parallel()
		// The latest date's silver users is gone (and its state): the next run of users starts
		// from the date before.
		_, v, dir := newLake(t)
		for _, p := range []string{lake.PartitionDir(lake.Silver, "users", date(4)), lake.StateKey(date(4))} {
			if err := os.RemoveAll(filepath.Join(dir, filepath.FromSlash(p))); err != nil {
				t.Fatal(err)
			}
		}
		p := mustPlan(t, v, vacuum.Options{KeepDates: 1})
		equalDates(t, "vacuumed dates", p.Dates, dates(0, 1, 2))
		if got := reasons(p)["2025-07-04"]; !strings.Contains(got, "newest silver partition of users:") {
			t.Errorf("2025-07-04 kept because %q", got)
		}
	})
}

// crashing lets n deletes through, then fails every delete, as a vacuum killed mid-way would
// stop.
type crashing struct {
	storage.Bucket
	mu sync.Mutex
	n  int
}

func (c *crashing) Delete(ctx context.Context, name string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n == 0 {
		return errors.New("killed")
	}
	c.n--
	return c.Bucket.Delete(ctx, name)
}

// TestInterruptedVacuumIsCompletedByRerun: a vacuum stopped after any number of deletions
// leaves every visible partition whole (a half-removed one is uncommitted first); running it
// again with the same options ends with the lake and catalog of an uninterrupted vacuum.
func TestInterruptedVacuumIsCompletedByRerun(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	o := vacuum.Options{KeepDates: 2}
	refLake, ref, refDir := newLake(t)
	if err := ref.Apply(ctx, mustPlan(t, ref, o)); err != nil {
		t.Fatal(err)
	}
	want, wantCatalog := files(t, refDir), catalogDates(t, refLake)
	for _, n := range []int{1, 4, 37, 144} {
		t.Run(fmt.Sprintf("after %d deletes", n), func(t *testing.T) {
			lk, _, dir := newLake(t)
			cut := lake.New(&crashing{Bucket: lk.B, n: n})
			killed := &vacuum.Vacuum{Lake: cut, Catalog: &catalog.Crawler{Lake: cut}}
			p := mustPlan(t, killed, o)
			if err := killed.Apply(ctx, p); err == nil || !strings.Contains(err.Error(), "killed") {
				t.Fatalf("interrupted apply after %d deletes: %v", n, err)
			}
			if s := p.Summary(); s.DryRun || s.Files != n {
				t.Errorf("interrupted after %d deletes, the summary says dry_run %v, %d files freed", n, s.DryRun, s.Files)
			}
			checkWhole(t, dir)
			if n == 1 {
				// Only the first partition's manifest went: it is invisible, its files remain.
				first := p.Items[0]
				if _, ok, _ := lk.ReadManifest(ctx, first.Dir); ok {
					t.Errorf("%s is still committed", first.Dir)
				}
				if left := under(files(t, dir), first.Dir); len(left) == 0 {
					t.Errorf("%s: no file left to complete", first.Dir)
				}
			}
			again := &vacuum.Vacuum{Lake: lk, Catalog: &catalog.Crawler{Lake: lk}}
			if err := again.Apply(ctx, mustPlan(t, again, o)); err != nil {
				t.Fatal(err)
			}
			if got := files(t, dir); !slices.Equal(got, want) {
				t.Errorf("after the rerun the lake has %d files, an uninterrupted vacuum %d", len(got), len(want))
			}
			got := catalogDates(t, lk)
			for k, w := range wantCatalog {
				if !slices.Equal(got[k], w) {
					t.Errorf("catalog %s: %v, want %v", k, got[k], w)
				}
			}
		})
	}
}

// TestGoldOption: with Options.Gold the facts, the bridge and the gold reports of the removed
// dates go too (and leave the catalog); the dimensions never do.
func TestGoldOption(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	lk, v, dir := newLake(t)
	before := files(t, dir)
	p := mustPlan(t, v, vacuum.Options{KeepDates: 2, Gold: true})
	if err := v.Apply(ctx, p); err != nil {
		t.Fatal(err)
	}
	after := files(t, dir)
	for _, d := range dates(0, 1, 2) {
		if left := withDate(after, d); len(left) != 0 {
			t.Errorf("%s: left %v", d, left)
		}
	}
	for _, d := range dates(3, 4) {
		if !slices.Equal(withDate(after, d), withDate(before, d)) {
			t.Errorf("%s: kept date changed", d)
		}
	}
	for _, dim := range []string{"gold/dim_user/", "gold/dim_dataset/", "gold/dim_date/", "gold/dim_tag/", "gold/dim_competition/"} {
		if got := under(after, dim); len(got) == 0 || !slices.Equal(got, under(before, dim)) {
			t.Errorf("%s changed: %v", dim, got)
		}
	}
	if !slices.Equal(under(after, "raw/"), under(before, "raw/")) || !slices.Equal(under(after, "_state/runs/"), under(before, "_state/runs/")) {
		t.Error("raw or run states changed")
	}
	cat := catalogDates(t, lk)
	if got := cat["gold.fact_tag_usage_daily"]; !slices.Equal(got, strs(dates(3, 4))) {
		t.Errorf("catalog gold.fact_tag_usage_daily lists %v", got)
	}
	if got := cat["gold.dim_user"]; len(got) != 1 {
		t.Errorf("catalog gold.dim_user lists %v", got)
	}
	checkWhole(t, dir)
}

// TestCatalogForgetsFolderlessPartitions: a partition whose folder is already gone (an empty
// partition — a manifest only — whose removal was killed before the catalog forgot it) still
// leaves the catalog on the next vacuum.
func TestCatalogForgetsFolderlessPartitions(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	lk, v, dir := newLake(t)
	gone := lake.PartitionDir(lake.Bronze, "users", date(0))
	if err := os.RemoveAll(filepath.Join(dir, filepath.FromSlash(gone))); err != nil {
		t.Fatal(err)
	}
	if got := catalogDates(t, lk)["bronze.users"]; !slices.Contains(got, date(0).String()) {
		t.Fatalf("the catalog does not list %s before the vacuum: %v", gone, got)
	}
	p := mustPlan(t, v, vacuum.Options{KeepDates: 2})
	if err := v.Apply(ctx, p); err != nil {
		t.Fatal(err)
	}
	if got := catalogDates(t, lk)["bronze.users"]; !slices.Equal(got, strs(dates(3, 4))) {
		t.Errorf("catalog bronze.users lists %v after the vacuum", got)
	}
}

// TestBeforeSelectsEarlierDatesOnly: --before D removes the dates before D, never D itself.
func TestBeforeSelectsEarlierDatesOnly(t *testing.T) {
	t.Parallel()
	_, v, _ := newLake(t)
	p := mustPlan(t, v, vacuum.Options{Before: date(2)})
	equalDates(t, "vacuumed dates", p.Dates, dates(0, 1))
	for _, it := range p.Items {
		if !it.Date.Before(date(2)) {
			t.Errorf("planned %s of %s", it.Dir, it.Date)
		}
	}
	if len(p.Protected) != 0 {
		t.Errorf("protected %+v", p.Protected)
	}
}
