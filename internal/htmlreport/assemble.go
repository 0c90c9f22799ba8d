package htmlreport

import (
	"sort"
	"strings"

	"github.com/metalake/metalake/internal/bronze"
)

// goldSources names the gold tables each silver table feeds (dim_date is generated). It is
// what the row-flow table shows next to the table; a gold table not listed here is still in
// the DQ section.
var goldSources = map[string][]string{
	"users":        {"dim_user"},
	"datasets":     {"dim_dataset", "fact_dataset_owner_daily"},
	"tags":         {"dim_tag", "fact_tag_usage_daily", "bridge_dataset_tag"},
	"competitions": {"dim_competition", "fact_competitions_yearly"},
}

// DefaultRejectLimit is the circuit breaker's limit shown when a report does not say its own.
const DefaultRejectLimit = 0.10

// assemble arranges the per-table reports into the row flow and the rejects.
func (r *Report) assemble() {
	names := map[string]bool{}
	for t := range r.rs.bronze {
		names[t] = true
	}
	for t := range r.rs.silver {
		names[t] = true
	}
	tables := make([]string, 0, len(names))
	for t := range names {
		tables = append(tables, t)
	}
	sort.Strings(tables)
	for _, t := range tables {
		f := TableFlow{Table: t, Gold: r.goldOuts(t)}
		if b, ok := r.rs.bronze[t]; ok {
			f.Bronze = bronzeFlow(b)
			r.Rejects = append(r.Rejects, tableRejects(b))
		}
		if s, ok := r.rs.silver[t]; ok {
			f.Silver = &SilverFlow{Status: s.Status, Mode: string(s.Mode), Input: s.InputCount, BronzeInput: s.BronzeInputCount,
				Carried: s.CarriedCount, Output: s.OutputCount, Duplicates: s.DuplicatesRemoved, Dropped: s.DroppedCount,
				NotInLatest: s.NotInLatestSnapshot, Strategies: s.CleaningStrategies, Error: s.Error,
				Reconciled: s.InputCount == s.OutputCount+s.DuplicatesRemoved+s.DroppedCount}
			f.Silver.FromBronze = f.Bronze != nil && f.Bronze.Output == s.BronzeInputCount
		}
		r.Flow = append(r.Flow, f)
	}
	sort.Slice(r.GoldFacts, func(i, j int) bool { return r.GoldFacts[i].Table < r.GoldFacts[j].Table })
	sort.Slice(r.GoldDims, func(i, j int) bool { return r.GoldDims[i].Table < r.GoldDims[j].Table })
}

func bronzeFlow(b bronze.Report) *BronzeFlow {
	return &BronzeFlow{Status: b.Status, Input: b.InputCount, Output: b.OutputCount, Rejects: b.RejectCount,
		Duplicates: b.DuplicatesRemoved, Lookups: b.Lookups,
		Reconciled: b.InputCount == b.OutputCount+b.RejectCount+b.DuplicatesRemoved}
}

func tableRejects(b bronze.Report) TableRejects {
	limit := b.RejectThreshold
	if limit <= 0 {
		limit = DefaultRejectLimit
	}
	reasons := b.TopRejectReasons
	if reasons == nil {
		reasons = []bronze.ReasonCount{}
	}
	return TableRejects{Table: b.Table, Status: b.Status, Input: b.InputCount, Rejects: b.RejectCount,
		Rate: b.RejectionRate, Threshold: limit, Breached: b.RejectionRate > limit, Reasons: reasons}
}

// goldOuts are the gold tables fed by table: rows and status from the gold validation, else
// the status of their own reports.
func (r *Report) goldOuts(table string) []GoldOut {
	out := []GoldOut{}
	for _, name := range goldSources[table] {
		g := GoldOut{Table: name, Kind: "fact", Rows: -1}
		if strings.HasPrefix(name, "dim_") {
			g.Kind = "dimension"
		}
		if r.Validation != nil {
			ts, ok := r.Validation.Dimensions[name]
			if !ok {
				ts, ok = r.Validation.Facts[name]
			}
			if ok {
				g.Status, g.Rows = ts.Status, ts.Rows
			}
		}
		if g.Status == "" {
			g.Status = r.goldReportStatus(name)
		}
		out = append(out, g)
	}
	return out
}

func (r *Report) goldReportStatus(name string) string {
	for _, f := range r.GoldFacts {
		if f.Table == name {
			return f.Status
		}
	}
	for _, d := range r.GoldDims {
		if d.Table == name {
			return d.Status
		}
	}
	return "NOT_RUN"
}

// FailedChecks counts the gold DQ checks that did not pass.
func (r *Report) FailedChecks() int {
	n := 0
	for _, f := range r.GoldFacts {
		n += len(f.Failed())
	}
	return n
}
