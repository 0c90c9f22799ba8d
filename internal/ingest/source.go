package ingest

import (
	"archive/zip"
	"compress/flate"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// rawFile is one recognised table file of a download: a file of the folder or a member of the
// archive, plain or gzip-compressed.
type rawFile struct {
	table string
	// name is what the download calls it: the file name in the folder, or the member's path
	// inside the archive.
	name string
	// where locates it in messages and results: the file's path, or "ARCHIVE:MEMBER".
	where string
	gzip  bool
	open  func() (io.ReadCloser, error) // the stored bytes, still compressed when gzip is set
}

// openCSV opens the file's CSV text, decompressing it on the fly when it is gzip-compressed.
func (f rawFile) openCSV() (io.ReadCloser, error) {
	rc, err := f.open()
	if err != nil {
		return nil, fmt.Errorf("opening %s: %w", f.where, err)
	}
	if !f.gzip {
		return rc, nil
	}
	zr, err := gzip.NewReader(rc)
	if err != nil {
		rc.Close()
		if errors.Is(err, gzip.ErrHeader) {
			return nil, fmt.Errorf("reading %s: not gzip data (corrupt, or named .gz by mistake): %w", f.where, err)
		}
		return nil, fmt.Errorf("reading %s: %w", f.where, err)
	}
	return gzipFile{Reader: zr, under: rc}, nil
}

// corrupt reports whether a read error means the compressed data itself is bad (as opposed to
// the disk or the file system failing), so the message can say so.
func corrupt(err error) bool {
	var flateErr flate.CorruptInputError
	return errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, gzip.ErrChecksum) || errors.Is(err, gzip.ErrHeader) ||
		errors.Is(err, zip.ErrChecksum) || errors.Is(err, zip.ErrAlgorithm) || errors.As(err, &flateErr)
}

// gzipFile closes both the decompressor and the file under it.
type gzipFile struct {
	*gzip.Reader
	under io.Closer
}

func (g gzipFile) Close() error {
	err := g.Reader.Close()
	if cerr := g.under.Close(); err == nil {
		err = cerr
	}
	return err
}

// download is what a --from location holds.
type download struct {
	where   string             // the folder or archive, for messages
	archive string             // base name of the archive, "" for a folder
	found   map[string]rawFile // by table
	ignored []string           // other entries (directories end in "/")
	close   func() error       // releases the archive; nil for a folder
}

// openDownload reads the listing of a folder or of a .zip archive (its central directory only:
// no member is decompressed here).
func openDownload(from string) (*download, error) {
	fi, err := os.Stat(from)
	if err != nil {
		return nil, fmt.Errorf("reading raw folder: %w", err)
	}
	switch {
	case fi.IsDir():
		return scanFolder(from)
	case fi.Mode().IsRegular() && strings.EqualFold(filepath.Ext(from), ".zip"):
		return scanArchive(from)
	}
	return nil, fmt.Errorf("%s is neither a folder nor a .zip archive of a Meta Kaggle download", from)
}

// tableKey normalises a file's base name for matching: case and underscores are ignored, so
// Users, USERS, users and DatasetVersions, dataset_versions, Dataset_Versions all match.
func tableKey(base string) string {
	return strings.ToLower(strings.ReplaceAll(base, "_", ""))
}

// matchName maps a file name (no directory) to its table: NAME.csv, or NAME.csv.gz for a
// gzip-compressed one, with NAME matched by tableKey and the extensions in any case.
func matchName(name string) (table string, gz, ok bool) {
	base := name
	if ext := filepath.Ext(base); strings.EqualFold(ext, ".gz") {
		base, gz = strings.TrimSuffix(base, ext), true
	}
	ext := filepath.Ext(base)
	if !strings.EqualFold(ext, ".csv") {
		return "", false, false
	}
	key := tableKey(strings.TrimSuffix(base, ext))
	for _, s := range tableSpecs() {
		if tableKey(s.table) == key {
			return s.table, gz, true
		}
	}
	return "", false, false
}

// collect files each candidate under its table and refuses a table named twice (Users.csv and
// users.csv, or Users.csv and Users.csv.gz): which one is the snapshot is not ours to guess.
func collect(where string, candidates []rawFile) (map[string]rawFile, error) {
	found := make(map[string]rawFile)
	var dups []string
	for _, f := range candidates {
		if prev, ok := found[f.table]; ok {
			dups = append(dups, fmt.Sprintf("%s and %s (%s)", prev.name, f.name, f.table))
			continue
		}
		found[f.table] = f
	}
	if len(dups) > 0 {
		return nil, fmt.Errorf("ambiguous raw files in %s: %s", where, strings.Join(dups, ", "))
	}
	return found, nil
}

// scanFolder matches the folder's entries to known tables.
func scanFolder(dir string) (*download, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("reading raw folder: %w", err)
	}
	var candidates []rawFile
	var ignored []string
	for _, e := range entries { // os.ReadDir sorts by name, so results are deterministic
		name := e.Name()
		table, gz, known := matchName(name)
		if !known || !isFile(dir, e) {
			if e.IsDir() {
				name += "/"
			}
			ignored = append(ignored, name)
			continue
		}
		path := filepath.Join(dir, name)
		candidates = append(candidates, rawFile{
			table: table, name: name, where: path, gzip: gz,
			open: func() (io.ReadCloser, error) { return os.Open(path) },
		})
	}
	found, err := collect(dir, candidates)
	if err != nil {
		return nil, err
	}
	return &download{where: dir, found: found, ignored: ignored}, nil
}

