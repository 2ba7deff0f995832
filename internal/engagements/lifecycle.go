package engagements

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"accord/internal/accord"
	"accord/internal/audit"
	"accord/internal/cases"
	"accord/internal/contracts"
	"accord/internal/directory"
)

const (
	maxScope = 4000
	maxNote  = 4000
)

func text(ps *[]accord.Problem, field, v string, required bool, limit int) string {
	v = strings.TrimSpace(v)
	switch {
	case required && v == "":
		*ps = append(*ps, accord.Problem{Field: field, Msg: "is required"})
	case utf8.RuneCountInString(v) > limit:
		*ps = append(*ps, accord.Problem{Field: field, Msg: fmt.Sprintf("must be at most %d characters", limit)})
	}
	return v
}

func ptr[T any](v T) *T { return &v }

func stamp(now time.Time) time.Time { return now.UTC().Truncate(time.Microsecond) }

func event(a accord.Actor, now time.Time, e Engagement, action string, ch audit.Changes) audit.Event {
	return audit.New(a, now, e.OrgID, action, "engagement", e.ID, ch)
}

// RequestInput asks for a service. Customers' contacts request for their
// own organization; partner agents and vendor staff name the customer.
type RequestInput struct {
	OrgID      accord.ID `json:"org_id"`
	Service    string    `json:"service"`
	Format     string    `json:"format"`
	Scope      string    `json:"scope"`
	CaseID     accord.ID `json:"case_id"`
	ResellerID accord.ID `json:"reseller_id"`
	// EnvironmentID links the engagement to a managed environment of the
	// customer: a restore or HA/DR test of it (docs/operations.md).
	EnvironmentID accord.ID `json:"environment_id"`
}

// Request records a customer's request for a service, optionally from a
// case the vendor marked out of support's scope (the case then names the
// service when the request does not).
func (s *Service) Request(ctx context.Context, now time.Time, in RequestInput) (Engagement, error) {
	const op = "engagements.Request"
	a, scope, err := s.scoped(ctx, now)
	if err != nil {
		return Engagement{}, err
	}
	e := Engagement{ID: accord.NewID("eng"), OrgID: in.OrgID, ResellerID: in.ResellerID, EnvironmentID: in.EnvironmentID, State: Requested,
		RequestedAt: stamp(now), RequestedByID: a.UserID, RequestedByName: a.Name, UpdatedAt: stamp(now), Sessions: []Session{}}
	switch {
	case a.Role == accord.RoleCustomerContact:
		if e.OrgID != "" && e.OrgID != a.OrgID {
			return Engagement{}, accord.FieldError("org_id", "a customer's contact requests services for its own organization")
		}
		e.OrgID = a.OrgID
		if in.ResellerID != "" {
			return Engagement{}, accord.FieldError("reseller_id", "is set by the partner or the vendor")
		}
	case a.Role == accord.RolePartnerAgent:
		if in.ResellerID != "" && in.ResellerID != a.OrgID {
			return Engagement{}, accord.FieldError("reseller_id", "a partner requests services as itself")
		}
		e.ResellerID = a.OrgID
	case vendorStaff(a):
	default:
		return Engagement{}, forbidden(op, "only customers' contacts, partners and the vendor's staff request services")
	}
	if e.OrgID == "" {
		return Engagement{}, accord.FieldError("org_id", "names the customer the service is for")
	}
	if !scope.Allows(e.OrgID) {
		return Engagement{}, &accord.Error{Kind: accord.NotFound, Op: op, Field: "org_id", Msg: "organization not found"}
	}
	org, err := s.dir.GetOrganization(system(ctx), now, e.OrgID)
	if err != nil {
		return Engagement{}, accord.Wrap(op, err)
	}
	if org.Kind != directory.KindCustomer {
		return Engagement{}, accord.FieldError("org_id", "must be a customer organization, not a %s", org.Kind)
	}
	if e.ResellerID != "" {
		serves, err := s.dir.PartnerServes(ctx, e.ResellerID, e.OrgID)
		if err != nil {
			return Engagement{}, accord.Wrap(op, err)
		}
		if !serves {
			return Engagement{}, accord.FieldError("reseller_id", "the partner does not serve this customer")
		}
	}
	var ps []accord.Problem
	e.Scope = text(&ps, "scope", in.Scope, in.CaseID == "", maxScope)
	if in.CaseID != "" {
		c, err := s.cases.Get(ctx, now, in.CaseID)
		if accord.IsKind(err, accord.NotFound) {
			return Engagement{}, accord.FieldError("case_id", "no such case")
		}
		if err != nil {
			return Engagement{}, accord.Wrap(op, err)
		}
		if c.OrgID != e.OrgID {
			return Engagement{}, accord.FieldError("case_id", "the case belongs to another customer")
		}
		e.CaseID = c.ID
		if in.Service == "" {
			in.Service, _ = cases.ServiceFor(c.OutOfScope)
		}
		if e.Scope == "" {
			e.Scope = fmt.Sprintf("From case #%d: %s", c.Number, c.Title)
		}
	}
	if err := accord.InvalidFields(op, ps); err != nil {
		return Engagement{}, err
	}
	v, cat, err := s.CurrentCatalog(ctx)
	if err != nil {
		return Engagement{}, err
	}
	svc, ok := cat.Services[in.Service]
	if !ok {
		return Engagement{}, accord.FieldError("service", "must be a service of the catalog (GET /api/v1/catalog), not %q", in.Service)
	}
	plan, ok := svc.PlanFor(in.Format)
	if !ok {
		if len(svc.Formats) == 0 {
			return Engagement{}, accord.FieldError("format", "%s has no formats", svc.Name)
		}
		return Engagement{}, accord.FieldError("format", "must be one of %s", strings.Join(svc.FormatKeys(), ", "))
	}
	e.Service, e.ServiceName, e.Format, e.CatalogVersion = in.Service, svc.Name, in.Format, v.Number
	e.Provider = Vendor
	if e.ResellerID != "" && svc.DeliveredBy == VendorOrReseller {
		e.Provider = Reseller
	}
	for i, st := range plan {
		e.Steps = append(e.Steps, Step{Position: i + 1, Title: st.Title, Parties: slices.Clone(st.Parties), BeforeScheduling: st.BeforeScheduling,
			Preparation: st.Preparation})
	}
	var ch audit.Changes
	ch.Add("service", nil, e.Service)
	ch.Add("format", nil, e.Format)
	ch.Add("scope", nil, e.Scope)
	ch.Add("provider", nil, e.Provider)
	ch.Add("catalog_version", nil, e.CatalogVersion)
	if e.CaseID != "" {
		ch.Add("case_id", nil, e.CaseID)
	}
	if e.ResellerID != "" {
		ch.Add("reseller_id", nil, e.ResellerID)
	}
	if e.EnvironmentID != "" {
		ch.Add("environment_id", nil, e.EnvironmentID)
	}
	if err := s.store.Create(ctx, e, event(a, now, e, "engagement.request", ch)); err != nil {
		return Engagement{}, accord.Wrap(op, err)
	}
	e.Waiting = waitingOn(e)
	return e, nil
}

