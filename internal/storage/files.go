package storage

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// UploadFile stores the local file under name and consumes it: after a successful call the file
// is gone. A bucket implementing FileUploader may move the file instead of copying it; others get
// a streamed Upload followed by removal of the file. On error the file is left in place, unless
// the object was already stored and only the removal failed.
func UploadFile(ctx context.Context, b Bucket, name, localPath string) error {
	if fu, ok := b.(FileUploader); ok {
		return fu.UploadFile(ctx, name, localPath)
	}
	return uploadFileByCopy(ctx, b, name, localPath)
}

// uploadFileByCopy is the FileUploader contract built from Upload alone. Decorators that
// implement FileUploader fall back to it when their inner bucket does not (calling UploadFile
// there would find the decorator itself and recurse).
func uploadFileByCopy(ctx context.Context, b Bucket, name, localPath string) error {
	f, err := os.Open(localPath)
	if err != nil {
		return fmt.Errorf("%s: upload %q from file: %w", b.Name(), name, err)
	}
	err = b.Upload(ctx, name, f)
	f.Close()
	if err != nil {
		return err
	}
	if err := os.Remove(localPath); err != nil {
		return fmt.Errorf("%s: upload %q from file: stored, but removing the local file: %w", b.Name(), name, err)
	}
	return nil
}

// Download streams the object to localPath, creating parent directories. It writes a temp file
// next to localPath and renames it, so localPath is either absent/unchanged or complete. A
// missing object is an error wrapping ErrNotFound and creates nothing.
func Download(ctx context.Context, b BucketReader, name, localPath string) error {
	rc, err := b.Get(ctx, name)
	if err != nil {
		return err
	}
	defer rc.Close()

	dir := filepath.Dir(localPath)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("download %q: %w", name, err)
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(localPath)+".*.tmp")
	if err != nil {
		return fmt.Errorf("download %q: %w", name, err)
	}
	done := false
	defer func() {
		if !done {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if _, err := io.Copy(tmp, ctxReader{ctx: ctx, r: rc}); err != nil {
		return fmt.Errorf("download %q to %s: %w", name, localPath, err)
	}
	if err := tmp.Chmod(objectPerm); err != nil {
		return fmt.Errorf("download %q to %s: %w", name, localPath, err)
	}
	// No fsync: a download is a local working copy that can be fetched again after a crash;
	// the rename only keeps concurrent readers of localPath from seeing a partial file.
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("download %q to %s: %w", name, localPath, err)
	}
	if err := os.Rename(tmp.Name(), localPath); err != nil {
		return fmt.Errorf("download %q to %s: %w", name, localPath, err)
	}
	done = true
	return nil
}

// ReadAll returns the whole object; meant for small objects (manifests, metadata).
func ReadAll(ctx context.Context, b BucketReader, name string) ([]byte, error) {
	rc, err := b.Get(ctx, name)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	data, err := io.ReadAll(rc)
	if err != nil {
		return nil, fmt.Errorf("read %q: %w", name, err)
	}
	return data, nil
}

// PutBytes stores data under name.
func PutBytes(ctx context.Context, b Bucket, name string, data []byte) error {
	return b.Upload(ctx, name, bytes.NewReader(data))
}
