package api

import (
	"net/http"

	"accord/internal/webhooks"
)

// --- webhooks: subscriptions of endpoints to events, and their deliveries

func (s *Server) listWebhooks(w http.ResponseWriter, r *http.Request) {
	l, err := s.Webhooks.List(r.Context())
	s.respond(w, r, http.StatusOK, list(l, ""), err)
}

func (s *Server) createWebhook(w http.ResponseWriter, r *http.Request) {
	var in webhooks.Input
	err := decode(w, r, &in)
	var out webhooks.WithSecret
	if err == nil {
		out, err = s.Webhooks.Create(r.Context(), s.Now(), in)
	}
	s.respond(w, r, http.StatusCreated, out, err)
}

func (s *Server) getWebhook(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	var out webhooks.Subscription
	if err == nil {
		out, err = s.Webhooks.Get(r.Context(), id)
	}
	s.respond(w, r, http.StatusOK, out, err)
}

func (s *Server) updateWebhook(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	var in webhooks.Input
	if err == nil {
		err = decode(w, r, &in)
	}
	var out webhooks.Subscription
	if err == nil {
		out, err = s.Webhooks.Update(r.Context(), s.Now(), id, in)
	}
	s.respond(w, r, http.StatusOK, out, err)
}

func (s *Server) deleteWebhook(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err == nil {
		err = s.Webhooks.Delete(r.Context(), s.Now(), id)
	}
	s.respond(w, r, 0, nil, err)
}

func (s *Server) rotateWebhookSecret(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	var out webhooks.WithSecret
	if err == nil {
		out, err = s.Webhooks.RotateSecret(r.Context(), s.Now(), id)
	}
	s.respond(w, r, http.StatusOK, out, err)
}

func (s *Server) testWebhook(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	var out webhooks.Delivery
	if err == nil {
		out, err = s.Webhooks.Test(r.Context(), s.Now(), id)
	}
	s.respond(w, r, http.StatusAccepted, out, err)
}

func (s *Server) listWebhookDeliveries(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	p, perr := pageOf(r)
	if err == nil {
		err = perr
	}
	var l []webhooks.Delivery
	var next string
	if err == nil {
		l, next, err = s.Webhooks.Deliveries(r.Context(), id, p)
	}
	s.respond(w, r, http.StatusOK, list(l, next), err)
}

func (s *Server) getWebhookDelivery(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	did, derr := pathID(r, "did")
	if err == nil {
		err = derr
	}
	var out webhooks.Logged
	if err == nil {
		out, err = s.Webhooks.Delivery(r.Context(), id, did)
	}
	s.respond(w, r, http.StatusOK, out, err)
}

func (s *Server) redeliverWebhook(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	did, derr := pathID(r, "did")
	if err == nil {
		err = derr
	}
	var out webhooks.Delivery
	if err == nil {
		out, err = s.Webhooks.Redeliver(r.Context(), s.Now(), id, did)
	}
	s.respond(w, r, http.StatusAccepted, out, err)
}
