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

// Decision is the input to Authorize, Approve and Reject. A rejection
// needs its reason as Note; the others may carry one.
type Decision struct {
	Note string `json:"note"`
}

// AccessCases keeps the access-request case on which a contact request is
// decided: reference policy 7.4 has new users "requested and authorized by
// the contractor via a ticket". *cases.Service provides it. The cases
// package imports this one (it asks CanOpenCases), so the interface is
// declared here, where it is used, and cmd/accord hands the case service
// in once both exist (UseAccessCases). This service decides the request;
// the case records each step in its timeline and closes with the last.
type AccessCases interface {
	// OpenAccessCase opens the case of r as the acting user, who asked
	// for it, and returns its id.
	OpenAccessCase(ctx context.Context, now time.Time, r ContactRequest) (accord.ID, error)
	// RecordAccessStep adds r's latest step (its Status) to its case as
	// the acting user did it, with the note; approval and rejection close
	// the case. A step already recorded is not recorded again.
	RecordAccessStep(ctx context.Context, now time.Time, r ContactRequest, note string) error
}

// UseAccessCases gives the service the cases of access requests; until it
// is called, contact requests are refused.
func (s *Service) UseAccessCases(c AccessCases) { s.access = c }

// RequestLetterJob is the kind of the job that tells people a contact
// request needs them, or how it ended; its subject is the request's id.
// The store schedules it with every step.
const RequestLetterJob = "contact_request.letter"

// RequestLetterKind names the letter's templates.
const RequestLetterKind = "contact.access_request"

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
// request for it is open, or it belongs to a user who cannot become this
// customer's contact. Both read the same, so that a customer cannot learn
// which addresses other tenants use.
func unavailable(err error) error {
	return &accord.Error{Kind: accord.Conflict, Field: "email",
		Msg: "this e-mail address cannot be requested: a request for it may be open already; otherwise ask the vendor", Err: err}
}

// customerAdmin reports whether a is the administrator contact of org, who
// authorizes its requests.
func customerAdmin(a accord.Actor, org accord.ID) bool {
	return a.Role == accord.RoleCustomerContact && a.CustomerAdmin && a.OrgID == org
}

// vendorAdmin reports whether a acts for the vendor's administration
// team, which activates people.
func vendorAdmin(a accord.Actor) bool { return a.System || a.Role == accord.RoleAdmin }

