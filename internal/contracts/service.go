package contracts

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"accord/internal/accord"
	"accord/internal/audit"
	"accord/internal/directory"
)

// Config tunes the service; start from DefaultConfig.
type Config struct {
	// Zone is the vendor's zone, in which contract dates are read.
	Zone *time.Location
	// RenewalNotices are the days before a term's end on which its renewal
	// notices are given (ParseRenewalNotices reads them).
	RenewalNotices []int
	// SurveyReminder is the number of days a customer has to answer a
	// licence survey; unanswered then, it is overdue and reminded.
	SurveyReminder int
}

// DefaultConfig reads dates in America/New_York, the zone of the reference
// policy's business hours, gives renewal notices 90, 60 and 30 days before
// a term ends, and reminds of a licence survey after 14 days.
func DefaultConfig() Config {
	zone, err := time.LoadLocation("America/New_York")
	if err != nil {
		// The binary embeds time/tzdata; only a test binary without it and
		// without system zoneinfo gets here.
		zone = time.UTC
	}
	return Config{Zone: zone, RenewalNotices: []int{90, 60, 30}, SurveyReminder: 14}
}

// ParseRenewalNotices reads the days before a term's end on which renewal
// notices are given, written "90,60,30": whole days from 1 to 730, each
// once, in any order.
func ParseRenewalNotices(v string) ([]int, error) {
	var out []int
	for f := range strings.SplitSeq(v, ",") {
		d, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || d < 1 || d > 730 {
			return nil, fmt.Errorf("%q: each renewal notice is a whole number of days before the end, 1 to 730", f)
		}
		if slices.Contains(out, d) {
			return nil, fmt.Errorf("%d days is listed twice", d)
		}
		out = append(out, d)
	}
	return out, nil
}

// Service applies the contract rules and authorization.
type Service struct {
	store  Store
	plans  Plans
	dir    Directory
	cfg    Config
	access AccessCases // see UseAccessCases
}

// NewService returns a service over store that checks plans against plans
// and reads actors' scopes from dir.
func NewService(store Store, plans Plans, dir Directory, cfg Config) *Service {
	// Farthest from the end first, as renewalPlan reads them.
	cfg.RenewalNotices = slices.Sorted(slices.Values(cfg.RenewalNotices))
	slices.Reverse(cfg.RenewalNotices)
	return &Service{store: store, plans: plans, dir: dir, cfg: cfg}
}

func forbidden(op, msg string) error { return &accord.Error{Kind: accord.Forbidden, Op: op, Msg: msg} }

func requireAdmin(a accord.Actor, op string) error {
	if a.System || a.Role == accord.RoleAdmin {
		return nil
	}
	return forbidden(op, "only vendor administrators may do this")
}

// today is the vendor's date at now.
func (s *Service) today(now time.Time) string { return now.In(s.cfg.Zone).Format(time.DateOnly) }

// system is ctx acting as the system, for checks this package makes on its
// own behalf (a customer's name in a message, a user's flags).
func system(ctx context.Context) context.Context {
	return accord.WithActor(ctx, accord.SystemActor("contracts"))
}

// onBehalf is ctx acting with the system's rights under a's name and id, for
// directory changes that a rule of this package allows although the
// directory alone would not (a customer administrator's approval). The
// audit trail records a as the actor.
func onBehalf(ctx context.Context, a accord.Actor) context.Context {
	a.System = true
	return accord.WithActor(ctx, a)
}

// scoped returns the actor and its scope.
func (s *Service) scoped(ctx context.Context, now time.Time) (accord.Actor, accord.Scope, error) {
	a, err := accord.ActorFrom(ctx)
	if err != nil {
		return a, accord.Scope{}, err
	}
	scope, err := s.dir.Scope(ctx, now)
	return a, scope, err
}

// --- contracts

