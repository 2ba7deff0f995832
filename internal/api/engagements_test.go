package api

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"

	"accord/internal/accord"
	"accord/internal/contracts"
	"accord/internal/engagements"
	"accord/internal/store"
	"accord/internal/store/dbtest"
)

var saoPaulo = mustZone("America/Sao_Paulo")

// sp is a wall-clock instant in Sao Paulo, the services calendar's zone.
func sp(day, hour, minute int) time.Time {
	return time.Date(2026, 11, day, hour, minute, 0, 0, saoPaulo)
}

// send is f.do that also checks the status and the audit actions the
// request wrote, in order (none for nil).
func (f *fixture) send(t *testing.T, as, method, path string, body any, status int, actions []string, headers ...string) response {
	t.Helper()
	seen := map[accord.ID]bool{}
	for _, e := range f.events() {
		seen[e.ID] = true
	}
	resp := f.do(as, method, path, body, headers...)
	if resp.status != status {
		t.Fatalf("%s %s as %q: status %d, want %d; body %s", method, path, as, resp.status, status, short(resp.body))
	}
	var got []string
	for _, e := range f.events() {
		if !seen[e.ID] {
			got = append(got, e.Action)
		}
	}
	if !slices.Equal(got, actions) {
		t.Errorf("%s %s as %q: audit actions %v, want %v", method, path, as, got, actions)
	}
	return resp
}

func acts(a ...string) []string { return a }

// engagement decodes an answer that is an engagement.
func engagementOf(t *testing.T, r response) engagements.Engagement {
	t.Helper()
	var e engagements.Engagement
	r.json(t, &e)
	return e
}

// feedPath turns a feed URL the API gave into a path of the test server.
func feedPath(t *testing.T, f *fixture, url string) string {
	t.Helper()
	path, ok := strings.CutPrefix(url, f.srv.URL)
	if !ok || !strings.HasPrefix(path, "/feeds/") || !strings.HasSuffix(path, ".ics") {
		t.Fatalf("feed url %q is not %s/feeds/<secret>.ics", url, f.srv.URL)
	}
	return path
}

// calendarEvents fetches a feed without signing in and parses it.
func calendarEvents(t *testing.T, f *fixture, path string) []*ics.VEvent {
	t.Helper()
	resp := f.do("", "GET", path, nil)
	if resp.status != http.StatusOK {
		t.Fatalf("feed %s: %d %s", path, resp.status, short(resp.body))
	}
	if ct, cc := resp.header.Get("Content-Type"), resp.header.Get("Cache-Control"); ct != "text/calendar; charset=utf-8" || cc != "private, max-age=300" {
		t.Errorf("feed headers: Content-Type %q, Cache-Control %q", ct, cc)
	}
	cal, err := ics.ParseCalendar(strings.NewReader(resp.body))
	if err != nil {
		t.Fatalf("feed does not parse: %v\n%s", err, resp.body)
	}
	return cal.Events()
}

