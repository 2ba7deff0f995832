package api

import (
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"accord/internal/accord"
	"accord/internal/audit"
	"accord/internal/directory"
	"accord/internal/store"
	"accord/internal/store/dbtest"
)

// secondServer is another process's server over the same database: it
// shares nothing with the fixture's but the database.
func secondServer(t *testing.T, f *fixture) *httptest.Server {
	cfg := directory.DefaultConfig()
	cfg.Argon2 = cheapArgon2
	s := New(Deps{
		DB: f.db, Directory: directory.NewService(store.NewDirectory(f.db), cfg), Audit: audit.NewService(store.NewAudit(f.db)),
		Log: slog.New(slog.DiscardHandler), Now: func() time.Time { return f.now },
	})
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	return srv
}

func login(f *fixture, email, password string) response {
	return f.do("", "POST", "/api/v1/login", map[string]string{"email": email, "password": password})
}

// loginFrom signs in from another client address on the loopback network
// (127.0.0.2, say), as a second browser elsewhere would.
func loginFrom(t *testing.T, f *fixture, local, email, password string) response {
	t.Helper()
	dialer := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(local)}}
	client := &http.Client{Transport: &http.Transport{DialContext: dialer.DialContext}}
	defer client.CloseIdleConnections()
	body := fmt.Sprintf(`{"email":%q,"password":%q}`, email, password)
	resp, err := client.Post(f.srv.URL+"/api/v1/login", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return response{status: resp.StatusCode, body: string(b), header: resp.Header}
}

