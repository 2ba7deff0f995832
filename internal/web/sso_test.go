package web

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"accord/internal/accord"
	"accord/internal/audit"
	"accord/internal/directory"
	"accord/internal/oidc"
	"accord/internal/store"
	"accord/internal/store/dbtest"
)

// testIdP is a small but real OpenID provider over loopback HTTP:
// discovery, a JWKS, the authorization endpoint (which signs in whoever
// the test says, at once) and the token endpoint, which checks the client's
// secret and the PKCE verifier and returns an RS256-signed ID token. The
// knobs make it misbehave the ways the relying party must refuse.
type testIdP struct {
	srv      *httptest.Server
	key      *rsa.PrivateKey
	clientID string
	secret   string
	now      func() time.Time

	mu            sync.Mutex
	email         string // who signs in
	emailVerified bool
	audience      string // "" : the client id
	expired       bool
	codes         map[string]idpGrant
}

type idpGrant struct{ nonce, challenge, redirect string }

func newTestIdP(t *testing.T, now func() time.Time) *testIdP {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	p := &testIdP{key: key, clientID: "accord-client", secret: "client-secret", now: now, emailVerified: true, codes: map[string]idpGrant{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		_ = json.NewEncoder(w).Encode(map[string]any{
			"issuer": p.srv.URL, "authorization_endpoint": p.srv.URL + "/authorize", "token_endpoint": p.srv.URL + "/token",
			"jwks_uri": p.srv.URL + "/keys", "response_types_supported": []string{"code"}, "subject_types_supported": []string{"public"},
			"id_token_signing_alg_values_supported": []string{"RS256"}, "code_challenge_methods_supported": []string{"S256"},
		})
	})
	mux.HandleFunc("GET /keys", func(w http.ResponseWriter, r *http.Request) {
		_ = json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &p.key.PublicKey, KeyID: "k1", Algorithm: "RS256", Use: "sig"}}})
	})
	mux.HandleFunc("GET /authorize", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if q.Get("response_type") != "code" || q.Get("client_id") != p.clientID || q.Get("code_challenge_method") != "S256" ||
			q.Get("code_challenge") == "" || q.Get("nonce") == "" || q.Get("state") == "" || !strings.Contains(q.Get("scope"), "openid") {
			http.Error(w, "bad authorization request", http.StatusBadRequest)
			return
		}
		code := rand.Text()
		p.mu.Lock()
		p.codes[code] = idpGrant{nonce: q.Get("nonce"), challenge: q.Get("code_challenge"), redirect: q.Get("redirect_uri")}
		p.mu.Unlock()
		back, _ := url.Parse(q.Get("redirect_uri"))
		bq := back.Query()
		bq.Set("code", code)
		bq.Set("state", q.Get("state"))
		back.RawQuery = bq.Encode()
		http.Redirect(w, r, back.String(), http.StatusFound)
	})
	mux.HandleFunc("POST /token", func(w http.ResponseWriter, r *http.Request) {
		id, secret, ok := r.BasicAuth()
		if !ok {
			id, secret = r.PostFormValue("client_id"), r.PostFormValue("client_secret")
		}
		if id != p.clientID || secret != p.secret {
			http.Error(w, `{"error":"invalid_client"}`, http.StatusUnauthorized)
			return
		}
		p.mu.Lock()
		g, ok := p.codes[r.PostFormValue("code")]
		delete(p.codes, r.PostFormValue("code"))
		email, verified, aud, expired := p.email, p.emailVerified, p.audience, p.expired
		p.mu.Unlock()
		sum := sha256.Sum256([]byte(r.PostFormValue("code_verifier")))
		if !ok || r.PostFormValue("grant_type") != "authorization_code" || r.PostFormValue("redirect_uri") != g.redirect ||
			base64.RawURLEncoding.EncodeToString(sum[:]) != g.challenge {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`{"error":"invalid_grant"}`))
			return
		}
		if aud == "" {
			aud = p.clientID
		}
		now := p.now()
		exp := now.Add(time.Hour)
		if expired {
			exp = now.Add(-time.Minute)
		}
		claims, _ := json.Marshal(map[string]any{"iss": p.srv.URL, "sub": "sub-" + email, "aud": aud, "iat": now.Add(-2 * time.Hour).Unix(),
			"exp": exp.Unix(), "nonce": g.nonce, "email": email, "email_verified": verified})
		signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: p.key}, (&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", "k1"))
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		jws, err := signer.Sign(claims)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		raw, _ := jws.CompactSerialize()
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"access_token": rand.Text(), "token_type": "Bearer", "expires_in": 3600, "id_token": raw})
	})
	p.srv = httptest.NewServer(mux)
	t.Cleanup(p.srv.Close)
	return p
}