// RequestContact asks that a person become an authorized contact of a
// customer, and opens the request's access-request case. Customer
// contacts who may open cases ask for their own organization; vendor
// administrators for any customer with an active contract. A request made
// by the customer's administrator contact is authorized as it is made.
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
	case a.Role == accord.RoleAdmin && !a.System:
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
	if s.access == nil {
		return ContactRequest{}, accord.Wrap(op, errNoAccessCases)
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
	// The request is a case: whoever may not open one for the customer
	// (not an authorized contact, no active contract) may not ask.
	if _, err := s.CanOpenCases(ctx, now, a.UserID, r.OrgID); err != nil {
		return ContactRequest{}, err
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
	if err != nil {
		return ContactRequest{}, accord.Wrap(op, err)
	}
	if r, err = s.caseOf(ctx, now, r); err != nil {
		return r, accord.Wrap(op, err)
	}
	if customerAdmin(a, r.OrgID) {
		return s.Authorize(ctx, now, r.ID, Decision{})
	}
	return r, nil
}

var errNoAccessCases = &accord.Error{Kind: accord.Internal, Msg: "contact requests need the case service (UseAccessCases)"}

// caseOf returns r with its access-request case, opening it as the
// acting user when r has none: the request was made, then opening its
// case failed (the next step opens it), or it was made before requests
// had cases.
func (s *Service) caseOf(ctx context.Context, now time.Time, r ContactRequest) (ContactRequest, error) {
	if r.CaseID != "" {
		return r, nil
	}
	id, err := s.access.OpenAccessCase(ctx, now, r)
	if err != nil {
		return r, err
	}
	r.CaseID = id
	return r, s.store.LinkContactRequestCase(ctx, r)
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

// decider checks that a may deauthorize contacts of org: the customer's
// administrator contact, or a vendor administrator.
func decider(a accord.Actor, org accord.ID, op string) error {
	if vendorAdmin(a) || customerAdmin(a, org) {
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

// stepped is the refusal of a step the request is past or not ready for.
func stepped(r ContactRequest, want string) error {
	switch r.Status {
	case RequestPending:
		return &accord.Error{Kind: accord.Conflict, Msg: "the customer has not authorized the request yet"}
	case RequestAuthorized:
		return &accord.Error{Kind: accord.Conflict, Msg: "the customer authorized the request already; it " + want}
	}
	return &accord.Error{Kind: accord.Conflict, Msg: "the request was already " + string(r.Status)}
}

// Authorize is the customer's step: its administrator contact authorizes
// the request, which then awaits a vendor administrator. It is recorded on
// the case and audited. Authorizing an authorized request again repeats
// the case's step, should recording it have failed.
func (s *Service) Authorize(ctx context.Context, now time.Time, id accord.ID, in Decision) (ContactRequest, error) {
	const op = "contracts.Authorize"
	r, err := s.GetContactRequest(ctx, now, id)
	if err != nil {
		return ContactRequest{}, err
	}
	a, _ := accord.ActorFrom(ctx)
	if !customerAdmin(a, r.OrgID) {
		return ContactRequest{}, forbidden(op, "the customer's administrator contact authorizes its requests")
	}
	note, err := checkNote(in.Note)
	if err != nil {
		return ContactRequest{}, err
	}
	if r.Status == RequestPending {
		next := r
		at := now.UTC()
		next.Status, next.AuthorizedBy, next.AuthorizedByName, next.AuthorizedAt = RequestAuthorized, a.UserID, a.Name, &at
		if r, err = s.step(ctx, now, a, r, next, "contact_request.authorize", note); err != nil {
			return ContactRequest{}, err
		}
	}
	if r.Status != RequestAuthorized {
		return ContactRequest{}, stepped(r, "awaits the vendor")
	}
	return s.recordStep(ctx, now, op, r, note)
}

// Approve is the vendor's step: a vendor administrator approves a request
// the customer authorized, and the person becomes an active authorized
// contact, created if new, with an invitation to choose a password when
// they have none. The approval is claimed first, with the conditional
// authorized-to-approved update a concurrent Reject also needs, so a
// rejected request never authorizes anyone. The directory changes come
// second: if they fail, the request is approved but the person not yet
// authorized, and approving again finishes the job.
func (s *Service) Approve(ctx context.Context, now time.Time, id accord.ID, in Decision) (ContactRequest, error) {
	const op = "contracts.Approve"
	r, err := s.GetContactRequest(ctx, now, id)
	if err != nil {
		return ContactRequest{}, err
	}
	a, _ := accord.ActorFrom(ctx)
	if !vendorAdmin(a) {
		return ContactRequest{}, forbidden(op, "a vendor administrator activates the people a customer authorized")
	}
	note, err := checkNote(in.Note)
	if err != nil {
		return ContactRequest{}, err
	}
	if r.Status == RequestAuthorized {
		// Checked before the claim: an approval that could not authorize
		// anyone would leave the request approved with nobody, beyond
		// refusal, and its case open.
		if err := s.stillAvailable(onBehalf(ctx, a), now, r); err != nil {
			return ContactRequest{}, accord.Wrap(op, err)
		}
		if r, err = s.step(ctx, now, a, r, decided(r, a, now, RequestApproved, note), "contact_request.approve", note); err != nil {
			return ContactRequest{}, err
		}
	}
	if r.Status != RequestApproved {
		return ContactRequest{}, stepped(r, "awaits a vendor administrator")
	}
	if r.UserID == "" {
		// Linking the user comes last: a request with its user has its
		// person authorized and invited.
		u, err := s.authorize(onBehalf(ctx, a), now, r)
		if err != nil {
			return ContactRequest{}, err
		}
		if !u.Activated() {
			if err := s.dir.Invite(onBehalf(ctx, a), now, u.ID); err != nil {
				return ContactRequest{}, accord.Wrap(op, err)
			}
		}
		r.UserID = u.ID
		if err := s.store.LinkContactRequestUser(ctx, r); err != nil {
			return ContactRequest{}, accord.Wrap(op, err)
		}
	}
	return s.recordStep(ctx, now, op, r, r.Note)
}

// decided is r ended by a at now with status and note.
func decided(r ContactRequest, a accord.Actor, now time.Time, status RequestStatus, note string) ContactRequest {
	at := now.UTC()
	r.Status, r.DecidedBy, r.DecidedByName, r.DecidedAt, r.Note = status, a.UserID, a.Name, &at, note
	return r
}

// stillAvailable refuses to approve r when its address came to belong,
// since it was asked for, to a user who cannot become a contact of its
// customer (one of another organization); the vendor administrator, who
// may read every user, is told so and refuses the request with the reason.
func (s *Service) stillAvailable(ctx context.Context, now time.Time, r ContactRequest) error {
	u, err := s.dir.UserByEmail(ctx, now, r.Email)
	switch {
	case accord.IsKind(err, accord.NotFound):
		return nil
	case err != nil:
		return err
	case !mayBecomeContact(u, r.OrgID):
		return &accord.Error{Kind: accord.Conflict, Field: "email",
			Msg: "the address now belongs to a user who cannot be a contact of this customer; refuse the request with the reason"}
	}
	return nil
}

// authorize makes the request's person an active authorized contact.
func (s *Service) authorize(ctx context.Context, now time.Time, r ContactRequest) (directory.User, error) {
	for try := 0; ; try++ {
		u, err := s.dir.UserByEmail(ctx, now, r.Email)
		if accord.IsKind(err, accord.NotFound) {
			// The person chooses a password through the invitation.
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

// Reject refuses a request at either step, with the reason, which the
// requester reads on the case; the case closes. The customer's
// administrator contact and vendor administrators reject. It loses to an
// approval that claimed the request first.
func (s *Service) Reject(ctx context.Context, now time.Time, id accord.ID, in Decision) (ContactRequest, error) {
	const op = "contracts.Reject"
	r, err := s.GetContactRequest(ctx, now, id)
	if err != nil {
		return ContactRequest{}, err
	}
	a, _ := accord.ActorFrom(ctx)
	if !vendorAdmin(a) && !customerAdmin(a, r.OrgID) {
		return ContactRequest{}, forbidden(op, "only the customer's administrator contact or a vendor administrator refuses a request")
	}
	note, err := checkNote(in.Note)
	if err != nil {
		return ContactRequest{}, err
	}
	if note == "" {
		return ContactRequest{}, accord.FieldError("note", "is required: the reason for the refusal, which the requester reads")
	}
	if r.Status == RequestPending || r.Status == RequestAuthorized {
		if r, err = s.step(ctx, now, a, r, decided(r, a, now, RequestRejected, note), "contact_request.reject", note); err != nil {
			return ContactRequest{}, err
		}
	}
	if r.Status != RequestRejected || r.DecidedBy != a.UserID {
		return ContactRequest{}, &accord.Error{Kind: accord.Conflict, Msg: "the request was already " + string(r.Status)}
	}
	return s.recordStep(ctx, now, op, r, r.Note)
}

// step records next, a step of r, with its audit event; a request stepped
// meanwhile is read again, for the caller to see where it stands.
func (s *Service) step(ctx context.Context, now time.Time, a accord.Actor, r, next ContactRequest, action, note string) (ContactRequest, error) {
	var ch audit.Changes
	ch.Add("status", r.Status, next.Status)
	ch.Add("note", "", note)
	err := s.store.StepContactRequest(ctx, next, r.Status, audit.New(a, now, r.OrgID, action, "contact_request", r.ID, ch))
	if accord.IsKind(err, accord.Conflict) {
		return s.GetContactRequest(ctx, now, r.ID)
	}
	if err != nil {
		return ContactRequest{}, accord.Wrap("contracts.step", err)
	}
	return next, nil
}

// recordStep writes r's step on its case.
func (s *Service) recordStep(ctx context.Context, now time.Time, op string, r ContactRequest, note string) (ContactRequest, error) {
	if s.access == nil {
		return r, accord.Wrap(op, errNoAccessCases)
	}
	r, err := s.caseOf(ctx, now, r)
	if err == nil {
		err = s.access.RecordAccessStep(ctx, now, r, note)
	}
	return r, accord.Wrap(op, err)
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

// RequestLetter is mail a contact request's job sends: to whom, the
// letter's topic (once per request, status and recipient) and the facts
// its templates show. The caller posts it as a letter of RequestLetterKind.
type RequestLetter struct {
	Topic  string
	OrgID  accord.ID
	UserID accord.ID
	Facts  map[string]any
	Link   string
}

// RequestLetters says who is to hear of where a request stands: while it
// awaits the customer, the customer's administrator contacts; while it
// awaits the vendor, the vendor's administrators; once it ended, the
// person who asked. Topics carry the status, so that a job run twice, or a
// status told before, mails nobody twice.
func (s *Service) RequestLetters(ctx context.Context, now time.Time, id accord.ID) ([]RequestLetter, error) {
	const op = "contracts.RequestLetters"
	ctx = system(ctx)
	r, err := s.store.GetContactRequest(ctx, accord.Scope{All: true}, id)
	if err != nil {
		return nil, accord.Wrap(op, err)
	}
	org, err := s.dir.GetOrganization(ctx, now, r.OrgID)
	if err != nil {
		return nil, accord.Wrap(op, err)
	}
	var to []directory.User
	switch r.Status {
	case RequestPending:
		f := directory.UserFilter{OrgID: &r.OrgID}
		to, err = s.users(ctx, now, f, func(u directory.User) bool { return u.CustomerAdmin })
	case RequestAuthorized:
		role := accord.RoleAdmin
		to, err = s.users(ctx, now, directory.UserFilter{Role: &role}, func(directory.User) bool { return true })
	default:
		var u directory.User
		if u, err = s.dir.GetUser(ctx, now, r.RequestedBy); err == nil && u.Active {
			to = append(to, u)
		} else if accord.IsKind(err, accord.NotFound) {
			err = nil
		}
	}
	if err != nil {
		return nil, accord.Wrap(op, err)
	}
	facts := map[string]any{"status": string(r.Status), "customer": org.Name, "name": r.Name, "email": r.Email,
		"reason": r.Reason, "requested_by": r.RequestedByName, "authorized_by": r.AuthorizedByName,
		"decided_by": r.DecidedByName, "note": r.Note}
	var out []RequestLetter
	for _, u := range to {
		out = append(out, RequestLetter{Topic: "contact_request/" + string(r.ID) + "/" + string(r.Status), OrgID: r.OrgID,
			UserID: u.ID, Facts: facts, Link: "/contact-requests?status=" + string(r.Status)})
	}
	return out, nil
}

// users lists the active users f finds that keep says to keep.
func (s *Service) users(ctx context.Context, now time.Time, f directory.UserFilter, keep func(directory.User) bool) ([]directory.User, error) {
	yes := true
	f.Active = &yes
	var out []directory.User
	for p := (accord.Page{Limit: accord.MaxLimit}); ; {
		l, next, err := s.dir.ListUsers(ctx, now, f, p)
		if err != nil {
			return nil, err
		}
		for _, u := range l {
			if keep(u) {
				out = append(out, u)
			}
		}
		if next == "" {
			return out, nil
		}
		p.Cursor = next
	}
}

// FocalPoint is the customer's contact named when the contract was bought.
type FocalPoint struct {
	Name  string `json:"name"`
	Email string `json:"email"`
}

// checkFocalPoint cleans fp, if any, and checks that its address may
// become an authorized contact of org, before anything is stored.
func (s *Service) checkFocalPoint(ctx context.Context, now time.Time, org accord.ID, fp *FocalPoint) (*FocalPoint, error) {
	if fp == nil {
		return nil, nil
	}
	out := *fp
	var err error
	if out.Name, err = checkText("focal_point.name", fp.Name, 200); err != nil {
		return nil, err
	}
	out.Email = strings.TrimSpace(fp.Email)
	if addr, err := mail.ParseAddress(out.Email); err != nil || addr.Address != out.Email || addr.Name != "" {
		return nil, accord.FieldError("focal_point.email", "must be a plain e-mail address such as ana@example.com")
	}
	u, err := s.dir.UserByEmail(system(ctx), now, out.Email)
	switch {
	case err == nil && !mayBecomeContact(u, org):
		return nil, &accord.Error{Kind: accord.Conflict, Field: "focal_point.email", Msg: "belongs to a user who cannot be a contact of this customer"}
	case err != nil && !accord.IsKind(err, accord.NotFound):
		return nil, accord.Wrap("contracts.checkFocalPoint", err)
	}
	return &out, nil
}

// admitFocalPoint gives the focal point access without a request (policy
// 7.2: "access will be created automatically, and the user will receive an
// email to activate their account"): an authorized contact of org, created
// if new, who is mailed an invitation unless they have a password already.
// The vendor administrator who records the contract is the one who
// authorizes, in the audit trail.
func (s *Service) admitFocalPoint(ctx context.Context, now time.Time, org accord.ID, fp FocalPoint) error {
	a, _ := accord.ActorFrom(ctx)
	ctx = onBehalf(ctx, a)
	u, err := s.authorize(ctx, now, ContactRequest{OrgID: org, Name: fp.Name, Email: fp.Email})
	if err != nil || u.Activated() {
		return err
	}
	return s.dir.Invite(ctx, now, u.ID)
}
