package lake

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/metalake/metalake/internal/storage"
)

// Layers of the lake.
const (
	Bronze = "bronze"
	Silver = "silver"
	Gold   = "gold"
)

// ManifestName is the commit marker of a partition.
const ManifestName = "_manifest.json"

// RawKey is the key of table's raw snapshot of day d.
func RawKey(table string, d Date) string {
	return fmt.Sprintf("raw/%s/ingestion_date=%s/%s.csv", table, d, table)
}

// RawDir is the folder of table's raw snapshot of day d.
func RawDir(table string, d Date) string {
	return fmt.Sprintf("raw/%s/ingestion_date=%s/", table, d)
}

// PartitionDir is the folder of one run-date partition of a layer's table.
func PartitionDir(layer, table string, d Date) string {
	return fmt.Sprintf("%s/%s/run_date=%s/", layer, table, d)
}

// TableDir is the folder holding every partition of a layer's table.
func TableDir(layer, table string) string { return fmt.Sprintf("%s/%s/", layer, table) }

// RejectsDir is the folder of table's bronze rejects of day d.
func RejectsDir(table string, d Date) string {
	return fmt.Sprintf("bronze/_rejects/%s/run_date=%s/", table, d)
}

// RejectsTableDir holds every rejects partition of table.
func RejectsTableDir(table string) string { return fmt.Sprintf("bronze/_rejects/%s/", table) }

// ReportKey is the key of a layer's report file of day d ("" layer: the pipeline's _reports).
func ReportKey(layer string, d Date, file string) string {
	if layer == "" {
		return fmt.Sprintf("_reports/run_date=%s/%s", d, file)
	}
	return fmt.Sprintf("%s/_reports/run_date=%s/%s", layer, d, file)
}

// StateKey is the key of the run state of day d.
func StateKey(d Date) string { return fmt.Sprintf("_state/runs/run_date=%s.json", d) }

// ReserveKey is the room kept on a local disk for the final state of the run of d (outside
// _state/runs/, which holds states only), so a run that fills the disk still records failing.
func ReserveKey(d Date) string { return fmt.Sprintf("_state/reserve/run_date=%s", d) }

// MarkerKey is the key of the lake's identity marker (which kind of lake, created when).
const MarkerKey = "_state/lake.json"

// parsePartition extracts the date of a "name=YYYY-MM-DD/" folder entry.
func parsePartition(entry, name string) (Date, bool) {
	entry = strings.TrimSuffix(entry, "/")
	if i := strings.LastIndexByte(entry, '/'); i >= 0 {
		entry = entry[i+1:]
	}
	v, ok := strings.CutPrefix(entry, name+"=")
	if !ok {
		return Date{}, false
	}
	d, err := ParseDate(v)
	return d, err == nil
}

// topFolders are the top-level folders only a lake has (not _staging/: anything that ever
// opened a path may have left one).
var topFolders = []string{"raw/", Bronze + "/", Silver + "/", Gold + "/", "_state/", "_reports/", "_catalog/", "_monitoring/"}

// Exists reports whether b holds a lake: at least one of the lake's top-level folders. A
// read-only command refuses a path that holds none (a mistyped --lake), instead of answering
// "no runs yet".
func Exists(ctx context.Context, b storage.BucketReader) (bool, error) {
	errFound := errors.New("found")
	err := b.Iter(ctx, "", func(name string) error {
		if slices.Contains(topFolders, name) {
			return errFound
		}
		return nil
	})
	if errors.Is(err, errFound) {
		return true, nil
	}
	return false, err
}
