package deploy

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/athena"
	athenatypes "github.com/aws/aws-sdk-go-v2/service/athena/types"
	"github.com/aws/aws-sdk-go-v2/service/glue"
	gluetypes "github.com/aws/aws-sdk-go-v2/service/glue/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"

	"github.com/metalake/metalake/internal/storage"
)

// What a step did.
const (
	Created   = "created"
	Updated   = "updated"
	Unchanged = "unchanged"
	// Differs: the resource exists but is configured otherwise, and setup does not overwrite
	// it (the Athena workgroup, which other teams may share); Detail says how to align it.
	Differs = "differs"
)

// Step is one resource setup looked at and what it did to it.
type Step struct {
	Resource string // e.g. "bucket psi-lake", "glue database meta_bronze"
	Action   string // Created, Updated, Unchanged or Differs
	Detail   string // what it is now, in a few words
}

// Clients reach the services setup manages besides S3 (the lake's own client).
type Clients struct {
	Glue   *glue.Client
	Athena *athena.Client
}

// NewClients builds the Glue and Athena clients from cfg. endpoint overrides both services'
// endpoint (an emulator); "" leaves it to AWS and the SDK's AWS_ENDPOINT_URL[_GLUE|_ATHENA].
func NewClients(cfg aws.Config, endpoint string) Clients {
	c := Clients{
		Glue: glue.NewFromConfig(cfg, func(o *glue.Options) {
			if endpoint != "" {
				o.BaseEndpoint = aws.String(endpoint)
			}
		}),
		Athena: athena.NewFromConfig(cfg, func(o *athena.Options) {
			if endpoint != "" {
				o.BaseEndpoint = aws.String(endpoint)
			}
		}),
	}
	return c
}

// Setup brings the lake's AWS resources in line with SPEC §9, creating what is missing and
// correcting what differs, and returns one Step per resource in a fixed order. Running it
// again changes nothing. It never deletes: lifecycle rules other than metalake's own are kept.
func Setup(ctx context.Context, lake *storage.S3, c Clients) ([]Step, error) {
	s := &setup{lake: lake, s3: lake.Client(), bucket: lake.BucketName(), c: c}
	for _, f := range []func(context.Context) (Step, error){
		s.ensureBucket, s.ensureVersioning, s.ensureEncryption, s.ensureLifecycle,
	} {
		st, err := f(ctx)
		if err != nil {
			return s.steps, err
		}
		s.steps = append(s.steps, st)
	}
	for _, db := range Databases {
		st, err := s.ensureDatabase(ctx, db)
		if err != nil {
			return s.steps, err
		}
		s.steps = append(s.steps, st)
	}
	st, err := s.ensureWorkgroup(ctx)
	if err != nil {
		return s.steps, err
	}
	return append(s.steps, st), nil
}

type setup struct {
	lake   *storage.S3
	s3     *s3.Client
	bucket string
	c      Clients
	steps  []Step
}

// location is the s3:// URI of dir ("" or ending in "/") under the lake prefix.
func (s *setup) location(dir string) string {
	return "s3://" + s.bucket + "/" + s.lake.Prefix() + dir
}

func (s *setup) fail(resource, op string, err error) error {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return fmt.Errorf("setup %s: %s: %s: %s", resource, op, ae.ErrorCode(), ae.ErrorMessage())
	}
	return fmt.Errorf("setup %s: %s: %w", resource, op, err)
}

func (s *setup) ensureBucket(ctx context.Context) (Step, error) {
	res := "bucket " + s.bucket
	created, err := s.lake.EnsureBucket(ctx)
	if err != nil {
		return Step{}, s.fail(res, "create", err)
	}
	st := Step{Resource: res, Action: Unchanged, Detail: "region " + s.lake.Region()}
	if created {
		st.Action = Created
	}
	return st, nil
}

func (s *setup) ensureVersioning(ctx context.Context) (Step, error) {
	res := "versioning of " + s.bucket
	out, err := s.s3.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: &s.bucket})
	if err != nil {
		return Step{}, s.fail(res, "read", err)
	}
	st := Step{Resource: res, Action: Unchanged, Detail: "enabled"}
	if out.Status == s3types.BucketVersioningStatusEnabled {
		return st, nil
	}
	if _, err := s.s3.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: &s.bucket,
		VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatusEnabled}}); err != nil {
		return Step{}, s.fail(res, "enable", err)
	}
	st.Action = Updated
	return st, nil
}

