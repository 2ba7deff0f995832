package contracts

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"accord/internal/accord"
	"accord/internal/audit"
)

// Entitlements lists a term's entitlements, by year and key; year 0 means
// every year.
func (s *Service) Entitlements(ctx context.Context, now time.Time, contractID accord.ID, year int) ([]Entitlement, error) {
	_, scope, err := s.scoped(ctx, now)
	if err != nil {
		return nil, err
	}
	if _, err := s.store.GetContract(ctx, scope, contractID); err != nil {
		return nil, err
	}
	all, err := s.store.ListEntitlements(ctx, scope, contractID)
	if err != nil {
		return nil, err
	}
	out := all[:0]
	for _, e := range all {
		if year == 0 || e.Year == year {
			out = append(out, e.withLeft())
		}
	}
	return out, nil
}

// Use is the input to Consume.
type Use struct {
	Quantity   int    `json:"quantity"`
	Reason     string `json:"reason"`
	RecordType string `json:"record_type"`
	RecordID   string `json:"record_id"`
	// Override lets a vendor administrator use more than is left; Reason is
	// then required.
	Override bool `json:"override"`
}

// Shortfall is the refusal of a use beyond what is left, in the words a
// person needs.
func Shortfall(e Entitlement, asked int) string {
	return fmt.Sprintf("only %d of %d %s left in contract year %s..%s (asked for %d); a vendor administrator may override with a reason",
		max(0, e.Quantity-e.Used), e.Quantity, e.Unit, e.StartsOn, e.EndsOn, asked)
}

// Consume records a use of an entitlement in its contract year. Vendor
// administrators and agents record uses; only administrators override.
func (s *Service) Consume(ctx context.Context, now time.Time, entitlementID accord.ID, in Use) (Consumption, Entitlement, error) {
	const op = "contracts.Consume"
	a, scope, err := s.scoped(ctx, now)
	if err != nil {
		return Consumption{}, Entitlement{}, err
	}
	e, err := s.store.GetEntitlement(ctx, scope, entitlementID)
	if err != nil {
		return Consumption{}, Entitlement{}, err
	}
	if !a.System && a.Role != accord.RoleAdmin && a.Role != accord.RoleAgent {
		return Consumption{}, Entitlement{}, forbidden(op, "only vendor staff record the use of entitlements")
	}
	if in.Override {
		if err := requireAdmin(a, op); err != nil {
			return Consumption{}, Entitlement{}, forbidden(op, "only vendor administrators may override an entitlement")
		}
	}
	c := Consumption{ID: accord.NewID("use"), OrgID: e.OrgID, EntitlementID: e.ID, Quantity: in.Quantity, At: now.UTC().Truncate(time.Microsecond),
		Reason: strings.TrimSpace(in.Reason), RecordType: strings.TrimSpace(in.RecordType), RecordID: strings.TrimSpace(in.RecordID),
		ActorID: a.UserID, ActorName: a.Name, Override: in.Override}
	switch {
	case c.Quantity < 1 || c.Quantity > MaxQuantity:
		return Consumption{}, Entitlement{}, accord.FieldError("quantity", "must be at least 1, at most %d", MaxQuantity)
	case in.Override && c.Reason == "":
		return Consumption{}, Entitlement{}, accord.FieldError("reason", "is required to override an entitlement")
	case len(c.Reason) > 1000:
		return Consumption{}, Entitlement{}, accord.FieldError("reason", "must be at most 1000 characters")
	case c.RecordType == "" || len(c.RecordType) > 50:
		return Consumption{}, Entitlement{}, accord.FieldError("record_type", "names what used the entitlement (case, engagement ...), at most 50 characters")
	case c.RecordID == "" || len(c.RecordID) > 100:
		return Consumption{}, Entitlement{}, accord.FieldError("record_id", "is required, at most 100 characters")
	}
	ctr, err := s.store.GetContract(ctx, scope, e.ContractID)
	if err != nil {
		return Consumption{}, Entitlement{}, accord.Wrap(op, err)
	}
	today := s.today(now)
	switch {
	case ctr.StatusOn(today) == Cancelled:
		return Consumption{}, Entitlement{}, &accord.Error{Kind: accord.Unprocessable, Op: op, Msg: "the contract was cancelled on " + ctr.CancelledOn}
	case today < e.StartsOn || e.EndsOn < today:
		return Consumption{}, Entitlement{}, &accord.Error{Kind: accord.Unprocessable, Op: op,
			Msg: fmt.Sprintf("contract year %s..%s is not the current one", e.StartsOn, e.EndsOn)}
	}
	action := "entitlement.consume"
	if in.Override {
		action = "entitlement.override"
	}
	var ch audit.Changes
	ch.Add("quantity", nil, c.Quantity)
	ch.Add("reason", nil, c.Reason)
	ch.Add("record", nil, c.RecordType+" "+c.RecordID)
	ch.Add("consumption_id", nil, c.ID)
	after, ok, err := s.store.Consume(ctx, c, audit.New(a, now, e.OrgID, action, "entitlement", e.ID, ch))
	if err != nil {
		return Consumption{}, Entitlement{}, accord.Wrap(op, err)
	}
	if !ok {
		return Consumption{}, after.withLeft(), &accord.Error{Kind: accord.Unprocessable, Op: op, Field: "quantity", Msg: Shortfall(after, c.Quantity)}
	}
	return c, after.withLeft(), nil
}

