package contract_test

import (
	"errors"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/metalake/metalake/internal/contract"
)

func TestDefaultContractsLoad(t *testing.T) {
	t.Parallel()
	set, err := contract.Default()
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(set.Names(), ","); got != "users,datasets,tags,competitions,kernels" {
		t.Errorf("tables %s", got)
	}
}

func TestStrictDecodingNamesTheLine(t *testing.T) {
	t.Parallel()
	fsys := fstest.MapFS{"users.yaml": {Data: []byte("table: users\norder: 1\nreject_threshold: 0.1\nrejct_rules: []\nvariants: []\n")}}
	_, err := contract.Load(fsys)
	if err == nil || !strings.Contains(err.Error(), "users.yaml") || !strings.Contains(err.Error(), "line 4") || !strings.Contains(err.Error(), "rejct_rules") {
		t.Fatalf("error %v, want file, line 4 and the unknown key", err)
	}
}

func TestValidateNamesTheField(t *testing.T) {
	t.Parallel()
	base := "table: users\norder: 1\nvariants:\n  - layout: plan\n    source:\n      raw: users\n      columns:\n        - {header: Id, name: user_id, type: %s}\n"
	cases := map[string]string{
		"reject_threshold": strings.Replace(base, "%s", "varchar", 1) + "reject_threshold: 2\n",
		"type \"int\"":     strings.Replace(base, "%s", "int", 1) + "reject_threshold: 0.1\n",
		"needs formats":    strings.Replace(base, "%s", "timestamp", 1) + "reject_threshold: 0.1\n",
		"shape \"x.sql\"":  strings.Replace(base, "%s", "varchar", 1) + "reject_threshold: 0.1\n" + "",
	}
	cases["shape \"x.sql\""] = strings.Replace(cases["shape \"x.sql\""], "    source:", "    shape: x.sql\n    source:", 1)
	for want, doc := range cases {
		_, err := contract.Load(fstest.MapFS{"users.yaml": {Data: []byte(doc)}})
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("want an error naming %s, got %v", want, err)
		}
	}
}

func TestMatchByHeaderNames(t *testing.T) {
	t.Parallel()
	set, _ := contract.Default()
	users, _ := set.Table("users")
	v, err := users.Match("users.csv", []string{"Country", "RegisterDate", "UserName", "Id"})
	if err != nil || v.Layout != "plan" {
		t.Errorf("reordered plan header: %v %v", v.Layout, err)
	}
	// Older Meta Kaggle Users.csv: no Country, no LocationSharingOptOut.
	v, err = users.Match("users.csv", []string{"Id", "UserName", "DisplayName", "RegisterDate", "PerformanceTier"})
	if err != nil || v.Layout != "kaggle" {
		t.Errorf("old Kaggle header: %v %v", v.Layout, err)
	}
	_, err = users.Match("raw/users.csv", []string{"Id", "UserName", "Country"})
	var he *contract.HeaderError
	if !errors.As(err, &he) || !strings.Contains(err.Error(), "plan layout is missing column(s) RegisterDate") {
		t.Errorf("missing column: %v", err)
	}
	// The closest layout is named first.
	if !strings.HasPrefix(strings.SplitN(err.Error(), "layout: ", 2)[1], "plan layout") {
		t.Errorf("closest layout not first: %v", err)
	}
}

func TestSnakeCase(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"LocationSharingOptOut": "location_sharing_opt_out", "CurrentUrlSlug": "current_url_slug",
		"HTTPCode": "http_code", "Id": "id", "TotalUncompressedBytes": "total_uncompressed_bytes",
		"Some Column-Name": "some_column_name", "2ndPlace": "col_2nd_place",
	} {
		if got := contract.SnakeCase(in); got != want {
			t.Errorf("SnakeCase(%q) = %q, want %q", in, got, want)
		}
	}
}
