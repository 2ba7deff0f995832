package directory

import (
	"context"
	"encoding/json"
	"time"

	"accord/internal/accord"
	"accord/internal/audit"
)

// Kind is what an organization is to the vendor.
type Kind string

const (
	KindVendor   Kind = "vendor"
	KindPartner  Kind = "partner"
	KindCustomer Kind = "customer"
)

// Organization is a tenant: the vendor, a partner or a customer.
type Organization struct {
	ID        accord.ID `json:"id"`
	Kind      Kind      `json:"kind"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// User is a person who signs in.
type User struct {
	ID                accord.ID   `json:"id"`
	OrgID             accord.ID   `json:"org_id"`
	Email             string      `json:"email"`
	Name              string      `json:"name"`
	Locale            string      `json:"locale"`
	TimeZone          string      `json:"time_zone"`
	Role              accord.Role `json:"role"`
	Active            bool        `json:"active"`
	AuthorizedContact bool        `json:"authorized_contact"`
	CustomerAdmin     bool        `json:"customer_admin"`
	// Senior marks a senior engineer, whom the senior-engineer rule of
	// the policy (Premium C1/C2) requires; set by administrators.
	Senior bool `json:"senior"`
	// Away: the agent is out; round-robin routing passes them by.
	Away         bool      `json:"away"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
	PasswordHash string    `json:"-"`
}

// Activated reports whether the user has a password: until then the
// account waits for its invitation to be used and nobody signs in with it.
func (u User) Activated() bool { return u.PasswordHash != "" }

// MarshalJSON writes u with "activated", and never the password's hash.
func (u User) MarshalJSON() ([]byte, error) {
	type plain User
	return json.Marshal(struct {
		plain
		Activated bool `json:"activated"`
	}{plain(u), u.Activated()})
}

// Certification is a partner engineer's product certification; a partner
// agent sees its customers only while one is valid.
type Certification struct {
	ID         accord.ID `json:"id"`
	OrgID      accord.ID `json:"org_id"`
	UserID     accord.ID `json:"user_id"`
	Name       string    `json:"name"`
	Number     string    `json:"number"`
	ValidFrom  string    `json:"valid_from"`  // YYYY-MM-DD, inclusive
	ValidUntil string    `json:"valid_until"` // YYYY-MM-DD, inclusive
	CreatedAt  time.Time `json:"created_at"`
}

// ValidOn reports whether the certification covers the date (YYYY-MM-DD).
func (c Certification) ValidOn(date string) bool {
	return c.ValidFrom <= date && date <= c.ValidUntil
}

// Session is a signed-in browser. ID is the hash of the cookie's value.
type Session struct {
	ID         string    `json:"-"`
	UserID     accord.ID `json:"user_id"`
	OrgID      accord.ID `json:"org_id"`
	CreatedAt  time.Time `json:"created_at"`
	ExpiresAt  time.Time `json:"expires_at"`
	LastSeenAt time.Time `json:"last_seen_at"`
	Address    string    `json:"address"`
	UserAgent  string    `json:"user_agent"`
	// SecondFactorAt is when the session last proved a second factor.
	SecondFactorAt *time.Time `json:"second_factor_at"`
	// EnrolOnly: the user's role requires a second factor the user has
	// not enrolled yet; the session may only enrol one.
	EnrolOnly bool `json:"enrol_only"`
}

