package vacuum

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/metalake/metalake/internal/lake"
	"github.com/metalake/metalake/internal/monitor"
)

// Summary is what a vacuum removed (or, for a plan not applied, would remove), as printed and
// as JSON.
type Summary struct {
	Lake      string `json:"lake"`
	DryRun    bool   `json:"dry_run"`
	Selection string `json:"selection"`
	Gold      bool   `json:"gold"`
	// RunDates counts the lake's run dates; KeptDates are those whose data stays.
	RunDates  int      `json:"run_dates"`
	KeptDates []string `json:"kept_dates"`
	// VacuumedDates are the selected dates that are not protected: nothing of theirs is left
	// in the vacuumed folders afterwards. RemovedDates are those of them something was (or
	// would be) removed from by this vacuum.
	VacuumedDates []string `json:"vacuumed_dates"`
	RemovedDates  []string `json:"removed_dates"`
	// Protected are dates the selection named but which a later run needs.
	Protected []KeptDate `json:"protected"`
	Groups    []Group    `json:"removed"`
	Files     int        `json:"files"`
	Bytes     int64      `json:"bytes"`
	// CatalogPartitions counts the catalog's partition entries of removed dates forgotten.
	CatalogPartitions int `json:"catalog_partitions_forgotten"`
	// Untouched says what a vacuum never removes and why.
	Untouched []string `json:"untouched"`
	Notes     []string `json:"notes"`
}

// Group is what went from one area and table.
type Group struct {
	Area  string   `json:"area"`
	Table string   `json:"table,omitempty"`
	Dates []string `json:"run_dates"`
	Files int      `json:"files"`
	Bytes int64    `json:"bytes"`
}

// Summary sums p's items per area and table.
func (p *Plan) Summary() Summary {
	s := Summary{Lake: p.Lake, DryRun: !p.applied, Selection: p.Options.selection(), Gold: p.Options.Gold,
		RunDates: len(p.RunDates), KeptDates: []string{}, VacuumedDates: []string{}, RemovedDates: []string{}, Protected: p.Protected,
		Groups: []Group{}, CatalogPartitions: len(p.Catalog), Notes: []string{}}
	if s.Protected == nil {
		s.Protected = []KeptDate{}
	}
	removed := map[lake.Date]bool{}
	for _, d := range p.Dates {
		removed[d] = true
		s.VacuumedDates = append(s.VacuumedDates, d.String())
	}
	for _, d := range p.RunDates {
		if !removed[d] {
			s.KeptDates = append(s.KeptDates, d.String())
		}
	}
	idx := map[string]int{}
	order := map[string]int{}
	for i, a := range areas() {
		order[a.name] = i
	}
	had := map[string]bool{}
	for _, it := range p.Items {
		if p.applied && it.Files == 0 {
			continue // not reached by an interrupted Apply
		}
		key := it.Area + "\x00" + it.Table
		i, ok := idx[key]
		if !ok {
			i = len(s.Groups)
			idx[key] = i
			s.Groups = append(s.Groups, Group{Area: it.Area, Table: it.Table})
		}
		g := &s.Groups[i]
		g.Dates = append(g.Dates, it.Date.String())
		g.Files += it.Files
		g.Bytes += it.Bytes
		s.Files += it.Files
		s.Bytes += it.Bytes
		if !had[it.Date.String()] {
			had[it.Date.String()] = true
			s.RemovedDates = append(s.RemovedDates, it.Date.String())
		}
	}
	sort.Strings(s.RemovedDates)
	sort.SliceStable(s.Groups, func(i, j int) bool {
		a, b := s.Groups[i], s.Groups[j]
		if order[a.Area] != order[b.Area] {
			return order[a.Area] < order[b.Area]
		}
		return a.Table < b.Table
	})
	for i := range s.Groups {
		sort.Strings(s.Groups[i].Dates)
	}
	s.Untouched = []string{"raw/: the source of truth, from which a vacuumed date can be rebuilt (on S3 the lifecycle rule archives it)"}
	if !p.Options.Gold {
		s.Untouched = append(s.Untouched, "gold facts, bridge and gold reports: the analytics history (--gold removes them too)")
	}
	s.Untouched = append(s.Untouched,
		"gold dimensions: whole-table versions that every later run merges into",
		"_state/: run states (status, stale dates, the scheduler's catch-up), dimension keys")
	if len(s.RemovedDates) > 0 && len(s.KeptDates) <= monitor.CountWindow {
		s.Notes = append(s.Notes, fmt.Sprintf("monitor: the row-count anomaly check compares a date with its previous %d run dates (it needs %d); %d run date(s) remain, so the next runs compare with fewer until the history grows back (keep %d for the full window)",
			monitor.CountWindow, monitor.MinHistory, len(s.KeptDates), monitor.CountWindow+1))
	}
	return s
}