// QuoteInput prices an engagement.
type QuoteInput struct {
	Hours           int    `json:"hours"`
	OnSite          bool   `json:"on_site"`
	OutsideHomeCity bool   `json:"outside_home_city"`
	OutOfHours      bool   `json:"out_of_hours"`
	Provider        Party  `json:"provider"` // vendor or reseller; by default whoever quotes
	Note            string `json:"note"`
}

// Quote prices a requested engagement (or prices it again before the
// customer accepts). The provider quotes: the vendor's staff, or the
// reseller's agents for a service resellers may deliver.
func (s *Service) Quote(ctx context.Context, now time.Time, id accord.ID, in QuoteInput) (Engagement, error) {
	const op = "engagements.Quote"
	// What the quote needs from outside the engagement's lock: the
	// catalog, and what is left of the customer's entitlement.
	current, cat, _, err := s.terms(ctx, now, op, id)
	if err != nil {
		return Engagement{}, err
	}
	svc := cat.Services[current.Service]
	left, err := s.entitlementLeft(ctx, now, current.OrgID, svc.Entitlement)
	if err != nil {
		return Engagement{}, accord.Wrap(op, err)
	}
	return s.change(ctx, now, id, func(a accord.Actor, e Engagement, _ Locked) (Change, error) {
		party, _ := partyOf(a, e)
		switch {
		case party != Vendor && party != Reseller:
			return Change{}, forbidden(op, "the vendor or the reseller that delivers the service quotes it")
		case party == Reseller && svc.DeliveredBy != VendorOrReseller:
			return Change{}, forbidden(op, "%s is delivered by the vendor only", svc.Name)
		case e.State != Requested && e.State != Quoted:
			return Change{}, conflict(op, "the engagement is %s; only a requested or quoted engagement is quoted", e.State)
		}
		provider := in.Provider
		if provider == "" {
			provider = party
			if party == Vendor {
				provider = e.Provider
			}
		}
		switch {
		case provider != Vendor && provider != Reseller:
			return Change{}, accord.FieldError("provider", "must be vendor or reseller")
		case provider == Reseller && (e.ResellerID == "" || svc.DeliveredBy != VendorOrReseller):
			return Change{}, accord.FieldError("provider", "%s cannot be delivered by a reseller here", svc.Name)
		case party == Reseller && provider != Reseller:
			return Change{}, accord.FieldError("provider", "a reseller quotes its own delivery")
		}
		q, err := price(cat, svc, in, left)
		if err != nil {
			return Change{}, err
		}
		q.QuotedAt, q.QuotedBy = stamp(now), a.Name
		var ch audit.Changes
		ch.Add("state", e.State, Quoted)
		ch.Add("hours", nil, q.Hours)
		ch.Add("total", nil, fmt.Sprintf("%s %s", Money(q.TotalCents), q.Currency))
		if e.Provider != provider {
			ch.Add("provider", e.Provider, provider)
		}
		if q.Coverage != nil {
			ch.Add("coverage", nil, fmt.Sprintf("%d %s of %s", q.Coverage.Quantity, q.Coverage.Unit, q.Coverage.Key))
		}
		e.Quote, e.State, e.Provider = &q, Quoted, provider
		return Change{Engagement: e, Events: []audit.Event{event(a, now, e, "engagement.quote", ch)}}, nil
	})
}

