package spark

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/metalake/metalake/internal/lake"
	"github.com/metalake/metalake/internal/storage"
)

// A place is a directory the server writes Parquet files into and that metalake lists and
// removes: a local directory under the work directory (which the server must share), or a
// folder of the lake when the server reaches the lake itself (Options.Lake).
type place struct {
	uri    string     // what the server writes to and reads from
	lk     *lake.Lake // the lake, or nil for a local directory (uri is then its path)
	prefix string     // the folder's key in the lake, ending in "/"
}

// stagedPrefix starts the name of every folder a write or a snapshot gets in the lake: the
// lake's readers (manifests) never look inside one, Hive-style listings skip names starting
// with "_", and the publish of the partition folder sweeps what its manifest does not list.
const stagedPrefix = "_spark-"

// scratchDir is the lake folder of the temporary snapshots of this engine's sessions:
// _staging/spark/<work directory name>/, so that the folder of a process killed without
// Close is found (DeadWorkDirs) and removed by the next engine.
func scratchDir(workDir string) string {
	return "_staging/spark/" + filepath.Base(workDir) + "/"
}

// newPlace returns a fresh place under the lake folder dir when the engine writes into the
// lake and dir is set, else a fresh local directory under the work directory.
func (e *Engine) newPlace(dir, kind string) (place, error) {
	if e.lake != nil && dir != "" {
		prefix := strings.TrimSuffix(dir, "/") + "/" + stagedPrefix + kind + "-" + randomID() + "/"
		// A folder is addressed as the object named like it (keys never end in "/").
		uri, ok := storage.Locate(e.lake.B, strings.TrimSuffix(prefix, "/"))
		if !ok {
			return place{}, fmt.Errorf("engine: the lake %s has no address for %s", e.lake.B.Name(), prefix)
		}
		return place{uri: serverURI(uri), lk: e.lake, prefix: prefix}, nil
	}
	local, err := e.TempDir(kind)
	if err != nil {
		return place{}, err
	}
	return place{uri: local}, nil
}

// snapshotPlace is where Temp keeps a materialised relation: the lake's scratch folder when
// the engine writes into the lake (a cluster's executors cannot write into this machine's
// work directory), else the work directory.
func (e *Engine) snapshotPlace() (place, error) {
	if e.lake != nil {
		return e.newPlace(scratchDir(e.Path()), "temp")
	}
	return e.newPlace("", "temp")
}

// file is the address of the place's file name (what the server reads) and its key in the
// lake ("" for a local directory).
func (p place) file(name string) (uri, key string) {
	if p.lk == nil {
		return filepath.Join(p.uri, name), ""
	}
	return strings.TrimSuffix(p.uri, "/") + "/" + name, p.prefix + name
}

// entry is one file of a place.
type entry struct {
	name string
	size int64
}

// list returns the files directly in the place whose names satisfy keep, in name order.
func (p place) list(ctx context.Context, keep func(name string) bool) ([]entry, error) {
	var out []entry
	if p.lk == nil {
		ents, err := os.ReadDir(p.uri)
		if err != nil {
			return nil, fmt.Errorf("engine: list parquet output: %w", err)
		}
		for _, e := range ents {
			if e.IsDir() || !keep(e.Name()) {
				continue
			}
			info, err := e.Info()
			if err != nil {
				return nil, fmt.Errorf("engine: parquet output: %w", err)
			}
			out = append(out, entry{e.Name(), info.Size()})
		}
		return out, nil
	}
	objs, err := p.lk.Objects(ctx, p.prefix)
	if err != nil {
		return nil, fmt.Errorf("engine: list parquet output %s: %w", p.uri, err)
	}
	for _, o := range objs {
		if name := strings.TrimPrefix(o.Key, p.prefix); !strings.Contains(name, "/") && keep(name) {
			out = append(out, entry{name, o.Size})
		}
	}
	return out, nil
}

// remove deletes the file name of the place.
func (p place) remove(ctx context.Context, name string) error {
	if p.lk == nil {
		return os.Remove(filepath.Join(p.uri, name))
	}
	return p.lk.B.Delete(ctx, p.prefix+name)
}

// removeAll deletes the place and everything in it.
func (p place) removeAll(ctx context.Context) error {
	if p.lk == nil {
		return os.RemoveAll(p.uri)
	}
	_, err := p.lk.Remove(ctx, p.prefix, nil)
	return err
}

// serverURI is the address the server reads a lake object by: s3a:// (Hadoop's S3 connector)
// for s3://, a plain path for file://.
func serverURI(uri string) string {
	if rest, ok := strings.CutPrefix(uri, "s3://"); ok {
		return "s3a://" + rest
	}
	if rest, ok := strings.CutPrefix(uri, "file://"); ok {
		return filepath.FromSlash(rest)
	}
	return uri
}

func randomID() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
