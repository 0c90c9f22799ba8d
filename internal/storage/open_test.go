package storage_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/metalake/metalake/internal/storage"
)

func TestOpen(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		uri      string
		wantType string // "local", "memory", or "" for an error
		wantName string // Local root
		wantErr  string // substring of the error
	}{
		{uri: filepath.Join(dir, "plain"), wantType: "local", wantName: filepath.Join(dir, "plain")},
		{uri: "file://" + filepath.Join(dir, "viafile"), wantType: "local", wantName: filepath.Join(dir, "viafile")},
		{uri: "FILE://" + filepath.Join(dir, "upper"), wantType: "local", wantName: filepath.Join(dir, "upper")},
		{uri: "mem://", wantType: "memory"},
		{uri: "s3://bucket/meta", wantType: "s3", wantName: "s3://bucket/meta"},
		{uri: "s3://bucket/meta/", wantType: "s3", wantName: "s3://bucket/meta"},
		{uri: "s3://bucket", wantType: "s3", wantName: "s3://bucket"},
		{uri: "s3://", wantErr: "want s3://bucket[/prefix]"},
		{uri: "s3://bucket/a/../b", wantErr: "prefix"},
		{uri: "gs://bucket/meta", wantErr: `"gs://bucket/meta"`},
		{uri: "mem://named", wantErr: "mem:// takes no path"},
		{uri: "file://", wantErr: "needs a path"},
		{uri: "", wantErr: "empty URI"},
	}
	for _, tc := range cases {
		t.Run(tc.uri, func(t *testing.T) {
			b, err := storage.Open(tc.uri)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("Open(%q) error = %v, want one containing %q", tc.uri, err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Open(%q): %v", tc.uri, err)
			}
			switch b := b.(type) {
			case *storage.Local:
				if tc.wantType != "local" || b.Name() != tc.wantName {
					t.Fatalf("Open(%q) = Local %q, want %s %q", tc.uri, b.Name(), tc.wantType, tc.wantName)
				}
			case *storage.Memory:
				if tc.wantType != "memory" {
					t.Fatalf("Open(%q) = Memory, want %s", tc.uri, tc.wantType)
				}
			case *storage.S3:
				if tc.wantType != "s3" || b.Name() != tc.wantName {
					t.Fatalf("Open(%q) = S3 %q, want %s %q", tc.uri, b.Name(), tc.wantType, tc.wantName)
				}
			default:
				t.Fatalf("Open(%q) = %T", tc.uri, b)
			}
		})
	}
}

// Each mem:// lake is a fresh store; nothing leaks between them.
func TestOpenMemIsFresh(t *testing.T) {
	a, err := storage.Open("mem://")
	if err != nil {
		t.Fatal(err)
	}
	if err := storage.PutBytes(t.Context(), a, "k", []byte("v")); err != nil {
		t.Fatal(err)
	}
	b, err := storage.Open("mem://")
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := b.Exists(t.Context(), "k"); ok || err != nil {
		t.Fatalf("second mem:// lake sees the first one's object: %v, %v", ok, err)
	}
}