// ensureEncryption sets SSE-S3 (AES256) as the default encryption, unless the bucket already
// encrypts by default with AES256 or a KMS key (never weakened to S3-managed keys).
func (s *setup) ensureEncryption(ctx context.Context) (Step, error) {
	res := "default encryption of " + s.bucket
	out, err := s.s3.GetBucketEncryption(ctx, &s3.GetBucketEncryptionInput{Bucket: &s.bucket})
	if err != nil && !isCode(err, "ServerSideEncryptionConfigurationNotFoundError") {
		return Step{}, s.fail(res, "read", err)
	}
	if err == nil && out.ServerSideEncryptionConfiguration != nil {
		for _, r := range out.ServerSideEncryptionConfiguration.Rules {
			if d := r.ApplyServerSideEncryptionByDefault; d != nil && d.SSEAlgorithm != "" {
				return Step{Resource: res, Action: Unchanged, Detail: string(d.SSEAlgorithm)}, nil
			}
		}
	}
	if _, err := s.s3.PutBucketEncryption(ctx, &s3.PutBucketEncryptionInput{Bucket: &s.bucket,
		ServerSideEncryptionConfiguration: &s3types.ServerSideEncryptionConfiguration{Rules: []s3types.ServerSideEncryptionRule{{
			ApplyServerSideEncryptionByDefault: &s3types.ServerSideEncryptionByDefault{SSEAlgorithm: s3types.ServerSideEncryption(Encryption)},
		}}}}); err != nil {
		return Step{}, s.fail(res, "set", err)
	}
	return Step{Resource: res, Action: Updated, Detail: Encryption}, nil
}

// LifecycleRules are metalake's lifecycle rules for a lake under prefix ("" or ending in "/").
func LifecycleRules(prefix string) []s3types.LifecycleRule {
	return []s3types.LifecycleRule{
		{
			ID: aws.String(RawTieringRule), Status: s3types.ExpirationStatusEnabled,
			Filter: &s3types.LifecycleRuleFilter{Prefix: aws.String(prefix + "raw/")},
			Transitions: []s3types.Transition{
				{Days: aws.Int32(RawToInfrequentAccessDays), StorageClass: s3types.TransitionStorageClassStandardIa},
				{Days: aws.Int32(RawToGlacierDays), StorageClass: s3types.TransitionStorageClassGlacier},
			},
		},
		{
			ID: aws.String(AbortUploadsRule), Status: s3types.ExpirationStatusEnabled,
			Filter:                         &s3types.LifecycleRuleFilter{Prefix: aws.String(prefix)},
			AbortIncompleteMultipartUpload: &s3types.AbortIncompleteMultipartUpload{DaysAfterInitiation: aws.Int32(AbortIncompleteUploadDays)},
		},
		{
			ID: aws.String(NoncurrentRule), Status: s3types.ExpirationStatusEnabled,
			Filter:                      &s3types.LifecycleRuleFilter{Prefix: aws.String(prefix)},
			NoncurrentVersionExpiration: &s3types.NoncurrentVersionExpiration{NoncurrentDays: aws.Int32(NoncurrentVersionDays)},
		},
	}
}

// ensureLifecycle makes metalake's rules (by ID) exactly LifecycleRules, keeping every other
// rule of the bucket: S3 replaces the whole configuration on write, so it is read, merged and
// written back only when metalake's part differs.
func (s *setup) ensureLifecycle(ctx context.Context) (Step, error) {
	res := "lifecycle of " + s.bucket
	want := LifecycleRules(s.lake.Prefix())
	detail := fmt.Sprintf("%sraw/ → Standard-IA %dd → Glacier %dd; abort uploads %dd; noncurrent versions %dd",
		s.lake.Prefix(), RawToInfrequentAccessDays, RawToGlacierDays, AbortIncompleteUploadDays, NoncurrentVersionDays)
	out, err := s.s3.GetBucketLifecycleConfiguration(ctx, &s3.GetBucketLifecycleConfigurationInput{Bucket: &s.bucket})
	if err != nil && !isCode(err, "NoSuchLifecycleConfiguration") {
		return Step{}, s.fail(res, "read", err)
	}
	var have, others []s3types.LifecycleRule
	if err == nil {
		for _, r := range out.Rules {
			if slices.ContainsFunc(want, func(w s3types.LifecycleRule) bool { return aws.ToString(w.ID) == aws.ToString(r.ID) }) {
				have = append(have, r)
			} else {
				others = append(others, r)
			}
		}
	}
	if sameRules(have, want) {
		return Step{Resource: res, Action: Unchanged, Detail: detail}, nil
	}
	if _, err := s.s3.PutBucketLifecycleConfiguration(ctx, &s3.PutBucketLifecycleConfigurationInput{Bucket: &s.bucket,
		LifecycleConfiguration: &s3types.BucketLifecycleConfiguration{Rules: append(others, want...)}}); err != nil {
		return Step{}, s.fail(res, "write", err)
	}
	action := Updated
	if len(have) == 0 {
		action = Created
	}
	return Step{Resource: res, Action: action, Detail: detail}, nil
}

// sameRules compares rule sets by what metalake sets in them, whatever their order.
func sameRules(a, b []s3types.LifecycleRule) bool {
	norm := func(rs []s3types.LifecycleRule) []string {
		out := make([]string, len(rs))
		for i, r := range rs {
			out[i] = ruleText(r)
		}
		slices.Sort(out)
		return out
	}
	return slices.Equal(norm(a), norm(b))
}