// NewContract is the input to Create.
type NewContract struct {
	OrgID          accord.ID `json:"org_id"`
	PartnerID      accord.ID `json:"partner_id"`
	AccountOwnerID accord.ID `json:"account_owner_id"`
	Plan           string    `json:"plan"`
	SignedOn       string    `json:"signed_on"`
	Years          int       `json:"years"`
	Licences       []Licence `json:"licences"`
	// FocalPoint is the customer's contact named in the purchase order
	// (policy 7.2): Create makes them an authorized contact and mails them
	// an invitation to activate their account.
	FocalPoint *FocalPoint `json:"focal_point,omitempty"`
}

// Renewal is the input to Renew; empty fields keep the renewed term's
// values. SignedOn defaults to the day after the renewed term ends.
type Renewal struct {
	PartnerID      accord.ID `json:"partner_id"`
	AccountOwnerID accord.ID `json:"account_owner_id"`
	Plan           string    `json:"plan"`
	SignedOn       string    `json:"signed_on"`
	Years          int       `json:"years"`
	Licences       []Licence `json:"licences"`
}

// ContractUpdate is the input to Update: what may change during a term
// without a renewal. A nil field stays; an empty id clears it.
type ContractUpdate struct {
	PartnerID      *accord.ID `json:"partner_id"`
	AccountOwnerID *accord.ID `json:"account_owner_id"`
}

// Cancellation is the input to Cancel.
type Cancellation struct {
	Reason string `json:"reason"`
}

func checkLicences(in []Licence) ([]Licence, error) {
	out := make([]Licence, 0, len(in))
	seen := map[string]bool{}
	for i, l := range in {
		field := fmt.Sprintf("licences[%d]", i)
		l.Module = strings.TrimSpace(l.Module)
		switch {
		case l.Module == "" || len(l.Module) > 100:
			return nil, accord.FieldError(field+".module", "is required, at most 100 characters")
		case strings.ContainsAny(l.Module, "=;"):
			// Sheets write licences as core=100;reports=5.
			return nil, accord.FieldError(field+".module", "must not contain = or ;")
		case seen[l.Module]:
			return nil, accord.FieldError(field+".module", "%q is listed twice", l.Module)
		case l.Quantity < 1 || l.Quantity > MaxQuantity:
			return nil, accord.FieldError(field+".quantity", "must be at least 1, at most %d", MaxQuantity)
		}
		seen[l.Module] = true
		out = append(out, l)
	}
	slices.SortFunc(out, func(a, b Licence) int { return strings.Compare(a.Module, b.Module) })
	return out, nil
}

// term validates the parts every term has and fills its dates and the
// entitlements its plan includes. serves says whether c's partner, if any,
// serves its customer.
func (s *Service) term(ctx context.Context, c *Contract, serves bool) ([]Entitlement, error) {
	signed, err := parseDate("signed_on", c.SignedOn)
	if err != nil {
		return nil, err
	}
	if c.Years < 1 || c.Years > 10 {
		return nil, accord.FieldError("years", "must be a whole number of years from 1 to 10")
	}
	plan, err := s.plans.Plan(ctx, c.Plan)
	if accord.IsKind(err, accord.NotFound) {
		return nil, accord.FieldError("plan", "no plan %q in the support policy", c.Plan)
	} else if err != nil {
		return nil, err
	}
	if c.Licences, err = checkLicences(c.Licences); err != nil {
		return nil, err
	}
	if c.PartnerID != "" && !serves {
		return nil, accord.FieldError("partner_id", "must be a partner that serves the customer")
	}
	c.EndsOn = formatDate(EndsOn(signed, c.Years))
	var ents []Entitlement
	for _, y := range Years(signed, c.Years) {
		for _, in := range plan.Inclusions {
			if in.Quantity <= 0 {
				continue
			}
			ents = append(ents, Entitlement{
				ID: accord.NewID("ent"), OrgID: c.OrgID, ContractID: c.ID, Year: y.Number, StartsOn: y.StartsOn, EndsOn: y.EndsOn,
				Key: in.Key, Name: in.Name, Unit: in.Unit, Quantity: in.Quantity,
			})
		}
	}
	return ents, nil
}

