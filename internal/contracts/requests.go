package contracts

import (
	"context"
	"net/mail"
	"strings"
	"time"

	"accord/internal/accord"
	"accord/internal/audit"
	"accord/internal/directory"
)

// NewContactRequest is the input to RequestContact. OrgID defaults to the
// requester's own organization; vendor administrators name the customer.
type NewContactRequest struct {
	OrgID  accord.ID `json:"org_id"`
	Name   string    `json:"name"`
	Email  string    `json:"email"`
	Reason string    `json:"reason"`
}

// Decision is the input to Approve and Reject.
type Decision struct {
	Note string `json:"note"`
}

func checkText(field, v string, maxLen int) (string, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return "", accord.FieldError(field, "is required")
	}
	if len(v) > maxLen {
		return "", accord.FieldError(field, "must be at most %d characters", maxLen)
	}
	return v, nil
}

// unavailable is the refusal of an address that cannot be requested: a
// request for it is pending, or it belongs to a user who cannot become this
// customer's contact. Both read the same, so that a customer cannot learn
// which addresses other tenants use.
func unavailable(err error) error {
	return &accord.Error{Kind: accord.Conflict, Field: "email",
		Msg: "this e-mail address cannot be requested: a request for it may be pending already; otherwise ask the vendor", Err: err}
}

// RequestContact asks that a person become an authorized contact of a
// customer. Customer contacts ask for their own organization; vendor
// administrators for any customer.
func (s *Service) RequestContact(ctx context.Context, now time.Time, in NewContactRequest) (ContactRequest, error) {
	const op = "contracts.RequestContact"
	a, err := accord.ActorFrom(ctx)
	if err != nil {
		return ContactRequest{}, err
	}
	switch {
	case a.Role == accord.RoleCustomerContact:
		if in.OrgID == "" {
			in.OrgID = a.OrgID
		}
		if in.OrgID != a.OrgID {
			return ContactRequest{}, &accord.Error{Kind: accord.NotFound, Field: "org_id", Msg: "organization not found"}
		}
	case a.System || a.Role == accord.RoleAdmin:
		notCustomer := accord.FieldError("org_id", "must be a customer organization")
		if in.OrgID == "" {
			return ContactRequest{}, notCustomer
		}
		org, err := s.dir.GetOrganization(ctx, now, in.OrgID)
		if accord.IsKind(err, accord.NotFound) {
			return ContactRequest{}, notCustomer
		} else if err != nil {
			return ContactRequest{}, accord.Wrap(op, err)
		}
		if org.Kind != directory.KindCustomer {
			return ContactRequest{}, notCustomer
		}
	default:
		return ContactRequest{}, forbidden(op, "only a customer's contacts and vendor administrators request authorized contacts")
	}
	r := ContactRequest{ID: accord.NewID("req"), OrgID: in.OrgID, RequestedBy: a.UserID, RequestedByName: a.Name,
		Status: RequestPending, CreatedAt: now.UTC()}
	if r.Name, err = checkText("name", in.Name, 200); err != nil {
		return ContactRequest{}, err
	}
	if r.Reason, err = checkText("reason", in.Reason, 1000); err != nil {
		return ContactRequest{}, err
	}
	r.Email = strings.TrimSpace(in.Email)
	if addr, err := mail.ParseAddress(r.Email); err != nil || addr.Address != r.Email || addr.Name != "" {
		return ContactRequest{}, accord.FieldError("email", "must be a plain e-mail address such as ana@example.com")
	}
	u, err := s.dir.UserByEmail(system(ctx), now, r.Email)
	switch {
	case err == nil && !mayBecomeContact(u, r.OrgID):
		return ContactRequest{}, unavailable(nil)
	case err == nil && u.Active && u.AuthorizedContact:
		return ContactRequest{}, &accord.Error{Kind: accord.Conflict, Field: "email", Msg: "this person is already an authorized contact"}
	case err != nil && !accord.IsKind(err, accord.NotFound):
		return ContactRequest{}, accord.Wrap(op, err)
	}
	var ch audit.Changes
	ch.Add("name", nil, r.Name)
	ch.Add("email", nil, r.Email)
	ch.Add("reason", nil, r.Reason)
	ch.Add("status", nil, r.Status)
	err = s.store.CreateContactRequest(ctx, r, audit.New(a, now, r.OrgID, "contact_request.create", "contact_request", r.ID, ch))
	if accord.IsKind(err, accord.Conflict) {
		return ContactRequest{}, unavailable(err)
	}
	return r, accord.Wrap(op, err)
}

