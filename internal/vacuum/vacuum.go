package vacuum

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/metalake/metalake/internal/deps"
	"github.com/metalake/metalake/internal/lake"
	"github.com/metalake/metalake/internal/storage"
)

// Options say which run dates a vacuum removes: exactly one of KeepDates and Before.
type Options struct {
	// KeepDates keeps the newest KeepDates run dates (at least 1) and removes the older ones.
	KeepDates int
	// Before removes the run dates before it.
	Before lake.Date
	// Gold also removes the gold fact and bridge partitions and the gold reports of the removed
	// dates (kept by default: they are the analytics history).
	Gold bool
}

// Errors of Options.Validate.
var (
	ErrNoSelection    = errors.New("say which run dates to remove: --keep-dates N (keep the newest N) or --before YYYY-MM-DD")
	ErrBothSelections = errors.New("--keep-dates and --before cannot be combined: choose one")
)

// Validate checks that the options select run dates one way.
func (o Options) Validate() error {
	switch {
	case o.KeepDates < 0:
		return fmt.Errorf("--keep-dates %d: keep at least 1 run date (N >= 1)", o.KeepDates)
	case o.KeepDates > 0 && !o.Before.IsZero():
		return ErrBothSelections
	case o.KeepDates == 0 && o.Before.IsZero():
		return ErrNoSelection
	}
	return nil
}

// selection describes the options for people.
func (o Options) selection() string {
	if o.KeepDates > 0 {
		if o.KeepDates == 1 {
			return "keep the newest run date"
		}
		return fmt.Sprintf("keep the newest %d run dates", o.KeepDates)
	}
	return "remove the run dates before " + o.Before.String()
}

// Forgetter removes a partition the lake no longer has from the lake's catalog (and from an
// external one): catalog.Crawler.Forget.
type Forgetter interface {
	Forget(ctx context.Context, layer, table, dir string, d lake.Date) error
}

// Vacuum plans and applies a retention. Lake is required; Catalog should be set (without it
// the catalog keeps listing removed partitions).
type Vacuum struct {
	Lake    *lake.Lake
	Catalog Forgetter
	Log     *slog.Logger
	Now     func() time.Time
}

// Apply removes what p lists, folder by folder through the commit protocol (lake.Remove: the
// manifest, then the catalog entry, then the files), then forgets the catalog entries of the
// removed dates left by an interrupted vacuum, and records the vacuum in lake.VacuumLogKey. It
// updates p's items with what was actually freed. An error leaves the lake consistent (every
// partition whole or gone); applying a new plan with the same options completes the work.
func (v *Vacuum) Apply(ctx context.Context, p *Plan) error {
	log := deps.Log(v.Log)
	// From here on the items count what was freed: after a failure, what the vacuum did.
	p.applied = true
	for i := range p.Items {
		p.Items[i].Files, p.Items[i].Bytes = 0, 0
	}
	for i := range p.Items {
		it := &p.Items[i]
		var forget func(context.Context) error
		if it.catalog != "" && v.Catalog != nil {
			forget = func(ctx context.Context) error {
				return v.Catalog.Forget(ctx, it.catalog, it.Table, it.Dir, it.Date)
			}
		}
		freed, err := v.Lake.Remove(ctx, it.Dir, forget)
		it.Files, it.Bytes = freed.Files, freed.Bytes
		if err != nil {
			return fmt.Errorf("vacuum %s %s: %w", it.label(), it.Date, err)
		}
		log.Debug("vacuumed", "dir", it.Dir, "files", freed.Files, "bytes", freed.Bytes)
	}
	if v.Catalog != nil {
		for _, c := range p.Catalog {
			dir := lake.PartitionDir(c.Layer, c.Table, c.Date)
			if err := v.Catalog.Forget(ctx, c.Layer, c.Table, dir, c.Date); err != nil {
				return fmt.Errorf("vacuum: catalog %s.%s %s: %w", c.Layer, c.Table, c.Date, err)
			}
		}
	}
	s := p.Summary()
	if len(s.RemovedDates) == 0 && len(p.Catalog) == 0 {
		return nil
	}
	return v.record(ctx, s)
}

// LogEntry is one vacuum that removed something.
type LogEntry struct {
	At           time.Time `json:"at"`
	Selection    string    `json:"selection"`
	Gold         bool      `json:"gold"`
	RemovedDates []string  `json:"removed_dates"`
	Files        int       `json:"files"`
	Bytes        int64     `json:"bytes"`
}

// Log is the content of lake.VacuumLogKey: every vacuum that removed something, oldest first.
type Log struct {
	Vacuums []LogEntry `json:"vacuums"`
}

// ReadLog returns the lake's vacuum log (empty when the lake was never vacuumed).
func ReadLog(ctx context.Context, lk *lake.Lake) (Log, error) {
	var l Log
	err := lk.GetJSON(ctx, lake.VacuumLogKey, &l)
	if storage.IsNotFound(err) {
		return Log{}, nil
	}
	return l, err
}

func (v *Vacuum) record(ctx context.Context, s Summary) error {
	l, err := ReadLog(ctx, v.Lake)
	if err != nil {
		return fmt.Errorf("vacuum: read %s: %w", lake.VacuumLogKey, err)
	}
	removed := s.RemovedDates
	if removed == nil {
		removed = []string{}
	}
	l.Vacuums = append(l.Vacuums, LogEntry{At: deps.Now(v.Now).UTC(), Selection: s.Selection, Gold: s.Gold,
		RemovedDates: removed, Files: s.Files, Bytes: s.Bytes})
	if err := v.Lake.PutJSON(ctx, lake.VacuumLogKey, l); err != nil {
		return fmt.Errorf("vacuum: write %s: %w", lake.VacuumLogKey, err)
	}
	return nil
}
