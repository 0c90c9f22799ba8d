package storagetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/metalake/metalake/internal/storage"
)

// Run checks that the buckets made by newBucket honour the storage contract. Every subtest
// calls newBucket with its own *testing.T and gets a fresh, empty bucket; subtests run in
// parallel, so newBucket must be safe to call concurrently (t.TempDir is a good root).
func Run(t *testing.T, newBucket func(t *testing.T) storage.Bucket) {
	t.Helper()
	tests := []struct {
		name string
		fn   func(t *testing.T, b storage.Bucket)
	}{
		{"Name", testName},
		{"RoundTrip", testRoundTrip},
		{"Overwrite", testOverwrite},
		{"GetRange", testGetRange},
		{"NotFound", testNotFound},
		{"Exists", testExists},
		{"Attributes", testAttributes},
		{"Delete", testDelete},
		{"IterLevels", testIterLevels},
		{"IterByteOrder", testIterByteOrder},
		{"IterStopsOnError", testIterStopsOnError},
		{"IterAfterDelete", testIterAfterDelete},
		{"FailedUploadLeavesNoTrace", testFailedUpload},
		{"CanceledContext", testCanceledContext},
		{"ConcurrentUploadsSameKey", testConcurrentUploads},
		{"InvalidKeys", testInvalidKeys},
		{"Helpers", testHelpers},
		{"LocalPather", testLocalPather},
		{"FileUploader", testFileUploader},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, newBucket(t))
		})
	}
}

// --- helpers --------------------------------------------------------------------------------

func put(t *testing.T, b storage.Bucket, name string, data []byte) {
	t.Helper()
	if err := storage.PutBytes(t.Context(), b, name, data); err != nil {
		t.Fatalf("Upload(%q): %v", name, err)
	}
}

func get(t *testing.T, b storage.BucketReader, name string) []byte {
	t.Helper()
	data, err := storage.ReadAll(t.Context(), b, name)
	if err != nil {
		t.Fatalf("Get(%q): %v", name, err)
	}
	return data
}

func list(t *testing.T, b storage.BucketReader, dir string, recursive bool) []string {
	t.Helper()
	var opts []storage.IterOption
	if recursive {
		opts = append(opts, storage.WithRecursive())
	}
	names := []string{} // non-nil, so "lists nothing" compares equal to []string{}
	err := b.Iter(t.Context(), dir, func(name string) error {
		names = append(names, name)
		return nil
	}, opts...)
	if err != nil {
		t.Fatalf("Iter(%q, recursive=%v): %v", dir, recursive, err)
	}
	return names
}

// randomBytes returns n deterministic pseudo-random bytes (seeded, so failures reproduce).
func randomBytes(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	data := make([]byte, n)
	for i := range data {
		data[i] = byte(r.Uint32())
	}
	return data
}

func checkBytes(t *testing.T, what string, got, want []byte) {
	t.Helper()
	if !bytes.Equal(got, want) {
		t.Fatalf("%s: got %d bytes %s, want %d bytes %s", what, len(got), preview(got), len(want), preview(want))
	}
}

func preview(b []byte) string {
	if len(b) > 16 {
		return fmt.Sprintf("%q...", b[:16])
	}
	return fmt.Sprintf("%q", b)
}

func checkList(t *testing.T, what string, got, want []string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Fatalf("%s:\n got  %q\n want %q", what, got, want)
	}
}

// --- tests ----------------------------------------------------------------------------------

func testName(t *testing.T, b storage.Bucket) {
	if b.Name() == "" {
		t.Fatal("Name() is empty; it identifies the bucket in messages")
	}
}

func testRoundTrip(t *testing.T, b storage.Bucket) {
	allBytes := make([]byte, 256)
	for i := range allBytes {
		allBytes[i] = byte(i)
	}
	cases := []struct {
		name string
		key  string
		data []byte
	}{
		{"empty", "empty.bin", []byte{}},
		{"small", "dir/small.txt", []byte("hello, lake\n")},
		{"every byte value", "bin/all.bin", allBytes},
		{"deep key", "raw/users/ingestion_date=2024-01-15/users.csv", []byte("Id,UserName\n1,a\n")},
		{"large", "large/blob.bin", randomBytes(5<<20+3, 1)}, // not a multiple of any buffer size
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			put(t, b, tc.key, tc.data)
			checkBytes(t, "Get", get(t, b, tc.key), tc.data)
			attrs, err := b.Attributes(t.Context(), tc.key)
			if err != nil {
				t.Fatalf("Attributes: %v", err)
			}
			if attrs.Size != int64(len(tc.data)) || attrs.Name != tc.key {
				t.Fatalf("Attributes = {Name:%q Size:%d}, want {Name:%q Size:%d}", attrs.Name, attrs.Size, tc.key, len(tc.data))
			}
		})
	}
}

