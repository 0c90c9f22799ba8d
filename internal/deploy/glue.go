package deploy

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/glue"
	gluetypes "github.com/aws/aws-sdk-go-v2/service/glue/types"

	"github.com/metalake/metalake/internal/catalog"
	"github.com/metalake/metalake/internal/lake"
	"github.com/metalake/metalake/internal/storage"
)

// Hive formats of a table read through symlink manifests: each partition's location holds a
// text file listing the Parquet files that make it up, so Athena reads exactly the files the
// lake's manifest committed — never a rerun's superseded or half-uploaded files lying in the
// same folder.
const (
	symlinkInputFormat = "org.apache.hadoop.hive.ql.io.SymlinkTextInputFormat"
	symlinkOutput      = "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat"
	parquetSerDe       = "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"
	// SymlinkDir is the lake folder holding the symlink manifests: SymlinkDir/{layer}/{table}/
	// [run_date=D/]symlink.txt.
	SymlinkDir  = "_athena/"
	symlinkFile = "symlink.txt"
)

// GlueRegistrar registers the lake's tables in the Glue databases of Databases, one Glue table
// per lake table, readable by Athena. It is the catalog's Registrar for an S3 lake.
type GlueRegistrar struct {
	Lake *storage.S3
	Glue *glue.Client
}

var _ catalog.Registrar = (*GlueRegistrar)(nil)

// Register creates or updates t's Glue table (columns of its latest schema) and, for a
// partitioned table, run date d's partition (folder dir) and the {table}_latest table. The files
// they read are listed by Relink, which the lake runs at every publish (and RegisterCatalog
// before registering). Idempotent.
func (g *GlueRegistrar) Register(ctx context.Context, t catalog.Table, dir string, d lake.Date) error {
	db, ok := databaseOf(t.Layer)
	if !ok {
		return fmt.Errorf("glue: no database for layer %q", t.Layer)
	}
	if len(t.Schemas) == 0 {
		return nil // nothing has been written yet: no schema to declare
	}
	schema := t.Schemas[len(t.Schemas)-1].Columns
	cols, err := glueColumns(schema, t.PartitionKeys)
	if err != nil {
		return fmt.Errorf("glue %s.%s: %w", db, t.Table, err)
	}
	tableDir := SymlinkDir + lake.TableDir(t.Layer, t.Table)
	in := tableInput(t.Table, fmt.Sprintf("metalake %s.%s (Parquet files listed by symlink manifests under %s)", t.Layer, t.Table, g.uri(tableDir)),
		cols, g.uri(tableDir))
	for _, k := range t.PartitionKeys {
		in.PartitionKeys = append(in.PartitionKeys, gluetypes.Column{Name: aws.String(k), Type: aws.String("date")})
	}
	if err := g.ensureTable(ctx, db, in); err != nil {
		return fmt.Errorf("glue %s.%s: %w", db, t.Table, err)
	}
	if len(t.PartitionKeys) == 0 {
		return nil
	}
	if err := g.ensurePartition(ctx, db, t.Table, d, storageDescriptor(cols, g.uri(SymlinkDir+dir))); err != nil {
		return fmt.Errorf("glue %s.%s %s: %w", db, t.Table, d, err)
	}
	// {table}_latest: the newest partition only, run_date a plain column, as metalake query's.
	latestCols, err := glueColumns(schema, nil)
	if err != nil {
		return fmt.Errorf("glue %s.%s_latest: %w", db, t.Table, err)
	}
	latest := tableInput(t.Table+"_latest", fmt.Sprintf("metalake %s.%s_latest: the newest run_date of %s only", t.Layer, t.Table, t.Table),
		latestCols, g.uri(latestLinkDir(t.Layer, t.Table)))
	if err := g.ensureTable(ctx, db, latest); err != nil {
		return fmt.Errorf("glue %s.%s_latest: %w", db, t.Table, err)
	}
	return nil
}

func tableInput(name, description string, cols []gluetypes.Column, location string) *gluetypes.TableInput {
	return &gluetypes.TableInput{
		Name:              aws.String(name),
		Description:       aws.String(description),
		TableType:         aws.String("EXTERNAL_TABLE"),
		Parameters:        map[string]string{"classification": "parquet", "EXTERNAL": "TRUE"},
		StorageDescriptor: storageDescriptor(cols, location),
	}
}

// latestLinkDir is the folder of {table}_latest's symlink manifest.
func latestLinkDir(layer, table string) string { return SymlinkDir + layer + "/" + table + "_latest/" }

// Relink points the symlink manifest of the table folder dir, just committed as m, at m's
// files, and {table}_latest's at the newest partition's. It is the lake's BeforeSweep: Athena
// moves to the new files before the replaced ones are deleted, so a rerun never leaves a
// registered partition listing deleted files. Folders that are not tables (rejects, held rows)
// are left alone; Glue tables and partitions are created by Register, in the catalog task.
func (g *GlueRegistrar) Relink(ctx context.Context, dir string, m lake.Manifest) error {
	parts := strings.Split(strings.TrimSuffix(dir, "/"), "/")
	if len(parts) < 2 || len(parts) > 3 || strings.HasPrefix(parts[1], "_") {
		return nil
	}
	if _, ok := databaseOf(parts[0]); !ok {
		return nil
	}
	if err := g.Lake.Upload(ctx, SymlinkDir+dir+symlinkFile, g.symlinkList(dir, m)); err != nil {
		return fmt.Errorf("symlink manifest of %s: %w", dir, err)
	}
	if len(parts) == 3 && strings.HasPrefix(parts[2], "run_date=") {
		return g.linkLatest(ctx, parts[0], parts[1])
	}
	return nil
}