// entitlementLeft finds the entitlement key of the customer's active
// contract in the current contract year, if it has any left.
func (s *Service) entitlementLeft(ctx context.Context, now time.Time, orgID accord.ID, key string) (*contracts.Entitlement, error) {
	if key == "" {
		return nil, nil
	}
	c, err := s.contracts.ActiveContract(system(ctx), now, orgID)
	if accord.IsKind(err, accord.NotFound) || accord.IsKind(err, accord.Unprocessable) {
		return nil, nil // no contract: the customer pays
	}
	if err != nil {
		return nil, err
	}
	ents, err := s.contracts.Entitlements(system(ctx), now, c.ID, 0)
	if err != nil {
		return nil, err
	}
	today := now.In(s.zone()).Format(time.DateOnly)
	for _, en := range ents {
		if en.Key == key && en.StartsOn <= today && today <= en.EndsOn && en.Left > 0 {
			return &en, nil
		}
	}
	return nil, nil
}

func (s *Service) zone() *time.Location {
	if s.cfg.ContractZone != nil {
		return s.cfg.ContractZone
	}
	return time.UTC
}

// Accept records the customer's acceptance of the quote. The lead time
// starts counting, and an entitlement the quote uses is consumed now,
// under the engagement's lock, so that it is consumed exactly once.
func (s *Service) Accept(ctx context.Context, now time.Time, id accord.ID) (Engagement, error) {
	const op = "engagements.Accept"
	current, cat, hours, err := s.terms(ctx, now, op, id)
	if err != nil {
		return Engagement{}, err
	}
	svc := cat.Services[current.Service]
	return s.change(ctx, now, id, func(a accord.Actor, e Engagement, l Locked) (Change, error) {
		switch {
		case !isCustomer(a, e):
			return Change{}, forbidden(op, "the customer's contacts accept a quote")
		case e.State != Quoted:
			return Change{}, conflict(op, "the engagement is %s; only a quoted engagement is accepted", e.State)
		}
		var ch audit.Changes
		ch.Add("state", e.State, Accepted)
		e.State, e.AcceptedAt = Accepted, ptr(stamp(now))
		out := Change{}
		if cov := e.Quote.Coverage; cov != nil {
			en, err := l.Entitlement(cov.EntitlementID)
			if err != nil {
				return Change{}, accord.Wrap(op, err)
			}
			today := now.In(s.zone()).Format(time.DateOnly)
			switch {
			case today < en.StartsOn || en.EndsOn < today:
				return Change{}, refuse(op, "quote", "the quote uses %s of contract year %s..%s, which is not the current one; ask for a new quote", en.Name, en.StartsOn, en.EndsOn)
			case en.Left < cov.Quantity:
				return Change{}, refuse(op, "quote", "%s; ask for a new quote", contracts.Shortfall(en, cov.Quantity))
			}
			use := contracts.Consumption{ID: accord.NewID("use"), OrgID: e.OrgID, EntitlementID: en.ID, Quantity: cov.Quantity, At: stamp(now),
				Reason: e.ServiceName + " engagement accepted", RecordType: "engagement", RecordID: string(e.ID), ActorID: a.UserID, ActorName: a.Name}
			cov.ConsumptionID = use.ID
			out.Use = &use
			out.Events = append(out.Events, useEvent(a, now, use, "entitlement.consume"))
		}
		if err := s.setEarliest(&e, svc, hours); err != nil {
			return Change{}, accord.Wrap(op, err)
		}
		if e.EarliestStart != nil {
			ch.Add("earliest_start", nil, e.EarliestStart.Format(time.RFC3339))
		}
		out.Engagement = e
		out.Events = append([]audit.Event{event(a, now, e, "engagement.accept", ch)}, out.Events...)
		return out, nil
	})
}

