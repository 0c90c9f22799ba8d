package spark

import (
	"fmt"
	"strings"
	"testing"
)

func TestStatements(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		in   string
		want []string
	}{
		{"SELECT 1", []string{"SELECT 1"}},
		{"SELECT 1;  ;\n SELECT 2;", []string{"SELECT 1", "SELECT 2"}},
		{`SELECT 'a;b', "c;d", ` + "`e;f`" + `; SELECT 2`, []string{`SELECT 'a;b', "c;d", ` + "`e;f`", "SELECT 2"}},
		{`SELECT 'it\'s;' ; SELECT 'x'';'`, []string{`SELECT 'it\'s;'`, `SELECT 'x'';'`}},
		{"SELECT 1 -- a; comment\n; SELECT /* x; /* nested; */ y; */ 2", []string{"SELECT 1 -- a; comment", "SELECT /* x; /* nested; */ y; */ 2"}},
		{"SELECT 1 -- trailing;", []string{"SELECT 1 -- trailing;"}},
	} {
		if got := statements(c.in); fmt.Sprintf("%q", got) != fmt.Sprintf("%q", c.want) {
			t.Errorf("statements(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestIsQuery(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]bool{
		"SELECT 1":                       true,
		"  (SELECT 1)":                   true,
		"with a AS (SELECT 1) SELECT *":  true,
		"VALUES (1)":                     true,
		"-- note\n/* c */ SELECT 1":      true,
		"CREATE TEMP VIEW v AS SELECT 1": false,
		"INSERT OVERWRITE DIRECTORY 'x'": false,
		"SET a=b":                        false,
		"DROP VIEW IF EXISTS selected":   false,
	} {
		if got := isQuery(in); got != want {
			t.Errorf("isQuery(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestLiteral(t *testing.T) {
	t.Parallel()
	if got, want := literal(`a'b\p{L}`), `'a\'b\\p{L}'`; got != want {
		t.Errorf("literal = %s, want %s", got, want)
	}
}

func TestDuckType(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"bigint":                     "BIGINT",
		"int":                        "INTEGER",
		"string":                     "VARCHAR",
		"string collate UTF8_LCASE":  "VARCHAR",
		"varchar(10)":                "VARCHAR",
		"timestamp_ntz":              "TIMESTAMP",
		"timestamp":                  "TIMESTAMP WITH TIME ZONE",
		"decimal(10, 2)":             "DECIMAL(10,2)",
		"array<string>":              "VARCHAR[]",
		"array<array<int>>":          "INTEGER[][]",
		"map<string,array<bigint>>":  "MAP(VARCHAR, BIGINT[])",
		"struct<a:int,`b:c`:string>": `STRUCT("a" INTEGER, "b:c" VARCHAR)`,
		"struct<x:map<string,int>>":  `STRUCT("x" MAP(VARCHAR, INTEGER))`,
		"binary":                     "BLOB",
		"interval day to second":     "INTERVAL",
		"void":                       "NULL",
		"date":                       "DATE",
		"boolean":                    "BOOLEAN",
		"double":                     "DOUBLE",
		"float":                      "FLOAT",
		"smallint":                   "SMALLINT",
		"tinyint":                    "TINYINT",
		"variant":                    "VARIANT",
	} {
		if got := duckType(in); got != want {
			t.Errorf("duckType(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestReadParquetGlob(t *testing.T) {
	t.Parallel()
	d := Dialect{}
	for _, c := range []struct {
		refs []string
		want string
	}{
		{[]string{"/l/a.parquet"}, "parquet.`/l/a.parquet`"},
		{[]string{"/lake [1]/t/run_date=1/p.parquet"}, "parquet.`/lake \\[1\\]/t/run_date=1/p.parquet`"},
		{[]string{"/l/t/d=1/p.parquet", "/l/t/d=2/p.parquet"}, "parquet.`/l/t/{d=1/p.parquet,d=2/p.parquet}`"},
		{[]string{"/l/ab/p.parquet", "/l/ac/p.parquet"}, "parquet.`/l/{ab/p.parquet,ac/p.parquet}`"},
		{[]string{"/w*/x,1/p.parquet", "/w*/y/p.parquet"}, "parquet.`/w\\*/{x\\,1/p.parquet,y/p.parquet}`"},
		{[]string{"/l/a`b/p.parquet"}, "parquet.`/l/a``b/p.parquet`"},
	} {
		got := d.ReadParquet(c.refs)
		if !strings.HasPrefix(got, c.want+" WITH ('mergeSchema' = 'true')") {
			t.Errorf("ReadParquet(%q) = %s, want %s WITH …", c.refs, got, c.want)
		}
	}
	if got := d.ReadParquet([]string{"/l/a[1]/p.parquet", "/l/b/p.parquet"}); !strings.Contains(got, "raise_error") {
		t.Errorf("files differing in a glob character: %s; want a relation that fails", got)
	}
}