// TestEngagementWalk is the "done when": a customer's HA/DR test
// in production from request to sign-off, its report and the calendar
// feeds of the engineer and the customer, with every step audited.
func TestEngagementWalk(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, open func(testing.TB) *store.DB) {
		f := newFixture(t, open)
		f.at(sp(16, 9, 0)) // Monday 2026-11-16 09:00 -03

		// The customer reads the catalog and requests the test.
		resp := f.send(t, "acme", "GET", "/api/v1/catalog", nil, 200, nil)
		if !strings.Contains(resp.body, `"version":1`) || !strings.Contains(resp.body, `"ha_dr_test":{`) || strings.Contains(resp.body, `"document"`) {
			t.Errorf("catalog: %s", short(resp.body))
		}
		f.send(t, "acme", "POST", "/api/v1/engagements", `{"service":"ha_dr_test","format":"in_the_cloud","scope":"x"}`, 400, nil)
		e := engagementOf(t, f.send(t, "acme", "POST", "/api/v1/engagements",
			`{"service":"ha_dr_test","format":"production","scope":"Yearly DR test of the production vault cluster"}`, 201, acts("engagement.request")))
		if e.State != engagements.Requested || e.OrgID != f.orgs["acme"].ID || e.Provider != engagements.Vendor || e.CatalogVersion != 1 || len(e.Steps) != 3 ||
			e.RequestedByID != f.users["acme"].ID || len(e.Waiting) != 1 {
			t.Fatalf("requested: %+v", e)
		}
		base := "/api/v1/engagements/" + string(e.ID)

		// The vendor quotes: below the minimum is refused naming hours.
		f.send(t, "acme", "POST", base+"/quote", `{"hours":4}`, 403, nil)
		resp = f.send(t, "agent", "POST", base+"/quote", `{"hours":2}`, 400, nil)
		if !strings.Contains(resp.body, `"field":"hours"`) || !strings.Contains(resp.body, "at least 4") {
			t.Errorf("below the minimum: %s", resp.body)
		}
		e = engagementOf(t, f.send(t, "agent", "POST", base+"/quote", `{"hours":4,"note":"Two engineers on call"}`, 200, acts("engagement.quote")))
		if e.State != engagements.Quoted || e.Quote == nil || e.Quote.TotalCents != 4*45000 || e.Quote.Currency != "BRL" || e.Quote.Coverage != nil {
			t.Fatalf("quoted: %+v %+v", e, e.Quote)
		}

		// The customer accepts on Monday at 10:00: five working days, past
		// Friday 20 November (Black Consciousness Day), end on Tuesday 24.
		f.at(sp(16, 10, 0))
		f.send(t, "agent", "POST", base+"/accept", nil, 403, nil)
		e = engagementOf(t, f.send(t, "acme", "POST", base+"/accept", nil, 200, acts("engagement.accept")))
		timeIs(t, "earliest start", e.EarliestStart, "2026-11-24T11:00:00Z")
		if e.State != engagements.Accepted || e.AcceptedAt == nil {
			t.Fatalf("accepted: %+v", e)
		}

		// A session before the lead time is refused with the earliest start.
		session := func(start, end time.Time) string {
			return fmt.Sprintf(`{"sessions":[{"engineer_id":%q,"start":%q,"end":%q}]}`, f.users["agent"].ID, start.Format(time.RFC3339), end.Format(time.RFC3339))
		}
		resp = f.send(t, "agent", "POST", base+"/schedule", session(sp(23, 8, 0), sp(23, 12, 0)), 422, nil)
		for _, want := range []string{`"field":"sessions[0].start"`, "2026-11-24T11:00:00Z", "Tue 2026-11-24 08:00 -03"} {
			if !strings.Contains(resp.body, want) {
				t.Errorf("early session: body lacks %q: %s", want, resp.body)
			}
		}
		f.send(t, "acme", "POST", base+"/schedule", session(sp(24, 8, 0), sp(24, 12, 0)), 403, nil)
		e = engagementOf(t, f.send(t, "agent", "POST", base+"/schedule", session(sp(24, 8, 0), sp(24, 12, 0)), 200, acts("engagement.schedule")))
		if e.State != engagements.Scheduled || len(e.Sessions) != 1 || !e.Sessions[0].Start.Equal(sp(24, 8, 0)) || !e.Sessions[0].End.Equal(sp(24, 12, 0)) ||
			e.Sessions[0].EngineerID != f.users["agent"].ID {
			t.Fatalf("scheduled: %+v", e)
		}

		// The day comes; the engineer starts.
		f.at(sp(24, 8, 0))
		e = engagementOf(t, f.send(t, "agent", "POST", base+"/start", nil, 200, acts("engagement.start")))
		if e.State != engagements.InProgress {
			t.Fatalf("started: %+v", e)
		}

		// Step 2 is the customer's, step 3 the vendor's: each side is
		// refused the other's.
		steps := base + "/steps/"
		f.send(t, "agent", "POST", steps+"2/complete", `{"note":"done for them"}`, 403, nil)
		evidence := []byte("2026-11-24 09:00:02 vault-1 shutdown requested by ops\n2026-11-24 09:00:31 vault-1 stopped\n")
		body, ct := upload(t, "shutdown.log", evidence, "note", "Primary stopped at 09:00")
		e = engagementOf(t, f.send(t, "acme", "POST", steps+"2/complete", body, 200, acts("engagement.step"), "Content-Type", ct))
		st := e.Steps[1]
		sum := sha256.Sum256(evidence)
		if st.DoneAt == nil || st.DoneAs != engagements.Customer || st.DoneByID != f.users["acme"].ID || st.Note != "Primary stopped at 09:00" ||
			st.File == nil || st.File.Name != "shutdown.log" || st.File.SHA256 != hex.EncodeToString(sum[:]) || st.File.Size != int64(len(evidence)) {
			t.Fatalf("step 2: %+v %+v", st, st.File)
		}
		for _, as := range []string{"agent", "acme"} {
			resp = f.send(t, as, "GET", base+"/files/"+string(st.File.ID), nil, 200, nil)
			if resp.body != string(evidence) || resp.header.Get("Content-Disposition") != "attachment; filename=shutdown.log" ||
				resp.header.Get("X-Content-Type-Options") != "nosniff" || resp.header.Get("Content-Type") != "text/plain; charset=utf-8" {
				t.Errorf("%s downloads the evidence: %q %v", as, resp.body, resp.header)
			}
		}
		f.send(t, "globex", "GET", base+"/files/"+string(st.File.ID), nil, 404, nil)
		f.send(t, "acme", "POST", steps+"2/complete", `{}`, 409, nil)
		f.send(t, "acme", "POST", steps+"3/complete", `{"note":"we recovered it"}`, 403, nil)
		f.send(t, "acme", "POST", steps+"4/complete", `{}`, 404, nil)
		f.send(t, "acme", "POST", steps+"two/complete", `{}`, 404, nil)
		f.send(t, "acme", "POST", steps+"1/complete", `{"note":"Window agreed: 08:00-12:00, vault unavailable"}`, 200, acts("engagement.step"))
		e = engagementOf(t, f.send(t, "agent", "POST", steps+"3/complete", nil, 200, acts("engagement.step")))
		if e.Steps[2].DoneAs != engagements.Vendor || e.Steps[0].DoneAs != engagements.Customer {
			t.Fatalf("steps: %+v", e.Steps)
		}

		// The outcome: restored in 1h25m against a 2-hour RTO (met), ten
		// minutes of data lost against a 5-minute RPO (missed).
		f.at(sp(24, 11, 0))
		f.send(t, "agent", "POST", base+"/complete", nil, 422, nil)
		outcome := fmt.Sprintf(`{"failure_at":%q,"restored_at":%q,"data_point_at":%q,"rto_objective_minutes":120,"rpo_objective_minutes":5,`+
			`"notes":"Failover by hand","actions":["Promote the standby","Repoint the agents"]}`,
			sp(24, 9, 0).Format(time.RFC3339), sp(24, 10, 25).Format(time.RFC3339), sp(24, 8, 50).Format(time.RFC3339))
		f.send(t, "globex", "PUT", base+"/outcome", outcome, 404, nil)
		e = engagementOf(t, f.send(t, "agent", "PUT", base+"/outcome", outcome, 200, acts("engagement.outcome")))
		if o := e.Outcome; o == nil || o.RTO == nil || o.RTO.Seconds != 85*60 || o.RTO.Met == nil || !*o.RTO.Met ||
			o.RPO == nil || o.RPO.Seconds != 600 || o.RPO.Met == nil || *o.RPO.Met {
			t.Fatalf("outcome: %+v", e.Outcome)
		}
		f.send(t, "acme", "POST", base+"/complete", nil, 403, nil)
		f.send(t, "acme", "POST", base+"/sign-off", `{}`, 409, nil)
		e = engagementOf(t, f.send(t, "agent", "POST", base+"/complete", nil, 200, acts("engagement.complete")))
		if e.State != engagements.Completed {
			t.Fatalf("completed: %+v", e)
		}
		f.send(t, "agent", "POST", base+"/sign-off", `{}`, 403, nil)
		e = engagementOf(t, f.send(t, "acme", "POST", base+"/sign-off", `{"note":"Accepted; we will act on the RPO"}`, 200, acts("engagement.sign_off")))
		if e.State != engagements.SignedOff || e.SignOffNote != "Accepted; we will act on the RPO" {
			t.Fatalf("signed off: %+v", e)
		}

		// The report says what was met and what was missed.
		var rep engagements.Report
		f.send(t, "acme", "GET", base+"/report", nil, 200, nil).json(t, &rep)
		if rep.Verdict != "missed" || rep.Customer != "Acme Bank" || rep.Zone != "America/Sao_Paulo" || rep.Expected == "" ||
			rep.Engagement.Outcome == nil || !*rep.Engagement.Outcome.RTO.Met || *rep.Engagement.Outcome.RPO.Met {
			t.Errorf("report: %+v", rep)
		}
		resp = f.send(t, "acme", "GET", base+"/report.html", nil, 200, nil)
		if got := resp.header.Get("Content-Type"); got != "text/html; charset=utf-8" {
			t.Errorf("report.html Content-Type %q", got)
		}
		if csp := resp.header.Get("Content-Security-Policy"); !strings.HasPrefix(csp, "default-src 'none'; style-src 'unsafe-inline'") || strings.Contains(csp, "script") {
			t.Errorf("report.html CSP %q", csp)
		}
		for _, want := range []string{"<style>", "1h 25m", `<span class="missed">missed</span>`, `<span class="met">met</span>`, "Tue 2026-11-24 10:25 -03",
			"shutdown.log", "Promote the standby", "Acme Bank"} {
			if !strings.Contains(resp.body, want) {
				t.Errorf("report.html lacks %q", want)
			}
		}
		f.send(t, "globex", "GET", base+"/report.html", nil, 404, nil)

		// Every step of the walk is in the engagement's audit trail, in
		// order, and the auditor reads it there.
		var actions []string
		for _, ev := range f.events() {
			if ev.EntityID == e.ID {
				actions = append(actions, ev.Action)
			}
		}
		resp = f.send(t, "auditor", "GET", "/api/v1/audit?limit=100&entity_id="+string(e.ID), nil, 200, nil)
		if n := strings.Count(resp.body, `"action":"engagement.`); n != 11 {
			t.Errorf("the auditor reads %d events of the engagement, want 11", n)
		}
		want := []string{"engagement.request", "engagement.quote", "engagement.accept", "engagement.schedule", "engagement.start",
			"engagement.step", "engagement.step", "engagement.step", "engagement.outcome", "engagement.complete", "engagement.sign_off"}
		if !slices.Equal(actions, want) {
			t.Errorf("the engagement's trail: %v, want %v", actions, want)
		}

		// Calendar feeds: the engineer's and the customer's, read without
		// a session, each with the session.
		f.send(t, "agent", "GET", "/api/v1/me/calendar-feed", nil, 404, nil)
		feeds := map[string]string{}
		for _, as := range []string{"agent", "acme", "globex"} {
			var fb struct {
				URL       string    `json:"url"`
				CreatedAt time.Time `json:"created_at"`
			}
			f.send(t, as, "POST", "/api/v1/me/calendar-feed", nil, 201, acts("calendar_feed.rotate")).json(t, &fb)
			if !fb.CreatedAt.Equal(f.now) {
				t.Errorf("%s's feed created at %s", as, fb.CreatedAt)
			}
			feeds[as] = feedPath(t, f, fb.URL)
			resp = f.send(t, as, "GET", "/api/v1/me/calendar-feed", nil, 200, nil)
			if !strings.Contains(resp.body, `"created_at":"2026-11-24T14:00:00Z"`) || strings.Contains(resp.body, "/feeds/") {
				t.Errorf("%s's feed: %s", as, resp.body)
			}
		}
		for _, as := range []string{"agent", "acme"} {
			evs := calendarEvents(t, f, feeds[as])
			if len(evs) != 1 {
				t.Fatalf("%s's feed has %d events", as, len(evs))
			}
			ev := evs[0]
			start, err1 := ev.GetStartAt()
			end, err2 := ev.GetEndAt()
			if err1 != nil || err2 != nil || !start.Equal(sp(24, 8, 0)) || !end.Equal(sp(24, 12, 0)) {
				t.Errorf("%s's event runs %s to %s (%v %v)", as, start, end, err1, err2)
			}
			if p := ev.GetProperty(ics.ComponentPropertyDtStart); p == nil || p.Value != "20261124T110000Z" {
				t.Errorf("%s's DTSTART: %+v", as, p)
			}
			if p := ev.GetProperty(ics.ComponentPropertyDtEnd); p == nil || p.Value != "20261124T150000Z" {
				t.Errorf("%s's DTEND: %+v", as, p)
			}
			if p := ev.GetProperty(ics.ComponentPropertySummary); p == nil || p.Value != "HA/DR test: Acme Bank" {
				t.Errorf("%s's SUMMARY: %+v", as, p)
			}
		}
		if evs := calendarEvents(t, f, feeds["globex"]); len(evs) != 0 {
			t.Errorf("Globex's feed shows Acme's session: %d events", len(evs))
		}

		// Rotating a feed closes the old URL at once.
		var fb struct{ URL string }
		f.send(t, "agent", "POST", "/api/v1/me/calendar-feed", nil, 201, acts("calendar_feed.rotate")).json(t, &fb)
		if resp := f.do("", "GET", feeds["agent"], nil); resp.status != http.StatusNotFound || !strings.Contains(resp.body, `"kind":"not_found"`) {
			t.Errorf("old feed URL: %d %s", resp.status, short(resp.body))
		}
		if evs := calendarEvents(t, f, feedPath(t, f, fb.URL)); len(evs) != 1 {
			t.Errorf("new feed has %d events", len(evs))
		}
		for _, path := range []string{"/feeds/nothing.ics", "/feeds/" + strings.TrimSuffix(strings.TrimPrefix(feedPath(t, f, fb.URL), "/feeds/"), ".ics")} {
			if resp := f.do("", "GET", path, nil); resp.status != http.StatusNotFound {
				t.Errorf("%s: %d", path, resp.status)
			}
		}
	})
}

