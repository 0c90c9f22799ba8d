package notify_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/metalake/metalake/internal/awstest"
	"github.com/metalake/metalake/internal/notify"
)

// TestSNSPublishesTheSummary: a failed run's message reaches an SQS queue subscribed to the
// topic (through moto's SNS), with the subject, the body, the summary JSON and a status
// attribute; a topic that does not exist is an error naming the channel.
func TestSNSPublishesTheSummary(t *testing.T) {
	srv := awstest.Start(t, "us-west-1")
	for _, kv := range srv.Env() {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	ctx := context.Background()
	cfg, err := config.LoadDefaultConfig(ctx, config.WithRegion("us-west-1"))
	if err != nil {
		t.Fatal(err)
	}
	snsc, sqsc := sns.NewFromConfig(cfg), sqs.NewFromConfig(cfg)
	topic, err := snsc.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String("metalake-alerts")})
	if err != nil {
		t.Fatal(err)
	}
	q, err := sqsc.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("alerts")})
	if err != nil {
		t.Fatal(err)
	}
	qa, err := sqsc.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: q.QueueUrl, AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameQueueArn}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := snsc.Subscribe(ctx, &sns.SubscribeInput{TopicArn: topic.TopicArn, Protocol: aws.String("sqs"), Endpoint: aws.String(qa.Attributes["QueueArn"])}); err != nil {
		t.Fatal(err)
	}

	n, err := notify.New(notify.Config{On: notify.OnFailure, SNS: &notify.SNSConfig{TopicARN: aws.ToString(topic.TopicArn)}}, func(string) string { return "" }, nil)
	if err != nil {
		t.Fatal(err)
	}
	summary := map[string]any{"run_date": "2025-07-01", "overall_status": "FAILED"}
	if err := n.Notify(ctx, notify.Message{Subject: "metalake 2025-07-01: FAILED", Text: "bronze users: rejection rate 0.2 > 0.1", Summary: summary, Failed: true}); err != nil {
		t.Fatal(err)
	}
	if err := n.Notify(ctx, notify.Message{Subject: "metalake 2025-07-02: SUCCESS", Failed: false}); err != nil {
		t.Fatal(err)
	}
	out, err := sqsc.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: q.QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Messages) != 1 {
		t.Fatalf("%d messages in the subscribed queue, want 1 (on: failure sends only the failed run)", len(out.Messages))
	}
	var env struct {
		Subject, Message  string
		MessageAttributes map[string]struct{ Value string }
	}
	if err := json.Unmarshal([]byte(aws.ToString(out.Messages[0].Body)), &env); err != nil {
		t.Fatal(err)
	}
	if env.Subject != "metalake 2025-07-01: FAILED" || !strings.Contains(env.Message, "rejection rate 0.2 > 0.1") ||
		!strings.Contains(env.Message, `"overall_status": "FAILED"`) || env.MessageAttributes["status"].Value != "FAILED" {
		t.Errorf("delivered message: %+v", env)
	}

	missing, err := notify.New(notify.Config{On: notify.OnAlways, SNS: &notify.SNSConfig{TopicARN: "arn:aws:sns:us-west-1:123456789012:nope"}}, func(string) string { return "" }, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = missing.Notify(ctx, notify.Message{Subject: "x", Failed: true})
	if err == nil || !strings.Contains(err.Error(), "sns (arn:aws:sns:us-west-1:123456789012:nope)") {
		t.Errorf("publishing to a missing topic: %v", err)
	}
}

func TestSNSConfigValidation(t *testing.T) {
	for arn, want := range map[string]string{
		"":                                     "want arn:aws:sns:REGION:ACCOUNT:TOPIC",
		"arn:aws:sqs:us-west-1:1:q":            "want arn:aws:sns:REGION:ACCOUNT:TOPIC",
		"arn:aws:sns::123456789012:alerts":     "want arn:aws:sns:REGION:ACCOUNT:TOPIC",
		"arn:aws:sns:us-west-1:123456789012:a": "",
	} {
		err := notify.Config{SNS: &notify.SNSConfig{TopicARN: arn}}.Validate()
		if (want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), want)) {
			t.Errorf("Validate(%q) = %v; want %q", arn, err, want)
		}
	}
}
