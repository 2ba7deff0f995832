package directory

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"accord/internal/accord"
	"accord/internal/audit"
)

// SessionCookie names the cookie a browser keeps its session secret in; the
// API and the web pages read the same one, so one sign-in serves both.
const SessionCookie = "accord_session"

// tokenPrefix marks Accord API tokens, so that secret scanners can find
// leaked ones.
const tokenPrefix = "acc_"

func randomSecret() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func hashSecret(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// Login checks an e-mail and password from a client address and opens a
// session. It returns the session and the cookie value, which is not stored.
// Failed attempts are counted per account and per address in the database,
// so every process sees the same counts.
func (s *Service) Login(ctx context.Context, now time.Time, email, password, address, userAgent string) (Session, string, User, error) {
	const op = "directory.Login"
	now = now.UTC()
	since := now.Add(-s.cfg.Window)
	acctKey, addrKey := "account:"+EmailKey(email), "address:"+address
	// Every attempt is counted before the password is checked, in one
	// atomic statement per key, so that parallel attempts cannot all pass a
	// count read before any of them was recorded. A success takes its count
	// back below.
	for _, k := range []struct {
		key   string
		limit int
	}{{acctKey, s.cfg.AccountFailures}, {addrKey, s.cfg.AddressFailures}} {
		n, start, err := s.store.RecordLoginAttempt(ctx, k.key, now, since)
		if err != nil {
			return Session{}, "", User{}, accord.Wrap(op, err)
		}
		if n > k.limit {
			return Session{}, "", User{}, tooMany(start.Add(s.cfg.Window).Sub(now))
		}
	}
	u, err := s.store.UserByEmail(ctx, EmailKey(email))
	if err != nil && !accord.IsKind(err, accord.NotFound) {
		return Session{}, "", User{}, accord.Wrap(op, err)
	}
	hash := u.PasswordHash
	if hash == "" {
		// No such user, or one without a password yet: check against a
		// dummy so that the answer takes as long as a wrong password.
		hash = s.dummyHash()
	}
	if !checkPassword(hash, password) || u.PasswordHash == "" || !u.Active {
		return Session{}, "", User{}, &accord.Error{Kind: accord.Unauthenticated, Op: op, Msg: "wrong e-mail address or password, or the account is inactive"}
	}
	if err := s.store.ClearLoginAttempts(ctx, acctKey); err != nil {
		return Session{}, "", User{}, accord.Wrap(op, err)
	}
	if err := s.store.ForgiveLoginAttempt(ctx, addrKey); err != nil {
		return Session{}, "", User{}, accord.Wrap(op, err)
	}
	secret := randomSecret()
	sess := Session{
		ID: hashSecret(secret), UserID: u.ID, OrgID: u.OrgID, CreatedAt: now, ExpiresAt: now.Add(s.cfg.SessionLifetime),
		LastSeenAt: now, Address: address, UserAgent: truncate(strings.ToValidUTF8(userAgent, ""), 300),
	}
	a := actorOf(u, accord.RequestID(ctx))
	ch := audit.Changes{{Field: "address", After: address}}
	if err := s.store.CreateSession(ctx, sess, audit.New(a, now, u.OrgID, "session.create", "user", u.ID, ch)); err != nil {
		return Session{}, "", User{}, accord.Wrap(op, err)
	}
	return sess, secret, u, nil
}

func tooMany(retry time.Duration) error {
	secs := int(retry.Round(time.Second) / time.Second)
	if secs < 1 {
		secs = 1
	}
	return &accord.Error{Kind: accord.TooManyRequests, Msg: fmt.Sprintf("too many failed sign-ins; try again in %d seconds", secs)}
}

// truncate cuts s to at most n bytes without splitting a character.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// actorOf is the actor for a signed-in user.
func actorOf(u User, requestID string) accord.Actor {
	return accord.Actor{UserID: u.ID, OrgID: u.OrgID, Role: u.Role, Name: u.Name, RequestID: requestID, CustomerAdmin: u.CustomerAdmin}
}

// Actor is u acting in person, as when a reply to a notification e-mail is
// proven to come from u.
func (u User) Actor() accord.Actor { return actorOf(u, "") }

// Authenticate resolves a session cookie's value to its user.
func (s *Service) Authenticate(ctx context.Context, now time.Time, cookie string) (accord.Actor, Session, error) {
	unauth := &accord.Error{Kind: accord.Unauthenticated, Msg: "your session has ended; sign in again"}
	if cookie == "" {
		return accord.Actor{}, Session{}, unauth
	}
	sess, err := s.store.Session(ctx, hashSecret(cookie), now.UTC())
	if accord.IsKind(err, accord.NotFound) {
		return accord.Actor{}, Session{}, unauth
	} else if err != nil {
		return accord.Actor{}, Session{}, err
	}
	u, err := s.activeUser(ctx, sess.UserID)
	if err != nil {
		return accord.Actor{}, Session{}, err
	}
	return actorOf(u, ""), sess, nil
}

// AuthenticateToken resolves an API token (from an Authorization: Bearer
// header) to its user.
func (s *Service) AuthenticateToken(ctx context.Context, now time.Time, value string) (accord.Actor, error) {
	unauth := &accord.Error{Kind: accord.Unauthenticated, Msg: "the API token is unknown, revoked or expired"}
	if !strings.HasPrefix(value, tokenPrefix) {
		return accord.Actor{}, unauth
	}
	t, err := s.store.TokenByHash(ctx, hashSecret(value), now.UTC())
	if accord.IsKind(err, accord.NotFound) {
		return accord.Actor{}, unauth
	} else if err != nil {
		return accord.Actor{}, err
	}
	u, err := s.activeUser(ctx, t.UserID)
	if err != nil {
		return accord.Actor{}, err
	}
	return actorOf(u, ""), nil
}

func (s *Service) activeUser(ctx context.Context, id accord.ID) (User, error) {
	u, err := s.store.GetUser(ctx, accord.Scope{All: true}, id)
	if err != nil && !accord.IsKind(err, accord.NotFound) {
		return User{}, err // a database failure is not a signed-out user
	}
	if err != nil || !u.Active {
		return User{}, &accord.Error{Kind: accord.Unauthenticated, Msg: "the account is inactive"}
	}
	return u, nil
}

// Me returns the acting user.
func (s *Service) Me(ctx context.Context) (User, error) {
	a, err := actor(ctx)
	if err != nil {
		return User{}, err
	}
	return s.store.GetUser(ctx, accord.Scope{All: true}, a.UserID)
}

// Logout ends the session whose id is given.
func (s *Service) Logout(ctx context.Context, now time.Time, sessionID string) error {
	a, err := actor(ctx)
	if err != nil {
		return err
	}
	return s.store.DeleteSession(ctx, a.UserID, sessionID, audit.New(a, now, a.OrgID, "session.delete", "user", a.UserID, nil))
}

// ListSessions lists the acting user's open sessions.
func (s *Service) ListSessions(ctx context.Context, now time.Time) ([]Session, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	return s.store.ListSessions(ctx, a.UserID, now.UTC())
}

// NewToken is the input to CreateToken.
type NewToken struct {
	Name      string `json:"name"`
	ExpiresIn int    `json:"expires_in_days"`
}

// CreateToken makes an API token for the acting user and returns its value,
// which is shown this once.
func (s *Service) CreateToken(ctx context.Context, now time.Time, in NewToken) (Token, string, error) {
	const op = "directory.CreateToken"
	a, err := actor(ctx)
	if err != nil {
		return Token{}, "", err
	}
	if a.System {
		return Token{}, "", forbidden(op, "tokens belong to users")
	}
	name, err := checkName("name", in.Name)
	if err != nil {
		return Token{}, "", err
	}
	days := in.ExpiresIn
	if days == 0 {
		days = 90
	}
	life := time.Duration(days) * 24 * time.Hour
	if days < 0 || life > s.cfg.MaxTokenLife {
		return Token{}, "", accord.FieldError("expires_in_days", "must be between 1 and %d", int(s.cfg.MaxTokenLife/(24*time.Hour)))
	}
	value := tokenPrefix + randomSecret()
	t := Token{
		ID: accord.NewID("tok"), OrgID: a.OrgID, UserID: a.UserID, Name: name, Hint: value[len(value)-4:],
		CreatedAt: now.UTC(), ExpiresAt: now.UTC().Add(life), Hash: hashSecret(value),
	}
	ch := audit.Changes{{Field: "name", After: name}, {Field: "expires_at", After: t.ExpiresAt}}
	if err := s.store.CreateToken(ctx, t, audit.New(a, now, a.OrgID, "token.create", "token", t.ID, ch)); err != nil {
		return Token{}, "", accord.Wrap(op, err)
	}
	return t, value, nil
}

// ListTokens lists the acting user's tokens.
func (s *Service) ListTokens(ctx context.Context) ([]Token, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	return s.store.ListTokens(ctx, a.UserID)
}

// DeleteToken revokes one of the acting user's tokens.
func (s *Service) DeleteToken(ctx context.Context, now time.Time, id accord.ID) error {
	a, err := actor(ctx)
	if err != nil {
		return err
	}
	return s.store.DeleteToken(ctx, a.UserID, id, audit.New(a, now, a.OrgID, "token.delete", "token", id, nil))
}
