package storage_test

import (
	"errors"
	"testing"

	"github.com/metalake/metalake/internal/storage"
)

func TestValidateKey(t *testing.T) {
	cases := []struct {
		key   string
		valid bool
	}{
		{"a", true},
		{"raw/users/ingestion_date=2024-01-15/users.csv", true},
		{".hidden", true}, // only "." and ".." themselves are special
		{"a/...", true},   // three dots is an ordinary name
		{"a b/ü€", true},  // spaces and UTF-8 are fine
		{"_staging/x", true},
		{"", false},
		{"/a", false},
		{"a/", false},
		{"a//b", false},
		{".", false},
		{"..", false},
		{"a/./b", false},
		{"a/..", false},
		{`a\b`, false},
		{"a\x00", false},
		{"\xc3\x28", false}, // invalid UTF-8
	}
	for _, tc := range cases {
		err := storage.ValidateKey(tc.key)
		if tc.valid && err != nil {
			t.Errorf("ValidateKey(%q) = %v, want nil", tc.key, err)
		}
		if !tc.valid && !errors.Is(err, storage.ErrInvalidKey) {
			t.Errorf("ValidateKey(%q) = %v, want an error wrapping ErrInvalidKey", tc.key, err)
		}
	}
}
