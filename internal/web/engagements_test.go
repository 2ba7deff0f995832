package web

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"accord/internal/accord"
	"accord/internal/directory"
	"accord/internal/engagements"
	"accord/internal/store/dbtest"
)

// The fixture's clock stands at Friday 20 November 2026, 15:00 UTC, a
// holiday on the services calendar (Black Awareness Day). A quote accepted
// then allows the first session five working days later: Friday the 27th
// at 08:00 in Sao Paulo, 11:00 UTC, 06:00 in New York.
var earliestHADR = time.Date(2026, 11, 27, 11, 0, 0, 0, time.UTC)

// bookHADR has Acme request an HA/DR test in production, the vendor quote
// it, Acme accept it and the vendor's agent book a four-hour session at
// the earliest start, through the services.
func bookHADR(t *testing.T, f *fixture) engagements.Engagement {
	t.Helper()
	e, err := f.engagements.Request(f.as("acme"), f.now, engagements.RequestInput{Service: "ha_dr_test", Format: "production", Scope: "Fail over the **production** cluster."})
	if err == nil {
		_, err = f.engagements.Quote(f.as("agent"), f.now, e.ID, engagements.QuoteInput{Hours: 8})
	}
	if err == nil {
		_, err = f.engagements.Accept(f.as("acme"), f.now, e.ID)
	}
	if err == nil {
		e, err = f.engagements.Schedule(f.as("agent"), f.now, e.ID, engagements.ScheduleInput{Sessions: []engagements.SessionInput{
			{EngineerID: f.users["agent"].ID, Start: earliestHADR, End: earliestHADR.Add(4 * time.Hour)}},
			HoursShortfallReason: "The failover runbook is **automated**; four hours suffice."})
	}
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestEngagementPages(t *testing.T) {
	f := newFixture(t, dbtest.SQLite)
	e := bookHADR(t, f)
	golden(t, "engagement_customer", f.page("acme", "/engagements/"+string(e.ID)))
	golden(t, "engagements_board", f.page("agent", "/engagements"))

	list := f.page("acme", "/engagements")
	if strings.Contains(list, `class="board"`) || !strings.Contains(list, "HA/DR test") {
		t.Error("a customer's services are not a list of its engagements")
	}
	if !strings.Contains(f.page("acme", "/engagements?view=board"), `class="board"`) {
		t.Error("?view=board does not show the board")
	}
	form := f.page("acme", "/engagements/new?case=cas_0123456789abcdefghjkmnpqrs")
	for _, want := range []string{`value="ha_dr_test"`, "Test in the production environment", `value="cas_0123456789abcdefghjkmnpqrs"`, "at least 4 hours"} {
		if !strings.Contains(form, want) {
			t.Errorf("the request form lacks %s", want)
		}
	}
	if strings.Contains(form, `id="f-org_id"`) {
		t.Error("a customer's contact is asked for the customer")
	}
	if !strings.Contains(f.page("partner", "/engagements/new"), `id="f-org_id"`) {
		t.Error("a partner is not asked for the customer")
	}
}

func TestEngagementLifecycle(t *testing.T) {
	engines(t, func(t *testing.T, f *fixture) {
		bad := f.post("acme", "/engagements/new", url.Values{"service": {"ha_dr_test"}, "scope": {"Yearly test"}})
		if bad.status != http.StatusUnprocessableEntity || !strings.Contains(bad.body, `id="f-format"`) || !strings.Contains(bad.body, "Yearly test") {
			t.Fatalf("a request without the format: %d", bad.status)
		}
		r := f.post("acme", "/engagements/new", url.Values{"service": {"ha_dr_test"}, "format": {"production"}, "scope": {"Yearly test"}})
		if r.status != http.StatusSeeOther || !strings.HasPrefix(r.location, "/engagements/eng_") {
			t.Fatalf("request: %d %q %s", r.status, r.location, r.body)
		}
		page := r.location
		id := strings.TrimPrefix(page, "/engagements/")

		short := f.post("agent", page+"/quote", url.Values{"hours": {"3"}})
		if short.status != http.StatusUnprocessableEntity || !strings.Contains(short.body, `id="f-hours"`) || !strings.Contains(short.body, `value="3"`) ||
			!strings.Contains(short.body, "must be at least 4") {
			t.Fatalf("a quote under the minimum: %d", short.status)
		}
		if r := f.post("agent", page+"/quote", url.Values{"hours": {"8"}, "note": {"Two engineers"}}); r.status != http.StatusSeeOther {
			t.Fatalf("quote: %d %s", r.status, r.body)
		}
		if !strings.Contains(f.page("acme", page), "Accept the quote") {
			t.Error("the customer is not offered the quote to accept")
		}
		if r := f.post("acme", page+"/accept", nil); r.status != http.StatusSeeOther {
			t.Fatalf("accept: %d %s", r.status, r.body)
		}

		// The agent reads New York time: 06:00 EST on the 26th is a day early.
		agent := string(f.users["agent"].ID)
		early := f.post("agent", page+"/schedule", url.Values{"sessions[0].engineer_id": {agent}, "sessions[0].start": {"2026-11-26T06:00"}, "sessions[0].hours": {"4"}})
		if early.status != http.StatusUnprocessableEntity {
			t.Fatalf("too early: %d %s", early.status, early.body)
		}
		for _, want := range []string{`id="f-sessions[0].start"`, "the earliest allowed start is 2026-11-27T11:00:00Z", `value="2026-11-26T06:00"`} {
			if !strings.Contains(early.body, want) {
				t.Errorf("the refused schedule lacks %s", want)
			}
		}
		booking := url.Values{
			"sessions[0].engineer_id": {""}, "sessions[0].start": {"2026-11-26T06:00"}, "sessions[0].hours": {"4"},
			"sessions[1].engineer_id": {agent}, "sessions[1].start": {"2026-11-27T06:00"}, "sessions[1].hours": {"4"}}
		// Eight hours were quoted: four are refused unless the agent says why.
		fewer := f.post("agent", page+"/schedule", booking)
		if fewer.status != http.StatusUnprocessableEntity || !strings.Contains(fewer.body, `id="f-sessions"`) || !strings.Contains(fewer.body, "less than the 8 hours quoted") {
			t.Fatalf("four of eight hours: %d %s", fewer.status, fewer.body)
		}
		booking.Set("hours_shortfall_reason", "The failover is scripted; four hours suffice")
		ok := f.post("agent", page+"/schedule", booking)
		if ok.status != http.StatusSeeOther || ok.location != page {
			t.Fatalf("at the earliest start: %d %s", ok.status, ok.body)
		}
		e, err := f.engagements.Get(f.as("agent"), f.now, accord.ID(id))
		if err != nil || e.State != engagements.Scheduled || len(e.Sessions) != 1 || !e.Sessions[0].Start.Equal(earliestHADR) ||
			e.HoursShortfall == nil || e.HoursShortfall.Reason != "The failover is scripted; four hours suffice" {
			t.Fatalf("after booking: %v %+v", err, e)
		}
		if shown := f.page("acme", page); !strings.Contains(shown, "4h booked of the 8 hours quoted") || !strings.Contains(shown, "four hours suffice") {
			t.Error("the customer is not shown the hours booked short of the quote and why")
		}

		// Before the session's day the execution waits: step 2 is shown as
		// such, without a form, and the work may not start.
		if shown := f.page("acme", page); !strings.Contains(shown, "part of the execution") || strings.Contains(shown, `action="/engagements/`+id+`/steps/2/complete"`) {
			t.Error("the customer's execution step is offered before the session's day")
		}
		if r := f.post("agent", page+"/start", nil); r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "Fri 2026-11-27") {
			t.Fatalf("starting before the session's day: %d", r.status)
		}
		// Friday the 27th, 07:00 in Sao Paulo: the day of the session.
		f.standAt(time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC))

		// Step 2, the scheduled shutdown, is the customer's.
		wrong := f.post("agent", page+"/steps/2/complete", url.Values{"note": {"done"}})
		if wrong.status != http.StatusForbidden || !strings.Contains(wrong.body, "is the customer&#39;s to complete") {
			t.Fatalf("a vendor completes the customer's step: %d", wrong.status)
		}
		done := f.postEvidence("acme", page+"/steps/2/complete", url.Values{"note": {"Shut down at 08:00"}}, "shutdown.log", "stopped\n")
		if done.status != http.StatusSeeOther {
			t.Fatalf("the customer's step: %d %s", done.status, done.body)
		}
		after := f.page("acme", page)
		if !strings.Contains(after, "Shut down at 08:00") || !strings.Contains(after, `/files/fil_`) || !strings.Contains(after, "shutdown.log") {
			t.Error("the done step does not show its note and evidence")
		}

		cal := f.page("agent", "/engagements/calendar?month=2026-11")
		day := cal[strings.Index(cal, `datetime="2026-11-27"`):]
		day = day[:strings.Index(day, `<li class="day`)]
		if !strings.Contains(day, `href="/engagements/`+id+`"`) || !strings.Contains(day, "6:00 AM") {
			t.Errorf("the calendar does not show the session on Friday the 27th at 06:00 New York time:\n%s", day)
		}

		for _, step := range []string{"1", "3"} {
			if r := f.post("agent", page+"/steps/"+step+"/complete", url.Values{"note": {"ok"}}); r.status != http.StatusSeeOther {
				t.Fatalf("step %s: %d %s", step, r.status, r.body)
			}
		}
		if r := f.post("agent", page+"/start", nil); r.status != http.StatusSeeOther {
			t.Fatalf("start: %d %s", r.status, r.body)
		}
		// Acme reads Sao Paulo time (-03).
		backwards := f.post("acme", page+"/outcome", url.Values{"failure_at": {"2026-11-20T10:00"}, "restored_at": {"2026-11-20T09:00"}})
		if backwards.status != http.StatusUnprocessableEntity || !strings.Contains(backwards.body, `id="f-restored_at"`) || !strings.Contains(backwards.body, `value="2026-11-20T09:00"`) {
			t.Fatalf("a restoration before the failure: %d", backwards.status)
		}
		outcome := url.Values{"failure_at": {"2026-11-20T10:00"}, "restored_at": {"2026-11-20T10:45"}, "data_point_at": {"2026-11-20T09:55"},
			"rto_objective_minutes": {"60"}, "rpo_objective_minutes": {"1"}, "actions": {"Call the DBA\nSwitch DNS"}}
		if r := f.post("acme", page+"/outcome", outcome); r.status != http.StatusSeeOther {
			t.Fatalf("outcome: %d %s", r.status, r.body)
		}
		e, err = f.engagements.Get(f.as("acme"), f.now, accord.ID(id))
		if err != nil || e.Outcome == nil || e.Outcome.RTO.Seconds != 45*60 || !e.Outcome.FailureAt.Equal(time.Date(2026, 11, 20, 13, 0, 0, 0, time.UTC)) ||
			len(e.Outcome.Actions) != 2 {
			t.Fatalf("the outcome as recorded: %v %+v", err, e.Outcome)
		}
		shown := f.page("acme", page)
		if !strings.Contains(shown, "45m") || !strings.Contains(shown, `class="badge met"`) || !strings.Contains(shown, `class="badge missed"`) {
			t.Error("the outcome does not show RTO met and RPO missed")
		}
		if r := f.post("agent", page+"/complete", nil); r.status != http.StatusSeeOther {
			t.Fatalf("complete: %d %s", r.status, r.body)
		}
		if r := f.post("acme", page+"/sign-off", url.Values{"note": {"Thanks"}}); r.status != http.StatusSeeOther {
			t.Fatalf("sign off: %d %s", r.status, r.body)
		}
		if e, err = f.engagements.Get(f.as("acme"), f.now, accord.ID(id)); err != nil || e.State != engagements.SignedOff || e.SignOffNote != "Thanks" {
			t.Fatalf("after signing off: %v %s", err, e.State)
		}
	})
}

