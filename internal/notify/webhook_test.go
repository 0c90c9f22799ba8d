package notify_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/metalake/metalake/internal/notify"
)

// hook is a webhook endpoint on 127.0.0.1 that records what it receives.
type hook struct {
	*httptest.Server
	mu     sync.Mutex
	bodies [][]byte
	ctypes []string
	meths  []string
}

func newHook(t *testing.T, status int, reply string) *hook {
	t.Helper()
	h := &hook{}
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		h.mu.Lock()
		h.bodies = append(h.bodies, b)
		h.ctypes = append(h.ctypes, r.Header.Get("Content-Type"))
		h.meths = append(h.meths, r.Method)
		h.mu.Unlock()
		w.WriteHeader(status)
		_, _ = io.WriteString(w, reply)
	}))
	t.Cleanup(h.Close)
	return h
}

func (h *hook) posts() int { h.mu.Lock(); defer h.mu.Unlock(); return len(h.bodies) }

func TestWebhookPayload(t *testing.T) {
	t.Parallel()
	h := newHook(t, http.StatusOK, "ok")
	n, err := notify.New(notify.Config{On: notify.OnAlways, Webhook: &notify.WebhookConfig{URLEnv: "HOOK"}}, env("HOOK", h.URL+"/services/T0/B0/secret"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := n.Notify(context.Background(), failedMsg); err != nil {
		t.Fatalf("Notify: %v", err)
	}
	if h.posts() != 1 || h.meths[0] != http.MethodPost || h.ctypes[0] != "application/json" {
		t.Fatalf("got %d requests (%v, %v), want one JSON POST", h.posts(), h.meths, h.ctypes)
	}
	var p struct {
		Text    string         `json:"text"`
		Summary map[string]any `json:"summary"`
	}
	if err := json.Unmarshal(h.bodies[0], &p); err != nil {
		t.Fatalf("payload is not JSON: %v: %s", err, h.bodies[0])
	}
	if p.Text != failedMsg.Subject+"\n"+failedMsg.Text {
		t.Errorf("text = %q, want subject and text", p.Text)
	}
	if p.Summary["run_date"] != "2024-01-15" || p.Summary["overall_status"] != "FAILED" {
		t.Errorf("summary = %v, want the pipeline summary of 2024-01-15", p.Summary)
	}
}

func TestWebhookErrors(t *testing.T) {
	t.Parallel()
	const secret = "T0SECRET/B0SECRET/xyzSECRET"
	failing := newHook(t, http.StatusInternalServerError, "invalid_token\n")
	missing := newHook(t, http.StatusNotFound, "")
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	block := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-block:
		}
	}))
	t.Cleanup(func() { close(block); slow.Close() })

	tests := []struct {
		name    string
		cfg     notify.WebhookConfig
		getenv  func(string) string
		want    []string
		notWant []string
	}{
		{
			name:    "non-2xx from a secret URL names the status, not the URL",
			cfg:     notify.WebhookConfig{URLEnv: "HOOK"},
			getenv:  env("HOOK", failing.URL+"/"+secret),
			want:    []string{"webhook ($HOOK)", "500 Internal Server Error", "invalid_token"},
			notWant: []string{secret, failing.URL},
		},
		{
			name:    "unreachable secret URL",
			cfg:     notify.WebhookConfig{URLEnv: "HOOK"},
			getenv:  env("HOOK", closed.URL+"/"+secret),
			want:    []string{"webhook ($HOOK)", "POST failed"},
			notWant: []string{secret},
		},
		{
			name:    "timeout",
			cfg:     notify.WebhookConfig{URLEnv: "HOOK", Timeout: 50 * time.Millisecond},
			getenv:  env("HOOK", slow.URL+"/"+secret),
			want:    []string{"deadline exceeded"},
			notWant: []string{secret},
		},
		{
			name:    "non-2xx from a literal URL names its host only",
			cfg:     notify.WebhookConfig{URL: missing.URL + "/hooks/" + secret},
			getenv:  env(),
			want:    []string{"webhook (" + missing.URL + ")", "404 Not Found"},
			notWant: []string{secret},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			n, err := notify.New(notify.Config{On: notify.OnFailure, Webhook: &tt.cfg}, tt.getenv, nil)
			if err != nil {
				t.Fatal(err)
			}
			err = n.Notify(context.Background(), failedMsg)
			if err == nil {
				t.Fatal("Notify = nil, want an error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			for _, w := range tt.notWant {
				if strings.Contains(err.Error(), w) {
					t.Errorf("error %q reveals %q", err, w)
				}
			}
		})
	}
}
