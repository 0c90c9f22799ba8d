package ingest_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/metalake/metalake/internal/ingest"
	"github.com/metalake/metalake/internal/storage"
)

const date = "2024-01-15"

const (
	kaggleDatasets = "Id,CreatorUserId,OwnerUserId,CurrentDatasetVersionId,CreationDate\n1,2,2,10,01/02/2020\n"
	planDatasets   = "Id,OwnerUserId,Title,CreationDate\n1,2,Cats,2020-01-02\n"
)

// kaggleFiles is a complete Kaggle-layout download with Kaggle's file names.
func kaggleFiles() map[string]string {
	return map[string]string{
		"Users.csv":           "Id,UserName\n1,alice\n2,bob\n",
		"Datasets.csv":        kaggleDatasets,
		"DatasetVersions.csv": "Id,DatasetId,Title\n10,1,Cats\n",
		"DatasetTags.csv":     "Id,DatasetId,TagId\n1,1,7\n",
		"Tags.csv":            "Id,Name\n7,animals\n",
		"Competitions.csv":    "Id,Title\n3,Titanic\n",
		"Kernels.csv":         "Id,AuthorUserId\n5,1\n",
	}
}

// planFiles is a complete plan-layout download.
func planFiles() map[string]string {
	return map[string]string{
		"users.csv":        "Id,UserName\n1,alice\n",
		"datasets.csv":     planDatasets,
		"tags.csv":         "Id,Name\n7,animals\n",
		"competitions.csv": "Id,Title\n3,Titanic\n",
		"kernels.csv":      "Id,AuthorUserId\n5,1\n",
	}
}

