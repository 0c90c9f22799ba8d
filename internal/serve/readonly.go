package serve

import (
	"context"
	"errors"
	"io"

	"github.com/metalake/metalake/internal/storage"
)

// ErrReadOnly is returned by every write through the HTTP side's view of the lake.
var ErrReadOnly = errors.New("serve: the HTTP side is read-only")

// readOnly is the bucket the HTTP side reads through: the reads of b, and writes that fail.
// It keeps LocalPather so committed files of a local lake are still read in place.
type readOnly struct {
	b storage.Bucket
}

var (
	_ storage.Bucket      = readOnly{}
	_ storage.LocalPather = readOnly{}
)

// ReadOnly returns b with every write refused (ErrReadOnly).
func ReadOnly(b storage.Bucket) storage.Bucket { return readOnly{b: b} }

func (r readOnly) Get(ctx context.Context, name string) (io.ReadCloser, error) {
	return r.b.Get(ctx, name)
}

func (r readOnly) GetRange(ctx context.Context, name string, off, length int64) (io.ReadCloser, error) {
	return r.b.GetRange(ctx, name, off, length)
}

func (r readOnly) Iter(ctx context.Context, dir string, f func(string) error, opts ...storage.IterOption) error {
	return r.b.Iter(ctx, dir, f, opts...)
}

func (r readOnly) Exists(ctx context.Context, name string) (bool, error) {
	return r.b.Exists(ctx, name)
}

func (r readOnly) Attributes(ctx context.Context, name string) (storage.Attributes, error) {
	return r.b.Attributes(ctx, name)
}

func (r readOnly) Name() string { return r.b.Name() }

func (r readOnly) Upload(context.Context, string, io.Reader) error { return ErrReadOnly }

func (r readOnly) Delete(context.Context, string) error { return ErrReadOnly }

// LocalPath implements storage.LocalPather when b does.
func (r readOnly) LocalPath(name string) (string, bool) {
	if lp, ok := r.b.(storage.LocalPather); ok {
		return lp.LocalPath(name)
	}
	return "", false
}
