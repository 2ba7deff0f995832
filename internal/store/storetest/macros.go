package storetest

import (
	"testing"
	"time"

	"accord/internal/accord"
	"accord/internal/audit"
	"accord/internal/directory"
	"accord/internal/macros"
	"accord/internal/store"
	"accord/internal/views"
)

var _ macros.Store = (*store.Macros)(nil)

// testMacros: shared macros are listed to the organization's agents and
// personal ones to their owner alone; a name is unique among the shared
// ones and among each user's own (a personal macro may share a shared
// one's name); another organization's macro, or another user's personal
// one, is NotFound for reads, updates and deletes; every write appends its
// audit event; the preferences round-trip per user.
func testMacros(t *testing.T, db *store.DB) {
	d := store.NewDirectory(db)
	vendor := mkOrg(t, d, directory.KindVendor, "Macros vendor")
	partner := mkOrg(t, d, directory.KindPartner, "Macros partner")
	ana := mkUser(t, d, vendor.ID, "ana@macros.example", accord.RoleAgent)
	bo := mkUser(t, d, vendor.ID, "bo@macros.example", accord.RoleAgent)
	pia := mkUser(t, d, partner.ID, "pia@macros.example", accord.RolePartnerAgent)
	s := store.NewMacros(db)
	mk := func(org accord.ID, owner accord.ID, name string) macros.Macro {
		t.Helper()
		m := macros.Macro{ID: accord.NewID("mac"), OrgID: org, OwnerID: owner, Name: name,
			Bodies:    map[string]string{"en-US": "Hello {{contact}}", "pt-BR": "Olá {{contact}}"},
			Actions:   macros.Actions{State: macros.StateAwaiting, KBURL: "https://kb.example/1", Assign: "me"},
			CreatedAt: t0, UpdatedAt: t0}
		if err := s.Create(ctx, m, ev(org, "macro.create")); err != nil {
			t.Fatal(err)
		}
		m.CreatedAt, m.UpdatedAt = m.CreatedAt.Truncate(time.Microsecond), m.UpdatedAt.Truncate(time.Microsecond)
		return m
	}
	shared := mk(vendor.ID, "", "thanks")
	anas := mk(vendor.ID, ana.ID, "thanks")
	bos := mk(vendor.ID, bo.ID, "logs")
	pias := mk(partner.ID, "", "partner")

	dup := shared
	dup.ID = accord.NewID("mac")
	wantKind(t, s.Create(ctx, dup, ev(vendor.ID, "macro.create")), accord.Conflict)
	dup = anas
	dup.ID = accord.NewID("mac")
	wantKind(t, s.Create(ctx, dup, ev(vendor.ID, "macro.create")), accord.Conflict)

	got, err := s.List(ctx, vendor.ID, ana.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].ID != shared.ID || got[1].ID != anas.ID {
		t.Fatalf("ana lists %+v, want the shared thanks then her own", got)
	}
	if got[1].Bodies["pt-BR"] != "Olá {{contact}}" || got[1].Actions != anas.Actions || got[1].OwnerID != ana.ID || !got[1].CreatedAt.Equal(anas.CreatedAt) {
		t.Errorf("ana's macro read back as %+v, want %+v", got[1], anas)
	}
	if got, _ := s.List(ctx, partner.ID, pia.ID); len(got) != 1 || got[0].ID != pias.ID {
		t.Errorf("the partner's agent lists %+v, want only the partner's macro", got)
	}
	if got, _ := s.List(ctx, vendor.ID, ""); len(got) != 1 || got[0].ID != shared.ID {
		t.Errorf("shared only lists %+v", got)
	}

	// Nobody reads, changes or deletes what is not theirs.
	for _, tc := range []struct {
		org, user accord.ID
		m         macros.Macro
	}{
		{vendor.ID, ana.ID, bos},
		{partner.ID, pia.ID, shared},
		{vendor.ID, ana.ID, pias},
		{partner.ID, ana.ID, anas},
	} {
		if _, err := s.Get(ctx, tc.org, tc.user, tc.m.ID); !accord.IsKind(err, accord.NotFound) {
			t.Errorf("%s of %s reads %s: %v", tc.user, tc.org, tc.m.Name, err)
		}
	}
	foreign := pias
	foreign.OrgID = vendor.ID
	wantKind(t, s.Update(ctx, foreign, ev(vendor.ID, "macro.update")), accord.NotFound)
	wantKind(t, s.Delete(ctx, foreign, ev(vendor.ID, "macro.delete")), accord.NotFound)

	upd := anas
	upd.Name, upd.Bodies, upd.Actions, upd.UpdatedAt = "thanks-2", map[string]string{"en-US": "Bye"}, macros.Actions{HoldReason: "window"}, t0.Add(time.Hour)
	if err := s.Update(ctx, upd, ev(vendor.ID, "macro.update")); err != nil {
		t.Fatal(err)
	}
	if m, err := s.Get(ctx, vendor.ID, ana.ID, anas.ID); err != nil || m.Name != "thanks-2" || m.Bodies["pt-BR"] != "" || m.Actions.HoldReason != "window" || !m.UpdatedAt.Equal(upd.UpdatedAt.Truncate(time.Microsecond)) {
		t.Errorf("after update: %+v, %v", m, err)
	}
	clash := upd
	clash.Name = "logs" // bo's name, not ana's: allowed
	if err := s.Update(ctx, clash, ev(vendor.ID, "macro.update")); err != nil {
		t.Errorf("a name another user has: %v", err)
	}
	if err := s.Delete(ctx, bos, ev(vendor.ID, "macro.delete")); err != nil {
		t.Fatal(err)
	}
	wantKind(t, s.Delete(ctx, bos, ev(vendor.ID, "macro.delete")), accord.NotFound)
	if err := s.Applied(ctx, audit.New(system, t0, vendor.ID, "macro.apply", "case", "cas_x", nil)); err != nil {
		t.Fatal(err)
	}
	events, _, err := store.NewAudit(db).ListEvents(ctx, accord.OnlyOrg(vendor.ID), audit.Filter{}, accord.Page{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	for _, e := range events {
		count[e.Action]++
	}
	if count["macro.create"] != 3 || count["macro.update"] != 2 || count["macro.delete"] != 1 || count["macro.apply"] != 1 {
		t.Errorf("audit events %v: want 3 creates, 2 updates, 1 delete and 1 apply (refused writes leave none)", count)
	}

	v := store.NewViews(db)
	wantKind(t, func() error { _, err := v.Preferences(ctx, vendor.ID, ana.ID); return err }(), accord.NotFound)
	for _, on := range []bool{false, true, false} {
		if err := v.SetPreferences(ctx, vendor.ID, ana.ID, views.Preferences{Shortcuts: on}); err != nil {
			t.Fatal(err)
		}
		if p, err := v.Preferences(ctx, vendor.ID, ana.ID); err != nil || p.Shortcuts != on {
			t.Errorf("preferences = %+v, %v; want shortcuts %v", p, err, on)
		}
	}
	wantKind(t, func() error { _, err := v.Preferences(ctx, partner.ID, ana.ID); return err }(), accord.NotFound)
	wantKind(t, func() error { _, err := v.Preferences(ctx, vendor.ID, bo.ID); return err }(), accord.NotFound)
}
