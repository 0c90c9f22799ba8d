package bronze_test

import (
	"context"
	"fmt"
	"testing"
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
