// Package storage is metalake's object-store seam: a small Bucket interface shaped like an
// object store (flat "/"-separated keys, no rename, no directories), with local-directory and
// in-memory backends, decorators (prefix, metrics) and optional one-method extras discovered by
// type assertion. Every backend must pass storagetest.Run.
//
// Correctness never depends on rename or on local paths: the lake's commit protocol
// (internal/lake) only needs atomic single-object Upload and sorted listing.
package storage

import (
	"context"
	"errors"
	"io"
	"time"
)

// ErrNotFound is returned (wrapped) by Get, GetRange and Attributes when the object does not
// exist. Test for it with IsNotFound. It is not retryable (Retryable() false): within a run an
// object does not appear by reading it again, its writer has already finished or failed.
var ErrNotFound error = &permanentError{"object not found"}

// IsNotFound reports whether err means the object does not exist.
func IsNotFound(err error) bool { return errors.Is(err, ErrNotFound) }

// ErrArchived is returned (wrapped) by Get and GetRange when the object exists but sits in an
// archive storage class (S3 Glacier Flexible Retrieval, Deep Archive) and has no restored copy:
// it cannot be read until someone restores it. Test for it with IsArchived. It is not
// retryable: a restore takes hours.
var ErrArchived error = &permanentError{"object is archived; restore it first"}

// IsArchived reports whether err means the object is archived and not restored.
func IsArchived(err error) bool { return errors.Is(err, ErrArchived) }

// Attributes describe one stored object.
type Attributes struct {
	Name         string // full key
	Size         int64
	LastModified time.Time
	// Archived is true when the object cannot be read before a restore (see ErrArchived);
	// StorageClass names the archive class then ("GLACIER", "DEEP_ARCHIVE").
	Archived     bool
	StorageClass string
}

// BucketReader is the read side of an object store.
//
// Keys are "/"-separated, never start with "/", and never contain "." or ".." segments.
type BucketReader interface {
	// Get opens the object for reading. The caller closes the reader.
	// It returns an error wrapping ErrNotFound when the object does not exist.
	Get(ctx context.Context, name string) (io.ReadCloser, error)

	// GetRange opens length bytes of the object starting at off (length < 0: to the end).
	// It returns an error wrapping ErrNotFound when the object does not exist.
	GetRange(ctx context.Context, name string, off, length int64) (io.ReadCloser, error)

	// Iter calls f for every entry under dir in ascending byte order of the key.
	// dir is a key prefix ending in "/" (or "" for the root); a missing "/" is added.
	// Without WithRecursive it lists one level: objects directly under dir, and every
	// deeper level once, as a "directory" entry ending in "/". With WithRecursive it lists
	// every object under dir (never directory entries). A missing dir lists nothing (no error).
	// An error returned by f stops the iteration and is returned.
	Iter(ctx context.Context, dir string, f func(name string) error, opts ...IterOption) error

	// Exists reports whether the object exists.
	Exists(ctx context.Context, name string) (bool, error)

	// Attributes returns the object's attributes, or an error wrapping ErrNotFound.
	Attributes(ctx context.Context, name string) (Attributes, error)
}

// Bucket is a BucketReader that can also write.
type Bucket interface {
	BucketReader

	// Upload stores everything read from r under name, replacing any existing object.
	// It is atomic: a concurrent or later reader sees the old object or the complete new one,
	// never a partial one, even if the writer crashes midway.
	Upload(ctx context.Context, name string, r io.Reader) error

	// Delete removes the object. Deleting an object that does not exist is not an error.
	Delete(ctx context.Context, name string) error

	// Name identifies the bucket in messages (a path or URI).
	Name() string
}

// IterOption changes how Iter lists.
type IterOption func(*IterParams)

// IterParams holds the options of one Iter call; backends read it with ApplyIterOptions.
type IterParams struct {
	Recursive bool
}

// WithRecursive makes Iter list every object under dir instead of one level.
func WithRecursive() IterOption { return func(p *IterParams) { p.Recursive = true } }

// ApplyIterOptions folds opts into IterParams.
func ApplyIterOptions(opts ...IterOption) IterParams {
	var p IterParams
	for _, o := range opts {
		o(&p)
	}
	return p
}

// LocalPather is an optional extra: a backend whose objects are plain local files returns the
// file path of an existing object, so the engine may read it in place instead of copying.
// ok is false when the object has no local path.
type LocalPather interface {
	LocalPath(name string) (path string, ok bool)
}

// Locator is an optional extra: a backend names where an object lives (whether or not it
// exists yet) for programs that reach the same store themselves, such as a Spark cluster
// reading and writing the lake: "file:///abs/path" for a local directory, "s3://bucket/key"
// for S3. ok is false when the store has no such address (the in-memory bucket).
type Locator interface {
	Locate(name string) (uri string, ok bool)
}

// Locate is b's address for the object name when b is a Locator (see Locator).
func Locate(b BucketReader, name string) (string, bool) {
	if l, ok := b.(Locator); ok {
		return l.Locate(name)
	}
	return "", false
}

// FileUploader is an optional extra: upload a local file, consuming it (the backend may move
// the file instead of copying it). Same atomicity as Upload. After a successful call the local
// file may no longer exist.
type FileUploader interface {
	UploadFile(ctx context.Context, name, localPath string) error
}
