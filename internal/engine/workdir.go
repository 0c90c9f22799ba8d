package engine

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
)

// WorkDir is an engine's private local directory (spill files, staged outputs, downloaded
// inputs): named after the owning process, so that a later process can remove the directory
// of an engine that died without Close (WorkDirPID), and handing out fresh subdirectories.
// Every engine embeds one.
type WorkDir struct {
	path string
	seq  atomic.Int64
}

const workDirPrefix = "metalake-engine-"

// NewWorkDir creates a fresh work directory under parent ("" means os.TempDir()).
func NewWorkDir(parent string) (*WorkDir, error) {
	if parent == "" {
		parent = os.TempDir()
	}
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return nil, fmt.Errorf("engine work dir: %w", err)
	}
	dir, err := os.MkdirTemp(parent, fmt.Sprintf("%s%d-", workDirPrefix, os.Getpid()))
	if err != nil {
		return nil, fmt.Errorf("engine work dir: %w", err)
	}
	return &WorkDir{path: dir}, nil
}

// Path is the directory.
func (w *WorkDir) Path() string { return w.path }

// TempDir implements Engine.TempDir: a fresh directory inside the work directory.
func (w *WorkDir) TempDir(prefix string) (string, error) {
	n := w.seq.Add(1)
	dir := filepath.Join(w.path, fmt.Sprintf("%s-%d", sanitize(prefix), n))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("engine temp dir: %w", err)
	}
	return dir, nil
}

// Remove deletes the work directory and everything in it.
func (w *WorkDir) Remove() error { return os.RemoveAll(w.path) }

// WorkDirPID returns the process id encoded in an engine work directory's name, so a later
// process can remove the directories of engines that died without Close.
func WorkDirPID(name string) (int, bool) {
	rest, ok := strings.CutPrefix(name, workDirPrefix)
	if !ok {
		return 0, false
	}
	pidText, _, ok := strings.Cut(rest, "-")
	if !ok {
		return 0, false
	}
	pid, err := strconv.Atoi(pidText)
	return pid, err == nil && pid > 0
}

// DeadWorkDirs lists the engine work directories directly under parent whose process no
// longer runs: what engines killed without Close left behind (a missing parent has none).
func DeadWorkDirs(parent string) []string {
	entries, err := os.ReadDir(parent)
	if err != nil {
		return nil
	}
	var out []string
	for _, e := range entries {
		pid, ok := WorkDirPID(e.Name())
		if !ok || pid == os.Getpid() {
			continue
		}
		if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
			out = append(out, filepath.Join(parent, e.Name()))
		}
	}
	return out
}

func sanitize(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '/' || r == '\\' || r == '.' || r == ' ' {
			return '_'
		}
		return r
	}, s)
}
