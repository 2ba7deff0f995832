package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"testing"
	"time"

	"accord/internal/accord"
	"accord/internal/cases"
	"accord/internal/contracts"
	"accord/internal/directory"
	"accord/internal/sla"
	"accord/internal/store/dbtest"
)

// TestMain lets a test start this binary as `accord` itself, for tests that
// need several real processes.
func TestMain(m *testing.M) {
	if os.Getenv("ACCORD_TEST_AS_ACCORD") == "1" {
		main()
	}
	dbtest.Main(m)
}

// Two `accord serve` processes on one PostgreSQL database work the same due
// jobs at once: every warning, breach and auto-close happens exactly once.
func TestJobsExactlyOnceWithTwoProcesses(t *testing.T) {
	db, url := dbtest.PostgresDatabase(t)
	svc := newServices(db)
	now := time.Now().UTC()
	sys := accord.WithActor(context.Background(), accord.SystemActor("test"))
	if _, err := svc.policy.EnsureDefault(sys, now); err != nil {
		t.Fatal(err)
	}
	vendor, err := svc.directory.CreateOrganization(sys, now, directory.NewOrganization{Kind: directory.KindVendor, Name: "Northwind"})
	if err != nil {
		t.Fatal(err)
	}
	acme, err := svc.directory.CreateOrganization(sys, now, directory.NewOrganization{Kind: directory.KindCustomer, Name: "Acme"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.contracts.Create(sys, now, contracts.NewContract{OrgID: acme.ID, Plan: "premium", SignedOn: now.AddDate(0, -3, 0).Format(time.DateOnly), Years: 1}); err != nil {
		t.Fatal(err)
	}
	agent, err := svc.directory.CreateUser(sys, now, directory.NewUser{OrgID: vendor.ID, Email: "agent@northwind.example", Name: "Sam Agent", Role: accord.RoleAgent, Password: "correct horse battery"})
	if err != nil {
		t.Fatal(err)
	}
	as := accord.WithActor(context.Background(), accord.Actor{UserID: agent.ID, OrgID: vendor.ID, Role: agent.Role, Name: agent.Name})

	// Urgent phone cases two hours old, unanswered: warned at 22.5 min and
	// breached at 30 min. Half of them were resolved a month ago and are
	// waiting to close by themselves.
	const n = 30
	var ids []accord.ID
	for i := range n {
		at := now.Add(-2 * time.Hour)
		if i%2 == 1 {
			at = now.AddDate(0, 0, -40)
		}
		c, err := svc.cases.Open(as, at, cases.NewCase{OrgID: acme.ID, Type: cases.Question, Title: fmt.Sprintf("Case %d", i),
			Description: "Nothing works", Criticality: sla.C1, Channel: sla.Phone,
			Call: &cases.Call{Caller: "Carla", Number: "+1 555 0100", At: at}})
		if err != nil {
			t.Fatal(err)
		}
		if i%2 == 1 {
			// Resolved in time: no warning or breach, and a root-cause
			// analysis whose own clock has long run out.
			if _, err := svc.cases.Resolve(as, at.Add(10*time.Minute), c.ID, "Restarted the vault"); err != nil {
				t.Fatal(err)
			}
		}
		ids = append(ids, c.ID)
	}

	bin, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	var procs []*exec.Cmd
	var outs []*bytes.Buffer
	for range 2 {
		cmd := exec.Command(bin, "serve", "--database-url", url, "--addr", "127.0.0.1:0", "--jobs-poll", "20ms", "--log-level", "warn")
		cmd.Env = append(os.Environ(), "ACCORD_TEST_AS_ACCORD=1")
		var out lockedBuffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		procs = append(procs, cmd)
		outs = append(outs, &out.b)
		t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	}
	ctx := context.Background()
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		var due int
		if err := db.SQL().QueryRowContext(ctx, `SELECT count(*) FROM jobs WHERE run_at <= $1`, time.Now().UTC()).Scan(&due); err != nil {
			t.Fatal(err)
		}
		if due == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d jobs still due after a minute", due)
		}
	}
	for _, p := range procs {
		_ = p.Process.Signal(syscall.SIGTERM)
		if err := p.Wait(); err != nil {
			t.Errorf("accord serve: %v", err)
		}
	}

	count := func(q string, args ...any) int {
		t.Helper()
		var k int
		if err := db.SQL().QueryRowContext(ctx, q, args...).Scan(&k); err != nil {
			t.Fatal(err)
		}
		return k
	}
	for i, id := range ids {
		warn := count(`SELECT count(*) FROM case_entries WHERE case_id = $1 AND kind = 'sla_warning'`, id)
		breach := count(`SELECT count(*) FROM case_entries WHERE case_id = $1 AND kind = 'sla_breach'`, id)
		audits := count(`SELECT count(*) FROM audit_events WHERE entity_id = $1 AND action IN ('case.sla_warning', 'case.sla_breach', 'case.auto_close')`, id)
		closes := count(`SELECT count(*) FROM audit_events WHERE entity_id = $1 AND action = 'case.auto_close'`, id)
		want := [4]int{1, 1, 2, 0} // unanswered: one warning, one breach
		if i%2 == 1 {
			want = [4]int{0, 0, 1, 1} // resolved in time: closed once
		}
		if got := [4]int{warn, breach, audits, closes}; got != want {
			t.Errorf("case %d: warnings, breaches, audit events, closures = %v, want %v", i, got, want)
		}
	}
	// The root-cause analyses, opened at resolution 40 days ago, were
	// warned about and breached once each.
	if got := count(`SELECT count(*) FROM cases WHERE type = 'root_cause'`); got != n/2 {
		t.Errorf("%d root-cause analyses, want %d", got, n/2)
	}
	if got := count(`SELECT count(*) FROM case_entries e JOIN cases c ON c.id = e.case_id WHERE c.type = 'root_cause' AND e.kind = 'sla_breach'`); got != n/2 {
		t.Errorf("%d breaches of root-cause analyses, want %d", got, n/2)
	}
	if got := count(`SELECT count(*) FROM cases WHERE state = 'closed' AND close_reason = 'auto_resolved'`); got != n/2 {
		t.Errorf("%d cases closed automatically, want %d", got, n/2)
	}
	if t.Failed() {
		for i, o := range outs {
			t.Logf("process %d output:\n%s", i, o.String())
		}
	}
	// Both processes appended to the same chains; they are intact.
	if rep, err := svc.audit.Verify(sys); err != nil || rep.Break != nil {
		t.Fatalf("audit chain: %+v, %v", rep.Break, err)
	}
}

// lockedBuffer collects a process's output; exec copies into it from a
// goroutine.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}
