package storage

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"time"
)

// Memory is an in-memory Bucket for tests and throwaway lakes (mem://). It is safe for
// concurrent use. Stored data is copied on Upload and on Get, so neither the uploader nor a
// reader can change what another caller sees.
//
// Unlike Local, Memory lets an object "a" and an object "a/b" coexist, as object stores do.
type Memory struct {
	mu      sync.RWMutex
	objects map[string]memObject
}

type memObject struct {
	data    []byte
	modTime time.Time
}

var _ Bucket = (*Memory)(nil)

// NewMemory returns an empty in-memory bucket.
func NewMemory() *Memory {
	return &Memory{objects: make(map[string]memObject)}
}

// Name implements Bucket.
func (m *Memory) Name() string { return "mem://" }

func (m *Memory) lookup(name string) (memObject, error) {
	if err := ValidateKey(name); err != nil {
		return memObject{}, err
	}
	m.mu.RLock()
	obj, ok := m.objects[name]
	m.mu.RUnlock()
	if !ok {
		return memObject{}, fmt.Errorf("%s: %q: %w", m.Name(), name, ErrNotFound)
	}
	return obj, nil
}

// Get implements BucketReader.
func (m *Memory) Get(ctx context.Context, name string) (io.ReadCloser, error) {
	return m.GetRange(ctx, name, 0, -1)
}

// GetRange implements BucketReader.
func (m *Memory) GetRange(ctx context.Context, name string, off, length int64) (io.ReadCloser, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	obj, err := m.lookup(name)
	if err != nil {
		return nil, err
	}
	start, end, err := rangeBounds(name, int64(len(obj.data)), off, length)
	if err != nil {
		return nil, err
	}
	return io.NopCloser(bytes.NewReader(bytes.Clone(obj.data[start:end]))), nil
}

// Exists implements BucketReader.
func (m *Memory) Exists(ctx context.Context, name string) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	_, err := m.lookup(name)
	if IsNotFound(err) {
		return false, nil
	}
	return err == nil, err
}

// Attributes implements BucketReader.
func (m *Memory) Attributes(ctx context.Context, name string) (Attributes, error) {
	if err := ctx.Err(); err != nil {
		return Attributes{}, err
	}
	obj, err := m.lookup(name)
	if err != nil {
		return Attributes{}, err
	}
	return Attributes{Name: name, Size: int64(len(obj.data)), LastModified: obj.modTime}, nil
}

// Iter implements BucketReader.
func (m *Memory) Iter(ctx context.Context, dir string, f func(name string) error, opts ...IterOption) error {
	dir, err := normalizeDir(dir)
	if err != nil {
		return err
	}
	recursive := ApplyIterOptions(opts...).Recursive

	// Snapshot the matching names under the lock, then call f without it, so f may use the
	// bucket (even write to it) without deadlocking.
	seen := make(map[string]struct{})
	m.mu.RLock()
	for key := range m.objects {
		rest, ok := strings.CutPrefix(key, dir)
		if !ok {
			continue
		}
		if !recursive {
			if i := strings.IndexByte(rest, '/'); i >= 0 {
				key = dir + rest[:i+1]
			}
		}
		seen[key] = struct{}{}
	}
	m.mu.RUnlock()

	return emitSorted(ctx, seen, f)
}

// emitSorted calls f for each name in ascending byte order (Go string order is byte order).
func emitSorted(ctx context.Context, names map[string]struct{}, f func(string) error) error {
	sorted := make([]string, 0, len(names))
	for n := range names {
		sorted = append(sorted, n)
	}
	slices.Sort(sorted)
	for _, n := range sorted {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := f(n); err != nil {
			return err
		}
	}
	return nil
}

// Upload implements Bucket. The whole object is read before it is stored, so a failing reader
// leaves the previous object untouched.
func (m *Memory) Upload(ctx context.Context, name string, r io.Reader) error {
	if err := ValidateKey(name); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	data, err := io.ReadAll(ctxReader{ctx: ctx, r: r})
	if err != nil {
		return fmt.Errorf("%s: upload %q: %w", m.Name(), name, err)
	}
	m.mu.Lock()
	m.objects[name] = memObject{data: data, modTime: time.Now()}
	m.mu.Unlock()
	return nil
}

// Delete implements Bucket.
func (m *Memory) Delete(ctx context.Context, name string) error {
	if err := ValidateKey(name); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	delete(m.objects, name)
	m.mu.Unlock()
	return nil
}

// ctxReader stops a long copy once ctx is done, so a cancelled Upload does not keep reading a
// multi-gigabyte source to the end.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
