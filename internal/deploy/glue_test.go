package deploy_test

import (
	"context"
	"io"
	"os"
	"path/filepath"
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
	dir := lake.PartitionDir("silver", "users", d)
	for range 2 {
		if err := r.Register(ctx, tbl, dir, d); err != nil {
			t.Fatal(err)
		}
	}
	tbl.Schemas = append(tbl.Schemas, catalog.SchemaVersion{Version: 2, Columns: append([]catalog.Column{}, v1[0], catalog.Column{Name: "country_code", Type: "VARCHAR"}, v1[1])})
	if err := r.Register(ctx, tbl, dir, d); err != nil {
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

// TestGlueLatestStaysOnTheNewestDate: registering a lake that ran before Glue was configured
// (what setup does) links every partition, registers {table}_latest, and leaves it on the
// newest date's files although the older date is linked too.
func TestGlueLatestStaysOnTheNewestDate(t *testing.T) {
	e := newEnv(t, "s3://latest-lake/meta")
	ctx := context.Background()
	if _, err := deploy.Setup(ctx, e.lake, e.clients); err != nil {
		t.Fatal(err)
	}
	lk := lake.New(e.lake)
	tbl := catalog.Table{Layer: "bronze", Table: "users", PartitionKeys: []string{"run_date"},
		Schemas:    []catalog.SchemaVersion{{Version: 1, Columns: []catalog.Column{{Name: "user_id", Type: "BIGINT"}, {Name: "run_date", Type: "DATE"}}}},
		Partitions: map[string]catalog.Partition{}}
	var newest lake.Manifest
	for _, day := range []string{"2025-07-02", "2025-07-01"} {
		d, _ := lake.ParseDate(day)
		p := filepath.Join(t.TempDir(), "part.parquet")
		if err := os.WriteFile(p, []byte(day), 0o644); err != nil {
			t.Fatal(err)
		}
		m, err := lk.Publish(ctx, lake.PartitionDir("bronze", "users", d), lake.Manifest{Attempt: "a" + day}, []lake.File{{Path: p, Rows: 1}})
		if err != nil {
			t.Fatal(err)
		}
		if day == "2025-07-02" {
			newest = m
		}
		tbl.Partitions[day] = catalog.Partition{Rows: 1, Files: 1}
	}
	if err := lk.PutJSON(ctx, catalog.Key("bronze", "users"), tbl); err != nil {
		t.Fatal(err)
	}
	r := &deploy.GlueRegistrar{Lake: e.lake, Glue: e.clients.Glue}
	if tables, parts, err := deploy.RegisterCatalog(ctx, lk, r); err != nil || tables != 1 || parts != 2 {
		t.Fatalf("RegisterCatalog = %d tables, %d partitions, %v; want 1, 2", tables, parts, err)
	}
	if _, err := e.clients.Glue.GetTable(ctx, &glue.GetTableInput{DatabaseName: aws.String("meta_bronze"), Name: aws.String("users_latest")}); err != nil {
		t.Errorf("users_latest: %v", err)
	}
	rc, err := e.lake.Get(ctx, deploy.SymlinkDir+"bronze/users_latest/symlink.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	body, _ := io.ReadAll(rc)
	if got, want := strings.TrimSpace(string(body)), "s3://latest-lake/meta/bronze/users/run_date=2025-07-02/"+newest.Files[0].Name; got != want {
		t.Errorf("users_latest lists %q after a backfill of 2025-07-01; want 2025-07-02's file %q", got, want)
	}
}

// TestRelinkBeforeTheSweep: with Relink as the lake's BeforeSweep, a rerun's publish rewrites
// the partition's and {table}_latest's symlink manifests to the new files while the old ones
// still exist, so every listed file exists at every moment; an older date leaves _latest
// alone; folders that are not tables get no symlink.
func TestRelinkBeforeTheSweep(t *testing.T) {
	e := newEnv(t, "s3://relink-lake/meta")
	ctx := context.Background()
	if _, err := e.lake.EnsureBucket(ctx); err != nil {
		t.Fatal(err)
	}
	g := &deploy.GlueRegistrar{Lake: e.lake, Glue: e.clients.Glue}
	lk := lake.New(e.lake)
	allExist := func(key string) []string {
		rc, err := e.lake.Get(ctx, key)
		if err != nil {
			t.Fatalf("%s: %v", key, err)
		}
		defer rc.Close()
		body, _ := io.ReadAll(rc)
		files := strings.Fields(string(body))
		for _, f := range files {
			if ok, _ := e.lake.Exists(ctx, strings.TrimPrefix(f, "s3://relink-lake/meta/")); !ok {
				t.Errorf("%s lists %s, which does not exist", key, f)
			}
		}
		return files
	}
	lk.BeforeSweep = func(ctx context.Context, dir string, m lake.Manifest) error {
		if err := g.Relink(ctx, dir, m); err != nil {
			return err
		}
		if dir == "bronze/users/run_date=2025-07-02/" {
			allExist(deploy.SymlinkDir + dir + "symlink.txt") // old files not swept yet, new ones there
		}
		return nil
	}
	publish := func(dir, attempt string) lake.Manifest {
		p := filepath.Join(t.TempDir(), "part.parquet")
		if err := os.WriteFile(p, []byte(attempt), 0o644); err != nil {
			t.Fatal(err)
		}
		m, err := lk.Publish(ctx, dir, lake.Manifest{Attempt: attempt}, []lake.File{{Path: p, Rows: 1}})
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	publish("bronze/users/run_date=2025-07-02/", "first")
	rerun := publish("bronze/users/run_date=2025-07-02/", "rerun")
	publish("bronze/users/run_date=2025-07-01/", "backfill")
	publish("bronze/_rejects/users/run_date=2025-07-02/", "rejects")

	part := allExist(deploy.SymlinkDir + "bronze/users/run_date=2025-07-02/symlink.txt")
	latest := allExist(deploy.SymlinkDir + "bronze/users_latest/symlink.txt")
	want := "s3://relink-lake/meta/bronze/users/run_date=2025-07-02/" + rerun.Files[0].Name
	if strings.Join(part, ",") != want || strings.Join(latest, ",") != want {
		t.Errorf("after the rerun and a backfill: partition lists %v, _latest lists %v; want [%s] for both", part, latest, want)
	}
	if ok, _ := e.lake.Exists(ctx, deploy.SymlinkDir+"bronze/_rejects/users/run_date=2025-07-02/symlink.txt"); ok {
		t.Error("a rejects folder got a symlink manifest")
	}
}
