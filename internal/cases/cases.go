package cases

import (
	"context"
	"slices"
	"time"

	"accord/internal/accord"
	"accord/internal/audit"
	"accord/internal/sla"
)

// Type is what a case asks for.
type Type string

const (
	Incident      Type = "incident"
	Defect        Type = "defect"
	Question      Type = "question"
	Enhancement   Type = "enhancement"    // has its own states and no response clock
	RootCause     Type = "root_cause"     // opened by Accord when a C1 or C2 case is resolved
	AccessRequest Type = "access_request" // a new user for the support platform (section 7.4)
)

// Types lists the types a person may open; root-cause analyses are opened
// by Accord.
var Types = []Type{Incident, Defect, Question, Enhancement, AccessRequest}

// State is where a case stands.
type State string

const (
	New              State = "new"               // nobody at the vendor has touched it
	Open             State = "open"              // being worked
	AwaitingCustomer State = "awaiting_customer" // the vendor asked; the clock is paused
	Resolved         State = "resolved"          // awaiting the customer's confirmation
	Closed           State = "closed"

	// The states of enhancement requests.
	Received      State = "received"
	UnderAnalysis State = "under_analysis"
	Accepted      State = "accepted"
	Declined      State = "declined"
	Delivered     State = "delivered" // in DeliveredIn
)

// States lists every state, support states first.
var States = []State{New, Open, AwaitingCustomer, Resolved, Closed, Received, UnderAnalysis, Accepted, Declined, Delivered}

// Details are what the policy asks the customer to report with an incident
// or a defect (section 7.6); Criticality is the customer's own reading.
type Details struct {
	Criticality sla.Criticality `json:"customer_criticality,omitempty"`
	Procedure   string          `json:"procedure,omitempty"` // the commands or procedure where it happens
	Version     string          `json:"version,omitempty"`   // the software version
	Observed    string          `json:"observed,omitempty"`  // what happened
	Expected    string          `json:"expected,omitempty"`  // what should have happened
	Discovery   string          `json:"discovery,omitempty"` // how it was found
}

// Clock is a case's first-response clock: the facts it was computed from
// and the instants they give. DueAt and WarnAt are recomputed from the
// stored facts (start, target, pauses) on every change, never adjusted.
type Clock struct {
	PolicyVersion int         `json:"policy_version"`
	Plan          string      `json:"plan"`
	Channel       sla.Channel `json:"channel"`
	ReceivedAt    time.Time   `json:"received_at"`
	// PhoneAt is the first recorded call about the case, if any.
	PhoneAt *time.Time `json:"phone_at,omitempty"`
	// Kind is sla.Clock24x7 or the calendar that counts; "" for a case
	// without a response clock (enhancement requests).
	Kind       string       `json:"kind"`
	StartsAt   time.Time    `json:"starts_at"`
	Target     sla.Duration `json:"target"`
	Guaranteed bool         `json:"guaranteed"`
	// CallRequired: the target is guaranteed only after a call, and there
	// has been none yet.
	CallRequired bool `json:"call_required"`
	// DueAt and WarnAt are nil while the clock is paused (the remaining
	// time is frozen, the instant unknown) and for cases without a clock.
	DueAt  *time.Time `json:"due_at,omitempty"`
	WarnAt *time.Time `json:"warn_at,omitempty"`
	// RespondedAt is the first public reply by a vendor or partner agent.
	RespondedAt *time.Time `json:"responded_at,omitempty"`
	// WarnedAt and BreachedAt are when the warning and the breach were
	// recorded, by their jobs or by the first change that found them due.
	// A recorded breach is never cleared: BreachCriticality is the
	// criticality in force when the target was missed and BreachDueAt the
	// due instant missed, whatever the case's criticality becomes later.
	WarnedAt          *time.Time      `json:"warned_at,omitempty"`
	BreachedAt        *time.Time      `json:"breached_at,omitempty"`
	BreachCriticality sla.Criticality `json:"breach_criticality,omitempty"`
	BreachDueAt       *time.Time      `json:"breach_due_at,omitempty"`
	// PausedSince is set while the case awaits the customer.
	PausedSince *time.Time `json:"paused_since,omitempty"`
}

