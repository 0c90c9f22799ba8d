package storage

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"

	"github.com/metalake/metalake/internal/awsconf"
)

// S3Config says how to reach an S3-compatible store. Zero values take the AWS SDK's defaults:
// credentials and region from the environment, the shared config files or an instance role,
// and the endpoint from AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL when set.
type S3Config struct {
	Endpoint  string // e.g. http://127.0.0.1:7070 for a local S3 server ("" = AWS or the SDK's environment)
	Region    string // "" = the SDK's; us-east-1 when it has none
	PathStyle bool   // bucket in the path (http://host/bucket/key): what most S3-compatible servers need
	PartSize  int64  // multipart part size; 0 = 16 MiB (S3's minimum is 5 MiB)
	// AccessKey and SecretKey, when both set, are static credentials (tests, local servers);
	// otherwise the SDK's credential chain applies.
	AccessKey, SecretKey string
	// IdleTimeout fails a request whose connection moves no byte either way for this long
	// (0: DefaultIdleTimeout): a stalled connection must fail — and be retried — not hang the
	// run. A slow transfer that progresses is never cut.
	IdleTimeout time.Duration
}

// DefaultIdleTimeout is S3Config.IdleTimeout's default.
const DefaultIdleTimeout = 60 * time.Second

// S3ConfigFromEnv reads METALAKE_S3_ENDPOINT (else AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL),
// METALAKE_S3_REGION (else the SDK's) and METALAKE_S3_PATH_STYLE (true|false; default true when
// an endpoint is set, as S3-compatible servers on a plain host name need it).
func S3ConfigFromEnv() (S3Config, error) {
	c := S3Config{Endpoint: os.Getenv("METALAKE_S3_ENDPOINT"), Region: os.Getenv("METALAKE_S3_REGION")}
	for _, v := range []string{"AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"} {
		if c.Endpoint == "" {
			c.Endpoint = os.Getenv(v)
		}
	}
	c.PathStyle = c.Endpoint != ""
	if v := os.Getenv("METALAKE_S3_IDLE_TIMEOUT"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return S3Config{}, fmt.Errorf("METALAKE_S3_IDLE_TIMEOUT=%q: want a positive duration such as 60s", v)
		}
		c.IdleTimeout = d
	}
	if v := os.Getenv("METALAKE_S3_PATH_STYLE"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return S3Config{}, fmt.Errorf("METALAKE_S3_PATH_STYLE=%q: want true or false", v)
		}
		c.PathStyle = b
	}
	return c, nil
}

// S3 is a Bucket over an S3 bucket and key prefix (s3://bucket/prefix). Keys map one to one to
// object keys under the prefix, so the lake layout on S3 is the local one. Upload is atomic as
// S3 makes it: a single PUT, or a multipart upload that only becomes visible when completed
// (and is aborted on any failure).
type S3 struct {
	client   *s3.Client
	bucket   string
	prefix   string // "" or ending in "/"
	partSize int64
	region   string
}

var (
	_ Bucket  = (*S3)(nil)
	_ Locator = (*S3)(nil)
)

const defaultPartSize = 16 << 20

// NewS3 returns the bucket of uri (s3://bucket[/prefix]) reached with cfg.
func NewS3(ctx context.Context, uri string, cfg S3Config) (*S3, error) {
	bucket, prefix, err := parseS3URI(uri)
	if err != nil {
		return nil, err
	}
	awsCfg, err := LoadAWSConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open lake %q: %w", uri, err)
	}
	idle := cfg.IdleTimeout
	if idle <= 0 {
		idle = DefaultIdleTimeout
	}
	client := s3.NewFromConfig(awsCfg, func(o *s3.Options) {
		o.HTTPClient = idleTimeoutClient(idle)
		if cfg.Endpoint != "" {
			o.BaseEndpoint = aws.String(cfg.Endpoint)
		}
		o.UsePathStyle = cfg.PathStyle
		// Only what S3 requires: other S3-compatible stores differ in the optional checksums.
		o.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenRequired
		o.ResponseChecksumValidation = aws.ResponseChecksumValidationWhenRequired
	})
	part := cfg.PartSize
	if part <= 0 {
		part = defaultPartSize
	}
	if part < 5<<20 {
		return nil, fmt.Errorf("open lake %q: multipart part size %d is below S3's 5 MiB minimum", uri, part)
	}
	return &S3{client: client, bucket: bucket, prefix: prefix, partSize: part, region: awsCfg.Region}, nil
}

