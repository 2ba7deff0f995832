package web

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"accord/internal/accord"
	"accord/internal/cases"
	"accord/internal/macros"
	"accord/internal/sla"
)

// maxCaseFile bounds an attachment as the page reads it: the cases
// service's own limit as cmd/accord wires it. The service still checks.
const maxCaseFile = 20 << 20

// caseAction answers the form of one action on the case page: do makes
// the change from the form; then the browser goes back to the case with
// the notice flash. A refusal shows the case page again, with the form's
// problems and what was typed.
func (s *Server) caseAction(verb, flash string, maxFile int64, do func(r *http.Request, id accord.ID) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id := accord.ID(r.PathValue("id"))
		err := parseForm(w, r, maxFile)
		if err == nil {
			err = do(r, id)
		}
		if err == nil {
			s.done(w, r, casePath(id), flash)
			return
		}
		p, perr := s.casePageOf(r, id, verb)
		if perr != nil {
			s.fail(w, r, perr)
			return
		}
		s.failForm(w, r, err, "case", p)
	}
}

// caseActions are the actions of the case page, by the last part of
// their path, with the notice each leaves.
func (s *Server) caseActions() []route {
	actions := []struct {
		verb, flash string
		maxFile     int64
		do          func(r *http.Request, id accord.ID) error
	}{
		{"reply", "case.flash.replied", maxCaseFiles, s.caseReply},
		{"files", "case.flash.attached", maxCaseFile, s.caseAttach},
		{"calls", "case.flash.called", 0, s.caseCall},
		{"reclassify", "case.flash.reclassified", 0, s.caseReclassify},
		{"sessions", "case.flash.proposed", 0, s.caseProposeSession},
		{"resolve", "case.flash.resolved", 0, s.caseResolve},
		{"await-customer", "case.flash.held", 0, s.caseHold},
		{"confirm", "case.flash.confirmed", 0, s.caseConfirm},
		{"reopen", "case.flash.reopened", 0, s.caseReopen},
		{"out-of-scope", "case.flash.out_of_scope", 0, s.caseOutOfScope},
		{"assign", "case.flash.assigned", 0, s.caseAssign},
		{"enhancement", "case.flash.enhancement", 0, s.caseEnhancement},
	}
	rs := make([]route, 0, len(actions)+1)
	for _, a := range actions {
		rs = append(rs, route{"POST", "/cases/{id}/" + a.verb, s.caseAction(a.verb, a.flash, a.maxFile, a.do), false})
	}
	return append(rs, route{"POST", "/cases/{id}/sessions/{entry_id}/decision",
		s.caseAction("decision", "case.flash.decided", 0, s.caseDecideSession), false})
}

// caseHold puts the case on hold for the customer, with the reason the
// customer reads.
func (s *Server) caseHold(r *http.Request, id accord.ID) error {
	_, err := s.Cases.AwaitCustomer(r.Context(), s.Now(), id, r.PostForm.Get("reason"))
	return err
}

func (s *Server) caseReply(r *http.Request, id accord.ID) error {
	f := r.PostForm
	in := cases.NewReply{Body: f.Get("body"), Internal: f.Get("internal") != "",
		RequestInformation: f.Get("request_information") != "", References: caseReferences(r)}
	files, err := formFiles(r)
	if err != nil {
		return err
	}
	in.Files = files
	if m := f.Get("macro_id"); m != "" {
		if err := s.replyWithMacro(r, id, accord.ID(m), in); err != nil {
			return filesProblems(err)
		}
	} else if _, err := s.Cases.Reply(r.Context(), s.Now(), id, in); err != nil {
		return filesProblems(err)
	}
	if f.Get("take") == "" {
		return nil
	}
	// The agent takes the case only if nobody did meanwhile: the offer was
	// made on an unassigned case, and only to a reader the senior-engineer
	// rule lets take it.
	c, err := s.Cases.Get(r.Context(), s.Now(), id)
	if err != nil || c.AssigneeID != "" || !mayTake(readerOf(r.Context()), c) {
		return err
	}
	_, err = s.Cases.Assign(r.Context(), s.Now(), id, cases.Assignment{UserID: readerOf(r.Context()).Actor.UserID})
	return err
}

// replyWithMacro sends the reply box's text (the inserted macro, as the
// agent may have edited it) with the macro's actions. The macro decides
// what the reply is, so the form's own choices for it are refused rather
// than dropped.
func (s *Server) replyWithMacro(r *http.Request, id, macroID accord.ID, in cases.NewReply) error {
	if !accord.ValidID(string(macroID)) {
		return &accord.Error{Kind: accord.NotFound, Msg: "macro not found"}
	}
	locale := readerOf(r.Context()).Locale
	switch {
	case in.Internal:
		return accord.FieldError("internal", "%s", s.msgs.text(locale, "macros.not_internal"))
	case in.RequestInformation || len(in.References) > 0:
		return accord.FieldError("references", "%s", s.msgs.text(locale, "macros.own_actions"))
	}
	out, err := s.Macros.Apply(r.Context(), s.Now(), id, macroID, macros.Application{Body: &in.Body})
	if err != nil {
		return err
	}
	// A later step refused: the reply went out, so the form must not be
	// shown again to be sent twice; the timeline shows what was done.
	if refused := out.Refused(); refused != nil {
		s.Log.InfoContext(r.Context(), "macro step refused", "case", id, "macro", macroID, "reason", refused.Message)
	}
	return nil
}

