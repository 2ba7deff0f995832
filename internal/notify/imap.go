package notify

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"strconv"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"accord/internal/accord"
)

// maxPerPoll bounds the messages one poll reads; the rest wait for the
// next poll.
const maxPerPoll = 500

// IMAP reads replies from a mailbox: each unseen message is received and
// then flagged \Seen, whatever became of it; a message whose reception
// failed for a passing reason stays unseen and is read again next time.
// Several processes may poll one mailbox: a Message-Id is received once.
type IMAP struct {
	svc      *Service
	addr     string
	mode     string // none, starttls or tls
	user     string
	password string
	mailbox  string
	log      *slog.Logger
}

// NewIMAP reads a mailbox URL: imap://user:password@host:port/INBOX?tls=tls.
// tls is "tls" (the default: the connection starts encrypted, port 993),
// "starttls" (required, port 143) or "none" (port 143). The path names the
// mailbox, INBOX by default; a user name with an @ is written %40.
func NewIMAP(svc *Service, rawURL string, log *slog.Logger) (*IMAP, error) {
	bad := func(msg string) error { return &accord.Error{Kind: accord.Invalid, Field: "imap_url", Msg: msg} }
	u, err := url.Parse(rawURL)
	if err != nil || u.Scheme != "imap" || u.Hostname() == "" {
		return nil, bad("must look like imap://user:password@host:993/INBOX?tls=tls")
	}
	m := &IMAP{svc: svc, log: log, mailbox: "INBOX"}
	if m.log == nil {
		m.log = slog.New(slog.DiscardHandler)
	}
	port := 993
	switch m.mode = u.Query().Get("tls"); m.mode {
	case "", "tls":
		m.mode = "tls"
	case "starttls", "none":
		port = 143
	default:
		return nil, bad(fmt.Sprintf("tls=%q: must be tls, starttls or none", m.mode))
	}
	if p := u.Port(); p != "" {
		if port, err = strconv.Atoi(p); err != nil || port <= 0 || port > 65535 {
			return nil, bad(fmt.Sprintf("port %q is not a TCP port", p))
		}
	}
	m.addr = net.JoinHostPort(u.Hostname(), strconv.Itoa(port))
	m.user = u.User.Username()
	m.password, _ = u.User.Password()
	if m.user == "" {
		return nil, bad("a user name and password are required")
	}
	if p := u.Path; p != "" && p != "/" {
		m.mailbox = p[1:]
	}
	return m, nil
}

// dial connects as the URL says.
func (m *IMAP) dial() (*imapclient.Client, error) {
	opts := &imapclient.Options{Dialer: &net.Dialer{Timeout: 30 * time.Second}}
	switch m.mode {
	case "tls":
		return imapclient.DialTLS(m.addr, opts)
	case "starttls":
		return imapclient.DialStartTLS(m.addr, opts)
	}
	return imapclient.DialInsecure(m.addr, opts)
}

// Poll receives the mailbox's unseen messages and says how many it
// handled (accepted, rejected or duplicate: each is then \Seen). It stops
// at the first message that could not be received, which stays unseen,
// and returns that error.
func (m *IMAP) Poll(ctx context.Context, now time.Time) (int, error) {
	c, err := m.dial()
	if err != nil {
		return 0, fmt.Errorf("imap %s: %w", m.addr, err)
	}
	defer c.Close()
	// The client has no context: closing the connection ends whatever it
	// is waiting for.
	stop := context.AfterFunc(ctx, func() { _ = c.Close() })
	defer stop()
	fail := func(n int, what string, err error) (int, error) {
		if ctx.Err() != nil {
			return n, ctx.Err()
		}
		return n, fmt.Errorf("imap %s: %s: %w", m.addr, what, err)
	}
	if err := c.Login(m.user, m.password).Wait(); err != nil {
		return fail(0, "login", err)
	}
	if _, err := c.Select(m.mailbox, nil).Wait(); err != nil {
		return fail(0, "select "+m.mailbox, err)
	}
	found, err := c.UIDSearch(&imap.SearchCriteria{NotFlag: []imap.Flag{imap.FlagSeen, imap.FlagDeleted}}, nil).Wait()
	if err != nil {
		return fail(0, "search", err)
	}
	uids := found.AllUIDs()
	if len(uids) > maxPerPoll {
		uids = uids[:maxPerPoll]
	}
	n := 0
	for _, uid := range uids {
		if ctx.Err() != nil {
			return n, ctx.Err()
		}
		raw, err := fetchBody(c, uid)
		if err != nil {
			return fail(n, fmt.Sprintf("fetch UID %d", uid), err)
		}
		if raw == nil {
			continue // expunged meanwhile
		}
		in, err := m.svc.Receive(ctx, now, Delivery{Source: "imap"}, raw)
		if err != nil {
			return fail(n, fmt.Sprintf("receive UID %d", uid), err)
		}
		seen := &imap.StoreFlags{Op: imap.StoreFlagsAdd, Flags: []imap.Flag{imap.FlagSeen}, Silent: true}
		if err := c.Store(imap.UIDSetNum(uid), seen, nil).Close(); err != nil {
			return fail(n, fmt.Sprintf("flag UID %d seen", uid), err)
		}
		m.log.Debug("imap message received", "uid", uint32(uid), "message_id", in.MessageID, "status", string(in.Status))
		n++
	}
	if err := c.Logout().Wait(); err != nil && ctx.Err() == nil {
		m.log.Debug("imap logout", "err", err)
	}
	return n, nil
}

// fetchBody reads message uid without setting \Seen, at most one byte more
// than MaxInboundBytes (which Receive then refuses); nil when the message
// is gone.
func fetchBody(c *imapclient.Client, uid imap.UID) ([]byte, error) {
	section := &imap.FetchItemBodySection{Peek: true}
	cmd := c.Fetch(imap.UIDSetNum(uid), &imap.FetchOptions{UID: true, BodySection: []*imap.FetchItemBodySection{section}})
	defer cmd.Close()
	var raw []byte
	for msg := cmd.Next(); msg != nil; msg = cmd.Next() {
		for item := msg.Next(); item != nil; item = msg.Next() {
			body, ok := item.(imapclient.FetchItemDataBodySection)
			if !ok || body.Literal == nil || raw != nil {
				continue
			}
			b, err := io.ReadAll(io.LimitReader(body.Literal, MaxInboundBytes+1))
			if err != nil {
				return nil, err
			}
			raw = b
		}
	}
	if err := cmd.Close(); err != nil {
		return nil, err
	}
	return raw, nil
}

// Run polls every so often until ctx ends, logging what goes wrong.
func (m *IMAP) Run(ctx context.Context, every time.Duration) error {
	if every <= 0 {
		every = time.Minute
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		n, err := m.Poll(ctx, time.Now())
		switch {
		case ctx.Err() != nil:
			return nil
		case err != nil:
			m.log.Error("imap poll", "mailbox", m.mailbox, "handled", n, "err", err)
		case n > 0:
			m.log.Info("imap poll", "mailbox", m.mailbox, "handled", n)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}
