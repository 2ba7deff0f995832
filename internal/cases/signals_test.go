package cases_test

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"pgregory.net/rapid"

	"accord/internal/accord"
	"accord/internal/audit"
	"accord/internal/cases"
	"accord/internal/directory"
	"accord/internal/signals"
	"accord/internal/sla"
	"accord/internal/store"
	"accord/internal/store/dbtest"
)

// TestMentions reads the @mentions of a note: addresses and names, each
// once, without trailing punctuation, and never inside an address.
func TestMentions(t *testing.T) {
	for _, tc := range []struct {
		text string
		want []string
	}{
		{"@ana please look", []string{"ana"}},
		{"cc @ana@northwind.example, @bo.", []string{"ana@northwind.example", "bo"}},
		{"mail ana@northwind.example", nil},
		{"@Ana and @ana again", []string{"Ana"}},
		{"(@carla) @", []string{"carla"}},
		{"@AnaSouza: the log", []string{"AnaSouza"}},
		{"@@ana", []string{"ana"}},
	} {
		if got := cases.Mentions(tc.text); !slices.Equal(got, tc.want) {
			t.Errorf("Mentions(%q) = %q, want %q", tc.text, got, tc.want)
		}
	}
}

// FuzzMentions: whatever a note says, its mentions are non-empty, each
// appears in the note after an @, and none repeats.
func FuzzMentions(f *testing.F) {
	for _, s := range []string{"@ana", "x@y @z.", "@@", "@ana@northwind.example,", "ação @joão"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		seen := map[string]bool{}
		for _, m := range cases.Mentions(text) {
			if m == "" || !strings.Contains(text, "@"+m) || seen[strings.ToLower(m)] {
				t.Fatalf("Mentions(%q) gives %q", text, m)
			}
			seen[strings.ToLower(m)] = true
		}
	})
}

// TestResolveMentions: a vendor agent mentions the vendor's active staff;
// a partner agent its own partner's agents; nobody mentions a customer's
// contact, another partner's agent, an inactive colleague, or a name two
// colleagues answer to. Those are reported, as written.
func TestResolveMentions(t *testing.T) {
	user := func(id, org, email, name string, role accord.Role, active bool) directory.User {
		return directory.User{ID: accord.ID(id), OrgID: accord.ID(org), Email: email, Name: name, Role: role, Active: active}
	}
	people := []directory.User{
		user("usr_ana", "org_v", "ana@northwind.example", "Ana Souza", accord.RoleAgent, true),
		user("usr_bo", "org_v", "bo@northwind.example", "Bo Lind", accord.RoleAdmin, true),
		user("usr_bea", "org_v", "bea@northwind.example", "Bo Rasmussen", accord.RoleAuditor, true),
		user("usr_old", "org_v", "old@northwind.example", "Olga Old", accord.RoleAgent, false),
		user("usr_cto", "org_acme", "cto@acme.example", "Carla Acme", accord.RoleCustomerContact, true),
		user("usr_pat", "org_south", "pat@southwind.example", "Pat South", accord.RolePartnerAgent, true),
		user("usr_sam", "org_south", "sam@southwind.example", "Sam South", accord.RolePartnerAgent, true),
		user("usr_eve", "org_east", "eve@eastwind.example", "Eve East", accord.RolePartnerAgent, true),
	}
	vendor := accord.Actor{UserID: "usr_ana", OrgID: "org_v", Role: accord.RoleAgent}
	partner := accord.Actor{UserID: "usr_pat", OrgID: "org_south", Role: accord.RolePartnerAgent}
	customer := accord.Actor{UserID: "usr_cto", OrgID: "org_acme", Role: accord.RoleCustomerContact}
	for _, tc := range []struct {
		name    string
		writer  accord.Actor
		text    string
		ids     []accord.ID
		unknown []string
	}{
		{"colleague by address", vendor, "@bo@northwind.example look", []accord.ID{"usr_bo"}, nil},
		{"colleague by address part, name and first name", vendor, "@bea @BoLind @Olga", []accord.ID{"usr_bea", "usr_bo"}, []string{"@Olga"}},
		{"ambiguous first name", vendor, "@bo", nil, []string{"@bo"}},
		{"unknown", vendor, "@ghost", nil, []string{"@ghost"}},
		{"inactive colleague", vendor, "@olga", nil, []string{"@olga"}},
		{"customer contact not mentionable", vendor, "@cto@acme.example @carla", nil, []string{"@cto@acme.example", "@carla"}},
		{"partner agent not the vendor's colleague", vendor, "@pat", nil, []string{"@pat"}},
		{"partner's own agent", partner, "@sam", []accord.ID{"usr_sam"}, nil},
		{"agent of another partner not mentionable", partner, "@eve@eastwind.example", nil, []string{"@eve@eastwind.example"}},
		{"vendor staff are not a partner's colleagues", partner, "@ana", nil, []string{"@ana"}},
		{"customers mention nobody", customer, "@ana", nil, []string{"@ana"}},
		{"the same person twice", vendor, "@bea @bea@northwind.example", []accord.ID{"usr_bea"}, nil},
		{"yourself", vendor, "@ana", nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ids, unknown := cases.ResolveMentions(tc.writer, tc.text, people)
			if !slices.Equal(ids, tc.ids) || !slices.Equal(unknown, tc.unknown) {
				t.Fatalf("got %v, %v; want %v, %v", ids, unknown, tc.ids, tc.unknown)
			}
		})
	}
}

