package web

import (
	"net/http"
	"strings"

	"accord/internal/accord"
	"accord/internal/siem"
)

// siemRoutes are the SIEM receivers page (docs/integrations.md): vendor
// administrators see and manage every receiver, auditors read them, a
// customer's administrator manages its own organization's.
func (s *Server) siemRoutes() []route {
	return []route{
		{"GET", "/siem", s.siemPage, false},
		{"POST", "/siem", s.createReceiver, false},
		{"POST", "/siem/{id}/enabled", s.toggleReceiver, false},
		{"POST", "/siem/{id}/test", s.testReceiver, false},
		{"POST", "/siem/{id}/delete", s.deleteReceiver, false},
	}
}

type siemData struct {
	Receivers []siem.Receiver
	Protocols []siem.Protocol
	// Tested is the outcome of a test just sent, and to which receiver.
	Tested   *siem.TestResult
	TestedID accord.ID
	// Manage: the reader changes receivers (a vendor administrator, or
	// a customer's administrator for its own); auditors only read.
	Manage bool
}

func (s *Server) siemPageOf(r *http.Request) (*page, error) {
	rd := readerOf(r.Context())
	d := &siemData{Protocols: siem.Protocols,
		Manage: rd.is(accord.RoleAdmin) || (rd.is(accord.RoleCustomerContact) && rd.Actor.CustomerAdmin)}
	p := s.newPage(r, "siem.title", d)
	p.Path = "/siem"
	l, err := s.SIEM.List(r.Context())
	d.Receivers = l
	return p, err
}

func (s *Server) siemPage(w http.ResponseWriter, r *http.Request) {
	p, err := s.siemPageOf(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "siem", p)
}

func (s *Server) createReceiver(w http.ResponseWriter, r *http.Request) {
	err := parseForm(w, r, 0)
	if err == nil {
		f := r.PostForm
		name, addr, ca, auth := f.Get("name"), f.Get("address"), f.Get("ca_pem"), f.Get("authorization")
		proto := siem.Protocol(f.Get("protocol"))
		actions := strings.FieldsFunc(f.Get("actions"), func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == '\r' })
		_, err = s.SIEM.Create(r.Context(), s.Now(), siem.Input{Name: &name, Protocol: &proto, Address: &addr, CAPEM: &ca, Authorization: &auth, Actions: &actions})
	}
	if err == nil {
		s.done(w, r, "/siem", "siem.flash.saved")
		return
	}
	p, perr := s.siemPageOf(r)
	if perr != nil {
		s.fail(w, r, perr)
		return
	}
	s.failForm(w, r, err, "siem", p)
}

func (s *Server) toggleReceiver(w http.ResponseWriter, r *http.Request) {
	err := parseForm(w, r, 0)
	if err == nil {
		on := r.PostForm.Get("enabled") == "true"
		_, err = s.SIEM.Update(r.Context(), s.Now(), accord.ID(r.PathValue("id")), siem.Input{Enabled: &on})
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.done(w, r, "/siem", "siem.flash.saved")
}

func (s *Server) deleteReceiver(w http.ResponseWriter, r *http.Request) {
	err := parseForm(w, r, 0)
	if err == nil {
		err = s.SIEM.Delete(r.Context(), s.Now(), accord.ID(r.PathValue("id")))
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.done(w, r, "/siem", "siem.flash.deleted")
}

// testReceiver sends a test event and shows the page with its outcome.
func (s *Server) testReceiver(w http.ResponseWriter, r *http.Request) {
	err := parseForm(w, r, 0)
	var res siem.TestResult
	id := accord.ID(r.PathValue("id"))
	if err == nil {
		res, err = s.SIEM.Test(r.Context(), s.Now(), id)
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p, err := s.siemPageOf(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := p.Data.(*siemData)
	d.Tested, d.TestedID = &res, id
	s.render(w, r, http.StatusOK, "siem", p)
}
