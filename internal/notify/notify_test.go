package notify_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/metalake/metalake/internal/notify"
)

func TestWants(t *testing.T) {
	t.Parallel()
	tests := []struct {
		on                    string
		onFailed, onSucceeded bool
	}{
		{"", true, false},
		{notify.OnFailure, true, false},
		{notify.OnSuccess, false, true},
		{notify.OnAlways, true, true},
		{notify.OnNever, false, false},
	}
	for _, tt := range tests {
		c := notify.Config{On: tt.on}
		if got := c.Wants(true); got != tt.onFailed {
			t.Errorf("on %q: Wants(failed) = %v, want %v", tt.on, got, tt.onFailed)
		}
		if got := c.Wants(false); got != tt.onSucceeded {
			t.Errorf("on %q: Wants(succeeded) = %v, want %v", tt.on, got, tt.onSucceeded)
		}
	}
}

// TestOnPolicy checks New's fan-out respects On, and that the log hears of every run.
func TestOnPolicy(t *testing.T) {
	t.Parallel()
	tests := []struct {
		on        string
		failed    bool
		wantPosts int
	}{
		{"", true, 1},
		{"", false, 0},
		{notify.OnFailure, false, 0},
		{notify.OnSuccess, false, 1},
		{notify.OnSuccess, true, 0},
		{notify.OnAlways, false, 1},
		{notify.OnAlways, true, 1},
		{notify.OnNever, true, 0},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("on=%q/failed=%v", tt.on, tt.failed), func(t *testing.T) {
			t.Parallel()
			h := newHook(t, http.StatusOK, "ok")
			var logs bytes.Buffer
			log := slog.New(slog.NewJSONHandler(&logs, nil))
			n, err := notify.New(notify.Config{On: tt.on, Webhook: &notify.WebhookConfig{URL: h.URL}}, env(), log)
			if err != nil {
				t.Fatal(err)
			}
			m := failedMsg
			m.Failed = tt.failed
			if err := n.Notify(context.Background(), m); err != nil {
				t.Fatal(err)
			}
			if h.posts() != tt.wantPosts {
				t.Errorf("on %q, failed=%v: %d webhook posts, want %d", tt.on, tt.failed, h.posts(), tt.wantPosts)
			}
			if !strings.Contains(logs.String(), `"msg":"notification"`) {
				t.Errorf("the log did not get the message:\n%s", logs.String())
			}
		})
	}
}

func TestLog(t *testing.T) {
	t.Parallel()
	for _, failed := range []bool{true, false} {
		var buf bytes.Buffer
		m := failedMsg
		m.Failed = failed
		if err := notify.NewLog(slog.New(slog.NewJSONHandler(&buf, nil))).Notify(context.Background(), m); err != nil {
			t.Fatal(err)
		}
		var rec struct {
			Level   string         `json:"level"`
			Msg     string         `json:"msg"`
			Subject string         `json:"subject"`
			Failed  bool           `json:"failed"`
			Summary map[string]any `json:"summary"`
		}
		if err := json.Unmarshal(buf.Bytes(), &rec); err != nil {
			t.Fatalf("log line %q: %v", buf.String(), err)
		}
		wantLevel := map[bool]string{true: "ERROR", false: "INFO"}[failed]
		if rec.Level != wantLevel || rec.Subject != m.Subject || rec.Failed != failed || rec.Summary["run_date"] != "2024-01-15" {
			t.Errorf("failed=%v: logged %+v, want level %s with subject and summary", failed, rec, wantLevel)
		}
	}
}

func TestSecretsStayOutOfLogs(t *testing.T) {
	t.Parallel()
	const secret = "XOXB-SECRET-TOKEN"
	h := newHook(t, http.StatusOK, "ok")
	var logs bytes.Buffer
	n, err := notify.New(notify.Config{On: notify.OnAlways, Webhook: &notify.WebhookConfig{URLEnv: "HOOK"}},
		env("HOOK", h.URL+"/"+secret), slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	if err != nil {
		t.Fatal(err)
	}
	if err := n.Notify(context.Background(), failedMsg); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs.String(), "notification sent") {
		t.Errorf("no delivery log line:\n%s", logs.String())
	}
	if strings.Contains(logs.String(), secret) || strings.Contains(logs.String(), h.URL) {
		t.Errorf("logs reveal the webhook URL:\n%s", logs.String())
	}
}

