package testserver

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// SparkServer is a Spark Connect server for tests: Spark in local mode (local[2], a 1 GiB
// driver) in one JVM, listening on a free loopback port, its scratch space, warehouse and log
// in a private directory, the session time zone UTC. It takes 10–20 s to start and its first
// query about 5 s, so a test binary shares one (SharedSpark); sessions are isolated anyway.
type SparkServer struct {
	// Remote is the address clients connect to: sc://127.0.0.1:{port}.
	Remote string

	dir     string // the server's private directory
	ownDir  bool   // dir is removed by Stop
	cmd     *exec.Cmd
	exited  chan error
	logPath string
	stop    sync.Once
}

// SparkRemoteEnv names a running Spark Connect server (sc://127.0.0.1:port) that SharedSpark
// uses instead of starting one.
const SparkRemoteEnv = "METALAKE_TEST_SPARK_REMOTE"

// sparkStartTimeout bounds the start and the first query on a loaded machine.
const sparkStartTimeout = 3 * time.Minute

// StartSpark starts a Spark Connect server for tb alone and stops it when tb ends. ready, when
// set, is polled once the port accepts connections until it returns nil (a first query:
// the server answers only once its session machinery is up). Without Java or Spark the test
// is skipped locally and fails under CI (see sparkHome).
func StartSpark(tb testing.TB, ready func(ctx context.Context, remote string) error) *SparkServer {
	tb.Helper()
	start := time.Now()
	s, err := LaunchSpark(tb.TempDir(), FreePort(tb), ready)
	if err != nil {
		sparkFailed(tb, err)
	}
	tb.Cleanup(s.Stop)
	tb.Logf("spark connect server %s ready in %.1fs", s.Remote, time.Since(start).Seconds())
	return s
}

var shared struct {
	once sync.Once
	s    *SparkServer
	err  error
}

// SharedSpark returns the test binary's one Spark Connect server, starting it on first use
// (ready as for StartSpark), or the one running at METALAKE_TEST_SPARK_REMOTE when set. A failed start is reported to every test that asks, without
// starting again. Call StopSharedSpark from TestMain after m.Run: the server outlives the
// test that started it.
func SharedSpark(tb testing.TB, ready func(ctx context.Context, remote string) error) *SparkServer {
	tb.Helper()
	shared.once.Do(func() {
		if remote := os.Getenv(SparkRemoteEnv); remote != "" {
			// A server already running (started by withspark for all the test binaries of
			// make test, or by hand while developing): waited for, never stopped here.
			shared.s = &SparkServer{Remote: remote}
			shared.err = shared.s.wait(ready)
			return
		}
		dir, err := os.MkdirTemp("", "metalake-spark-")
		if err != nil {
			shared.err = err
			return
		}
		start := time.Now()
		shared.s, shared.err = LaunchSpark(dir, FreePort(tb), ready)
		if shared.err != nil {
			os.RemoveAll(dir)
			return
		}
		shared.s.ownDir = true
		tb.Logf("spark connect server %s ready in %.1fs (shared by this test binary)", shared.s.Remote, time.Since(start).Seconds())
	})
	if shared.err != nil {
		sparkFailed(tb, shared.err)
	}
	return shared.s
}

// StopSharedSpark stops the server SharedSpark started, if any.
func StopSharedSpark() {
	if shared.s != nil {
		shared.s.Stop()
	}
}

func sparkFailed(tb testing.TB, err error) {
	tb.Helper()
	var m *missingError
	if errors.As(err, &m) {
		Missing(tb, m.msg)
	}
	tb.Fatal(err)
}

type missingError struct{ msg string }

func (e *missingError) Error() string { return e.msg }

// sparkHome finds a Spark installation (the directory holding bin/spark-submit and jars/):
// METALAKE_SPARK_HOME, else the pyspark package of the virtualenv METALAKE_PYSPARK (make test
// installs pyspark 4.3.0 into ./bin/pyspark and sets it), else the module's bin/pyspark, else
// SPARK_HOME.
func sparkHome() (string, error) {
	if h := os.Getenv("METALAKE_SPARK_HOME"); h != "" {
		return h, nil
	}
	var venvs []string
	if v := os.Getenv("METALAKE_PYSPARK"); v != "" {
		venvs = append(venvs, v)
	}
	if out, err := exec.Command("go", "env", "GOMOD").Output(); err == nil && strings.TrimSpace(string(out)) != "" {
		venvs = append(venvs, filepath.Join(filepath.Dir(strings.TrimSpace(string(out))), "bin", "pyspark"))
	}
	for _, v := range venvs {
		homes, _ := filepath.Glob(filepath.Join(v, "lib", "python3*", "site-packages", "pyspark"))
		for _, h := range homes {
			if _, err := os.Stat(filepath.Join(h, "bin", "spark-submit")); err == nil {
				return h, nil
			}
		}
	}
	if h := os.Getenv("SPARK_HOME"); h != "" {
		return h, nil
	}
	return "", &missingError{"no Spark installation (make test installs pyspark into ./bin/pyspark; or set METALAKE_PYSPARK to that virtualenv, or METALAKE_SPARK_HOME to a Spark home)"}
}

// SparkJarsEnv names the directory of the jars that give the test server Hadoop's s3a
// connector (make test downloads them into ./bin/spark-jars and sets it).
const SparkJarsEnv = "METALAKE_SPARK_JARS"