// Running reports whether the clock still counts toward its target.
func (c Clock) Running() bool { return c.Kind != "" && c.RespondedAt == nil }

// Case is a support case.
type Case struct {
	ID          accord.ID       `json:"id"`
	OrgID       accord.ID       `json:"org_id"` // the customer
	Number      int64           `json:"number"` // per database, for people: #1042
	Type        Type            `json:"type"`
	Title       string          `json:"title"`
	Description string          `json:"description"`
	Details     Details         `json:"details"`
	Criticality sla.Criticality `json:"criticality"`
	State       State           `json:"state"`
	// DeliveredIn is the version an enhancement was delivered in.
	DeliveredIn string    `json:"delivered_in,omitempty"`
	ContractID  accord.ID `json:"contract_id,omitempty"`
	OpenedByID  accord.ID `json:"opened_by_id,omitempty"` // empty when Accord opened it
	OpenedBy    string    `json:"opened_by"`
	AssigneeID  accord.ID `json:"assignee_id,omitempty"`
	// TeamID is the team whose queue holds the case.
	TeamID accord.ID `json:"team_id,omitempty"`
	// SeniorRequired: the policy's senior-engineer rule applies (its plan
	// includes sla.SeniorRouting for its criticality), as of the opening or
	// the latest reclassification.
	SeniorRequired bool `json:"senior_required"`
	// AssigneeSenior: the assignee was a senior engineer when given the
	// case; the dashboard's senior share counts it.
	AssigneeSenior bool `json:"assignee_senior"`
	// ParentID links a root-cause analysis to the case it follows.
	ParentID accord.ID `json:"parent_id,omitempty"`
	// RootCauseID is the analysis opened when this case was resolved.
	RootCauseID accord.ID `json:"root_cause_id,omitempty"`
	// OutOfScope is the category of a request the vendor marked outside
	// support's scope; the case then points to a professional service.
	OutOfScope string `json:"out_of_scope,omitempty"`
	Clock      Clock  `json:"clock"`
	// AutoCloseAt is when the case closes by itself if nothing happens.
	AutoCloseAt *time.Time `json:"auto_close_at,omitempty"`
	ResolvedAt  *time.Time `json:"resolved_at,omitempty"`
	ClosedAt    *time.Time `json:"closed_at,omitempty"`
	CloseReason string     `json:"close_reason,omitempty"` // confirmed, auto_resolved, auto_awaiting_customer
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
	// Pauses are filled by Get, oldest first; the last may be open.
	Pauses []Pause `json:"pauses,omitempty"`
	// WaitingSince is when the customer wrote the latest public message,
	// if they wrote last; set on listed cases in WaitingStates.
	WaitingSince *time.Time `json:"waiting_since,omitempty"`
	// Reclassifications are filled by Get from the timeline, oldest first:
	// the case's criticality history.
	Reclassifications []CriticalityChange `json:"reclassifications,omitempty"`
	// Feasibility is the evaluation of an integration with an unsupported
	// platform an enhancement request asks for (feasibility.go); Repair an
	// appliance's repair a case requests (repair.go). Filled by Get.
	Feasibility *Feasibility `json:"feasibility,omitempty"`
	Repair      *Repair      `json:"repair,omitempty"`
}

// CriticalityChange is a reclassification, as its timeline entry records it.
type CriticalityChange struct {
	From sla.Criticality `json:"from"`
	To   sla.Criticality `json:"to"`
	At   time.Time       `json:"at"`
}

// Pause is a stretch during which the case awaited the customer.
type Pause struct {
	From time.Time  `json:"from"`
	To   *time.Time `json:"to,omitempty"` // nil while it lasts
}

// EntryKind is what an entry of a case's timeline records.
type EntryKind string