// mayBecomeContact says whether u may be made an authorized contact of org.
func mayBecomeContact(u directory.User, org accord.ID) bool {
	return u.OrgID == org && u.Role == accord.RoleCustomerContact
}

// GetContactRequest returns a request the actor may see.
func (s *Service) GetContactRequest(ctx context.Context, now time.Time, id accord.ID) (ContactRequest, error) {
	_, scope, err := s.scoped(ctx, now)
	if err != nil {
		return ContactRequest{}, err
	}
	return s.store.GetContactRequest(ctx, scope, id)
}

// ContactRequests lists the requests the actor may see, newest first.
func (s *Service) ContactRequests(ctx context.Context, now time.Time, f RequestFilter, p accord.Page) ([]ContactRequest, string, error) {
	_, scope, err := s.scoped(ctx, now)
	if err != nil {
		return nil, "", err
	}
	return s.store.ListContactRequests(ctx, scope, f, p.Normalize())
}

// decider checks that a may decide requests of org: the customer's
// administrator contact, or a vendor administrator.
func decider(a accord.Actor, org accord.ID, op string) error {
	if a.System || a.Role == accord.RoleAdmin || (a.Role == accord.RoleCustomerContact && a.CustomerAdmin && a.OrgID == org) {
		return nil
	}
	return forbidden(op, "only the customer's administrator contact or a vendor administrator decides authorization requests")
}

// checkNote validates a decision's note.
func checkNote(note string) (string, error) {
	note = strings.TrimSpace(note)
	if len(note) > 1000 {
		return "", accord.FieldError("note", "must be at most 1000 characters")
	}
	return note, nil
}

// Approve grants a request: the person becomes an active authorized
// contact, created if new. The decision is claimed first, with the
// conditional pending-to-approved update a concurrent Reject also needs, so
// a rejected request never authorizes anyone. The directory change comes
// second and is idempotent: if it fails, the request is approved but the
// person not yet authorized, and approving again finishes the job.
func (s *Service) Approve(ctx context.Context, now time.Time, id accord.ID, in Decision) (ContactRequest, error) {
	const op = "contracts.Approve"
	r, err := s.GetContactRequest(ctx, now, id)
	if err != nil {
		return ContactRequest{}, err
	}
	a, _ := accord.ActorFrom(ctx)
	if err := decider(a, r.OrgID, op); err != nil {
		return ContactRequest{}, err
	}
	note, err := checkNote(in.Note)
	if err != nil {
		return ContactRequest{}, err
	}
	if r.Status == RequestPending {
		decided, err := s.decide(ctx, now, a, r, RequestApproved, "contact_request.approve", note)
		if accord.IsKind(err, accord.Conflict) {
			// Decided meanwhile: finish only if it was approved.
			decided, err = s.GetContactRequest(ctx, now, id)
		}
		if err != nil {
			return ContactRequest{}, err
		}
		r = decided
	}
	if r.Status != RequestApproved {
		return ContactRequest{}, &accord.Error{Kind: accord.Conflict, Msg: "the request was already " + string(r.Status)}
	}
	u, err := s.authorize(onBehalf(ctx, a), now, r)
	if err != nil {
		return ContactRequest{}, err
	}
	if r.UserID != u.ID {
		r.UserID = u.ID
		if err := s.store.LinkContactRequestUser(ctx, r); err != nil {
			return ContactRequest{}, accord.Wrap(op, err)
		}
	}
	return r, nil
}