// Consumptions lists the uses of an entitlement, oldest first.
func (s *Service) Consumptions(ctx context.Context, now time.Time, entitlementID accord.ID) ([]Consumption, error) {
	_, scope, err := s.scoped(ctx, now)
	if err != nil {
		return nil, err
	}
	if _, err := s.store.GetEntitlement(ctx, scope, entitlementID); err != nil {
		return nil, err
	}
	return s.store.ListConsumptions(ctx, scope, entitlementID)
}

// --- licence survey

// SurveyInput records the measured use of modules in one contract year.
type SurveyInput struct {
	Year     int       `json:"year"`
	Measured []Licence `json:"measured"`
}

// RecordSurvey records a yearly licence survey; measuring a module again
// replaces the earlier figure. Vendor administrators record any year of the
// term; the customer's authorized contacts answer the years Accord asked
// about.
func (s *Service) RecordSurvey(ctx context.Context, now time.Time, contractID accord.ID, in SurveyInput) ([]Survey, error) {
	const op = "contracts.RecordSurvey"
	c, err := s.Get(ctx, now, contractID)
	if err != nil {
		return nil, err
	}
	a, _ := accord.ActorFrom(ctx)
	answering := false
	if requireAdmin(a, op) != nil {
		if answering, err = s.authorizedContact(ctx, now, a, c.OrgID); err != nil {
			return nil, accord.Wrap(op, err)
		}
		if !answering {
			return nil, forbidden(op, "only vendor administrators and the customer's authorized contacts record licence surveys")
		}
	}
	if in.Year < 1 || in.Year > c.Years {
		return nil, accord.FieldError("year", "must be a contract year of this term, 1 to %d", c.Years)
	}
	if answering {
		notices, err := s.store.ListNotices(ctx, accord.OnlyOrg(c.OrgID), c.ID)
		if err != nil {
			return nil, accord.Wrap(op, err)
		}
		if !slices.ContainsFunc(notices, func(n Notice) bool { return n.Kind == NoticeSurvey && n.Year == in.Year }) {
			return nil, accord.FieldError("year", "no licence survey was asked for contract year %d", in.Year)
		}
	}
	if len(in.Measured) == 0 {
		return nil, accord.FieldError("measured", "lists at least one module")
	}
	seen := map[string]bool{}
	rows := make([]Survey, 0, len(in.Measured))
	var ch audit.Changes
	for i, m := range in.Measured {
		field := fmt.Sprintf("measured[%d]", i)
		m.Module = strings.TrimSpace(m.Module)
		switch {
		case m.Module == "" || len(m.Module) > 100:
			return nil, accord.FieldError(field+".module", "is required, at most 100 characters")
		case seen[m.Module]:
			return nil, accord.FieldError(field+".module", "%q is listed twice", m.Module)
		case m.Quantity < 0 || m.Quantity > MaxQuantity:
			return nil, accord.FieldError(field+".quantity", "must not be negative, at most %d", MaxQuantity)
		}
		seen[m.Module] = true
		rows = append(rows, Survey{OrgID: c.OrgID, ContractID: c.ID, Year: in.Year, Module: m.Module, Measured: m.Quantity, RecordedAt: now.UTC()})
		ch.Add(fmt.Sprintf("year %d %s", in.Year, m.Module), nil, m.Quantity)
	}
	if err := s.store.RecordSurveys(ctx, rows, audit.New(a, now, c.OrgID, "licence_survey.record", "contract", c.ID, ch)); err != nil {
		return nil, accord.Wrap(op, err)
	}
	return rows, nil
}

