package notify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	snstypes "github.com/aws/aws-sdk-go-v2/service/sns/types"
	"github.com/aws/smithy-go"

	"github.com/metalake/metalake/internal/awsconf"
)

// SNSConfig publishes the message to an Amazon SNS topic (the plan's alerting): e-mail, SMS,
// SQS or Lambda subscribers get it. Credentials come from the AWS SDK's chain; the region is
// the topic's. AWS_ENDPOINT_URL_SNS / AWS_ENDPOINT_URL point it elsewhere (an emulator).
type SNSConfig struct {
	// TopicARN is the topic, e.g. arn:aws:sns:us-west-1:123456789012:metalake-alerts.
	TopicARN string `yaml:"topic_arn"`
	// Timeout bounds one publish (default 10s).
	Timeout time.Duration `yaml:"timeout"`
}

// DefaultSNSTimeout bounds one publish.
const DefaultSNSTimeout = 10 * time.Second

// snsSubjectMax is SNS's limit on a subject (e-mail subscribers see it as the subject line).
const snsSubjectMax = 100

func (c SNSConfig) validate() error {
	if _, err := snsRegion(c.TopicARN); err != nil {
		return err
	}
	if c.Timeout < 0 {
		return fmt.Errorf("notify.sns.timeout = %s: use a positive duration such as 10s, or leave it out", c.Timeout)
	}
	return nil
}

// snsRegion is the region of a topic ARN (arn:PARTITION:sns:REGION:ACCOUNT:NAME).
func snsRegion(arn string) (string, error) {
	p := strings.Split(arn, ":")
	if len(p) != 6 || p[0] != "arn" || p[2] != "sns" || p[3] == "" || p[4] == "" || p[5] == "" {
		return "", fmt.Errorf("notify.sns.topic_arn = %q: want arn:aws:sns:REGION:ACCOUNT:TOPIC", arn)
	}
	return p[3], nil
}

type snsChannel struct {
	cfg    SNSConfig
	client *sns.Client
}

func newSNS(ctx context.Context, c SNSConfig) (*snsChannel, error) {
	region, _ := snsRegion(c.TopicARN) // checked by Validate
	awsCfg, err := awsconf.Load(ctx, awsconf.Options{Region: region,
		CustomEndpoint: os.Getenv("AWS_ENDPOINT_URL_SNS") != "" || os.Getenv("AWS_ENDPOINT_URL") != ""})
	if err != nil {
		return nil, fmt.Errorf("notify.sns: %w", err)
	}
	if c.Timeout == 0 {
		c.Timeout = DefaultSNSTimeout
	}
	return &snsChannel{cfg: c, client: sns.NewFromConfig(awsCfg)}, nil
}

func (s *snsChannel) String() string { return "sns (" + s.cfg.TopicARN + ")" }

// Notify publishes the body, then the summary as JSON, with the subject (cut to SNS's 100
// characters) and a "status" attribute subscribers can filter on (FAILED or SUCCESS).
func (s *snsChannel) Notify(ctx context.Context, m Message) error {
	text := body(m)
	if m.Summary != nil {
		js, err := json.MarshalIndent(m.Summary, "", "  ")
		if err != nil {
			return fmt.Errorf("encode summary: %w", err)
		}
		text += "\n\n" + string(js)
	}
	subject := m.Subject
	if len(subject) > snsSubjectMax {
		subject = subject[:snsSubjectMax-3] + "..."
	}
	status := "SUCCESS"
	if m.Failed {
		status = "FAILED"
	}
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	_, err := s.client.Publish(ctx, &sns.PublishInput{
		TopicArn: aws.String(s.cfg.TopicARN), Subject: aws.String(subject), Message: aws.String(text),
		MessageAttributes: map[string]snstypes.MessageAttributeValue{
			"status": {DataType: aws.String("String"), StringValue: aws.String(status)},
		},
	})
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return fmt.Errorf("publish: %s: %s", ae.ErrorCode(), ae.ErrorMessage())
	}
	if err != nil {
		return fmt.Errorf("publish: %w", err)
	}
	return nil
}