// useEvent records a use of an entitlement on the entitlement, as
// contracts.Consume does.
func useEvent(a accord.Actor, now time.Time, use contracts.Consumption, action string) audit.Event {
	var ch audit.Changes
	ch.Add("quantity", nil, use.Quantity)
	ch.Add("reason", nil, use.Reason)
	ch.Add("record", nil, use.RecordType+" "+use.RecordID)
	ch.Add("consumption_id", nil, use.ID)
	return audit.New(a, now, use.OrgID, action, "entitlement", use.EntitlementID, ch)
}

// setEarliest computes when the first session may start, once the
// engagement is accepted and every step required before scheduling is done.
func (s *Service) setEarliest(e *Engagement, svc Offering, h Hours) error {
	if e.AcceptedAt == nil {
		return nil
	}
	from := *e.AcceptedAt
	for _, st := range e.Steps {
		if !st.BeforeScheduling {
			continue
		}
		if st.DoneAt == nil {
			e.EarliestStart = nil
			return nil
		}
		if svc.LeadFrom == FromPrerequisites && st.DoneAt.After(from) {
			from = *st.DoneAt
		}
	}
	at, err := h.EarliestStart(from, svc.LeadDays)
	if err != nil {
		return err
	}
	e.EarliestStart = ptr(at.UTC())
	return nil
}

// leadNote says what the lead time counted from.
func leadNote(e Engagement, svc Offering, h Hours) string {
	from, what := *e.AcceptedAt, "acceptance"
	if svc.LeadFrom == FromPrerequisites {
		for _, st := range e.Steps {
			if st.BeforeScheduling && st.DoneAt != nil && st.DoneAt.After(from) {
				from, what = *st.DoneAt, fmt.Sprintf("step %d was done", st.Position)
			}
		}
	}
	return fmt.Sprintf("%d working days after %s on %s", svc.LeadDays, what, h.Local(from))
}

// SessionInput is one session to book.
type SessionInput struct {
	EngineerID accord.ID `json:"engineer_id"`
	Start      time.Time `json:"start"`
	End        time.Time `json:"end"`
	OnSite     bool      `json:"on_site"`
	Location   string    `json:"location"`
}

// ScheduleInput books an engagement's sessions: they replace every
// session that has not started yet.
type ScheduleInput struct {
	Sessions []SessionInput `json:"sessions"`
	// HoursShortfallReason confirms, with the provider's reason, sessions
	// that add up to less than the hours quoted.
	HoursShortfallReason string `json:"hours_shortfall_reason"`
}

