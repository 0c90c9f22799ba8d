// Package config reads metalake.yaml: defaults first, then the file decoded strictly (an
// unknown key is an error naming its line), then Validate with messages that name the field
// and the fix. Secrets never live here: fields that need one name an environment variable.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/metalake/metalake/internal/lock"
	"github.com/metalake/metalake/internal/notify"
	"github.com/metalake/metalake/internal/schedule"
	"github.com/metalake/metalake/internal/warehouse"

	"go.yaml.in/yaml/v3"
)

// Config is metalake.yaml.
type Config struct {
	// Lake is the lake URI (a directory, file://dir or mem://); the --lake flag and
	// METALAKE_LAKE override it.
	Lake string `yaml:"lake"`
	// Contracts is a directory of table contracts replacing the embedded defaults ("" keeps them).
	Contracts string        `yaml:"contracts"`
	Engine    Engine        `yaml:"engine"`
	Pipeline  Pipeline      `yaml:"pipeline"`
	Notify    notify.Config `yaml:"notify"`
	Schedule  Schedule      `yaml:"schedule"`
	Catalog   Catalog       `yaml:"catalog"`
	// Warehouse is where metalake export and the export_warehouse task load gold (none by
	// default); see docs/WAREHOUSE.md.
	Warehouse warehouse.Config `yaml:"warehouse"`
}

// Catalog configures where crawled tables are published besides the lake's own _catalog/.
type Catalog struct {
	// Glue registers every crawled table in the Glue databases meta_{layer} (an S3 lake only),
	// so Athena can query it; see docs/DEPLOY.md.
	Glue bool `yaml:"glue"`
}

// Schedule configures metalake serve: when runs fire and which date they process.
type Schedule struct {
	schedule.Spec `yaml:",inline"`
	// RawWait is how long a fired run waits for late raw data before failing and notifying.
	RawWait time.Duration `yaml:"raw_wait"`
	// RawPoll is how often it looks again while waiting.
	RawPoll time.Duration `yaml:"raw_poll"`
}

// Engine kinds: where the layers' SQL runs.
const (
	// EngineDuckDB is the embedded DuckDB (the default).
	EngineDuckDB = "duckdb"
	// EngineSpark is a Spark Connect server (engine.spark.remote); see docs/SPARK.md.
	EngineSpark = "spark"
)

// SparkRemoteEnv overrides engine.spark.remote.
const SparkRemoteEnv = "METALAKE_SPARK_REMOTE"

// Engine configures where the layers run: the embedded DuckDB, or Spark through Spark Connect.
type Engine struct {
	// Kind is duckdb (default) or spark; the --engine flag of run, demo and serve overrides it.
	Kind string `yaml:"kind"`
	// Spark configures the Spark engine.
	Spark SparkEngine `yaml:"spark"`
	// Threads bounds the engine's threads (0: all cores).
	Threads int `yaml:"threads"`
	// MemoryLimit is the engine's memory limit for the whole process, e.g. "3GB".
	MemoryLimit string `yaml:"memory_limit"`
	// WorkDir holds spill files and staged outputs ("": inside the lake's _staging/ for a local
	// lake, else $TMPDIR/metalake-work; work dirs of dead processes there are removed at start).
	WorkDir string `yaml:"work_dir"`
}

// SparkEngine configures the Spark Connect engine.
type SparkEngine struct {
	// Remote is the Spark Connect address, sc://host:15002 (env METALAKE_SPARK_REMOTE
	// overrides it).
	Remote string `yaml:"remote"`
	// Conf are Spark settings every session of the run sets, e.g. for an S3 lake on an
	// S3-compatible store: fs.s3a.endpoint, fs.s3a.path.style.access (docs/SPARK.md).
	Conf map[string]string `yaml:"conf"`
}

// EngineKind is kind, or the configured kind when kind is "", checked: duckdb or spark.
func (c Config) EngineKind(kind string) (string, error) {
	if kind == "" {
		kind = c.Engine.Kind
	}
	switch kind {
	case "", EngineDuckDB:
		return EngineDuckDB, nil
	case EngineSpark:
		return EngineSpark, nil
	}
	return "", fmt.Errorf("engine %q: use duckdb (embedded, the default) or spark (a Spark Connect server)", kind)
}

// SparkRemote is the Spark Connect address: METALAKE_SPARK_REMOTE, else engine.spark.remote.
func (c Config) SparkRemote(getenv func(string) string) (string, error) {
	remote := getenv(SparkRemoteEnv)
	if remote == "" {
		remote = c.Engine.Spark.Remote
	}
	if remote == "" {
		return "", fmt.Errorf("the spark engine needs a Spark Connect address: set engine.spark.remote (e.g. sc://localhost:15002) or %s", SparkRemoteEnv)
	}
	if !strings.HasPrefix(remote, "sc://") {
		return "", fmt.Errorf("spark remote %q: use a Spark Connect address such as sc://localhost:15002", remote)
	}
	return remote, nil
}

// Pipeline configures how a run executes.
type Pipeline struct {
	// Parallelism bounds how many tasks run at once (default: the number of cores).
	Parallelism int `yaml:"parallelism"`
	// RejectThreshold overrides every table's circuit breaker when > 0 (e.g. 0.10).
	RejectThreshold float64 `yaml:"reject_threshold"`
	// Retries per layer for retryable (I/O) failures; data-contract failures never retry.
	Retries Retries `yaml:"retries"`
	// RetryDelay is the pause before a retry.
	RetryDelay time.Duration `yaml:"retry_delay"`
	// LockSettle is how long taking the lake's lock waits between writing the lock and reading
	// it back (internal/lock): it must exceed twice the store's write latency, or taking the
	// lock fails with "too slow". 200ms suits a local disk; a remote object store may need 2s.
	LockSettle time.Duration `yaml:"lock_settle"`
}

