package query

import "testing"

func TestExplainTarget(t *testing.T) {
	t.Parallel()
	cases := []struct {
		q, want string
		ok      bool
	}{
		{"EXPLAIN SELECT 1", "SELECT 1", true},
		{"explain analyze select 1", "select 1", true},
		{"EXPLAIN ANALYSE SELECT 1", "SELECT 1", true},
		{"/* c */ EXPLAIN -- c\n ANALYZE\tCOPY t TO 'x'", "COPY t TO 'x'", true},
		{"EXPLAIN (FORMAT json) SELECT 1", "SELECT 1", true},
		{"EXPLAIN (FORMAT 'a)b') CREATE TABLE t (i INT)", "CREATE TABLE t (i INT)", true},
		{"EXPLAIN (SELECT 1)", "(SELECT 1)", true},
		{"EXPLAIN ((SELECT 1))", "((SELECT 1))", true},
		{"EXPLAIN", "", false},
		{"EXPLAIN ANALYZE", "", false},
		{"EXPLAIN (FORMAT json", "", false},
		{"SELECT 1", "", false},
	}
	for _, tc := range cases {
		got, ok := explainTarget(tc.q)
		if got != tc.want || ok != tc.ok {
			t.Errorf("explainTarget(%q) = %q, %v; want %q, %v", tc.q, got, ok, tc.want, tc.ok)
		}
	}
}

func TestLeadingKeyword(t *testing.T) {
	t.Parallel()
	cases := map[string]string{
		"select 1":                   "SELECT",
		"  ((SELECT 1))":             "SELECT",
		"-- x\n/* y */copy t to 'f'": "COPY",
		"":                           "",
		"'str'":                      "",
		"pivot_wider t":              "PIVOT_WIDER",
	}
	for q, want := range cases {
		if got := leadingKeyword(q); got != want {
			t.Errorf("leadingKeyword(%q) = %q, want %q", q, got, want)
		}
	}
}

func TestParseType(t *testing.T) {
	t.Parallel()
	ty := parseType(`STRUCT("a b" DATE, "c""d" DECIMAL(10,2)[], "m" MAP(VARCHAR, UUID[3]))[]`)
	if ty.id != "LIST" || ty.elem.id != "STRUCT" || len(ty.elem.fields) != 3 {
		t.Fatalf("parsed %+v", ty)
	}
	s := ty.elem
	if s.field("a b").id != "DATE" {
		t.Errorf(`field "a b" = %+v`, s.field("a b"))
	}
	if f := s.field(`c"d`); f == nil || f.id != "LIST" || f.elem.id != "DECIMAL" || f.elem.scale != 2 {
		t.Errorf(`field c"d = %+v`, f)
	}
	if m := s.field("m"); m == nil || m.id != "MAP" || m.key.id != "VARCHAR" || m.val.id != "ARRAY" || m.val.elem.id != "UUID" {
		t.Errorf("field m = %+v", m)
	}
	if u := parseType("UNION(\"k\" INTEGER, \"s\" VARCHAR)"); u.field("s").id != "VARCHAR" {
		t.Errorf("union = %+v", u)
	}
	if bad := parseType("STRUCT(broken"); bad.id != "STRUCT(broken" || bad.numeric() {
		t.Errorf("unparsable type = %+v", bad)
	}
	if !parseType("DECIMAL(18,3)").numeric() || parseType("VARCHAR").numeric() {
		t.Error("numeric() wrong")
	}
}