func TestEngagementScope(t *testing.T) {
	f := newFixture(t, dbtest.SQLite)
	e, err := f.engagements.Request(f.as("globex"), f.now, engagements.RequestInput{Service: "health_check", Scope: "Yearly"})
	if err != nil {
		t.Fatal(err)
	}
	if r := f.get("acme", "/engagements/"+string(e.ID)); r.status != http.StatusNotFound {
		t.Errorf("another tenant's engagement: %d", r.status)
	}
	if r := f.post("acme", "/engagements/"+string(e.ID)+"/cancel", url.Values{"reason": {"mine now"}}); r.status != http.StatusNotFound {
		t.Errorf("cancelling another tenant's engagement: %d", r.status)
	}
	if body := f.page("partner", "/engagements/"+string(e.ID)); !strings.Contains(body, "Revisión del estado (health check)") {
		t.Error("the partner does not see its customer's engagement")
	}
	if body := f.page("auditor", "/engagements/"+string(e.ID)); strings.Contains(body, `action="/engagements/`) {
		t.Error("an auditor is offered a form")
	}
}

func TestCalendarFeed(t *testing.T) {
	f := newFixture(t, dbtest.SQLite)
	before := f.page("agent", "/engagements/calendar")
	if !strings.Contains(before, "You have no calendar feed yet.") {
		t.Error("no word that there is no feed")
	}
	r := f.post("agent", "/engagements/calendar/feed", nil)
	if r.status != http.StatusOK || !feedPattern.MatchString(r.body) {
		t.Fatalf("rotate: %d", r.status)
	}
	secret := feedPattern.FindString(r.body)
	if ics := f.get("", secret); ics.status != http.StatusOK || !strings.Contains(ics.body, "BEGIN:VCALENDAR") {
		t.Errorf("the new feed address does not answer: %d", ics.status)
	}
	after := f.page("agent", "/engagements/calendar")
	if feedPattern.MatchString(after) || !strings.Contains(after, "Make a new address") {
		t.Error("the feed address is shown again, or no way to replace it")
	}
}

