package storetest

import (
	"testing"
	"time"

	"accord/internal/accord"
	"accord/internal/audit"
	"accord/internal/directory"
	"accord/internal/knownissues"
	"accord/internal/lang"
	"accord/internal/products"
	"accord/internal/store"
)

var _ knownissues.Store = (*store.KnownIssues)(nil)

// kiWorld is a vendor's product, two customers' installations of it and a
// case of the second customer.
type kiWorld struct {
	db     *store.DB
	s      *store.KnownIssues
	vendor directory.Organization
	a, b   directory.Organization
	prod   accord.ID
	caseB  accord.ID
}

func newKIWorld(t *testing.T, db *store.DB, name string) kiWorld {
	t.Helper()
	cw := newCaseWorld(t, db, name)
	w := kiWorld{db: db, s: store.NewKnownIssues(db), a: cw.a, b: cw.b, prod: accord.NewID("prd")}
	w.vendor = mkOrg(t, store.NewDirectory(db), directory.KindVendor, name+" V")
	// The products store is the products package's; rows are written here
	// as it would, to place installations in a range.
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := db.SQL().ExecContext(ctx, q, args...); err != nil {
			t.Fatal(err)
		}
	}
	exec(`INSERT INTO products (id, org_id, key, name, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5)`, w.prod, w.vendor.ID, "vault", "Vault", t0)
	for _, v := range []struct {
		number, state string
	}{{"3.21", "published"}, {"3.23", "draft"}} {
		exec(`INSERT INTO product_versions (id, org_id, product_id, number, notes, state, created_at, updated_at) VALUES ($1, $2, $3, $4, '', $5, $6, $6)`,
			accord.NewID("ver"), w.vendor.ID, w.prod, v.number, v.state, t0)
	}
	for _, in := range []struct {
		org     accord.ID
		version string
	}{{w.a.ID, "3.21"}, {w.b.ID, "3.23"}} {
		exec(`INSERT INTO installations (id, org_id, product_id, version, deployment, quantity, created_at, updated_at) VALUES ($1, $2, $3, $4, 'on_premises', 1, $5, $5)`,
			accord.NewID("ins"), in.org, w.prod, in.version, t0)
	}
	c, err := cw.s.Open(ctx, caseOpening(sampleCase(w.b.ID, t0, "Login loops")))
	if err != nil {
		t.Fatal(err)
	}
	w.caseB = c.ID
	return w
}

