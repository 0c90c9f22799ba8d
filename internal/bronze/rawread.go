package bronze

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/metalake/metalake/internal/engine"
	"github.com/metalake/metalake/internal/lake"
)

// readRaw materialises the raw CSV at path as l.raw, its structurally broken records in l.rej
// and their count in l.structural.
//
// DuckDB's strict reader reads nearly every file right, and fast. Two kinds of file it cannot:
//   - one mixing CRLF with LF line breaks (or holding a CR that is no line break): the read
//     fails ("the CSV Parser state machine reached an invalid state", no line number), or,
//     where a CRLF follows a quoted last field, a valid record becomes a reject ("unterminated
//     quote"). No reader option helps: new_line = '\n' reads such a file as no rows at all,
//     strict_mode = false also accepts broken records;
//   - one with a record of maxLineBytes or more: depending on where its buffers fall, the
//     record is silently dropped, rejected with the previous record's text, or (spread over
//     lines, e.g. after an unterminated quote) cut into pieces read as records.
//
// Those files are rewritten (rewriteCSV) and the copy is read instead. Telling them apart costs
// the common file next to nothing, so a file of LF lines is read exactly as before: a probe of
// 64 KiB per 32 MiB (hasLongLine: under 1 ms for a 1.5 GB file in the page cache, 20 ms
// cold), the read itself, and, when it has structural rejects, one query over them
// (suspectRejectsSQL). Scanning every byte in Go first would cost about 5 s at 25 M rows (the
// rewrite's speed, ~300 MB/s), most of the read's own time; the file that needs the rewrite
// pays that, plus a second read.
func (l *loaded) readRaw(ctx context.Context, s engine.Session, path, tmp string) error {
	long, err := hasLongLine(path)
	if err != nil {
		return err
	}
	var readErr error // the read of the file as it is, when tried
	if !long {
		ok, err := l.readAsIs(ctx, s, path)
		if ok || ctx.Err() != nil {
			return err
		}
		readErr = err
	}
	copyPath, side := filepath.Join(tmp, l.name+".rewritten.csv"), filepath.Join(tmp, l.name+".replaced.csv")
	defer os.Remove(copyPath)
	defer os.Remove(side)
	res, err := rewriteCSV(ctx, path, copyPath, side, len(l.header))
	if err != nil {
		return fmt.Errorf("rewrite: %w", err)
	}
	switch {
	case res.changed():
		return l.readCopy(ctx, s, copyPath, side, res)
	case long: // the probe's block held a long line, not one over the limit
		_, err := l.readAsIs(ctx, s, path)
		return err
	}
	return readErr // the copy would read the same: the first read stands, or its error
}

// readAsIs reads path as it is. ok is false when the read failed or left rejects that send
// the file through the rewrite (suspectRejectsSQL); err is the failure, if any.
func (l *loaded) readAsIs(ctx context.Context, s engine.Session, path string) (ok bool, err error) {
	if err := s.Exec(ctx, l.readSQL(path)); err != nil {
		return false, err
	}
	if err := l.countStructural(ctx, s); err != nil || l.structural == 0 {
		return err == nil, err
	}
	var suspect int64
	if err := s.QueryRow(ctx, suspectRejectsSQL(l.rej), &suspect); err != nil {
		return false, err
	}
	return suspect == 0, nil
}

// readCopy reads the rewritten copy at path in place of the raw file; side holds the raw lines
// of the records it replaced.
func (l *loaded) readCopy(ctx context.Context, s engine.Session, path, side string, res rewriteResult) error {
	if err := s.Exec(ctx, l.dropReadSQL()); err != nil {
		return err
	}
	if err := s.Exec(ctx, l.readSQL(path)); err != nil {
		return err
	}
	if err := l.countStructural(ctx, s); err != nil {
		return err
	}
	l.rewritten = res.String()
	if res.replaced() == 0 {
		return nil
	}
	// The rejects of replaced records get their own text instead of the placeholder's.
	if err := s.Exec(ctx, restoreRejectTextSQL(l.rej, side)); err != nil {
		return err
	}
	var n int64
	if err := s.QueryRow(ctx, matchedRejectsSQL(l.rej, side), &n); err != nil {
		return err
	}
	if n != res.replaced() {
		// The rewrite and the reader disagree on record numbers: every line number would be
		// suspect, so say so rather than publish them.
		return fmt.Errorf("internal error: the rewrite replaced %d records, the reader rejected %d of them at their lines", res.replaced(), n)
	}
	return nil
}

func (l *loaded) readSQL(path string) string {
	return readCSVSQL(l.raw, path, len(l.header), l.kept, l.rej, l.scan())
}

// dropReadSQL drops what a read created, so the next read starts afresh (the reject tables
// would otherwise be appended to).
func (l *loaded) dropReadSQL() string {
	return fmt.Sprintf("DROP TABLE IF EXISTS %s; DROP TABLE IF EXISTS %s; DROP TABLE IF EXISTS %s", l.raw, l.rej, l.scan())
}

func (l *loaded) scan() string { return "scan_" + l.name }

func (l *loaded) countStructural(ctx context.Context, s engine.Session) error {
	return s.QueryRow(ctx, "SELECT COUNT(DISTINCT line) FROM "+l.rej, &l.structural)
}

// logRewrite says when a raw file was read through a rewritten copy: the read took longer.
func (j *Job) logRewrite(table string, d lake.Date, l *loaded) {
	if l.rewritten != "" {
		j.log().Info("raw file rewritten before reading", "table", table, "run_date", d.String(), "file", l.key, "changes", l.rewritten)
	}
}
