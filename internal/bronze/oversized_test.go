package bronze_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/metalake/metalake/internal/bronze"
)

// bigUser is a users record of exactly size bytes (line break excluded) whose name is
// size-ish bytes of x; quoted names spread over lines of 100 bytes.
func bigUser(id string, size int, multiline bool) string {
	const rest = ",2024-01-01,VN"
	n := size - len(id) - 1 - len(rest)
	if !multiline {
		return id + "," + strings.Repeat("x", n) + rest
	}
	n -= 2
	name := strings.Repeat(strings.Repeat("x", 99)+"\n", n/100) + strings.Repeat("x", n%100)
	return id + ",\"" + name + "\"" + rest
}

// TestRecordsOverTheSizeLimit: a record at or over the limit (lowered here to 1 MiB, so DuckDB's
// buffer is 2 MiB) is one reject with its own line number and its own first 10,000 bytes plus
// its size; its neighbours stay valid with their lines; the accounting reconciles. DuckDB on
// its own drops such a record without a trace, or rejects it with the previous record's text,
// depending on where its buffers fall — hence records of several sizes at several offsets.
// Not parallel: the limit is package state.
func TestRecordsOverTheSizeLimit(t *testing.T) {
	defer bronze.SetMaxLineBytes(1 << 20)()
	const MiB = 1 << 20
	for _, tc := range []struct {
		name      string
		lead      int // valid records before the big one
		size      int
		multiline bool
	}{
		{"one line over twice the buffer", 30, 5 * MiB, false},
		{"one line at the limit", 30, MiB, false},
		{"one line across the first buffer boundary", 45000, MiB + MiB/2, false},
		{"one line after a long run of records", 100000, 3 * MiB, false},
		{"a quoted field over lines", 30, 3 * MiB, true},
		{"a quoted field over lines across a buffer boundary", 40000, 1*MiB + MiB/3, true},
		{"a quoted field over lines after a long run", 70000, 5 * MiB, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			big := bigUser("U9000", tc.size, tc.multiline)
			body := usersHeader + goodUsers(0, tc.lead) + big + "\n" + goodUsers(tc.lead, 20)
			line := int64(tc.lead + 2)
			checkOversized(t, body, 1, tc.lead+20, []int64{line}, []string{big}, map[string]int64{
				fmt.Sprintf("U%04d", tc.lead-1): line - 1, fmt.Sprintf("U%04d", tc.lead): line + 1})
		})
	}
	t.Run("two records and a broken one", func(t *testing.T) {
		a, b := bigUser("U9000", 3*MiB, false), bigUser("U9001", 2*MiB, true)
		body := usersHeader + goodUsers(0, 10) + a + "\n" + goodUsers(10, 10) + "U0020,x,y,z,w\n" + b + "\n" + goodUsers(21, 10)
		// lines: 2..11 valid, 12 a, 13..22 valid, 23 broken, 24 b, 25..34 valid
		checkOversized(t, body, 3, 30, []int64{12, 24}, []string{a, b},
			map[string]int64{"U0009": 11, "U0010": 13, "U0019": 22, "U0021": 25, "U0030": 34})
	})
	t.Run("an unterminated quote runs to the end of the file", func(t *testing.T) {
		// RFC 4180: the rest of the file is the broken record's quoted field. DuckDB on its
		// own resynchronises at buffer boundaries and keeps a haphazard part of the rest.
		rest := "U0050,\"broken,2024-01-01,VN\n" + goodUsers(100, 60000)
		body := usersHeader + goodUsers(0, 50) + rest
		checkOversized(t, body, 1, 50, []int64{52}, []string{rest}, map[string]int64{"U0049": 51})
	})
}

