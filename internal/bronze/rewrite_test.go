package bronze

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// rewriteString rewrites in and returns the copy, the side file and the result.
func rewriteString(t *testing.T, in string, ncols int) (string, string, rewriteResult) {
	t.Helper()
	dir := t.TempDir()
	src, dst, side := filepath.Join(dir, "in.csv"), filepath.Join(dir, "out.csv"), filepath.Join(dir, "side.csv")
	if err := os.WriteFile(src, []byte(in), 0o600); err != nil {
		t.Fatal(err)
	}
	res, err := rewriteCSV(context.Background(), src, dst, side, ncols)
	if err != nil {
		t.Fatal(err)
	}
	out, err := os.ReadFile(dst)
	if err != nil {
		t.Fatal(err)
	}
	replaced, err := os.ReadFile(side)
	if err != nil {
		t.Fatal(err)
	}
	return string(out), string(replaced), res
}

// TestRewriteCSVLineBreaks: CRLF line breaks outside quoted fields become LF; inside quotes
// every byte stays; nothing else changes. (A lone CR is TestRewriteCSVReplacedRecords'.)
func TestRewriteCSVLineBreaks(t *testing.T) {
	cases := []struct {
		name, in, want string
		breaks         int64
	}{
		{"LF file unchanged", "a,b\n1,2\n", "a,b\n1,2\n", 0},
		{"one CRLF line", "a,b\n1,2\r\n3,4\n", "a,b\n1,2\n3,4\n", 1},
		{"CRLF header only", "a,b\r\n1,2\n3,4\n", "a,b\n1,2\n3,4\n", 1},
		{"final line CRLF", "a,b\n1,2\n3,4\r\n", "a,b\n1,2\n3,4\n", 1},
		{"no final line break", "a,b\r\n1,2\n3,4", "a,b\n1,2\n3,4", 1},
		{"final lone CR", "a,b\n1,2\r", "a,b\n1,2\n", 1},
		{"CR and CRLF inside quotes stay", "a,b\r\n1,\"x\r\ny\rz\"\n", "a,b\n1,\"x\r\ny\rz\"\n", 1},
		{"escaped quote keeps the field quoted", "a,b\r\n1,\"say \"\"hi\r\n\"\"\"\r\n", "a,b\n1,\"say \"\"hi\r\n\"\"\"\n", 2},
		{"CRLF after a closing quote", "a,b\r\n\"1\",\"2\"\r\n", "a,b\n\"1\",\"2\"\n", 2},
		{"a quote inside an unquoted field is data", "a,b\n1,x\"y\r\n3,4\n", "a,b\n1,x\"y\n3,4\n", 1},
		{"junk after a closing quote ends the quoting", "a,b\n1,\"x\"y\r\n3,4\n", "a,b\n1,\"x\"y\n3,4\n", 1},
		{"unterminated quote runs to the end", "a,b\n1,\"x\r\n3,4\r\n", "a,b\n1,\"x\r\n3,4\r\n", 0},
		{"blank lines stay", "a,b\r\n\r\n1,2\n\n", "a,b\n\n1,2\n\n", 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, side, res := rewriteString(t, tc.in, 2)
			if got != tc.want || res.lineBreaks != tc.breaks || res.replaced() != 0 || side != "" {
				t.Errorf("rewrite(%q) = %q with %d line breaks, want %q with %d", tc.in, got, res.lineBreaks, tc.want, tc.breaks)
			}
		})
	}
}

// TestRewriteCSVReplacedRecords: a record at or over the limit, or with a stray CR, becomes one
// line the reader rejects (ncols+1 fields, the last not empty); the result keeps its number,
// size and first bytes. Numbers count records as DuckDB does: a quoted line break does not
// start one, a blank line is one.
func TestRewriteCSVReplacedRecords(t *testing.T) {
	defer SetMaxLineBytes(16)()
	in := "a,b\n" + // 1
		"1,2\n" + // 2
		"3,\"" + strings.Repeat("x\n", 10) + "\"\n" + // 3: 24 bytes over 11 lines
		"\n" + // 4: blank
		"5,6\r\n" + // 5
		strings.Repeat("y", 16) + "\r\n" + // 6: 16 bytes, at the limit
		strings.Repeat("z", 15) + "\n" + // 7: 15 bytes, under it
		"7,\"\r\"\r8\n" + // 8: a CR inside quotes, then a stray one
		"9,10\n" // 9
	got, side, res := rewriteString(t, in, 2)
	want := "a,b\n1,2\n,,x\n\n5,6\n,,x\n" + strings.Repeat("z", 15) + "\n,,x\n9,10\n"
	if got != want {
		t.Errorf("rewritten:\n%q\nwant\n%q", got, want)
	}
	wantSide := "3,\"3,\"\"x\nx\nx\nx\nx\nx\nx…[truncated: the record is 24 bytes, records must be under 16]\"\n" +
		"6,\"" + strings.Repeat("y", 16) + "…[truncated: the record is 16 bytes, records must be under 16]\"\n" +
		"8,\"7,\"\"\r\"\"\r8\"\n"
	if side != wantSide {
		t.Errorf("side file:\n%q\nwant\n%q", side, wantSide)
	}
	if res != (rewriteResult{lineBreaks: 2, oversized: 2, stray: 1}) {
		t.Errorf("result %+v", res)
	}
}

