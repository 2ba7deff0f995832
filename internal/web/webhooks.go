package web

import (
	"net/http"
	"slices"
	"strings"

	"accord/internal/accord"
	"accord/internal/webhooks"
)

// webhookRoutes are the administrators' webhook pages: the subscriptions
// with a form for a new one, and each subscription with its delivery log.
func (s *Server) webhookRoutes() []route {
	return []route{
		{"GET", "/webhooks", s.webhooksPage, false},
		{"POST", "/webhooks", s.createWebhook, false},
		{"GET", "/webhooks/{id}", s.webhookPage, false},
		{"POST", "/webhooks/{id}", s.updateWebhook, false},
		{"POST", "/webhooks/{id}/rotate", s.rotateWebhook, false},
		{"POST", "/webhooks/{id}/test", s.testWebhook, false},
		{"POST", "/webhooks/{id}/delete", s.deleteWebhook, false},
		{"POST", "/webhooks/{id}/deliveries/{did}/redeliver", s.redeliverWebhook, false},
	}
}

type webhooksData struct {
	Subscriptions []webhooks.Subscription
	Types         []webhooks.Type
	// Sub is the subscription of the detail page, with its deliveries
	// and their logs; Secret is shown once, after creation or rotation.
	Sub        *webhooks.Subscription
	Deliveries []webhooks.Logged
	Secret     string
}

// Has reports whether the subscription of the page receives t.
func (d *webhooksData) Has(t webhooks.Type) bool {
	return d.Sub != nil && slices.Contains(d.Sub.Types, t)
}

func (s *Server) webhooksPageOf(r *http.Request) (*page, error) {
	d := &webhooksData{Types: webhooks.Types}
	p := s.newPage(r, "webhooks.title", d)
	p.Path = "/webhooks"
	l, err := s.Webhooks.List(r.Context())
	d.Subscriptions = l
	return p, err
}

func (s *Server) webhooksPage(w http.ResponseWriter, r *http.Request) {
	p, err := s.webhooksPageOf(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "webhooks", p)
}

// webhookInput reads the subscription form.
func webhookInput(r *http.Request) webhooks.Input {
	f := r.PostForm
	u, desc := strings.TrimSpace(f.Get("url")), f.Get("description")
	types := []webhooks.Type{}
	for _, t := range f["types"] {
		types = append(types, webhooks.Type(t))
	}
	enabled := f.Get("enabled") != ""
	return webhooks.Input{URL: &u, Description: &desc, Types: &types, Enabled: &enabled}
}

func (s *Server) createWebhook(w http.ResponseWriter, r *http.Request) {
	err := parseForm(w, r, 0)
	var sub webhooks.WithSecret
	if err == nil {
		in := webhookInput(r)
		on := true
		in.Enabled = &on
		sub, err = s.Webhooks.Create(r.Context(), s.Now(), in)
	}
	if err != nil {
		p, perr := s.webhooksPageOf(r)
		if perr != nil {
			s.fail(w, r, perr)
			return
		}
		s.failForm(w, r, err, "webhooks", p)
		return
	}
	// The secret is shown once, on this answer: it is not stored where a
	// page could read it again.
	s.showWebhook(w, r, sub.ID, sub.Secret, "webhooks.flash.created")
}

// showWebhook renders a subscription's page, with its secret when one was
// just made.
func (s *Server) showWebhook(w http.ResponseWriter, r *http.Request, id accord.ID, secret, flash string) {
	sub, err := s.Webhooks.Get(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := &webhooksData{Types: webhooks.Types, Sub: &sub, Secret: secret}
	p := s.newPage(r, "webhooks.subscription", d)
	p.Path = "/webhooks"
	if flash != "" {
		p.Flash = flash
	}
	l, _, err := s.Webhooks.Deliveries(r.Context(), id, accord.Page{Limit: 20})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	for _, dl := range l {
		logged, err := s.Webhooks.Delivery(r.Context(), id, dl.ID)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		d.Deliveries = append(d.Deliveries, logged)
	}
	s.render(w, r, http.StatusOK, "webhook", p)
}

func (s *Server) webhookPage(w http.ResponseWriter, r *http.Request) {
	s.showWebhook(w, r, accord.ID(r.PathValue("id")), "", "")
}

func (s *Server) updateWebhook(w http.ResponseWriter, r *http.Request) {
	id := accord.ID(r.PathValue("id"))
	err := parseForm(w, r, 0)
	if err == nil {
		_, err = s.Webhooks.Update(r.Context(), s.Now(), id, webhookInput(r))
	}
	if err != nil && accord.KindOf(err) == accord.Invalid {
		sub, gerr := s.Webhooks.Get(r.Context(), id)
		if gerr != nil {
			s.fail(w, r, gerr)
			return
		}
		p := s.newPage(r, "webhooks.subscription", &webhooksData{Types: webhooks.Types, Sub: &sub})
		s.failForm(w, r, err, "webhook", p)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.done(w, r, "/webhooks/"+string(id), "webhooks.flash.saved")
}

func (s *Server) rotateWebhook(w http.ResponseWriter, r *http.Request) {
	sub, err := s.Webhooks.RotateSecret(r.Context(), s.Now(), accord.ID(r.PathValue("id")))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.showWebhook(w, r, sub.ID, sub.Secret, "webhooks.flash.rotated")
}

func (s *Server) testWebhook(w http.ResponseWriter, r *http.Request) {
	id := accord.ID(r.PathValue("id"))
	if _, err := s.Webhooks.Test(r.Context(), s.Now(), id); err != nil {
		s.fail(w, r, err)
		return
	}
	s.done(w, r, "/webhooks/"+string(id), "webhooks.flash.queued")
}

func (s *Server) deleteWebhook(w http.ResponseWriter, r *http.Request) {
	if err := s.Webhooks.Delete(r.Context(), s.Now(), accord.ID(r.PathValue("id"))); err != nil {
		s.fail(w, r, err)
		return
	}
	s.done(w, r, "/webhooks", "webhooks.flash.deleted")
}

func (s *Server) redeliverWebhook(w http.ResponseWriter, r *http.Request) {
	id := accord.ID(r.PathValue("id"))
	if _, err := s.Webhooks.Redeliver(r.Context(), s.Now(), id, accord.ID(r.PathValue("did"))); err != nil {
		s.fail(w, r, err)
		return
	}
	s.done(w, r, "/webhooks/"+string(id), "webhooks.flash.queued")
}
