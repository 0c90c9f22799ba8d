package notify

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"os"
	"strconv"
	"strings"
	"time"
)

type email struct {
	cfg      EmailConfig
	from     *mail.Address
	to       []*mail.Address
	password string
	tls      *tls.Config
	now      func() time.Time
}

func newEmail(c EmailConfig, getenv func(string) string, now func() time.Time) (*email, error) {
	e := &email{cfg: c, now: now}
	if e.cfg.Port == 0 {
		e.cfg.Port = 25
		if c.StartTLS {
			e.cfg.Port = 587
		}
	}
	if e.cfg.Timeout == 0 {
		e.cfg.Timeout = DefaultEmailTimeout
	}
	var err error
	if e.from, err = mail.ParseAddress(c.From); err != nil { // checked by Validate
		return nil, fmt.Errorf("notify.email.from: %w", err)
	}
	for _, to := range c.To {
		a, err := mail.ParseAddress(to)
		if err != nil {
			return nil, fmt.Errorf("notify.email.to: %w", err)
		}
		e.to = append(e.to, a)
	}
	if c.PasswordEnv != "" {
		if e.password = getenv(c.PasswordEnv); e.password == "" {
			return nil, fmt.Errorf("notify.email.password_env: environment variable %s is empty or unset: export the SMTP password of %s in it", c.PasswordEnv, c.Username)
		}
	}
	if c.StartTLS {
		e.tls = &tls.Config{ServerName: c.Host, MinVersion: tls.VersionTLS12}
		if c.CAFile != "" {
			pem, err := os.ReadFile(c.CAFile)
			if err != nil {
				return nil, fmt.Errorf("notify.email.ca_file: %w", err)
			}
			pool := x509.NewCertPool()
			if !pool.AppendCertsFromPEM(pem) {
				return nil, fmt.Errorf("notify.email.ca_file: %s holds no PEM certificate", c.CAFile)
			}
			e.tls.RootCAs = pool
		}
	}
	return e, nil
}

func (e *email) String() string {
	return "email (" + net.JoinHostPort(e.cfg.Host, strconv.Itoa(e.cfg.Port)) + ")"
}

func (e *email) Notify(ctx context.Context, m Message) error {
	msg, err := e.compose(m)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, e.cfg.Timeout)
	defer cancel()
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", net.JoinHostPort(e.cfg.Host, strconv.Itoa(e.cfg.Port)))
	if err != nil {
		return err
	}
	// net/smtp has no context: closing the connection interrupts whatever it is doing.
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	if err := e.send(conn, msg); err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("%w (%v)", ctx.Err(), err)
		}
		return err
	}
	return nil
}

