package ingest_test

import (
	"archive/zip"
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/metalake/metalake/internal/ingest"
	"github.com/metalake/metalake/internal/storage"
)

// FuzzIngestArchive builds a real zip whose member names are the fuzzed lines (each member
// holding a CSV naming its member), optionally gzip-compressing the members ending in .gz, and
// ingests it. It asserts:
//
//   - Ingest never panics;
//   - whatever the names, only raw/{table}/ingestion_date=D/{table}.csv and _manifest.json
//     of known tables are written: a member name never becomes a key;
//   - an archive with a member that is absolute or has a ".." element (zip slip) is refused;
//   - on success every stored CSV is exactly the (decompressed) content of the member its
//     manifest names, with the manifest's checksum.
func FuzzIngestArchive(f *testing.F) {
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, names string, gz bool) {
		lines := strings.Split(names, "\n")
		if len(lines) > 64 {
			lines = lines[:64]
		}
		path := filepath.Join(dir, "meta-kaggle.zip")
		contents := map[string]string{}
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		for _, name := range lines {
			w, err := zw.Create(name)
			if err != nil {
				return // a name archive/zip will not write (too long): nothing to test
			}
			if strings.HasSuffix(name, "/") {
				continue // a directory entry holds no data
			}
			content := "Id,Title,Name\n1,\"" + strings.ReplaceAll(name, `"`, `""`) + "\",x\n"
			data := []byte(content)
			if gz && strings.HasSuffix(strings.ToLower(name), ".gz") {
				data = gzipped(t, content)
			}
			if _, err := w.Write(data); err != nil {
				t.Fatal(err)
			}
			if _, dup := contents[name]; !dup {
				contents[name] = content
			}
		}
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
			t.Fatal(err)
		}

		b := storage.NewMemory()
		res, err := ingest.Ingest(t.Context(), b, date, path)
		allowed := map[string]bool{}
		for _, table := range ingest.RequiredTables(ingest.LayoutKaggle) {
			allowed[ingest.CSVKey(table, date)] = true
			allowed[ingest.ManifestKey(table, date)] = true
		}
		stored := keys(t, b)
		for _, k := range stored {
			if !allowed[k] {
				t.Fatalf("names %q: stored key %s", lines, k)
			}
		}
		unsafe := slices.ContainsFunc(lines, func(n string) bool {
			return strings.HasPrefix(n, "/") || strings.Contains(n, `\`) || slices.Contains(strings.Split(n, "/"), "..")
		})
		if unsafe && (err == nil || len(stored) > 0) {
			t.Fatalf("names %q: an archive with an unsafe member was not refused (err %v, stored %q)", lines, err, stored)
		}
		if err != nil {
			if !strings.HasPrefix(err.Error(), "ingest "+date+": ") {
				t.Fatalf("names %q: error %q does not start with the date", lines, err)
			}
			return
		}
		for _, tr := range res.Tables {
			m, err := ingest.ReadManifest(t.Context(), b, tr.Table, date)
			if err != nil {
				t.Fatal(err)
			}
			want, ok := contents[m.SourceName]
			if !ok || tr.Source != path+":"+m.SourceName {
				t.Fatalf("names %q: %s manifest names %q, not a member", lines, tr.Table, m.SourceName)
			}
			got, err := storage.ReadAll(t.Context(), b, tr.Key)
			if err != nil || string(got) != want || m.SHA256 != sha(want) || m.Bytes != int64(len(want)) {
				t.Fatalf("names %q: %s stored %q (%v), manifest %+v; want member %q's %q", lines, tr.Table, got, err, m, m.SourceName, want)
			}
		}
	})
}
