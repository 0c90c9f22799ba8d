package ingest_test

import (
	"archive/zip"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/metalake/metalake/internal/ingest"
	"github.com/metalake/metalake/internal/storage"
)

// bigUsers is a users CSV large enough that its compressed form has a middle to corrupt.
func bigUsers() string {
	var sb strings.Builder
	sb.WriteString("Id,UserName\n")
	for i := range 20_000 {
		sb.WriteString("1")
		sb.WriteString(strings.Repeat("0", i%7))
		sb.WriteString(",user\n")
	}
	return sb.String()
}

// corruptMember flips bytes in the middle of a member's compressed data.
func corruptMember(t *testing.T, path, name string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range zr.File {
		if f.Name != name {
			continue
		}
		off, err := f.DataOffset()
		if err != nil {
			t.Fatal(err)
		}
		mid := off + int64(f.CompressedSize64)/2
		for i := mid; i < mid+16; i++ {
			data[i] ^= 0x5a
		}
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Fatalf("no member %s in %s", name, path)
}

// Every broken download fails with one line naming the date, the archive or file and, for a
// member, the member; and nothing of the broken table is stored.
func TestIngestBrokenDownloads(t *testing.T) {
	users := bigUsers()
	gzUsers := gzipped(t, users)
	plan := with(planFiles(), map[string]string{"users.csv": users})

	cases := []struct {
		name string
		// make returns the --from path and the strings the error must contain.
		make func(t *testing.T) (from string, want []string)
	}{
		{"not a zip", func(t *testing.T) (string, []string) {
			p := filepath.Join(t.TempDir(), "meta-kaggle.zip")
			if err := os.WriteFile(p, []byte("Id,UserName\n1,alice\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			return p, []string{"reading archive " + p, zip.ErrFormat.Error()}
		}},
		{"truncated zip", func(t *testing.T) (string, []string) {
			p := writeZip(t, "meta-kaggle.zip", members("", plan, nil))
			data, _ := os.ReadFile(p)
			if err := os.WriteFile(p, data[:len(data)/2], 0o644); err != nil {
				t.Fatal(err)
			}
			return p, []string{"reading archive " + p, "zip: "}
		}},
		{"empty zip file", func(t *testing.T) (string, []string) {
			p := filepath.Join(t.TempDir(), "meta-kaggle.zip")
			if err := os.WriteFile(p, nil, 0o644); err != nil {
				t.Fatal(err)
			}
			return p, []string{"reading archive " + p}
		}},
		{"corrupt zip member", func(t *testing.T) (string, []string) {
			p := writeZip(t, "meta-kaggle.zip", members("mk/", plan, nil))
			corruptMember(t, p, "mk/users.csv")
			return p, []string{"users: reading " + p + ":mk/users.csv: "}
		}},
		{"corrupt gzip inside a zip", func(t *testing.T) (string, []string) {
			bad := append([]byte(nil), gzUsers...)
			bad[len(bad)-8] ^= 0xff // the CRC-32 of the gzip trailer
			p := writeZip(t, "meta-kaggle.zip", members("", with(plan, map[string]string{"users.csv": ""}), nil))
			p2 := filepath.Join(filepath.Dir(p), "with-bad-gz.zip")
			rewriteZip(t, p, p2, "users.csv.gz", bad)
			return p2, []string{"users: reading " + p2 + ":users.csv.gz: ", "gzip: invalid checksum"}
		}},
		{"gzip with a bad header", func(t *testing.T) (string, []string) {
			dir := writeFolder(t, with(plan, map[string]string{"users.csv": "", "users.csv.gz": users}))
			return dir, []string{"users: reading " + filepath.Join(dir, "users.csv.gz"), "gzip: invalid header"}
		}},
		{"truncated gzip", func(t *testing.T) (string, []string) {
			dir := writeFolder(t, with(plan, map[string]string{"users.csv": "", "users.csv.gz": string(gzUsers[:len(gzUsers)-20])}))
			return dir, []string{"users: reading " + filepath.Join(dir, "users.csv.gz"), "unexpected EOF"}
		}},
		{"gzip with a bad checksum", func(t *testing.T) (string, []string) {
			bad := append([]byte(nil), gzUsers...)
			bad[len(bad)-8] ^= 0xff
			dir := writeFolder(t, with(plan, map[string]string{"users.csv": "", "users.csv.gz": string(bad)}))
			return dir, []string{"users: reading " + filepath.Join(dir, "users.csv.gz"), "gzip: invalid checksum"}
		}},
		{"datasets gzip unreadable at the header", func(t *testing.T) (string, []string) {
			dir := writeFolder(t, with(plan, map[string]string{"datasets.csv": "", "datasets.csv.gz": planDatasets}))
			return dir, []string{"datasets header", filepath.Join(dir, "datasets.csv.gz"), "gzip: invalid header"}
		}},
		{"csv and csv.gz of one table in a folder", func(t *testing.T) (string, []string) {
			dir := writeFolder(t, with(plan, map[string]string{"users.csv.gz": string(gzUsers)}))
			return dir, []string{"ambiguous raw files in " + dir + ": users.csv and users.csv.gz (users)"}
		}},
		{"csv and csv.gz of one table in a zip", func(t *testing.T) (string, []string) {
			ms := append(members("mk/", plan, nil), member{name: "mk/Users.csv.gz", content: users, gz: true})
			p := writeZip(t, "meta-kaggle.zip", ms)
			return p, []string{"ambiguous raw files in " + p + ": mk/Users.csv.gz and mk/users.csv (users)"}
		}},
		{"one member twice in a zip", func(t *testing.T) (string, []string) {
			p := writeZip(t, "meta-kaggle.zip", append(members("", plan, nil), member{name: "users.csv", content: "Id\n"}))
			return p, []string{"ambiguous raw files in " + p + ": users.csv and users.csv (users)"}
		}},
		{"missing tables in a zip", func(t *testing.T) (string, []string) {
			p := writeZip(t, "meta-kaggle.zip", members("mk/", with(plan, map[string]string{"tags.csv": "", "kernels.csv": ""}), nil))
			return p, []string{"missing raw files in " + p + ": Tags.csv (tags), Kernels.csv (kernels)"}
		}},
		{"tables spread over two folders of a zip", func(t *testing.T) (string, []string) {
			p := writeZip(t, "meta-kaggle.zip", append(members("a/", plan, nil), members("b/", plan, nil)...))
			return p, []string{"missing raw files in " + p + ": Users.csv (users)", "at its root or inside its one folder"}
		}},
		{"a file that is no zip", func(t *testing.T) (string, []string) {
			p := filepath.Join(t.TempDir(), "Users.csv")
			if err := os.WriteFile(p, []byte(users), 0o644); err != nil {
				t.Fatal(err)
			}
			return p, []string{p + " is neither a folder nor a .zip archive"}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := storage.NewMemory()
			from, want := tc.make(t)
			_, err := ingest.Ingest(t.Context(), b, date, from)
			if err == nil {
				t.Fatal("Ingest succeeded")
			}
			msg := err.Error()
			t.Log(msg)
			if !strings.HasPrefix(msg, "ingest "+date+": ") || strings.Contains(msg, "\n") {
				t.Errorf("error %q, want one line starting with the date", msg)
			}
			for _, w := range want {
				if !strings.Contains(msg, w) {
					t.Errorf("error %q, want it to contain %q", msg, w)
				}
			}
			for _, key := range keys(t, b) {
				if strings.HasPrefix(key, "raw/users/") {
					t.Errorf("stored %s from a broken download", key)
				}
			}
		})
	}
}

// rewriteZip copies the archive src to dst, adding one member with raw content.
func rewriteZip(t *testing.T, src, dst, name string, content []byte) {
	t.Helper()
	zr, err := zip.OpenReader(src)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	out, err := os.Create(dst)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(out)
	for _, f := range zr.File {
		if err := zw.Copy(f); err != nil {
			t.Fatal(err)
		}
	}
	w, err := zw.Create(name)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(content); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}

// A corrupt member found mid-stream on a re-ingest leaves the earlier CSV without its manifest:
// never a manifest describing bytes that are not there.
func TestIngestCorruptMemberOnRerun(t *testing.T) {
	ctx := t.Context()
	b := storage.NewMemory()
	plan := with(planFiles(), map[string]string{"users.csv": bigUsers()})
	if _, err := ingest.Ingest(ctx, b, date, writeFolder(t, planFiles())); err != nil {
		t.Fatal(err)
	}
	p := writeZip(t, "meta-kaggle.zip", members("", plan, nil))
	corruptMember(t, p, "users.csv")
	if _, err := ingest.Ingest(ctx, b, date, p); err == nil {
		t.Fatal("Ingest of a corrupt member succeeded")
	}
	if _, err := ingest.ReadManifest(ctx, b, "users", date); !storage.IsNotFound(err) {
		t.Fatalf("users manifest after the failed re-ingest: %v, want not found", err)
	}
	got, err := storage.ReadAll(ctx, b, ingest.CSVKey("users", date))
	if err != nil || string(got) != planFiles()["users.csv"] {
		t.Fatalf("users CSV after the failed re-ingest = %q, %v; want the earlier bytes, whole", got, err)
	}
}

// A member naming a path outside the archive is never followed: the archive is refused before
// anything is written, in the lake or beside it.
func TestIngestRefusesZipSlip(t *testing.T) {
	for _, bad := range []string{
		"../Users.csv",
		"mk/../../Users.csv",
		"/tmp/Users.csv",
		`..\Users.csv`,
		"mk/./Users.csv",
		"mk//Users.csv",
		"../raw/users/ingestion_date=" + date + "/users.csv",
	} {
		t.Run(bad, func(t *testing.T) {
			root := t.TempDir()
			lakeDir := filepath.Join(root, "lake")
			b, err := storage.NewLocal(lakeDir)
			if err != nil {
				t.Fatal(err)
			}
			ms := append(members("mk/", with(planFiles(), map[string]string{"users.csv": ""}), nil), member{name: bad, content: "Id,UserName\n6,mallory\n"})
			p := writeZip(t, "meta-kaggle.zip", ms)
			_, err = ingest.Ingest(t.Context(), b, date, p)
			if err == nil || !strings.Contains(err.Error(), p) || !strings.Contains(err.Error(), fmt.Sprintf("%q", bad)) ||
				!strings.Contains(err.Error(), "refusing the archive") {
				t.Fatalf("error = %v, want a refusal naming the archive and the member", err)
			}
			t.Log(err)
			if got := keys(t, b); len(got) != 0 {
				t.Fatalf("stored %q from a refused archive", got)
			}
			var written []string
			_ = filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
				if err == nil && !d.IsDir() {
					written = append(written, path)
				}
				return nil
			})
			if len(written) != 0 {
				t.Fatalf("files written around the lake: %q", written)
			}
		})
	}
}

// A re-ingest whose .csv.gz cannot even be opened as gzip leaves the previous partition whole,
// manifest included.
func TestIngestUnopenableGzipKeepsThePreviousPartition(t *testing.T) {
	ctx := t.Context()
	b := storage.NewMemory()
	if _, err := ingest.Ingest(ctx, b, date, writeFolder(t, planFiles())); err != nil {
		t.Fatal(err)
	}
	before, err := ingest.ReadManifest(ctx, b, "users", date)
	if err != nil {
		t.Fatal(err)
	}
	dir := writeFolder(t, with(planFiles(), map[string]string{"users.csv": "", "users.csv.gz": "Id,UserName\n1,not gzip\n"}))
	if _, err := ingest.Ingest(ctx, b, date, dir); err == nil || !strings.Contains(err.Error(), "not gzip data") {
		t.Fatalf("Ingest = %v, want a gzip error", err)
	}
	after, err := ingest.ReadManifest(ctx, b, "users", date)
	if err != nil || after != before {
		t.Fatalf("users manifest after the failed re-ingest = %+v, %v; want %+v", after, err, before)
	}
	got, err := storage.ReadAll(ctx, b, ingest.CSVKey("users", date))
	if err != nil || string(got) != planFiles()["users.csv"] || sha(string(got)) != before.SHA256 {
		t.Fatalf("users CSV after the failed re-ingest = %q, %v", got, err)
	}
}
