package htmlreport

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/metalake/metalake/internal/catalog"
	"github.com/metalake/metalake/internal/lake"
	"github.com/metalake/metalake/internal/pipeline"
	"github.com/metalake/metalake/internal/storage"
)

// readers bounds the concurrent object reads of the history (one bronze summary per date):
// an object store answers each in tens of milliseconds.
const readers = 8

// buildHistory reads the last n run dates up to d: their run states, their bronze summaries
// (rejection rates) and the bronze and silver catalog entries (rows per partition: one object
// per table, whatever the number of dates).
func buildHistory(ctx context.Context, lk *lake.Lake, d lake.Date, n int, live bool) (History, error) {
	h := History{Dates: []string{}, Status: []string{}, DurationS: map[string][]*float64{},
		BronzeRows: map[string][]*int64{}, SilverRows: map[string][]*int64{}, RejectRate: map[string][]*float64{}}
	states, err := pipeline.RecentStates(ctx, lk, d, n+1)
	if err != nil {
		return h, err
	}
	if len(states) > n {
		h.Truncated = true
		states = states[1:]
	}
	if !live {
		pipeline.MarkInterrupted(states)
	}
	index := map[string]int{}
	for i, st := range states {
		index[st.RunDate] = i
		h.Dates = append(h.Dates, st.RunDate)
		h.Status = append(h.Status, st.Status)
		for _, s := range StageRuns(st) {
			if h.DurationS[s.Stage] == nil {
				h.DurationS[s.Stage] = make([]*float64, len(states))
			}
			v := s.DurationS
			h.DurationS[s.Stage][i] = &v
		}
	}
	if err := h.readRejectRates(ctx, lk); err != nil {
		return h, err
	}
	for layer, rows := range map[string]map[string][]*int64{lake.Bronze: h.BronzeRows, lake.Silver: h.SilverRows} {
		if err := catalogRows(ctx, lk, layer, index, rows); err != nil {
			return h, err
		}
	}
	return h, nil
}

// readRejectRates reads every date's bronze summary, a few at a time.
func (h *History) readRejectRates(ctx context.Context, lk *lake.Lake) error {
	sums := make([]*pipeline.BronzeSummary, len(h.Dates))
	errs := make([]error, len(h.Dates))
	var wg sync.WaitGroup
	sem := make(chan struct{}, readers)
	for i, date := range h.Dates {
		d, err := lake.ParseDate(date)
		if err != nil {
			return err
		}
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			var bs pipeline.BronzeSummary
			err := lk.GetJSON(ctx, lake.ReportKey(lake.Bronze, d, "bronze_summary.json"), &bs)
			switch {
			case err == nil:
				sums[i] = &bs
			case !storage.IsNotFound(err):
				errs[i] = err
			}
		}()
	}
	wg.Wait()
	for i, bs := range sums {
		if errs[i] != nil {
			return fmt.Errorf("htmlreport: history %s: %w", h.Dates[i], errs[i])
		}
		if bs == nil {
			continue
		}
		for t, ts := range bs.Tables {
			if h.RejectRate[t] == nil {
				h.RejectRate[t] = make([]*float64, len(h.Dates))
			}
			v := ts.RejectionRate
			h.RejectRate[t][i] = &v
		}
	}
	return nil
}

// catalogRows fills rows[table][i] with the rows of each table's partition of date i.
func catalogRows(ctx context.Context, lk *lake.Lake, layer string, index map[string]int, rows map[string][]*int64) error {
	dir := strings.TrimSuffix(catalog.Key(layer, "x"), "x.json")
	var keys []string
	err := lk.B.Iter(ctx, dir, func(key string) error {
		if strings.HasSuffix(key, ".json") {
			keys = append(keys, key)
		}
		return nil
	})
	if err != nil && !storage.IsNotFound(err) {
		return fmt.Errorf("htmlreport: list %s: %w", dir, err)
	}
	for _, key := range keys {
		var t catalog.Table
		if err := lk.GetJSON(ctx, key, &t); err != nil {
			return fmt.Errorf("htmlreport: read %s: %w", key, err)
		}
		for date, p := range t.Partitions {
			i, ok := index[date]
			if !ok {
				continue
			}
			if rows[t.Table] == nil {
				rows[t.Table] = make([]*int64, len(index))
			}
			v := p.Rows
			rows[t.Table][i] = &v
		}
	}
	return nil
}
