package directory

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base32"
	"errors"
	"image/png"
	"slices"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"accord/internal/accord"
	"accord/internal/audit"
)

// TOTP is a user's authenticator (RFC 6238: six digits, 30-second steps,
// HMAC-SHA1, which every authenticator app reads). It is active once
// ConfirmedAt is set; LastStep is the step of the last code accepted, so
// that no code is accepted twice.
type TOTP struct {
	UserID      accord.ID
	OrgID       accord.ID
	Secret      string // base32, as in the otpauth URI
	CreatedAt   time.Time
	ConfirmedAt *time.Time
	LastStep    int64
}

// Challenge is a sign-in whose password was right, waiting for the second
// factor. ID is the hash of the value handed to the client.
type Challenge struct {
	ID        string
	UserID    accord.ID
	OrgID     accord.ID
	Address   string
	UserAgent string
	CreatedAt time.Time
	ExpiresAt time.Time
}

// TOTPChange is what a proven second factor does, in the transaction that
// checks it.
type TOTPChange struct {
	Confirm     bool      // the enrolment becomes active
	Remove      bool      // two-factor sign-in is turned off
	Recovery    []string  // hashes replacing the user's recovery codes
	UseRecovery string    // hash of the recovery code spent instead of a code
	Challenge   string    // id of the sign-in challenge consumed
	Session     *Session  // the session the sign-in opens
	Verified    string    // id of the session that proved the factor
	Now         time.Time // when the factor was proven
}

// TOTPStore is the part of Store for two-factor sign-in.
type TOTPStore interface {
	// TOTP returns the user's enrolment, active or not; NotFound without.
	TOTP(ctx context.Context, userID accord.ID) (TOTP, error)
	// BeginTOTP stores t in place of the user's unconfirmed enrolment;
	// Conflict when an active one exists.
	BeginTOTP(ctx context.Context, t TOTP, ev audit.Event) error
	// ChangeTOTP locks the user's enrolment (NotFound without one), spends
	// ch.UseRecovery (NotFound when unknown or used), hands the enrolment
	// to decide, stores what it returns and applies ch, with evs, in one
	// transaction; a consumed challenge that is gone is NotFound.
	ChangeTOTP(ctx context.Context, userID accord.ID, decide func(TOTP) (TOTP, error), ch TOTPChange, evs ...audit.Event) error
	// RecoveryCodesLeft counts the user's unused recovery codes.
	RecoveryCodesLeft(ctx context.Context, userID accord.ID) (int, error)
	CreateChallenge(ctx context.Context, c Challenge, ev audit.Event) error
	// Challenge returns an unexpired challenge by id (its hash).
	Challenge(ctx context.Context, id string, now time.Time) (Challenge, error)
	// TOTPPolicy returns the stored rules, by name.
	TOTPPolicy(ctx context.Context) (map[string]bool, error)
	SetTOTPPolicy(ctx context.Context, orgID accord.ID, rule string, required bool, now time.Time, ev audit.Event) error
}

// TOTPRules name who a requirement of two-factor sign-in applies to: the
// roles, and customer_admin for the customer contacts who administer their
// organization.
var TOTPRules = []string{"admin", "agent", "auditor", "partner_agent", "customer_contact", "customer_admin"}

const (
	totpPeriod     = 30
	totpIssuer     = "Accord"
	recoveryCodes  = 10
	challengeLife  = 5 * time.Minute
	recentFactor   = 10 * time.Minute
	recoveryLength = 16 // base32 characters: 80 random bits
)

