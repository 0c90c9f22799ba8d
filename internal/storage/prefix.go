package storage

import (
	"context"
	"fmt"
	"io"
	"strings"
)

// WithPrefix returns a Bucket whose keys are relative to prefix inside b: key "k" is "prefix/k"
// in b, and Iter reports names relative to the prefix. Use it for a lake rooted below the top
// of an object store bucket (s3://bucket/meta). Leading and trailing "/" of prefix are ignored;
// an empty prefix returns b itself.
//
// An invalid prefix (see ValidateKey) yields a bucket whose every operation returns that error,
// so a bad lake URI surfaces on first use with a clear message instead of a panic here.
//
// The optional extras are decided at call time rather than by the returned type: the result
// always implements LocalPather and FileUploader. LocalPath forwards to b when b is a
// LocalPather and otherwise reports ok == false, which the LocalPather contract already allows;
// UploadFile forwards to b when b is a FileUploader and otherwise copies with Upload and removes
// the file, which is what the contract promises anyway. This avoids one wrapper type per
// combination of extras, and callers stay correct either way.
func WithPrefix(b Bucket, prefix string) Bucket {
	p := strings.Trim(prefix, "/")
	if p == "" {
		return b
	}
	pb := &prefixed{inner: b, prefix: p + "/"}
	if err := ValidateKey(p); err != nil {
		pb.err = fmt.Errorf("bucket prefix %q: %w", prefix, err)
	}
	return pb
}

type prefixed struct {
	inner  Bucket
	prefix string // valid key + "/"
	err    error  // non-nil when the prefix is invalid
}

var (
	_ Bucket       = (*prefixed)(nil)
	_ LocalPather  = (*prefixed)(nil)
	_ FileUploader = (*prefixed)(nil)
	_ Locator      = (*prefixed)(nil)
)

// full maps a relative key to the inner key. The relative key is validated here, not only by the
// inner bucket, so that errors quote the key the caller passed.
func (p *prefixed) full(name string) (string, error) {
	if p.err != nil {
		return "", p.err
	}
	if err := ValidateKey(name); err != nil {
		return "", err
	}
	return p.prefix + name, nil
}

func (p *prefixed) Name() string {
	n := p.inner.Name()
	if strings.HasSuffix(n, "/") {
		return n + strings.TrimSuffix(p.prefix, "/")
	}
	return n + "/" + strings.TrimSuffix(p.prefix, "/")
}

func (p *prefixed) Get(ctx context.Context, name string) (io.ReadCloser, error) {
	full, err := p.full(name)
	if err != nil {
		return nil, err
	}
	return p.inner.Get(ctx, full)
}

func (p *prefixed) GetRange(ctx context.Context, name string, off, length int64) (io.ReadCloser, error) {
	full, err := p.full(name)
	if err != nil {
		return nil, err
	}
	return p.inner.GetRange(ctx, full, off, length)
}

func (p *prefixed) Iter(ctx context.Context, dir string, f func(name string) error, opts ...IterOption) error {
	if p.err != nil {
		return p.err
	}
	dir, err := normalizeDir(dir)
	if err != nil {
		return err
	}
	return p.inner.Iter(ctx, p.prefix+dir, func(name string) error {
		return f(strings.TrimPrefix(name, p.prefix))
	}, opts...)
}

func (p *prefixed) Exists(ctx context.Context, name string) (bool, error) {
	full, err := p.full(name)
	if err != nil {
		return false, err
	}
	return p.inner.Exists(ctx, full)
}

func (p *prefixed) Attributes(ctx context.Context, name string) (Attributes, error) {
	full, err := p.full(name)
	if err != nil {
		return Attributes{}, err
	}
	attrs, err := p.inner.Attributes(ctx, full)
	if err != nil {
		return Attributes{}, err
	}
	attrs.Name = name
	return attrs, nil
}

func (p *prefixed) Upload(ctx context.Context, name string, r io.Reader) error {
	full, err := p.full(name)
	if err != nil {
		return err
	}
	return p.inner.Upload(ctx, full, r)
}

func (p *prefixed) Delete(ctx context.Context, name string) error {
	full, err := p.full(name)
	if err != nil {
		return err
	}
	return p.inner.Delete(ctx, full)
}

// LocalPath implements LocalPather; ok is false when the inner bucket has no local paths.
func (p *prefixed) LocalPath(name string) (string, bool) {
	lp, ok := p.inner.(LocalPather)
	if !ok {
		return "", false
	}
	full, err := p.full(name)
	if err != nil {
		return "", false
	}
	return lp.LocalPath(full)
}

// Locate implements Locator; ok is false when the inner bucket has no addresses.
func (p *prefixed) Locate(name string) (string, bool) {
	full, err := p.full(name)
	if err != nil {
		return "", false
	}
	return Locate(p.inner, full)
}

// UploadFile implements FileUploader, moving the file when the inner bucket can.
func (p *prefixed) UploadFile(ctx context.Context, name, localPath string) error {
	full, err := p.full(name)
	if err != nil {
		return err
	}
	if fu, ok := p.inner.(FileUploader); ok {
		return fu.UploadFile(ctx, full, localPath)
	}
	return uploadFileByCopy(ctx, p, name, localPath)
}