const (
	Opened         EntryKind = "opened"
	Reply          EntryKind = "reply"          // public
	Note           EntryKind = "note"           // internal: agents only
	PhoneCall      EntryKind = "phone_call"     // a call the vendor received
	Reclassified   EntryKind = "reclassified"   // criticality changed
	StateChanged   EntryKind = "state_changed"  // with the reason, if any
	RemoteSession  EntryKind = "remote_session" // proposed, then accepted or declined
	Attachment     EntryKind = "attachment"
	Assigned       EntryKind = "assigned"
	OutOfScopeMark EntryKind = "out_of_scope"
	SLAWarning     EntryKind = "sla_warning"
	SLABreach      EntryKind = "sla_breach"
	// InternalWarning: an internal target (Data.To names it) is near;
	// internal, for the vendor's side.
	InternalWarning EntryKind = "internal_warning"
	Linked          EntryKind = "linked" // a root-cause analysis was opened for it
	// FeasibilityEntry and RepairEntry record a step of an integration's
	// evaluation and of an appliance's repair; public.
	FeasibilityEntry EntryKind = "feasibility"
	RepairEntry      EntryKind = "repair"
)

// Entry is one item of a case's timeline. Data holds what the kind needs,
// as in the fields below; the store keeps it as JSON.
type Entry struct {
	ID        accord.ID `json:"id"`
	OrgID     accord.ID `json:"org_id"`
	CaseID    accord.ID `json:"case_id"`
	Kind      EntryKind `json:"kind"`
	Internal  bool      `json:"internal"` // hidden from customer contacts
	AuthorID  accord.ID `json:"author_id,omitempty"`
	Author    string    `json:"author"`
	AuthorOrg accord.ID `json:"author_org_id,omitempty"`
	Body      string    `json:"body,omitempty"`
	Data      EntryData `json:"data"`
	At        time.Time `json:"at"`
}

// EntryData is the kind-specific part of an entry; unused fields are empty.
type EntryData struct {
	// Replies.
	References         []Reference `json:"references,omitempty"`
	RequestInformation bool        `json:"request_information,omitempty"`
	// Phone calls.
	Caller   string     `json:"caller,omitempty"`
	Number   string     `json:"number,omitempty"`
	CalledAt *time.Time `json:"called_at,omitempty"`
	// Reclassifications and state changes.
	From   string `json:"from,omitempty"`
	To     string `json:"to,omitempty"`
	Reason string `json:"reason,omitempty"`
	// Hold: an agent put the case on hold for the customer (awaiting the
	// customer without a request for information), for Reason.
	Hold bool `json:"hold,omitempty"`
	// Days: the business days after which the auto-close rule of Reason
	// closed the case (section 7.8).
	Days int `json:"days,omitempty"`
	// Remote sessions.
	Session *Session `json:"session,omitempty"`
	// Attachments: File on an attachment entry; Files sent with a reply,
	// an internal note or the opening, shown under that entry and visible
	// to whoever may read it.
	File  *File  `json:"file,omitempty"`
	Files []File `json:"files,omitempty"`
	// Assignments, links.
	UserID accord.ID `json:"user_id,omitempty"`
	CaseID accord.ID `json:"case_id,omitempty"`
	// Assignments: the team the case moved to (its name as it was then),
	// and Override when a vendor administrator set the senior-engineer
	// rule aside, for Reason.
	TeamID   accord.ID `json:"team_id,omitempty"`
	Team     string    `json:"team,omitempty"`
	Override bool      `json:"override,omitempty"`
	// Out of scope: the category and the service that covers it.
	Category string `json:"category,omitempty"`
	Service  string `json:"service,omitempty"`
	// SLA warnings and breaches: the instant concerned.
	DueAt *time.Time `json:"due_at,omitempty"`
	// Internal notes: the colleagues the note mentions, who are notified,
	// and the mentions, as written, that named nobody who may be told.
	Mentions    []accord.ID `json:"mentions,omitempty"`
	Unmentioned []string    `json:"unmentioned,omitempty"`
	// Steps of an integration's evaluation and of an appliance's repair.
	Feasibility *FeasibilityNote `json:"feasibility,omitempty"`
	Repair      *RepairNote      `json:"repair,omitempty"`
}

