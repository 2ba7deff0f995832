package environments_test

import (
	"strings"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"

	"accord/internal/accord"
	"accord/internal/environments"
	"accord/internal/store/dbtest"
)

// TestNoticesInFeeds: a customer contact's calendar feed carries the
// customer's notices, not another customer's; a vendor's feed none.
func TestNoticesInFeeds(t *testing.T) {
	f := newFixture(t, dbtest.SQLite)
	in := environments.NewNotice{Kind: environments.MaintenanceShutdown, Title: "Vault 4.3", Body: "The vault stops for the upgrade.",
		StartsAt: t0.Add(48 * time.Hour), EndsAt: t0.Add(52 * time.Hour), Environments: []accord.ID{f.env.ID}}
	if _, err := f.svc.Publish(f.as("agent"), t0, in); err != nil {
		t.Fatal(err)
	}
	feed := func(who string) string {
		cal := ics.NewCalendarFor("Accord")
		u := f.users[who]
		if err := f.svc.AddNotices(f.as(who), t0, u, accord.OnlyOrg(u.OrgID), cal, "https://desk.example"); err != nil {
			t.Fatal(err)
		}
		return cal.Serialize()
	}
	got := feed("acme")
	for _, want := range []string{"SUMMARY:Maintenance shutdown: Vault 4.3", "DTSTART:20261111T130000Z", "DTEND:20261111T170000Z", "URL:https://desk.example/notices"} {
		if !strings.Contains(got, want) {
			t.Errorf("Acme's feed lacks %q:\n%s", want, got)
		}
	}
	for _, who := range []string{"globex", "agent"} {
		if strings.Contains(feed(who), "VEVENT") {
			t.Errorf("%s's feed has the notice", who)
		}
	}
}
