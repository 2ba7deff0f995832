package notify

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"time"

	"github.com/emersion/go-smtp"
)

// InboundSMTP takes replies delivered by SMTP, for an MX (or a relay)
// that hands the reply domain's mail straight to Accord instead of to a
// mailbox. It takes mail only for reply addresses (support+<token>@domain)
// and offers no authentication and no relaying.
type InboundSMTP struct {
	svc    *Service
	srv    *smtp.Server
	now    func() time.Time
	log    *slog.Logger
	ctx    context.Context // ends with Close
	cancel context.CancelFunc
}

// NewInboundSMTP returns a listener that hands what it receives to svc;
// domain is the name it greets with (the host's name in the MX record).
func NewInboundSMTP(svc *Service, domain string, now func() time.Time, log *slog.Logger) *InboundSMTP {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if now == nil {
		now = time.Now
	}
	s := &InboundSMTP{svc: svc, now: now, log: log}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.srv = smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		return &inboundSession{s: s, remote: c.Conn().RemoteAddr().String()}, nil
	}))
	s.srv.Domain = domain
	s.srv.MaxMessageBytes = MaxInboundBytes
	s.srv.MaxRecipients = 10
	s.srv.ReadTimeout = 2 * time.Minute
	s.srv.WriteTimeout = 2 * time.Minute
	s.srv.ErrorLog = smtpLog{log}
	return s
}

// Serve accepts connections on l until Close.
func (s *InboundSMTP) Serve(l net.Listener) error {
	if err := s.srv.Serve(l); err != nil && !errors.Is(err, smtp.ErrServerClosed) {
		return err
	}
	return nil
}

// Close stops listening and drops open connections; a message being
// received is not acknowledged, so its sender will try again.
func (s *InboundSMTP) Close() error {
	s.cancel()
	if err := s.srv.Close(); err != nil && !errors.Is(err, smtp.ErrServerClosed) {
		return err
	}
	return nil
}

// inboundSession is one SMTP connection.
type inboundSession struct {
	s      *InboundSMTP
	remote string
	to     []string
}

func (ss *inboundSession) Mail(string, *smtp.MailOptions) error { return nil }

// Rcpt takes reply addresses only: anything else is not a mailbox here.
func (ss *inboundSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	local, domain, ok := ss.s.svc.replyParts()
	if !ok {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "This server takes no mail: replies are not read"}
	}
	if _, ok := replyToken(to, local, domain); !ok {
		ss.s.log.Info("inbound smtp: recipient refused", "to", clip(to, 200), "remote", ss.remote)
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1},
			Message: fmt.Sprintf("No such mailbox: this server only takes replies to notifications (%s+<token>@%s)", local, domain)}
	}
	ss.to = append(ss.to, to)
	return nil
}

// Data receives the message. A message refused by Receive is still
// answered 250: it was received, and is logged and recorded, just not
// added to a case. Answering 550 would make the sending server bounce it,
// and the bounce goes to the envelope sender, which for a forged message
// is an innocent third party (backscatter) and for an out-of-office answer
// starts the very loop the refusal avoids. Only a failure worth trying
// again is answered 451, so that the sender keeps the message.
func (ss *inboundSession) Data(r io.Reader) error {
	raw, err := io.ReadAll(r) // bounded by MaxMessageBytes: 552 beyond
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ss.s.ctx, time.Minute)
	defer cancel()
	in, err := ss.s.svc.Receive(ctx, ss.s.now(), Delivery{Source: "smtp", Recipients: ss.to}, raw)
	if err != nil {
		ss.s.log.Error("inbound smtp: receiving failed", "remote", ss.remote, "err", err)
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "Temporarily unable to take the message; try again later"}
	}
	ss.s.log.Debug("inbound smtp: message received", "remote", ss.remote, "message_id", in.MessageID, "status", string(in.Status))
	return nil
}

func (ss *inboundSession) Reset()        { ss.to = nil }
func (ss *inboundSession) Logout() error { return nil }

// smtpLog writes go-smtp's error log to slog.
type smtpLog struct{ log *slog.Logger }

func (l smtpLog) Printf(format string, v ...any) {
	l.log.Warn("inbound smtp: " + fmt.Sprintf(format, v...))
}
func (l smtpLog) Println(v ...any) { l.log.Warn("inbound smtp: " + fmt.Sprint(v...)) }
