package synth

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"strings"
	"testing"
	"time"
)

func TestCivil(t *testing.T) {
	t.Parallel()
	for days := int64(-800_000); days < 3_000_000; days += 997 {
		want := time.Unix(days*secondsPerDay, 0).UTC()
		y, m, d := civil(days)
		if y != want.Year() || m != int(want.Month()) || d != want.Day() {
			t.Fatalf("civil(%d) = %d-%d-%d, want %s", days, y, m, d, want.Format(time.DateOnly))
		}
		if got := daysFromCivil(y, m, d); got != days {
			t.Fatalf("daysFromCivil(%d, %d, %d) = %d, want %d", y, m, d, got, days)
		}
	}
}

func TestTimeFormats(t *testing.T) {
	t.Parallel()
	for _, sec := range []int64{0, 951782400 + 86399, 1719792000 + 3723, 4102444799} {
		tm := time.Unix(sec, 0).UTC()
		tests := []struct{ got, want string }{
			{string(appendTimestamp(nil, sec, timeKaggle)), tm.Format("01/02/2006 15:04:05")},
			{string(appendDate(nil, sec, timeKaggle)), tm.Format("01/02/2006")},
			{string(appendTimestamp(nil, sec, timePlan)), tm.Format(time.DateTime)},
			{string(appendDate(nil, sec, timePlan)), tm.Format(time.DateOnly)},
		}
		for _, tt := range tests {
			if tt.got != tt.want {
				t.Errorf("%d: got %q, want %q", sec, tt.got, tt.want)
			}
		}
	}
}

func TestQuoting(t *testing.T) {
	t.Parallel()
	values := []string{"plain", "a,b", `say "hi"`, "two\nlines", " padded ", "Nguyễn Văn Anh", `""`, "x"}
	for _, q := range []quoting{quoteMinimal, quoteText, quoteAll} {
		r := row{q: q}
		for _, v := range values {
			r.text(v)
		}
		r.int(-42)
		r.null()
		r.boolean(true)
		r.b = append(r.b, '\n')
		rec, err := csv.NewReader(bytes.NewReader(r.b)).Read()
		if err != nil {
			t.Fatalf("quoting %d: %q does not parse: %v", q, r.b, err)
		}
		want := append(append([]string(nil), values...), "-42", "", "True")
		if strings.Join(rec, "|") != strings.Join(want, "|") {
			t.Errorf("quoting %d: round trip %q, want %q", q, rec, want)
		}
		switch q {
		case quoteMinimal:
			if !bytes.HasPrefix(r.b, []byte("plain,")) {
				t.Errorf("minimal quoting quoted a plain field: %q", r.b)
			}
		case quoteText:
			if !bytes.HasPrefix(r.b, []byte(`"plain",`)) || !bytes.HasSuffix(r.b, []byte(",-42,,True\n")) {
				t.Errorf("text quoting: %q", r.b)
			}
		case quoteAll:
			if !bytes.HasSuffix(r.b, []byte(`,"-42","","True"`+"\n")) {
				t.Errorf("quote-all: %q", r.b)
			}
		}
	}
}

func TestPlanID(t *testing.T) {
	t.Parallel()
	for id, want := range map[int64]string{1: "U000001", 42: "U000042", 999999: "U999999", 1000000: "U1000000", 25000000: "U25000000"} {
		if got := string(appendPlanID(nil, 'U', id)); got != want {
			t.Errorf("appendPlanID(%d) = %s, want %s", id, got, want)
		}
	}
}

