package lake

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/metalake/metalake/internal/storage"
)

// Lake is a bucket seen through the lake's layout and commit protocol.
type Lake struct {
	B storage.Bucket
	// BeforeSweep, when set, runs after a publish's commit and before it deletes the files the
	// new manifest replaced: readers that do not read manifests (Athena through symlink
	// manifests) are pointed at the new files while the old ones still exist. Its error fails
	// the publish after the commit; the sweep then waits for the next publish of dir.
	BeforeSweep func(ctx context.Context, dir string, m Manifest) error
}

// New wraps a bucket.
func New(b storage.Bucket) *Lake { return &Lake{B: b} }

// File is one file to publish: a local file Publish uploads, or (Key set) an object an engine
// already wrote into the bucket under the partition folder, under a name no other attempt uses,
// which Publish commits where it is.
type File struct {
	// Path is the file as the engine that wrote it reads it back: a local path, or for an
	// object already in the bucket its address (storage.Locate), which Publish does not read.
	Path string
	// Key is the object's key when the file is already in the bucket ("" for a local file).
	Key  string
	Rows int64
}

// Manifest is the commit record of a partition.
type Manifest struct {
	Layer       string         `json:"layer"`
	Table       string         `json:"table"`
	RunDate     string         `json:"run_date"`
	Attempt     string         `json:"attempt"`
	CommittedAt time.Time      `json:"committed_at"`
	Rows        int64          `json:"rows"`
	Files       []ManifestFile `json:"files"`
}

// ManifestFile is one data file of a committed partition.
type ManifestFile struct {
	Name  string `json:"name"` // relative to the partition folder
	Rows  int64  `json:"rows"`
	Bytes int64  `json:"bytes"`
}

// NewAttemptID returns a unique, sortable id for one attempt at writing outputs.
func NewAttemptID(now time.Time) string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return now.UTC().Format("20060102T150405Z") + "-" + hex.EncodeToString(b[:])
}

// Publish makes files the new content of the partition folder dir, all at once: it uploads the
// local ones under attempt-unique names and takes the ones already in the folder as they are,
// writes the manifest (the commit point), then deletes everything else in the folder. The
// local files are consumed. An empty file list publishes an empty partition (a manifest with
// no files).
func (l *Lake) Publish(ctx context.Context, dir string, m Manifest, files []File) (Manifest, error) {
	dir = strings.TrimSuffix(dir, "/") + "/"
	m.Files = nil
	m.Rows = 0
	for i, f := range files {
		mf, err := l.place(ctx, dir, m.Attempt, i, f)
		if err != nil {
			return Manifest{}, fmt.Errorf("publish %s: %w", dir, err)
		}
		m.Files = append(m.Files, mf)
		m.Rows += f.Rows
	}
	if m.Files == nil {
		m.Files = []ManifestFile{}
	}
	m.CommittedAt = time.Now().UTC()
	if err := l.PutJSON(ctx, dir+ManifestName, m); err != nil {
		return Manifest{}, fmt.Errorf("publish %s: commit: %w", dir, err)
	}
	if l.BeforeSweep != nil {
		if err := l.BeforeSweep(ctx, dir, m); err != nil {
			return m, fmt.Errorf("publish %s: after commit: %w", dir, err)
		}
	}
	if err := l.sweep(ctx, dir, m); err != nil {
		return m, fmt.Errorf("publish %s: sweep old files: %w", dir, err)
	}
	return m, nil
}

// place puts file i of an attempt in dir: a local file is uploaded as part-{attempt}-{i}; an
// object already written into dir stays where it is. It returns the manifest entry.
func (l *Lake) place(ctx context.Context, dir, attempt string, i int, f File) (ManifestFile, error) {
	if f.Key != "" {
		name, ok := strings.CutPrefix(f.Key, dir)
		if !ok || name == "" || name == ManifestName {
			return ManifestFile{}, fmt.Errorf("%s is not a data file of the partition folder", f.Key)
		}
		a, err := l.B.Attributes(ctx, f.Key)
		if err != nil {
			return ManifestFile{}, err
		}
		return ManifestFile{Name: name, Rows: f.Rows, Bytes: a.Size}, nil
	}
	st, err := os.Stat(f.Path)
	if err != nil {
		return ManifestFile{}, err
	}
	name := fmt.Sprintf("part-%s-%05d%s", attempt, i, filepath.Ext(f.Path))
	if err := storage.UploadFile(ctx, l.B, dir+name, f.Path); err != nil {
		return ManifestFile{}, err
	}
	return ManifestFile{Name: name, Rows: f.Rows, Bytes: st.Size()}, nil
}