func TestAuthentication(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, open func(testing.TB) *store.DB) {
		t.Run("a flood of guesses slows its address down, not the account", func(t *testing.T) {
			f := newFixture(t, open)
			other := secondServer(t, f)
			email := f.users["acme"].Email
			for i := range 5 {
				srv := f.srv
				if i%2 == 1 {
					f.srv = other // failures counted on either server add up
				}
				if r := login(f, email, "wrong password!"); r.status != http.StatusUnauthorized {
					t.Fatalf("attempt %d: %d", i+1, r.status)
				}
				f.srv = srv
			}
			r := login(f, email, testPassword)
			if r.status != http.StatusTooManyRequests || r.header.Get("Retry-After") != "2" || !strings.Contains(r.body, "try again in 2 seconds") {
				t.Fatalf("sixth attempt from the guessing address, right password: %d %q %s", r.status, r.header.Get("Retry-After"), r.body)
			}
			// The rightful user, elsewhere, signs in meanwhile.
			if r := loginFrom(t, f, "127.0.0.2", email, testPassword); r.status != http.StatusOK {
				t.Fatalf("the right password from another address: %d %s", r.status, r.body)
			}
			if r := login(f, f.users["globex"].Email, testPassword); r.status != http.StatusOK {
				t.Fatalf("another account from the guessing address: %d", r.status)
			}
			// Each further failure doubles the wait, up to 15 minutes.
			var waits []string
			for range 12 {
				f.now = f.now.Add(time.Hour)
				if r := login(f, email, "wrong password!"); r.status != http.StatusUnauthorized {
					t.Fatalf("a guess after the wait: %d %s", r.status, r.body)
				}
				waits = append(waits, login(f, email, testPassword).header.Get("Retry-After"))
			}
			if got := strings.Join(waits, " "); got != "4 8 16 32 64 128 256 512 900 900 900 900" {
				t.Fatalf("waits after each failure: %s", got)
			}
			f.now = f.now.Add(900 * time.Second)
			if r := login(f, email, testPassword); r.status != http.StatusOK {
				t.Fatalf("the right password once the wait passed: %d %s", r.status, r.body)
			}
		})

		t.Run("unlock clears an account's slow-downs", func(t *testing.T) {
			f := newFixture(t, open)
			email := f.users["acme"].Email
			for range 8 {
				f.now = f.now.Add(time.Hour)
				login(f, email, "wrong password!")
			}
			if r := login(f, email, testPassword); r.status != http.StatusTooManyRequests {
				t.Fatalf("after eight failures: %d", r.status)
			}
			for _, who := range []string{"agent", "acme-admin", "acme"} {
				if r := f.do(who, "POST", f.expand("/api/v1/users/{user:acme}/unlock"), nil); r.status != http.StatusForbidden {
					t.Errorf("%s unlocks: %d %s", who, r.status, r.body)
				}
			}
			if r := f.do("globex", "POST", f.expand("/api/v1/users/{user:acme}/unlock"), nil); r.status != http.StatusNotFound {
				t.Errorf("another customer unlocks: %d %s", r.status, r.body)
			}
			r := f.do("admin", "POST", f.expand("/api/v1/users/{user:acme}/unlock"), nil)
			if r.status != http.StatusOK || r.body != "{\"addresses\":1}\n" {
				t.Fatalf("unlock: %d %s", r.status, r.body)
			}
			if r := login(f, email, testPassword); r.status != http.StatusOK {
				t.Fatalf("after unlock: %d %s", r.status, r.body)
			}
			if !slices.ContainsFunc(f.events(), func(e audit.Event) bool {
				return e.Action == "user.unlock" && e.EntityID == f.users["acme"].ID && e.ActorID == f.users["admin"].ID
			}) {
				t.Fatal("the unlock is not audited")
			}
		})

		t.Run("parallel attempts cannot outrun the throttle", func(t *testing.T) {
			f := newFixture(t, open)
			other := secondServer(t, f)
			statuses := make(chan int, 30)
			var wg sync.WaitGroup
			for i := range 30 {
				wg.Go(func() {
					url := f.srv.URL
					if i%2 == 1 {
						url = other.URL
					}
					resp, err := http.Post(url+"/api/v1/login", "application/json",
						strings.NewReader(`{"email":"acme@acme.example","password":"wrong password!"}`))
					if err != nil {
						t.Error(err)
						return
					}
					resp.Body.Close()
					statuses <- resp.StatusCode
				})
			}
			wg.Wait()
			close(statuses)
			tried := 0
			for st := range statuses {
				if st == http.StatusUnauthorized {
					tried++
				} else if st != http.StatusTooManyRequests {
					t.Errorf("status %d", st)
				}
			}
			if tried > 5 {
				t.Fatalf("%d of 30 parallel guesses were checked, want at most 5", tried)
			}
		})

		t.Run("throttled per address", func(t *testing.T) {
			f := newFixture(t, open)
			for i := range 50 {
				if r := login(f, "nobody"+string(rune('a'+i%26))+"@x.example", "whatever it is"); r.status != http.StatusUnauthorized {
					t.Fatalf("attempt %d: %d", i, r.status)
				}
			}
			if r := login(f, f.users["acme"].Email, testPassword); r.status != http.StatusTooManyRequests {
				t.Fatalf("after 50 failures from one address: %d", r.status)
			}
		})

		t.Run("sessions rotate, end and are revoked", func(t *testing.T) {
			f := newFixture(t, open)
			other := secondServer(t, f)
			old := f.cookie["acme"]
			// A session made on one process is valid on another.
			f.srv, other = other, f.srv
			if r := f.do("acme", "GET", "/api/v1/me", nil); r.status != http.StatusOK {
				t.Fatalf("session on the second server: %d", r.status)
			}
			f.srv = other
			r := f.do("acme", "POST", "/api/v1/login", map[string]string{"email": f.users["acme"].Email, "password": testPassword})
			if r.status != http.StatusOK || r.cookie == "" || r.cookie == old {
				t.Fatalf("login again: %d, new cookie %q", r.status, r.cookie)
			}
			if r := f.do("acme", "GET", "/api/v1/me", nil); r.status != http.StatusUnauthorized {
				t.Fatalf("the pre-login session still works: %d", r.status)
			}
			f.cookie["acme"] = r.cookie
			var list struct{ Items []directory.Session }
			sess := f.do("acme", "GET", "/api/v1/me/sessions", nil)
			sess.json(t, &list)
			if len(list.Items) != 1 {
				t.Fatalf("sessions: %s", sess.body)
			}
			if r := f.do("acme", "POST", "/api/v1/logout", nil); r.status != http.StatusNoContent {
				t.Fatalf("logout: %d %s", r.status, r.body)
			}
			if r := f.do("acme", "GET", "/api/v1/me", nil); r.status != http.StatusUnauthorized {
				t.Fatalf("after logout: %d", r.status)
			}

			if r := f.do("admin", "PATCH", "/api/v1/users/"+string(f.users["globex"].ID), map[string]bool{"active": false}); r.status != http.StatusOK {
				t.Fatalf("deactivate: %d %s", r.status, r.body)
			}
			if r := f.do("globex", "GET", "/api/v1/me", nil); r.status != http.StatusUnauthorized {
				t.Fatalf("deactivated user's session: %d", r.status)
			}
			if r := login(f, f.users["globex"].Email, testPassword); r.status != http.StatusUnauthorized {
				t.Fatalf("deactivated user signs in: %d", r.status)
			}
			if r := f.do("admin", "PUT", "/api/v1/users/"+string(f.users["partner"].ID)+"/password", map[string]string{"password": "a fresh passphrase here"}); r.status != http.StatusNoContent {
				t.Fatalf("admin reset: %d %s", r.status, r.body)
			}
			if r := f.do("partner", "GET", "/api/v1/me", nil); r.status != http.StatusUnauthorized {
				t.Fatalf("session after password reset: %d", r.status)
			}
			if r := login(f, f.users["partner"].Email, "a fresh passphrase here"); r.status != http.StatusOK {
				t.Fatalf("new password: %d", r.status)
			}
			f.now = f.now.Add(12 * time.Hour)
			if r := f.do("agent", "GET", "/api/v1/me", nil); r.status != http.StatusUnauthorized {
				t.Fatalf("session past its lifetime: %d", r.status)
			}
		})

		t.Run("API tokens", func(t *testing.T) {
			f := newFixture(t, open)
			r := f.do("acme", "POST", "/api/v1/tokens", map[string]any{"name": "monitoring", "expires_in_days": 30})
			var tok struct {
				ID, Token, Hint string
			}
			r.json(t, &tok)
			if r.status != http.StatusCreated || !strings.HasPrefix(tok.Token, "acc_") || !strings.HasSuffix(tok.Token, tok.Hint) {
				t.Fatalf("create token: %d %s", r.status, r.body)
			}
			if me := f.do(tok.Token, "GET", "/api/v1/me", nil); me.status != http.StatusOK || !strings.Contains(me.body, f.users["acme"].Email) {
				t.Fatalf("bearer: %d %s", me.status, me.body)
			}
			list := f.do("acme", "GET", "/api/v1/tokens", nil)
			if !strings.Contains(list.body, tok.ID) || strings.Contains(list.body, tok.Token) {
				t.Fatalf("token list must name the token but never show it: %s", list.body)
			}
			var stored int
			if err := f.db.SQL().QueryRow(`SELECT count(*) FROM api_tokens WHERE hash = $1`, tok.Token).Scan(&stored); err != nil || stored != 0 {
				t.Fatalf("token stored in clear (%d, %v)", stored, err)
			}
			if r := f.do("globex", "DELETE", "/api/v1/tokens/"+tok.ID, nil); r.status != http.StatusNotFound {
				t.Fatalf("another user revokes it: %d", r.status)
			}
			if r := f.do(tok.Token, "POST", "/api/v1/logout", nil); r.status != http.StatusBadRequest {
				t.Fatalf("logout with a token: %d", r.status)
			}
			f.now = f.now.Add(30 * 24 * time.Hour)
			if r := f.do(tok.Token, "GET", "/api/v1/me", nil); r.status != http.StatusUnauthorized {
				t.Fatalf("expired token: %d", r.status)
			}
			f.now = f.now.Add(-30 * 24 * time.Hour)
			if r := f.do("acme", "DELETE", "/api/v1/tokens/"+tok.ID, nil); r.status != http.StatusNoContent {
				t.Fatalf("revoke: %d", r.status)
			}
			if r := f.do(tok.Token, "GET", "/api/v1/me", nil); r.status != http.StatusUnauthorized {
				t.Fatalf("revoked token: %d", r.status)
			}
			if r := f.do("acme", "POST", "/api/v1/tokens", map[string]any{"name": "x", "expires_in_days": 400}); r.status != http.StatusBadRequest || !strings.Contains(r.body, "expires_in_days") {
				t.Fatalf("too long a life: %d %s", r.status, r.body)
			}
		})

		t.Run("a user without a password signs in only after one is set", func(t *testing.T) {
			f := newFixture(t, open)
			ctx := accord.WithActor(t.Context(), accord.SystemActor("test"))
			u, err := f.dir.CreateUser(ctx, f.now, directory.NewUser{OrgID: f.orgs["acme"].ID, Email: "new@acme.example",
				Name: "Nora New", Role: accord.RoleCustomerContact, WithoutPassword: true})
			if err != nil {
				t.Fatal(err)
			}
			for _, pw := range []string{"", "anything at all!"} {
				if r := login(f, u.Email, pw); r.status != http.StatusUnauthorized {
					t.Fatalf("sign-in with %q before a password is set: %d", pw, r.status)
				}
			}
			if r := f.do("admin", "PUT", "/api/v1/users/"+string(u.ID)+"/password", map[string]string{"password": "a freshly set passphrase"}); r.status != http.StatusNoContent {
				t.Fatalf("admin sets the password: %d %s", r.status, r.body)
			}
			if r := login(f, u.Email, "a freshly set passphrase"); r.status != http.StatusOK {
				t.Fatalf("sign-in after: %d", r.status)
			}
			if r := f.do("admin", "POST", "/api/v1/users", `{"org_id":"`+string(f.orgs["acme"].ID)+`","email":"x@acme.example","name":"X Y","role":"customer_contact","password":""}`); r.status != http.StatusBadRequest {
				t.Fatalf("the API cannot create a user without a password: %d", r.status)
			}
		})

		t.Run("a password reset or deactivation revokes API tokens", func(t *testing.T) {
			f := newFixture(t, open)
			var tok struct{ Token string }
			f.do("acme", "POST", "/api/v1/tokens", map[string]string{"name": "script"}).json(t, &tok)
			if r := f.do("admin", "PUT", "/api/v1/users/"+string(f.users["acme"].ID)+"/password", map[string]string{"password": "a fresh passphrase here"}); r.status != http.StatusNoContent {
				t.Fatalf("reset: %d", r.status)
			}
			if r := f.do(tok.Token, "GET", "/api/v1/me", nil); r.status != http.StatusUnauthorized {
				t.Fatalf("token after a password reset: %d", r.status)
			}
			f.do("globex", "POST", "/api/v1/tokens", map[string]string{"name": "script"}).json(t, &tok)
			for _, active := range []bool{false, true} {
				if r := f.do("admin", "PATCH", "/api/v1/users/"+string(f.users["globex"].ID), map[string]bool{"active": active}); r.status != http.StatusOK {
					t.Fatalf("active=%v: %d", active, r.status)
				}
			}
			if r := f.do(tok.Token, "GET", "/api/v1/me", nil); r.status != http.StatusUnauthorized {
				t.Fatalf("token of a deactivated, then reactivated user: %d", r.status)
			}
		})

		t.Run("a lapsed partner still edits its own profile", func(t *testing.T) {
			f := newFixture(t, open)
			if r := f.do("lapsed", "PATCH", "/api/v1/me", map[string]string{"locale": "pt-BR"}); r.status != http.StatusOK {
				t.Fatalf("own profile: %d %s", r.status, r.body)
			}
			if r := f.do("lapsed", "GET", "/api/v1/users/"+string(f.users["partner"].ID), nil); r.status != http.StatusForbidden {
				t.Fatalf("someone else's record: %d", r.status)
			}
			if r := f.do("lapsed", "PUT", "/api/v1/me/password", map[string]string{"current_password": testPassword, "password": "another long passphrase"}); r.status != http.StatusNoContent {
				t.Fatalf("own password: %d %s", r.status, r.body)
			}
		})

		t.Run("odd bytes are refused or cleaned, never a 500", func(t *testing.T) {
			f := newFixture(t, open)
			for _, ua := range []string{"Mozilla \xff", strings.Repeat("a", 299) + "é"} {
				r := f.do("", "POST", "/api/v1/login", map[string]string{"email": f.users["acme"].Email, "password": testPassword}, "User-Agent", ua)
				if r.status != http.StatusOK {
					t.Fatalf("User-Agent %q: %d %s", ua, r.status, r.body)
				}
			}
			if r := f.do("acme", "PATCH", "/api/v1/me", map[string]string{"name": "Ana\u0000Lima"}); r.status != http.StatusBadRequest || !strings.Contains(r.body, `"field":"name"`) {
				t.Fatalf("NUL in a name: %d %s", r.status, r.body)
			}
		})

		t.Run("clients cannot choose the request id the audit trail records", func(t *testing.T) {
			f := newFixture(t, open)
			r := f.do("admin", "PATCH", "/api/v1/me", map[string]string{"name": "Alma Admin"}, "X-Request-Id", "forged-id")
			if r.status != http.StatusOK || r.header.Get("X-Request-Id") == "forged-id" || r.header.Get("X-Request-Id") == "" {
				t.Fatalf("status %d, X-Request-Id %q", r.status, r.header.Get("X-Request-Id"))
			}
			for _, e := range f.events() {
				if e.RequestID == "forged-id" {
					t.Fatalf("audit event %s records the client's id", e.ID)
				}
			}
		})

		t.Run("cookie attributes", func(t *testing.T) {
			f := newFixture(t, open)
			req, _ := http.NewRequest("POST", f.srv.URL+"/api/v1/login", strings.NewReader(`{"email":"`+f.users["acme"].Email+`","password":"`+testPassword+`"}`))
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			sc := resp.Header.Get("Set-Cookie")
			for _, want := range []string{"accord_session=", "HttpOnly", "SameSite=Lax", "Path=/"} {
				if !strings.Contains(sc, want) {
					t.Errorf("Set-Cookie %q lacks %s", sc, want)
				}
			}
		})
	})
}