func TestTruncateRecord(t *testing.T) {
	t.Parallel()
	tests := []struct{ rec, want string }{
		{`12,"kaggleteam","Kaggle Team","03/24/2011",5,,False` + "\n", `12,"kaggl`},
		{`"2408","Eurovision2010","Forecast"` + "\n", `"24`},
		{`"","slug"` + "\n", `"`},
		{`41,4,11215` + "\n", `"41`},
		{`D000001,"[""nlp""]"` + "\n", `"D00`},
		{`1,"Nguyễn Văn Anh",x` + "\n", `1,"Nguyễn`},
		{`1,"aễ",x` + "\n", `1,"a`}, // never cut inside a UTF-8 sequence
	}
	for _, tt := range tests {
		got := truncateRecord([]byte(tt.rec))
		if string(got) != tt.want {
			t.Errorf("truncateRecord(%q) = %q, want %q", tt.rec, got, tt.want)
		}
		header := strings.Repeat("h,", len(fieldStarts([]byte(strings.TrimSpace(tt.rec))))-1) + "h\n"
		r := csv.NewReader(strings.NewReader(header + string(got)))
		r.Read()
		if _, err := r.Read(); !errors.Is(err, csv.ErrQuote) && !errors.Is(err, csv.ErrFieldCount) {
			t.Errorf("truncated %q reads without error (%v)", got, err)
		}
		if _, err := r.Read(); err != io.EOF {
			t.Errorf("truncated %q: more than one record", got)
		}
	}
}

// TestProcess checks the event process: the rate is right, and the events up to day k do not
// depend on how far the threshold table reaches (day independence rests on this).
func TestProcess(t *testing.T) {
	t.Parallel()
	const p, days, n = 0.01, 60, 20000
	short, long := newProcess(p, days), newProcess(p, 5000)
	var total int
	for id := uint64(0); id < n; id++ {
		r := newRNG(12345, id, 0)
		var a, b []int
		ea, eb := short.events(r, days), long.events(r, days)
		for d, ok := ea.next(); ok; d, ok = ea.next() {
			a = append(a, d)
		}
		for d, ok := eb.next(); ok; d, ok = eb.next() {
			b = append(b, d)
		}
		if len(a) != len(b) {
			t.Fatalf("id %d: events %v with a short table, %v with a long one", id, a, b)
		}
		for i := range a {
			if a[i] != b[i] || a[i] < 1 || a[i] > days || (i > 0 && a[i] <= a[i-1]) {
				t.Fatalf("id %d: events %v / %v", id, a, b)
			}
		}
		if last := short.lastEvent(r, days); (len(a) == 0 && last != 0) || (len(a) > 0 && last != a[len(a)-1]) {
			t.Fatalf("id %d: lastEvent %d, events %v", id, last, a)
		}
		// A prefix: the events up to day 20 are those of the full run that are <= 20.
		var pre []int
		ep := long.events(r, 20)
		for d, ok := ep.next(); ok; d, ok = ep.next() {
			pre = append(pre, d)
		}
		var want []int
		for _, d := range a {
			if d <= 20 {
				want = append(want, d)
			}
		}
		if len(pre) != len(want) {
			t.Fatalf("id %d: events to day 20 %v, want %v", id, pre, want)
		}
		total += len(a)
	}
	mean := float64(total) / n / days
	if mean < 0.009 || mean > 0.011 {
		t.Errorf("event rate %.5f a day, want %v", mean, p)
	}
}

func TestTagCatalog(t *testing.T) {
	t.Parallel()
	c := newTagCatalog()
	if len(c.tags) != NumTags {
		t.Fatalf("%d tags, want %d", len(c.tags), NumTags)
	}
	names, ids := map[string]bool{}, map[int64]bool{}
	for i, tg := range c.tags {
		if names[tg.name] || ids[tg.id] {
			t.Errorf("tag %d %q: duplicate name or id", tg.id, tg.name)
		}
		names[tg.name], ids[tg.id] = true, true
		if tg.parent != 0 && !ids[tg.parent] {
			t.Errorf("tag %q: parent %d not listed before it", tg.name, tg.parent)
		}
		if strings.ContainsAny(tg.name, `"\`) || strings.TrimSpace(strings.ToLower(tg.name)) != tg.name {
			t.Errorf("tag %q: would need escaping or is not normalised", tg.name)
		}
		if i == NumTags-1 && tg.referencable {
			t.Error("the last tag is referencable")
		}
	}
	for _, want := range []string{"machine learning", "nlp", "computer vision", "data visualization", "finance", "covid19"} {
		if !names[want] {
			t.Errorf("no tag %q", want)
		}
	}
	r := newRNG(1, 2, 3)
	for range 1000 {
		if !c.tags[c.pick(&r)].referencable {
			t.Fatal("pick returned a tag that must not be referenced")
		}
	}
}