func termChanges(c Contract) audit.Changes {
	var ch audit.Changes
	ch.Add("partner_id", nil, c.PartnerID)
	ch.Add("account_owner_id", nil, c.AccountOwnerID)
	ch.Add("plan", nil, c.Plan)
	ch.Add("signed_on", nil, c.SignedOn)
	ch.Add("years", nil, c.Years)
	ch.Add("ends_on", nil, c.EndsOn)
	ch.Add("licences", nil, c.Licences)
	ch.Add("previous_id", nil, c.PreviousID)
	return ch
}

// Customer is what Prepare needs to know of a new contract's customer
// besides the input: its directory record (zero when there is none),
// whether the contract's partner serves it, and its terms so far.
type Customer struct {
	Org           directory.Organization
	PartnerServes bool
	Terms         []Contract
}

// CustomerOf looks up in the database what Prepare needs to know of in's
// customer, whatever the actor's scope.
func (s *Service) CustomerOf(ctx context.Context, now time.Time, in NewContract) (Customer, error) {
	var cu Customer
	org, err := s.dir.GetOrganization(system(ctx), now, in.OrgID)
	if accord.IsKind(err, accord.NotFound) {
		return cu, nil
	} else if err != nil {
		return cu, err
	}
	cu.Org = org
	if in.PartnerID != "" {
		if cu.PartnerServes, err = s.dir.PartnerServes(ctx, in.PartnerID, in.OrgID); err != nil {
			return cu, err
		}
	}
	cu.Terms, err = s.allOf(ctx, in.OrgID)
	return cu, err
}

// Create records a customer's new contract (its first term).
func (s *Service) Create(ctx context.Context, now time.Time, in NewContract) (Contract, error) {
	const op = "contracts.Create"
	if _, err := accord.ActorFrom(ctx); err != nil {
		return Contract{}, err
	}
	cu, err := s.CustomerOf(ctx, now, in)
	if err != nil {
		return Contract{}, accord.Wrap(op, err)
	}
	t, err := s.Prepare(ctx, now, in, cu)
	if err != nil {
		return Contract{}, err
	}
	fp, err := s.checkFocalPoint(ctx, now, in.OrgID, in.FocalPoint)
	if err != nil {
		return Contract{}, err
	}
	if fp != nil {
		t.Event.Changes = append(t.Event.Changes, audit.Change{Field: "focal_point", After: fp.Email})
	}
	if err := s.store.CreateContract(ctx, t); err != nil {
		return Contract{}, accord.Wrap(op, err)
	}
	c := t.Contract
	if fp != nil {
		if err := s.admitFocalPoint(ctx, now, c.OrgID, *fp); err != nil {
			return c, accord.Wrap(op, fmt.Errorf("the contract is created, but not its focal point's access (invite them from their user page): %w", err))
		}
	}
	return c, nil
}

// Prepare checks in against the rules and what cu says of the customer, and
// builds the term, its entitlements, its jobs and its audit event without
// storing them, for Create and for bulk imports (which may be creating the
// customer and its partner link in the same transaction).
func (s *Service) Prepare(ctx context.Context, now time.Time, in NewContract, cu Customer) (NewTerm, error) {
	a, err := accord.ActorFrom(ctx)
	if err != nil {
		return NewTerm{}, err
	}
	if err := requireAdmin(a, "contracts.Create"); err != nil {
		return NewTerm{}, err
	}
	if cu.Org.ID == "" || cu.Org.ID != in.OrgID || cu.Org.Kind != directory.KindCustomer {
		return NewTerm{}, accord.FieldError("org_id", "must be a customer organization")
	}
	id := accord.NewID("ctr")
	c := Contract{ID: id, OrgID: in.OrgID, PartnerID: in.PartnerID, SeriesID: id, Plan: in.Plan, SignedOn: in.SignedOn,
		Years: in.Years, Licences: in.Licences, CreatedAt: now.UTC(), UpdatedAt: now.UTC()}
	ents, err := s.term(ctx, &c, cu.PartnerServes)
	if err != nil {
		return NewTerm{}, err
	}
	if err := s.setOwner(ctx, now, &c, in.AccountOwnerID); err != nil {
		return NewTerm{}, err
	}
	if err := CheckNoOverlap(c, cu.Terms); err != nil {
		return NewTerm{}, err
	}
	c.Status = c.StatusOn(s.today(now))
	return NewTerm{Contract: c, Entitlements: ents, Timers: s.schedule(Cadence{Contract: c}, now),
		Event: audit.New(a, now, c.OrgID, "contract.create", "contract", c.ID, termChanges(c))}, nil
}

