package spark

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/metalake/metalake/internal/engine"
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
	log *slog.Logger
	ch  sharedChannel
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
	e := &Engine{log: log, ch: ch, WorkDir: work}
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
	}
}

// Close implements engine.Engine: it closes the connection and removes the work directory.
func (e *Engine) Close() error {
	return errors.Join(e.ch.conn.Close(), e.Remove())
}

// Dialect implements engine.Engine.
func (e *Engine) Dialect() engine.Dialect { return Dialect{} }

// Input implements engine.Engine as DuckDB does: the object's own file when the bucket exposes
// local paths, else a download into dir (its key's path under dir). The server reads these
// paths itself, so here it must share this machine's file system; on a cluster Input would
// return the lake's URI (s3a://bucket/key) instead and fetch nothing.
func (e *Engine) Input(ctx context.Context, b storage.BucketReader, key, dir string) (string, error) {
	return engine.LocalInput(ctx, b, key, dir)
}
