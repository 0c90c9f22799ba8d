package deploy_test

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/athena"
	athenatypes "github.com/aws/aws-sdk-go-v2/service/athena/types"
	"github.com/aws/aws-sdk-go-v2/service/glue"
	gluetypes "github.com/aws/aws-sdk-go-v2/service/glue/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/metalake/metalake/internal/awstest"
	"github.com/metalake/metalake/internal/deploy"
	"github.com/metalake/metalake/internal/storage"
)

// env is one emulator and a lake URI on it, with the clients setup uses.
type env struct {
	lake    *storage.S3
	clients deploy.Clients
}

func newEnv(t *testing.T, uri string) env {
	t.Helper()
	srv := awstest.Start(t, "us-west-1")
	ctx := context.Background()
	lake, err := storage.NewS3(ctx, uri, srv.Config())
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := storage.LoadAWSConfig(ctx, srv.Config())
	if err != nil {
		t.Fatal(err)
	}
	return env{lake: lake, clients: deploy.NewClients(cfg, srv.Endpoint)}
}

func actions(steps []deploy.Step) map[string]string {
	out := map[string]string{}
	for _, s := range steps {
		out[s.Resource] = s.Action
	}
	return out
}

// TestSetupCreatesThenChangesNothing: a first setup on nothing creates the bucket (in its
// region), versioning, SSE-S3, the three lifecycle rules on the lake prefix, the three Glue
// databases at their layer locations and the Athena workgroup writing under the lake prefix;
// a second setup finds every resource in line and changes nothing.
func TestSetupCreatesThenChangesNothing(t *testing.T) {
	e := newEnv(t, "s3://psi-lake/meta")
	ctx := context.Background()
	steps, err := deploy.Setup(ctx, e.lake, e.clients)
	if err != nil {
		t.Fatal(err)
	}
	if len(steps) != 8 {
		t.Fatalf("want 8 steps (bucket, versioning, encryption, lifecycle, 3 databases, workgroup), got %d: %+v", len(steps), steps)
	}
	for _, s := range steps {
		if s.Action == deploy.Unchanged {
			t.Errorf("first setup: %s unchanged, want created or updated", s.Resource)
		}
	}
	s3c := e.lake.Client()
	loc, err := s3c.GetBucketLocation(ctx, &s3.GetBucketLocationInput{Bucket: aws.String("psi-lake")})
	if err != nil || loc.LocationConstraint != "us-west-1" {
		t.Errorf("bucket location = %v, %v; want us-west-1", loc, err)
	}
	ver, err := s3c.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: aws.String("psi-lake")})
	if err != nil || ver.Status != s3types.BucketVersioningStatusEnabled {
		t.Errorf("versioning = %v, %v", ver, err)
	}
	enc, err := s3c.GetBucketEncryption(ctx, &s3.GetBucketEncryptionInput{Bucket: aws.String("psi-lake")})
	if err != nil || enc.ServerSideEncryptionConfiguration.Rules[0].ApplyServerSideEncryptionByDefault.SSEAlgorithm != "AES256" {
		t.Errorf("encryption = %v, %v", enc, err)
	}
	lc, err := s3c.GetBucketLifecycleConfiguration(ctx, &s3.GetBucketLifecycleConfigurationInput{Bucket: aws.String("psi-lake")})
	if err != nil {
		t.Fatal(err)
	}
	rules := map[string]s3types.LifecycleRule{}
	for _, r := range lc.Rules {
		rules[aws.ToString(r.ID)] = r
	}
	raw := rules[deploy.RawTieringRule]
	if raw.Filter == nil || aws.ToString(raw.Filter.Prefix) != "meta/raw/" || len(raw.Transitions) != 2 ||
		aws.ToInt32(raw.Transitions[0].Days) != 30 || raw.Transitions[0].StorageClass != s3types.TransitionStorageClassStandardIa ||
		aws.ToInt32(raw.Transitions[1].Days) != 90 || raw.Transitions[1].StorageClass != s3types.TransitionStorageClassGlacier {
		t.Errorf("raw tiering rule = %+v", raw)
	}
	if r := rules[deploy.AbortUploadsRule]; r.AbortIncompleteMultipartUpload == nil || aws.ToInt32(r.AbortIncompleteMultipartUpload.DaysAfterInitiation) != 7 {
		t.Errorf("abort-uploads rule = %+v", r)
	}
	if r := rules[deploy.NoncurrentRule]; r.NoncurrentVersionExpiration == nil || aws.ToInt32(r.NoncurrentVersionExpiration.NoncurrentDays) != 30 {
		t.Errorf("noncurrent-versions rule = %+v", r)
	}
	for _, db := range deploy.Databases {
		out, err := e.clients.Glue.GetDatabase(ctx, &glue.GetDatabaseInput{Name: aws.String(db.Name)})
		if err != nil {
			t.Errorf("glue database %s: %v", db.Name, err)
			continue
		}
		if got := aws.ToString(out.Database.LocationUri); got != "s3://psi-lake/meta/"+db.Layer+"/" {
			t.Errorf("glue database %s location = %q", db.Name, got)
		}
	}
	wg, err := e.clients.Athena.GetWorkGroup(ctx, &athena.GetWorkGroupInput{WorkGroup: aws.String(deploy.Workgroup)})
	if err != nil {
		t.Fatal(err)
	}
	if got := aws.ToString(wg.WorkGroup.Configuration.ResultConfiguration.OutputLocation); got != "s3://psi-lake/meta/athena-results/" {
		t.Errorf("workgroup results = %q", got)
	}

	again, err := deploy.Setup(ctx, e.lake, e.clients)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range again {
		if s.Action != deploy.Unchanged {
			t.Errorf("second setup: %s %s, want unchanged", s.Resource, s.Action)
		}
	}
	lc2, _ := s3c.GetBucketLifecycleConfiguration(ctx, &s3.GetBucketLifecycleConfigurationInput{Bucket: aws.String("psi-lake")})
	if len(lc2.Rules) != 3 {
		t.Errorf("second setup left %d lifecycle rules, want 3", len(lc2.Rules))
	}
}

