package storage

import (
	"context"
	"fmt"
	"io"
	"os"
	"sync/atomic"
)

// Metrics counts the operations of an Instrumented bucket. Every call counts as one operation,
// whether it succeeds or not. BytesRead counts bytes actually read from readers returned by Get
// and GetRange; BytesWritten counts the bytes of successful uploads (Upload and UploadFile).
type Metrics struct {
	Get          int64
	GetRange     int64
	Iter         int64
	Exists       int64
	Attributes   int64
	Upload       int64 // Upload and UploadFile calls
	Delete       int64
	BytesRead    int64
	BytesWritten int64
}

// Ops is the total number of operations.
func (m Metrics) Ops() int64 {
	return m.Get + m.GetRange + m.Iter + m.Exists + m.Attributes + m.Upload + m.Delete
}

// String is a one-line summary for logs.
func (m Metrics) String() string {
	return fmt.Sprintf("get=%d get_range=%d iter=%d exists=%d attributes=%d upload=%d delete=%d bytes_read=%d bytes_written=%d",
		m.Get, m.GetRange, m.Iter, m.Exists, m.Attributes, m.Upload, m.Delete, m.BytesRead, m.BytesWritten)
}

// Instrumented is a Bucket decorator that counts operations and bytes. It is safe for
// concurrent use. Like WithPrefix, it always implements LocalPather and FileUploader, forwarding
// to the inner bucket when it has them and falling back as their contracts allow otherwise
// (LocalPath reports ok == false; UploadFile copies with Upload and removes the file).
type Instrumented struct {
	inner Bucket

	get, getRange, iter, exists, attributes, upload, del atomic.Int64
	bytesRead, bytesWritten                              atomic.Int64
}

var (
	_ Bucket       = (*Instrumented)(nil)
	_ LocalPather  = (*Instrumented)(nil)
	_ FileUploader = (*Instrumented)(nil)
	_ Locator      = (*Instrumented)(nil)
)

// WithMetrics wraps b with operation and byte counters.
func WithMetrics(b Bucket) *Instrumented { return &Instrumented{inner: b} }

// Snapshot returns the counters. Each counter is read atomically, the set as a whole is not:
// operations running concurrently with Snapshot may be partly included.
func (i *Instrumented) Snapshot() Metrics {
	return Metrics{
		Get:          i.get.Load(),
		GetRange:     i.getRange.Load(),
		Iter:         i.iter.Load(),
		Exists:       i.exists.Load(),
		Attributes:   i.attributes.Load(),
		Upload:       i.upload.Load(),
		Delete:       i.del.Load(),
		BytesRead:    i.bytesRead.Load(),
		BytesWritten: i.bytesWritten.Load(),
	}
}

// Name implements Bucket: the inner bucket's name.
func (i *Instrumented) Name() string { return i.inner.Name() }

func (i *Instrumented) Get(ctx context.Context, name string) (io.ReadCloser, error) {
	i.get.Add(1)
	rc, err := i.inner.Get(ctx, name)
	if err != nil {
		return nil, err
	}
	return &countingReadCloser{rc: rc, n: &i.bytesRead}, nil
}

func (i *Instrumented) GetRange(ctx context.Context, name string, off, length int64) (io.ReadCloser, error) {
	i.getRange.Add(1)
	rc, err := i.inner.GetRange(ctx, name, off, length)
	if err != nil {
		return nil, err
	}
	return &countingReadCloser{rc: rc, n: &i.bytesRead}, nil
}

func (i *Instrumented) Iter(ctx context.Context, dir string, f func(name string) error, opts ...IterOption) error {
	i.iter.Add(1)
	return i.inner.Iter(ctx, dir, f, opts...)
}

func (i *Instrumented) Exists(ctx context.Context, name string) (bool, error) {
	i.exists.Add(1)
	return i.inner.Exists(ctx, name)
}

func (i *Instrumented) Attributes(ctx context.Context, name string) (Attributes, error) {
	i.attributes.Add(1)
	return i.inner.Attributes(ctx, name)
}

func (i *Instrumented) Upload(ctx context.Context, name string, r io.Reader) error {
	i.upload.Add(1)
	var n atomic.Int64
	if err := i.inner.Upload(ctx, name, &countingReader{r: r, n: &n}); err != nil {
		return err
	}
	i.bytesWritten.Add(n.Load())
	return nil
}

func (i *Instrumented) Delete(ctx context.Context, name string) error {
	i.del.Add(1)
	return i.inner.Delete(ctx, name)
}

// LocalPath implements LocalPather; ok is false when the inner bucket has no local paths.
// It is not counted: it is a local lookup, not an object-store operation.
func (i *Instrumented) LocalPath(name string) (string, bool) {
	if lp, ok := i.inner.(LocalPather); ok {
		return lp.LocalPath(name)
	}
	return "", false
}

// Locate implements Locator; ok is false when the inner bucket has no addresses. It is not
// counted: it touches no object.
func (i *Instrumented) Locate(name string) (string, bool) { return Locate(i.inner, name) }

// UploadFile implements FileUploader; it counts as one upload of the file's size.
func (i *Instrumented) UploadFile(ctx context.Context, name, localPath string) error {
	fu, ok := i.inner.(FileUploader)
	if !ok {
		return uploadFileByCopy(ctx, i, name, localPath) // counted by i.Upload
	}
	i.upload.Add(1)
	// The size must be taken before the call: a successful UploadFile may consume the file.
	fi, err := os.Stat(localPath)
	if err != nil {
		return fmt.Errorf("%s: upload %q from file: %w", i.Name(), name, err)
	}
	if err := fu.UploadFile(ctx, name, localPath); err != nil {
		return err
	}
	i.bytesWritten.Add(fi.Size())
	return nil
}

type countingReader struct {
	r io.Reader
	n *atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

type countingReadCloser struct {
	rc io.ReadCloser
	n  *atomic.Int64
}

func (c *countingReadCloser) Read(p []byte) (int, error) {
	n, err := c.rc.Read(p)
	c.n.Add(int64(n))
	return n, err
}

func (c *countingReadCloser) Close() error { return c.rc.Close() }
