package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/metalake/metalake/internal/config"
	"github.com/metalake/metalake/internal/contract"
	"github.com/metalake/metalake/internal/engine"
	"github.com/metalake/metalake/internal/engine/spark"
	"github.com/metalake/metalake/internal/lake"
	"github.com/metalake/metalake/internal/storage"
)

// app holds what the subcommands share: flags, configuration, logger, lake, engine. It opens
// the expensive parts lazily and closes them once.
type app struct {
	stdout, stderr io.Writer

	// command is the subcommand being run (the lake lock names it to other processes).
	command string
	// readOnly is set by openExistingLake: the command must not write into the lake.
	readOnly bool

	lakeURI    string
	configPath string
	logFormat  string
	verbose    bool

	// engineKind is the --engine flag of the commands that run the layers ("" : config).
	engineKind string

	cfg    config.Config
	log    *slog.Logger
	lake   *lake.Lake
	engine engine.Engine // the embedded DuckDB
	remote engine.Engine // the layers' engine when it is not the embedded one (Spark)
}

// engineFlag adds --engine to a command that runs the layers.
func (a *app) engineFlag(fs *flag.FlagSet) {
	fs.StringVar(&a.engineKind, "engine", "", "where the layers run: duckdb (embedded) or spark (engine.spark.remote / "+config.SparkRemoteEnv+"; docs/SPARK.md) (default engine.kind, else duckdb)")
}

// flags returns a FlagSet with the global flags bound; the subcommand adds its own.
func (a *app) flags(name, synopsis string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(a.stderr)
	defLake := os.Getenv("METALAKE_LAKE")
	fs.StringVar(&a.lakeURI, "lake", defLake, "lake directory or URI (default ./lake, env METALAKE_LAKE)")
	fs.StringVar(&a.configPath, "config", "", "configuration file (default metalake.yaml if present)")
	fs.StringVar(&a.logFormat, "log-format", "text", "log format: text or json")
	fs.BoolVar(&a.verbose, "v", false, "verbose logging")
	fs.Usage = func() {
		fmt.Fprintf(a.stderr, "Usage: metalake %s\n\nFlags:\n", synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// optionalArg returns the one positional argument of a parsed command that takes at most one
// (catalog's table, report's name; "" when absent), parsing the flags that follow it.
func optionalArg(fs *flag.FlagSet, what string) (string, error) {
	rest := fs.Args()
	if len(rest) == 0 {
		return "", nil
	}
	if err := fs.Parse(rest[1:]); err != nil {
		return "", usagef("%s: %v", fs.Name(), err)
	}
	if fs.NArg() > 0 {
		return "", usagef("%s: want at most one %s, got %s %s", fs.Name(), what, rest[0], strings.Join(fs.Args(), " "))
	}
	return rest[0], nil
}

// parse parses args and loads the configuration; every problem is a usage error.
func (a *app) parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return errHelp
		}
		return usagef("%s: %v", fs.Name(), err)
	}
	if fs.NArg() > 0 && fs.Name() != "query" && fs.Name() != "catalog" && fs.Name() != "report" {
		return usagef("%s: unexpected argument %q", fs.Name(), fs.Arg(0))
	}
	path, required := a.configPath, true
	if path == "" {
		path, required = "metalake.yaml", false
	}
	cfg, err := config.Load(path, required)
	if err != nil {
		return usagef("%v", err)
	}
	a.cfg = cfg
	if a.lakeURI == "" {
		a.lakeURI = cfg.Lake
	}
	switch a.logFormat {
	case "text", "json":
	default:
		return usagef("--log-format %q: use text or json", a.logFormat)
	}
	level := slog.LevelWarn
	if a.verbose {
		level = slog.LevelDebug
	}
	opts := &slog.HandlerOptions{Level: level}
	if a.logFormat == "json" {
		a.log = slog.New(slog.NewJSONHandler(a.stderr, opts))
	} else {
		a.log = slog.New(slog.NewTextHandler(a.stderr, opts))
	}
	return nil
}

// openLake opens the lake's bucket (creating a local directory lake if needed).
func (a *app) openLake() (*lake.Lake, error) {
	if a.lake != nil {
		return a.lake, nil
	}
	b, err := storage.Open(a.lakeURI)
	if err != nil {
		return nil, usagef("--lake %s: %v", a.lakeURI, err)
	}
	if l, ok := b.(*storage.Local); ok && !a.readOnly {
		// Temp files of uploads killed mid-way: an hour is far beyond any single upload.
		if err := l.CleanStaleUploads(time.Hour); err != nil {
			a.log.Warn("clean stale uploads", "err", err)
		}
	}
	a.lake = lake.New(b)
	return a.lake, nil
}

