package engagements

import (
	"context"
	"fmt"
	"sync"
	"time"

	ics "github.com/arran4/golang-ical"

	"accord/internal/accord"
	"accord/internal/cases"
	"accord/internal/contracts"
	"accord/internal/directory"
	"accord/internal/lang"
	"accord/internal/sla"
)

// Policies gives the support policy, whose calendars hold services hours;
// *sla.Service provides it.
type Policies interface {
	Current(ctx context.Context) (sla.Version, *sla.Policy, error)
}

// Contracts gives a customer's contract and what is left of its
// entitlements; *contracts.Service provides it.
type Contracts interface {
	ActiveContract(ctx context.Context, now time.Time, customerID accord.ID) (contracts.Contract, error)
	Entitlements(ctx context.Context, now time.Time, contractID accord.ID, year int) ([]contracts.Entitlement, error)
}

// Directory gives actors' scopes, users and organizations;
// *directory.Service provides it.
type Directory interface {
	Scope(ctx context.Context, now time.Time) (accord.Scope, error)
	GetUser(ctx context.Context, now time.Time, id accord.ID) (directory.User, error)
	GetOrganization(ctx context.Context, now time.Time, id accord.ID) (directory.Organization, error)
	PartnerServes(ctx context.Context, partnerID, customerID accord.ID) (bool, error)
}

// Cases reads the case an engagement is requested from; *cases.Service
// provides it.
type Cases interface {
	Get(ctx context.Context, now time.Time, id accord.ID) (cases.Case, error)
}

// Config holds the limits and settings of engagements.
type Config struct {
	// MaxFile bounds an evidence file's size.
	MaxFile int64
	// Sniff names a file's type from its first bytes (http.DetectContentType).
	Sniff func([]byte) string
	// ContractZone is where contract years turn (contracts.Config.Zone).
	ContractZone *time.Location
	// BaseURL is the web address feeds link engagements to; may be empty.
	BaseURL string
	// Languages says whether a catalog import refuses a document whose
	// texts lack a language Accord serves (lang.Strict), or warns (the
	// default).
	Languages lang.Mode
	// More adds to a user's calendar feed the events of other areas the
	// feed's owner takes part in (changes to managed environments and
	// their maintenance windows), seen through scope; may be nil.
	More func(ctx context.Context, now time.Time, owner directory.User, scope accord.Scope, cal *ics.Calendar) error
}

// Service applies the rules of professional services.
type Service struct {
	store     Store
	policies  Policies
	contracts Contracts
	dir       Directory
	cases     Cases
	cfg       Config

	mu     sync.Mutex
	parsed map[int]*Catalog // catalog versions never change
}

// NewService returns a service over store.
func NewService(store Store, policies Policies, contracts Contracts, dir Directory, cases Cases, cfg Config) *Service {
	return &Service{store: store, policies: policies, contracts: contracts, dir: dir, cases: cases, cfg: cfg, parsed: map[int]*Catalog{}}
}

func forbidden(op, format string, args ...any) error {
	return &accord.Error{Kind: accord.Forbidden, Op: op, Msg: fmt.Sprintf(format, args...)}
}

func conflict(op, format string, args ...any) error {
	return &accord.Error{Kind: accord.Conflict, Op: op, Msg: fmt.Sprintf(format, args...)}
}

func refuse(op, field, format string, args ...any) error {
	return &accord.Error{Kind: accord.Unprocessable, Op: op, Field: field, Msg: fmt.Sprintf(format, args...)}
}

// system is ctx acting as the system, for lookups this package makes on
// its own behalf once the actor is authorized.
func system(ctx context.Context) context.Context {
	return accord.WithActor(ctx, accord.SystemActor("engagements"))
}

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

func vendorStaff(a accord.Actor) bool {
	return a.System || a.Role == accord.RoleAdmin || a.Role == accord.RoleAgent
}

// partyOf says on which side of e the actor stands.
func partyOf(a accord.Actor, e Engagement) (Party, bool) {
	switch {
	case vendorStaff(a):
		return Vendor, true
	case a.Role == accord.RolePartnerAgent && e.ResellerID != "" && a.OrgID == e.ResellerID:
		return Reseller, true
	case a.Role == accord.RoleCustomerContact && a.OrgID == e.OrgID:
		return Customer, true
	}
	return "", false
}

// provides reports whether the actor works for whoever delivers e; the
// vendor's staff always may.
func provides(a accord.Actor, e Engagement) bool {
	p, ok := partyOf(a, e)
	return ok && (p == Vendor || (p == Reseller && e.Provider == Reseller))
}

func isCustomer(a accord.Actor, e Engagement) bool {
	return a.Role == accord.RoleCustomerContact && a.OrgID == e.OrgID
}

// catalog parses catalog version n, once per process.
func (s *Service) catalog(ctx context.Context, n int) (*Catalog, error) {
	s.mu.Lock()
	c, ok := s.parsed[n]
	s.mu.Unlock()
	if ok {
		return c, nil
	}
	v, err := s.store.GetCatalogVersion(ctx, n)
	if err != nil {
		return nil, err
	}
	return s.parse(v)
}

func (s *Service) parse(v Version) (*Catalog, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c, ok := s.parsed[v.Number]; ok {
		return c, nil
	}
	c, err := ParseCatalog([]byte(v.Document))
	if err != nil {
		return nil, fmt.Errorf("engagements: stored catalog version %d no longer parses: %w", v.Number, err)
	}
	s.parsed[v.Number] = c
	return c, nil
}

