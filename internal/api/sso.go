package api

import (
	"net/http"

	"accord/internal/directory"
)

// An organization's identity provider for single sign-on (OpenID Connect):
// its administrators configure it, vendor administrators verify the
// e-mail domains it claims. The client secret is written, never returned.

func (s *Server) getIdentityProvider(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	var p directory.IdentityProvider
	if err == nil {
		p, err = s.Directory.GetIdentityProvider(r.Context(), s.Now(), id)
	}
	s.respond(w, r, http.StatusOK, p, err)
}

func (s *Server) putIdentityProvider(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	var in directory.ProviderInput
	if err == nil {
		err = decode(w, r, &in)
	}
	var p directory.IdentityProvider
	if err == nil {
		p, err = s.Directory.PutIdentityProvider(r.Context(), s.Now(), id, in)
	}
	s.respond(w, r, http.StatusOK, p, err)
}

func (s *Server) deleteIdentityProvider(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err == nil {
		err = s.Directory.DeleteIdentityProvider(r.Context(), s.Now(), id)
	}
	s.respond(w, r, http.StatusNoContent, nil, err)
}

type verifyDomainRequest struct {
	Domain string `json:"domain"`
}

func (s *Server) verifyDomain(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	var in verifyDomainRequest
	if err == nil {
		err = decode(w, r, &in)
	}
	var p directory.IdentityProvider
	if err == nil {
		p, err = s.Directory.VerifyDomain(r.Context(), s.Now(), id, in.Domain)
	}
	s.respond(w, r, http.StatusOK, p, err)
}
