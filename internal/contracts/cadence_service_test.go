package contracts_test

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"accord/internal/accord"
	"accord/internal/contracts"
	"accord/internal/directory"
	"accord/internal/store"
	"accord/internal/store/dbtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

var sys = accord.WithActor(context.Background(), accord.SystemActor("test"))

// utc reads "2006-01-02 15:04" as UTC.
func utc(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse("2006-01-02 15:04", s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// cadence is a database with a vendor, a reseller serving Acme Bank and
// Globex Health, and their people, to whom notices may go.
type cadence struct {
	db    *store.DB
	dir   *directory.Service
	svc   *contracts.Service
	orgs  map[string]accord.ID
	users map[string]accord.ID

	mu     sync.Mutex
	posted []contracts.Mail
}

func newCadence(t *testing.T, db *store.DB) *cadence {
	f := &cadence{db: db, dir: directory.NewService(store.NewDirectory(db), directory.DefaultConfig()),
		orgs: map[string]accord.ID{}, users: map[string]accord.ID{}}
	f.svc = contracts.NewService(store.NewContracts(db), contracts.StaticPlans{"premium": {Name: "Premium"}}, f.dir, contracts.DefaultConfig())
	at := utc(t, "2024-01-02 12:00")
	for key, kind := range map[string]directory.Kind{"vendor": directory.KindVendor, "partner": directory.KindPartner,
		"acme": directory.KindCustomer, "globex": directory.KindCustomer} {
		o, err := f.dir.CreateOrganization(sys, at, directory.NewOrganization{Kind: kind, Name: key})
		if err != nil {
			t.Fatal(err)
		}
		f.orgs[key] = o.ID
	}
	for _, c := range []string{"acme", "globex"} {
		if err := f.dir.LinkPartner(sys, at, f.orgs["partner"], f.orgs[c]); err != nil {
			t.Fatal(err)
		}
	}
	for _, u := range []struct {
		key, org   string
		role       accord.Role
		authorized bool
	}{
		{"owner", "vendor", accord.RoleAgent, false}, {"auditor", "vendor", accord.RoleAuditor, false},
		{"pat", "partner", accord.RolePartnerAgent, false}, {"lapsed", "partner", accord.RolePartnerAgent, false},
		{"ana", "acme", accord.RoleCustomerContact, true}, {"carl", "acme", accord.RoleCustomerContact, false},
		{"gone", "acme", accord.RoleCustomerContact, true}, {"gina", "globex", accord.RoleCustomerContact, true},
	} {
		usr, err := f.dir.CreateUser(sys, at, directory.NewUser{OrgID: f.orgs[u.org], Email: u.key + "@" + u.org + ".example", Name: u.key,
			Role: u.role, AuthorizedContact: u.authorized, WithoutPassword: true})
		if err != nil {
			t.Fatal(err)
		}
		f.users[u.key] = usr.ID
	}
	no := false
	if _, err := f.dir.UpdateUser(sys, at, f.users["gone"], directory.UserUpdate{Active: &no}); err != nil {
		t.Fatal(err)
	}
	for key, until := range map[string]string{"pat": "2026-12-31", "lapsed": "2024-06-30"} {
		if _, err := f.dir.CreateCertification(sys, at, f.users[key], directory.NewCertification{Name: "Core", Number: key,
			ValidFrom: "2024-01-01", ValidUntil: until}); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

func (f *cadence) post(_ context.Context, _ time.Time, m contracts.Mail) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.posted = append(f.posted, m)
	return nil
}

// take returns what was posted since the last take.
func (f *cadence) take() []contracts.Mail {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := f.posted
	f.posted = nil
	return out
}

// tell runs the job kind about id at now, as the job runner would.
func (f *cadence) tell(t *testing.T, now time.Time, job string, id accord.ID) {
	t.Helper()
	if err := f.svc.Tell(sys, now, job, id, f.post); err != nil {
		t.Fatalf("%s of %s at %s: %v", job, id, now, err)
	}
}

// job returns when the job kind about id runs, or zero for none.
func (f *cadence) job(t *testing.T, id accord.ID, kind string) time.Time {
	t.Helper()
	var at time.Time
	err := f.db.SQL().QueryRowContext(context.Background(), `SELECT run_at FROM jobs WHERE subject_id = $1 AND kind = $2`, id, kind).Scan(&at)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}
	} else if err != nil {
		t.Fatal(err)
	}
	return at.UTC()
}

func (f *cadence) wantJob(t *testing.T, id accord.ID, kind, want string) {
	t.Helper()
	got := f.job(t, id, kind)
	if want == "" && !got.IsZero() || want != "" && !got.Equal(utc(t, want)) {
		t.Fatalf("%s job at %s, want %q", kind, got, want)
	}
}

func (f *cadence) count(t *testing.T, q string, args ...any) int {
	t.Helper()
	var n int
	if err := f.db.SQL().QueryRowContext(context.Background(), q, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// recipients names the people m goes to, sorted.
func (f *cadence) recipients(m contracts.Mail) []string {
	var out []string
	for _, r := range m.Notice.Recipients {
		for k, id := range f.users {
			if id == r.UserID {
				out = append(out, k)
			}
		}
	}
	slices.Sort(out)
	return out
}

func (f *cadence) as(key string) context.Context {
	u, err := f.dir.GetUser(sys, time.Now(), f.users[key])
	if err != nil {
		panic(err)
	}
	return accord.WithActor(context.Background(), u.Actor())
}

// TestCadenceSchedule follows the reference term (signed 2024-03-08 for one
// year, it ends 2025-03-07) through its renewal notices, its renewal and
// the renewal's licence survey, with the jobs set at each step at midnight
// in New York.
func TestCadenceSchedule(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, open func(testing.TB) *store.DB) {
		f := newCadence(t, open(t))
		signed := utc(t, "2024-03-08 15:00")
		c, err := f.svc.Create(sys, signed, contracts.NewContract{OrgID: f.orgs["acme"], PartnerID: f.orgs["partner"], AccountOwnerID: f.users["owner"],
			Plan: "premium", SignedOn: "2024-03-08", Years: 1, Licences: []contracts.Licence{{Module: "core", Quantity: 100}}})
		if err != nil {
			t.Fatal(err)
		}
		if c.EndsOn != "2025-03-07" || c.AccountOwnerName != "owner" {
			t.Fatalf("term %+v", c)
		}
		// 90 days before the end, at midnight in New York (EST).
		f.wantJob(t, c.ID, contracts.RenewalJob, "2024-12-07 05:00")
		f.wantJob(t, c.ID, contracts.SurveyJob, "") // a first year is the one just bought

		// Early, the job gives nothing and keeps its time.
		f.tell(t, utc(t, "2024-12-06 12:00"), contracts.RenewalJob, c.ID)
		if m := f.take(); len(m) != 0 {
			t.Fatalf("posted early: %+v", m)
		}
		f.wantJob(t, c.ID, contracts.RenewalJob, "2024-12-07 05:00")

		for _, step := range []struct {
			at   string
			days int
			next string
		}{
			{"2024-12-07 05:00", 90, "2025-01-06 05:00"},
			{"2025-01-06 05:00", 60, "2025-02-05 05:00"},
		} {
			now := utc(t, step.at)
			for range 2 { // a job that runs twice tells once
				f.tell(t, now, contracts.RenewalJob, c.ID)
			}
			posted := f.take()
			if len(posted) != 1 {
				t.Fatalf("%s: posted %d notices, want 1", step.at, len(posted))
			}
			m := posted[0]
			// The customer's active authorized contacts, the reseller's
			// certified agent and the account owner.
			if got := f.recipients(m); !slices.Equal(got, []string{"ana", "owner", "pat"}) {
				t.Errorf("%s: recipients %v", step.at, got)
			}
			if m.Notice.Days != step.days || m.Customer != "acme" || m.Reseller != "partner" || m.Notice.Topic() != "contract.renewal/"+string(c.ID)+"/"+map[int]string{90: "90", 60: "60"}[step.days] {
				t.Errorf("%s: mail %+v", step.at, m)
			}
			f.wantJob(t, c.ID, contracts.RenewalJob, step.next)
		}
		notices, err := f.svc.Notices(f.as("ana"), utc(t, "2025-01-07 12:00"), c.ID)
		if err != nil || len(notices) != 2 || notices[0].Days != 90 || notices[0].DueOn != "2024-12-07" || !notices[0].SentAt.Equal(utc(t, "2024-12-07 05:00")) ||
			len(notices[0].Recipients) != 3 || notices[1].Days != 60 {
			t.Fatalf("notices %+v, %v", notices, err)
		}
		if _, err := f.svc.Notices(f.as("gina"), utc(t, "2025-01-07 12:00"), c.ID); !accord.IsKind(err, accord.NotFound) {
			t.Fatalf("another customer reads the notices: %v", err)
		}

		// Renewed before the 30-day notice: the notices stop, and the
		// renewal's own begin, with its licence survey on its first day.
		r, err := f.svc.Renew(sys, utc(t, "2025-01-20 15:00"), c.ID, contracts.Renewal{})
		if err != nil {
			t.Fatal(err)
		}
		if r.AccountOwnerID != f.users["owner"] || r.SignedOn != "2025-03-08" || r.EndsOn != "2026-03-07" {
			t.Fatalf("renewal %+v", r)
		}
		f.wantJob(t, c.ID, contracts.RenewalJob, "")
		f.wantJob(t, r.ID, contracts.RenewalJob, "2025-12-07 05:00")
		f.wantJob(t, r.ID, contracts.SurveyJob, "2025-03-08 05:00")
		f.tell(t, utc(t, "2025-02-05 05:00"), contracts.RenewalJob, c.ID)
		if m := f.take(); len(m) != 0 {
			t.Fatalf("a renewed term was told: %+v", m)
		}

		// The survey on the anniversary goes to the customer only; answer
		// by 2025-03-22, when the job looks again (midnight EDT).
		f.tell(t, utc(t, "2025-03-08 05:00"), contracts.SurveyJob, r.ID)
		posted := f.take()
		if len(posted) != 1 || posted[0].Notice.Kind != contracts.NoticeSurvey || posted[0].Notice.Year != 1 || posted[0].Notice.AnswerBy != "2025-03-22" ||
			posted[0].Year.StartsOn != "2025-03-08" || !slices.Equal(f.recipients(posted[0]), []string{"ana"}) {
			t.Fatalf("survey %+v", posted)
		}
		// Its letter lists what is contracted, for the customer to compare.
		if got := posted[0].Contract.Licences; !slices.Equal(got, []contracts.Licence{{Module: "core", Quantity: 100}}) {
			t.Fatalf("the survey's letter shows the licences %+v, want core: 100", got)
		}
		f.wantJob(t, r.ID, contracts.SurveyJob, "2025-03-22 04:00")
		status := func(who string, at string) []contracts.SurveyRequest {
			t.Helper()
			l, _, err := f.svc.SurveyRequests(f.as(who), utc(t, at), contracts.SurveyFilter{}, accord.Page{})
			if err != nil {
				t.Fatal(err)
			}
			return l
		}
		if l := status("owner", "2025-03-21 12:00"); len(l) != 1 || l[0].Status != contracts.SurveyOpen || l[0].ContractID != r.ID {
			t.Fatalf("survey before its day %+v", l)
		}
		if l := status("gina", "2025-03-21 12:00"); len(l) != 0 {
			t.Fatalf("another customer sees %+v", l)
		}
		f.tell(t, utc(t, "2025-03-22 04:00"), contracts.SurveyJob, r.ID)
		if posted = f.take(); len(posted) != 1 || posted[0].Notice.Kind != contracts.NoticeSurveyReminder || posted[0].Notice.Topic() != "contract.survey_reminder/"+string(r.ID)+"/1" {
			t.Fatalf("reminder %+v", posted)
		}
		f.wantJob(t, r.ID, contracts.SurveyJob, "") // a one-year term has no other anniversary
		if l := status("pat", "2025-03-22 12:00"); len(l) != 1 || l[0].Status != contracts.SurveyOverdue || l[0].RemindedAt == nil {
			t.Fatalf("overdue survey for the reseller %+v", l)
		}

		// The customer answers: its authorized contact, for the year asked.
		in := contracts.SurveyInput{Year: 1, Measured: []contracts.Licence{{Module: "core", Quantity: 130}}}
		if _, err := f.svc.RecordSurvey(f.as("carl"), utc(t, "2025-03-25 12:00"), r.ID, in); !accord.IsKind(err, accord.Forbidden) {
			t.Errorf("a contact who is not authorized answered: %v", err)
		}
		if _, err := f.svc.RecordSurvey(f.as("ana"), utc(t, "2025-03-25 12:00"), c.ID, in); accord.Public(err).Field != "year" {
			t.Errorf("answered a year never asked: %v", err)
		}
		if _, err := f.svc.RecordSurvey(f.as("ana"), utc(t, "2025-03-25 12:00"), r.ID, in); err != nil {
			t.Fatal(err)
		}
		l := status("owner", "2025-03-25 12:00")
		if len(l) != 1 || l[0].Status != contracts.SurveyAnswered || len(l[0].Lines) != 1 || *l[0].Lines[0].Difference != 30 || l[0].Lines[0].Licensed != 100 {
			t.Fatalf("answered survey %+v", l)
		}

		want := map[string]int{"contract.renewal_notice": 2, "licence_survey.request": 1, "licence_survey.remind": 1, "licence_survey.record": 1}
		for action, n := range want {
			if got := f.count(t, `SELECT count(*) FROM audit_events WHERE action = $1 AND org_id = $2`, action, f.orgs["acme"]); got != n {
				t.Errorf("%d %s events, want %d", got, action, n)
			}
		}

		// Cancelled, the renewal is told nothing more.
		if _, err := f.svc.Cancel(sys, utc(t, "2025-06-01 15:00"), r.ID, contracts.Cancellation{Reason: "sold the company"}); err != nil {
			t.Fatal(err)
		}
		f.wantJob(t, r.ID, contracts.RenewalJob, "")
		f.wantJob(t, r.ID, contracts.SurveyJob, "")
	})
}

// TestCancelledRenewalResumesNotices: a renewal cancelled before it starts
// no longer renews its predecessor, whose notices take up again at once,
// the one due then superseding those it missed.
func TestCancelledRenewalResumesNotices(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, open func(testing.TB) *store.DB) {
		f := newCadence(t, open(t))
		c, err := f.svc.Create(sys, utc(t, "2024-03-08 15:00"), contracts.NewContract{OrgID: f.orgs["globex"], Plan: "premium", SignedOn: "2024-03-08", Years: 1})
		if err != nil {
			t.Fatal(err)
		}
		r, err := f.svc.Renew(sys, utc(t, "2024-11-01 15:00"), c.ID, contracts.Renewal{})
		if err != nil {
			t.Fatal(err)
		}
		f.wantJob(t, c.ID, contracts.RenewalJob, "")
		cancel := utc(t, "2025-01-10 15:00")
		if _, err := f.svc.Cancel(sys, cancel, r.ID, contracts.Cancellation{Reason: "changed their mind"}); err != nil {
			t.Fatal(err)
		}
		f.wantJob(t, c.ID, contracts.RenewalJob, "2025-01-10 15:00")
		f.tell(t, cancel, contracts.RenewalJob, c.ID)
		posted := f.take()
		if len(posted) != 1 || posted[0].Notice.Days != 60 || !slices.Equal(f.recipients(posted[0]), []string{"gina"}) {
			t.Fatalf("posted %+v", posted)
		}
		f.wantJob(t, c.ID, contracts.RenewalJob, "2025-02-05 05:00")
	})
}

