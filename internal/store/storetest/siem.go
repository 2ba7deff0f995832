package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"accord/internal/accord"
	"accord/internal/audit"
	"accord/internal/directory"
	"accord/internal/jobs"
	"accord/internal/siem"
	"accord/internal/store"
)

var _ siem.Store = (*store.SIEM)(nil)

// inbox is a siem.Transport that keeps what each receiver got and fails
// while down is set: the network end of delivery, not the database.
type inbox struct {
	mu   sync.Mutex
	got  map[accord.ID][]audit.Event
	down bool
}

func (b *inbox) Send(_ context.Context, r siem.Receiver, events []audit.Event) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.down {
		return errors.New("connection refused")
	}
	b.got[r.ID] = append(b.got[r.ID], events...)
	return nil
}

// key names an event by its chain and position.
type key struct {
	org accord.ID
	seq int64
}

func keys(events []audit.Event) []key {
	out := make([]key, len(events))
	for i, e := range events {
		out[i] = key{e.OrgID, e.Seq}
	}
	return out
}

// chainOrder checks that each chain's events arrived in seq order without
// gaps, starting after from, and returns how many each chain got.
func chainOrder(t *testing.T, events []audit.Event, from map[accord.ID]int64) map[accord.ID]int64 {
	t.Helper()
	last := map[accord.ID]int64{}
	for k, v := range from {
		last[k] = v
	}
	n := map[accord.ID]int64{}
	for _, e := range events {
		if want := last[e.OrgID] + 1; e.Seq != want {
			t.Fatalf("chain %s: got seq %d, want %d (%v)", e.OrgID, e.Seq, want, keys(events))
		}
		last[e.OrgID] = e.Seq
		n[e.OrgID]++
	}
	return n
}