// Schedule books sessions with engineers of the provider, no earlier than
// the lead time allows, inside services hours unless the quote carries
// the out-of-hours surcharge, at most 8 hours a day, and never while an
// engineer is in another session.
func (s *Service) Schedule(ctx context.Context, now time.Time, id accord.ID, in ScheduleInput) (Engagement, error) {
	const op = "engagements.Schedule"
	current, cat, hours, err := s.terms(ctx, now, op, id)
	if err != nil {
		return Engagement{}, err
	}
	a, scope, err := s.scoped(ctx, now)
	if err != nil {
		return Engagement{}, err
	}
	// Who may book comes before what is booked: the engineers are looked
	// up in the caller's scope, and only the provider's answers say more.
	if !provides(a, current) {
		return Engagement{}, forbidden(op, "the vendor or the reseller that delivers the service books its sessions")
	}
	svc := cat.Services[current.Service]
	engineers := map[accord.ID]directory.User{}
	var ps []accord.Problem
	for i, si := range in.Sessions {
		f := fmt.Sprintf("sessions[%d]", i)
		text(&ps, f+".location", si.Location, false, 500)
		switch {
		case si.Start.IsZero():
			ps = append(ps, accord.Problem{Field: f + ".start", Msg: "is required (RFC 3339)"})
		case !si.Start.After(now):
			ps = append(ps, accord.Problem{Field: f + ".start", Msg: "must be in the future"})
		case si.End.IsZero():
			ps = append(ps, accord.Problem{Field: f + ".end", Msg: "is required (RFC 3339)"})
		}
		if si.EngineerID == "" {
			ps = append(ps, accord.Problem{Field: f + ".engineer_id", Msg: "is required"})
			continue
		}
		if _, ok := engineers[si.EngineerID]; ok {
			continue
		}
		// In the caller's scope: a user it may not read is missing, so
		// that an id says nothing of whom it belongs to.
		u, err := s.dir.GetUser(ctx, now, si.EngineerID)
		if accord.IsKind(err, accord.NotFound) {
			ps = append(ps, accord.Problem{Field: f + ".engineer_id", Msg: "no such user"})
			continue
		}
		if err != nil {
			return Engagement{}, accord.Wrap(op, err)
		}
		engineers[si.EngineerID] = u
	}
	if len(in.Sessions) > maxSessionsPerPlan {
		ps = append(ps, accord.Problem{Field: "sessions", Msg: fmt.Sprintf("at most %d sessions", maxSessionsPerPlan)})
	}
	reason := text(&ps, "hours_shortfall_reason", in.HoursShortfallReason, false, maxNote)
	if err := accord.InvalidFields(op, ps); err != nil {
		return Engagement{}, err
	}
	return s.change(ctx, now, id, func(a accord.Actor, e Engagement, l Locked) (Change, error) {
		switch {
		case !provides(a, e):
			return Change{}, forbidden(op, "the vendor or the reseller that delivers the service books its sessions")
		case e.State != Accepted && e.State != Scheduled && e.State != InProgress:
			return Change{}, conflict(op, "the engagement is %s; sessions are booked once the quote is accepted and until it is completed", e.State)
		}
		for _, st := range e.Steps {
			if st.BeforeScheduling && st.DoneAt == nil {
				return Change{}, refuse(op, "sessions", "step %d (%s) must be done before sessions are booked; it is the %s's", st.Position, st.Title, partiesText(st.Parties))
			}
		}
		plan := Plan{Earliest: *e.EarliestStart, LeadNote: leadNote(e, svc, hours), OutOfHours: e.Quote.OutOfHours, Readable: scope,
			Service: e.ServiceName, Crew: svc.Crew, OnSite: e.Quote.OnSite, Quoted: time.Duration(e.Quote.Hours) * time.Hour, ShortfallReason: reason}
		for _, old := range e.Sessions {
			if old.Start.Before(now) {
				plan.Sessions = append(plan.Sessions, old)
			}
		}
		plan.Fixed = len(plan.Sessions)
		if plan.Fixed > 0 {
			plan.Earliest = time.Time{} // the work has begun; the lead time is behind it
		}
		from, to := time.Time{}, time.Time{}
		var ids []accord.ID
		for i, si := range in.Sessions {
			u := engineers[si.EngineerID]
			f := fmt.Sprintf("sessions[%d].engineer_id", i)
			switch {
			case !u.Active:
				return Change{}, accord.FieldError(f, "%s is deactivated", u.Name)
			case u.Role == accord.RoleAdmin || u.Role == accord.RoleAgent:
			case u.Role == accord.RolePartnerAgent && e.Provider == Reseller && u.OrgID == e.ResellerID:
			default:
				return Change{}, accord.FieldError(f, "%s is not an engineer of the %s that delivers this engagement", u.Name, e.Provider)
			}
			plan.Sessions = append(plan.Sessions, Session{ID: accord.NewID("ses"), EngineerID: u.ID, EngineerName: u.Name,
				Start: stamp(si.Start), End: stamp(si.End), OnSite: si.OnSite, Location: strings.TrimSpace(si.Location)})
			if from.IsZero() || si.Start.Before(from) {
				from = si.Start
			}
			if si.End.After(to) {
				to = si.End
			}
			if !slices.Contains(ids, u.ID) {
				ids = append(ids, u.ID)
			}
		}
		if len(in.Sessions) > 0 {
			busy, err := l.Busy(ids, from, to)
			if err != nil {
				return Change{}, accord.Wrap(op, err)
			}
			plan.Busy = busy
		}
		if err := hours.Check(plan); err != nil {
			return Change{}, err
		}
		if err := hours.keepsExecutionDay(e, plan); err != nil {
			return Change{}, err
		}
		sortSessions(plan.Sessions)
		var ch audit.Changes
		if e.State == Accepted {
			ch.Add("state", e.State, Scheduled)
			e.State = Scheduled
		}
		ch.Add("sessions", sessionsText(e.Sessions, hours), sessionsText(plan.Sessions, hours))
		// Check allowed a reason only for sessions short of the quote.
		var short *Shortfall
		if reason != "" {
			short = &Shortfall{QuotedHours: e.Quote.Hours, BookedMinutes: int(plan.booked() / time.Minute), Reason: reason,
				ConfirmedAt: stamp(now), ConfirmedByID: a.UserID, ConfirmedBy: a.Name}
		}
		if short != nil || e.HoursShortfall != nil {
			ch.Add("hours_shortfall", shortfallText(e.HoursShortfall), shortfallText(short))
		}
		e.Sessions, e.HoursShortfall = plan.Sessions, short
		return Change{Engagement: e, Sessions: &plan.Sessions, Events: []audit.Event{event(a, now, e, "engagement.schedule", ch)}}, nil
	})
}

// shortfallText is what the audit trail says of a shortfall; nil for none.
func shortfallText(s *Shortfall) any {
	if s == nil {
		return nil
	}
	return fmt.Sprintf("%s booked of %d hours quoted: %s", hoursText(time.Duration(s.BookedMinutes)*time.Minute), s.QuotedHours, s.Reason)
}

