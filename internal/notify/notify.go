package notify

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"accord/internal/accord"
	"accord/internal/cases"
	"accord/internal/directory"
)

// SendJob is the kind of the job that delivers one message; its subject is
// the message's id.
const SendJob = "mail.send"

// Status is where an outgoing message stands.
type Status string

const (
	Queued   Status = "queued"   // waiting for its first attempt
	Retrying Status = "retrying" // an attempt failed; another is scheduled
	Sent     Status = "sent"     // the SMTP server accepted it
	Failed   Status = "failed"   // every attempt failed; an admin may retry
	// Withdrawn: not sent, and never will be; WithdrawnReason says why.
	Withdrawn Status = "withdrawn"
)

// Message is one e-mail, rendered for one recipient: about a case entry,
// or a letter about something else (then Topic is set and the case and
// entry are empty).
type Message struct {
	ID      accord.ID `json:"id"`
	OrgID   accord.ID `json:"org_id"` // the case's customer, or the organization a letter concerns
	CaseID  accord.ID `json:"case_id,omitempty"`
	EntryID accord.ID `json:"entry_id,omitempty"`
	Topic   string    `json:"topic,omitempty"`
	// Event is the case event, or the letter's kind.
	Event  string    `json:"event"`
	UserID accord.ID `json:"user_id"`
	// Secret marks a letter whose link is minted at delivery.
	Secret     bool         `json:"secret,omitempty"`
	To         string       `json:"to"`
	Locale     string       `json:"locale"`
	Subject    string       `json:"subject"`
	Body       string       `json:"body"`
	MessageID  string       `json:"message_id"` // without angle brackets
	References []string     `json:"references,omitempty"`
	ReplyToken string       `json:"-"`
	CreatedAt  time.Time    `json:"created_at"`
	SentAt     *time.Time   `json:"sent_at,omitempty"`
	Delivery   DeliveryInfo `json:"delivery"`
}

// Letter reports whether m is a letter rather than mail about a case entry.
func (m Message) Letter() bool { return m.Topic != "" }

// DeliveryInfo is what the delivery job has done so far.
type DeliveryInfo struct {
	Status      Status     `json:"status"`
	Attempts    int        `json:"attempts"`
	LastError   string     `json:"last_error,omitempty"`
	NextAttempt *time.Time `json:"next_attempt,omitempty"`
	FailedAt    *time.Time `json:"failed_at,omitempty"`
	WithdrawnAt *time.Time `json:"withdrawn_at,omitempty"`
	// WithdrawnReason says why a message was not sent.
	WithdrawnReason string `json:"withdrawn_reason,omitempty"`
}

// InboundStatus is what became of a received message.
type InboundStatus string

const (
	Processing InboundStatus = "processing" // claimed; its outcome not yet recorded
	Accepted   InboundStatus = "accepted"   // added to its case as a reply
	Rejected   InboundStatus = "rejected"   // Reason says why
)

// Inbound is a received message and what became of it.
type Inbound struct {
	ID         accord.ID     `json:"id"`
	MessageID  string        `json:"message_id"`
	OrgID      accord.ID     `json:"org_id,omitempty"` // the case's customer, once matched
	CaseID     accord.ID     `json:"case_id,omitempty"`
	EntryID    accord.ID     `json:"entry_id,omitempty"` // the reply it became
	UserID     accord.ID     `json:"user_id,omitempty"`
	From       string        `json:"from"`
	Subject    string        `json:"subject"`
	Source     string        `json:"source"` // imap or smtp
	Status     InboundStatus `json:"status"`
	Reason     string        `json:"reason,omitempty"`
	ReceivedAt time.Time     `json:"received_at"`
}

// Filter narrows a list of messages; zero values do not filter.
type Filter struct {
	Status Status
	CaseID accord.ID
}