var totpOpts = totp.ValidateOpts{Period: totpPeriod, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

// SecondFactor is why Login answered without a session: the password was
// right and the user signs in with a code next, quoting Challenge.
type SecondFactor struct {
	Challenge string
	ExpiresAt time.Time
}

func (*SecondFactor) Error() string { return "a second factor is needed" }

// NeedsSecondFactor returns the challenge when err is Login asking for the
// second step.
func NeedsSecondFactor(err error) (*SecondFactor, bool) {
	var sf *SecondFactor
	ok := errors.As(err, &sf)
	return sf, ok
}

type sessionKey struct{}

// WithSession records the session a request came with, for the rules that
// look at it (a recent second factor to create a token).
func WithSession(ctx context.Context, s Session) context.Context {
	return context.WithValue(ctx, sessionKey{}, s)
}

func sessionOf(ctx context.Context) (Session, bool) {
	s, ok := ctx.Value(sessionKey{}).(Session)
	return s, ok && s.ID != ""
}

// rulesOf names the rules that apply to u.
func rulesOf(u User) []string {
	r := []string{string(u.Role)}
	if u.CustomerAdmin {
		r = append(r, "customer_admin")
	}
	return r
}

// RequiredRule names the rule that makes u sign in with a second factor,
// or "" when none does.
func (s *Service) RequiredRule(ctx context.Context, u User) (string, error) {
	p, err := s.store.TOTPPolicy(ctx)
	if err != nil {
		return "", err
	}
	for _, r := range rulesOf(u) {
		req, ok := p[r]
		if !ok {
			req = slices.Contains(s.cfg.RequireTOTP, r)
		}
		if req {
			return r, nil
		}
	}
	return "", nil
}

// EnrolmentRequired is the error for a session that may only enrol.
func EnrolmentRequired(rule string) error {
	return &accord.Error{Kind: accord.Forbidden, Msg: "two-factor sign-in is required for your role (rule " + rule +
		"): enrol an authenticator at /account/security first", Details: map[string]string{"rule": "totp_required:" + rule}}
}

// TOTPRule is one rule of the policy as it stands.
type TOTPRule struct {
	Rule     string `json:"rule"`
	Required bool   `json:"required"`
}

// TOTPPolicy lists every rule; vendor staff read it.
func (s *Service) TOTPPolicy(ctx context.Context) ([]TOTPRule, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	if !a.IsVendor() {
		return nil, forbidden("directory.TOTPPolicy", "only vendor staff may read the two-factor policy")
	}
	p, err := s.store.TOTPPolicy(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]TOTPRule, 0, len(TOTPRules))
	for _, r := range TOTPRules {
		req, ok := p[r]
		if !ok {
			req = slices.Contains(s.cfg.RequireTOTP, r)
		}
		out = append(out, TOTPRule{Rule: r, Required: req})
	}
	return out, nil
}

// SetTOTPPolicy requires (or stops requiring) a second factor for rule;
// vendor administrators decide.
func (s *Service) SetTOTPPolicy(ctx context.Context, now time.Time, rule string, required bool) error {
	const op = "directory.SetTOTPPolicy"
	a, err := actor(ctx)
	if err != nil {
		return err
	}
	if err := requireAdmin(a, op); err != nil {
		return err
	}
	if !slices.Contains(TOTPRules, rule) {
		return accord.FieldError("rule", "must be one of %s", strings.Join(TOTPRules, ", "))
	}
	kind := KindVendor
	vendors, _, err := s.store.ListOrganizations(ctx, accord.Scope{All: true}, OrgFilter{Kind: &kind}, accord.Page{Limit: 1})
	if err != nil {
		return accord.Wrap(op, err)
	}
	if len(vendors) == 0 {
		return accord.Errorf(accord.Conflict, "there is no vendor organization yet")
	}
	ev := audit.New(a, now, vendors[0].ID, "totp_policy.set", "totp_policy", accord.ID(rule), audit.Changes{{Field: "required", After: required}})
	return accord.Wrap(op, s.store.SetTOTPPolicy(ctx, vendors[0].ID, rule, required, now.UTC(), ev))
}

// TOTPStatus is how the acting user's two-factor sign-in stands.
type TOTPStatus struct {
	Enabled       bool       `json:"enabled"`
	Pending       bool       `json:"pending"` // enrolment begun, not confirmed
	ConfirmedAt   *time.Time `json:"confirmed_at"`
	RecoveryLeft  int        `json:"recovery_codes_left"`
	RequiredBy    string     `json:"required_by"` // the rule requiring it, or ""
	SecondFactor  *time.Time `json:"second_factor_at"`
	SessionEnrols bool       `json:"enrol_only"`
}

