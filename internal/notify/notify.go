package notify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
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
	// RunDate is the run date the message is about (YYYY-MM-DD); when empty, the summary's
	// run_date. WithReport uses it.
	RunDate string
	// Attachments are files the e-mail carries (WithReport adds the HTML report); other
	// channels cannot carry files.
	Attachments []Attachment
}

// Attachment is one file of an e-mail.
type Attachment struct {
	Name        string // file name, e.g. metalake-2024-01-15.html
	ContentType string // e.g. text/html; charset=utf-8
	Data        []byte
}

// Notifier delivers a message.
type Notifier interface {
	Notify(ctx context.Context, m Message) error
}

// Option changes how New builds the notifier.
type Option func(*options) error

type options struct {
	now       func() time.Time
	report    ReportFunc
	reportURL string
}

// ReportFunc renders the self-contained HTML report of a run date (metalake report --out).
type ReportFunc func(ctx context.Context, runDate string) ([]byte, error)

// WithReport adds the run's HTML report to the messages that are sent (not to those only
// logged): render, when set, makes the report, attached to e-mails as
// metalake-report-{date}.html; urlPattern, when set, is a fmt pattern of its address (serve's
// "http://host:8080/report/%s"), linked in the text every channel sends. A report that fails
// to render does not hold the message back: the text says why it is missing.
func WithReport(render ReportFunc, urlPattern string) Option {
	return func(o *options) error {
		if urlPattern != "" && strings.Count(urlPattern, "%s") != 1 {
			return fmt.Errorf("notify: report URL %q: want exactly one %%s for the run date", urlPattern)
		}
		o.report, o.reportURL = render, urlPattern
		return nil
	}
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
	f := &fanOut{cfg: c, log: log, report: o.report, reportURL: o.reportURL}
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
	cfg       Config
	log       *slog.Logger
	channels  []channel
	report    ReportFunc
	reportURL string
}

func (f *fanOut) Notify(ctx context.Context, m Message) error {
	_ = NewLog(f.log).Notify(ctx, m)
	if !f.cfg.Wants(m.Failed) || len(f.channels) == 0 {
		return nil
	}
	m = f.withReport(ctx, m)
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

// withReport links and attaches the run's report (WithReport) to a message about to be sent.
func (f *fanOut) withReport(ctx context.Context, m Message) Message {
	date := m.runDate()
	if date == "" || (f.report == nil && f.reportURL == "") {
		return m
	}
	if f.reportURL != "" {
		m.Text = strings.TrimSpace(m.Text + "\nReport: " + fmt.Sprintf(f.reportURL, date))
	}
	if f.report == nil {
		return m
	}
	html, err := f.report(ctx, date)
	if err != nil {
		f.log.Warn("report not attached", "run_date", date, "err", err)
		m.Text = strings.TrimSpace(m.Text + "\n(The HTML report could not be attached: " + err.Error() + ")")
		return m
	}
	m.Attachments = append(append([]Attachment(nil), m.Attachments...),
		Attachment{Name: "metalake-report-" + date + ".html", ContentType: "text/html; charset=utf-8", Data: html})
	return m
}

// runDate is RunDate, else the summary's run_date.
func (m Message) runDate() string {
	if m.RunDate != "" || m.Summary == nil {
		return m.RunDate
	}
	b, err := json.Marshal(m.Summary)
	if err != nil {
		return ""
	}
	var s struct {
		RunDate string `json:"run_date"`
	}
	_ = json.Unmarshal(b, &s)
	return s.RunDate
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