// setOwner makes id c's account owner: an active vendor administrator or
// agent, or nobody for "".
func (s *Service) setOwner(ctx context.Context, now time.Time, c *Contract, id accord.ID) error {
	c.AccountOwnerID, c.AccountOwnerName = id, ""
	if id == "" {
		return nil
	}
	u, err := s.dir.GetUser(system(ctx), now, id)
	if err != nil && !accord.IsKind(err, accord.NotFound) {
		return err
	}
	if err != nil || !u.Active || !staff(u.Role) {
		return accord.FieldError("account_owner_id", "must be an active vendor administrator or agent")
	}
	c.AccountOwnerName = u.Name
	return nil
}

// LastDay returns the last day c covers: its end date, or the day before
// its cancellation when that is earlier. A term cancelled on or before its
// start covers nothing: LastDay is then "".
func (c Contract) LastDay() string {
	if c.CancelledOn == "" {
		return c.EndsOn
	}
	if c.CancelledOn <= c.SignedOn {
		return ""
	}
	d, err := time.Parse(time.DateOnly, c.CancelledOn)
	if err != nil {
		return c.EndsOn
	}
	return min(c.EndsOn, formatDate(d.AddDate(0, 0, -1)))
}

// CheckNoOverlap refuses a term c whose days overlap those another of
// terms covers (see LastDay): that one should be renewed instead. c itself,
// if among terms, is skipped. The store calls it again inside the
// transaction that writes c.
func CheckNoOverlap(c Contract, terms []Contract) error {
	last := c.LastDay()
	if last == "" {
		return nil
	}
	for _, o := range terms {
		olast := o.LastDay()
		if o.ID == c.ID || olast == "" {
			continue
		}
		if o.SignedOn <= last && c.SignedOn <= olast {
			return &accord.Error{Kind: accord.Conflict, Field: "signed_on",
				Msg: fmt.Sprintf("the customer's contract %s runs from %s through %s; renew it instead", o.ID, o.SignedOn, olast)}
		}
	}
	return nil
}

// allOf returns every term of a customer, newest first, whatever the
// actor's scope: for checks, never shown as such.
func (s *Service) allOf(ctx context.Context, orgID accord.ID) ([]Contract, error) {
	var all []Contract
	p := accord.Page{Limit: accord.MaxLimit}
	for {
		l, next, err := s.store.ListContracts(ctx, accord.Scope{All: true}, Filter{OrgID: &orgID}, p)
		if err != nil {
			return nil, err
		}
		all = append(all, l...)
		if next == "" {
			return all, nil
		}
		p.Cursor = next
	}
}