// authorize makes the request's person an active authorized contact.
func (s *Service) authorize(ctx context.Context, now time.Time, r ContactRequest) (directory.User, error) {
	for try := 0; ; try++ {
		u, err := s.dir.UserByEmail(ctx, now, r.Email)
		if accord.IsKind(err, accord.NotFound) {
			// The person signs in once a vendor administrator sets a password
			// (or a later invitation mail does).
			u, err = s.dir.CreateUser(ctx, now, directory.NewUser{OrgID: r.OrgID, Email: r.Email, Name: r.Name,
				Role: accord.RoleCustomerContact, AuthorizedContact: true, WithoutPassword: true})
			if accord.IsKind(err, accord.Conflict) && try == 0 {
				continue // created meanwhile, by a concurrent approval: look again
			}
			return u, err
		}
		if err != nil {
			return directory.User{}, err
		}
		if !mayBecomeContact(u, r.OrgID) {
			// RequestContact refuses such addresses; the user came later.
			return directory.User{}, unavailable(nil)
		}
		if u.Active && u.AuthorizedContact {
			return u, nil
		}
		yes := true
		return s.dir.UpdateUser(ctx, now, u.ID, directory.UserUpdate{Active: &yes, AuthorizedContact: &yes})
	}
}

// Reject refuses a pending request; it loses to an approval that claimed
// the request first.
func (s *Service) Reject(ctx context.Context, now time.Time, id accord.ID, in Decision) (ContactRequest, error) {
	const op = "contracts.Reject"
	r, err := s.GetContactRequest(ctx, now, id)
	if err != nil {
		return ContactRequest{}, err
	}
	a, _ := accord.ActorFrom(ctx)
	if err := decider(a, r.OrgID, op); err != nil {
		return ContactRequest{}, err
	}
	note, err := checkNote(in.Note)
	if err != nil {
		return ContactRequest{}, err
	}
	if r.Status != RequestPending {
		return ContactRequest{}, &accord.Error{Kind: accord.Conflict, Msg: "the request was already " + string(r.Status)}
	}
	return s.decide(ctx, now, a, r, RequestRejected, "contact_request.reject", note)
}

// decide records a decision on a pending request, with its audit event; a
// request decided meanwhile is accord.Conflict.
func (s *Service) decide(ctx context.Context, now time.Time, a accord.Actor, r ContactRequest, status RequestStatus, action, note string) (ContactRequest, error) {
	at := now.UTC()
	r.Status, r.DecidedBy, r.DecidedByName, r.DecidedAt, r.Note = status, a.UserID, a.Name, &at, note
	var ch audit.Changes
	ch.Add("status", RequestPending, status)
	ch.Add("note", "", note)
	err := s.store.DecideContactRequest(ctx, r, audit.New(a, now, r.OrgID, action, "contact_request", r.ID, ch))
	if err != nil {
		return ContactRequest{}, accord.Wrap("contracts.decide", err)
	}
	return r, nil
}

// Deauthorize removes a contact's authorization and deactivates it at once;
// its sessions end with the deactivation. The customer's administrator
// contact or a vendor administrator may do it.
func (s *Service) Deauthorize(ctx context.Context, now time.Time, userID accord.ID) (directory.User, error) {
	const op = "contracts.Deauthorize"
	u, err := s.dir.GetUser(ctx, now, userID)
	if err != nil {
		return directory.User{}, err
	}
	a, _ := accord.ActorFrom(ctx)
	if err := decider(a, u.OrgID, op); err != nil {
		return directory.User{}, err
	}
	if u.Role != accord.RoleCustomerContact {
		return directory.User{}, accord.FieldError("user_id", "only customer contacts are authorized contacts")
	}
	no := false
	return s.dir.UpdateUser(onBehalf(ctx, a), now, u.ID, directory.UserUpdate{Active: &no, AuthorizedContact: &no})
}