func testOverwrite(t *testing.T, b storage.Bucket) {
	long := bytes.Repeat([]byte("old value "), 1000)
	short := []byte("new")
	put(t, b, "k", long)
	put(t, b, "k", short)
	// A backend that wrote in place without truncating would leave the tail of the old value.
	checkBytes(t, "Get after overwrite", get(t, b, "k"), short)
	put(t, b, "k", []byte{})
	checkBytes(t, "Get after overwrite with empty", get(t, b, "k"), []byte{})
}

func testGetRange(t *testing.T, b storage.Bucket) {
	small := []byte("0123456789abcdefghij") // 20 bytes
	large := randomBytes(3<<20, 2)
	put(t, b, "small", small)
	put(t, b, "large", large)
	put(t, b, "empty", []byte{})

	cases := []struct {
		name     string
		key      string
		off, len int64
		want     []byte // nil with wantErr
		wantErr  error
	}{
		{"prefix", "small", 0, 5, small[:5], nil},
		{"middle", "small", 5, 10, small[5:15], nil},
		{"to end", "small", 15, -1, small[15:], nil},
		{"whole", "small", 0, -1, small, nil},
		{"zero length", "small", 7, 0, []byte{}, nil},
		{"length past end is cut", "small", 15, 100, small[15:], nil},
		{"offset at end reads nothing", "small", 20, -1, []byte{}, nil},
		{"offset at end with length", "small", 20, 5, []byte{}, nil},
		{"offset beyond end", "small", 21, -1, nil, storage.ErrInvalidRange},
		{"offset far beyond end", "small", 1 << 40, 1, nil, storage.ErrInvalidRange},
		{"negative offset", "small", -1, 5, nil, storage.ErrInvalidRange},
		{"empty object whole", "empty", 0, -1, []byte{}, nil},
		{"empty object beyond", "empty", 1, -1, nil, storage.ErrInvalidRange},
		{"large middle across MiB boundary", "large", 1<<20 - 100, 1 << 20, large[1<<20-100 : 2<<20-100], nil},
		{"large tail", "large", 3<<20 - 10, -1, large[3<<20-10:], nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rc, err := b.GetRange(t.Context(), tc.key, tc.off, tc.len)
			if tc.wantErr != nil {
				if err == nil {
					rc.Close()
					t.Fatalf("GetRange(%q, %d, %d) succeeded, want error %v", tc.key, tc.off, tc.len, tc.wantErr)
				}
				if !errors.Is(err, tc.wantErr) || storage.IsNotFound(err) {
					t.Fatalf("GetRange(%q, %d, %d) = %v, want an error wrapping %v (and not not-found)", tc.key, tc.off, tc.len, err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("GetRange(%q, %d, %d): %v", tc.key, tc.off, tc.len, err)
			}
			defer rc.Close()
			got, err := io.ReadAll(rc)
			if err != nil {
				t.Fatalf("reading range: %v", err)
			}
			checkBytes(t, fmt.Sprintf("GetRange(%q, %d, %d)", tc.key, tc.off, tc.len), got, tc.want)
		})
	}
}

func testNotFound(t *testing.T, b storage.Bucket) {
	put(t, b, "dir/obj", []byte("x"))
	put(t, b, "file", []byte("x"))
	missing := []struct{ name, key string }{
		{"never stored", "nope"},
		{"missing in existing dir", "dir/nope"},
		{"directory prefix is not an object", "dir"},
		{"below an object", "file/child"},
		{"deep missing", "a/b/c/d"},
	}
	ctx := t.Context()
	for _, tc := range missing {
		t.Run(tc.name, func(t *testing.T) {
			if rc, err := b.Get(ctx, tc.key); !storage.IsNotFound(err) {
				if err == nil {
					rc.Close()
				}
				t.Errorf("Get(%q) error = %v, want not found", tc.key, err)
			}
			if rc, err := b.GetRange(ctx, tc.key, 0, 1); !storage.IsNotFound(err) {
				if err == nil {
					rc.Close()
				}
				t.Errorf("GetRange(%q) error = %v, want not found", tc.key, err)
			}
			if _, err := b.Attributes(ctx, tc.key); !storage.IsNotFound(err) {
				t.Errorf("Attributes(%q) error = %v, want not found", tc.key, err)
			}
			if ok, err := b.Exists(ctx, tc.key); ok || err != nil {
				t.Errorf("Exists(%q) = %v, %v, want false, nil", tc.key, ok, err)
			}
		})
	}
}

func testExists(t *testing.T, b storage.Bucket) {
	ctx := t.Context()
	check := func(want bool) {
		t.Helper()
		ok, err := b.Exists(ctx, "x/y")
		if err != nil || ok != want {
			t.Fatalf("Exists(x/y) = %v, %v, want %v, nil", ok, err, want)
		}
	}
	check(false)
	put(t, b, "x/y", []byte{}) // an empty object exists too
	check(true)
	if err := b.Delete(ctx, "x/y"); err != nil {
		t.Fatal(err)
	}
	check(false)
}

func testAttributes(t *testing.T, b storage.Bucket) {
	before := time.Now()
	put(t, b, "a/attrs.bin", make([]byte, 1234))
	attrs, err := b.Attributes(t.Context(), "a/attrs.bin")
	if err != nil {
		t.Fatal(err)
	}
	if attrs.Name != "a/attrs.bin" || attrs.Size != 1234 {
		t.Fatalf("Attributes = {Name:%q Size:%d}, want {Name:a/attrs.bin Size:1234}", attrs.Name, attrs.Size)
	}
	// Generous bounds: file systems round timestamps and remote stores use their own clock.
	const slack = 5 * time.Minute
	if lm := attrs.LastModified; lm.Before(before.Add(-slack)) || lm.After(time.Now().Add(slack)) {
		t.Fatalf("LastModified = %v, want close to now (%v)", lm, before)
	}
}

func testDelete(t *testing.T, b storage.Bucket) {
	ctx := t.Context()
	if err := b.Delete(ctx, "never/was"); err != nil {
		t.Fatalf("Delete of a missing object: %v, want nil", err)
	}
	put(t, b, "d/x", []byte("x"))
	put(t, b, "d/sub/y", []byte("y"))
	// "d" and "d/sub" are only prefixes: deleting them deletes nothing and is no error.
	for _, key := range []string{"d", "d/sub"} {
		if err := b.Delete(ctx, key); err != nil {
			t.Fatalf("Delete(%q) of a directory prefix: %v, want nil", key, err)
		}
	}
	checkBytes(t, "d/x after deleting prefixes", get(t, b, "d/x"), []byte("x"))
	checkBytes(t, "d/sub/y after deleting prefixes", get(t, b, "d/sub/y"), []byte("y"))

	for range 2 { // the second Delete must be a no-op
		if err := b.Delete(ctx, "d/x"); err != nil {
			t.Fatalf("Delete(d/x): %v", err)
		}
	}
	if _, err := b.Get(ctx, "d/x"); !storage.IsNotFound(err) {
		t.Fatalf("Get after Delete: %v, want not found", err)
	}
	checkBytes(t, "sibling after Delete", get(t, b, "d/sub/y"), []byte("y"))
}

func testIterLevels(t *testing.T, b storage.Bucket) {
	for _, key := range []string{"top", "d/1", "d/2", "d/sub/x", "d/sub/y", "d/sub/deeper/z", "e/f/g"} {
		put(t, b, key, []byte(key))
	}
	cases := []struct {
		dir       string
		recursive bool
		want      []string
	}{
		{"", false, []string{"d/", "e/", "top"}},
		{"", true, []string{"d/1", "d/2", "d/sub/deeper/z", "d/sub/x", "d/sub/y", "e/f/g", "top"}},
		{"d", false, []string{"d/1", "d/2", "d/sub/"}}, // "d/sub/" once for three objects
		{"d/", false, []string{"d/1", "d/2", "d/sub/"}},
		{"d/sub", false, []string{"d/sub/deeper/", "d/sub/x", "d/sub/y"}},
		{"d/sub/", true, []string{"d/sub/deeper/z", "d/sub/x", "d/sub/y"}},
		{"e", false, []string{"e/f/"}},
		{"e/f", false, []string{"e/f/g"}},
		{"missing", false, []string{}},
		{"missing/", true, []string{}},
		{"d/s", false, []string{}}, // dir is a directory, not a string prefix of "d/sub"
		{"top", false, []string{}}, // an object is not a directory
		{"top/", true, []string{}},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("%q recursive=%v", tc.dir, tc.recursive), func(t *testing.T) {
			checkList(t, "Iter", list(t, b, tc.dir, tc.recursive), tc.want)
		})
	}
}

