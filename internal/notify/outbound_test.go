package notify_test

import (
	"io"
	"mime/quotedprintable"
	"net/mail"
	"slices"
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

// sent is one delivered message reduced to what the scenario checks.
type sent struct{ to, event, subject string }

func summarize(t *testing.T, got []received) []sent {
	t.Helper()
	var out []sent
	for _, m := range got {
		ev, err := header(m.Data, "X-Accord-Event")
		if err != nil {
			t.Fatalf("no X-Accord-Event in %s", m.Data)
		}
		subject, _ := header(m.Data, "Subject")
		out = append(out, sent{to: strings.Join(m.To, ","), event: ev, subject: subject})
	}
	slices.SortFunc(out, func(a, b sent) int { return strings.Compare(a.to+" "+a.event, b.to+" "+b.event) })
	return out
}

// textOf is the decoded text of a raw plain-text message.
func textOf(t *testing.T, raw string) string {
	t.Helper()
	m, err := mail.ReadMessage(strings.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	var r io.Reader = m.Body
	if strings.EqualFold(m.Header.Get("Content-Transfer-Encoding"), "quoted-printable") {
		r = quotedprintable.NewReader(r)
	}
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestEveryEventMailsTheRightPeople walks one case through its life and
// checks, after each step, who got mail, about what, in which language,
// through the SMTP server in the test.
func TestEveryEventMailsTheRightPeople(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, open func(testing.TB) *store.DB) {
		f := newFixture(t, open)
		var c cases.Case
		var err error
		must := func(_ cases.Case, err error) {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
		}
		const acme, agent, agent2 = "acme@acme.example", "agent@vendor.example", "agent2@vendor.example"
		// Acme is on Premium: the agent keeps the case raised to C2 and C1
		// as a senior engineer (docs/cases.md, "Assignment and routing").
		senior := true
		if _, err := f.dir.UpdateUser(sys, f.now, f.users["agent"].ID, directory.UserUpdate{Senior: &senior}); err != nil {
			t.Fatal(err)
		}
		steps := []struct {
			name string
			do   func()
			want []sent // sorted by recipient and event; subjects are matched in part
		}{
			{"the customer opens a case", func() { c = f.open(t, "acme", sla.C3) }, []sent{
				{acme, "case.opened", "Recebemos o seu chamado"},
				{agent2, "case.opened", "Nuevo caso C3 de Acme"},
				{agent, "case.opened", "New C3 case from Acme"},
			}},
			{"an agent takes it: internal, no mail", func() {
				must(f.cases.Assign(f.as("agent"), f.now, c.ID, cases.Assignment{UserID: f.users["agent"].ID}))
			}, nil},
			{"the agent raises it to C2", func() {
				must(f.cases.Reclassify(f.as("agent"), f.now, c.ID, cases.Reclassification{Criticality: sla.C2, Reason: "Production is down"}))
			}, []sent{{acme, "case.reclassified", "Criticidade alterada de C3 para C2"}}},
			{"the customer calls, as C2 needs: no mail", func() {
				must(f.cases.RecordCall(f.as("agent"), f.now, c.ID, cases.Call{Caller: "User acme", Number: "+55 11 5555-0100", At: f.now}))
			}, nil},
			{"75% of the target passes: the assignee is warned", func() {
				c, err = f.cases.Get(sys, f.now, c.ID)
				if err != nil || c.Clock.WarnAt == nil {
					t.Fatalf("no warning instant: %v %+v", err, c.Clock)
				}
				f.now = *c.Clock.WarnAt
			}, []sent{{agent, "case.sla_warning", "SLA warning: first response due"}}},
			{"the target passes: the assignee hears of the breach", func() { f.now = *c.Clock.DueAt }, []sent{{agent, "case.sla_breach", "SLA breached: C2 case from Acme"}}},
			{"raised to C1 after the breach: the customer hears why, and the breach stands", func() {
				must(f.cases.Reclassify(f.as("agent"), f.now, c.ID, cases.Reclassification{Criticality: sla.C1, Reason: "All users are locked out"}))
				if got, err := f.cases.Get(sys, f.now, c.ID); err != nil || got.Clock.BreachedAt == nil || got.Clock.BreachCriticality != sla.C2 {
					t.Fatalf("after the raise: %v %+v", err, got.Clock)
				}
			}, []sent{{acme, "case.reclassified", "Criticidade alterada de C2 para C1"}}},
			{"the agent asks for logs", func() {
				must(f.cases.Reply(f.as("agent"), f.now, c.ID, cases.NewReply{Body: "Please send the server log.", RequestInformation: true,
					References: []cases.Reference{{Kind: cases.LogRequest, Value: "/var/log/vault/server.log"}}}))
			}, []sent{{acme, "case.info_requested", "Precisamos de informações para continuar"}}},
			{"the customer answers: the assignee hears", func() {
				must(f.cases.Reply(f.as("acme"), f.now, c.ID, cases.NewReply{Body: "Log attached."}))
			}, []sent{{agent, "case.customer_reply", "Acme replied: Login fails after upgrade"}}},
			{"an internal note mails nobody", func() {
				must(f.cases.Reply(f.as("agent"), f.now, c.ID, cases.NewReply{Body: "Looks like the known issue.", Internal: true}))
			}, nil},
			{"the agent puts it on hold: the customer hears why, in Portuguese", func() {
				must(f.cases.AwaitCustomer(f.as("agent"), f.now, c.ID, "Waiting for your maintenance window on Friday"))
			}, []sent{{acme, "case.on_hold", "O seu chamado está em espera"}}},
			{"the customer writes again: the assignee hears", func() {
				must(f.cases.Reply(f.as("acme"), f.now, c.ID, cases.NewReply{Body: "The window is over."}))
			}, []sent{{agent, "case.customer_reply", "Acme replied: Login fails after upgrade"}}},
			{"the agent replies", func() {
				must(f.cases.Reply(f.as("agent"), f.now, c.ID, cases.NewReply{Body: "Apply hotfix 8.2.1."}))
			}, []sent{{acme, "case.agent_reply", "Nova resposta de User agent"}}},
			{"the agent resolves", func() { must(f.cases.Resolve(f.as("agent"), f.now, c.ID, "Fixed by hotfix 8.2.1.")) }, []sent{
				{acme, "case.resolved", "O seu chamado foi resolvido"},
				// Resolving a C2 case opens its root-cause analysis, which is
				// news to the vendor's agents (nobody has it yet).
				{agent2, "case.opened", "Nuevo caso C3 de Acme"},
				{agent, "case.opened", "New C3 case from Acme"},
			}},
			{"the customer reopens: the assignee hears", func() { must(f.cases.Reopen(f.as("acme"), f.now, c.ID, "It came back")) }, []sent{
				{agent, "case.reopened", "Case reopened"},
			}},
			{"resolved again", func() { must(f.cases.Resolve(f.as("agent"), f.now, c.ID, "Fixed for good.")) }, []sent{
				{acme, "case.resolved", "O seu chamado foi resolvido"},
			}},
			{"without confirmation it closes by itself", func() { f.now = f.now.AddDate(0, 0, 20) }, []sent{
				{acme, "case.auto_closed", "O seu chamado foi encerrado automaticamente"},
				// Meanwhile nobody took the root-cause analysis.
				{agent2, "case.sla_breach", "SLA incumplido: caso C3 de Acme"},
				{agent2, "case.sla_warning", "Aviso de SLA"},
				{agent, "case.sla_breach", "SLA breached: C3 case from Acme"},
				{agent, "case.sla_warning", "SLA warning"},
			}},
		}
		var first string // the first Message-ID sent to the customer
		for _, st := range steps {
			st.do()
			f.run(t, f.now)
			raw := f.box.take()
			got := summarize(t, raw)
			for _, m := range raw {
				// The hold's reason and the closing rule reach the customer.
				ev, _ := header(m.Data, "X-Accord-Event")
				want := map[string]string{"case.on_hold": "Waiting for your maintenance window on Friday", "case.auto_closed": "10 dias úteis"}[ev]
				if body := textOf(t, m.Data); want != "" && !strings.Contains(body, want) {
					t.Errorf("%s: %s does not say %q:\n%s", st.name, ev, want, body)
				}
			}
			if len(got) != len(st.want) {
				t.Fatalf("%s: sent %+v, want %+v", st.name, got, st.want)
			}
			for i, w := range st.want {
				g := got[i]
				if g.to != w.to || g.event != w.event || !strings.HasPrefix(g.subject, "[#") || !strings.Contains(g.subject, w.subject) {
					t.Errorf("%s: message %d = %+v, want %+v", st.name, i, g, w)
				}
			}
			for _, m := range messagesTo(raw, acme) {
				id, _ := header(m.Data, "Message-ID")
				if first == "" {
					first = id
					continue
				}
				// Later mail to the customer threads on the first.
				if refs, _ := header(m.Data, "References"); !strings.Contains(refs, strings.Trim(first, "<> ")) {
					t.Errorf("%s: References %q do not name the first message %s", st.name, refs, first)
				}
			}
		}
	})
}

// TestFailedDeliveriesAreRetriedThenKept: the SMTP server refuses, the job
// retries with growing waits, gives up after its attempts, and an admin's
// resend delivers it; the request that caused the mail never waited.
func TestFailedDeliveriesAreRetriedThenKept(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, open func(testing.TB) *store.DB) {
		f := newFixture(t, open)
		f.box.fail(1000)
		c := f.open(t, "globex", sla.C3) // Globex's contact and the two agents
		f.run(t, f.now)
		status := func() notify.Message {
			t.Helper()
			l, _, err := f.notify.Messages(sys, notify.Filter{CaseID: c.ID}, accord.Page{})
			if err != nil {
				t.Fatal(err)
			}
			if len(l) != 3 {
				t.Fatalf("%d messages, want 3", len(l))
			}
			for _, m := range l {
				if m.To == "globex@globex.example" {
					return m
				}
			}
			t.Fatal("no message to globex")
			return notify.Message{}
		}
		m := status()
		if m.Delivery.Status != notify.Retrying || m.Delivery.Attempts != 1 || !strings.Contains(m.Delivery.LastError, "try again later") {
			t.Fatalf("after one failure: %+v", m.Delivery)
		}
		// The first wait is 10 s with up to 20% jitter.
		if w := m.Delivery.NextAttempt.Sub(f.now); w < 10*time.Second || w > 12*time.Second {
			t.Errorf("first retry in %s, want 10-12s", w)
		}
		f.run(t, f.now.Add(9*time.Second))
		if m := status(); m.Delivery.Attempts != 1 {
			t.Errorf("retried before the backoff: %+v", m.Delivery)
		}
		f.run(t, *m.Delivery.NextAttempt)
		m = status()
		if w := m.Delivery.NextAttempt.Sub(f.now); m.Delivery.Attempts != 2 || w < 20*time.Second || w > 24*time.Second {
			t.Errorf("second failure: %+v, next in %s, want 20-24s", m.Delivery, w)
		}
		// The fixture's runner gives up after 3 attempts; the other two
		// messages' waits had their own jitter.
		f.run(t, f.now.Add(time.Minute))
		f.run(t, f.now.Add(time.Minute))
		m = status()
		if m.Delivery.Status != notify.Failed || m.Delivery.Attempts != 3 || m.Delivery.FailedAt == nil {
			t.Fatalf("after the last attempt: %+v", m.Delivery)
		}
		failed, _, err := f.notify.Messages(sys, notify.Filter{Status: notify.Failed}, accord.Page{})
		if err != nil || len(failed) != 3 {
			t.Fatalf("failed list: %d %v", len(failed), err)
		}
		if _, _, err := f.notify.Messages(f.as("agent"), notify.Filter{}, accord.Page{}); !accord.IsKind(err, accord.Forbidden) {
			t.Errorf("an agent read the mail log: %v", err)
		}

		f.box.fail(0)
		if _, err := f.notify.Resend(f.as("admin"), f.now, m.ID); err != nil {
			t.Fatal(err)
		}
		f.run(t, f.now)
		if got := messagesTo(f.box.take(), "globex@globex.example"); len(got) != 1 || !strings.Contains(got[0].Data, "Hemos recibido su caso") {
			t.Fatalf("resent: %+v", got)
		}
		m = status()
		if m.Delivery.Status != notify.Sent || m.SentAt == nil {
			t.Errorf("after the resend: %+v", m.Delivery)
		}
		if _, err := f.notify.Resend(f.as("admin"), f.now, m.ID); !accord.IsKind(err, accord.Conflict) {
			t.Errorf("resending a sent message: %v, want a conflict", err)
		}
	})
}

// TestAnnounceTwiceQueuesOnce: a notification job that runs again (its
// lease ran out) queues nothing twice.
func TestAnnounceTwiceQueuesOnce(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, open func(testing.TB) *store.DB) {
		f := newFixture(t, open)
		c := f.open(t, "acme", sla.C3)
		timeline, err := f.cases.Timeline(sys, f.now, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		for range 2 {
			if err := f.notify.Announce(sys, f.now, timeline[0].ID); err != nil {
				t.Fatal(err)
			}
		}
		f.run(t, f.now)
		if got := f.box.take(); len(got) != 3 {
			t.Errorf("%d messages, want 3", len(got))
		}
	})
}