// LoadAWSConfig is the AWS SDK configuration of a client reached as cfg says (the lake's S3
// client; Glue and Athena in internal/deploy): awsconf's, with cfg's region, credentials and
// whether cfg names a custom endpoint.
func LoadAWSConfig(ctx context.Context, cfg S3Config) (aws.Config, error) {
	return awsconf.Load(ctx, awsconf.Options{Region: cfg.Region, CustomEndpoint: cfg.Endpoint != "", AccessKey: cfg.AccessKey, SecretKey: cfg.SecretKey})
}

// Client, BucketName, Prefix and Region expose where the lake lives, for the code that manages
// the bucket itself (internal/deploy).
func (b *S3) Client() *s3.Client { return b.client }
func (b *S3) BucketName() string { return b.bucket }
func (b *S3) Prefix() string     { return b.prefix }
func (b *S3) Region() string     { return b.region }

// parseS3URI splits s3://bucket/prefix; the prefix gets a trailing "/" and must be made of
// valid key segments.
func parseS3URI(uri string) (bucket, prefix string, err error) {
	_, rest, ok := splitScheme(uri)
	if !ok || rest == "" {
		return "", "", fmt.Errorf("open lake %q: want s3://bucket[/prefix]", uri)
	}
	bucket, prefix, _ = strings.Cut(rest, "/")
	if bucket == "" {
		return "", "", fmt.Errorf("open lake %q: no bucket name", uri)
	}
	prefix = strings.TrimSuffix(prefix, "/")
	if prefix != "" {
		if err := ValidateKey(prefix); err != nil {
			return "", "", fmt.Errorf("open lake %q: prefix: %w", uri, err)
		}
		prefix += "/"
	}
	return bucket, prefix, nil
}

// EnsureBucket creates the bucket if it does not exist (one the caller already owns is fine)
// and reports whether it did. Outside us-east-1, S3 wants the region named at creation.
func (b *S3) EnsureBucket(ctx context.Context) (created bool, err error) {
	if _, herr := b.client.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: &b.bucket}); herr == nil {
		return false, nil
	}
	in := &s3.CreateBucketInput{Bucket: &b.bucket}
	if b.region != "" && b.region != "us-east-1" {
		in.CreateBucketConfiguration = &types.CreateBucketConfiguration{LocationConstraint: types.BucketLocationConstraint(b.region)}
	}
	_, err = b.client.CreateBucket(ctx, in)
	var owned *types.BucketAlreadyOwnedByYou
	if err == nil {
		return true, nil
	}
	if errors.As(err, &owned) {
		return false, nil
	}
	return false, fmt.Errorf("%s: create bucket: %w", b.Name(), err)
}

// PendingUploads counts the multipart uploads under the prefix that were neither completed
// nor aborted (each keeps storage billed): an Upload never leaves one behind.
func (b *S3) PendingUploads(ctx context.Context) (int, error) {
	out, err := b.client.ListMultipartUploads(ctx, &s3.ListMultipartUploadsInput{Bucket: &b.bucket, Prefix: aws.String(b.prefix)})
	if err != nil {
		return 0, fmt.Errorf("%s: list multipart uploads: %w", b.Name(), err)
	}
	return len(out.Uploads), nil
}

