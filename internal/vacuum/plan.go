package vacuum

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/metalake/metalake/internal/catalog"
	"github.com/metalake/metalake/internal/lake"
	"github.com/metalake/metalake/internal/pipeline"
)

// area is a lake folder organised by run date.
type area struct {
	name    string // as summaries show it
	dir     string
	tables  bool   // dir holds {table}/run_date=D/ partitions; else run_date=D/ folders of reports
	catalog string // the catalog layer of its tables ("": not catalogued)
	gold    bool   // removed only with Options.Gold
}

// areas are every dated folder of the lake but raw/ (see doc.go for why raw stays).
func areas() []area {
	return []area{
		{name: lake.Bronze, dir: lake.Bronze + "/", tables: true, catalog: lake.Bronze},
		{name: "bronze/_rejects", dir: lake.RejectsRoot, tables: true},
		{name: lake.Silver, dir: lake.Silver + "/", tables: true, catalog: lake.Silver},
		{name: "silver/_held", dir: lake.HeldRoot, tables: true},
		{name: lake.Gold, dir: lake.Gold + "/", tables: true, catalog: lake.Gold, gold: true},
		{name: "bronze/_reports", dir: lake.ReportsDir(lake.Bronze)},
		{name: "silver/_reports", dir: lake.ReportsDir(lake.Silver)},
		{name: "gold/_reports", dir: lake.ReportsDir(lake.Gold), gold: true},
		{name: "_reports", dir: lake.ReportsDir("")},
		{name: "_monitoring", dir: lake.MonitoringRoot},
	}
}

// folder is one dated folder found by listing (committed or not).
type folder struct {
	area  area
	table string
	date  lake.Date
	dir   string
}

// Plan is what a vacuum removes and keeps. Build it with (*Vacuum).Plan; Apply carries it out.
type Plan struct {
	Lake    string
	Options Options
	// RunDates are every run date of the lake, oldest first.
	RunDates []lake.Date
	// Dates are the run dates whose folders go: selected, not protected.
	Dates []lake.Date
	// Protected are the selected dates that are kept, with why.
	Protected []KeptDate
	// Items are the folders to remove (only those that still hold something).
	Items []Item
	// Catalog are the catalog partitions of the removed dates, to forget.
	Catalog []CatalogRef
	applied bool
}

// KeptDate is a run date the selection would remove but which a later run still needs.
type KeptDate struct {
	Date    lake.Date `json:"date"`
	Reasons []string  `json:"reasons"`
}

// Item is one folder to remove: Files and Bytes are what it holds (after Apply: what was
// freed).
type Item struct {
	Area    string    `json:"area"`
	Table   string    `json:"table,omitempty"`
	Date    lake.Date `json:"run_date"`
	Dir     string    `json:"dir"`
	Files   int       `json:"files"`
	Bytes   int64     `json:"bytes"`
	catalog string
}

func (it Item) label() string {
	if it.Table == "" {
		return it.Area
	}
	return it.Area + " " + it.Table
}

// CatalogRef is one partition listed by the lake's catalog.
type CatalogRef struct {
	Layer string    `json:"layer"`
	Table string    `json:"table"`
	Date  lake.Date `json:"run_date"`
}

// Plan lists the lake's dated folders, decides which run dates go (o's selection minus the
// protected dates, see doc.go) and what they hold. It changes nothing.
func (v *Vacuum) Plan(ctx context.Context, o Options) (*Plan, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	lk := v.Lake
	folders, err := v.folders(ctx)
	if err != nil {
		return nil, fmt.Errorf("vacuum: list %s: %w", lk.B.Name(), err)
	}
	states, err := pipeline.ListStates(ctx, lk)
	if err != nil {
		return nil, fmt.Errorf("vacuum: read run states: %w", err)
	}
	byDate := map[lake.Date]pipeline.RunState{}
	seen := map[lake.Date]bool{}
	for _, st := range states {
		d, err := lake.ParseDate(st.RunDate)
		if err != nil {
			return nil, fmt.Errorf("vacuum: run state %q: %w", st.RunDate, err)
		}
		byDate[d], seen[d] = st, true
	}
	for _, f := range folders {
		seen[f.date] = true
	}
	p := &Plan{Lake: lk.B.Name(), Options: o}
	for d := range seen {
		p.RunDates = append(p.RunDates, d)
	}
	sortDates(p.RunDates)

	// The selection: the dates before the newest KeepDates, or before Before.
	n := len(p.RunDates) - o.KeepDates
	if o.KeepDates == 0 {
		n = sort.Search(len(p.RunDates), func(i int) bool { return !p.RunDates[i].Before(o.Before) })
	}
	selected := p.RunDates[:max(0, n)]
	newest, err := v.newestSilver(ctx)
	if err != nil {
		return nil, fmt.Errorf("vacuum: %w", err)
	}
	protected := protect(p.RunDates, byDate, newest)
	remove := map[lake.Date]bool{}
	for _, d := range selected {
		if reasons, ok := protected[d]; ok {
			p.Protected = append(p.Protected, KeptDate{Date: d, Reasons: reasons})
			continue
		}
		p.Dates = append(p.Dates, d)
		remove[d] = true
	}
	for _, f := range folders {
		if !remove[f.date] || (f.area.gold && !o.Gold) {
			continue
		}
		objs, err := lk.Objects(ctx, f.dir)
		if err != nil {
			return nil, fmt.Errorf("vacuum: list %s: %w", f.dir, err)
		}
		if len(objs) == 0 {
			continue
		}
		it := Item{Area: f.area.name, Table: f.table, Date: f.date, Dir: f.dir, Files: len(objs), catalog: f.area.catalog}
		for _, obj := range objs {
			it.Bytes += obj.Size
		}
		p.Items = append(p.Items, it)
	}
	if p.Catalog, err = catalogRefs(ctx, lk, remove, o.Gold); err != nil {
		return nil, fmt.Errorf("vacuum: read catalog: %w", err)
	}
	return p, nil
}

