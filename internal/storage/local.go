package storage

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// UploadStagingKey is the key prefix under which Local keeps the temp files of uploads in
// flight ("<root>/_staging/uploads/"). Local refuses to write or delete keys under it, so a temp
// file can never collide with a real object; reading and listing stay honest: a recursive listing
// of the root shows temp files of uploads in flight (or abandoned by a crash) under this prefix,
// and a one-level listing of the root shows "_staging/" while any exist.
const UploadStagingKey = "_staging/uploads"

// Local is a Bucket whose objects are files under a root directory; key "a/b" is the file
// <root>/a/b. It is safe for concurrent use by several goroutines and processes.
//
// Upload writes a temp file under <root>/_staging/uploads/, fsyncs it and renames it over the
// target, so readers (and a restarted process after a crash) see the old object or the complete
// new one. A crash can leave a temp file behind but never a partial object; CleanStaleUploads
// removes such leftovers. Delete removes directories that it leaves empty, up to the root, so
// listings never show empty directories.
//
// Because keys are paths, Local cannot hold both an object "a" and an object "a/b" (object
// stores can): such an Upload fails with an error saying so. The root must be a single file
// system (no mount points inside it), because uploads are committed by rename.
type Local struct {
	root    string // absolute and clean
	staging string // <root>/_staging/uploads

	// rename is os.Rename; tests replace it to exercise the cross-device fallback of
	// UploadFile, which a single test file system cannot produce.
	rename func(oldpath, newpath string) error
}

var (
	_ Bucket       = (*Local)(nil)
	_ LocalPather  = (*Local)(nil)
	_ FileUploader = (*Local)(nil)
	_ Locator      = (*Local)(nil)
)

// objectPerm is the mode of every stored file, whether uploaded or moved in by UploadFile (temp
// files are created 0600), so lake files are uniformly readable by other local tools.
const objectPerm = 0o644

// commitAttempts bounds how often an upload retries creating its parent directory and renaming
// into it, when a concurrent Delete prunes that (momentarily empty) directory in between.
const commitAttempts = 100

// NewLocal returns a Local rooted at root, creating the directory (and the upload staging
// directory) if missing. Name() is the absolute root path.
func NewLocal(root string) (*Local, error) {
	if root == "" {
		return nil, errors.New("local bucket: empty root path")
	}
	abs, err := filepath.Abs(root)
	if err != nil {
		return nil, fmt.Errorf("local bucket %q: %w", root, err)
	}
	if err := os.MkdirAll(abs, 0o755); err != nil {
		return nil, fmt.Errorf("local bucket: creating root: %w", err)
	}
	// The staging directory is made by the first upload (createTemp): a bucket opened only to
	// read writes nothing.
	return &Local{
		root:    abs,
		staging: filepath.Join(abs, filepath.FromSlash(UploadStagingKey)),
		rename:  os.Rename,
	}, nil
}

// Name implements Bucket: the absolute root path.
func (l *Local) Name() string { return l.root }

func (l *Local) path(name string) string {
	return filepath.Join(l.root, filepath.FromSlash(name))
}

// notExist reports whether err means "no such file". ENOTDIR counts: for key "a/b" while "a" is
// an object, the file <root>/a/b cannot exist.
func notExist(err error) bool {
	return errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR)
}

func (l *Local) notFound(name string) error {
	return fmt.Errorf("%s: %q: %w", l.root, name, ErrNotFound)
}

// checkWritable validates a key that is about to be written or deleted.
func checkWritable(name string) error {
	if err := ValidateKey(name); err != nil {
		return err
	}
	if name == UploadStagingKey || strings.HasPrefix(name, UploadStagingKey+"/") {
		return fmt.Errorf("%w %q: reserved for the local bucket's upload staging", ErrInvalidKey, name)
	}
	return nil
}

// stat returns the file info of an existing object, or an error wrapping ErrNotFound. A
// directory is not an object (it is only the prefix of deeper keys).
func (l *Local) stat(name string) (fs.FileInfo, error) {
	if err := ValidateKey(name); err != nil {
		return nil, err
	}
	fi, err := os.Stat(l.path(name))
	switch {
	case notExist(err):
		return nil, l.notFound(name)
	case err != nil:
		return nil, fmt.Errorf("%s: %q: %w", l.root, name, err)
	case !fi.Mode().IsRegular():
		return nil, l.notFound(name)
	}
	return fi, nil
}

