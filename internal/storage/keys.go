package storage

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// ErrInvalidKey is returned (wrapped) by every backend for a key or Iter dir that breaks the
// key rules of ValidateKey. It is never confused with ErrNotFound: a malformed key is a bug in
// the caller, not a missing object.
var ErrInvalidKey = errors.New("invalid object key")

// ErrInvalidRange is returned (wrapped) by GetRange when off is negative or lies beyond the end
// of the object. off equal to the object size is valid and reads nothing; a length reaching past
// the end is cut at the end.
var ErrInvalidRange = errors.New("invalid byte range")

// ValidateKey reports whether name is a valid object key. The rules are the strictest common
// ground of object stores and local files, so every backend accepts exactly the same keys:
//
//   - not empty, valid UTF-8, no NUL byte;
//   - "/"-separated segments, none empty (so no leading or trailing "/", no "//");
//   - no "." or ".." segment (a key can never escape a local root or a prefix);
//   - no backslash (a path separator on Windows, which would split a segment).
//
// The returned error wraps ErrInvalidKey and quotes the key.
func ValidateKey(name string) error {
	why := keyProblem(name)
	if why == "" {
		return nil
	}
	return fmt.Errorf("%w %q: %s", ErrInvalidKey, name, why)
}

func keyProblem(name string) string {
	switch {
	case name == "":
		return "empty"
	case !utf8.ValidString(name):
		return "not valid UTF-8"
	case strings.HasPrefix(name, "/"):
		return `starts with "/"`
	case strings.HasSuffix(name, "/"):
		// Iter reports directories as names ending in "/": an object named that way would be
		// indistinguishable from one.
		return `ends with "/"`
	case strings.ContainsRune(name, '\\'):
		return "contains a backslash"
	case strings.ContainsRune(name, 0):
		return "contains a NUL byte"
	}
	for seg := range strings.SplitSeq(name, "/") {
		switch seg {
		case "":
			return `contains an empty segment ("//")`
		case ".", "..":
			return fmt.Sprintf("contains a %q segment", seg)
		}
	}
	return ""
}

// normalizeDir turns an Iter dir argument into "" (the root) or a valid key followed by "/".
func normalizeDir(dir string) (string, error) {
	if dir == "" {
		return "", nil
	}
	trimmed := strings.TrimSuffix(dir, "/")
	if err := ValidateKey(trimmed); err != nil {
		return "", fmt.Errorf("iter dir %q: %w", dir, err)
	}
	return trimmed + "/", nil
}

// rangeBounds checks a GetRange request against an object of the given size and returns the
// half-open byte interval [start, end) to serve.
func rangeBounds(name string, size, off, length int64) (start, end int64, err error) {
	if off < 0 || off > size {
		return 0, 0, fmt.Errorf("get range of %q: offset %d outside object of %d bytes: %w",
			name, off, size, ErrInvalidRange)
	}
	end = size
	if length >= 0 && length < size-off {
		end = off + length
	}
	return off, end, nil
}
