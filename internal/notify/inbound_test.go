package notify_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"accord/internal/accord"
	"accord/internal/cases"
	"accord/internal/directory"
	"accord/internal/notify"
	"accord/internal/sla"
	"accord/internal/store"
	"accord/internal/store/dbtest"
)

// reply is a message written in answer to a notification.
type reply struct {
	From       string
	To         string // the notification's Reply-To
	MessageID  string // "" writes no Message-Id
	InReplyTo  string // the notification's Message-ID, with its brackets
	References string
	Headers    []string // more header lines
	Type       string   // the Content-Type; text/plain by default
	Body       string
}

func (r reply) raw() []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "From: %s\r\nTo: %s\r\nSubject: Re: [#1] Login fails after upgrade\r\nDate: Tue, 12 Mar 2024 10:00:00 -0400\r\n", r.From, r.To)
	if r.MessageID != "" {
		fmt.Fprintf(&b, "Message-Id: <%s>\r\n", r.MessageID)
	}
	if r.InReplyTo != "" {
		fmt.Fprintf(&b, "In-Reply-To: %s\r\n", r.InReplyTo)
	}
	if r.References != "" {
		fmt.Fprintf(&b, "References: %s\r\n", r.References)
	}
	for _, h := range r.Headers {
		b.WriteString(h + "\r\n")
	}
	ct := r.Type
	if ct == "" {
		ct = "text/plain; charset=utf-8"
	}
	fmt.Fprintf(&b, "MIME-Version: 1.0\r\nContent-Type: %s\r\n\r\n", ct)
	b.WriteString(strings.ReplaceAll(r.Body, "\n", "\r\n"))
	return []byte(b.String())
}

// notification is a received notification's reply address and Message-ID.
type notification struct{ replyTo, messageID string }

// lastNotification reads the newest message of got sent to addr.
func lastNotification(t *testing.T, got []received, addr string) notification {
	t.Helper()
	l := messagesTo(got, addr)
	if len(l) == 0 {
		t.Fatalf("no mail to %s", addr)
	}
	raw := l[len(l)-1].Data
	rt, err := header(raw, "Reply-To")
	if err != nil {
		t.Fatalf("Reply-To of the mail to %s: %v", addr, err)
	}
	id, err := header(raw, "Message-ID")
	if err != nil {
		t.Fatalf("Message-ID of the mail to %s: %v", addr, err)
	}
	return notification{replyTo: rt, messageID: id}
}

// answer is a proper reply by from to n, with text above the quote.
func answer(n notification, from, id, text string) reply {
	return reply{From: from, To: n.replyTo, MessageID: id, InReplyTo: n.messageID, References: n.messageID,
		Body: text + "\n\nOn Mon, Mar 11, 2024 at 9:00 AM Northwind Support <support@northwind.example> wrote:\n> Please send the logs.\n> -- \n> Northwind support\n"}
}

// replies lists the public replies of a case, oldest first.
func replies(t *testing.T, f *fixture, id accord.ID) []cases.Entry {
	t.Helper()
	tl, err := f.cases.Timeline(sys, f.now, id)
	if err != nil {
		t.Fatal(err)
	}
	var out []cases.Entry
	for _, e := range tl {
		if e.Kind == cases.Reply {
			out = append(out, e)
		}
	}
	return out
}

// inbound reads the record of every received message by Message-Id.
func inbound(t *testing.T, f *fixture) map[string]notify.Inbound {
	t.Helper()
	l, _, err := f.notify.Inbound(sys, accord.Page{Limit: 200})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]notify.Inbound{}
	for _, in := range l {
		out[in.MessageID] = in
	}
	return out
}