// Get implements BucketReader.
func (l *Local) Get(ctx context.Context, name string) (io.ReadCloser, error) {
	return l.GetRange(ctx, name, 0, -1)
}

// GetRange implements BucketReader. The bytes come from the file opened at call time: a
// concurrent Upload replaces the directory entry, not the open file, so the reader never mixes
// old and new contents.
func (l *Local) GetRange(ctx context.Context, name string, off, length int64) (io.ReadCloser, error) {
	if err := ValidateKey(name); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	f, err := os.Open(l.path(name))
	if notExist(err) {
		return nil, l.notFound(name)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: get %q: %w", l.root, name, err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: get %q: %w", l.root, name, err)
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, l.notFound(name)
	}
	start, end, err := rangeBounds(name, fi.Size(), off, length)
	if err != nil {
		f.Close()
		return nil, err
	}
	if start == 0 && end == fi.Size() {
		// The plain file keeps its io.WriterTo fast paths (sendfile, copy_file_range).
		return f, nil
	}
	return struct {
		io.Reader
		io.Closer
	}{io.NewSectionReader(f, start, end-start), f}, nil
}

// Exists implements BucketReader.
func (l *Local) Exists(ctx context.Context, name string) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	_, err := l.stat(name)
	if IsNotFound(err) {
		return false, nil
	}
	return err == nil, err
}

// Attributes implements BucketReader.
func (l *Local) Attributes(ctx context.Context, name string) (Attributes, error) {
	if err := ctx.Err(); err != nil {
		return Attributes{}, err
	}
	fi, err := l.stat(name)
	if err != nil {
		return Attributes{}, err
	}
	return Attributes{Name: name, Size: fi.Size(), LastModified: fi.ModTime()}, nil
}

// Locate implements Locator: file:// and the object's absolute path (ok false for an
// invalid key).
func (l *Local) Locate(name string) (string, bool) {
	if ValidateKey(name) != nil {
		return "", false
	}
	return "file://" + filepath.ToSlash(l.path(name)), true
}

// LocalPath implements LocalPather: the file of an existing object.
func (l *Local) LocalPath(name string) (string, bool) {
	if _, err := l.stat(name); err != nil {
		return "", false
	}
	return l.path(name), true
}

// Iter implements BucketReader.
//
// Walking directories in name order is not byte order of full keys: ReadDir puts the directory
// "a" before the file "a-c", yet "a-c" < "a/b" because '-' < '/'. So Iter collects the names of
// the requested level (or subtree) as full keys and sorts them.
// Directories holding no object at any depth are skipped, so a leftover empty directory (from a
// crash or a concurrent upload) never shows as an entry. Files whose names are not valid key
// segments (made by other tools) and symlinked directories are skipped; symlinks to regular
// files are objects.
func (l *Local) Iter(ctx context.Context, dir string, f func(name string) error, opts ...IterOption) error {
	dir, err := normalizeDir(dir)
	if err != nil {
		return err
	}
	base := l.root
	if dir != "" {
		base = l.path(strings.TrimSuffix(dir, "/"))
	}

	names := make(map[string]struct{})
	add := func(key string) { names[key] = struct{}{} }
	if ApplyIterOptions(opts...).Recursive {
		err = l.walk(ctx, base, dir, add)
	} else {
		err = l.listLevel(ctx, base, dir, add)
	}
	if err != nil {
		return err
	}
	return emitSorted(ctx, names, f)
}

// readDir lists a directory; a directory that does not exist (or vanished under a concurrent
// Delete, or is a file) has no entries.
func (l *Local) readDir(path string) ([]fs.DirEntry, error) {
	entries, err := os.ReadDir(path)
	if notExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("%s: listing: %w", l.root, err)
	}
	return entries, nil
}

// isObject reports whether a directory entry is an object: a regular file or a symlink to one.
func isObject(dirPath string, e fs.DirEntry) bool {
	switch t := e.Type(); {
	case t.IsRegular():
		return true
	case t&fs.ModeSymlink != 0:
		fi, err := os.Stat(filepath.Join(dirPath, e.Name()))
		return err == nil && fi.Mode().IsRegular()
	}
	return false
}

