package deploy_test

import (
	"context"
	"io"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/glue"

	"github.com/metalake/metalake/internal/catalog"
	"github.com/metalake/metalake/internal/deploy"
	"github.com/metalake/metalake/internal/lake"
)

func TestHiveType(t *testing.T) {
	for in, want := range map[string]string{
		"BIGINT": "bigint", "INTEGER": "int", "VARCHAR": "string", "DOUBLE": "double", "BOOLEAN": "boolean",
		"DATE": "date", "TIMESTAMP": "timestamp", "DECIMAL(18,3)": "decimal(18,3)", "VARCHAR[]": "array<string>",
		"BIGINT[][]": "array<array<bigint>>", " smallint ": "smallint",
	} {
		if got, err := deploy.HiveType(in); err != nil || got != want {
			t.Errorf("HiveType(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"HUGEINT", "STRUCT(a INTEGER)", "MAP(VARCHAR, INTEGER)", "UUID", ""} {
		if got, err := deploy.HiveType(bad); err == nil {
			t.Errorf("HiveType(%q) = %q; want an error (no faithful Glue type)", bad, got)
		}
	}
}

// TestGlueRegistrarFollowsSchemaChanges: a column the catalog records in a new schema version
// reaches the Glue table and its existing partitions; registering the same partition twice
// leaves one partition.
func TestGlueRegistrarFollowsSchemaChanges(t *testing.T) {
	e := newEnv(t, "s3://schema-lake/meta")
	ctx := context.Background()
	if _, err := deploy.Setup(ctx, e.lake, e.clients); err != nil {
		t.Fatal(err)
	}
	r := &deploy.GlueRegistrar{Lake: e.lake, Glue: e.clients.Glue}
	d, err := lake.ParseDate("2025-07-01")
	if err != nil {
		t.Fatal(err)
	}
	v1 := []catalog.Column{{Name: "user_id", Type: "BIGINT"}, {Name: "run_date", Type: "DATE"}}
	tbl := catalog.Table{Layer: "silver", Table: "users", PartitionKeys: []string{"run_date"},
		Schemas: []catalog.SchemaVersion{{Version: 1, Columns: v1}}}
	m := lake.Manifest{Files: []lake.ManifestFile{{Name: "part-a.parquet"}}}
	dir := lake.PartitionDir("silver", "users", d)
	for range 2 {
		if err := r.Register(ctx, tbl, dir, d, m); err != nil {
			t.Fatal(err)
		}
	}
	tbl.Schemas = append(tbl.Schemas, catalog.SchemaVersion{Version: 2, Columns: append([]catalog.Column{}, v1[0], catalog.Column{Name: "country_code", Type: "VARCHAR"}, v1[1])})
	if err := r.Register(ctx, tbl, dir, d, m); err != nil {
		t.Fatal(err)
	}
	got, err := e.clients.Glue.GetTable(ctx, &glue.GetTableInput{DatabaseName: aws.String("meta_silver"), Name: aws.String("users")})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range got.Table.StorageDescriptor.Columns {
		names = append(names, aws.ToString(c.Name)+" "+aws.ToString(c.Type))
	}
	if len(names) != 2 || names[0] != "user_id bigint" || names[1] != "country_code string" {
		t.Errorf("table columns after the schema change = %v", names)
	}
	parts, err := e.clients.Glue.GetPartitions(ctx, &glue.GetPartitionsInput{DatabaseName: aws.String("meta_silver"), TableName: aws.String("users")})
	if err != nil {
		t.Fatal(err)
	}
	if len(parts.Partitions) != 1 || len(parts.Partitions[0].StorageDescriptor.Columns) != 2 {
		t.Errorf("partitions = %+v; want one, with the new columns", parts.Partitions)
	}
}

// TestGlueLatestStaysOnTheNewestDate: registering a backfilled older date after a newer one
// leaves {table}_latest on the newer date's files.
func TestGlueLatestStaysOnTheNewestDate(t *testing.T) {
	e := newEnv(t, "s3://latest-lake/meta")
	ctx := context.Background()
	if _, err := deploy.Setup(ctx, e.lake, e.clients); err != nil {
		t.Fatal(err)
	}
	r := &deploy.GlueRegistrar{Lake: e.lake, Glue: e.clients.Glue}
	tbl := catalog.Table{Layer: "bronze", Table: "users", PartitionKeys: []string{"run_date"},
		Schemas:    []catalog.SchemaVersion{{Version: 1, Columns: []catalog.Column{{Name: "user_id", Type: "BIGINT"}, {Name: "run_date", Type: "DATE"}}}},
		Partitions: map[string]catalog.Partition{"2025-07-01": {}, "2025-07-02": {}}}
	for _, day := range []string{"2025-07-02", "2025-07-01"} {
		d, _ := lake.ParseDate(day)
		m := lake.Manifest{Files: []lake.ManifestFile{{Name: "part-" + day + ".parquet"}}}
		if err := r.Register(ctx, tbl, lake.PartitionDir("bronze", "users", d), d, m); err != nil {
			t.Fatal(err)
		}
	}
	rc, err := e.lake.Get(ctx, deploy.SymlinkDir+"bronze/users_latest/symlink.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	body, _ := io.ReadAll(rc)
	if got := strings.TrimSpace(string(body)); got != "s3://latest-lake/meta/bronze/users/run_date=2025-07-02/part-2025-07-02.parquet" {
		t.Errorf("users_latest lists %q after a backfill of 2025-07-01; want 2025-07-02's file", got)
	}
}
