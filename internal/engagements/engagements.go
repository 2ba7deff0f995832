package engagements

import (
	"context"
	"time"

	"accord/internal/accord"
	"accord/internal/audit"
	"accord/internal/contracts"
)

// Party is a side of an engagement.
type Party string

const (
	Customer Party = "customer" // the customer's contacts
	Reseller Party = "reseller" // the partner that serves the customer
	Vendor   Party = "vendor"   // the vendor's own staff
)

func (p Party) valid() bool { return p == Customer || p == Reseller || p == Vendor }

// State is where an engagement stands.
type State string

const (
	Requested  State = "requested"
	Quoted     State = "quoted"
	Accepted   State = "accepted" // the customer accepted the quote
	Scheduled  State = "scheduled"
	InProgress State = "in_progress"
	Completed  State = "completed"
	SignedOff  State = "signed_off" // the customer accepted the result
	Cancelled  State = "cancelled"
)

// States lists every state in lifecycle order.
var States = []State{Requested, Quoted, Accepted, Scheduled, InProgress, Completed, SignedOff, Cancelled}

func (s State) valid() bool {
	for _, x := range States {
		if x == s {
			return true
		}
	}
	return false
}

// open reports whether the engagement may still be cancelled.
func (s State) open() bool { return s != Completed && s != SignedOff && s != Cancelled }

// Engagement is one booking of a catalog service for a customer.
type Engagement struct {
	ID    accord.ID `json:"id"`
	OrgID accord.ID `json:"org_id"` // the customer
	// ResellerID is the partner involved: the one that requested the
	// engagement or was named on it. Provider says who delivers.
	ResellerID     accord.ID `json:"reseller_id,omitempty"`
	Provider       Party     `json:"provider"`
	Service        string    `json:"service"`
	ServiceName    string    `json:"service_name"`
	Format         string    `json:"format,omitempty"`
	CatalogVersion int       `json:"catalog_version"`
	Scope          string    `json:"scope"`
	CaseID         accord.ID `json:"case_id,omitempty"`
	// EnvironmentID is the customer's managed environment the engagement
	// is about, such as the one a restore test restores.
	EnvironmentID accord.ID `json:"environment_id,omitempty"`
	State         State     `json:"state"`

	RequestedAt     time.Time `json:"requested_at"`
	RequestedByID   accord.ID `json:"requested_by_id,omitempty"`
	RequestedByName string    `json:"requested_by_name"`

	Quote      *Quote     `json:"quote,omitempty"`
	AcceptedAt *time.Time `json:"accepted_at,omitempty"`
	// EarliestStart is when the first session may start: the lead time
	// after acceptance or after the last step required before scheduling.
	EarliestStart *time.Time `json:"earliest_start,omitempty"`
	StartedAt     *time.Time `json:"started_at,omitempty"`
	CompletedAt   *time.Time `json:"completed_at,omitempty"`
	SignedOffAt   *time.Time `json:"signed_off_at,omitempty"`
	SignOffNote   string     `json:"sign_off_note,omitempty"`
	CancelledAt   *time.Time `json:"cancelled_at,omitempty"`
	CancelReason  string     `json:"cancel_reason,omitempty"`

	Steps    []Step    `json:"steps"`
	Sessions []Session `json:"sessions"`
	// HoursShortfall is the provider's confirmation that the sessions
	// booked add up to less than the hours quoted, and why.
	HoursShortfall *Shortfall `json:"hours_shortfall,omitempty"`
	Outcome        *Outcome   `json:"outcome,omitempty"`

	// Waiting says who is holding up what; computed when read.
	Waiting []Waiting `json:"waiting_on"`

	UpdatedAt time.Time `json:"updated_at"`
}

// Quote prices an engagement.
type Quote struct {
	Hours           int    `json:"hours"` // 0 for a fixed-price service
	OnSite          bool   `json:"on_site"`
	OutsideHomeCity bool   `json:"outside_home_city"`
	OutOfHours      bool   `json:"out_of_hours"`
	Currency        string `json:"currency"`
	Lines           []Line `json:"lines"`
	TotalCents      int64  `json:"total_cents"`
	// Coverage is the entitlement the engagement will use when accepted.
	Coverage *Coverage `json:"coverage,omitempty"`
	Note     string    `json:"note,omitempty"`
	QuotedAt time.Time `json:"quoted_at"`
	QuotedBy string    `json:"quoted_by"`
}

