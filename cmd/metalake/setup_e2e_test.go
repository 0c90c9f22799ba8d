package main_test

import (
	"context"
	"io"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/glue"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/metalake/metalake/internal/awstest"
	"github.com/metalake/metalake/internal/catalog"
	"github.com/metalake/metalake/internal/deploy"
	"github.com/metalake/metalake/internal/lake"
	"github.com/metalake/metalake/internal/storage"
)

// TestCLISetup: `metalake setup` on an S3 lake creates its AWS resources and prints one line
// per resource; a second setup changes nothing; a local lake is a usage error.
func TestCLISetup(t *testing.T) {
	t.Parallel()
	srv := awstest.Start(t, "us-west-1")
	dir := t.TempDir()
	first := must(t, metalakeEnv(t, dir, srv.Env(), "setup", "--lake", "s3://psi-lake/meta"), 0)
	for _, want := range []string{"created    bucket psi-lake", "lifecycle of psi-lake", "glue database meta_bronze",
		"glue database meta_gold", "athena workgroup meta-analytics", "s3://psi-lake/meta/athena-results/"} {
		if !strings.Contains(first.stdout, want) {
			t.Errorf("first setup does not print %q:\n%s", want, first.stdout)
		}
	}
	second := must(t, metalakeEnv(t, dir, srv.Env(), "setup", "--lake", "s3://psi-lake/meta"), 0)
	lines := 0
	for _, l := range strings.Split(strings.TrimSpace(second.stdout), "\n") {
		if strings.Contains(l, "psi-lake") && strings.Contains(l, "meta") || strings.HasPrefix(l, "unchanged") {
			lines++
		}
		if strings.HasPrefix(l, "created") || strings.HasPrefix(l, "updated") {
			t.Errorf("second setup changed something: %s", l)
		}
	}
	if lines < 8 {
		t.Errorf("second setup printed %d resource lines, want 8:\n%s", lines, second.stdout)
	}
	r := must(t, metalakeEnv(t, dir, srv.Env(), "setup", "--lake", "local-lake"), 2)
	oneLine(t, r, "setup", "local-lake", "not an S3 lake")
}

// TestCLIForcedRerunOfArchivedRaw: after the lifecycle moved a date's raw users snapshot to
// Glacier, a forced rerun of that date fails before any table starts, with one line naming the
// object and "restore raw for D first"; once the object is restored the rerun succeeds.
func TestCLIForcedRerunOfArchivedRaw(t *testing.T) {
	t.Parallel()
	const uri = "s3://archive-lake/meta"
	e := emulatedLake(t, uri, false, 1, 1500)
	ctx, dir, env, b := context.Background(), e.dir, e.env, e.b
	key := "meta/raw/users/ingestion_date=2025-07-01/users.csv"
	if _, err := b.Client().CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("archive-lake"), Key: aws.String(key),
		CopySource: aws.String("archive-lake/" + key), StorageClass: s3types.StorageClassGlacier}); err != nil {
		t.Fatal(err)
	}
	r := must(t, metalakeEnv(t, dir, env, "run", "--lake", uri, "--date", "2025-07-01", "--force"), 1)
	oneLine(t, r, "2025-07-01", "raw/users/ingestion_date=2025-07-01/users.csv (GLACIER)", "restore raw for 2025-07-01 first")
	for _, task := range []string{"bronze_users", "silver_users", "gold_dim_user"} {
		if !strings.Contains(r.stdout, "blocked "+task+" ") {
			t.Errorf("%s ran although the date's raw input is archived:\n%s", task, r.stdout)
		}
	}

	if _, err := b.Client().RestoreObject(ctx, &s3.RestoreObjectInput{Bucket: aws.String("archive-lake"), Key: aws.String(key),
		RestoreRequest: &s3types.RestoreRequest{Days: aws.Int32(1)}}); err != nil {
		t.Fatal(err)
	}
	must(t, metalakeEnv(t, dir, env, "run", "--lake", uri, "--date", "2025-07-01", "--force", "--quiet"), 0)
}