// Name implements Bucket.
func (b *S3) Name() string {
	if b.prefix == "" {
		return "s3://" + b.bucket
	}
	return "s3://" + b.bucket + "/" + strings.TrimSuffix(b.prefix, "/")
}

// Locate implements Locator: s3://bucket/prefix/name (ok false for an invalid key).
func (b *S3) Locate(name string) (string, bool) {
	if ValidateKey(name) != nil {
		return "", false
	}
	return "s3://" + b.bucket + "/" + b.prefix + name, true
}

func (b *S3) key(name string) *string { return aws.String(b.prefix + name) }

// classify wraps a store error: a missing object wraps ErrNotFound; everything else keeps the
// store's own message (a missing bucket or denied access must not read as "no such object").
func (b *S3) classify(op, name string, err error) error {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		switch ae.ErrorCode() {
		case "NoSuchKey", "NotFound":
			return fmt.Errorf("%s: %s %q: %w", b.Name(), op, name, ErrNotFound)
		case "InvalidRange":
			return fmt.Errorf("%s: %s %q: %w", b.Name(), op, name, ErrInvalidRange)
		case "InvalidObjectState":
			return fmt.Errorf("%s: %s %q: %w", b.Name(), op, name, ErrArchived)
		case "NoSuchBucket":
			return fmt.Errorf("%s: %s %q: %w", b.Name(), op, name, storeError{msg: fmt.Sprintf("bucket %q does not exist", b.bucket), err: err})
		}
		// The store's code and message, without the SDK's request ids.
		se := storeError{msg: ae.ErrorCode() + ": " + ae.ErrorMessage(), err: err}
		se.errno, _ = s3Errno(err)
		return fmt.Errorf("%s: %s %q: %w", b.Name(), op, name, se)
	}
	if n, ok := s3Errno(err); ok {
		return fmt.Errorf("%s: %s %q: %w", b.Name(), op, name, storeError{msg: n.Error(), err: err, errno: n})
	}
	var re *awshttp.ResponseError
	if errors.As(err, &re) && re.HTTPStatusCode() == http.StatusNotFound && !isNoSuchBucket(err) {
		return fmt.Errorf("%s: %s %q: %w", b.Name(), op, name, ErrNotFound)
	}
	return fmt.Errorf("%s: %s %q: %w", b.Name(), op, name, err)
}

// storeError is an S3 error told in one short sentence; the SDK's error stays reachable. A
// store that is full is also its errno to errors.Is (see s3Errno).
type storeError struct {
	msg   string
	err   error
	errno syscall.Errno
}

func (e storeError) Error() string { return e.msg }
func (e storeError) Unwrap() error { return e.err }

// Is makes errors.Is(err, syscall.ENOSPC) (EDQUOT) hold for a store that is full.
func (e storeError) Is(target error) bool { return e.errno != 0 && target == e.errno }

func isNoSuchBucket(err error) bool {
	var nb *types.NoSuchBucket
	var ae smithy.APIError
	return errors.As(err, &nb) || (errors.As(err, &ae) && ae.ErrorCode() == "NoSuchBucket")
}

// Get implements BucketReader.
func (b *S3) Get(ctx context.Context, name string) (io.ReadCloser, error) {
	if err := ValidateKey(name); err != nil {
		return nil, err
	}
	out, err := b.client.GetObject(ctx, &s3.GetObjectInput{Bucket: &b.bucket, Key: b.key(name)})
	if err != nil {
		return nil, b.classify("get", name, err)
	}
	return out.Body, nil
}