// linkLatest points {table}_latest's symlink manifest at the newest committed partition's files
// (at none when no partition is left).
func (g *GlueRegistrar) linkLatest(ctx context.Context, layer, table string) error {
	p, ok, err := lake.New(g.Lake).NewestPartition(ctx, lake.TableDir(layer, table))
	if err != nil {
		return err
	}
	list := &bytes.Buffer{}
	if ok {
		list = g.symlinkList(p.Dir, p.Manifest)
	}
	if err := g.Lake.Upload(ctx, latestLinkDir(layer, table)+symlinkFile, list); err != nil {
		return fmt.Errorf("symlink manifest of %s_latest: %w", table, err)
	}
	return nil
}

// symlinkList is the symlink manifest of the committed folder dir: one s3:// URI per file.
func (g *GlueRegistrar) symlinkList(dir string, m lake.Manifest) *bytes.Buffer {
	var list bytes.Buffer
	for _, f := range m.Files {
		fmt.Fprintf(&list, "%s\n", g.uri(dir+f.Name))
	}
	return &list
}

// Unregister drops run date d's Glue partition of t and its symlink manifest, and moves
// {table}_latest to the newest partition left (to no files when none is left).
func (g *GlueRegistrar) Unregister(ctx context.Context, t catalog.Table, d lake.Date) error {
	db, ok := databaseOf(t.Layer)
	if !ok || len(t.PartitionKeys) == 0 {
		return nil
	}
	_, err := g.Glue.DeletePartition(ctx, &glue.DeletePartitionInput{DatabaseName: aws.String(db), TableName: aws.String(t.Table),
		PartitionValues: []string{d.String()}})
	var nf *gluetypes.EntityNotFoundException
	if err != nil && !errors.As(err, &nf) {
		return fmt.Errorf("glue %s.%s %s: delete partition: %w", db, t.Table, d, err)
	}
	if err := g.Lake.Delete(ctx, SymlinkDir+lake.PartitionDir(t.Layer, t.Table, d)+symlinkFile); err != nil {
		return fmt.Errorf("glue %s.%s %s: %w", db, t.Table, d, err)
	}
	return g.linkLatest(ctx, t.Layer, t.Table)
}

func (g *GlueRegistrar) uri(key string) string {
	return "s3://" + g.Lake.BucketName() + "/" + g.Lake.Prefix() + key
}

func databaseOf(layer string) (string, bool) {
	for _, db := range Databases {
		if db.Layer == layer {
			return db.Name, true
		}
	}
	return "", false
}

func storageDescriptor(cols []gluetypes.Column, location string) *gluetypes.StorageDescriptor {
	return &gluetypes.StorageDescriptor{
		Columns:      cols,
		Location:     aws.String(location),
		InputFormat:  aws.String(symlinkInputFormat),
		OutputFormat: aws.String(symlinkOutput),
		SerdeInfo:    &gluetypes.SerDeInfo{SerializationLibrary: aws.String(parquetSerDe)},
	}
}

// ensureTable creates the table, or updates it when its columns, partition keys or location
// differ (a schema change the lake's catalog recorded).
func (g *GlueRegistrar) ensureTable(ctx context.Context, db string, in *gluetypes.TableInput) error {
	out, err := g.Glue.GetTable(ctx, &glue.GetTableInput{DatabaseName: aws.String(db), Name: in.Name})
	var nf *gluetypes.EntityNotFoundException
	if errors.As(err, &nf) {
		_, err = g.Glue.CreateTable(ctx, &glue.CreateTableInput{DatabaseName: aws.String(db), TableInput: in})
		var exists *gluetypes.AlreadyExistsException
		if err != nil && !errors.As(err, &exists) {
			return fmt.Errorf("create table: %w", err)
		}
		return nil
	}
	if err != nil {
		return fmt.Errorf("read table: %w", err)
	}
	have := out.Table
	if have.StorageDescriptor != nil && aws.ToString(have.StorageDescriptor.Location) == aws.ToString(in.StorageDescriptor.Location) &&
		sameColumns(have.StorageDescriptor.Columns, in.StorageDescriptor.Columns) && sameColumns(have.PartitionKeys, in.PartitionKeys) {
		return nil
	}
	if _, err := g.Glue.UpdateTable(ctx, &glue.UpdateTableInput{DatabaseName: aws.String(db), TableInput: in}); err != nil {
		return fmt.Errorf("update table: %w", err)
	}
	return nil
}