// references reads the reference rows of the reply form that have a
// value, and renumbers them in the form as the service numbers them, so
// that a problem with the second reference given shows at that row.
func caseReferences(r *http.Request) []cases.Reference {
	f := r.PostForm
	var refs []cases.Reference
	for i := range caseRefRows {
		kind, value := f.Get(caseRefField(i, "kind")), f.Get(caseRefField(i, "value"))
		f.Del(caseRefField(i, "kind"))
		f.Del(caseRefField(i, "value"))
		if value == "" {
			continue
		}
		n := len(refs)
		f.Set(caseRefField(n, "kind"), kind)
		f.Set(caseRefField(n, "value"), value)
		refs = append(refs, cases.Reference{Kind: cases.ReferenceKind(kind), Value: value})
	}
	return refs
}

func caseRefField(i int, part string) string { return fmt.Sprintf("references[%d].%s", i, part) }

func (s *Server) caseAttach(r *http.Request, id accord.ID) error {
	file, header, err := r.FormFile("file")
	if err != nil {
		if errors.Is(err, http.ErrMissingFile) || errors.Is(err, http.ErrNotMultipart) {
			return accord.FieldError("file", "%s", s.msgs.text(readerOf(r.Context()).Locale, "case.file.missing"))
		}
		return formError(err)
	}
	defer file.Close()
	content, err := io.ReadAll(file)
	if err != nil {
		return formError(err)
	}
	_, _, err = s.Cases.Attach(r.Context(), s.Now(), id, cases.NewFile{Name: header.Filename, Content: content,
		Internal: r.PostForm.Get("internal") != ""})
	return err
}

// caseCall records a phone call. The service is asked even when the
// call's time did not read (it then has none, which the service refuses):
// a reader who may not record calls, or a case out of reach, is told so
// before anything about the form.
func (s *Server) caseCall(r *http.Request, id accord.ID) error {
	call, timeErr := s.caseCallOf(r, "")
	_, err := s.Cases.RecordCall(r.Context(), s.Now(), id, call)
	if timeErr != nil && accord.IsKind(err, accord.Invalid) {
		return timeErr
	}
	return err
}

func (s *Server) caseReclassify(r *http.Request, id accord.ID) error {
	in := cases.Reclassification{Criticality: sla.Criticality(r.PostForm.Get("criticality")), Reason: r.PostForm.Get("reason")}
	_, err := s.Cases.Reclassify(r.Context(), s.Now(), id, in)
	return err
}

func (s *Server) caseProposeSession(r *http.Request, id accord.ID) error {
	f := r.PostForm
	in := cases.SessionProposal{Note: f.Get("note")}
	if v := f.Get("starts_at"); v != "" {
		at, err := s.caseLocalTime(r, "starts_at", v)
		if err != nil {
			return err
		}
		in.StartsAt = at
	}
	if v := f.Get("minutes"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return accord.FieldError("minutes", "%s", s.msgs.text(readerOf(r.Context()).Locale, "case.session.bad_minutes"))
		}
		in.Minutes = n
	}
	_, err := s.Cases.ProposeSession(r.Context(), s.Now(), id, in)
	return err
}

func (s *Server) caseDecideSession(r *http.Request, id accord.ID) error {
	f := r.PostForm
	in := cases.SessionDecision{Accept: f.Get("decision") == "accept", RemoteControl: f.Get("remote_control") != "", Note: f.Get("note")}
	_, err := s.Cases.DecideSession(r.Context(), s.Now(), id, accord.ID(r.PathValue("entry_id")), in)
	return err
}

func (s *Server) caseResolve(r *http.Request, id accord.ID) error {
	_, err := s.Cases.Resolve(r.Context(), s.Now(), id, r.PostForm.Get("summary"))
	return err
}

func (s *Server) caseConfirm(r *http.Request, id accord.ID) error {
	_, err := s.Cases.Confirm(r.Context(), s.Now(), id)
	return err
}

func (s *Server) caseReopen(r *http.Request, id accord.ID) error {
	_, err := s.Cases.Reopen(r.Context(), s.Now(), id, r.PostForm.Get("reason"))
	return err
}

func (s *Server) caseOutOfScope(r *http.Request, id accord.ID) error {
	in := cases.OutOfScope{Category: r.PostForm.Get("category"), Note: r.PostForm.Get("note")}
	_, err := s.Cases.MarkOutOfScope(r.Context(), s.Now(), id, in)
	return err
}

// caseAssign gives the case to the person the form names, or to nobody
// when it names none, and to the team it names when it has a team field;
// the service decides who may have it.
func (s *Server) caseAssign(r *http.Request, id accord.ID) error {
	f := r.PostForm
	in := cases.Assignment{UserID: accord.ID(f.Get("user_id")), OverrideReason: f.Get("override_reason")}
	if f.Has("team_id") {
		team := accord.ID(f.Get("team_id"))
		in.TeamID = &team
	}
	_, err := s.Cases.Assign(r.Context(), s.Now(), id, in)
	return err
}

func (s *Server) caseEnhancement(r *http.Request, id accord.ID) error {
	f := r.PostForm
	in := cases.EnhancementUpdate{State: cases.State(f.Get("state")), DeliveredIn: f.Get("delivered_in"), Note: f.Get("note")}
	_, err := s.Cases.UpdateEnhancement(r.Context(), s.Now(), id, in)
	return err
}

// caseLocalTime reads the value of a datetime-local field as the reader's
// clock shows it.
func (s *Server) caseLocalTime(r *http.Request, field, v string) (time.Time, error) {
	rd := readerOf(r.Context())
	at, err := clock{zone: rd.Zone}.parseLocal(v)
	if err != nil {
		return at, accord.FieldError(field, "%s", s.msgs.text(rd.Locale, "case.bad_time"))
	}
	return at, nil
}