// folders lists every dated folder of every area, committed or not, by date then area.
func (v *Vacuum) folders(ctx context.Context) ([]folder, error) {
	var out []folder
	for _, a := range areas() {
		if !a.tables {
			dates, err := v.Lake.RunDateFolders(ctx, a.dir)
			if err != nil {
				return nil, err
			}
			for _, d := range dates {
				out = append(out, folder{area: a, date: d, dir: a.dir + "run_date=" + d.String() + "/"})
			}
			continue
		}
		tables, err := v.Lake.TableFolders(ctx, a.dir)
		if err != nil {
			return nil, err
		}
		for _, t := range tables {
			dates, err := v.Lake.RunDateFolders(ctx, a.dir+t+"/")
			if err != nil {
				return nil, err
			}
			for _, d := range dates {
				out = append(out, folder{area: a, table: t, date: d, dir: a.dir + t + "/run_date=" + d.String() + "/"})
			}
		}
	}
	// Date by date, oldest first: an interrupted vacuum has removed whole dates before the
	// next one, partitions before the reports that describe them.
	sort.SliceStable(out, func(i, j int) bool { return out[i].date.Before(out[j].date) })
	return out, nil
}

// newestSilver returns, per silver table, the date of its newest committed partition.
func (v *Vacuum) newestSilver(ctx context.Context) (map[string]lake.Date, error) {
	tables, err := v.Lake.TableFolders(ctx, lake.Silver+"/")
	if err != nil {
		return nil, err
	}
	out := map[string]lake.Date{}
	for _, t := range tables {
		p, ok, err := v.Lake.NewestPartition(ctx, lake.TableDir(lake.Silver, t))
		if err != nil {
			return nil, err
		}
		if ok {
			out[t] = p.Date
		}
	}
	return out, nil
}

// protect returns the run dates a vacuum must keep, each with why (see doc.go).
func protect(dates []lake.Date, states map[lake.Date]pipeline.RunState, newestSilver map[string]lake.Date) map[lake.Date][]string {
	out := map[lake.Date][]string{}
	add := func(d lake.Date, reason string) {
		if !slices.Contains(out[d], reason) {
			out[d] = append(out[d], reason)
		}
	}
	if n := len(dates); n > 0 {
		add(dates[n-1], "the latest run date")
	}
	bySilver := map[lake.Date][]string{}
	for t, d := range newestSilver {
		bySilver[d] = append(bySilver[d], t)
	}
	for d, tables := range bySilver {
		sort.Strings(tables)
		add(d, fmt.Sprintf("newest silver partition of %s: the next run's silver starts from it (silver(D) = silver(previous) + bronze(D))",
			strings.Join(tables, ", ")))
	}
	for i, d := range dates {
		why, clean := cleanRun(states, d)
		if clean {
			continue
		}
		add(d, why)
		// Its rerun starts from the silver of the date before it, which must be clean or be
		// rerun first: keep every date back to the last clean run.
		for j := i - 1; j >= 0; j-- {
			if _, ok := cleanRun(states, dates[j]); ok {
				add(dates[j], fmt.Sprintf("the last clean run before %s: rerunning %s starts from its silver", d, d))
				break
			}
		}
	}
	return out
}

// cleanRun reports whether d's run ended in a success that is not stale; when it did not,
// why says what a rerun must do. A date without a state (only folders) counts as clean:
// nothing says it must be rerun.
func cleanRun(states map[lake.Date]pipeline.RunState, d lake.Date) (why string, clean bool) {
	st, ok := states[d]
	switch {
	case !ok:
		return "", true
	case st.Status != pipeline.StatusSuccess:
		return fmt.Sprintf("its last run did not succeed (%s): rerunning it (--resume or --force) needs its inputs", st.Status), false
	case st.Stale:
		return fmt.Sprintf("it is stale: recomputing it (run --date %s --to LATEST --force) needs its inputs", d), false
	}
	return "", true
}

// catalogRefs lists the catalog partitions of the removed dates: bronze and silver tables,
// and gold facts and the bridge when they go too (dimensions are not partitioned).
func catalogRefs(ctx context.Context, lk *lake.Lake, remove map[lake.Date]bool, gold bool) ([]CatalogRef, error) {
	if len(remove) == 0 {
		return nil, nil
	}
	tables, err := catalog.List(ctx, lk)
	if err != nil {
		return nil, err
	}
	var out []CatalogRef
	for _, t := range tables {
		if len(t.PartitionKeys) == 0 || (t.Layer == lake.Gold && !gold) {
			continue
		}
		for pk := range t.Partitions {
			d, err := lake.ParseDate(pk)
			if err == nil && remove[d] {
				out = append(out, CatalogRef{Layer: t.Layer, Table: t.Table, Date: d})
			}
		}
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if !a.Date.Equal(b.Date) {
			return a.Date.Before(b.Date)
		}
		return a.Layer+"."+a.Table < b.Layer+"."+b.Table
	})
	return out, nil
}

func sortDates(ds []lake.Date) {
	sort.Slice(ds, func(i, j int) bool { return ds[i].Before(ds[j]) })
}