// TestEngagementEntitlement: Premium's yearly assisted upgrade pays for an
// assisted update; accepting consumes it, cancelling gives it back.
func TestEngagementEntitlement(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, open func(testing.TB) *store.DB) {
		f := newFixture(t, open)
		upgrade := entitlementOf(t, f, "acme", "assisted_upgrade")
		left := func() int {
			t.Helper()
			var l struct{ Items []contracts.Entitlement }
			f.send(t, "acme", "GET", "/api/v1/contracts/"+string(f.ctr["acme"].ID)+"/entitlements", nil, 200, nil).json(t, &l)
			for _, en := range l.Items {
				if string(en.ID) == upgrade {
					return en.Left
				}
			}
			t.Fatalf("no entitlement %s", upgrade)
			return 0
		}
		request := func() string {
			e := engagementOf(t, f.send(t, "acme", "POST", "/api/v1/engagements", `{"service":"assisted_update","scope":"Update the vault cluster to 4.3"}`, 201, acts("engagement.request")))
			return "/api/v1/engagements/" + string(e.ID)
		}

		first := request()
		e := engagementOf(t, f.send(t, "agent", "POST", first+"/quote", `{"hours":6}`, 200, acts("engagement.quote")))
		if q := e.Quote; q == nil || q.TotalCents != 0 || q.Coverage == nil || string(q.Coverage.EntitlementID) != upgrade || q.Coverage.Quantity != 1 ||
			len(q.Lines) != 2 || q.Lines[1].AmountCents != -6*45000 {
			t.Fatalf("quote: %+v", e.Quote)
		}
		e = engagementOf(t, f.send(t, "acme", "POST", first+"/accept", `{}`, 200, acts("engagement.accept", "entitlement.consume")))
		if e.Quote.Coverage.ConsumptionID == "" {
			t.Errorf("no consumption recorded on the quote: %+v", e.Quote.Coverage)
		}
		var uses struct{ Items []contracts.Consumption }
		f.send(t, "admin", "GET", "/api/v1/entitlements/"+upgrade+"/consumptions", nil, 200, nil).json(t, &uses)
		if len(uses.Items) != 1 || uses.Items[0].RecordType != "engagement" || uses.Items[0].RecordID != string(e.ID) || uses.Items[0].Quantity != 1 ||
			uses.Items[0].ID != e.Quote.Coverage.ConsumptionID {
			t.Fatalf("consumptions: %+v", uses.Items)
		}
		if n := left(); n != 0 {
			t.Errorf("left after acceptance: %d", n)
		}

		// Nothing left: a second update is quoted at full price.
		second := request()
		e = engagementOf(t, f.send(t, "agent", "POST", second+"/quote", `{"hours":6}`, 200, acts("engagement.quote")))
		if e.Quote.TotalCents != 6*45000 || e.Quote.Coverage != nil {
			t.Errorf("second quote: %+v", e.Quote)
		}

		// Cancelling the first gives the upgrade back.
		f.send(t, "acme", "POST", first+"/cancel", `{}`, 400, nil)
		e = engagementOf(t, f.send(t, "acme", "POST", first+"/cancel", `{"reason":"Postponed to next year"}`, 200, acts("engagement.cancel", "entitlement.release")))
		if e.State != engagements.Cancelled || e.CancelReason != "Postponed to next year" {
			t.Fatalf("cancelled: %+v", e)
		}
		if n := left(); n != 1 {
			t.Errorf("left after cancelling: %d", n)
		}
		f.send(t, "admin", "GET", "/api/v1/entitlements/"+upgrade+"/consumptions", nil, 200, nil).json(t, &uses)
		if len(uses.Items) != 2 || uses.Items[0].Quantity+uses.Items[1].Quantity != 0 {
			t.Errorf("consumptions after cancelling: %+v", uses.Items)
		}
		f.send(t, "acme", "POST", first+"/cancel", `{"reason":"again"}`, 409, nil)
	})
}

