package testserver

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// Postgres is a private PostgreSQL cluster for one test: created with initdb in a fresh
// directory under os.TempDir(), listening on 127.0.0.1 at a free port (its Unix socket in the
// data directory, so it never touches the system's), password authentication (scram-sha-256)
// for the superuser User. It is stopped and deleted when the test ends, failed or not.
//
// PostgreSQL refuses to run as root, so under root (CI) the cluster belongs to the
// unprivileged user nobody and its commands run with that user's credentials.
type Postgres struct {
	Host, Port     string
	User, Password string
	Database       string

	tb   testing.TB
	bin  string // directory holding initdb, pg_ctl, postgres
	base string // the cluster's directory: data/, server.log
	cred *syscall.Credential
}

// StartPostgres creates and starts a cluster for tb. The server binaries are found in
// METALAKE_PG_BIN (a directory), else next to pg_ctl on PATH, else in the newest
// /usr/lib/postgresql/*/bin; with none the test is skipped (failed under CI).
func StartPostgres(tb testing.TB) *Postgres {
	tb.Helper()
	p := &Postgres{tb: tb, Host: "127.0.0.1", User: "metalake", Database: "postgres", bin: postgresBin(tb)}
	var pw [12]byte
	_, _ = rand.Read(pw[:])
	p.Password = hex.EncodeToString(pw[:])
	if os.Geteuid() == 0 {
		u, err := user.Lookup("nobody")
		if err != nil {
			tb.Fatalf("postgres: initdb refuses root and there is no user nobody: %v", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		p.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
	}
	base, err := os.MkdirTemp(os.TempDir(), "metalake-pg-")
	if err != nil {
		tb.Fatal(err)
	}
	p.base = base
	tb.Cleanup(func() {
		p.stop("immediate")
		os.RemoveAll(base)
	})
	// The server user must reach its files: the base is world-traversable, the data directory
	// and the password file are its own.
	if err := os.Chmod(base, 0o755); err != nil {
		tb.Fatal(err)
	}
	pwfile := filepath.Join(base, "pwfile")
	if err := os.WriteFile(pwfile, []byte(p.Password+"\n"), 0o600); err != nil {
		tb.Fatal(err)
	}
	if err := os.Mkdir(p.data(), 0o700); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(p.logFile(), nil, 0o600); err != nil {
		tb.Fatal(err)
	}
	for _, f := range []string{pwfile, p.data(), p.logFile()} {
		p.own(f)
	}
	p.run("initdb", "-D", p.data(), "-U", p.User, "--pwfile", pwfile, "--auth", "scram-sha-256",
		"-E", "UTF8", "--locale", "C", "--no-sync")
	os.Remove(pwfile)
	p.Port = FreePort(tb)
	p.Start()
	return p
}

// URL is the connection URL without the password (give it through PGPASSWORD or
// METALAKE_WAREHOUSE_PASSWORD).
func (p *Postgres) URL() string {
	return "postgres://" + p.User + "@" + p.Host + ":" + p.Port + "/" + p.Database + "?sslmode=disable"
}

// Start starts the server (again, after Kill) and waits until it accepts connections.
func (p *Postgres) Start() {
	p.tb.Helper()
	opts := strings.Join([]string{
		"-c listen_addresses=" + p.Host, "-p " + p.Port, "-c unix_socket_directories=" + p.data(),
		// A test cluster: durability against a process crash (what Kill simulates) needs the
		// WAL, not fsync (the operating system keeps the written pages).
		"-c fsync=off", "-c full_page_writes=off", "-c max_connections=30", "-c shared_buffers=64MB",
	}, " ")
	p.run("pg_ctl", "-D", p.data(), "-l", p.logFile(), "-o", opts, "-w", "-t", "60", "start")
}

// Kill stops the server the way a crash does (pg_ctl's immediate mode: every server process
// quits at once, no checkpoint; the next Start recovers from the WAL). Open transactions are
// lost, as they are when the machine dies. It may be called from any goroutine.
func (p *Postgres) Kill() {
	if err := p.stop("immediate"); err != nil {
		p.tb.Errorf("postgres: kill: %v\n%s", err, p.Log())
	}
}

func (p *Postgres) stop(mode string) error {
	if _, err := os.Stat(filepath.Join(p.data(), "postmaster.pid")); err != nil {
		return nil // not running
	}
	cmd := p.command("pg_ctl", "-D", p.data(), "-m", mode, "-w", "-t", "60", "stop")
	if out, err := cmd.CombinedOutput(); err != nil {
		return errors.New(strings.TrimSpace(string(out)))
	}
	return nil
}

// Log returns the server's log so far (for a failing test's message).
func (p *Postgres) Log() string {
	b, _ := os.ReadFile(p.logFile())
	return string(b)
}

func (p *Postgres) data() string { return filepath.Join(p.base, "data") }

func (p *Postgres) logFile() string { return filepath.Join(p.base, "server.log") }

func (p *Postgres) own(path string) {
	if p.cred == nil {
		return
	}
	if err := os.Chown(path, int(p.cred.Uid), int(p.cred.Gid)); err != nil {
		p.tb.Fatal(err)
	}
}

func (p *Postgres) command(name string, args ...string) *exec.Cmd {
	cmd := exec.Command(filepath.Join(p.bin, name), args...)
	cmd.Dir = p.base
	// The server never inherits the test's libpq settings.
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PG") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	if p.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: p.cred}
	}
	return cmd
}

func (p *Postgres) run(name string, args ...string) {
	p.tb.Helper()
	if out, err := p.command(name, args...).CombinedOutput(); err != nil {
		p.tb.Fatalf("postgres: %s: %v\n%s\n%s", name, err, out, p.Log())
	}
}

func postgresBin(tb testing.TB) string {
	tb.Helper()
	if dir := os.Getenv("METALAKE_PG_BIN"); dir != "" {
		return dir
	}
	if p, err := exec.LookPath("pg_ctl"); err == nil {
		if real, err := filepath.EvalSymlinks(p); err == nil {
			p = real
		}
		if _, err := os.Stat(filepath.Join(filepath.Dir(p), "initdb")); err == nil {
			return filepath.Dir(p)
		}
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return pgMajor(dirs[i]) > pgMajor(dirs[j]) })
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "pg_ctl")); err == nil {
			return d
		}
	}
	Missing(tb, "no PostgreSQL server binaries (apt-get install postgresql, or set METALAKE_PG_BIN to the directory holding initdb and pg_ctl)")
	return ""
}

// pgMajor reads the major version from /usr/lib/postgresql/{major}/bin.
func pgMajor(dir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(dir)))
	return n
}