// ReferenceKind is what a reply points to.
type ReferenceKind string

const (
	KnowledgeBase ReferenceKind = "kb_article"  // a URL
	KnownIssue    ReferenceKind = "known_issue" // an id in the vendor's tracker
	LogRequest    ReferenceKind = "log_request" // which logs to collect, and how
)

// Reference is something a reply points the customer to.
type Reference struct {
	Kind  ReferenceKind `json:"kind"`
	Value string        `json:"value"`
}

// SessionStatus is where a proposed remote session stands.
type SessionStatus string

const (
	SessionProposed SessionStatus = "proposed"
	SessionAccepted SessionStatus = "accepted"
	SessionDeclined SessionStatus = "declined"
)

// MaxSession is the longest remote session (section 7.7).
const MaxSession = 30 * time.Minute

// Session is a remote session an agent proposed.
type Session struct {
	StartsAt      time.Time     `json:"starts_at"`
	Minutes       int           `json:"minutes"`
	Status        SessionStatus `json:"status"`
	RemoteControl bool          `json:"remote_control"` // the customer allows it
	DecidedBy     string        `json:"decided_by,omitempty"`
	DecidedAt     *time.Time    `json:"decided_at,omitempty"`
	Note          string        `json:"note,omitempty"`
}

// File describes an attachment; its content is kept apart.
type File struct {
	ID          accord.ID `json:"id"`
	Name        string    `json:"name"`
	ContentType string    `json:"content_type"` // sniffed from the content
	Size        int64     `json:"size"`
	SHA256      string    `json:"sha256"`
}

// InlineImages are the sniffed types a browser shows inline from the
// same origin: raster images only, never SVG, which is a document that can
// run scripts.
var InlineImages = []string{"image/png", "image/jpeg", "image/gif", "image/webp"}

// Inline reports whether the file is an image shown inline: its sniffed
// type, never the uploader's word, is one of InlineImages.
func (f File) Inline() bool { return slices.Contains(InlineImages, f.ContentType) }

// Upload is a file to store with the entry among a change's that lists it.
type Upload struct {
	File    File
	Content []byte
}

// TimerKind names the background work scheduled for a case.
type TimerKind string

const (
	WarnTimer   TimerKind = "case.sla_warning"
	BreachTimer TimerKind = "case.sla_breach"
	CloseTimer  TimerKind = "case.auto_close"
	// InternalTimer comes due at the earliest warning instant of the
	// case's internal targets; firing it records the warnings due and sets
	// it again for the next.
	InternalTimer TimerKind = "case.internal_warning"
)

// Timer schedules Kind for a case at At; a zero At cancels it. A case has
// at most one timer of each kind: setting one replaces it.
type Timer struct {
	Kind TimerKind
	At   time.Time
}

// Change is what a decision about one case writes, in one transaction.
type Change struct {
	Case    Case    // the case afterwards; Pauses are not written from it
	Entries []Entry // appended to the timeline
	// Update replaces entries' Data (a remote session decided), each only
	// if the entry still holds From's Data: decisions read entries before
	// the case is locked, and the store refuses a stale one with Conflict.
	Update  []EntryUpdate
	Pause   *Pause    // a new pause, or the open one now ended (matched by From)
	Timers  []Timer   // to set or cancel
	Uploads []Upload  // files' content, each with its entry among Entries
	Created []Opening // cases opened by this change (a root-cause analysis)
	Events  []audit.Event
	// Notify lists the entries people are to hear about: the store
	// schedules a NotifyJob for each in the same transaction.
	Notify []accord.ID
	// Rotate, for a case this change routes to a round-robin team with
	// nobody assigned, is called with the team under its row lock, as
	// Opening.Rotate is, and with the change as decided; it returns the
	// change with the member it gives the case to.
	Rotate func(Team, Change) Change
	// Alerts are the in-app notifications of the change's entries; the
	// store schedules a MentionMailJob for each mention.
	Alerts []Alert
	// Rating asks the customer to rate a case that just closed.
	Rating *RatingRequest
}