// TestCLIGlueTables: with catalog.glue set, every table a run writes is registered in the Glue
// database of its layer: a partitioned table gets one partition per run date, each reading
// exactly the Parquet files its lake manifest committed (through a symlink manifest); a forced
// rerun points the partition at the new files only; a gold dimension is one unpartitioned
// table over its current files. Columns are the catalog's, without the partition key.
func TestCLIGlueTables(t *testing.T) {
	t.Parallel()
	const uri = "s3://glue-lake/meta"
	e := emulatedLake(t, uri, true, 2, 1200)
	must(t, metalakeEnv(t, e.dir, e.env, "run", "--lake", uri, "--date", "2025-07-02", "--force", "--quiet"), 0)
	ctx, b, g := context.Background(), e.b, e.glue
	lk := lake.New(b)
	for _, tc := range []struct{ db, layer, table string }{
		{"meta_bronze", "bronze", "users"}, {"meta_silver", "silver", "datasets"}, {"meta_gold", "gold", "fact_dataset_owner_daily"},
	} {
		tbl, err := g.GetTable(ctx, &glue.GetTableInput{DatabaseName: aws.String(tc.db), Name: aws.String(tc.table)})
		if err != nil {
			t.Errorf("%s.%s: %v", tc.db, tc.table, err)
			continue
		}
		sd := tbl.Table.StorageDescriptor
		if aws.ToString(sd.InputFormat) != "org.apache.hadoop.hive.ql.io.SymlinkTextInputFormat" || len(tbl.Table.PartitionKeys) != 1 {
			t.Errorf("%s.%s: input format %s, partition keys %d", tc.db, tc.table, aws.ToString(sd.InputFormat), len(tbl.Table.PartitionKeys))
		}
		var entry catalog.Table
		if err := lk.GetJSON(ctx, catalog.Key(tc.layer, tc.table), &entry); err != nil {
			t.Fatal(err)
		}
		want := entry.Schemas[len(entry.Schemas)-1].Columns
		if len(sd.Columns) != len(want)-1 {
			t.Errorf("%s.%s: %d Glue columns, catalog has %d with run_date", tc.db, tc.table, len(sd.Columns), len(want))
		}
		for _, c := range sd.Columns {
			if aws.ToString(c.Name) == "run_date" {
				t.Errorf("%s.%s: run_date is both a column and the partition key", tc.db, tc.table)
			}
		}
		parts, err := g.GetPartitions(ctx, &glue.GetPartitionsInput{DatabaseName: aws.String(tc.db), TableName: aws.String(tc.table)})
		if err != nil {
			t.Fatal(err)
		}
		if len(parts.Partitions) != 2 {
			t.Errorf("%s.%s: %d partitions, want 2", tc.db, tc.table, len(parts.Partitions))
		}
		for _, p := range parts.Partitions {
			d, _ := lake.ParseDate(p.Values[0])
			m, ok, err := lk.ReadManifest(ctx, lake.PartitionDir(tc.layer, tc.table, d))
			if err != nil || !ok {
				t.Fatalf("manifest of %s.%s %s: %v", tc.layer, tc.table, d, err)
			}
			var committed []string
			for _, f := range m.Files {
				committed = append(committed, "s3://glue-lake/meta/"+lake.PartitionDir(tc.layer, tc.table, d)+f.Name)
			}
			if got := symlinkFiles(t, b, aws.ToString(p.StorageDescriptor.Location)); strings.Join(got, "\n") != strings.Join(committed, "\n") {
				t.Errorf("%s.%s %s: symlink lists\n%v\nthe manifest committed\n%v", tc.db, tc.table, d, got, committed)
			}
		}
	}
	latest, err := g.GetTable(ctx, &glue.GetTableInput{DatabaseName: aws.String("meta_silver"), Name: aws.String("datasets_latest")})
	if err != nil {
		t.Fatal(err)
	}
	m2, _, err := lk.ReadManifest(ctx, lake.PartitionDir("silver", "datasets", mustDate(t, "2025-07-02")))
	if err != nil {
		t.Fatal(err)
	}
	hasRunDate := false
	for _, c := range latest.Table.StorageDescriptor.Columns {
		hasRunDate = hasRunDate || aws.ToString(c.Name) == "run_date"
	}
	if files := symlinkFiles(t, b, aws.ToString(latest.Table.StorageDescriptor.Location)); len(latest.Table.PartitionKeys) != 0 || !hasRunDate ||
		len(files) != len(m2.Files) || !strings.HasSuffix(files[0], m2.Files[0].Name) {
		t.Errorf("silver.datasets_latest: want an unpartitioned table with run_date over 2025-07-02's %d files, got %d partition keys, run_date %t, files %v",
			len(m2.Files), len(latest.Table.PartitionKeys), hasRunDate, files)
	}
	dim, err := g.GetTable(ctx, &glue.GetTableInput{DatabaseName: aws.String("meta_gold"), Name: aws.String("dim_user")})
	if err != nil {
		t.Fatal(err)
	}
	if len(dim.Table.PartitionKeys) != 0 || len(symlinkFiles(t, b, aws.ToString(dim.Table.StorageDescriptor.Location))) == 0 {
		t.Errorf("gold dim_user: want an unpartitioned table over its current files, got %d partition keys", len(dim.Table.PartitionKeys))
	}
}

// symlinkFiles reads the symlink manifest at location (s3://BUCKET/PREFIX/…/, in b's lake) and
// checks that every file it lists exists.
func symlinkFiles(t *testing.T, b *storage.S3, location string) []string {
	t.Helper()
	root := "s3://" + b.BucketName() + "/" + b.Prefix()
	key := strings.TrimPrefix(location, root) + "symlink.txt"
	rc, err := b.Get(context.Background(), key)
	if err != nil {
		t.Fatalf("symlink manifest %s: %v", key, err)
	}
	defer rc.Close()
	body, _ := io.ReadAll(rc)
	files := strings.Fields(string(body))
	for _, f := range files {
		if ok, err := b.Exists(context.Background(), strings.TrimPrefix(f, root)); err != nil || !ok {
			t.Errorf("symlink %s lists %s, which does not exist", key, f)
		}
	}
	return files
}