func testIterByteOrder(t *testing.T, b storage.Bucket) {
	// Byte order of full keys: '-' (0x2d) < '.' (0x2e) < '/' (0x2f) < '0' (0x30) < 'B' < 'a' < '~'.
	// A per-directory walk would put everything under "a/" before or after its siblings.
	for _, key := range []string{"a0", "a/b", "a~", "a.b", "B", "a-c", "a/a/x"} {
		put(t, b, key, []byte(key))
	}
	checkList(t, "one level", list(t, b, "", false), []string{"B", "a-c", "a.b", "a/", "a0", "a~"})
	checkList(t, "recursive", list(t, b, "", true), []string{"B", "a-c", "a.b", "a/a/x", "a/b", "a0", "a~"})

	// The same trap one level down.
	for _, key := range []string{"p/x-y", "p/x/z", "p/x0", "p/x.q"} {
		put(t, b, key, nil)
	}
	checkList(t, "one level under p", list(t, b, "p", false), []string{"p/x-y", "p/x.q", "p/x/", "p/x0"})
	checkList(t, "recursive under p", list(t, b, "p", true), []string{"p/x-y", "p/x.q", "p/x/z", "p/x0"})
}

func testIterStopsOnError(t *testing.T, b storage.Bucket) {
	for _, key := range []string{"s/a", "s/b", "s/c/d"} {
		put(t, b, key, nil)
	}
	stop := errors.New("stop here")
	for _, recursive := range []bool{false, true} {
		var opts []storage.IterOption
		if recursive {
			opts = append(opts, storage.WithRecursive())
		}
		var seen []string
		err := b.Iter(t.Context(), "s", func(name string) error {
			seen = append(seen, name)
			return stop
		}, opts...)
		if !errors.Is(err, stop) {
			t.Fatalf("Iter(recursive=%v) = %v, want the error returned by f", recursive, err)
		}
		checkList(t, fmt.Sprintf("names seen before stopping (recursive=%v)", recursive), seen, []string{"s/a"})
	}
}

