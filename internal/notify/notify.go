package notify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// Message is one notification.
type Message struct {
	// Subject is one line, e.g. "metalake 2024-01-15: FAILED".
	Subject string
	// Text is the human-readable body.
	Text string
	// Summary is the pipeline_summary JSON object (any value encoding/json accepts).
	Summary any
	// Failed says whether the run failed; Config.On decides from it who is told.
	Failed bool
}

// Notifier delivers a message.
type Notifier interface {
	Notify(ctx context.Context, m Message) error
}

// Option changes how New builds the notifier.
type Option func(*options) error

type options struct {
	now func() time.Time
}

// WithClock sets the clock of the email Date header (default time.Now).
func WithClock(now func() time.Time) Option {
	return func(o *options) error {
		if now == nil {
			return errors.New("notify: WithClock(nil)")
		}
		o.now = now
		return nil
	}
}

// New validates c, reads the secrets it names through getenv, and returns a notifier that logs
// every message to log and sends it to the configured channels when c.Wants it. Sending goes on
// to every channel when one fails; the error joins the failures, each naming its channel.
func New(c Config, getenv func(string) string, log *slog.Logger, opts ...Option) (Notifier, error) {
	o := options{now: time.Now}
	for _, opt := range opts {
		if err := opt(&o); err != nil {
			return nil, err
		}
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	f := &fanOut{cfg: c, log: log}
	if c.Webhook != nil {
		w, err := newWebhook(*c.Webhook, getenv)
		if err != nil {
			return nil, err
		}
		f.channels = append(f.channels, w)
	}
	if c.Email != nil {
		e, err := newEmail(*c.Email, getenv, o.now)
		if err != nil {
			return nil, err
		}
		f.channels = append(f.channels, e)
	}
	if c.SNS != nil {
		s, err := newSNS(context.Background(), *c.SNS)
		if err != nil {
			return nil, err
		}
		f.channels = append(f.channels, s)
	}
	return f, nil
}

// channel is a Notifier that can name itself in messages without revealing secrets.
type channel interface {
	Notifier
	String() string
}

type fanOut struct {
	cfg      Config
	log      *slog.Logger
	channels []channel
}

func (f *fanOut) Notify(ctx context.Context, m Message) error {
	_ = NewLog(f.log).Notify(ctx, m)
	if !f.cfg.Wants(m.Failed) {
		return nil
	}
	var errs []error
	for _, ch := range f.channels {
		if err := ch.Notify(ctx, m); err != nil {
			errs = append(errs, fmt.Errorf("notify %s: %w", ch, err))
			continue
		}
		f.log.Info("notification sent", "channel", ch.String(), "subject", m.Subject)
	}
	return errors.Join(errs...)
}

// Log is the notifier that writes the message to a logger: at error level for a failed run.
type Log struct {
	log *slog.Logger
}

// NewLog returns a Log notifier.
func NewLog(log *slog.Logger) *Log { return &Log{log: log} }

// Notify implements Notifier. It never fails.
func (l *Log) Notify(ctx context.Context, m Message) error {
	level := slog.LevelInfo
	if m.Failed {
		level = slog.LevelError
	}
	l.log.Log(ctx, level, "notification", "subject", m.Subject, "failed", m.Failed, "text", m.Text, "summary", m.Summary)
	return nil
}

// body is the text both channels send: the subject's details, then the summary.
func body(m Message) string {
	if m.Text != "" {
		return m.Subject + "\n" + m.Text
	}
	return m.Subject
}
