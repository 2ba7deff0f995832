package macros

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"accord/internal/accord"
	"accord/internal/audit"
	"accord/internal/cases"
	"accord/internal/directory"
)

// Limits of a macro.
const (
	MaxBody   = 20000
	MaxReason = 500
)

// The states a macro may leave a case in, besides leaving it as the reply
// leaves it.
const (
	StateResolved = "resolved"          // the body is the resolution's summary
	StateAwaiting = "awaiting_customer" // the reply requests information
)

// AssignMe gives the case to whoever applies the macro.
const AssignMe = "me"

// Macro is a named reply with its actions.
type Macro struct {
	ID    accord.ID `json:"id"`
	OrgID accord.ID `json:"org_id"` // the vendor or a partner
	// OwnerID is the user whose personal macro this is; empty when it is
	// shared by the organization's agents.
	OwnerID accord.ID `json:"owner_id,omitempty"`
	Name    string    `json:"name"`
	// Bodies are the reply's text by language; en-US is always there.
	Bodies    map[string]string `json:"bodies"`
	Actions   Actions           `json:"actions"`
	CreatedAt time.Time         `json:"created_at"`
	UpdatedAt time.Time         `json:"updated_at"`
}

// Shared reports whether the organization's agents share m.
func (m Macro) Shared() bool { return m.OwnerID == "" }

// Actions are what applying a macro does besides replying.
type Actions struct {
	// State is "", StateResolved or StateAwaiting.
	State string `json:"state,omitempty"`
	// HoldReason puts the case on hold for the customer with this reason,
	// after the reply.
	HoldReason string `json:"hold_reason,omitempty"`
	// KBURL is a knowledge-base article the reply refers to.
	KBURL string `json:"kb_url,omitempty"`
	// Assign is "", AssignMe, or the id of an agent of the organization.
	Assign accord.ID `json:"assign,omitempty"`
}

// NewMacro is the input to Create and Update.
type NewMacro struct {
	Name string `json:"name"`
	// Shared makes a macro of the organization (administrators only);
	// otherwise it is the acting user's own.
	Shared bool `json:"shared"`
	// OrgID lets the vendor's administrators keep the shared macros of a
	// partner organization; empty means the actor's own.
	OrgID   accord.ID         `json:"org_id,omitempty"`
	Bodies  map[string]string `json:"bodies"`
	Actions Actions           `json:"actions"`
}

// Store persists macros. Reads see the shared macros of the organization
// and the personal ones of the user given; nothing else exists for them.
type Store interface {
	// List returns the organization's shared macros and userID's own, by
	// name (shared first on a tie).
	List(ctx context.Context, orgID, userID accord.ID) ([]Macro, error)
	// Get returns one of them; any other id is NotFound.
	Get(ctx context.Context, orgID, userID, id accord.ID) (Macro, error)
	// Create writes m and ev; a name taken in its kind is Conflict.
	Create(ctx context.Context, m Macro, ev audit.Event) error
	// Update rewrites m (matched by id and organization) and writes ev.
	Update(ctx context.Context, m Macro, ev audit.Event) error
	// Delete removes m and writes ev.
	Delete(ctx context.Context, m Macro, ev audit.Event) error
	// Applied writes the audit event of an application.
	Applied(ctx context.Context, ev audit.Event) error
}

// Cases is what applying a macro needs of cases; *cases.Service provides
// it. Each call is one transaction with its own audit event.
type Cases interface {
	Get(ctx context.Context, now time.Time, id accord.ID) (cases.Case, error)
	Reply(ctx context.Context, now time.Time, id accord.ID, in cases.NewReply) (cases.Case, error)
	Resolve(ctx context.Context, now time.Time, id accord.ID, summary string) (cases.Case, error)
	AwaitCustomer(ctx context.Context, now time.Time, id accord.ID, reason string) (cases.Case, error)
	Assign(ctx context.Context, now time.Time, id accord.ID, to cases.Assignment) (cases.Case, error)
}

// Directory gives organizations and users as the actor may read them;
// *directory.Service provides it.
type Directory interface {
	GetOrganization(ctx context.Context, now time.Time, id accord.ID) (directory.Organization, error)
	GetUser(ctx context.Context, now time.Time, id accord.ID) (directory.User, error)
}

