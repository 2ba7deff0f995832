package web

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"

	"accord/internal/accord"
	"accord/internal/directory"
	"accord/internal/macros"
)

// macroRoutes are the agents' macros page, the reply box's picker and the
// preview `::name` reads, the queue's bulk actions (bulk.go) and the
// keyboard shortcuts page (shortcuts.go).
func (s *Server) macroRoutes() []route {
	return []route{
		{"GET", "/macros", s.macrosPage, false},
		{"POST", "/macros", s.createMacro, false},
		{"GET", "/macros/{id}", s.editMacroPage, false},
		{"POST", "/macros/{id}", s.updateMacro, false},
		{"POST", "/macros/{id}/delete", s.deleteMacro, false},
		{"POST", "/cases/{id}/macros/insert", s.insertMacro, false},
		{"GET", "/cases/{id}/macros/preview", s.previewMacro, false},
		{"POST", "/queue/bulk", s.bulkCases, false},
		{"GET", "/shortcuts", s.shortcutsPage, false},
		{"POST", "/shortcuts", s.saveShortcuts, false},
	}
}

type macrosData struct {
	Macros  []macros.Macro
	Locales []string
	States  []string
	// Mine is the reader's user id, to tell personal macros apart.
	Mine accord.ID
	// Editing is the macro the form changes; nil for a new one.
	Editing *macros.Macro
	// Agents are whom a macro may assign the case to, besides "me".
	Agents []directory.User
}

// AgentName names an agent a macro assigns to, or gives the id of one the
// reader no longer sees.
func (d *macrosData) AgentName(id accord.ID) string {
	for _, u := range d.Agents {
		if u.ID == id {
			return u.Name
		}
	}
	return string(id)
}

func (s *Server) macrosPageOf(r *http.Request) (*page, error) {
	rd := readerOf(r.Context())
	d := &macrosData{Locales: macros.Locales, States: []string{macros.StateAwaiting, macros.StateResolved}, Mine: rd.Actor.UserID}
	p := s.newPage(r, "macros.title", d)
	p.Path = "/macros"
	l, err := s.Macros.List(r.Context(), s.Now(), "")
	if err != nil {
		return p, err
	}
	d.Macros = l
	d.Agents, err = s.agentsOf(r)
	return p, err
}

func (s *Server) macrosPage(w http.ResponseWriter, r *http.Request) {
	p, err := s.macrosPageOf(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "macros", p)
}

// macroOf reads the macro form; the bodies' fields are named as the
// service names them (bodies.pt-BR), so each problem shows at its field.
func macroOf(r *http.Request) macros.NewMacro {
	f := r.PostForm
	in := macros.NewMacro{Name: f.Get("name"), Shared: f.Get("shared") != "", Bodies: map[string]string{},
		Actions: macros.Actions{State: f.Get("actions.state"), HoldReason: f.Get("actions.hold_reason"), KBURL: f.Get("actions.kb_url")}}
	in.Actions.Assign = accord.ID(f.Get("actions.assign"))
	for _, loc := range macros.Locales {
		if b := f.Get("bodies." + loc); strings.TrimSpace(b) != "" {
			in.Bodies[loc] = b
		}
	}
	return in
}

func (s *Server) createMacro(w http.ResponseWriter, r *http.Request) {
	err := parseForm(w, r, 0)
	if err == nil {
		_, err = s.Macros.Create(r.Context(), s.Now(), macroOf(r))
	}
	s.macroSaved(w, r, nil, err)
}

// macroSaved answers the macro form: the list again, or the form with its
// problems.
func (s *Server) macroSaved(w http.ResponseWriter, r *http.Request, editing *macros.Macro, err error) {
	if err == nil {
		s.done(w, r, "/macros", "macros.flash.saved")
		return
	}
	p, perr := s.macrosPageOf(r)
	if perr != nil {
		s.fail(w, r, perr)
		return
	}
	p.Data.(*macrosData).Editing = editing
	s.failForm(w, r, err, "macros", p)
}

