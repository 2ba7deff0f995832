package changes

import (
	"context"
	"fmt"
	"time"

	"accord/internal/accord"
	"accord/internal/audit"
	"accord/internal/directory"
)

// WindowInput records a maintenance window agreed for an environment.
type WindowInput struct {
	Rule string `json:"rule"`
	Zone string `json:"zone"` // IANA; Europe/Paris by default
	// Who agreed on each side (004: the vendor plans maintenance so as not
	// to penalize the customer's activities; 001 §12.1: the customer
	// allows technical interruptions).
	VendorAgreedBy   string `json:"vendor_agreed_by"`
	CustomerAgreedBy string `json:"customer_agreed_by"`
}

// WindowList is an environment's maintenance windows with what they
// add up to.
type WindowList struct {
	Windows []Window `json:"windows"`
	// MonthlyMinutes is the least time they open in a month over the next
	// twelve; Warning says when it is under the hour a month that section
	// 12.1 of the support policy asks the customer to allow.
	MonthlyMinutes int    `json:"monthly_minutes"`
	Warning        string `json:"warning,omitempty"`
}

// ListWindows lists an environment's maintenance windows.
func (s *Service) ListWindows(ctx context.Context, now time.Time, envID accord.ID) (WindowList, error) {
	_, scope, err := s.scoped(ctx, now)
	if err != nil {
		return WindowList{}, err
	}
	if _, err := s.envs.Environment(ctx, now, envID); err != nil {
		return WindowList{}, err
	}
	ws, err := s.store.Windows(ctx, scope, envID)
	if err != nil {
		return WindowList{}, err
	}
	return summarize(ws, now)
}

func summarize(ws []Window, now time.Time) (WindowList, error) {
	out := WindowList{Windows: ws}
	var rules []Rule
	zone := time.UTC
	for _, w := range ws {
		r, err := ParseRule(w.Rule)
		if err != nil {
			return out, fmt.Errorf("changes: stored window %s: %w", w.ID, err)
		}
		if z, err := time.LoadLocation(w.Zone); err == nil {
			zone = z
		}
		rules = append(rules, r)
	}
	least := MonthlyMinimum(rules, zone, now)
	out.MonthlyMinutes = int(least / time.Minute)
	if least < MinMonthly {
		out.Warning = fmt.Sprintf("the maintenance windows allow %d minutes in some month; section 12.1 of the support policy asks the customer to allow at least an hour a month", out.MonthlyMinutes)
	}
	return out, nil
}

// CreateWindow records a maintenance window agreed by both sides. The
// vendor's staff record it; a window that leaves less than an hour a month
// is recorded with a warning, not refused.
func (s *Service) CreateWindow(ctx context.Context, now time.Time, envID accord.ID, in WindowInput) (Window, WindowList, error) {
	const op = "changes.CreateWindow"
	a, err := accord.ActorFrom(ctx)
	if err != nil {
		return Window{}, WindowList{}, err
	}
	env, err := s.envs.Environment(ctx, now, envID)
	if err != nil {
		return Window{}, WindowList{}, err
	}
	if !vendorStaff(a) {
		return Window{}, WindowList{}, forbidden(op, "the vendor's staff record the maintenance windows agreed with the customer")
	}
	var ps []accord.Problem
	r, err := ParseRule(in.Rule)
	if err != nil {
		ps = append(ps, accord.Problem{Field: "rule", Msg: err.Error()})
	}
	if in.Zone == "" {
		in.Zone = "Europe/Paris"
	}
	if _, err := time.LoadLocation(in.Zone); err != nil || accord.TextProblem(in.Zone) != "" {
		ps = append(ps, accord.Problem{Field: "zone", Msg: "must be an IANA time zone such as Europe/Paris"})
	}
	in.VendorAgreedBy = text(&ps, "vendor_agreed_by", in.VendorAgreedBy, true, maxTitle)
	in.CustomerAgreedBy = text(&ps, "customer_agreed_by", in.CustomerAgreedBy, true, maxTitle)
	if err := accord.InvalidFields(op, ps); err != nil {
		return Window{}, WindowList{}, err
	}
	w := Window{ID: accord.NewID("mwn"), OrgID: env.OrgID, EnvironmentID: env.ID, Rule: r.String(), Zone: in.Zone,
		VendorAgreedBy: in.VendorAgreedBy, CustomerAgreedBy: in.CustomerAgreedBy, CreatedAt: stamp(now), CreatedBy: a.Name}
	var ch audit.Changes
	ch.Add("environment_id", nil, env.ID)
	ch.Add("rule", nil, w.Rule)
	ch.Add("zone", nil, w.Zone)
	ch.Add("vendor_agreed_by", nil, w.VendorAgreedBy)
	ch.Add("customer_agreed_by", nil, w.CustomerAgreedBy)
	if err := s.store.CreateWindow(ctx, w, audit.New(a, now, w.OrgID, "maintenance_window.create", "maintenance_window", w.ID, ch)); err != nil {
		return Window{}, WindowList{}, accord.Wrap(op, err)
	}
	list, err := s.ListWindows(ctx, now, envID)
	return w, list, err
}