// maxLockSettle bounds pipeline.lock_settle: with the lock's default lease (2m, a heartbeat
// every 30s) a refresh needs the settle delay left on its lease, so it must stay well below 90s.
const maxLockSettle = time.Minute

// Retries per layer (the plan: bronze 1, silver 2, gold 2).
type Retries struct {
	Bronze int `yaml:"bronze"`
	Silver int `yaml:"silver"`
	Gold   int `yaml:"gold"`
}

// Default returns the built-in configuration.
func Default() Config {
	return Config{
		Lake:      "./lake",
		Engine:    Engine{MemoryLimit: "2200MB"},
		Pipeline:  Pipeline{Parallelism: runtime.NumCPU(), Retries: Retries{Bronze: 1, Silver: 2, Gold: 2}, RetryDelay: 30 * time.Second, LockSettle: lock.DefaultSettle},
		Notify:    notify.Config{On: "failure"},
		Schedule:  Schedule{Spec: schedule.DefaultSpec(), RawWait: 6 * time.Hour, RawPoll: 5 * time.Minute},
		Warehouse: warehouse.DefaultConfig(),
	}
}

// ErrNotExist is returned (wrapped) by Load when an explicitly named file does not exist.
var ErrNotExist = errors.New("config file not found")

// Load returns the defaults overlaid with the file at path. A missing file is fine when
// required is false (the default metalake.yaml is optional).
func Load(path string, required bool) (Config, error) {
	c := Default()
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) && !required {
		return c, nil
	}
	if errors.Is(err, fs.ErrNotExist) {
		return c, fmt.Errorf("%s: %w", path, ErrNotExist)
	}
	if err != nil {
		return c, fmt.Errorf("config %s: %w", path, err)
	}
	if err := Decode(b, &c); err != nil {
		// yaml lists problems on several lines; a failure is reported on one.
		msg := strings.TrimPrefix(err.Error(), "yaml: unmarshal errors:\n")
		msg = strings.Join(strings.Fields(strings.ReplaceAll(msg, "\n", "; ")), " ")
		return c, fmt.Errorf("config %s: %s", path, msg)
	}
	return c, c.Validate()
}

// Decode overlays YAML onto c, refusing unknown keys.
func Decode(b []byte, c *Config) error {
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	// An empty file decodes as io.EOF: it simply keeps the defaults.
	if err := dec.Decode(c); err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	return nil
}

// Validate names the first invalid field and how to fix it.
func (c Config) Validate() error {
	if c.Lake == "" {
		return errors.New("config: lake is empty: set a directory such as ./lake")
	}
	if _, err := c.EngineKind(""); err != nil {
		return fmt.Errorf("config: engine.kind: %w", err)
	}
	if c.Engine.Spark.Remote != "" && !strings.HasPrefix(c.Engine.Spark.Remote, "sc://") {
		return fmt.Errorf("config: engine.spark.remote = %q: use a Spark Connect address such as sc://localhost:15002", c.Engine.Spark.Remote)
	}
	for _, k := range slices.Sorted(maps.Keys(c.Engine.Spark.Conf)) {
		if k == "" || strings.ContainsAny(k, " =;'\"`\n") {
			return fmt.Errorf("config: engine.spark.conf key %q: use a Spark setting name such as fs.s3a.endpoint", k)
		}
	}
	if c.Engine.Threads < 0 {
		return fmt.Errorf("config: engine.threads = %d: use 0 (all cores) or a positive number", c.Engine.Threads)
	}
	if c.Pipeline.Parallelism < 1 {
		return fmt.Errorf("config: pipeline.parallelism = %d: use 1 or more", c.Pipeline.Parallelism)
	}
	if c.Pipeline.RejectThreshold < 0 || c.Pipeline.RejectThreshold > 1 {
		return fmt.Errorf("config: pipeline.reject_threshold = %v: use a fraction in (0, 1], e.g. 0.10", c.Pipeline.RejectThreshold)
	}
	r := c.Pipeline.Retries
	if r.Bronze < 0 || r.Silver < 0 || r.Gold < 0 {
		return fmt.Errorf("config: pipeline.retries = %+v: retries cannot be negative", r)
	}
	if c.Pipeline.RetryDelay < 0 {
		return fmt.Errorf("config: pipeline.retry_delay = %s: use a duration such as 30s", c.Pipeline.RetryDelay)
	}
	if c.Pipeline.LockSettle <= 0 || c.Pipeline.LockSettle > maxLockSettle {
		return fmt.Errorf("config: pipeline.lock_settle = %s: use a duration above 0 and at most %s, such as 2s", c.Pipeline.LockSettle, maxLockSettle)
	}
	if err := c.Notify.Validate(); err != nil {
		return fmt.Errorf("config: %w", err)
	}
	if err := c.Schedule.Spec.Validate(); err != nil {
		return fmt.Errorf("config: %w", err)
	}
	if c.Schedule.RawWait < 0 || c.Schedule.RawPoll <= 0 {
		return fmt.Errorf("config: schedule.raw_wait = %s, raw_poll = %s: use durations such as 6h and 5m", c.Schedule.RawWait, c.Schedule.RawPoll)
	}
	if err := c.Warehouse.Validate(); err != nil {
		return fmt.Errorf("config: %w", err)
	}
	return nil
}
