package knownissues

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"accord/internal/accord"
	"accord/internal/cases"
)

// Mail is what one affected customer is told about a notice; cmd/accord
// posts it as one letter (kind NoticeLetter, topic Notice.Topic) to each
// of the customer's authorized contacts and the certified partner agents
// serving it, each in their language.
type Mail struct {
	OrgID accord.ID
	Topic string
	// Facts are what the templates show: kind, title, symptoms,
	// workaround, version, from, to, product, upgrade (the customer's
	// contract includes the assisted upgrade).
	Facts map[string]any
	Link  string
}

// Mails lists what a notice tells each customer the issue affects. The
// notice's job calls it as the system.
func (s *Service) Mails(ctx context.Context, now time.Time, noticeID accord.ID) ([]Mail, error) {
	ctx = system(ctx)
	n, err := s.store.GetNotice(ctx, noticeID)
	if err != nil {
		return nil, err
	}
	k, err := s.store.Get(ctx, n.IssueID)
	if err != nil {
		return nil, err
	}
	p, err := s.store.Product(ctx, k.ProductID)
	if err != nil {
		return nil, err
	}
	orgs, err := s.affected(ctx, k, accord.Scope{All: true})
	if err != nil {
		return nil, err
	}
	out := make([]Mail, 0, len(orgs))
	for _, o := range orgs {
		facts := map[string]any{"kind": string(n.Kind), "title": k.Title, "symptoms": k.Symptoms, "workaround": k.Workaround,
			"version": n.Version, "from": k.Range.From, "to": k.Range.To, "product": p.Name, "upgrade": false}
		if n.Kind == FixedNotice && s.upgrades != nil {
			inc, err := s.upgrades.Included(ctx, now, o)
			if err != nil {
				return nil, err
			}
			facts["upgrade"] = inc
		}
		out = append(out, Mail{OrgID: o, Topic: n.Topic(), Facts: facts, Link: "/known-issues/" + string(k.ID)})
	}
	return out, nil
}

// NoteCases adds an internal note to each linked open case when a
// workaround or a fix is published, through the cases service (its audit
// and timeline rules hold); the agent decides whether that resolves the
// case. Each note is claimed first, so that a job run twice, or by two
// runners, notes a case once; a note that fails releases its claim.
func (s *Service) NoteCases(ctx context.Context, now time.Time, noticeID accord.ID) error {
	ctx = system(ctx)
	n, err := s.store.GetNotice(ctx, noticeID)
	if err != nil {
		return err
	}
	if n.Kind != WorkaroundNotice && n.Kind != FixedNotice {
		return nil
	}
	k, err := s.store.Get(ctx, n.IssueID)
	if err != nil {
		return err
	}
	links, err := s.store.Links(ctx, LinkFilter{IssueID: k.ID, Scope: accord.Scope{All: true}})
	if err != nil {
		return err
	}
	for _, l := range links {
		c, err := s.cases.Get(ctx, now, l.CaseID)
		if err != nil {
			return err
		}
		if !open(c.State) {
			continue
		}
		if claimed, err := s.store.ClaimNote(ctx, n, l, now); err != nil || !claimed {
			if err != nil {
				return err
			}
			continue
		}
		body := fmt.Sprintf("Known issue %q: a workaround was published. Tell the customer, and resolve the case if it answers it.", k.Title.String())
		if n.Kind == FixedNotice {
			body = fmt.Sprintf("Known issue %q is fixed in version %s. Offer the upgrade, and resolve the case if it answers it.", k.Title.String(), n.Version)
		}
		_, err = s.cases.Reply(ctx, now, c.ID, cases.NewReply{Body: body, Internal: true,
			References: []cases.Reference{{Kind: cases.KnownIssue, Value: string(k.ID)}}})
		if err != nil {
			return errors.Join(err, s.store.ReleaseNote(ctx, n, l))
		}
	}
	return nil
}

// open reports whether a case in state st still waits for an answer.
func open(st cases.State) bool {
	return !slices.Contains([]cases.State{cases.Resolved, cases.Closed, cases.Declined, cases.Delivered}, st)
}

// RequestUpgrade requests, for the actor's customer, the assisted upgrade
// its contract includes, to the version that fixes the issue: the fix
// notice's one click. The issue must be fixed and affect the customer.
func (s *Service) RequestUpgrade(ctx context.Context, now time.Time, id accord.ID) (accord.ID, error) {
	const op = "knownissues.RequestUpgrade"
	k, a, _, err := s.visible(ctx, now, id)
	if err != nil {
		return "", err
	}
	if a.Role != accord.RoleCustomerContact {
		return "", forbidden(op, "a customer's contact requests the upgrade for its organization")
	}
	if k.Status != Fixed {
		return "", &accord.Error{Kind: accord.Conflict, Op: op, Msg: "the known issue is not fixed yet"}
	}
	if s.upgrades == nil {
		return "", forbidden(op, "assisted upgrades are not offered here")
	}
	inc, err := s.upgrades.Included(ctx, now, a.OrgID)
	if err != nil {
		return "", err
	}
	if !inc {
		return "", forbidden(op, "your contract does not include the assisted upgrade; ask the vendor for a quote")
	}
	scope := fmt.Sprintf("Upgrade to version %s, which fixes the known issue %q (%s).", k.FixedIn, k.Title.String(), k.ID)
	return s.upgrades.Request(ctx, now, a.OrgID, scope)
}

// UpgradeIncluded reports whether the actor is a customer's contact whose
// active contract includes the assisted upgrade, for the page that offers
// it; what cannot be read offers nothing.
func (s *Service) UpgradeIncluded(ctx context.Context, now time.Time) bool {
	a, err := accord.ActorFrom(ctx)
	if err != nil || a.Role != accord.RoleCustomerContact || s.upgrades == nil {
		return false
	}
	inc, err := s.upgrades.Included(ctx, now, a.OrgID)
	return err == nil && inc
}
