package cases

import (
	"context"
	"fmt"
	"slices"
	"time"

	"accord/internal/accord"
	"accord/internal/audit"
	"accord/internal/sla"
)

// Resolve marks a case resolved with a public summary (agents). It answers
// the customer if nobody had, waits for the customer's confirmation, and
// closes by itself after the policy's business days. Resolving a C1 or C2
// case opens its root-cause analysis, once: a case reopened and resolved
// again already has it.
func (s *Service) Resolve(ctx context.Context, now time.Time, id accord.ID, summary string) (Case, error) {
	const op = "cases.Resolve"
	return s.change(ctx, now, op, id, func(a accord.Actor, pol *sla.Policy, c Case) (Change, error) {
		if !isAgent(a) {
			return Change{}, forbidden(op, "only agents resolve cases")
		}
		var ps []accord.Problem
		summary := checkText(&ps, "summary", summary, true, maxText)
		if err := accord.InvalidFields(op, ps); err != nil {
			return Change{}, err
		}
		if err := supportCase(op, c); err != nil {
			return Change{}, err
		}
		if c.State == Resolved {
			return Change{}, conflict(op, "the case is already resolved")
		}
		before, after := c, c
		after.Pauses = slices.Clone(c.Pauses)
		respond(&after, a, now)
		p, err := transition(pol, &after, Resolved, now)
		if err != nil {
			return Change{}, err
		}
		entries := []Entry{stateChange(a, now, after, before.State, summary, "", false)}
		var created []Opening
		if (c.Criticality == sla.C1 || c.Criticality == sla.C2) && c.Type != RootCause && c.RootCauseID == "" {
			rca, err := rootCause(pol, c, now)
			if err != nil {
				return Change{}, err
			}
			link := entry(accord.SystemActor("Accord"), now, c, Linked)
			link.Data.CaseID = rca.Case.ID
			link.Body = "A root-cause analysis was opened at Medium criticality."
			entries = append(entries, link)
			created = append(created, rca)
			after.RootCauseID = rca.Case.ID
		}
		ch, err := finish(pol, a, now, before, after, "case.resolve", p, entries...)
		ch.Created = created
		return ch, err
	})
}

// Confirm closes a resolved case on the customer's word (a contact of the
// customer, or a partner agent serving it).
func (s *Service) Confirm(ctx context.Context, now time.Time, id accord.ID) (Case, error) {
	const op = "cases.Confirm"
	return s.change(ctx, now, op, id, func(a accord.Actor, pol *sla.Policy, c Case) (Change, error) {
		if !isCustomer(a, c) && a.Role != accord.RolePartnerAgent {
			return Change{}, forbidden(op, "the customer confirms a resolution")
		}
		if c.State != Resolved {
			return Change{}, conflict(op, fmt.Sprintf("only a resolved case can be confirmed; this one is %s", c.State))
		}
		before, after := c, c
		p, err := transition(pol, &after, Closed, now)
		if err != nil {
			return Change{}, err
		}
		after.CloseReason = ReasonConfirmed
		return finish(pol, a, now, before, after, "case.close", p, stateChange(a, now, after, before.State, "", ReasonConfirmed, false))
	})
}

// Reopen takes a resolved case back to work, with the reason.
func (s *Service) Reopen(ctx context.Context, now time.Time, id accord.ID, reason string) (Case, error) {
	const op = "cases.Reopen"
	return s.change(ctx, now, op, id, func(a accord.Actor, pol *sla.Policy, c Case) (Change, error) {
		var ps []accord.Problem
		reason := checkText(&ps, "reason", reason, true, maxShort)
		if err := accord.InvalidFields(op, ps); err != nil {
			return Change{}, err
		}
		if !isCustomer(a, c) && !isAgent(a) {
			return Change{}, forbidden(op, "the customer or an agent reopens a case")
		}
		if c.State != Resolved {
			return Change{}, conflict(op, fmt.Sprintf("only a resolved case can be reopened; this one is %s", c.State))
		}
		before, after := c, c
		p, err := transition(pol, &after, Open, now)
		if err != nil {
			return Change{}, err
		}
		return finish(pol, a, now, before, after, "case.reopen", p, stateChange(a, now, after, before.State, "", reason, false))
	})
}

