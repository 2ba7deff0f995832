package notify_test

import (
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"accord/internal/notify"
	"accord/internal/sla"
	"accord/internal/store"
	"accord/internal/store/dbtest"
)

// listen runs an inbound SMTP listener for svc on a loopback port.
func listen(t *testing.T, svc *notify.Service, now time.Time) string {
	t.Helper()
	srv := notify.NewInboundSMTP(svc, "mx.northwind.example", func() time.Time { return now }, nil)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(l) }()
	t.Cleanup(func() {
		if err := srv.Close(); err != nil {
			t.Error(err)
		}
		if err := <-done; err != nil {
			t.Error(err)
		}
	})
	return l.Addr().String()
}

// code is the SMTP reply code of err, 250 for nil.
func code(err error) int {
	var e *smtp.SMTPError
	switch {
	case err == nil:
		return 250
	case errors.As(err, &e):
		return e.Code
	}
	return -1
}

// send delivers raw from acme to rcpts and returns the code of each RCPT
// and of the end of DATA (0 when no recipient was taken).
func send(t *testing.T, addr string, rcpts []string, raw []byte) ([]int, int) {
	t.Helper()
	c, err := smtp.Dial(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Hello("mx.acme.example"); err != nil {
		t.Fatal(err)
	}
	if err := c.Mail("acme@acme.example", nil); err != nil {
		t.Fatal(err)
	}
	var codes []int
	taken := false
	for _, r := range rcpts {
		err := c.Rcpt(r, nil)
		codes = append(codes, code(err))
		taken = taken || err == nil
	}
	if !taken {
		return codes, 0
	}
	w, err := c.Data()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(raw); err != nil {
		return codes, code(err)
	}
	end := code(w.Close())
	_ = c.Quit()
	return codes, end
}

func TestInboundSMTP(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, open func(testing.TB) *store.DB) {
		f := newFixture(t, open)
		c := f.open(t, "acme", sla.C3)
		f.run(t, f.now)
		n := lastNotification(t, f.box.take(), "acme@acme.example")
		now := f.now.Add(time.Hour)
		addr := listen(t, f.notify, now)
		token := strings.Trim(n.replyTo, "<>")

		// The token is in the envelope only: the To header names the plain
		// support address, as when the reply came through an alias.
		r := answer(n, "User acme <acme@acme.example>", "smtp-good@acme.example", "Sent by SMTP.")
		r.To = "Northwind Support <support@northwind.example>"
		codes, end := send(t, addr, []string{"support@northwind.example", "ana@acme.example", strings.ToUpper(token)}, r.raw())
		if len(codes) != 3 || codes[0] != 550 || codes[1] != 550 || codes[2] != 250 || end != 250 {
			t.Fatalf("codes %v, end of data %d", codes, end)
		}
		l := replies(t, f, c.ID)
		if len(l) != 1 || l[0].Body != "Sent by SMTP." || l[0].AuthorID != f.users["acme"].ID {
			t.Fatalf("replies: %+v", l)
		}
		if rec := inbound(t, f)["smtp-good@acme.example"]; rec.Status != notify.Accepted || rec.Source != "smtp" || rec.EntryID != l[0].ID {
			t.Fatalf("record: %+v", rec)
		}

		// A refused message is still taken (250): it is recorded, not
		// bounced to a sender who may be forged.
		_, end = send(t, addr, []string{token}, answer(n, "mallory@attacker.example", "smtp-spoof@attacker.example", "Close it.").raw())
		if end != 250 {
			t.Fatalf("spoofed: end of data %d", end)
		}
		if rec := inbound(t, f)["smtp-spoof@attacker.example"]; rec.Status != notify.Rejected || !strings.Contains(rec.Reason, "not the person") {
			t.Fatalf("spoofed record: %+v", rec)
		}
		if l := replies(t, f, c.ID); len(l) != 1 {
			t.Fatalf("%d replies", len(l))
		}

		// No reply address at all: nothing to send.
		if codes, end := send(t, addr, []string{"postmaster@northwind.example"}, nil); codes[0] != 550 || end != 0 {
			t.Fatalf("codes %v, end %d", codes, end)
		}
	})
}

// TestInboundSMTPTemporaryFailure answers 451 when the message could not
// be received for a passing reason, and 552 to a message over the limit.
func TestInboundSMTPTemporaryFailure(t *testing.T) {
	f := newFixture(t, dbtest.SQLite)
	f.open(t, "acme", sla.C3)
	f.run(t, f.now)
	n := lastNotification(t, f.box.take(), "acme@acme.example")
	svc, st := flakyService(t, f)
	addr := listen(t, svc, f.now)
	token := strings.Trim(n.replyTo, "<>")
	raw := answer(n, "acme@acme.example", "smtp-later@acme.example", "Any news?").raw()
	if _, end := send(t, addr, []string{token}, raw); end != 451 {
		t.Fatalf("end of data %d, want 451", end)
	}
	st.down = false
	if _, end := send(t, addr, []string{token}, raw); end != 250 {
		t.Fatalf("end of data %d, want 250", end)
	}
	if rec := inbound(t, f)["smtp-later@acme.example"]; rec.Status != notify.Accepted {
		t.Fatalf("record: %+v", rec)
	}
	big := append(answer(n, "acme@acme.example", "smtp-big@acme.example", "Big.").raw(), []byte(strings.Repeat("0123456789abcdef\r\n", notify.MaxInboundBytes/18+1))...)
	if _, end := send(t, addr, []string{token}, big); end != 552 {
		t.Fatalf("end of data %d, want 552", end)
	}
}
