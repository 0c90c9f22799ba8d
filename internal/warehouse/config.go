package warehouse

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strings"
)

// Kinds of warehouse.
const (
	Postgres = "postgres"
	Redshift = "redshift"
)

// DefaultSchema is the schema gold is loaded into (SPEC §9).
const DefaultSchema = "meta_gold"

// Environment variables holding the warehouse password, in the order they are read.
const (
	PasswordEnv   = "METALAKE_WAREHOUSE_PASSWORD"
	PGPasswordEnv = "PGPASSWORD"
)

// Config is the warehouse section of metalake.yaml. It never holds the password: that comes
// from METALAKE_WAREHOUSE_PASSWORD, else PGPASSWORD (else the server must not ask for one).
type Config struct {
	// URL is postgres://user@host[:port]/db[?sslmode=…] or redshift://user@host[:5439]/db
	// ("" : no warehouse; metalake export --to gives one for a single load).
	URL string `yaml:"url"`
	// Schema receives the gold tables (default meta_gold).
	Schema string `yaml:"schema"`
	// IAMRole is the role a Redshift COPY assumes to read the lake's files (the iam module's
	// redshift role, arn:aws:iam::ACCOUNT:role/NAME). Redshift only.
	IAMRole string `yaml:"iam_role"`
	// Retries of the export_warehouse task for retryable failures (a lost connection, a
	// serialization conflict); a refused schema change or bad credentials are never retried.
	Retries int `yaml:"retries"`
}

// DefaultConfig is the warehouse section's defaults (no warehouse).
func DefaultConfig() Config { return Config{Schema: DefaultSchema, Retries: 2} }

// Enabled reports whether a warehouse is configured.
func (c Config) Enabled() bool { return c.URL != "" }

// Validate names the first invalid field and the fix.
func (c Config) Validate() error {
	if c.Retries < 0 {
		return fmt.Errorf("warehouse.retries = %d: retries cannot be negative", c.Retries)
	}
	if err := validSchema(c.Schema); err != nil {
		return fmt.Errorf("warehouse.schema: %w", err)
	}
	if c.URL == "" {
		return nil
	}
	t, err := c.Target()
	if err != nil {
		return fmt.Errorf("warehouse.url: %w", err)
	}
	return t.validate("warehouse.iam_role")
}

// Target is the configured warehouse (URL parsed and checked, defaults applied); Password is
// left for the caller to fill from the environment (PasswordFrom).
func (c Config) Target() (Target, error) {
	u, kind, err := ParseURL(c.URL)
	if err != nil {
		return Target{}, err
	}
	schema := c.Schema
	if schema == "" {
		schema = DefaultSchema
	}
	return Target{Kind: kind, URL: u, Schema: schema, IAMRole: c.IAMRole}, nil
}

// Target is one warehouse to load: where, which schema, and for Redshift the COPY role.
type Target struct {
	Kind    string
	URL     *url.URL // never carries a password
	Schema  string
	IAMRole string
	// Password authenticates User (from the environment; never printed or logged).
	Password string
}

// String names the target without any secret: kind://user@host:port/db.
func (t Target) String() string {
	if t.URL == nil {
		return "<no warehouse>"
	}
	u := url.URL{Scheme: t.URL.Scheme, User: url.User(t.User()), Host: t.URL.Host, Path: t.URL.Path}
	return u.String()
}

// User is the user the target connects as.
func (t Target) User() string { return t.URL.User.Username() }

// Host is host:port.
func (t Target) Host() string { return t.URL.Host }

func (t Target) validate(roleField string) error {
	if err := validSchema(t.Schema); err != nil {
		return err
	}
	switch {
	case t.Kind == Redshift && t.IAMRole == "":
		return fmt.Errorf("%s is required for Redshift: the role COPY assumes to read the lake (arn:aws:iam::ACCOUNT:role/NAME)", roleField)
	case t.Kind == Redshift && !strings.HasPrefix(t.IAMRole, "arn:aws:iam::"):
		return fmt.Errorf("%s = %q: want a role ARN such as arn:aws:iam::123456789012:role/metalake-redshift", roleField, t.IAMRole)
	case t.Kind == Redshift && strings.ContainsAny(t.IAMRole, "' \t\n"):
		return fmt.Errorf("%s = %q: a role ARN has no quotes or spaces", roleField, t.IAMRole)
	}
	return nil
}

// Validate checks a target built from flags (roleFlag names the flag giving the IAM role).
func (t Target) Validate(roleFlag string) error { return t.validate(roleFlag) }

// PasswordFrom returns the password from the environment (METALAKE_WAREHOUSE_PASSWORD, else
// PGPASSWORD) and the variable it came from ("" when neither is set).
func PasswordFrom(getenv func(string) string) (password, from string) {
	for _, v := range []string{PasswordEnv, PGPasswordEnv} {
		if p := getenv(v); p != "" {
			return p, v
		}
	}
	return "", ""
}

// ParseURL parses a warehouse URL: postgres:// (or postgresql://) or redshift://, with a
// user, a host and a database. A password in it is refused (secrets come from the
// environment, so a URL can be printed, logged and kept in metalake.yaml).
func ParseURL(raw string) (*url.URL, string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		// url's message quotes the whole URL, password included: name only the problem.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, "", fmt.Errorf("not a URL (%v): want postgres://user@host:5432/db or redshift://user@host:5439/db", err)
	}
	var kind string
	switch u.Scheme {
	case "postgres", "postgresql":
		kind = Postgres
	case "redshift":
		kind = Redshift
	default:
		return nil, "", fmt.Errorf("scheme %q: want postgres://user@host:5432/db or redshift://user@host:5439/db", u.Scheme)
	}
	if _, has := u.User.Password(); has || u.Query().Has("password") {
		return nil, "", fmt.Errorf("the URL holds a password: remove it and set %s (or %s)", PasswordEnv, PGPasswordEnv)
	}
	if u.User.Username() == "" {
		return nil, "", fmt.Errorf("%s://…: name the user, e.g. %s://metalake@host/db", u.Scheme, u.Scheme)
	}
	host := u.Hostname()
	if host == "" {
		return nil, "", fmt.Errorf("%s://…: name the host, e.g. %s://%s@host/db", u.Scheme, u.Scheme, u.User.Username())
	}
	if strings.Trim(u.Path, "/") == "" {
		return nil, "", fmt.Errorf("%s://%s@%s: name the database, e.g. %s://%s@%s/dev", u.Scheme, u.User.Username(), u.Host,
			u.Scheme, u.User.Username(), u.Host)
	}
	if u.Port() == "" {
		port := "5432"
		if kind == Redshift {
			port = "5439"
		}
		u.Host = net.JoinHostPort(host, port)
	}
	return u, kind, nil
}

var identifier = regexp.MustCompile(`^[a-z_][a-z0-9_]{0,62}$`)

func validSchema(s string) error {
	if s == "" || identifier.MatchString(s) {
		return nil
	}
	return fmt.Errorf("schema %q: use lower-case letters, digits and _ (e.g. %s)", s, DefaultSchema)
}