func (p *testIdP) set(f func(p *testIdP)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	f(p)
}

// ssoBrowser is a browser with its own cookies, going through the sign-in
// one redirect at a time.
type ssoBrowser struct {
	t      *testing.T
	client *http.Client
}

func newSSOBrowser(t *testing.T) *ssoBrowser {
	jar, _ := cookiejar.New(nil)
	return &ssoBrowser{t: t, client: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (b *ssoBrowser) get(u string) (*http.Response, string) {
	b.t.Helper()
	resp, err := b.client.Get(u)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

// start asks to sign in email and follows the provider's redirect; it
// returns the callback URL the provider sent the browser to.
func (b *ssoBrowser) start(base, email string) string {
	b.t.Helper()
	resp, _ := b.get(base + "/sso/start?next=%2Fcases&email=" + url.QueryEscape(email))
	if resp.StatusCode != http.StatusSeeOther {
		b.t.Fatalf("start %s: %d", email, resp.StatusCode)
	}
	resp, _ = b.get(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusFound {
		b.t.Fatalf("authorize %s: %d", email, resp.StatusCode)
	}
	return resp.Header.Get("Location")
}

// callback lands on the callback and returns the status, the session
// cookie it set, if any, and where it goes next or the page's text.
func (b *ssoBrowser) callback(u string) (int, string, string) {
	b.t.Helper()
	resp, body := b.get(u)
	if resp.StatusCode == http.StatusSeeOther {
		body = resp.Header.Get("Location")
	}
	for _, c := range resp.Cookies() {
		if c.Name == directory.SessionCookie {
			return resp.StatusCode, c.Value, body
		}
	}
	return resp.StatusCode, "", body
}

// sessionMethods lists the methods of the user's audited sign-ins.
func (f *fixture) sessionMethods(id accord.ID) []string {
	f.t.Helper()
	events, _, err := audit.NewService(store.NewAudit(f.db)).List(f.as("auditor"), audit.Filter{EntityID: &id}, accord.Page{Limit: accord.MaxLimit})
	if err != nil {
		f.t.Fatal(err)
	}
	var out []string
	for _, e := range events {
		for _, c := range e.Changes {
			if e.Action == "session.create" && c.Field == "method" {
				out = append(out, c.After.(string))
			}
		}
	}
	slices.Sort(out)
	return out
}

// TestSSOSignIn runs the authorization code flow against a real provider
// over loopback: who signs in, and every way the callback is refused.
func TestSSOSignIn(t *testing.T) {
	f := newFixture(t, dbtest.SQLite)
	clock := func() time.Time { return f.now }
	idp := newTestIdP(t, clock)
	ui, err := New(Deps{Directory: f.dir, Log: slog.New(slog.DiscardHandler), Now: clock, SSO: oidc.New(nil, clock)})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(ui)
	t.Cleanup(srv.Close)

	admin, acmeAdmin := f.as("admin"), f.as("acme-admin")
	in := directory.ProviderInput{Issuer: idp.srv.URL, ClientID: idp.clientID, ClientSecret: idp.secret, Domains: []string{"acme.example"}}
	if _, err := f.dir.PutIdentityProvider(acmeAdmin, f.now, f.orgs["acme"].ID, in); err != nil {
		t.Fatal(err)
	}
	// Globex's domain is claimed by Globex's own provider (the same
	// provider in this test), verified later.
	gin := in
	gin.Domains = []string{"globex.example"}
	if _, err := f.dir.PutIdentityProvider(f.as("globex"), f.now, f.orgs["globex"].ID, gin); err != nil {
		t.Fatal(err)
	}
	// A customer's administrator may not verify its own domain, nor touch
	// another organization's provider.
	if _, err := f.dir.VerifyDomain(acmeAdmin, f.now, f.orgs["acme"].ID, "acme.example"); !accord.IsKind(err, accord.Forbidden) {
		t.Fatalf("a customer admin verifies its domain: %v", err)
	}
	if _, err := f.dir.GetIdentityProvider(acmeAdmin, f.now, f.orgs["globex"].ID); !accord.IsKind(err, accord.NotFound) {
		t.Fatalf("another organization's provider: %v", err)
	}

	t.Run("unverified domain", func(t *testing.T) {
		resp, body := newSSOBrowser(t).get(srv.URL + "/sso/start?email=acme%40acme.example")
		if resp.StatusCode == http.StatusSeeOther || !strings.Contains(body, "no single sign-on is set up") {
			t.Fatal("an unverified domain sent the browser to its provider")
		}
	})
	if _, err := f.dir.VerifyDomain(admin, f.now, f.orgs["acme"].ID, "acme.example"); err != nil {
		t.Fatal(err)
	}

	acme := f.users["acme"]
	idp.set(func(p *testIdP) { p.email = acme.Email })
	var replay string
	t.Run("good sign-in", func(t *testing.T) {
		b := newSSOBrowser(t)
		replay = b.start(srv.URL, acme.Email)
		status, cookie, next := b.callback(replay)
		if status != http.StatusSeeOther || cookie == "" || next != "/cases" {
			t.Fatalf("callback: %d %q %q", status, cookie, next)
		}
		a, _, err := f.dir.Authenticate(t.Context(), f.now, cookie)
		if err != nil || a.UserID != acme.ID {
			t.Fatalf("the session is not Acme's contact's: %+v %v", a, err)
		}
		if m := f.sessionMethods(acme.ID); !slices.Equal(m, []string{"password", "sso"}) {
			t.Fatalf("audited methods: %v", m)
		}
	})
	t.Run("replayed state", func(t *testing.T) {
		// The same callback again, from the same browser or another.
		for _, b := range []*ssoBrowser{newSSOBrowser(t), newSSOBrowser(t)} {
			if status, cookie, body := b.callback(replay); status != http.StatusUnauthorized || cookie != "" || !strings.Contains(body, "used already") {
				t.Fatalf("a replayed state: %d %q", status, cookie)
			}
		}
	})
	t.Run("another browser", func(t *testing.T) {
		cb := newSSOBrowser(t).start(srv.URL, acme.Email)
		if status, cookie, body := newSSOBrowser(t).callback(cb); status != http.StatusUnauthorized || cookie != "" || !strings.Contains(body, "another browser") {
			t.Fatalf("a callback in another browser: %d %q", status, cookie)
		}
	})

	refused := func(t *testing.T, email, why string, knob func(p *testIdP)) {
		t.Helper()
		idp.set(func(p *testIdP) { p.email, p.emailVerified, p.audience, p.expired = acme.Email, true, "", false })
		idp.set(knob)
		b := newSSOBrowser(t)
		status, cookie, body := b.callback(b.start(srv.URL, email))
		if status != http.StatusUnauthorized || cookie != "" || !strings.Contains(body, why) {
			t.Fatalf("callback: %d %q, want %q in %s", status, cookie, why, body)
		}
	}
	t.Run("wrong audience", func(t *testing.T) {
		refused(t, acme.Email, "expected audience", func(p *testIdP) { p.audience = "another-client" })
	})
	t.Run("expired token", func(t *testing.T) { refused(t, acme.Email, "token is expired", func(p *testIdP) { p.expired = true }) })
	t.Run("e-mail not verified", func(t *testing.T) {
		refused(t, acme.Email, "has not verified", func(p *testIdP) { p.emailVerified = false })
	})
	t.Run("unknown user of the domain", func(t *testing.T) {
		refused(t, acme.Email, "no active user", func(p *testIdP) { p.email = "nobody@acme.example" })
	})
	t.Run("another organization's domain", func(t *testing.T) {
		if _, err := f.dir.VerifyDomain(admin, f.now, f.orgs["globex"].ID, "globex.example"); err != nil {
			t.Fatal(err)
		}
		// Started as Acme, the provider vouches for Globex's contact.
		refused(t, acme.Email, "not of a verified domain of this organization", func(p *testIdP) { p.email = f.users["globex"].Email })
	})
	t.Run("disabled user", func(t *testing.T) {
		off := false
		if _, err := f.dir.UpdateUser(admin, f.now, acme.ID, directory.UserUpdate{Active: &off}); err != nil {
			t.Fatal(err)
		}
		refused(t, acme.Email, "no active user", func(*testIdP) {})
	})
	// The fixture's password sign-in and the one good single sign-on.
	if m := f.sessionMethods(acme.ID); !slices.Equal(m, []string{"password", "sso"}) {
		t.Fatalf("refused sign-ins opened sessions: %v", m)
	}
}

// TestSSORequired: an organization requiring single sign-on refuses its
// users' passwords; a vendor administrator breaks the glass, audited.
func TestSSORequired(t *testing.T) {
	f := newFixture(t, dbtest.SQLite)
	in := directory.ProviderInput{Issuer: "https://idp.example", ClientID: "c", ClientSecret: "s", Domains: []string{"acme.example"}, RequireSSO: true}
	if _, err := f.dir.PutIdentityProvider(f.as("acme-admin"), f.now, f.orgs["acme"].ID, in); err != nil {
		t.Fatal(err)
	}
	resp := f.post("", "/login", url.Values{"email": {f.users["acme"].Email}, "password": {testPassword}})
	if resp.status == http.StatusSeeOther || resp.cookies[directory.SessionCookie] != "" || !strings.Contains(resp.body, "single sign-on") {
		t.Fatalf("password sign-in of an SSO-required user: %d", resp.status)
	}
	in.Domains = []string{"vendor.example"}
	if _, err := f.dir.PutIdentityProvider(f.as("admin"), f.now, f.orgs["vendor"].ID, in); err != nil {
		t.Fatal(err)
	}
	login := func(email string, glass bool) int {
		body, _ := json.Marshal(map[string]any{"email": email, "password": testPassword, "break_glass": glass})
		return f.do("", "POST", "/api/v1/login", strings.NewReader(string(body)), "application/json").status
	}
	if got := login(f.users["admin"].Email, false); got != http.StatusForbidden {
		t.Fatalf("a vendor admin without break_glass: %d", got)
	}
	if got := login(f.users["agent"].Email, true); got != http.StatusForbidden {
		t.Fatalf("an agent breaking the glass: %d", got)
	}
	if got := login(f.users["admin"].Email, true); got != http.StatusOK {
		t.Fatalf("a vendor admin breaking the glass: %d", got)
	}
	if m := f.sessionMethods(f.users["admin"].ID); !slices.Equal(m, []string{"break_glass", "password"}) {
		t.Fatalf("audited methods: %v", m)
	}
}

// TestSSOThrottled: failed callbacks count in the sign-in throttling of
// their address, which then holds passwords back too.
func TestSSOThrottled(t *testing.T) {
	f := newFixture(t, dbtest.SQLite)
	cfg := directory.DefaultConfig()
	cfg.Argon2 = directory.Argon2{MemoryKiB: 64, Time: 1, Threads: 1}
	cfg.AddressFailures = 2
	dir := directory.NewService(store.NewDirectory(f.db), cfg)
	clock := func() time.Time { return f.now }
	ui, err := New(Deps{Directory: dir, Log: slog.New(slog.DiscardHandler), Now: clock, SSO: oidc.New(nil, clock)})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(ui)
	t.Cleanup(srv.Close)
	b := newSSOBrowser(t)
	for i, want := range []int{http.StatusUnauthorized, http.StatusUnauthorized, http.StatusTooManyRequests} {
		if status, _, _ := b.callback(srv.URL + "/sso/callback?code=x&state=forged"); status != want {
			t.Fatalf("callback %d: %d, want %d", i+1, status, want)
		}
	}
	_, _, _, err = dir.Login(t.Context(), f.now, f.users["acme"].Email, testPassword, "127.0.0.1", "test")
	if !accord.IsKind(err, accord.TooManyRequests) {
		t.Fatalf("a password from the throttled address: %v", err)
	}
}

// TestSSOAdminPage: a customer's administrator configures its provider,
// the vendor's administrator verifies the domain; nobody else sees it.
func TestSSOAdminPage(t *testing.T) {
	f := newFixture(t, dbtest.SQLite)
	if !strings.Contains(f.get("", "/login").body, `href="/sso?next=`) {
		t.Error("the sign-in page offers no single sign-on")
	}
	if r := f.get("", "/sso"); r.status != http.StatusOK || !strings.Contains(r.body, `action="/sso/start"`) {
		t.Fatalf("the SSO page: %d", r.status)
	}
	path := "/admin/organizations/" + string(f.orgs["acme"].ID) + "/sso"
	if !strings.Contains(f.page("acme-admin", "/cases"), `href="`+path+`"`) || strings.Contains(f.page("acme", "/cases"), path) {
		t.Error("the navigation leads a customer's administrator, and only them, to single sign-on")
	}
	page := f.page("acme-admin", path) // in pt-BR
	if !strings.Contains(page, "Login único") || strings.Contains(page, "sso/verify") {
		t.Fatalf("acme's admin page: %s", page)
	}
	form := url.Values{"issuer": {"https://login.acme.example"}, "client_id": {"accord"}, "client_secret": {"s3cret"},
		"domains": {"acme.example, acme.test"}, "require_sso": {"on"}}
	if r := f.post("acme-admin", path, form); r.status != http.StatusSeeOther {
		t.Fatalf("save: %d %s", r.status, r.body)
	}
	page = f.page("admin", path)
	if !strings.Contains(page, "acme.test") || strings.Contains(page, "s3cret") || !strings.Contains(page, "Mark verified") {
		t.Fatalf("the vendor admin's view: %s", page)
	}
	if r := f.post("acme-admin", path+"/verify", url.Values{"domain": {"acme.example"}}); r.status != http.StatusForbidden {
		t.Fatalf("a customer admin verifies its domain: %d", r.status)
	}
	if r := f.post("admin", path+"/verify", url.Values{"domain": {"acme.example"}}); r.status != http.StatusSeeOther {
		t.Fatalf("verify: %d %s", r.status, r.body)
	}
	p, err := f.dir.GetIdentityProvider(f.as("admin"), f.now, f.orgs["acme"].ID)
	if err != nil || !p.RequireSSO || len(p.Domains) != 2 || !p.Domains[0].Verified() || p.Domains[1].Verified() {
		t.Fatalf("stored: %+v %v", p, err)
	}
	for _, who := range []string{"globex", "partner"} {
		if r := f.get(who, path); r.status != http.StatusNotFound {
			t.Errorf("%s reads acme's provider: %d", who, r.status)
		}
	}
	if r := f.get("acme", path); r.status != http.StatusForbidden {
		t.Errorf("a contact reads its organization's provider: %d", r.status)
	}
}