// TestInboundReplies answers the notifications of one case by mail, rightly
// and wrongly, and checks what lands on the case and what is recorded.
func TestInboundReplies(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, open func(testing.TB) *store.DB) {
		f := newFixture(t, open)
		c := f.open(t, "acme", sla.C3)
		f.run(t, f.now)
		opened := f.box.take()
		agentMail := lastNotification(t, opened, "agent@vendor.example")
		f.now = f.now.Add(time.Hour)
		if _, err := f.cases.Reply(f.as("agent"), f.now, c.ID, cases.NewReply{Body: "Please send the logs.", RequestInformation: true}); err != nil {
			t.Fatal(err)
		}
		f.run(t, f.now)
		acmeMail := lastNotification(t, f.box.take(), "acme@acme.example")
		if !strings.HasPrefix(acmeMail.replyTo, "<support+") || !strings.HasSuffix(acmeMail.replyTo, "@northwind.example>") {
			t.Fatalf("Reply-To %s", acmeMail.replyTo)
		}
		const acme = "User acme <acme@acme.example>"
		receive := func(t *testing.T, r reply) notify.Inbound {
			t.Helper()
			f.now = f.now.Add(time.Minute)
			in, err := f.notify.Receive(sys, f.now, notify.Delivery{Source: "imap"}, r.raw())
			if err != nil {
				t.Fatal(err)
			}
			return in
		}

		// Every one of these is refused, and none touches the case.
		unknown := "<support+" + strings.Repeat("a", 24) + "@northwind.example>"
		refused := []struct {
			name   string
			reply  reply
			reason string
		}{
			{"a stranger's From on a valid token", answer(acmeMail, "Mallory <mallory@attacker.example>", "r1@attacker.example", "Close it."), "is not the person"},
			{"a colleague's From on the contact's token", answer(acmeMail, "User colleague <colleague@acme.example>", "r2@acme.example", "Close it."), "is not the person"},
			{"no In-Reply-To or References", func() reply {
				r := answer(acmeMail, acme, "r3@acme.example", "Here they are.")
				r.InReplyTo, r.References = "", ""
				return r
			}(), "neither In-Reply-To nor References"},
			{"In-Reply-To a message we did not send", func() reply {
				r := answer(acmeMail, acme, "r4@acme.example", "Here they are.")
				r.InReplyTo, r.References = "<elsewhere@acme.example>", "<elsewhere@acme.example>"
				return r
			}(), "neither In-Reply-To nor References"},
			{"In-Reply-To mail sent to someone else", func() reply {
				r := answer(acmeMail, acme, "r5@acme.example", "Here they are.")
				r.InReplyTo, r.References = agentMail.messageID, agentMail.messageID
				return r
			}(), "neither In-Reply-To nor References"},
			{"an unknown token", func() reply {
				r := answer(acmeMail, acme, "r6@acme.example", "Here they are.")
				r.To = unknown
				return r
			}(), "token is unknown"},
			{"the token of mail sent to someone else", answer(agentMail, acme, "r7@acme.example", "Here they are."), "is not the person"},
			{"no reply address among the recipients", func() reply {
				r := answer(acmeMail, acme, "r8@acme.example", "Here they are.")
				r.To = "Northwind Support <support@northwind.example>"
				return r
			}(), "no recipient is a reply address"},
			{"an out-of-office answer", func() reply {
				r := answer(acmeMail, acme, "r9@acme.example", "I am away until Monday.")
				r.Headers = []string{"Auto-Submitted: auto-replied"}
				return r
			}(), "Auto-Submitted: auto-replied"},
			{"a bulk message", func() reply {
				r := answer(acmeMail, acme, "r10@acme.example", "I am away until Monday.")
				r.Headers = []string{"Precedence: bulk"}
				return r
			}(), "Precedence: bulk"},
			{"an X-Autoreply", func() reply {
				r := answer(acmeMail, acme, "r11@acme.example", "I am away until Monday.")
				r.Headers = []string{"X-Autoreply: yes"}
				return r
			}(), "X-Autoreply"},
			{"DMARC failed for the From domain", func() reply {
				r := answer(acmeMail, acme, "r12@acme.example", "Close it.")
				r.Headers = []string{"Authentication-Results: mx.northwind.example; spf=pass smtp.mailfrom=attacker.example; dmarc=fail (p=none) header.from=acme.example"}
				return r
			}(), "dmarc=fail"},
			{"SPF failed for the From domain", func() reply {
				r := answer(acmeMail, acme, "r13@acme.example", "Close it.")
				r.Headers = []string{"Authentication-Results: mx.northwind.example;\r\n\tspf=fail (sender IP is 192.0.2.1) smtp.mailfrom=acme@acme.example"}
				return r
			}(), "spf=fail"},
			{"sent by someone on behalf of the contact", func() reply {
				r := answer(acmeMail, acme, "r14@acme.example", "Close it.")
				r.Headers = []string{"Sender: colleague@acme.example"}
				return r
			}(), "on behalf of"},
			{"two From addresses", answer(acmeMail, acme+", colleague@acme.example", "r15@acme.example", "Close it."), "From: 2 addresses"},
			{"nothing above the quote", answer(acmeMail, acme, "r16@acme.example", ""), "no text above"},
			{"no Message-Id", answer(acmeMail, acme, "", "Here they are."), "no Message-Id"},
		}
		for _, tc := range refused {
			t.Run(tc.name, func(t *testing.T) {
				in := receive(t, tc.reply)
				if in.Status != notify.Rejected || !strings.Contains(in.Reason, tc.reason) {
					t.Fatalf("got %s %q, want rejected for %q", in.Status, in.Reason, tc.reason)
				}
			})
		}
		if l := replies(t, f, c.ID); len(l) != 1 {
			t.Fatalf("the case has %d replies after refusals, want the agent's only: %+v", len(l), l)
		}
		records := inbound(t, f)
		for _, tc := range refused {
			rec, ok := records[tc.reply.MessageID]
			switch {
			case tc.reply.MessageID == "":
				if ok {
					t.Errorf("a message without Message-Id was recorded: %+v", rec)
				}
			case !ok:
				t.Errorf("%s: no record", tc.name)
			case rec.Status != notify.Rejected || !strings.Contains(rec.Reason, tc.reason) || rec.EntryID != "":
				t.Errorf("%s: record %+v", tc.name, rec)
			case rec.Source != "imap" || rec.ReceivedAt.IsZero():
				t.Errorf("%s: record %+v", tc.name, rec)
			}
		}
		// A spoofed sender is never recorded as the user, but the case its
		// token named is.
		if rec := records["r1@attacker.example"]; rec.UserID != "" || rec.CaseID != c.ID || rec.From != "mallory@attacker.example" {
			t.Errorf("spoofed record: %+v", rec)
		}

		// The contact's own answer lands as a public reply and resumes the
		// case, which awaited the customer.
		good := answer(acmeMail, acme, "good@acme.example", "Here are the logs you asked for.\nThey are from this morning.")
		in := receive(t, good)
		if in.Status != notify.Accepted || in.CaseID != c.ID || in.UserID != f.users["acme"].ID || in.EntryID == "" {
			t.Fatalf("accepted: %+v", in)
		}
		l := replies(t, f, c.ID)
		last := l[len(l)-1]
		if len(l) != 2 || last.ID != in.EntryID || last.AuthorID != f.users["acme"].ID || last.Internal ||
			last.Body != "Here are the logs you asked for.\nThey are from this morning." {
			t.Fatalf("replies: %+v", l)
		}
		got, err := f.cases.Get(sys, f.now, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.State != cases.Open {
			t.Errorf("state %s, want open: the customer answered", got.State)
		}
		if rec := inbound(t, f)["good@acme.example"]; rec.Status != notify.Accepted || rec.EntryID != in.EntryID || rec.UserID != f.users["acme"].ID ||
			rec.OrgID != f.orgs["acme"].ID || rec.From != "acme@acme.example" || rec.Reason != "" {
			t.Errorf("record: %+v", rec)
		}

		// The same message again (the mailbox delivered it twice) is
		// processed once.
		if in := receive(t, good); in.Status != notify.Duplicate {
			t.Fatalf("again: %+v", in)
		}
		if l := replies(t, f, c.ID); len(l) != 2 {
			t.Fatalf("%d replies after a duplicate", len(l))
		}
		if rec := inbound(t, f)["good@acme.example"]; rec.Status != notify.Accepted {
			t.Errorf("the duplicate changed the record: %+v", rec)
		}

		// What people write above the quoted message, in every client's
		// way of quoting, is all that lands.
		quoting := []struct {
			name string
			body string
			typ  string
			want string
		}{
			{"Portuguese attribution", "Segue o log.\n\nEm seg., 11 de mar. de 2024 às 09:00, Northwind Support <support@northwind.example> escreveu:\n> Envie os logs.\n", "", "Segue o log."},
			{"Spanish attribution", "Adjunto el log.\n\nEl lun, 11 mar 2024 a las 9:00, Northwind Support (<support@northwind.example>) escribió:\n> Envíe los logs.\n", "", "Adjunto el log."},
			{"attribution wrapped on two lines", "Sent them.\n\nOn Mon, Mar 11, 2024 at 9:00 AM Northwind Support <\nsupport@northwind.example> wrote:\n> Please send the logs.\n", "", "Sent them."},
			{"Outlook's original message", "Done.\r\n\r\n-----Original Message-----\r\nFrom: Northwind Support <support@northwind.example>\r\nSent: Monday\r\n\r\nPlease send the logs.\r\n", "", "Done."},
			{"Outlook's rule", "Done again.\n\n________________________________\nDe: Northwind Support <support@northwind.example>\nEnviado: segunda-feira\n\nEnvie os logs.\n", "", "Done again."},
			{"answers between quoted lines, and a signature", "> Which version?\n8.2.1\n> Which browser?\nFirefox\n\n-- \nAna Souza\nAcme IT\n", "", "8.2.1\nFirefox"},
			{"HTML only", "<html><body><p>Logs are <b>attached</b>.</p><blockquote>Please send the logs.</blockquote></body></html>", "text/html; charset=utf-8", "Logs are"},
		}
		for i, q := range quoting {
			t.Run(q.name, func(t *testing.T) {
				r := answer(acmeMail, acme, fmt.Sprintf("quote%d@acme.example", i), "")
				r.Body, r.Type = q.body, q.typ
				in := receive(t, r)
				if in.Status != notify.Accepted {
					t.Fatalf("%+v", in)
				}
				l := replies(t, f, c.ID)
				body := l[len(l)-1].Body
				if q.typ == "" && body != q.want || !strings.HasPrefix(body, q.want) || strings.Contains(body, "Please send") || strings.Contains(body, "Envie") {
					t.Fatalf("body %q, want %q", body, q.want)
				}
			})
		}

		// A closed case takes no more replies, and says so.
		f.now = f.now.Add(time.Hour)
		if _, err := f.cases.Resolve(f.as("agent"), f.now, c.ID, "Fixed in 8.2.2."); err != nil {
			t.Fatal(err)
		}
		if _, err := f.cases.Confirm(f.as("acme"), f.now, c.ID); err != nil {
			t.Fatal(err)
		}
		f.run(t, f.now)
		f.box.take()
		n := len(replies(t, f, c.ID))
		in = receive(t, answer(acmeMail, acme, "closed@acme.example", "One more thing."))
		if in.Status != notify.Rejected || !strings.Contains(in.Reason, "the case is closed") || in.UserID != f.users["acme"].ID {
			t.Fatalf("closed: %+v", in)
		}

		// A deactivated user's answer is refused too.
		off := false
		if _, err := f.dir.UpdateUser(sys, f.now, f.users["acme"].ID, directory.UserUpdate{Active: &off}); err != nil {
			t.Fatal(err)
		}
		in = receive(t, answer(acmeMail, acme, "deactivated@acme.example", "Still there?"))
		if in.Status != notify.Rejected || !strings.Contains(in.Reason, "deactivated") {
			t.Fatalf("deactivated: %+v", in)
		}
		if got := len(replies(t, f, c.ID)); got != n {
			t.Fatalf("%d replies, want %d", got, n)
		}
		if rec := inbound(t, f)["closed@acme.example"]; rec.Status != notify.Rejected || !strings.Contains(rec.Reason, "closed") {
			t.Errorf("closed record: %+v", rec)
		}
	})
}

