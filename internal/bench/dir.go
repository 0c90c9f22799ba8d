package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/metalake/metalake/internal/lake"
	"github.com/metalake/metalake/internal/lock"
	"github.com/metalake/metalake/internal/storage"
)

// markerKind marks a directory bench owns (lake.MarkerKey, as demo marks its lakes).
const markerKind = "bench"

// marker is the bench directory's lake marker. Raw says what bench generated into raw/ (nil:
// the raw snapshots were there when bench first claimed the directory, e.g. an ingested
// download, and bench never replaces them).
type marker struct {
	Kind      string    `json:"kind"`
	CreatedAt time.Time `json:"created_at"`
	Raw       *RawSpec  `json:"raw,omitempty"`
}

// DirError is a directory bench must not use (the CLI's usage error).
type DirError struct {
	Dir    string
	Reason string
}

func (e *DirError) Error() string { return fmt.Sprintf("bench: %s %s", e.Dir, e.Reason) }

// rawTop is the top-level folder of the raw snapshots (lake.RawKey's).
const rawTop = "raw"

// kept reports whether a top-level entry of a bench directory survives Reset: the raw input,
// uncommitted work (the engine's work directory, uploads in flight — the lock's included), the
// lock, and the state folder (which holds the marker; its other entries are removed).
func kept(name string) bool {
	top, _, _ := strings.Cut(storage.UploadStagingKey, "/")
	return name == rawTop || name == top || name == lock.Key || name == stateTop()
}

func stateTop() string { top, _, _ := strings.Cut(lake.MarkerKey, "/"); return top }

// Check reports whether bench may use dir, reading it only: a bench directory, an empty or
// missing one, or one holding raw snapshots and nothing else of a lake. A lake with run
// outputs, a demo lake or anything else is refused (a *DirError): bench removes the run outputs
// of its directory, and must never remove another lake's.
func Check(dir string) error {
	m, ok, err := readMarker(dir)
	switch {
	case err != nil:
		return err
	case ok && m.Kind == markerKind:
		return nil
	case ok:
		return &DirError{dir, fmt.Sprintf("is a %q lake, not a bench directory: give an empty directory, or none (a temporary one)", m.Kind)}
	}
	entries, err := os.ReadDir(dir)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	for _, e := range entries {
		if !kept(e.Name()) || e.Name() == stateTop() {
			return &DirError{dir, fmt.Sprintf("holds %s, which bench did not write: bench replaces the run outputs of its directory, so give an empty directory or one holding raw/ only", e.Name())}
		}
	}
	return nil
}

// claim checks dir (Check) and marks it as a bench directory.
func claim(ctx context.Context, lk *lake.Lake, dir string) (marker, error) {
	if err := Check(dir); err != nil {
		return marker{}, err
	}
	m, ok, err := readMarker(dir)
	if err != nil || ok {
		return m, err
	}
	m = marker{Kind: markerKind, CreatedAt: time.Now().UTC()}
	return m, lk.PutJSON(ctx, lake.MarkerKey, m)
}

// readMarker reads dir's lake marker; ok is false when there is none.
func readMarker(dir string) (m marker, ok bool, err error) {
	b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(lake.MarkerKey)))
	if errors.Is(err, fs.ErrNotExist) {
		return m, false, nil
	}
	if err == nil {
		err = json.Unmarshal(b, &m)
	}
	if err != nil {
		return m, false, fmt.Errorf("bench: %s: lake marker: %w", dir, err)
	}
	return m, true, nil
}

// Reset removes the run outputs of the bench directory dir — everything but the raw
// snapshots, the marker, uncommitted work and the lock — so the next run starts on a fresh
// lake with no history. It refuses a directory that is not a bench directory.
func Reset(dir string) error {
	if m, ok, err := readMarker(dir); err != nil || !ok || m.Kind != markerKind {
		return errors.Join(err, &DirError{dir, "is not a bench directory (no bench marker): nothing removed"})
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if !kept(e.Name()) {
			if err := os.RemoveAll(filepath.Join(dir, e.Name())); err != nil {
				return err
			}
		}
	}
	state, err := os.ReadDir(filepath.Join(dir, stateTop()))
	if err != nil {
		return err
	}
	for _, e := range state {
		if stateTop()+"/"+e.Name() != lake.MarkerKey {
			if err := os.RemoveAll(filepath.Join(dir, stateTop(), e.Name())); err != nil {
				return err
			}
		}
	}
	return nil
}

// fileStamp identifies one version of a file: a rewrite changes its size or its time.
type fileStamp struct {
	size  int64
	mtime time.Time
}

// snapshot lists the committed output files of the lake at dir (the areas of Areas), by key.
func snapshot(dir string) (map[string]fileStamp, error) {
	out := map[string]fileStamp{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil || rel == "." {
			return err
		}
		key := filepath.ToSlash(rel)
		if d.IsDir() {
			if !strings.Contains(key, "/") && kept(key) && key != stateTop() {
				return filepath.SkipDir
			}
			return nil
		}
		if key == lake.MarkerKey || key == lock.Key {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		out[key] = fileStamp{info.Size(), info.ModTime()}
		return nil
	})
	return out, err
}

// areas sums the files of now that are not in before with the same stamp (before nil: all).
func areas(now, before map[string]fileStamp) Areas {
	var a Areas
	for key, st := range now {
		if old, ok := before[key]; ok && old.size == st.size && old.mtime.Equal(st.mtime) {
			continue
		}
		top, _, _ := strings.Cut(key, "/")
		s := &a.Other
		switch top {
		case lake.Bronze:
			s = &a.Bronze
		case lake.Silver:
			s = &a.Silver
		case lake.Gold:
			s = &a.Gold
		}
		s.Files++
		s.Bytes += st.size
		a.Total.Files++
		a.Total.Bytes += st.size
	}
	return a
}

// Walk returns the committed output files of the lake at dir by area, as Result.LakeFiles
// counts them.
func Walk(dir string) (Areas, error) {
	s, err := snapshot(dir)
	return areas(s, nil), err
}

// rawPath is the local path of a raw object of the bench directory.
func rawPath(dir, key string) string { return filepath.Join(dir, filepath.FromSlash(path.Clean(key))) }
