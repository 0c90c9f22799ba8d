package bronze_test

import (
	"context"
	"testing"
)

func TestSmokeUsersPlan(t *testing.T) {
	f := newFixture(t)
	f.putRaw(t, "users", "2024-01-01", "Id,UserName,RegisterDate,Country\nU001,alice,2024-01-01 10:00:00,US\nU002,,2024-01-01,VN\nU003,bob,2024-13-01,GB\nU004,carol,2024-01-02,USA\nU005,x,y,z,w\nU006,dan,2024-01-03,CA\n")
	rep, err := f.job.Run(context.Background(), "users", mustDate(t, "2024-01-01"))
	t.Logf("rep %+v err %v", rep, err)
	rows := f.query(t, "bronze/_rejects/users/run_date=2024-01-01/", "SELECT * FROM t")
	for _, r := range rows {
		t.Logf("%v", r)
	}
	rows = f.query(t, "bronze/users/run_date=2024-01-01/", "SELECT * FROM t")
	for _, r := range rows {
		t.Logf("%v", r)
	}
	t.Logf("%v", f.report(t, "users", "2024-01-01"))
}
