package storage_test

import (
	"bytes"
	"slices"
	"testing"

	"github.com/metalake/metalake/internal/storage"
	"github.com/metalake/metalake/internal/storage/storagetest"
)

func TestMemoryConformance(t *testing.T) {
	storagetest.Run(t, func(*testing.T) storage.Bucket { return storage.NewMemory() })
}

// The stored object must not alias the caller's buffers, in either direction.
func TestMemoryCopiesData(t *testing.T) {
	ctx := t.Context()
	m := storage.NewMemory()
	src := []byte("original")
	if err := storage.PutBytes(ctx, m, "k", src); err != nil {
		t.Fatal(err)
	}
	copy(src, "MUTATED!")
	got, err := storage.ReadAll(ctx, m, "k")
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != "original" {
		t.Fatalf("after mutating the uploaded buffer, Get = %q, want %q", got, "original")
	}
	copy(got, "MUTATED!")
	again, err := storage.ReadAll(ctx, m, "k")
	if err != nil {
		t.Fatal(err)
	}
	if string(again) != "original" {
		t.Fatalf("after mutating a read buffer, Get = %q, want %q", again, "original")
	}
}

// Object stores (and Memory) let "a" and "a/b" coexist; only Local cannot.
func TestMemoryObjectAndPrefixCoexist(t *testing.T) {
	ctx := t.Context()
	m := storage.NewMemory()
	for _, key := range []string{"a", "a/b"} {
		if err := storage.PutBytes(ctx, m, key, []byte(key)); err != nil {
			t.Fatal(err)
		}
	}
	var names []string
	if err := m.Iter(ctx, "", func(n string) error { names = append(names, n); return nil }); err != nil {
		t.Fatal(err)
	}
	if want := []string{"a", "a/"}; !slices.Equal(names, want) {
		t.Fatalf("Iter = %q, want %q", names, want)
	}
	got, err := storage.ReadAll(ctx, m, "a")
	if err != nil || !bytes.Equal(got, []byte("a")) {
		t.Fatalf("Get(a) = %q, %v", got, err)
	}
}
