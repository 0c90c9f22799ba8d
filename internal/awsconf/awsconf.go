// Package awsconf is the one place that builds the AWS SDK configuration of metalake's AWS
// clients (S3 lakes, Glue and Athena in setup, SNS notifications), so they share one policy:
// region, optional static credentials, and no EC2 metadata calls off AWS.
package awsconf

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/feature/ec2/imds"
)

// Options say how to build the configuration.
type Options struct {
	// Region; "" = the SDK's, else us-east-1.
	Region string
	// CustomEndpoint: the client talks to an S3-compatible server, an emulator or a private
	// endpoint, which has no EC2 instance role: the metadata service is never asked.
	CustomEndpoint bool
	// AccessKey and SecretKey, when both set, are static credentials; else the SDK's chain.
	AccessKey, SecretKey string
}

// Load returns the configuration. Service endpoints follow the SDK's own
// AWS_ENDPOINT_URL[_SERVICE] variables unless a client overrides them.
func Load(ctx context.Context, o Options) (aws.Config, error) {
	var opts []func(*config.LoadOptions) error
	if o.Region != "" {
		opts = append(opts, config.WithRegion(o.Region))
	}
	if o.CustomEndpoint {
		opts = append(opts, config.WithEC2IMDSClientEnableState(imds.ClientDisabled))
	}
	if o.AccessKey != "" && o.SecretKey != "" {
		opts = append(opts, config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider(o.AccessKey, o.SecretKey, "")))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return aws.Config{}, fmt.Errorf("AWS configuration: %w", err)
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	return cfg, nil
}
