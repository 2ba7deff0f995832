package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"accord/internal/accord"
	"accord/internal/directory"
	"accord/internal/environments"
	"accord/internal/store/dbtest"
)

// Two `accord serve` processes on one PostgreSQL database run the hourly
// backup checks of environments whose first daily snapshot is overdue:
// each raises one missing-snapshot alert, in the environment's history
// once; checks run four at a time in this process afterwards change
// nothing; a daily snapshot clears the alert.
func TestMissingSnapshotAlertOnceWithTwoProcesses(t *testing.T) {
	db, url := dbtest.PostgresDatabase(t)
	svc := newServices(db)
	now := time.Now().UTC()
	sys := accord.WithActor(context.Background(), accord.SystemActor("test"))
	acme, err := svc.directory.CreateOrganization(sys, now, directory.NewOrganization{Kind: directory.KindCustomer, Name: "Acme"})
	if err != nil {
		t.Fatal(err)
	}
	// Created 30 hours ago, never backed up: a day and the two hours of
	// grace have passed, and the first check was due 29 hours ago.
	const n = 12
	var ids []accord.ID
	for i := range n {
		e, err := svc.environments.Create(sys, now.Add(-30*time.Hour), environments.NewEnvironment{OrgID: acme.ID,
			Name: fmt.Sprintf("Environment %d", i), Product: "Vault", Status: environments.Active})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, e.ID)
	}

	bin, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	var procs []*exec.Cmd
	var outs []*lockedBuffer
	for range 2 {
		cmd := exec.Command(bin, "serve", "--database-url", url, "--addr", "127.0.0.1:0", "--jobs-poll", "20ms", "--log-level", "warn")
		cmd.Env = append(os.Environ(), "ACCORD_TEST_AS_ACCORD=1")
		out := &lockedBuffer{}
		cmd.Stdout, cmd.Stderr = out, out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		procs = append(procs, cmd)
		outs = append(outs, out)
		t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	}
	ctx := context.Background()
	count := func(q string, args ...any) int {
		t.Helper()
		var k int
		if err := db.SQL().QueryRowContext(ctx, q, args...).Scan(&k); err != nil {
			t.Fatal(err)
		}
		return k
	}
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		due := count(`SELECT count(*) FROM jobs WHERE kind = $1 AND run_at <= $2`, environments.CheckJob, now)
		if due == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d checks still due after a minute", due)
		}
	}
	// Then this process checks every environment four times at once, as
	// processes whose claims overlapped would.
	var wg sync.WaitGroup
	for _, id := range ids {
		for range 4 {
			wg.Go(func() {
				if _, err := svc.environments.Check(sys, time.Now(), id); err != nil {
					t.Error(err)
				}
			})
		}
	}
	wg.Wait()
	// Both processes are up before they are stopped: one still migrating
	// would take the signal as a failure to start.
	for i, o := range outs {
		for deadline := time.Now().Add(60 * time.Second); !strings.Contains(o.text(), "Accord listening on"); time.Sleep(50 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("process %d did not start: %s", i, o.text())
			}
		}
	}
	for _, p := range procs {
		_ = p.Process.Signal(syscall.SIGTERM)
		if err := p.Wait(); err != nil {
			t.Errorf("accord serve: %v", err)
		}
	}
	for i, id := range ids {
		alerts := count(`SELECT count(*) FROM environment_alerts WHERE environment_id = $1 AND kind = 'missing_snapshot'`, id)
		raised := count(`SELECT count(*) FROM audit_events WHERE entity_id = $1 AND action = 'environment.alert_raise'`, id)
		next := count(`SELECT count(*) FROM jobs WHERE subject_id = $1 AND kind = $2 AND run_at > $3`, id, environments.CheckJob, now)
		if alerts != 1 || raised != 1 || next != 1 {
			t.Errorf("environment %d: %d alerts, %d raised in its history, %d next checks; want 1 of each", i, alerts, raised, next)
		}
	}
	if t.Failed() {
		for i, o := range outs {
			t.Logf("process %d output:\n%s", i, o.text())
		}
	}

	agent := accord.WithActor(ctx, accord.Actor{Role: accord.RoleAgent, Name: "Backup robot"})
	if _, err := svc.environments.RecordSnapshot(agent, time.Now(), environments.NewSnapshot{EnvironmentID: ids[0], TakenAt: time.Now().Add(-time.Minute),
		Kind: environments.DailySnapshot, Location: "gs://backups/acme/0"}); err != nil {
		t.Fatal(err)
	}
	if open := count(`SELECT count(*) FROM environment_alerts WHERE environment_id = $1 AND cleared_at IS NULL`, ids[0]); open != 0 {
		t.Errorf("%d alerts still open after the daily snapshot", open)
	}
	if open := count(`SELECT count(*) FROM environment_alerts WHERE cleared_at IS NULL`); open != n-1 {
		t.Errorf("%d open alerts, want %d", open, n-1)
	}
	if rep, err := svc.audit.Verify(sys); err != nil || rep.Break != nil {
		t.Fatalf("audit chain: %+v, %v", rep.Break, err)
	}
}

// text is what the process wrote so far, read under the lock its writer
// takes.
func (l *lockedBuffer) text() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
