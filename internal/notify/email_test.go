package notify_test

import (
	"context"
	"io"
	"mime"
	"mime/quotedprintable"
	"net/mail"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/metalake/metalake/internal/notify"
)

func summary(status string) map[string]any {
	return map[string]any{
		"pipeline":       "metalake",
		"run_date":       "2024-01-15",
		"execution_time": "2024-01-16T02:03:04Z",
		"overall_status": status,
		"layers":         map[string]any{"bronze": map[string]any{"status": status, "total_input": 120, "total_output": 118}},
	}
}

var failedMsg = notify.Message{
	Subject: "metalake 2024-01-15: FAILED — bronze", // non-ASCII on purpose
	Text:    "Run 2024-01-15 failed in bronze_users.",
	Summary: summary("FAILED"),
	Failed:  true,
}

func env(kv ...string) func(string) string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) string { return m[k] }
}

func TestEmailDelivered(t *testing.T) {
	t.Parallel()
	certFile, keyFile := selfSignedCert(t)
	const password = "s3cret-pw"
	tests := []struct {
		name     string
		server   smtpOptions
		email    func(port int) notify.EmailConfig
		wantTLS  bool
		wantAuth bool
	}{
		{
			name:   "plain",
			server: smtpOptions{},
			email: func(port int) notify.EmailConfig {
				return notify.EmailConfig{Host: "127.0.0.1", Port: port, From: "metalake <metalake@example.com>",
					To: []string{"data@example.com", "Ops Team <ops@example.com>"}}
			},
		},
		{
			name:   "starttls and auth",
			server: smtpOptions{certFile: certFile, keyFile: keyFile, user: "robot", password: password},
			email: func(port int) notify.EmailConfig {
				return notify.EmailConfig{Host: "127.0.0.1", Port: port, From: "metalake <metalake@example.com>",
					To: []string{"data@example.com", "Ops Team <ops@example.com>"}, Username: "robot", PasswordEnv: "SMTP_PASSWORD",
					StartTLS: true, CAFile: certFile}
			},
			wantTLS: true, wantAuth: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := startSMTP(t, tt.server)
			sent := time.Date(2024, 1, 16, 2, 5, 0, 0, time.FixedZone("+07", 7*3600))
			n, err := notify.New(notify.Config{On: notify.OnAlways, Email: ptr(tt.email(srv.Port))},
				env("SMTP_PASSWORD", password), nil, notify.WithClock(func() time.Time { return sent }))
			if err != nil {
				t.Fatal(err)
			}
			if err := n.Notify(context.Background(), failedMsg); err != nil {
				t.Fatalf("Notify: %v", err)
			}
			msgs := srv.Messages(t)
			if len(msgs) != 1 {
				t.Fatalf("server got %d messages, want 1", len(msgs))
			}
			d := msgs[0]
			if d.MailFrom != "metalake@example.com" || strings.Join(d.RcptTos, ",") != "data@example.com,ops@example.com" {
				t.Errorf("envelope from %q to %v, want metalake@example.com to [data@example.com ops@example.com]", d.MailFrom, d.RcptTos)
			}
			if d.TLS != tt.wantTLS || d.Authenticated != tt.wantAuth {
				t.Errorf("session tls=%v auth=%v, want tls=%v auth=%v", d.TLS, d.Authenticated, tt.wantTLS, tt.wantAuth)
			}
			checkMessage(t, d.Data, sent)
		})
	}
}