// checkOversized runs bronze users on body and checks the report, the rejects at lines (the
// records over the limit, whose text is records[i]) and the lines of some valid users.
func checkOversized(t *testing.T, body string, rejects, valid int, lines []int64, records []string, want map[string]int64) {
	t.Helper()
	f := newFixture(t)
	f.putRaw(t, "users", "2024-01-01", body)
	rep, err := f.job.Run(context.Background(), "users", mustDate(t, "2024-01-01"))
	if err != nil {
		t.Fatal(err)
	}
	if rep.OutputCount != int64(valid) || rep.RejectCount != int64(rejects) || rep.InputCount != rep.OutputCount+rep.RejectCount {
		t.Errorf("input %d output %d rejects %d, want output %d rejects %d", rep.InputCount, rep.OutputCount, rep.RejectCount, valid, rejects)
	}
	if n := f.committedRows(t, "bronze/users/run_date=2024-01-01/"); n != rep.OutputCount {
		t.Errorf("partition holds %d rows, report says %d", n, rep.OutputCount)
	}
	got := f.query(t, "bronze/_rejects/users/run_date=2024-01-01/", "SELECT source_line, reject_reason, raw_line FROM t WHERE length(raw_line) > 1000 ORDER BY 1")
	if len(got) != len(lines) {
		t.Fatalf("%d long rejects, want %d: %v", len(got), len(lines), got)
	}
	for i, r := range got {
		wantText := records[i][:10000] + fmt.Sprintf("…[truncated: the record is %d bytes, records must be under 1048576]", len(records[i]))
		if num(t, r["source_line"]) != lines[i] || r["reject_reason"] != "malformed csv line" || r["raw_line"] != wantText {
			text := fmt.Sprint(r["raw_line"])
			t.Errorf("reject %d: line %v reason %v text %q…%q; want line %d, %q…%q", i, r["source_line"], r["reject_reason"],
				text[:min(len(text), 20)], text[max(0, len(text)-80):], lines[i], wantText[:20], wantText[len(wantText)-80:])
		}
	}
	ids := make([]string, 0, len(want))
	for id := range want {
		ids = append(ids, "'"+id+"'")
	}
	rows := f.query(t, "bronze/users/run_date=2024-01-01/", "SELECT user_id, source_line FROM t WHERE user_id IN ("+strings.Join(ids, ", ")+")")
	for _, r := range rows {
		if id := r["user_id"].(string); num(t, r["source_line"]) != want[id] {
			t.Errorf("%s at line %v, want %d", id, r["source_line"], want[id])
		}
	}
	if len(rows) != len(want) {
		t.Errorf("valid users %v, want lines %v", rows, want)
	}
}

// TestRecordOverTheSizeLimitAtRealSize is the reported case at the real limit (64 MiB,
// DuckDB's buffer 128 MiB): a 130 MiB record after valid ones was a reject carrying the
// previous record's text. About 0.4 GB of memory and a few seconds; skipped with -short.
func TestRecordOverTheSizeLimitAtRealSize(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a 130 MiB record")
	}
	const size = 130 << 20
	big := bigUser("U9000", size, false)
	body := usersHeader + goodUsers(0, 1000) + big + "\n" + goodUsers(1000, 1000)
	f := newFixture(t)
	f.putRaw(t, "users", "2024-01-01", body)
	rep, err := f.job.Run(context.Background(), "users", mustDate(t, "2024-01-01"))
	if err != nil {
		t.Fatal(err)
	}
	if rep.InputCount != 2001 || rep.OutputCount != 2000 || rep.RejectCount != 1 {
		t.Errorf("input %d output %d rejects %d, want 2001 = 2000 + 1", rep.InputCount, rep.OutputCount, rep.RejectCount)
	}
	rej := f.query(t, "bronze/_rejects/users/run_date=2024-01-01/", "SELECT source_line, reject_reason, raw_line FROM t")
	want := big[:10000] + fmt.Sprintf("…[truncated: the record is %d bytes, records must be under 67108864]", size)
	if len(rej) != 1 || num(t, rej[0]["source_line"]) != 1002 || rej[0]["raw_line"] != want {
		text := fmt.Sprint(rej)
		t.Errorf("rejects %s…, want one at line 1002 with the record's first 10,000 bytes", text[:min(len(text), 200)])
	}
	rows := f.query(t, "bronze/users/run_date=2024-01-01/", "SELECT user_id, source_line FROM t WHERE user_id IN ('U0999', 'U1000') ORDER BY 1")
	if got := fmt.Sprint(rows); got != "[map[source_line:1001 user_id:U0999] map[source_line:1003 user_id:U1000]]" {
		t.Errorf("neighbours %s", got)
	}
}
