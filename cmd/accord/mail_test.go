package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/mail"
	"net/smtp"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	gosmtp "github.com/emersion/go-smtp"

	"accord/internal/accord"
	"accord/internal/contracts"
	"accord/internal/store"
)

// sink is an SMTP server that keeps every message it is given.
type sink struct {
	mu   sync.Mutex
	msgs []*mail.Message
}

// smtpSink starts an SMTP server that keeps what it receives, closed with
// the test, and returns it with its address.
func smtpSink(t *testing.T) (*sink, string) {
	t.Helper()
	box := &sink{}
	srv := gosmtp.NewServer(box)
	srv.Domain, srv.AllowInsecureAuth = "localhost", true
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Close() })
	return box, l.Addr().String()
}

// mailingServices are the services over db, mailing through an SMTP sink
// as Northwind Support, with the default policy in force at now.
func mailingServices(t *testing.T, db *store.DB, now time.Time) *services {
	t.Helper()
	svc := newServices(db)
	_, smtpAddr := smtpSink(t)
	mail := mailFlags{smtpURL: "smtp://" + smtpAddr + "?tls=none", from: "Northwind Support <support@northwind.example>",
		baseURL: "https://support.northwind.example"}
	if err := svc.enableMail(mail, "127.0.0.1:0", contracts.DefaultConfig().Zone, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.policy.EnsureDefault(accord.WithActor(context.Background(), accord.SystemActor("test")), now); err != nil {
		t.Fatal(err)
	}
	return svc
}

func (s *sink) NewSession(*gosmtp.Conn) (gosmtp.Session, error) { return &sinkSession{s: s}, nil }

type sinkSession struct{ s *sink }

func (x *sinkSession) Mail(string, *gosmtp.MailOptions) error { return nil }
func (x *sinkSession) Rcpt(string, *gosmtp.RcptOptions) error { return nil }
func (x *sinkSession) Reset()                                 {}
func (x *sinkSession) Logout() error                          { return nil }
func (x *sinkSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	m, err := mail.ReadMessage(bytes.NewReader(b))
	if err != nil {
		return err
	}
	x.s.mu.Lock()
	x.s.msgs = append(x.s.msgs, m)
	x.s.mu.Unlock()
	return nil
}

// find returns the first message to `to` about event.
func (s *sink) find(to, event string) *mail.Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, m := range s.msgs {
		if strings.Contains(m.Header.Get("To"), to) && m.Header.Get("X-Accord-Event") == event {
			return m
		}
	}
	return nil
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// TestServeMailsAndTakesReplies runs accord serve with the demo data, an
// SMTP server to send through, and the inbound SMTP port: the demo's
// request for information reaches the customer, and the customer's reply,
// delivered by SMTP, lands on the case and resumes it.
func TestServeMailsAndTakesReplies(t *testing.T) {
	box := &sink{}
	srv := gosmtp.NewServer(box)
	srv.Domain, srv.AllowInsecureAuth = "localhost", true
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(l) }()
	defer srv.Close()

	inbound := freeAddr(t)
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	var out, errb syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--demo", "--addr", "127.0.0.1:0", "--data-dir", t.TempDir(), "--jobs-poll", "50ms",
			"--smtp-url", "smtp://" + l.Addr().String() + "?tls=none", "--mail-from", "Northwind Support <support@northwind.example>",
			"--mail-reply-to", "support@northwind.example", "--inbound-smtp-addr", inbound}, noEnv, nil, &out, &errb)
	}()
	defer func() { stop(); <-done }()
	var base string
	re := regexp.MustCompile(`Accord listening on (http://\S+) `)
	var asked *mail.Message
	for deadline := time.Now().Add(30 * time.Second); asked == nil; time.Sleep(50 * time.Millisecond) {
		if m := re.FindStringSubmatch(out.String()); m != nil {
			base = m[1]
		}
		asked = box.find("ops@acme.example", "case.info_requested")
		if time.Now().After(deadline) {
			t.Fatalf("no request for information mailed; stdout %q stderr %q", out.String(), errb.String())
		}
	}
	caseID := asked.Header.Get("X-Accord-Case")
	replyTo, err := mail.ParseAddress(asked.Header.Get("Reply-To"))
	if err != nil {
		t.Fatal(err)
	}
	reply := strings.Join([]string{
		"From: Omar Operator <ops@acme.example>",
		"To: " + replyTo.Address,
		"Subject: Re: " + asked.Header.Get("Subject"),
		"Message-Id: <reply-1@acme.example>",
		"In-Reply-To: " + asked.Header.Get("Message-Id"),
		"Date: " + time.Now().Format(time.RFC1123Z),
		"Content-Type: text/plain; charset=utf-8",
		"",
		"The vault was rotated at 02:00; the keys are attached to the change ticket.",
		"",
		"On Monday, Northwind Support wrote:",
		"> Which keys were rotated?",
		"",
	}, "\r\n")
	if err := smtp.SendMail(inbound, nil, "ops@acme.example", []string{replyTo.Address}, []byte(reply)); err != nil {
		t.Fatal(err)
	}

	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar}
	resp, err := client.Post(base+"/api/v1/login", "application/json",
		strings.NewReader(`{"email":"agent@northwind.example","password":"`+demoPassword+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		var timeline struct {
			Items []struct {
				Kind, Author, Body string
			} `json:"items"`
		}
		resp, err := client.Get(base + "/api/v1/cases/" + caseID + "/timeline")
		if err != nil {
			t.Fatal(err)
		}
		err = json.NewDecoder(resp.Body).Decode(&timeline)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		last := timeline.Items[len(timeline.Items)-1]
		if n := len(timeline.Items); n >= 2 && timeline.Items[n-2].Kind == "reply" && timeline.Items[n-2].Author == "Omar Operator" {
			got := timeline.Items[n-2].Body
			if got != "The vault was rotated at 02:00; the keys are attached to the change ticket." {
				t.Errorf("reply body %q: the quote was not stripped", got)
			}
			if last.Kind != "state_changed" {
				t.Errorf("the reply did not resume the case: last entry %+v", last)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the reply never landed; timeline %+v; stderr %s", timeline.Items, errb.String())
		}
	}
	// The assignee hears of the answer by mail, too.
	for deadline := time.Now().Add(20 * time.Second); box.find("agent@northwind.example", "case.customer_reply") == nil; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no customer_reply mail to the agent; stderr %s", errb.String())
		}
	}
	// The metrics count the reply taken and the mail sent.
	resp, err = http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(b), `accord_mail_inbound_total{status="accepted"} 1`) || regexp.MustCompile(`(?m)^accord_mail_sent_total [1-9]`).Find(b) == nil {
		t.Errorf("metrics miss the reply or the mail sent:\n%s", b)
	}
}

func TestMailSettingsAreChecked(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--smtp-url", "http://mail"}, "-smtp-url"},
		{[]string{"--smtp-url", "smtp://mail?tls=maybe"}, "tls="},
		{[]string{"--imap-url", "imap://u:p@mail/INBOX"}, "set -smtp-url"},
		{[]string{"--smtp-url", "smtp://mail", "--inbound-smtp-addr", ":0"}, "need -mail-reply-to"},
		{[]string{"--smtp-url", "smtp://mail", "--mail-from", "not an address"}, "mail settings"},
		{[]string{"--smtp-url", "smtp://mail", "--base-url", "ftp://x"}, "-base-url"},
	} {
		args := append([]string{"serve", "--addr", "127.0.0.1:0", "--data-dir", t.TempDir()}, tc.args...)
		code, _, errs := runCLI(t, "", args...)
		if code != 2 || !strings.Contains(errs, tc.want) {
			t.Errorf("%v: exit %d, %q; want 2 naming %q", tc.args, code, errs, tc.want)
		}
	}
}
