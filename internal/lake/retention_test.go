package lake_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/metalake/metalake/internal/lake"
	"github.com/metalake/metalake/internal/storage"
)

// TestRemoveUncommitsFirst: Remove deletes the manifest before calling the hook (readers no
// longer see the partition while the hook runs; its files still exist), then every file; it
// counts what it freed and removing again is a no-op.
func TestRemoveUncommitsFirst(t *testing.T) {
	for name, newBucket := range backends(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			b := newBucket(t)
			lk := lake.New(b)
			d, _ := lake.ParseDate("2024-01-15")
			dir := lake.PartitionDir(lake.Silver, "users", d)
			m, err := lk.Publish(ctx, dir, lake.Manifest{Layer: lake.Silver, Table: "users", RunDate: d.String(), Attempt: "a1"},
				[]lake.File{localFile(t, "one"), localFile(t, "three")})
			if err != nil {
				t.Fatal(err)
			}
			// An orphan of a crashed attempt is removed too.
			if err := storage.PutBytes(ctx, b, dir+"part-crashed-00000.parquet", []byte("half")); err != nil {
				t.Fatal(err)
			}
			before := list(t, b, dir)
			var size int64
			for _, k := range before {
				a, err := b.Attributes(ctx, k)
				if err != nil {
					t.Fatal(err)
				}
				size += a.Size
			}
			hooked := false
			freed, err := lk.Remove(ctx, dir, func(ctx context.Context) error {
				hooked = true
				if _, ok, err := lk.ReadManifest(ctx, dir); err != nil || ok {
					t.Errorf("the hook ran while the partition was still committed (%v)", err)
				}
				for _, f := range m.Files {
					if ok, _ := b.Exists(ctx, dir+f.Name); !ok {
						t.Errorf("%s was deleted before the hook ran", f.Name)
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if !hooked {
				t.Error("the hook did not run")
			}
			if got := list(t, b, dir); len(got) != 0 {
				t.Errorf("left after Remove: %v", got)
			}
			if freed.Files != len(before) || freed.Bytes != size {
				t.Errorf("freed %+v, want %d files, %d bytes", freed, len(before), size)
			}
			again, err := lk.Remove(ctx, dir, nil)
			if err != nil || again != (lake.Freed{}) {
				t.Errorf("second Remove: %+v, %v", again, err)
			}
		})
	}
}

// TestRemoveHookFailureKeepsFiles: when the hook fails the partition is already invisible but
// its files stay, so calling Remove again completes it.
func TestRemoveHookFailureKeepsFiles(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := storage.NewMemory()
	lk := lake.New(b)
	d, _ := lake.ParseDate("2024-01-15")
	dir := lake.PartitionDir(lake.Bronze, "users", d)
	if _, err := lk.Publish(ctx, dir, lake.Manifest{Attempt: "a1"}, []lake.File{localFile(t, "rows")}); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("glue unreachable")
	if _, err := lk.Remove(ctx, dir, func(context.Context) error { return boom }); !errors.Is(err, boom) {
		t.Fatalf("Remove: %v, want the hook's error", err)
	}
	if _, ok, _ := lk.ReadManifest(ctx, dir); ok {
		t.Error("the partition is still committed")
	}
	if got := list(t, b, dir); len(got) != 1 {
		t.Errorf("files after a failed hook: %v, want the data file", got)
	}
	calls := 0
	if _, err := lk.Remove(ctx, dir, func(context.Context) error { calls++; return nil }); err != nil || calls != 1 {
		t.Fatalf("second Remove: %v (hook calls %d)", err, calls)
	}
	if got := list(t, b, dir); len(got) != 0 {
		t.Errorf("left: %v", got)
	}
}

// TestDatedFolders: RunDateFolders lists committed and uncommitted run_date folders, oldest
// first; TableFolders lists table folders, not bookkeeping ("_") or partition folders.
func TestDatedFolders(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := storage.NewMemory()
	lk := lake.New(b)
	for _, k := range []string{
		"bronze/users/run_date=2024-01-02/_manifest.json",
		"bronze/users/run_date=2024-01-01/part-x.parquet", // no manifest: a removal killed half-way
		"bronze/users/run_date=bad/part-x.parquet",
		"bronze/_rejects/users/run_date=2024-01-01/_manifest.json",
		"bronze/_reports/run_date=2024-01-01/users_report.json",
		"bronze/datasets/run_date=2024-01-02/_manifest.json",
		"bronze/run_date=2024-01-03/stray.json",
	} {
		if err := storage.PutBytes(ctx, b, k, []byte("{}")); err != nil {
			t.Fatal(err)
		}
	}
	dates, err := lk.RunDateFolders(ctx, "bronze/users")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range dates {
		got = append(got, d.String())
	}
	if !slices.Equal(got, []string{"2024-01-01", "2024-01-02"}) {
		t.Errorf("RunDateFolders = %v", got)
	}
	tables, err := lk.TableFolders(ctx, "bronze/")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(tables, []string{"datasets", "users"}) {
		t.Errorf("TableFolders = %v", tables)
	}
	if got, _ := lk.TableFolders(ctx, lake.RejectsRoot); !slices.Equal(got, []string{"users"}) {
		t.Errorf("TableFolders(rejects) = %v", got)
	}
	if got, _ := lk.RunDateFolders(ctx, lake.ReportsDir(lake.Bronze)); len(got) != 1 || got[0].String() != "2024-01-01" {
		t.Errorf("report folders = %v", got)
	}
}