// Store keeps outgoing and incoming mail. It is read by administrators and
// by the jobs, never scoped to a tenant's own users.
type Store interface {
	// Queue writes the messages that are not already there (by entry and
	// recipient) and schedules a SendJob for each one written, in one
	// transaction.
	Queue(ctx context.Context, now time.Time, msgs []Message) error
	// Withdraw marks an unsent message as never to be sent, with the
	// reason, and drops its delivery job.
	Withdraw(ctx context.Context, id accord.ID, at time.Time, reason string) error
	// Thread lists the Message-Ids of the mail sent about caseID to userID,
	// oldest first, at most limit.
	Thread(ctx context.Context, caseID, userID accord.ID, limit int) ([]string, error)
	Message(ctx context.Context, id accord.ID) (Message, error)
	// ByToken finds the message whose Reply-To carried token.
	ByToken(ctx context.Context, token string) (Message, error)
	MarkSent(ctx context.Context, id accord.ID, at time.Time) error
	// Messages lists messages newest first.
	Messages(ctx context.Context, f Filter, p accord.Page) ([]Message, string, error)
	// Resend schedules the delivery of an unsent message again, now.
	Resend(ctx context.Context, id accord.ID, now time.Time) error

	// ClaimInbound records a received message under its Message-Id with
	// status "processing"; false when that Message-Id was seen before.
	ClaimInbound(ctx context.Context, in Inbound) (bool, error)
	// FinishInbound records the outcome of a claimed message.
	FinishInbound(ctx context.Context, in Inbound) error
	// ReleaseInbound forgets a claim, so that the message can be tried
	// again when its source delivers it again.
	ReleaseInbound(ctx context.Context, messageID string) error
	// InboundList lists received messages newest first.
	InboundList(ctx context.Context, p accord.Page) ([]Inbound, string, error)
}

// Cases is what notifications need of cases; *cases.Service provides it.
type Cases interface {
	Notice(ctx context.Context, now time.Time, entryID accord.ID) (cases.Notice, bool, error)
	Timeline(ctx context.Context, now time.Time, id accord.ID) ([]cases.Entry, error)
	Reply(ctx context.Context, now time.Time, id accord.ID, in cases.NewReply) (cases.Case, error)
}

// Directory gives the people to notify; *directory.Service provides it.
type Directory interface {
	GetUser(ctx context.Context, now time.Time, id accord.ID) (directory.User, error)
	UserByEmail(ctx context.Context, now time.Time, email string) (directory.User, error)
	ListUsers(ctx context.Context, now time.Time, f directory.UserFilter, p accord.Page) ([]directory.User, string, error)
	GetOrganization(ctx context.Context, now time.Time, id accord.ID) (directory.Organization, error)
	// Scope is what the actor in ctx may read at now; mail is checked
	// against its recipient's scope when it is written and when it is sent.
	Scope(ctx context.Context, now time.Time) (accord.Scope, error)
}

// Links mints the secret link of a letter when it is delivered, so that a
// single-use token exists only hashed in the database and in the mail
// itself. It returns the path (under BaseURL) with the token, or an error
// of kind Conflict or NotFound when the letter no longer applies (the
// invitation was withdrawn, the user is active already): the letter is
// then withdrawn, not sent.
type Links interface {
	MintLink(ctx context.Context, now time.Time, kind, topic string, userID accord.ID) (path string, err error)
}

// Config says how mail leaves and comes back.
type Config struct {
	// From is the sender of every message: "Acme Support <support@acme.example>".
	From string
	// ReplyTo is the address replies go to; each message carries its own
	// token in it as a sub-address: support+<token>@acme.example. Empty
	// means replies are not read, and messages do not invite them.
	ReplyTo string
	// BaseURL is where people open a case: BaseURL + "/cases/" + id.
	BaseURL string
	// Zone shows times to users who have not set their own.
	Zone *time.Location
	// Log records what became of received mail (rejections above all);
	// nil discards.
	Log *slog.Logger
	// Links mints the links of secret letters; without it they are
	// withdrawn at delivery.
	Links Links
}

// Service turns case entries into mail and replies into case comments.
type Service struct {
	store  Store
	cases  Cases
	dir    Directory
	smtp   *SMTP // nil when mail is off
	cfg    Config
	domain string // of From, for Message-Ids
	// inbound is told of every inbound message Receive decided, for the
	// operators' metrics; set once with ObserveInbound before use.
	inbound func(ctx context.Context, in Inbound)
}

