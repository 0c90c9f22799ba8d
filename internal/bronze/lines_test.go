package bronze_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/metalake/metalake/internal/bronze"
)

// TestSourceLinesCountRecords: line numbers are record numbers (header = 1) that stay right
// after a structurally broken record, for valid rows, value rejects and structural rejects.
func TestSourceLinesCountRecords(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	body := usersHeader + goodUsers(0, 10) + // records 2..11
		"U0100,x,y,z,w\n" + // 12: structural
		"U0101,\"multi\nline\",2024-01-01,VN\n" + // 13: valid, spans two physical lines
		"U0102,late,13/45/2024,VN\n" + // 14: value reject
		"U0103,ok,2024-01-01,VN\n" // 15: valid
	f.putRaw(t, "users", "2024-01-01", body+goodUsers(200, 40))
	if _, err := f.job.Run(context.Background(), "users", mustDate(t, "2024-01-01")); err != nil {
		t.Fatal(err)
	}
	rej := f.query(t, "bronze/_rejects/users/run_date=2024-01-01/", "SELECT source_line, reject_reason FROM t ORDER BY 1")
	if got := fmt.Sprint(rej); got != "[map[reject_reason:malformed csv line source_line:12] map[reject_reason:signup_ts is not a valid timestamp source_line:14]]" {
		t.Errorf("rejects %s", got)
	}
	rows := f.query(t, "bronze/users/run_date=2024-01-01/", "SELECT user_id, source_line FROM t WHERE user_id IN ('U0009', 'U0101', 'U0103', 'U0200') ORDER BY 1")
	if got := fmt.Sprint(rows); got != "[map[source_line:11 user_id:U0009] map[source_line:13 user_id:U0101] map[source_line:15 user_id:U0103] map[source_line:16 user_id:U0200]]" {
		t.Errorf("valid rows %s", got)
	}
}

// TestRejectsCarryTheirRawFields: a rejected row keeps the text of every field of its record,
// exactly as written, for a one-row-per-record table (users) and an exploding one (plan tags).
func TestRejectsCarryTheirRawFields(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.putRaw(t, "users", "2024-01-01", usersHeader+goodUsers(0, 30)+
		"U0102,late, 13/45/2024 ,VN\n"+ // line 32: parse reject
		"U0104,   ,2024-01-01,VN\n"+ // 33: rule reject
		goodUsers(200, 30))
	f.putRaw(t, "tags", "2024-01-01", "DatasetId,Tags\n"+strings.Repeat("D1,\"[\"\"a\"\"]\"\n", 1)+
		"D2,\"[\"\"ok\"\", \"\"  \"\"]\"\n"+ // line 3: one valid tag, one empty
		"D3,not json\n"+ // 4: parse reject
		strings.Repeat("D9,\"[\"\"x\"\",\"\"y\"\",\"\"z\"\"]\"\n", 20))
	for _, table := range []string{"users", "tags"} {
		if _, err := f.job.Run(context.Background(), table, mustDate(t, "2024-01-01")); err != nil {
			t.Fatal(err)
		}
	}
	users := f.query(t, "bronze/_rejects/users/run_date=2024-01-01/", "SELECT source_line, id, user_name, register_date, country, reject_reason FROM t ORDER BY 1")
	if got := fmt.Sprint(users); got != "[map[country:VN id:U0102 register_date: 13/45/2024  reject_reason:signup_ts is not a valid timestamp source_line:32 user_name:late] "+
		"map[country:VN id:U0104 register_date:2024-01-01 reject_reason:user_name is empty source_line:33 user_name:   ]]" {
		t.Errorf("users rejects %s", got)
	}
	tags := f.query(t, "bronze/_rejects/tags/run_date=2024-01-01/", "SELECT source_line, dataset_id, tags, tag, reject_reason FROM t ORDER BY 1")
	if got := fmt.Sprint(tags); got != `[map[dataset_id:D2 reject_reason:tag is empty source_line:3 tag: tags:["ok", "  "]] `+
		`map[dataset_id:D3 reject_reason:tags is not a JSON array source_line:4 tag:<nil> tags:not json]]` {
		t.Errorf("tags rejects %s", got)
	}
}

