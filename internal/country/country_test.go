package country_test

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"

	"github.com/metalake/metalake/internal/country"
)

func TestCode(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		code string
		ok   bool
	}{
		{"United States", "US", true},
		{"United States of America", "US", true},
		{"united kingdom", "GB", true},
		{"Russia", "RU", true},
		{"Russian Federation", "RU", true},
		{"South Korea", "KR", true},
		{"Korea, Republic of", "KR", true},
		{"North Korea", "KP", true},
		{"Viet Nam", "VN", true},
		{"Vietnam", "VN", true},
		{"  VIETNAM\t", "VN", true},
		{"Iran", "IR", true},
		{"Turkey", "TR", true},
		{"Türkiye", "TR", true},
		{"TÜRKIYE", "TR", true},
		{"Taiwan", "TW", true},
		{"Czech Republic", "CZ", true},
		{"Czechia", "CZ", true},
		{"Hong Kong", "HK", true},
		{"Ivory Coast", "CI", true},
		{"Côte d'Ivoire", "CI", true},
		{"Cote d'Ivoire", "CI", true},
		{"Åland Islands", "AX", true},
		{"India", "IN", true},
		{"Atlantis", "", false},
		{"", "", false},
		{"   ", "", false},
		{"United", "", false},
	}
	for _, tt := range tests {
		code, ok := country.Code(tt.name)
		if code != tt.code || ok != tt.ok {
			t.Errorf("Code(%q) = %q, %v; want %q, %v", tt.name, code, ok, tt.code, tt.ok)
		}
	}
}

func TestAll(t *testing.T) {
	t.Parallel()
	all := country.All()
	// ISO 3166-1 has 249 officially assigned alpha-2 codes.
	if len(all) != 249 {
		t.Errorf("All() has %d entries, want 249", len(all))
	}
	codes := map[string]string{}
	for i, e := range all {
		if !isCode(e.Code) {
			t.Errorf("%q: code %q is not two upper-case letters", e.Name, e.Code)
		}
		if prev, dup := codes[e.Code]; dup {
			t.Errorf("code %s has two canonical names: %q and %q", e.Code, prev, e.Name)
		}
		codes[e.Code] = e.Name
		if i > 0 && all[i-1].Name >= e.Name {
			t.Errorf("All() not sorted: %q before %q", all[i-1].Name, e.Name)
		}
		if code, ok := country.Code(e.Name); !ok || code != e.Code {
			t.Errorf("Code(%q) = %q, %v; want %q", e.Name, code, ok, e.Code)
		}
	}
	// The caller owns the slice: changing it must not change the table.
	all[0].Name = "changed"
	if country.All()[0].Name == "changed" {
		t.Error("All() returned the package's own slice")
	}
}

func TestCSV(t *testing.T) {
	t.Parallel()
	recs, err := csv.NewReader(bytes.NewReader(country.CSV())).ReadAll()
	if err != nil {
		t.Fatalf("embedded CSV does not parse: %v", err)
	}
	if got := strings.Join(recs[0], ","); got != "name,code,canonical" {
		t.Fatalf("header %q", got)
	}
	names := map[string]bool{}
	canonical := map[string]int{}
	for _, r := range recs[1:] {
		name, code := r[0], r[1]
		if name != strings.TrimSpace(name) || name == "" {
			t.Errorf("name %q has surrounding space or is empty", name)
		}
		k := strings.ToLower(name)
		if names[k] {
			t.Errorf("duplicate name %q (case-insensitive)", name)
		}
		names[k] = true
		if !isCode(code) {
			t.Errorf("%q: code %q is not two upper-case letters", name, code)
		}
		if r[2] == "true" {
			canonical[code]++
		}
		if got, ok := country.Code(name); !ok || got != code {
			t.Errorf("Code(%q) = %q, %v; want %q", name, got, ok, code)
		}
	}
	for code, n := range canonical {
		if n != 1 {
			t.Errorf("code %s has %d canonical names", code, n)
		}
	}
	if len(canonical) != len(country.All()) {
		t.Errorf("%d codes with a canonical name, All() has %d", len(canonical), len(country.All()))
	}
	// The caller owns the bytes.
	b := country.CSV()
	b[0] = 'X'
	if country.CSV()[0] == 'X' {
		t.Error("CSV() returned the embedded slice")
	}
}

func isCode(s string) bool {
	return len(s) == 2 && s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z'
}
