package bronze_test

import (
	"context"
	"encoding/csv"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/metalake/metalake/internal/storage"
)

// realdata is ../shared/realdata relative to the repository root.
func realdata(t *testing.T, parts ...string) string {
	t.Helper()
	p := filepath.Join(append([]string{"..", "..", "..", "shared", "realdata"}, parts...)...)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("real Meta Kaggle extract not available: %v", err)
	}
	return p
}

// countRecords counts CSV records (header excluded) with Go's reader: the independent truth.
func countRecords(t *testing.T, path string) int64 {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = -1
	var n int64
	for {
		_, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	return n - 1
}

func TestRealCompetitions2022(t *testing.T) {
	path := realdata(t, "meta-kaggle-2022-03", "Competitions.csv")
	f := newFixture(t)
	body, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	d := mustDate(t, "2022-03-17")
	if err := storage.PutBytes(context.Background(), f.lake.B, "raw/competitions/ingestion_date=2022-03-17/competitions.csv", body); err != nil {
		t.Fatal(err)
	}
	rep, err := f.job.Run(context.Background(), "competitions", d)
	if err != nil {
		t.Fatal(err)
	}
	want := countRecords(t, path)
	if want != 5212 {
		t.Fatalf("the real file has %d records, expected 5,212", want)
	}
	if rep.InputCount != want || rep.OutputCount+rep.RejectCount+rep.DuplicatesRemoved != want {
		t.Fatalf("accounting: input %d output %d rejects %d dups %d, file has %d records",
			rep.InputCount, rep.OutputCount, rep.RejectCount, rep.DuplicatesRemoved, want)
	}
	if rep.RejectCount != 0 {
		t.Errorf("real competitions rejected: %+v", rep.TopRejectReasons)
	}
	rows := f.query(t, "bronze/competitions/run_date=2022-03-17/", `SELECT COUNT(*) AS n,
		SUM(CASE WHEN has_inverted_dates THEN 1 ELSE 0 END) AS inverted,
		COUNT(enabled_ts) AS enabled, MAX(max_team_size) AS max_team,
		SUM(CASE WHEN reward_type = 'USD' THEN reward_quantity END) AS usd,
		COUNT(DISTINCT source_line) AS lines, MIN(source_line) AS first_line
		FROM t`)
	r := rows[0]
	if num(t, r["n"]) != want || num(t, r["lines"]) != want || num(t, r["first_line"]) != 2 {
		t.Errorf("rows/lines: %v", r)
	}
	if num(t, r["inverted"]) != 155 {
		t.Errorf("has_inverted_dates = %v, the real file has 155", r["inverted"])
	}
	if num(t, r["enabled"]) != want {
		t.Errorf("every real competition has an EnabledDate, parsed %v", r["enabled"])
	}
	if num(t, r["max_team"]) != 2147483647 {
		t.Errorf("MaxTeamSize sentinel lost: %v", r["max_team"])
	}
	t.Logf("extra columns kept: %v", rep.ExtraColumns)
}

func TestRealDatasets2016(t *testing.T) {
	dir := realdata(t, "meta-kaggle-2016")
	f := newFixture(t)
	ctx := context.Background()
	for file, table := range map[string]string{"Datasets.csv": "datasets", "DatasetVersions.csv": "dataset_versions"} {
		body, err := os.ReadFile(filepath.Join(dir, file))
		if err != nil {
			t.Fatal(err)
		}
		f.putRaw(t, table, "2016-06-01", string(body))
	}
	rep, err := f.job.Run(ctx, "datasets", mustDate(t, "2016-06-01"))
	if err != nil {
		t.Fatal(err)
	}
	want := countRecords(t, filepath.Join(dir, "Datasets.csv"))
	if rep.Layout != "kaggle_2016" {
		t.Errorf("layout %q, want kaggle_2016", rep.Layout)
	}
	if rep.InputCount != want || rep.OutputCount+rep.RejectCount != want {
		t.Fatalf("accounting: %+v, file has %d records", rep, want)
	}
	versions := countRecords(t, filepath.Join(dir, "DatasetVersions.csv"))
	lk := rep.Lookups[0]
	if lk.InputCount != versions || lk.OutputCount+lk.RejectCount+lk.DuplicatesRemoved != versions {
		t.Errorf("lookup accounting: %+v, file has %d records", lk, versions)
	}
	rows := f.query(t, "bronze/datasets/run_date=2016-06-01/", `SELECT COUNT(*) AS n, COUNT(dataset_title) AS titled,
		SUM(CASE WHEN owner_user_id IS NULL THEN 1 ELSE 0 END) AS no_owner FROM t`)
	if num(t, rows[0]["n"]) != rep.OutputCount || num(t, rows[0]["titled"]) != rep.OutputCount || num(t, rows[0]["no_owner"]) != 0 {
		t.Errorf("published rows: %v (report output %d)", rows[0], rep.OutputCount)
	}
}
