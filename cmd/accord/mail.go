package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"strings"
	"sync"
	"time"

	"accord/internal/accord"
	"accord/internal/directory"
	"accord/internal/notify"
	"accord/internal/signals"
	"accord/internal/store"
)

// mailFlags configure case notifications by e-mail for accord serve.
type mailFlags struct {
	smtpURL   string
	from      string
	replyTo   string
	baseURL   string
	imapURL   string
	imapPoll  time.Duration
	smtpdAddr string
}

func (f *mailFlags) register(fs *flag.FlagSet, e *env) {
	fs.StringVar(&f.smtpURL, "smtp-url", e.getenv("ACCORD_SMTP_URL"), "SMTP server for notifications, `url` smtp://user:password@host:587?tls=starttls (or tls, opportunistic, none); unset: no mail (ACCORD_SMTP_URL)")
	fs.StringVar(&f.from, "mail-from", envOr(e, "ACCORD_MAIL_FROM", "Accord <accord@localhost>"), "sender `address` of notifications (ACCORD_MAIL_FROM)")
	fs.StringVar(&f.replyTo, "mail-reply-to", e.getenv("ACCORD_MAIL_REPLY_TO"), "`address` whose +token sub-addresses receive replies; unset: replies are not read (ACCORD_MAIL_REPLY_TO)")
	fs.StringVar(&f.baseURL, "base-url", e.getenv("ACCORD_BASE_URL"), "public `url` of this Accord, for links in mail and calendar feeds; default: mail links to http://<addr>, feeds to the address each request came to (ACCORD_BASE_URL)")
	fs.StringVar(&f.imapURL, "imap-url", e.getenv("ACCORD_IMAP_URL"), "IMAP mailbox to read replies from, `url` imap://user:password@host:993/INBOX?tls=tls (or starttls, none) (ACCORD_IMAP_URL)")
	fs.DurationVar(&f.imapPoll, "imap-poll", envDuration(e, "ACCORD_IMAP_POLL", time.Minute), "how often to look for replies in the IMAP mailbox (ACCORD_IMAP_POLL)")
	fs.StringVar(&f.smtpdAddr, "inbound-smtp-addr", e.getenv("ACCORD_INBOUND_SMTP_ADDR"), "listen `address` for replies delivered by SMTP, such as :2525 (ACCORD_INBOUND_SMTP_ADDR)")
}

// enableMail replaces the services' notifier, which sends nothing, with
// one that sends through the configured SMTP server.
func (s *services) enableMail(f mailFlags, addr string, zone *time.Location, log *slog.Logger) error {
	if f.smtpURL == "" {
		if f.imapURL != "" || f.smtpdAddr != "" {
			return usageError{"-imap-url and -inbound-smtp-addr read replies to notifications: set -smtp-url and -mail-reply-to too"}
		}
		return nil
	}
	if (f.imapURL != "" || f.smtpdAddr != "") && f.replyTo == "" {
		return usageError{"-imap-url and -inbound-smtp-addr need -mail-reply-to, the address whose +token sub-addresses replies go to"}
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
	n, err := notify.NewService(store.NewMail(s.db), s.cases, s.directory, smtp, notify.Config{From: f.from, ReplyTo: f.replyTo, BaseURL: base, Zone: zone, Log: log,
		Links: s.links()})
	if err != nil {
		return usageError{fmt.Sprintf("mail settings: %v", err)}
	}
	s.notify = n
	return nil
}

// linkMinters mints each secret letter's link with the service that owns
// its kind: ratings of closed cases, else the directory's user links.
type linkMinters struct {
	directory *directory.Service
	signals   *signals.Service
}

func (s *services) links() linkMinters {
	return linkMinters{directory: s.directory, signals: s.signals}
}

func (m linkMinters) MintLink(ctx context.Context, now time.Time, kind, topic string, userID accord.ID) (string, error) {
	if kind == signals.RatingLetter {
		return m.signals.MintLink(ctx, now, kind, topic, userID)
	}
	return m.directory.MintLink(ctx, now, kind, topic, userID)
}

// receiveReplies reads replies to notifications from the IMAP mailbox and
// on the inbound SMTP port, as configured, until ctx ends; the returned
// function waits for both to stop.
func (s *services) receiveReplies(ctx context.Context, f mailFlags, log *slog.Logger, stdout io.Writer) (wait func(), err error) {
	var wg sync.WaitGroup
	if f.imapURL != "" {
		m, err := notify.NewIMAP(s.notify, f.imapURL, log)
		if err != nil {
			return nil, usageError{fmt.Sprintf("-imap-url: %v", err)}
		}
		wg.Go(func() { _ = m.Run(ctx, f.imapPoll) })
	}
	if f.smtpdAddr != "" {
		ln, err := net.Listen("tcp", f.smtpdAddr)
		if err != nil {
			wg.Wait()
			return nil, fmt.Errorf("-inbound-smtp-addr: %w", err)
		}
		domain := f.replyTo[strings.LastIndexByte(f.replyTo, '@')+1:]
		srv := notify.NewInboundSMTP(s.notify, domain, time.Now, log)
		fmt.Fprintf(stdout, "Accord receiving replies by SMTP on %s\n", ln.Addr())
		wg.Go(func() {
			if err := srv.Serve(ln); err != nil {
				log.Error("inbound smtp", "err", err)
			}
		})
		wg.Go(func() { <-ctx.Done(); _ = srv.Close() })
	}
	return wg.Wait, nil
}
