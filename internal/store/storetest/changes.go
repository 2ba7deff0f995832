package storetest

import (
	"errors"
	"sync"
	"testing"
	"time"

	"accord/internal/accord"
	"accord/internal/audit"
	"accord/internal/changes"
	"accord/internal/store"
)

var _ changes.Store = (*store.Changes)(nil)

func newChange(w envWorld, title string, start time.Time, minutes int) changes.Change {
	s := start
	return changes.Change{ID: accord.NewID("chg"), OrgID: w.a.ID, EnvironmentID: w.env.ID, EnvironmentName: w.env.Name, ResellerID: w.p.ID,
		State: changes.Approved, Title: title, Reason: "r", Plan: "p", BackoutPlan: "b", NeedsShutdown: true, Urgency: changes.Normal,
		PlannedStart: &s, Minutes: minutes, Approvals: []changes.Approval{}, RequestedByName: "Ana", CreatedAt: t0, UpdatedAt: t0}
}

func createChange(t *testing.T, s *store.Changes, c changes.Change) {
	t.Helper()
	e := changes.Entry{ID: accord.NewID("che"), ChangeID: c.ID, OrgID: c.OrgID, Kind: changes.SubmittedEntry, At: t0, ActorName: "Ana"}
	if err := s.Create(ctx, changes.Write{Change: c, Entries: []changes.Entry{e},
		Events: []audit.Event{audit.New(system, t0, c.OrgID, "change.request", "change", c.ID, nil)}}); err != nil {
		t.Fatal(err)
	}
}