func TestCalendarNames(t *testing.T) {
	msgs, err := loadCatalogs(catalogFiles)
	if err != nil {
		t.Fatal(err)
	}
	for _, loc := range Locales {
		if n := len(strings.Split(msgs.text(loc, "engagement.calendar.months"), "|")); n != 12 {
			t.Errorf("%s names %d months", loc, n)
		}
		if n := len(strings.Split(msgs.text(loc, "engagement.calendar.weekdays"), "|")); n != 7 {
			t.Errorf("%s names %d weekdays", loc, n)
		}
	}
}

// postEvidence submits a multipart form with one file in the part "file".
func (f *fixture) postEvidence(as, path string, form url.Values, name, content string) response {
	f.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, vs := range form {
		for _, v := range vs {
			_ = mw.WriteField(k, v)
		}
	}
	fw, err := mw.CreateFormFile("file", name)
	if err != nil {
		f.t.Fatal(err)
	}
	_, _ = fw.Write([]byte(content))
	_ = mw.Close()
	return f.do(as, "POST", path, &body, mw.FormDataContentType())
}

// standAt moves the clock to t and signs everyone in again there, since
// sessions last 12 hours.
func (f *fixture) standAt(t time.Time) {
	f.t.Helper()
	f.now = t
	for key, u := range f.users {
		resp := f.post("", "/login", url.Values{"email": {u.Email}, "password": {testPassword}})
		if resp.status != http.StatusSeeOther {
			f.t.Fatalf("sign in %s: %d", key, resp.status)
		}
		f.cookie[key] = resp.cookies[directory.SessionCookie]
	}
}
