package signals

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"time"

	"accord/internal/accord"
	"accord/internal/audit"
	"accord/internal/cases"
	"accord/internal/directory"
	"accord/internal/sla"
)

// Notification tells one user about an entry of a case.
type Notification struct {
	ID         accord.ID       `json:"id"`
	OrgID      accord.ID       `json:"org_id"` // the case's customer
	UserID     accord.ID       `json:"user_id"`
	Kind       cases.AlertKind `json:"kind"`
	CaseID     accord.ID       `json:"case_id"`
	CaseNumber int64           `json:"case_number"`
	CaseTitle  string          `json:"case_title"`
	EntryID    accord.ID       `json:"entry_id"`
	Author     string          `json:"author"` // who wrote the entry; "" for Accord itself
	CreatedAt  time.Time       `json:"created_at"`
	ReadAt     *time.Time      `json:"read_at,omitempty"`
}

// Presence is a colleague on a case's page as of SeenAt.
type Presence struct {
	OrgID   accord.ID `json:"-"`
	CaseID  accord.ID `json:"case_id"`
	UserID  accord.ID `json:"user_id"`
	Name    string    `json:"name"`
	Writing bool      `json:"writing"` // a reply or a note is being written
	SeenAt  time.Time `json:"seen_at"`
}

// PresenceWindow is how long a page that stopped asking still counts as
// open: pages ask every PresencePoll, so a missed request or two do not
// make a colleague vanish.
const (
	PresenceWindow = 30 * time.Second
	PresencePoll   = 10 * time.Second
)

// Via is where a rating was given.
type Via string

const (
	ViaPortal Via = "portal" // signed in, on the case's page
	ViaLink   Via = "link"   // the single-use link of the mail
)

// Rating is a customer's satisfaction with a closed case. AssigneeID and
// Criticality are the case's when it closed, for the report.
type Rating struct {
	CaseID      accord.ID       `json:"case_id"`
	OrgID       accord.ID       `json:"org_id"`
	UserID      accord.ID       `json:"user_id"`
	Score       int             `json:"score"` // 1 (very unsatisfied) to 5 (very satisfied)
	Comment     string          `json:"comment,omitempty"`
	Via         Via             `json:"via"`
	AssigneeID  accord.ID       `json:"assignee_id,omitempty"`
	Criticality sla.Criticality `json:"criticality"`
	ClosedAt    time.Time       `json:"closed_at"`
	RatedAt     time.Time       `json:"rated_at"`
}

// RatingLink is the single-use link of the mail that asks a contact to
// rate a closed case.
type RatingLink struct {
	ID        accord.ID
	OrgID     accord.ID
	CaseID    accord.ID
	UserID    accord.ID
	CreatedAt time.Time
	ExpiresAt time.Time
	Hash      string // of the token; "" until the letter is delivered
	UsedAt    *time.Time
}

// RatingLetter is the kind of the letter that asks for a rating (its
// templates' name), and MentionLetter that of a mention's mail.
const (
	RatingLetter  = "case.rating"
	MentionLetter = "case.mention"
)

// Letter is what a letter says: the kind, its topic (mailed once per topic
// and recipient), the recipient, the facts its templates show and the page
// it points to.
type Letter struct {
	Kind   string
	Topic  string
	OrgID  accord.ID
	UserID accord.ID
	Facts  map[string]any
	Link   string
}

// Store persists signals. Reads of notifications apply the reader's scope
// and their user id: another user's row is NotFound.
type Store interface {
	Notifications(ctx context.Context, scope accord.Scope, userID accord.ID, unread bool, p accord.Page) ([]Notification, string, error)
	Unread(ctx context.Context, scope accord.Scope, userID accord.ID) (int, error)
	// Notification reads one row whatever its user, for the mail job.
	Notification(ctx context.Context, id accord.ID) (Notification, error)
	MarkRead(ctx context.Context, scope accord.Scope, userID, id accord.ID, now time.Time) error
	MarkAllRead(ctx context.Context, scope accord.Scope, userID accord.ID, now time.Time) (int, error)
	// Touch records p and removes the rows seen before expired.
	Touch(ctx context.Context, p Presence, expired time.Time) error
	// Present lists who was on the case at or after since, by name.
	Present(ctx context.Context, caseID accord.ID, since time.Time) ([]Presence, error)
	RatingLink(ctx context.Context, id accord.ID) (RatingLink, error)
	RatingLinkByHash(ctx context.Context, hash string) (RatingLink, error)
	// MintRatingLink locks the link, lets decide set its hash and writes it.
	// Decide, here and in RateByLink, must not use the database: on SQLite
	// the transaction holds the one connection.
	MintRatingLink(ctx context.Context, id accord.ID, decide func(RatingLink) (RatingLink, error)) error
	// Rate writes r and ev; a case rated already is Conflict.
	Rate(ctx context.Context, r Rating, ev audit.Event) error
	// RateByLink locks the link whose token has hash, lets decide make the
	// rating, writes it with ev and marks the link used, in one
	// transaction. An unknown hash is NotFound.
	RateByLink(ctx context.Context, hash string, decide func(RatingLink) (Rating, audit.Event, error)) error
	Rating(ctx context.Context, scope accord.Scope, caseID accord.ID) (Rating, error)
}

// Cases reads a case as the actor may; *cases.Service provides it.
type Cases interface {
	Get(ctx context.Context, now time.Time, id accord.ID) (cases.Case, error)
}

// Directory gives scopes and users; *directory.Service provides it.
type Directory interface {
	Scope(ctx context.Context, now time.Time) (accord.Scope, error)
	GetUser(ctx context.Context, now time.Time, id accord.ID) (directory.User, error)
}

// Service applies the rules of signals.
type Service struct {
	store Store
	cases Cases
	dir   Directory
}

// NewService returns a service over store.
func NewService(store Store, cs Cases, dir Directory) *Service {
	return &Service{store: store, cases: cs, dir: dir}
}

func forbidden(op, msg string) error { return &accord.Error{Kind: accord.Forbidden, Op: op, Msg: msg} }

// isAgent: the people who work cases.
func isAgent(a accord.Actor) bool {
	return a.Role == accord.RoleAdmin || a.Role == accord.RoleAgent || a.Role == accord.RolePartnerAgent
}

func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func hashToken(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// system is ctx acting as Accord, for the jobs and the link pages.
func system(ctx context.Context) context.Context {
	return accord.WithActor(ctx, accord.SystemActor("Accord"))
}