func TestFanOutReportsEveryFailingChannel(t *testing.T) {
	t.Parallel()
	bad := newHook(t, http.StatusBadGateway, "")
	n, err := notify.New(notify.Config{
		On:      notify.OnAlways,
		Webhook: &notify.WebhookConfig{URL: bad.URL},
		// Nothing listens on port 1 of 127.0.0.1.
		Email: &notify.EmailConfig{Host: "127.0.0.1", Port: 1, From: "m@example.com", To: []string{"d@example.com"}},
	}, env(), nil)
	if err != nil {
		t.Fatal(err)
	}
	err = n.Notify(context.Background(), failedMsg)
	if err == nil || !strings.Contains(err.Error(), "502") || !strings.Contains(err.Error(), "email (127.0.0.1:1)") {
		t.Fatalf("Notify = %v, want both the webhook's 502 and the email failure", err)
	}
}

func TestValidate(t *testing.T) {
	t.Parallel()
	email := func(f func(*notify.EmailConfig)) *notify.EmailConfig {
		e := notify.EmailConfig{Host: "smtp.example.com", From: "metalake <m@example.com>", To: []string{"d@example.com"}}
		f(&e)
		return &e
	}
	tests := []struct {
		name string
		cfg  notify.Config
		want []string // substrings; nil means valid
	}{
		{"zero value", notify.Config{}, nil},
		{"webhook from env", notify.Config{On: "always", Webhook: &notify.WebhookConfig{URLEnv: "SLACK_URL"}}, nil},
		{"email with auth", notify.Config{Email: email(func(e *notify.EmailConfig) {
			e.Username, e.PasswordEnv, e.StartTLS = "robot", "SMTP_PASSWORD", true
		})}, nil},
		{"auth to localhost without tls", notify.Config{Email: email(func(e *notify.EmailConfig) {
			e.Host, e.Username, e.PasswordEnv = "localhost", "robot", "SMTP_PASSWORD"
		})}, nil},
		{"unknown on", notify.Config{On: "sometimes"}, []string{`notify.on = "sometimes"`, "failure", "never"}},
		{"webhook without url", notify.Config{Webhook: &notify.WebhookConfig{}}, []string{"notify.webhook", "url_env"}},
		{"webhook with both", notify.Config{Webhook: &notify.WebhookConfig{URL: "https://h/x", URLEnv: "X"}}, []string{"both url and url_env", "remove url"}},
		{"webhook bad url", notify.Config{Webhook: &notify.WebhookConfig{URL: "ftp://h/TOKEN"}}, []string{"notify.webhook.url", "http(s)"}},
		{"webhook negative timeout", notify.Config{Webhook: &notify.WebhookConfig{URLEnv: "X", Timeout: -1}}, []string{"notify.webhook.timeout"}},
		{"email no host", notify.Config{Email: email(func(e *notify.EmailConfig) { e.Host = "" })}, []string{"notify.email.host", "smtp.example.com"}},
		{"email bad port", notify.Config{Email: email(func(e *notify.EmailConfig) { e.Port = 70000 })}, []string{"notify.email.port = 70000", "587"}},
		{"email no from", notify.Config{Email: email(func(e *notify.EmailConfig) { e.From = "" })}, []string{"notify.email.from", "example.com"}},
		{"email bad from", notify.Config{Email: email(func(e *notify.EmailConfig) { e.From = "metalake" })}, []string{`notify.email.from = "metalake"`}},
		{"email no to", notify.Config{Email: email(func(e *notify.EmailConfig) { e.To = nil })}, []string{"notify.email.to is empty"}},
		{"email bad to", notify.Config{Email: email(func(e *notify.EmailConfig) { e.To = []string{"a@example.com", "nope"} })}, []string{`notify.email.to[1] = "nope"`}},
		{"username without password_env", notify.Config{Email: email(func(e *notify.EmailConfig) { e.Username, e.StartTLS = "robot", true })}, []string{"notify.email.password_env", "robot"}},
		{"password_env without username", notify.Config{Email: email(func(e *notify.EmailConfig) { e.PasswordEnv = "P" })}, []string{"notify.email.username"}},
		{"auth without tls", notify.Config{Email: email(func(e *notify.EmailConfig) { e.Username, e.PasswordEnv = "robot", "P" })}, []string{"notify.email.starttls", "starttls: true"}},
		{"ca_file without starttls", notify.Config{Email: email(func(e *notify.EmailConfig) { e.CAFile = "ca.pem" })}, []string{"notify.email.ca_file", "starttls: true"}},
		{"email negative timeout", notify.Config{Email: email(func(e *notify.EmailConfig) { e.Timeout = -1 })}, []string{"notify.email.timeout"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := tt.cfg.Validate()
			if tt.want == nil {
				if err != nil {
					t.Fatalf("Validate = %v, want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Validate = nil, want an error mentioning %q", tt.want)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Validate error %q does not mention %q", err, w)
				}
			}
			if strings.Contains(err.Error(), "TOKEN") {
				t.Errorf("Validate error %q echoes the URL", err)
			}
			if _, nerr := notify.New(tt.cfg, env(), nil); nerr == nil || nerr.Error() != err.Error() {
				t.Errorf("New = %v, want the Validate error", nerr)
			}
		})
	}
}