// Renew creates the term that follows id, possibly with another plan,
// length or licences.
func (s *Service) Renew(ctx context.Context, now time.Time, id accord.ID, in Renewal) (Contract, error) {
	const op = "contracts.Renew"
	prev, err := s.Get(ctx, now, id)
	if err != nil {
		return Contract{}, err
	}
	a, _ := accord.ActorFrom(ctx)
	if err := requireAdmin(a, op); err != nil {
		return Contract{}, err
	}
	switch {
	case prev.NextID != "":
		return Contract{}, &accord.Error{Kind: accord.Conflict, Msg: fmt.Sprintf("this term is already renewed by %s; renew that one", prev.NextID)}
	case prev.CancelledOn != "":
		return Contract{}, &accord.Error{Kind: accord.Unprocessable, Msg: "a cancelled contract cannot be renewed; create a new one"}
	}
	prevEnd, _ := time.Parse(time.DateOnly, prev.EndsOn)
	first := formatDate(prevEnd.AddDate(0, 0, 1))
	nid := accord.NewID("ctr")
	c := Contract{ID: nid, OrgID: prev.OrgID, PartnerID: prev.PartnerID, AccountOwnerID: prev.AccountOwnerID, AccountOwnerName: prev.AccountOwnerName,
		SeriesID: prev.SeriesID, PreviousID: prev.ID, Plan: prev.Plan, SignedOn: first, Years: prev.Years, Licences: prev.Licences,
		CreatedAt: now.UTC(), UpdatedAt: now.UTC()}
	if in.PartnerID != "" {
		c.PartnerID = in.PartnerID
	}
	if in.AccountOwnerID != "" {
		if err := s.setOwner(ctx, now, &c, in.AccountOwnerID); err != nil {
			return Contract{}, err
		}
	}
	if in.Plan != "" {
		c.Plan = in.Plan
	}
	if in.SignedOn != "" {
		if in.SignedOn < first {
			return Contract{}, accord.FieldError("signed_on", "must not be before %s, the day after the renewed term ends", first)
		}
		c.SignedOn = in.SignedOn
	}
	if in.Years != 0 {
		c.Years = in.Years
	}
	if in.Licences != nil {
		c.Licences = in.Licences
	}
	serves := false
	if c.PartnerID != "" {
		if serves, err = s.dir.PartnerServes(ctx, c.PartnerID, c.OrgID); err != nil {
			return Contract{}, err
		}
	}
	ents, err := s.term(ctx, &c, serves)
	if err != nil {
		return Contract{}, err
	}
	terms, err := s.allOf(ctx, c.OrgID)
	if err != nil {
		return Contract{}, accord.Wrap(op, err)
	}
	if err := CheckNoOverlap(c, terms); err != nil {
		return Contract{}, err
	}
	// The renewal stops the renewed term's notices and starts its own.
	t := NewTerm{Contract: c, Entitlements: ents, Event: audit.New(a, now, c.OrgID, "contract.renew", "contract", c.ID, termChanges(c)),
		Timers: append(s.schedule(Cadence{Contract: c}, now), Timer{ContractID: prev.ID, Kind: RenewalJob})}
	err = s.store.CreateContract(ctx, t)
	if accord.IsKind(err, accord.Conflict) && accord.Public(err).Field != "signed_on" {
		return Contract{}, &accord.Error{Kind: accord.Conflict, Msg: "this term was renewed meanwhile", Err: err}
	}
	if err != nil {
		return Contract{}, accord.Wrap(op, err)
	}
	c.Status = c.StatusOn(s.today(now))
	return c, nil
}

// Cancel ends a term today, before its end date.
func (s *Service) Cancel(ctx context.Context, now time.Time, id accord.ID, in Cancellation) (Contract, error) {
	const op = "contracts.Cancel"
	c, err := s.Get(ctx, now, id)
	if err != nil {
		return Contract{}, err
	}
	a, _ := accord.ActorFrom(ctx)
	if err := requireAdmin(a, op); err != nil {
		return Contract{}, err
	}
	reason := strings.TrimSpace(in.Reason)
	if reason == "" {
		return Contract{}, accord.FieldError("reason", "is required")
	}
	switch c.Status {
	case Cancelled:
		return Contract{}, &accord.Error{Kind: accord.Conflict, Msg: "the contract is already cancelled"}
	case Expired, Renewed:
		return Contract{}, &accord.Error{Kind: accord.Unprocessable, Msg: "the contract ended on " + c.EndsOn + "; there is nothing to cancel"}
	}
	c.CancelledOn, c.CancelReason, c.UpdatedAt = s.today(now), reason, now.UTC()
	var ch audit.Changes
	ch.Add("cancelled_on", nil, c.CancelledOn)
	ch.Add("cancel_reason", nil, reason)
	// A cancelled term is told nothing more. A renewal cancelled on or
	// before its start no longer renews its predecessor, whose renewal
	// notices take up again: its job looks now.
	timers := []Timer{{ContractID: c.ID, Kind: RenewalJob}, {ContractID: c.ID, Kind: SurveyJob}}
	if c.PreviousID != "" && c.CancelledOn <= c.SignedOn {
		timers = append(timers, Timer{ContractID: c.PreviousID, Kind: RenewalJob, At: now.UTC()})
	}
	if err := s.store.CancelContract(ctx, c, timers, audit.New(a, now, c.OrgID, "contract.cancel", "contract", c.ID, ch)); err != nil {
		return Contract{}, accord.Wrap(op, err)
	}
	c.Status = c.StatusOn(s.today(now))
	return c, nil
}

