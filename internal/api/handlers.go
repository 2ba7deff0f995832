package api

import (
	"context"
	_ "embed"
	"net"
	"net/http"
	"strconv"
	"time"

	"accord/internal/accord"
	"accord/internal/audit"
	"accord/internal/directory"
)

//go:embed openapi.yaml
var openapiYAML []byte

type listBody[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor,omitempty"`
}

func list[T any](items []T, next string) listBody[T] {
	if items == nil {
		items = []T{}
	}
	return listBody[T]{Items: items, NextCursor: next}
}

// pageOf reads ?limit= and ?cursor=.
func pageOf(r *http.Request) (accord.Page, error) {
	p := accord.Page{Cursor: r.URL.Query().Get("cursor")}
	if l := r.URL.Query().Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > accord.MaxLimit {
			return p, accord.FieldError("limit", "must be a whole number from 1 to %d", accord.MaxLimit)
		}
		p.Limit = n
	}
	return p, nil
}

// pathID reads an id from the path. Malformed ids are answered NotFound
// without a query, like ids of other tenants.
func pathID(r *http.Request, name string) (accord.ID, error) {
	v := r.PathValue(name)
	if !accord.ValidID(v) {
		return "", &accord.Error{Kind: accord.NotFound, Msg: "not found"}
	}
	return accord.ID(v), nil
}

func queryID(r *http.Request, name string) (*accord.ID, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return nil, nil
	}
	if !accord.ValidID(v) {
		return nil, accord.FieldError(name, "is not an id")
	}
	id := accord.ID(v)
	return &id, nil
}

// respond writes v as JSON, or the error.
func (s *Server) respond(w http.ResponseWriter, r *http.Request, status int, v any, err error) {
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if v == nil {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	writeJSON(w, status, v)
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// readyz answers 200 only when the database answers and its schema is the
// one this binary expects.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if err := s.DB.Ping(ctx); err != nil {
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "database unreachable"})
		return
	}
	st, err := s.DB.Schema(ctx)
	if err != nil || st.Current != st.Latest {
		writeJSON(w, http.StatusServiceUnavailable, map[string]any{"status": "migrations not current", "current": st.Current, "latest": st.Latest})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"status": "ready", "schema": st.Current})
}

func (s *Server) openapi(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/yaml")
	_, _ = w.Write(openapiYAML)
}

// --- sessions and tokens

type loginRequest struct {
	Email    string `json:"email"`
	Password string `json:"password"`
	// BreakGlass: a vendor administrator signs in with a password where
	// the organization requires single sign-on; audited as such.
	BreakGlass bool `json:"break_glass"`
}

