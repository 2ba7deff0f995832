package reports

import (
	"context"
	"strings"
	"testing"
	"time"

	"accord/internal/accord"
	"accord/internal/businesstime"
	"accord/internal/cases"
	"accord/internal/directory"
	"accord/internal/sla"
)

var ny = mustZone("America/New_York")

func mustZone(name string) *time.Location {
	l, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return l
}

// local reads "2026-10-09 19:00" as New York time; "" is the zero time.
func local(s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	t, err := time.ParseInLocation("2006-01-02 15:04", s, ny)
	if err != nil {
		panic(err)
	}
	return t.UTC()
}

func ptr(t time.Time) *time.Time { return &t }

// testPolicies are the default policy as version 1 and, as version 2, the
// same policy with support hours cut to 09:00-17:00.
func testPolicies(t testing.TB) fakePolicies {
	t.Helper()
	v1, err := sla.Parse([]byte(sla.DefaultDocument()))
	if err != nil {
		t.Fatal(err)
	}
	doc2 := strings.ReplaceAll(sla.DefaultDocument(), `[["08:00", "20:00"]]`, `[["09:00", "17:00"]]`)
	if doc2 == sla.DefaultDocument() {
		t.Fatal("the default policy's support hours moved; update testPolicies")
	}
	v2, err := sla.Parse([]byte(doc2))
	if err != nil {
		t.Fatal(err)
	}
	return fakePolicies{1: v1, 2: v2}
}

type fakePolicies map[int]*sla.Policy

func (f fakePolicies) Version(_ context.Context, n int) (*sla.Policy, error) {
	p, ok := f[n]
	if !ok {
		return nil, &accord.Error{Kind: accord.NotFound, Msg: "no such policy version"}
	}
	return p, nil
}

// fakeStore holds cases in memory and answers as the database store does.
type fakeStore struct {
	cases    []cases.Case
	ratings  []Rating
	from, to time.Time // of the last call
}

func (f *fakeStore) Received(_ context.Context, scope accord.Scope, from, to time.Time, org accord.ID) ([]cases.Case, error) {
	f.from, f.to = from, to
	var out []cases.Case
	for _, c := range f.cases {
		if scope.Allows(c.OrgID) && (org == "" || c.OrgID == org) && !c.Clock.ReceivedAt.Before(from) && c.Clock.ReceivedAt.Before(to) {
			out = append(out, c)
		}
	}
	return out, nil
}

func (f *fakeStore) Ratings(_ context.Context, scope accord.Scope, from, to time.Time, org accord.ID) ([]Rating, error) {
	var out []Rating
	for _, r := range f.ratings {
		if scope.Allows(r.OrgID) && (org == "" || r.OrgID == org) && !r.ClosedAt.Before(from) && r.ClosedAt.Before(to) {
			out = append(out, r)
		}
	}
	return out, nil
}

// fakeDirectory scopes actors as directory.Service does: vendor staff and
// the system see every organization, a partner agent its own and the
// customers in partners, a customer contact its own.
type fakeDirectory struct {
	orgs     map[accord.ID]directory.Organization
	users    map[accord.ID]directory.User
	partners map[accord.ID][]accord.ID
}

func (f fakeDirectory) Scope(ctx context.Context, _ time.Time) (accord.Scope, error) {
	a, err := accord.ActorFrom(ctx)
	switch {
	case err != nil:
		return accord.Scope{}, err
	case a.IsVendor():
		return accord.Scope{All: true}, nil
	case a.Role == accord.RolePartnerAgent:
		return accord.Scope{Orgs: append([]accord.ID{a.OrgID}, f.partners[a.OrgID]...)}, nil
	}
	return accord.OnlyOrg(a.OrgID), nil
}

func (f fakeDirectory) GetOrganization(ctx context.Context, now time.Time, id accord.ID) (directory.Organization, error) {
	scope, err := f.Scope(ctx, now)
	if err != nil {
		return directory.Organization{}, err
	}
	o, ok := f.orgs[id]
	if !ok || !scope.Allows(id) {
		return directory.Organization{}, &accord.Error{Kind: accord.NotFound, Msg: "organization not found"}
	}
	return o, nil
}

func actor(role accord.Role, org accord.ID) context.Context {
	return accord.WithActor(context.Background(), accord.Actor{UserID: "usr_test", OrgID: org, Role: role, Name: "Tess"})
}