// TestEngagementList: filters, paging and scope.
func TestEngagementList(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, open func(testing.TB) *store.DB) {
		f := newFixture(t, open)
		acme := engagementOf(t, f.send(t, "acme", "POST", "/api/v1/engagements", `{"service":"health_check","scope":"Yearly review"}`, 201, acts("engagement.request")))
		f.now = f.now.Add(time.Minute) // newest first
		globex := engagementOf(t, f.send(t, "partner", "POST", "/api/v1/engagements", `{"org_id":"`+string(f.orgs["globex"].ID)+`","service":"user_training","scope":"Train 20 users"}`,
			201, acts("engagement.request")))
		if globex.ResellerID != f.orgs["partner"].ID || globex.Provider != engagements.Reseller {
			t.Fatalf("partner's request: %+v", globex)
		}
		ids := func(as, query string) []accord.ID {
			t.Helper()
			var l struct{ Items []engagements.Engagement }
			f.send(t, as, "GET", "/api/v1/engagements"+query, nil, 200, nil).json(t, &l)
			var out []accord.ID
			for _, e := range l.Items {
				out = append(out, e.ID)
			}
			return out
		}
		for _, c := range []struct {
			as, query string
			want      []accord.ID
		}{
			{"agent", "", []accord.ID{globex.ID, acme.ID}},
			{"agent", "?limit=1", []accord.ID{globex.ID}},
			{"agent", "?org_id=" + string(f.orgs["acme"].ID), []accord.ID{acme.ID}},
			{"agent", "?reseller_id=" + string(f.orgs["partner"].ID), []accord.ID{globex.ID}},
			{"agent", "?service=health_check&state=requested", []accord.ID{acme.ID}},
			{"agent", "?state=quoted", nil},
			{"agent", "?engineer_id=" + string(f.users["agent"].ID), nil},
			{"acme", "", []accord.ID{acme.ID}},
			{"globex", "", []accord.ID{globex.ID}},
			{"partner", "", []accord.ID{globex.ID}},
			{"acme", "?org_id=" + string(f.orgs["globex"].ID), nil},
		} {
			if got := ids(c.as, c.query); !slices.Equal(got, c.want) {
				t.Errorf("%s lists %q: %v, want %v", c.as, c.query, got, c.want)
			}
		}
		resp := f.send(t, "agent", "GET", "/api/v1/engagements?limit=1", nil, 200, nil)
		var page struct {
			NextCursor string `json:"next_cursor"`
		}
		resp.json(t, &page)
		if got := ids("agent", "?limit=1&cursor="+page.NextCursor); !slices.Equal(got, []accord.ID{acme.ID}) {
			t.Errorf("second page: %v", got)
		}
		for _, q := range []string{"?state=bogus", "?org_id=nope", "?limit=0", "?engineer_id=x"} {
			f.send(t, "agent", "GET", "/api/v1/engagements"+q, nil, 400, nil)
		}
		f.send(t, "acme", "GET", "/api/v1/engagements/"+string(globex.ID), nil, 404, nil)
		f.send(t, "auditor", "POST", "/api/v1/engagements/"+string(acme.ID)+"/cancel", `{"reason":"x"}`, 403, nil)
		f.send(t, "acme", "POST", "/api/v1/engagements", `{"service":"health_check","scope":"x","hijack":true}`, 400, nil)
	})
}

