package notify_test

import (
	"context"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/mail"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"accord/internal/accord"
	"accord/internal/cases"
	"accord/internal/contracts"
	"accord/internal/directory"
	"accord/internal/jobs"
	"accord/internal/notify"
	"accord/internal/sla"
	"accord/internal/store"
	"accord/internal/store/dbtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

var ny = func() *time.Location {
	l, err := time.LoadLocation("America/New_York")
	if err != nil {
		panic(err)
	}
	return l
}()

// at reads "2024-03-12 10:00" as New York time.
func at(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, ny)
	if err != nil {
		panic(err)
	}
	return t
}

var sys = accord.WithActor(context.Background(), accord.SystemActor("test"))

const password = "a long test passphrase"

// received is one message the test SMTP server accepted.
type received struct {
	From string
	To   []string
	Data string
}

// mailbox is an SMTP server in the test process that keeps what it gets.
// While failing is above zero, each DATA is refused with a temporary error
// and failing counts down.
type mailbox struct {
	addr string

	mu      sync.Mutex
	got     []received
	failing int
}

func newMailbox(t testing.TB) *mailbox {
	t.Helper()
	mb := &mailbox{}
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &mailSession{mb: mb}, nil }))
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	mb.addr = l.Addr().String()
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Close() })
	return mb
}

// take returns the messages received so far and forgets them.
func (mb *mailbox) take() []received {
	mb.mu.Lock()
	defer mb.mu.Unlock()
	out := mb.got
	mb.got = nil
	return out
}

func (mb *mailbox) fail(n int) {
	mb.mu.Lock()
	mb.failing = n
	mb.mu.Unlock()
}

type mailSession struct {
	mb   *mailbox
	from string
	to   []string
}

func (s *mailSession) Mail(from string, _ *smtp.MailOptions) error { s.from = from; return nil }
func (s *mailSession) Rcpt(to string, _ *smtp.RcptOptions) error   { s.to = append(s.to, to); return nil }
func (s *mailSession) Reset()                                      { s.from, s.to = "", nil }
func (s *mailSession) Logout() error                               { return nil }
func (s *mailSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.mb.mu.Lock()
	defer s.mb.mu.Unlock()
	if s.mb.failing > 0 {
		s.mb.failing--
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try again later"}
	}
	s.mb.got = append(s.mb.got, received{From: s.from, To: s.to, Data: string(b)})
	return nil
}

// fixture: the vendor Northwind (admin; agent in New York, en-US; a second
// agent), Acme (premium) with an authorized contact in Sao Paulo (pt-BR)
// and a colleague who is not authorized, Globex (advanced) with a contact
// in Madrid (es-ES); cases, notifications with an SMTP server in the test,
// and a job runner whose clock the test sets.
type fixture struct {
	db     *store.DB
	dir    *directory.Service
	cases  *cases.Service
	mail   *store.Mail
	notify *notify.Service
	box    *mailbox
	runner *jobs.Runner
	now    time.Time
	orgs   map[string]directory.Organization
	users  map[string]directory.User
}