// MyTOTP tells the acting user how their two-factor sign-in stands.
func (s *Service) MyTOTP(ctx context.Context) (TOTPStatus, error) {
	u, err := s.Me(ctx)
	if err != nil {
		return TOTPStatus{}, err
	}
	var st TOTPStatus
	if st.RequiredBy, err = s.RequiredRule(ctx, u); err != nil {
		return TOTPStatus{}, err
	}
	if sess, ok := sessionOf(ctx); ok {
		st.SecondFactor, st.SessionEnrols = sess.SecondFactorAt, sess.EnrolOnly
	}
	t, err := s.store.TOTP(ctx, u.ID)
	if accord.IsKind(err, accord.NotFound) {
		return st, nil
	} else if err != nil {
		return TOTPStatus{}, err
	}
	st.Enabled, st.Pending, st.ConfirmedAt = t.ConfirmedAt != nil, t.ConfirmedAt == nil, t.ConfirmedAt
	if st.RecoveryLeft, err = s.store.RecoveryCodesLeft(ctx, u.ID); err != nil {
		return TOTPStatus{}, err
	}
	return st, nil
}

// Enrolment is a new secret, shown to the user to scan.
type Enrolment struct {
	Secret string `json:"secret"`
	URI    string `json:"otpauth_uri"`
	QR     []byte `json:"qr_png"` // the URI as a PNG QR code
}