// TestRewriteCSVKeepsTheReal2016Files: the real 2016 files end their records in LF and hold
// CRLF inside long quoted Markdown: the rewrite must give them back byte for byte, and with a
// CRLF header, exactly the same bytes too.
func TestRewriteCSVKeepsTheReal2016Files(t *testing.T) {
	path := filepath.Join("..", "..", "..", "shared", "realdata", "meta-kaggle-2016", "DatasetVersions.csv")
	body, err := os.ReadFile(path)
	if err != nil {
		t.Skipf("real Meta Kaggle extract not available: %v", err)
	}
	if !bytes.Contains(body, []byte("\r\n")) {
		t.Fatal("the real file was expected to hold CRLF inside quoted fields")
	}
	got, _, res := rewriteString(t, string(body), 8)
	if got != string(body) || res.changed() {
		t.Errorf("rewrite changed the real file: %+v", res)
	}
	crlfHeader := bytes.Replace(body, []byte("\n"), []byte("\r\n"), 1)
	got, _, res = rewriteString(t, string(crlfHeader), 8)
	if got != string(body) || res.lineBreaks != 1 {
		t.Errorf("rewrite of the real file with a CRLF header differs from the original: %+v", res)
	}
}

// TestHasLongLine: the probe finds every one-line run of maxLineBytes bytes, wherever it
// starts, and nothing in a file of short lines.
func TestHasLongLine(t *testing.T) {
	defer SetMaxLineBytes(1 << 12)()
	short := strings.Repeat("1,2,3,4\n", 5000)
	dir := t.TempDir()
	check := func(name, body string, want bool) {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		got, err := hasLongLine(p)
		if err != nil || got != want {
			t.Errorf("%s: hasLongLine = %v, %v; want %v", name, got, err, want)
		}
	}
	check("short lines", short, false)
	check("empty", "", false)
	for _, at := range []int{0, 1, 2047, 2048, 2049, 4095, 4096, 7000, len(short)} {
		long := short[:at] + strings.Repeat("x", 1<<12) + short[at:]
		check(fmt.Sprintf("long line at %d", at), long, true)
		check(fmt.Sprintf("long line at %d at the end", at), short[:at]+strings.Repeat("x", 1<<12), true)
	}
}

// FuzzRewriteCSV checks the rewrite against itself and the identity: the result does not
// depend on how the input is cut into reads (the fast paths take runs of bytes at once; one
// byte at a time takes none), and a file of LF lines under the limit comes back unchanged.
func FuzzRewriteCSV(f *testing.F) {
	for _, s := range []string{"a,b\n1,2\n", "a,b\r\n1,\"x\r\ny\"\r\n", "a\n\"x\"\"y\"z\r2\r", "a,b\n1,\"unterminated\r\n3\n", ",,\n\"\"\n\r\n\r"} {
		f.Add(s, uint8(7))
	}
	f.Fuzz(func(t *testing.T, in string, limit uint8) {
		defer SetMaxLineBytes(int64(limit%64) + 1)()
		whole, res := rewriteBytes([]byte(in), len(in))
		bytewise, res1 := rewriteBytes([]byte(in), 1)
		if whole != bytewise || fmt.Sprint(res) != fmt.Sprint(res1) {
			t.Fatalf("%q: in one read %q %+v, byte by byte %q %+v", in, whole, res, bytewise, res1)
		}
		copied, _, _ := strings.Cut(whole, "\x00")
		if !strings.Contains(in, "\r") && !res.changed() && copied != in {
			t.Fatalf("%q: unchanged, yet rewritten as %q", in, copied)
		}
		if strings.Count(copied, "\n") > strings.Count(in, "\n")+1 {
			t.Fatalf("%q: more lines out than in: %q", in, copied)
		}
	})
}

// rewriteBytes runs the record writer over in, fed in reads of n bytes, and returns the copy
// and the side file as one text.
func rewriteBytes(in []byte, n int) (string, rewriteResult) {
	var out, side bytes.Buffer
	w := &recordWriter{w: bufio.NewWriter(&out), side: bufio.NewWriter(&side), line: 1, placeholder: ",,x"}
	for len(in) > 0 {
		k := min(n, len(in))
		w.feed(in[:k])
		in = in[k:]
	}
	w.finish()
	w.w.Flush()
	w.side.Flush()
	return out.String() + "\x00" + side.String(), w.res
}