func writeFolder(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func with(files map[string]string, edits map[string]string) map[string]string {
	out := make(map[string]string, len(files))
	for k, v := range files {
		out[k] = v
	}
	for k, v := range edits {
		if v == "" {
			delete(out, k)
		} else {
			out[k] = v
		}
	}
	return out
}

func sha(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// backends are the real backends every ingest test runs against.
func backends() []struct {
	name string
	new  func(t *testing.T) storage.Bucket
} {
	return []struct {
		name string
		new  func(t *testing.T) storage.Bucket
	}{
		{"memory", func(*testing.T) storage.Bucket { return storage.NewMemory() }},
		{"local", func(t *testing.T) storage.Bucket {
			l, err := storage.NewLocal(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			return l
		}},
	}
}

func keys(t *testing.T, b storage.BucketReader) []string {
	t.Helper()
	names := []string{}
	err := b.Iter(t.Context(), "raw", func(n string) error { names = append(names, n); return nil }, storage.WithRecursive())
	if err != nil {
		t.Fatal(err)
	}
	return names
}

// checkStored verifies the CSV and manifest of every ingested table against the source files.
func checkStored(t *testing.T, b storage.Bucket, res ingest.Result, dir string, files map[string]string, start time.Time) {
	t.Helper()
	ctx := t.Context()
	for _, tr := range res.Tables {
		name := filepath.Base(tr.Source)
		want, ok := files[name]
		if !ok || tr.Source != filepath.Join(dir, name) {
			t.Fatalf("%s: source %q is not one of the input files", tr.Table, tr.Source)
		}
		if tr.Key != ingest.CSVKey(tr.Table, date) || tr.Key != "raw/"+tr.Table+"/ingestion_date="+date+"/"+tr.Table+".csv" {
			t.Fatalf("%s: key %q", tr.Table, tr.Key)
		}
		if tr.Bytes != int64(len(want)) || tr.SHA256 != sha(want) {
			t.Fatalf("%s: result bytes=%d sha256=%s, want %d %s", tr.Table, tr.Bytes, tr.SHA256, len(want), sha(want))
		}
		got, err := storage.ReadAll(ctx, b, tr.Key)
		if err != nil || string(got) != want {
			t.Fatalf("%s: stored CSV %q, %v; want the source bytes %q", tr.Table, got, err, want)
		}
		m, err := ingest.ReadManifest(ctx, b, tr.Table, date)
		if err != nil {
			t.Fatalf("%s: %v", tr.Table, err)
		}
		if m.Table != tr.Table || m.IngestionDate != date || m.SourceName != name || m.Bytes != int64(len(want)) || m.SHA256 != sha(want) {
			t.Fatalf("%s: manifest %+v does not describe %s (%d bytes, sha256 %s)", tr.Table, m, name, len(want), sha(want))
		}
		if m.IngestedAt.Before(start.Add(-time.Second)) || m.IngestedAt.After(time.Now().Add(time.Second)) || m.IngestedAt.Location() != time.UTC {
			t.Fatalf("%s: ingested_at %v, want a UTC time during the ingest", tr.Table, m.IngestedAt)
		}
	}
}

func TestIngestLayouts(t *testing.T) {
	kaggleTables := []string{"users", "datasets", "tags", "competitions", "kernels", "dataset_versions", "dataset_tags"}
	planTables := []string{"users", "datasets", "tags", "competitions", "kernels"}
	cases := []struct {
		name       string
		files      map[string]string
		wantLayout ingest.Layout
		wantTables []string
	}{
		{"kaggle names", kaggleFiles(), ingest.LayoutKaggle, kaggleTables},
		{"plan snake names", planFiles(), ingest.LayoutPlan, planTables},
		{
			"mixed case and snake names",
			map[string]string{
				"USERS.CSV": "Id\n1\n", "datasets.Csv": kaggleDatasets, "dataset_versions.csv": "Id\n",
				"Dataset_Tags.csv": "Id\n", "tags.csv": "Id\n", "COMPETITIONS.csv": "Id\n", "kernels.CSV": "Id\n",
			},
			ingest.LayoutKaggle, kaggleTables,
		},
		{
			"plan header quoted with BOM and CRLF",
			// Title first, so the BOM sits right before it.
			with(planFiles(), map[string]string{"datasets.csv": "\ufeff\"title\",\"Id\",\"OwnerUserId\"\r\n\"Cats, and dogs\",1,2\r\n"}),
			ingest.LayoutPlan, planTables,
		},
		{
			"kaggle header quoted with BOM",
			with(kaggleFiles(), map[string]string{"Datasets.csv": "\ufeff\"Id\",\"CreatorUserId\"\n1,2\n"}),
			ingest.LayoutKaggle, kaggleTables,
		},
		{
			// Only the header decides: a Title value in a data row does not make it plan.
			"kaggle with Title only as a value",
			with(kaggleFiles(), map[string]string{"Datasets.csv": "Id,Type\n1,Title\n"}),
			ingest.LayoutKaggle, kaggleTables,
		},
		{
			"plan header without a trailing newline",
			with(planFiles(), map[string]string{"datasets.csv": "Id,Title"}),
			ingest.LayoutPlan, planTables,
		},
		{
			// The Kaggle-only tables are not needed by the plan layout but are kept if present.
			"plan with optional dataset_versions",
			with(planFiles(), map[string]string{"DatasetVersions.csv": "Id,DatasetId\n10,1\n"}),
			ingest.LayoutPlan, []string{"users", "datasets", "tags", "competitions", "kernels", "dataset_versions"},
		},
	}
	for _, be := range backends() {
		for _, tc := range cases {
			t.Run(be.name+"/"+tc.name, func(t *testing.T) {
				b := be.new(t)
				dir := writeFolder(t, tc.files)
				start := time.Now()
				res, err := ingest.Ingest(t.Context(), b, date, dir)
				if err != nil {
					t.Fatalf("Ingest: %v", err)
				}
				if res.Layout != tc.wantLayout || res.Date != date {
					t.Fatalf("layout %q date %q, want %q %q", res.Layout, res.Date, tc.wantLayout, date)
				}
				var tables, wantKeys []string
				for _, tr := range res.Tables {
					tables = append(tables, tr.Table)
					wantKeys = append(wantKeys, ingest.CSVKey(tr.Table, date), ingest.ManifestKey(tr.Table, date))
				}
				if !slices.Equal(tables, tc.wantTables) {
					t.Fatalf("tables %q, want %q", tables, tc.wantTables)
				}
				if len(res.Ignored) != 0 || len(res.Removed) != 0 {
					t.Fatalf("ignored %q removed %q, want none", res.Ignored, res.Removed)
				}
				slices.Sort(wantKeys)
				if got := keys(t, b); !slices.Equal(got, wantKeys) {
					t.Fatalf("stored keys %q, want %q", got, wantKeys)
				}
				checkStored(t, b, res, dir, tc.files, start)
			})
		}
	}
}

func TestIngestMissingFiles(t *testing.T) {
	cases := []struct {
		name  string
		files map[string]string
		want  string // after "missing raw files in DIR: "
	}{
		{
			"kaggle missing two",
			with(kaggleFiles(), map[string]string{"Kernels.csv": "", "DatasetTags.csv": ""}),
			"Kernels.csv (kernels), DatasetTags.csv (dataset_tags)",
		},
		{
			// The plan layout never asks for the Kaggle-only files.
			"plan missing users",
			with(planFiles(), map[string]string{"users.csv": ""}),
			"Users.csv (users)",
		},
		{
			"empty folder",
			map[string]string{},
			"Users.csv (users), Datasets.csv (datasets), Tags.csv (tags), Competitions.csv (competitions), Kernels.csv (kernels), DatasetVersions.csv (dataset_versions), DatasetTags.csv (dataset_tags)",
		},
		{
			// A required name with the wrong extension does not count (and is ignored).
			"wrong extension",
			with(planFiles(), map[string]string{"tags.csv": "", "tags.tsv": "Id\tName\n"}),
			"Tags.csv (tags)",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := storage.NewMemory()
			dir := writeFolder(t, tc.files)
			_, err := ingest.Ingest(t.Context(), b, date, dir)
			want := fmt.Sprintf("ingest %s: missing raw files in %s: %s", date, dir, tc.want)
			if err == nil || err.Error() != want {
				t.Fatalf("error:\n got  %v\n want %s", err, want)
			}
			if got := keys(t, b); len(got) != 0 {
				t.Fatalf("Ingest copied %q before reporting missing files", got)
			}
		})
	}
}

func TestIngestIgnoresOtherFiles(t *testing.T) {
	b := storage.NewMemory()
	files := with(planFiles(), map[string]string{
		"KernelVersions.csv": "Id\n",
		"README.md":          "# Meta Kaggle\n",
		"users.csv.bak":      "old",
		"Users.txt":          "not a csv",
	})
	dir := writeFolder(t, files)
	if err := os.Mkdir(filepath.Join(dir, "Extra"), 0o755); err != nil {
		t.Fatal(err)
	}
	res, err := ingest.Ingest(t.Context(), b, date, dir)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"Extra/", "KernelVersions.csv", "README.md", "Users.txt", "users.csv.bak"}
	if !slices.Equal(res.Ignored, want) {
		t.Fatalf("Ignored = %q, want %q", res.Ignored, want)
	}
	for _, k := range keys(t, b) {
		if strings.Contains(strings.ToLower(k), "kernel_versions") || strings.Contains(strings.ToLower(k), "kernelversions") {
			t.Fatalf("ignored file stored as %s", k)
		}
	}
	if len(res.Tables) != 5 {
		t.Fatalf("ingested %d tables, want 5", len(res.Tables))
	}
}

func TestIngestAmbiguousFiles(t *testing.T) {
	dir := writeFolder(t, with(planFiles(), map[string]string{"Users.csv": "Id\n9\n"}))
	_, err := ingest.Ingest(t.Context(), storage.NewMemory(), date, dir)
	if err == nil || !strings.Contains(err.Error(), "Users.csv and users.csv (users)") {
		t.Fatalf("error = %v, want it to name both files of the users table", err)
	}
}

func TestIngestRerun(t *testing.T) {
	for _, be := range backends() {
		t.Run(be.name, func(t *testing.T) {
			ctx := t.Context()
			b := be.new(t)
			files := kaggleFiles()
			dir := writeFolder(t, files)
			first, err := ingest.Ingest(ctx, b, date, dir)
			if err != nil {
				t.Fatal(err)
			}
			before := keys(t, b)

			// Same input: same keys, same contents.
			again, err := ingest.Ingest(ctx, b, date, dir)
			if err != nil {
				t.Fatal(err)
			}
			if got := keys(t, b); !slices.Equal(got, before) {
				t.Fatalf("keys after identical rerun %q, want %q", got, before)
			}
			for i := range first.Tables {
				if first.Tables[i] != again.Tables[i] {
					t.Fatalf("rerun result %+v differs from %+v", again.Tables[i], first.Tables[i])
				}
			}

			// Changed input: the partition is replaced, manifest included.
			files["Users.csv"] = "Id,UserName\n1,alice\n2,bob\n3,carol\n"
			if err := os.WriteFile(filepath.Join(dir, "Users.csv"), []byte(files["Users.csv"]), 0o644); err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			res, err := ingest.Ingest(ctx, b, date, dir)
			if err != nil {
				t.Fatal(err)
			}
			checkStored(t, b, res, dir, files, start)
			if got := keys(t, b); !slices.Equal(got, before) {
				t.Fatalf("keys after changed rerun %q, want %q", got, before)
			}

			// Another date is another partition; the first one stays.
			if _, err := ingest.Ingest(ctx, b, "2024-02-01", dir); err != nil {
				t.Fatal(err)
			}
			if got := len(keys(t, b)); got != 2*len(before) {
				t.Fatalf("%d keys after ingesting a second date, want %d", got, 2*len(before))
			}

			// Re-ingesting the date in the plan layout drops its Kaggle-only partitions.
			res, err = ingest.Ingest(ctx, b, date, writeFolder(t, planFiles()))
			if err != nil {
				t.Fatal(err)
			}
			wantRemoved := []string{ingest.PartitionDir("dataset_versions", date), ingest.PartitionDir("dataset_tags", date)}
			if !slices.Equal(res.Removed, wantRemoved) {
				t.Fatalf("Removed = %q, want %q", res.Removed, wantRemoved)
			}
			for _, table := range []string{"dataset_versions", "dataset_tags"} {
				for _, key := range []string{ingest.CSVKey(table, date), ingest.ManifestKey(table, date)} {
					if ok, err := b.Exists(ctx, key); ok || err != nil {
						t.Fatalf("%s still exists (%v) after re-ingesting without it", key, err)
					}
				}
				if ok, _ := b.Exists(ctx, ingest.CSVKey(table, "2024-02-01")); !ok {
					t.Fatalf("re-ingesting %s removed %s of another date", date, table)
				}
			}
		})
	}
}

func TestIngestBadDate(t *testing.T) {
	dir := writeFolder(t, planFiles())
	for _, bad := range []string{"", "2024-1-15", "2024-13-01", "2024-02-30", "20240115", "2024-01-15T00:00:00Z", "15-01-2024", " 2024-01-15"} {
		t.Run(bad, func(t *testing.T) {
			b := storage.NewMemory()
			_, err := ingest.Ingest(t.Context(), b, bad, dir)
			if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("%q", bad)) {
				t.Fatalf("Ingest(date %q) error = %v, want one naming the date", bad, err)
			}
			if got := keys(t, b); len(got) != 0 {
				t.Fatalf("stored %q despite the bad date", got)
			}
		})
	}
}