// TestCatalogScenarios: reading, importing and the catalog's history.
func TestCatalogScenarios(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, open func(testing.TB) *store.DB) {
		f := newFixture(t, open)
		def := engagements.DefaultDocument()
		dearer := strings.Replace(def, `hourly: "450.00"`, `hourly: "480.00"`, 1)
		const wrong = "delivered_by: vendor_or_reseller"
		at := strings.Index(def, wrong)
		line := strings.Count(def[:at], "\n") + 1
		column := at - strings.LastIndex(def[:at], "\n") + len("delivered_by: ")
		broken := def[:at] + "delivered_by: partner" + def[at+len(wrong):]
		noted := func(doc string) string {
			return strings.Replace(importBody(t, doc), `{"document"`, `{"note":"new rate card","document"`, 1)
		}
		runScenarios(t, f, []scenario{
			{name: "customer reads the catalog", as: "acme", method: "GET", path: "/api/v1/catalog", status: 200,
				has:    []string{`"version":1`, `"note":"default catalog"`, `"calendar":"services"`, `"ha_dr_test":{"name":"HA/DR test"`, `"minimum_hours":4`, `"hourly":"450.00"`},
				hasNot: []string{`"document"`}},
			{name: "lapsed partner reads it too", as: "lapsed", method: "GET", path: "/api/v1/catalog", status: 200},
			{name: "customer may not read the history", as: "acme", method: "GET", path: "/api/v1/catalog/versions", status: 403},
			{name: "agent lists versions", as: "agent", method: "GET", path: "/api/v1/catalog/versions", status: 200,
				has: []string{`"version":1`, `"created_by":"fixture"`}, hasNot: []string{`"document"`}},
			{name: "auditor reads version 1", as: "auditor", method: "GET", path: "/api/v1/catalog/versions/1", status: 200,
				has: []string{`"document":"# Accord's default professional-services catalog`, `"catalog":{`}},
			{name: "partner may not read a version", as: "partner", method: "GET", path: "/api/v1/catalog/versions/1", status: 403},
			{name: "no version 99", as: "admin", method: "GET", path: "/api/v1/catalog/versions/99", status: 404},
			{name: "version must be a number", as: "admin", method: "GET", path: "/api/v1/catalog/versions/one", status: 404},
			{name: "agent may not import", as: "agent", method: "POST", path: "/api/v1/catalog/versions", body: importBody(t, dearer), status: 403},
			{name: "invalid document names path and line", as: "admin", method: "POST", path: "/api/v1/catalog/versions", body: importBody(t, broken), status: 400,
				has: []string{`"field":"document.services.ha_dr_test.delivered_by"`, fmt.Sprintf(`"message":"line %d, column %d: must be vendor or vendor_or_reseller"`, line, column)}},
			{name: "unknown JSON field", as: "admin", method: "POST", path: "/api/v1/catalog/versions", body: `{"yaml":"x"}`, status: 400, has: []string{`"field":"yaml"`}},
			{name: "admin imports", as: "admin", method: "POST", path: "/api/v1/catalog/versions", body: noted(dearer), status: 201,
				has: []string{`"version":2`, `"note":"new rate card"`}, hasNot: []string{`"document"`}, actions: []string{"catalog.import"}},
			{name: "same document again", as: "admin", method: "POST", path: "/api/v1/catalog/versions", body: importBody(t, dearer), status: 409, has: []string{"identical to version 2"}},
			{name: "the new version is current", as: "globex", method: "GET", path: "/api/v1/catalog", status: 200, has: []string{`"version":2`, `"hourly":"480.00"`}},
			{name: "catalog events are vendor-wide", as: "auditor", method: "GET", path: "/api/v1/audit?entity_type=catalog_version", status: 200,
				has: []string{`"action":"catalog.import"`, `"action":"catalog.default"`, `"org_id":"global"`}},
		})
		t.Run("import as YAML with a note", func(t *testing.T) {
			doc := strings.Replace(def, `hourly: "450.00"`, `hourly: "500.00"`, 1)
			resp := f.send(t, "admin", "POST", "/api/v1/catalog/versions?note=rates+for+2027", doc, 201, acts("catalog.import"), "Content-Type", "application/yaml")
			if !strings.Contains(resp.body, `"version":3`) || !strings.Contains(resp.body, `"note":"rates for 2027"`) {
				t.Fatalf("%s", short(resp.body))
			}
			resp = f.send(t, "admin", "POST", "/api/v1/catalog/versions", "services: [", 400, nil, "Content-Type", "application/yaml")
			if !strings.Contains(resp.body, `"field":"document`) {
				t.Fatalf("%s", short(resp.body))
			}
			big := bytes.Repeat([]byte("#"), engagements.MaxDocument+1)
			f.send(t, "admin", "POST", "/api/v1/catalog/versions", string(big), 400, nil, "Content-Type", "application/yaml")
		})
		t.Run("an engagement keeps its version", func(t *testing.T) {
			e := engagementOf(t, f.send(t, "acme", "POST", "/api/v1/engagements", `{"service":"health_check","scope":"x"}`, 201, acts("engagement.request")))
			if e.CatalogVersion != 3 {
				t.Fatalf("requested under version %d", e.CatalogVersion)
			}
			e = engagementOf(t, f.send(t, "agent", "POST", "/api/v1/engagements/"+string(e.ID)+"/quote", `{"hours":4}`, 200, acts("engagement.quote")))
			if e.Quote.TotalCents != 4*50000 {
				t.Errorf("quoted %d", e.Quote.TotalCents)
			}
		})
	})
}