// RatingRequest is the single-use link to rate a closed case, mailed to
// the contact who opened it by a RatingLetterJob (subject: ID).
type RatingRequest struct {
	ID        accord.ID
	UserID    accord.ID
	ExpiresAt time.Time
}

// RatingLetterJob is the kind of the job that mails a rating request.
const RatingLetterJob = "case.rating_letter"

// RatingLife is how long the link to rate a closed case works.
const RatingLife = 30 * 24 * time.Hour

// Rateable reports whether the customer may rate c: a closed support case,
// not Accord's own root-cause analysis nor an access request.
func Rateable(c Case) bool {
	return c.State == Closed && c.Type != RootCause && c.Type != AccessRequest && c.Type != Enhancement
}

// EntryUpdate is an entry as it was read and as it is to be.
type EntryUpdate struct{ From, To Entry }

// Opening is everything written when a case is opened.
type Opening struct {
	Case    Case
	Entries []Entry
	Timers  []Timer
	Uploads []Upload // as in Change
	Events  []audit.Event
	Notify  []accord.ID // as in Change
	// Rotate, for a case routed to a round-robin team, is called in the
	// opening's transaction with the team as it stands under its row
	// lock, and returns the opening with the member it gives the case to;
	// the store records that member as the team's Last.
	Rotate func(Team) (Opening, error)
}

// Filter narrows a list of cases; zero values do not filter.
type Filter struct {
	OrgID       accord.ID
	States      []State
	Type        Type
	Criticality sla.Criticality
	AssigneeID  accord.ID
	Unassigned  bool
	// Teams keeps the cases in these teams' queues; a non-nil empty list
	// keeps none (the team view of someone in no team).
	Teams []accord.ID
	// SeniorRequired keeps the cases under the senior-engineer rule.
	SeniorRequired bool
	// Opened, Resolved and Closed keep the cases received, resolved or
	// closed in a span: the dashboard's drill-downs.
	Opened, Resolved, Closed Span
	DueBefore                *time.Time
	Breached                 *bool
	Text                     string // full-text search in title, description, details and public replies
	// Notes extends Text to internal notes; List sets it for agents and
	// vendor staff, whatever the caller asked.
	Notes bool
	// Sort orders the list by a column instead of its own order, paging
	// by position.
	Sort Sort
	View View // a built-in view, narrowed for the reader by List
	// CustomerWroteLast keeps the cases whose latest public message (the
	// opening or a reply) came from the customer's own organization: the
	// customer waits on the vendor since then.
	CustomerWroteLast bool
	// ByDue lists only cases awaiting a first response whose clock has a
	// due instant (not paused), soonest first: the queue. ByUpdated lists
	// the most recently changed first. Otherwise every case is listed,
	// newest first.
	ByDue     bool
	ByUpdated bool
}

// Span is the instants [From, To); a zero end is open.
type Span struct{ From, To time.Time }

// IsZero reports whether the span does not filter.
func (s Span) IsZero() bool { return s.From.IsZero() && s.To.IsZero() }

// View is one of the console's built-in lists of cases.
type View string

const (
	ViewMine       View = "mine"       // active, assigned to the reader
	ViewUnassigned View = "unassigned" // active, assigned to nobody
	ViewWaiting    View = "waiting"    // the customer wrote last: on us
	ViewAwaiting   View = "awaiting"   // awaiting the customer
	ViewBreached   View = "breached"   // active, its first response breached
	ViewUpdated    View = "updated"    // any state, most recently changed first
	ViewTeam       View = "team"       // active, in the queues of the reader's teams
)

// Views lists the built-in views in the order the console shows them.
var Views = []View{ViewMine, ViewTeam, ViewUnassigned, ViewWaiting, ViewAwaiting, ViewBreached, ViewUpdated}

// ActiveStates are the states in which a case still asks for work: a
// resolved case only waits for the customer's confirmation.
var ActiveStates = []State{New, Open, AwaitingCustomer, Received, UnderAnalysis, Accepted}

