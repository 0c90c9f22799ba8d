package lake_test

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/metalake/metalake/internal/lake"
	"github.com/metalake/metalake/internal/storage"
)

func backends(t *testing.T) map[string]func(t *testing.T) storage.Bucket {
	return map[string]func(t *testing.T) storage.Bucket{
		"memory": func(t *testing.T) storage.Bucket { return storage.NewMemory() },
		"local": func(t *testing.T) storage.Bucket {
			b, err := storage.NewLocal(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			return b
		},
	}
}

func localFile(t *testing.T, body string) lake.File {
	t.Helper()
	p := filepath.Join(t.TempDir(), "part.parquet")
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return lake.File{Path: p, Rows: int64(len(body))}
}

func list(t *testing.T, b storage.Bucket, dir string) []string {
	t.Helper()
	var out []string
	if err := b.Iter(context.Background(), dir, func(n string) error { out = append(out, n); return nil }, storage.WithRecursive()); err != nil {
		t.Fatal(err)
	}
	sort.Strings(out)
	return out
}

func TestCommitProtocol(t *testing.T) {
	for name, newBucket := range backends(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			b := newBucket(t)
			lk := lake.New(b)
			d, _ := lake.ParseDate("2024-01-15")
			dir := lake.PartitionDir(lake.Bronze, "users", d)
			m := lake.Manifest{Layer: lake.Bronze, Table: "users", RunDate: d.String()}

			// A crashed attempt: data files uploaded, no manifest. Nothing is visible.
			if err := storage.PutBytes(ctx, b, dir+"part-crashed-00000.parquet", []byte("half")); err != nil {
				t.Fatal(err)
			}
			if ps, _ := lk.Partitions(ctx, lake.TableDir(lake.Bronze, "users")); len(ps) != 0 {
				t.Fatalf("uncommitted partition visible: %+v", ps)
			}

			// The next attempt commits and sweeps the orphan.
			m.Attempt = lake.NewAttemptID(time.Now())
			m1, err := lk.Publish(ctx, dir, m, []lake.File{localFile(t, "aaa"), localFile(t, "bb")})
			if err != nil {
				t.Fatal(err)
			}
			if m1.Rows != 5 || len(m1.Files) != 2 {
				t.Fatalf("manifest %+v", m1)
			}
			got := list(t, b, dir)
			want := []string{dir + m1.Files[0].Name, dir + m1.Files[1].Name, dir + lake.ManifestName}
			sort.Strings(want)
			if len(got) != 3 || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
				t.Fatalf("after publish: %v, want %v", got, want)
			}

			// A forced rerun replaces the partition: only the new attempt's files remain.
			m.Attempt = lake.NewAttemptID(time.Now().Add(time.Second))
			m2, err := lk.Publish(ctx, dir, m, []lake.File{localFile(t, "cccc")})
			if err != nil {
				t.Fatal(err)
			}
			ps, err := lk.Partitions(ctx, lake.TableDir(lake.Bronze, "users"))
			if err != nil || len(ps) != 1 || len(ps[0].Keys()) != 1 || ps[0].Keys()[0] != dir+m2.Files[0].Name {
				t.Fatalf("partitions after rerun: %+v %v", ps, err)
			}
			if n := len(list(t, b, dir)); n != 2 {
				t.Errorf("rerun left %d objects, want data file + manifest", n)
			}

			// Withdrawal removes the manifest and every file.
			if err := lk.Withdraw(ctx, dir); err != nil {
				t.Fatal(err)
			}
			if got := list(t, b, dir); len(got) != 0 {
				t.Errorf("after withdraw: %v", got)
			}
			if err := lk.Withdraw(ctx, dir); err != nil {
				t.Errorf("withdrawing twice: %v", err)
			}
		})
	}
}

func TestParseDate(t *testing.T) {
	t.Parallel()
	for _, bad := range []string{"", "2024-13-01", "01/15/2024", "2024-1-5", "2024-02-30"} {
		if _, err := lake.ParseDate(bad); err == nil {
			t.Errorf("ParseDate(%q) accepted", bad)
		}
	}
	d, err := lake.ParseDate("2024-02-29")
	if err != nil || d.AddDays(1).String() != "2024-03-01" {
		t.Errorf("leap day: %v %v", d, err)
	}
}

func TestRawDates(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := storage.NewMemory()
	lk := lake.New(b)
	for _, s := range []string{"2024-01-03", "2024-01-01"} {
		d, _ := lake.ParseDate(s)
		storage.PutBytes(ctx, b, lake.RawKey("users", d), []byte("Id\n"))
	}
	// A folder without the CSV is not a raw snapshot.
	storage.PutBytes(ctx, b, "raw/users/ingestion_date=2024-01-02/_manifest.json", []byte("{}"))
	ds, err := lk.RawDates(ctx, "users")
	if err != nil || len(ds) != 2 || ds[0].String() != "2024-01-01" || ds[1].String() != "2024-01-03" {
		t.Errorf("RawDates = %v, %v", ds, err)
	}
}

