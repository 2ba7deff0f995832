package cases

import (
	"context"
	"time"

	"accord/internal/accord"
)

// Event is what a notification about a case tells.
type Event string

const (
	EventOpened        Event = "case.opened"
	EventReclassified  Event = "case.reclassified"
	EventAgentReply    Event = "case.agent_reply"
	EventInfoRequested Event = "case.info_requested"
	EventCustomerReply Event = "case.customer_reply" // to the vendor side
	EventResolved      Event = "case.resolved"
	EventAutoClosed    Event = "case.auto_closed"
	EventReopened      Event = "case.reopened"
	EventOnHold        Event = "case.on_hold"     // the customer asked the vendor to wait
	EventSLAWarning    Event = "case.sla_warning" // vendor side only
	EventSLABreach     Event = "case.sla_breach"  // vendor side only
	// EventInternalWarning: an internal target is near (vendor side only).
	EventInternalWarning Event = "case.internal_warning"
	// EventFeasibility and EventRepair: a step of an integration's
	// evaluation or of an appliance's repair (customer side).
	EventFeasibility Event = "case.feasibility"
	EventRepair      Event = "case.repair"
)

// Events lists every event, in the order the documentation gives them.
var Events = []Event{EventOpened, EventReclassified, EventAgentReply, EventInfoRequested, EventOnHold, EventCustomerReply,
	EventResolved, EventAutoClosed, EventReopened, EventSLAWarning, EventSLABreach, EventInternalWarning,
	EventFeasibility, EventRepair}

// NotifyJob is the kind of the job that tells people about an entry.
const NotifyJob = "case.notify"

// Audience is who hears of an event.
type Audience struct {
	Customer bool // the customer's people on the case
	Vendor   bool // the assignee, or the vendor's agents while nobody has it
}

// Audience says who hears of e.
func (e Event) Audience() Audience {
	switch e {
	case EventOpened, EventReopened:
		return Audience{Customer: true, Vendor: true}
	case EventCustomerReply, EventSLAWarning, EventSLABreach, EventInternalWarning:
		return Audience{Vendor: true}
	}
	return Audience{Customer: true}
}

// EventOf says which event, if any, entry e of case c is worth telling
// people about. Internal entries tell the customer nothing.
func EventOf(c Case, e Entry) (Event, bool) {
	byCustomer := e.AuthorOrg != "" && e.AuthorOrg == c.OrgID
	switch e.Kind {
	case Opened:
		return EventOpened, true
	case Reclassified:
		return EventReclassified, true
	case Reply:
		switch {
		case byCustomer:
			return EventCustomerReply, true
		case e.Data.RequestInformation:
			return EventInfoRequested, true
		}
		return EventAgentReply, true
	case SLAWarning:
		return EventSLAWarning, true
	case SLABreach:
		return EventSLABreach, true
	case InternalWarning:
		return EventInternalWarning, true
	case FeasibilityEntry:
		return EventFeasibility, true
	case RepairEntry:
		return EventRepair, true
	case StateChanged:
		switch {
		case e.Internal:
		case e.Data.Hold:
			return EventOnHold, true
		case e.Data.To == string(Resolved):
			return EventResolved, true
		case e.Data.To == string(Closed) && (e.Data.Reason == ReasonAutoResolved || e.Data.Reason == ReasonAutoAwaiting):
			return EventAutoClosed, true
		case e.Data.From == string(Resolved) && e.Data.To == string(Open) && e.Data.Reason != ReasonRepliedToResolution:
			// A customer's reply to a resolution is told as the reply.
			return EventReopened, true
		}
	}
	return "", false
}

// notices lists the entries worth a notification.
func notices(c Case, entries []Entry) []accord.ID {
	var ids []accord.ID
	for _, e := range entries {
		if _, ok := EventOf(c, e); ok {
			ids = append(ids, e.ID)
		}
	}
	return ids
}

// Notice is an entry to tell people about, with its case and event.
type Notice struct {
	Event Event
	Case  Case
	Entry Entry
}

// Audience says who hears of n: as its event says, but a root-cause
// analysis is the vendor's own follow-up, so its opening is news to the
// vendor alone; the customer hears of the original case.
func (n Notice) Audience() Audience {
	a := n.Event.Audience()
	if n.Event == EventOpened && n.Case.Type == RootCause {
		a.Customer = false
	}
	return a
}

// Notice reads what entry id tells, for the job that sends it; ok is false
// when the entry is not news (anymore).
func (s *Service) Notice(ctx context.Context, now time.Time, entryID accord.ID) (Notice, bool, error) {
	a, scope, err := s.scoped(ctx, now)
	if err != nil {
		return Notice{}, false, err
	}
	e, err := s.store.Entry(ctx, scope, entryID, isAgent(a) || a.IsVendor())
	if err != nil {
		return Notice{}, false, accord.Wrap("cases.Notice", err)
	}
	c, err := s.store.Get(ctx, scope, e.CaseID)
	if err != nil {
		return Notice{}, false, accord.Wrap("cases.Notice", err)
	}
	ev, ok := EventOf(c, e)
	return Notice{Event: ev, Case: c, Entry: e}, ok, nil
}
