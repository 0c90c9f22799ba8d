package ingest_test

import (
	"archive/zip"
	"bytes"
	"compress/gzip"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/metalake/metalake/internal/ingest"
	"github.com/metalake/metalake/internal/storage"
)

// member is one entry of a test archive.
type member struct {
	name    string
	content string // the CSV text; gzip-compressed into the member when gz is set
	gz      bool
	store   bool // zip.Store instead of zip.Deflate
}

func gzipped(t *testing.T, s string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write([]byte(s)); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// writeZip builds a real .zip archive in a temporary folder and returns its path.
func writeZip(t *testing.T, name string, members []member) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	out, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(out)
	for _, m := range members {
		method := zip.Deflate
		if m.store {
			method = zip.Store
		}
		w, err := zw.CreateHeader(&zip.FileHeader{Name: m.name, Method: method, Modified: time.Now()})
		if err != nil {
			t.Fatal(err)
		}
		data := []byte(m.content)
		if m.gz {
			data = gzipped(t, m.content)
		}
		if strings.HasSuffix(m.name, "/") {
			continue // a directory entry has no data
		}
		if _, err := w.Write(data); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// members lays out files as archive members under dir ("" for the root).
func members(dir string, files map[string]string, gz func(name string) bool) []member {
	var out []member
	for _, name := range slices.Sorted(maps.Keys(files)) {
		m := member{name: dir + name, content: files[name]}
		if gz != nil && gz(name) {
			m.name += ".gz"
			m.gz = true
		}
		out = append(out, m)
	}
	return out
}

// wantTable is what one ingested table must look like.
type wantTable struct {
	content     string // the original CSV text
	sourceName  string // manifest source_name
	compression string
}

// checkIngested verifies every stored CSV is byte for byte the original CSV (decompressed) and
// that result and manifest describe exactly those bytes.
func checkIngested(t *testing.T, b storage.Bucket, res ingest.Result, archive, source string, want map[string]wantTable) {
	t.Helper()
	ctx := t.Context()
	var got []string
	for _, tr := range res.Tables {
		got = append(got, tr.Table)
		w, ok := want[tr.Table]
		if !ok {
			t.Fatalf("ingested unexpected table %s", tr.Table)
		}
		stored, err := storage.ReadAll(ctx, b, ingest.CSVKey(tr.Table, date))
		if err != nil {
			t.Fatalf("%s: %v", tr.Table, err)
		}
		if !bytes.Equal(stored, []byte(w.content)) {
			t.Fatalf("%s: stored %d bytes that differ from the original CSV (%d bytes)", tr.Table, len(stored), len(w.content))
		}
		if tr.Bytes != int64(len(w.content)) || tr.SHA256 != sha(w.content) || tr.Key != ingest.CSVKey(tr.Table, date) {
			t.Fatalf("%s: result %+v, want %d bytes sha256 %s", tr.Table, tr, len(w.content), sha(w.content))
		}
		if wantSource := source + w.sourceName; tr.Source != wantSource {
			t.Fatalf("%s: source %q, want %q", tr.Table, tr.Source, wantSource)
		}
		m, err := ingest.ReadManifest(ctx, b, tr.Table, date)
		if err != nil {
			t.Fatalf("%s: %v", tr.Table, err)
		}
		if m.Table != tr.Table || m.IngestionDate != date || m.SourceName != w.sourceName || m.Archive != archive ||
			m.Compression != w.compression || m.Bytes != int64(len(w.content)) || m.SHA256 != sha(w.content) {
			t.Fatalf("%s: manifest %+v, want source %q archive %q compression %q, %d bytes sha256 %s",
				tr.Table, m, w.sourceName, archive, w.compression, len(w.content), sha(w.content))
		}
	}
	if len(got) != len(want) {
		t.Fatalf("ingested %q, want %d tables", got, len(want))
	}
}

func TestIngestArchivesAndGzip(t *testing.T) {
	files := kaggleFiles()
	isUsersOrKernels := func(n string) bool { return n == "Users.csv" || n == "Kernels.csv" }
	// want describes the tables of files; gz names the ones stored as .csv.gz, under prefix.
	want := func(prefix string, gz func(string) bool) map[string]wantTable {
		tables := map[string]string{"Users.csv": "users", "Datasets.csv": "datasets", "DatasetVersions.csv": "dataset_versions",
			"DatasetTags.csv": "dataset_tags", "Tags.csv": "tags", "Competitions.csv": "competitions", "Kernels.csv": "kernels"}
		out := map[string]wantTable{}
		for name, table := range tables {
			w := wantTable{content: files[name], sourceName: prefix + name}
			if gz != nil && gz(name) {
				w.sourceName += ".gz"
				w.compression = "gzip"
			}
			out[table] = w
		}
		return out
	}
	all := func(string) bool { return true }

	type download struct {
		from    string
		archive string // base name of the zip, "" for a folder
		source  string // prefix of TableResult.Source
	}
	zipped := func(t *testing.T, ms []member) download {
		p := writeZip(t, "meta-kaggle.zip", ms)
		return download{from: p, archive: "meta-kaggle.zip", source: p + ":"}
	}
	cases := []struct {
		name        string
		make        func(t *testing.T) download
		want        map[string]wantTable
		wantIgnored []string
	}{
		{
			name: "zip with the tables at its root",
			make: func(t *testing.T) download {
				return zipped(t, append(members("", files, nil), member{name: "KernelVersions.csv", content: "Id\n1\n"}))
			},
			want:        want("", nil),
			wantIgnored: []string{"KernelVersions.csv"},
		},
		{
			// Zipping the download folder wraps it in one; macOS adds __MACOSX/ beside it.
			name: "zip with the tables in a subfolder",
			make: func(t *testing.T) download {
				ms := []member{{name: "meta-kaggle/"}, {name: "README.txt", content: "Meta Kaggle\n"}}
				ms = append(ms, members("meta-kaggle/", files, nil)...)
				ms = append(ms,
					member{name: "meta-kaggle/KernelVersions.csv", content: "Id\n1\n"},
					member{name: "meta-kaggle/old/Users.csv", content: "Id\n9\n"},
					member{name: "__MACOSX/meta-kaggle/._Users.csv", content: "\x00\x05\x16\x07"},
				)
				return zipped(t, ms)
			},
			want:        want("meta-kaggle/", nil),
			wantIgnored: []string{"README.txt", "__MACOSX/", "meta-kaggle/KernelVersions.csv", "meta-kaggle/old/"},
		},
		{
			name: "zip of .csv.gz members two folders down, one stored uncompressed",
			make: func(t *testing.T) download {
				ms := members("download/meta-kaggle/", files, all)
				ms[0].store = true
				return zipped(t, ms)
			},
			want: want("download/meta-kaggle/", all),
		},
		{
			name: "zip mixing .csv and .csv.gz",
			make: func(t *testing.T) download { return zipped(t, members("", files, isUsersOrKernels)) },
			want: want("", isUsersOrKernels),
		},
		{
			name: "folder of .csv.gz files, upper-case extensions",
			make: func(t *testing.T) download {
				dir := t.TempDir()
				for name, content := range files {
					if err := os.WriteFile(filepath.Join(dir, name+".gz"), gzipped(t, content), 0o644); err != nil {
						t.Fatal(err)
					}
				}
				// Matched like any table file name, in any case: still the users table.
				if err := os.Rename(filepath.Join(dir, "Users.csv.gz"), filepath.Join(dir, "Users.CSV.GZ")); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(dir, "notes.gz"), gzipped(t, "x"), 0o644); err != nil {
					t.Fatal(err)
				}
				return download{from: dir, source: dir + string(filepath.Separator)}
			},
			want: func() map[string]wantTable {
				w := want("", all)
				u := w["users"]
				u.sourceName = "Users.CSV.GZ"
				w["users"] = u
				return w
			}(),
			wantIgnored: []string{"notes.gz"},
		},
		{
			name: "folder mixing .csv and .csv.gz",
			make: func(t *testing.T) download {
				dir := t.TempDir()
				for name, content := range files {
					data, file := []byte(content), name
					if isUsersOrKernels(name) {
						data, file = gzipped(t, content), name+".gz"
					}
					if err := os.WriteFile(filepath.Join(dir, file), data, 0o644); err != nil {
						t.Fatal(err)
					}
				}
				return download{from: dir, source: dir + string(filepath.Separator)}
			},
			want: want("", isUsersOrKernels),
		},
	}
	for _, be := range backends() {
		for _, tc := range cases {
			t.Run(be.name+"/"+tc.name, func(t *testing.T) {
				b := be.new(t)
				dl := tc.make(t)
				res, err := ingest.Ingest(t.Context(), b, date, dl.from)
				if err != nil {
					t.Fatalf("Ingest: %v", err)
				}
				if res.Layout != ingest.LayoutKaggle {
					t.Fatalf("layout %q, want kaggle", res.Layout)
				}
				checkIngested(t, b, res, dl.archive, dl.source, tc.want)
				if !slices.Equal(res.Ignored, tc.wantIgnored) {
					t.Fatalf("Ignored = %q, want %q", res.Ignored, tc.wantIgnored)
				}
				// Only the raw CSVs and their manifests were written, whatever the packaging.
				var wantKeys []string
				for table := range tc.want {
					wantKeys = append(wantKeys, ingest.CSVKey(table, date), ingest.ManifestKey(table, date))
				}
				slices.Sort(wantKeys)
				if got := keys(t, b); !slices.Equal(got, wantKeys) {
					t.Fatalf("stored keys %q, want %q", got, wantKeys)
				}
			})
		}
	}
}

// The real Meta Kaggle files (an old 2016 Datasets/DatasetVersions pair with CRLF inside quoted
// fields, a 2022 Competitions.csv with every field quoted) go through a zip of .csv.gz members
// byte for byte, and the layout is read from the compressed datasets header.
func TestIngestRealDataFromZip(t *testing.T) {
	const real = "/work/shared/realdata"
	read := func(p string) string {
		b, err := os.ReadFile(filepath.Join(real, p))
		if err != nil {
			t.Skipf("real data not available: %v", err)
		}
		return string(b)
	}
	files := with(kaggleFiles(), map[string]string{
		"Datasets.csv":        read("meta-kaggle-2016/Datasets.csv"),
		"DatasetVersions.csv": read("meta-kaggle-2016/DatasetVersions.csv"),
		"Competitions.csv":    read("meta-kaggle-2022-03/Competitions.csv"),
	})
	ms := members("meta-kaggle/", files, func(n string) bool { return n != "Competitions.csv" })
	ms = append(ms, member{name: "meta-kaggle/Organizations.csv", content: read("meta-kaggle-2022-03/Organizations.csv")})
	path := writeZip(t, "meta-kaggle.zip", ms)
	b, err := storage.NewLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	res, err := ingest.Ingest(t.Context(), b, date, path)
	if err != nil {
		t.Fatal(err)
	}
	if res.Layout != ingest.LayoutKaggle || !slices.Equal(res.Ignored, []string{"meta-kaggle/Organizations.csv"}) {
		t.Fatalf("layout %q ignored %q", res.Layout, res.Ignored)
	}
	want := map[string]wantTable{}
	for _, m := range ms[:len(ms)-1] {
		table, _, _ := strings.Cut(strings.TrimPrefix(m.name, "meta-kaggle/"), ".")
		w := wantTable{content: m.content, sourceName: m.name}
		if m.gz {
			w.compression = "gzip"
		}
		want[map[string]string{"Users": "users", "Datasets": "datasets", "DatasetVersions": "dataset_versions",
			"DatasetTags": "dataset_tags", "Tags": "tags", "Competitions": "competitions", "Kernels": "kernels"}[table]] = w
	}
	checkIngested(t, b, res, "meta-kaggle.zip", path+":", want)
}

// A file of several megabytes streams through gzip, inside and outside a zip, intact.
func TestIngestLargeCompressedFile(t *testing.T) {
	var sb strings.Builder
	sb.WriteString("Id,UserName,DisplayName\n")
	for i := range 300_000 {
		fmt.Fprintf(&sb, "%d,user%d,\"Name, %d\"\n", i, i, i)
	}
	users := sb.String()
	files := with(planFiles(), map[string]string{"users.csv": users})
	gzUsers := func(n string) bool { return n == "users.csv" }
	wantTables := map[string]wantTable{"users": {content: users, sourceName: "users.csv.gz", compression: "gzip"}}
	for name, table := range map[string]string{"datasets.csv": "datasets", "tags.csv": "tags", "competitions.csv": "competitions", "kernels.csv": "kernels"} {
		wantTables[table] = wantTable{content: files[name], sourceName: name}
	}

	t.Run("zip", func(t *testing.T) {
		b, err := storage.NewLocal(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		path := writeZip(t, "download.ZIP", members("", files, gzUsers))
		res, err := ingest.Ingest(t.Context(), b, date, path)
		if err != nil {
			t.Fatal(err)
		}
		checkIngested(t, b, res, "download.ZIP", path+":", wantTables)
	})
	t.Run("folder", func(t *testing.T) {
		b, err := storage.NewLocal(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		dir := writeFolder(t, with(files, map[string]string{"users.csv": ""}))
		if err := os.WriteFile(filepath.Join(dir, "users.csv.gz"), gzipped(t, users), 0o644); err != nil {
			t.Fatal(err)
		}
		res, err := ingest.Ingest(t.Context(), b, date, dir)
		if err != nil {
			t.Fatal(err)
		}
		checkIngested(t, b, res, "", dir+string(filepath.Separator), wantTables)
	})
}