// TestBeforeSweepSeesTheCommitAndTheOldFiles: the hook runs after the new manifest is committed
// and before the replaced files are deleted; its error fails the publish and leaves the old
// files for the next publish to sweep.
func TestBeforeSweepSeesTheCommitAndTheOldFiles(t *testing.T) {
	ctx := context.Background()
	b := storage.NewMemory()
	lk := lake.New(b)
	dir := "bronze/users/run_date=2024-01-01/"
	first, err := lk.Publish(ctx, dir, lake.Manifest{Attempt: "a1"}, []lake.File{localFile(t, "one")})
	if err != nil {
		t.Fatal(err)
	}
	old := dir + first.Files[0].Name
	var sawCommit, sawOld bool
	lk.BeforeSweep = func(ctx context.Context, d string, m lake.Manifest) error {
		committed, ok, err := lk.ReadManifest(ctx, d)
		sawCommit = err == nil && ok && committed.Attempt == "a2" && m.Attempt == "a2"
		sawOld, _ = b.Exists(ctx, old)
		return nil
	}
	if _, err := lk.Publish(ctx, dir, lake.Manifest{Attempt: "a2"}, []lake.File{localFile(t, "two")}); err != nil {
		t.Fatal(err)
	}
	if !sawCommit || !sawOld {
		t.Errorf("hook saw the commit %t, the replaced file %t; want both", sawCommit, sawOld)
	}
	if ok, _ := b.Exists(ctx, old); ok {
		t.Error("the replaced file was not swept after the hook")
	}
	lk.BeforeSweep = func(context.Context, string, lake.Manifest) error { return os.ErrPermission }
	third, err := lk.Publish(ctx, dir, lake.Manifest{Attempt: "a3"}, []lake.File{localFile(t, "three")})
	if err == nil {
		t.Fatal("a failing hook did not fail the publish")
	}
	if got := list(t, b, dir); len(got) != 3 || third.Attempt != "a3" {
		t.Errorf("after a failing hook: %v (want the a3 manifest and file, and a2's file kept)", got)
	}
}

// TestExists: a bucket holds a lake when one of the lake's top-level folders is there; an
// empty bucket, or one with only a leftover _staging/ or unrelated files, does not.
func TestExists(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, c := range []struct {
		keys []string
		want bool
	}{
		{nil, false},
		{[]string{"_staging/uploads/x.tmp", "notes.txt", "rawdata/users.csv"}, false},
		{[]string{"raw/users/ingestion_date=2025-07-01/users.csv"}, true},
		{[]string{"_state/runs/run_date=2025-07-01.json"}, true},
		{[]string{"gold/dim_user/_manifest.json"}, true},
	} {
		b := storage.NewMemory()
		for _, k := range c.keys {
			if err := storage.PutBytes(ctx, b, k, []byte("x")); err != nil {
				t.Fatal(err)
			}
		}
		if got, err := lake.Exists(ctx, b); err != nil || got != c.want {
			t.Errorf("Exists(%v) = %v, %v; want %v", c.keys, got, err, c.want)
		}
	}
}

// TestPublishCommitsObjectsInPlace: files an engine wrote into the partition folder itself (a
// staging folder of its own, with its side files) are committed where they are, beside
// uploaded local files; the sweep removes the side files and the old version; a file outside
// the folder is refused and nothing is committed.
func TestPublishCommitsObjectsInPlace(t *testing.T) {
	for name, newBucket := range backends(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			b := newBucket(t)
			lk := lake.New(b)
			d, _ := lake.ParseDate("2024-01-15")
			dir := lake.PartitionDir(lake.Silver, "users", d)
			m := lake.Manifest{Layer: lake.Silver, Table: "users", RunDate: d.String(), Attempt: "a1"}
			if _, err := lk.Publish(ctx, dir, m, []lake.File{localFile(t, "old")}); err != nil {
				t.Fatal(err)
			}
			staged := dir + "_write-x/part-00000-u-c000.snappy.parquet"
			for key, body := range map[string]string{staged: "written", dir + "_write-x/_SUCCESS": "", dir + "_write-x/.part.crc": "crc"} {
				if err := storage.PutBytes(ctx, b, key, []byte(body)); err != nil {
					t.Fatal(err)
				}
			}

			outside := lake.File{Path: "x", Key: lake.PartitionDir(lake.Silver, "users", d.AddDays(1)) + "part.parquet", Rows: 1}
			if _, err := lk.Publish(ctx, dir, lake.Manifest{Attempt: "a2"}, []lake.File{outside}); err == nil {
				t.Fatal("publishing an object of another folder succeeded")
			}
			if got, _, _ := lk.ReadManifest(ctx, dir); got.Attempt != "a1" {
				t.Fatalf("after a refused publish the manifest is %q's, want a1's", got.Attempt)
			}

			m.Attempt = "a2"
			got, err := lk.Publish(ctx, dir, m, []lake.File{{Path: "file:///ignored", Key: staged, Rows: 7}, localFile(t, "local")})
			if err != nil {
				t.Fatal(err)
			}
			want := []lake.ManifestFile{{Name: "_write-x/part-00000-u-c000.snappy.parquet", Rows: 7, Bytes: 7}, {Name: "part-a2-00001.parquet", Rows: 5, Bytes: 5}}
			if len(got.Files) != 2 || got.Files[0] != want[0] || got.Files[1] != want[1] || got.Rows != 12 {
				t.Fatalf("manifest files = %+v (rows %d), want %+v", got.Files, got.Rows, want)
			}
			if objs, wantObjs := list(t, b, dir), []string{dir + lake.ManifestName, dir + "_write-x/part-00000-u-c000.snappy.parquet", dir + "part-a2-00001.parquet"}; len(objs) != 3 || objs[0] != wantObjs[0] || objs[1] != wantObjs[1] || objs[2] != wantObjs[2] {
				t.Errorf("folder holds %v, want %v", objs, wantObjs)
			}
		})
	}
}
