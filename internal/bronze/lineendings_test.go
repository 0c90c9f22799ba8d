package bronze_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/metalake/metalake/internal/bronze"
)

// mixedLines are the physical lines of a users file (no line breaks): valid records, a quoted
// field holding CRLF, a structural reject and a value reject, so both line numbering and
// rejects are compared.
var mixedLines = func() []string {
	lines := []string{strings.TrimSuffix(usersHeader, "\n")}
	lines = append(lines, strings.Split(strings.TrimSuffix(goodUsers(0, 10), "\n"), "\n")...) // 2..11
	lines = append(lines,
		"U0100,\"multi\r\nline\",2024-01-01,VN", // 12: CRLF inside quotes is data
		"U0101,x,y,z,w",                         // 13: structural
		"U0102,late,13/45/2024,VN",              // 14: value reject
		"U0103,quoted,2024-01-01,\"VN\"")        // 15: a quoted last field
	return append(lines, strings.Split(strings.TrimSuffix(goodUsers(200, 10), "\n"), "\n")...) // 16..25
}()

// joinLines ends line i with ends[i] when set, else with def; last is the file's final line
// break.
func joinLines(def string, ends map[int]string, last string) string {
	var b strings.Builder
	for i, l := range mixedLines {
		b.WriteString(l)
		end, ok := ends[i]
		if !ok {
			end = def
		}
		if i == len(mixedLines)-1 {
			end = last
		}
		b.WriteString(end)
	}
	return b.String()
}

// TestMixedLineEndings: a file whose line breaks mix LF and CRLF loads as if every line ended
// in LF — same valid rows, values (no stray CR; a CRLF inside quotes kept),
// rejects and line numbers — through a rewritten copy; a consistent file is read as it is.
func TestMixedLineEndings(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		body    string
		rewrite bool
	}{
		{"LF", joinLines("\n", nil, "\n"), false},
		{"CRLF", joinLines("\r\n", nil, "\r\n"), false},
		{"one CRLF line in an LF file", joinLines("\n", map[int]string{5: "\r\n"}, "\n"), true},
		{"CRLF after the structural reject", joinLines("\n", map[int]string{13: "\r\n"}, "\n"), true},
		{"CRLF after a quoted last field", joinLines("\n", map[int]string{14: "\r\n"}, "\n"), true},
		{"final line CRLF", joinLines("\n", nil, "\r\n"), true},
		{"CRLF on the header only", joinLines("\n", map[int]string{0: "\r\n"}, "\n"), true},
		{"no final line break", joinLines("\n", map[int]string{3: "\r\n"}, ""), true},
		{"one LF line in a CRLF file", joinLines("\r\n", map[int]string{9: "\n"}, "\r\n"), true},
	}
	want := runUsers(t, joinLines("\n", nil, "\n"), false)
	if !strings.Contains(want, "user_id:U0100 user_name:multi\r\nline") {
		t.Fatalf("the reference run lost the quoted CRLF: %s", want)
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := runUsers(t, tc.body, tc.rewrite); got != want {
				t.Errorf("got\n%s\nwant (all LF)\n%s", got, want)
			}
		})
	}
}

// runUsers runs bronze users on body and returns the counts, the valid rows and the rejects
// (without the processing time) as text. rewrite says whether the raw file must have been
// read through a rewritten copy.
func runUsers(t *testing.T, body string, rewrite bool) string {
	t.Helper()
	f := newFixture(t)
	var log bytes.Buffer
	f.job.Log = slog.New(slog.NewTextHandler(&log, nil))
	f.putRaw(t, "users", "2024-01-01", body)
	rep, err := f.job.Run(context.Background(), "users", mustDate(t, "2024-01-01"))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Contains(log.String(), "raw file rewritten"); got != rewrite {
		t.Errorf("rewritten = %v, want %v (log: %s)", got, rewrite, log.String())
	}
	rows := f.query(t, "bronze/users/run_date=2024-01-01/", "SELECT * EXCLUDE (ingest_ts) FROM t ORDER BY source_line")
	rej := f.query(t, "bronze/_rejects/users/run_date=2024-01-01/", "SELECT * EXCLUDE (ingest_ts) FROM t ORDER BY source_line")
	return fmt.Sprintf("input %d output %d rejects %d\n%v\n%v", rep.InputCount, rep.OutputCount, rep.RejectCount, rows, rej)
}

