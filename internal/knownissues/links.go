package knownissues

import (
	"context"
	"time"

	"accord/internal/accord"
	"accord/internal/audit"
)

// LinkCase links a case to a known issue. The vendor's agents do it from
// the case page; the case must be one the agent may read, and the issue
// must exist (a draft too: agents link cases while investigating).
func (s *Service) LinkCase(ctx context.Context, now time.Time, caseID, issueID accord.ID) (Link, error) {
	const op = "knownissues.LinkCase"
	a, err := staff(ctx, op)
	if err != nil {
		return Link{}, err
	}
	now = now.UTC().Truncate(time.Microsecond)
	c, err := s.cases.Get(ctx, now, caseID)
	if err != nil {
		return Link{}, err
	}
	k, err := s.store.Get(ctx, issueID)
	if accord.IsKind(err, accord.NotFound) {
		return Link{}, accord.FieldError("known_issue_id", "no such known issue")
	} else if err != nil {
		return Link{}, err
	}
	l := Link{IssueID: k.ID, CaseID: c.ID, OrgID: c.OrgID, CaseNumber: c.Number, CaseTitle: c.Title, LinkedBy: a.UserID, LinkedAt: now}
	var ch audit.Changes
	ch.Add("case_id", nil, c.ID)
	ch.Add("customer_id", nil, c.OrgID)
	err = s.store.Link(ctx, l, event(a, now, k, "known_issue.link", ch))
	if accord.IsKind(err, accord.Conflict) {
		return Link{}, &accord.Error{Kind: accord.Conflict, Op: op, Field: "known_issue_id", Msg: "the case is linked to this known issue already"}
	}
	return l, err
}

// UnlinkCase removes a case's link to a known issue.
func (s *Service) UnlinkCase(ctx context.Context, now time.Time, caseID, issueID accord.ID) error {
	const op = "knownissues.UnlinkCase"
	a, err := staff(ctx, op)
	if err != nil {
		return err
	}
	now = now.UTC().Truncate(time.Microsecond)
	c, err := s.cases.Get(ctx, now, caseID)
	if err != nil {
		return err
	}
	k, err := s.store.Get(ctx, issueID)
	if err != nil {
		return err
	}
	var ch audit.Changes
	ch.Add("case_id", c.ID, nil)
	ch.Add("customer_id", c.OrgID, nil)
	return s.store.Unlink(ctx, k.ID, c.ID, event(a, now, k, "known_issue.unlink", ch))
}

// CaseLinks lists the known issues a case is linked to, for whoever may
// read the case; a customer sees the links to published issues only.
func (s *Service) CaseLinks(ctx context.Context, now time.Time, caseID accord.ID) ([]Link, error) {
	a, err := accord.ActorFrom(ctx)
	if err != nil {
		return nil, err
	}
	c, err := s.cases.Get(ctx, now, caseID)
	if err != nil {
		return nil, err
	}
	links, err := s.store.Links(ctx, LinkFilter{CaseID: c.ID, Scope: accord.OnlyOrg(c.OrgID)})
	if err != nil || a.IsVendor() {
		return links, err
	}
	out := []Link{}
	for _, l := range links {
		if k, err := s.store.Get(ctx, l.IssueID); err == nil && k.State == Published {
			out = append(out, l)
		} else if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// IssueLinks lists an issue's linked cases: every one for vendor staff,
// those of the actor's customers for others.
func (s *Service) IssueLinks(ctx context.Context, now time.Time, issueID accord.ID) ([]Link, error) {
	k, _, scope, err := s.visible(ctx, now, issueID)
	if err != nil {
		return nil, err
	}
	return s.store.Links(ctx, LinkFilter{IssueID: k.ID, Scope: scope})
}