func testChangeStore(t *testing.T, db *store.DB) {
	w := newEnvWorld(t, db, "Chg")
	s := store.NewChanges(db)
	c := newChange(w, "Upgrade to 4.3", t0.Add(48*time.Hour), 120)
	a := changes.Assessment{Complexity: changes.Moderate, Importance: changes.Low, Impact: changes.Moderate, Reversibility: changes.Easy}
	c.Assessment, c.Type = &a, changes.Medium
	createChange(t, s, c)
	got, err := s.Get(ctx, accord.OnlyOrg(w.a.ID), c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Title != c.Title || !got.PlannedStart.Equal(*c.PlannedStart) || got.Assessment == nil || *got.Assessment != a || got.Type != changes.Medium {
		t.Fatalf("round trip: %+v", got)
	}
	_, err = s.Get(ctx, accord.OnlyOrg(w.b.ID), c.ID)
	wantKind(t, err, accord.NotFound)
	if l, _, err := s.List(ctx, accord.OnlyOrg(w.b.ID), changes.Filter{}, accord.Page{}); err != nil || len(l) != 0 {
		t.Fatalf("other tenant lists %v, %v", l, err)
	}
	if l, _, err := s.List(ctx, accord.Scope{All: true}, changes.Filter{EnvironmentID: w.env.ID}, accord.Page{}); err != nil || len(l) != 1 || l[0].ID != c.ID {
		t.Fatalf("vendor lists %v, %v", l, err)
	}

	// An update writes the row, its entries (a mailed one queues its
	// letter), files and events; the decision sees overlapping changes.
	other := newChange(w, "Patch", t0.Add(49*time.Hour), 60)
	other.State = changes.Scheduled
	createChange(t, s, other)
	approved := newChange(w, "Approved, not yet scheduled", t0.Add(48*time.Hour), 60)
	createChange(t, s, approved)
	up, err := s.Update(ctx, accord.OnlyOrg(w.a.ID), c.ID, func(c changes.Change, l changes.Locked) (changes.Write, error) {
		over, err := l.Overlapping(c.EnvironmentID, c.ID, *c.PlannedStart, c.End())
		if err != nil {
			return changes.Write{}, err
		}
		if len(over) != 1 || over[0].ID != other.ID {
			t.Errorf("overlapping = %+v", over)
		}
		c.State = changes.Scheduled
		c.Approvals = []changes.Approval{{Kind: changes.KindApproval, Party: changes.Customer, Name: "Ana", At: t0}}
		f := changes.File{ID: accord.NewID("fil"), Name: "run.sh", ContentType: "text/plain", Size: 3, SHA256: "x"}
		c.Script = &f
		e := changes.Entry{ID: accord.NewID("che"), ChangeID: c.ID, OrgID: c.OrgID, Kind: changes.ScheduledEntry, At: t0.Add(time.Minute), ActorName: "Bo"}
		return changes.Write{Change: c, Entries: []changes.Entry{e}, Uploads: []changes.Upload{{File: f, Content: []byte("ls\n")}},
			Events: []audit.Event{audit.New(system, t0, c.OrgID, "change.schedule", "change", c.ID, nil)}}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if up.State != changes.Scheduled || len(up.Approvals) != 1 || up.Script == nil {
		t.Fatalf("after update: %+v", up)
	}
	f, content, err := s.File(ctx, accord.OnlyOrg(w.a.ID), c.ID, up.Script.ID)
	if err != nil || string(content) != "ls\n" || f.Name != "run.sh" {
		t.Fatalf("file = %+v %q %v", f, content, err)
	}
	_, _, err = s.File(ctx, accord.OnlyOrg(w.b.ID), c.ID, up.Script.ID)
	wantKind(t, err, accord.NotFound)
	tl, err := s.Timeline(ctx, accord.OnlyOrg(w.a.ID), c.ID)
	if err != nil || len(tl) != 2 || tl[1].Kind != changes.ScheduledEntry {
		t.Fatalf("timeline = %+v, %v", tl, err)
	}
	if e, err := s.Entry(ctx, tl[1].ID); err != nil || e.ChangeID != c.ID {
		t.Fatalf("entry = %+v, %v", e, err)
	}
	var jobs int
	if err := db.SQL().QueryRowContext(ctx, `SELECT count(*) FROM jobs WHERE kind = $1`, changes.LetterJob).Scan(&jobs); err != nil || jobs != 4 { // three submissions and the schedule
		t.Fatalf("letter jobs = %d, %v", jobs, err)
	}
	// A refused decision writes nothing.
	refused := errors.New("no")
	if _, err := s.Update(ctx, accord.OnlyOrg(w.a.ID), c.ID, func(c changes.Change, _ changes.Locked) (changes.Write, error) {
		return changes.Write{}, refused
	}); !errors.Is(err, refused) {
		t.Fatalf("refused update: %v", err)
	}
	_, err = s.Update(ctx, accord.OnlyOrg(w.b.ID), c.ID, func(c changes.Change, _ changes.Locked) (changes.Write, error) {
		t.Error("decide ran for another tenant")
		return changes.Write{Change: c}, nil
	})
	wantKind(t, err, accord.NotFound)

	// Maintenance windows are scoped like the changes.
	mw := changes.Window{ID: accord.NewID("mwn"), OrgID: w.a.ID, EnvironmentID: w.env.ID, Rule: "first saturday 22:00-02:00", Zone: "Europe/Paris",
		VendorAgreedBy: "Bo", CustomerAgreedBy: "Ana", CreatedAt: t0, CreatedBy: "Bo"}
	if err := s.CreateWindow(ctx, mw, audit.New(system, t0, w.a.ID, "maintenance_window.create", "maintenance_window", mw.ID, nil)); err != nil {
		t.Fatal(err)
	}
	if ws, err := s.Windows(ctx, accord.OnlyOrg(w.a.ID), w.env.ID); err != nil || len(ws) != 1 || ws[0] != mw {
		t.Fatalf("windows = %+v, %v", ws, err)
	}
	if ws, err := s.Windows(ctx, accord.OnlyOrg(w.b.ID), w.env.ID); err != nil || len(ws) != 0 {
		t.Fatalf("other tenant's windows = %+v, %v", ws, err)
	}
	del := func(w changes.Window) audit.Event {
		return audit.New(system, t0, w.OrgID, "maintenance_window.delete", "maintenance_window", w.ID, nil)
	}
	wantKind(t, s.DeleteWindow(ctx, accord.OnlyOrg(w.b.ID), mw.ID, del), accord.NotFound)
	if err := s.DeleteWindow(ctx, accord.OnlyOrg(w.a.ID), mw.ID, del); err != nil {
		t.Fatal(err)
	}
}

// Two changes of one environment scheduled at once into the same slot:
// the environment's lock makes the second see the first, so one refuses.
func testChangesConcurrentSchedule(t *testing.T, db *store.DB) {
	w := newEnvWorld(t, db, "ChgC")
	s := store.NewChanges(db)
	start := t0.Add(72 * time.Hour)
	ids := make([]accord.ID, 4)
	for i := range ids {
		c := newChange(w, "c", start, 60)
		c.State = changes.Assessed
		createChange(t, s, c)
		ids[i] = c.ID
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	scheduled := 0
	for _, id := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := s.Update(ctx, accord.Scope{All: true}, id, func(c changes.Change, l changes.Locked) (changes.Write, error) {
				over, err := l.Overlapping(c.EnvironmentID, c.ID, *c.PlannedStart, c.End())
				if err != nil || len(over) > 0 {
					return changes.Write{}, &accord.Error{Kind: accord.Conflict, Msg: "overlap"}
				}
				c.State = changes.Scheduled
				return changes.Write{Change: c}, nil
			})
			if err == nil {
				mu.Lock()
				scheduled++
				mu.Unlock()
			} else if !accord.IsKind(err, accord.Conflict) {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if scheduled != 1 {
		t.Fatalf("%d changes scheduled into one slot", scheduled)
	}
}
