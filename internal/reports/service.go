package reports

import (
	"context"
	"time"

	"accord/internal/accord"
	"accord/internal/cases"
	"accord/internal/directory"
	"accord/internal/sla"
)

// Store reads the records reports count. It reads only inside scope.
type Store interface {
	// Ratings returns the satisfaction ratings of the cases closed in
	// [from, to), only org's when org is not empty.
	Ratings(ctx context.Context, scope accord.Scope, from, to time.Time, org accord.ID) ([]Rating, error)
	// Activity counts what the dashboard shows of scope's cases over the
	// spans of q; see Activity.
	Activity(ctx context.Context, scope accord.Scope, q ActivityQuery) (Activity, error)
	// ReceivedAfter returns up to limit cases received in [from, to) that
	// come after (at, id) in the order (received_at, id), in that order,
	// each with its pauses and reclassifications (oldest first); an empty
	// id starts at from. Of each case it fills only what the SLA report
	// and a replay read: id, organization, number, type, criticality,
	// close and clock.
	ReceivedAfter(ctx context.Context, scope accord.Scope, from, to, at time.Time, id accord.ID, limit int) ([]cases.Case, error)
}

// ActivityQuery names the spans the dashboard counts: consecutive days and
// months, each list their bounds in ascending order, so that n spans have
// n+1 bounds and day i is [Days[i], Days[i+1]).
type ActivityQuery struct {
	Days   []time.Time
	Months []time.Time
}

// Activity is what a store counts for the dashboard, so that the page
// reads figures rather than every active case (docs/benchmarks.md).
type Activity struct {
	// Active counts the active cases (cases.ActiveStates) now by state,
	// criticality and assignee ("" for none); cells without cases are left
	// out.
	Active []ActiveCount
	// Opened and Closed count, per day, the cases received and closed in it.
	Opened, Closed []int
	// Resolved are the cases resolved within the days, in no particular order.
	Resolved []ResolvedCase
	// Required counts, per month, the cases under the senior-engineer rule
	// received in it; BySenior those of them assigned to a senior engineer.
	Required, BySenior []int
}

// ActiveCount is a number of active cases of one state, criticality and
// assignee.
type ActiveCount struct {
	State       cases.State
	Criticality sla.Criticality
	AssigneeID  accord.ID
	Cases       int
}

// ResolvedCase is a resolved case's criticality and its receipt and
// resolution instants.
type ResolvedCase struct {
	Criticality            sla.Criticality
	ReceivedAt, ResolvedAt time.Time
}

// Policies gives the policy version each case was opened under;
// *sla.Service provides it.
type Policies interface {
	Version(ctx context.Context, n int) (*sla.Policy, error)
}

// Directory gives the actor's scope and organizations' names;
// *directory.Service provides it.
type Directory interface {
	Scope(ctx context.Context, now time.Time) (accord.Scope, error)
	GetOrganization(ctx context.Context, now time.Time, id accord.ID) (directory.Organization, error)
	GetUser(ctx context.Context, now time.Time, id accord.ID) (directory.User, error)
}

// Config says how reports read time.
type Config struct {
	// Zone is the vendor's zone: a month begins and ends at its midnights,
	// as contract dates are read (contracts.Config.Zone).
	Zone *time.Location
}

// DefaultConfig reads months in America/New_York, the zone of the
// reference policy's business hours and of contract dates.
func DefaultConfig() Config {
	zone, err := time.LoadLocation("America/New_York")
	if err != nil {
		// The binary embeds time/tzdata; only a test binary without it and
		// without system zoneinfo gets here.
		zone = time.UTC
	}
	return Config{Zone: zone}
}

// Month reads a month written "YYYY-MM" and returns the instants, in UTC,
// at which it and the next month begin in the zone.
func (c Config) Month(s string) (from, to time.Time, err error) {
	if s == "" {
		return from, to, accord.FieldError("month", "is required; write it as YYYY-MM, such as 2026-10")
	}
	t, perr := time.ParseInLocation("2006-01", s, c.zone())
	if perr != nil || len(s) != len("2006-01") {
		return from, to, accord.FieldError("month", "%q is not a month; write it as YYYY-MM, such as 2026-10", s)
	}
	if t.Year() < 1900 || t.Year() >= 2150 {
		return from, to, accord.FieldError("month", "must be between 1900-01 and 2149-12")
	}
	return t.UTC(), t.AddDate(0, 1, 0).UTC(), nil
}

func (c Config) zone() *time.Location {
	if c.Zone == nil {
		return time.UTC
	}
	return c.Zone
}

// Service computes reports for the actor in the context.
type Service struct {
	store    Store
	policies Policies
	dir      Directory
	cfg      Config
}

// NewService returns a service over store.
func NewService(store Store, policies Policies, dir Directory, cfg Config) *Service {
	return &Service{store: store, policies: policies, dir: dir, cfg: cfg}
}

// scoped returns the organizations the actor may read: vendor staff (and
// the system) every one, a certified partner agent its partner's
// customers, a customer contact its own organization.
func (s *Service) scoped(ctx context.Context, now time.Time) (accord.Scope, error) {
	a, err := accord.ActorFrom(ctx)
	if err != nil {
		return accord.Scope{}, err
	}
	if a.System {
		return accord.Scope{All: true}, nil
	}
	return s.dir.Scope(ctx, now)
}

// system is ctx acting as the system, for the names of organizations the
// actor's scope has already admitted.
func system(ctx context.Context) context.Context {
	return accord.WithActor(ctx, accord.SystemActor("reports"))
}

// Day reads a day written "YYYY-MM-DD" and returns the instant, in UTC,
// at which it begins in the zone: a replay's range is given in days.
func (c Config) Day(field, s string) (time.Time, error) {
	t, err := time.ParseInLocation("2006-01-02", s, c.zone())
	if err != nil || len(s) != len("2006-01-02") {
		return time.Time{}, accord.FieldError(field, "%q is not a day; write it as YYYY-MM-DD, such as 2026-01-01", s)
	}
	if t.Year() < 1900 || t.Year() >= 2150 {
		return time.Time{}, accord.FieldError(field, "must be between 1900 and 2149")
	}
	return t.UTC(), nil
}

// ZoneName is the name of the zone months and days are read in.
func (c Config) ZoneName() string { return c.zone().String() }
