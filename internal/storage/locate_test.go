package storage_test

import (
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/metalake/metalake/internal/storage"
	"github.com/metalake/metalake/internal/storage/s3test"
)

// TestLocate: a local bucket's address of an object is the file:// URI of the very file it
// stores, through the prefix and metrics decorators too; an S3 bucket's is s3://bucket/prefix/key
// and names the object the server holds; the in-memory bucket and invalid keys have none.
func TestLocate(t *testing.T) {
	ctx := t.Context()
	root := t.TempDir()
	local, err := storage.NewLocal(root)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		b    storage.Bucket
		key  string // the key under the local root
	}{
		{"local", local, "t/run_date=2024-01-01/part 1.parquet"},
		{"prefix", storage.WithPrefix(local, "lake/a"), "lake/a/t/x.parquet"},
		{"metrics", storage.WithMetrics(storage.WithPrefix(local, "m")), "m/y.parquet"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rel := tc.key[strings.Index(tc.key, "/")+1:]
			if tc.name == "local" {
				rel = tc.key
			} else if tc.name == "prefix" {
				rel = strings.TrimPrefix(tc.key, "lake/a/")
			}
			if err := storage.PutBytes(ctx, tc.b, rel, []byte("body")); err != nil {
				t.Fatal(err)
			}
			uri, ok := storage.Locate(tc.b, rel)
			if !ok || !strings.HasPrefix(uri, "file://") {
				t.Fatalf("Locate(%q) = %q, %v; want a file:// URI", rel, uri, ok)
			}
			got, err := os.ReadFile(strings.TrimPrefix(uri, "file://"))
			if err != nil || string(got) != "body" {
				t.Errorf("the file at %s holds %q (%v), want the object's body", uri, got, err)
			}
			if want := filepath.Join(root, filepath.FromSlash(tc.key)); strings.TrimPrefix(uri, "file://") != filepath.ToSlash(want) {
				t.Errorf("Locate = %s, want file://%s", uri, want)
			}
			if uri, ok := storage.Locate(tc.b, "../escape"); ok {
				t.Errorf("Locate of an invalid key = %q, want none", uri)
			}
		})
	}
	if uri, ok := storage.Locate(storage.NewMemory(), "a"); ok {
		t.Errorf("memory bucket Locate = %q, want none", uri)
	}

	t.Run("s3", func(t *testing.T) {
		srv := s3test.Start(t)
		b := srv.Bucket(t, "meta/lake")
		if err := storage.PutBytes(ctx, b, "t/x.parquet", []byte("body")); err != nil {
			t.Fatal(err)
		}
		uri, ok := storage.Locate(b, "t/x.parquet")
		if !ok {
			t.Fatal("S3 Locate: no address")
		}
		u, err := url.Parse(uri)
		if err != nil || u.Scheme != "s3" || u.Path != "/meta/lake/t/x.parquet" || "s3://"+u.Host+"/meta/lake" != b.Name() {
			t.Fatalf("S3 Locate = %q, want s3://<bucket>/meta/lake/t/x.parquet of %s", uri, b.Name())
		}
		// The address names the object the server holds: the bucket's root reads it there.
		root, err := storage.NewS3(ctx, "s3://"+u.Host, srv.Config())
		if err != nil {
			t.Fatal(err)
		}
		got, err := storage.ReadAll(ctx, root, strings.TrimPrefix(u.Path, "/"))
		if err != nil || string(got) != "body" {
			t.Errorf("object at %s: %q, %v", uri, got, err)
		}
	})
}