// signalsOf is the signals service over the fixture's database.
func (f *fixture) signals() *signals.Service {
	return signals.NewService(store.NewSignals(f.db), f.svc, f.dir)
}

// kinds lists a user's notifications as "kind #number", newest first.
func (f *fixture) kinds(t *testing.T, who string, now time.Time) []string {
	t.Helper()
	l, _, err := f.signals().Notifications(f.as(who), now, false, accord.Page{})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, n := range l {
		out = append(out, string(n.Kind))
	}
	slices.Sort(out)
	return out
}

// TestNotifications: each trigger notifies the right user and nobody else:
// the assignee of an assignment, the case's assignee of a customer's reply
// and of the first-response warning, the colleagues a note mentions (with
// an audit of whom); the writer is told which mentions notified nobody.
func TestNotifications(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, open func(testing.TB) *store.DB) {
		f := newFixture(t, open)
		now := at("2024-03-04 10:00")
		c := f.openPortal(t, "acme", now, incident(sla.C3, "Reports run slowly"))
		if _, err := f.svc.Assign(f.as("admin"), now, c.ID, cases.Assignment{UserID: f.users["agent"].ID}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Reply(f.as("acme"), now.Add(time.Minute), c.ID, cases.NewReply{Body: "More logs attached."}); err != nil {
			t.Fatal(err)
		}
		c = f.get(t, "agent", now, c.ID)
		if c.Clock.WarnAt == nil {
			t.Fatalf("no warning instant: %+v", c.Clock)
		}
		system := accord.WithActor(context.Background(), accord.SystemActor("jobs"))
		if err := f.svc.Fire(system, *c.Clock.WarnAt, cases.WarnTimer, c.ID); err != nil {
			t.Fatal(err)
		}
		later := c.Clock.WarnAt.Add(time.Minute)
		_, err := f.svc.Reply(f.as("agent"), later, c.ID, cases.NewReply{Internal: true,
			Body: "@admin@vendor.example can you check? Not @acme@acme.example, nor @partner@partner.example, nor @ghost, nor @agent."})
		if err != nil {
			t.Fatal(err)
		}
		for who, want := range map[string][]string{
			"agent":   {"assigned", "customer_replied", "sla_warning"},
			"admin":   {"mentioned"},
			"acme":    nil,
			"partner": nil,
			"auditor": nil,
		} {
			if got := f.kinds(t, who, later); !slices.Equal(got, want) {
				t.Errorf("%s's notifications = %v, want %v", who, got, want)
			}
		}
		timeline, err := f.svc.Timeline(f.as("agent"), later, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		note := timeline[len(timeline)-1]
		if note.Kind != cases.Note || !slices.Equal(note.Data.Mentions, []accord.ID{f.users["admin"].ID}) ||
			!slices.Equal(note.Data.Unmentioned, []string{"@acme@acme.example", "@partner@partner.example", "@ghost"}) {
			t.Fatalf("note = %+v", note.Data)
		}
		evs, _, err := f.audit.List(system, audit.Filter{EntityID: &c.ID}, accord.Page{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.ContainsFunc(evs, func(e audit.Event) bool {
			return e.Action == "case.note" && slices.ContainsFunc(e.Changes, func(ch audit.Change) bool { return ch.Field == "mentions" })
		}) {
			t.Fatalf("no audit of the mention: %+v", evs)
		}

		// Each reads and marks only their own.
		sg := f.signals()
		mine, _, _ := sg.Notifications(f.as("admin"), later, true, accord.Page{})
		if len(mine) != 1 {
			t.Fatalf("admin's unread = %+v", mine)
		}
		if err := sg.MarkRead(f.as("agent"), later, mine[0].ID); !accord.IsKind(err, accord.NotFound) {
			t.Fatalf("the agent marks the admin's notification: %v", err)
		}
		if n, _ := sg.Unread(f.as("agent"), later); n != 3 {
			t.Fatalf("agent's unread = %d", n)
		}
		if n, err := sg.MarkAllRead(f.as("agent"), later); err != nil || n != 3 {
			t.Fatalf("agent marks %d, %v", n, err)
		}
		if n, _ := sg.Unread(f.as("admin"), later); n != 1 {
			t.Fatalf("admin's unread after the agent's mark-all = %d", n)
		}
		letter, ok, err := sg.MentionLetter(system, later, mine[0].ID)
		if err != nil || !ok || letter.UserID != f.users["admin"].ID || letter.Link != "/cases/"+string(c.ID) || letter.Facts["author"] != "User agent" {
			t.Fatalf("mention letter = %+v, %v, %v", letter, ok, err)
		}
	})
}

// TestPresence: an agent on a case is shown to colleagues for thirty
// seconds after their last word, writing or not; never to themselves, and
// customers see nobody.
func TestPresence(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, open func(testing.TB) *store.DB) {
		f := newFixture(t, open)
		now := at("2024-03-04 10:00")
		c := f.openPortal(t, "globex", now, incident(sla.C3, "Slow"))
		sg := f.signals()
		if _, err := sg.Touch(f.as("agent"), now, c.ID, true); err != nil {
			t.Fatal(err)
		}
		l, err := sg.Touch(f.as("partner"), now.Add(5*time.Second), c.ID, false)
		if err != nil || len(l) != 1 || l[0].UserID != f.users["agent"].ID || !l[0].Writing {
			t.Fatalf("the partner sees %+v, %v", l, err)
		}
		if l, _ := sg.Present(f.as("admin"), now.Add(signals.PresenceWindow), c.ID); len(l) != 2 {
			t.Fatalf("at 30 s the admin sees %+v", l)
		}
		if l, _ := sg.Present(f.as("admin"), now.Add(signals.PresenceWindow+time.Second), c.ID); len(l) != 1 || l[0].UserID != f.users["partner"].ID {
			t.Fatalf("at 31 s the admin sees %+v", l)
		}
		if _, err := sg.Present(f.as("globex"), now, c.ID); !accord.IsKind(err, accord.Forbidden) {
			t.Fatalf("a customer reads presence: %v", err)
		}
		if _, err := sg.Touch(f.as("globex"), now, c.ID, true); !accord.IsKind(err, accord.Forbidden) {
			t.Fatalf("a customer is recorded: %v", err)
		}
		other := f.openPortal(t, "acme", now, incident(sla.C3, "Acme's"))
		if _, err := sg.Touch(f.as("partner"), now, other.ID, false); !accord.IsKind(err, accord.NotFound) {
			t.Fatalf("the partner on a case it may not read: %v", err)
		}
	})
}