// Service keeps macros and applies them.
type Service struct {
	store Store
	cases Cases
	dir   Directory
}

// NewService returns a service over store.
func NewService(store Store, c Cases, dir Directory) *Service {
	return &Service{store: store, cases: c, dir: dir}
}

// agent is the acting user, who must work cases: macros are the agents'.
func agent(ctx context.Context, op string) (accord.Actor, error) {
	a, err := accord.ActorFrom(ctx)
	if err != nil {
		return a, err
	}
	if a.UserID == "" || (a.Role != accord.RoleAdmin && a.Role != accord.RoleAgent && a.Role != accord.RolePartnerAgent) {
		return a, &accord.Error{Kind: accord.Forbidden, Op: op, Msg: "macros are for agents"}
	}
	return a, nil
}

// List lists the macros the acting agent may use: its organization's
// shared ones and its own. A vendor administrator may name a partner
// organization (orgID) to see the shared macros it keeps for it.
func (s *Service) List(ctx context.Context, now time.Time, orgID accord.ID) ([]Macro, error) {
	const op = "macros.List"
	a, err := agent(ctx, op)
	if err != nil {
		return nil, err
	}
	if orgID != "" && orgID != a.OrgID {
		if err := s.keepsFor(ctx, now, a, orgID, op); err != nil {
			return nil, err
		}
		return s.store.List(ctx, orgID, "")
	}
	l, err := s.store.List(ctx, a.OrgID, a.UserID)
	return l, accord.Wrap(op, err)
}

// keepsFor checks that a may keep the shared macros of orgID: the vendor's
// administrators keep their own and those of partner organizations. Any
// other organization reads as absent.
func (s *Service) keepsFor(ctx context.Context, now time.Time, a accord.Actor, orgID accord.ID, op string) error {
	if a.Role != accord.RoleAdmin {
		return &accord.Error{Kind: accord.Forbidden, Op: op, Msg: "only administrators keep shared macros"}
	}
	if orgID == a.OrgID {
		return nil
	}
	org, err := s.dir.GetOrganization(ctx, now, orgID)
	if err != nil || org.Kind != directory.KindPartner || !a.IsVendor() {
		return accord.FieldError("org_id", "must be your organization or a partner's")
	}
	return nil
}

// checkAssignee checks that a macro of orgID assigns to someone who can
// take that organization's cases: "me", or an active agent of it. Anyone
// else (unknown, out of the actor's scope, inactive, of another
// organization, not an agent) gets the same answer, so that saving a macro
// tells nobody who exists; a macro that could only fail on use is never
// stored.
func (s *Service) checkAssignee(ctx context.Context, now time.Time, orgID, to accord.ID, op string) error {
	if to == "" || to == AssignMe {
		return nil
	}
	refused := accord.FieldError("actions.assign", `must be "me" or an active agent of the macro's organization`)
	u, err := s.dir.GetUser(ctx, now, to)
	if accord.IsKind(err, accord.NotFound) || accord.IsKind(err, accord.Invalid) {
		return refused
	}
	if err != nil {
		return accord.Wrap(op, err)
	}
	if !u.Active || u.OrgID != orgID || (u.Role != accord.RoleAdmin && u.Role != accord.RoleAgent && u.Role != accord.RolePartnerAgent) {
		return refused
	}
	return nil
}

// Get returns one of the macros the acting agent may use, by id.
func (s *Service) Get(ctx context.Context, id accord.ID) (Macro, error) {
	const op = "macros.Get"
	a, err := agent(ctx, op)
	if err != nil {
		return Macro{}, err
	}
	m, err := s.store.Get(ctx, a.OrgID, a.UserID, id)
	return m, accord.Wrap(op, err)
}

