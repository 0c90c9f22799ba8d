package bronze_test

import (
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/metalake/metalake/internal/bronze"
	"github.com/metalake/metalake/internal/dag"
)

// TestFilesThatAreNotCSVText: a raw file that is compressed, an archive, UTF-16/32 or binary
// fails with one line naming the file, what it is and the fix — not a misleading "bare \""
// or "no known layout" — and the failure is not retried.
func TestFilesThatAreNotCSVText(t *testing.T) {
	t.Parallel()
	csvText := usersHeader + goodUsers(0, 5)
	const key = "raw/users/ingestion_date=2024-01-01/users.csv"
	cases := []struct {
		name, body, want string
	}{
		{"gzip", gzipped(t, csvText), key + " is gzip-compressed, not CSV text: decompress it, or load it with metalake ingest (which accepts .csv.gz and .zip)"},
		{"zip", zipped(t, csvText), key + " is a zip archive, not CSV text: extract the CSV from it, or load it with metalake ingest"},
		{"UTF-16 LE with BOM", "\xff\xfe" + utf16Text(csvText, false), key + " is UTF-16 (little-endian) text: convert it to UTF-8"},
		{"UTF-16 BE with BOM", "\xfe\xff" + utf16Text(csvText, true), key + " is UTF-16 (big-endian) text: convert it to UTF-8"},
		{"UTF-16 LE without BOM", utf16Text(csvText, false), key + " is UTF-16 (little-endian) text: convert it to UTF-8"},
		{"UTF-16 BE without BOM", utf16Text(csvText, true), key + " is UTF-16 (big-endian) text: convert it to UTF-8"},
		{"UTF-32 LE with BOM", "\xff\xfe\x00\x00" + strings.Repeat("I\x00\x00\x00", 4), key + " is UTF-32 (little-endian) text: convert it to UTF-8"},
		{"UTF-32 BE with BOM", "\x00\x00\xfe\xff" + strings.Repeat("\x00\x00\x00I", 4), key + " is UTF-32 (big-endian) text: convert it to UTF-8"},
		{"binary with NUL bytes", "PAR1\x15\x04\x15\x00\x00\x01\x02,x\n", key + " is binary data, not CSV text"},
		{"Latin-1 header", "Id,UserName,RegisterDate,Pa\xefs\n" + goodUsers(0, 5), key + " is not UTF-8 text"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			f.putRaw(t, "users", "2024-01-01", tc.body)
			_, err := f.job.Run(context.Background(), "users", mustDate(t, "2024-01-01"))
			checkEncodingError(t, err, tc.want)
		})
	}
}

// TestLookupThatIsNotCSVText: a lookup file is sniffed the same way, and the error names it.
func TestLookupThatIsNotCSVText(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.putRaw(t, "datasets", "2024-01-01", "Id,CreatorUserId,OwnerUserId,CurrentDatasetVersionId,Type,CreationDate,LastActivityDate,TotalViews,TotalDownloads\n"+
		"1,7,7,101,Dataset,01/02/2020 10:00:00,01/03/2020,5,1\n")
	f.putRaw(t, "dataset_versions", "2024-01-01", gzipped(t, "Id,DatasetId,Title,Subtitle,Description\n101,1,First,Sub,x\n"))
	_, err := f.job.Run(context.Background(), "datasets", mustDate(t, "2024-01-01"))
	checkEncodingError(t, err, "raw/dataset_versions/ingestion_date=2024-01-01/dataset_versions.csv is gzip-compressed, not CSV text")
}

func checkEncodingError(t *testing.T, err error, want string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want %q", want)
	}
	if msg := err.Error(); !strings.Contains(msg, want) || strings.Contains(msg, "\n") {
		t.Fatalf("error %q, want one line containing %q", msg, want)
	}
	var ee *bronze.EncodingError
	var ce *bronze.ContractError
	if !errors.As(err, &ee) || !errors.As(err, &ce) || dag.Retryable(err) {
		t.Errorf("want a non-retryable contract error wrapping an *EncodingError, got %T", err)
	}
}

func gzipped(t *testing.T, s string) string {
	t.Helper()
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	if _, err := w.Write([]byte(s)); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func zipped(t *testing.T, s string) string {
	t.Helper()
	var b bytes.Buffer
	w := zip.NewWriter(&b)
	fw, err := w.Create("users.csv")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fw.Write([]byte(s)); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// utf16Text encodes s as UTF-16 without a BOM.
func utf16Text(s string, bigEndian bool) string {
	var b strings.Builder
	for _, u := range utf16.Encode([]rune(s)) {
		hi, lo := byte(u>>8), byte(u)
		if bigEndian {
			b.WriteByte(hi)
			b.WriteByte(lo)
		} else {
			b.WriteByte(lo)
			b.WriteByte(hi)
		}
	}
	return b.String()
}
