package storage_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/metalake/metalake/internal/storage"
	"github.com/metalake/metalake/internal/storage/storagetest"
)

func newLocal(t *testing.T) *storage.Local {
	t.Helper()
	l, err := storage.NewLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestLocalConformance(t *testing.T) {
	storagetest.Run(t, func(t *testing.T) storage.Bucket { return newLocal(t) })
}

func listAll(t *testing.T, b storage.BucketReader, dir string, recursive bool) []string {
	t.Helper()
	var opts []storage.IterOption
	if recursive {
		opts = append(opts, storage.WithRecursive())
	}
	names := []string{}
	if err := b.Iter(t.Context(), dir, func(n string) error { names = append(names, n); return nil }, opts...); err != nil {
		t.Fatalf("Iter(%q): %v", dir, err)
	}
	return names
}

func TestNewLocal(t *testing.T) {
	root := filepath.Join(t.TempDir(), "not", "yet", "there")
	l, err := storage.NewLocal(root)
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(root); err != nil || !fi.IsDir() {
		t.Fatalf("root not created: %v", err)
	}
	if l.Name() != root {
		t.Fatalf("Name() = %q, want %q", l.Name(), root)
	}
	// Opening writes nothing inside the root (read-only commands open lakes too): the uploads
	// staging directory comes with the first upload.
	if entries, _ := os.ReadDir(root); len(entries) != 0 {
		t.Fatalf("NewLocal wrote into the root: %v", entries)
	}
	if err := storage.PutBytes(t.Context(), l, "a/b", []byte("x")); err != nil {
		t.Fatalf("first upload: %v", err)
	}

	// A relative root is made absolute, so the bucket does not depend on the working directory.
	t.Chdir(t.TempDir())
	rel, err := storage.NewLocal("lake")
	if err != nil {
		t.Fatal(err)
	}
	if !filepath.IsAbs(rel.Name()) || filepath.Base(rel.Name()) != "lake" {
		t.Fatalf("Name() = %q, want an absolute path ending in lake", rel.Name())
	}

	if _, err := storage.NewLocal(""); err == nil {
		t.Fatal("NewLocal(\"\") succeeded")
	}
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := storage.NewLocal(file); err == nil {
		t.Fatal("NewLocal on a regular file succeeded")
	}
}

func TestLocalKeysAreFiles(t *testing.T) {
	l := newLocal(t)
	if err := storage.PutBytes(t.Context(), l, "raw/users/part.csv", []byte("Id\n1\n")); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(l.Name(), "raw", "users", "part.csv")
	got, err := os.ReadFile(file)
	if err != nil || string(got) != "Id\n1\n" {
		t.Fatalf("file %s = %q, %v; want the object's bytes", file, got, err)
	}
	fi, err := os.Stat(file)
	if err != nil {
		t.Fatal(err)
	}
	if perm := fi.Mode().Perm(); perm != 0o644 {
		t.Fatalf("object file mode %v, want 0644 (temp files start as 0600)", perm)
	}
	if p, ok := l.LocalPath("raw/users/part.csv"); !ok || p != file {
		t.Fatalf("LocalPath = %q, %v; want %q, true", p, ok, file)
	}
	for _, key := range []string{"raw/users", "raw/users/missing.csv", "raw//users"} {
		if p, ok := l.LocalPath(key); ok {
			t.Errorf("LocalPath(%q) = %q, true; want false", key, p)
		}
	}
}

// A local directory cannot hold a file "a" and a directory "a": the upload fails clearly and the
// existing object is untouched.
func TestLocalObjectPrefixConflict(t *testing.T) {
	ctx := t.Context()
	l := newLocal(t)
	if err := storage.PutBytes(ctx, l, "a", []byte("file a")); err != nil {
		t.Fatal(err)
	}
	if err := storage.PutBytes(ctx, l, "d/x", []byte("x")); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"a/b", "d"} {
		err := storage.PutBytes(ctx, l, key, []byte("conflict"))
		if err == nil || storage.IsNotFound(err) || !strings.Contains(err.Error(), "cannot hold both") {
			t.Errorf("Upload(%q) = %v, want a conflict error", key, err)
		}
	}
	if got, err := storage.ReadAll(ctx, l, "a"); err != nil || string(got) != "file a" {
		t.Fatalf("Get(a) = %q, %v", got, err)
	}
	if got := listAll(t, l, "", true); !slices.Equal(got, []string{"a", "d/x"}) {
		t.Fatalf("listing = %q, want [a d/x]", got)
	}
}