func (g *GlueRegistrar) ensurePartition(ctx context.Context, db, table string, d lake.Date, sd *gluetypes.StorageDescriptor) error {
	values := []string{d.String()}
	out, err := g.Glue.GetPartition(ctx, &glue.GetPartitionInput{DatabaseName: aws.String(db), TableName: aws.String(table), PartitionValues: values})
	var nf *gluetypes.EntityNotFoundException
	switch {
	case errors.As(err, &nf):
		_, err = g.Glue.CreatePartition(ctx, &glue.CreatePartitionInput{DatabaseName: aws.String(db), TableName: aws.String(table),
			PartitionInput: &gluetypes.PartitionInput{Values: values, StorageDescriptor: sd}})
		var exists *gluetypes.AlreadyExistsException
		if err != nil && !errors.As(err, &exists) {
			return fmt.Errorf("create partition: %w", err)
		}
		return nil
	case err != nil:
		return fmt.Errorf("read partition: %w", err)
	}
	// Its location is fixed; its columns follow the table's, which a schema change may move.
	if have := out.Partition.StorageDescriptor; have != nil && aws.ToString(have.Location) == aws.ToString(sd.Location) && sameColumns(have.Columns, sd.Columns) {
		return nil
	}
	_, err = g.Glue.UpdatePartition(ctx, &glue.UpdatePartitionInput{DatabaseName: aws.String(db), TableName: aws.String(table),
		PartitionValueList: values, PartitionInput: &gluetypes.PartitionInput{Values: values, StorageDescriptor: sd}})
	if err != nil {
		return fmt.Errorf("update partition: %w", err)
	}
	return nil
}

func sameColumns(a, b []gluetypes.Column) bool {
	return slices.EqualFunc(a, b, func(x, y gluetypes.Column) bool {
		return aws.ToString(x.Name) == aws.ToString(y.Name) && aws.ToString(x.Type) == aws.ToString(y.Type)
	})
}

// glueColumns maps engine columns to Glue (Hive) columns, leaving out the partition keys (the
// files carry run_date too; Athena takes it from the partition).
func glueColumns(cols []catalog.Column, partitionKeys []string) ([]gluetypes.Column, error) {
	var out []gluetypes.Column
	for _, c := range cols {
		if slices.Contains(partitionKeys, c.Name) {
			continue
		}
		t, err := HiveType(c.Type)
		if err != nil {
			return nil, fmt.Errorf("column %s: %w", c.Name, err)
		}
		out = append(out, gluetypes.Column{Name: aws.String(c.Name), Type: aws.String(t)})
	}
	return out, nil
}

var decimalType = regexp.MustCompile(`^DECIMAL\((\d+),\s*(\d+)\)$`)

// HiveType is the Glue/Hive type of an engine (DuckDB) column type as the lake's Parquet
// files store it. A type without a faithful Hive equivalent is an error, not a guess.
func HiveType(t string) (string, error) {
	t = strings.ToUpper(strings.TrimSpace(t))
	if strings.HasSuffix(t, "[]") {
		inner, err := HiveType(strings.TrimSuffix(t, "[]"))
		if err != nil {
			return "", err
		}
		return "array<" + inner + ">", nil
	}
	if m := decimalType.FindStringSubmatch(t); m != nil {
		return "decimal(" + m[1] + "," + m[2] + ")", nil
	}
	switch t {
	case "BIGINT":
		return "bigint", nil
	case "INTEGER":
		return "int", nil
	case "SMALLINT":
		return "smallint", nil
	case "TINYINT":
		return "tinyint", nil
	case "DOUBLE":
		return "double", nil
	case "FLOAT":
		return "float", nil
	case "BOOLEAN":
		return "boolean", nil
	case "VARCHAR":
		return "string", nil
	case "DATE":
		return "date", nil
	case "TIMESTAMP", "TIMESTAMP_MS", "TIMESTAMP_NS", "TIMESTAMP_S":
		return "timestamp", nil
	case "BLOB":
		return "binary", nil
	}
	return "", fmt.Errorf("type %s has no Glue equivalent", t)
}

// RegisterCatalog links and registers every committed partition of every table in the lake's
// catalog with r — what `metalake setup` does, so a lake that ran before Glue was configured
// becomes queryable. It returns how many tables and partitions it registered.
func RegisterCatalog(ctx context.Context, lk *lake.Lake, r *GlueRegistrar) (tables, partitions int, err error) {
	all, err := catalog.List(ctx, lk)
	if err != nil {
		return 0, 0, err
	}
	for _, t := range all {
		keys := make([]string, 0, len(t.Partitions))
		for k := range t.Partitions {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			dir, err := t.Dir(k)
			if err != nil {
				return tables, partitions, err
			}
			m, ok, err := lk.ReadManifest(ctx, dir)
			if err != nil {
				return tables, partitions, err
			}
			if !ok {
				continue // withdrawn since it was crawled (a tripped circuit breaker)
			}
			d, err := lake.ParseDate(k)
			if err != nil {
				return tables, partitions, err
			}
			if err := r.Relink(ctx, dir, m); err != nil {
				return tables, partitions, err
			}
			if err := r.Register(ctx, t, dir, d); err != nil {
				return tables, partitions, err
			}
			partitions++
		}
		tables++
	}
	return tables, partitions, nil
}
