package main

import (
	"context"
	"slices"
	"time"

	"accord/internal/accord"
	"accord/internal/directory"
	"accord/internal/engagements"
	"accord/internal/knownissues"
	"accord/internal/notify"
	"accord/internal/store"
)

// newKnownIssues builds the known-issues service over the cases service
// and the assisted upgrade of contracts, the policy and the catalog.
func (s *services) newKnownIssues() *knownissues.Service {
	return knownissues.NewService(store.NewKnownIssues(s.db), s.directory, s.cases, upgrades{s})
}

// upgrades offers the catalog's assisted upgrade to the customers whose
// active contract's plan includes the entitlement that pays for it.
type upgrades struct{ s *services }

// Included reads the customer's active contract's plan in the current
// policy: it includes the upgrade when it has the catalog service's
// entitlement (Premium's assisted_upgrade).
func (u upgrades) Included(ctx context.Context, now time.Time, orgID accord.ID) (bool, error) {
	ctx = accord.WithActor(ctx, accord.SystemActor("knownissues"))
	c, err := u.s.contracts.ActiveContract(ctx, now, orgID)
	if err != nil {
		return false, nil // no active contract: nothing included
	}
	_, cat, err := u.s.engagements.CurrentCatalog(ctx)
	if err != nil {
		return false, err
	}
	svc, ok := cat.Services[knownissues.UpgradeService]
	if !ok || svc.Entitlement == "" {
		return false, nil
	}
	_, pol, err := u.s.policy.Current(ctx)
	if err != nil {
		return false, err
	}
	plan, ok := pol.Plans[c.Plan]
	if !ok {
		return false, nil
	}
	_, ok = plan.Inclusions[svc.Entitlement]
	return ok, nil
}

// Request requests the assisted upgrade as the actor in ctx. A second
// click finds the request the first made (same scope, not cancelled) and
// answers it instead of requesting the service twice.
func (u upgrades) Request(ctx context.Context, now time.Time, orgID accord.ID, scope string) (accord.ID, error) {
	p := accord.Page{Limit: accord.MaxLimit}
	for {
		l, next, err := u.s.engagements.List(ctx, now, engagements.Filter{OrgID: orgID, Service: knownissues.UpgradeService}, p)
		if err != nil {
			return "", err
		}
		for _, e := range l {
			if e.Scope == scope && e.State != engagements.Cancelled {
				return e.ID, nil
			}
		}
		if next == "" {
			break
		}
		p.Cursor = next
	}
	e, err := u.s.engagements.Request(ctx, now, engagements.RequestInput{OrgID: orgID, Service: knownissues.UpgradeService, Scope: scope})
	return e.ID, err
}

// mailKnownIssue tells each customer a known issue affects about one of
// its notices: its authorized contacts and the certified partner agents
// serving it, each in their language, once per notice (the letter's topic)
// and person; then notes it on the linked open cases.
func (s *services) mailKnownIssue(ctx context.Context, now time.Time, noticeID accord.ID) error {
	mails, err := s.knownIssues.Mails(ctx, now, noticeID)
	if err != nil {
		return err
	}
	ctx = accord.WithActor(ctx, accord.SystemActor("knownissues"))
	partnerKind := directory.KindPartner
	var partners []directory.Organization
	if len(mails) > 0 {
		p := accord.Page{Limit: accord.MaxLimit}
		for {
			l, next, err := s.directory.ListOrganizations(ctx, now, directory.OrgFilter{Kind: &partnerKind}, p)
			if err != nil {
				return err
			}
			partners = append(partners, l...)
			if next == "" {
				break
			}
			p.Cursor = next
		}
	}
	var letters []notify.Letter
	for _, m := range mails {
		contact := accord.RoleCustomerContact
		people, err := s.activeUsers(ctx, now, directory.UserFilter{OrgID: &m.OrgID, Role: &contact})
		if err != nil {
			return err
		}
		agents, err := s.certifiedAgents(ctx, now, partners, m.OrgID)
		if err != nil {
			return err
		}
		people = slices.DeleteFunc(people, func(u directory.User) bool { return !u.AuthorizedContact })
		for _, u := range append(people, agents...) {
			letters = append(letters, notify.Letter{Kind: knownissues.NoticeLetter, Topic: m.Topic, OrgID: m.OrgID, UserID: u.ID, Facts: m.Facts, Link: m.Link})
		}
	}
	if err := s.notify.Post(ctx, now, letters...); err != nil {
		return err
	}
	return s.knownIssues.NoteCases(ctx, now, noticeID)
}

// certifiedAgents lists the active agents of the partners serving the
// customer who hold a valid certification (their scope reaches it).
func (s *services) certifiedAgents(ctx context.Context, now time.Time, partners []directory.Organization, customer accord.ID) ([]directory.User, error) {
	var out []directory.User
	for _, p := range partners {
		serves, err := s.directory.PartnerServes(ctx, p.ID, customer)
		if err != nil {
			return nil, err
		}
		if !serves {
			continue
		}
		role := accord.RolePartnerAgent
		agents, err := s.activeUsers(ctx, now, directory.UserFilter{OrgID: &p.ID, Role: &role})
		if err != nil {
			return nil, err
		}
		for _, u := range agents {
			as := accord.WithActor(ctx, accord.Actor{UserID: u.ID, OrgID: u.OrgID, Role: u.Role, Name: u.Name})
			scope, err := s.directory.Scope(as, now)
			if accord.IsKind(err, accord.Forbidden) {
				continue // no valid certification
			} else if err != nil {
				return nil, err
			}
			if scope.Allows(customer) {
				out = append(out, u)
			}
		}
	}
	return out, nil
}