func clientAddress(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	var in loginRequest
	if err := decode(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	now := s.Now()
	ctx := r.Context()
	// A session that existed before sign-in is ended, not reused: the new one
	// gets a fresh value (no session fixation).
	if c, err := r.Cookie(directory.SessionCookie); err == nil {
		if a, old, err := s.Directory.Authenticate(ctx, now, c.Value); err == nil {
			if err := s.Directory.Logout(accord.WithActor(ctx, a), now, old.ID); err != nil {
				s.writeError(w, r, err)
				return
			}
		}
	}
	if in.BreakGlass {
		ctx = directory.WithBreakGlass(ctx)
	}
	sess, secret, u, err := s.Directory.Login(ctx, now, in.Email, in.Password, clientAddress(r), r.UserAgent())
	if sf, ok := directory.NeedsSecondFactor(err); ok {
		writeJSON(w, http.StatusOK, map[string]any{"second_factor": "totp", "challenge": sf.Challenge, "expires_at": sf.ExpiresAt})
		return
	}
	if err != nil {
		s.writeLoginError(w, r, err)
		return
	}
	s.setSession(w, r, sess, secret)
	out := map[string]any{"user": u, "expires_at": sess.ExpiresAt}
	if sess.EnrolOnly {
		// The session may only enrol; the refusal names the rule.
		out["second_factor"], out["enrolment_required"] = "enrol", accord.Public(s.Directory.EnrolmentRefusal(ctx, u)).Msg
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	id, _ := r.Context().Value(sessionKey{}).(string)
	if id == "" {
		s.writeError(w, r, accord.Errorf(accord.Invalid, "API tokens are revoked with DELETE /api/v1/tokens/{id}, not by logging out"))
		return
	}
	if err := s.Directory.Logout(r.Context(), s.Now(), id); err != nil {
		s.writeError(w, r, err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: directory.SessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteLaxMode})
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) me(w http.ResponseWriter, r *http.Request) {
	u, err := s.Directory.Me(r.Context())
	s.respond(w, r, http.StatusOK, u, err)
}

type meUpdate struct {
	Name     *string `json:"name"`
	Locale   *string `json:"locale"`
	TimeZone *string `json:"time_zone"`
	Away     *bool   `json:"away"` // agents: round-robin passes them by
}

func (s *Server) updateMe(w http.ResponseWriter, r *http.Request) {
	var in meUpdate
	if err := decode(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	a, _ := accord.ActorFrom(r.Context())
	u, err := s.Directory.UpdateUser(r.Context(), s.Now(), a.UserID, directory.UserUpdate{Name: in.Name, Locale: in.Locale, TimeZone: in.TimeZone, Away: in.Away})
	s.respond(w, r, http.StatusOK, u, err)
}

type passwordChange struct {
	CurrentPassword string `json:"current_password"`
	Password        string `json:"password"`
}

func (s *Server) changePassword(w http.ResponseWriter, r *http.Request) {
	var in passwordChange
	if err := decode(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	a, _ := accord.ActorFrom(r.Context())
	s.respond(w, r, 0, nil, s.Directory.SetPassword(r.Context(), s.Now(), a.UserID, in.CurrentPassword, in.Password))
}

type passwordReset struct {
	Password string `json:"password"`
}

func (s *Server) resetPassword(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	var in passwordReset
	if err == nil {
		err = decode(w, r, &in)
	}
	if err == nil {
		err = s.Directory.SetPassword(r.Context(), s.Now(), id, "", in.Password)
	}
	s.respond(w, r, 0, nil, err)
}

func (s *Server) listSessions(w http.ResponseWriter, r *http.Request) {
	l, err := s.Directory.ListSessions(r.Context(), s.Now())
	s.respond(w, r, http.StatusOK, list(l, ""), err)
}

func (s *Server) listTokens(w http.ResponseWriter, r *http.Request) {
	l, err := s.Directory.ListTokens(r.Context())
	s.respond(w, r, http.StatusOK, list(l, ""), err)
}

type createdToken struct {
	directory.Token
	Value string `json:"token"`
}

func (s *Server) createToken(w http.ResponseWriter, r *http.Request) {
	var in directory.NewToken
	if err := decode(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	t, value, err := s.Directory.CreateToken(r.Context(), s.Now(), in)
	s.respond(w, r, http.StatusCreated, createdToken{t, value}, err)
}

func (s *Server) deleteToken(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err == nil {
		err = s.Directory.DeleteToken(r.Context(), s.Now(), id)
	}
	s.respond(w, r, 0, nil, err)
}

// --- organizations

func (s *Server) listOrganizations(w http.ResponseWriter, r *http.Request) {
	p, err := pageOf(r)
	var f directory.OrgFilter
	if k := directory.Kind(r.URL.Query().Get("kind")); k != "" {
		f.Kind = &k
	}
	if err == nil {
		f.PartnerID, err = queryID(r, "partner_id")
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	l, next, err := s.Directory.ListOrganizations(r.Context(), s.Now(), f, p)
	s.respond(w, r, http.StatusOK, list(l, next), err)
}

func (s *Server) createOrganization(w http.ResponseWriter, r *http.Request) {
	var in directory.NewOrganization
	if err := decode(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	o, err := s.Directory.CreateOrganization(r.Context(), s.Now(), in)
	s.respond(w, r, http.StatusCreated, o, err)
}

func (s *Server) getOrganization(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	var o directory.Organization
	if err == nil {
		o, err = s.Directory.GetOrganization(r.Context(), s.Now(), id)
	}
	s.respond(w, r, http.StatusOK, o, err)
}

func (s *Server) updateOrganization(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	var in directory.OrgUpdate
	if err == nil {
		err = decode(w, r, &in)
	}
	var o directory.Organization
	if err == nil {
		o, err = s.Directory.UpdateOrganization(r.Context(), s.Now(), id, in)
	}
	s.respond(w, r, http.StatusOK, o, err)
}

func (s *Server) listPartnerCustomers(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	p, perr := pageOf(r)
	if err == nil {
		err = perr
	}
	if err == nil {
		_, err = s.Directory.GetOrganization(r.Context(), s.Now(), id)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	l, next, err := s.Directory.ListOrganizations(r.Context(), s.Now(), directory.OrgFilter{PartnerID: &id}, p)
	s.respond(w, r, http.StatusOK, list(l, next), err)
}

func (s *Server) linkPartner(w http.ResponseWriter, r *http.Request) {
	s.partnerLink(w, r, s.Directory.LinkPartner)
}

func (s *Server) unlinkPartner(w http.ResponseWriter, r *http.Request) {
	s.partnerLink(w, r, s.Directory.UnlinkPartner)
}

func (s *Server) partnerLink(w http.ResponseWriter, r *http.Request, op func(ctx context.Context, now time.Time, partner, customer accord.ID) error) {
	id, err := pathID(r, "id")
	var cust accord.ID
	if err == nil {
		cust, err = pathID(r, "customer_id")
	}
	if err == nil {
		// Reading the partner first answers NotFound for ids outside the
		// actor's scope before any role check can reveal they exist.
		_, err = s.Directory.GetOrganization(r.Context(), s.Now(), id)
	}
	if err == nil {
		err = op(r.Context(), s.Now(), id, cust)
	}
	s.respond(w, r, 0, nil, err)
}

// --- users

func (s *Server) listUsers(w http.ResponseWriter, r *http.Request) {
	p, err := pageOf(r)
	var f directory.UserFilter
	if err == nil {
		f.OrgID, err = queryID(r, "org_id")
	}
	if role := accord.Role(r.URL.Query().Get("role")); role != "" {
		f.Role = &role
	}
	if v := r.URL.Query().Get("active"); v != "" && err == nil {
		b, perr := strconv.ParseBool(v)
		if perr != nil {
			err = accord.FieldError("active", "must be true or false")
		}
		f.Active = &b
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	l, next, err := s.Directory.ListUsers(r.Context(), s.Now(), f, p)
	s.respond(w, r, http.StatusOK, list(l, next), err)
}

func (s *Server) createUser(w http.ResponseWriter, r *http.Request) {
	var in directory.NewUser
	if err := decode(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	u, err := s.Directory.CreateUser(r.Context(), s.Now(), in)
	s.respond(w, r, http.StatusCreated, u, err)
}

func (s *Server) getUser(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	var u directory.User
	if err == nil {
		u, err = s.Directory.GetUser(r.Context(), s.Now(), id)
	}
	s.respond(w, r, http.StatusOK, u, err)
}

func (s *Server) updateUser(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	var in directory.UserUpdate
	if err == nil {
		err = decode(w, r, &in)
	}
	var u directory.User
	if err == nil {
		u, err = s.Directory.UpdateUser(r.Context(), s.Now(), id, in)
	}
	s.respond(w, r, http.StatusOK, u, err)
}

// unlockUser forgets the failed sign-ins on a user's account, from every
// address.
func (s *Server) unlockUser(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	n := 0
	if err == nil {
		n, err = s.Directory.Unlock(r.Context(), s.Now(), id)
	}
	s.respond(w, r, http.StatusOK, map[string]int{"addresses": n}, err)
}

func (s *Server) listCertifications(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	var l []directory.Certification
	if err == nil {
		l, err = s.Directory.ListCertifications(r.Context(), s.Now(), id)
	}
	s.respond(w, r, http.StatusOK, list(l, ""), err)
}

func (s *Server) createCertification(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	var in directory.NewCertification
	if err == nil {
		err = decode(w, r, &in)
	}
	var c directory.Certification
	if err == nil {
		c, err = s.Directory.CreateCertification(r.Context(), s.Now(), id, in)
	}
	s.respond(w, r, http.StatusCreated, c, err)
}

func (s *Server) deleteCertification(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err == nil {
		err = s.Directory.DeleteCertification(r.Context(), s.Now(), id)
	}
	s.respond(w, r, 0, nil, err)
}

// --- audit

func (s *Server) listAudit(w http.ResponseWriter, r *http.Request) {
	p, err := pageOf(r)
	var f audit.Filter
	if err == nil {
		f.OrgID, err = queryID(r, "org_id")
	}
	if err == nil {
		f.EntityID, err = queryID(r, "entity_id")
	}
	if t := r.URL.Query().Get("entity_type"); t != "" {
		f.EntityType = &t
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	l, next, err := s.Audit.List(r.Context(), f, p)
	s.respond(w, r, http.StatusOK, list(l, next), err)
}