// closeCase takes a case opened by acme's contact to closed: answered,
// resolved, confirmed. It returns the id of its rating link.
func (f *fixture) closeCase(t *testing.T, now time.Time, title string) (cases.Case, accord.ID) {
	t.Helper()
	c := f.openPortal(t, "acme", now, incident(sla.C3, title))
	if _, err := f.svc.Reply(f.as("agent"), now, c.ID, cases.NewReply{Body: "Fixed in 4.2.2."}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Resolve(f.as("agent"), now, c.ID, "Upgrade to 4.2.2"); err != nil {
		t.Fatal(err)
	}
	c, err := f.svc.Confirm(f.as("acme"), now.Add(time.Hour), c.ID)
	if err != nil {
		t.Fatal(err)
	}
	var link accord.ID
	if err := f.db.SQL().QueryRowContext(context.Background(), `SELECT subject_id FROM jobs WHERE kind = $1 AND org_id = $2 AND subject_id IN
		(SELECT id FROM rating_links WHERE case_id = $3)`, cases.RatingLetterJob, c.OrgID, c.ID).Scan(&link); err != nil {
		t.Fatalf("the rating letter of %s: %v", c.ID, err)
	}
	return c, link
}

// TestRatingLinks: a closed case's contact is mailed a single-use link to
// rate it; a tampered token, another case's token, an expired link and a
// used one are refused alike; a case is rated once, from the link or the
// portal, and the rating is audited.
func TestRatingLinks(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, open func(testing.TB) *store.DB) {
		f := newFixture(t, open)
		now := at("2024-03-04 10:00")
		system := accord.WithActor(context.Background(), accord.SystemActor("jobs"))
		sg := f.signals()
		c1, l1 := f.closeCase(t, now, "First")
		c2, l2 := f.closeCase(t, now, "Second")
		closed := now.Add(2 * time.Hour)
		letter, ok, err := sg.RatingLetterFor(system, closed, l1)
		if err != nil || !ok || letter.UserID != f.users["acme"].ID || letter.Kind != signals.RatingLetter || letter.Facts["number"] != c1.Number {
			t.Fatalf("letter = %+v, %v, %v", letter, ok, err)
		}
		mint := func(id accord.ID, c cases.Case) string {
			t.Helper()
			path, err := sg.MintLink(system, closed, signals.RatingLetter, string(id), f.users["acme"].ID)
			token, found := strings.CutPrefix(path, "/rate/"+string(c.ID)+"/")
			if err != nil || !found || token == "" {
				t.Fatalf("minted %q, %v", path, err)
			}
			return token
		}
		t1, t2 := mint(l1, c1), mint(l2, c2)
		if _, err := sg.MintLink(system, closed, "user.invitation", string(l1), f.users["acme"].ID); !accord.IsKind(err, accord.NotFound) {
			t.Fatalf("minted for another letter kind: %v", err)
		}
		good := signals.NewRating{Score: 5, Comment: "Quick and clear"}
		tampered := t1[:len(t1)-1] + string("AB"[strings.IndexByte("AB", t1[len(t1)-1])+1&1])
		for name, try := range map[string]struct {
			id    accord.ID
			token string
			at    time.Time
		}{
			"tampered token":     {c1.ID, tampered, closed},
			"another case's one": {c1.ID, t2, closed},
			"empty token":        {c1.ID, "", closed},
			"expired":            {c1.ID, t1, closed.Add(cases.RatingLife)},
		} {
			if _, err := sg.RateByLink(context.Background(), try.at, try.id, try.token, good); !accord.IsKind(err, accord.NotFound) {
				t.Errorf("%s: %v, want the link refused", name, err)
			}
			if _, err := sg.LinkCase(context.Background(), try.at, try.id, try.token); !accord.IsKind(err, accord.NotFound) {
				t.Errorf("%s: page opens: %v", name, err)
			}
		}
		if _, err := sg.RateByLink(context.Background(), closed, c1.ID, t1, signals.NewRating{Score: 6}); !accord.IsKind(err, accord.Invalid) {
			t.Fatalf("score 6: %v", err)
		}
		inv, err := sg.LinkCase(context.Background(), closed, c1.ID, t1)
		if err != nil || inv.Case.ID != c1.ID {
			t.Fatalf("the link's page: %+v, %v", inv, err)
		}
		r, err := sg.RateByLink(context.Background(), closed, c1.ID, t1, good)
		if err != nil || r.Score != 5 || r.Via != signals.ViaLink || r.UserID != f.users["acme"].ID || r.Criticality != sla.C3 {
			t.Fatalf("rated %+v, %v", r, err)
		}
		if _, err := sg.RateByLink(context.Background(), closed, c1.ID, t1, good); !accord.IsKind(err, accord.NotFound) {
			t.Fatalf("reused: %v", err)
		}
		if _, err := sg.Rate(f.as("acme"), closed, c1.ID, good); !accord.IsKind(err, accord.Conflict) {
			t.Fatalf("rated again from the portal: %v", err)
		}
		if _, err := sg.MintLink(system, closed, signals.RatingLetter, string(l1), f.users["acme"].ID); !accord.IsKind(err, accord.NotFound) {
			t.Fatalf("minted a used link again: %v", err)
		}
		if _, ok, _ := sg.RatingLetterFor(system, closed, l1); ok {
			t.Fatalf("a letter for a used link")
		}

		// The portal: the customer's contacts, on a closed case, once; the
		// mailed link is then refused as rated.
		if _, err := sg.Rate(f.as("agent"), closed, c2.ID, good); !accord.IsKind(err, accord.Forbidden) {
			t.Fatalf("an agent rates: %v", err)
		}
		if _, err := sg.Rate(f.as("globex"), closed, c2.ID, good); !accord.IsKind(err, accord.NotFound) {
			t.Fatalf("another customer rates: %v", err)
		}
		active := f.openPortal(t, "acme", now, incident(sla.C3, "Still open"))
		if _, err := sg.Rate(f.as("acme"), closed, active.ID, good); !accord.IsKind(err, accord.Conflict) {
			t.Fatalf("an open case rated: %v", err)
		}
		if _, err := sg.Rate(f.as("bystander"), closed, c2.ID, signals.NewRating{Score: 2, Comment: "bad\x00"}); !accord.IsKind(err, accord.Invalid) {
			t.Fatalf("a comment with NUL: %v", err)
		}
		if _, err := sg.Rate(f.as("bystander"), closed, c2.ID, signals.NewRating{Score: 2}); err != nil {
			t.Fatal(err)
		}
		if _, err := sg.RateByLink(context.Background(), closed, c2.ID, t2, good); !accord.IsKind(err, accord.Conflict) {
			t.Fatalf("the link after a portal rating: %v", err)
		}
		got, err := sg.Rating(f.as("agent"), closed, c2.ID)
		if err != nil || got.Score != 2 || got.Via != signals.ViaPortal {
			t.Fatalf("c2's rating = %+v, %v", got, err)
		}
		evs, _, err := f.audit.List(system, audit.Filter{EntityID: &c1.ID}, accord.Page{Limit: 100})
		if err != nil || !slices.ContainsFunc(evs, func(e audit.Event) bool { return e.Action == "case.rate" && e.ActorID == f.users["acme"].ID }) {
			t.Fatalf("no audit of the rating by its contact: %v %+v", err, evs)
		}
	})
}

