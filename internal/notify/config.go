package notify

import (
	"errors"
	"fmt"
	"net/mail"
	"net/url"
	"time"
)

// When to notify (Config.On).
const (
	OnFailure = "failure"
	OnSuccess = "success"
	OnAlways  = "always"
	OnNever   = "never"
)

// Defaults.
const (
	DefaultWebhookTimeout = 10 * time.Second
	DefaultEmailTimeout   = 30 * time.Second
)

// Config is the notify section of metalake.yaml.
type Config struct {
	// On says which runs notify the webhook, email and SNS channels: "failure" (default), "success",
	// "always" or "never". The log always gets the message.
	On      string         `yaml:"on"`
	Webhook *WebhookConfig `yaml:"webhook"`
	Email   *EmailConfig   `yaml:"email"`
	SNS     *SNSConfig     `yaml:"sns"`
}

// WebhookConfig posts the message as JSON (Slack incoming-webhook compatible).
type WebhookConfig struct {
	// URL is the webhook URL, for URLs that are not secret. Slack's are: use URLEnv.
	URL string `yaml:"url"`
	// URLEnv names the environment variable holding the URL.
	URLEnv string `yaml:"url_env"`
	// Timeout bounds one POST (default 10s).
	Timeout time.Duration `yaml:"timeout"`
}

// EmailConfig sends the message by SMTP.
type EmailConfig struct {
	Host string `yaml:"host"`
	// Port defaults to 587 with STARTTLS, else 25.
	Port int      `yaml:"port"`
	From string   `yaml:"from"`
	To   []string `yaml:"to"`
	// Username enables AUTH PLAIN (with the password from PasswordEnv).
	Username string `yaml:"username"`
	// PasswordEnv names the environment variable holding the SMTP password.
	PasswordEnv string `yaml:"password_env"`
	// StartTLS upgrades the connection before authenticating and sending; the server's
	// certificate must be valid for Host.
	StartTLS bool `yaml:"starttls"`
	// CAFile is a PEM file of CA certificates to trust for STARTTLS instead of the system's
	// (a private relay).
	CAFile string `yaml:"ca_file"`
	// Timeout bounds one delivery (default 30s).
	Timeout time.Duration `yaml:"timeout"`
}

// Wants reports whether a run that failed (or not) goes to the webhook and email channels.
func (c Config) Wants(failed bool) bool {
	switch c.On {
	case "", OnFailure:
		return failed
	case OnSuccess:
		return !failed
	case OnAlways:
		return true
	}
	return false
}

// Validate names the first invalid field and how to fix it. It does not read the environment;
// New does.
func (c Config) Validate() error {
	switch c.On {
	case "", OnFailure, OnSuccess, OnAlways, OnNever:
	default:
		return fmt.Errorf("notify.on = %q: use failure (the default), success, always or never", c.On)
	}
	if c.Webhook != nil {
		if err := c.Webhook.validate(); err != nil {
			return err
		}
	}
	if c.Email != nil {
		if err := c.Email.validate(); err != nil {
			return err
		}
	}
	if c.SNS != nil {
		if err := c.SNS.validate(); err != nil {
			return err
		}
	}
	return nil
}

func (w WebhookConfig) validate() error {
	switch {
	case w.URL != "" && w.URLEnv != "":
		return errors.New("notify.webhook: both url and url_env are set: keep url_env (secret URLs belong in the environment) and remove url")
	case w.URL == "" && w.URLEnv == "":
		return errors.New("notify.webhook: set url_env to the name of an environment variable holding the webhook URL (or url for a URL that is not secret), or remove the webhook section")
	case w.URL != "":
		if err := checkURL(w.URL); err != nil {
			return fmt.Errorf("notify.webhook.url %w", err)
		}
	}
	if w.Timeout < 0 {
		return fmt.Errorf("notify.webhook.timeout = %s: use a positive duration such as 10s, or leave it out", w.Timeout)
	}
	return nil
}

// checkURL never echoes the URL: it may carry a token.
func checkURL(s string) error {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return errors.New("is not an http(s) URL: use https://host/path")
	}
	return nil
}

func (e EmailConfig) validate() error {
	if e.Host == "" {
		return errors.New("notify.email.host is empty: set the SMTP server, e.g. smtp.example.com, or remove the email section")
	}
	if e.Port < 0 || e.Port > 65535 {
		return fmt.Errorf("notify.email.port = %d: use 1-65535 (587 for STARTTLS, 25 plain), or leave it out", e.Port)
	}
	if e.From == "" {
		return errors.New(`notify.email.from is empty: set the sender, e.g. "metalake <metalake@example.com>"`)
	}
	if _, err := mail.ParseAddress(e.From); err != nil {
		return fmt.Errorf("notify.email.from = %q: not an email address (%v): use name@example.com or \"Name <name@example.com>\"", e.From, err)
	}
	if len(e.To) == 0 {
		return errors.New("notify.email.to is empty: list at least one recipient, e.g. [data-team@example.com]")
	}
	for i, to := range e.To {
		if _, err := mail.ParseAddress(to); err != nil {
			return fmt.Errorf("notify.email.to[%d] = %q: not an email address (%v): use name@example.com", i, to, err)
		}
	}
	if e.Username != "" && e.PasswordEnv == "" {
		return fmt.Errorf("notify.email.password_env is empty but username %q is set: name the environment variable holding the SMTP password", e.Username)
	}
	if e.Username == "" && e.PasswordEnv != "" {
		return errors.New("notify.email.username is empty but password_env is set: set the SMTP user name, or remove password_env")
	}
	if e.Username != "" && !e.StartTLS && !isLocalhost(e.Host) {
		return errors.New("notify.email.starttls is false but username is set: AUTH would send the password in clear; set starttls: true")
	}
	if e.CAFile != "" && !e.StartTLS {
		return errors.New("notify.email.ca_file is set but starttls is false: set starttls: true, or remove ca_file")
	}
	if e.Timeout < 0 {
		return fmt.Errorf("notify.email.timeout = %s: use a positive duration such as 30s, or leave it out", e.Timeout)
	}
	return nil
}

// isLocalhost mirrors net/smtp, which allows AUTH PLAIN without TLS only to this machine.
func isLocalhost(host string) bool {
	return host == "localhost" || host == "127.0.0.1" || host == "::1"
}
