package main

import (
	"context"
	"fmt"

	"github.com/metalake/metalake/internal/deploy"
	"github.com/metalake/metalake/internal/storage"
)

// cmdSetup prepares an S3 lake's AWS resources (SPEC §9): bucket, versioning, encryption,
// lifecycle, Glue databases, Athena workgroup. Idempotent: a second run changes nothing.
func cmdSetup(ctx context.Context, a *app, args []string) error {
	fs := a.flags("setup", "setup --lake s3://BUCKET/PREFIX")
	if err := a.parse(fs, args); err != nil {
		return err
	}
	b, clients, err := a.awsLake(ctx, "setup", "setup prepares the AWS resources of a lake at s3://BUCKET/PREFIX (a local lake needs none)")
	if err != nil {
		return err
	}
	steps, err := deploy.Setup(ctx, b, clients)
	for _, s := range steps {
		fmt.Fprintf(a.stdout, "%-10s %-40s %s\n", s.Action, s.Resource, s.Detail)
	}
	if err != nil {
		return err
	}
	// Tables the lake already has (it may have run before setup): register them now; later
	// runs register what they write when metalake.yaml sets catalog.glue.
	tables, parts, err := deploy.RegisterCatalog(ctx, a.lake, &deploy.GlueRegistrar{Lake: b, Glue: clients.Glue})
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "%-10s %-40s %d tables, %d partitions (symlink manifests under %s)\n", "registered", "glue tables", tables, parts, deploy.SymlinkDir)
	fmt.Fprintf(a.stdout, "%s is ready: set catalog.glue: true in metalake.yaml, run `metalake run --lake %s --date D`, query in Athena (workgroup %s)\n",
		b.Name(), b.Name(), deploy.Workgroup)
	return nil
}

// awsLake opens the lake, which must be on S3 (else a usage error: what needs it, why), and
// the Glue and Athena clients configured like its S3 client.
func (a *app) awsLake(ctx context.Context, what, why string) (*storage.S3, deploy.Clients, error) {
	lk, err := a.openLake()
	if err != nil {
		return nil, deploy.Clients{}, err
	}
	b, ok := lk.B.(*storage.S3)
	if !ok {
		return nil, deploy.Clients{}, usagef("%s: --lake %s is not an S3 lake: %s", what, a.lakeURI, why)
	}
	cfg, err := storage.S3ConfigFromEnv()
	if err != nil {
		return nil, deploy.Clients{}, usagef("%s: %v", what, err)
	}
	awsCfg, err := storage.LoadAWSConfig(ctx, cfg)
	if err != nil {
		return nil, deploy.Clients{}, fmt.Errorf("%s: %w", what, err)
	}
	return b, deploy.NewClients(awsCfg, ""), nil
}