// TestFeedBaseURL: feed URLs go under the configured base URL, or else the
// address the request came to, https behind a TLS-terminating proxy.
func TestFeedBaseURL(t *testing.T) {
	for _, c := range []struct {
		base   string
		secure bool
		want   string
	}{
		{"https://accord.example/", false, "https://accord.example"},
		{"https://accord.example/support", true, "https://accord.example/support"},
		{"", false, "http://accord.internal:8080"},
		{"", true, "https://accord.internal:8080"},
	} {
		s := &Server{Deps: Deps{BaseURL: c.base, SecureCookies: c.secure}}
		r, _ := http.NewRequest("POST", "http://accord.internal:8080/api/v1/me/calendar-feed", nil)
		if got := s.baseURL(r); got != c.want {
			t.Errorf("base %q, secure %v: %q, want %q", c.base, c.secure, got, c.want)
		}
	}
}

// booking is the body that books one session of engineer on a schedule.
func booking(engineer accord.ID, start, end time.Time) string {
	return fmt.Sprintf(`{"sessions":[{"engineer_id":%q,"start":%q,"end":%q}]}`, engineer, start.Format(time.RFC3339), end.Format(time.RFC3339))
}

// accepted has requester ask for service (a JSON request body), quoter
// quote hours and the customer's contact accept; it returns the
// engagement's path.
func (f *fixture) accepted(t *testing.T, requester, request, quoter string, hours int, customer string) string {
	t.Helper()
	e := engagementOf(t, f.send(t, requester, "POST", "/api/v1/engagements", request, 201, acts("engagement.request")))
	base := "/api/v1/engagements/" + string(e.ID)
	f.send(t, quoter, "POST", base+"/quote", fmt.Sprintf(`{"hours":%d}`, hours), 200, acts("engagement.quote"))
	if resp := f.do(customer, "POST", base+"/accept", nil); resp.status != http.StatusOK {
		t.Fatalf("accept: %d %s", resp.status, resp.body)
	}
	return base
}

