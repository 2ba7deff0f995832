package main

import (
	"flag"
	"fmt"
	"net/url"
	"time"

	"accord/internal/notify"
	"accord/internal/store"
)

// mailFlags configure case notifications by e-mail for accord serve.
type mailFlags struct {
	smtpURL string
	from    string
	replyTo string
	baseURL string
}

func (f *mailFlags) register(fs *flag.FlagSet, e *env) {
	fs.StringVar(&f.smtpURL, "smtp-url", e.getenv("ACCORD_SMTP_URL"), "SMTP server for notifications, `url` smtp://user:password@host:587?tls=starttls (or tls, opportunistic, none); unset: no mail (ACCORD_SMTP_URL)")
	fs.StringVar(&f.from, "mail-from", envOr(e, "ACCORD_MAIL_FROM", "Accord <accord@localhost>"), "sender `address` of notifications (ACCORD_MAIL_FROM)")
	fs.StringVar(&f.replyTo, "mail-reply-to", e.getenv("ACCORD_MAIL_REPLY_TO"), "`address` whose +token sub-addresses receive replies; unset: replies are not read (ACCORD_MAIL_REPLY_TO)")
	fs.StringVar(&f.baseURL, "base-url", e.getenv("ACCORD_BASE_URL"), "public `url` of this Accord, for links in mail; default http://<addr> (ACCORD_BASE_URL)")
}

// enableMail replaces the services' notifier, which sends nothing, with
// one that sends through the configured SMTP server.
func (s *services) enableMail(f mailFlags, addr string, zone *time.Location) error {
	if f.smtpURL == "" {
		return nil
	}
	smtp, err := notify.NewSMTP(f.smtpURL)
	if err != nil {
		return usageError{fmt.Sprintf("-smtp-url: %v", err)}
	}
	base := f.baseURL
	if base == "" {
		base = "http://" + addr
	}
	if u, err := url.Parse(base); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return usageError{fmt.Sprintf("-base-url: %q is not an http or https URL", base)}
	}
	n, err := notify.NewService(store.NewMail(s.db), s.cases, s.directory, smtp, notify.Config{From: f.from, ReplyTo: f.replyTo, BaseURL: base, Zone: zone})
	if err != nil {
		return usageError{fmt.Sprintf("mail settings: %v", err)}
	}
	s.notify = n
	return nil
}