// editMacroPage is the macros page with the form holding macro id.
func (s *Server) editMacroPage(w http.ResponseWriter, r *http.Request) {
	m, err := s.Macros.Get(r.Context(), accord.ID(r.PathValue("id")))
	var p *page
	if err == nil {
		p, err = s.macrosPageOf(r)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p.Data.(*macrosData).Editing = &m
	p.Form = url.Values{"name": {m.Name}, "actions.state": {m.Actions.State}, "actions.hold_reason": {m.Actions.HoldReason},
		"actions.kb_url": {m.Actions.KBURL}}
	p.Form.Set("actions.assign", string(m.Actions.Assign))
	if m.Shared() {
		p.Form.Set("shared", "true")
	}
	for loc, b := range m.Bodies {
		p.Form.Set("bodies."+loc, b)
	}
	s.render(w, r, http.StatusOK, "macros", p)
}

func (s *Server) updateMacro(w http.ResponseWriter, r *http.Request) {
	m, err := s.Macros.Get(r.Context(), accord.ID(r.PathValue("id")))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if err = parseForm(w, r, 0); err == nil {
		in := macroOf(r)
		in.Shared = m.Shared() // the form does not change it
		_, err = s.Macros.Update(r.Context(), s.Now(), m.ID, in)
	}
	s.macroSaved(w, r, &m, err)
}

func (s *Server) deleteMacro(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if !accord.ValidID(id) {
		s.fail(w, r, &accord.Error{Kind: accord.NotFound, Msg: "not found"})
		return
	}
	if err := s.Macros.Delete(r.Context(), s.Now(), "", accord.ID(id)); err != nil {
		s.fail(w, r, err)
		return
	}
	s.done(w, r, "/macros", "macros.flash.deleted")
}

// insertMacro is the reply box's picker without scripts: the case page
// again, its reply form holding the chosen macro written for the case
// (after what was typed) and the macro's id, which the reply applies.
func (s *Server) insertMacro(w http.ResponseWriter, r *http.Request) {
	id := accord.ID(r.PathValue("id"))
	err := parseForm(w, r, 0)
	var out macros.Rendered
	if err == nil {
		pick := r.PostForm.Get("macro_pick")
		if !accord.ValidID(pick) {
			err = accord.FieldError("macro_pick", "%s", s.msgs.text(readerOf(r.Context()).Locale, "macros.pick_one"))
		} else {
			out, err = s.Macros.Preview(r.Context(), s.Now(), id, accord.ID(pick))
		}
	}
	p, perr := s.casePageOf(r, id, "reply")
	if perr != nil {
		s.fail(w, r, perr)
		return
	}
	if err != nil {
		s.failForm(w, r, err, "case", p)
		return
	}
	f := r.PostForm
	body := strings.TrimRight(f.Get("body"), " \n\r\t")
	if body != "" {
		body += "\n\n"
	}
	f.Set("body", body+out.Body)
	f.Set("macro_id", string(out.MacroID))
	p.Form = f
	p.Data.(*casePageData).MacroNote = s.macroNote(readerOf(r.Context()).Locale, out)
	s.render(w, r, http.StatusOK, "case", p)
}

// macroPreview is what `::name` in the reply box reads: the macro written
// for the case, its id, and the sentence saying which language it is in.
type macroPreview struct {
	MacroID accord.ID `json:"macro_id"`
	Body    string    `json:"body"`
	Note    string    `json:"note"`
}

func (s *Server) previewMacro(w http.ResponseWriter, r *http.Request) {
	rd := readerOf(r.Context())
	m, err := s.Macros.ByName(r.Context(), r.URL.Query().Get("name"))
	var out macros.Rendered
	if err == nil {
		out, err = s.Macros.Preview(r.Context(), s.Now(), accord.ID(r.PathValue("id")), m.ID)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if err != nil {
		w.WriteHeader(accord.KindOf(err).Status())
		_ = json.NewEncoder(w).Encode(map[string]string{"error": accord.Public(err).Msg})
		return
	}
	_ = json.NewEncoder(w).Encode(macroPreview{MacroID: out.MacroID, Body: out.Body, Note: s.macroNote(rd.Locale, out)})
}

// macroNote says in the reader's language which language a macro was
// written in, and that it fell back to English when the customer's has no
// text.
func (s *Server) macroNote(locale string, out macros.Rendered) string {
	lang := s.msgs.text(locale, "locale."+out.Locale)
	if out.FellBack && out.Wanted != "" {
		return s.msgs.text(locale, "macros.fell_back", out.Name, s.msgs.text(locale, "locale."+out.Wanted), lang)
	}
	return s.msgs.text(locale, "macros.inserted", out.Name, lang)
}
