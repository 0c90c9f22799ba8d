package storage

import (
	"context"
	"fmt"
	"strings"
)

// Open returns the bucket a lake URI names:
//
//   - a plain path, or file://PATH (file:///abs/dir, file://rel/dir): a Local rooted there,
//     created if missing;
//   - mem://: a new, empty Memory (each call returns a different one);
//   - s3://bucket[/prefix]: an S3 bucket (or any S3-compatible store), configured as
//     S3ConfigFromEnv says.
//
// Anything else is an error naming the URI.
func Open(uri string) (Bucket, error) {
	if uri == "" {
		return nil, fmt.Errorf("open lake: empty URI (want a directory path, file://PATH or mem://)")
	}
	scheme, rest, ok := splitScheme(uri)
	if !ok {
		return NewLocal(uri)
	}
	switch scheme {
	case "file":
		if rest == "" {
			return nil, fmt.Errorf("open lake %q: file:// needs a path", uri)
		}
		return NewLocal(rest)
	case "mem":
		if rest != "" {
			// A path would suggest a shared, named store; every mem:// lake is a new one.
			return nil, fmt.Errorf("open lake %q: mem:// takes no path", uri)
		}
		return NewMemory(), nil
	case "s3":
		cfg, err := S3ConfigFromEnv()
		if err != nil {
			return nil, fmt.Errorf("open lake %q: %w", uri, err)
		}
		return NewS3(context.Background(), uri, cfg)
	default:
		return nil, fmt.Errorf("open lake %q: unsupported scheme %q (want a directory path, file://PATH, mem:// or s3://bucket/prefix)", uri, scheme)
	}
}

// LocalRoot returns the directory a lake URI names when it is a local one (a plain path or
// file://PATH); ok is false for every other URI.
func LocalRoot(uri string) (dir string, ok bool) {
	scheme, rest, hasScheme := splitScheme(uri)
	switch {
	case !hasScheme:
		return uri, uri != ""
	case scheme == "file":
		return rest, rest != ""
	}
	return "", false
}

// splitScheme splits "scheme://rest". A string whose part before "://" is not a URI scheme
// (RFC 3986: a letter, then letters, digits, "+", "-", ".") is a plain path.
func splitScheme(uri string) (scheme, rest string, ok bool) {
	scheme, rest, found := strings.Cut(uri, "://")
	if !found || scheme == "" {
		return "", "", false
	}
	for i, c := range scheme {
		isLetter := 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
		if !isLetter && (i == 0 || !('0' <= c && c <= '9' || c == '+' || c == '-' || c == '.')) {
			return "", "", false
		}
	}
	return strings.ToLower(scheme), rest, true
}