// TestMixedLineEndingsInALookup: a lookup file (DatasetVersions) with one CRLF line is read
// the same way: every version accounted for, every dataset titled. Its CRLF follows a quoted
// field, which DuckDB does not fail on but rejects as an unterminated quote.
func TestMixedLineEndingsInALookup(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.putRaw(t, "datasets", "2024-01-01", "Id,CreatorUserId,OwnerUserId,CurrentDatasetVersionId,Type,CreationDate,LastActivityDate,TotalViews,TotalDownloads\n"+
		"1,7,7,101,Dataset,01/02/2020 10:00:00,01/03/2020,5,1\n"+
		"2,7,,102,Dataset,01/02/2020 10:00:00,01/03/2020,5,1\n")
	f.putRaw(t, "dataset_versions", "2024-01-01", "Id,DatasetId,Title,Subtitle,Description\n"+
		"101,1,First,Sub,\"a long\r\ndescription\"\r\n"+
		"102,2,Second,,\n")
	rep, err := f.job.Run(context.Background(), "datasets", mustDate(t, "2024-01-01"))
	if err != nil {
		t.Fatal(err)
	}
	if lk := rep.Lookups[0]; lk.InputCount != 2 || lk.OutputCount != 2 {
		t.Errorf("lookup accounting %+v", lk)
	}
	titles := f.query(t, "bronze/datasets/run_date=2024-01-01/", "SELECT dataset_id, dataset_title, dataset_subtitle FROM t ORDER BY 1")
	if got := fmt.Sprint(titles); got != "[map[dataset_id:1 dataset_subtitle:Sub dataset_title:First] map[dataset_id:2 dataset_subtitle:<nil> dataset_title:Second]]" {
		t.Errorf("datasets %s", got)
	}
}

// TestStrayCarriageReturn: in a file of LF (or CRLF) lines, a CR outside quotes that is not
// part of a CRLF is not a line break but a stray byte (RFC 4180 text has none): its record —
// running on to the next line break — is one 'malformed csv line' reject carrying its raw
// text; the other records load and keep their line numbers. After an unquoted field DuckDB
// alone fails the whole file; after a quoted one it rejects the same record by itself.
func TestStrayCarriageReturn(t *testing.T) {
	t.Parallel()
	for _, at := range []int{7, 14} {
		t.Run(fmt.Sprint("after line ", at+1), func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			f.putRaw(t, "users", "2024-01-01", joinLines("\n", map[int]string{at: "\r"}, "\n")+goodUsers(300, 20))
			rep, err := f.job.Run(context.Background(), "users", mustDate(t, "2024-01-01"))
			if err != nil {
				t.Fatal(err)
			}
			// 44 records, two of them one now; rejects: it, the structural and the value one.
			if rep.InputCount != 43 || rep.OutputCount != 40 || rep.RejectCount != 3 {
				t.Errorf("input %d output %d rejects %d, want 43 = 40 + 3", rep.InputCount, rep.OutputCount, rep.RejectCount)
			}
			rej := f.query(t, "bronze/_rejects/users/run_date=2024-01-01/", "SELECT source_line, reject_reason, raw_line FROM t WHERE reject_reason = 'malformed csv line' ORDER BY 1")
			merged := fmt.Sprintf("map[raw_line:%s\r%s reject_reason:malformed csv line source_line:%d]", mixedLines[at], mixedLines[at+1], at+1)
			structural := "map[raw_line:U0101,x,y,z,w reject_reason:malformed csv line source_line:12]"
			want := "[" + merged + " " + structural + "]"
			if at == 14 {
				want = "[" + strings.Replace(structural, "12]", "13]", 1) + " " + merged + "]"
			}
			if got := fmt.Sprint(rej); got != want {
				t.Errorf("rejects\n%q\nwant\n%q", got, want)
			}
			rows := f.query(t, "bronze/users/run_date=2024-01-01/", "SELECT user_id, source_line FROM t WHERE user_id IN ('U0005', 'U0209', 'U0300') ORDER BY 1")
			if got := fmt.Sprint(rows); got != "[map[source_line:7 user_id:U0005] map[source_line:24 user_id:U0209] map[source_line:25 user_id:U0300]]" {
				t.Errorf("valid rows %s", got)
			}
		})
	}
}