// Directories that hold no object (left by other tools or by an interrupted upload) are not
// listed, and files whose names cannot be keys are skipped.
func TestLocalIterIgnoresEmptyDirsAndBadNames(t *testing.T) {
	l := newLocal(t)
	if err := storage.PutBytes(t.Context(), l, "t/obj", nil); err != nil {
		t.Fatal(err)
	}
	for _, dir := range []string{"empty", "t/empty/deeper", "nested/only/dirs"} {
		if err := os.MkdirAll(filepath.Join(l.Name(), dir), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(l.Name(), "t", `back\slash`), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if got := listAll(t, l, "", false); !slices.Equal(got, []string{"t/"}) {
		t.Fatalf("root = %q, want [t/]", got)
	}
	if got := listAll(t, l, "t", false); !slices.Equal(got, []string{"t/obj"}) {
		t.Fatalf("t = %q, want [t/obj]", got)
	}
	if got := listAll(t, l, "", true); !slices.Equal(got, []string{"t/obj"}) {
		t.Fatalf("recursive = %q, want [t/obj]", got)
	}
}

func TestLocalStagingKeysAreReserved(t *testing.T) {
	ctx := t.Context()
	l := newLocal(t)
	for _, key := range []string{storage.UploadStagingKey, storage.UploadStagingKey + "/upload-1.tmp"} {
		if err := storage.PutBytes(ctx, l, key, []byte("x")); !errors.Is(err, storage.ErrInvalidKey) {
			t.Errorf("Upload(%q) = %v, want ErrInvalidKey (reserved)", key, err)
		}
		if err := l.Delete(ctx, key); !errors.Is(err, storage.ErrInvalidKey) {
			t.Errorf("Delete(%q) = %v, want ErrInvalidKey (reserved)", key, err)
		}
	}
	// Only the uploads area is reserved; the rest of _staging/ is ordinary keys.
	if err := storage.PutBytes(ctx, l, "_staging/other", []byte("x")); err != nil {
		t.Fatalf("Upload(_staging/other): %v", err)
	}
	if err := l.Delete(ctx, "_staging/other"); err != nil {
		t.Fatal(err)
	}
	// Deleting _staging/other must not have pruned the staging directory uploads rely on.
	if err := storage.PutBytes(ctx, l, "after", []byte("x")); err != nil {
		t.Fatalf("Upload after pruning: %v", err)
	}
}

// UploadFile on the same file system moves the file: the object is the very same inode.
func TestLocalUploadFileMoves(t *testing.T) {
	ctx := t.Context()
	l := newLocal(t)
	// The source lives inside the root's file system (t.TempDir of the same test).
	src := filepath.Join(t.TempDir(), "part-0.parquet")
	data := bytes.Repeat([]byte("parquet"), 10000)
	if err := os.WriteFile(src, data, 0o600); err != nil {
		t.Fatal(err)
	}
	before, err := os.Stat(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.UploadFile(ctx, "bronze/users/part-0.parquet", src); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(src); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("source after UploadFile: %v, want it gone", err)
	}
	path, ok := l.LocalPath("bronze/users/part-0.parquet")
	if !ok {
		t.Fatal("LocalPath after UploadFile: not found")
	}
	after, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if !os.SameFile(before, after) {
		t.Fatal("UploadFile copied the file; on one file system it should rename it")
	}
	if after.Mode().Perm() != 0o644 {
		t.Fatalf("moved file mode %v, want 0644 like uploaded objects", after.Mode().Perm())
	}
	if got, err := storage.ReadAll(ctx, l, "bronze/users/part-0.parquet"); err != nil || !bytes.Equal(got, data) {
		t.Fatalf("Get after UploadFile: %d bytes, %v", len(got), err)
	}
	if got := listAll(t, l, "", true); !slices.Equal(got, []string{"bronze/users/part-0.parquet"}) {
		t.Fatalf("listing = %q", got)
	}
}

// Deletes prune empty parent directories while other goroutines upload into them; uploads must
// never fail because their parent vanished between creating it and renaming into it.
func TestLocalUploadRacesPruningDelete(t *testing.T) {
	ctx := t.Context()
	l := newLocal(t)
	var wg sync.WaitGroup
	errs := make(chan error, 8*40)
	for w := range 8 {
		wg.Go(func() {
			key := fmt.Sprintf("p/q/r/k%d", w)
			for range 40 {
				if err := storage.PutBytes(ctx, l, key, []byte(key)); err != nil {
					errs <- err
				}
				if err := l.Delete(ctx, key); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if got := listAll(t, l, "", false); !slices.Equal(got, []string{}) {
		t.Fatalf("root after all deletes = %q, want empty", got)
	}
	if _, err := os.Stat(filepath.Join(l.Name(), "p")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("directory p should have been pruned: %v", err)
	}
}

const crashRootEnv = "METALAKE_STORAGE_CRASH_ROOT"

// crashingReader delivers n bytes, then kills the process: a writer dying mid-upload.
type crashingReader struct{ n int }

func (r *crashingReader) Read(p []byte) (int, error) {
	if r.n <= 0 {
		os.Exit(3)
	}
	k := min(len(p), r.n)
	for i := range p[:k] {
		p[i] = 'N'
	}
	r.n -= k
	return k, nil
}

// TestLocalCrashDuringUpload kills a real process in the middle of an Upload and checks what
// the next process sees: the old object intact, the partial data only as a temp file under
// _staging/uploads/, which CleanStaleUploads removes once it is old enough.
func TestLocalCrashDuringUpload(t *testing.T) {
	if root := os.Getenv(crashRootEnv); root != "" {
		// Child process: start overwriting the object and die halfway through.
		l, err := storage.NewLocal(root)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		err = l.Upload(t.Context(), "table/data.bin", &crashingReader{n: 1 << 20})
		fmt.Fprintln(os.Stderr, "upload returned instead of crashing:", err)
		os.Exit(2)
	}

	ctx := t.Context()
	l := newLocal(t)
	old := []byte("the complete old value")
	if err := storage.PutBytes(ctx, l, "table/data.bin", old); err != nil {
		t.Fatal(err)
	}

	cmd := exec.Command(os.Args[0], "-test.run=^TestLocalCrashDuringUpload$")
	cmd.Env = append(os.Environ(), crashRootEnv+"="+l.Name())
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 3 {
		t.Fatalf("child should have crashed with status 3 mid-upload: %v\n%s", err, out)
	}

	got, err := storage.ReadAll(ctx, l, "table/data.bin")
	if err != nil || !bytes.Equal(got, old) {
		t.Fatalf("after the crash Get = %d bytes %q, %v; want the old value", len(got), got[:min(len(got), 30)], err)
	}
	if got := listAll(t, l, "table", true); !slices.Equal(got, []string{"table/data.bin"}) {
		t.Fatalf("table listing after the crash = %q", got)
	}
	// The partial data is visible, honestly, only as a temp file in the staging area.
	all := listAll(t, l, "", true)
	if len(all) != 2 || !strings.HasPrefix(all[0], storage.UploadStagingKey+"/") || all[1] != "table/data.bin" {
		t.Fatalf("recursive listing after the crash = %q, want one staging temp file and table/data.bin", all)
	}
	tmp := all[0]
	attrs, err := l.Attributes(ctx, tmp)
	if err != nil || attrs.Size == 0 || attrs.Size > 1<<20 {
		t.Fatalf("temp file %s: size %d, %v; want the partial upload", tmp, attrs.Size, err)
	}

	// A fresh temp file may belong to an upload in flight: it is kept.
	if err := l.CleanStaleUploads(time.Hour); err != nil {
		t.Fatal(err)
	}
	if ok, _ := l.Exists(ctx, tmp); !ok {
		t.Fatal("CleanStaleUploads(1h) removed a temp file written seconds ago")
	}
	// Once old enough it is removed, and nothing of the crash remains.
	tmpPath := filepath.Join(l.Name(), filepath.FromSlash(tmp))
	past := time.Now().Add(-2 * time.Hour)
	if err := os.Chtimes(tmpPath, past, past); err != nil {
		t.Fatal(err)
	}
	if err := l.CleanStaleUploads(time.Hour); err != nil {
		t.Fatal(err)
	}
	if got := listAll(t, l, "", true); !slices.Equal(got, []string{"table/data.bin"}) {
		t.Fatalf("recursive listing after cleaning = %q, want [table/data.bin]", got)
	}
	if got := listAll(t, l, "", false); !slices.Equal(got, []string{"table/"}) {
		t.Fatalf("root listing after cleaning = %q, want [table/] (no _staging/ entry)", got)
	}
	// And uploads still work afterwards.
	if err := storage.PutBytes(ctx, l, "table/data.bin", []byte("new")); err != nil {
		t.Fatal(err)
	}
}