// BeginTOTP makes a new secret for the acting user; it works once a code
// from it confirms it (ConfirmTOTP). A pending one is replaced.
func (s *Service) BeginTOTP(ctx context.Context, now time.Time) (Enrolment, error) {
	const op = "directory.BeginTOTP"
	u, a, err := s.me(ctx, op)
	if err != nil {
		return Enrolment{}, err
	}
	key, err := totp.Generate(totp.GenerateOpts{Issuer: totpIssuer, AccountName: u.Email, Period: totpPeriod,
		Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		return Enrolment{}, accord.Wrap(op, err)
	}
	img, err := key.Image(240, 240)
	if err != nil {
		return Enrolment{}, accord.Wrap(op, err)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return Enrolment{}, accord.Wrap(op, err)
	}
	t := TOTP{UserID: u.ID, OrgID: u.OrgID, Secret: key.Secret(), CreatedAt: now.UTC()}
	if err := s.store.BeginTOTP(ctx, t, audit.New(a, now, u.OrgID, "user.totp_begin", "user", u.ID, nil)); err != nil {
		return Enrolment{}, accord.Wrap(op, err)
	}
	return Enrolment{Secret: key.Secret(), URI: key.URL(), QR: buf.Bytes()}, nil
}

// ConfirmTOTP activates the acting user's pending enrolment with a current
// code from it, and returns the ten recovery codes, shown this once. The
// session it is done in counts as having proven a second factor.
func (s *Service) ConfirmTOTP(ctx context.Context, now time.Time, code string) ([]string, error) {
	const op = "directory.ConfirmTOTP"
	codes, hashes := newRecoveryCodes()
	err := s.withCode(ctx, now, op, code, false, func(t TOTP) error {
		if t.ConfirmedAt != nil {
			return accord.Errorf(accord.Conflict, "two-factor sign-in is already on")
		}
		return nil
	}, TOTPChange{Confirm: true, Recovery: hashes}, "user.totp_enable")
	if err != nil {
		return nil, err
	}
	return codes, nil
}

// DisableTOTP turns the acting user's two-factor sign-in off, with a
// current code (or a recovery code).
func (s *Service) DisableTOTP(ctx context.Context, now time.Time, code string) error {
	return s.withCode(ctx, now, "directory.DisableTOTP", code, true, nil, TOTPChange{Remove: true}, "user.totp_disable")
}

// RegenerateRecoveryCodes replaces the acting user's recovery codes, with
// a current code, and returns the new ones, shown this once.
func (s *Service) RegenerateRecoveryCodes(ctx context.Context, now time.Time, code string) ([]string, error) {
	codes, hashes := newRecoveryCodes()
	if err := s.withCode(ctx, now, "directory.RegenerateRecoveryCodes", code, true, nil, TOTPChange{Recovery: hashes}, "user.totp_recovery_regenerate"); err != nil {
		return nil, err
	}
	return codes, nil
}

// me is the acting user, managing their own two-factor sign-in: only from
// a signed-in session, so that a leaked API token can neither turn it off
// nor enrol an authenticator of its own.
func (s *Service) me(ctx context.Context, op string) (User, accord.Actor, error) {
	a, err := actor(ctx)
	if err != nil {
		return User{}, a, err
	}
	if a.System {
		return User{}, a, forbidden(op, "two-factor sign-in belongs to users")
	}
	if _, ok := sessionOf(ctx); !ok {
		return User{}, a, forbidden(op, "two-factor sign-in is managed from a signed-in session, not with an API token")
	}
	u, err := s.store.GetUser(ctx, accord.Scope{All: true}, a.UserID)
	return u, a, err
}

// withCode proves code for the acting user's enrolment (active when
// active is set, pending otherwise), throttled like sign-ins from the
// session's address, and applies ch with an event named action.
func (s *Service) withCode(ctx context.Context, now time.Time, op, code string, active bool, check func(TOTP) error, ch TOTPChange, action string) error {
	u, a, err := s.me(ctx, op)
	if err != nil {
		return err
	}
	sess, _ := sessionOf(ctx)
	account := EmailKey(u.Email)
	if err := s.throttle(ctx, now, account, sess.Address); err != nil {
		return accord.Wrap(op, err)
	}
	ch.Now, ch.Verified = now.UTC(), sess.ID
	decide, ok := s.proof(now, code, &ch, active)
	if !ok {
		if rerr := s.refused(ctx, now, SignInRefusal{Account: account, Address: sess.Address}, &u); rerr != nil {
			return accord.Wrap(op, rerr)
		}
		return wrongCode(op)
	}
	err = s.store.ChangeTOTP(ctx, u.ID, func(t TOTP) (TOTP, error) {
		if check != nil {
			if err := check(t); err != nil {
				return t, err
			}
		}
		if active && t.ConfirmedAt == nil {
			return t, accord.Errorf(accord.Conflict, "two-factor sign-in is not on")
		}
		return decide(t)
	}, ch, audit.New(a, now, u.OrgID, action, "user", u.ID, nil))
	if isWrong(err) {
		if rerr := s.refused(ctx, now, SignInRefusal{Account: account, Address: sess.Address}, &u); rerr != nil {
			return accord.Wrap(op, rerr)
		}
		return wrongCode(op)
	}
	if err != nil {
		return accord.Wrap(op, err)
	}
	return s.forgive(ctx, now, account, sess.Address)
}

// errWrong marks a code that did not prove the factor, inside decide.
var errWrong = errors.New("wrong code")

func isWrong(err error) bool {
	return errors.Is(err, errWrong) || accord.IsKind(err, accord.NotFound)
}

func wrongCode(op string) error {
	return &accord.Error{Kind: accord.Unauthenticated, Op: op, Field: "code", Msg: "the code is wrong, expired or already used"}
}

// proof reads code as a six-digit code, or else as a recovery code (which
// only an active enrolment accepts; it is spent through ch), and returns
// the decision that checks it against the enrolment at now.
func (s *Service) proof(now time.Time, code string, ch *TOTPChange, active bool) (func(TOTP) (TOTP, error), bool) {
	c := normalizeCode(code)
	if len(c) == 6 && strings.Trim(c, "0123456789") == "" {
		return func(t TOTP) (TOTP, error) {
			step, ok := checkCode(t, c, now)
			if !ok {
				return t, errWrong
			}
			t.LastStep = step
			if ch.Confirm {
				n := now.UTC()
				t.ConfirmedAt = &n
			}
			return t, nil
		}, true
	}
	if !active || len(c) != recoveryLength {
		return nil, false
	}
	ch.UseRecovery = hashSecret(c)
	return func(t TOTP) (TOTP, error) { return t, nil }, true
}

// checkCode finds the step of now (one step of clock skew either way)
// whose code is code and which comes after the last one used.
func checkCode(t TOTP, code string, now time.Time) (int64, bool) {
	base := now.Unix() / totpPeriod
	for _, step := range []int64{base - 1, base, base + 1} {
		want, err := totp.GenerateCodeCustom(t.Secret, time.Unix(step*totpPeriod, 0), totpOpts)
		if err == nil && subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 && step > t.LastStep {
			return step, true
		}
	}
	return 0, false
}

// normalizeCode drops what people type between groups of a code.
func normalizeCode(s string) string {
	return strings.ToLower(strings.NewReplacer(" ", "", "-", "", "\t", "").Replace(strings.TrimSpace(s)))
}

var recoveryAlphabet = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// newRecoveryCodes makes the codes to show, grouped by four, and their
// hashes to store.
func newRecoveryCodes() (codes, hashes []string) {
	for range recoveryCodes {
		b := make([]byte, recoveryLength*5/8)
		_, _ = rand.Read(b)
		c := recoveryAlphabet.EncodeToString(b)
		codes = append(codes, c[0:4]+"-"+c[4:8]+"-"+c[8:12]+"-"+c[12:16])
		hashes = append(hashes, hashSecret(c))
	}
	return codes, hashes
}

// LoginTOTP is the second step of a sign-in: the challenge Login answered
// with and a current code (or a recovery code). Wrong codes are throttled
// with the passwords, per account and address.
func (s *Service) LoginTOTP(ctx context.Context, now time.Time, challenge, code, address, userAgent string) (Session, string, User, error) {
	const op = "directory.LoginTOTP"
	now = now.UTC()
	expired := &accord.Error{Kind: accord.Unauthenticated, Op: op, Field: "challenge", Msg: "the sign-in has expired; enter your password again"}
	c, err := s.store.Challenge(ctx, hashSecret(challenge), now)
	if accord.IsKind(err, accord.NotFound) {
		return Session{}, "", User{}, expired
	} else if err != nil {
		return Session{}, "", User{}, accord.Wrap(op, err)
	}
	u, err := s.activeUser(ctx, c.UserID)
	if err != nil {
		return Session{}, "", User{}, err
	}
	account := EmailKey(u.Email)
	if err := s.throttle(ctx, now, account, address); err != nil {
		return Session{}, "", User{}, accord.Wrap(op, err)
	}
	secret, sess := s.newSession(u, now, address, userAgent)
	sess.SecondFactorAt = &now
	ch := TOTPChange{Challenge: c.ID, Session: &sess, Now: now}
	decide, ok := s.proof(now, code, &ch, true)
	if !ok {
		if rerr := s.refused(ctx, now, SignInRefusal{Account: account, Address: address}, &u); rerr != nil {
			return Session{}, "", User{}, accord.Wrap(op, rerr)
		}
		return Session{}, "", User{}, wrongCode(op)
	}
	a := actorOf(u, accord.RequestID(ctx))
	factor := "totp"
	if ch.UseRecovery != "" {
		factor = "recovery_code"
	}
	evs := []audit.Event{audit.New(a, now, u.OrgID, "session.create", "user", u.ID,
		audit.Changes{{Field: "address", After: address}, {Field: "second_factor", After: factor}})}
	if ch.UseRecovery != "" {
		evs = append(evs, audit.New(a, now, u.OrgID, "user.totp_recovery_use", "user", u.ID, nil))
	}
	err = s.store.ChangeTOTP(ctx, u.ID, func(t TOTP) (TOTP, error) {
		if t.ConfirmedAt == nil {
			return t, errWrong
		}
		return decide(t)
	}, ch, evs...)
	if errors.Is(err, errWrong) || accord.IsKind(err, accord.NotFound) {
		if rerr := s.refused(ctx, now, SignInRefusal{Account: account, Address: address}, &u); rerr != nil {
			return Session{}, "", User{}, accord.Wrap(op, rerr)
		}
		return Session{}, "", User{}, wrongCode(op)
	}
	if err != nil {
		return Session{}, "", User{}, accord.Wrap(op, err)
	}
	if err := s.forgive(ctx, now, account, address); err != nil {
		return Session{}, "", User{}, accord.Wrap(op, err)
	}
	return sess, secret, u, nil
}

// secondStep opens the challenge for u, whose password was right.
func (s *Service) secondStep(ctx context.Context, now time.Time, u User, address, userAgent string) error {
	value := randomSecret()
	c := Challenge{ID: hashSecret(value), UserID: u.ID, OrgID: u.OrgID, Address: address,
		UserAgent: truncate(strings.ToValidUTF8(userAgent, ""), 300), CreatedAt: now, ExpiresAt: now.Add(challengeLife)}
	ev := audit.New(actorOf(u, accord.RequestID(ctx)), now, u.OrgID, "session.second_factor_asked", "user", u.ID,
		audit.Changes{{Field: "address", After: address}})
	if err := s.store.CreateChallenge(ctx, c, ev); err != nil {
		return err
	}
	return &accord.Error{Kind: accord.Unauthenticated, Msg: "enter the code from your authenticator app",
		Err: &SecondFactor{Challenge: value, ExpiresAt: c.ExpiresAt}}
}

// recentSecondFactor refuses what needs a second factor proven in this
// session in the last ten minutes (creating an API token), for users who
// have one or whose role requires one.
func (s *Service) recentSecondFactor(ctx context.Context, now time.Time, a accord.Actor) error {
	u, err := s.store.GetUser(ctx, accord.Scope{All: true}, a.UserID)
	if err != nil {
		return err
	}
	rule, err := s.RequiredRule(ctx, u)
	if err != nil {
		return err
	}
	t, err := s.store.TOTP(ctx, u.ID)
	if err != nil && !accord.IsKind(err, accord.NotFound) {
		return err
	}
	if rule == "" && (err != nil || t.ConfirmedAt == nil) {
		return nil
	}
	sess, ok := sessionOf(ctx)
	if ok && sess.SecondFactorAt != nil && now.Sub(*sess.SecondFactorAt) <= recentFactor {
		return nil
	}
	return &accord.Error{Kind: accord.Forbidden, Msg: "creating an API token needs a second factor proven in this session in the last 10 minutes: sign in again with your authenticator code",
		Details: map[string]string{"rule": "recent_second_factor"}}
}

// EnrolmentRefusal is the answer to a session that may only enrol and
// asks for anything else: it names the rule requiring the enrolment.
func (s *Service) EnrolmentRefusal(ctx context.Context, u User) error {
	rule, err := s.RequiredRule(ctx, u)
	if err != nil {
		return err
	}
	return EnrolmentRequired(rule)
}

// ResetTOTP turns another user's two-factor sign-in off, for one who lost
// both the authenticator and the recovery codes; vendor administrators do
// it, after checking who asks, and it is audited.
func (s *Service) ResetTOTP(ctx context.Context, now time.Time, id accord.ID) error {
	const op = "directory.ResetTOTP"
	a, err := actor(ctx)
	if err != nil {
		return err
	}
	u, err := s.GetUser(ctx, now, id)
	if err != nil {
		return err
	}
	if err := requireAdmin(a, op); err != nil {
		return err
	}
	keep := func(t TOTP) (TOTP, error) { return t, nil }
	return accord.Wrap(op, s.store.ChangeTOTP(ctx, u.ID, keep, TOTPChange{Remove: true, Now: now.UTC()},
		audit.New(a, now, u.OrgID, "user.totp_reset", "user", u.ID, nil)))
}
