package directory

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
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
//
// Guessing is slowed down where it comes from, so that it never locks the
// rightful user out: failures on one account from one address make that
// address wait before its next attempt on the account (Config.SlowAfter),
// while the same account signs in from anywhere else; each address also has
// a limit of failures on any accounts (Config.AddressFailures). Both are
// counted in the database, so every process sees the same counts, and each
// attempt is counted before the password is checked, so that parallel
// attempts cannot all pass a count read before any of them was recorded.
func (s *Service) Login(ctx context.Context, now time.Time, email, password, address, userAgent string) (Session, string, User, error) {
	const op = "directory.Login"
	now = now.UTC()
	account := EmailKey(email)
	if err := s.throttle(ctx, now, account, address); err != nil {
		return Session{}, "", User{}, accord.Wrap(op, err)
	}
	u, err := s.store.UserByEmail(ctx, account)
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
		known := &u
		if u.ID == "" {
			known = nil
		}
		if rerr := s.refused(ctx, now, SignInRefusal{Account: account, Address: address}, known); rerr != nil {
			return Session{}, "", User{}, accord.Wrap(op, rerr)
		}
		return Session{}, "", User{}, &accord.Error{Kind: accord.Unauthenticated, Op: op, Msg: "wrong e-mail address or password, or the account is inactive"}
	}
	method, err := s.passwordMethod(ctx, u)
	if err != nil {
		return Session{}, "", User{}, accord.Wrap(op, err)
	}
	// A user with an authenticator proves it before anything is forgiven,
	// so that a known password does not reset the count of wrong codes.
	if t, err := s.store.TOTP(ctx, u.ID); err == nil && t.ConfirmedAt != nil {
		return Session{}, "", User{}, s.secondStep(ctx, now, u, address, userAgent)
	} else if err != nil && !accord.IsKind(err, accord.NotFound) {
		return Session{}, "", User{}, accord.Wrap(op, err)
	}
	rule, err := s.RequiredRule(ctx, u)
	if err != nil {
		return Session{}, "", User{}, accord.Wrap(op, err)
	}
	if err := s.forgive(ctx, now, account, address); err != nil {
		return Session{}, "", User{}, accord.Wrap(op, err)
	}
	secret, sess := s.newSession(u, now, address, userAgent)
	// Without the authenticator its role requires, the session may only
	// enrol one.
	sess.EnrolOnly = rule != ""
	a := actorOf(u, accord.RequestID(ctx))
	ch := audit.Changes{{Field: "address", After: address}, {Field: "method", After: method}}
	if err := s.store.CreateSession(ctx, sess, audit.New(a, now, u.OrgID, "session.create", "user", u.ID, ch)); err != nil {
		return Session{}, "", User{}, accord.Wrap(op, err)
	}
	return sess, secret, u, nil
}

func (s *Service) newSession(u User, now time.Time, address, userAgent string) (string, Session) {
	secret := randomSecret()
	return secret, Session{
		ID: hashSecret(secret), UserID: u.ID, OrgID: u.OrgID, CreatedAt: now, ExpiresAt: now.Add(s.cfg.SessionLifetime),
		LastSeenAt: now, Address: address, UserAgent: truncate(strings.ToValidUTF8(userAgent, ""), 300),
	}
}

// throttle counts an attempt on account from address (a password or a
// second factor) as a failure until it is proven right, and refuses it
// when the address must wait.
func (s *Service) throttle(ctx context.Context, now time.Time, account, address string) error {
	n, start, err := s.store.RecordLoginAttempt(ctx, "address:"+address, now, now.Add(-s.cfg.Window))
	if err != nil {
		return err
	}
	if n > s.cfg.AddressFailures {
		err := tooMany(start.Add(s.cfg.Window).Sub(now))
		wait, _ := RetryAfter(err)
		if rerr := s.refused(ctx, now, SignInRefusal{Throttled: true, Account: account, Address: address, Wait: wait}, nil); rerr != nil {
			return rerr
		}
		return err
	}
	err = s.store.ThrottleLogin(ctx, account, address, now, func(t Throttle) (Throttle, error) {
		if now.Before(t.Next) {
			return t, tooMany(t.Next.Sub(now))
		}
		// The attempt counts as a failure until it is proven right;
		// a success clears the count (forgive).
		if t.LastFailure.Before(now.Add(-s.cfg.Forget)) {
			t.Failures = 0
		}
		t.Failures++
		t.LastFailure, t.Next = now, now.Add(s.cfg.slowdown(t.Failures))
		return t, nil
	})
	if wait, ok := RetryAfter(err); ok {
		if rerr := s.refused(ctx, now, SignInRefusal{Throttled: true, Account: account, Address: address, Wait: wait}, nil); rerr != nil {
			return rerr
		}
	}
	return err
}

// forgive clears the counts of a sign-in that succeeded.
func (s *Service) forgive(ctx context.Context, now time.Time, account, address string) error {
	if err := s.store.ForgetThrottle(ctx, account, address, now.Add(-s.cfg.Forget)); err != nil {
		return err
	}
	return s.store.ForgiveLoginAttempt(ctx, "address:"+address)
}

// slowdown is how long an address waits before its next attempt on an
// account it has failed n times: nothing before SlowAfter failures, then
// SlowFirst, doubled with each failure, at most SlowMax.
func (c Config) slowdown(n int) time.Duration {
	if n < c.SlowAfter {
		return 0
	}
	d := c.SlowFirst
	for i := c.SlowAfter; i < n && d < c.SlowMax; i++ {
		d *= 2
	}
	return min(d, c.SlowMax)
}

// Throttled is the cause of a refused sign-in attempt: how long the client
// waits before its next one is checked (HTTP's Retry-After).
type Throttled struct{ Wait time.Duration }

func (t *Throttled) Error() string { return fmt.Sprintf("retry after %s", t.Wait) }

// RetryAfter says how long to wait after err, when err is a refusal for
// too many attempts.
func RetryAfter(err error) (time.Duration, bool) {
	var t *Throttled
	if errors.As(err, &t) {
		return t.Wait, true
	}
	return 0, false
}

func tooMany(retry time.Duration) error {
	secs := int((retry + time.Second - 1) / time.Second)
	if secs < 1 {
		secs = 1
	}
	return &accord.Error{Kind: accord.TooManyRequests, Msg: fmt.Sprintf("too many failed sign-ins; try again in %d seconds", secs),
		Err: &Throttled{Wait: time.Duration(secs) * time.Second}}
}

// Unlock forgets the failed sign-ins on a user's account from every
// address, so that an address slowed down may try again at once. Vendor
// administrators (and the CLI) unlock; it is audited. It returns how many
// addresses were waiting.
func (s *Service) Unlock(ctx context.Context, now time.Time, id accord.ID) (int, error) {
	const op = "directory.Unlock"
	a, err := actor(ctx)
	if err != nil {
		return 0, err
	}
	u, err := s.GetUser(ctx, now, id)
	if err != nil {
		return 0, err
	}
	if err := requireAdmin(a, op); err != nil {
		return 0, err
	}
	n, err := s.store.Unlock(ctx, EmailKey(u.Email), audit.New(a, now, u.OrgID, "user.unlock", "user", u.ID, nil))
	return n, accord.Wrap(op, err)
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
	if err := s.recentSecondFactor(ctx, now, a); err != nil {
		return Token{}, "", accord.Wrap(op, err)
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
