package cases

import (
	"context"
	"fmt"
	"slices"
	"time"
	"unicode/utf8"

	"accord/internal/accord"
	"accord/internal/audit"
	"accord/internal/contracts"
	"accord/internal/sla"
)

// The access-request case of a contact request (section 7.4: new users are
// "requested and authorized by the contractor via a ticket"). The contracts
// service decides the request and calls these methods, through its
// AccessCases interface, to open the case and to record each step on it.

// AccessStep is a step of a contact request recorded on its case: Data.To
// is the request's status after it (authorized, approved, rejected), Body
// the note or the reason, Data.UserID the person approved.
const AccessStep EntryKind = "access"

// The reasons an access-request case closes with.
const (
	ReasonAccessApproved = "access_approved" // a vendor administrator activated the person
	ReasonAccessRejected = "access_rejected" // the customer or the vendor refused the request
)

// OpenAccessCase opens the access-request case of r as the acting user, who
// must be allowed to open cases for the customer, and returns its id.
func (s *Service) OpenAccessCase(ctx context.Context, now time.Time, r contracts.ContactRequest) (accord.ID, error) {
	title := "Access request: " + r.Name
	if utf8.RuneCountInString(title) > maxTitle {
		title = string([]rune(title)[:maxTitle])
	}
	c, err := s.Open(ctx, now, NewCase{OrgID: r.OrgID, Type: AccessRequest, Title: title,
		Description: fmt.Sprintf("%s\n\nPerson: %s <%s>\nRequested by: %s", r.Reason, r.Name, r.Email, r.RequestedByName)})
	return c.ID, err
}

// RecordAccessStep adds r's latest step to its case as the acting user did
// it: the customer's authorization, or the end (approval, rejection), which
// closes the case. The vendor's approval or rejection answers the case, as
// a reply would; a customer who withdraws before any answer closes it
// without one, and its first-response timers are cancelled, since nobody
// is to answer a closed case. A step the timeline holds already is not
// recorded twice.
func (s *Service) RecordAccessStep(ctx context.Context, now time.Time, r contracts.ContactRequest, note string) error {
	const op = "cases.RecordAccessStep"
	_, scope, err := s.scoped(ctx, now)
	if err != nil {
		return err
	}
	timeline, err := s.store.Entries(ctx, scope, r.CaseID, true)
	if err != nil {
		return accord.Wrap(op, err)
	}
	if slices.ContainsFunc(timeline, func(e Entry) bool { return e.Kind == AccessStep && e.Data.To == string(r.Status) }) {
		return nil
	}
	_, err = s.change(ctx, now, op, r.CaseID, func(a accord.Actor, pol *sla.Policy, c Case) (Change, error) {
		if c.Type != AccessRequest {
			return Change{}, conflict(op, "the case is not an access request")
		}
		vendor := a.System || a.Role == accord.RoleAdmin
		var reason string
		switch {
		case r.Status == contracts.RequestAuthorized && isCustomer(a, c):
		case r.Status == contracts.RequestApproved && vendor:
			reason = ReasonAccessApproved
		case r.Status == contracts.RequestRejected && (vendor || isCustomer(a, c)):
			reason = ReasonAccessRejected
		default:
			return Change{}, forbidden(op, fmt.Sprintf("a %s step is not yours to record", r.Status))
		}
		before, after := c, c
		after.Pauses = slices.Clone(c.Pauses)
		e := entry(a, now, c, AccessStep)
		e.Data.To, e.Data.UserID, e.Body = string(r.Status), r.UserID, note
		entries := []Entry{e}
		var p *Pause
		if reason != "" && c.State != Closed {
			respond(&after, a, now)
			if p, err = transition(pol, &after, Closed, now); err != nil {
				return Change{}, err
			}
			after.CloseReason = reason
			entries = append(entries, stateChange(a, now, after, before.State, "", reason, false))
		}
		ch, err := finish(pol, a, now, before, after, "case.access_step", p, entries...)
		if err != nil {
			return Change{}, err
		}
		ch.Events[0].Changes = append(ch.Events[0].Changes, audit.Change{Field: "access_step", After: string(r.Status)})
		if after.State == Closed && after.Clock.Running() {
			ch.Timers = append(ch.Timers, Timer{Kind: WarnTimer}, Timer{Kind: BreachTimer})
		}
		return ch, nil
	})
	return err
}