// isFile reports whether the entry is a regular file or a symlink to one (downloads are often
// linked into place).
func isFile(dir string, e fs.DirEntry) bool {
	if e.Type().IsRegular() {
		return true
	}
	if e.Type()&fs.ModeSymlink == 0 {
		return false
	}
	fi, err := os.Stat(filepath.Join(dir, e.Name()))
	return err == nil && fi.Mode().IsRegular()
}

// macOSMetadata is the folder macOS's archiver adds beside the real content.
const macOSMetadata = "__MACOSX/"

// scanArchive matches the members of a .zip archive to known tables. The tables are the files
// of one folder of the archive: its root, or — when the root holds no table file and a single
// folder (besides macOS's __MACOSX/) — that folder, and so on down, because zipping a download
// folder wraps it in one ("meta-kaggle/Users.csv"). Member names are only ever matched, never
// used as paths; an archive naming a member outside itself (an absolute path or a ".."
// element, the "zip slip") is refused whole, as damaged or hostile.
func scanArchive(path string) (_ *download, err error) {
	zr, err := zip.OpenReader(path)
	if err != nil {
		if zr != nil { // zip.ErrInsecurePath under GODEBUG=zipinsecurepath=0 comes with a reader
			zr.Close()
		}
		return nil, fmt.Errorf("reading archive %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			zr.Close()
		}
	}()
	tree, err := newArchiveTree(zr.File)
	if err != nil {
		return nil, fmt.Errorf("archive %s: %w", path, err)
	}
	root, ignored := tree.tableFolder()

	var candidates []rawFile
	for _, e := range tree.children[root] {
		table, gz, known := matchName(memberBase(e))
		if !known || strings.HasSuffix(e, "/") {
			ignored = append(ignored, e)
			continue
		}
		for _, f := range tree.files[e] {
			if !f.Mode().IsRegular() { // a symlink member holds a link, not data
				ignored = append(ignored, e)
				continue
			}
			candidates = append(candidates, rawFile{table: table, name: e, where: path + ":" + e, gzip: gz, open: f.Open})
		}
	}
	slices.Sort(ignored)
	found, err := collect(path, candidates)
	if err != nil {
		return nil, err
	}
	return &download{where: path, archive: filepath.Base(path), found: found, ignored: slices.Compact(ignored), close: zr.Close}, nil
}

// archiveTree is the folder structure of an archive's member paths.
type archiveTree struct {
	// children maps a folder ("" for the root, else ending in "/") to the entries directly in
	// it (full member paths, folders ending in "/"), sorted as a folder listing is; folders
	// exist implicitly through the paths of their members.
	children map[string][]string
	files    map[string][]*zip.File // by member path; a zip may hold a path twice
}

func newArchiveTree(members []*zip.File) (archiveTree, error) {
	t := archiveTree{children: map[string][]string{}, files: map[string][]*zip.File{}}
	seen := map[string]bool{}
	add := func(dir, entry string) {
		if !seen[entry] {
			seen[entry] = true
			t.children[dir] = append(t.children[dir], entry)
		}
	}
	for _, f := range members {
		if !safeMember(f.Name) {
			return archiveTree{}, fmt.Errorf("member %q is not a plain relative path (absolute, or with a \"..\", \".\" or empty element, or a backslash): refusing the archive as damaged or unsafe", f.Name)
		}
		isDir := strings.HasSuffix(f.Name, "/")
		parts := strings.Split(strings.TrimSuffix(f.Name, "/"), "/")
		dir := ""
		for i, p := range parts {
			if i == len(parts)-1 && !isDir {
				add(dir, dir+p)
				break
			}
			add(dir, dir+p+"/")
			dir += p + "/"
		}
		if !isDir {
			t.files[f.Name] = append(t.files[f.Name], f)
		}
	}
	for _, entries := range t.children {
		slices.Sort(entries)
	}
	return t, nil
}

// tableFolder descends from the root through single wrapping folders to the folder holding
// the tables, and lists the entries passed over on the way.
func (t archiveTree) tableFolder() (root string, passed []string) {
	for {
		entries := t.children[root]
		var dirs []string
		for _, e := range entries {
			if _, _, ok := matchName(memberBase(e)); ok && !strings.HasSuffix(e, "/") {
				return root, passed
			}
			if strings.HasSuffix(e, "/") && e != macOSMetadata {
				dirs = append(dirs, e)
			}
		}
		if len(dirs) != 1 {
			return root, passed
		}
		for _, e := range entries {
			if e != dirs[0] {
				passed = append(passed, e)
			}
		}
		root = dirs[0]
	}
}

// memberBase is the last element of a member path (a folder keeps no trailing "/").
func memberBase(member string) string {
	member = strings.TrimSuffix(member, "/")
	return member[strings.LastIndexByte(member, '/')+1:]
}

// safeMember reports whether a member name is a plain relative path inside the archive: no
// leading "/", no "." or ".." element, no empty element, no backslash (a Windows separator
// that other tools would follow).
func safeMember(name string) bool {
	name = strings.TrimSuffix(name, "/")
	return name != "." && !strings.Contains(name, `\`) && fs.ValidPath(name)
}
