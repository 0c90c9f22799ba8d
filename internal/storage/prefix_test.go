package storage_test

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/metalake/metalake/internal/storage"
	"github.com/metalake/metalake/internal/storage/storagetest"
)

func TestPrefixConformance(t *testing.T) {
	t.Run("memory", func(t *testing.T) {
		storagetest.Run(t, func(*testing.T) storage.Bucket {
			return storage.WithPrefix(storage.NewMemory(), "meta")
		})
	})
	t.Run("local", func(t *testing.T) {
		storagetest.Run(t, func(t *testing.T) storage.Bucket {
			return storage.WithPrefix(newLocal(t), "lakes/meta/")
		})
	})
	t.Run("nested", func(t *testing.T) {
		storagetest.Run(t, func(*testing.T) storage.Bucket {
			return storage.WithPrefix(storage.WithPrefix(storage.NewMemory(), "a"), "b")
		})
	})
}

func TestPrefixMapsKeys(t *testing.T) {
	ctx := t.Context()
	inner := storage.NewMemory()
	for _, key := range []string{"other/x", "meta-data/y", "metaz"} { // outside the prefix
		if err := storage.PutBytes(ctx, inner, key, []byte(key)); err != nil {
			t.Fatal(err)
		}
	}
	p := storage.WithPrefix(inner, "/meta/")
	if err := storage.PutBytes(ctx, p, "raw/t/x.csv", []byte("csv")); err != nil {
		t.Fatal(err)
	}
	if got, err := storage.ReadAll(ctx, inner, "meta/raw/t/x.csv"); err != nil || string(got) != "csv" {
		t.Fatalf("inner meta/raw/t/x.csv = %q, %v; want the object stored through the prefix", got, err)
	}
	if got := listAll(t, p, "", true); !slices.Equal(got, []string{"raw/t/x.csv"}) {
		t.Fatalf("recursive listing through prefix = %q, want only relative names inside it", got)
	}
	if got := listAll(t, p, "raw", false); !slices.Equal(got, []string{"raw/t/"}) {
		t.Fatalf("one-level listing through prefix = %q", got)
	}
	attrs, err := p.Attributes(ctx, "raw/t/x.csv")
	if err != nil || attrs.Name != "raw/t/x.csv" {
		t.Fatalf("Attributes = %+v, %v; want the relative name", attrs, err)
	}
	if _, err := p.Get(ctx, "../other/x"); !errors.Is(err, storage.ErrInvalidKey) {
		t.Fatalf("escaping the prefix with .. = %v, want ErrInvalidKey", err)
	}
	if got := p.Name(); got != "mem://meta" {
		t.Fatalf("Name() = %q, want mem://meta", got)
	}
}

func TestPrefixEdgeCases(t *testing.T) {
	inner := storage.NewMemory()
	if got := storage.WithPrefix(inner, ""); got != storage.Bucket(inner) {
		t.Fatal("an empty prefix should return the inner bucket itself")
	}
	if got := storage.WithPrefix(inner, "/"); got != storage.Bucket(inner) {
		t.Fatal(`prefix "/" should return the inner bucket itself`)
	}
	for _, bad := range []string{"a/../b", "a//b", `a\b`} {
		p := storage.WithPrefix(inner, bad)
		if _, err := p.Exists(t.Context(), "x"); !errors.Is(err, storage.ErrInvalidKey) {
			t.Errorf("WithPrefix(%q).Exists = %v, want ErrInvalidKey", bad, err)
		}
		if err := p.Iter(t.Context(), "", func(string) error { return nil }); !errors.Is(err, storage.ErrInvalidKey) {
			t.Errorf("WithPrefix(%q).Iter = %v, want ErrInvalidKey", bad, err)
		}
	}
}

// The extras reach the inner bucket when it has them, and fall back as their contracts allow
// when it does not.
func TestPrefixExtras(t *testing.T) {
	ctx := t.Context()

	local := newLocal(t)
	p := storage.WithPrefix(local, "meta")
	src := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(src, []byte("moved"), 0o644); err != nil {
		t.Fatal(err)
	}
	srcInfo, err := os.Stat(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := storage.UploadFile(ctx, p, "x/f", src); err != nil {
		t.Fatal(err)
	}
	path, ok := p.(storage.LocalPather).LocalPath("x/f")
	if want := filepath.Join(local.Name(), "meta", "x", "f"); !ok || path != want {
		t.Fatalf("LocalPath through prefix = %q, %v; want %q, true", path, ok, want)
	}
	if fi, err := os.Stat(path); err != nil || !os.SameFile(srcInfo, fi) {
		t.Fatalf("UploadFile through prefix over Local should move the file (stat: %v)", err)
	}

	mem := storage.WithPrefix(storage.NewMemory(), "meta")
	if err := storage.PutBytes(ctx, mem, "x", []byte("x")); err != nil {
		t.Fatal(err)
	}
	if path, ok := mem.(storage.LocalPather).LocalPath("x"); ok {
		t.Fatalf("LocalPath over Memory = %q, true; want false", path)
	}
	src2 := filepath.Join(t.TempDir(), "g")
	if err := os.WriteFile(src2, []byte("copied"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := mem.(storage.FileUploader).UploadFile(ctx, "g", src2); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(src2); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("UploadFile fallback must consume the file: %v", err)
	}
	if got, err := storage.ReadAll(ctx, mem, "g"); err != nil || string(got) != "copied" {
		t.Fatalf("Get(g) = %q, %v", got, err)
	}
}