// openExistingLake opens the lake for a read-only command (query, status, catalog, monitor,
// report): nothing is written into it — no directory, no _staging/, no cleanup, and the engine
// works outside it — so a user with read-only access can use them, and a path that holds no
// lake (a mistyped --lake) is a usage error instead of an empty answer.
func (a *app) openExistingLake(ctx context.Context) (*lake.Lake, error) {
	a.readOnly = true
	if dir, ok := storage.LocalRoot(a.lakeURI); ok {
		if st, err := os.Stat(dir); err != nil || !st.IsDir() {
			return nil, usagef("no lake at %s", dir)
		}
	}
	lk, err := a.openLake()
	if err != nil {
		return nil, err
	}
	ok, err := lake.Exists(ctx, lk.B)
	if err != nil {
		return nil, fmt.Errorf("open lake %s: %w", lk.B.Name(), err)
	}
	if !ok {
		return nil, usagef("no lake at %s (none of raw/, bronze/, silver/, gold/, _state/ there)", lk.B.Name())
	}
	return lk, nil
}

// openEngine starts the embedded engine. For a local lake its work directory lives in the
// lake's _staging/ so outputs are published by rename, not copied; otherwise (and for a
// read-only command) in $TMPDIR/metalake-work.
func (a *app) openEngine(ctx context.Context) (engine.Engine, error) {
	if a.engine != nil {
		return a.engine, nil
	}
	lk, err := a.openLake()
	if err != nil {
		return nil, err
	}
	work := a.workDir(lk)
	cleanDeadEngineDirs(work, a.log)
	eng, err := engine.Open(ctx, engine.Options{Threads: a.cfg.Engine.Threads, MemoryLimit: a.cfg.Engine.MemoryLimit, WorkDir: work, Log: a.log})
	if err != nil {
		return nil, err
	}
	a.engine = eng
	return eng, nil
}

// workDir is the parent of an engine's work directory (see openEngine).
func (a *app) workDir(lk *lake.Lake) string {
	if a.cfg.Engine.WorkDir != "" {
		return a.cfg.Engine.WorkDir
	}
	if lp, ok := lk.B.(*storage.Local); ok && !a.readOnly {
		return filepath.Join(lp.Name(), "_staging", "engine")
	}
	// An object-store lake: a fixed place under the temp directory, so the spill files of a
	// killed run are found and removed by the next one.
	return filepath.Join(os.TempDir(), "metalake-work")
}

// openLayerEngine opens the engine the layers run on (--engine, else engine.kind): the
// embedded DuckDB, or a Spark Connect server, which reads and writes the lake itself (a local
// directory it shares, or S3 through s3a; docs/SPARK.md).
func (a *app) openLayerEngine(ctx context.Context) (engine.Engine, error) {
	kind, err := a.cfg.EngineKind(a.engineKind)
	if err != nil {
		return nil, usagef("--engine: %v", err)
	}
	if kind == config.EngineDuckDB {
		return a.openEngine(ctx)
	}
	if a.remote != nil {
		return a.remote, nil
	}
	remote, err := a.cfg.SparkRemote(os.Getenv)
	if err != nil {
		return nil, usagef("%v", err)
	}
	lk, err := a.openLake()
	if err != nil {
		return nil, err
	}
	// Opening ends the server sessions of runs killed without Close (their queries would
	// go on writing into their work directories) before those directories are removed.
	work := a.workDir(lk)
	eng, err := spark.Open(ctx, spark.Options{Remote: remote, WorkDir: work, Log: a.log, Lake: lk.B, Conf: a.cfg.Engine.Spark.Conf})
	if err != nil {
		return nil, err
	}
	cleanDeadEngineDirs(work, a.log)
	a.remote = eng
	return eng, nil
}

// cleanDeadEngineDirs removes work directories left by engine processes that no longer run
// (a killed run's spill files and staged outputs).
func cleanDeadEngineDirs(parent string, log *slog.Logger) {
	for _, dir := range engine.DeadWorkDirs(parent) {
		if err := os.RemoveAll(dir); err != nil {
			log.Warn("remove stale engine dir", "dir", filepath.Base(dir), "err", err)
		}
	}
}

func (a *app) contracts() (*contract.Set, error) {
	if a.cfg.Contracts == "" {
		return contract.Default()
	}
	set, err := contract.Load(os.DirFS(a.cfg.Contracts))
	if err != nil {
		return nil, usagef("contracts %s: %v", a.cfg.Contracts, err)
	}
	return set, nil
}

func (a *app) close() {
	if a.engine != nil {
		a.engine.Close()
	}
	if a.remote != nil {
		a.remote.Close()
	}
}

func parseDateFlag(name, v string) (lake.Date, error) {
	if v == "" {
		return lake.Date{}, usagef("--%s is required (YYYY-MM-DD)", name)
	}
	d, err := lake.ParseDate(v)
	if err != nil {
		return lake.Date{}, usagef("--%s: %v", name, err)
	}
	return d, nil
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func pad(s string, n int) string {
	if len([]rune(s)) >= n {
		return s
	}
	return s + strings.Repeat(" ", n-len([]rune(s)))
}
