package bronze

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/metalake/metalake/internal/contract"
	"github.com/metalake/metalake/internal/engine"
	"github.com/metalake/metalake/internal/engine/spark/sparktest"
)

// generalParse is the strict parse without the shortcuts of parseExpr: trim, then the pattern
// or every format in order. parseExpr must give exactly its result for every text.
func generalParse(d engine.Dialect, c contract.Column, raw string) (string, error) {
	t := "TRIM(" + raw + ")"
	switch c.Type {
	case contract.TypeInteger:
		return fmt.Sprintf("CASE WHEN %s THEN TRY_CAST(%s AS BIGINT) END", d.Matches(t, integerPattern), t), nil
	case contract.TypeTimestamp:
		return d.ParseTimestamp(t, c.Formats...)
	case contract.TypeDate:
		ts, err := d.ParseTimestamp(t, c.Formats...)
		return fmt.Sprintf("CAST(%s AS DATE)", ts), err
	case contract.TypeBoolean:
		return fmt.Sprintf("CASE LOWER(%s) WHEN 'true' THEN true WHEN 'false' THEN false END", t), nil
	}
	panic(c.Type)
}

// parseTexts and parseColumns are the values and columns the parse tests run: canonical
// values, every shortcut's edges, and what no format accepts.
var (
	parseTexts = []string{"", " ", "12", "-5", "+5", "007", " 12 ", "-0", "1.5", "1e3", "0x10", "1_000", "12abc",
		"9223372036854775807", "99999999999999999999", "True", "False", "true", " FALSE ", "yes",
		"04/01/2010", " 04/01/2010", "04/01/2010 ", "4/1/2010", "04/01/10", "13/01/2010", "04/01/2010x",
		"01/02/2019 07:55:37", "1/2/2019 1:2:3", "01/02/2019  07:55:37", " 01/02/2019 07:55:37 ",
		"01/02/2019 07:55:37.5", "2019-01-02", "2019-01-02 07:55:37", "2019-01-02T07:55:37", "٣"}
	parseColumns = []contract.Column{
		{Name: "i", Type: contract.TypeInteger},
		{Name: "b", Type: contract.TypeBoolean},
		{Name: "ts_date_first", Type: contract.TypeTimestamp, Formats: []string{"%m/%d/%Y", "%m/%d/%Y %H:%M:%S"}},
		{Name: "ts_time_first", Type: contract.TypeTimestamp, Formats: []string{"%m/%d/%Y %H:%M:%S", "%m/%d/%Y"}},
		{Name: "ts_iso", Type: contract.TypeTimestamp, Formats: []string{"%Y-%m-%d %H:%M:%S", "%Y-%m-%d"}},
		{Name: "d", Type: contract.TypeDate, Formats: []string{"%m/%d/%Y", "%m/%d/%Y %H:%M:%S"}},
		{Name: "ts_unbounded", Type: contract.TypeTimestamp, Formats: []string{"%b %d %Y", "%m/%d/%Y"}},
	}
)