func ruleText(r s3types.LifecycleRule) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s|%s|", aws.ToString(r.ID), r.Status)
	if r.Filter != nil {
		b.WriteString(aws.ToString(r.Filter.Prefix))
	} else {
		b.WriteString(aws.ToString(r.Prefix)) //nolint:staticcheck // older configurations carry the rule-level prefix
	}
	for _, t := range r.Transitions {
		fmt.Fprintf(&b, "|t%d:%s", aws.ToInt32(t.Days), t.StorageClass)
	}
	if a := r.AbortIncompleteMultipartUpload; a != nil {
		fmt.Fprintf(&b, "|a%d", aws.ToInt32(a.DaysAfterInitiation))
	}
	if n := r.NoncurrentVersionExpiration; n != nil {
		fmt.Fprintf(&b, "|n%d", aws.ToInt32(n.NoncurrentDays))
	}
	if e := r.Expiration; e != nil {
		fmt.Fprintf(&b, "|e%d", aws.ToInt32(e.Days))
	}
	return b.String()
}

// ensureDatabase creates db with its location and description, or corrects them.
func (s *setup) ensureDatabase(ctx context.Context, db Database) (Step, error) {
	res := "glue database " + db.Name
	loc := s.location(db.Layer + "/")
	input := &gluetypes.DatabaseInput{Name: aws.String(db.Name), Description: aws.String(db.Description), LocationUri: aws.String(loc)}
	out, err := s.c.Glue.GetDatabase(ctx, &glue.GetDatabaseInput{Name: aws.String(db.Name)})
	var nf *gluetypes.EntityNotFoundException
	switch {
	case errors.As(err, &nf):
		_, err := s.c.Glue.CreateDatabase(ctx, &glue.CreateDatabaseInput{DatabaseInput: input})
		var exists *gluetypes.AlreadyExistsException
		if err != nil && !errors.As(err, &exists) {
			return Step{}, s.fail(res, "create", err)
		}
		return Step{Resource: res, Action: Created, Detail: loc}, nil
	case err != nil:
		return Step{}, s.fail(res, "read", err)
	}
	if aws.ToString(out.Database.LocationUri) == loc && aws.ToString(out.Database.Description) == db.Description {
		return Step{Resource: res, Action: Unchanged, Detail: loc}, nil
	}
	if _, err := s.c.Glue.UpdateDatabase(ctx, &glue.UpdateDatabaseInput{Name: aws.String(db.Name), DatabaseInput: input}); err != nil {
		return Step{}, s.fail(res, "update", err)
	}
	return Step{Resource: res, Action: Updated, Detail: loc}, nil
}

// ensureWorkgroup creates the Athena workgroup (results under the lake's ResultsDir, SSE-S3,
// configuration enforced), or checks an existing one.
func (s *setup) ensureWorkgroup(ctx context.Context) (Step, error) {
	res := "athena workgroup " + Workgroup
	results := s.location(ResultsDir)
	out, err := s.c.Athena.GetWorkGroup(ctx, &athena.GetWorkGroupInput{WorkGroup: aws.String(Workgroup)})
	if err != nil && !isCode(err, "InvalidRequestException") && !isCode(err, "ResourceNotFoundException") {
		return Step{}, s.fail(res, "read", err)
	}
	// AWS answers a missing workgroup with InvalidRequestException; some emulators with none.
	if err != nil || out.WorkGroup == nil {
		_, err := s.c.Athena.CreateWorkGroup(ctx, &athena.CreateWorkGroupInput{
			Name:        aws.String(Workgroup),
			Description: aws.String("metalake: Meta Kaggle analytics over meta_bronze, meta_silver, meta_gold"),
			Configuration: &athenatypes.WorkGroupConfiguration{
				EnforceWorkGroupConfiguration: aws.Bool(true),
				ResultConfiguration: &athenatypes.ResultConfiguration{
					OutputLocation:          aws.String(results),
					EncryptionConfiguration: &athenatypes.EncryptionConfiguration{EncryptionOption: athenatypes.EncryptionOptionSseS3},
				},
			},
		})
		if err != nil {
			return Step{}, s.fail(res, "create", err)
		}
		return Step{Resource: res, Action: Created, Detail: "results " + results}, nil
	}
	var have string
	enforced := false
	if cfg := out.WorkGroup.Configuration; cfg != nil {
		enforced = aws.ToBool(cfg.EnforceWorkGroupConfiguration)
		if cfg.ResultConfiguration != nil {
			have = aws.ToString(cfg.ResultConfiguration.OutputLocation)
		}
	}
	if have == results && enforced {
		return Step{Resource: res, Action: Unchanged, Detail: "results " + results}, nil
	}
	// A workgroup is often shared: its configuration is reported, not overwritten.
	return Step{Resource: res, Action: Differs, Detail: fmt.Sprintf("results %s, enforced %t (metalake expects %s, enforced); not changed: "+
		"aws athena update-work-group --work-group %s --configuration-updates 'EnforceWorkGroupConfiguration=true,ResultConfigurationUpdates={OutputLocation=%s}'",
		orNone(have), enforced, results, Workgroup, results)}, nil
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

func isCode(err error, code string) bool {
	var ae smithy.APIError
	return errors.As(err, &ae) && ae.ErrorCode() == code
}
