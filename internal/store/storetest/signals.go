package storetest

import (
	"testing"
	"time"

	"accord/internal/accord"
	"accord/internal/audit"
	"accord/internal/cases"
	"accord/internal/directory"
	"accord/internal/reports"
	"accord/internal/signals"
	"accord/internal/store"
)

var _ signals.Store = (*store.Signals)(nil)

// testSignals: the alerts of a change are written with it, each read only
// by its own user inside their scope, a mention's mail and a rating
// request's letter are scheduled in the same transaction; presence rows
// expire; a rating link is minted, found by its hash and used once, and a
// case is rated once.
func testSignals(t *testing.T, db *store.DB) {
	w := newCaseWorld(t, db, "Signals")
	d := store.NewDirectory(db)
	v := mkOrg(t, d, directory.KindVendor, "Signals vendor")
	ana := mkUser(t, d, v.ID, "ana@signals.example", accord.RoleAgent)
	bo := mkUser(t, d, v.ID, "bo@signals.example", accord.RoleAgent)
	contact := mkUser(t, d, w.a.ID, "cto@signals.example", accord.RoleCustomerContact)
	c := mustOpen(t, w.s, sampleCase(w.a.ID, t0, "Vault sealed"))
	s := store.NewSignals(db)

	note := cases.Entry{ID: accord.NewID("ent"), Kind: cases.Note, Internal: true, AuthorID: ana.ID, Author: ana.Name, AuthorOrg: v.ID,
		Body: "@bo look", At: t0.Add(time.Minute), Data: cases.EntryData{Mentions: []accord.ID{bo.ID}}}
	link := &cases.RatingRequest{ID: accord.NewID("rtl"), UserID: contact.ID, ExpiresAt: t0.Add(cases.RatingLife)}
	mustUpdate(t, w.s, c.ID, func(c cases.Case) cases.Change {
		c.State, c.AssigneeID = cases.Closed, ana.ID
		closed := t0.Add(time.Minute)
		c.ClosedAt, c.UpdatedAt = &closed, closed
		return cases.Change{Case: c, Entries: []cases.Entry{note}, Alerts: []cases.Alert{
			{UserID: bo.ID, Kind: cases.AlertMentioned, EntryID: note.ID}, {UserID: ana.ID, Kind: cases.AlertAssigned, EntryID: note.ID}},
			Rating: link}
	})

	all := accord.Scope{All: true}
	bos, next, err := s.Notifications(ctx, all, bo.ID, false, accord.Page{Limit: 10})
	if err != nil || next != "" || len(bos) != 1 {
		t.Fatalf("bo's notifications = %+v, %q, %v", bos, next, err)
	}
	n := bos[0]
	if n.Kind != cases.AlertMentioned || n.CaseID != c.ID || n.CaseNumber != c.Number || n.CaseTitle != "Vault sealed" || n.Author != ana.Name ||
		n.OrgID != w.a.ID || n.ReadAt != nil || !n.CreatedAt.Equal(t0.Add(time.Minute)) {
		t.Fatalf("bo's notification = %+v", n)
	}
	if _, ok := jobsOf(t, db, n.ID)[cases.MentionMailJob]; !ok {
		t.Fatalf("no mail job for the mention")
	}
	if _, ok := jobsOf(t, db, link.ID)[cases.RatingLetterJob]; !ok {
		t.Fatalf("no letter job for the rating request")
	}
	if l, _, _ := s.Notifications(ctx, accord.OnlyOrg(w.b.ID), bo.ID, false, accord.Page{Limit: 10}); len(l) != 0 {
		t.Fatalf("outside the case's organization bo reads %+v", l)
	}
	wantKind(t, s.MarkRead(ctx, all, ana.ID, n.ID, t0), accord.NotFound)
	wantKind(t, s.MarkRead(ctx, accord.OnlyOrg(w.b.ID), bo.ID, n.ID, t0), accord.NotFound)
	if err := s.MarkRead(ctx, all, bo.ID, n.ID, t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkRead(ctx, all, bo.ID, n.ID, t0.Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	got, err := s.Notification(ctx, n.ID)
	if err != nil || got.ReadAt == nil || !got.ReadAt.Equal(t0.Add(time.Hour)) {
		t.Fatalf("read notification = %+v, %v; want read at the first mark", got, err)
	}
	if u, _ := s.Unread(ctx, all, bo.ID); u != 0 {
		t.Fatalf("bo's unread = %d", u)
	}
	if u, _ := s.Unread(ctx, all, ana.ID); u != 1 {
		t.Fatalf("ana's unread = %d", u)
	}
	if m, err := s.MarkAllRead(ctx, accord.OnlyOrg(w.b.ID), ana.ID, t0); err != nil || m != 0 {
		t.Fatalf("ana marks %d outside the case's organization (%v)", m, err)
	}
	if m, err := s.MarkAllRead(ctx, all, ana.ID, t0); err != nil || m != 1 {
		t.Fatalf("ana marks %d (%v), want 1", m, err)
	}

	// A warning written by Accord itself (the jobs' actor, no author id)
	// reads with no author, so that pages say "Accord" in the reader's
	// language rather than the internal actor's name.
	warning := cases.Entry{ID: accord.NewID("ent"), Kind: cases.Note, Internal: true, Author: "jobs", Body: "due soon", At: t0.Add(2 * time.Minute)}
	mustUpdate(t, w.s, c.ID, func(c cases.Case) cases.Change {
		return cases.Change{Case: c, Entries: []cases.Entry{warning}, Alerts: []cases.Alert{{UserID: ana.ID, Kind: cases.AlertSLAWarning, EntryID: warning.ID}}}
	})
	anas, _, err := s.Notifications(ctx, all, ana.ID, true, accord.Page{Limit: 10})
	if err != nil || len(anas) != 1 || anas[0].Kind != cases.AlertSLAWarning || anas[0].Author != "" {
		t.Fatalf("ana's unread notifications = %+v, %v; want the warning with no author", anas, err)
	}

	// Presence: rows older than the expiry go with the next write.
	p := signals.Presence{OrgID: w.a.ID, CaseID: c.ID, UserID: ana.ID, Name: ana.Name, Writing: true, SeenAt: t0}
	if err := s.Touch(ctx, p, t0.Add(-time.Minute)); err != nil {
		t.Fatal(err)
	}
	p.UserID, p.Name, p.Writing, p.SeenAt = bo.ID, bo.Name, false, t0.Add(20*time.Second)
	if err := s.Touch(ctx, p, t0.Add(-time.Minute)); err != nil {
		t.Fatal(err)
	}
	if l, err := s.Present(ctx, c.ID, t0); err != nil || len(l) != 2 || l[0].UserID != ana.ID || !l[0].Writing || l[1].Writing {
		t.Fatalf("present = %+v, %v", l, err)
	}
	if l, _ := s.Present(ctx, c.ID, t0.Add(10*time.Second)); len(l) != 1 || l[0].UserID != bo.ID {
		t.Fatalf("present since +10s = %+v", l)
	}
	p.SeenAt = t0.Add(time.Minute)
	if err := s.Touch(ctx, p, t0.Add(10*time.Second)); err != nil {
		t.Fatal(err)
	}
	if l, _ := s.Present(ctx, c.ID, time.Time{}); len(l) != 1 || l[0].UserID != bo.ID {
		t.Fatalf("after expiry = %+v", l)
	}

	// The rating link: minted, found by its hash, used once.
	l, err := s.RatingLink(ctx, link.ID)
	if err != nil || l.CaseID != c.ID || l.UserID != contact.ID || l.OrgID != w.a.ID || l.Hash != "" || l.UsedAt != nil {
		t.Fatalf("rating link = %+v, %v", l, err)
	}
	if err := s.MintRatingLink(ctx, link.ID, func(l signals.RatingLink) (signals.RatingLink, error) { l.Hash = "h1"; return l, nil }); err != nil {
		t.Fatal(err)
	}
	if l, err := s.RatingLinkByHash(ctx, "h1"); err != nil || l.ID != link.ID {
		t.Fatalf("by hash = %+v, %v", l, err)
	}
	_, err = s.RatingLinkByHash(ctx, "h2")
	wantKind(t, err, accord.NotFound)
	rating := signals.Rating{CaseID: c.ID, OrgID: w.a.ID, UserID: contact.ID, Score: 4, Comment: "quick", Via: signals.ViaLink,
		AssigneeID: ana.ID, Criticality: c.Criticality, ClosedAt: t0.Add(time.Minute), RatedAt: t0.Add(time.Hour)}
	rate := func(l signals.RatingLink) (signals.Rating, audit.Event, error) {
		return rating, audit.New(system, t0.Add(time.Hour), w.a.ID, "case.rate", "case", c.ID, nil), nil
	}
	wantKind(t, s.RateByLink(ctx, "h2", rate), accord.NotFound)
	if err := s.RateByLink(ctx, "h1", rate); err != nil {
		t.Fatal(err)
	}
	if l, _ := s.RatingLink(ctx, link.ID); l.UsedAt == nil || !l.UsedAt.Equal(rating.RatedAt) {
		t.Fatalf("used link = %+v", l)
	}
	wantKind(t, s.RateByLink(ctx, "h1", rate), accord.Conflict)
	wantKind(t, s.Rate(ctx, rating, audit.New(system, t0.Add(time.Hour), w.a.ID, "case.rate", "case", c.ID, nil)), accord.Conflict)
	stored, err := s.Rating(ctx, accord.OnlyOrg(w.a.ID), c.ID)
	if err != nil {
		t.Fatal(err)
	}
	wantSame(t, "rating", rating, stored)
	_, err = s.Rating(ctx, accord.OnlyOrg(w.b.ID), c.ID)
	wantKind(t, err, accord.NotFound)
	if got := caseEvents(t, db, w.a.ID, c.ID); len(got) == 0 || got[len(got)-1] != "case.rate" {
		t.Fatalf("events = %v", got)
	}

	// The report reads the ratings of the cases closed in a month.
	rs, err := store.NewReports(db).Ratings(ctx, all, t0.Add(-time.Hour), t0.Add(time.Hour), "")
	if err != nil || len(rs) != 1 {
		t.Fatalf("ratings = %+v, %v", rs, err)
	}
	wantSame(t, "report rating", reports.Rating{CaseID: c.ID, OrgID: w.a.ID, AssigneeID: ana.ID, Criticality: c.Criticality, Score: 4,
		ClosedAt: t0.Add(time.Minute)}, rs[0])
	if rs, _ := store.NewReports(db).Ratings(ctx, accord.OnlyOrg(w.b.ID), t0.Add(-time.Hour), t0.Add(time.Hour), ""); len(rs) != 0 {
		t.Fatalf("another scope's ratings = %+v", rs)
	}
}