// Token is an API token; its value is shown once and stored as a hash.
type Token struct {
	ID         accord.ID  `json:"id"`
	OrgID      accord.ID  `json:"org_id"`
	UserID     accord.ID  `json:"user_id"`
	Name       string     `json:"name"`
	Hint       string     `json:"hint"` // the value's last characters, to tell tokens apart
	CreatedAt  time.Time  `json:"created_at"`
	ExpiresAt  time.Time  `json:"expires_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
	Hash       string     `json:"-"`
}

// OrgFilter narrows a list of organizations.
type OrgFilter struct {
	Kind      *Kind
	PartnerID *accord.ID // customers served by this partner
}

// UserFilter narrows a list of users.
type UserFilter struct {
	OrgID  *accord.ID
	Role   *accord.Role
	Active *bool
}

// Store persists the directory. Every mutating method writes ev in the same
// transaction. Get and List methods apply scope; a record outside it is
// accord.NotFound.
type Store interface {
	CreateOrganization(ctx context.Context, o Organization, ev audit.Event) error
	UpdateOrganization(ctx context.Context, o Organization, ev audit.Event) error
	GetOrganization(ctx context.Context, scope accord.Scope, id accord.ID) (Organization, error)
	ListOrganizations(ctx context.Context, scope accord.Scope, f OrgFilter, p accord.Page) ([]Organization, string, error)

	LinkPartner(ctx context.Context, partnerID, customerID accord.ID, now time.Time, ev audit.Event) error
	UnlinkPartner(ctx context.Context, partnerID, customerID accord.ID, ev audit.Event) error
	// PartnerCustomers lists the customers a partner serves; used to build a
	// partner agent's scope, so it is not itself scoped.
	PartnerCustomers(ctx context.Context, partnerID accord.ID) ([]accord.ID, error)

	CreateUser(ctx context.Context, u User, ev audit.Event) error
	// UpdateUser writes every field of u. When revoke is set it also ends the
	// user's sessions and deletes its API tokens and mailed links
	// (deactivation, role change, password reset).
	UpdateUser(ctx context.Context, u User, revoke bool, ev audit.Event) error
	GetUser(ctx context.Context, scope accord.Scope, id accord.ID) (User, error)
	// UserByEmail finds a user for sign-in, before any scope exists.
	UserByEmail(ctx context.Context, emailKey string) (User, error)
	ListUsers(ctx context.Context, scope accord.Scope, f UserFilter, p accord.Page) ([]User, string, error)

	CreateCertification(ctx context.Context, c Certification, ev audit.Event) error
	DeleteCertification(ctx context.Context, scope accord.Scope, id accord.ID, ev audit.Event) error
	ListCertifications(ctx context.Context, scope accord.Scope, userID accord.ID) ([]Certification, error)

	CreateSession(ctx context.Context, s Session, ev audit.Event) error
	// Session returns an unexpired session by id (its hash).
	Session(ctx context.Context, id string, now time.Time) (Session, error)
	DeleteSession(ctx context.Context, userID accord.ID, id string, ev audit.Event) error
	ListSessions(ctx context.Context, userID accord.ID, now time.Time) ([]Session, error)

	CreateToken(ctx context.Context, t Token, ev audit.Event) error
	// TokenByHash returns an unexpired token and marks it used at now.
	TokenByHash(ctx context.Context, hash string, now time.Time) (Token, error)
	ListTokens(ctx context.Context, userID accord.ID) ([]Token, error)
	DeleteToken(ctx context.Context, userID, id accord.ID, ev audit.Event) error

	// RecordLoginAttempt counts a sign-in attempt for key in the window that
	// started after since, atomically, and returns the count and the
	// window's start.
	RecordLoginAttempt(ctx context.Context, key string, now, since time.Time) (int, time.Time, error)
	// ForgiveLoginAttempt takes one attempt back, for a success.
	ForgiveLoginAttempt(ctx context.Context, key string) error

	// ThrottleLogin locks the throttle of sign-ins on account (an e-mail
	// key, whether a user has it or not) from address, as it stands or
	// fresh at now, hands it to decide and stores what decide returns, in
	// one transaction; an error from decide stores nothing and is returned
	// as is. Concurrent attempts on one pair decide one after the other.
	ThrottleLogin(ctx context.Context, account, address string, now time.Time, decide func(Throttle) (Throttle, error)) error
	// ForgetThrottle drops the throttle of account from address (a
	// success) and every throttle whose last failure came before stale.
	ForgetThrottle(ctx context.Context, account, address string, stale time.Time) error
	// RecordEvent appends an event that records something no row keeps,
	// such as a refused sign-in.
	RecordEvent(ctx context.Context, ev audit.Event) error
	// Unlock drops every throttle of account, from any address, with ev,
	// and returns how many there were.
	Unlock(ctx context.Context, account string, ev audit.Event) (int, error)

	// CreateLink stores l, replacing the user's link of the same purpose,
	// and schedules LinkJob for it, with ev, in one transaction.
	CreateLink(ctx context.Context, l Link, ev audit.Event) error
	// RequestReset is CreateLink for the user who has emailKey, if anyone
	// does: l's organization and user are that user's. It runs the same
	// statements, and schedules LinkJob for l, whether or not such a user
	// exists, so that its work tells nothing; the job finds no link then.
	RequestReset(ctx context.Context, emailKey string, l Link) error
	// Link returns a link by id.
	Link(ctx context.Context, id accord.ID) (Link, error)
	// LinkByHash returns the link whose token has hash, with its user.
	LinkByHash(ctx context.Context, hash string) (Link, User, error)
	// MintLink locks link id and its user, hands them to decide and stores
	// the link decide returns (its hash), in one transaction.
	MintLink(ctx context.Context, id accord.ID, decide func(Link, User) (Link, error)) error
	// UseLink locks the link whose token has hash and its user, hands them
	// to decide, and writes the user decide returns with its event; every
	// link, session and token of the user ends, in one transaction.
	UseLink(ctx context.Context, hash string, decide func(Link, User) (User, audit.Event, error)) (User, error)

	SSOStore
	TOTPStore
}

// Throttle is how sign-in attempts on one account from one client address
// stand: failures counted since the last success (or since they were
// forgotten), and the instant before which no attempt is checked.
type Throttle struct {
	Failures    int
	LastFailure time.Time
	Next        time.Time
}
