package bronze_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/metalake/metalake/internal/contract"
)

// TestValidRowsOfAnExplodedRecordWithMixedVerdicts: without deduplication the valid rows are
// the shaped rows whose record was not rejected (job.go, validRelation). A shape that explodes
// a record into a valid row and a rejected one breaks that shortcut; the valid row must still
// be published, and the accounting reconcile.
func TestValidRowsOfAnExplodedRecordWithMixedVerdicts(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	defaults, err := contract.Default()
	if err != nil {
		t.Fatal(err)
	}
	shape, ok := defaults.Shape("tags_plan.sql")
	if !ok {
		t.Fatal("no tags_plan.sql")
	}
	set, err := contract.Load(fstest.MapFS{
		"tags_plan.sql": {Data: []byte(shape)},
		"labels.yaml": {Data: []byte(`table: labels
order: 1
reject_threshold: 0.9
reject_columns: [tag]
variants:
  - layout: plan
    source:
      raw: labels
      columns:
        - {header: DatasetId, name: dataset_id, type: varchar}
        - {header: Tags, name: tags, type: json_array}
    shape: tags_plan.sql
rules:
  - {reason: "tag is empty", when: "tag = ''"}
`)}})
	if err != nil {
		t.Fatal(err)
	}
	job := *f.job
	job.Contracts = set
	f.putRaw(t, "labels", "2024-01-01", "DatasetId,Tags\n"+
		"D1,\"[\"\"a\"\", \"\"  \"\"]\"\n"+ // one valid tag, one empty
		"D2,\"[\"\"x\"\"]\"\n"+
		"D3,\"[\"\"a\"\", \"\"a\"\"]\"\n"+ // no deduplication: both kept
		"D4,not json\n")
	rep, err := job.Run(context.Background(), "labels", mustDate(t, "2024-01-01"))
	if err != nil {
		t.Fatal(err)
	}
	if rep.InputCount != 6 || rep.OutputCount != 4 || rep.RejectCount != 2 {
		t.Errorf("accounting: input %d, output %d, rejects %d; want 6, 4, 2", rep.InputCount, rep.OutputCount, rep.RejectCount)
	}
	rows := f.query(t, "bronze/labels/run_date=2024-01-01/", "SELECT dataset_id, tag, source_line FROM t ORDER BY 1, 2")
	var got []string
	for _, r := range rows {
		got = append(got, fmt.Sprintf("%v:%v:%v", r["dataset_id"], r["tag"], r["source_line"]))
	}
	if strings.Join(got, " ") != "D1:a:2 D2:x:3 D3:a:4 D3:a:4" {
		t.Errorf("valid rows %v", got)
	}
	rej := f.query(t, "bronze/_rejects/labels/run_date=2024-01-01/", "SELECT dataset_id, reject_reason FROM t ORDER BY 1")
	if got := fmt.Sprint(rej); got != "[map[dataset_id:D1 reject_reason:tag is empty] map[dataset_id:D4 reject_reason:tags is not a JSON array]]" {
		t.Errorf("rejects %s", got)
	}
}