// TestEngagementBookingScope is probe defect 1: a partner booking its own
// engagement learns nothing it may not read. Engineers are looked up in
// its scope, so a user outside it answers exactly as a missing one; and an
// engineer's clash with an engagement it may not read says only until
// when the engineer is busy.
func TestEngagementBookingScope(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, open func(testing.TB) *store.DB) {
		f := newFixture(t, open)
		f.at(sp(16, 10, 0)) // Monday; five working days later is Tuesday the 24th
		// The vendor's agent runs Acme Bank's HA/DR test on the 24th.
		acme := f.accepted(t, "acme", `{"service":"ha_dr_test","format":"production","scope":"Yearly DR test"}`, "agent", 4, "acme")
		f.send(t, "agent", "POST", acme+"/schedule", booking(f.users["agent"].ID, sp(24, 8, 0), sp(24, 14, 0)), 200, acts("engagement.schedule"))
		// The partner serves Initech Labs as well, and its agent teaches
		// Initech's administrators on the 25th.
		f.customer("initech", "Initech Labs", "advanced", "2026-01-01", 1)
		if err := f.dir.LinkPartner(f.system(), f.now, f.orgs["partner"].ID, f.orgs["initech"].ID); err != nil {
			t.Fatal(err)
		}
		initech := f.accepted(t, "partner", `{"org_id":"`+string(f.orgs["initech"].ID)+`","service":"admin_training","scope":"Train the admins"}`, "partner", 6, "initech")
		f.send(t, "partner", "POST", initech+"/schedule", booking(f.users["partner"].ID, sp(25, 8, 0), sp(25, 14, 0)), 200, acts("engagement.schedule"))
		// Globex's user training, delivered by the partner.
		globex := f.accepted(t, "partner", `{"org_id":"`+string(f.orgs["globex"].ID)+`","service":"user_training","scope":"Train the help desk"}`, "partner", 2, "globex")

		// A user outside the partner's scope is "no such user", word for
		// word, whoever it is.
		missing := f.send(t, "partner", "POST", globex+"/schedule", booking(accord.NewID("usr"), sp(24, 9, 0), sp(24, 11, 0)), 400, nil)
		if !strings.Contains(missing.body, `"field":"sessions[0].engineer_id"`) {
			t.Fatalf("a missing engineer: %s", missing.body)
		}
		for _, who := range []string{"agent", "admin", "auditor", "acme"} {
			resp := f.send(t, "partner", "POST", globex+"/schedule", booking(f.users[who].ID, sp(24, 9, 0), sp(24, 11, 0)), 400, nil)
			if resp.body != missing.body {
				t.Errorf("engineer %s: %s, want the answer for a missing user %s", who, resp.body, missing.body)
			}
			for _, leak := range []string{f.users[who].Name, "Acme Bank", "HA/DR"} {
				if strings.Contains(resp.body, leak) {
					t.Errorf("engineer %s: the answer names %q: %s", who, leak, resp.body)
				}
			}
		}

		// Its own agent is busy at Initech, which it serves: the clash
		// says where.
		clash := booking(f.users["partner"].ID, sp(25, 9, 0), sp(25, 11, 0))
		resp := f.send(t, "partner", "POST", globex+"/schedule", clash, 409, nil)
		if !strings.Contains(resp.body, "Administrator training for Initech Labs") || !strings.Contains(resp.body, "2026-11-25T17:00:00Z") {
			t.Errorf("a clash at a customer the partner serves: %s", resp.body)
		}
		// Once the partner no longer serves Initech, only until when.
		if err := f.dir.UnlinkPartner(f.system(), f.now, f.orgs["partner"].ID, f.orgs["initech"].ID); err != nil {
			t.Fatal(err)
		}
		resp = f.send(t, "partner", "POST", globex+"/schedule", clash, 409, nil)
		if !strings.Contains(resp.body, "busy until") || !strings.Contains(resp.body, "2026-11-25T17:00:00Z") {
			t.Errorf("a clash at a customer the partner no longer serves: %s", resp.body)
		}
		for _, leak := range []string{"Initech", "Administrator training"} {
			if strings.Contains(resp.body, leak) {
				t.Errorf("the clash names %q: %s", leak, resp.body)
			}
		}
	})
}

// TestFeedScope is probe defect 2: a calendar feed shows what its owner may
// read now. A partner's agent booked at Globex stops seeing Globex's
// session in its feed once its certification is deleted, and again once
// its partner no longer serves Globex; recertified, it sees it again.
func TestFeedScope(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, open func(testing.TB) *store.DB) {
		f := newFixture(t, open)
		f.at(sp(16, 10, 0))
		globex := f.accepted(t, "partner", `{"org_id":"`+string(f.orgs["globex"].ID)+`","service":"user_training","scope":"Train the help desk"}`, "partner", 2, "globex")
		f.send(t, "partner", "POST", globex+"/schedule", booking(f.users["partner"].ID, sp(24, 9, 0), sp(24, 11, 0)), 200, acts("engagement.schedule"))
		var fb struct{ URL string }
		f.send(t, "partner", "POST", "/api/v1/me/calendar-feed", nil, 201, acts("calendar_feed.rotate")).json(t, &fb)
		feed := feedPath(t, f, fb.URL)
		lists := func(when string, want bool) {
			t.Helper()
			evs := calendarEvents(t, f, feed)
			if got := len(evs) == 1; got != want {
				t.Errorf("%s: the feed has %d events, want Globex's session listed: %v", when, len(evs), want)
			}
			if body := f.do("", "GET", feed, nil).body; !want && (strings.Contains(body, "Globex") || strings.Contains(body, "User training")) {
				t.Errorf("%s: the feed still names Globex's session:\n%s", when, body)
			}
		}
		lists("certified and serving Globex", true)

		var certs struct{ Items []struct{ ID string } }
		f.send(t, "admin", "GET", "/api/v1/users/"+string(f.users["partner"].ID)+"/certifications", nil, 200, nil).json(t, &certs)
		if len(certs.Items) != 1 {
			t.Fatalf("certifications: %+v", certs.Items)
		}
		f.send(t, "admin", "DELETE", "/api/v1/certifications/"+certs.Items[0].ID, nil, 204, acts("certification.delete"))
		lists("decertified", false)

		f.send(t, "admin", "POST", "/api/v1/users/"+string(f.users["partner"].ID)+"/certifications",
			`{"name":"Core","number":"C-2","valid_from":"2026-01-01","valid_until":"2027-12-31"}`, 201, acts("certification.create"))
		lists("certified again", true)

		f.send(t, "admin", "DELETE", "/api/v1/organizations/"+string(f.orgs["partner"].ID)+"/customers/"+string(f.orgs["globex"].ID), nil, 204, acts("partner.unlink"))
		lists("no longer serving Globex", false)
	})
}