// hours returns the services calendar the catalog names, from the current
// support policy.
func (s *Service) hours(ctx context.Context, c *Catalog) (Hours, error) {
	_, pol, err := s.policies.Current(system(ctx))
	if err != nil {
		return Hours{}, err
	}
	cal, ok := pol.Calendar(c.Calendar)
	if !ok {
		return Hours{}, &accord.Error{Kind: accord.Unprocessable, Field: "calendar",
			Msg: fmt.Sprintf("the catalog counts on calendar %q, which the current support policy does not define", c.Calendar)}
	}
	return NewHours(c.Calendar, cal)
}

// terms reads, before an engagement's lock is taken, what a decision about
// it needs besides the engagement: its catalog version and the services
// calendar.
func (s *Service) terms(ctx context.Context, now time.Time, op string, id accord.ID) (Engagement, *Catalog, Hours, error) {
	e, err := s.Get(ctx, now, id)
	if err != nil {
		return Engagement{}, nil, Hours{}, err
	}
	cat, err := s.catalog(ctx, e.CatalogVersion)
	if err != nil {
		return Engagement{}, nil, Hours{}, accord.Wrap(op, err)
	}
	h, err := s.hours(ctx, cat)
	if err != nil {
		return Engagement{}, nil, Hours{}, accord.Wrap(op, err)
	}
	return e, cat, h, nil
}

// Localize gives e the service name and step titles of its catalog
// version in loc (an engagement stores them in en-US, the catalog's
// base language); e is returned as it is when its version cannot be read.
func (s *Service) Localize(ctx context.Context, e Engagement, loc string) Engagement {
	cat, err := s.catalog(ctx, e.CatalogVersion)
	if err != nil {
		return e
	}
	return cat.Localize(e, loc)
}

// Get returns an engagement the actor may read.
func (s *Service) Get(ctx context.Context, now time.Time, id accord.ID) (Engagement, error) {
	_, scope, err := s.scoped(ctx, now)
	if err != nil {
		return Engagement{}, err
	}
	e, err := s.store.Get(ctx, scope, id)
	if err != nil {
		return Engagement{}, err
	}
	e.Waiting = waitingOn(e)
	return e, nil
}

// List lists the engagements the actor may read, newest first.
func (s *Service) List(ctx context.Context, now time.Time, f Filter, p accord.Page) ([]Engagement, string, error) {
	_, scope, err := s.scoped(ctx, now)
	if err != nil {
		return nil, "", err
	}
	if f.State != "" && !f.State.valid() {
		return nil, "", accord.FieldError("state", "must be one of %v", States)
	}
	list, next, err := s.store.List(ctx, scope, f, p.Normalize())
	for i := range list {
		list[i].Waiting = waitingOn(list[i])
	}
	return list, next, err
}

// File returns a step's evidence file.
func (s *Service) File(ctx context.Context, now time.Time, id, fileID accord.ID) (File, []byte, error) {
	_, scope, err := s.scoped(ctx, now)
	if err != nil {
		return File{}, nil, err
	}
	return s.store.File(ctx, scope, id, fileID)
}

// change runs decide on engagement id under its lock, with the actor, and
// returns the engagement as stored afterwards.
func (s *Service) change(ctx context.Context, now time.Time, id accord.ID, decide func(a accord.Actor, e Engagement, l Locked) (Change, error)) (Engagement, error) {
	a, scope, err := s.scoped(ctx, now)
	if err != nil {
		return Engagement{}, err
	}
	if !a.CanWrite() {
		return Engagement{}, forbidden("engagements", "auditors read engagements; they do not change them")
	}
	e, err := s.store.Update(ctx, scope, id, func(e Engagement, l Locked) (Change, error) {
		ch, err := decide(a, e, l)
		ch.Engagement.UpdatedAt = now.UTC().Truncate(time.Microsecond)
		return ch, err
	})
	if err != nil {
		return Engagement{}, err
	}
	e.Waiting = waitingOn(e)
	return e, nil
}

// waitingOn says who holds the engagement up, and with what.
func waitingOn(e Engagement) []Waiting {
	provider := []Party{e.Provider}
	var w []Waiting
	step := func(st Step) Waiting {
		return Waiting{Parties: st.Parties, What: fmt.Sprintf("step %d: %s", st.Position, st.Title), Step: st.Position}
	}
	switch e.State {
	case Requested:
		return []Waiting{{Parties: provider, What: "a quote"}}
	case Quoted:
		return []Waiting{{Parties: []Party{Customer}, What: "accepting the quote"}}
	case Completed:
		return []Waiting{{Parties: []Party{Customer}, What: "signing off the result"}}
	case SignedOff, Cancelled:
		return []Waiting{}
	}
	listed := map[int]bool{}
	for _, st := range e.Steps {
		if st.BeforeScheduling && st.DoneAt == nil {
			w = append(w, step(st))
			listed[st.Position] = true
		}
	}
	if e.State == Accepted && len(w) == 0 {
		w = append(w, Waiting{Parties: provider, What: "booking the sessions"})
	}
	for _, st := range e.Steps {
		if st.DoneAt == nil {
			if !listed[st.Position] {
				w = append(w, step(st))
			}
			return w
		}
	}
	switch e.State {
	case Scheduled:
		w = append(w, Waiting{Parties: provider, What: "starting the work"})
	case InProgress:
		w = append(w, Waiting{Parties: provider, What: "completing the engagement"})
	}
	return w
}
