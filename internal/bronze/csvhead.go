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
)

// ErrEmptyFile is returned (wrapped) by readHeader for a file without even a header line.
var ErrEmptyFile = errors.New("empty file: no header line")

// readHeader parses the first CSV record of a file (the header) in Go, so the layout can be
// recognised by names before the engine reads the body. A UTF-8 BOM is ignored.
func readHeader(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 1<<16)
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