// IsPreparation reports whether the step may be done before the first
// session's day: preparation, or required before scheduling.
func (st Step) IsPreparation() bool { return st.Preparation || st.BeforeScheduling }

// executionBegan is when the execution of e began, as it stands: its
// start, or the first step done that is not preparation; nil before.
func executionBegan(e Engagement) *time.Time {
	began := e.StartedAt
	for _, st := range e.Steps {
		if st.DoneAt != nil && !st.IsPreparation() && (began == nil || st.DoneAt.Before(*began)) {
			began = st.DoneAt
		}
	}
	return began
}

// ExecutionFrom is when the execution of e (its start, and the steps that
// are not preparation) may begin: the midnight that opens its first
// session's day on the services calendar; nil while no session is booked.
func (s *Service) ExecutionFrom(ctx context.Context, e Engagement) (*time.Time, error) {
	if len(e.Sessions) == 0 {
		return nil, nil
	}
	cat, err := s.catalog(ctx, e.CatalogVersion)
	if err != nil {
		return nil, accord.Wrap("engagements.ExecutionFrom", err)
	}
	h, err := s.hours(ctx, cat)
	if err != nil {
		return nil, accord.Wrap("engagements.ExecutionFrom", err)
	}
	return ptr(h.dayStart(firstSession(e).Start)), nil
}

func firstSession(e Engagement) Session {
	return slices.MinFunc(e.Sessions, func(a, b Session) int { return a.Start.Compare(b.Start) })
}

// mayExecute refuses what (starting e, or one of its execution steps) at
// now before the day of e's first session on the services calendar.
func (h Hours) mayExecute(e Engagement, now time.Time, op, what string) error {
	if len(e.Sessions) == 0 {
		return &accord.Error{Kind: accord.Conflict, Op: op, Field: "sessions",
			Msg: fmt.Sprintf("%s is part of the execution, which begins on the day of the first session; no session is booked yet", what)}
	}
	if first := firstSession(e); now.Before(h.dayStart(first.Start)) {
		return &accord.Error{Kind: accord.Conflict, Op: op, Field: "sessions[0].start",
			Msg: fmt.Sprintf("%s is part of the execution, which begins on the day of the first session, %s (it starts %s); it is %s",
				what, h.dayName(first.Start), h.Local(first.Start), h.Local(now))}
	}
	return nil
}

// keepsExecutionDay refuses a plan whose first session falls on a day
// after the execution of e began: it would have begun before its first
// session's day.
func (h Hours) keepsExecutionDay(e Engagement, p Plan) error {
	began := executionBegan(e)
	if began == nil {
		return nil
	}
	i := 0
	for j, s := range p.Sessions {
		if s.Start.Before(p.Sessions[i].Start) {
			i = j
		}
	}
	if first := p.Sessions[i]; h.dayStart(first.Start).After(*began) {
		return &accord.Error{Kind: accord.Conflict, Op: "engagements.Schedule", Field: fmt.Sprintf("sessions[%d].start", max(0, i-p.Fixed)),
			Msg: fmt.Sprintf("the execution began on %s (%s); the first session may not move to a later day, and this one would be the first, on %s",
				h.dayName(*began), h.Local(*began), h.dayName(first.Start))}
	}
	return nil
}

func sessionsText(ss []Session, h Hours) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = fmt.Sprintf("%s - %s %s", h.Local(s.Start), s.End.In(h.Zone).Format("15:04"), s.EngineerName)
	}
	return out
}

func partiesText(ps []Party) string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = string(p)
	}
	return strings.Join(out, " or ")
}

// Start records that the work has begun.
func (s *Service) Start(ctx context.Context, now time.Time, id accord.ID) (Engagement, error) {
	const op = "engagements.Start"
	_, _, hours, err := s.terms(ctx, now, op, id)
	if err != nil {
		return Engagement{}, err
	}
	return s.change(ctx, now, id, func(a accord.Actor, e Engagement, _ Locked) (Change, error) {
		switch {
		case !provides(a, e):
			return Change{}, forbidden(op, "the vendor or the reseller that delivers the service starts it")
		case e.State != Scheduled:
			return Change{}, conflict(op, "the engagement is %s; a scheduled engagement is started", e.State)
		}
		if err := hours.mayExecute(e, now, op, "starting the work"); err != nil {
			return Change{}, err
		}
		var ch audit.Changes
		ch.Add("state", e.State, InProgress)
		e.State, e.StartedAt = InProgress, ptr(stamp(now))
		return Change{Engagement: e, Events: []audit.Event{event(a, now, e, "engagement.start", ch)}}, nil
	})
}

// StepInput completes a step.
type StepInput struct {
	Note string
	File *NewFile
}

// NewFile is an evidence file.
type NewFile struct {
	Name    string
	Content []byte
}

