package notify_test

import (
	"context"
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

func init() {
	notify.DefineLetter("test.renewal", `Renewal of {{.Facts.plan}} on {{day .Facts.ends}}`,
		"{{.Name}}: ends {{day .Facts.ends}}, call before {{when .Facts.call}}.\n{{.Link}}\n")
}

// body is the decoded text of a raw message.
func body(t *testing.T, raw string) string {
	t.Helper()
	_, rest, ok := strings.Cut(raw, "\r\n\r\n")
	if !ok {
		t.Fatalf("no body in %s", raw)
	}
	return strings.ReplaceAll(rest, "=\r\n", "")
}

// TestLettersAreMailedOnceInTheRecipientsLanguage: a letter is rendered in
// its recipient's locale and zone, and posting the same topic again (a job
// that ran twice) mails nothing more; letters take no replies.
func TestLettersAreMailedOnceInTheRecipientsLanguage(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, open func(testing.TB) *store.DB) {
		f := newFixture(t, open)
		l := notify.Letter{Kind: "test.renewal", Topic: "renewal/ctr_1/90", OrgID: f.orgs["acme"].ID, UserID: f.users["acme"].ID,
			Facts: map[string]any{"plan": "premium", "ends": "2024-12-31", "call": at("2024-10-02 17:00")}, Link: "/contracts/ctr_1"}
		for range 2 {
			if err := f.notify.Post(sys, f.now, l); err != nil {
				t.Fatal(err)
			}
			f.run(t, f.now)
		}
		got := f.box.take()
		if len(got) != 1 {
			t.Fatalf("%d messages, want 1", len(got))
		}
		subject, _ := header(got[0].Data, "Subject")
		text := body(t, got[0].Data)
		// pt-BR dates, and the instant in Sao Paulo (New York 17:00 is 18:00 there).
		for _, want := range []string{"31/12/2024", "02/10/2024 18:00 -03 (America/Sao_Paulo)", "https://support.northwind.example/contracts/ctr_1", "User acme:"} {
			if !strings.Contains(subject+"\n"+text, want) {
				t.Errorf("letter lacks %q:\n%s\n%s", want, subject, text)
			}
		}
		if _, err := header(got[0].Data, "Reply-To"); err == nil {
			t.Error("a letter invites replies")
		}
		if _, err := header(got[0].Data, "X-Accord-Case"); err == nil {
			t.Error("a letter names a case")
		}
		msgs, _, err := f.notify.Messages(sys, notify.Filter{Status: notify.Sent}, accord.Page{})
		if err != nil || len(msgs) != 1 || msgs[0].Topic != l.Topic || msgs[0].CaseID != "" || msgs[0].Event != "test.renewal" {
			t.Fatalf("mail log: %+v %v", msgs, err)
		}
		// A letter without a kind's templates is refused, not mailed blank.
		l.Kind, l.Topic = "test.nonexistent", "other"
		if err := f.notify.Post(sys, f.now, l); err == nil {
			t.Error("a letter of an unknown kind was posted")
		}
	})
}

// links mints "/invite/<n>" for topics it knows and refuses the others.
type links struct{ minted map[string]int }

func (k *links) MintLink(_ context.Context, _ time.Time, kind, topic string, _ accord.ID) (string, error) {
	if topic == "withdrawn" {
		return "", &accord.Error{Kind: accord.Conflict, Msg: "the invitation was withdrawn"}
	}
	k.minted[topic]++
	return "/invite/secret-token-" + kind, nil
}

// TestSecretLinksAreMintedAtDelivery: the stored message never holds the
// link's token; the delivered one does; a letter whose link no longer
// applies is withdrawn and not sent.
func TestSecretLinksAreMintedAtDelivery(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, open func(testing.TB) *store.DB) {
		f := newFixture(t, open)
		k := &links{minted: map[string]int{}}
		smtpc, err := notify.NewSMTP("smtp://" + f.box.addr + "?tls=none")
		if err != nil {
			t.Fatal(err)
		}
		// The fixture's job handlers call whatever f.notify is.
		f.notify, err = notify.NewService(f.mail, f.cases, f.dir, smtpc, notify.Config{
			From: "Northwind Support <support@northwind.example>", BaseURL: "https://support.northwind.example", Zone: ny, Links: k,
		})
		if err != nil {
			t.Fatal(err)
		}
		invite := notify.Letter{Kind: "test.renewal", Topic: "invite/1", OrgID: f.orgs["acme"].ID, UserID: f.users["colleague"].ID,
			Facts: map[string]any{"plan": "premium", "ends": "2024-12-31", "call": f.now}, Secret: true}
		gone := invite
		gone.Topic = "withdrawn"
		if err := f.notify.Post(sys, f.now, invite, gone); err != nil {
			t.Fatal(err)
		}
		stored, _, err := f.notify.Messages(sys, notify.Filter{Status: notify.Queued}, accord.Page{})
		if err != nil || len(stored) != 2 {
			t.Fatalf("queued: %+v %v", stored, err)
		}
		for _, m := range stored {
			if strings.Contains(m.Body, "secret-token") || strings.Contains(m.Body, "/invite/") {
				t.Errorf("the stored body holds the link: %s", m.Body)
			}
		}
		f.run(t, f.now)
		got := f.box.take()
		if len(got) != 1 || !strings.Contains(body(t, got[0].Data), "https://support.northwind.example/invite/secret-token-test.renewal") {
			t.Fatalf("delivered %d messages: %+v", len(got), got)
		}
		if k.minted["invite/1"] != 1 {
			t.Errorf("minted %v, want one link for invite/1", k.minted)
		}
		w, _, err := f.notify.Messages(sys, notify.Filter{Status: notify.Withdrawn}, accord.Page{})
		if err != nil || len(w) != 1 || w[0].Topic != "withdrawn" || !strings.Contains(w[0].Delivery.WithdrawnReason, "the invitation was withdrawn") {
			t.Fatalf("withdrawn: %+v %v", w, err)
		}
		if _, err := f.notify.Resend(sys, f.now, w[0].ID); !accord.IsKind(err, accord.Conflict) {
			t.Errorf("resending a withdrawn letter: %v, want a conflict", err)
		}
	})
}