// TestLookupRejectsCarryTheFieldsTheContractReads: a lookup materialises only the fields its
// contract reads (DatasetVersions' descriptions are most of its bytes), so its rejects carry
// those fields' raw text — and still account for every record. Field counts and quoting are
// checked on every field, text encoding only on the fields read: a description with invalid
// UTF-8 does not cost a dataset its title.
func TestLookupRejectsCarryTheFieldsTheContractReads(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.putRaw(t, "datasets", "2024-01-01", "Id,CreatorUserId,OwnerUserId,CurrentDatasetVersionId,Type,CreationDate,LastActivityDate,TotalViews,TotalDownloads\n"+
		"1,7,7,101,Dataset,01/02/2020 10:00:00,01/03/2020,5,1\n"+
		"2,7,,102,Dataset,01/02/2020 10:00:00,01/03/2020,5,1\n"+
		"3,7,,103,Dataset,01/02/2020 10:00:00,01/03/2020,5,1\n")
	f.putRaw(t, "dataset_versions", "2024-01-01", "Id,DatasetId,Title,Subtitle,Description\n"+
		"101,1,First,Sub,\"a long\ndescription\"\n"+
		",2,Orphan,Sub,never read\n"+ // record 3 (source_line counts records): version id null
		"102,2,Second,,\n"+
		"103,3,Third,,bad \xff\xfe bytes\n"+ // never read: not a reason to lose the version
		"104,4,Fourth,,x,extra field\n") // structurally broken whatever is read
	rep, err := f.job.Run(context.Background(), "datasets", mustDate(t, "2024-01-01"))
	if err != nil {
		t.Fatal(err)
	}
	if lk := rep.Lookups[0]; lk.InputCount != 5 || lk.OutputCount != 3 || lk.RejectCount != 2 {
		t.Errorf("lookup accounting %+v", lk)
	}
	rej := f.query(t, "bronze/_rejects/datasets_lookup_dataset_versions/run_date=2024-01-01/", "SELECT * EXCLUDE (ingest_ts, run_date, source_file) FROM t ORDER BY source_line")
	if got := fmt.Sprint(rej); got != "[map[dataset_id:2 id:<nil> raw_line:<nil> reject_reason:version_id is null source_line:3 subtitle:Sub title:Orphan] "+
		"map[dataset_id:<nil> id:<nil> raw_line:104,4,Fourth,,x,extra field reject_reason:malformed csv line source_line:6 subtitle:<nil> title:<nil>]]" {
		t.Errorf("lookup rejects %s", got)
	}
	titles := f.query(t, "bronze/datasets/run_date=2024-01-01/", "SELECT dataset_id, dataset_title FROM t ORDER BY 1")
	if got := fmt.Sprint(titles); got != "[map[dataset_id:1 dataset_title:First] map[dataset_id:2 dataset_title:Second] map[dataset_id:3 dataset_title:Third]]" {
		t.Errorf("datasets %s", got)
	}
}

// TestSourceLinesAroundBrokenRecords: record numbers come from a map of segments kept per
// bucket of ordinals (rawread.go, lineMapSQL). Broken records first in the file, in runs, on
// either side of a bucket's first ordinal, scattered, and last in the file (or not) must shift
// every later record by exactly their number (two consecutive ones before a bucket's first
// ordinal once shifted it by one).
func TestSourceLinesAroundBrokenRecords(t *testing.T) {
	t.Parallel()
	b := bronze.LineBucket
	for _, trailing := range []int{0, 2} {
		t.Run(fmt.Sprintf("trailing=%d", trailing), func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			broken := map[int]int{0: 1, b - 1: 1, b: 2, b + 1: 1, 2 * b: 3, 2*b + 5: 1, 3*b - 1: 2} // valid ordinal → broken records before it
			rnd := rand.New(rand.NewPCG(1, 2))
			var body strings.Builder
			body.WriteString(usersHeader)
			line, valid, brokenLines := 2, 0, []int{}
			addBroken := func(n int) {
				for ; n > 0; n-- {
					fmt.Fprintf(&body, "B%d,x,y,z,w\n", line)
					brokenLines = append(brokenLines, line)
					line++
				}
			}
			for ord := 0; ord < 4*b+37; ord++ { // the last bucket is not full
				n := broken[ord]
				if rnd.IntN(50) == 0 {
					n++
				}
				addBroken(n)
				fmt.Fprintf(&body, "U%d,user%d,2024-01-01 10:00:00,VN\n", line, ord)
				line++
				valid++
			}
			addBroken(trailing)
			f.putRaw(t, "users", "2024-01-01", body.String())
			rep, err := f.job.Run(context.Background(), "users", mustDate(t, "2024-01-01"))
			if err != nil {
				t.Fatal(err)
			}
			if rep.OutputCount != int64(valid) || rep.RejectCount != int64(len(brokenLines)) {
				t.Fatalf("output %d, rejects %d; want %d, %d", rep.OutputCount, rep.RejectCount, valid, len(brokenLines))
			}
			rows := f.query(t, "bronze/users/run_date=2024-01-01/", "SELECT COUNT(*) AS n, COUNT(*) FILTER (WHERE source_line <> CAST(substr(user_id, 2) AS BIGINT)) AS wrong FROM t")
			if got := fmt.Sprint(rows); got != fmt.Sprintf("[map[n:%d wrong:0]]", valid) {
				t.Errorf("valid rows: %s", got)
			}
			rej := f.query(t, "bronze/_rejects/users/run_date=2024-01-01/", "SELECT source_line FROM t ORDER BY 1")
			var got []int
			for _, r := range rej {
				got = append(got, int(num(t, r["source_line"])))
			}
			if fmt.Sprint(got) != fmt.Sprint(brokenLines) {
				t.Errorf("structural rejects at lines %v, want %v", got, brokenLines)
			}
		})
	}
}