func newFixture(t *testing.T, open func(testing.TB) *store.DB) *fixture {
	t.Helper()
	f := &fixture{db: open(t), orgs: map[string]directory.Organization{}, users: map[string]directory.User{}, now: at("2024-03-01 09:00")}
	cfg := directory.DefaultConfig()
	cfg.Argon2 = directory.Argon2{MemoryKiB: 64, Time: 1, Threads: 1}
	f.dir = directory.NewService(store.NewDirectory(f.db), cfg)
	policy := sla.NewService(store.NewPolicy(f.db))
	ctr := contracts.NewService(store.NewContracts(f.db), contracts.PolicyPlans{Policy: policy}, f.dir, contracts.DefaultConfig())
	f.cases = cases.NewService(store.NewCases(f.db, f.db.DataDir()), policy, ctr, f.dir, cases.Config{MaxFile: 1 << 20, Sniff: http.DetectContentType})
	f.box = newMailbox(t)
	smtpc, err := notify.NewSMTP("smtp://" + f.box.addr + "?tls=none")
	if err != nil {
		t.Fatal(err)
	}
	f.mail = store.NewMail(f.db)
	f.notify, err = notify.NewService(f.mail, f.cases, f.dir, smtpc, notify.Config{
		From: "Northwind Support <support@northwind.example>", ReplyTo: "support@northwind.example",
		BaseURL: "https://support.northwind.example", Zone: ny,
	})
	if err != nil {
		t.Fatal(err)
	}
	handlers := map[string]jobs.Handler{
		cases.NotifyJob: func(ctx context.Context, now time.Time, j jobs.Job) error {
			return f.notify.Announce(ctx, now, j.SubjectID)
		},
		notify.SendJob: func(ctx context.Context, now time.Time, j jobs.Job) error {
			return f.notify.Deliver(ctx, now, j.SubjectID)
		},
	}
	for _, k := range []cases.TimerKind{cases.WarnTimer, cases.BreachTimer, cases.CloseTimer} {
		handlers[string(k)] = func(ctx context.Context, now time.Time, j jobs.Job) error {
			return f.cases.Fire(ctx, now, k, j.SubjectID)
		}
	}
	f.runner = jobs.NewRunner(store.NewJobs(f.db), handlers, jobs.Config{Now: func() time.Time { return f.now }, MaxAttempts: 3})

	admin := sys
	if _, err := policy.EnsureDefault(admin, f.now); err != nil {
		t.Fatal(err)
	}
	for _, o := range []struct {
		key  string
		kind directory.Kind
		name string
	}{{"vendor", directory.KindVendor, "Northwind"}, {"acme", directory.KindCustomer, "Acme"}, {"globex", directory.KindCustomer, "Globex"}} {
		org, err := f.dir.CreateOrganization(admin, f.now, directory.NewOrganization{Kind: o.kind, Name: o.name})
		if err != nil {
			t.Fatal(err)
		}
		f.orgs[o.key] = org
	}
	for _, u := range []struct {
		key, org, locale, zone string
		role                   accord.Role
		authorized             bool
	}{
		{"admin", "vendor", "en-US", "America/New_York", accord.RoleAdmin, false},
		{"agent", "vendor", "en-US", "America/New_York", accord.RoleAgent, false},
		{"agent2", "vendor", "es-ES", "Europe/Madrid", accord.RoleAgent, false},
		{"acme", "acme", "pt-BR", "America/Sao_Paulo", accord.RoleCustomerContact, true},
		{"colleague", "acme", "en-US", "", accord.RoleCustomerContact, false},
		{"globex", "globex", "es-ES", "Europe/Madrid", accord.RoleCustomerContact, true},
	} {
		usr, err := f.dir.CreateUser(admin, f.now, directory.NewUser{OrgID: f.orgs[u.org].ID, Email: u.key + "@" + u.org + ".example",
			Name: "User " + u.key, Role: u.role, AuthorizedContact: u.authorized, Password: password, Locale: u.locale, TimeZone: u.zone})
		if err != nil {
			t.Fatalf("user %s: %v", u.key, err)
		}
		f.users[u.key] = usr
	}
	for _, in := range []contracts.NewContract{
		{OrgID: f.orgs["acme"].ID, Plan: "premium", SignedOn: "2024-01-01", Years: 1},
		{OrgID: f.orgs["globex"].ID, Plan: "advanced", SignedOn: "2023-06-01", Years: 2},
	} {
		if _, err := ctr.Create(admin, f.now, in); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

// as is a context acting as the fixture's user key.
func (f *fixture) as(key string) context.Context {
	return accord.WithActor(context.Background(), f.users[key].Actor())
}

// run moves the clock to now and runs every job due then, until none is
// left due.
func (f *fixture) run(t *testing.T, now time.Time) {
	t.Helper()
	f.now = now
	for range 100 {
		n, err := f.runner.RunDue(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return
		}
	}
	t.Fatal("jobs keep coming")
}

// open opens an incident for customer key (its contact, through the portal).
func (f *fixture) open(t *testing.T, key string, crit sla.Criticality) cases.Case {
	t.Helper()
	c, err := f.cases.Open(f.as(key), f.now, cases.NewCase{
		Type: cases.Incident, Title: "Login fails after upgrade", Description: "Since the upgrade to 8.2 nobody can sign in.",
		Details: cases.Details{Criticality: crit, Procedure: "Open the login page and sign in", Version: "8.2",
			Observed: "HTTP 500", Expected: "The dashboard", Discovery: "Users called the help desk"},
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// messagesTo returns the received messages addressed to addr.
func messagesTo(got []received, addr string) []received {
	var out []received
	for _, m := range got {
		if slices.ContainsFunc(m.To, func(to string) bool { return strings.EqualFold(to, addr) }) {
			out = append(out, m)
		}
	}
	return out
}

// header returns the decoded value of header name in a raw message.
func header(raw, name string) (string, error) {
	m, err := mail.ReadMessage(strings.NewReader(raw))
	if err != nil {
		return "", err
	}
	v := m.Header.Get(name)
	if v == "" {
		return "", fmt.Errorf("no %s header", name)
	}
	return new(mime.WordDecoder).DecodeHeader(v)
}
