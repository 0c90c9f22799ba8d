package storage_test

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/metalake/metalake/internal/storage"
	"github.com/metalake/metalake/internal/storage/s3test"
	"github.com/metalake/metalake/internal/storage/storagetest"
)

// TestS3Conformance runs the storage contract against a real S3 server (versitygw), at the
// bucket's root and under a prefix (s3://bucket/meta).
func TestS3Conformance(t *testing.T) {
	srv := s3test.Start(t)
	t.Run("root", func(t *testing.T) {
		storagetest.Run(t, func(t *testing.T) storage.Bucket { return srv.Bucket(t, "") })
	})
	t.Run("prefix", func(t *testing.T) {
		storagetest.Run(t, func(t *testing.T) storage.Bucket { return srv.Bucket(t, "meta/lake") })
	})
}

// TestS3Multipart: an object larger than a part goes up in parts and reads back whole; a
// source that breaks after two parts leaves no object, keeps the old one, and leaves no
// multipart upload pending.
func TestS3Multipart(t *testing.T) {
	srv := s3test.Start(t)
	cfg := srv.Config()
	cfg.PartSize = 5 << 20
	b := srv.BucketAt(t, "s3://multipart/meta", cfg)
	ctx := t.Context()
	data := make([]byte, 12<<20+7)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range data {
		data[i] = byte(r.Uint32())
	}
	if err := b.Upload(ctx, "big/blob.bin", bytes.NewReader(data)); err != nil {
		t.Fatal(err)
	}
	rc, err := b.Get(ctx, "big/blob.bin")
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(rc)
	rc.Close()
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("read back %d bytes (err %v), want the %d uploaded", len(got), err, len(data))
	}
	broken := errors.New("source broke")
	for _, key := range []string{"big/blob.bin", "big/new.bin"} {
		err := b.Upload(ctx, key, io.MultiReader(bytes.NewReader(data[:11<<20]), errReader{broken}))
		if !errors.Is(err, broken) {
			t.Fatalf("Upload(%s) with a source breaking after two parts = %v", key, err)
		}
	}
	if ok, err := b.Exists(ctx, "big/new.bin"); ok || err != nil {
		t.Errorf("a failed multipart upload left an object (exists %v, err %v)", ok, err)
	}
	if a, err := b.Attributes(ctx, "big/blob.bin"); err != nil || a.Size != int64(len(data)) {
		t.Errorf("the old object after a failed overwrite: %+v, %v", a, err)
	}
	if n, err := b.PendingUploads(ctx); err != nil || n != 0 {
		t.Errorf("pending multipart uploads after failures: %d (err %v)", n, err)
	}
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

// TestS3ConfigFromEnv: the endpoint and path style come from the environment, a bad value is
// one clear error naming the variable.
func TestS3ConfigFromEnv(t *testing.T) {
	t.Setenv("METALAKE_S3_ENDPOINT", "http://127.0.0.1:9")
	t.Setenv("METALAKE_S3_PATH_STYLE", "")
	c, err := storage.S3ConfigFromEnv()
	if err != nil || c.Endpoint != "http://127.0.0.1:9" || !c.PathStyle {
		t.Fatalf("config %+v, %v", c, err)
	}
	t.Setenv("METALAKE_S3_PATH_STYLE", "maybe")
	if _, err := storage.S3ConfigFromEnv(); err == nil || !strings.Contains(err.Error(), "METALAKE_S3_PATH_STYLE") {
		t.Fatalf("bad path style: %v", err)
	}
}
