package api

import (
	"net/http"
	"strconv"
	"time"

	"accord/internal/directory"
)

// --- single-use links: password resets and invitations

type resetRequest struct {
	Email string `json:"email"`
}

// resetRequested is the answer to every well-formed reset request, whether
// anyone has the address or not.
var resetRequested = map[string]string{"message": "if an account has this address, a link to choose a new password is on its way; it works once, for one hour"}

func (s *Server) requestPasswordReset(w http.ResponseWriter, r *http.Request) {
	var in resetRequest
	err := decode(w, r, &in)
	if err == nil {
		err = s.Directory.RequestReset(r.Context(), s.Now(), in.Email, clientAddress(r))
	}
	if wait, ok := directory.RetryAfter(err); ok {
		w.Header().Set("Retry-After", strconv.Itoa(int(wait/time.Second)))
	}
	s.respond(w, r, http.StatusAccepted, resetRequested, err)
}

// linkUse is a link's token, from the mail, and the password chosen.
type linkUse struct {
	Token    string `json:"token"`
	Password string `json:"password"`
}

func (s *Server) completePasswordReset(w http.ResponseWriter, r *http.Request) {
	s.useLink(w, r, directory.PasswordReset)
}

func (s *Server) acceptInvitation(w http.ResponseWriter, r *http.Request) {
	s.useLink(w, r, directory.Invitation)
}

// useLink sets the password a link was mailed for; the token travels in
// the body, not the path, so that request logs never hold it.
func (s *Server) useLink(w http.ResponseWriter, r *http.Request, p directory.Purpose) {
	var in linkUse
	err := decode(w, r, &in)
	if err == nil {
		_, err = s.Directory.UseLink(r.Context(), s.Now(), p, in.Token, in.Password)
	}
	s.respond(w, r, 0, nil, err)
}

func (s *Server) inviteUser(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err == nil {
		err = s.Directory.Invite(r.Context(), s.Now(), id)
	}
	s.respond(w, r, 0, nil, err)
}