func testSIEM(t *testing.T, db *store.DB) {
	d := store.NewDirectory(db)
	st := store.NewSIEM(db)
	vendor := mkOrg(t, d, directory.KindVendor, "Vendor")
	a := mkOrg(t, d, directory.KindCustomer, "SIEM A")
	b := mkOrg(t, d, directory.KindCustomer, "SIEM B")
	box := &inbox{got: map[accord.ID][]audit.Event{}}
	svc := siem.NewService(st, box, siem.Config{Batch: 3})
	admin := accord.WithActor(ctx, accord.Actor{UserID: "usr_admin", OrgID: vendor.ID, Role: accord.RoleAdmin, Name: "Admin"})
	soc := accord.WithActor(ctx, accord.Actor{UserID: "usr_soc", OrgID: a.ID, Role: accord.RoleCustomerContact, CustomerAdmin: true, Name: "SOC"})
	plain := accord.WithActor(ctx, accord.Actor{UserID: "usr_p", OrgID: a.ID, Role: accord.RoleCustomerContact, Name: "P"})
	auditor := accord.WithActor(ctx, accord.Actor{UserID: "usr_aud", OrgID: vendor.ID, Role: accord.RoleAuditor, Name: "Aud"})
	str := func(s string) *string { return &s }
	proto := func(p siem.Protocol) *siem.Protocol { return &p }

	all, err := svc.Create(admin, t0, siem.Input{Name: str("Vendor SOC"), Protocol: proto(siem.SyslogTLS), Address: str("siem.vendor.example:6514")})
	if err != nil {
		t.Fatal(err)
	}
	mine, err := svc.Create(soc, t0, siem.Input{Name: str("A SOC"), Protocol: proto(siem.HTTPSJSONLines), Address: str("https://soc.a.example/in"),
		Authorization: str("Bearer s3cret")})
	if err != nil {
		t.Fatal(err)
	}
	if !all.AllOrgs || mine.AllOrgs || mine.OrgID != a.ID || !mine.HasAuth || all.Status.Lag != 1 || mine.Status.Lag != 1 {
		t.Fatalf("created %+v and %+v: want the vendor's reading all, the customer's its own, each one event behind (its creation)", all, mine)
	}
	// Another customer, a plain contact and an auditor cannot change it;
	// the auditor reads it.
	bAdmin := accord.WithActor(ctx, accord.Actor{UserID: "usr_b", OrgID: b.ID, Role: accord.RoleCustomerContact, CustomerAdmin: true})
	_, err = svc.Get(bAdmin, mine.ID)
	wantKind(t, err, accord.NotFound)
	_, err = svc.Update(bAdmin, t0, mine.ID, siem.Input{Enabled: new(bool)})
	wantKind(t, err, accord.NotFound)
	wantKind(t, svc.Delete(bAdmin, t0, mine.ID), accord.NotFound)
	_, err = svc.List(plain)
	wantKind(t, err, accord.Forbidden)
	_, err = svc.Update(auditor, t0, mine.ID, siem.Input{Name: str("x")})
	wantKind(t, err, accord.Forbidden)
	if l, err := svc.List(auditor); err != nil || len(l) != 2 {
		t.Fatalf("auditor's list = %v, %v", l, err)
	}
	if l, err := svc.List(bAdmin); err != nil || len(l) != 0 {
		t.Fatalf("B's list = %v, %v", l, err)
	}
	_, err = svc.Create(soc, t0, siem.Input{Name: str("A SOC"), Protocol: proto(siem.SyslogUDP), Address: str("10.0.0.1:514"), OrgID: &b.ID})
	wantKind(t, err, accord.Invalid)
	_, err = svc.Create(soc, t0, siem.Input{Name: str("A SOC"), Protocol: proto(siem.SyslogUDP), Address: str("10.0.0.1:514")})
	wantKind(t, err, accord.Conflict)

	// Events happen in both customers' chains, and the vendor's.
	for i := range 4 {
		mkUser(t, d, a.ID, "a"+string(rune('0'+i))+"@a.example", accord.RoleCustomerContact)
		mkUser(t, d, b.ID, "b"+string(rune('0'+i))+"@b.example", accord.RoleCustomerContact)
	}
	heads := map[accord.ID]int64{vendor.ID: 1, a.ID: 1, b.ID: 1}
	sys := accord.WithActor(ctx, system)
	deliverAll := func(id accord.ID) {
		t.Helper()
		for range 20 {
			r, err := st.GetReceiver(ctx, accord.Scope{All: true}, id)
			if err != nil {
				t.Fatal(err)
			}
			if r.Status.Lag == 0 {
				return
			}
			if err := svc.Deliver(sys, t0, id); err != nil {
				t.Fatal(err)
			}
		}
		t.Fatalf("receiver %s never caught up", id)
	}

	// The SIEM is down: nothing moves, the failure is recorded, the job
	// comes back after the backoff.
	box.down = true
	if err := svc.Deliver(sys, t0.Add(time.Minute), mine.ID); err == nil {
		t.Fatal("delivery to a receiver that is down succeeded")
	}
	r, _ := svc.Get(soc, mine.ID)
	if r.Status.Failures != 1 || r.Status.LastError != "connection refused" || r.Status.Lag != 5 || r.Status.LastSuccessAt != nil {
		t.Fatalf("after a failure: %+v", r.Status)
	}
	job := receiverJob(t, db, mine.ID)
	if want := t0.Add(time.Minute + siem.Backoff(1)); !job.RunAt.Equal(want) {
		t.Fatalf("job runs at %v, want %v", job.RunAt, want)
	}
	box.down = false
	deliverAll(mine.ID)
	deliverAll(all.ID)

	got := box.got[mine.ID]
	if n := chainOrder(t, got, map[accord.ID]int64{a.ID: 1}); n[a.ID] != 5 || len(n) != 1 {
		t.Fatalf("the customer's receiver got %v: want its own 5 events and no one else's", keys(got))
	}
	if got[0].Action != "siem.receiver.create" {
		t.Fatalf("first event = %s, want the receiver's creation", got[0].Action)
	}
	n := chainOrder(t, box.got[all.ID], heads)
	if n[a.ID] != 5 || n[b.ID] != 4 || n[vendor.ID] != 1 {
		t.Fatalf("the vendor's receiver got %v", keys(box.got[all.ID]))
	}
	r, _ = svc.Get(soc, mine.ID)
	if r.Status.Failures != 0 || r.Status.Sent != 5 || r.Status.LastSuccessAt == nil || r.Status.Lag != 0 {
		t.Fatalf("after catching up: %+v", r.Status)
	}

	// A filter skips events but still moves past them.
	upd, err := svc.Update(soc, t0.Add(time.Hour), mine.ID, siem.Input{Actions: &[]string{"session."}})
	if err != nil || !slices.Equal(upd.Actions, []string{"session."}) || upd.Status.Lag != 1 {
		t.Fatalf("update = %+v, %v", upd, err)
	}
	mkUser(t, d, a.ID, "late@a.example", accord.RoleCustomerContact)
	before := len(box.got[mine.ID])
	deliverAll(mine.ID)
	if len(box.got[mine.ID]) != before {
		t.Fatalf("filtered events were sent: %v", keys(box.got[mine.ID][before:]))
	}

	// An attempt that read the cursors before another advanced them
	// records nothing.
	stale, err := st.Pending(ctx, all, 10)
	if err != nil {
		t.Fatal(err)
	}
	err = st.Advance(ctx, all.ID, siem.Progress{From: map[accord.ID]int64{a.ID: 1}, To: map[accord.ID]int64{a.ID: 3}, At: t0, Next: t0})
	wantKind(t, err, accord.Conflict)
	if len(stale.Events) == 0 || stale.Events[0].OrgID != a.ID {
		t.Fatalf("pending for the vendor = %v", keys(stale.Events))
	}

	// Disabling removes the job; deleting removes the receiver.
	if _, err := svc.Update(soc, t0.Add(2*time.Hour), mine.ID, siem.Input{Enabled: new(bool)}); err != nil {
		t.Fatal(err)
	}
	if j := findJob(t, db, mine.ID); j != nil {
		t.Fatalf("a disabled receiver keeps its job %+v", j)
	}
	if err := svc.Delete(soc, t0.Add(3*time.Hour), mine.ID); err != nil {
		t.Fatal(err)
	}
	_, err = svc.Get(admin, mine.ID)
	wantKind(t, err, accord.NotFound)
	if err := svc.Deliver(sys, t0, mine.ID); err != nil {
		t.Fatalf("a job of a deleted receiver: %v", err)
	}
	trail, _, err := store.NewAudit(db).ListEvents(ctx, accord.OnlyOrg(a.ID), audit.Filter{EntityID: &mine.ID}, accord.Page{Limit: 10})
	if err != nil || len(trail) != 4 || trail[0].Action != "siem.receiver.delete" {
		t.Fatalf("audit of the receiver = %v, %v", trail, err)
	}
}