func TestParseShortcutsMatchTheGeneralParse(t *testing.T) {
	ctx := context.Background()
	eng, err := engine.Open(ctx, engine.Options{Threads: 1, WorkDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	checkParseShortcuts(t, eng)
}

// checkParseShortcuts checks on eng that parseExpr gives the general parse's result for every
// text and column. A column whose formats the engine refuses must say which specifier.
func checkParseShortcuts(t *testing.T, eng engine.Engine) {
	ctx := context.Background()
	s, err := eng.Session(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	d := eng.Dialect()
	for _, c := range parseColumns {
		fast, err := parseExpr(d, c, "x")
		if err != nil {
			if !strings.Contains(err.Error(), "%b") {
				t.Errorf("%s: %v; want a parse or an error naming %%b", c.Name, err)
			}
			continue
		}
		general, err := generalParse(d, c, "x")
		if err != nil {
			t.Fatalf("%s: the shortcuts translate, the general parse fails: %v", c.Name, err)
		}
		for _, text := range parseTexts {
			var fastV, generalV any
			q := fmt.Sprintf("SELECT %s, %s FROM (SELECT %s AS x) AS t", fast, general, engine.Literal(text))
			if err := s.QueryRow(ctx, q, &fastV, &generalV); err != nil {
				t.Fatalf("%s %q: %v", c.Name, text, err)
			}
			if fmt.Sprint(fastV) != fmt.Sprint(generalV) {
				t.Errorf("%s %q: shortcut gives %v, the general parse %v", c.Name, text, fastV, generalV)
			}
		}
	}
}

func TestFormatWidth(t *testing.T) {
	for _, tc := range []struct {
		format  string
		lo, hi  int
		bounded bool
	}{
		{"%m/%d/%Y", 5, 10, true},
		{"%m/%d/%Y %H:%M:%S", 11, -1, true},
		{"%Y-%m-%d", 5, 10, true},
		{"%b %d %Y", 0, 0, false},
		{"100%%", 4, 4, true},
	} {
		lo, hi, ok := formatWidth(tc.format)
		if ok != tc.bounded || (ok && (lo != tc.lo || hi != tc.hi)) {
			t.Errorf("formatWidth(%q) = %d, %d, %v; want %d, %d, %v", tc.format, lo, hi, ok, tc.lo, tc.hi, tc.bounded)
		}
	}
}

// TestParseAgreesAcrossEngines runs every column's parse on DuckDB and on Spark over the same
// texts: the values and the verdicts (failedExpr) must be equal, and the shortcuts must keep
// their promise on Spark too.
func TestParseAgreesAcrossEngines(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	duck, err := engine.Open(ctx, engine.Options{Threads: 1, WorkDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer duck.Close()
	sp := sparktest.Open(t)
	checkParseShortcuts(t, sp)

	columns := append(slices.Clone(parseColumns),
		contract.Column{Name: "n", Type: contract.TypeNumber},
		contract.Column{Name: "j", Type: contract.TypeJSONArray},
		contract.Column{Name: "v", Type: contract.TypeVarchar})
	texts := append(slices.Clone(parseTexts), "1.", ".5", "-.5e-3", "1e400", "1e", "NaN", "Infinity", " 2.5 ",
		`[]`, `["a", "b"]`, ` [1, {"a": null}] `, `{"a": 1}`, `"[1]"`, `[1] x`, `[1]]`, `["a"`, `['a']`, "null")
	results := func(eng engine.Engine) map[string]string {
		s, err := eng.Session(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		out := map[string]string{}
		for _, c := range columns {
			expr, err := parseExpr(eng.Dialect(), c, "x")
			if err != nil {
				continue // refused: checkParseShortcuts checked the error
			}
			vals := make([]string, len(texts))
			for i, text := range texts {
				vals[i] = fmt.Sprintf("(%d, %s)", i, engine.Literal(text))
			}
			q := fmt.Sprintf("SELECT i, p, %s FROM (SELECT i, x, %s AS p FROM (VALUES %s) AS t(i, x)) AS q",
				failedExpr(c, "x", "p"), expr, strings.Join(vals, ", "))
			err = s.Each(ctx, q, func(row []any) error {
				var i int64
				if err := engine.Scan(row[:1], &i); err != nil {
					return err
				}
				out[fmt.Sprintf("%s %q", c.Name, texts[i])] = fmt.Sprintf("%v, failed %v", row[1], row[2])
				return nil
			})
			if err != nil {
				t.Fatalf("%s: %v", c.Name, err)
			}
		}
		return out
	}
	want, got := results(duck), results(sp)
	for _, k := range slices.Sorted(maps.Keys(want)) {
		if strings.HasPrefix(k, "ts_unbounded ") {
			continue // %b: DuckDB's alone
		}
		if strings.HasSuffix(k, ` "Infinity"`) && (strings.HasPrefix(k, "ts_") || strings.HasPrefix(k, "d ")) {
			continue // DuckDB's strptime takes infinity and epoch for 1900-01-01 (engine.Dialect.ParseTimestamp)
		}
		if got[k] != want[k] {
			t.Errorf("%s: DuckDB %s, Spark %s", k, want[k], got[k])
		}
	}
}