// Line is one line of a quote; a covered amount is negative.
type Line struct {
	Label       string `json:"label"`
	AmountCents int64  `json:"amount_cents"`
}

// Coverage is the part of an engagement a contract's entitlement pays for.
type Coverage struct {
	EntitlementID accord.ID `json:"entitlement_id"`
	Key           string    `json:"key"`
	Name          string    `json:"name"`
	Quantity      int       `json:"quantity"`
	Unit          string    `json:"unit"`
	StartsOn      string    `json:"starts_on"`
	EndsOn        string    `json:"ends_on"`
	// ConsumptionID is the use recorded at acceptance.
	ConsumptionID accord.ID `json:"consumption_id,omitempty"`
}

// Step is one step of the engagement's plan.
type Step struct {
	Position int     `json:"position"` // from 1
	Title    string  `json:"title"`
	Parties  []Party `json:"parties"`
	// BeforeScheduling steps must be done before sessions are booked; the
	// lead time then counts from the last of them.
	BeforeScheduling bool `json:"before_scheduling,omitempty"`
	// Preparation steps may be done before the first session's day; the
	// others are the execution and wait for it.
	Preparation bool       `json:"preparation,omitempty"`
	DoneAt      *time.Time `json:"done_at,omitempty"`
	DoneByID    accord.ID  `json:"done_by_id,omitempty"`
	DoneByName  string     `json:"done_by_name,omitempty"`
	DoneAs      Party      `json:"done_as,omitempty"`
	Note        string     `json:"note,omitempty"`
	File        *File      `json:"file,omitempty"`
}

// File is the evidence attached to a step; its content is stored apart.
type File struct {
	ID          accord.ID `json:"id"`
	Name        string    `json:"name"`
	ContentType string    `json:"content_type"`
	Size        int64     `json:"size"`
	SHA256      string    `json:"sha256"`
}

// Session is a block of work booked with one engineer.
type Session struct {
	ID           accord.ID `json:"id"`
	EngineerID   accord.ID `json:"engineer_id"`
	EngineerName string    `json:"engineer_name"`
	Start        time.Time `json:"start"`
	End          time.Time `json:"end"`
	OnSite       bool      `json:"on_site"`
	Location     string    `json:"location,omitempty"`
}

// Shortfall records that the sessions booked add up to less than the
// hours quoted, as the provider confirmed when booking them.
type Shortfall struct {
	QuotedHours   int       `json:"quoted_hours"`
	BookedMinutes int       `json:"booked_minutes"`
	Reason        string    `json:"reason"`
	ConfirmedAt   time.Time `json:"confirmed_at"`
	ConfirmedByID accord.ID `json:"confirmed_by_id,omitempty"`
	ConfirmedBy   string    `json:"confirmed_by"`
}

// Outcome is what a recovery test measured.
type Outcome struct {
	// FailureAt is when the service was stopped or the failure injected.
	FailureAt *time.Time `json:"failure_at,omitempty"`
	// RestoredAt is when the service worked again.
	RestoredAt *time.Time `json:"restored_at,omitempty"`
	// DataPointAt is the newest data point found after the recovery.
	DataPointAt *time.Time `json:"data_point_at,omitempty"`
	// The customer's objectives, in minutes.
	RTOObjectiveMinutes *int      `json:"rto_objective_minutes,omitempty"`
	RPOObjectiveMinutes *int      `json:"rpo_objective_minutes,omitempty"`
	Notes               string    `json:"notes,omitempty"`
	Actions             []string  `json:"actions,omitempty"` // what to do in a real disaster
	RecordedAt          time.Time `json:"recorded_at"`
	RecordedBy          string    `json:"recorded_by"`
	// Measured figures, computed from the instants above.
	RTO *Measure `json:"rto,omitempty"`
	RPO *Measure `json:"rpo,omitempty"`
}

// Measure is one measured objective.
type Measure struct {
	Seconds          int64  `json:"seconds"`
	Text             string `json:"text"` // "1h25m"
	ObjectiveSeconds *int64 `json:"objective_seconds,omitempty"`
	Met              *bool  `json:"met,omitempty"` // unset without an objective
}

// Waiting is one thing holding an engagement up, and whose move it is.
type Waiting struct {
	Parties []Party `json:"parties"`
	What    string  `json:"what"`
	Step    int     `json:"step,omitempty"`
}

