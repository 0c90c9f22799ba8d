package ingest

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"strings"
	"time"

	"github.com/metalake/metalake/internal/storage"
)

// Layout names the shape of a raw download.
type Layout string

const (
	// LayoutKaggle is the real Meta Kaggle export: Datasets.csv has no Title column, so
	// DatasetVersions.csv and DatasetTags.csv are required too.
	LayoutKaggle Layout = "kaggle"
	// LayoutPlan is the plan's (synthetic) layout: Datasets.csv carries Title.
	LayoutPlan Layout = "plan"
)

// tableSpec is one raw table: its lake name and its file name in a Kaggle download.
type tableSpec struct {
	table      string // snake_case, as in the lake
	source     string // CamelCase, as Kaggle names the file
	kaggleOnly bool   // required only by the Kaggle layout
}

// tableSpecs lists the known tables in ingest (and error-report) order: the tables every layout
// needs, then the Kaggle-only ones. A function, not a variable, so nothing can modify it.
func tableSpecs() []tableSpec {
	return []tableSpec{
		{table: "users", source: "Users.csv"},
		{table: "datasets", source: "Datasets.csv"},
		{table: "tags", source: "Tags.csv"},
		{table: "competitions", source: "Competitions.csv"},
		{table: "kernels", source: "Kernels.csv"},
		{table: "dataset_versions", source: "DatasetVersions.csv", kaggleOnly: true},
		{table: "dataset_tags", source: "DatasetTags.csv", kaggleOnly: true},
	}
}

// RequiredTables returns the tables a layout needs, in ingest order.
func RequiredTables(layout Layout) []string {
	var tables []string
	for _, s := range tableSpecs() {
		if !s.kaggleOnly || layout == LayoutKaggle {
			tables = append(tables, s.table)
		}
	}
	return tables
}

// PartitionDir is the raw partition of one table and date, ending in "/".
func PartitionDir(table, date string) string {
	return "raw/" + table + "/ingestion_date=" + date + "/"
}

// CSVKey is the key of a raw table's CSV for one ingestion date.
func CSVKey(table, date string) string { return PartitionDir(table, date) + table + ".csv" }

// ManifestKey is the key of the manifest describing CSVKey(table, date).
func ManifestKey(table, date string) string { return PartitionDir(table, date) + "_manifest.json" }

// Manifest is the content of _manifest.json. Bytes and SHA256 always describe the stored CSV,
// which is the decompressed text when the download held a .csv.gz.
type Manifest struct {
	Table         string `json:"table"`
	IngestionDate string `json:"ingestion_date"`
	// SourceName is the file's name in the download folder (Users.csv, Users.csv.gz), or its
	// member path inside Archive (meta-kaggle/Users.csv).
	SourceName string `json:"source_name"`
	// Archive is the base name of the .zip archive the file came from; empty for a folder.
	Archive string `json:"archive,omitempty"`
	// Compression is "gzip" for a .csv.gz source (stored decompressed), else empty.
	Compression string    `json:"compression,omitempty"`
	Bytes       int64     `json:"bytes"`
	SHA256      string    `json:"sha256"` // lowercase hex
	IngestedAt  time.Time `json:"ingested_at"`
}

// ReadManifest reads the manifest of one raw partition. A partition without a manifest (never
// ingested, or interrupted before it completed) is an error wrapping storage.ErrNotFound.
func ReadManifest(ctx context.Context, b storage.BucketReader, table, date string) (Manifest, error) {
	data, err := storage.ReadAll(ctx, b, ManifestKey(table, date))
	if err != nil {
		return Manifest{}, err
	}
	var m Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		return Manifest{}, fmt.Errorf("manifest %s: %w", ManifestKey(table, date), err)
	}
	return m, nil
}

// TableResult describes one ingested table.
type TableResult struct {
	Table       string
	Source      string // the file read: its path, or "ARCHIVE:MEMBER" for a member of a .zip
	Key         string // key of the stored CSV
	ManifestKey string
	Bytes       int64  // of the stored (decompressed) CSV
	SHA256      string // lowercase hex of the stored bytes
}

// Result describes one ingest.
type Result struct {
	Date    string
	Layout  Layout
	Tables  []TableResult // in ingest order: users, datasets, tags, competitions, kernels, ...
	Ignored []string      // entries that are not known raw tables (directories end in "/"); member paths for an archive
	// Removed lists partitions of this date that an earlier ingest wrote for a known table
	// absent from this download (e.g. dataset_versions when re-ingesting in the plan layout).
	// They are deleted so the date's raw data is exactly what this download holds.
	Removed []string
}