// DeleteWindow removes a maintenance window.
func (s *Service) DeleteWindow(ctx context.Context, now time.Time, id accord.ID) error {
	const op = "changes.DeleteWindow"
	a, scope, err := s.scoped(ctx, now)
	if err != nil {
		return err
	}
	if !vendorStaff(a) {
		return forbidden(op, "the vendor's staff remove maintenance windows")
	}
	return s.store.DeleteWindow(ctx, scope, id, func(w Window) audit.Event {
		var ch audit.Changes
		ch.Add("rule", w.Rule, nil)
		ch.Add("environment_id", w.EnvironmentID, nil)
		return audit.New(a, now, w.OrgID, "maintenance_window.delete", "maintenance_window", w.ID, ch)
	})
}

// Letter is mail about a change to one person.
type Letter struct {
	Kind   string // the templates: "change.subject" and "change.body"
	Topic  string // once per entry and recipient
	OrgID  accord.ID
	UserID accord.ID
	Facts  map[string]any
	Link   string
}

// Letters says who hears of a timeline entry: the customer's active
// contacts (they follow every change of their environments) and the
// vendor's people on the change (its requester, implementer and
// approvers), except whoever made the entry. An assessed change tells the
// customer its approval is needed; a major change's schedule and end are
// its announcement.
func (s *Service) Letters(ctx context.Context, now time.Time, entryID accord.ID) ([]Letter, error) {
	const op = "changes.Letters"
	ctx = system(ctx)
	e, err := s.store.Entry(ctx, entryID)
	if err != nil {
		return nil, accord.Wrap(op, err)
	}
	c, err := s.store.Get(ctx, accord.Scope{All: true}, e.ChangeID)
	if err != nil {
		return nil, accord.Wrap(op, err)
	}
	yes := true
	var to []directory.User
	for p := (accord.Page{Limit: accord.MaxLimit}); ; {
		us, next, err := s.dir.ListUsers(ctx, now, directory.UserFilter{OrgID: &c.OrgID, Active: &yes}, p)
		if err != nil {
			return nil, accord.Wrap(op, err)
		}
		to = append(to, us...)
		if next == "" {
			break
		}
		p.Cursor = next
	}
	seen := map[accord.ID]bool{e.ActorID: true}
	for _, u := range to {
		seen[u.ID] = true
	}
	for _, id := range append([]accord.ID{c.RequestedByID, c.ImplementerID}, approverIDs(c)...) {
		if id == "" || seen[id] {
			continue
		}
		seen[id] = true
		if u, err := s.dir.GetUser(ctx, now, id); err == nil && u.Active {
			to = append(to, u)
		}
	}
	var start any
	if c.PlannedStart != nil {
		start = *c.PlannedStart
	}
	facts := map[string]any{"event": string(e.Kind), "title": c.Title, "environment": c.EnvironmentName, "state": string(c.State), "type": string(c.Type),
		"major": c.Type == Major, "planned_start": start, "minutes": c.Minutes, "note": e.Note, "actor": e.ActorName,
		"shutdown": c.NeedsShutdown}
	var out []Letter
	for _, u := range to {
		if u.ID == e.ActorID {
			continue
		}
		out = append(out, Letter{Kind: "change", Topic: "change/" + string(e.ID), OrgID: c.OrgID, UserID: u.ID,
			Facts: facts, Link: "/changes/" + string(c.ID)})
	}
	return out, nil
}

func approverIDs(c Change) []accord.ID {
	var ids []accord.ID
	for _, ap := range c.Approvals {
		ids = append(ids, ap.UserID)
	}
	return ids
}