// Fire does the work of a timer that came due: it records the warning or
// the breach, or closes the case, if the stored facts still say so at now.
// Each happens at most once: the case is locked while this is decided, and
// a recorded warning, breach or closure is never recorded again.
func (s *Service) Fire(ctx context.Context, now time.Time, kind TimerKind, id accord.ID) error {
	const op = "cases.Fire"
	if kind == InternalTimer {
		// The warnings depend on the public messages, read before the lock:
		// a message that comes meanwhile sets the timer again.
		entries, err := s.Timeline(ctx, now, id)
		if err != nil {
			return err
		}
		_, err = s.change(ctx, now, op, id, func(a accord.Actor, pol *sla.Policy, c Case) (Change, error) {
			return fireInternal(a, pol, c, entries, now)
		})
		return err
	}
	_, err := s.change(ctx, now, op, id, func(a accord.Actor, pol *sla.Policy, c Case) (Change, error) {
		before, after := c, c
		k := &after.Clock
		var e Entry
		var action string
		switch kind {
		case WarnTimer, BreachTimer:
			at := k.WarnAt
			if kind == BreachTimer {
				at = k.DueAt
			}
			done := k.WarnedAt != nil
			if kind == BreachTimer {
				done = k.BreachedAt != nil
			}
			if !k.Running() || !k.Guaranteed || at == nil || done || now.Before(*at) {
				return Change{}, errUnchanged
			}
			if kind == BreachTimer {
				e, action = breach(a, now, c, &after), "case.sla_breach"
				break
			}
			fired := now
			k.WarnedAt = &fired
			e = entry(a, now, c, SLAWarning)
			e.Internal, e.Data.DueAt = true, k.DueAt
			e.Body = fmt.Sprintf("%d%% of the %s first-response target has elapsed with no response.", int(sla.WarnShare*100), k.Target)
			action = "case.sla_warning"
		case CloseTimer:
			if c.AutoCloseAt == nil || now.Before(*c.AutoCloseAt) || (c.State != Resolved && c.State != AwaitingCustomer) {
				return Change{}, errUnchanged
			}
			// Only a resolution and a request for information set the
			// instant; a hold has none (section 7.8).
			reason, days := ReasonAutoResolved, pol.AutoClose.ResolvedDays
			why := fmt.Sprintf("Closed automatically (support policy, section 7.8): resolved %d business days ago without the customer's confirmation.", days)
			if c.State == AwaitingCustomer {
				reason, days = ReasonAutoAwaiting, pol.AutoClose.AwaitingCustomerDays
				why = fmt.Sprintf("Closed automatically (support policy, section 7.8): the details or logs requested %d business days ago did not arrive.", days)
			}
			after.Pauses = slices.Clone(c.Pauses)
			p, err := transition(pol, &after, Closed, now)
			if err != nil {
				return Change{}, err
			}
			after.CloseReason = reason
			e := stateChange(a, now, after, before.State, why, reason, false)
			e.Data.Days = days
			ch, err := finish(pol, a, now, before, after, "case.auto_close", p, e)
			if err == nil {
				ch.Events[0].Changes = append(ch.Events[0].Changes, audit.Change{Field: "close_reason", Before: "", After: reason})
			}
			return ch, err
		default:
			return Change{}, fmt.Errorf("cases: unknown timer %q", kind)
		}
		var ch audit.Changes
		clockChanges(&ch, before, after)
		return Change{Case: after, Entries: []Entry{e}, Events: []audit.Event{event(a, now, after, action, ch)}}, nil
	})
	return err
}