// Ingest copies the raw tables found in from into b under the given ingestion date
// (YYYY-MM-DD). from is a download folder or a .zip archive of one (Kaggle's meta-kaggle.zip,
// its tables at the root or in one wrapping folder); each table is NAME.csv or a
// gzip-compressed NAME.csv.gz, stored decompressed. Files are streamed, never held in memory.
// Nothing is written unless every file the layout requires is present. Re-ingesting a date
// replaces its partitions.
func Ingest(ctx context.Context, b storage.Bucket, date string, from string) (Result, error) {
	if err := validateDate(date); err != nil {
		return Result{}, err
	}
	if from == "" {
		return Result{}, fmt.Errorf("ingest %s: no raw folder given", date)
	}
	dl, err := openDownload(from)
	if err != nil {
		return Result{}, fmt.Errorf("ingest %s: %w", date, err)
	}
	if dl.close != nil {
		defer dl.close()
	}

	// Without a datasets file the layout cannot be read; assume Kaggle (the real export) so
	// the report lists every file such a download would need.
	layout := LayoutKaggle
	if f, ok := dl.found["datasets"]; ok {
		if layout, err = detectLayout(f); err != nil {
			return Result{}, fmt.Errorf("ingest %s: %w", date, err)
		}
	}

	var missing []string
	for _, s := range tableSpecs() {
		if _, ok := dl.found[s.table]; !ok && (!s.kaggleOnly || layout == LayoutKaggle) {
			missing = append(missing, fmt.Sprintf("%s (%s)", s.source, s.table))
		}
	}
	if len(missing) > 0 {
		hint := ""
		if dl.archive != "" && len(dl.found) == 0 {
			hint = " (an archive's tables must be at its root or inside its one folder)"
		}
		return Result{}, fmt.Errorf("ingest %s: missing raw files in %s: %s%s", date, dl.where, strings.Join(missing, ", "), hint)
	}

	res := Result{Date: date, Layout: layout, Ignored: dl.ignored}
	for _, s := range tableSpecs() {
		f, ok := dl.found[s.table]
		if !ok {
			continue
		}
		tr, err := ingestTable(ctx, b, date, dl.archive, f)
		if err != nil {
			return res, fmt.Errorf("ingest %s: %w", date, err)
		}
		res.Tables = append(res.Tables, tr)
	}
	for _, s := range tableSpecs() {
		if _, ok := dl.found[s.table]; ok {
			continue
		}
		removed, err := removePartition(ctx, b, s.table, date)
		if err != nil {
			return res, fmt.Errorf("ingest %s: %w", date, err)
		}
		if removed {
			res.Removed = append(res.Removed, PartitionDir(s.table, date))
		}
	}
	return res, nil
}

func validateDate(date string) error {
	// The round trip rejects what time.Parse tolerates but a partition name must not vary on
	// (it is part of every key), and names the bad value either way.
	t, err := time.Parse(time.DateOnly, date)
	if err != nil || t.Format(time.DateOnly) != date {
		return fmt.Errorf("ingest: invalid ingestion date %q: want YYYY-MM-DD, a real calendar date", date)
	}
	return nil
}

// maxHeaderLine bounds the read of the datasets header: a real header is a few hundred bytes,
// and a file without line breaks must not be read whole (real Meta Kaggle files are gigabytes).
const maxHeaderLine = 64 << 10

// detectLayout reads only the header line of the datasets file (decompressing only its start
// when it is a .csv.gz): a Title column means the plan layout.
func detectLayout(f rawFile) (Layout, error) {
	rc, err := f.openCSV()
	if err != nil {
		return "", fmt.Errorf("reading datasets header: %w", err)
	}
	defer rc.Close()
	path := f.where
	line, err := bufio.NewReaderSize(rc, maxHeaderLine).ReadSlice('\n')
	switch {
	case errors.Is(err, bufio.ErrBufferFull):
		return "", fmt.Errorf("reading datasets header of %s: no line break in the first %d bytes", path, maxHeaderLine)
	case errors.Is(err, io.EOF) && len(line) == 0:
		return "", fmt.Errorf("reading datasets header of %s: the file is empty", path)
	case err != nil && !errors.Is(err, io.EOF):
		return "", fmt.Errorf("reading datasets header of %s: %w", path, err)
	}
	line = bytes.TrimPrefix(line, []byte("\ufeff")) // Excel and some exporters prepend a BOM
	r := csv.NewReader(bytes.NewReader(line))
	r.LazyQuotes = true
	r.FieldsPerRecord = -1
	header, err := r.Read()
	if err != nil {
		return "", fmt.Errorf("parsing datasets header of %s: %w", path, err)
	}
	for _, col := range header {
		if strings.EqualFold(strings.TrimSpace(col), "Title") {
			return LayoutPlan, nil
		}
	}
	return LayoutKaggle, nil
}

