package bronze

import (
	"context"
	"fmt"
	"testing"

	"github.com/metalake/metalake/internal/contract"
	"github.com/metalake/metalake/internal/engine"
)

// generalParse is the strict parse without the shortcuts of parseExpr: trim, then the pattern
// or every format in order. parseExpr must give exactly its result for every text.
func generalParse(c contract.Column, raw string) string {
	t := "TRIM(" + raw + ")"
	switch c.Type {
	case contract.TypeInteger:
		return fmt.Sprintf("CASE WHEN regexp_full_match(%s, '%s') THEN TRY_CAST(%s AS BIGINT) END", t, integerPattern, t)
	case contract.TypeTimestamp:
		return fmt.Sprintf("TRY_STRPTIME(%s, %s)", t, formatList(c.Formats))
	case contract.TypeDate:
		return fmt.Sprintf("CAST(TRY_STRPTIME(%s, %s) AS DATE)", t, formatList(c.Formats))
	case contract.TypeBoolean:
		return fmt.Sprintf("CASE LOWER(%s) WHEN 'true' THEN true WHEN 'false' THEN false END", t)
	}
	panic(c.Type)
}

func TestParseShortcutsMatchTheGeneralParse(t *testing.T) {
	ctx := context.Background()
	eng, err := engine.Open(ctx, engine.Options{Threads: 1, WorkDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	s, err := eng.Session(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()

	texts := []string{"", " ", "12", "-5", "+5", "007", " 12 ", "-0", "1.5", "1e3", "0x10", "1_000", "12abc",
		"9223372036854775807", "99999999999999999999", "True", "False", "true", " FALSE ", "yes",
		"04/01/2010", " 04/01/2010", "04/01/2010 ", "4/1/2010", "04/01/10", "13/01/2010", "04/01/2010x",
		"01/02/2019 07:55:37", "1/2/2019 1:2:3", "01/02/2019  07:55:37", " 01/02/2019 07:55:37 ",
		"01/02/2019 07:55:37.5", "2019-01-02", "2019-01-02 07:55:37", "2019-01-02T07:55:37", "٣"}
	columns := []contract.Column{
		{Name: "i", Type: contract.TypeInteger},
		{Name: "b", Type: contract.TypeBoolean},
		{Name: "ts_date_first", Type: contract.TypeTimestamp, Formats: []string{"%m/%d/%Y", "%m/%d/%Y %H:%M:%S"}},
		{Name: "ts_time_first", Type: contract.TypeTimestamp, Formats: []string{"%m/%d/%Y %H:%M:%S", "%m/%d/%Y"}},
		{Name: "ts_iso", Type: contract.TypeTimestamp, Formats: []string{"%Y-%m-%d %H:%M:%S", "%Y-%m-%d"}},
		{Name: "d", Type: contract.TypeDate, Formats: []string{"%m/%d/%Y", "%m/%d/%Y %H:%M:%S"}},
		{Name: "ts_unbounded", Type: contract.TypeTimestamp, Formats: []string{"%b %d %Y", "%m/%d/%Y"}},
	}
	for _, c := range columns {
		for _, text := range texts {
			var fast, general any
			q := fmt.Sprintf("SELECT %s, %s FROM (SELECT %s AS x)", parseExpr(c, "x"), generalParse(c, "x"), engine.Literal(text))
			if err := s.QueryRow(ctx, q, &fast, &general); err != nil {
				t.Fatalf("%s %q: %v", c.Name, text, err)
			}
			if fmt.Sprint(fast) != fmt.Sprint(general) {
				t.Errorf("%s %q: shortcut gives %v, the general parse %v", c.Name, text, fast, general)
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