func mustDate(t *testing.T, s string) lake.Date {
	t.Helper()
	d, err := lake.ParseDate(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestCLIGlueForgetsAWithdrawnPartition: a forced rerun whose users snapshot trips the circuit
// breaker withdraws bronze users of that date; the lake's catalog and Glue stop listing it
// (no Athena partition left pointing at deleted files), and users_latest lists no files.
func TestCLIGlueForgetsAWithdrawnPartition(t *testing.T) {
	t.Parallel()
	const uri = "s3://withdraw-lake/meta"
	e := emulatedLake(t, uri, true, 1, 900)
	ctx, dir, env, b, g := context.Background(), e.dir, e.env, e.b, e.glue
	key := "raw/users/ingestion_date=2025-07-01/users.csv"
	rc, err := b.Get(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(rc)
	rc.Close()
	bad := strings.Repeat(",ghost,Ghost,01/01/2024,1,,False\n", 400)
	if err := b.Upload(ctx, key, strings.NewReader(string(raw)+bad)); err != nil {
		t.Fatal(err)
	}
	r := must(t, metalakeEnv(t, dir, env, "run", "--lake", uri, "--date", "2025-07-01", "--force", "--quiet"), 1)
	oneLine(t, r, "users", "2025-07-01")
	parts, err := g.GetPartitions(ctx, &glue.GetPartitionsInput{DatabaseName: aws.String("meta_bronze"), TableName: aws.String("users")})
	if err != nil {
		t.Fatal(err)
	}
	if len(parts.Partitions) != 0 {
		t.Errorf("Glue still lists %d partitions of meta_bronze.users after the partition was withdrawn", len(parts.Partitions))
	}
	if ok, _ := b.Exists(ctx, deploy.SymlinkDir+"bronze/users/run_date=2025-07-01/symlink.txt"); ok {
		t.Error("the withdrawn partition's symlink manifest is still there")
	}
	latest, err := g.GetTable(ctx, &glue.GetTableInput{DatabaseName: aws.String("meta_bronze"), Name: aws.String("users_latest")})
	if err != nil {
		t.Fatal(err)
	}
	if files := symlinkFiles(t, b, aws.ToString(latest.Table.StorageDescriptor.Location)); len(files) != 0 {
		t.Errorf("users_latest still lists %v", files)
	}
	out := must(t, metalakeEnv(t, dir, env, "catalog", "--lake", uri, "bronze.users"), 0).stdout
	if strings.Contains(out, "2025-07-01 rows") {
		t.Errorf("the lake's catalog still lists the withdrawn partition:\n%s", out)
	}
	// The other tables of the date are untouched.
	if p, err := g.GetPartitions(ctx, &glue.GetPartitionsInput{DatabaseName: aws.String("meta_bronze"), TableName: aws.String("datasets")}); err != nil || len(p.Partitions) != 1 {
		t.Errorf("meta_bronze.datasets partitions: %v, %v", p, err)
	}
}

// emulated is an S3 lake on the AWS emulator that has run: the environment metalake runs in,
// its working directory, the lake's bucket and the Glue client.
type emulated struct {
	env  []string
	dir  string
	b    *storage.S3
	glue *glue.Client
}

// emulatedLake starts the emulator, sets up the lake at uri (catalog.glue on when withGlue),
// generates days dates of users users from 2025-07-01 and runs them.
func emulatedLake(t *testing.T, uri string, withGlue bool, days, users int) emulated {
	t.Helper()
	srv := awstest.Start(t, "us-east-1")
	e := emulated{env: srv.Env(), dir: t.TempDir()}
	if withGlue {
		writeFile(t, filepath.Join(e.dir, "metalake.yaml"), "catalog:\n  glue: true\n")
	}
	last := mustDate(t, "2025-07-01").AddDays(days - 1).String()
	must(t, metalakeEnv(t, e.dir, e.env, "setup", "--lake", uri), 0)
	must(t, metalakeEnv(t, e.dir, e.env, "generate", "--lake", uri, "--date", "2025-07-01", "--days", strconv.Itoa(days),
		"--users", strconv.Itoa(users), "--seed", "4"), 0)
	must(t, metalakeEnv(t, e.dir, e.env, "run", "--lake", uri, "--date", "2025-07-01", "--to", last, "--quiet"), 0)
	ctx := context.Background()
	var err error
	if e.b, err = storage.NewS3(ctx, uri, srv.Config()); err != nil {
		t.Fatal(err)
	}
	cfg, err := storage.LoadAWSConfig(ctx, srv.Config())
	if err != nil {
		t.Fatal(err)
	}
	e.glue = deploy.NewClients(cfg, srv.Endpoint).Glue
	return e
}