// authorizedContact reports whether a is an active authorized contact of
// the customer org.
func (s *Service) authorizedContact(ctx context.Context, now time.Time, a accord.Actor, org accord.ID) (bool, error) {
	if a.Role != accord.RoleCustomerContact || a.OrgID != org {
		return false, nil
	}
	u, err := s.dir.GetUser(system(ctx), now, a.UserID)
	if err != nil {
		return false, err
	}
	return u.Active && u.AuthorizedContact, nil
}

// Surveys lists a term's survey figures by year and module.
func (s *Service) Surveys(ctx context.Context, now time.Time, contractID accord.ID) ([]Survey, error) {
	_, scope, err := s.scoped(ctx, now)
	if err != nil {
		return nil, err
	}
	if _, err := s.store.GetContract(ctx, scope, contractID); err != nil {
		return nil, err
	}
	return s.store.ListSurveys(ctx, scope, contractID)
}

// TrueUp compares licensed and measured quantities for one customer.
type TrueUp struct {
	OrgID      accord.ID    `json:"org_id"`
	ContractID accord.ID    `json:"contract_id"`
	Year       int          `json:"year"`
	StartsOn   string       `json:"starts_on"`
	EndsOn     string       `json:"ends_on"`
	Lines      []TrueUpLine `json:"lines"`
}

// TrueUpLine is one module: Difference is measured minus licensed, so a
// positive number is use beyond the licence. Measured and Difference are
// null for a licensed module the survey did not measure.
type TrueUpLine struct {
	Module     string `json:"module"`
	Licensed   int    `json:"licensed"`
	Measured   *int   `json:"measured"`
	Difference *int   `json:"difference"`
}

// Compare lines up licences and survey figures of one year, by module.
func Compare(licences []Licence, measured []Survey) []TrueUpLine {
	lines := map[string]*TrueUpLine{}
	line := func(m string) *TrueUpLine {
		if lines[m] == nil {
			lines[m] = &TrueUpLine{Module: m}
		}
		return lines[m]
	}
	for _, l := range licences {
		line(l.Module).Licensed = l.Quantity
	}
	for _, sv := range measured {
		line(sv.Module).Measured = &sv.Measured
	}
	out := make([]TrueUpLine, 0, len(lines))
	for _, l := range lines {
		if l.Measured != nil {
			d := *l.Measured - l.Licensed
			l.Difference = &d
		}
		out = append(out, *l)
	}
	slices.SortFunc(out, func(a, b TrueUpLine) int { return strings.Compare(a.Module, b.Module) })
	return out
}

