package config_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/metalake/metalake/internal/config"

	"go.yaml.in/yaml/v3"
)

// FuzzConfig decodes arbitrary bytes as metalake.yaml. It asserts:
//
//   - Decode and Load never panic;
//   - Load's failure is one line about the config (reporters print one line);
//   - an accepted configuration survives encode → decode → encode unchanged and still
//     validates: strict decoding accepts everything the struct can say, and nothing is lost.
func FuzzConfig(f *testing.F) {
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, doc []byte) {
		path := filepath.Join(dir, "metalake.yaml")
		if err := os.WriteFile(path, doc, 0o600); err != nil {
			t.Fatal(err)
		}
		loaded, err := config.Load(path, true)
		if err != nil {
			msg := err.Error()
			if strings.Contains(msg, "\n") || !strings.HasPrefix(msg, "config") {
				t.Fatalf("Load error %q: want one line starting with config", msg)
			}
		}

		c := config.Default()
		if err := config.Decode(doc, &c); err != nil {
			return
		}
		if err := c.Validate(); err != nil {
			return
		}
		enc, err := yaml.Marshal(c)
		if err != nil {
			t.Fatalf("encoding an accepted configuration: %v", err)
		}
		again := config.Default()
		if err := config.Decode(enc, &again); err != nil {
			t.Fatalf("the accepted configuration, encoded as\n%s\nno longer decodes: %v", enc, err)
		}
		if err := again.Validate(); err != nil {
			t.Fatalf("the accepted configuration, encoded as\n%s\nno longer validates: %v", enc, err)
		}
		enc2, err := yaml.Marshal(again)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(enc, enc2) {
			t.Fatalf("encode → decode changed the configuration:\n%s\n→\n%s", enc, enc2)
		}
		if lenc, _ := yaml.Marshal(loaded); !bytes.Equal(lenc, enc) {
			t.Fatalf("Load and Decode disagree:\n%s\nvs\n%s", lenc, enc)
		}
	})
}
