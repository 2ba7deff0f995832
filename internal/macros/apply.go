package macros

import (
	"context"
	"strings"
	"time"

	"accord/internal/accord"
	"accord/internal/audit"
	"accord/internal/cases"
)

// Rendered is a macro written for one case: the text in the customer's
// language (or en-US, with FellBack set, when the macro has none in it)
// and the actions applying it would take.
type Rendered struct {
	MacroID accord.ID `json:"macro_id"`
	Name    string    `json:"name"`
	// Locale is the language of Body; Wanted is the customer's own.
	Locale   string  `json:"locale"`
	Wanted   string  `json:"wanted"`
	FellBack bool    `json:"fell_back"`
	Body     string  `json:"body"`
	Actions  Actions `json:"actions"`
}

// Preview writes macro id for case caseID without changing anything.
func (s *Service) Preview(ctx context.Context, now time.Time, caseID, id accord.ID) (Rendered, error) {
	const op = "macros.Preview"
	a, err := agent(ctx, op)
	if err != nil {
		return Rendered{}, err
	}
	m, err := s.store.Get(ctx, a.OrgID, a.UserID, id)
	if err != nil {
		return Rendered{}, accord.Wrap(op, err)
	}
	c, err := s.cases.Get(ctx, now, caseID)
	if err != nil {
		return Rendered{}, accord.Wrap(op, err)
	}
	return s.render(ctx, now, a, m, c)
}

// render fills m for case c: the customer's language is that of the
// contact who opened the case (a case opened by Accord or by an agent has
// none, and reads en-US), the due time in that contact's zone.
func (s *Service) render(ctx context.Context, now time.Time, a accord.Actor, m Macro, c cases.Case) (Rendered, error) {
	v := Values{Contact: c.OpenedBy, CaseNumber: c.Number, Agent: a.Name, Zone: time.UTC}
	if c.Clock.Running() {
		v.Due = c.Clock.DueAt
	}
	org, err := s.dir.GetOrganization(ctx, now, c.OrgID)
	if err != nil {
		return Rendered{}, err
	}
	v.Customer = org.Name
	wanted := ""
	if c.OpenedByID != "" {
		u, err := s.dir.GetUser(ctx, now, c.OpenedByID)
		switch {
		case err == nil && u.OrgID == c.OrgID:
			v.Contact, wanted = u.Name, u.Locale
			if z, err := time.LoadLocation(u.TimeZone); err == nil && u.TimeZone != "" {
				v.Zone = z
			}
		case err != nil && !accord.IsKind(err, accord.NotFound):
			return Rendered{}, err
		}
	}
	body, used := m.Pick(wanted)
	return Rendered{MacroID: m.ID, Name: m.Name, Locale: used, Wanted: wanted, FellBack: wanted != used,
		Body: Render(body, used, v), Actions: m.Actions}, nil
}

// Application is the input to Apply.
type Application struct {
	// Body replaces the rendered text when given: the agent edited it in
	// the reply box.
	Body *string `json:"body,omitempty"`
}

// Step is one action of an application and how it went.
type Step struct {
	Action string         `json:"action"` // assign, reply, resolve, hold
	OK     bool           `json:"ok"`
	Error  *cases.Refusal `json:"error,omitempty"`
}

// Applied is the outcome of Apply: the case as the last step left it and
// every step, done or refused; the steps after a refusal are not tried. A
// refusal of the first step is Apply's error instead: nothing changed.
type Applied struct {
	Rendered Rendered   `json:"rendered"`
	Case     cases.Case `json:"case"`
	Steps    []Step     `json:"steps"`
}

// Refused is the first step's refusal, or nil when every step was done.
func (ap Applied) Refused() *cases.Refusal {
	for _, st := range ap.Steps {
		if st.Error != nil {
			return st.Error
		}
	}
	return nil
}

// Apply answers case caseID with macro id: the assignment first (so that
// the answer is the assignee's), then the reply with its reference and
// requested state, or the resolution with the text as summary, then the
// hold. Each step is its own change of the case with its own audit event,
// and the first refusal stops the rest; the macro.apply event names the
// macro, the language and the steps done.
func (s *Service) Apply(ctx context.Context, now time.Time, caseID, id accord.ID, in Application) (Applied, error) {
	const op = "macros.Apply"
	r, err := s.Preview(ctx, now, caseID, id)
	if err != nil {
		return Applied{}, err
	}
	a, _ := accord.ActorFrom(ctx)
	body := r.Body
	if in.Body != nil {
		body = *in.Body
	}
	act := r.Actions
	type step struct {
		action string
		do     func() (cases.Case, error)
	}
	var steps []step
	if act.Assign != "" {
		to := act.Assign
		if to == AssignMe {
			to = a.UserID
		}
		steps = append(steps, step{"assign", func() (cases.Case, error) { return s.cases.Assign(ctx, now, caseID, cases.Assignment{UserID: to}) }})
	}
	if act.State == StateResolved {
		steps = append(steps, step{"resolve", func() (cases.Case, error) { return s.cases.Resolve(ctx, now, caseID, body) }})
	} else {
		reply := cases.NewReply{Body: body, RequestInformation: act.State == StateAwaiting}
		if act.KBURL != "" {
			reply.References = []cases.Reference{{Kind: cases.KnowledgeBase, Value: act.KBURL}}
		}
		steps = append(steps, step{"reply", func() (cases.Case, error) { return s.cases.Reply(ctx, now, caseID, reply) }})
	}
	if act.HoldReason != "" {
		steps = append(steps, step{"hold", func() (cases.Case, error) { return s.cases.AwaitCustomer(ctx, now, caseID, act.HoldReason) }})
	}
	out := Applied{Rendered: r}
	var done []string
	for _, st := range steps {
		c, firstErr := st.do()
		refusal, err := cases.RefusalOf(firstErr)
		if err != nil {
			return out, accord.Wrap(op, err)
		}
		if refusal != nil && len(done) == 0 {
			// Nothing changed: the refusal is the answer.
			return Applied{}, accord.Wrap(op, firstErr)
		}
		if refusal != nil {
			out.Steps = append(out.Steps, Step{Action: st.action, Error: refusal})
			break
		}
		out.Case = c
		out.Steps = append(out.Steps, Step{Action: st.action, OK: true})
		done = append(done, st.action)
	}
	if len(done) > 0 {
		ev := audit.New(a, now, a.OrgID, "macro.apply", "case", caseID, []audit.Change{
			{Field: "macro", After: r.Name}, {Field: "macro_id", After: string(r.MacroID)},
			{Field: "locale", After: r.Locale}, {Field: "steps", After: strings.Join(done, ",")}})
		if err := s.store.Applied(ctx, ev); err != nil {
			return out, accord.Wrap(op, err)
		}
	}
	return out, nil
}