// ByName returns the macro named name the acting agent may use; a personal
// macro wins over a shared one of the same name.
func (s *Service) ByName(ctx context.Context, name string) (Macro, error) {
	const op = "macros.ByName"
	a, err := agent(ctx, op)
	if err != nil {
		return Macro{}, err
	}
	all, err := s.store.List(ctx, a.OrgID, a.UserID)
	if err != nil {
		return Macro{}, accord.Wrap(op, err)
	}
	var found *Macro
	for i, m := range all {
		if m.Name == name && (found == nil || !m.Shared()) {
			found = &all[i]
		}
	}
	if found == nil {
		return Macro{}, &accord.Error{Kind: accord.NotFound, Op: op, Msg: "macro not found"}
	}
	return *found, nil
}

// Create saves a new macro: personal for any agent, shared for
// administrators.
func (s *Service) Create(ctx context.Context, now time.Time, in NewMacro) (Macro, error) {
	const op = "macros.Create"
	a, err := agent(ctx, op)
	if err != nil {
		return Macro{}, err
	}
	m, err := in.validate(op)
	if err != nil {
		return Macro{}, err
	}
	m.OrgID = a.OrgID
	if in.Shared {
		if in.OrgID != "" {
			m.OrgID = in.OrgID
		}
		if err := s.keepsFor(ctx, now, a, m.OrgID, op); err != nil {
			return Macro{}, err
		}
	} else {
		if in.OrgID != "" && in.OrgID != a.OrgID {
			return Macro{}, accord.FieldError("org_id", "a personal macro belongs to your own organization")
		}
		m.OwnerID = a.UserID
	}
	if err := s.checkAssignee(ctx, now, m.OrgID, m.Actions.Assign, op); err != nil {
		return Macro{}, err
	}
	m.ID, m.CreatedAt, m.UpdatedAt = accord.NewID("mac"), now.UTC(), now.UTC()
	ev := audit.New(a, now, m.OrgID, "macro.create", "macro", m.ID, []audit.Change{{Field: "name", After: m.Name}})
	if err := s.store.Create(ctx, m, ev); err != nil {
		return Macro{}, nameTaken(op, err)
	}
	return m, nil
}

func nameTaken(op string, err error) error {
	if accord.IsKind(err, accord.Conflict) {
		return &accord.Error{Kind: accord.Conflict, Op: op, Field: "name", Msg: "a macro with this name already exists", Err: err}
	}
	return accord.Wrap(op, err)
}

// editable returns the macro id the acting agent may change: its own, or a
// shared one of an organization it keeps them for (orgID, "" for its own).
func (s *Service) editable(ctx context.Context, now time.Time, op string, orgID, id accord.ID) (accord.Actor, Macro, error) {
	a, err := agent(ctx, op)
	if err != nil {
		return a, Macro{}, err
	}
	var m Macro
	if orgID != "" && orgID != a.OrgID {
		if err := s.keepsFor(ctx, now, a, orgID, op); err != nil {
			return a, Macro{}, err
		}
		m, err = s.store.Get(ctx, orgID, "", id)
	} else {
		m, err = s.store.Get(ctx, a.OrgID, a.UserID, id)
	}
	if err != nil {
		return a, Macro{}, accord.Wrap(op, err)
	}
	if m.Shared() {
		if err := s.keepsFor(ctx, now, a, m.OrgID, op); err != nil {
			return a, Macro{}, err
		}
	}
	return a, m, nil
}

// Update replaces a macro's name, bodies and actions; whether it is shared
// does not change.
func (s *Service) Update(ctx context.Context, now time.Time, id accord.ID, in NewMacro) (Macro, error) {
	const op = "macros.Update"
	a, m, err := s.editable(ctx, now, op, in.OrgID, id)
	if err != nil {
		return Macro{}, err
	}
	next, err := in.validate(op)
	if err != nil {
		return Macro{}, err
	}
	if in.Shared != m.Shared() {
		return Macro{}, accord.FieldError("shared", "a macro stays shared or personal; make a new one")
	}
	if err := s.checkAssignee(ctx, now, m.OrgID, next.Actions.Assign, op); err != nil {
		return Macro{}, err
	}
	next.ID, next.OrgID, next.OwnerID, next.CreatedAt, next.UpdatedAt = m.ID, m.OrgID, m.OwnerID, m.CreatedAt, now.UTC()
	ev := audit.New(a, now, m.OrgID, "macro.update", "macro", m.ID, []audit.Change{{Field: "name", Before: m.Name, After: next.Name}})
	if err := s.store.Update(ctx, next, ev); err != nil {
		return Macro{}, nameTaken(op, err)
	}
	return next, nil
}

