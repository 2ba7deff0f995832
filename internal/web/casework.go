package web

import (
	"net/http"

	"accord/internal/accord"
	"accord/internal/cases"
)

// The case page's sections for the workflows attached to a case: the
// evaluation of an integration an enhancement request asks for, and an
// appliance's repair. Everyone who reads the case sees their progress;
// the forms are offered to those the service lets act, and it decides
// again on every post.

// caseworkRoutes are the forms' targets: one per feasibility step, so that
// a refused form is the one shown again.
func (s *Server) caseworkRoutes() []route {
	var rs []route
	for _, step := range []cases.FeasibilityStep{cases.FeasibilityFlag, cases.FeasibilityStart, cases.FeasibilityAnalysis,
		cases.FeasibilityDecision, cases.FeasibilityDate} {
		rs = append(rs, route{"POST", "/cases/{id}/feasibility/" + string(step),
			s.caseAction("feasibility_"+string(step), "casework.flash.feasibility", 0, s.caseFeasibility(step)), false})
	}
	return append(rs,
		route{"POST", "/cases/{id}/repair", s.caseAction("repair", "casework.flash.repair", 0, s.caseRepairRequest), false},
		route{"POST", "/cases/{id}/repair/steps", s.caseAction("repair_step", "casework.flash.repair_step", 0, s.caseRepairStep), false})
}

func (s *Server) caseFeasibility(step cases.FeasibilityStep) func(r *http.Request, id accord.ID) error {
	return func(r *http.Request, id accord.ID) error {
		f := r.PostForm
		in := cases.FeasibilityInput{Step: step, Platform: f.Get("platform"), Analysis: f.Get("analysis"), Reasons: f.Get("reasons"),
			TargetDate: f.Get("target_date"), Note: f.Get("note")}
		if step == cases.FeasibilityDecision {
			switch f.Get("relevant") {
			case "yes":
				in.Relevant = new(true)
			case "no":
				in.Relevant = new(false)
			}
		}
		_, err := s.Cases.Feasibility(r.Context(), s.Now(), id, in)
		return err
	}
}

func (s *Server) caseRepairRequest(r *http.Request, id accord.ID) error {
	f := r.PostForm
	in := cases.RepairRequest{InstallationID: accord.ID(f.Get("installation_id")), Serial: f.Get("serial"), Note: f.Get("note")}
	_, err := s.Cases.RequestRepair(r.Context(), s.Now(), id, in)
	return err
}

func (s *Server) caseRepairStep(r *http.Request, id accord.ID) error {
	f := r.PostForm
	in := cases.RepairInput{Step: cases.RepairStep(f.Get("step")), Note: f.Get("note"), Diagnosis: f.Get("diagnosis"),
		Replacement: f.Get("replacement_serial"), Carrier: f.Get("carrier"), Tracking: f.Get("tracking")}
	_, err := s.Cases.RecordRepair(r.Context(), s.Now(), id, in)
	return err
}

// caseworkCan says which of the sections' forms the reader is offered.
type caseworkCan struct {
	Flag     bool // flag the request as an integration, or correct the platform
	Evaluate bool // vendor staff: the evaluation's next step
	Request  bool // request an appliance's repair, or correct the request
	Repair   bool // vendor staff: the repair's next step
}

// Casework is what the reader may do in the sections, as the service would
// allow it.
func (d *casePageData) Casework() caseworkCan {
	rd, c := d.page.Reader, d.Case
	customer := rd.is(accord.RoleCustomerContact) && rd.Actor.OrgID == c.OrgID
	vendor := rd.is(accord.RoleAdmin, accord.RoleAgent)
	open := c.State != cases.Closed && c.State != cases.Declined && c.State != cases.Delivered
	f, r := c.Feasibility, c.Repair
	support := c.Type == cases.Incident || c.Type == cases.Defect || c.Type == cases.Question
	return caseworkCan{
		Flag:     c.Type == cases.Enhancement && open && (customer || rd.agent()) && (f == nil || f.State == cases.FeasibilityRequested),
		Evaluate: c.Type == cases.Enhancement && open && vendor && f != nil && f.State != cases.FeasibilityNotRelevant,
		Request:  support && open && (customer || rd.agent()) && (r == nil || r.Step == cases.RepairRequested),
		Repair:   support && open && vendor && r != nil && len(r.Next()) > 0,
	}
}