// TestResolveMentionsProperty: whatever the note and the people, every id
// resolved is someone the writer may mention, never the writer, and each
// once; each mention is either resolved or reported, never both.
func TestResolveMentionsProperty(t *testing.T) {
	roles := []accord.Role{accord.RoleAdmin, accord.RoleAgent, accord.RoleAuditor, accord.RolePartnerAgent, accord.RoleCustomerContact}
	orgs := []accord.ID{"org_v", "org_south", "org_east", "org_acme"}
	names := []string{"ana", "bo", "carla", "dee"}
	rapid.Check(t, func(t *rapid.T) {
		var people []directory.User
		for i := range rapid.IntRange(0, 8).Draw(t, "people") {
			name := rapid.SampledFrom(names).Draw(t, "name")
			people = append(people, directory.User{ID: accord.ID("usr_" + strconv.Itoa(i)), OrgID: rapid.SampledFrom(orgs).Draw(t, "org"),
				Email: name + strconv.Itoa(i%2) + "@x.example", Name: name + " Surname", Role: rapid.SampledFrom(roles).Draw(t, "role"),
				Active: rapid.Bool().Draw(t, "active")})
		}
		writer := accord.Actor{UserID: "usr_0", OrgID: rapid.SampledFrom(orgs).Draw(t, "writer org"), Role: rapid.SampledFrom(roles).Draw(t, "writer role")}
		var words []string
		for range rapid.IntRange(0, 5).Draw(t, "mentions") {
			words = append(words, "@"+rapid.SampledFrom(append(names, "ana0@x.example", "bo1@x.example", "ghost")).Draw(t, "mention"))
		}
		ids, unknown := cases.ResolveMentions(writer, strings.Join(words, " "), people)
		seen := map[accord.ID]bool{}
		for _, id := range ids {
			i := slices.IndexFunc(people, func(u directory.User) bool { return u.ID == id })
			if i < 0 || !cases.Mentionable(writer, people[i]) || id == writer.UserID || seen[id] {
				t.Fatalf("resolved %s: %+v (writer %+v)", id, people, writer)
			}
			seen[id] = true
		}
		if len(ids)+len(unknown) > len(cases.Mentions(strings.Join(words, " "))) {
			t.Fatalf("%d resolved and %d reported out of %v", len(ids), len(unknown), words)
		}
	})
}
