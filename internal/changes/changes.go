package changes

import (
	"context"
	"time"

	"accord/internal/accord"
	"accord/internal/audit"
	"accord/internal/sla"
)

// State is where a change request stands.
type State string

const (
	Draft      State = "draft"
	Submitted  State = "submitted"
	Assessed   State = "assessed"
	Approved   State = "approved"
	Scheduled  State = "scheduled"
	InProgress State = "in_progress"
	Completed  State = "completed"
	Failed     State = "failed"
	RolledBack State = "rolled_back"
	Cancelled  State = "cancelled"
)

// States lists every state in lifecycle order.
var States = []State{Draft, Submitted, Assessed, Approved, Scheduled, InProgress, Completed, Failed, RolledBack, Cancelled}

// moves is the state machine: from each state, the states a change may
// move to. An edit of the plan, the schedule or the type after an approval
// moves an approved or scheduled change back to assessed.
var moves = map[State][]State{
	Draft:      {Submitted, Cancelled},
	Submitted:  {Assessed, Cancelled},
	Assessed:   {Assessed, Approved, Cancelled},
	Approved:   {Assessed, Scheduled, Cancelled},
	Scheduled:  {Assessed, InProgress, Cancelled},
	InProgress: {Completed, Failed, RolledBack},
}

// CanMove reports whether the state machine allows from -> to.
func CanMove(from, to State) bool {
	for _, s := range moves[from] {
		if s == to {
			return true
		}
	}
	return false
}

func (s State) valid() bool {
	for _, x := range States {
		if x == s {
			return true
		}
	}
	return false
}

// Ended reports whether nothing more happens to a change in state s.
func (s State) Ended() bool { return len(moves[s]) == 0 }

// Type is how big a change is (004, "Change management").
type Type string

const (
	Minor  Type = "minor"
	Medium Type = "medium"
	Major  Type = "major"
)

func (t Type) valid() bool { return t == Minor || t == Medium || t == Major }

// Urgency says whether a change may wait for its window.
type Urgency string

const (
	Normal Urgency = "normal"
	Urgent Urgency = "urgent"
)

// Party is a side of a managed service, as a responsibility matrix names it.
type Party string

const (
	Vendor   Party = "vendor"
	Customer Party = "customer"
	Reseller Party = "reseller"
)

// Change is one change request on a managed environment.
type Change struct {
	ID              accord.ID `json:"id"`
	OrgID           accord.ID `json:"org_id"` // the customer that owns the environment
	EnvironmentID   accord.ID `json:"environment_id"`
	EnvironmentName string    `json:"environment_name"`
	ResellerID      accord.ID `json:"reseller_id,omitempty"`
	State           State     `json:"state"`

	Title         string  `json:"title"`
	Reason        string  `json:"reason"`
	Description   string  `json:"description"`
	Plan          string  `json:"implementation_plan"`
	BackoutPlan   string  `json:"backout_plan"`
	NeedsShutdown bool    `json:"needs_shutdown"`
	Urgency       Urgency `json:"urgency"`
	// PlannedStart and Minutes are the schedule: [start, start+minutes).
	PlannedStart *time.Time `json:"planned_start,omitempty"`
	Minutes      int        `json:"duration_minutes"`
	// Script is the automation script or procedure the customer supplies
	// (004 gives that task to the customer).
	Script *File `json:"script,omitempty"`

	Assessment *Assessment `json:"assessment,omitempty"`
	Type       Type        `json:"type,omitempty"`
	// TypeReason says why the assessor's type differs from the suggestion.
	TypeReason string `json:"type_reason,omitempty"`
	// ImplementerID is the vendor person who carries the change out; a
	// validator is never the implementer.
	ImplementerID   accord.ID `json:"implementer_id,omitempty"`
	ImplementerName string    `json:"implementer_name,omitempty"`

	// Approvals are the valid approvals: voided ones are dropped (the
	// timeline keeps them).
	Approvals []Approval `json:"approvals"`

	// Exceptional marks an urgent change outside its windows that both
	// sides agreed to handle as an incident; IncidentCaseID is that case.
	Exceptional    bool            `json:"exceptional,omitempty"`
	Criticality    sla.Criticality `json:"criticality,omitempty"`
	IncidentCaseID accord.ID       `json:"incident_case_id,omitempty"`

	Report *Report `json:"report,omitempty"`

	RequestedByID   accord.ID  `json:"requested_by_id,omitempty"`
	RequestedByName string     `json:"requested_by_name"`
	CreatedAt       time.Time  `json:"created_at"`
	SubmittedAt     *time.Time `json:"submitted_at,omitempty"`
	StartedAt       *time.Time `json:"started_at,omitempty"`
	EndedAt         *time.Time `json:"ended_at,omitempty"`
	UpdatedAt       time.Time  `json:"updated_at"`
}

// End is when the schedule ends, or zero without a schedule.
func (c Change) End() time.Time {
	if c.PlannedStart == nil {
		return time.Time{}
	}
	return c.PlannedStart.Add(time.Duration(c.Minutes) * time.Minute)
}

// Approval is one person's yes: the customer's approval (Kind approval) or
// a second vendor person's validation (Kind validation).
type Approval struct {
	Kind   string    `json:"kind"` // "approval" or "validation"
	Party  Party     `json:"party"`
	UserID accord.ID `json:"user_id"`
	Name   string    `json:"name"`
	At     time.Time `json:"at"`
}