// TestReal2016FilesWithACRLFHeader: the real 2016 files (LF lines, CRLF inside long quoted
// Markdown) are read as they are; with a CRLF header on DatasetVersions they are read through
// the rewrite and give the same datasets and the same lookup accounting.
func TestReal2016FilesWithACRLFHeader(t *testing.T) {
	t.Parallel()
	dir := realdata(t, "meta-kaggle-2016")
	datasets, err := os.ReadFile(filepath.Join(dir, "Datasets.csv"))
	if err != nil {
		t.Fatal(err)
	}
	versions, err := os.ReadFile(filepath.Join(dir, "DatasetVersions.csv"))
	if err != nil {
		t.Fatal(err)
	}
	run := func(versions string, rewrite bool) string {
		f := newFixture(t)
		var log bytes.Buffer
		f.job.Log = slog.New(slog.NewTextHandler(&log, nil))
		f.putRaw(t, "datasets", "2016-06-01", string(datasets))
		f.putRaw(t, "dataset_versions", "2016-06-01", versions)
		rep, err := f.job.Run(context.Background(), "datasets", mustDate(t, "2016-06-01"))
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Contains(log.String(), "raw file rewritten"); got != rewrite {
			t.Errorf("rewritten = %v, want %v", got, rewrite)
		}
		rows := f.query(t, "bronze/datasets/run_date=2016-06-01/", "SELECT * EXCLUDE (ingest_ts) FROM t ORDER BY source_line")
		return fmt.Sprintf("%+v\n%v", rep.Lookups, rows)
	}
	want := run(string(versions), false)
	if got := run(strings.Replace(string(versions), "\n", "\r\n", 1), true); got != want {
		t.Errorf("with a CRLF header:\n%s\nwant\n%s", got, want)
	}
}

// TestEveryLineWithAStrayCR: lines ending in CR CR LF (a CRLF file converted twice) hold a
// stray CR each: every record is a reject with its raw text, the breaker trips, and the
// rejects are all there — the rewrite streams their texts to a file, however many.
func TestEveryLineWithAStrayCR(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.putRaw(t, "users", "2024-01-01", strings.ReplaceAll(usersHeader, "\n", "\r\n")+strings.ReplaceAll(goodUsers(0, 3000), "\n", "\r\r\n"))
	rep, err := f.job.Run(context.Background(), "users", mustDate(t, "2024-01-01"))
	var rt *bronze.RejectThresholdError
	if !errors.As(err, &rt) || rep.InputCount != 3000 || rep.RejectCount != 3000 {
		t.Fatalf("err %v, report %+v; want the breaker with 3000 rejects of 3000", err, rep)
	}
	rows := f.query(t, "bronze/_rejects/users/run_date=2024-01-01/", `SELECT COUNT(*) AS n, COUNT(DISTINCT source_line) AS lines,
		MIN(source_line) AS first, COUNT(*) FILTER (raw_line = 'U' || lpad(CAST(source_line - 2 AS VARCHAR), 4, '0') || ',user' ||
		CAST(source_line - 2 AS VARCHAR) || ',2024-01-' || lpad(CAST(1 + (source_line - 2) % 28 AS VARCHAR), 2, '0') || ' 10:00:00,VN' || chr(13)) AS exact
		FROM t WHERE reject_reason = 'malformed csv line'`)
	if r := rows[0]; num(t, r["n"]) != 3000 || num(t, r["lines"]) != 3000 || num(t, r["first"]) != 2 || num(t, r["exact"]) != 3000 {
		t.Errorf("rejects %v, want 3000 with their own raw text, lines 2..3001", r)
	}
}