// CompleteStep records that a step of the plan is done, by a user of one
// of its responsible parties, with a note and an optional evidence file.
func (s *Service) CompleteStep(ctx context.Context, now time.Time, id accord.ID, position int, in StepInput) (Engagement, error) {
	const op = "engagements.CompleteStep"
	var ps []accord.Problem
	note := text(&ps, "note", in.Note, false, maxNote)
	var up *Upload
	if in.File != nil {
		name := text(&ps, "file.name", filepath.Base(strings.ReplaceAll(in.File.Name, `\`, "/")), true, 255)
		if strings.ContainsAny(name, "\x00\r\n\"") || name == "." || name == "/" {
			ps = append(ps, accord.Problem{Field: "file.name", Msg: "is not a usable file name"})
		}
		switch {
		case len(in.File.Content) == 0:
			ps = append(ps, accord.Problem{Field: "file", Msg: "is empty"})
		case s.cfg.MaxFile > 0 && int64(len(in.File.Content)) > s.cfg.MaxFile:
			ps = append(ps, accord.Problem{Field: "file", Msg: fmt.Sprintf("at most %d MiB", s.cfg.MaxFile>>20)})
		}
		sum := sha256.Sum256(in.File.Content)
		sniff := "application/octet-stream"
		if s.cfg.Sniff != nil {
			sniff = s.cfg.Sniff(in.File.Content)
		}
		up = &Upload{File: File{ID: accord.NewID("fil"), Name: name, ContentType: sniff, Size: int64(len(in.File.Content)), SHA256: hex.EncodeToString(sum[:])},
			Content: in.File.Content}
	}
	if err := accord.InvalidFields(op, ps); err != nil {
		return Engagement{}, err
	}
	current, cat, hours, err := s.terms(ctx, now, op, id)
	if err != nil {
		return Engagement{}, err
	}
	return s.change(ctx, now, id, func(a accord.Actor, e Engagement, _ Locked) (Change, error) {
		if position < 1 || position > len(e.Steps) {
			return Change{}, &accord.Error{Kind: accord.NotFound, Op: op, Field: "step", Msg: fmt.Sprintf("the plan has steps 1 to %d", len(e.Steps))}
		}
		st := &e.Steps[position-1]
		party, ok := partyOf(a, e)
		switch {
		case e.State != Accepted && e.State != Scheduled && e.State != InProgress:
			return Change{}, conflict(op, "the engagement is %s; steps are worked once the quote is accepted and until it is completed", e.State)
		case st.DoneAt != nil:
			return Change{}, conflict(op, "step %d was done by %s on %s", st.Position, st.DoneByName, hours.Local(*st.DoneAt))
		case !ok || !slices.Contains(st.Parties, party):
			return Change{}, forbidden(op, "step %d (%s) is the %s's to complete", st.Position, st.Title, partiesText(st.Parties))
		case party == Reseller && e.Provider != Reseller && !slices.Contains(st.Parties, Vendor):
			return Change{}, forbidden(op, "the vendor delivers this engagement")
		}
		if !st.IsPreparation() {
			if err := hours.mayExecute(e, now, op, fmt.Sprintf("step %d (%s)", st.Position, st.Title)); err != nil {
				return Change{}, err
			}
		}
		st.DoneAt, st.DoneByID, st.DoneByName, st.DoneAs, st.Note = ptr(stamp(now)), a.UserID, a.Name, party, note
		var ch audit.Changes
		ch.Add(fmt.Sprintf("step %d", st.Position), "open", "done by "+string(party))
		if note != "" {
			ch.Add("note", nil, note)
		}
		if up != nil {
			st.File = &up.File
			ch.Add("file", nil, up.File.Name+" "+up.File.SHA256)
		}
		before := e.EarliestStart
		if err := s.setEarliest(&e, cat.Services[current.Service], hours); err != nil {
			return Change{}, accord.Wrap(op, err)
		}
		if e.EarliestStart != nil && (before == nil || !before.Equal(*e.EarliestStart)) {
			ch.Add("earliest_start", timeOrNil(before), e.EarliestStart.Format(time.RFC3339))
		}
		return Change{Engagement: e, Upload: up, Events: []audit.Event{event(a, now, e, "engagement.step", ch)}}, nil
	})
}

func timeOrNil(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.Format(time.RFC3339)
}

// Complete records that the provider finished the work: every step is
// done and, for a recovery test, its outcome is recorded.
func (s *Service) Complete(ctx context.Context, now time.Time, id accord.ID) (Engagement, error) {
	const op = "engagements.Complete"
	current, cat, _, err := s.terms(ctx, now, op, id)
	if err != nil {
		return Engagement{}, err
	}
	svc := cat.Services[current.Service]
	return s.change(ctx, now, id, func(a accord.Actor, e Engagement, _ Locked) (Change, error) {
		switch {
		case !provides(a, e):
			return Change{}, forbidden(op, "the vendor or the reseller that delivers the service completes it")
		case e.State != InProgress:
			return Change{}, conflict(op, "the engagement is %s; an engagement in progress is completed", e.State)
		}
		for _, st := range e.Steps {
			if st.DoneAt == nil {
				return Change{}, refuse(op, "steps", "step %d (%s) is not done yet; it is the %s's", st.Position, st.Title, partiesText(st.Parties))
			}
		}
		if len(svc.Measures) > 0 && (e.Outcome == nil || (svc.measures(MeasureRTO) && e.Outcome.RTO == nil) || (svc.measures(MeasureRPO) && e.Outcome.RPO == nil)) {
			return Change{}, refuse(op, "outcome", "record the test's outcome first: %s", measuresText(svc))
		}
		var ch audit.Changes
		ch.Add("state", e.State, Completed)
		e.State, e.CompletedAt = Completed, ptr(stamp(now))
		return Change{Engagement: e, Events: []audit.Event{event(a, now, e, "engagement.complete", ch)}}, nil
	})
}

func measuresText(svc Offering) string {
	var want []string
	if svc.measures(MeasureRTO) {
		want = append(want, "when the service stopped and when it was restored (RTO)")
	}
	if svc.measures(MeasureRPO) {
		want = append(want, "the newest data point recovered (RPO)")
	}
	return strings.Join(want, ", ")
}

// SignOffInput is the customer's acceptance of the result.
type SignOffInput struct {
	Note string `json:"note"`
}

// SignOff records that the customer accepts the result and its report.
func (s *Service) SignOff(ctx context.Context, now time.Time, id accord.ID, in SignOffInput) (Engagement, error) {
	const op = "engagements.SignOff"
	var ps []accord.Problem
	note := text(&ps, "note", in.Note, false, maxNote)
	if err := accord.InvalidFields(op, ps); err != nil {
		return Engagement{}, err
	}
	return s.change(ctx, now, id, func(a accord.Actor, e Engagement, _ Locked) (Change, error) {
		switch {
		case !isCustomer(a, e):
			return Change{}, forbidden(op, "the customer's contacts sign off the result")
		case e.State != Completed:
			return Change{}, conflict(op, "the engagement is %s; a completed engagement is signed off", e.State)
		}
		var ch audit.Changes
		ch.Add("state", e.State, SignedOff)
		if note != "" {
			ch.Add("note", nil, note)
		}
		e.State, e.SignedOffAt, e.SignOffNote = SignedOff, ptr(stamp(now)), note
		return Change{Engagement: e, Events: []audit.Event{event(a, now, e, "engagement.sign_off", ch)}}, nil
	})
}

// CancelInput gives the reason for a cancellation.
type CancelInput struct {
	Reason string `json:"reason"`
}

// Cancel stops an engagement before it is completed; an entitlement it
// used is given back.
func (s *Service) Cancel(ctx context.Context, now time.Time, id accord.ID, in CancelInput) (Engagement, error) {
	const op = "engagements.Cancel"
	var ps []accord.Problem
	reason := text(&ps, "reason", in.Reason, true, maxNote)
	if err := accord.InvalidFields(op, ps); err != nil {
		return Engagement{}, err
	}
	return s.change(ctx, now, id, func(a accord.Actor, e Engagement, _ Locked) (Change, error) {
		switch {
		case !isCustomer(a, e) && !provides(a, e):
			return Change{}, forbidden(op, "the customer or the provider cancels an engagement")
		case !e.State.open():
			return Change{}, conflict(op, "the engagement is %s; it can no longer be cancelled", e.State)
		}
		var ch audit.Changes
		ch.Add("state", e.State, Cancelled)
		ch.Add("reason", nil, reason)
		e.State, e.CancelledAt, e.CancelReason = Cancelled, ptr(stamp(now)), reason
		out := Change{}
		if cov := e.Quote.coverage(); cov != nil && cov.ConsumptionID != "" {
			use := contracts.Consumption{ID: accord.NewID("use"), OrgID: e.OrgID, EntitlementID: cov.EntitlementID, Quantity: -cov.Quantity, At: stamp(now),
				Reason: e.ServiceName + " engagement cancelled: " + reason, RecordType: "engagement", RecordID: string(e.ID), ActorID: a.UserID, ActorName: a.Name}
			out.Use = &use
			out.Events = append(out.Events, useEvent(a, now, use, "entitlement.release"))
			ch.Add("entitlement_released", nil, fmt.Sprintf("%d %s", cov.Quantity, cov.Unit))
		}
		out.Engagement = e
		out.Events = append([]audit.Event{event(a, now, e, "engagement.cancel", ch)}, out.Events...)
		return out, nil
	})
}

func (q *Quote) coverage() *Coverage {
	if q == nil {
		return nil
	}
	return q.Coverage
}