func testIterAfterDelete(t *testing.T, b storage.Bucket) {
	ctx := t.Context()
	put(t, b, "g/h/i/j", []byte("deep"))
	put(t, b, "g/k", []byte("shallow"))
	if err := b.Delete(ctx, "g/h/i/j"); err != nil {
		t.Fatal(err)
	}
	// No ghost "g/h/" entry may survive its last object.
	checkList(t, "root after deleting the deep object", list(t, b, "", false), []string{"g/"})
	checkList(t, "g after deleting the deep object", list(t, b, "g", false), []string{"g/k"})
	checkList(t, "g/h after deleting its only object", list(t, b, "g/h", false), []string{})
	if err := b.Delete(ctx, "g/k"); err != nil {
		t.Fatal(err)
	}
	checkList(t, "root after deleting everything", list(t, b, "", false), []string{})
	checkList(t, "root recursive after deleting everything", list(t, b, "", true), []string{})

	// The directory can be used again after it vanished.
	put(t, b, "g/h/i/j", []byte("again"))
	checkList(t, "recursive after re-upload", list(t, b, "", true), []string{"g/h/i/j"})
}

// failingReader yields n bytes, then fails: a writer crashing or a network source breaking.
type failingReader struct{ n int }

var errSourceBroke = errors.New("source broke")

func (r *failingReader) Read(p []byte) (int, error) {
	if r.n == 0 {
		return 0, errSourceBroke
	}
	k := min(len(p), r.n)
	for i := range p[:k] {
		p[i] = 'x'
	}
	r.n -= k
	return k, nil
}

func testFailedUpload(t *testing.T, b storage.Bucket) {
	ctx := t.Context()
	put(t, b, "f/old", []byte("old value"))
	for _, key := range []string{"f/old", "f/new"} {
		err := b.Upload(ctx, key, &failingReader{n: 200 << 10})
		if !errors.Is(err, errSourceBroke) {
			t.Fatalf("Upload(%q) with a failing reader = %v, want the reader's error", key, err)
		}
	}
	checkBytes(t, "existing object after failed overwrite", get(t, b, "f/old"), []byte("old value"))
	if ok, err := b.Exists(ctx, "f/new"); ok || err != nil {
		t.Fatalf("Exists(f/new) after failed upload = %v, %v, want false, nil", ok, err)
	}
	checkList(t, "listing after failed uploads", list(t, b, "", true), []string{"f/old"})
}