// s3aJars are the jars of METALAKE_SPARK_JARS, else of the module's bin/spark-jars; none when
// neither exists (the server then reads local lakes only, and S3 tests skip: see S3A).
func s3aJars() []string {
	dir := os.Getenv(SparkJarsEnv)
	if dir == "" {
		if out, err := exec.Command("go", "env", "GOMOD").Output(); err == nil && strings.TrimSpace(string(out)) != "" {
			dir = filepath.Join(filepath.Dir(strings.TrimSpace(string(out))), "bin", "spark-jars")
		}
	}
	jars, _ := filepath.Glob(filepath.Join(dir, "*.jar"))
	return jars
}

// LaunchSpark starts a server in dir listening on 127.0.0.1:port and waits until it answers
// (ready as for StartSpark); Stop stops it. Tests use StartSpark or SharedSpark; `make test`
// starts one for all its test binaries with withspark.
func LaunchSpark(dir, port string, ready func(ctx context.Context, remote string) error) (*SparkServer, error) {
	home, err := sparkHome()
	if err != nil {
		return nil, err
	}
	java := "java"
	if jh := os.Getenv("JAVA_HOME"); jh != "" {
		java = filepath.Join(jh, "bin", "java")
	}
	if _, err := exec.LookPath(java); err != nil {
		return nil, &missingError{"no Java for the Spark Connect server (Spark 4 needs Java 17 or 21 on PATH or in JAVA_HOME)"}
	}
	for _, d := range []string{"local", "warehouse", "tmp", "conf", "work"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			return nil, err
		}
	}
	conf := map[string]string{
		"spark.connect.grpc.binding.address": "127.0.0.1",
		"spark.connect.grpc.binding.port":    port,
		"spark.driver.host":                  "127.0.0.1",
		"spark.driver.bindAddress":           "127.0.0.1",
		"spark.ui.enabled":                   "false",
		"spark.sql.session.timeZone":         "UTC",
		"spark.local.dir":                    filepath.Join(dir, "local"),
		"spark.sql.warehouse.dir":            filepath.Join(dir, "warehouse"),
		"spark.sql.catalogImplementation":    "in-memory",
		// Test data is small: a few shuffle partitions instead of 200 keep queries quick.
		"spark.sql.shuffle.partitions": "4",
		"spark.log.level":              "WARN",
	}
	args := []string{
		"--class", "org.apache.spark.sql.connect.service.SparkConnectServer",
		"--name", "metalake-test", "--master", "local[2]", "--driver-memory", "1g",
		"--driver-java-options", "-Djava.io.tmpdir=" + filepath.Join(dir, "tmp"),
	}
	// The s3a connector, on the driver's class path (in local mode the driver runs the tasks;
	// --jars would load it too late for Hadoop's file systems).
	if jars := s3aJars(); len(jars) > 0 {
		args = append(args, "--driver-class-path", strings.Join(jars, string(os.PathListSeparator)))
	}
	for k, v := range conf {
		args = append(args, "--conf", k+"="+v)
	}
	logPath := filepath.Join(dir, "server.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	defer logFile.Close()
	cmd := exec.Command(filepath.Join(home, "bin", "spark-submit"), args...)
	cmd.Dir = filepath.Join(dir, "work")
	// A private configuration directory: no spark-defaults.conf of the machine applies.
	cmd.Env = append(os.Environ(), "SPARK_HOME="+home, "SPARK_CONF_DIR="+filepath.Join(dir, "conf"),
		"SPARK_LOCAL_IP=127.0.0.1", "SPARK_LOG_DIR="+dir)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	// Its own process group, so Stop kills the launcher scripts and the JVM together.
	cmd.SysProcAttr = sparkProcAttr()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start spark connect server: %w", err)
	}
	s := &SparkServer{Remote: "sc://127.0.0.1:" + port, dir: dir, cmd: cmd, exited: make(chan error, 1), logPath: logPath}
	go func() { s.exited <- cmd.Wait() }()
	if err := s.wait(ready); err != nil {
		s.Stop()
		return nil, err
	}
	return s, nil
}

// wait polls until the port accepts connections and ready succeeds.
func (s *SparkServer) wait(ready func(ctx context.Context, remote string) error) error {
	start := time.Now()
	deadline := start.Add(sparkStartTimeout)
	addr := strings.TrimPrefix(s.Remote, "sc://")
	var last error
	for {
		select {
		case err := <-s.exited:
			s.exited <- err
			return fmt.Errorf("spark connect server exited: %v\n%s", err, s.Log())
		default:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("spark connect server did not answer within %s (last: %v)\n%s", sparkStartTimeout, last, s.Log())
		}
		if c, err := net.DialTimeout("tcp", addr, time.Second); err != nil {
			last = err
		} else {
			c.Close()
			if ready == nil {
				return nil
			}
			ctx, cancel := context.WithDeadline(context.Background(), deadline)
			last = ready(ctx, s.Remote)
			cancel()
			if last == nil {
				return nil
			}
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// Log returns the end of the server's log (for a failing test's message).
func (s *SparkServer) Log() string {
	f, err := os.Open(s.logPath)
	if err != nil {
		return ""
	}
	defer f.Close()
	const tail = 16 << 10
	if st, err := f.Stat(); err == nil && st.Size() > tail {
		f.Seek(st.Size()-tail, io.SeekStart)
	}
	b, _ := io.ReadAll(f)
	return string(b)
}

// Stop kills the server's process group, waits for it and removes what it owns.
func (s *SparkServer) Stop() {
	s.stop.Do(func() {
		if s.cmd != nil && s.cmd.Process != nil {
			_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
			err := <-s.exited
			s.exited <- err
		}
		if s.ownDir {
			os.RemoveAll(s.dir)
		}
	})
}