// TestAccountOwner: the account owner is an active vendor administrator or
// agent, set when the term is recorded or later.
func TestAccountOwner(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, open func(testing.TB) *store.DB) {
		f := newCadence(t, open(t))
		now := utc(t, "2024-03-08 15:00")
		in := contracts.NewContract{OrgID: f.orgs["acme"], Plan: "premium", SignedOn: "2024-03-08", Years: 1}
		for _, who := range []string{"auditor", "pat", "ana", "gone"} {
			in.AccountOwnerID = f.users[who]
			if _, err := f.svc.Create(sys, now, in); accord.Public(err).Field != "account_owner_id" {
				t.Errorf("%s as account owner: %v", who, err)
			}
		}
		in.AccountOwnerID = ""
		c, err := f.svc.Create(sys, now, in)
		if err != nil {
			t.Fatal(err)
		}
		owner := f.users["owner"]
		c, err = f.svc.Update(sys, now, c.ID, contracts.ContractUpdate{AccountOwnerID: &owner})
		if err != nil || c.AccountOwnerID != owner || c.AccountOwnerName != "owner" {
			t.Fatalf("update %+v, %v", c, err)
		}
		if _, err := f.svc.Update(f.as("owner"), now, c.ID, contracts.ContractUpdate{AccountOwnerID: new(accord.ID)}); !accord.IsKind(err, accord.Forbidden) {
			t.Errorf("an agent changed the owner: %v", err)
		}
		if n := f.count(t, `SELECT count(*) FROM audit_events WHERE action = 'contract.update' AND entity_id = $1`, c.ID); n != 1 {
			t.Errorf("%d contract.update events, want 1", n)
		}
	})
}
