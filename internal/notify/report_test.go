package notify_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/metalake/metalake/internal/notify"
)

const reportURL = "http://127.0.0.1:8080/report/%s"

// TestEmailAttachesReport: with WithReport, the e-mail is multipart/mixed: the text (with the
// report's link) and the HTML report of the summary's run date as an attachment, byte for byte.
func TestEmailAttachesReport(t *testing.T) {
	t.Parallel()
	srv := startSMTP(t, smtpOptions{})
	html := []byte("<!DOCTYPE html><html><body>report of 2024-01-15 — ünïcode " + strings.Repeat("x", 200) + "</body></html>")
	var mu sync.Mutex
	var asked []string
	render := func(ctx context.Context, date string) ([]byte, error) {
		mu.Lock()
		defer mu.Unlock()
		asked = append(asked, date)
		return html, nil
	}
	n, err := notify.New(notify.Config{On: notify.OnFailure, Email: ptr(notify.EmailConfig{Host: "127.0.0.1", Port: srv.Port,
		From: "metalake@example.com", To: []string{"data@example.com"}})}, env(), nil,
		notify.WithReport(render, reportURL), notify.WithClock(func() time.Time { return time.Unix(1705370700, 0) }))
	if err != nil {
		t.Fatal(err)
	}
	if err := n.Notify(context.Background(), failedMsg); err != nil {
		t.Fatalf("Notify: %v", err)
	}
	if strings.Join(asked, ",") != "2024-01-15" {
		t.Errorf("report rendered for %v, want once for 2024-01-15 (the summary's run_date)", asked)
	}
	msgs := srv.Messages(t)
	if len(msgs) != 1 {
		t.Fatalf("server got %d messages, want 1", len(msgs))
	}
	m, err := mail.ReadMessage(strings.NewReader(msgs[0].Data))
	if err != nil {
		t.Fatalf("message does not parse: %v", err)
	}
	mt, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/mixed" {
		t.Fatalf("Content-Type = %q, want multipart/mixed", m.Header.Get("Content-Type"))
	}
	mr := multipart.NewReader(m.Body, params["boundary"])
	text, err := mr.NextPart()
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(quotedprintable.NewReader(text))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Run 2024-01-15 failed in bronze_users.", "Report: http://127.0.0.1:8080/report/2024-01-15", `"overall_status": "FAILED"`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("text part does not contain %q:\n%s", want, b)
		}
	}
	att, err := mr.NextPart()
	if err != nil {
		t.Fatalf("no attachment part: %v", err)
	}
	if att.FileName() != "metalake-report-2024-01-15.html" {
		t.Errorf("attachment file name %q, want metalake-report-2024-01-15.html", att.FileName())
	}
	if ct, _, _ := mime.ParseMediaType(att.Header.Get("Content-Type")); ct != "text/html" {
		t.Errorf("attachment Content-Type %q, want text/html", att.Header.Get("Content-Type"))
	}
	enc, _ := io.ReadAll(att)
	got, err := base64.StdEncoding.DecodeString(strings.NewReplacer("\r", "", "\n", "").Replace(string(enc)))
	if err != nil || string(got) != string(html) {
		t.Errorf("attachment decodes to %q (%v), want the report", got, err)
	}
	if _, err := mr.NextPart(); !errors.Is(err, io.EOF) {
		t.Errorf("more parts than text and report: %v", err)
	}
}

// TestReportLinkAndRenderFailure: every channel's text carries the link; a report that cannot
// be rendered does not hold the message back, and the text says so. A message that is only
// logged never renders the report.
func TestReportLinkAndRenderFailure(t *testing.T) {
	t.Parallel()
	h := newHook(t, 200, "ok")
	calls := 0
	render := func(ctx context.Context, date string) ([]byte, error) {
		calls++
		return nil, errors.New("gold.dim_user: disk full")
	}
	n, err := notify.New(notify.Config{On: notify.OnFailure, Webhook: &notify.WebhookConfig{URL: h.URL}}, env(), nil,
		notify.WithReport(render, reportURL))
	if err != nil {
		t.Fatal(err)
	}
	ok := failedMsg
	ok.Failed = false
	if err := n.Notify(context.Background(), ok); err != nil {
		t.Fatal(err)
	}
	if calls != 0 {
		t.Errorf("a message that is not sent rendered the report %d times", calls)
	}
	if err := n.Notify(context.Background(), failedMsg); err != nil {
		t.Fatalf("Notify: %v", err)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.bodies) != 1 {
		t.Fatalf("webhook got %d posts, want 1", len(h.bodies))
	}
	var p struct{ Text string }
	if err := json.Unmarshal(h.bodies[0], &p); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Report: http://127.0.0.1:8080/report/2024-01-15", "could not be attached: gold.dim_user: disk full"} {
		if !strings.Contains(p.Text, want) {
			t.Errorf("webhook text does not contain %q:\n%s", want, p.Text)
		}
	}
}

func TestWithReportRejectsBadPattern(t *testing.T) {
	t.Parallel()
	if _, err := notify.New(notify.Config{}, env(), nil, notify.WithReport(nil, "http://x/report")); err == nil {
		t.Errorf("a report URL without a %%s for the date was accepted")
	}
}
