package storetest

import (
	"testing"
	"time"

	"accord/internal/accord"
	"accord/internal/directory"
	"accord/internal/store"
	"accord/internal/views"
)

var _ views.Store = (*store.Views)(nil)

// testViews: a user's views round-trip by page and name, a name is unique
// per user (not across users), and nobody else's view is listed or deleted,
// not even by the same user id under another organization.
func testViews(t *testing.T, db *store.DB) {
	d := store.NewDirectory(db)
	a := mkOrg(t, d, directory.KindVendor, "Views vendor")
	b := mkOrg(t, d, directory.KindCustomer, "Views customer")
	ana := mkUser(t, d, a.ID, "ana@views.example", accord.RoleAgent)
	bo := mkUser(t, d, a.ID, "bo@views.example", accord.RoleAgent)
	s := store.NewViews(db)
	mk := func(u directory.User, name, query string, at time.Time) views.View {
		t.Helper()
		v := views.View{ID: accord.NewID("view"), OrgID: u.OrgID, UserID: u.ID, Name: name, Page: views.Queue, Query: query, CreatedAt: at}
		if err := s.Create(ctx, v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	c1 := mk(ana, "Sev 1", "criticality=C1", t0)
	mine := mk(ana, "Mine", "assigned=me", t0.Add(time.Minute))
	bos := mk(bo, "Sev 1", "criticality=C1&q=disk", t0)

	dup := c1
	dup.ID = accord.NewID("view")
	wantKind(t, s.Create(ctx, dup), accord.Conflict)

	got, err := s.List(ctx, a.ID, ana.ID)
	if err != nil {
		t.Fatal(err)
	}
	c1.CreatedAt, mine.CreatedAt = c1.CreatedAt.Truncate(time.Microsecond), mine.CreatedAt.Truncate(time.Microsecond)
	if len(got) != 2 || got[0] != mine || got[1] != c1 {
		t.Fatalf("ana's views = %+v, want %+v and %+v", got, mine, c1)
	}
	if got, _ := s.List(ctx, b.ID, ana.ID); len(got) != 0 {
		t.Fatalf("another organization's scope lists %+v", got)
	}

	wantKind(t, s.Delete(ctx, a.ID, ana.ID, bos.ID), accord.NotFound)
	wantKind(t, s.Delete(ctx, b.ID, ana.ID, c1.ID), accord.NotFound)
	if err := s.Delete(ctx, a.ID, ana.ID, c1.ID); err != nil {
		t.Fatal(err)
	}
	wantKind(t, s.Delete(ctx, a.ID, ana.ID, c1.ID), accord.NotFound)
	if got, _ := s.List(ctx, a.ID, bo.ID); len(got) != 1 || got[0].ID != bos.ID {
		t.Fatalf("bo's views after ana's delete = %+v", got)
	}
}