// WriteText prints s for people: what was (or would be) removed per area and table, the total,
// the dates kept and why, and what a vacuum never touches.
func (s Summary) WriteText(w io.Writer) {
	verb := "removed"
	if s.DryRun {
		verb = "would remove"
		fmt.Fprintln(w, "dry run: nothing is changed")
	}
	fmt.Fprintf(w, "vacuum %s: %s (%d run dates in the lake)\n", s.Lake, s.Selection, s.RunDates)
	switch {
	case len(s.RemovedDates) > 0:
		fmt.Fprintf(w, "%s %d run date(s): %s\n", verb, len(s.RemovedDates), strings.Join(s.RemovedDates, ", "))
		fmt.Fprintf(w, "  %-16s %-34s %-28s %7s %12s\n", "area", "table", "run dates", "files", "bytes")
		for _, g := range s.Groups {
			table := g.Table
			if table == "" {
				table = "-"
			}
			fmt.Fprintf(w, "  %-16s %-34s %-28s %7d %12s\n", g.Area, table, dateSpan(g.Dates), g.Files, human(g.Bytes))
		}
		fmt.Fprintf(w, "  %-16s %-34s %-28s %7d %12s (%d bytes)\n", "total", "", dateSpan(s.RemovedDates), s.Files, human(s.Bytes), s.Bytes)
	case len(s.VacuumedDates) > 0:
		fmt.Fprintf(w, "nothing to remove: %s already vacuumed\n", dateSpan(s.VacuumedDates))
	case len(s.Protected) > 0:
		fmt.Fprintln(w, "nothing to remove: every selected run date must be kept (below)")
	default:
		fmt.Fprintln(w, "nothing to remove: the selection keeps every run date")
	}
	if s.CatalogPartitions > 0 {
		v := "forgotten"
		if s.DryRun {
			v = "to forget"
		}
		fmt.Fprintf(w, "catalog: %d partition entries of removed dates %s\n", s.CatalogPartitions, v)
	}
	for _, k := range s.Protected {
		fmt.Fprintf(w, "kept %s: %s\n", k.Date, strings.Join(k.Reasons, "; "))
	}
	if len(s.KeptDates) > 0 {
		fmt.Fprintf(w, "run dates kept: %s\n", dateSpan(s.KeptDates))
	}
	fmt.Fprintln(w, "never vacuumed:")
	for _, u := range s.Untouched {
		fmt.Fprintf(w, "  %s\n", u)
	}
	for _, n := range s.Notes {
		fmt.Fprintf(w, "note: %s\n", n)
	}
}

// dateSpan shows sorted dates briefly: all of them when few, else the first and last.
func dateSpan(ds []string) string {
	switch {
	case len(ds) == 0:
		return "-"
	case len(ds) <= 2:
		return strings.Join(ds, ", ")
	}
	return fmt.Sprintf("%s..%s (%d)", ds[0], ds[len(ds)-1], len(ds))
}

func human(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