// ObserveInbound has f told of every inbound message Receive decided
// (accepted, rejected or a duplicate).
func (s *Service) ObserveInbound(f func(ctx context.Context, in Inbound)) { s.inbound = f }

// NewService returns the notification service. With a nil smtp, no mail is
// queued or sent.
func NewService(store Store, cs Cases, dir Directory, smtp *SMTP, cfg Config) (*Service, error) {
	if cfg.Zone == nil {
		cfg.Zone = time.UTC
	}
	s := &Service{store: store, cases: cs, dir: dir, smtp: smtp, cfg: cfg}
	if smtp == nil {
		return s, nil
	}
	from, err := parseAddress("from", cfg.From)
	if err != nil {
		return nil, err
	}
	s.domain = from[strings.LastIndexByte(from, '@')+1:]
	if cfg.ReplyTo != "" {
		if s.cfg.ReplyTo, err = parseAddress("reply_to", cfg.ReplyTo); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// system acts as Accord itself, for the jobs.
func system(ctx context.Context) context.Context {
	return accord.WithActor(ctx, accord.SystemActor("notify"))
}

// requireAdmin lets vendor administrators (and the system) read mail.
func requireAdmin(ctx context.Context, op string) error {
	a, err := accord.ActorFrom(ctx)
	if err != nil {
		return err
	}
	if !a.System && a.Role != accord.RoleAdmin {
		return &accord.Error{Kind: accord.Forbidden, Op: op, Msg: "only administrators see the mail log"}
	}
	return nil
}

// Messages lists outgoing mail for administrators.
func (s *Service) Messages(ctx context.Context, f Filter, p accord.Page) ([]Message, string, error) {
	if err := requireAdmin(ctx, "notify.Messages"); err != nil {
		return nil, "", err
	}
	switch f.Status {
	case "", Queued, Retrying, Sent, Failed, Withdrawn:
	default:
		return nil, "", accord.FieldError("status", "must be queued, retrying, sent, failed or withdrawn")
	}
	return s.store.Messages(ctx, f, p.Normalize())
}

// Message returns one outgoing message for administrators.
func (s *Service) Message(ctx context.Context, id accord.ID) (Message, error) {
	if err := requireAdmin(ctx, "notify.Message"); err != nil {
		return Message{}, err
	}
	return s.store.Message(ctx, id)
}

// Resend schedules another delivery of a message that was not sent.
func (s *Service) Resend(ctx context.Context, now time.Time, id accord.ID) (Message, error) {
	const op = "notify.Resend"
	if err := requireAdmin(ctx, op); err != nil {
		return Message{}, err
	}
	m, err := s.store.Message(ctx, id)
	if err != nil {
		return Message{}, err
	}
	if m.SentAt != nil {
		return Message{}, &accord.Error{Kind: accord.Conflict, Op: op, Msg: "the message was sent at " + m.SentAt.Format(time.RFC3339)}
	}
	if m.Delivery.Status == Withdrawn {
		return Message{}, &accord.Error{Kind: accord.Conflict, Op: op, Msg: "the message was withdrawn: " + m.Delivery.WithdrawnReason}
	}
	if err := s.store.Resend(ctx, id, now); err != nil {
		return Message{}, accord.Wrap(op, err)
	}
	return s.store.Message(ctx, id)
}

// Inbound lists received mail for administrators.
func (s *Service) Inbound(ctx context.Context, p accord.Page) ([]Inbound, string, error) {
	if err := requireAdmin(ctx, "notify.Inbound"); err != nil {
		return nil, "", err
	}
	return s.store.InboundList(ctx, p.Normalize())
}

// token is a random reply token: 120 bits in lower-case base32, which
// survives mail systems that fold the case of addresses.
func token() string {
	b := make([]byte, 15)
	_, _ = rand.Read(b)
	return strings.ToLower(base32.StdEncoding.EncodeToString(b))
}

// replyAddress puts token into the reply address as a sub-address.
func replyAddress(replyTo, token string) string {
	at := strings.LastIndexByte(replyTo, '@')
	return fmt.Sprintf("%s+%s%s", replyTo[:at], token, replyTo[at:])
}
