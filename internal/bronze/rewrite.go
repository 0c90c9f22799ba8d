package bronze

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// This file holds the Go side of reading raw CSV: a cheap probe run before every read, and a
// rewrite used only when the engine's reader cannot be trusted with a file (rawread.go says
// when). Both follow RFC 4180 as DuckDB's strict reader does: a quote opens a quoted field
// only at the start of a field, "" inside one is a quote, a quote elsewhere is data, and a
// line break inside quotes belongs to the field.

// maxLineBytes bounds one CSV record: real Meta Kaggle descriptions reach megabytes. A record
// of that many bytes or more (line break excluded) is a structural reject. A variable only so
// a test can lower it.
var maxLineBytes int64 = 64 << 20

// rejectTextBytes is how much of an oversized record its reject keeps: DuckDB keeps the first
// 10,000 characters of a broken record's text, the rewrite as many bytes.
const rejectTextBytes = 10000

// hasLongLine reports whether the file may hold a run of maxLineBytes bytes without a line
// feed, i.e. a one-line record at or over the limit, which DuckDB's reader mishandles
// (rawread.go). Reading the whole file to find one would slow down every read, so the probe
// looks only at the start of every block of maxLineBytes/2 bytes: any run that long contains
// a whole block, and a block with a line feed near its start (every block of an ordinary
// file) is settled by one small read — 46 reads of 64 KiB for a 1.5 GB file. A block is read
// further only while no line feed turns up; true may also mean a line of 32 to 64 MiB.
func hasLongLine(path string) (bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return false, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return false, err
	}
	block := maxLineBytes / 2
	buf := make([]byte, min(64<<10, block))
	for start := int64(0); start+block <= info.Size(); start += block {
		found, err := lineFeedIn(f, buf, start, start+block)
		if err != nil {
			return false, err
		}
		if !found {
			return true, nil
		}
	}
	return false, nil
}

// lineFeedIn reports whether f holds a line feed between offsets from and to.
func lineFeedIn(f *os.File, buf []byte, from, to int64) (bool, error) {
	for off := from; off < to; off += int64(len(buf)) {
		n, err := f.ReadAt(buf[:min(int64(len(buf)), to-off)], off)
		if bytes.IndexByte(buf[:n], '\n') >= 0 {
			return true, nil
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return false, err
		}
		if n == 0 {
			return false, nil
		}
	}
	return false, nil
}

// rewriteResult says what rewriteCSV changed.
type rewriteResult struct {
	lineBreaks int64 // CRLF line breaks outside quotes (and a final CR), written as LF
	oversized  int64 // records of maxLineBytes or more written as a placeholder
	stray      int64 // records with a stray CR written as a placeholder
	header     bool  // the header itself was replaced (the reader skips it anyway)
}

func (r rewriteResult) changed() bool {
	return r.lineBreaks > 0 || r.oversized > 0 || r.stray > 0 || r.header
}

func (r rewriteResult) replaced() int64 { return r.oversized + r.stray }

func (r rewriteResult) String() string {
	return fmt.Sprintf("%d CRLF line breaks made LF; %d records of %d bytes or more and %d with a stray CR rejected",
		r.lineBreaks, r.oversized, maxLineBytes, r.stray)
}

// rawLine is the raw_line of a record the rewrite replaced, of size bytes, whose first bytes
// are text: the text, and what was cut.
func rawLine(text []byte, size int64) string {
	s := strings.ReplaceAll(strings.ToValidUTF8(string(text), "\uFFFD"), "\x00", "\uFFFD")
	switch {
	case size >= maxLineBytes:
		return fmt.Sprintf("%s…[truncated: the record is %d bytes, records must be under %d]", s, size, maxLineBytes)
	case size > int64(len(text)):
		return fmt.Sprintf("%s…[truncated: the record is %d bytes]", s, size)
	}
	return s
}

// rewriteCSV copies the CSV file src to dst so that DuckDB's strict reader delimits every
// record of it as RFC 4180 does, and the reader never fails on it:
//   - every CRLF outside quoted fields becomes LF (the reader fails on a file mixing LF with
//     CRLF); inside quotes CRs are data and stay;
//   - a CR outside quotes not followed by LF is no line break but a stray byte (RFC 4180 text
//     has none; the reader would fail on the whole file), except at the very end of the file;
//   - a record of maxLineBytes or more, or with a stray CR, becomes one line of ncols+1 fields,
//     which the reader rejects, so it stays one reject with its own line number. Its number
//     and raw text (rawLine) go to side, a CSV file of (line, raw_line), for the reject.
//
// Line numbers do not change. Memory stays small whatever the file: replaced records are
// streamed to side, and a record is held only while under the limit.
func rewriteCSV(ctx context.Context, src, dst, side string, ncols int) (rewriteResult, error) {
	in, err := os.Open(src)
	if err != nil {
		return rewriteResult{}, err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return rewriteResult{}, err
	}
	defer out.Close()
	sideOut, err := os.Create(side)
	if err != nil {
		return rewriteResult{}, err
	}
	defer sideOut.Close()
	w := &recordWriter{w: bufio.NewWriterSize(out, 1<<20), side: bufio.NewWriter(sideOut), line: 1,
		placeholder: strings.Repeat(",", ncols) + "x"}
	buf := make([]byte, 1<<20)
	for {
		if err := ctx.Err(); err != nil {
			return rewriteResult{}, err
		}
		n, err := in.Read(buf)
		w.feed(buf[:n])
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return rewriteResult{}, err
		}
	}
	w.finish()
	for _, err := range []error{w.w.Flush(), w.side.Flush(), out.Close(), sideOut.Close()} {
		if err != nil {
			return rewriteResult{}, err
		}
	}
	return w.res, nil
}

