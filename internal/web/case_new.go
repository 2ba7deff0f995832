package web

import (
	"net/http"

	"accord/internal/accord"
	"accord/internal/cases"
	"accord/internal/directory"
	"accord/internal/sla"
)

type newCaseData struct {
	Types []cases.Type
	Crits []caseCrit
	// PhoneCrits name the criticalities whose target some plan guarantees
	// only after a call ("C1 Urgent"); PhoneLines are the numbers to call.
	PhoneCrits []string
	PhoneLines []sla.PhoneLine
	// Orgs are the customers an agent may open a case for; nil for
	// customer contacts, whose case is for their own organization.
	Orgs []directory.Organization
}

// caseCrit is a criticality with the words the policy defines it by.
type caseCrit struct {
	Level sla.Criticality
	sla.CriticalityDef
}

// newCaseData reads what the form offers from the current policy.
func (s *Server) newCaseData(r *http.Request) (*newCaseData, error) {
	_, pol, err := s.Policy.Current(r.Context())
	if err != nil {
		return nil, err
	}
	pol = pol.In(readerOf(r.Context()).Locale)
	d := &newCaseData{Types: cases.Types, Crits: caseCrits(pol), PhoneCrits: casePhoneCrits(pol), PhoneLines: pol.PhoneLines}
	if readerOf(r.Context()).agent() {
		orgs, err := s.caseOrgs(r)
		if err != nil {
			return nil, err
		}
		d.Orgs = orgs.list
	}
	return d, nil
}

func caseCrits(pol *sla.Policy) []caseCrit {
	l := make([]caseCrit, len(sla.Criticalities))
	for i, c := range sla.Criticalities {
		l[i] = caseCrit{Level: c, CriticalityDef: pol.Criticalities[c]}
	}
	return l
}

// casePhoneCrits names the criticalities for which any plan of pol
// guarantees the response time only after a call (Urgent and High in the
// default policy).
func casePhoneCrits(pol *sla.Policy) []string {
	var l []string
	for _, c := range sla.Criticalities {
		for _, plan := range pol.Plans {
			if plan.Targets[c].PhoneRequired {
				l = append(l, string(c)+" "+pol.Criticalities[c].Name.String())
				break
			}
		}
	}
	return l
}

// caseField is a text field of the form, with what was typed and its
// problem.
type caseField struct {
	Name, Label string // the service's name of the field; the key of its label
	Long        bool   // a textarea
	Value, Err  string
}

// Field is the field name of the form shown on p, labelled by the key label.
func (d *newCaseData) Field(p *page, name, label string, long bool) caseField {
	return caseField{Name: name, Label: label, Long: long, Value: p.Value(name, ""), Err: p.Err(name)}
}

func (s *Server) newCasePage(w http.ResponseWriter, r *http.Request) {
	d, err := s.newCaseData(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "case_new", s.newPage(r, "case.new.title", d))
}

// openCase opens a case from the form: the customer's report, and for
// vendor agents the classification and the call it came by.
func (s *Server) openCase(w http.ResponseWriter, r *http.Request) {
	d, err := s.newCaseData(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p := s.newPage(r, "case.new.title", d)
	if err := parseForm(w, r, maxCaseFiles); err != nil {
		s.failForm(w, r, err, "case_new", p)
		return
	}
	f := r.PostForm
	in := cases.NewCase{
		OrgID: accord.ID(f.Get("org_id")), Type: cases.Type(f.Get("type")), Title: f.Get("title"), Description: f.Get("description"),
		Details: cases.Details{
			Criticality: sla.Criticality(f.Get("details.customer_criticality")), Procedure: f.Get("details.procedure"),
			Version: f.Get("details.version"), Observed: f.Get("details.observed"), Expected: f.Get("details.expected"),
			Discovery: f.Get("details.discovery"),
		},
		Criticality: sla.Criticality(f.Get("criticality")), Channel: sla.Channel(f.Get("channel")),
	}
	if f.Get("call.caller") != "" || f.Get("call.number") != "" || f.Get("call.at") != "" {
		call, err := s.caseCallOf(r, "call.")
		if err != nil {
			s.failForm(w, r, err, "case_new", p)
			return
		}
		in.Call = &call
	}
	files, err := formFiles(r)
	if err != nil {
		s.failForm(w, r, err, "case_new", p)
		return
	}
	in.Files = files
	c, err := s.Cases.Open(r.Context(), s.Now(), in)
	if err != nil {
		s.failForm(w, r, filesProblems(err), "case_new", p)
		return
	}
	target := casePath(c.ID)
	s.done(w, r, target, "case.flash.opened")
}

// caseCallOf reads a phone call from the fields named prefix+caller, number,
// at (datetime-local, in the reader's zone) and notes.
func (s *Server) caseCallOf(r *http.Request, prefix string) (cases.Call, error) {
	f := r.PostForm
	call := cases.Call{Caller: f.Get(prefix + "caller"), Number: f.Get(prefix + "number"), Notes: f.Get(prefix + "notes")}
	if v := f.Get(prefix + "at"); v != "" {
		at, err := s.caseLocalTime(r, prefix+"at", v)
		if err != nil {
			return call, err
		}
		call.At = at
	}
	return call, nil
}
