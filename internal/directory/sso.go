package directory

import (
	"context"
	"net/url"
	"slices"
	"strings"
	"time"

	"accord/internal/accord"
	"accord/internal/audit"
)

// IdentityProvider is an organization's OpenID Connect provider: its users
// whose e-mail domain the organization owns sign in through it. The client
// secret is written, never read back by clients.
type IdentityProvider struct {
	OrgID        accord.ID `json:"org_id"`
	Issuer       string    `json:"issuer"`
	ClientID     string    `json:"client_id"`
	ClientSecret string    `json:"-"`
	Scopes       []string  `json:"scopes"`
	Domains      []Domain  `json:"domains"`
	// RequireSSO refuses the password sign-in to the organization's users
	// (vendor administrators keep an audited break-glass path).
	RequireSSO bool      `json:"require_sso"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
}

// Domain is an e-mail domain an organization claims. Nobody signs in
// through it until a vendor administrator has verified the claim.
type Domain struct {
	Name       string     `json:"name"`
	VerifiedAt *time.Time `json:"verified_at"`
	VerifiedBy accord.ID  `json:"verified_by,omitempty"`
}

// Verified reports whether the claim on the domain was verified.
func (d Domain) Verified() bool { return d.VerifiedAt != nil }

// SSOState is a sign-in under way: what the callback must find again. ID is
// the hash of the state parameter and Browser the hash of the cookie that
// binds it to the browser that started it.
type SSOState struct {
	ID        string
	OrgID     accord.ID
	Browser   string
	Nonce     string
	Verifier  string
	Next      string
	ExpiresAt time.Time
}

// SSOStore persists identity providers and sign-ins under way.
type SSOStore interface {
	// IdentityProvider returns org's provider with its domains.
	IdentityProvider(ctx context.Context, orgID accord.ID) (IdentityProvider, error)
	// PutIdentityProvider creates or replaces p; domains kept keep their
	// verification, a domain another organization claims is Conflict.
	PutIdentityProvider(ctx context.Context, p IdentityProvider, ev audit.Event) error
	DeleteIdentityProvider(ctx context.Context, orgID accord.ID, ev audit.Event) error
	// VerifyDomain marks org's claim on domain verified.
	VerifyDomain(ctx context.Context, orgID accord.ID, domain string, at time.Time, by accord.ID, ev audit.Event) error
	// ProviderByDomain returns the provider claiming domain, verified or not.
	ProviderByDomain(ctx context.Context, domain string) (IdentityProvider, error)
	// CreateSSOState stores st, sweeping the expired ones.
	CreateSSOState(ctx context.Context, st SSOState) error
	// TakeSSOState deletes and returns the unexpired state id: a state is
	// used once, whatever the outcome.
	TakeSSOState(ctx context.Context, id string, now time.Time) (SSOState, error)
}

// SSOLife is how long a sign-in under way waits for its callback.
const SSOLife = 10 * time.Minute

// ProviderInput is the input to PutIdentityProvider. An empty client secret
// keeps the one stored.
type ProviderInput struct {
	Issuer       string   `json:"issuer"`
	ClientID     string   `json:"client_id"`
	ClientSecret string   `json:"client_secret"`
	Scopes       []string `json:"scopes"`
	Domains      []string `json:"domains"`
	RequireSSO   bool     `json:"require_sso"`
}

// mayConfigure lets vendor administrators configure any organization's
// provider and a customer's administrator its own organization's.
func mayConfigure(a accord.Actor, orgID accord.ID, op string) error {
	if a.System || a.Role == accord.RoleAdmin || (a.CustomerAdmin && a.OrgID == orgID) {
		return nil
	}
	return forbidden(op, "only the organization's administrators may configure its single sign-on")
}

// configurable checks that the acting user sees org (else NotFound) and may
// configure its provider.
func (s *Service) configurable(ctx context.Context, now time.Time, orgID accord.ID, op string) (accord.Actor, error) {
	a, err := actor(ctx)
	if err != nil {
		return a, err
	}
	if _, err := s.GetOrganization(ctx, now, orgID); err != nil {
		return a, err
	}
	return a, mayConfigure(a, orgID, op)
}

// GetIdentityProvider returns org's provider.
func (s *Service) GetIdentityProvider(ctx context.Context, now time.Time, orgID accord.ID) (IdentityProvider, error) {
	const op = "directory.GetIdentityProvider"
	if _, err := s.configurable(ctx, now, orgID, op); err != nil {
		return IdentityProvider{}, err
	}
	p, err := s.store.IdentityProvider(ctx, orgID)
	return p, accord.Wrap(op, err)
}

// CheckDomain normalizes an e-mail domain: lower case, a dot inside, only
// letters, digits, hyphens and dots.
func CheckDomain(field, d string) (string, error) {
	d = strings.ToLower(strings.TrimSpace(d))
	ok := len(d) <= 253 && strings.Contains(d, ".") && !strings.HasPrefix(d, ".") && !strings.HasSuffix(d, ".") && !strings.Contains(d, "..")
	for _, r := range d {
		ok = ok && (r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '.')
	}
	if !ok {
		return "", accord.FieldError(field, "must be an e-mail domain such as example.com")
	}
	return d, nil
}

func checkIssuer(s string) error {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || (u.Scheme != "https" && u.Scheme != "http") {
		return accord.FieldError("issuer", "must be the provider's issuer URL, such as https://login.example.com")
	}
	return nil
}

// PutIdentityProvider configures org's provider.
func (s *Service) PutIdentityProvider(ctx context.Context, now time.Time, orgID accord.ID, in ProviderInput) (IdentityProvider, error) {
	const op = "directory.PutIdentityProvider"
	a, err := s.configurable(ctx, now, orgID, op)
	if err != nil {
		return IdentityProvider{}, err
	}
	before, err := s.store.IdentityProvider(ctx, orgID)
	exists := err == nil
	if err != nil && !accord.IsKind(err, accord.NotFound) {
		return IdentityProvider{}, accord.Wrap(op, err)
	}
	if err := checkIssuer(strings.TrimSpace(in.Issuer)); err != nil {
		return IdentityProvider{}, err
	}
	clientID := strings.TrimSpace(in.ClientID)
	if clientID == "" || len(clientID) > 500 {
		return IdentityProvider{}, accord.FieldError("client_id", "is required (at most 500 characters)")
	}
	secret := in.ClientSecret
	if secret == "" {
		secret = before.ClientSecret
	}
	if secret == "" || len(secret) > 1000 {
		return IdentityProvider{}, accord.FieldError("client_secret", "is required (at most 1000 characters)")
	}
	scopes := []string{"openid", "email", "profile"}
	if len(in.Scopes) > 0 {
		scopes = []string{"openid"}
		for _, sc := range in.Scopes {
			if sc == "" || len(sc) > 100 || strings.ContainsAny(sc, " \t\r\n\"\\") {
				return IdentityProvider{}, accord.FieldError("scopes", "must be scope names without spaces")
			}
			if !slices.Contains(scopes, sc) {
				scopes = append(scopes, sc)
			}
		}
	}
	if len(in.Domains) == 0 || len(in.Domains) > 50 {
		return IdentityProvider{}, accord.FieldError("domains", "must name between 1 and 50 e-mail domains")
	}
	// The issuer is kept exactly as given: discovery and the ID token's
	// "iss" must match it character for character, trailing slash included
	// (some providers have one).
	p := IdentityProvider{OrgID: orgID, Issuer: strings.TrimSpace(in.Issuer), ClientID: clientID, ClientSecret: secret,
		Scopes: scopes, RequireSSO: in.RequireSSO, CreatedAt: now.UTC(), UpdatedAt: now.UTC()}
	if exists {
		p.CreatedAt = before.CreatedAt
	}
	for _, d := range in.Domains {
		name, err := CheckDomain("domains", d)
		if err != nil {
			return IdentityProvider{}, err
		}
		if !slices.ContainsFunc(p.Domains, func(x Domain) bool { return x.Name == name }) {
			p.Domains = append(p.Domains, Domain{Name: name})
		}
	}
	var ch audit.Changes
	ch.Add("issuer", before.Issuer, p.Issuer)
	ch.Add("client_id", before.ClientID, p.ClientID)
	ch.Add("scopes", strings.Join(before.Scopes, " "), strings.Join(p.Scopes, " "))
	ch.Add("domains", domainNames(before.Domains), domainNames(p.Domains))
	ch.Add("require_sso", before.RequireSSO, p.RequireSSO)
	if in.ClientSecret != "" {
		ch = append(ch, audit.Change{Field: "client_secret", After: "(changed)"})
	}
	if err := s.store.PutIdentityProvider(ctx, p, audit.New(a, now, orgID, "sso.provider.put", "organization", orgID, ch)); err != nil {
		return IdentityProvider{}, accord.Wrap(op, err)
	}
	p, err = s.store.IdentityProvider(ctx, orgID)
	return p, accord.Wrap(op, err)
}

func domainNames(ds []Domain) string {
	names := make([]string, len(ds))
	for i, d := range ds {
		names[i] = d.Name
	}
	return strings.Join(names, " ")
}

// DeleteIdentityProvider removes org's provider and its domains.
func (s *Service) DeleteIdentityProvider(ctx context.Context, now time.Time, orgID accord.ID) error {
	const op = "directory.DeleteIdentityProvider"
	a, err := s.configurable(ctx, now, orgID, op)
	if err != nil {
		return err
	}
	return accord.Wrap(op, s.store.DeleteIdentityProvider(ctx, orgID, audit.New(a, now, orgID, "sso.provider.delete", "organization", orgID, nil)))
}

// VerifyDomain records that a vendor administrator checked that org owns
// domain; only then do its users sign in through the provider.
func (s *Service) VerifyDomain(ctx context.Context, now time.Time, orgID accord.ID, domain string) (IdentityProvider, error) {
	const op = "directory.VerifyDomain"
	a, err := s.configurable(ctx, now, orgID, op)
	if err != nil {
		return IdentityProvider{}, err
	}
	if err := requireAdmin(a, op); err != nil {
		return IdentityProvider{}, err
	}
	name, err := CheckDomain("domain", domain)
	if err != nil {
		return IdentityProvider{}, err
	}
	ch := audit.Changes{{Field: "domain", After: name}}
	if err := s.store.VerifyDomain(ctx, orgID, name, now.UTC(), a.UserID, audit.New(a, now, orgID, "sso.domain.verify", "organization", orgID, ch)); err != nil {
		return IdentityProvider{}, accord.Wrap(op, err)
	}
	p, err := s.store.IdentityProvider(ctx, orgID)
	return p, accord.Wrap(op, err)
}

// noSSO is the answer for an e-mail address no verified provider serves.
func noSSO(op string) error {
	return &accord.Error{Kind: accord.NotFound, Op: op, Msg: "no single sign-on is set up for this e-mail address; sign in with your password"}
}

func emailDomain(email string) string {
	at := strings.LastIndexByte(email, '@')
	if at < 0 {
		return ""
	}
	return EmailKey(email[at+1:])
}

// ssoProvider returns the provider owning a verified domain of email.
func (s *Service) ssoProvider(ctx context.Context, email, op string) (IdentityProvider, error) {
	domain := emailDomain(email)
	if domain == "" {
		return IdentityProvider{}, accord.FieldError("email", "must be an e-mail address")
	}
	p, err := s.store.ProviderByDomain(ctx, domain)
	if accord.IsKind(err, accord.NotFound) {
		return p, noSSO(op)
	} else if err != nil {
		return p, accord.Wrap(op, err)
	}
	i := slices.IndexFunc(p.Domains, func(d Domain) bool { return d.Name == domain })
	if i < 0 || !p.Domains[i].Verified() {
		return p, noSSO(op)
	}
	return p, nil
}

// SSOStart is a sign-in begun: the provider to send the browser to, the
// values the authorization request carries, and the cookie that binds the
// callback to this browser. None of them is stored in the clear.
type SSOStart struct {
	Provider IdentityProvider
	State    string
	Nonce    string
	Verifier string
	Browser  string
}

// StartSSO begins signing in email through its organization's provider.
func (s *Service) StartSSO(ctx context.Context, now time.Time, email, next string) (SSOStart, error) {
	const op = "directory.StartSSO"
	p, err := s.ssoProvider(ctx, email, op)
	if err != nil {
		return SSOStart{}, err
	}
	st := SSOStart{Provider: p, State: randomSecret(), Nonce: randomSecret(), Verifier: randomSecret() + randomSecret(), Browser: randomSecret()}
	row := SSOState{ID: hashSecret(st.State), OrgID: p.OrgID, Browser: hashSecret(st.Browser), Nonce: st.Nonce,
		Verifier: st.Verifier, Next: next, ExpiresAt: now.UTC().Add(SSOLife)}
	if err := s.store.CreateSSOState(ctx, row); err != nil {
		return SSOStart{}, accord.Wrap(op, err)
	}
	return st, nil
}

// ssoRefused is the answer to any failed callback: the details are for the
// operators' logs, not for the browser.
func ssoRefused(op, why string) error {
	return &accord.Error{Kind: accord.Unauthenticated, Op: op, Msg: "single sign-on failed: " + why}
}

// SSOCallback is a callback being checked: the state it named and the
// provider that must have issued its ID token.
type SSOCallback struct {
	State    SSOState
	Provider IdentityProvider
}

// BeginCallback counts the callback as a sign-in attempt from address, in
// the same throttling as passwords, and takes its state (once: a replay
// finds none). browser is the value of the cookie StartSSO set.
func (s *Service) BeginCallback(ctx context.Context, now time.Time, state, browser, address string) (SSOCallback, error) {
	const op = "directory.BeginCallback"
	now = now.UTC()
	n, start, err := s.store.RecordLoginAttempt(ctx, "address:"+address, now, now.Add(-s.cfg.Window))
	if err != nil {
		return SSOCallback{}, accord.Wrap(op, err)
	}
	if n > s.cfg.AddressFailures {
		err := tooMany(start.Add(s.cfg.Window).Sub(now))
		wait, _ := RetryAfter(err)
		if rerr := s.refused(ctx, now, SignInRefusal{Throttled: true, Address: address, Wait: wait}, nil); rerr != nil {
			return SSOCallback{}, accord.Wrap(op, rerr)
		}
		return SSOCallback{}, err
	}
	if state == "" {
		return SSOCallback{}, s.ssoFailed(ctx, now, address, ssoRefused(op, "the request has no state"))
	}
	st, err := s.store.TakeSSOState(ctx, hashSecret(state), now)
	if accord.IsKind(err, accord.NotFound) {
		return SSOCallback{}, s.ssoFailed(ctx, now, address, ssoRefused(op, "the sign-in is unknown, used already or expired"))
	} else if err != nil {
		return SSOCallback{}, accord.Wrap(op, err)
	}
	if browser == "" || hashSecret(browser) != st.Browser {
		return SSOCallback{}, s.ssoFailed(ctx, now, address, ssoRefused(op, "the sign-in was started in another browser"))
	}
	p, err := s.store.IdentityProvider(ctx, st.OrgID)
	if accord.IsKind(err, accord.NotFound) {
		return SSOCallback{}, s.ssoFailed(ctx, now, address, ssoRefused(op, "the provider was removed meanwhile"))
	} else if err != nil {
		return SSOCallback{}, accord.Wrap(op, err)
	}
	return SSOCallback{State: st, Provider: p}, nil
}

// ssoFailed records a refused SSO callback and tells the observer; it was
// counted against the address when it began.
func (s *Service) ssoFailed(ctx context.Context, now time.Time, address string, err error) error {
	if rerr := s.refused(ctx, now, SignInRefusal{Address: address}, nil); rerr != nil {
		return rerr
	}
	return err
}

// FailCallback refuses a callback whose provider answer did not verify.
func (s *Service) FailCallback(ctx context.Context, now time.Time, address string, cause error) error {
	return s.ssoFailed(ctx, now.UTC(), address, ssoRefused("directory.FinishSSO", cause.Error()))
}

// Identity is what a verified ID token says of its user.
type Identity struct {
	Subject       string
	Email         string
	EmailVerified bool
}

// FinishSSO signs in the user the provider vouched for: an existing, active
// user of the organization that owns the e-mail's verified domain, the
// callback's organization. It never creates a user.
func (s *Service) FinishSSO(ctx context.Context, now time.Time, cb SSOCallback, id Identity, address, userAgent string) (Session, string, User, error) {
	const op = "directory.FinishSSO"
	now = now.UTC()
	if !id.EmailVerified {
		return Session{}, "", User{}, s.ssoFailed(ctx, now, address, ssoRefused(op, "the provider has not verified the e-mail address"))
	}
	p, err := s.ssoProvider(ctx, id.Email, op)
	if err != nil || p.OrgID != cb.State.OrgID {
		return Session{}, "", User{}, s.ssoFailed(ctx, now, address, ssoRefused(op, "the e-mail address is not of a verified domain of this organization"))
	}
	u, err := s.store.UserByEmail(ctx, EmailKey(id.Email))
	if err != nil && !accord.IsKind(err, accord.NotFound) {
		return Session{}, "", User{}, accord.Wrap(op, err)
	}
	if err != nil || u.OrgID != p.OrgID || !u.Active {
		return Session{}, "", User{}, s.ssoFailed(ctx, now, address, ssoRefused(op, "no active user has this e-mail address here; ask your administrator for access"))
	}
	if err := s.store.ForgiveLoginAttempt(ctx, "address:"+address); err != nil {
		return Session{}, "", User{}, accord.Wrap(op, err)
	}
	secret := randomSecret()
	sess := Session{
		ID: hashSecret(secret), UserID: u.ID, OrgID: u.OrgID, CreatedAt: now, ExpiresAt: now.Add(s.cfg.SessionLifetime),
		LastSeenAt: now, Address: address, UserAgent: truncate(strings.ToValidUTF8(userAgent, ""), 300),
	}
	a := actorOf(u, accord.RequestID(ctx))
	ch := audit.Changes{{Field: "address", After: address}, {Field: "method", After: "sso"}, {Field: "issuer", After: p.Issuer}, {Field: "subject", After: id.Subject}}
	if err := s.store.CreateSession(ctx, sess, audit.New(a, now, u.OrgID, "session.create", "user", u.ID, ch)); err != nil {
		return Session{}, "", User{}, accord.Wrap(op, err)
	}
	return sess, secret, u, nil
}

type breakGlassKey struct{}

// WithBreakGlass marks a password sign-in as a vendor administrator's
// break-glass use, allowed where the organization requires single sign-on.
func WithBreakGlass(ctx context.Context) context.Context {
	return context.WithValue(ctx, breakGlassKey{}, true)
}

// passwordMethod says whether u may sign in with a password, checked once
// the password is right: not if u's organization requires single sign-on,
// unless a vendor administrator breaks the glass. It returns the method to
// audit the session with.
func (s *Service) passwordMethod(ctx context.Context, u User) (string, error) {
	p, err := s.store.IdentityProvider(ctx, u.OrgID)
	if accord.IsKind(err, accord.NotFound) || (err == nil && !p.RequireSSO) {
		return "password", nil
	} else if err != nil {
		return "", err
	}
	if glass, _ := ctx.Value(breakGlassKey{}).(bool); glass && u.Role == accord.RoleAdmin {
		return "break_glass", nil
	}
	return "", &accord.Error{Kind: accord.Forbidden, Field: "password", Msg: "your organization requires single sign-on: use \"Sign in with SSO\""}
}