func testCanceledContext(t *testing.T, b storage.Bucket) {
	put(t, b, "c/kept", []byte("kept"))
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := b.Upload(ctx, "c/new", strings.NewReader("data")); err == nil {
		t.Fatal("Upload with a canceled context succeeded")
	}
	if err := b.Upload(ctx, "c/kept", strings.NewReader("replaced")); err == nil {
		t.Fatal("overwriting Upload with a canceled context succeeded")
	}
	checkList(t, "listing after canceled uploads", list(t, b, "", true), []string{"c/kept"})
	checkBytes(t, "object after canceled overwrite", get(t, b, "c/kept"), []byte("kept"))
}

func testConcurrentUploads(t *testing.T, b storage.Bucket) {
	const (
		writers = 6
		rounds  = 3
	)
	// value(i) is i+1 repeated over a length unique to i, so a reader can tell a complete value
	// from a torn or mixed one.
	value := func(i int) []byte { return bytes.Repeat([]byte{byte(i + 1)}, (64<<10)*(i+1)+i) }
	complete := func(data []byte) bool {
		if len(data) == 0 {
			return false
		}
		i := int(data[0]) - 1
		return i >= 0 && i < writers && bytes.Equal(data, value(i))
	}
	ctx := t.Context()
	put(t, b, "race/k", value(0))

	var wg sync.WaitGroup
	done := make(chan struct{})
	readErrs := make(chan error, 1)
	go func() { // reader: every Get must see one complete value
		defer close(readErrs)
		for {
			select {
			case <-done:
				return
			default:
			}
			data, err := storage.ReadAll(ctx, b, "race/k")
			if err != nil {
				readErrs <- fmt.Errorf("Get during concurrent uploads: %w", err)
				return
			}
			if !complete(data) {
				readErrs <- fmt.Errorf("Get during concurrent uploads saw a partial or mixed value: %d bytes %s", len(data), preview(data))
				return
			}
		}
	}()
	uploadErrs := make(chan error, writers*rounds)
	for i := range writers {
		wg.Go(func() {
			for range rounds {
				if err := b.Upload(ctx, "race/k", bytes.NewReader(value(i))); err != nil {
					uploadErrs <- err
				}
			}
		})
	}
	wg.Wait()
	close(done)
	close(uploadErrs)
	for err := range uploadErrs {
		t.Errorf("concurrent Upload: %v", err)
	}
	if err := <-readErrs; err != nil {
		t.Error(err)
	}
	if final := get(t, b, "race/k"); !complete(final) {
		t.Fatalf("final value is not one complete upload: %d bytes %s", len(final), preview(final))
	}
	checkList(t, "listing after concurrent uploads", list(t, b, "", true), []string{"race/k"})
}

func testInvalidKeys(t *testing.T, b storage.Bucket) {
	ctx := t.Context()
	put(t, b, "ok/x", []byte("x")) // so a bad key that normalised to ok/x would be noticed
	bad := []string{"", "/abs", "dir/", "a//b", ".", "..", "./a", "a/.", "a/./b", "a/../b", "../escape", `a\b`, "a\x00b", "\xff"}
	for _, key := range bad {
		t.Run(fmt.Sprintf("%q", key), func(t *testing.T) {
			check := func(op string, err error) {
				t.Helper()
				if !errors.Is(err, storage.ErrInvalidKey) || storage.IsNotFound(err) {
					t.Errorf("%s(%q) error = %v, want one wrapping ErrInvalidKey (and not not-found)", op, key, err)
				}
			}
			rc, err := b.Get(ctx, key)
			if err == nil {
				rc.Close()
			}
			check("Get", err)
			rc, err = b.GetRange(ctx, key, 0, 1)
			if err == nil {
				rc.Close()
			}
			check("GetRange", err)
			_, err = b.Exists(ctx, key)
			check("Exists", err)
			_, err = b.Attributes(ctx, key)
			check("Attributes", err)
			check("Upload", b.Upload(ctx, key, strings.NewReader("data")))
			check("Delete", b.Delete(ctx, key))
		})
	}
	badDirs := []string{"/", "/abs/", "a//", "../", "./x", "a/../b/", `a\b/`}
	for _, dir := range badDirs {
		err := b.Iter(ctx, dir, func(string) error { return nil })
		if !errors.Is(err, storage.ErrInvalidKey) {
			t.Errorf("Iter(%q) error = %v, want one wrapping ErrInvalidKey", dir, err)
		}
	}
	checkList(t, "listing after invalid uploads", list(t, b, "", true), []string{"ok/x"})
}

