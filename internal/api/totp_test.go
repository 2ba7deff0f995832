package api

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"accord/internal/store"
	"accord/internal/store/dbtest"
)

// code is the authenticator's code for secret at t.
func code(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	c, err := totp.GenerateCodeCustom(secret, at, totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// enrol turns two-factor sign-in on for the signed-in user key and returns
// its secret and recovery codes.
func enrol(f *fixture, key string) (string, []string) {
	f.t.Helper()
	var e struct {
		Secret string `json:"secret"`
		URI    string `json:"otpauth_uri"`
		QR     []byte `json:"qr_png"`
	}
	r := f.do(key, "POST", "/api/v1/me/totp", nil)
	if r.status != http.StatusCreated {
		f.t.Fatalf("begin: %d %s", r.status, r.body)
	}
	r.json(f.t, &e)
	if !strings.HasPrefix(e.URI, "otpauth://totp/Accord:") || !strings.Contains(e.URI, "secret="+e.Secret) || string(e.QR[1:4]) != "PNG" {
		f.t.Fatalf("enrolment: %s %q", e.URI, e.QR[:8])
	}
	var rc struct {
		Codes []string `json:"recovery_codes"`
	}
	r = f.do(key, "POST", "/api/v1/me/totp/confirm", map[string]string{"code": code(f.t, e.Secret, f.now)})
	if r.status != http.StatusOK {
		f.t.Fatalf("confirm: %d %s", r.status, r.body)
	}
	r.json(f.t, &rc)
	if len(rc.Codes) != 10 {
		f.t.Fatalf("recovery codes: %v", rc.Codes)
	}
	return e.Secret, rc.Codes
}

// challenge signs in with the password and returns the second step's
// challenge.
func challenge(f *fixture, email string) string {
	f.t.Helper()
	var out struct {
		SecondFactor string `json:"second_factor"`
		Challenge    string `json:"challenge"`
	}
	r := login(f, email, testPassword)
	if r.status != http.StatusOK || r.cookie != "" {
		f.t.Fatalf("password step: %d %s (cookie %q)", r.status, r.body, r.cookie)
	}
	r.json(f.t, &out)
	if out.SecondFactor != "totp" || out.Challenge == "" {
		f.t.Fatalf("password step: %s", r.body)
	}
	return out.Challenge
}

func secondStep(f *fixture, ch, c string) response {
	return f.do("", "POST", "/api/v1/login/totp", map[string]string{"challenge": ch, "code": c})
}

func TestTOTP(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, open func(testing.TB) *store.DB) {
		t.Run("enrol, sign in with a code, a replayed code is refused", func(t *testing.T) {
			f := newFixture(t, open)
			email := f.users["agent"].Email
			secret, _ := enrol(f, "agent")
			if r := f.do("agent", "POST", "/api/v1/me/totp", nil); r.status != http.StatusConflict {
				t.Fatalf("enrolling again while on: %d %s", r.status, r.body)
			}
			f.now = f.now.Add(time.Minute)
			ch := challenge(f, email)
			c := code(t, secret, f.now)
			r := secondStep(f, ch, c)
			if r.status != http.StatusOK || r.cookie == "" {
				t.Fatalf("second step: %d %s", r.status, r.body)
			}
			// The challenge is single-use, and so is the code.
			if r := secondStep(f, ch, c); r.status != http.StatusUnauthorized || !strings.Contains(r.body, `"challenge"`) {
				t.Fatalf("the challenge again: %d %s", r.status, r.body)
			}
			if r := secondStep(f, challenge(f, email), c); r.status != http.StatusUnauthorized || !strings.Contains(r.body, "already used") {
				t.Fatalf("the same code again: %d %s", r.status, r.body)
			}
			// One step of clock skew either way is accepted.
			f.now = f.now.Add(2 * time.Minute)
			if r := secondStep(f, challenge(f, email), code(t, secret, f.now.Add(-30*time.Second))); r.status != http.StatusOK {
				t.Fatalf("a code one step old: %d %s", r.status, r.body)
			}
			if r := secondStep(f, challenge(f, email), code(t, secret, f.now.Add(90*time.Second))); r.status != http.StatusUnauthorized {
				t.Fatalf("a code three steps ahead: %d %s", r.status, r.body)
			}
		})

		t.Run("a recovery code works once", func(t *testing.T) {
			f := newFixture(t, open)
			email := f.users["acme"].Email
			_, codes := enrol(f, "acme")
			if r := secondStep(f, challenge(f, email), strings.ToUpper(codes[3])); r.status != http.StatusOK {
				t.Fatalf("recovery code: %d %s", r.status, r.body)
			}
			if r := secondStep(f, challenge(f, email), codes[3]); r.status != http.StatusUnauthorized {
				t.Fatalf("recovery code again: %d %s", r.status, r.body)
			}
			var st struct {
				Left int `json:"recovery_codes_left"`
			}
			f.do("acme", "GET", "/api/v1/me/totp", nil).json(t, &st)
			if st.Left != 9 {
				t.Fatalf("codes left: %d", st.Left)
			}
		})

		t.Run("wrong codes are throttled with the passwords", func(t *testing.T) {
			f := newFixture(t, open)
			email := f.users["acme"].Email
			secret, _ := enrol(f, "acme")
			ch := challenge(f, email) // the password attempt counts until the code proves it
			for i := range 4 {
				if r := secondStep(f, ch, "000000"); r.status != http.StatusUnauthorized {
					t.Fatalf("wrong code %d: %d %s", i+1, r.status, r.body)
				}
			}
			r := secondStep(f, ch, code(t, secret, f.now.Add(30*time.Second)))
			if r.status != http.StatusTooManyRequests || r.header.Get("Retry-After") != "2" {
				t.Fatalf("sixth attempt, right code: %d %q %s", r.status, r.header.Get("Retry-After"), r.body)
			}
			if r := login(f, email, testPassword); r.status != http.StatusTooManyRequests {
				t.Fatalf("the password meanwhile: %d %s", r.status, r.body)
			}
		})

		t.Run("disable and regenerate need a current code", func(t *testing.T) {
			f := newFixture(t, open)
			secret, codes := enrol(f, "acme")
			f.now = f.now.Add(time.Minute)
			if r := f.do("acme", "POST", "/api/v1/me/totp/recovery-codes", map[string]string{"code": "123456"}); r.status != http.StatusUnauthorized {
				t.Fatalf("regenerate with a wrong code: %d %s", r.status, r.body)
			}
			var rc struct {
				Codes []string `json:"recovery_codes"`
			}
			f.do("acme", "POST", "/api/v1/me/totp/recovery-codes", map[string]string{"code": code(t, secret, f.now)}).json(t, &rc)
			if len(rc.Codes) != 10 || rc.Codes[0] == codes[0] {
				t.Fatalf("new codes: %v", rc.Codes)
			}
			if r := secondStep(f, challenge(f, f.users["acme"].Email), codes[0]); r.status != http.StatusUnauthorized {
				t.Fatalf("an old recovery code: %d %s", r.status, r.body)
			}
			f.now = f.now.Add(time.Minute)
			if r := f.do("acme", "POST", "/api/v1/me/totp/disable", map[string]string{"code": code(t, secret, f.now)}); r.status != http.StatusNoContent {
				t.Fatalf("disable: %d %s", r.status, r.body)
			}
			if r := login(f, f.users["acme"].Email, testPassword); r.status != http.StatusOK || r.cookie == "" {
				t.Fatalf("password alone once off: %d %s", r.status, r.body)
			}
			// A vendor administrator resets a lost authenticator; a
			// customer's administrator may not, even in its organization.
			f.cookie["acme"] = login(f, f.users["acme"].Email, testPassword).cookie
			enrol(f, "acme")
			reset := "/api/v1/users/" + string(f.users["acme"].ID) + "/totp"
			if r := f.do("acme-admin", "DELETE", reset, nil); r.status != http.StatusForbidden {
				t.Fatalf("a customer admin resets: %d %s", r.status, r.body)
			}
			if r := f.do("admin", "DELETE", reset, nil); r.status != http.StatusNoContent {
				t.Fatalf("the vendor admin resets: %d %s", r.status, r.body)
			}
			if r := f.do("admin", "DELETE", reset, nil); r.status != http.StatusNotFound {
				t.Fatalf("resetting twice: %d %s", r.status, r.body)
			}
			var actions []string
			for _, e := range f.events() {
				if strings.HasPrefix(e.Action, "user.totp") {
					actions = append(actions, e.Action)
				}
			}
			if got := strings.Join(actions, " "); got != "user.totp_begin user.totp_enable user.totp_recovery_regenerate user.totp_disable user.totp_begin user.totp_enable user.totp_reset" {
				t.Fatalf("audited: %s", got)
			}
		})

		t.Run("a role that requires it may only enrol, and tokens need a recent code", func(t *testing.T) {
			f := newFixture(t, open)
			if r := f.do("acme-admin", "PUT", "/api/v1/totp-policy/customer_admin", map[string]bool{"required": true}); r.status != http.StatusForbidden {
				t.Fatalf("a customer admin sets the policy: %d %s", r.status, r.body)
			}
			if r := f.do("admin", "PUT", "/api/v1/totp-policy/customer_admin", map[string]bool{"required": true}); r.status != http.StatusOK {
				t.Fatalf("set policy: %d %s", r.status, r.body)
			}
			r := login(f, f.users["acme-admin"].Email, testPassword)
			if r.status != http.StatusOK || !strings.Contains(r.body, `"second_factor":"enrol"`) || !strings.Contains(r.body, "customer_admin") {
				t.Fatalf("login of a customer admin: %d %s", r.status, r.body)
			}
			f.cookie["acme-admin"] = r.cookie
			if r := f.do("acme-admin", "GET", "/api/v1/cases", nil); r.status != http.StatusForbidden || !strings.Contains(r.body, "totp_required:customer_admin") {
				t.Fatalf("anything but enrolment: %d %s", r.status, r.body)
			}
			if r := f.do("acme-admin", "POST", "/api/v1/tokens", map[string]string{"name": "ci"}); r.status != http.StatusForbidden {
				t.Fatalf("a token before enrolling: %d %s", r.status, r.body)
			}
			// The plain contact of the same customer is not concerned.
			if r := f.do("acme", "GET", "/api/v1/cases", nil); r.status != http.StatusOK {
				t.Fatalf("a contact: %d %s", r.status, r.body)
			}
			secret, _ := enrol(f, "acme-admin")
			if r := f.do("acme-admin", "GET", "/api/v1/cases", nil); r.status != http.StatusOK {
				t.Fatalf("once enrolled: %d %s", r.status, r.body)
			}
			if r := f.do("acme-admin", "POST", "/api/v1/tokens", map[string]string{"name": "ci"}); r.status != http.StatusCreated {
				t.Fatalf("a token right after the code: %d %s", r.status, r.body)
			}
			f.now = f.now.Add(11 * time.Minute)
			r = f.do("acme-admin", "POST", "/api/v1/tokens", map[string]string{"name": "ci"})
			if r.status != http.StatusForbidden || !strings.Contains(r.body, "recent_second_factor") {
				t.Fatalf("a token 11 minutes later: %d %s", r.status, r.body)
			}
			r = secondStep(f, challenge(f, f.users["acme-admin"].Email), code(t, secret, f.now))
			f.cookie["acme-admin"] = r.cookie
			var tok struct {
				Token string `json:"token"`
			}
			r = f.do("acme-admin", "POST", "/api/v1/tokens", map[string]string{"name": "ci"})
			if r.status != http.StatusCreated {
				t.Fatalf("a token after signing in with a code: %d %s", r.status, r.body)
			}
			// A token is used without a second factor.
			r.json(t, &tok)
			if r := f.do(tok.Token, "GET", "/api/v1/cases", nil); r.status != http.StatusOK {
				t.Fatalf("using the token: %d %s", r.status, r.body)
			}
			// but it cannot turn two-factor sign-in off.
			if r := f.do(tok.Token, "POST", "/api/v1/me/totp/disable", map[string]string{"code": code(t, secret, f.now.Add(30*time.Second))}); r.status != http.StatusForbidden {
				t.Fatalf("disabling with the token: %d %s", r.status, r.body)
			}
			// Nobody reads another user's secret: the status has none.
			if r := f.do("acme-admin", "GET", "/api/v1/me/totp", nil); strings.Contains(r.body, secret) || !strings.Contains(r.body, `"required_by":"customer_admin"`) {
				t.Fatalf("status: %s", r.body)
			}
			for _, e := range f.events() {
				if strings.Contains(fmt.Sprint(e), secret) {
					t.Fatalf("the audit trail holds the secret: %v", e)
				}
			}
		})
	})
}