// Update changes a term's reseller or account owner. Notices read both
// when they are given, so the change needs no new schedule.
func (s *Service) Update(ctx context.Context, now time.Time, id accord.ID, up ContractUpdate) (Contract, error) {
	const op = "contracts.Update"
	c, err := s.Get(ctx, now, id)
	if err != nil {
		return Contract{}, err
	}
	a, _ := accord.ActorFrom(ctx)
	if err := requireAdmin(a, op); err != nil {
		return Contract{}, err
	}
	before := c
	if up.PartnerID != nil && *up.PartnerID != c.PartnerID {
		c.PartnerID = *up.PartnerID
		if c.PartnerID != "" {
			serves, err := s.dir.PartnerServes(ctx, c.PartnerID, c.OrgID)
			if err != nil {
				return Contract{}, accord.Wrap(op, err)
			}
			if !serves {
				return Contract{}, accord.FieldError("partner_id", "must be a partner that serves the customer")
			}
		}
	}
	if up.AccountOwnerID != nil && *up.AccountOwnerID != c.AccountOwnerID {
		if err := s.setOwner(ctx, now, &c, *up.AccountOwnerID); err != nil {
			return Contract{}, err
		}
	}
	var ch audit.Changes
	ch.Add("partner_id", before.PartnerID, c.PartnerID)
	ch.Add("account_owner_id", before.AccountOwnerID, c.AccountOwnerID)
	if len(ch) == 0 {
		return c, nil
	}
	c.UpdatedAt = now.UTC()
	if err := s.store.UpdateContract(ctx, c, audit.New(a, now, c.OrgID, "contract.update", "contract", c.ID, ch)); err != nil {
		return Contract{}, accord.Wrap(op, err)
	}
	return c, nil
}

// Get returns a term the actor may see.
func (s *Service) Get(ctx context.Context, now time.Time, id accord.ID) (Contract, error) {
	_, scope, err := s.scoped(ctx, now)
	if err != nil {
		return Contract{}, err
	}
	c, err := s.store.GetContract(ctx, scope, id)
	if err != nil {
		return Contract{}, err
	}
	c.Status = c.StatusOn(s.today(now))
	return c, nil
}

// List lists the terms the actor may see, newest first.
func (s *Service) List(ctx context.Context, now time.Time, f Filter, p accord.Page) ([]Contract, string, error) {
	_, scope, err := s.scoped(ctx, now)
	if err != nil {
		return nil, "", err
	}
	l, next, err := s.store.ListContracts(ctx, scope, f, p.Normalize())
	today := s.today(now)
	for i := range l {
		l[i].Status = l[i].StatusOn(today)
	}
	return l, next, err
}

// Terms returns the history of the contract id belongs to: every term from
// the first, oldest first.
func (s *Service) Terms(ctx context.Context, now time.Time, id accord.ID) ([]Contract, error) {
	_, scope, err := s.scoped(ctx, now)
	if err != nil {
		return nil, err
	}
	c, err := s.store.GetContract(ctx, scope, id)
	if err != nil {
		return nil, err
	}
	l, err := s.store.ListTerms(ctx, scope, c.SeriesID)
	today := s.today(now)
	for i := range l {
		l[i].Status = l[i].StatusOn(today)
	}
	return l, err
}