// WaitingStates are the states in which a customer's last word waits on
// the vendor; awaiting the customer, the ball is in the customer's court.
var WaitingStates = []State{New, Open, Received, UnderAnalysis}

// Narrow adds the view's rules to f for the reader me, who belongs to
// myTeams. States the caller chose are kept; otherwise the view's own apply.
func (v View) Narrow(f Filter, me accord.ID, myTeams []accord.ID) (Filter, error) {
	states := func(st []State) {
		if len(f.States) == 0 {
			f.States = st
		}
	}
	switch v {
	case "":
	case ViewMine:
		f.AssigneeID = me
		states(ActiveStates)
	case ViewTeam:
		f.Teams = append(make([]accord.ID, 0, len(myTeams)), myTeams...)
		states(ActiveStates)
	case ViewUnassigned:
		f.Unassigned = true
		states(ActiveStates)
	case ViewWaiting:
		f.CustomerWroteLast = true
		states(WaitingStates)
	case ViewAwaiting:
		states([]State{AwaitingCustomer})
	case ViewBreached:
		yes := true
		f.Breached = &yes
		states(ActiveStates)
	case ViewUpdated:
		if f.ByDue {
			return f, accord.FieldError("sort", "the updated view lists the latest changed first")
		}
		f.ByUpdated = true
	default:
		return f, accord.FieldError("view", "must be mine, team, unassigned, waiting, awaiting, breached or updated")
	}
	return f, nil
}

// Store persists cases. Every method reads only inside scope; a case
// outside it is accord.NotFound.
type Store interface {
	// Open writes a new case, assigning its Number, and returns it.
	Open(ctx context.Context, o Opening) (Case, error)
	// Get returns the case with its pauses.
	Get(ctx context.Context, scope accord.Scope, id accord.ID) (Case, error)
	List(ctx context.Context, scope accord.Scope, f Filter, p accord.Page) ([]Case, string, error)
	// Each calls fn with the cases List would list for f, batch at a
	// time and in List's order, each with its pauses, until the last or
	// an error of fn.
	Each(ctx context.Context, scope accord.Scope, f Filter, batch int, fn func([]Case) error) error
	// Entries returns the timeline oldest first; internal entries only when
	// internal is true.
	Entries(ctx context.Context, scope accord.Scope, caseID accord.ID, internal bool) ([]Entry, error)
	// Update locks the case, passes it (with its pauses) to decide, and
	// writes the Change decide returns, all in one transaction. An error
	// from decide writes nothing and is returned as is. Decide must not
	// use the database: on SQLite the transaction holds the one connection. Numbers of created
	// cases are assigned by the store.
	Update(ctx context.Context, scope accord.Scope, id accord.ID, decide func(Case) (Change, error)) (Case, error)
	// Entry returns one timeline entry; an internal one only when internal
	// is true.
	Entry(ctx context.Context, scope accord.Scope, id accord.ID, internal bool) (Entry, error)
	// ByNumber returns the case numbered n.
	ByNumber(ctx context.Context, scope accord.Scope, n int64) (Case, error)
	// File returns the entry that lists an attachment, and its content.
	File(ctx context.Context, scope accord.Scope, caseID, fileID accord.ID) (Entry, []byte, error)

	// Teams: each mutating method writes ev in its transaction. A team
	// outside scope is accord.NotFound. Lists are by name, members in
	// rotation order.
	CreateTeam(ctx context.Context, t Team, ev audit.Event) error
	UpdateTeam(ctx context.Context, t Team, ev audit.Event) error
	GetTeam(ctx context.Context, scope accord.Scope, id accord.ID) (Team, error)
	ListTeams(ctx context.Context, scope accord.Scope, f TeamFilter) ([]Team, error)
	AddMember(ctx context.Context, t Team, userID accord.ID, at time.Time, ev audit.Event) error
	RemoveMember(ctx context.Context, t Team, userID accord.ID, ev audit.Event) error

	// Appliance returns an installation of customer, for a repair request.
	Appliance(ctx context.Context, scope accord.Scope, customer, installation accord.ID) (Appliance, error)
}