// TestSetupCorrectsDriftAndKeepsForeignRules: a bucket someone configured by hand keeps its
// own lifecycle rule and KMS encryption; metalake's rule with a wrong day count and a database
// at a wrong location are corrected; a workgroup writing elsewhere is reported, not changed.
func TestSetupCorrectsDriftAndKeepsForeignRules(t *testing.T) {
	e := newEnv(t, "s3://hand-made/lake")
	ctx := context.Background()
	s3c := e.lake.Client()
	if _, err := e.lake.EnsureBucket(ctx); err != nil {
		t.Fatal(err)
	}
	foreign := s3types.LifecycleRule{ID: aws.String("logs-expiry"), Status: s3types.ExpirationStatusEnabled,
		Filter: &s3types.LifecycleRuleFilter{Prefix: aws.String("logs/")}, Expiration: &s3types.LifecycleExpiration{Days: aws.Int32(14)}}
	wrong := deploy.LifecycleRules("lake/")[0]
	wrong.Transitions[1].Days = aws.Int32(365)
	if _, err := s3c.PutBucketLifecycleConfiguration(ctx, &s3.PutBucketLifecycleConfigurationInput{Bucket: aws.String("hand-made"),
		LifecycleConfiguration: &s3types.BucketLifecycleConfiguration{Rules: []s3types.LifecycleRule{foreign, wrong}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s3c.PutBucketEncryption(ctx, &s3.PutBucketEncryptionInput{Bucket: aws.String("hand-made"),
		ServerSideEncryptionConfiguration: &s3types.ServerSideEncryptionConfiguration{Rules: []s3types.ServerSideEncryptionRule{{
			ApplyServerSideEncryptionByDefault: &s3types.ServerSideEncryptionByDefault{SSEAlgorithm: s3types.ServerSideEncryptionAwsKms, KMSMasterKeyID: aws.String("alias/lake")}}}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.clients.Glue.CreateDatabase(ctx, &glue.CreateDatabaseInput{DatabaseInput: &gluetypes.DatabaseInput{
		Name: aws.String("meta_silver"), LocationUri: aws.String("s3://elsewhere/silver/")}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.clients.Athena.CreateWorkGroup(ctx, &athena.CreateWorkGroupInput{Name: aws.String(deploy.Workgroup),
		Configuration: &athenatypes.WorkGroupConfiguration{ResultConfiguration: &athenatypes.ResultConfiguration{OutputLocation: aws.String("s3://elsewhere/results/")}}}); err != nil {
		t.Fatal(err)
	}

	steps, err := deploy.Setup(ctx, e.lake, e.clients)
	if err != nil {
		t.Fatal(err)
	}
	got := actions(steps)
	for res, want := range map[string]string{
		"bucket hand-made":                     deploy.Unchanged,
		"default encryption of hand-made":      deploy.Unchanged,
		"lifecycle of hand-made":               deploy.Updated,
		"glue database meta_silver":            deploy.Updated,
		"glue database meta_bronze":            deploy.Created,
		"athena workgroup " + deploy.Workgroup: deploy.Differs,
	} {
		if got[res] != want {
			t.Errorf("%s: %s, want %s", res, got[res], want)
		}
	}
	enc, _ := s3c.GetBucketEncryption(ctx, &s3.GetBucketEncryptionInput{Bucket: aws.String("hand-made")})
	if a := enc.ServerSideEncryptionConfiguration.Rules[0].ApplyServerSideEncryptionByDefault.SSEAlgorithm; a != s3types.ServerSideEncryptionAwsKms {
		t.Errorf("KMS encryption was replaced by %s", a)
	}
	lc, _ := s3c.GetBucketLifecycleConfiguration(ctx, &s3.GetBucketLifecycleConfigurationInput{Bucket: aws.String("hand-made")})
	var ids []string
	for _, r := range lc.Rules {
		ids = append(ids, aws.ToString(r.ID))
		if aws.ToString(r.ID) == deploy.RawTieringRule && aws.ToInt32(r.Transitions[1].Days) != 90 {
			t.Errorf("raw tiering rule still moves to Glacier at %d days", aws.ToInt32(r.Transitions[1].Days))
		}
	}
	if strings.Join(ids, ",") != "logs-expiry,"+deploy.RawTieringRule+","+deploy.AbortUploadsRule+","+deploy.NoncurrentRule {
		t.Errorf("lifecycle rules = %v; want the foreign rule kept and metalake's three", ids)
	}
	db, _ := e.clients.Glue.GetDatabase(ctx, &glue.GetDatabaseInput{Name: aws.String("meta_silver")})
	if got := aws.ToString(db.Database.LocationUri); got != "s3://hand-made/lake/silver/" {
		t.Errorf("meta_silver location = %q", got)
	}
	wg, _ := e.clients.Athena.GetWorkGroup(ctx, &athena.GetWorkGroupInput{WorkGroup: aws.String(deploy.Workgroup)})
	if got := aws.ToString(wg.WorkGroup.Configuration.ResultConfiguration.OutputLocation); got != "s3://elsewhere/results/" {
		t.Errorf("a shared workgroup's results moved to %q; setup must report, not overwrite", got)
	}
	for _, s := range steps {
		if s.Action == deploy.Differs && !strings.Contains(s.Detail, "s3://elsewhere/results/") {
			t.Errorf("the differing workgroup step does not say what it found: %q", s.Detail)
		}
	}
}

// TestSetupAtABucketRoot: a lake at the root of its bucket (no prefix) gets its rules and
// locations at the root.
func TestSetupAtABucketRoot(t *testing.T) {
	e := newEnv(t, "s3://rootlake")
	ctx := context.Background()
	if _, err := deploy.Setup(ctx, e.lake, e.clients); err != nil {
		t.Fatal(err)
	}
	lc, err := e.lake.Client().GetBucketLifecycleConfiguration(ctx, &s3.GetBucketLifecycleConfigurationInput{Bucket: aws.String("rootlake")})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range lc.Rules {
		want := ""
		if aws.ToString(r.ID) == deploy.RawTieringRule {
			want = "raw/"
		}
		if r.Filter == nil || aws.ToString(r.Filter.Prefix) != want {
			t.Errorf("rule %s prefix = %v, want %q", aws.ToString(r.ID), r.Filter, want)
		}
	}
	db, err := e.clients.Glue.GetDatabase(ctx, &glue.GetDatabaseInput{Name: aws.String("meta_gold")})
	if err != nil || aws.ToString(db.Database.LocationUri) != "s3://rootlake/gold/" {
		t.Errorf("meta_gold = %v, %v; want location s3://rootlake/gold/", db, err)
	}
	again, err := deploy.Setup(ctx, e.lake, e.clients)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range again {
		if s.Action != deploy.Unchanged {
			t.Errorf("second setup at the root: %s %s", s.Resource, s.Action)
		}
	}
}
