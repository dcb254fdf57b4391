package notify

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"mime"
	"net"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"strconv"
	"time"

	"go.temporal.io/sdk/temporal"
)

// TLS modes of the SMTP connection.
const (
	// MailStartTLS upgrades a plain connection with STARTTLS, and refuses a server
	// that does not offer it (port 587).
	MailStartTLS = "starttls"
	// MailTLS speaks TLS from the first byte (port 465).
	MailTLS = "tls"
	// MailPlain sends in clear: only for a relay on the same host or network.
	MailPlain = "none"
)

// Mail sends messages as e-mail over SMTP (net/smtp), one connection a message.
type Mail struct {
	Host     string
	Port     int
	Username string
	Password string
	From     string
	// TLSMode is MailStartTLS, MailTLS or MailPlain.
	TLSMode string
	// TLSConfig, when set, replaces the default (the system's roots, Host as the
	// server name); tests set it to trust their own server.
	TLSConfig *tls.Config
	Timeout   time.Duration
}

func (m *Mail) tlsConfig() *tls.Config {
	if m.TLSConfig != nil {
		return m.TLSConfig
	}
	return &tls.Config{ServerName: m.Host, MinVersion: tls.VersionTLS12}
}

// Send mails msg to the address to. A 5xx answer of the server is final; a
// failed connection or a 4xx answer is tried again.
func (m *Mail) Send(ctx context.Context, to string, msg Message) error {
	if _, err := mail.ParseAddress(to); err != nil {
		return temporal.NewNonRetryableApplicationError("e-mail: the recipient's address is not an e-mail address", "MailAddress", nil)
	}
	timeout := m.Timeout
	if timeout == 0 {
		timeout = 30 * time.Second
	}
	deadline := time.Now().Add(timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	addr := net.JoinHostPort(m.Host, strconv.Itoa(m.Port))
	dialer := &net.Dialer{Deadline: deadline}
	var conn net.Conn
	var err error
	if m.TLSMode == MailTLS {
		conn, err = (&tls.Dialer{NetDialer: dialer, Config: m.tlsConfig()}).DialContext(ctx, "tcp", addr)
	} else {
		conn, err = dialer.DialContext(ctx, "tcp", addr)
	}
	if err != nil {
		return fmt.Errorf("e-mail: %w", err)
	}
	_ = conn.SetDeadline(deadline)
	c, err := smtp.NewClient(conn, m.Host)
	if err != nil {
		_ = conn.Close()
		return mailError(err)
	}
	defer func() { _ = c.Close() }()
	if m.TLSMode == MailStartTLS || m.TLSMode == "" {
		if ok, _ := c.Extension("STARTTLS"); !ok {
			return temporal.NewNonRetryableApplicationError("e-mail: the SMTP server does not offer STARTTLS (RECTIFY_SMTP_TLS)", "MailConfig", nil)
		}
		if err := c.StartTLS(m.tlsConfig()); err != nil {
			return mailError(err)
		}
	}
	if m.Username != "" {
		if err := c.Auth(smtp.PlainAuth("", m.Username, m.Password, m.Host)); err != nil {
			return mailError(err)
		}
	}
	if err := c.Mail(m.From); err != nil {
		return mailError(err)
	}
	if err := c.Rcpt(to); err != nil {
		return mailError(err)
	}
	w, err := c.Data()
	if err != nil {
		return mailError(err)
	}
	if _, err := w.Write(m.compose(to, msg)); err != nil {
		return mailError(err)
	}
	if err := w.Close(); err != nil {
		return mailError(err)
	}
	return mailError(c.Quit())
}

// compose writes msg as a UTF-8 text mail, its subject RFC 2047-encoded.
func (m *Mail) compose(to string, msg Message) []byte {
	var b bytes.Buffer
	id := make([]byte, 12)
	_, _ = rand.Read(id)
	header := func(k, v string) { fmt.Fprintf(&b, "%s: %s\r\n", k, v) }
	header("From", m.From)
	header("To", to)
	header("Subject", mime.BEncoding.Encode("utf-8", msg.Title))
	header("Date", time.Now().Format(time.RFC1123Z))
	header("Message-ID", "<"+hex.EncodeToString(id)+"@rectify>")
	header("MIME-Version", "1.0")
	header("Content-Type", "text/plain; charset=utf-8")
	header("Content-Transfer-Encoding", "base64")
	b.WriteString("\r\n")
	enc := base64.StdEncoding.EncodeToString([]byte(msg.Text() + "\n"))
	for len(enc) > 76 {
		b.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	b.WriteString(enc + "\r\n")
	return b.Bytes()
}

// mailError sorts an SMTP failure: a 5xx answer is final, anything else is tried
// again. It never carries the password (net/smtp's errors do not).
func mailError(err error) error {
	if err == nil {
		return nil
	}
	var tp *textproto.Error
	if errors.As(err, &tp) && tp.Code >= 500 {
		return temporal.NewNonRetryableApplicationError(fmt.Sprintf("e-mail refused: %d %s", tp.Code, tp.Msg), "MailRefused", nil)
	}
	return fmt.Errorf("e-mail: %w", err)
}