// TestInboundNeedsAdmin keeps the mail log to administrators.
func TestInboundNeedsAdmin(t *testing.T) {
	f := newFixture(t, dbtest.SQLite)
	if _, _, err := f.notify.Inbound(f.as("agent"), accord.Page{}); !accord.IsKind(err, accord.Forbidden) {
		t.Fatalf("an agent read the mail log: %v", err)
	}
	if _, _, err := f.notify.Inbound(f.as("admin"), accord.Page{}); err != nil {
		t.Fatal(err)
	}
}

// TestInboundTooLarge refuses a message over the limit before reading it.
func TestInboundTooLarge(t *testing.T) {
	f := newFixture(t, dbtest.SQLite)
	raw := append([]byte("Message-Id: <big@acme.example>\r\nFrom: acme@acme.example\r\n\r\n"), make([]byte, notify.MaxInboundBytes)...)
	in, err := f.notify.Receive(sys, f.now, notify.Delivery{Source: "smtp"}, raw)
	if err != nil || in.Status != notify.Rejected || !strings.Contains(in.Reason, "larger than 10 MiB") {
		t.Fatalf("%+v %v", in, err)
	}
	if got := inbound(t, f); len(got) != 0 {
		t.Fatalf("recorded: %+v", got)
	}
}

// flaky is the mail store with a database that fails ByToken while down.
type flaky struct {
	notify.Store
	down bool
}