func testHelpers(t *testing.T, b storage.Bucket) {
	ctx := t.Context()
	dir := t.TempDir()
	data := randomBytes(300<<10, 3)

	// UploadFile consumes the local file, whichever way the bucket stores it.
	src := filepath.Join(dir, "src.bin")
	if err := os.WriteFile(src, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := storage.UploadFile(ctx, b, "h/file.bin", src); err != nil {
		t.Fatalf("UploadFile: %v", err)
	}
	if _, err := os.Stat(src); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("local file after UploadFile: stat error %v, want it gone", err)
	}
	checkBytes(t, "object stored by UploadFile", get(t, b, "h/file.bin"), data)

	// Download creates parent directories and leaves no temp file behind.
	dst := filepath.Join(dir, "out", "nested", "dst.bin")
	if err := storage.Download(ctx, b, "h/file.bin", dst); err != nil {
		t.Fatalf("Download: %v", err)
	}
	got, err := os.ReadFile(dst)
	if err != nil {
		t.Fatal(err)
	}
	checkBytes(t, "downloaded file", got, data)

	missingDst := filepath.Join(dir, "out", "nested", "missing.bin")
	if err := storage.Download(ctx, b, "h/missing", missingDst); !storage.IsNotFound(err) {
		t.Fatalf("Download of a missing object = %v, want not found", err)
	}
	entries, err := os.ReadDir(filepath.Dir(dst))
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Name() != "dst.bin" {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Fatalf("download directory holds %q, want only dst.bin (no temp files, nothing for the missing object)", names)
	}

	if _, err := storage.ReadAll(ctx, b, "h/missing"); !storage.IsNotFound(err) {
		t.Fatalf("ReadAll of a missing object = %v, want not found", err)
	}
}

func testLocalPather(t *testing.T, b storage.Bucket) {
	lp, ok := b.(storage.LocalPather)
	if !ok {
		t.Skip("bucket does not implement storage.LocalPather")
	}
	put(t, b, "lp/obj", []byte("contents"))
	path, ok := lp.LocalPath("lp/obj")
	if !ok {
		// Allowed by the contract: decorators implement LocalPather whatever their inner bucket.
		t.Skip("bucket has no local paths")
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("reading LocalPath(lp/obj) = %q: %v", path, err)
	}
	checkBytes(t, "file at LocalPath", got, []byte("contents"))
	for _, key := range []string{"lp/missing", "lp", "../x"} {
		if p, ok := lp.LocalPath(key); ok {
			t.Errorf("LocalPath(%q) = %q, true; want false for a key that is not an object", key, p)
		}
	}
}

func testFileUploader(t *testing.T, b storage.Bucket) {
	fu, ok := b.(storage.FileUploader)
	if !ok {
		t.Skip("bucket does not implement storage.FileUploader")
	}
	ctx := t.Context()
	dir := t.TempDir()
	put(t, b, "fu/obj", []byte("old"))
	src := filepath.Join(dir, "new.bin")
	if err := os.WriteFile(src, []byte("new contents"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := fu.UploadFile(ctx, "fu/obj", src); err != nil {
		t.Fatalf("UploadFile over an existing object: %v", err)
	}
	checkBytes(t, "object after UploadFile", get(t, b, "fu/obj"), []byte("new contents"))

	if err := fu.UploadFile(ctx, "fu/other", filepath.Join(dir, "does-not-exist")); err == nil {
		t.Fatal("UploadFile of a missing local file succeeded")
	}
	if ok, err := b.Exists(ctx, "fu/other"); ok || err != nil {
		t.Fatalf("Exists after failed UploadFile = %v, %v, want false, nil", ok, err)
	}

	kept := filepath.Join(dir, "kept.bin")
	if err := os.WriteFile(kept, []byte("k"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := fu.UploadFile(ctx, "bad//key", kept); !errors.Is(err, storage.ErrInvalidKey) {
		t.Fatalf("UploadFile to an invalid key = %v, want ErrInvalidKey", err)
	}
	if _, err := os.Stat(kept); err != nil {
		t.Fatalf("a rejected UploadFile must not consume the file: %v", err)
	}
}
