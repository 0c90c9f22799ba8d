package query_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"
)

// tiny mixes the cases every format must get right: numbers, a comma, quotes, NULL, an empty
// string, a date, a timestamp and a decimal.
const tiny = `SELECT * FROM (VALUES
	(1, 'a,b', NULL, DATE '2024-01-02', TIMESTAMP '2024-01-02 03:04:05.5', 1.50::DECIMAL(4,2)),
	(22, 'say "hi"', '', NULL, NULL, -0.05::DECIMAL(4,2))
) t(id, s, n, d, ts, x) ORDER BY id`

func TestFormats(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "memory")
	c := f.open(t)
	cases := []struct{ format, want string }{
		{"table", `` +
			" id | s        | n    | d          | ts                    |     x\n" +
			"----+----------+------+------------+-----------------------+-------\n" +
			"  1 | a,b      | NULL | 2024-01-02 | 2024-01-02 03:04:05.5 |  1.50\n" +
			" 22 | say \"hi\" |      | NULL       | NULL                  | -0.05\n" +
			"(2 rows)\n"},
		{"csv", `` +
			"id,s,n,d,ts,x\n" +
			"1,\"a,b\",,2024-01-02,2024-01-02 03:04:05.5,1.50\n" +
			"22,\"say \"\"hi\"\"\",\"\",,,-0.05\n"},
		{"json", `` +
			"[\n" +
			`{"id":1,"s":"a,b","n":null,"d":"2024-01-02","ts":"2024-01-02T03:04:05.5","x":1.50},` + "\n" +
			`{"id":22,"s":"say \"hi\"","n":"","d":null,"ts":null,"x":-0.05}` + "\n" +
			"]\n"},
	}
	for _, tc := range cases {
		checkOutput(t, tc.format, run(t, c, tiny, tc.format), tc.want)
	}
	checkOutput(t, "default format", run(t, c, tiny, ""), cases[0].want)

	// The machine formats parse back with standard readers.
	recs, err := csv.NewReader(strings.NewReader(run(t, c, tiny, "csv"))).ReadAll()
	if err != nil || len(recs) != 3 || recs[2][1] != `say "hi"` {
		t.Errorf("csv reads back as %q (err %v)", recs, err)
	}
	var objs []map[string]any
	if err := json.Unmarshal([]byte(run(t, c, tiny, "json")), &objs); err != nil || len(objs) != 2 || objs[0]["s"] != "a,b" {
		t.Errorf("json reads back as %v (err %v)", objs, err)
	}
}

func TestFormatsEmptyResult(t *testing.T) {
	t.Parallel()
	c := newFixture(t, "memory").open(t)
	q := "SELECT 1 AS a, 'x' AS b WHERE false"
	checkOutput(t, "table", run(t, c, q, "table"), " a | b\n---+---\n(0 rows)\n")
	checkOutput(t, "csv", run(t, c, q, "csv"), "a,b\n")
	checkOutput(t, "json", run(t, c, q, "json"), "[]\n")
	checkOutput(t, "one row", run(t, c, "SELECT 'x' AS b", "table"), " b\n---\n x\n(1 row)\n")
}

