package api

import (
	"bytes"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"accord/internal/audit"
	"accord/internal/directory"
	"accord/internal/store"
	"accord/internal/store/dbtest"
)

func TestClientOf(t *testing.T) {
	trusted, err := ParseProxies("10.0.0.0/8, 192.0.2.7 ,::1")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		peer string
		xff  []string
		want string
	}{
		{"203.0.113.9:5000", []string{"198.51.100.1"}, "203.0.113.9"},               // not a proxy: the header is the client's own claim
		{"10.1.2.3:5000", nil, "10.1.2.3"},                                          // a proxy that names nobody
		{"10.1.2.3:5000", []string{"198.51.100.1"}, "198.51.100.1"},                 // the proxy names the client
		{"10.1.2.3:5000", []string{"1.2.3.4, 198.51.100.1"}, "198.51.100.1"},        // what the client wrote further left is ignored
		{"10.1.2.3:5000", []string{"198.51.100.1, 192.0.2.7"}, "198.51.100.1"},      // through two trusted proxies
		{"10.1.2.3:5000", []string{"198.51.100.1", "10.9.9.9"}, "198.51.100.1"},     // several header lines
		{"10.1.2.3:5000", []string{"garbage, 198.51.100.1"}, "198.51.100.1"},        // junk left of the client
		{"10.1.2.3:5000", []string{"198.51.100.1, garbage"}, "10.1.2.3"},            // junk the proxy must not have written: the peer
		{"[::1]:5000", []string{"2001:db8::1"}, "2001:db8::1"},                      // IPv6
		{"[::ffff:10.1.2.3]:5000", []string{"::ffff:198.51.100.1"}, "198.51.100.1"}, // IPv4 in IPv6
		{"10.1.2.3:5000", []string{"10.2.2.2, 10.3.3.3"}, "10.2.2.2"},               // every hop trusted: the furthest
		{"10.1.2.3:5000", []string{"198.51.100.1\x00"}, "10.1.2.3"},                 // not an address
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = tc.peer
		for _, v := range tc.xff {
			r.Header.Add("X-Forwarded-For", v)
		}
		if got := clientOf(r, trusted); got.String() != tc.want {
			t.Errorf("peer %s, X-Forwarded-For %q: %s, want %s", tc.peer, tc.xff, got, tc.want)
		}
	}
	for _, bad := range []string{"10.0.0.0/33", "proxy.example", "10.0.0.1:80"} {
		if _, err := ParseProxies(bad); err == nil {
			t.Errorf("ParseProxies(%q) accepted", bad)
		}
	}
}

// TestThrottlingBehindAProxy: behind a trusted proxy every request comes
// from the proxy's address; throttling counts the client the proxy names,
// so guesses from one client do not slow down another. Without trust, the
// header is the client's own claim and changes nothing.
func TestThrottlingBehindAProxy(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, open func(testing.TB) *store.DB) {
		f := newFixture(t, open)
		cfg := directory.DefaultConfig()
		cfg.Argon2 = cheapArgon2
		proxied := func(trusted string) *httptest.Server {
			p, err := ParseProxies(trusted)
			if err != nil {
				t.Fatal(err)
			}
			srv := httptest.NewServer(New(Deps{
				DB: f.db, Directory: directory.NewService(store.NewDirectory(f.db), cfg), Audit: audit.NewService(store.NewAudit(f.db)),
				Log: slog.New(slog.DiscardHandler), Now: func() time.Time { return f.now }, TrustedProxies: p,
			}))
			t.Cleanup(srv.Close)
			return srv
		}
		email := f.users["acme"].Email
		login := func(srv *httptest.Server, client, password string) int {
			t.Helper()
			req, _ := http.NewRequest("POST", srv.URL+"/api/v1/login", bytes.NewReader(fmt.Appendf(nil, `{"email":%q,"password":%q}`, email, password)))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("X-Forwarded-For", client)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			return resp.StatusCode
		}
		for _, tc := range []struct {
			name    string
			trusted string
			want    int // the rightful user's answer after another client's guesses
		}{
			{"trusted proxy", "127.0.0.1", http.StatusOK},
			{"untrusted header", "", http.StatusTooManyRequests},
		} {
			t.Run(tc.name, func(t *testing.T) {
				srv := proxied(tc.trusted)
				f.now = f.now.Add(time.Hour)
				for range 5 {
					if got := login(srv, "203.0.113.66", "wrong password!"); got != http.StatusUnauthorized {
						t.Fatalf("a guess: %d", got)
					}
				}
				if got := login(srv, "203.0.113.66", testPassword); got != http.StatusTooManyRequests {
					t.Fatalf("the guessing client: %d, want 429", got)
				}
				if got := login(srv, "198.51.100.7", testPassword); got != tc.want {
					t.Fatalf("the rightful user's client: %d, want %d", got, tc.want)
				}
			})
		}
	})
}