func testKnownIssues(t *testing.T, db *store.DB) {
	w := newKIWorld(t, db, "KI")
	k := knownissues.KnownIssue{ID: accord.NewID("kis"), OrgID: w.vendor.ID, ProductID: w.prod, Range: products.Range{From: "3.20", To: "3.22"},
		Title: lang.Text{"en-US": "Login loops", "pt-BR": "Login em loop"}, Symptoms: lang.Plain("The page reloads"),
		Status: knownissues.Investigating, State: knownissues.Draft, InternalNotes: "seen at Acme", CreatedAt: t0, UpdatedAt: t0}
	if err := w.s.Create(ctx, k, audit.New(system, t0, w.vendor.ID, "known_issue.create", "known_issue", k.ID, nil)); err != nil {
		t.Fatal(err)
	}
	got, err := w.s.Get(ctx, k.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Title["pt-BR"] != "Login em loop" || got.Symptoms.String() != "The page reloads" || got.Workaround != nil || got.PublishedAt != nil ||
		!got.CreatedAt.Equal(t0) || got.InternalNotes != "seen at Acme" || got.Range != k.Range {
		t.Fatalf("round trip: %+v", got)
	}
	_, err = w.s.Get(ctx, accord.NewID("kis"))
	wantKind(t, err, accord.NotFound)

	// Publishing writes the notice and its job with the change.
	at := t0.Add(time.Hour)
	up, err := w.s.Update(ctx, k.ID, func(k knownissues.KnownIssue) (knownissues.Change, error) {
		k.State, k.PublishedAt, k.UpdatedAt = knownissues.Published, &at, at
		n := &knownissues.Notice{ID: accord.NewID("kin"), OrgID: k.OrgID, IssueID: k.ID, Kind: knownissues.PublishedNotice, CreatedAt: at}
		return knownissues.Change{Issue: k, Events: []audit.Event{audit.New(system, at, k.OrgID, "known_issue.publish", "known_issue", k.ID, nil)}, Notice: n}, nil
	})
	if err != nil || up.State != knownissues.Published || up.PublishedAt == nil || !up.PublishedAt.Equal(at) {
		t.Fatalf("publish: %+v, %v", up, err)
	}
	ns, err := w.s.Notices(ctx, k.ID)
	if err != nil || len(ns) != 1 || ns[0].Kind != knownissues.PublishedNotice || !ns[0].CreatedAt.Equal(at) {
		t.Fatalf("notices = %+v, %v", ns, err)
	}
	if n, err := w.s.GetNotice(ctx, ns[0].ID); err != nil || n != ns[0] {
		t.Fatalf("notice = %+v, %v", n, err)
	}
	var jobs int
	if err := db.SQL().QueryRowContext(ctx, `SELECT count(*) FROM jobs WHERE subject_id = $1 AND kind = $2`, ns[0].ID, knownissues.NoticeJob).Scan(&jobs); err != nil || jobs != 1 {
		t.Fatalf("jobs of the notice = %d, %v", jobs, err)
	}
	// A refused decision writes nothing.
	_, err = w.s.Update(ctx, k.ID, func(knownissues.KnownIssue) (knownissues.Change, error) {
		return knownissues.Change{}, accord.FieldError("version", "no")
	})
	wantKind(t, err, accord.Invalid)

	// Links carry the case's customer, and are scoped by it.
	l := knownissues.Link{IssueID: k.ID, CaseID: w.caseB, OrgID: w.b.ID, LinkedAt: at}
	if err := w.s.Link(ctx, l, audit.New(system, at, k.OrgID, "known_issue.link", "known_issue", k.ID, nil)); err != nil {
		t.Fatal(err)
	}
	wantKind(t, w.s.Link(ctx, l, audit.New(system, at, k.OrgID, "known_issue.link", "known_issue", k.ID, nil)), accord.Conflict)
	if ls, err := w.s.Links(ctx, knownissues.LinkFilter{IssueID: k.ID, Scope: accord.OnlyOrg(w.b.ID)}); err != nil || len(ls) != 1 || ls[0].CaseTitle != "Login loops" || ls[0].CaseNumber == 0 {
		t.Fatalf("links of B = %+v, %v", ls, err)
	}
	if ls, err := w.s.Links(ctx, knownissues.LinkFilter{IssueID: k.ID, Scope: accord.OnlyOrg(w.a.ID)}); err != nil || len(ls) != 0 {
		t.Fatalf("links seen by A = %+v, %v", ls, err)
	}

	// The candidates: installations of the scope's customers.
	ins, err := w.s.Installations(ctx, accord.Scope{All: true}, w.prod)
	if err != nil || len(ins) != 2 {
		t.Fatalf("installations = %+v, %v", ins, err)
	}
	if got := knownissues.Affected(w.prod, k.Range, []accord.ID{w.b.ID}, ins); len(got) != 2 {
		t.Errorf("affected = %v, want A (3.21) and B (a linked case)", got)
	}
	if ins, err := w.s.Installations(ctx, accord.OnlyOrg(w.a.ID), ""); err != nil || len(ins) != 1 || ins[0].Version != "3.21" {
		t.Fatalf("A's installations = %+v, %v", ins, err)
	}

	// Versions: released or not, or none.
	if ok, err := w.s.VersionReleased(ctx, w.prod, "3.21"); err != nil || !ok {
		t.Errorf("3.21 released = %v, %v", ok, err)
	}
	if ok, err := w.s.VersionReleased(ctx, w.prod, "3.23"); err != nil || ok {
		t.Errorf("3.23 (a draft) released = %v, %v", ok, err)
	}
	_, err = w.s.VersionReleased(ctx, w.prod, "9.9")
	wantKind(t, err, accord.NotFound)
	if p, err := w.s.Product(ctx, w.prod); err != nil || p.Name != "Vault" || p.OrgID != w.vendor.ID {
		t.Errorf("product = %+v, %v", p, err)
	}

	if err := w.s.Unlink(ctx, k.ID, w.caseB, audit.New(system, at, k.OrgID, "known_issue.unlink", "known_issue", k.ID, nil)); err != nil {
		t.Fatal(err)
	}
	wantKind(t, w.s.Unlink(ctx, k.ID, w.caseB, audit.New(system, at, k.OrgID, "known_issue.unlink", "known_issue", k.ID, nil)), accord.NotFound)
	if l, err := w.s.List(ctx, knownissues.Filter{Open: true}); err != nil || len(l) != 1 {
		t.Fatalf("open issues = %+v, %v", l, err)
	}
	if l, err := w.s.List(ctx, knownissues.Filter{State: knownissues.Draft}); err != nil || len(l) != 0 {
		t.Fatalf("drafts = %+v, %v", l, err)
	}
}