func TestFormatValues(t *testing.T) {
	t.Parallel()
	c := newFixture(t, "memory").open(t)
	cases := []struct{ expr, text, json string }{
		{"true", "true", "true"},
		{"12345678901234567890::HUGEINT", "12345678901234567890", "12345678901234567890"},
		{"18446744073709551615::UBIGINT", "18446744073709551615", "18446744073709551615"},
		{"123456789.0::DOUBLE", "123456789", "123456789"},
		{"0.1::FLOAT", "0.1", "0.1"},
		{"1e300::DOUBLE", "1e+300", "1e+300"},
		{"'nan'::DOUBLE", "NaN", `"NaN"`},
		{"'-inf'::DOUBLE", "-Infinity", `"-Infinity"`},
		{"0.001::DECIMAL(18,3)", "0.001", "0.001"},
		{"TIMESTAMP_NS '2024-01-02 03:04:05.123456789'", "2024-01-02 03:04:05.123456789", `"2024-01-02T03:04:05.123456789"`},
		{"TIMESTAMPTZ '2024-01-02 03:04:05+00'", "2024-01-02 03:04:05Z", `"2024-01-02T03:04:05Z"`},
		{"TIME '01:02:03'", "01:02:03", `"01:02:03"`},
		{"INTERVAL '1 year 2 months 3 days 04:05:06.5'", "P1Y2M3DT4H5M6.5S", `"P1Y2M3DT4H5M6.5S"`},
		{"INTERVAL '0 days'", "PT0S", `"PT0S"`},
		{"'00000000-0000-0000-0000-0000000000ff'::UUID", "00000000-0000-0000-0000-0000000000ff", `"00000000-0000-0000-0000-0000000000ff"`},
		{"'a\\x00'::BLOB", `a\x00`, `"YQA="`},
		{"[DATE '2024-01-01', NULL]", `["2024-01-01",null]`, `["2024-01-01",null]`},
		{"{'z': 1, 'a': DATE '2024-01-01'}", `{"z":1,"a":"2024-01-01"}`, `{"z":1,"a":"2024-01-01"}`},
		{"MAP {1: 'one'}", `{"1":"one"}`, `{"1":"one"}`},
		{"[1, 2]::INTEGER[2]", `[1,2]`, `[1,2]`},
		{"'{\"k\": [1, 2]}'::JSON", `{"k":[1,2]}`, `{"k":[1,2]}`},
		{"'tab\there'", "tab\there", `"tab\there"`},
		{"'<&>'", "<&>", `"<&>"`},
	}
	for _, tc := range cases {
		q := "SELECT " + tc.expr + " AS v"
		if got := run(t, c, q, "csv"); got != "v\n"+csvField(tc.text)+"\n" {
			t.Errorf("%s as csv = %q, want %q", tc.expr, got, tc.text)
		}
		if got := run(t, c, q, "json"); got != "[\n{\"v\":"+tc.json+"}\n]\n" {
			t.Errorf("%s as json = %q, want %q", tc.expr, got, tc.json)
		}
	}
}

func csvField(s string) string {
	if strings.ContainsAny(s, "\",\n\r") {
		return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
	}
	return s
}

func TestFormatJSONRepeatedColumnNames(t *testing.T) {
	t.Parallel()
	c := newFixture(t, "memory").open(t)
	checkOutput(t, "repeated names", run(t, c, "SELECT 1 AS a, 2 AS a", "json"), "[\n{\"a\":1,\"a_1\":2}\n]\n")
}

func TestFormatTableMultiLineCells(t *testing.T) {
	t.Parallel()
	c := newFixture(t, "memory").open(t)
	got := run(t, c, "SELECT 'one\ntwo' AS a, 7 AS b", "table")
	want := "" +
		" a   | b\n" +
		"-----+---\n" +
		" one | 7\n" +
		" two |\n" +
		"(1 row)\n"
	checkOutput(t, "multi-line cell", got, want)
}

func TestFormatTableCapsRows(t *testing.T) {
	t.Parallel()
	c := newFixture(t, "memory").open(t)
	got := run(t, c, "SELECT * FROM range(10005) t(i)", "table")
	lines := strings.Split(strings.TrimSuffix(got, "\n"), "\n")
	if n := len(lines); n != 2+10000+1 {
		t.Fatalf("%d lines, want header, rule, 10000 rows and a footer", n)
	}
	if last := lines[len(lines)-2]; strings.TrimSpace(last) != "9999" {
		t.Errorf("last row printed = %q, want 9999", last)
	}
	if footer := lines[len(lines)-1]; !strings.HasPrefix(footer, "(first 10000 of 10005 rows shown") {
		t.Errorf("footer = %q", footer)
	}
	// The streaming formats are not capped.
	if n := strings.Count(run(t, c, "SELECT * FROM range(10005) t(i)", "csv"), "\n"); n != 10006 {
		t.Errorf("csv has %d lines, want 10006", n)
	}
}

func TestUnknownFormat(t *testing.T) {
	t.Parallel()
	c := newFixture(t, "memory").open(t)
	var out bytes.Buffer
	err := c.Query(context.Background(), "SELECT 1", "xml", &out)
	if err == nil {
		t.Fatal("format xml accepted")
	}
	for _, want := range []string{`unknown format "xml"`, "table, csv or json"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if out.Len() > 0 {
		t.Errorf("wrote %q", out.String())
	}
}
