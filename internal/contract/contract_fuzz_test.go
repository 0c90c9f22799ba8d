package contract_test

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/metalake/metalake/internal/contract"

	"go.yaml.in/yaml/v3"
)

// FuzzLoadContract decodes arbitrary bytes as a table contract (t.yaml, next to the embedded
// shape models so that a contract naming one can validate). It asserts:
//
//   - Load never panics;
//   - a refusal is an error naming the contract ("contract …");
//   - an accepted contract validates, and survives encode → decode unchanged (the strict
//     decoder accepts everything the struct can say);
//   - every variant it accepts is reachable: a raw header listing exactly the variant's
//     columns matches, either that variant or an earlier one, never none.
func FuzzLoadContract(f *testing.F) {
	shapes := fstest.MapFS{}
	entries, err := os.ReadDir("defaults")
	if err != nil {
		f.Fatal(err)
	}
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".sql") {
			b, err := os.ReadFile(filepath.Join("defaults", e.Name()))
			if err != nil {
				f.Fatal(err)
			}
			shapes[e.Name()] = &fstest.MapFile{Data: b}
		}
	}
	load := func(doc []byte) (*contract.Set, error) {
		fsys := fstest.MapFS{"t.yaml": &fstest.MapFile{Data: doc}}
		for name, file := range shapes {
			fsys[name] = file
		}
		return contract.Load(fsys)
	}

	f.Fuzz(func(t *testing.T, doc []byte) {
		set, err := load(doc)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "contract") {
				t.Fatalf("error %q does not name the contract", err)
			}
			return
		}
		if err := set.Validate(); err != nil {
			t.Fatalf("Load accepted a contract that does not validate: %v", err)
		}
		if len(set.Tables) != 1 {
			t.Fatalf("one file gave %d tables", len(set.Tables))
		}
		table := set.Tables[0]

		enc, err := yaml.Marshal(table)
		if err != nil {
			t.Fatalf("encoding the accepted contract: %v", err)
		}
		again, err := load(enc)
		if err != nil {
			t.Fatalf("the accepted contract, encoded as\n%s\nno longer loads: %v", enc, err)
		}
		enc2, err := yaml.Marshal(again.Tables[0])
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(enc, enc2) {
			t.Fatalf("encode → decode changed the contract:\n%s\n→\n%s", enc, enc2)
		}

		for i, v := range table.Variants {
			var header []string
			for _, c := range v.Source.Columns {
				header = append(header, c.Header)
			}
			got, err := table.Match("t.csv", header)
			if err != nil {
				t.Fatalf("variant %s cannot match a header of its own columns %q: %v", v.Layout, header, err)
			}
			if j := slices.IndexFunc(table.Variants, func(w contract.Variant) bool { return w.Layout == got.Layout }); j < 0 || j > i {
				t.Fatalf("header of variant %s (%d) matched variant %s (%d), a later one", v.Layout, i, got.Layout, j)
			}
		}
	})
}