// kase describes a case by its stored facts, times in New York.
type kase struct {
	name     string
	org      accord.ID
	version  int // 0: 1
	plan     string
	crit     sla.Criticality
	channel  sla.Channel
	received string
	call     string // a portal case's recorded call
	answered string // the first public answer
	// pauses are [from, to] in New York time; to "" is a pause still open.
	pauses      [][2]string
	enhancement bool
}

func (k kase) facts() cases.Case {
	c := cases.Case{ID: accord.ID("cas_" + k.name), OrgID: k.org, Type: cases.Incident, Title: k.name, Criticality: k.crit,
		State: cases.Open, Clock: cases.Clock{PolicyVersion: max(k.version, 1), Plan: k.plan, Channel: k.channel, ReceivedAt: local(k.received)}}
	if k.enhancement {
		c.Type, c.State = cases.Enhancement, cases.Received
	}
	if k.call != "" {
		c.Clock.PhoneAt = ptr(local(k.call))
	}
	if k.answered != "" {
		c.Clock.RespondedAt = ptr(local(k.answered))
	}
	for _, p := range k.pauses {
		ps := cases.Pause{From: local(p[0])}
		if p[1] != "" {
			ps.To = ptr(local(p[1]))
		} else {
			c.Clock.PausedSince, c.State = ptr(ps.From), cases.AwaitingCustomer
		}
		c.Pauses = append(c.Pauses, ps)
	}
	return c
}

// settle fills c's clock from its facts as the cases package does when
// it stores a case (cases.settle, unexported): the start, target,
// guarantee and due instant from sla.Policy.Due with the pauses that began
// before the response; no due instant while a running clock is paused.
func settle(t interface {
	Helper()
	Fatalf(string, ...any)
}, pols fakePolicies, c cases.Case) cases.Case {
	t.Helper()
	if c.Type == cases.Enhancement {
		c.Clock.StartsAt = c.Clock.ReceivedAt
		return c
	}
	k := &c.Clock
	in := sla.DueInput{Plan: k.Plan, Criticality: c.Criticality, Channel: k.Channel, Received: k.ReceivedAt}
	if k.Channel == sla.Portal {
		in.PhoneAt = k.PhoneAt
	}
	for _, p := range c.Pauses {
		if k.RespondedAt != nil && !p.From.Before(*k.RespondedAt) {
			continue
		}
		switch {
		case p.To != nil && k.RespondedAt != nil && p.To.After(*k.RespondedAt):
			in.Pauses = append(in.Pauses, businesstime.Interval{From: p.From, To: *k.RespondedAt})
		case p.To != nil:
			in.Pauses = append(in.Pauses, businesstime.Interval{From: p.From, To: *p.To})
		case k.RespondedAt != nil:
			in.Pauses = append(in.Pauses, businesstime.Interval{From: p.From, To: *k.RespondedAt})
		}
	}
	r, err := pols[k.PolicyVersion].Due(in)
	if err != nil {
		t.Fatalf("case %s: %v", c.ID, err)
	}
	k.Kind, k.StartsAt, k.Target, k.Guaranteed, k.CallRequired = r.Clock, r.StartsAt, r.Target, r.Guaranteed, !r.Guaranteed
	k.DueAt, k.WarnAt = ptr(r.DueAt), ptr(r.WarnAt)
	if k.PausedSince != nil && k.RespondedAt == nil {
		k.DueAt, k.WarnAt = nil, nil
	}
	return c
}

func span(d time.Duration) *Span { return spanOf(d) }

// Activity counts as the database store does, case by case: the
// reference the store's aggregates are held to.
func (f *fakeStore) Activity(_ context.Context, scope accord.Scope, q ActivityQuery) (Activity, error) {
	return CountActivity(f.cases, scope, q), nil
}

// GetUser reads the fixture's users, and names the other agents of the
// tests: "usr_ana" is Ana.
func (f fakeDirectory) GetUser(_ context.Context, _ time.Time, id accord.ID) (directory.User, error) {
	if u, ok := f.users[id]; ok {
		return u, nil
	}
	name := strings.TrimPrefix(string(id), "usr_")
	return directory.User{ID: id, Name: strings.ToUpper(name[:1]) + name[1:]}, nil
}
