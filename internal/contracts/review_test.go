package contracts

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"accord/internal/accord"
	"accord/internal/directory"
)

func TestCheckLicencesRefusesSeparators(t *testing.T) {
	for _, mod := range []string{"a=b", "a;b", "=x", "x;"} {
		_, err := checkLicences([]Licence{{Module: mod, Quantity: 1}})
		if pe := accord.Public(err); !accord.IsKind(err, accord.Invalid) || pe.Field != "licences[0].module" {
			t.Errorf("module %q: %v", mod, err)
		}
	}
	if _, err := checkLicences([]Licence{{Module: "core-2 (x)", Quantity: 1}}); err != nil {
		t.Errorf("plain module refused: %v", err)
	}
}

func TestCheckNoOverlap(t *testing.T) {
	c := Contract{ID: "new", SignedOn: "2026-01-01", EndsOn: "2026-12-31"}
	for _, tc := range []struct {
		name string
		o    Contract
		ok   bool
	}{
		{"overlapping", Contract{ID: "o", SignedOn: "2025-06-01", EndsOn: "2026-05-31"}, false},
		{"before", Contract{ID: "o", SignedOn: "2025-01-01", EndsOn: "2025-12-31"}, true},
		{"after", Contract{ID: "o", SignedOn: "2027-01-01", EndsOn: "2027-12-31"}, true},
		{"cancelled before new starts", Contract{ID: "o", SignedOn: "2025-06-01", EndsOn: "2026-05-31", CancelledOn: "2026-01-01"}, true},
		{"cancelled the day after new starts", Contract{ID: "o", SignedOn: "2025-06-01", EndsOn: "2026-05-31", CancelledOn: "2026-01-02"}, false},
		// cancelled before its own start, a term covers nothing
		{"cancelled before its start", Contract{ID: "o", SignedOn: "2026-06-01", EndsOn: "2027-05-31", CancelledOn: "2025-12-01"}, true},
		{"cancelled on its start", Contract{ID: "o", SignedOn: "2026-06-01", EndsOn: "2027-05-31", CancelledOn: "2026-06-01"}, true},
		{"cancelled after its start", Contract{ID: "o", SignedOn: "2026-06-01", EndsOn: "2027-05-31", CancelledOn: "2026-06-02"}, false},
		{"itself", Contract{ID: "new", SignedOn: "2026-01-01", EndsOn: "2026-12-31"}, true},
	} {
		err := CheckNoOverlap(c, []Contract{tc.o})
		if tc.ok != (err == nil) {
			t.Errorf("%s: %v", tc.name, err)
		}
		if err != nil && (!accord.IsKind(err, accord.Conflict) || !strings.Contains(err.Error(), "renew it instead")) {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
}

// brokenDir fails every look-up with a database error.
type brokenDir struct{ Directory }

var errDB = errors.New("connection reset")

func (brokenDir) GetOrganization(context.Context, time.Time, accord.ID) (directory.Organization, error) {
	return directory.Organization{}, errDB
}

// A database error looking up the customer is an internal error, not a
// refusal that blames the input. (The look-up of the person's address is
// checked against a real database in the API's tests.)
func TestRequestContactDatabaseErrors(t *testing.T) {
	ctx := accord.WithActor(context.Background(), accord.Actor{UserID: "usr_a", OrgID: "org_v", Role: accord.RoleAdmin, Name: "A"})
	in := NewContactRequest{OrgID: "org_c", Name: "Nina", Email: "nina@c.example", Reason: "x"}
	s := NewService(nil, StaticPlans{}, brokenDir{}, DefaultConfig())
	_, err := s.RequestContact(ctx, time.Now(), in)
	if !errors.Is(err, errDB) || accord.KindOf(err) != accord.Internal {
		t.Errorf("organization look-up failing: %v (kind %s)", err, accord.KindOf(err))
	}
}

// Plans pass standing benefits on; the service alone leaves them out.
func TestTermLeavesOutStandingBenefits(t *testing.T) {
	s := NewService(nil, StaticPlans{"p": {Inclusions: []Inclusion{
		{Key: "senior_routing", Name: "Senior routing"},
		{Key: "assisted_upgrade", Name: "Assisted upgrade", Quantity: 1, Unit: "assisted upgrade"},
	}}}, nil, DefaultConfig())
	c := Contract{ID: "ctr_x", OrgID: "org_x", Plan: "p", SignedOn: "2026-01-01", Years: 2}
	ents, err := s.term(context.Background(), &c, false)
	if err != nil || len(ents) != 2 || ents[0].Key != "assisted_upgrade" || ents[1].Key != "assisted_upgrade" {
		t.Fatalf("entitlements %+v, %v", ents, err)
	}
}