func TestNewReadsSecretsFromEnv(t *testing.T) {
	t.Parallel()
	emailCfg := &notify.EmailConfig{Host: "smtp.example.com", From: "m@example.com", To: []string{"d@example.com"},
		Username: "robot", PasswordEnv: "SMTP_PASSWORD", StartTLS: true}
	tests := []struct {
		name    string
		cfg     notify.Config
		getenv  func(string) string
		want    string
		notWant string
	}{
		{"webhook env unset", notify.Config{Webhook: &notify.WebhookConfig{URLEnv: "SLACK_URL"}}, env(),
			"notify.webhook.url_env: environment variable SLACK_URL is empty or unset", ""},
		{"webhook env not a URL", notify.Config{Webhook: &notify.WebhookConfig{URLEnv: "SLACK_URL"}}, env("SLACK_URL", "hooks.slack.com/TOKEN"),
			"$SLACK_URL is not an http(s) URL", "TOKEN"},
		{"password env unset", notify.Config{Email: emailCfg}, env(),
			"notify.email.password_env: environment variable SMTP_PASSWORD is empty or unset", ""},
		{"ca file missing", notify.Config{Email: &notify.EmailConfig{Host: "h", From: "m@example.com", To: []string{"d@example.com"},
			StartTLS: true, CAFile: "/nonexistent/ca.pem"}}, env(), "notify.email.ca_file", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := notify.New(tt.cfg, tt.getenv, nil)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("New = %v, want an error containing %q", err, tt.want)
			}
			if tt.notWant != "" && strings.Contains(err.Error(), tt.notWant) {
				t.Errorf("error %q reveals the secret", err)
			}
		})
	}
	if _, err := notify.New(notify.Config{}, env(), nil, notify.WithClock(nil)); err == nil {
		t.Error("WithClock(nil) accepted")
	}
}

// TestYAML pins the keys metalake.yaml uses (decoded strictly, as internal/config does).
func TestYAML(t *testing.T) {
	t.Parallel()
	const doc = `
on: always
webhook:
  url_env: SLACK_WEBHOOK_URL
  timeout: 5s
email:
  host: smtp.example.com
  port: 587
  from: metalake <metalake@example.com>
  to: [data@example.com]
  username: robot
  password_env: SMTP_PASSWORD
  starttls: true
  ca_file: /etc/ssl/relay.pem
  timeout: 1m
`
	dec := yaml.NewDecoder(strings.NewReader(doc))
	dec.KnownFields(true)
	var c notify.Config
	if err := dec.Decode(&c); err != nil {
		t.Fatal(err)
	}
	if c.On != "always" || c.Webhook == nil || c.Webhook.URLEnv != "SLACK_WEBHOOK_URL" || c.Webhook.Timeout.String() != "5s" {
		t.Errorf("decoded %+v / %+v", c, c.Webhook)
	}
	e := c.Email
	if e == nil || e.Host != "smtp.example.com" || e.Port != 587 || e.To[0] != "data@example.com" || e.PasswordEnv != "SMTP_PASSWORD" ||
		!e.StartTLS || e.CAFile != "/etc/ssl/relay.pem" || e.Timeout.String() != "1m0s" {
		t.Errorf("decoded email %+v", e)
	}
	if err := c.Validate(); err != nil {
		t.Errorf("Validate: %v", err)
	}
	var unknown notify.Config
	dec = yaml.NewDecoder(strings.NewReader("on: failure\nslack: x\n"))
	dec.KnownFields(true)
	if err := dec.Decode(&unknown); err == nil || !strings.Contains(err.Error(), "slack") {
		t.Errorf("unknown key decoded without error: %v", err)
	}
}
