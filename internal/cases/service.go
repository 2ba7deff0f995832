package cases

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"accord/internal/accord"
	"accord/internal/audit"
	"accord/internal/contracts"
	"accord/internal/directory"
	"accord/internal/sla"
)

// Policies gives the support policy: the current version for new cases,
// and the version each case was opened under; *sla.Service provides it.
type Policies interface {
	Current(ctx context.Context) (sla.Version, *sla.Policy, error)
	Version(ctx context.Context, n int) (*sla.Policy, error)
}

// Contracts says who may open cases and under which contract;
// *contracts.Service provides it.
type Contracts interface {
	// CanOpenCases refuses with the reason, or returns the customer's
	// active contract.
	CanOpenCases(ctx context.Context, now time.Time, userID, customerID accord.ID) (contracts.Contract, error)
}

// Directory gives actors' scopes and users; *directory.Service provides it.
type Directory interface {
	Scope(ctx context.Context, now time.Time) (accord.Scope, error)
	GetUser(ctx context.Context, now time.Time, id accord.ID) (directory.User, error)
	ListUsers(ctx context.Context, now time.Time, f directory.UserFilter, p accord.Page) ([]directory.User, string, error)
	GetOrganization(ctx context.Context, now time.Time, id accord.ID) (directory.Organization, error)
}

// Config holds the limits of cases.
type Config struct {
	// MaxFile bounds an attachment's size.
	MaxFile int64
	// Sniff names a file's type from its first bytes; the wiring passes
	// http.DetectContentType, keeping net/http out of this package.
	Sniff func([]byte) string
	// KBPrefixes are the URL prefixes a reply's knowledge-base reference
	// may start with (the web address's /kb/); empty allows any http or
	// https URL. An article id is always allowed.
	KBPrefixes []string
	// KBArticle checks a reference to an article by id: NotFound unless
	// it names a published article, one the customer may read when
	// customers is set. nil accepts any well-formed id.
	KBArticle func(ctx context.Context, id accord.ID, customers bool) error
}

// Service applies the rules of cases.
type Service struct {
	store     Store
	policies  Policies
	contracts Contracts
	dir       Directory
	cfg       Config
}

// AllowKB sets Config.KBPrefixes and Config.KBArticle; serve calls it
// once at start-up, when the web address is known, before any request.
func (s *Service) AllowKB(prefixes []string, article func(ctx context.Context, id accord.ID, customers bool) error) {
	s.cfg.KBPrefixes, s.cfg.KBArticle = prefixes, article
}

// NewService returns a service over store.
func NewService(store Store, policies Policies, contracts Contracts, dir Directory, cfg Config) *Service {
	return &Service{store: store, policies: policies, contracts: contracts, dir: dir, cfg: cfg}
}

func forbidden(op, msg string) error { return &accord.Error{Kind: accord.Forbidden, Op: op, Msg: msg} }

func conflict(op, msg string) error { return &accord.Error{Kind: accord.Conflict, Op: op, Msg: msg} }

// scoped returns the actor and the organizations it may read.
func (s *Service) scoped(ctx context.Context, now time.Time) (accord.Actor, accord.Scope, error) {
	a, err := accord.ActorFrom(ctx)
	if err != nil {
		return a, accord.Scope{}, err
	}
	if a.System {
		return a, accord.Scope{All: true}, nil
	}
	scope, err := s.dir.Scope(ctx, now)
	return a, scope, err
}

// isAgent: vendor support staff and partner agents work cases; partner
// agents only reach the customers their partner serves, through the scope.
func isAgent(a accord.Actor) bool {
	return a.System || a.Role == accord.RoleAdmin || a.Role == accord.RoleAgent || a.Role == accord.RolePartnerAgent
}

func isVendorAgent(a accord.Actor) bool {
	return a.System || a.Role == accord.RoleAdmin || a.Role == accord.RoleAgent
}

// isCustomer: a contact of the case's own organization.
func isCustomer(a accord.Actor, c Case) bool {
	return a.Role == accord.RoleCustomerContact && a.OrgID == c.OrgID
}

// Get returns a case the actor may read, with its pauses.
func (s *Service) Get(ctx context.Context, now time.Time, id accord.ID) (Case, error) {
	_, scope, err := s.scoped(ctx, now)
	if err != nil {
		return Case{}, err
	}
	return s.store.Get(ctx, scope, id)
}

// List lists the cases the actor may read.
func (s *Service) List(ctx context.Context, now time.Time, f Filter, p accord.Page) ([]Case, string, error) {
	scope, f, err := s.listFilter(ctx, now, f)
	if err != nil {
		return nil, "", err
	}
	return s.store.List(ctx, scope, f, p.Normalize())
}

