package environments

import (
	"context"
	"fmt"
	"time"

	"accord/internal/accord"
	"accord/internal/audit"
)

// CheckJob is the kind of the durable job that checks an environment's
// backups every Config.CheckEvery.
const CheckJob = "environment.check"

// AlertKind says what lapsed.
type AlertKind string

const (
	// MissingSnapshot: the newest scheduled snapshot is older than the
	// policy's period plus the grace.
	MissingSnapshot AlertKind = "missing_snapshot"
	// RestoreTestOverdue: no restore test within RestoreTestMonths.
	RestoreTestOverdue AlertKind = "restore_test_overdue"
)

// Alert is one operations alert about an environment.
type Alert struct {
	ID            accord.ID `json:"id"`
	OrgID         accord.ID `json:"org_id"`
	EnvironmentID accord.ID `json:"environment_id"`
	Kind          AlertKind `json:"kind"`
	// Lapse names the lapse: the snapshot the missing one is counted from
	// ("none" before the first), or the day the restore test was due.
	Lapse     string     `json:"lapse"`
	Detail    string     `json:"detail"`
	RaisedAt  time.Time  `json:"raised_at"`
	ClearedAt *time.Time `json:"cleared_at,omitempty"`
	// Read with the environment, for lists.
	EnvironmentName string `json:"environment_name,omitempty"`
}

// Topic is what the alert's letters are about: one per lapse.
func (a Alert) Topic() string {
	return fmt.Sprintf("environment-alert:%s:%s:%s", a.EnvironmentID, a.Kind, a.Lapse)
}

// RestoreTest is a completed restore or HA/DR test engagement linked to an
// environment, with what it measured.
type RestoreTest struct {
	EngagementID accord.ID `json:"engagement_id"`
	Service      string    `json:"service"`
	ServiceName  string    `json:"service_name"`
	CompletedAt  time.Time `json:"completed_at"`
	// The measured recovery time and point, as text ("1h25m"), and
	// whether each met its objective (nil without one, or unmeasured).
	RTO    string `json:"rto,omitempty"`
	RTOMet *bool  `json:"rto_met,omitempty"`
	RPO    string `json:"rpo,omitempty"`
	RPOMet *bool  `json:"rpo_met,omitempty"`
}

// RestoreServices are the catalog services whose completed engagements
// count as restore tests of the environment they are linked to.
var RestoreServices = []string{"restore_test", "ha_dr_test"}

// AlertFilter narrows a list of alerts.
type AlertFilter struct {
	EnvironmentID accord.ID
	// Open leaves cleared alerts out.
	Open bool
}

// clearAlerts adds to r the clearing of the open alerts that match, with
// their events.
func clearAlerts(r *Record, open []Alert, a accord.Actor, now time.Time, e Environment, match func(Alert) bool) {
	for _, al := range open {
		if !match(al) {
			continue
		}
		r.Clear = append(r.Clear, al.ID)
		var ch audit.Changes
		ch.Add("cleared_at", nil, now)
		r.Events = append(r.Events, audit.New(a, now, e.OrgID, "environment.alert_clear", "environment", e.ID,
			append(ch, audit.Change{Field: "alert", Before: nil, After: map[string]any{"id": al.ID, "kind": al.Kind, "lapse": al.Lapse}})))
	}
}

// Lapses are the alerts an environment's backups call for at now: the
// missing scheduled snapshot and the overdue restore test. A retired or
// suspended environment, or one still being provisioned, calls for none.
func Lapses(e Environment, b Backups, now time.Time, grace time.Duration) []Alert {
	if e.Status != Active {
		return nil
	}
	var out []Alert
	from, lapse := e.CreatedAt, "none"
	if b.LastScheduled != nil {
		from, lapse = b.LastScheduled.TakenAt, string(b.LastScheduled.ID)
	}
	if due := from.Add(e.Backup.Period() + grace); now.After(due) {
		detail := "no scheduled snapshot since the environment was created on " + from.UTC().Format(time.RFC3339)
		if b.LastScheduled != nil {
			detail = "the newest scheduled snapshot was taken on " + from.UTC().Format(time.RFC3339)
		}
		out = append(out, Alert{Kind: MissingSnapshot, Lapse: lapse, Detail: detail})
	}
	if m := e.Backup.RestoreTestMonths; m > 0 {
		since := e.CreatedAt
		if b.LastRestoreTest != nil {
			since = b.LastRestoreTest.CompletedAt
		}
		due := since.AddDate(0, m, 0)
		if now.After(due) {
			out = append(out, Alert{Kind: RestoreTestOverdue, Lapse: due.UTC().Format(time.DateOnly),
				Detail: fmt.Sprintf("a restore test was due by %s, %d months after %s", due.UTC().Format(time.DateOnly), m, since.UTC().Format(time.DateOnly))})
		}
	}
	for i := range out {
		out[i].OrgID, out[i].EnvironmentID, out[i].RaisedAt = e.OrgID, e.ID, now
	}
	return out
}

// Check checks an environment's backups at now: it raises the alerts its
// lapses call for that are not open yet, clears the open ones that no
// longer hold, and schedules the next check. It returns the alerts open
// afterwards, for mail; mailing them again is harmless, as letters go
// once per topic and recipient. Run by the CheckJob job.
func (s *Service) Check(ctx context.Context, now time.Time, envID accord.ID) ([]Alert, error) {
	a, err := s.staff(ctx, "environments.Check")
	if err != nil {
		return nil, err
	}
	now = now.UTC().Truncate(time.Microsecond)
	var open []Alert
	err = s.store.Record(ctx, accord.Scope{All: true}, envID, now, func(e Environment, b Backups) (Record, error) {
		r := Record{NextCheck: now.Add(s.cfg.CheckEvery)}
		want := Lapses(e, b, now, s.cfg.Grace)
		key := func(al Alert) string { return string(al.Kind) + "\x00" + al.Lapse }
		wanted := map[string]bool{}
		for _, al := range want {
			wanted[key(al)] = true
		}
		have := map[string]bool{}
		for _, al := range b.Open {
			have[key(al)] = true
			if wanted[key(al)] {
				open = append(open, al)
			}
		}
		clearAlerts(&r, b.Open, a, now, e, func(al Alert) bool { return !wanted[key(al)] })
		for _, al := range want {
			if have[key(al)] {
				continue
			}
			al.ID = accord.NewID("alr")
			open = append(open, al)
			var ch audit.Changes
			ch.Add("alert", nil, map[string]any{"id": al.ID, "kind": al.Kind, "lapse": al.Lapse, "detail": al.Detail})
			r.Raise = append(r.Raise, Raise{Alert: al, Event: audit.New(a, now, e.OrgID, "environment.alert_raise", "environment", e.ID, ch)})
		}
		for i := range open {
			open[i].EnvironmentName = e.Name
		}
		return r, nil
	})
	return open, err
}

// LastRestoreTest returns the last completed restore or HA/DR test linked
// to an environment the actor may read, or nil.
func (s *Service) LastRestoreTest(ctx context.Context, envID accord.ID) (*RestoreTest, error) {
	if _, err := s.Get(ctx, envID); err != nil {
		return nil, err
	}
	return s.store.LastRestoreTest(ctx, envID)
}