// ingestTable streams one file to its raw partition, decompressing a .csv.gz on the way, and
// then writes its manifest. archive is the base name of the .zip it is a member of, or "".
func ingestTable(ctx context.Context, b storage.Bucket, date, archive string, f rawFile) (TableResult, error) {
	table := f.table
	key, manifestKey := CSVKey(table, date), ManifestKey(table, date)

	// Opened first, so a file that cannot even be opened (a .gz that is not gzip) leaves the
	// previous partition as it was.
	rc, err := f.openCSV()
	if err != nil {
		return TableResult{}, fmt.Errorf("%s: %w", table, err)
	}
	defer rc.Close()

	// The old manifest goes first: between replacing the CSV and writing the new manifest, a
	// reader must find no manifest rather than one describing the previous bytes.
	if err := b.Delete(ctx, manifestKey); err != nil {
		return TableResult{}, fmt.Errorf("%s: removing previous manifest: %w", table, err)
	}
	src := &digestReader{r: rc, h: sha256.New()}
	if err := b.Upload(ctx, key, src); err != nil {
		if src.err != nil {
			// The source broke (a corrupt .gz or zip member, a disk error): say so, not just
			// that the upload failed. Upload is atomic, so nothing partial was stored.
			if corrupt(src.err) {
				return TableResult{}, fmt.Errorf("%s: reading %s: the file is corrupt or truncated: %w", table, f.where, src.err)
			}
			return TableResult{}, fmt.Errorf("%s: reading %s: %w", table, f.where, src.err)
		}
		return TableResult{}, fmt.Errorf("%s: storing %s: %w", table, f.where, err)
	}
	sum := hex.EncodeToString(src.h.Sum(nil))

	// Cheap end-to-end check that the store kept every byte we hashed.
	attrs, err := b.Attributes(ctx, key)
	if err != nil {
		return TableResult{}, fmt.Errorf("%s: checking stored CSV: %w", table, err)
	}
	if attrs.Size != src.n {
		return TableResult{}, fmt.Errorf("%s: stored %s has %d bytes, read %d from %s", table, key, attrs.Size, src.n, f.where)
	}

	m := Manifest{
		Table:         table,
		IngestionDate: date,
		SourceName:    f.name,
		Archive:       archive,
		Bytes:         src.n,
		SHA256:        sum,
		IngestedAt:    time.Now().UTC(),
	}
	if f.gzip {
		m.Compression = "gzip"
	}
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return TableResult{}, fmt.Errorf("%s: encoding manifest: %w", table, err)
	}
	if err := storage.PutBytes(ctx, b, manifestKey, append(data, '\n')); err != nil {
		return TableResult{}, fmt.Errorf("%s: writing manifest: %w", table, err)
	}
	return TableResult{
		Table:       table,
		Source:      f.where,
		Key:         key,
		ManifestKey: manifestKey,
		Bytes:       src.n,
		SHA256:      sum,
	}, nil
}

// removePartition deletes a stale partition of the date, manifest first (so a crash midway
// leaves an incomplete partition, never a manifest without its CSV). It reports whether there
// was anything to delete.
func removePartition(ctx context.Context, b storage.Bucket, table, date string) (bool, error) {
	var existed bool
	for _, key := range []string{ManifestKey(table, date), CSVKey(table, date)} {
		ok, err := b.Exists(ctx, key)
		if err != nil {
			return false, fmt.Errorf("%s: checking stale partition: %w", table, err)
		}
		if !ok {
			continue
		}
		existed = true
		if err := b.Delete(ctx, key); err != nil {
			return false, fmt.Errorf("%s: removing stale partition: %w", table, err)
		}
	}
	return existed, nil
}

// digestReader hashes and counts the bytes as the upload reads them, so the file is read once
// and never held in memory. It keeps the source's first error, so a failed upload can tell a
// broken source from a broken store.
type digestReader struct {
	r   io.Reader
	h   hash.Hash
	n   int64
	err error
}

func (d *digestReader) Read(p []byte) (int, error) {
	n, err := d.r.Read(p)
	d.h.Write(p[:n])
	d.n += int64(n)
	if err != nil && !errors.Is(err, io.EOF) && d.err == nil {
		d.err = err
	}
	return n, err
}