// listFilter checks f and narrows it for the actor: its view, and the
// search of internal notes. It returns the scope the actor reads in.
func (s *Service) listFilter(ctx context.Context, now time.Time, f Filter) (accord.Scope, Filter, error) {
	a, scope, err := s.scoped(ctx, now)
	if err != nil {
		return scope, f, err
	}
	var mine []accord.ID
	if f.View == ViewTeam {
		teams, err := s.store.ListTeams(ctx, scope, TeamFilter{MemberID: a.UserID})
		if err != nil {
			return scope, f, err
		}
		for _, t := range teams {
			mine = append(mine, t.ID)
		}
	}
	if f, err = f.View.Narrow(f, a.UserID, mine); err != nil {
		return scope, f, err
	}
	for _, st := range f.States {
		if !validState(st) {
			return scope, f, accord.FieldError("state", "unknown state %q", st)
		}
	}
	if f.Type != "" && !validType(f.Type, true) {
		return scope, f, accord.FieldError("type", "unknown type %q", f.Type)
	}
	if f.Criticality != "" && !validCriticality(f.Criticality) {
		return scope, f, accord.FieldError("criticality", "must be C1, C2, C3 or C4")
	}
	if len(f.Text) > 200 {
		return scope, f, accord.FieldError("q", "at most 200 characters")
	}
	if f.Sort.Key != "" {
		if _, err := ParseSort(f.Sort.String()); err != nil {
			return scope, f, err
		}
	}
	// Internal notes are searched for those who may read them, never
	// because a caller asked.
	f.Notes = isAgent(a) || a.IsVendor()
	return scope, f, nil
}

// Number reads a search for a case by its number: "31" or "#31".
func Number(q string) (int64, bool) {
	q = strings.TrimPrefix(strings.TrimSpace(q), "#")
	if q == "" || len(q) > 18 || strings.TrimLeft(q, "0123456789") != "" {
		return 0, false
	}
	n, err := strconv.ParseInt(q, 10, 64)
	return n, err == nil && n > 0
}

// ByNumber returns the case numbered n, if the actor may read it.
func (s *Service) ByNumber(ctx context.Context, now time.Time, n int64) (Case, error) {
	_, scope, err := s.scoped(ctx, now)
	if err != nil {
		return Case{}, err
	}
	return s.store.ByNumber(ctx, scope, n)
}

// Timeline returns a case's entries, oldest first; customer contacts do
// not see internal notes.
func (s *Service) Timeline(ctx context.Context, now time.Time, id accord.ID) ([]Entry, error) {
	a, scope, err := s.scoped(ctx, now)
	if err != nil {
		return nil, err
	}
	return s.store.Entries(ctx, scope, id, isAgent(a) || a.IsVendor())
}

func validState(st State) bool { return slices.Contains(States, st) }

func validType(t Type, orRootCause bool) bool {
	return (orRootCause && t == RootCause) || slices.Contains(Types, t)
}

func validCriticality(c sla.Criticality) bool { return slices.Contains(sla.Criticalities, c) }

// errUnchanged tells Update's caller that the decision was to do nothing.
var errUnchanged = errors.New("cases: nothing to change")

// change loads the case under lock, lets decide make the change, and
// writes it. Decide gets the policy the case was opened under.
func (s *Service) change(ctx context.Context, now time.Time, op string, id accord.ID, decide func(a accord.Actor, pol *sla.Policy, c Case) (Change, error)) (Case, error) {
	now = now.UTC().Truncate(time.Microsecond) // what both databases keep
	a, scope, err := s.scoped(ctx, now)
	if err != nil {
		return Case{}, err
	}
	if !a.CanWrite() {
		return Case{}, forbidden(op, "auditors only read")
	}
	// The policy is read before the case is locked: decide must not use the
	// database, and a case's policy version never changes.
	seen, err := s.store.Get(ctx, scope, id)
	if err != nil {
		return Case{}, accord.Wrap(op, err)
	}
	pol, err := s.policies.Version(ctx, seen.Clock.PolicyVersion)
	if err != nil {
		return Case{}, fmt.Errorf("%s: policy version %d of case %s: %w", op, seen.Clock.PolicyVersion, id, err)
	}
	c, err := s.store.Update(ctx, scope, id, func(c Case) (Change, error) {
		before := c
		ch, err := decide(a, pol, c)
		if err != nil {
			return Change{}, err
		}
		ch.Case.UpdatedAt = now
		ch.Timers = append(ch.Timers, timersFor(before, ch.Case)...)
		ch.Timers = append(ch.Timers, internalTimers(pol, ch.Case, ch.Entries, now)...)
		ch.Notify = notices(ch.Case, ch.Entries)
		ch.Alerts = alerts(ch.Case, ch.Entries)
		if before.State != Closed && Rateable(ch.Case) && ch.Case.OpenedByID != "" {
			ch.Rating = &RatingRequest{ID: accord.NewID("rtl"), UserID: ch.Case.OpenedByID, ExpiresAt: now.Add(RatingLife)}
		}
		for i, o := range ch.Created {
			ch.Created[i].Notify = notices(o.Case, o.Entries)
		}
		return ch, nil
	})
	if errors.Is(err, errUnchanged) {
		return s.store.Get(ctx, scope, id)
	}
	return c, accord.Wrap(op, err)
}

// event is the audit event of a change to c.
func event(a accord.Actor, now time.Time, c Case, action string, changes audit.Changes) audit.Event {
	return audit.New(a, now, c.OrgID, action, "case", c.ID, changes)
}

// entry is a new timeline entry on c by a.
func entry(a accord.Actor, now time.Time, c Case, kind EntryKind) Entry {
	e := Entry{ID: accord.NewID("ent"), OrgID: c.OrgID, CaseID: c.ID, Kind: kind, AuthorID: a.UserID, Author: a.Name, AuthorOrg: a.OrgID, At: now}
	if a.System && e.Author == "" {
		e.Author = "Accord"
	}
	return e
}

func joinStates(l []State) string {
	if len(l) == 0 {
		return "nowhere: it is final"
	}
	s := make([]string, len(l))
	for i, x := range l {
		s[i] = string(x)
	}
	return strings.Join(s, ", ")
}