// TestMailFollowsTheRecipientsScope: a partner agent who opened a case for
// a customer is not told of it once its certification is gone (checked
// when the mail is written) or once its partner no longer serves the
// customer (checked again when a queued message is sent).
func TestMailFollowsTheRecipientsScope(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, open func(testing.TB) *store.DB) {
		f := newFixture(t, open)
		partner, err := f.dir.CreateOrganization(sys, f.now, directory.NewOrganization{Kind: directory.KindPartner, Name: "Southwind"})
		if err != nil {
			t.Fatal(err)
		}
		if err := f.dir.LinkPartner(sys, f.now, partner.ID, f.orgs["acme"].ID); err != nil {
			t.Fatal(err)
		}
		agent, err := f.dir.CreateUser(sys, f.now, directory.NewUser{OrgID: partner.ID, Email: "pa@southwind.example", Name: "Partner Agent",
			Role: accord.RolePartnerAgent, Password: password, Locale: "en-US"})
		if err != nil {
			t.Fatal(err)
		}
		cert, err := f.dir.CreateCertification(sys, f.now, agent.ID, directory.NewCertification{Name: "PAM Core", Number: "C-1", ValidFrom: "2024-01-01", ValidUntil: "2025-01-01"})
		if err != nil {
			t.Fatal(err)
		}
		f.users["partner"] = agent
		const to = "pa@southwind.example"
		c, err := f.cases.Open(f.as("partner"), f.now, cases.NewCase{
			OrgID: f.orgs["acme"].ID, Type: cases.Question, Title: "How do we rotate the vault key?", Description: "Asked for Acme.",
			Details: cases.Details{Criticality: sla.C4},
		})
		if err != nil {
			t.Fatal(err)
		}
		reply := func(text string) {
			t.Helper()
			if _, err := f.cases.Reply(f.as("agent"), f.now, c.ID, cases.NewReply{Body: text}); err != nil {
				t.Fatal(err)
			}
		}
		f.run(t, f.now)
		if got := messagesTo(f.box.take(), to); len(got) != 1 {
			t.Fatalf("the partner got %d receipts, want 1", len(got))
		}
		reply("First answer.")
		f.run(t, f.now)
		if got := messagesTo(f.box.take(), to); len(got) != 1 {
			t.Fatalf("the partner got %d replies while certified, want 1", len(got))
		}

		// Queued while it could read the case, sent after its partner was
		// unlinked: withdrawn at delivery.
		f.box.fail(1)
		reply("Second answer.")
		f.run(t, f.now)
		if err := f.dir.UnlinkPartner(sys, f.now, partner.ID, f.orgs["acme"].ID); err != nil {
			t.Fatal(err)
		}
		f.run(t, f.now.Add(time.Minute))
		if got := messagesTo(f.box.take(), to); len(got) != 0 {
			t.Fatalf("the unlinked partner got %d messages", len(got))
		}
		w, _, err := f.notify.Messages(sys, notify.Filter{Status: notify.Withdrawn}, accord.Page{})
		if err != nil || len(w) != 1 || w[0].To != to || !strings.Contains(w[0].Delivery.WithdrawnReason, "may no longer read") {
			t.Fatalf("withdrawn: %+v %v", w, err)
		}

		// Linked again but decertified: not even written.
		if err := f.dir.LinkPartner(sys, f.now, partner.ID, f.orgs["acme"].ID); err != nil {
			t.Fatal(err)
		}
		if err := f.dir.DeleteCertification(sys, f.now, cert.ID); err != nil {
			t.Fatal(err)
		}
		reply("Third answer, with details the partner may not read.")
		f.run(t, f.now.Add(2*time.Minute))
		if got := messagesTo(f.box.take(), to); len(got) != 0 {
			t.Fatalf("the decertified partner got %d messages", len(got))
		}
		l, _, err := f.notify.Messages(sys, notify.Filter{CaseID: c.ID}, accord.Page{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range l {
			if m.To == to && strings.Contains(m.Body, "Third answer") {
				t.Errorf("a message to the decertified partner was written: %+v", m)
			}
		}
	})
}