func validSegment(name string) bool { return keyProblem(name) == "" }

func (l *Local) listLevel(ctx context.Context, path, prefix string, add func(string)) error {
	entries, err := l.readDir(path)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if err := ctx.Err(); err != nil {
			return err
		}
		if !validSegment(e.Name()) {
			continue
		}
		switch {
		case e.IsDir():
			ok, err := l.holdsObject(filepath.Join(path, e.Name()))
			if err != nil {
				return err
			}
			if ok {
				add(prefix + e.Name() + "/")
			}
		case isObject(path, e):
			add(prefix + e.Name())
		}
	}
	return nil
}

func (l *Local) walk(ctx context.Context, path, prefix string, add func(string)) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	entries, err := l.readDir(path)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if !validSegment(e.Name()) {
			continue
		}
		switch {
		case e.IsDir():
			if err := l.walk(ctx, filepath.Join(path, e.Name()), prefix+e.Name()+"/", add); err != nil {
				return err
			}
		case isObject(path, e):
			add(prefix + e.Name())
		}
	}
	return nil
}

// holdsObject reports whether the directory holds an object at any depth. It looks at the files
// of a level before descending, so the usual case (a non-empty directory) costs one ReadDir.
func (l *Local) holdsObject(path string) (bool, error) {
	entries, err := l.readDir(path)
	if err != nil {
		return false, err
	}
	for _, e := range entries {
		if validSegment(e.Name()) && !e.IsDir() && isObject(path, e) {
			return true, nil
		}
	}
	for _, e := range entries {
		if validSegment(e.Name()) && e.IsDir() {
			ok, err := l.holdsObject(filepath.Join(path, e.Name()))
			if ok || err != nil {
				return ok, err
			}
		}
	}
	return false, nil
}

