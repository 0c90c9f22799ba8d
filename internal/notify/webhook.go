package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

type webhook struct {
	url  string
	name string // safe to show: never the URL when it came from the environment
	cfg  WebhookConfig
	http *http.Client
}

func newWebhook(c WebhookConfig, getenv func(string) string) (*webhook, error) {
	w := &webhook{url: c.URL, cfg: c, http: &http.Client{}}
	if c.Timeout == 0 {
		w.cfg.Timeout = DefaultWebhookTimeout
	}
	if c.URLEnv != "" {
		w.url = getenv(c.URLEnv)
		if w.url == "" {
			return nil, fmt.Errorf("notify.webhook.url_env: environment variable %s is empty or unset: export the webhook URL in it", c.URLEnv)
		}
		if err := checkURL(w.url); err != nil {
			return nil, fmt.Errorf("notify.webhook.url_env: $%s %w", c.URLEnv, err)
		}
		w.name = "webhook ($" + c.URLEnv + ")"
	} else {
		u, _ := url.Parse(c.URL) // checked by Validate
		w.name = "webhook (" + u.Scheme + "://" + u.Host + ")"
	}
	return w, nil
}

func (w *webhook) String() string { return w.name }

// payload is Slack's incoming-webhook message ("text") plus the summary for other consumers.
type payload struct {
	Text    string `json:"text"`
	Summary any    `json:"summary,omitempty"`
}

func (w *webhook) Notify(ctx context.Context, m Message) error {
	data, err := json.Marshal(payload{Text: body(m), Summary: m.Summary})
	if err != nil {
		return fmt.Errorf("encode payload: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, w.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.url, bytes.NewReader(data))
	if err != nil {
		return errors.New("cannot build the request")
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := w.http.Do(req)
	if err != nil {
		return withoutURL(err)
	}
	defer resp.Body.Close()
	snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 200))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		msg := strings.Join(strings.Fields(string(snippet)), " ")
		if msg != "" {
			msg = ": " + msg
		}
		return fmt.Errorf("POST returned status %s%s", resp.Status, msg)
	}
	return nil
}

// withoutURL drops the request URL net/http puts in its errors (it may hold a token), keeping
// the cause.
func withoutURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("POST failed: %w", ue.Err)
	}
	return fmt.Errorf("POST failed: %w", err)
}
