package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/metalake/metalake/internal/catalog"
	"github.com/metalake/metalake/internal/deploy"
	"github.com/metalake/metalake/internal/storage"
	"github.com/metalake/metalake/internal/vacuum"
)

func cmdVacuum(ctx context.Context, a *app, args []string) error {
	fs := a.flags("vacuum", "vacuum --lake L (--keep-dates N | --before D) [--gold] [--dry-run] [--format table|json]")
	keep := fs.Int("keep-dates", 0, "keep the newest N run dates (N >= 1), remove the bronze and silver of the older ones")
	before := fs.String("before", "", "remove the run dates before D (YYYY-MM-DD)")
	gold := fs.Bool("gold", false, "also remove the gold fact and bridge partitions and gold reports of the removed dates (kept by default: the analytics history)")
	dry := fs.Bool("dry-run", false, "print what would be removed and change nothing")
	format := fs.String("format", "table", "output format: table or json")
	if err := a.parse(fs, args); err != nil {
		return err
	}
	o, err := vacuumOptions(fs, *keep, *before, *gold)
	if err != nil {
		return err
	}
	if *format != "table" && *format != "json" {
		return usagef("vacuum: --format %q: use table or json", *format)
	}
	// A dry run writes nothing; a vacuum writes only through the commit protocol, under the lock.
	lk, err := a.openExistingLake(ctx)
	if err != nil {
		return err
	}
	crawler := &catalog.Crawler{Lake: lk, Log: a.log}
	if a.cfg.Catalog.Glue {
		// Removed partitions leave Glue too (Forget unregisters them), before their files go.
		b, clients, err := a.awsLake(ctx, "catalog.glue", "Glue tables point at S3 objects")
		if err != nil {
			return err
		}
		crawler.Registrar = &deploy.GlueRegistrar{Lake: b, Glue: clients.Glue}
	}
	v := &vacuum.Vacuum{Lake: lk, Catalog: crawler, Log: a.log}
	do := func(ctx context.Context) error {
		p, err := v.Plan(ctx, o)
		if err != nil {
			return err
		}
		if !*dry {
			err = v.Apply(ctx, p)
		}
		s := p.Summary()
		if b, ok := lk.B.(*storage.S3); ok && s.Files > 0 {
			s.Notes = append(s.Notes, versioningNote(ctx, b, s))
		}
		printVacuum(a, s, *format)
		return err
	}
	if *dry {
		// Read-only, like status and query: no lock, so it can run beside a run.
		return do(ctx)
	}
	return a.withLakeLock(ctx, lk, "", do)
}

// vacuumOptions checks the selection flags: exactly one of --keep-dates (N >= 1) and --before.
func vacuumOptions(fs *flag.FlagSet, keep int, before string, gold bool) (vacuum.Options, error) {
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	o := vacuum.Options{KeepDates: keep, Gold: gold}
	switch {
	case set["keep-dates"] && set["before"]:
		return o, usagef("vacuum: %v", vacuum.ErrBothSelections)
	case set["keep-dates"] && keep < 1:
		return o, usagef("vacuum: --keep-dates %d: keep at least 1 run date (N >= 1; the newest is never removed)", keep)
	case set["before"]:
		d, err := parseDateFlag("before", before)
		if err != nil {
			return o, err
		}
		o.Before = d
	}
	if err := o.Validate(); err != nil {
		return o, usagef("vacuum: %v", err)
	}
	return o, nil
}

func printVacuum(a *app, s vacuum.Summary, format string) {
	if format == "json" {
		enc := json.NewEncoder(a.stdout)
		enc.SetIndent("", "  ")
		_ = enc.Encode(s)
		return
	}
	s.WriteText(a.stdout)
}

// versioningNote says where the deleted objects of an S3 lake go: on a versioned bucket they
// stay as noncurrent versions (still stored and billed) until the lifecycle rule metalake
// setup creates expires them.
func versioningNote(ctx context.Context, b *storage.S3, s vacuum.Summary) string {
	what := "deleted objects remain"
	if s.DryRun {
		what = "objects deleted by this vacuum would remain"
	}
	rule := fmt.Sprintf("%s as noncurrent versions until the bucket's lifecycle rule %s expires them %d days later (metalake setup creates it)",
		what, deploy.NoncurrentRule, deploy.NoncurrentVersionDays)
	out, err := b.Client().GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: aws.String(b.BucketName())})
	var apiErr interface{ ErrorCode() string }
	switch {
	case err != nil && errors.As(err, &apiErr):
		return fmt.Sprintf("s3: versioning of %s unknown (%s): if it is versioned, %s", b.BucketName(), apiErr.ErrorCode(), rule)
	case err != nil:
		return fmt.Sprintf("s3: versioning of %s unknown: if it is versioned, %s", b.BucketName(), rule)
	case out.Status == s3types.BucketVersioningStatusEnabled:
		return fmt.Sprintf("s3: %s is versioned: %s", b.BucketName(), rule)
	}
	return fmt.Sprintf("s3: %s is not versioned: the space is freed at once", b.BucketName())
}