// Upload implements Bucket: temp file in the staging directory, fsync, rename over the target.
func (l *Local) Upload(ctx context.Context, name string, r io.Reader) error {
	if err := checkWritable(name); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	tmp, err := l.createTemp()
	if err != nil {
		return fmt.Errorf("%s: upload %q: %w", l.root, name, err)
	}
	committed := false
	defer func() {
		if !committed {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()

	if _, err := io.Copy(tmp, ctxReader{ctx: ctx, r: r}); err != nil {
		return fmt.Errorf("%s: upload %q: %w", l.root, name, err)
	}
	if err := tmp.Chmod(objectPerm); err != nil {
		return fmt.Errorf("%s: upload %q: %w", l.root, name, err)
	}
	// The data must be on disk before the rename makes it visible; otherwise a crash could
	// leave the new name pointing at a truncated file.
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("%s: upload %q: sync: %w", l.root, name, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("%s: upload %q: %w", l.root, name, err)
	}
	if err := l.commit(tmp.Name(), name, os.Rename); err != nil {
		return err
	}
	committed = true
	return nil
}

// createTemp creates a uniquely named temp file in the staging directory, recreating the
// directory if something removed it.
func (l *Local) createTemp() (*os.File, error) {
	if err := os.MkdirAll(l.staging, 0o755); err != nil {
		return nil, err
	}
	return os.CreateTemp(l.staging, "upload-*.tmp")
}

// commit moves the complete file src to the object name with rename.
func (l *Local) commit(src, name string, rename func(string, string) error) error {
	target := l.path(name)
	parent := filepath.Dir(target)
	var err error
	for range commitAttempts {
		if err = os.MkdirAll(parent, 0o755); err != nil {
			if obj, ok := l.objectAncestor(parent); ok {
				return fmt.Errorf("%s: upload %q: %q is an object, and a local bucket cannot hold both it and keys below it",
					l.root, name, obj)
			}
			// Otherwise a concurrent Delete pruned a directory while MkdirAll was creating the
			// path (ENOENT, or EEXIST from its re-check): try again.
			continue
		}
		if fi, serr := os.Lstat(target); serr == nil && fi.IsDir() {
			return fmt.Errorf("%s: upload %q: objects exist below %q, and a local bucket cannot hold both it and keys below it",
				l.root, name, name+"/")
		}
		err = rename(src, target)
		if err == nil {
			syncDir(parent)
			return nil
		}
		// ENOENT here means a concurrent Delete pruned the freshly created parent directory
		// (src itself is ours and still there): create it again and retry.
		if !errors.Is(err, fs.ErrNotExist) {
			break
		}
		if _, serr := os.Stat(src); serr != nil {
			break
		}
	}
	return fmt.Errorf("%s: upload %q: %w", l.root, name, err)
}

// objectAncestor reports the key of a non-directory among dir and its ancestors below the root,
// which makes keys below it impossible.
func (l *Local) objectAncestor(dir string) (string, bool) {
	for ; dir != l.root && strings.HasPrefix(dir, l.root); dir = filepath.Dir(dir) {
		if fi, err := os.Lstat(dir); err == nil && !fi.IsDir() {
			rel, _ := filepath.Rel(l.root, dir)
			return filepath.ToSlash(rel), true
		}
	}
	return "", false
}

// syncDir makes a rename in dir durable. It is best effort: some platforms cannot fsync a
// directory, and the object is already complete and visible either way.
func syncDir(dir string) {
	d, err := os.Open(dir)
	if err != nil {
		return
	}
	_ = d.Sync()
	d.Close()
}

// UploadFile implements FileUploader. The file is given the object mode (0644), fsynced and
// renamed into place; when it lives on another file system (EXDEV) it is copied with Upload and
// then removed. Either way readers never see a partial object. The fsync matters: the caller
// may have written the file without one, and a rename of unflushed data could surface as a
// truncated object after a crash.
func (l *Local) UploadFile(ctx context.Context, name, localPath string) error {
	if err := checkWritable(name); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	fi, err := os.Stat(localPath)
	if err != nil {
		return fmt.Errorf("%s: upload %q from file: %w", l.root, name, err)
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("%s: upload %q from file: %s is not a regular file", l.root, name, localPath)
	}
	if err := syncFile(localPath); err != nil {
		// Cannot make the moved file durable in place (e.g. the platform cannot fsync this
		// file): a copy through Upload is durable.
		return uploadFileByCopy(ctx, l, name, localPath)
	}
	err = l.commit(localPath, name, l.rename)
	if errors.Is(err, syscall.EXDEV) {
		return uploadFileByCopy(ctx, l, name, localPath)
	}
	return err
}

// syncFile flushes a file written by someone else and gives it the object mode before it is
// moved into the bucket.
func syncFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := f.Chmod(objectPerm); err != nil {
		return err
	}
	return f.Sync()
}

// Delete implements Bucket. It then removes the parent directories that became empty, up to
// (not including) the root, so listings never show empty directories.
func (l *Local) Delete(ctx context.Context, name string) error {
	if err := checkWritable(name); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	target := l.path(name)
	fi, err := os.Lstat(target)
	switch {
	case notExist(err):
		return nil
	case err != nil:
		return fmt.Errorf("%s: delete %q: %w", l.root, name, err)
	case fi.IsDir():
		return nil // only a prefix of other keys, not an object
	}
	if err := os.Remove(target); err != nil && !notExist(err) {
		return fmt.Errorf("%s: delete %q: %w", l.root, name, err)
	}
	// os.Remove of a directory fails unless it is empty, which makes the pruning safe against
	// concurrent uploads into it; an Upload that loses its parent this way retries (commit).
	for dir := filepath.Dir(target); dir != l.root && strings.HasPrefix(dir, l.root); dir = filepath.Dir(dir) {
		if os.Remove(dir) != nil {
			break
		}
	}
	return nil
}

// CleanStaleUploads removes temp files of uploads abandoned by a crash: files in the staging
// directory last modified more than olderThan ago. An upload in flight keeps modifying its temp
// file, but choose olderThan well above the longest pause of a writer (say an hour): removing a
// live temp file makes that upload fail (never corrupts an object).
func (l *Local) CleanStaleUploads(olderThan time.Duration) error {
	entries, err := l.readDir(l.staging)
	if err != nil {
		return err
	}
	cutoff := time.Now().Add(-olderThan)
	var errs []error
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		info, err := e.Info()
		if notExist(err) {
			continue // committed or removed meanwhile
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if info.ModTime().Before(cutoff) {
			if err := os.Remove(filepath.Join(l.staging, e.Name())); err != nil && !notExist(err) {
				errs = append(errs, err)
			}
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("%s: cleaning stale uploads: %w", l.root, err)
	}
	return nil
}
