package notify_test

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"

	"accord/internal/accord"
	"accord/internal/notify"
	"accord/internal/sla"
	"accord/internal/store"
	"accord/internal/store/dbtest"
)

// newIMAPServer runs an in-memory IMAP server on a loopback port with the
// user "replies" and an empty INBOX, and returns its address.
func newIMAPServer(t *testing.T) string {
	t.Helper()
	mem := imapmemserver.New()
	u := imapmemserver.NewUser("replies", "secret")
	if err := u.Create("INBOX", nil); err != nil {
		t.Fatal(err)
	}
	mem.AddUser(u)
	srv := imapserver.New(&imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			return mem.NewSession(), nil, nil
		},
		Caps:         imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapIMAP4rev2: {}},
		InsecureAuth: true,
	})
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Close() })
	return l.Addr().String()
}

// imapClient signs in to the test server with INBOX selected.
func imapClient(t *testing.T, addr string) *imapclient.Client {
	t.Helper()
	c, err := imapclient.DialInsecure(addr, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	if err := c.Login("replies", "secret").Wait(); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Select("INBOX", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	return c
}

// deliver appends a message to INBOX with flags.
func deliver(t *testing.T, c *imapclient.Client, raw []byte, flags ...imap.Flag) {
	t.Helper()
	cmd := c.Append("INBOX", int64(len(raw)), &imap.AppendOptions{Flags: flags})
	if _, err := cmd.Write(raw); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := cmd.Wait(); err != nil {
		t.Fatal(err)
	}
}

// seen lists, in mailbox order, whether each message is \Seen.
func seen(t *testing.T, c *imapclient.Client) []bool {
	t.Helper()
	if err := c.Noop().Wait(); err != nil { // learn of appended messages
		t.Fatal(err)
	}
	n := c.Mailbox().NumMessages
	if n == 0 {
		return nil
	}
	var set imap.SeqSet
	set.AddRange(1, n)
	msgs, err := c.Fetch(set, &imap.FetchOptions{Flags: true}).Collect()
	if err != nil {
		t.Fatal(err)
	}
	out := make([]bool, n)
	for _, m := range msgs {
		for _, fl := range m.Flags {
			if fl == imap.FlagSeen {
				out[m.SeqNum-1] = true
			}
		}
	}
	return out
}

func TestIMAPPoll(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, open func(testing.TB) *store.DB) {
		f := newFixture(t, open)
		c := f.open(t, "acme", sla.C3)
		f.run(t, f.now)
		n := lastNotification(t, f.box.take(), "acme@acme.example")
		addr := newIMAPServer(t)
		box := imapClient(t, addr)

		good := answer(n, "User acme <acme@acme.example>", "imap-good@acme.example", "The logs are attached.").raw()
		deliver(t, box, good)
		deliver(t, box, answer(n, "Mallory <mallory@attacker.example>", "imap-spoof@attacker.example", "Close it.").raw())
		deliver(t, box, good) // delivered twice
		deliver(t, box, answer(n, "acme@acme.example", "imap-old@acme.example", "Read before.").raw(), imap.FlagSeen)

		poller, err := notify.NewIMAP(f.notify, "imap://replies:secret@"+addr+"/INBOX?tls=none", nil)
		if err != nil {
			t.Fatal(err)
		}
		f.now = f.now.Add(time.Hour)
		handled, err := poller.Poll(context.Background(), f.now)
		if err != nil || handled != 3 {
			t.Fatalf("poll: %d, %v; want 3 handled", handled, err)
		}
		if got := seen(t, box); len(got) != 4 || !got[0] || !got[1] || !got[2] || !got[3] {
			t.Fatalf("seen flags %v", got)
		}
		l := replies(t, f, c.ID)
		if len(l) != 1 || l[0].AuthorID != f.users["acme"].ID || l[0].Body != "The logs are attached." {
			t.Fatalf("replies: %+v", l)
		}
		recs := inbound(t, f)
		if len(recs) != 2 {
			t.Fatalf("records: %+v", recs)
		}
		if r := recs["imap-good@acme.example"]; r.Status != notify.Accepted || r.Source != "imap" || r.EntryID != l[0].ID {
			t.Errorf("good: %+v", r)
		}
		if r := recs["imap-spoof@attacker.example"]; r.Status != notify.Rejected || !strings.Contains(r.Reason, "not the person") {
			t.Errorf("spoofed: %+v", r)
		}

		// Nothing new: nothing to do.
		if handled, err := poller.Poll(context.Background(), f.now); err != nil || handled != 0 {
			t.Fatalf("second poll: %d, %v", handled, err)
		}

		// A message that cannot be received now stays unseen, and is
		// received by the next poll.
		deliver(t, box, answer(n, "acme@acme.example", "imap-later@acme.example", "Any news?").raw())
		down, st := flakyService(t, f)
		flakyPoller, err := notify.NewIMAP(down, "imap://replies:secret@"+addr+"?tls=none", nil)
		if err != nil {
			t.Fatal(err)
		}
		if handled, err := flakyPoller.Poll(context.Background(), f.now); err == nil || handled != 0 {
			t.Fatalf("poll while the database is down: %d, %v", handled, err)
		}
		if got := seen(t, box); len(got) != 5 || got[4] {
			t.Fatalf("seen flags %v", got)
		}
		st.down = false
		if handled, err := flakyPoller.Poll(context.Background(), f.now); err != nil || handled != 1 {
			t.Fatalf("poll: %d, %v", handled, err)
		}
		if got := seen(t, box); !got[4] {
			t.Fatalf("seen flags %v", got)
		}
		if r := inbound(t, f)["imap-later@acme.example"]; r.Status != notify.Accepted {
			t.Fatalf("later: %+v", r)
		}
	})
}

// TestIMAPRunStopsWithItsContext polls until the context ends.
func TestIMAPRunStopsWithItsContext(t *testing.T) {
	f := newFixture(t, dbtest.SQLite)
	f.open(t, "acme", sla.C3)
	f.run(t, f.now)
	n := lastNotification(t, f.box.take(), "acme@acme.example")
	addr := newIMAPServer(t)
	box := imapClient(t, addr)
	deliver(t, box, answer(n, "acme@acme.example", "run@acme.example", "Polled.").raw())
	poller, err := notify.NewIMAP(f.notify, "imap://replies:secret@"+addr+"?tls=none", nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- poller.Run(ctx, 10*time.Millisecond) }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if l, _, err := f.notify.Inbound(sys, accord.Page{}); err == nil && len(l) == 1 && l[0].Status == notify.Accepted {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("Run did not receive the message")
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not stop")
	}
}

func TestNewIMAPReadsItsURL(t *testing.T) {
	for _, tc := range []struct {
		url string
		ok  bool
	}{
		{"imap://replies:secret@mail.example:993/INBOX", true},
		{"imap://replies%40northwind.example:secret@mail.example/Support%2FReplies?tls=starttls", true},
		{"imap://replies:secret@mail.example?tls=none", true},
		{"imaps://replies:secret@mail.example", false},
		{"imap://mail.example", false},
		{"imap://replies:secret@mail.example?tls=maybe", false},
		{"imap://replies:secret@mail.example:99999", false},
	} {
		_, err := notify.NewIMAP(nil, tc.url, nil)
		if (err == nil) != tc.ok {
			t.Errorf("%s: %v", tc.url, err)
		}
		if err != nil && !accord.IsKind(err, accord.Invalid) {
			t.Errorf("%s: %v is not Invalid", tc.url, err)
		}
	}
}
