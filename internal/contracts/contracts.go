package contracts

import (
	"context"
	"time"

	"accord/internal/accord"
	"accord/internal/audit"
	"accord/internal/directory"
)

// Status is where a term stands on a given day; it is derived from dates.
type Status string

const (
	Pending   Status = "pending"   // signed, starts later (a renewal before its start)
	Active    Status = "active"    // today is within the term
	Expired   Status = "expired"   // ended without a renewal
	Renewed   Status = "renewed"   // ended, and a later term renews it
	Cancelled Status = "cancelled" // cancelled on or before today
)

// MaxQuantity is the most a contract counts of anything: licences of a
// module, a survey's figure, one use of an entitlement. Larger numbers are
// typing errors, and they would not fit PostgreSQL's INTEGER columns (a 500
// there, while SQLite stored them).
const MaxQuantity = 1_000_000

// Licence is a licensed module and its quantity.
type Licence struct {
	Module   string `json:"module"`
	Quantity int    `json:"quantity"`
}

// Contract is one term of a customer's support contract. A renewal is a new
// Contract whose PreviousID names the term it renews.
type Contract struct {
	ID        accord.ID `json:"id"`
	OrgID     accord.ID `json:"org_id"`               // the customer
	PartnerID accord.ID `json:"partner_id,omitempty"` // the reseller, if any
	// AccountOwnerID is the vendor's administrator or agent who looks after
	// the customer; renewal notices go to them too.
	AccountOwnerID   accord.ID `json:"account_owner_id,omitempty"`
	AccountOwnerName string    `json:"account_owner_name,omitempty"` // filled by the store
	// SeriesID is the first term's id, shared by all its renewals.
	SeriesID     accord.ID `json:"series_id"`
	PreviousID   accord.ID `json:"previous_id,omitempty"`
	NextID       accord.ID `json:"next_id,omitempty"` // filled by the store from the renewal, if any
	Plan         string    `json:"plan"`
	SignedOn     string    `json:"signed_on"` // first day of the term
	Years        int       `json:"years"`
	EndsOn       string    `json:"ends_on"` // last day of the term, inclusive
	Licences     []Licence `json:"licences"`
	CancelledOn  string    `json:"cancelled_on,omitempty"`
	CancelReason string    `json:"cancel_reason,omitempty"`
	// Status is computed by the service for the day it was read.
	Status    Status    `json:"status"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// StatusOn returns the contract's status on today (YYYY-MM-DD).
func (c Contract) StatusOn(today string) Status {
	switch {
	case c.CancelledOn != "" && c.CancelledOn <= today:
		return Cancelled
	case today < c.SignedOn:
		return Pending
	case today <= c.EndsOn:
		return Active
	case c.NextID != "":
		return Renewed
	}
	return Expired
}

// Entitlement is what a plan includes in one contract year: a quantity of a
// unit, and how much of it has been used.
type Entitlement struct {
	ID         accord.ID `json:"id"`
	OrgID      accord.ID `json:"org_id"`
	ContractID accord.ID `json:"contract_id"`
	Year       int       `json:"year"` // contract year, from 1
	StartsOn   string    `json:"starts_on"`
	EndsOn     string    `json:"ends_on"`
	Key        string    `json:"key"` // the plan inclusion's key
	Name       string    `json:"name"`
	Unit       string    `json:"unit"`
	Quantity   int       `json:"quantity"`
	Used       int       `json:"used"` // may exceed Quantity after an override
	Left       int       `json:"left"` // Quantity - Used, never below zero
}

// withLeft fills Left from Quantity and Used.
func (e Entitlement) withLeft() Entitlement {
	e.Left = max(0, e.Quantity-e.Used)
	return e
}

// Consumption is one use of an entitlement, linked to what used it.
type Consumption struct {
	ID            accord.ID `json:"id"`
	OrgID         accord.ID `json:"org_id"`
	EntitlementID accord.ID `json:"entitlement_id"`
	Quantity      int       `json:"quantity"`
	At            time.Time `json:"at"`
	Reason        string    `json:"reason"`
	RecordType    string    `json:"record_type"` // "case", "engagement" ...
	RecordID      string    `json:"record_id"`
	ActorID       accord.ID `json:"actor_id"`
	ActorName     string    `json:"actor_name"`
	// Override marks a use beyond what was left, allowed by a vendor
	// administrator with a reason.
	Override bool `json:"override"`
}

// Survey is the measured use of one module in one contract year.
type Survey struct {
	OrgID      accord.ID `json:"org_id"`
	ContractID accord.ID `json:"contract_id"`
	Year       int       `json:"year"`
	Module     string    `json:"module"`
	Measured   int       `json:"measured"`
	RecordedAt time.Time `json:"recorded_at"`
}

// RequestStatus is where an authorized-contact request stands.
type RequestStatus string

const (
	RequestPending    RequestStatus = "pending"    // awaits the customer's authorization
	RequestAuthorized RequestStatus = "authorized" // the customer authorized it; awaits the vendor
	RequestApproved   RequestStatus = "approved"   // the vendor activated the person
	RequestRejected   RequestStatus = "rejected"   // refused by either side, with the reason
)

// ContactRequest asks that a person become an authorized contact of a
// customer. It is decided on its access-request case: the customer's
// administrator contact authorizes it, then a vendor administrator
// approves it, which activates the person; either may reject it.
type ContactRequest struct {
	ID               accord.ID     `json:"id"`
	OrgID            accord.ID     `json:"org_id"`
	RequestedBy      accord.ID     `json:"requested_by"`
	RequestedByName  string        `json:"requested_by_name"`
	Name             string        `json:"name"`
	Email            string        `json:"email"`
	Reason           string        `json:"reason"`
	Status           RequestStatus `json:"status"`
	CaseID           accord.ID     `json:"case_id,omitempty"` // the access-request case
	AuthorizedBy     accord.ID     `json:"authorized_by,omitempty"`
	AuthorizedByName string        `json:"authorized_by_name,omitempty"`
	AuthorizedAt     *time.Time    `json:"authorized_at,omitempty"`
	// DecidedBy and the fields after it record the end: the vendor's
	// approval, or a rejection by either side with its reason as Note.
	DecidedBy     accord.ID  `json:"decided_by,omitempty"`
	DecidedByName string     `json:"decided_by_name,omitempty"`
	DecidedAt     *time.Time `json:"decided_at,omitempty"`
	Note          string     `json:"note,omitempty"`
	UserID        accord.ID  `json:"user_id,omitempty"` // the authorized user, once approved
	CreatedAt     time.Time  `json:"created_at"`
}

// Filter narrows a list of contracts.
type Filter struct {
	OrgID *accord.ID
}

// RequestFilter narrows a list of contact requests.
type RequestFilter struct {
	OrgID  *accord.ID
	Status *RequestStatus
}

// NewTerm is a term to store with what comes with it: its entitlements,
// the jobs it sets or drops (a renewal drops the renewed term's renewal
// notices) and its audit event.
type NewTerm struct {
	Contract     Contract
	Entitlements []Entitlement
	Timers       []Timer
	Event        audit.Event
}

// Store persists contracts. Every mutating method writes ev in the same
// transaction. Reads apply scope; a record outside it is accord.NotFound.
type Store interface {
	// CreateContract stores a term with its licences and entitlements. A
	// second renewal of one term is accord.Conflict, and so is a term that
	// overlaps another of the customer's (CheckNoOverlap, checked again in
	// the transaction with the customer locked). It sets or drops the
	// term's jobs in the same transaction.
	CreateContract(ctx context.Context, t NewTerm) error
	// CancelContract records c's cancellation and sets or drops timers.
	CancelContract(ctx context.Context, c Contract, timers []Timer, ev audit.Event) error
	// UpdateContract writes c's reseller and account owner.
	UpdateContract(ctx context.Context, c Contract, ev audit.Event) error
	GetContract(ctx context.Context, scope accord.Scope, id accord.ID) (Contract, error)
	// ListContracts lists terms newest first (by signing date).
	ListContracts(ctx context.Context, scope accord.Scope, f Filter, p accord.Page) ([]Contract, string, error)
	// ListTerms lists the terms of one series, oldest first.
	ListTerms(ctx context.Context, scope accord.Scope, seriesID accord.ID) ([]Contract, error)

	ListEntitlements(ctx context.Context, scope accord.Scope, contractID accord.ID) ([]Entitlement, error)
	GetEntitlement(ctx context.Context, scope accord.Scope, id accord.ID) (Entitlement, error)
	// Consume adds c to its entitlement's use and records it, unless that
	// would exceed the quantity and c.Override is false: then nothing
	// changes and ok is false. Either way it returns the entitlement as it
	// stands afterwards. Concurrent calls never both take the last unit.
	Consume(ctx context.Context, c Consumption, ev audit.Event) (e Entitlement, ok bool, err error)
	ListConsumptions(ctx context.Context, scope accord.Scope, entitlementID accord.ID) ([]Consumption, error)

	// RecordSurveys stores measured use, replacing earlier measures of the
	// same contract, year and module.
	RecordSurveys(ctx context.Context, rows []Survey, ev audit.Event) error
	ListSurveys(ctx context.Context, scope accord.Scope, contractID accord.ID) ([]Survey, error)

	// Cadence reads a term with its licences, notices and surveyed years,
	// whatever the scope, for the jobs.
	Cadence(ctx context.Context, id accord.ID) (Cadence, error)
	// Tell locks the term's customer (as CreateContract, CancelContract and
	// UpdateContract do), reads the term's cadence, and writes what decide
	// makes of it: the notice given with its event, and the job's next run.
	Tell(ctx context.Context, id accord.ID, decide func(Cadence) (Told, error)) error
	// ListNotices lists a term's notices, oldest first.
	ListNotices(ctx context.Context, scope accord.Scope, contractID accord.ID) ([]Notice, error)
	// ListSurveyRequests lists licence survey requests, latest request
	// first; f.Status needs f.Today.
	ListSurveyRequests(ctx context.Context, scope accord.Scope, f SurveyFilter, p accord.Page) ([]SurveyRequest, string, error)

	// CreateContactRequest stores a new request and schedules its
	// RequestLetterJob, with ev, in one transaction.
	CreateContactRequest(ctx context.Context, r ContactRequest, ev audit.Event) error
	// StepContactRequest records a step of a request that stands at from:
	// its status, authorization and decision fields, and schedules its
	// RequestLetterJob, with ev; a request no longer at from is
	// accord.Conflict.
	StepContactRequest(ctx context.Context, r ContactRequest, from RequestStatus, ev audit.Event) error
	// LinkContactRequestUser records r.UserID, the person an approved
	// request authorized. It writes no event: the directory's user.create or
	// user.update event, under the approver's name, records the change.
	LinkContactRequestUser(ctx context.Context, r ContactRequest) error
	// LinkContactRequestCase records r.CaseID, the request's access-request
	// case, on a request that has none. It writes no event: the case's
	// case.open event records it.
	LinkContactRequestCase(ctx context.Context, r ContactRequest) error
	GetContactRequest(ctx context.Context, scope accord.Scope, id accord.ID) (ContactRequest, error)
	// ListContactRequests lists requests newest first.
	ListContactRequests(ctx context.Context, scope accord.Scope, f RequestFilter, p accord.Page) ([]ContactRequest, string, error)
}

// Plan is what this package needs of a support plan: its name and what it
// includes per contract year.
type Plan struct {
	Key        string      `json:"key"`
	Name       string      `json:"name"`
	Inclusions []Inclusion `json:"inclusions"`
}

// Inclusion is a yearly inclusion of a plan (1 assisted upgrade, 32
// engineer-hours of ransomware response). Standing benefits have no
// quantity; the service leaves them out of entitlements (Plans
// implementations pass them on as they are).
type Inclusion struct {
	Key      string `json:"key"`
	Name     string `json:"name"`
	Quantity int    `json:"quantity"`
	Unit     string `json:"unit"`
}

// Plans looks plans up in the support policy; an unknown key is
// accord.NotFound.
type Plans interface {
	Plan(ctx context.Context, key string) (Plan, error)
}

// StaticPlans is a fixed table of plans by key.
type StaticPlans map[string]Plan

func (p StaticPlans) Plan(_ context.Context, key string) (Plan, error) {
	pl, ok := p[key]
	if !ok {
		return Plan{}, &accord.Error{Kind: accord.NotFound, Msg: "no plan " + key}
	}
	pl.Key = key
	return pl, nil
}

// Directory is what this package needs of the directory;
// *directory.Service provides it.
type Directory interface {
	Scope(ctx context.Context, now time.Time) (accord.Scope, error)
	GetOrganization(ctx context.Context, now time.Time, id accord.ID) (directory.Organization, error)
	GetUser(ctx context.Context, now time.Time, id accord.ID) (directory.User, error)
	UserByEmail(ctx context.Context, now time.Time, email string) (directory.User, error)
	CreateUser(ctx context.Context, now time.Time, in directory.NewUser) (directory.User, error)
	UpdateUser(ctx context.Context, now time.Time, id accord.ID, up directory.UserUpdate) (directory.User, error)
	ListUsers(ctx context.Context, now time.Time, f directory.UserFilter, p accord.Page) ([]directory.User, string, error)
	Invite(ctx context.Context, now time.Time, id accord.ID) error
	PartnerServes(ctx context.Context, partnerID, customerID accord.ID) (bool, error)
}