// TestEngagementInclusions: Premium's inclusions are checked where they
// are used, with the same answers on both engines: the ransomware response
// is two engineers for two days; the sessions cover the hours quoted or
// the provider says why not; an on-site quote is worked on site; and the
// execution waits for the first session's day.
func TestEngagementInclusions(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, open func(testing.TB) *store.DB) {
		f := newFixture(t, open)
		f.at(sp(16, 10, 0)) // Monday; no lead time for the ransomware response
		day := func(engineer string, date int) string {
			return fmt.Sprintf(`{"engineer_id":%q,"start":%q,"end":%q}`, f.users[engineer].ID,
				sp(date, 9, 0).Format(time.RFC3339), sp(date, 17, 0).Format(time.RFC3339))
		}
		sessions := func(ss ...string) string { return `{"sessions":[` + strings.Join(ss, ",") + `]}` }
		has := func(resp response, want ...string) {
			t.Helper()
			for _, w := range want {
				if !strings.Contains(resp.body, w) {
					t.Errorf("the answer lacks %q: %s", w, resp.body)
				}
			}
		}

		// Acme's ransomware response: one engineer on two days is refused,
		// two on each of two days are booked.
		ransom := f.accepted(t, "acme", `{"service":"ransomware_response","scope":"The vault was encrypted overnight"}`, "agent", 32, "acme")
		has(f.send(t, "agent", "POST", ransom+"/schedule", sessions(day("agent", 17), day("agent", 18)), 400, nil),
			`"field":"sessions"`, "Ransomware incident response needs 2 engineers on each of 2 days")
		has(f.send(t, "agent", "POST", ransom+"/schedule", sessions(day("agent", 17), day("admin", 17), day("agent", 18), day("admin", 18)), 200, acts("engagement.schedule")),
			`"state":"scheduled"`)

		// Globex's user training, delivered by the partner: 4 hours quoted,
		// 2 booked, confirmed by the partner with its reason.
		training := f.accepted(t, "partner", `{"org_id":"`+string(f.orgs["globex"].ID)+`","service":"user_training","scope":"Train the help desk"}`, "partner", 4, "globex")
		two := booking(f.users["partner"].ID, sp(24, 9, 0), sp(24, 11, 0))
		has(f.send(t, "partner", "POST", training+"/schedule", two, 400, nil),
			`"field":"sessions"`, "the sessions add up to 2 hours, less than the 4 hours quoted", "hours_shortfall_reason")
		confirmed := strings.Replace(two, `{"sessions"`, `{"hours_shortfall_reason":"The help desk has ten people, not twenty","sessions"`, 1)
		f.send(t, "partner", "POST", training+"/schedule", confirmed, 200, acts("engagement.schedule"))
		has(f.send(t, "globex", "GET", training, nil, 200, nil),
			`"hours_shortfall":{"quoted_hours":4,"booked_minutes":120,"reason":"The help desk has ten people, not twenty"`, `"confirmed_by":"User partner"`)
		has(f.send(t, "partner", "POST", training+"/schedule", strings.Replace(confirmed, sp(24, 11, 0).Format(time.RFC3339), sp(24, 13, 0).Format(time.RFC3339), 1), 400, nil),
			`"field":"hours_shortfall_reason"`, "no difference to confirm")

		// Acme's health check, quoted on site: remote sessions only are
		// refused.
		check := engagementOf(t, f.send(t, "acme", "POST", "/api/v1/engagements", `{"service":"health_check","scope":"Review the vault"}`, 201, acts("engagement.request")))
		health := "/api/v1/engagements/" + string(check.ID)
		f.send(t, "agent", "POST", health+"/quote", `{"hours":4,"on_site":true}`, 200, acts("engagement.quote"))
		f.send(t, "acme", "POST", health+"/accept", nil, 200, acts("engagement.accept"))
		remote := booking(f.users["agent"].ID, sp(24, 9, 0), sp(24, 13, 0))
		has(f.send(t, "agent", "POST", health+"/schedule", remote, 400, nil), `"field":"sessions"`, "the quote is for work on site")
		onSite := strings.Replace(remote, `"engineer_id"`, `"on_site":true,"location":"Acme HQ","engineer_id"`, 1)
		f.send(t, "agent", "POST", health+"/schedule", onSite, 200, acts("engagement.schedule"))

		// Monday the 23rd, 18:00: agreeing the date is preparation; the
		// review and the start wait for Tuesday.
		f.at(sp(23, 18, 0))
		f.send(t, "acme", "POST", health+"/steps/1/complete", `{"note":"Tuesday at 09:00"}`, 200, acts("engagement.step"))
		for _, move := range []string{"/steps/2/complete", "/start"} {
			has(f.send(t, "agent", "POST", health+move, `{}`, 409, nil), `"field":"sessions[0].start"`, "the first session, Tue 2026-11-24")
		}
		f.at(sp(24, 8, 0))
		f.send(t, "agent", "POST", health+"/start", nil, 200, acts("engagement.start"))
		f.send(t, "agent", "POST", health+"/steps/2/complete", `{}`, 200, acts("engagement.step"))
	})
}
