package signals

import (
	"context"
	"slices"
	"time"

	"accord/internal/accord"
)

// Touch records that the actor has the case's page open, writing a reply
// when writing is true, and returns the colleagues on it besides the
// actor (see Present). Only agents who may read the case are recorded.
func (s *Service) Touch(ctx context.Context, now time.Time, caseID accord.ID, writing bool) ([]Presence, error) {
	const op = "signals.Touch"
	a, err := accord.ActorFrom(ctx)
	if err != nil {
		return nil, err
	}
	if !isAgent(a) {
		return nil, forbidden(op, "presence is shown to agents")
	}
	c, err := s.cases.Get(ctx, now, caseID)
	if err != nil {
		return nil, err
	}
	now = now.UTC()
	p := Presence{OrgID: c.OrgID, CaseID: c.ID, UserID: a.UserID, Name: a.Name, Writing: writing, SeenAt: now}
	if err := s.store.Touch(ctx, p, now.Add(-2*PresenceWindow)); err != nil {
		return nil, accord.Wrap(op, err)
	}
	return s.present(ctx, now, a, c.ID)
}

// Present lists the colleagues on the case's page within PresenceWindow of
// now, besides the actor. Customers never see agents' presence.
func (s *Service) Present(ctx context.Context, now time.Time, caseID accord.ID) ([]Presence, error) {
	a, err := accord.ActorFrom(ctx)
	if err != nil {
		return nil, err
	}
	if !isAgent(a) && !a.Role.Vendor() {
		return nil, forbidden("signals.Present", "presence is shown to agents")
	}
	c, err := s.cases.Get(ctx, now, caseID)
	if err != nil {
		return nil, err
	}
	return s.present(ctx, now.UTC(), a, c.ID)
}

func (s *Service) present(ctx context.Context, now time.Time, a accord.Actor, caseID accord.ID) ([]Presence, error) {
	l, err := s.store.Present(ctx, caseID, now.Add(-PresenceWindow))
	if err != nil {
		return nil, accord.Wrap("signals.Present", err)
	}
	return slices.DeleteFunc(l, func(p Presence) bool { return p.UserID == a.UserID }), nil
}
