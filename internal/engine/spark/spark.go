package spark

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/metalake/metalake/internal/engine"
	"github.com/metalake/metalake/internal/lake"
	"github.com/metalake/metalake/internal/storage"
)

var (
	_ engine.Engine  = (*Engine)(nil)
	_ engine.Session = (*session)(nil)
	_ engine.Dialect = Dialect{}
)

// Options configure the Spark engine.
type Options struct {
	// Remote is the Spark Connect server, sc://host:port (config engine.spark.remote, env
	// METALAKE_SPARK_REMOTE); parameters follow the port as in sc://host:15002/;token=…
	Remote string
	// WorkDir is the parent of the engine's private work directory (staged outputs, downloaded
	// inputs); the server must see it at the same path. "" means os.TempDir(). The private
	// directory is removed by Close.
	WorkDir string
	// Log receives one debug record per statement with its duration (nil: discard).
	Log *slog.Logger
	// Lake is the lake the layers publish into. When it has addresses the server can use
	// (storage.Locate: a local directory the server shares, or S3 through Hadoop's s3a
	// connector), the server reads committed objects where they are, writes every output
	// into its lake folder (engine.Output.Dir) for the manifest to commit, and keeps
	// temporary snapshots in the lake's _staging/spark/ folder: nothing the server touches
	// then lives on this machine, as a cluster needs. Otherwise (nil, or no addresses) all of
	// it goes through the work directory, which the server must then share.
	Lake storage.Bucket
	// Conf are Spark settings every session sets (config engine.spark.conf), e.g. the s3a
	// endpoint and credentials of an S3-compatible store: fs.s3a.endpoint, ….
	Conf map[string]string
}

// Validate reports the first invalid option, naming the field and the fix.
func (o Options) Validate() error {
	if !strings.HasPrefix(o.Remote, "sc://") {
		return fmt.Errorf("engine.spark.remote = %q: use the Spark Connect address, e.g. sc://localhost:15002", o.Remote)
	}
	return nil
}

// Engine runs SQL on a Spark Connect server. It is safe for concurrent use; every task takes
// its own Session (its own Spark Connect session) on the engine's one connection.
type Engine struct {
	log  *slog.Logger
	ch   sharedChannel
	lake *lake.Lake        // Options.Lake when the server reaches it, else nil
	conf map[string]string // Options.Conf
	*engine.WorkDir
}

// Open connects to the Spark Connect server at opts.Remote, checks that it answers and creates
// a fresh private work directory.
func Open(ctx context.Context, opts Options) (*Engine, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	log := opts.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	ch, err := dial(opts.Remote)
	if err != nil {
		return nil, err
	}
	// Named as DuckDB's are, so the sweep of directories left by dead processes finds both.
	work, err := engine.NewWorkDir(opts.WorkDir)
	if err != nil {
		ch.conn.Close()
		return nil, err
	}
	e := &Engine{log: log, ch: ch, WorkDir: work, conf: opts.Conf}
	if opts.Lake != nil {
		if _, ok := storage.Locate(opts.Lake, "x"); ok {
			e.lake = lake.New(opts.Lake)
		}
	}
	e.releaseOrphans(ctx, opts.WorkDir)
	// A session and one statement: an unreachable or incompatible server fails here, naming
	// the address, rather than in the first task.
	s, err := e.Session(ctx)
	if err == nil {
		var version string
		err = s.QueryRow(ctx, "SELECT version()", &version)
		s.Close()
		log.Debug("spark connect", "remote", opts.Remote, "version", version)
	}
	if err != nil {
		e.Close()
		return nil, fmt.Errorf("spark connect %s: %w", opts.Remote, err)
	}
	return e, nil
}

// sessionsDir holds one empty file per open session, named by its server session id, so that
// the sessions of a process killed without Close can be ended by the next one.
const sessionsDir = "spark-sessions"

func (e *Engine) recordSession(id string) error {
	dir := filepath.Join(e.Path(), sessionsDir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("engine session: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, id), nil, 0o644); err != nil {
		return fmt.Errorf("engine session: %w", err)
	}
	return nil
}

func (e *Engine) forgetSession(id string) { os.Remove(filepath.Join(e.Path(), sessionsDir, id)) }

// releaseOrphans ends, on the server, the sessions recorded in the work directories under
// parent of engines that died without Close (a killed metalake): the server would otherwise
// run their statements to the end, writing into directories the next run removes, and keep
// their temporary views. A session the server already forgot is no error.
func (e *Engine) releaseOrphans(ctx context.Context, parent string) {
	if parent == "" {
		parent = os.TempDir()
	}
	for _, dir := range engine.DeadWorkDirs(parent) {
		ids, _ := os.ReadDir(filepath.Join(dir, sessionsDir))
		for _, id := range ids {
			err := e.ch.releaseSession(ctx, id.Name())
			e.log.Info("ended the spark session of a dead process", "session", id.Name(), "work_dir", filepath.Base(dir), "err", err)
			os.Remove(filepath.Join(dir, sessionsDir, id.Name()))
		}
		if e.lake != nil {
			if _, err := e.lake.Remove(ctx, scratchDir(dir), nil); err != nil {
				e.log.Warn("remove the spark snapshots of a dead process", "work_dir", filepath.Base(dir), "err", err)
			}
		}
	}
}

// Close implements engine.Engine: it closes the connection and removes the work directory
// (and its snapshot folder in the lake).
func (e *Engine) Close() error {
	var scratch error
	if e.lake != nil {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		_, scratch = e.lake.Remove(ctx, scratchDir(e.Path()), nil)
	}
	return errors.Join(e.ch.conn.Close(), scratch, e.Remove())
}

// Dialect implements engine.Engine.
func (e *Engine) Dialect() engine.Dialect { return Dialect{} }

// Input implements engine.Engine: the object's address when its bucket has one the server can
// use (s3a://bucket/key for S3, the file's path for a local directory: storage.Locate), fetching
// nothing; else a download into dir (an in-memory bucket), which the server must then share.
func (e *Engine) Input(ctx context.Context, b storage.BucketReader, key, dir string) (string, error) {
	if uri, ok := storage.Locate(b, key); ok {
		// The server would only fail at the first query, naming a path: check now.
		found, err := b.Exists(ctx, key)
		if err != nil {
			return "", err
		}
		if !found {
			return "", fmt.Errorf("%s: %w", key, storage.ErrNotFound)
		}
		return serverURI(uri), nil
	}
	return engine.LocalInput(ctx, b, key, dir)
}