func (s *flaky) ByToken(ctx context.Context, token string) (notify.Message, error) {
	if s.down {
		return notify.Message{}, errors.New("connection refused")
	}
	return s.Store.ByToken(ctx, token)
}

// flakyService is f's notification service over a store that can fail.
func flakyService(t *testing.T, f *fixture) (*notify.Service, *flaky) {
	t.Helper()
	st := &flaky{Store: f.mail, down: true}
	svc, err := notify.NewService(st, f.cases, f.dir, nil, notify.Config{ReplyTo: "support@northwind.example"})
	if err != nil {
		t.Fatal(err)
	}
	return svc, st
}

// TestInboundTransientFailure returns the error of a failure worth trying
// again and forgets the claim, so that the next delivery is received.
func TestInboundTransientFailure(t *testing.T) {
	f := newFixture(t, dbtest.SQLite)
	c := f.open(t, "acme", sla.C3)
	f.run(t, f.now)
	n := lastNotification(t, f.box.take(), "acme@acme.example")
	svc, st := flakyService(t, f)
	raw := answer(n, "acme@acme.example", "retry@acme.example", "Any news?").raw()
	if in, err := svc.Receive(sys, f.now, notify.Delivery{Source: "imap"}, raw); err == nil {
		t.Fatalf("no error while the database is down: %+v", in)
	}
	if got := inbound(t, f); len(got) != 0 {
		t.Fatalf("the claim was kept: %+v", got)
	}
	st.down = false
	in, err := svc.Receive(sys, f.now, notify.Delivery{Source: "imap"}, raw)
	if err != nil || in.Status != notify.Accepted || in.CaseID != c.ID {
		t.Fatalf("%+v %v", in, err)
	}
}