// Approval kinds.
const (
	KindApproval   = "approval"
	KindValidation = "validation"
)

// Report is the activity report that completes a change (004: the vendor
// receives and handles it).
type Report struct {
	WhatWasDone string    `json:"what_was_done"`
	Result      string    `json:"result"`
	Evidence    []File    `json:"evidence"`
	At          time.Time `json:"at"`
	ByID        accord.ID `json:"by_id,omitempty"`
	By          string    `json:"by"`
}

// File is a file stored with a change; its content is stored apart.
type File struct {
	ID          accord.ID `json:"id"`
	Name        string    `json:"name"`
	ContentType string    `json:"content_type"`
	Size        int64     `json:"size"`
	SHA256      string    `json:"sha256"`
}

// Upload is a file with its content.
type Upload struct {
	File    File
	Content []byte
}

// EntryKind names what happened to a change.
type EntryKind string

const (
	Requested       EntryKind = "requested"
	SubmittedEntry  EntryKind = "submitted"
	AssessedEntry   EntryKind = "assessed"
	Edited          EntryKind = "edited"
	ApprovedEntry   EntryKind = "approved"
	Validated       EntryKind = "validated"
	ApprovalsVoided EntryKind = "approvals_voided"
	ScheduledEntry  EntryKind = "scheduled"
	Started         EntryKind = "started"
	CompletedEntry  EntryKind = "completed"
	FailedEntry     EntryKind = "failed"
	RolledBackEntry EntryKind = "rolled_back"
	CancelledEntry  EntryKind = "cancelled"
	IncidentOpened  EntryKind = "incident_opened"
)

// mailed are the entries the customer's contacts (and the vendor's people
// on the change) hear of by mail.
var mailed = map[EntryKind]bool{
	SubmittedEntry: true, AssessedEntry: true, ApprovalsVoided: true, ScheduledEntry: true, Started: true,
	CompletedEntry: true, FailedEntry: true, RolledBackEntry: true,
}

// Mailed reports whether an entry of kind k is told by mail.
func Mailed(k EntryKind) bool { return mailed[k] }

// Entry is one line of a change's timeline.
type Entry struct {
	ID        accord.ID `json:"id"`
	ChangeID  accord.ID `json:"change_id"`
	OrgID     accord.ID `json:"org_id"`
	Kind      EntryKind `json:"kind"`
	At        time.Time `json:"at"`
	ActorID   accord.ID `json:"actor_id,omitempty"`
	ActorName string    `json:"actor_name"`
	Note      string    `json:"note,omitempty"`
}

// Window is a maintenance window agreed for an environment.
type Window struct {
	ID            accord.ID `json:"id"`
	OrgID         accord.ID `json:"org_id"`
	EnvironmentID accord.ID `json:"environment_id"`
	Rule          string    `json:"rule"` // as ParseRule reads it
	Zone          string    `json:"zone"` // IANA
	// Who agreed, on each side.
	VendorAgreedBy   string    `json:"vendor_agreed_by"`
	CustomerAgreedBy string    `json:"customer_agreed_by"`
	CreatedAt        time.Time `json:"created_at"`
	CreatedBy        string    `json:"created_by"`
}

// Filter narrows a list of changes.
type Filter struct {
	OrgID         accord.ID
	EnvironmentID accord.ID
	State         State
	// Between lists changes whose schedule meets [From, To); both zero: any.
	From, To time.Time
}

// Write is what a decision about a change writes, in one transaction.
type Write struct {
	Change  Change  // the row as it stands afterwards
	Entries []Entry // new timeline entries; mailed kinds queue a letter job
	Uploads []Upload
	Events  []audit.Event
}

// Locked reads, in the transaction that holds the change's lock, what
// other changes may alter concurrently.
type Locked interface {
	// Overlapping returns the other changes of the environment, neither
	// ended nor drafts, whose schedule meets [from, to).
	Overlapping(envID, except accord.ID, from, to time.Time) ([]Change, error)
}

// LetterJob is the kind of the job that mails a timeline entry.
const LetterJob = "change.letter"

// Store persists changes and maintenance windows.
type Store interface {
	Create(ctx context.Context, w Write) error
	Get(ctx context.Context, scope accord.Scope, id accord.ID) (Change, error)
	// List lists changes newest first.
	List(ctx context.Context, scope accord.Scope, f Filter, p accord.Page) ([]Change, string, error)
	// Update locks the change, passes it to decide and writes what decide
	// returns; an error from decide writes nothing and is returned as is.
	Update(ctx context.Context, scope accord.Scope, id accord.ID, decide func(Change, Locked) (Write, error)) (Change, error)
	Timeline(ctx context.Context, scope accord.Scope, id accord.ID) ([]Entry, error)
	// Entry returns one timeline entry, for its letter.
	Entry(ctx context.Context, id accord.ID) (Entry, error)
	File(ctx context.Context, scope accord.Scope, changeID, fileID accord.ID) (File, []byte, error)
	// ByCase returns the change an incident case was opened for.
	ByCase(ctx context.Context, scope accord.Scope, caseID accord.ID) (Change, error)

	// Windows lists an environment's maintenance windows; with no envID,
	// every window in scope.
	Windows(ctx context.Context, scope accord.Scope, envID accord.ID) ([]Window, error)
	CreateWindow(ctx context.Context, w Window, ev audit.Event) error
	DeleteWindow(ctx context.Context, scope accord.Scope, id accord.ID, ev func(Window) audit.Event) error
}
