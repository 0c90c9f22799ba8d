package bronze_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/metalake/metalake/internal/bronze"
	"github.com/metalake/metalake/internal/dag"
)

const usersHeader = "Id,UserName,RegisterDate,Country\n"

// goodUsers returns n valid plan-layout user rows starting at id start.
func goodUsers(start, n int) string {
	var b strings.Builder
	for i := start; i < start+n; i++ {
		fmt.Fprintf(&b, "U%04d,user%d,2024-01-%02d 10:00:00,VN\n", i, i, 1+i%28)
	}
	return b.String()
}

func TestBadInputs(t *testing.T) {
	t.Parallel()
	big := strings.Repeat("x", 10<<20)
	cases := []struct {
		name    string
		table   string
		files   map[string]string // raw table → body
		wantErr string            // substring of the one-line error; "" means success
		input   int64
		output  int64
		reasons map[string]int64
	}{
		{name: "missing raw table", table: "users", files: map[string]string{},
			wantErr: "users 2024-01-01: missing raw file (looked for raw/users/ingestion_date=2024-01-01/users.csv)"},
		{name: "missing required column", table: "users",
			files:   map[string]string{"users": "Id,UserName,Country\nU1,a,VN\n"},
			wantErr: "plan layout is missing column(s) RegisterDate"},
		{name: "unknown header layout", table: "users",
			files:   map[string]string{"users": "foo,bar\n1,2\n"},
			wantErr: "raw/users/ingestion_date=2024-01-01/users.csv: header matches no known layout"},
		{name: "empty file", table: "users", files: map[string]string{"users": ""},
			wantErr: "users.csv: empty file: no header line"},
		{name: "header only", table: "users", files: map[string]string{"users": usersHeader},
			input: 0, output: 0, reasons: map[string]int64{}},
		{name: "truncated last line", table: "users",
			files: map[string]string{"users": usersHeader + goodUsers(0, 20) + `U9999,"trunc`},
			input: 21, output: 20, reasons: map[string]int64{"malformed csv line": 1}},
		{name: "utf-8 BOM", table: "users",
			files: map[string]string{"users": "\ufeff" + usersHeader + goodUsers(0, 5)},
			input: 5, output: 5, reasons: map[string]int64{}},
		{name: "CRLF line endings", table: "users",
			files: map[string]string{"users": strings.ReplaceAll(usersHeader+goodUsers(0, 5), "\n", "\r\n")},
			input: 5, output: 5, reasons: map[string]int64{}},
		{name: "invalid UTF-8 bytes", table: "users",
			files: map[string]string{"users": usersHeader + goodUsers(0, 20) + "U9999,bad\xff\xfename,2024-01-01,VN\n"},
			input: 21, output: 20, reasons: map[string]int64{"malformed csv line": 1}},
		{name: "10 MB field", table: "users",
			files: map[string]string{"users": usersHeader + goodUsers(0, 3) + "U9999,\"" + big + "\",2024-01-01,VN\n" + goodUsers(3, 3)},
			input: 7, output: 7, reasons: map[string]int64{}},
		{name: "date in the wrong format", table: "users",
			files: map[string]string{"users": usersHeader + goodUsers(0, 20) + "U9999,late,01/15/2024,VN\n"},
			input: 21, output: 20, reasons: map[string]int64{"signup_ts is not a valid timestamp": 1}},
		{name: "number with letters", table: "datasets",
			files: map[string]string{"datasets": "Id,Title,Subtitle,CreatorUserId,TotalViews,TotalDownloads,CreationDate,LastUpdatedDate,Type,IsPrivate\n" +
				strings.Repeat("D1,t,s,U1,10,1,2024-01-01,2024-01-02,x,false\n", 20) + "D2,t,s,U1,12a,1,2024-01-01,2024-01-02,x,TRUE\n"},
			input: 21, output: 20, reasons: map[string]int64{"total_views is not a valid integer": 1}},
		{name: "invalid JSON tags", table: "tags",
			files: map[string]string{"tags": "DatasetId,Tags\n" + strings.Repeat("D1,\"[\"\"a\"\",\"\"b\"\"]\"\n", 1) +
				"D2,\"[\"\"c\"\",\"\"d\"\",\"\"e\"\",\"\"f\"\",\"\"g\"\",\"\"h\"\",\"\"i\"\",\"\"j\"\",\"\"k\"\",\"\"l\"\",\"\"m\"\"]\"\n" +
				"D3,\"machine learning, nlp\"\n"},
			// 2 + 11 exploded tags + 1 non-array row
			input: 14, output: 13, reasons: map[string]int64{"tags is not a JSON array": 1}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			for raw, body := range tc.files {
				f.putRaw(t, raw, "2024-01-01", body)
			}
			rep, err := f.job.Run(context.Background(), tc.table, mustDate(t, "2024-01-01"))
			if tc.wantErr != "" {
				if err == nil {
					t.Fatalf("no error, want %q", tc.wantErr)
				}
				if !strings.Contains(err.Error(), tc.wantErr) || strings.Contains(err.Error(), "\n") {
					t.Fatalf("error %q, want one line containing %q", err, tc.wantErr)
				}
				var ce *bronze.ContractError
				if !errors.As(err, &ce) || dag.Retryable(err) {
					t.Errorf("a bad input must be a non-retryable contract error, got %T", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if rep.InputCount != tc.input || rep.OutputCount != tc.output ||
				rep.InputCount != rep.OutputCount+rep.RejectCount+rep.DuplicatesRemoved {
				t.Errorf("counts: input %d output %d rejects %d dups %d; want input %d output %d",
					rep.InputCount, rep.OutputCount, rep.RejectCount, rep.DuplicatesRemoved, tc.input, tc.output)
			}
			got := map[string]int64{}
			for _, r := range rep.TopRejectReasons {
				got[r.Reason] = r.Count
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.reasons) {
				t.Errorf("reasons %v, want %v", got, tc.reasons)
			}
			if n := f.committedRows(t, "bronze/_rejects/"+tc.table+"/run_date=2024-01-01/"); n != rep.RejectCount {
				t.Errorf("rejects partition holds %d rows, report says %d", n, rep.RejectCount)
			}
			if n := f.committedRows(t, "bronze/"+tc.table+"/run_date=2024-01-01/"); n != rep.OutputCount {
				t.Errorf("partition holds %d rows, report says %d", n, rep.OutputCount)
			}
			if tc.name == "CRLF line endings" {
				rows := f.query(t, "bronze/users/run_date=2024-01-01/", "SELECT COUNT(*) AS n FROM t WHERE country_code LIKE '%' || chr(13) || '%'")
				if num(t, rows[0]["n"]) != 0 {
					t.Error("a carriage return leaked into the last column")
				}
			}
			if tc.name == "10 MB field" {
				rows := f.query(t, "bronze/users/run_date=2024-01-01/", "SELECT MAX(LENGTH(user_name)) AS l FROM t")
				if num(t, rows[0]["l"]) != int64(len(big)) {
					t.Errorf("10 MB field came back with length %v", rows[0]["l"])
				}
			}
		})
	}
}