// Withdraw removes a partition: the manifest first (so readers stop seeing it at once), then
// its files. Withdrawing a missing partition is not an error.
func (l *Lake) Withdraw(ctx context.Context, dir string) error {
	dir = strings.TrimSuffix(dir, "/") + "/"
	if err := l.B.Delete(ctx, dir+ManifestName); err != nil {
		return fmt.Errorf("withdraw %s: %w", dir, err)
	}
	return l.sweep(ctx, dir, Manifest{})
}

// sweep deletes every object in dir that m does not list (orphans of crashed attempts and the
// files of the version m replaced).
func (l *Lake) sweep(ctx context.Context, dir string, m Manifest) error {
	keep := map[string]bool{dir + ManifestName: m.Attempt != ""}
	for _, f := range m.Files {
		keep[dir+f.Name] = true
	}
	var stale []string
	err := l.B.Iter(ctx, dir, func(name string) error {
		if !keep[name] {
			stale = append(stale, name)
		}
		return nil
	}, storage.WithRecursive())
	if err != nil {
		return err
	}
	for _, name := range stale {
		if err := l.B.Delete(ctx, name); err != nil {
			return err
		}
	}
	return nil
}

// ReadManifest returns the committed manifest of dir; ok is false when the partition is not
// committed.
func (l *Lake) ReadManifest(ctx context.Context, dir string) (m Manifest, ok bool, err error) {
	dir = strings.TrimSuffix(dir, "/") + "/"
	b, err := storage.ReadAll(ctx, l.B, dir+ManifestName)
	if storage.IsNotFound(err) {
		return Manifest{}, false, nil
	}
	if err != nil {
		return Manifest{}, false, err
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return Manifest{}, false, fmt.Errorf("manifest %s: %w", dir, err)
	}
	return m, true, nil
}

// Partition is one committed partition.
type Partition struct {
	Date     Date
	Dir      string
	Manifest Manifest
}

// Keys returns the full keys of the partition's data files.
func (p Partition) Keys() []string { return p.Manifest.Keys(p.Dir) }

// Keys returns the full keys of the data files the manifest of dir commits.
func (m Manifest) Keys(dir string) []string {
	out := make([]string, len(m.Files))
	for i, f := range m.Files {
		out[i] = dir + f.Name
	}
	return out
}

// Partitions lists the committed run_date partitions under tableDir, oldest first.
func (l *Lake) Partitions(ctx context.Context, tableDir string) ([]Partition, error) {
	dates, err := l.listDates(ctx, tableDir, "run_date")
	if err != nil {
		return nil, err
	}
	var out []Partition
	for _, d := range dates {
		dir := strings.TrimSuffix(tableDir, "/") + "/run_date=" + d.String() + "/"
		m, ok, err := l.ReadManifest(ctx, dir)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, Partition{Date: d, Dir: dir, Manifest: m})
		}
	}
	return out, nil
}

// NewestPartition returns the committed partition of tableDir with the latest run date (ok
// false when there is none). It reads manifests from the newest date down, usually one.
func (l *Lake) NewestPartition(ctx context.Context, tableDir string) (p Partition, ok bool, err error) {
	dates, err := l.listDates(ctx, tableDir, "run_date")
	if err != nil {
		return Partition{}, false, err
	}
	for i := len(dates) - 1; i >= 0; i-- {
		dir := strings.TrimSuffix(tableDir, "/") + "/run_date=" + dates[i].String() + "/"
		m, ok, err := l.ReadManifest(ctx, dir)
		if err != nil || ok {
			return Partition{Date: dates[i], Dir: dir, Manifest: m}, ok, err
		}
	}
	return Partition{}, false, nil
}

