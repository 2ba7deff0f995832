package notify

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"

	"accord/internal/accord"
)

// SMTP delivers messages to one SMTP server.
type SMTP struct {
	host string
	port int
	opts []gomail.Option
}

// NewSMTP reads a server URL: smtp://user:password@host:port?tls=starttls.
// tls is "starttls" (the default: required), "opportunistic", "tls" (the
// connection starts encrypted, port 465 by default) or "none". Without
// credentials no authentication is tried.
func NewSMTP(raw string) (*SMTP, error) {
	bad := func(msg string) error { return &accord.Error{Kind: accord.Invalid, Field: "smtp_url", Msg: msg} }
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "smtp" || u.Hostname() == "" {
		return nil, bad("must look like smtp://user:password@host:587?tls=starttls")
	}
	opts := []gomail.Option{gomail.WithTimeout(30 * time.Second)}
	port := 587
	switch mode := u.Query().Get("tls"); mode {
	case "", "starttls":
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	case "opportunistic":
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSOpportunistic))
	case "tls":
		opts = append(opts, gomail.WithSSL())
		port = 465
	case "none":
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
		port = 25
	default:
		return nil, bad(fmt.Sprintf("tls=%q: must be starttls, opportunistic, tls or none", mode))
	}
	if p := u.Port(); p != "" {
		if port, err = strconv.Atoi(p); err != nil || port <= 0 || port > 65535 {
			return nil, bad(fmt.Sprintf("port %q is not a TCP port", p))
		}
	}
	opts = append(opts, gomail.WithPort(port))
	if user := u.User.Username(); user != "" {
		pass, _ := u.User.Password()
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover), gomail.WithUsername(user), gomail.WithPassword(pass))
	}
	return &SMTP{host: u.Hostname(), port: port, opts: opts}, nil
}

// Send delivers m from from, with replyTo (if any) as its Reply-To. Each
// message gets its own connection: deliveries are jobs, retried one by one.
func (s *SMTP) Send(ctx context.Context, from, replyTo string, m Message) error {
	msg, err := s.build(from, replyTo, m)
	if err != nil {
		return err
	}
	c, err := gomail.NewClient(s.host, s.opts...)
	if err != nil {
		return fmt.Errorf("smtp: %w", err)
	}
	if err := c.DialAndSendWithContext(ctx, msg); err != nil {
		return fmt.Errorf("smtp %s: %w", net.JoinHostPort(s.host, strconv.Itoa(s.port)), err)
	}
	return nil
}

// build makes the MIME message: plain text, threaded on the case's earlier
// mail to the same person, and marked as automatic so that out-of-office
// replies stay away.
func (s *SMTP) build(from, replyTo string, m Message) (*gomail.Msg, error) {
	msg := gomail.NewMsg()
	if err := msg.From(from); err != nil {
		return nil, fmt.Errorf("smtp: from %q: %w", from, err)
	}
	if err := msg.To(m.To); err != nil {
		return nil, fmt.Errorf("smtp: to %q: %w", m.To, err)
	}
	if replyTo != "" {
		if err := msg.ReplyTo(replyTo); err != nil {
			return nil, fmt.Errorf("smtp: reply-to %q: %w", replyTo, err)
		}
	}
	msg.Subject(m.Subject)
	msg.SetMessageIDWithValue(m.MessageID)
	msg.SetDateWithValue(m.CreatedAt)
	if len(m.References) > 0 {
		msg.SetGenHeader(gomail.HeaderInReplyTo, "<"+m.References[len(m.References)-1]+">")
		msg.SetGenHeader(gomail.HeaderReferences, "<"+strings.Join(m.References, "> <")+">")
	}
	msg.SetGenHeader("Auto-Submitted", "auto-generated")
	if m.CaseID != "" {
		msg.SetGenHeader("X-Accord-Case", string(m.CaseID))
	}
	msg.SetGenHeader("X-Accord-Event", string(m.Event))
	msg.SetGenHeader(gomail.HeaderContentLang, m.Locale)
	msg.SetBodyString(gomail.TypeTextPlain, m.Body)
	return msg, nil
}