func findJob(t *testing.T, db *store.DB, subject accord.ID) *jobs.Job {
	t.Helper()
	l, err := store.NewJobs(db).Claim(ctx, t0.Add(365*24*time.Hour), "peek", time.Nanosecond, 100)
	if err != nil {
		t.Fatal(err)
	}
	for _, j := range l {
		if j.SubjectID == subject && j.Kind == siem.DeliverJob {
			return &j
		}
	}
	return nil
}

func receiverJob(t *testing.T, db *store.DB, subject accord.ID) jobs.Job {
	t.Helper()
	j := findJob(t, db, subject)
	if j == nil {
		t.Fatalf("receiver %s has no job", subject)
	}
	return *j
}

// testAuditVerifyRecorded: each verification is an event of the global
// chain, which the vendor's SIEM receivers read; a broken trail is
// "audit.verify.broken" naming the break.
func testAuditVerifyRecorded(t *testing.T, db *store.DB) {
	o := mkOrg(t, store.NewDirectory(db), directory.KindCustomer, "Verified")
	svc := audit.NewService(store.NewAudit(db))
	sys := accord.WithActor(ctx, system)
	if rep, err := svc.VerifyAndRecord(sys, t0); err != nil || rep.Break != nil {
		t.Fatalf("verify: %+v, %v", rep, err)
	}
	if _, err := db.SQL().ExecContext(ctx, `UPDATE audit_events SET actor_name = 'mallory' WHERE org_id = $1`, o.ID); err != nil {
		t.Fatal(err)
	}
	if rep, err := svc.VerifyAndRecord(sys, t0.Add(time.Hour)); err != nil || rep.Break == nil || rep.Break.OrgID != o.ID {
		t.Fatalf("verify after tampering: %+v, %v", rep, err)
	}
	l, _, err := store.NewAudit(db).ListEvents(ctx, accord.OnlyOrg(audit.GlobalOrg), audit.Filter{}, accord.Page{Limit: 10})
	if err != nil || len(l) != 2 || l[0].Action != "audit.verify.broken" || l[1].Action != "audit.verify" ||
		!strings.Contains(fmt.Sprint(l[0].Changes), string(o.ID)) {
		t.Fatalf("global chain: %+v, %v", l, err)
	}
}
