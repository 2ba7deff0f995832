package environments_test

import (
	"testing"
	"time"

	"pgregory.net/rapid"

	"accord/internal/accord"
	"accord/internal/environments"
)

// TestLapsesProperties: for any policy, history and instant, a missing
// snapshot is called for exactly when the newest scheduled snapshot (or
// the creation) is older than the period plus the grace, named by that
// snapshot; a restore test exactly when its months have passed since the
// last one (or the creation); and nothing for an environment not active.
func TestLapsesProperties(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		created := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(rapid.Int64Range(0, 365*24*3600).Draw(t, "created")) * time.Second)
		e := environments.Environment{ID: "env_p", OrgID: "org_p", CreatedAt: created, Backup: environments.DefaultBackup(),
			Status: rapid.SampledFrom(environments.Statuses).Draw(t, "status")}
		e.Backup.Frequency = rapid.SampledFrom([]string{environments.Daily, environments.Weekly}).Draw(t, "frequency")
		e.Backup.RestoreTestMonths = rapid.IntRange(0, 36).Draw(t, "months")
		grace := time.Duration(rapid.IntRange(1, 48).Draw(t, "grace")) * time.Hour
		var b environments.Backups
		from, lapse := created, "none"
		if rapid.Bool().Draw(t, "snapshot") {
			at := created.Add(time.Duration(rapid.Int64Range(0, 400*24*3600).Draw(t, "taken")) * time.Second)
			b.LastScheduled = &environments.Snapshot{ID: accord.ID("snp_" + at.Format("20060102150405")), TakenAt: at, Kind: environments.DailySnapshot}
			from, lapse = at, string(b.LastScheduled.ID)
		}
		since := created
		if rapid.Bool().Draw(t, "restore test") {
			since = created.Add(time.Duration(rapid.Int64Range(0, 400*24*3600).Draw(t, "tested")) * time.Second)
			b.LastRestoreTest = &environments.RestoreTest{CompletedAt: since}
		}
		now := created.Add(time.Duration(rapid.Int64Range(0, 1200*24*3600).Draw(t, "now")) * time.Second)

		got := map[environments.AlertKind]environments.Alert{}
		for _, a := range environments.Lapses(e, b, now, grace) {
			if _, twice := got[a.Kind]; twice {
				t.Fatalf("two %s alerts", a.Kind)
			}
			got[a.Kind] = a
		}
		active := e.Status == environments.Active
		missing, ok := got[environments.MissingSnapshot]
		if want := active && now.Sub(from) > e.Backup.Period()+grace; ok != want {
			t.Fatalf("missing snapshot raised %v, want %v (from %s, now %s)", ok, want, from, now)
		}
		if ok && missing.Lapse != lapse {
			t.Fatalf("lapse %q, want %q", missing.Lapse, lapse)
		}
		m := e.Backup.RestoreTestMonths
		overdue, ok := got[environments.RestoreTestOverdue]
		if want := active && m > 0 && now.After(since.AddDate(0, m, 0)); ok != want {
			t.Fatalf("restore test overdue %v, want %v", ok, want)
		}
		if ok && overdue.Lapse != since.AddDate(0, m, 0).Format(time.DateOnly) {
			t.Fatalf("restore lapse %q", overdue.Lapse)
		}
	})
}
