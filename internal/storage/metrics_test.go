package storage_test

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/metalake/metalake/internal/storage"
	"github.com/metalake/metalake/internal/storage/storagetest"
)

func TestMetricsConformance(t *testing.T) {
	t.Run("memory", func(t *testing.T) {
		storagetest.Run(t, func(*testing.T) storage.Bucket { return storage.WithMetrics(storage.NewMemory()) })
	})
	t.Run("local", func(t *testing.T) {
		storagetest.Run(t, func(t *testing.T) storage.Bucket { return storage.WithMetrics(newLocal(t)) })
	})
}

func TestMetricsCounts(t *testing.T) {
	for _, tc := range []struct {
		name  string
		inner func(t *testing.T) storage.Bucket
	}{
		{"memory", func(*testing.T) storage.Bucket { return storage.NewMemory() }},
		{"local", func(t *testing.T) storage.Bucket { return newLocal(t) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := t.Context()
			b := storage.WithMetrics(tc.inner(t))
			if got := b.Snapshot(); got != (storage.Metrics{}) {
				t.Fatalf("fresh snapshot = %+v, want zero", got)
			}

			must := func(err error) {
				t.Helper()
				if err != nil {
					t.Fatal(err)
				}
			}
			must(storage.PutBytes(ctx, b, "a", []byte("0123456789"))) // upload, 10 bytes
			must(storage.PutBytes(ctx, b, "d/b", []byte("xyz")))      // upload, 3 bytes
			_, err := storage.ReadAll(ctx, b, "a")                    // get, 10 bytes
			must(err)
			rc, err := b.GetRange(ctx, "a", 2, 4) // get_range, read only 3 of its 4 bytes
			must(err)
			_, err = io.ReadFull(rc, make([]byte, 3))
			must(err)
			must(rc.Close())
			_, err = b.Get(ctx, "missing") // a failed get still counts as an operation
			if !storage.IsNotFound(err) {
				t.Fatalf("Get(missing) = %v", err)
			}
			must(b.Iter(ctx, "", func(string) error { return nil }))
			must(b.Iter(ctx, "", func(string) error { return nil }, storage.WithRecursive()))
			_, err = b.Exists(ctx, "a")
			must(err)
			_, err = b.Attributes(ctx, "a")
			must(err)
			must(b.Delete(ctx, "d/b"))
			// A failed upload counts as an operation but writes no bytes.
			if err := b.Upload(ctx, "bad//key", strings.NewReader("lost")); err == nil {
				t.Fatal("Upload to an invalid key succeeded")
			}
			// UploadFile counts once, whether the inner bucket moves the file or Upload copies it.
			src := filepath.Join(t.TempDir(), "f")
			must(os.WriteFile(src, make([]byte, 100), 0o644))
			must(storage.UploadFile(ctx, b, "f", src))

			want := storage.Metrics{
				Get: 2, GetRange: 1, Iter: 2, Exists: 1, Attributes: 1, Upload: 4, Delete: 1,
				BytesRead: 13, BytesWritten: 113,
			}
			got := b.Snapshot()
			if got != want {
				t.Fatalf("Snapshot =\n %v\nwant\n %v", got, want)
			}
			if got.Ops() != 12 {
				t.Fatalf("Ops() = %d, want 12", got.Ops())
			}
		})
	}
}

func TestMetricsExtras(t *testing.T) {
	local := newLocal(t)
	b := storage.WithMetrics(local)
	if err := storage.PutBytes(t.Context(), b, "x", []byte("x")); err != nil {
		t.Fatal(err)
	}
	if p, ok := b.LocalPath("x"); !ok || p != filepath.Join(local.Name(), "x") {
		t.Fatalf("LocalPath through metrics = %q, %v", p, ok)
	}
	if p, ok := storage.WithMetrics(storage.NewMemory()).LocalPath("x"); ok {
		t.Fatalf("LocalPath over Memory = %q, true; want false", p)
	}
	if b.Name() != local.Name() {
		t.Fatalf("Name() = %q, want the inner bucket's %q", b.Name(), local.Name())
	}
}
