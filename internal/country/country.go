package country

import (
	"bytes"
	_ "embed"
	"encoding/csv"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
)

//go:embed countries.csv
var countriesCSV []byte

// Entry is one country: a name and its ISO-3166-1 alpha-2 code.
type Entry struct {
	Name string
	Code string
}

// CSV returns the embedded table (header name,code,canonical; one row per accepted name;
// canonical is true for exactly one name per code). The caller gets its own copy.
func CSV() []byte { return bytes.Clone(countriesCSV) }

// Code returns the alpha-2 code of a country name or alias, matched case-insensitively after
// trimming surrounding white space. ok is false for a name not in the table.
func Code(name string) (code string, ok bool) {
	code, ok = table().byName[key(name)]
	return code, ok
}

// All returns one entry per code, with its canonical name, sorted by name (byte order, as a
// SQL ORDER BY in the C collation would sort it). The caller owns the returned slice.
func All() []Entry {
	return append([]Entry(nil), table().canonical...)
}

func key(name string) string { return strings.ToLower(strings.TrimSpace(name)) }

type index struct {
	byName    map[string]string
	canonical []Entry
}

// table parses the embedded CSV once. The file is part of the binary and checked by the
// tests, so a parse failure is a build defect, not a runtime condition: it panics.
var table = sync.OnceValue(func() index {
	ix, err := parse(countriesCSV)
	if err != nil {
		panic(fmt.Sprintf("country: embedded countries.csv: %v", err))
	}
	return ix
})

func parse(data []byte) (index, error) {
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = 3
	header, err := r.Read()
	if err != nil {
		return index{}, err
	}
	if strings.Join(header, ",") != "name,code,canonical" {
		return index{}, fmt.Errorf("header %q, want name,code,canonical", header)
	}
	ix := index{byName: make(map[string]string, 400)}
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return index{}, err
		}
		name, code := rec[0], rec[1]
		k := key(name)
		if _, dup := ix.byName[k]; dup {
			return index{}, fmt.Errorf("name %q listed twice", name)
		}
		ix.byName[k] = code
		switch rec[2] {
		case "true":
			ix.canonical = append(ix.canonical, Entry{Name: name, Code: code})
		case "false":
		default:
			return index{}, fmt.Errorf("name %q: canonical %q, want true or false", name, rec[2])
		}
	}
	sort.Slice(ix.canonical, func(i, j int) bool { return ix.canonical[i].Name < ix.canonical[j].Name })
	return ix, nil
}