// TestInboundControlCharacters: mail from the wild may carry NUL and other
// controls in its subject and text; the reply lands without them, the same
// on both engines (PostgreSQL refuses NUL in text), instead of failing.
func TestInboundControlCharacters(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, open func(testing.TB) *store.DB) {
		f := newFixture(t, open)
		c := f.open(t, "acme", sla.C3)
		f.run(t, f.now)
		f.now = f.now.Add(time.Hour)
		if _, err := f.cases.Reply(f.as("agent"), f.now, c.ID, cases.NewReply{Body: "Please send the logs."}); err != nil {
			t.Fatal(err)
		}
		f.run(t, f.now)
		r := answer(lastNotification(t, f.box.take(), "acme@acme.example"), "User acme <acme@acme.example>", "nul@acme.example", "Here\x00 they\x01 are\x7f.")
		r.Headers = []string{"X-Note: =?utf-8?q?a=00b?="}
		raw := strings.Replace(string(r.raw()), "Subject: Re:", "Subject: Re:\x00", 1)
		in, err := f.notify.Receive(sys, f.now, notify.Delivery{Source: "imap"}, []byte(raw))
		if err != nil {
			t.Fatal(err)
		}
		if in.Status != notify.Accepted || strings.ContainsRune(in.Subject, 0) {
			t.Fatalf("received %+v", in)
		}
		got := replies(t, f, c.ID)
		if last := got[len(got)-1]; last.Body != "Here they are." {
			t.Errorf("the reply reads %q", last.Body)
		}
	})
}