// csvState is where the reader is within a record.
type csvState uint8

const (
	fieldStart  csvState = iota
	unquoted             // inside a field that did not start with a quote
	quoted               // inside a quoted field
	quoteClosed          // just after a quote inside a quoted field: its end, or half of ""
)

// recordWriter splits a byte stream into records and writes them, one per line.
type recordWriter struct {
	w, side     *bufio.Writer // errors are sticky: Flush reports them
	placeholder string
	state       csvState
	cr          bool   // the last byte was a CR outside quotes: the next one says what it is
	stray       bool   // the record holds a CR outside quotes that is not a line break
	line        int64  // number of the record being read
	size        int64  // its bytes so far
	rec         []byte // its bytes, while under the limit
	prefix      []byte // its first bytes, once at the limit
	res         rewriteResult
}

func (r *recordWriter) feed(p []byte) {
	for i := 0; i < len(p); {
		c := p[i]
		if r.cr {
			r.cr = false
			if r.lineBreak(c == '\n') {
				i++
				continue
			}
		}
		switch {
		case r.state == quoted: // the field runs to the next quote: take it at once
			j := bytes.IndexByte(p[i:], '"')
			if j < 0 {
				r.addAll(p[i:])
				return
			}
			r.addAll(p[i : i+j+1])
			r.state = quoteClosed
			i += j + 1
			continue
		case r.state == quoteClosed && c == '"':
			r.state = quoted
		case !special[c]: // plain text: take the run
			j := i + 1
			for j < len(p) && !special[p[j]] {
				j++
			}
			r.state = unquoted
			r.addAll(p[i:j])
			i = j
			continue
		case c == '\n':
			r.end()
		case c == '\r':
			r.cr = true
		case c == ',':
			r.state = fieldStart
		case c == '"' && r.state == fieldStart:
			r.state = quoted
		}
		if c != '\n' && c != '\r' {
			r.add(c)
		}
		i++
	}
}

// special are the bytes that can end a run of plain text outside quotes.
var special = [256]bool{'\n': true, '\r': true, ',': true, '"': true}

// lineBreak settles a CR read outside quotes, given whether a LF follows it, and says whether
// that LF is consumed.
func (r *recordWriter) lineBreak(lf bool) bool {
	if lf {
		r.res.lineBreaks++
		r.end()
		return true
	}
	r.stray = true
	r.state = unquoted
	r.add('\r')
	return false
}

// addAll adds the bytes of b to the record.
func (r *recordWriter) addAll(b []byte) {
	switch n := int64(len(b)); {
	case r.size >= maxLineBytes: // already a reject: only counted
		r.size += n
	case r.size+n < maxLineBytes:
		r.size += n
		r.rec = append(r.rec, b...)
	default:
		for _, c := range b {
			r.add(c)
		}
	}
}

func (r *recordWriter) add(c byte) {
	r.size++
	if r.size > maxLineBytes {
		return // already a reject: only counted
	}
	r.rec = append(r.rec, c)
	if r.size == maxLineBytes {
		r.prefix = append([]byte(nil), r.rec[:min(len(r.rec), rejectTextBytes)]...)
		r.rec = r.rec[:0]
	}
}

// end writes the record read so far and a line break (a blank line is a record too: DuckDB
// counts it).
func (r *recordWriter) end() {
	r.write()
	r.w.WriteByte('\n')
}

func (r *recordWriter) write() {
	switch {
	case (r.size >= maxLineBytes || r.stray) && r.line == 1:
		r.w.WriteString(r.placeholder) // the reader skips the header line, whatever it holds
		r.res.header = true
	case r.size >= maxLineBytes:
		r.replace(r.prefix)
		r.res.oversized++
	case r.stray:
		r.replace(r.rec[:min(len(r.rec), rejectTextBytes)])
		r.res.stray++
	default:
		r.w.Write(r.rec)
	}
	r.line++
	r.size, r.rec, r.prefix, r.state, r.stray = 0, r.rec[:0], nil, fieldStart, false
}

// replace writes the placeholder for the record, and its raw line to side.
func (r *recordWriter) replace(text []byte) {
	r.w.WriteString(r.placeholder)
	fmt.Fprintf(r.side, "%d,\"%s\"\n", r.line, strings.ReplaceAll(rawLine(text, r.size), `"`, `""`))
}

// finish writes the last record; a file that ends without a line break still does (an
// unterminated quote keeps its text exactly). A CR at the very end is the line break.
func (r *recordWriter) finish() {
	switch {
	case r.cr:
		r.res.lineBreaks++
		r.end()
	case r.size > 0:
		r.write()
	}
}
