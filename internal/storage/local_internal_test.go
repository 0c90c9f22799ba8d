package storage

import (
	"bytes"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// A rename across file systems fails with EXDEV; UploadFile must then copy atomically and
// remove the source. One test file system cannot produce EXDEV, so rename is stubbed.
func TestLocalUploadFileCrossDevice(t *testing.T) {
	l, err := NewLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	renames := 0
	l.rename = func(oldpath, newpath string) error {
		renames++
		return &os.LinkError{Op: "rename", Old: oldpath, New: newpath, Err: syscall.EXDEV}
	}
	src := filepath.Join(t.TempDir(), "part.bin")
	data := bytes.Repeat([]byte{7}, 100<<10)
	if err := os.WriteFile(src, data, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := l.UploadFile(t.Context(), "x/part.bin", src); err != nil {
		t.Fatalf("UploadFile across devices: %v", err)
	}
	if renames != 1 {
		t.Fatalf("rename attempted %d times, want 1 (then the copy fallback)", renames)
	}
	if _, err := os.Stat(src); !os.IsNotExist(err) {
		t.Fatalf("source after cross-device UploadFile: %v, want it removed", err)
	}
	got, err := ReadAll(t.Context(), l, "x/part.bin")
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("object after cross-device UploadFile: %d bytes, %v", len(got), err)
	}
	left, err := os.ReadDir(l.staging)
	if err != nil || len(left) != 0 {
		t.Fatalf("staging directory holds %d entries (%v), want none", len(left), err)
	}
}