// GetRange implements BucketReader. The object's size is read first, so the range rules are
// exactly those of every other backend (S3 itself cannot express an empty range).
func (b *S3) GetRange(ctx context.Context, name string, off, length int64) (io.ReadCloser, error) {
	attrs, err := b.Attributes(ctx, name)
	if err != nil {
		return nil, err
	}
	start, end, err := rangeBounds(name, attrs.Size, off, length)
	if err != nil {
		return nil, err
	}
	if start == end {
		return io.NopCloser(bytes.NewReader(nil)), nil
	}
	out, err := b.client.GetObject(ctx, &s3.GetObjectInput{Bucket: &b.bucket, Key: b.key(name),
		Range: aws.String(fmt.Sprintf("bytes=%d-%d", start, end-1))})
	if err != nil {
		return nil, b.classify("get range", name, err)
	}
	return out.Body, nil
}

// Exists implements BucketReader.
func (b *S3) Exists(ctx context.Context, name string) (bool, error) {
	_, err := b.Attributes(ctx, name)
	if IsNotFound(err) {
		return false, nil
	}
	return err == nil, err
}

// Attributes implements BucketReader.
func (b *S3) Attributes(ctx context.Context, name string) (Attributes, error) {
	if err := ValidateKey(name); err != nil {
		return Attributes{}, err
	}
	out, err := b.client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &b.bucket, Key: b.key(name)})
	if err != nil {
		return Attributes{}, b.classify("head", name, err)
	}
	a := Attributes{Name: name, Size: aws.ToInt64(out.ContentLength)}
	if out.LastModified != nil {
		a.LastModified = *out.LastModified
	}
	a.Archived, a.StorageClass = archived(out.StorageClass, aws.ToString(out.Restore))
	return a, nil
}

// archived tells whether an object of storage class sc, with restore status restore (the
// x-amz-restore header), needs a restore before it can be read: Glacier Flexible Retrieval and
// Deep Archive do, unless a restored copy is available (ongoing-request="false"). Glacier
// Instant Retrieval and the other classes read directly.
func archived(sc types.StorageClass, restore string) (bool, string) {
	if sc != types.StorageClassGlacier && sc != types.StorageClassDeepArchive {
		return false, ""
	}
	if strings.Contains(restore, `ongoing-request="false"`) {
		return false, ""
	}
	return true, string(sc)
}

// Iter implements BucketReader. S3 lists keys in ascending UTF-8 byte order across pages; the
// directory entries (common prefixes) of a page are merged into that order.
func (b *S3) Iter(ctx context.Context, dir string, f func(name string) error, opts ...IterOption) error {
	dir, err := normalizeDir(dir)
	if err != nil {
		return err
	}
	in := &s3.ListObjectsV2Input{Bucket: &b.bucket, Prefix: aws.String(b.prefix + dir)}
	if !ApplyIterOptions(opts...).Recursive {
		in.Delimiter = aws.String("/")
	}
	pages := s3.NewListObjectsV2Paginator(b.client, in)
	last := ""
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return b.classify("list", dir, err)
		}
		var names []string
		for _, o := range page.Contents {
			if k := strings.TrimPrefix(aws.ToString(o.Key), b.prefix); !strings.HasSuffix(k, "/") {
				names = append(names, k) // keys ending in "/" are folder markers of other tools
			}
		}
		for _, p := range page.CommonPrefixes {
			names = append(names, strings.TrimPrefix(aws.ToString(p.Prefix), b.prefix))
		}
		slices.Sort(names)
		for _, n := range names {
			if n == last {
				continue // a prefix repeated at a page boundary
			}
			last = n
			if err := ctx.Err(); err != nil {
				return err
			}
			if err := f(n); err != nil {
				return err
			}
		}
	}
	return nil
}

