package lake

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/metalake/metalake/internal/storage"
)

// Retention: the lake's dated folders and their removal through the commit protocol (used by
// internal/vacuum).

// VacuumLogKey is the key of the record of every vacuum that removed something (when, what
// it kept, which run dates it removed, how much it freed).
const VacuumLogKey = "_state/vacuum.json"

// Folders under which metalake keeps per-run-date bookkeeping beside the layers' tables.
const (
	RejectsRoot    = "bronze/_rejects/" // {table}/run_date=D/: bronze rejects (RejectsDir)
	HeldRoot       = "silver/_held/"    // {table}/run_date=D/: silver rows held back (silver.HeldDir)
	MonitoringRoot = "_monitoring/"     // run_date=D/dq_monitoring_report.json
)

// ReportsDir is the folder holding the run_date=D/ report folders of a layer ("" layer: the
// pipeline's _reports/).
func ReportsDir(layer string) string {
	if layer == "" {
		return "_reports/"
	}
	return layer + "/_reports/"
}

// Object is one stored object and its size.
type Object struct {
	Key  string `json:"key"`
	Size int64  `json:"size"`
}

// Freed counts what a removal deleted.
type Freed struct {
	Files int   `json:"files"`
	Bytes int64 `json:"bytes"`
}

// RunDateFolders lists the run_date=D/ folders directly under dir, committed or not (a removal
// killed half-way leaves files without a manifest), oldest first.
func (l *Lake) RunDateFolders(ctx context.Context, dir string) ([]Date, error) {
	dates, err := l.listDates(ctx, strings.TrimSuffix(dir, "/")+"/", "run_date")
	if err != nil {
		return nil, err
	}
	sort.Slice(dates, func(i, j int) bool { return dates[i].Before(dates[j]) })
	return dates, nil
}

// TableFolders lists the names of the table folders directly under dir ("bronze/",
// "bronze/_rejects/"), sorted. Folders whose name starts with "_" are bookkeeping (reports,
// rejects, held rows), not tables, and are skipped.
func (l *Lake) TableFolders(ctx context.Context, dir string) ([]string, error) {
	dir = strings.TrimSuffix(dir, "/") + "/"
	var out []string
	err := l.B.Iter(ctx, dir, func(entry string) error {
		name, ok := strings.CutSuffix(strings.TrimPrefix(entry, dir), "/")
		if ok && name != "" && !strings.HasPrefix(name, "_") && !strings.Contains(name, "=") {
			out = append(out, name)
		}
		return nil
	})
	sort.Strings(out)
	return out, err
}

// Objects lists every object under dir (recursively) with its size, in key order.
func (l *Lake) Objects(ctx context.Context, dir string) ([]Object, error) {
	dir = strings.TrimSuffix(dir, "/") + "/"
	var keys []string
	if err := l.B.Iter(ctx, dir, func(name string) error {
		keys = append(keys, name)
		return nil
	}, storage.WithRecursive()); err != nil {
		return nil, err
	}
	out := make([]Object, 0, len(keys))
	for _, k := range keys {
		a, err := l.B.Attributes(ctx, k)
		if storage.IsNotFound(err) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, Object{Key: k, Size: a.Size})
	}
	return out, nil
}

// Remove deletes the folder dir and everything in it through the commit protocol: the manifest
// first, so metalake's readers stop seeing the partition at once and never see part of it;
// then uncommitted(ctx) when set (the catalog forgets the partition, Glue unregisters it while
// its files still exist); then every object left in the folder. A folder without a manifest
// (report files, or a partition whose removal was interrupted) loses its files the same way.
// Removing a missing folder is not an error, so a removal that was killed half-way is
// completed by calling Remove again. Freed counts the objects deleted and their bytes.
func (l *Lake) Remove(ctx context.Context, dir string, uncommitted func(context.Context) error) (Freed, error) {
	dir = strings.TrimSuffix(dir, "/") + "/"
	objs, err := l.Objects(ctx, dir)
	if err != nil {
		return Freed{}, fmt.Errorf("remove %s: %w", dir, err)
	}
	var freed Freed
	for _, o := range objs {
		if o.Key == dir+ManifestName {
			if err := l.B.Delete(ctx, o.Key); err != nil {
				return freed, fmt.Errorf("remove %s: uncommit: %w", dir, err)
			}
			freed.Files++
			freed.Bytes += o.Size
		}
	}
	if uncommitted != nil {
		if err := uncommitted(ctx); err != nil {
			return freed, fmt.Errorf("remove %s: %w", dir, err)
		}
	}
	for _, o := range objs {
		if o.Key == dir+ManifestName {
			continue
		}
		if err := l.B.Delete(ctx, o.Key); err != nil {
			return freed, fmt.Errorf("remove %s: %w", dir, err)
		}
		freed.Files++
		freed.Bytes += o.Size
	}
	return freed, nil
}