// Delete removes a macro the acting agent may change.
func (s *Service) Delete(ctx context.Context, now time.Time, orgID, id accord.ID) error {
	const op = "macros.Delete"
	a, m, err := s.editable(ctx, now, op, orgID, id)
	if err != nil {
		return err
	}
	ev := audit.New(a, now, m.OrgID, "macro.delete", "macro", m.ID, []audit.Change{{Field: "name", Before: m.Name}})
	return accord.Wrap(op, s.store.Delete(ctx, m, ev))
}

var nameRule = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,39}$`)

// validate checks in and returns the macro it describes; every problem is
// named, a body's by its language (bodies.pt-BR).
func (in NewMacro) validate(op string) (Macro, error) {
	var ps []accord.Problem
	name := strings.TrimSpace(in.Name)
	if !nameRule.MatchString(name) {
		ps = append(ps, accord.Problem{Field: "name", Msg: "must be 1 to 40 lowercase letters, digits, - or _, starting with a letter or digit (it is typed after ::)"})
	}
	bodies := map[string]string{}
	for loc := range in.Bodies {
		if !slices.Contains(Locales, loc) {
			ps = append(ps, accord.Problem{Field: "bodies." + loc, Msg: "must be one of " + strings.Join(Locales, ", ")})
		}
	}
	for _, loc := range Locales {
		field, body := "bodies."+loc, strings.TrimSpace(in.Bodies[loc])
		switch {
		case body == "" && loc == Fallback:
			ps = append(ps, accord.Problem{Field: field, Msg: "is required: customers whose language has no text read it"})
		case body == "":
		case accord.TextProblem(body) != "":
			ps = append(ps, accord.Problem{Field: field, Msg: accord.TextProblem(body)})
		case utf8.RuneCountInString(body) > MaxBody:
			ps = append(ps, accord.Problem{Field: field, Msg: fmt.Sprintf("at most %d characters", MaxBody)})
		default:
			if _, err := parse(body); err != nil {
				ps = append(ps, accord.Problem{Field: field, Msg: err.Error()})
			} else {
				bodies[loc] = body
			}
		}
	}
	act := in.Actions
	act.HoldReason, act.KBURL = strings.TrimSpace(act.HoldReason), strings.TrimSpace(act.KBURL)
	switch act.State {
	case "", StateResolved, StateAwaiting:
	default:
		ps = append(ps, accord.Problem{Field: "actions.state", Msg: `must be "", "resolved" or "awaiting_customer"`})
	}
	switch {
	case accord.TextProblem(act.HoldReason) != "":
		ps = append(ps, accord.Problem{Field: "actions.hold_reason", Msg: accord.TextProblem(act.HoldReason)})
	case utf8.RuneCountInString(act.HoldReason) > MaxReason:
		ps = append(ps, accord.Problem{Field: "actions.hold_reason", Msg: fmt.Sprintf("at most %d characters", MaxReason)})
	case act.HoldReason != "" && act.State != "":
		ps = append(ps, accord.Problem{Field: "actions.hold_reason", Msg: "a hold leaves the case awaiting the customer; set no other state"})
	}
	if act.KBURL != "" {
		if u, err := url.Parse(act.KBURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || accord.TextProblem(act.KBURL) != "" || len(act.KBURL) > 2000 {
			ps = append(ps, accord.Problem{Field: "actions.kb_url", Msg: "a knowledge-base article is an http or https URL"})
		} else if act.State == StateResolved {
			ps = append(ps, accord.Problem{Field: "actions.kb_url", Msg: "a resolution carries no references; write the article's link in the text"})
		}
	}
	if p := accord.TextProblem(string(act.Assign)); p != "" || len(act.Assign) > 100 {
		ps = append(ps, accord.Problem{Field: "actions.assign", Msg: `must be "", "me" or a user id`})
	}
	return Macro{Name: name, Bodies: bodies, Actions: act}, accord.InvalidFields(op, ps)
}