// Upload implements Bucket. Up to one part it is a single PUT of the buffered object; beyond,
// a multipart upload of parts read one at a time (memory: one part), aborted on any error so
// nothing partial is ever visible or left behind.
func (b *S3) Upload(ctx context.Context, name string, r io.Reader) error {
	if err := ValidateKey(name); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	src := ctxReader{ctx: ctx, r: r}
	// Up to one part, in a buffer that grows with the data: most objects (manifests, reports,
	// locks) are a few hundred bytes and must not cost a part-sized allocation each.
	first, err := io.ReadAll(io.LimitReader(src, b.partSize))
	if err != nil {
		return fmt.Errorf("%s: upload %q: %w", b.Name(), name, err)
	}
	if int64(len(first)) < b.partSize {
		_, err := b.client.PutObject(ctx, &s3.PutObjectInput{Bucket: &b.bucket, Key: b.key(name),
			Body: bytes.NewReader(first), ContentLength: aws.Int64(int64(len(first)))})
		if err != nil {
			return b.classify("upload", name, err)
		}
		return nil
	}
	return b.multipart(ctx, name, src, first)
}

func (b *S3) multipart(ctx context.Context, name string, src io.Reader, first []byte) (err error) {
	created, err := b.client.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: &b.bucket, Key: b.key(name)})
	if err != nil {
		return b.classify("upload", name, err)
	}
	defer func() {
		if err != nil {
			// A fresh context: the upload's own may be what was canceled.
			_, _ = b.client.AbortMultipartUpload(context.WithoutCancel(ctx), &s3.AbortMultipartUploadInput{
				Bucket: &b.bucket, Key: b.key(name), UploadId: created.UploadId})
		}
	}()
	var parts []types.CompletedPart
	buf, n := first, len(first)
	for num := int32(1); ; num++ {
		out, err := b.client.UploadPart(ctx, &s3.UploadPartInput{Bucket: &b.bucket, Key: b.key(name),
			UploadId: created.UploadId, PartNumber: aws.Int32(num), Body: bytes.NewReader(buf[:n]), ContentLength: aws.Int64(int64(n))})
		if err != nil {
			return b.classify("upload part", name, err)
		}
		parts = append(parts, types.CompletedPart{ETag: out.ETag, PartNumber: aws.Int32(num)})
		n, err = io.ReadFull(src, buf)
		if err == io.EOF {
			break
		}
		if err != nil && err != io.ErrUnexpectedEOF {
			return fmt.Errorf("%s: upload %q: %w", b.Name(), name, err)
		}
	}
	if _, err := b.client.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: &b.bucket, Key: b.key(name),
		UploadId: created.UploadId, MultipartUpload: &types.CompletedMultipartUpload{Parts: parts}}); err != nil {
		return b.classify("complete upload", name, err)
	}
	return nil
}

// Delete implements Bucket.
func (b *S3) Delete(ctx context.Context, name string) error {
	if err := ValidateKey(name); err != nil {
		return err
	}
	if _, err := b.client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &b.bucket, Key: b.key(name)}); err != nil {
		if err := b.classify("delete", name, err); !IsNotFound(err) {
			return err
		}
	}
	return nil
}

// idleTimeoutClient is the SDK's HTTP client whose connections fail a Read or Write that makes
// no progress for idle. The SDK sets no such limit on S3 (a black-holed connection blocked a
// run, its lock heartbeat and its report writes for good); the deadline moves with every call,
// so only a stall trips it.
func idleTimeoutClient(idle time.Duration) *awshttp.BuildableClient {
	return awshttp.NewBuildableClient().WithTransportOptions(func(tr *http.Transport) {
		dial := tr.DialContext
		if dial == nil {
			dial = (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext
		}
		tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
			c, err := dial(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			return &idleConn{Conn: c, idle: idle}, nil
		}
	})
}

// idleConn sets a fresh deadline before every Read and Write.
type idleConn struct {
	net.Conn
	idle time.Duration
}

func (c *idleConn) Read(b []byte) (int, error) {
	if err := c.Conn.SetReadDeadline(time.Now().Add(c.idle)); err != nil {
		return 0, err
	}
	return c.Conn.Read(b)
}

func (c *idleConn) Write(b []byte) (int, error) {
	if err := c.Conn.SetWriteDeadline(time.Now().Add(c.idle)); err != nil {
		return 0, err
	}
	return c.Conn.Write(b)
}
