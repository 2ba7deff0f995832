package main

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/mail"
	"regexp"
	"strings"
	"testing"
	"time"

	gosmtp "github.com/emersion/go-smtp"
)

// mailedServe runs accord serve with the demo data and an SMTP server that
// keeps every message, and returns the server's base URL and the mailbox.
func mailedServe(t *testing.T) (string, *sink) {
	t.Helper()
	box := &sink{}
	srv := gosmtp.NewServer(box)
	srv.Domain, srv.AllowInsecureAuth = "localhost", true
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { srv.Close() })
	ctx, stop := context.WithCancel(context.Background())
	var out, errb syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--demo", "--addr", "127.0.0.1:0", "--data-dir", t.TempDir(), "--jobs-poll", "50ms",
			"--smtp-url", "smtp://" + l.Addr().String() + "?tls=none", "--mail-from", "Northwind Support <support@northwind.example>"},
			noEnv, nil, &out, &errb)
	}()
	t.Cleanup(func() { stop(); <-done })
	re := regexp.MustCompile(`Accord listening on (http://\S+) `)
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if m := re.FindStringSubmatch(out.String()); m != nil {
			return m[1], box
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve did not start: %q %q", out.String(), errb.String())
		}
	}
}

// awaitMail waits for the first message to `to` about event.
func awaitMail(t *testing.T, box *sink, to, event string) *mail.Message {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if m := box.find(to, event); m != nil {
			return m
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %s mail to %s", event, to)
		}
	}
}

// linkIn finds the link to path (such as "/reset/") in a message's body
// and returns its token.
func linkIn(t *testing.T, m *mail.Message, path string) string {
	t.Helper()
	b, _ := io.ReadAll(m.Body)
	text := strings.ReplaceAll(string(b), "=\r\n", "")
	found := regexp.MustCompile(`http://\S+` + regexp.QuoteMeta(path) + `([A-Za-z0-9_-]{40,})`).FindStringSubmatch(text)
	if found == nil {
		t.Fatalf("no %s link in %q", path, text)
	}
	return found[1]
}

// post sends JSON and returns the status and body.
func post(t *testing.T, client *http.Client, url, body string) (int, string) {
	t.Helper()
	resp, err := client.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// A forgotten password comes back through a mailed link that works once.
func TestPasswordResetByMail(t *testing.T) {
	base, box := mailedServe(t)
	client := &http.Client{}
	for _, email := range []string{"ops@acme.example", "nobody@acme.example"} {
		if st, body := post(t, client, base+"/api/v1/password-resets", `{"email":"`+email+`"}`); st != http.StatusAccepted {
			t.Fatalf("reset for %s: %d %s", email, st, body)
		}
	}
	m := awaitMail(t, box, "ops@acme.example", "user.password_reset")
	token := linkIn(t, m, "/reset/")
	if st, body := post(t, client, base+"/api/v1/password-resets/complete", `{"token":"`+token+`","password":"a brand new passphrase"}`); st != http.StatusNoContent {
		t.Fatalf("complete: %d %s", st, body)
	}
	st, body := post(t, client, base+"/api/v1/login", `{"email":"ops@acme.example","password":"a brand new passphrase"}`)
	var who struct{ User struct{ Email string } }
	if st != http.StatusOK || json.Unmarshal([]byte(body), &who) != nil || who.User.Email != "ops@acme.example" {
		t.Fatalf("sign in with the new password: %d %s", st, body)
	}
	if st, _ := post(t, client, base+"/api/v1/password-resets/complete", `{"token":"`+token+`","password":"yet another passphrase"}`); st != http.StatusNotFound {
		t.Fatalf("the link used twice: %d", st)
	}
}

// signedIn is a client with the session of the demo user.
func signedIn(t *testing.T, base, email string) *http.Client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	if st, body := post(t, c, base+"/api/v1/login", `{"email":"`+email+`","password":"`+demoPassword+`"}`); st != http.StatusOK {
		t.Fatalf("sign in %s: %d %s", email, st, body)
	}
	return c
}

// A new contact gets in only after the customer's authorization and the
// vendor's, through the invitation mailed on activation; each side is told
// by mail when it is its turn.
func TestAccessRequestByMail(t *testing.T) {
	base, box := mailedServe(t)
	ops, cto, admin := signedIn(t, base, "ops@acme.example"), signedIn(t, base, "cto@acme.example"), signedIn(t, base, "admin@northwind.example")
	st, body := post(t, ops, base+"/api/v1/contact-requests", `{"name":"Nina Night","email":"nina@acme.example","reason":"night shift operator"}`)
	var req struct {
		ID     string `json:"id"`
		Status string `json:"status"`
		CaseID string `json:"case_id"`
	}
	if st != http.StatusCreated || json.Unmarshal([]byte(body), &req) != nil || req.Status != "pending" || req.CaseID == "" {
		t.Fatalf("request: %d %s", st, body)
	}
	awaitMail(t, box, "cto@acme.example", "contact.access_request")
	if st, body := post(t, admin, base+"/api/v1/contact-requests/"+req.ID+"/approve", `{}`); st != http.StatusConflict {
		t.Fatalf("approval before the customer's authorization: %d %s", st, body)
	}
	if st, body := post(t, cto, base+"/api/v1/contact-requests/"+req.ID+"/authorize", `{"note":"yes, our operator"}`); st != http.StatusOK {
		t.Fatalf("authorize: %d %s", st, body)
	}
	awaitMail(t, box, "admin@northwind.example", "contact.access_request")
	if st, body := post(t, &http.Client{}, base+"/api/v1/login", `{"email":"nina@acme.example","password":"`+demoPassword+`"}`); st != http.StatusUnauthorized {
		t.Fatalf("the person signs in before the vendor's approval: %d %s", st, body)
	}
	if st, body := post(t, admin, base+"/api/v1/contact-requests/"+req.ID+"/approve", `{"note":"welcome"}`); st != http.StatusOK {
		t.Fatalf("approve: %d %s", st, body)
	}
	token := linkIn(t, awaitMail(t, box, "nina@acme.example", "user.invitation"), "/invite/")
	awaitMail(t, box, "ops@acme.example", "contact.access_request")
	if st, body := post(t, &http.Client{}, base+"/api/v1/invitations/accept", `{"token":"`+token+`","password":"a tired owl's long passphrase"}`); st != http.StatusNoContent {
		t.Fatalf("accept the invitation: %d %s", st, body)
	}
	if st, body := post(t, &http.Client{}, base+"/api/v1/login", `{"email":"nina@acme.example","password":"a tired owl's long passphrase"}`); st != http.StatusOK {
		t.Fatalf("sign in after the invitation: %d %s", st, body)
	}
}