func checkMessage(t *testing.T, raw string, sent time.Time) {
	t.Helper()
	m, err := mail.ReadMessage(strings.NewReader(raw))
	if err != nil {
		t.Fatalf("delivered message does not parse: %v\n%s", err, raw)
	}
	h := m.Header
	subject, err := new(mime.WordDecoder).DecodeHeader(h.Get("Subject"))
	if err != nil || subject != failedMsg.Subject {
		t.Errorf("Subject = %q (%v), want %q", subject, err, failedMsg.Subject)
	}
	if from, err := h.AddressList("From"); err != nil || len(from) != 1 || from[0].Address != "metalake@example.com" || from[0].Name != "metalake" {
		t.Errorf("From = %q (%v), want metalake <metalake@example.com>", h.Get("From"), err)
	}
	if to, err := h.AddressList("To"); err != nil || len(to) != 2 || to[1].Name != "Ops Team" {
		t.Errorf("To = %q (%v), want both recipients with names", h.Get("To"), err)
	}
	if date, err := h.Date(); err != nil || !date.Equal(sent) {
		t.Errorf("Date = %q (%v), want %s", h.Get("Date"), err, sent)
	}
	if id := h.Get("Message-ID"); !regexp.MustCompile(`^<[0-9a-f]+@example\.com>$`).MatchString(id) {
		t.Errorf("Message-ID = %q, want <hex@example.com>", id)
	}
	if v := h.Get("MIME-Version"); v != "1.0" {
		t.Errorf("MIME-Version = %q, want 1.0", v)
	}
	if mt, params, err := mime.ParseMediaType(h.Get("Content-Type")); err != nil || mt != "text/plain" || params["charset"] != "utf-8" {
		t.Errorf("Content-Type = %q, want text/plain; charset=utf-8", h.Get("Content-Type"))
	}
	b, err := io.ReadAll(quotedprintable.NewReader(m.Body))
	if err != nil {
		t.Fatalf("body is not quoted-printable: %v", err)
	}
	body := string(b)
	for _, want := range []string{"Run 2024-01-15 failed in bronze_users.", `"run_date": "2024-01-15"`, `"overall_status": "FAILED"`, "— bronze"} {
		if !strings.Contains(body, want) {
			t.Errorf("body does not contain %q:\n%s", want, body)
		}
	}
}

func TestEmailErrors(t *testing.T) {
	t.Parallel()
	certFile, keyFile := selfSignedCert(t)
	const password, wrong = "right-pw", "wrong-pw-123"
	tests := []struct {
		name   string
		server smtpOptions
		email  func(port int) notify.EmailConfig
		want   string
	}{
		{
			name:   "wrong password",
			server: smtpOptions{certFile: certFile, keyFile: keyFile, user: "robot", password: password},
			email: func(port int) notify.EmailConfig {
				return notify.EmailConfig{Host: "127.0.0.1", Port: port, From: "m@example.com", To: []string{"d@example.com"},
					Username: "robot", PasswordEnv: "SMTP_PASSWORD", StartTLS: true, CAFile: certFile}
			},
			want: "authenticate as robot",
		},
		{
			name:   "starttls not offered",
			server: smtpOptions{},
			email: func(port int) notify.EmailConfig {
				return notify.EmailConfig{Host: "127.0.0.1", Port: port, From: "m@example.com", To: []string{"d@example.com"}, StartTLS: true}
			},
			want: "does not offer STARTTLS",
		},
		{
			name:   "untrusted certificate",
			server: smtpOptions{certFile: certFile, keyFile: keyFile},
			email: func(port int) notify.EmailConfig {
				return notify.EmailConfig{Host: "127.0.0.1", Port: port, From: "m@example.com", To: []string{"d@example.com"}, StartTLS: true}
			},
			want: "certificate",
		},
		{
			name:   "auth required but not configured",
			server: smtpOptions{certFile: certFile, keyFile: keyFile, user: "robot", password: password},
			email: func(port int) notify.EmailConfig {
				return notify.EmailConfig{Host: "127.0.0.1", Port: port, From: "m@example.com", To: []string{"d@example.com"},
					StartTLS: true, CAFile: certFile}
			},
			want: "MAIL FROM",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := startSMTP(t, tt.server)
			n, err := notify.New(notify.Config{On: notify.OnAlways, Email: ptr(tt.email(srv.Port))}, env("SMTP_PASSWORD", wrong), nil)
			if err != nil {
				t.Fatal(err)
			}
			err = n.Notify(context.Background(), failedMsg)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "email (127.0.0.1:") {
				t.Fatalf("Notify = %v, want an email error containing %q", err, tt.want)
			}
			t.Logf("error: %v", err)
			if strings.Contains(err.Error(), wrong) {
				t.Errorf("error reveals the password: %v", err)
			}
			if got := srv.Messages(t); len(got) != 0 {
				t.Errorf("server accepted %d messages, want none", len(got))
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }
