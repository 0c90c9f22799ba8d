package bronze

import (
	"bytes"
	"encoding/csv"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// FuzzReadHeader feeds arbitrary bytes, as the first line(s) of a raw file, to the header
// reader that decides a file's layout before the engine sees it, then a second file made of
// the accepted header, written back as CSV, followed by an arbitrary body. It asserts:
//
//   - readHeader never panics;
//   - an accepted header has at least one name, every name trimmed, non-empty and unique
//     case-insensitively (the contract matches names that way);
//   - an empty or blank file is ErrEmptyFile;
//   - parse(format(header)) == header, and the body cannot change it: the header is the
//     first record only, whatever follows (the multi-line half of the CSV record target; a
//     bronze job per input is FuzzJobAccounting).
func FuzzReadHeader(f *testing.F) {
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data, body []byte) {
		path := filepath.Join(dir, "head.csv")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		header, err := readHeader(path)
		if err != nil {
			if header != nil {
				t.Fatalf("error %v came with a header %q", err, header)
			}
			if len(bytes.TrimSpace(bytes.TrimPrefix(data, []byte("\ufeff")))) == 0 && !errors.Is(err, ErrEmptyFile) {
				t.Fatalf("blank file %q: error %v, want ErrEmptyFile", data, err)
			}
			if err.Error() == "" {
				t.Fatal("empty error message")
			}
			return
		}
		checkHeaderNames(t, data, header)

		// Format the header back as CSV, append the body, read again.
		var buf bytes.Buffer
		w := csv.NewWriter(&buf)
		if err := w.Write(header); err != nil {
			t.Fatal(err)
		}
		w.Flush()
		buf.Write(body)
		if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
			t.Fatal(err)
		}
		again, err := readHeader(path)
		if err != nil {
			t.Fatalf("header %q written as CSV then read with body %q: %v", header, body, err)
		}
		if !slices.Equal(again, header) {
			t.Fatalf("header %q written as CSV and read back with body %q: %q", header, body, again)
		}
	})
}

func checkHeaderNames(t *testing.T, data []byte, header []string) {
	t.Helper()
	if len(header) == 0 {
		t.Fatalf("%q: accepted an empty header", data)
	}
	seen := map[string]int{}
	for i, h := range header {
		if h == "" || strings.TrimSpace(h) != h {
			t.Fatalf("%q: name %d %q is empty or untrimmed", data, i+1, h)
		}
		k := strings.ToLower(h)
		if j, dup := seen[k]; dup {
			t.Fatalf("%q: names %d and %d are the same name %q", data, j+1, i+1, h)
		}
		seen[k] = i
	}
}