// Filter narrows a list of engagements.
type Filter struct {
	OrgID      accord.ID
	ResellerID accord.ID
	State      State
	Service    string
	EngineerID accord.ID // engagements with a session of this engineer
}

// Booking is a session with what a calendar feed shows about it.
type Booking struct {
	Session
	EngagementID accord.ID `json:"engagement_id"`
	OrgID        accord.ID `json:"org_id"`
	OrgName      string    `json:"org_name"`
	ServiceName  string    `json:"service_name"`
	State        State     `json:"state"`
	UpdatedAt    time.Time `json:"updated_at"`
}

// SessionFilter selects bookings: for a calendar feed, one engineer's or
// one customer's; for the services calendar, those in a scope.
type SessionFilter struct {
	EngineerID accord.ID
	OrgID      accord.ID
	// Scope limits the customers: the reader's, or a feed owner's at the
	// time the feed is read; nil for no limit.
	Scope *accord.Scope
	From  time.Time // sessions ending after this instant
	To    time.Time // sessions starting before this instant; zero: no end
}

// Feed is a user's secret calendar feed; only the token's hash is stored.
type Feed struct {
	UserID    accord.ID `json:"user_id"`
	OrgID     accord.ID `json:"org_id"`
	TokenHash string    `json:"-"`
	CreatedAt time.Time `json:"created_at"`
}

// Upload is an evidence file to store with a change.
type Upload struct {
	File    File
	Content []byte
}

// Change is what a decision writes, in one transaction.
type Change struct {
	Engagement Engagement // the row as it stands afterwards, with its steps and outcome
	// Sessions, when not nil, replace the engagement's sessions.
	Sessions *[]Session
	Upload   *Upload
	// Use records a use of an entitlement (a negative quantity gives units
	// back), adding its quantity to the entitlement's use.
	Use    *contracts.Consumption
	Events []audit.Event
}

// Locked reads, inside the transaction that holds the engagement's lock,
// what a decision needs that other engagements may change concurrently. It
// locks what it reads until the transaction ends.
type Locked interface {
	// Busy returns the sessions of other engagements, not cancelled, of
	// the given engineers that overlap [from, to).
	Busy(engineers []accord.ID, from, to time.Time) ([]Booking, error)
	// Entitlement returns an entitlement of the engagement's customer.
	Entitlement(id accord.ID) (contracts.Entitlement, error)
}

// Store persists the catalog and engagements.
type Store interface {
	// CreateCatalogVersion fails with Conflict when the number is taken,
	// and appends ev in the same transaction.
	CreateCatalogVersion(ctx context.Context, v Version, ev audit.Event) error
	GetCatalogVersion(ctx context.Context, number int) (Version, error)
	// LatestCatalogVersion is NotFound while there is no version at all.
	LatestCatalogVersion(ctx context.Context) (Version, error)
	// ListCatalogVersions lists newest first, without documents.
	ListCatalogVersions(ctx context.Context, p accord.Page) ([]Version, string, error)

	Create(ctx context.Context, e Engagement, ev audit.Event) error
	// Get returns the engagement with its steps, sessions and outcome.
	Get(ctx context.Context, scope accord.Scope, id accord.ID) (Engagement, error)
	// List lists engagements newest first, with steps but without sessions.
	List(ctx context.Context, scope accord.Scope, f Filter, p accord.Page) ([]Engagement, string, error)
	// Update locks the engagement, passes it to decide with a view of what
	// else the transaction has locked, and writes the Change decide
	// returns. An error from decide writes nothing and is returned as is.
	Update(ctx context.Context, scope accord.Scope, id accord.ID, decide func(Engagement, Locked) (Change, error)) (Engagement, error)
	// File returns a step's evidence file and its content.
	File(ctx context.Context, scope accord.Scope, engagementID, fileID accord.ID) (File, []byte, error)

	// Bookings lists the sessions a feed shows, oldest first.
	Bookings(ctx context.Context, f SessionFilter) ([]Booking, error)
	// SaveFeed creates or replaces the user's feed.
	SaveFeed(ctx context.Context, f Feed, ev audit.Event) error
	GetFeed(ctx context.Context, userID accord.ID) (Feed, error)
	FeedByToken(ctx context.Context, tokenHash string) (Feed, error)
}
