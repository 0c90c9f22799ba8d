package bronze

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode/utf8"
)

// ErrEmptyFile is returned (wrapped) by readHeader for a file without even a header line.
var ErrEmptyFile = errors.New("empty file: no header line")

// EncodingError is returned by readHeader (and, naming the file, by fileHeader) for a file
// that is not UTF-8 CSV text: compressed, an archive, UTF-16 or UTF-32 text, or binary data.
// The same bytes fail every time, so it is not retryable.
type EncodingError struct {
	File     string // lake key of the file; "" until the caller that knows it sets it
	Encoding string // what the file is, e.g. "gzip-compressed, not CSV text"
	Fix      string // what to do about it
}

func (e *EncodingError) Error() string {
	file := e.File
	if file == "" {
		file = "the file"
	}
	return fmt.Sprintf("%s is %s: %s", file, e.Encoding, e.Fix)
}

// Retryable is false: the file's bytes do not change between attempts.
func (e *EncodingError) Retryable() bool { return false }

const (
	fixIngest  = "load it with metalake ingest (which accepts .csv.gz and .zip)"
	fixConvert = "convert it to UTF-8"
)

// magics are the leading bytes of files that are not CSV text. Each contains a byte no
// accepted header can start with (a control byte or invalid UTF-8), so a header written back
// as CSV is never mistaken for one. UTF-32 LE comes before UTF-16 LE: it starts with its BOM.
var magics = []struct {
	prefix string
	err    EncodingError
}{
	{"\x1f\x8b", EncodingError{Encoding: "gzip-compressed, not CSV text", Fix: "decompress it, or " + fixIngest}},
	{"PK\x03\x04", EncodingError{Encoding: "a zip archive, not CSV text", Fix: "extract the CSV from it, or " + fixIngest}},
	{"\xfd7zXZ\x00", EncodingError{Encoding: "xz-compressed, not CSV text", Fix: "decompress it"}},
	{"\x28\xb5\x2f\xfd", EncodingError{Encoding: "zstd-compressed, not CSV text", Fix: "decompress it"}},
	{"\xff\xfe\x00\x00", EncodingError{Encoding: "UTF-32 (little-endian) text", Fix: fixConvert}},
	{"\x00\x00\xfe\xff", EncodingError{Encoding: "UTF-32 (big-endian) text", Fix: fixConvert}},
	{"\xff\xfe", EncodingError{Encoding: "UTF-16 (little-endian) text", Fix: fixConvert}},
	{"\xfe\xff", EncodingError{Encoding: "UTF-16 (big-endian) text", Fix: fixConvert}},
}

// readHeader parses the first CSV record of a file (the header) in Go, so the layout can be
// recognised by names before the engine reads the body. A UTF-8 BOM is ignored. A file that
// is not UTF-8 text is an *EncodingError, told from its first bytes: the engine would only
// report a broken first record ("bare \"") or an unknown layout.
func readHeader(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 1<<16)
	if err := sniffEncoding(br); err != nil {
		return nil, err
	}
	if b, _ := br.Peek(3); bytes.Equal(b, []byte("\xef\xbb\xbf")) {
		_, _ = br.Discard(3)
	}
	r := csv.NewReader(br)
	r.FieldsPerRecord = -1
	rec, err := r.Read()
	if errors.Is(err, io.EOF) {
		return nil, ErrEmptyFile
	}
	if err != nil {
		return nil, fmt.Errorf("unreadable header line: %w", err)
	}
	if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
		return nil, ErrEmptyFile
	}
	seen := map[string]bool{}
	for i, h := range rec {
		rec[i] = strings.TrimSpace(h)
		if err := checkHeaderText(rec[i]); err != nil {
			return nil, err
		}
		k := strings.ToLower(rec[i])
		if k == "" {
			return nil, fmt.Errorf("header column %d has no name", i+1)
		}
		if seen[k] {
			return nil, fmt.Errorf("header names column %q twice", rec[i])
		}
		seen[k] = true
	}
	return rec, nil
}

// fileHeader is readHeader for the raw file at path whose lake key is key: every error names
// the key.
func fileHeader(key, path string) ([]string, error) {
	header, err := readHeader(path)
	var ee *EncodingError
	if errors.As(err, &ee) {
		ee.File = key
		return nil, ee
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", key, err)
	}
	return header, nil
}

// sniffEncoding tells a compressed, archived, UTF-16/32 or binary file from its first bytes:
// a known signature, or a NUL byte in the first line (UTF-16 without a BOM has one in every
// other byte; CSV text has none).
func sniffEncoding(br *bufio.Reader) error {
	head, _ := br.Peek(br.Size())
	for _, m := range magics {
		if bytes.HasPrefix(head, []byte(m.prefix)) {
			e := m.err
			return &e
		}
	}
	if i := bytes.IndexByte(head, '\n'); i >= 0 {
		head = head[:i]
	}
	if bytes.IndexByte(head, 0) < 0 {
		return nil
	}
	switch utf16Order(head) {
	case "little":
		return &EncodingError{Encoding: "UTF-16 (little-endian) text", Fix: fixConvert}
	case "big":
		return &EncodingError{Encoding: "UTF-16 (big-endian) text", Fix: fixConvert}
	}
	return binaryData()
}

// utf16Order guesses the byte order of BOM-less UTF-16 text mostly made of ASCII: NUL in
// nearly every odd byte (little-endian) or every even byte (big-endian); "" if neither.
func utf16Order(b []byte) string {
	b = b[:min(len(b), 512)]
	var even, odd int
	for i, c := range b {
		if c == 0 {
			if i%2 == 0 {
				even++
			} else {
				odd++
			}
		}
	}
	pairs := len(b) / 2
	switch {
	case pairs == 0:
		return ""
	case odd*10 >= pairs*9 && even*10 <= pairs:
		return "little"
	case even*10 >= pairs*9 && odd*10 <= pairs:
		return "big"
	}
	return ""
}

// checkHeaderText rejects a header name that cannot be CSV text: invalid UTF-8 (a Latin-1 or
// other legacy encoding) or control bytes other than tab and line breaks (binary data).
func checkHeaderText(name string) error {
	if !utf8.ValidString(name) {
		return &EncodingError{Encoding: "not UTF-8 text (its header line has invalid UTF-8, e.g. Latin-1)", Fix: fixConvert}
	}
	for _, c := range []byte(name) {
		if (c < 0x20 && c != '\t' && c != '\r' && c != '\n') || c == 0x7f {
			return binaryData()
		}
	}
	return nil
}

func binaryData() error {
	return &EncodingError{Encoding: "binary data, not CSV text (its header line holds NUL or other control bytes)",
		Fix: "check that it is the right file"}
}