func TestIngestBadFolder(t *testing.T) {
	file := filepath.Join(t.TempDir(), "a-file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(t.TempDir(), "nope")
	for _, dir := range []string{missing, file, ""} {
		_, err := ingest.Ingest(t.Context(), storage.NewMemory(), date, dir)
		if err == nil || !strings.Contains(err.Error(), "ingest "+date) || (dir != "" && !strings.Contains(err.Error(), dir)) {
			t.Errorf("Ingest from %q: error = %v, want a clear one naming the folder", dir, err)
		}
	}
}

func TestIngestBadDatasetsHeader(t *testing.T) {
	cases := map[string]string{
		"empty file":          "",
		"no line break early": strings.Repeat("x", 100<<10),
	}
	for name, content := range cases {
		t.Run(name, func(t *testing.T) {
			b := storage.NewMemory()
			dir := writeFolder(t, with(planFiles(), map[string]string{"datasets.csv": "-"}))
			if err := os.WriteFile(filepath.Join(dir, "datasets.csv"), []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := ingest.Ingest(t.Context(), b, date, dir)
			if err == nil || !strings.Contains(err.Error(), "datasets header") {
				t.Fatalf("error = %v, want one about the datasets header", err)
			}
			if got := keys(t, b); len(got) != 0 {
				t.Fatalf("stored %q despite the bad header", got)
			}
		})
	}
}

// A multi-megabyte file goes through intact, with the checksum of its bytes.
func TestIngestLargeFile(t *testing.T) {
	var sb strings.Builder
	for i := range 200_000 {
		fmt.Fprintf(&sb, "%d,user%d,\"Name, %d\"\n", i, i, i)
	}
	files := with(planFiles(), map[string]string{"users.csv": "Id,UserName,DisplayName\n" + sb.String()})
	for _, be := range backends() {
		t.Run(be.name, func(t *testing.T) {
			b := be.new(t)
			dir := writeFolder(t, files)
			res, err := ingest.Ingest(t.Context(), b, date, dir)
			if err != nil {
				t.Fatal(err)
			}
			checkStored(t, b, res, dir, files, time.Now().Add(-time.Minute))
		})
	}
}

// recorder logs the write operations reaching the bucket and can fail one upload.
type recorder struct {
	storage.Bucket
	mu      sync.Mutex
	ops     []string
	failKey string
}

var errInjected = errors.New("injected failure")

func (r *recorder) Upload(ctx context.Context, name string, rd io.Reader) error {
	r.mu.Lock()
	r.ops = append(r.ops, "upload "+name)
	fail := name == r.failKey
	r.mu.Unlock()
	if fail {
		return errInjected
	}
	return r.Bucket.Upload(ctx, name, rd)
}

func (r *recorder) Delete(ctx context.Context, name string) error {
	r.mu.Lock()
	r.ops = append(r.ops, "delete "+name)
	r.mu.Unlock()
	return r.Bucket.Delete(ctx, name)
}

// The manifest is the partition's completeness marker: it is removed before the CSV is
// replaced and written after it, so it never describes bytes that are not there.
func TestIngestManifestOrdering(t *testing.T) {
	ctx := t.Context()
	rec := &recorder{Bucket: storage.NewMemory()}
	dir := writeFolder(t, planFiles())
	if _, err := ingest.Ingest(ctx, rec, date, dir); err != nil {
		t.Fatal(err)
	}
	csv, manifest := ingest.CSVKey("users", date), ingest.ManifestKey("users", date)
	wantOrder := []string{"delete " + manifest, "upload " + csv, "upload " + manifest}
	var got []string
	for _, op := range rec.ops {
		if strings.HasSuffix(op, " "+csv) || strings.HasSuffix(op, " "+manifest) {
			got = append(got, op)
		}
	}
	if !slices.Equal(got, wantOrder) {
		t.Fatalf("operations on the users partition %q, want %q", got, wantOrder)
	}

	// Re-ingest changed data and fail right after the CSV is replaced: the old manifest, which
	// would describe the old bytes, must already be gone.
	if err := os.WriteFile(filepath.Join(dir, "users.csv"), []byte("Id,UserName\n1,changed\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	rec.failKey = manifest
	if _, err := ingest.Ingest(ctx, rec, date, dir); !errors.Is(err, errInjected) {
		t.Fatalf("Ingest with failing manifest upload = %v, want the injected error", err)
	}
	if _, err := ingest.ReadManifest(ctx, rec, "users", date); !storage.IsNotFound(err) {
		t.Fatalf("ReadManifest after the interrupted re-ingest = %v, want not found", err)
	}
}

func TestRequiredTables(t *testing.T) {
	if got, want := ingest.RequiredTables(ingest.LayoutPlan), []string{"users", "datasets", "tags", "competitions", "kernels"}; !slices.Equal(got, want) {
		t.Errorf("plan: %q, want %q", got, want)
	}
	if got := ingest.RequiredTables(ingest.LayoutKaggle); len(got) != 7 || got[5] != "dataset_versions" || got[6] != "dataset_tags" {
		t.Errorf("kaggle: %q", got)
	}
}