func (e *email) send(conn net.Conn, msg []byte) error {
	c, err := smtp.NewClient(conn, e.cfg.Host)
	if err != nil {
		conn.Close()
		return fmt.Errorf("greeting: %w", err)
	}
	defer c.Close()
	if e.tls != nil {
		if ok, _ := c.Extension("STARTTLS"); !ok {
			return errors.New("the server does not offer STARTTLS: set notify.email.starttls: false only if the network to it is trusted")
		}
		if err := c.StartTLS(e.tls); err != nil {
			return fmt.Errorf("STARTTLS: %w", err)
		}
	}
	if e.cfg.Username != "" {
		if ok, _ := c.Extension("AUTH"); !ok {
			return errors.New("the server does not offer AUTH: remove notify.email.username, or enable starttls if it offers AUTH only over TLS")
		}
		// The error is the server's reply or net/smtp's refusal; neither contains the password.
		if err := c.Auth(smtp.PlainAuth("", e.cfg.Username, e.password, e.cfg.Host)); err != nil {
			return fmt.Errorf("authenticate as %s: %w", e.cfg.Username, err)
		}
	}
	if err := c.Mail(e.from.Address); err != nil {
		return fmt.Errorf("MAIL FROM %s: %w", e.from.Address, err)
	}
	for _, to := range e.to {
		if err := c.Rcpt(to.Address); err != nil {
			return fmt.Errorf("RCPT TO %s: %w", to.Address, err)
		}
	}
	w, err := c.Data()
	if err != nil {
		return fmt.Errorf("DATA: %w", err)
	}
	if _, err := w.Write(msg); err != nil {
		return fmt.Errorf("DATA: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("DATA: %w", err)
	}
	return c.Quit()
}

// compose renders the RFC 5322 message: a plain-text UTF-8 body (quoted-printable, so any
// server accepts it) with the text and the summary as indented JSON; with attachments, a
// multipart/mixed message of that body and the files (base64).
func (e *email) compose(m Message) ([]byte, error) {
	var text strings.Builder
	text.WriteString(body(m))
	text.WriteString("\n")
	if m.Summary != nil {
		js, err := json.MarshalIndent(m.Summary, "", "  ")
		if err != nil {
			return nil, fmt.Errorf("encode summary: %w", err)
		}
		text.WriteString("\nPipeline summary:\n")
		text.Write(js)
		text.WriteString("\n")
	}

	to := make([]string, len(e.to))
	for i, a := range e.to {
		to[i] = a.String()
	}
	var b bytes.Buffer
	header := func(k, v string) { fmt.Fprintf(&b, "%s: %s\r\n", k, v) }
	header("From", e.from.String())
	header("To", strings.Join(to, ", "))
	header("Subject", mime.QEncoding.Encode("utf-8", oneLine(m.Subject)))
	header("Date", e.now().Format(time.RFC1123Z))
	header("Message-ID", messageID(e.from.Address))
	header("MIME-Version", "1.0")
	header("Auto-Submitted", "auto-generated") // RFC 3834: no vacation auto-replies
	if len(m.Attachments) > 0 {
		return composeMixed(&b, text.String(), m.Attachments)
	}
	header("Content-Type", "text/plain; charset=utf-8")
	header("Content-Transfer-Encoding", "quoted-printable")
	b.WriteString("\r\n")
	if err := writeQP(&b, text.String()); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// composeMixed finishes the message in b (headers so far) as multipart/mixed: the text, then
// each attachment.
func composeMixed(b *bytes.Buffer, text string, files []Attachment) ([]byte, error) {
	var parts bytes.Buffer
	mw := multipart.NewWriter(&parts)
	fmt.Fprintf(b, "Content-Type: multipart/mixed; boundary=%q\r\n\r\n", mw.Boundary())
	w, err := mw.CreatePart(textproto.MIMEHeader{
		"Content-Type":              {"text/plain; charset=utf-8"},
		"Content-Transfer-Encoding": {"quoted-printable"},
	})
	if err != nil {
		return nil, err
	}
	if err := writeQP(w, text); err != nil {
		return nil, err
	}
	for _, f := range files {
		ct, params, err := mime.ParseMediaType(f.ContentType)
		if err != nil {
			ct, params = "application/octet-stream", map[string]string{}
		}
		params["name"] = f.Name
		w, err := mw.CreatePart(textproto.MIMEHeader{
			"Content-Type":              {mime.FormatMediaType(ct, params)},
			"Content-Transfer-Encoding": {"base64"},
			"Content-Disposition":       {mime.FormatMediaType("attachment", map[string]string{"filename": f.Name})},
		})
		if err != nil {
			return nil, fmt.Errorf("attach %s: %w", f.Name, err)
		}
		enc := base64.StdEncoding.EncodeToString(f.Data)
		for len(enc) > 76 { // RFC 2045 line length
			if _, err := io.WriteString(w, enc[:76]+"\r\n"); err != nil {
				return nil, err
			}
			enc = enc[76:]
		}
		if _, err := io.WriteString(w, enc+"\r\n"); err != nil {
			return nil, err
		}
	}
	if err := mw.Close(); err != nil {
		return nil, err
	}
	b.Write(parts.Bytes())
	return b.Bytes(), nil
}

func writeQP(w io.Writer, text string) error {
	qp := quotedprintable.NewWriter(w)
	if _, err := qp.Write([]byte(text)); err != nil {
		return err
	}
	return qp.Close()
}

// oneLine keeps a header value on one line (no header injection through the subject).
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

func messageID(from string) string {
	domain := "metalake.invalid"
	if i := strings.LastIndexByte(from, '@'); i >= 0 && i < len(from)-1 {
		domain = from[i+1:]
	}
	var r [12]byte
	_, _ = rand.Read(r[:])
	return "<" + hex.EncodeToString(r[:]) + "@" + domain + ">"
}
