package engine

import (
	"errors"
	"strings"
	"syscall"

	"github.com/duckdb/duckdb-go/v2"
)

// ioErrnos are the file-system failures DuckDB reports only as text: its IO Error carries the C
// library's message (strerror), e.g. `IO Error: Could not write file "…/part-0.parquet": No
// space left on device`. They are the ones the run must not retry (dag.Exhausted).
var ioErrnos = []syscall.Errno{syscall.ENOSPC, syscall.EDQUOT, syscall.EROFS}

// Errno returns the file-system error a failed statement reports, if it is one of ioErrnos:
// what Go's own file operations would have returned for the same write.
func (e *SQLError) Errno() (syscall.Errno, bool) {
	var de *duckdb.Error
	if errors.As(e.Err, &de) && de.Type != duckdb.ErrorTypeIO {
		return 0, false
	}
	// strerror's text and Go's differ only in case ("No space left on device").
	msg := strings.ToLower(e.Err.Error())
	for _, n := range ioErrnos {
		if strings.Contains(msg, n.Error()) {
			return n, true
		}
	}
	return 0, false
}

// Is makes errors.Is(err, syscall.ENOSPC) (EDQUOT, EROFS) hold for a statement that failed on a
// full, over-quota or read-only file system, as it does for a *fs.PathError: one test for a
// full disk wherever it was seen.
func (e *SQLError) Is(target error) bool {
	t, ok := target.(syscall.Errno)
	if !ok {
		return false
	}
	n, ok := e.Errno()
	return ok && n == t
}