// ActiveContract returns the customer's term active at now. Without one,
// the error says why, with the dates a person needs: "the contract of Acme
// Bank expired on 2026-03-14". It is NotFound for a customer outside the
// actor's scope.
func (s *Service) ActiveContract(ctx context.Context, now time.Time, customerID accord.ID) (Contract, error) {
	_, scope, err := s.scoped(ctx, now)
	if err != nil {
		return Contract{}, err
	}
	if !scope.Allows(customerID) {
		return Contract{}, &accord.Error{Kind: accord.NotFound, Msg: "organization not found"}
	}
	return s.active(ctx, now, customerID)
}

// active finds the customer's active term regardless of scope; its error
// is Unprocessable and explains the absence.
func (s *Service) active(ctx context.Context, now time.Time, customerID accord.ID) (Contract, error) {
	all, err := s.allOf(ctx, customerID)
	if err != nil {
		return Contract{}, err
	}
	today := s.today(now)
	var latest *Contract
	for i := range all {
		c := &all[i]
		c.Status = c.StatusOn(today)
		if c.Status == Active {
			return *c, nil
		}
		if c.SignedOn <= today && (latest == nil || c.EndsOn > latest.EndsOn) {
			latest = c
		}
	}
	name := string(customerID)
	if org, err := s.dir.GetOrganization(system(ctx), now, customerID); err == nil {
		name = org.Name
	}
	var msg string
	switch {
	case latest == nil && len(all) > 0:
		msg = fmt.Sprintf("the contract of %s starts on %s", name, all[len(all)-1].SignedOn)
	case latest == nil:
		msg = name + " has no support contract"
	case latest.Status == Cancelled:
		msg = fmt.Sprintf("the contract of %s was cancelled on %s", name, latest.CancelledOn)
	default:
		msg = fmt.Sprintf("the contract of %s expired on %s", name, latest.EndsOn)
	}
	return Contract{}, &accord.Error{Kind: accord.Unprocessable, Op: "contracts.ActiveContract", Msg: msg}
}

// CanOpenCases reports whether a user may open cases for a customer now:
// an active user who is the customer's authorized contact, a certified
// partner agent serving it, or vendor staff; and the customer must have an
// active contract, which it returns: the term the case is opened under.
// Every refusal is accord.Forbidden with its reason.
func (s *Service) CanOpenCases(ctx context.Context, now time.Time, userID, customerID accord.ID) (Contract, error) {
	const op = "contracts.CanOpenCases"
	u, err := s.dir.GetUser(system(ctx), now, userID)
	if err != nil {
		return Contract{}, accord.Wrap(op, err)
	}
	if !u.Active {
		return Contract{}, forbidden(op, "the account is inactive")
	}
	switch {
	case u.Role == accord.RoleCustomerContact:
		if u.OrgID != customerID {
			return Contract{}, forbidden(op, "a customer contact opens cases only for its own organization")
		}
		if !u.AuthorizedContact {
			return Contract{}, forbidden(op, "not an authorized contact; ask your organization's administrator to request authorization")
		}
	case u.Role == accord.RolePartnerAgent:
		as := accord.WithActor(ctx, accord.Actor{UserID: u.ID, OrgID: u.OrgID, Role: u.Role, Name: u.Name})
		scope, err := s.dir.Scope(as, now)
		if err != nil {
			return Contract{}, err // the directory says why: no valid certification
		}
		if !scope.Allows(customerID) {
			return Contract{}, forbidden(op, "the partner does not serve this customer")
		}
	case u.Role == accord.RoleAuditor:
		return Contract{}, forbidden(op, "auditors only read")
	}
	c, err := s.active(ctx, now, customerID)
	if accord.IsKind(err, accord.Unprocessable) {
		return Contract{}, forbidden(op, accord.Public(err).Msg)
	}
	return c, err
}