// TrueUp reports a customer's licensed against measured use: for its term
// active today (else the latest one that started), in the latest surveyed
// contract year, or in year when it is not 0.
func (s *Service) TrueUp(ctx context.Context, now time.Time, customerID accord.ID, year int) (TrueUp, error) {
	_, scope, err := s.scoped(ctx, now)
	if err != nil {
		return TrueUp{}, err
	}
	if !scope.Allows(customerID) {
		return TrueUp{}, &accord.Error{Kind: accord.NotFound, Msg: "organization not found"}
	}
	all, err := s.allOf(ctx, customerID)
	if err != nil {
		return TrueUp{}, err
	}
	today := s.today(now)
	var c *Contract
	for i := range all { // newest first
		if all[i].SignedOn > today {
			continue
		}
		if c == nil {
			c = &all[i]
		}
		if all[i].StatusOn(today) == Active {
			c = &all[i]
			break
		}
	}
	if c == nil {
		return TrueUp{}, &accord.Error{Kind: accord.Unprocessable, Msg: "the customer has no contract that has started"}
	}
	surveys, err := s.store.ListSurveys(ctx, scope, c.ID)
	if err != nil {
		return TrueUp{}, err
	}
	if year == 0 {
		for _, sv := range surveys {
			year = max(year, sv.Year)
		}
		if year == 0 {
			return TrueUp{}, &accord.Error{Kind: accord.Unprocessable, Msg: fmt.Sprintf("no licence survey is recorded for contract %s", c.ID)}
		}
	}
	signed, _ := time.Parse(time.DateOnly, c.SignedOn)
	years := Years(signed, c.Years)
	if year < 1 || year > len(years) {
		return TrueUp{}, accord.FieldError("year", "must be a contract year of the term, 1 to %d", len(years))
	}
	var measured []Survey
	for _, sv := range surveys {
		if sv.Year == year {
			measured = append(measured, sv)
		}
	}
	y := years[year-1]
	return TrueUp{OrgID: customerID, ContractID: c.ID, Year: year, StartsOn: y.StartsOn, EndsOn: y.EndsOn, Lines: Compare(c.Licences, measured)}, nil
}

// SurveyStatus is where a licence survey request stands on a day.
type SurveyStatus string

const (
	SurveyOpen     SurveyStatus = "open"     // asked, unanswered, before its answer-by day
	SurveyOverdue  SurveyStatus = "overdue"  // unanswered on or after its answer-by day
	SurveyAnswered SurveyStatus = "answered" // figures are recorded for its year
)

// SurveyRequest is the licence survey asked of a customer for one contract
// year, with the true-up once answered.
type SurveyRequest struct {
	OrgID      accord.ID    `json:"org_id"`
	ContractID accord.ID    `json:"contract_id"`
	Year       int          `json:"year"`
	AskedOn    string       `json:"asked_on"` // the anniversary it fell due on
	AnswerBy   string       `json:"answer_by"`
	AskedAt    time.Time    `json:"asked_at"`
	RemindedAt *time.Time   `json:"reminded_at,omitempty"`
	Status     SurveyStatus `json:"status"`
	// Lines compare the term's licences with the answer, once answered:
	// the true-up.
	Lines []TrueUpLine `json:"lines,omitempty"`

	Answered bool      `json:"-"` // filled by the store
	Licences []Licence `json:"-"` // the term's, filled by the store
	Measured []Survey  `json:"-"` // the year's figures, filled by the store
}

// SurveyFilter narrows a list of survey requests.
type SurveyFilter struct {
	OrgID  *accord.ID
	Status *SurveyStatus
	Today  string // the day Status is read on; the service sets it
}

// SurveyRequests lists the licence surveys asked of the customers the actor
// may see, the latest asked first, each with its status today and, once
// answered, its true-up.
func (s *Service) SurveyRequests(ctx context.Context, now time.Time, f SurveyFilter, p accord.Page) ([]SurveyRequest, string, error) {
	_, scope, err := s.scoped(ctx, now)
	if err != nil {
		return nil, "", err
	}
	if f.Status != nil && !slices.Contains([]SurveyStatus{SurveyOpen, SurveyOverdue, SurveyAnswered}, *f.Status) {
		return nil, "", accord.FieldError("status", "must be open, overdue or answered")
	}
	f.Today = s.today(now)
	l, next, err := s.store.ListSurveyRequests(ctx, scope, f, p.Normalize())
	if err != nil {
		return nil, "", err
	}
	for i := range l {
		r := &l[i]
		switch {
		case r.Answered:
			r.Status, r.Lines = SurveyAnswered, Compare(r.Licences, r.Measured)
		case r.AnswerBy <= f.Today:
			r.Status = SurveyOverdue
		default:
			r.Status = SurveyOpen
		}
	}
	return l, next, nil
}
