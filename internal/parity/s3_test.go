package parity_test

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/metalake/metalake/internal/engine/spark"
	"github.com/metalake/metalake/internal/engine/spark/sparktest"
	"github.com/metalake/metalake/internal/lake"
	"github.com/metalake/metalake/internal/storage"
	"github.com/metalake/metalake/internal/storage/s3test"
	"github.com/metalake/metalake/internal/synth"
	"github.com/metalake/metalake/internal/testlake"
)

// TestSparkOnAnS3Lake: Spark runs the pipeline on an S3 lake (a versitygw server) reading and
// writing it through s3a — raw CSV and committed Parquet read where they are, every output
// written into its partition folder and committed there by the manifest, temporary snapshots
// in the lake's _staging/spark/ — and publishes what DuckDB publishes from the same raw files
// on a local lake: the same rows in every partition, the same reports. The S3 lake then holds
// committed files and manifests alone: no staged write or snapshot outlives the run.
func TestSparkOnAnS3Lake(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	srv := s3test.Start(t)
	s3b := srv.Bucket(t, "lake")
	conf := sparktest.S3AConf(srv)
	sparktest.RequireS3A(t, conf, srv.Bucket(t, ""))

	duck := openDuckDB(t)
	dirA := t.TempDir()
	a, b := localLake(t, dirA), lake.New(s3b)
	start := time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC)
	const days = 2
	opts := synth.Options{Start: start, Days: days, Users: 300, Layout: synth.LayoutKaggle, Seed: 11, DefectRate: 0.03}
	if _, err := synth.Generate(ctx, a.B, opts); err != nil {
		t.Fatal(err)
	}
	if _, err := synth.Generate(ctx, b.B, opts); err != nil {
		t.Fatal(err)
	}
	sp := sparktest.OpenWith(t, spark.Options{Lake: s3b, Conf: conf})
	runBoth(t, a, b, duck, sp, start, days)
	diffs, err := testlake.Compare(ctx, duck, a, b, []string{"bronze/", "silver/", "gold/"}, testlake.AuditColumns)
	if err != nil {
		t.Fatal(err)
	}
	// The reports, compared as files: the S3 lake copied down whole.
	dirB := t.TempDir()
	var stray []string
	err = s3b.Iter(ctx, "", func(key string) error {
		if strings.Contains(key, "/_spark-") || strings.HasPrefix(key, "_staging/spark/") {
			stray = append(stray, key)
		}
		return storage.Download(ctx, s3b, key, filepath.Join(dirB, filepath.FromSlash(key)))
	}, storage.WithRecursive())
	if err != nil {
		t.Fatal(err)
	}
	diffs = append(diffs, compareReports(t, dirA, dirB)...)
	if len(diffs) > 0 {
		t.Errorf("DuckDB's local lake (first) and Spark's S3 lake (second) differ:\n%s", strings.Join(diffs, "\n"))
	}
	// Committed files inside the write folders are expected; anything else there is not.
	committed := map[string]bool{}
	if err := s3b.Iter(ctx, "", func(key string) error {
		dir, ok := strings.CutSuffix(key, lake.ManifestName)
		if !ok {
			return nil
		}
		m, ok, err := b.ReadManifest(ctx, dir)
		if err != nil || !ok {
			return err
		}
		for _, k := range m.Keys(dir) {
			committed[k] = true
		}
		return nil
	}, storage.WithRecursive()); err != nil {
		t.Fatal(err)
	}
	var uncommitted []string
	for _, key := range stray {
		if !committed[key] {
			uncommitted = append(uncommitted, key)
		}
	}
	if len(uncommitted) > 0 {
		t.Errorf("the S3 lake keeps %d uncommitted engine objects, e.g. %v", len(uncommitted), uncommitted[:min(5, len(uncommitted))])
	}
	if len(committed) == 0 || len(stray) == 0 {
		t.Errorf("found %d committed files, %d written by Spark in place: the test saw no lake writes", len(committed), len(stray))
	}
}