// RawDates lists the ingestion dates for which table has a raw snapshot, oldest first.
func (l *Lake) RawDates(ctx context.Context, table string) ([]Date, error) {
	dates, err := l.listDates(ctx, "raw/"+table+"/", "ingestion_date")
	if err != nil {
		return nil, err
	}
	var out []Date
	for _, d := range dates {
		ok, err := l.B.Exists(ctx, RawKey(table, d))
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, d)
		}
	}
	return out, nil
}

func (l *Lake) listDates(ctx context.Context, dir, name string) ([]Date, error) {
	var out []Date
	err := l.B.Iter(ctx, dir, func(entry string) error {
		if d, ok := parsePartition(entry, name); ok && strings.HasSuffix(entry, "/") {
			out = append(out, d)
		}
		return nil
	})
	return out, err
}

// PutJSON writes v as indented JSON (atomically, as every Upload).
func (l *Lake) PutJSON(ctx context.Context, key string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return storage.PutBytes(ctx, l.B, key, append(b, '\n'))
}

// GetJSON reads key into v; the error wraps storage.ErrNotFound when key is absent.
func (l *Lake) GetJSON(ctx context.Context, key string, v any) error {
	b, err := storage.ReadAll(ctx, l.B, key)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s: %w", key, err)
	}
	return nil
}

// Localize returns a local file path holding the object key: the object's own file when the
// backend exposes one, else a download into dir. downloaded says whether the caller should
// remove the file when done.
func (l *Lake) Localize(ctx context.Context, key, dir string) (path string, downloaded bool, err error) {
	if lp, ok := l.B.(storage.LocalPather); ok {
		if p, ok := lp.LocalPath(key); ok {
			return p, false, nil
		}
	}
	// The key's own path under dir: distinct keys never share a local file.
	path = filepath.Join(dir, filepath.FromSlash(key))
	if err := storage.Download(ctx, l.B, key, path); err != nil {
		return "", false, err
	}
	return path, true, nil
}

// LocalizeParquetFooter returns a local file path from which the engine can read the schema and
// metadata of the Parquet object key, but not its data: the object's own file when the
// backend exposes one, else a sparse file of the object's size holding only the leading magic
// and the footer, fetched with two range reads. The catalog describes partitions this way: on
// S3 it used to download whole files (270 MB for a 25 M-user bronze file) for a 140 KB footer.
func (l *Lake) LocalizeParquetFooter(ctx context.Context, key, dir string) (string, error) {
	if lp, ok := l.B.(storage.LocalPather); ok {
		if p, ok := lp.LocalPath(key); ok {
			return p, nil
		}
	}
	attrs, err := l.B.Attributes(ctx, key)
	if err != nil {
		return "", err
	}
	const magic = "PAR1"
	if attrs.Size < 12 {
		return "", fmt.Errorf("%s: %d bytes is too small for a Parquet file", key, attrs.Size)
	}
	tail, err := l.readRange(ctx, key, attrs.Size-8, 8)
	if err != nil {
		return "", err
	}
	if string(tail[4:]) != magic {
		return "", fmt.Errorf("%s: not a Parquet file (no trailing %s)", key, magic)
	}
	n := int64(binary.LittleEndian.Uint32(tail[:4])) + 8
	if n > attrs.Size-4 {
		return "", fmt.Errorf("%s: Parquet footer of %d bytes in a %d-byte file", key, n, attrs.Size)
	}
	footer, err := l.readRange(ctx, key, attrs.Size-n, n)
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, filepath.FromSlash(key))
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return "", err
	}
	f, err := os.Create(path)
	if err != nil {
		return "", err
	}
	_, err = f.WriteString(magic)
	if err == nil {
		_, err = f.WriteAt(footer, attrs.Size-n)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", fmt.Errorf("%s: write footer copy: %w", key, err)
	}
	return path, nil
}

func (l *Lake) readRange(ctx context.Context, key string, off, n int64) ([]byte, error) {
	rc, err := l.B.GetRange(ctx, key, off, n)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	b := make([]byte, n)
	if _, err := io.ReadFull(rc, b); err != nil {
		return nil, fmt.Errorf("%s: read bytes %d-%d: %w", key, off, off+n, err)
	}
	return b, nil
}
