package api

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"mime/multipart"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"accord/internal/accord"
	"accord/internal/cases"
	"accord/internal/reports"
	"accord/internal/store"
	"accord/internal/store/dbtest"
)

// Instants the case tests stand at. The fixture's own clock, Friday
// 2026-11-20 10:00 in New York, is inside the support hours (08:00-20:00).
var (
	newYork = mustZone("America/New_York")
	friday  = time.Date(2026, 11, 20, 15, 0, 0, 0, time.UTC)
)

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// incident is the body of an incident with every detail the policy asks for.
func incident(title, criticality string) string {
	return `{"type":"incident","title":"` + title + `","details":{"customer_criticality":"` + criticality +
		`","procedure":"Open a privileged session to the vault","version":"4.2.1","observed":"The session times out after 30 s",` +
		`"expected":"The session opens","discovery":"Users reported it this morning"}}`
}

// openCase opens a case as `as` and names its id {id:name}.
func (f *fixture) openCase(as, name string, body string) caseView {
	f.t.Helper()
	resp := f.do(as, "POST", "/api/v1/cases", f.expand(body))
	if resp.status != http.StatusCreated {
		f.t.Fatalf("open %s as %s: %d %s", name, as, resp.status, resp.body)
	}
	var c caseView
	resp.json(f.t, &c)
	f.ids[name] = string(c.ID)
	return c
}

// timeline returns a case's timeline as `as` sees it.
func (f *fixture) timeline(as, name string) []cases.Entry {
	f.t.Helper()
	resp := f.do(as, "GET", "/api/v1/cases/"+f.ids[name]+"/timeline", nil)
	if resp.status != http.StatusOK {
		f.t.Fatalf("timeline of %s as %s: %d %s", name, as, resp.status, resp.body)
	}
	var l struct{ Items []cases.Entry }
	resp.json(f.t, &l)
	return l.Items
}

func (f *fixture) explain(as, name string) cases.Explanation {
	f.t.Helper()
	resp := f.do(as, "GET", "/api/v1/cases/"+f.ids[name]+"/sla", nil)
	if resp.status != http.StatusOK {
		f.t.Fatalf("sla of %s as %s: %d %s", name, as, resp.status, resp.body)
	}
	var x cases.Explanation
	resp.json(f.t, &x)
	return x
}

func ts(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func timeIs(t *testing.T, what string, got *time.Time, want string) {
	t.Helper()
	switch {
	case want == "" && got != nil:
		t.Errorf("%s = %s, want none", what, got.UTC().Format(time.RFC3339))
	case want != "" && got == nil:
		t.Errorf("%s is absent, want %s", what, want)
	case want != "" && !got.Equal(ts(want)):
		t.Errorf("%s = %s, want %s", what, got.UTC().Format(time.RFC3339), want)
	}
}

// TestCaseExample is the example: an Advanced customer opens a
// Medium incident in the portal on Friday 2024-03-08 at 21:00 in New York,
// after hours and before the DST change; the 8 working hours start on
// Monday at 08:00 EDT and end at 16:00 EDT.
func TestCaseExample(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, open func(testing.TB) *store.DB) {
		f := newFixture(t, open)
		f.at(time.Date(2024, 3, 8, 21, 0, 0, 0, newYork))
		f.customer("initech", "Initech", "advanced", "2024-01-01", 1)

		c := f.openCase("initech", "example", incident("Vault sessions time out", "C3"))
		if c.State != cases.New || c.Criticality != "C3" || c.Type != cases.Incident || c.OrgID != f.orgs["initech"].ID || c.OpenedBy != "User initech" {
			t.Errorf("case: %+v", c.Case)
		}
		k := c.Clock
		if k.Plan != "advanced" || k.Channel != "portal" || k.Kind != "support-hours" || !k.Guaranteed || k.CallRequired || k.Target.String() != "8h" {
			t.Errorf("clock: %+v", k)
		}
		if !k.ReceivedAt.Equal(ts("2024-03-09T02:00:00Z")) || !k.StartsAt.Equal(ts("2024-03-11T12:00:00Z")) {
			t.Errorf("received %s, starts %s", k.ReceivedAt, k.StartsAt)
		}
		timeIs(t, "due_at", k.DueAt, "2024-03-11T20:00:00Z")
		timeIs(t, "warn_at", k.WarnAt, "2024-03-11T18:00:00Z") // 6 of the 8 hours
		if c.SLAStatus != cases.Running || c.SLAMargin != 0 {
			t.Errorf("sla status %s, margin %s", c.SLAStatus, c.SLAMargin)
		}

		x := f.explain("initech", "example")
		why := strings.Join(x.Why, "\n")
		for _, s := range []string{
			"Advanced 24x7, C3 Medium: first response within 8 hours of working time on the support-hours calendar.",
			"Received through the portal at Fri 2024-03-08 21:00 EST, outside the working hours of the support-hours calendar; portal cases start counting at the next working moment, Mon 2024-03-11 08:00 EDT.",
			"Due at Mon 2024-03-11 16:00 EDT (2024-03-11 20:00 UTC).",
		} {
			if !strings.Contains(why, s) {
				t.Errorf("why lacks %q:\n%s", s, why)
			}
		}
		if x.PlanName != "Advanced 24x7" || x.Zone != "America/New_York" || x.Clock != "support-hours" || x.Status != cases.Running ||
			len(x.Segments) != 0 || x.Used != 0 || x.Remaining.String() != "8h" {
			t.Errorf("explanation on Friday: %+v", x)
		}

		// Monday at 10:00 EDT, two of the eight hours have been worked.
		f.at(time.Date(2024, 3, 11, 10, 0, 0, 0, newYork))
		x = f.explain("agent", "example")
		want := []cases.Segment{{From: ts("2024-03-11T12:00:00Z"), To: ts("2024-03-11T14:00:00Z"), Worked: 2 * 3600e9}}
		if !slices.EqualFunc(x.Segments, want, func(a, b cases.Segment) bool { return a.From.Equal(b.From) && a.To.Equal(b.To) && a.Worked == b.Worked }) {
			t.Errorf("segments %+v, want %+v", x.Segments, want)
		}
		if x.Used.String() != "2h" || x.Remaining.String() != "6h" || x.Status != cases.Running ||
			x.Why[len(x.Why)-1] != "No response yet; 6h of real time left until the due time." {
			t.Errorf("explanation on Monday: used %s, remaining %s, status %s, why %q", x.Used, x.Remaining, x.Status, x.Why)
		}
	})
}

func TestCaseOpening(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, open func(testing.TB) *store.DB) {
		f := newFixture(t, open)

		t.Run("missing incident details", func(t *testing.T) {
			resp := f.do("acme", "POST", "/api/v1/cases", `{"type":"incident","title":"Vault down"}`)
			if resp.status != http.StatusBadRequest {
				t.Fatalf("status %d: %s", resp.status, resp.body)
			}
			var e errorBody
			resp.json(t, &e)
			var fields []string
			for _, p := range e.Error.Problems {
				fields = append(fields, p.Field)
			}
			want := []string{"details.procedure", "details.version", "details.observed", "details.expected", "details.discovery", "details.customer_criticality"}
			if !slices.Equal(fields, want) || e.Error.Kind != accord.Invalid || e.Error.Field != "details.procedure" {
				t.Errorf("error %+v; problems %v, want %v", e.Error, fields, want)
			}
		})

		f.contact("acme-unauth", "acme", false)
		f.customer("oldco", "Oldco Ltd", "premium", "2024-01-01", 1)
		question := `{"org_id":"{org:acme}","type":"question","title":"How do I rotate keys?","description":"Which menu?"}`
		runScenarios(t, f, []scenario{
			{name: "not an authorized contact", as: "acme-unauth", method: "POST", path: "/api/v1/cases", body: question, status: 403,
				has: []string{`"kind":"forbidden"`, "not an authorized contact"}},
			{name: "expired contract", as: "oldco", method: "POST", path: "/api/v1/cases", body: `{"type":"question","title":"Hello?","description":"Anyone?"}`, status: 403,
				has: []string{"the contract of Oldco Ltd expired on 2024-12-31"}},
			{name: "lapsed partner", as: "lapsed", method: "POST", path: "/api/v1/cases", body: strings.Replace(question, "{org:acme}", "{org:globex}", 1), status: 403,
				has: []string{"expired on 2026-10-31"}},
			{name: "auditor", as: "auditor", method: "POST", path: "/api/v1/cases", body: question, status: 403, has: []string{"auditors only read"}},
			{name: "partner for a customer it does not serve", as: "partner", method: "POST", path: "/api/v1/cases", body: question, status: 403,
				has: []string{"does not serve"}, hasNot: []string{"Acme"}},
			{name: "customer for another customer", as: "globex", method: "POST", path: "/api/v1/cases", body: question, status: 403, has: []string{"own organization"}},
			{name: "customer may not record a phone case", as: "acme", method: "POST", path: "/api/v1/cases",
				body: `{"type":"question","channel":"phone","title":"Call me","description":"Please"}`, status: 400, has: []string{`"field":"channel"`}},
			{name: "customer may not classify", as: "acme", method: "POST", path: "/api/v1/cases",
				body: strings.Replace(incident("Vault down", "C3"), `"type"`, `"criticality":"C1","type"`, 1), status: 400, has: []string{`"field":"criticality"`}},
			// Only the vendor classifies: a customer's own reading goes in
			// details.customer_criticality, for every type.
			{name: "customer may not classify a question", as: "acme", method: "POST", path: "/api/v1/cases",
				body: `{"type":"question","criticality":"C1","title":"Urgent question","description":"Why?"}`, status: 400, has: []string{`"field":"criticality"`}},
			{name: "customer may not classify an access request", as: "acme", method: "POST", path: "/api/v1/cases",
				body: `{"type":"access_request","criticality":"C2","title":"New user","description":"For Ana"}`, status: 400, has: []string{`"field":"criticality"`}},
			{name: "unknown field", as: "acme", method: "POST", path: "/api/v1/cases", body: `{"type":"question","title":"X","description":"Y","priority":1}`, status: 400,
				has: []string{`"field":"priority"`}},
			{name: "certified partner opens for its customer", as: "partner", method: "POST", path: "/api/v1/cases",
				body: strings.Replace(question, "{org:acme}", "{org:globex}", 1), status: 201,
				has:     []string{`"org_id":"{org:globex}"`, `"opened_by_id":"{user:partner}"`, `"state":"new"`, `"criticality":"C4"`, `"plan":"premium"`, `"sla_status":"running"`},
				actions: []string{"case.open"}},
			{name: "customer reads a case id that does not exist", as: "acme", method: "GET", path: "/api/v1/cases/cas_00000000000000000000000000", status: 404},
			{name: "malformed id", as: "acme", method: "GET", path: "/api/v1/cases/nope", status: 404},
		})
	})
}

// TestCaseCallRequired: a Premium C1 opened in the portal without a call
// is best effort until an agent records the call, which starts the
// guaranteed 30 minutes around the clock.
func TestCaseCallRequired(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, open func(testing.TB) *store.DB) {
		f := newFixture(t, open)
		c := f.openCase("acme", "c1", incident("Nobody can open privileged sessions", "C1"))
		if c.Criticality != "C1" || !c.Clock.CallRequired || c.Clock.Guaranteed || c.Clock.Kind != "support-hours" || c.SLAStatus != cases.NotGuaranteed {
			t.Errorf("portal C1 without a call: %+v, status %s", c.Clock, c.SLAStatus)
		}
		timeIs(t, "best-effort due_at", c.Clock.DueAt, "2026-11-20T15:30:00Z")
		x := f.explain("acme", "c1")
		if len(x.PhoneLines) != 2 || x.PhoneLines[0].Number != "+55 11 3069-3932" || x.PhoneLines[1].Number != "(302) 3131-850" || !x.CallRequired || x.Status != cases.NotGuaranteed {
			t.Errorf("explanation: phone lines %+v, call required %v, status %s", x.PhoneLines, x.CallRequired, x.Status)
		}
		if why := strings.Join(x.Why, "\n"); !strings.Contains(why, "No call has been recorded") {
			t.Errorf("why: %s", why)
		}

		f.at(friday.Add(10 * time.Minute))
		call := `{"caller":"Carla Ruiz","number":"+1 555 0100","at":"2026-11-20T15:05:00Z","notes":"Production vault down"}`
		runScenarios(t, f, []scenario{
			{name: "customer may not record a call", as: "acme", method: "POST", path: "/api/v1/cases/{id:c1}/calls", body: call, status: 403},
			{name: "partner may not record a call", as: "partner", method: "POST", path: "/api/v1/cases/{id:c1}/calls", body: call, status: 404},
			{name: "call in the future", as: "agent", method: "POST", path: "/api/v1/cases/{id:c1}/calls", body: strings.Replace(call, "15:05", "15:20", 1), status: 400,
				has: []string{`"field":"at"`}},
			{name: "call without caller", as: "agent", method: "POST", path: "/api/v1/cases/{id:c1}/calls", body: `{"number":"1","at":"2026-11-20T15:05:00Z"}`, status: 400,
				has: []string{`"field":"caller"`}},
			{name: "agent records the call", as: "agent", method: "POST", path: "/api/v1/cases/{id:c1}/calls", body: call, status: 200,
				has: []string{`"guaranteed":true`, `"call_required":false`, `"kind":"24x7"`, `"phone_at":"2026-11-20T15:05:00Z"`,
					`"due_at":"2026-11-20T15:35:00Z"`, `"warn_at":"2026-11-20T15:27:30Z"`, `"sla_status":"running"`},
				actions: []string{"case.call"}},
			{name: "the explanation names the call", as: "acme", method: "GET", path: "/api/v1/cases/{id:c1}/sla", status: 200,
				has:    []string{"The call at Fri 2026-11-20 10:05 EST starts the guaranteed clock.", `"guaranteed":true`, `"status":"running"`},
				hasNot: []string{"phone_lines"}},
			{name: "the customer sees the call", as: "acme", method: "GET", path: "/api/v1/cases/{id:c1}/timeline", status: 200,
				has: []string{`"kind":"phone_call"`, `"caller":"Carla Ruiz"`, `"called_at":"2026-11-20T15:05:00Z"`, "Production vault down"}},
			{name: "an agent records a phone case", as: "agent", method: "POST", path: "/api/v1/cases",
				body: strings.Replace(incident("Vault down, phoned in", "C1"), `"type"`,
					`"org_id":"{org:acme}","channel":"phone","call":{"caller":"Carla Ruiz","number":"+1 555 0100","at":"2026-11-20T15:08:00Z"},"type"`, 1),
				status: 201,
				has: []string{`"channel":"phone"`, `"received_at":"2026-11-20T15:08:00Z"`, `"guaranteed":true`, `"due_at":"2026-11-20T15:38:00Z"`,
					`"criticality":"C1"`},
				actions: []string{"case.open"}},
		})
	})
}

// TestCaseReplies: notes are internal and answer nobody; the first public
// reply stops the clock; a case put on hold for the customer pauses a
// running clock, and the customer's answer resumes it with the due
// instant moved by exactly the working time paused.
func TestCaseReplies(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, open func(testing.TB) *store.DB) {
		f := newFixture(t, open)
		c := f.openCase("acme", "r", incident("Reports are slow", "C3"))
		timeIs(t, "due_at", c.Clock.DueAt, "2026-11-20T23:00:00Z") // 10:00 + 8h, Friday in New York

		runScenarios(t, f, []scenario{
			{name: "agent's internal note", as: "agent", method: "POST", path: "/api/v1/cases/{id:r}/replies", body: `{"body":"Looks like the HSM driver","internal":true}`,
				status: 200, has: []string{`"state":"new"`, `"due_at":"2026-11-20T23:00:00Z"`, `"sla_status":"running"`}, hasNot: []string{"responded_at"},
				actions: []string{"case.note"}},
			{name: "customer does not see the note", as: "acme", method: "GET", path: "/api/v1/cases/{id:r}/timeline", status: 200,
				has: []string{`"kind":"opened"`}, hasNot: []string{"HSM driver", `"kind":"note"`}},
			{name: "agent sees the note", as: "agent", method: "GET", path: "/api/v1/cases/{id:r}/timeline", status: 200,
				has: []string{`"kind":"note"`, `"internal":true`, "Looks like the HSM driver"}},
			{name: "auditor sees the note", as: "auditor", method: "GET", path: "/api/v1/cases/{id:r}/timeline", status: 200, has: []string{"HSM driver"}},
			{name: "customer may not write notes", as: "acme", method: "POST", path: "/api/v1/cases/{id:r}/replies", body: `{"body":"psst","internal":true}`,
				status: 400, has: []string{`"field":"internal"`}},
			{name: "empty reply", as: "acme", method: "POST", path: "/api/v1/cases/{id:r}/replies", body: `{"body":"  "}`, status: 400, has: []string{`"field":"body"`}},
			{name: "auditor may not reply", as: "auditor", method: "POST", path: "/api/v1/cases/{id:r}/replies", body: `{"body":"hi"}`, status: 403},
		})

		// 11:00 in New York: the customer asked by phone to wait for a
		// maintenance window; an hour of the 8 has been used.
		f.at(friday.Add(time.Hour))
		runScenarios(t, f, []scenario{
			{name: "hold needs a reason", as: "agent", method: "POST", path: "/api/v1/cases/{id:r}/await-customer", body: `{}`, status: 400, has: []string{`"field":"reason"`}},
			{name: "customer may not hold", as: "acme", method: "POST", path: "/api/v1/cases/{id:r}/await-customer", body: `{"reason":"later"}`, status: 403},
			{name: "agent holds for the customer", as: "agent", method: "POST", path: "/api/v1/cases/{id:r}/await-customer",
				body: `{"reason":"The customer will test after the maintenance window"}`, status: 200,
				has:    []string{`"state":"awaiting_customer"`, `"paused_since":"2026-11-20T16:00:00Z"`, `"sla_status":"paused"`, `"pauses":[{"from":"2026-11-20T16:00:00Z"}]`},
				hasNot: []string{`"due_at"`, `"warn_at"`, "responded_at"}, actions: []string{"case.await_customer"}},
			{name: "held twice", as: "agent", method: "POST", path: "/api/v1/cases/{id:r}/await-customer", body: `{"reason":"again"}`, status: 409},
		})

		// Monday 09:00: the customer answers. Paused were Friday 11:00-20:00
		// and Monday 08:00-09:00, 10 working hours: due moves from Friday
		// 18:00 to Monday 16:00 New York time.
		f.at(time.Date(2026, 11, 23, 9, 0, 0, 0, newYork))
		runScenarios(t, f, []scenario{
			{name: "customer's answer resumes the clock", as: "acme", method: "POST", path: "/api/v1/cases/{id:r}/replies", body: `{"body":"Done, it is still slow"}`,
				status: 200, has: []string{`"state":"open"`, `"due_at":"2026-11-23T21:00:00Z"`, `"sla_status":"running"`,
					`"pauses":[{"from":"2026-11-20T16:00:00Z","to":"2026-11-23T14:00:00Z"}]`},
				hasNot: []string{"paused_since", "responded_at"}, actions: []string{"case.reply"}},
			{name: "the explanation counts the pause", as: "acme", method: "GET", path: "/api/v1/cases/{id:r}/sla", status: 200,
				has: []string{"Paused from Fri 2026-11-20 11:00 EST to Mon 2026-11-23 09:00 EST while waiting for the customer: 10 hours of working time did not count.",
					`"used":"1h"`, `"remaining":"7h"`, "Due at Mon 2026-11-23 16:00 EST (2026-11-23 21:00 UTC)."}},
		})
		x := f.explain("agent", "r")
		if len(x.Segments) != 1 || !x.Segments[0].From.Equal(friday) || !x.Segments[0].To.Equal(friday.Add(time.Hour)) {
			t.Errorf("segments %+v, want Friday 15:00-16:00 UTC only", x.Segments)
		}

		// 10:00: the agent's first public reply meets the target with 6
		// hours to spare; a request for information after it pauses the
		// case but no longer moves a stopped clock.
		f.at(time.Date(2026, 11, 23, 10, 0, 0, 0, newYork))
		runScenarios(t, f, []scenario{
			{name: "agent's public reply", as: "agent", method: "POST", path: "/api/v1/cases/{id:r}/replies",
				body:   `{"body":"Please send the report server logs","references":[{"kind":"kb_article","value":"https://kb.example/logs"}]}`,
				status: 200, has: []string{`"responded_at":"2026-11-23T15:00:00Z"`, `"sla_status":"met"`, `"sla_margin":"6h"`, `"state":"open"`},
				actions: []string{"case.reply"}},
			{name: "request for information", as: "agent", method: "POST", path: "/api/v1/cases/{id:r}/replies",
				body: `{"body":"Which report?","request_information":true}`, status: 200,
				has: []string{`"state":"awaiting_customer"`, `"paused_since":"2026-11-23T15:00:00Z"`, `"due_at":"2026-11-23T21:00:00Z"`,
					`"responded_at":"2026-11-23T15:00:00Z"`, `"sla_status":"met"`},
				actions: []string{"case.reply"}},
			{name: "customer timeline", as: "acme", method: "GET", path: "/api/v1/cases/{id:r}/timeline", status: 200,
				// The hold and its reason are public; the internal note is not.
				has: []string{"Please send the report server logs", `"references":[{"kind":"kb_article","value":"https://kb.example/logs"}]`, `"request_information":true`,
					`"reason":"The customer will test after the maintenance window","hold":true`},
				hasNot: []string{"HSM driver"}},
			{name: "bad reference", as: "agent", method: "POST", path: "/api/v1/cases/{id:r}/replies",
				body: `{"body":"See","references":[{"kind":"kb_article","value":"javascript:alert(1)"}]}`, status: 400, has: []string{`"field":"references[0].value"`}},
		})
	})
}

func TestCaseReclassify(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, open func(testing.TB) *store.DB) {
		f := newFixture(t, open)
		f.openCase("acme", "rc", incident("Exports fail", "C3"))
		f.openCase("globex", "gx", incident("Globex exports fail", "C3"))
		runScenarios(t, f, []scenario{
			{name: "reason required", as: "agent", method: "POST", path: "/api/v1/cases/{id:rc}/reclassify", body: `{"criticality":"C4"}`, status: 400,
				has: []string{`"field":"reason"`}},
			{name: "criticality required", as: "agent", method: "POST", path: "/api/v1/cases/{id:rc}/reclassify", body: `{"criticality":"C9","reason":"x"}`, status: 400,
				has: []string{`"field":"criticality"`}},
			{name: "customer may not", as: "acme", method: "POST", path: "/api/v1/cases/{id:rc}/reclassify", body: `{"criticality":"C1","reason":"urgent!"}`, status: 403,
				has: []string{"only the vendor's agents"}},
			{name: "partner may not", as: "partner", method: "POST", path: "/api/v1/cases/{id:gx}/reclassify", body: `{"criticality":"C4","reason":"minor"}`, status: 403,
				has: []string{"only the vendor's agents"}},
			{name: "agent lowers to C4", as: "agent", method: "POST", path: "/api/v1/cases/{id:rc}/reclassify", body: `{"criticality":"C4","reason":"A workaround is in place"}`,
				// 12 working hours from Friday 10:00: Friday until 20:00, Monday
				// 08:00-10:00; the warning after 9, Friday at 19:00.
				status: 200, has: []string{`"criticality":"C4"`, `"target":"12h"`, `"due_at":"2026-11-23T15:00:00Z"`, `"warn_at":"2026-11-21T00:00:00Z"`},
				actions: []string{"case.reclassify"}},
			{name: "the customer sees why", as: "acme", method: "GET", path: "/api/v1/cases/{id:rc}/timeline", status: 200,
				has: []string{`"kind":"reclassified"`, `"from":"C3","to":"C4","reason":"A workaround is in place"`}},
			{name: "same criticality", as: "agent", method: "POST", path: "/api/v1/cases/{id:rc}/reclassify", body: `{"criticality":"C4","reason":"again"}`, status: 409},
			// C2 needs a call, and there was none: the C3 target the case
			// stood under (8 working hours from 10:00) still binds.
			{name: "agent raises to C2", as: "agent", method: "POST", path: "/api/v1/cases/{id:rc}/reclassify", body: `{"criticality":"C2","reason":"Redundancy is lost"}`,
				status: 200, has: []string{`"criticality":"C2"`, `"target":"8h"`, `"call_required":true`, `"guaranteed":true`, `"due_at":"2026-11-20T23:00:00Z"`, `"sla_status":"running"`},
				actions: []string{"case.reclassify"}},
		})
	})
}

func TestCaseResolution(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, open func(testing.TB) *store.DB) {
		f := newFixture(t, open)
		f.openCase("acme", "high", incident("Redundancy lost on the vault cluster", "C2"))
		f.openCase("acme", "medium", incident("One user cannot sign in", "C3"))
		runScenarios(t, f, []scenario{
			{name: "summary required", as: "agent", method: "POST", path: "/api/v1/cases/{id:high}/resolve", body: `{"summary":""}`, status: 400, has: []string{`"field":"summary"`}},
			{name: "customer may not resolve", as: "acme", method: "POST", path: "/api/v1/cases/{id:high}/resolve", body: `{"summary":"fixed"}`, status: 403},
			{name: "agent resolves the C2", as: "agent", method: "POST", path: "/api/v1/cases/{id:high}/resolve", body: `{"summary":"Re-joined node 2 to the cluster"}`,
				status: 200, has: []string{`"state":"resolved"`, `"resolved_at":"2026-11-20T15:00:00Z"`, `"responded_at":"2026-11-20T15:00:00Z"`, `"auto_close_at":"`},
				actions: []string{"case.open", "case.resolve"}},
			{name: "resolved twice", as: "agent", method: "POST", path: "/api/v1/cases/{id:high}/resolve", body: `{"summary":"again"}`, status: 409},
			{name: "customer timeline shows the link", as: "acme", method: "GET", path: "/api/v1/cases/{id:high}/timeline", status: 200,
				has: []string{"Re-joined node 2 to the cluster", `"kind":"linked"`, "A root-cause analysis was opened at Medium criticality."}},
		})
		resp := f.do("acme", "GET", "/api/v1/cases?type=root_cause", nil)
		var l struct{ Items []caseView }
		resp.json(t, &l)
		if resp.status != http.StatusOK || len(l.Items) != 1 {
			t.Fatalf("root-cause list: %d %s", resp.status, short(resp.body))
		}
		rca := l.Items[0]
		if rca.ParentID != accord.ID(f.ids["high"]) || rca.Criticality != "C3" || rca.Type != cases.RootCause || rca.State != cases.New ||
			rca.Title != "Root-cause analysis: Redundancy lost on the vault cluster" || rca.OpenedBy != "Accord" || rca.SLAStatus != cases.Running {
			t.Errorf("root-cause case: %+v", rca)
		}
		timeIs(t, "root-cause due_at", rca.Clock.DueAt, "2026-11-20T23:00:00Z")
		f.ids["rca"] = string(rca.ID)

		runScenarios(t, f, []scenario{
			{name: "agent may not confirm", as: "agent", method: "POST", path: "/api/v1/cases/{id:high}/confirm", status: 403, has: []string{"the customer confirms"}},
			{name: "confirm refuses unknown fields", as: "acme", method: "POST", path: "/api/v1/cases/{id:high}/confirm", body: `{"happy":true}`, status: 400,
				has: []string{`"field":"happy"`}},
			{name: "customer confirms with no body", as: "acme", method: "POST", path: "/api/v1/cases/{id:high}/confirm", status: 200,
				has: []string{`"state":"closed"`, `"close_reason":"confirmed"`, `"closed_at":"2026-11-20T15:00:00Z"`}, hasNot: []string{"auto_close_at"},
				actions: []string{"case.close"}},
			{name: "a closed case does not reopen", as: "acme", method: "POST", path: "/api/v1/cases/{id:high}/reopen", body: `{"reason":"back again"}`, status: 409,
				has: []string{"this one is closed"}},
			{name: "an open case does not reopen", as: "acme", method: "POST", path: "/api/v1/cases/{id:medium}/reopen", body: `{"reason":"hm"}`, status: 409,
				has: []string{"only a resolved case can be reopened; this one is new"}},
			{name: "a new case is not confirmed", as: "acme", method: "POST", path: "/api/v1/cases/{id:medium}/confirm", body: `{}`, status: 409},
			{name: "resolving a C3 opens no analysis", as: "agent", method: "POST", path: "/api/v1/cases/{id:medium}/resolve", body: `{"summary":"Unlocked the account"}`,
				status: 200, has: []string{`"state":"resolved"`}, actions: []string{"case.resolve"}},
			{name: "reopen needs a reason", as: "acme", method: "POST", path: "/api/v1/cases/{id:medium}/reopen", body: `{}`, status: 400, has: []string{`"field":"reason"`}},
			{name: "customer reopens", as: "acme", method: "POST", path: "/api/v1/cases/{id:medium}/reopen", body: `{"reason":"It is locked again"}`,
				status: 200, has: []string{`"state":"open"`}, hasNot: []string{"resolved_at", "auto_close_at"}, actions: []string{"case.reopen"}},
			{name: "resolved again", as: "agent", method: "POST", path: "/api/v1/cases/{id:medium}/resolve", body: `{"summary":"Reset the lockout policy"}`,
				status: 200, actions: []string{"case.resolve"}},
			{name: "customer confirms with an empty object", as: "acme", method: "POST", path: "/api/v1/cases/{id:medium}/confirm", body: `{}`,
				status: 200, has: []string{`"state":"closed"`}, actions: []string{"case.close"}},
			{name: "the analysis is worked like any case", as: "agent", method: "POST", path: "/api/v1/cases/{id:rca}/replies", body: `{"body":"Analysing the cluster logs"}`,
				status: 200, has: []string{`"state":"open"`, `"sla_status":"met"`}, actions: []string{"case.reply"}},
		})
	})
}

func TestCaseRemoteSession(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, open func(testing.TB) *store.DB) {
		f := newFixture(t, open)
		f.openCase("acme", "s", `{"type":"question","title":"Help configuring LDAP","description":"Can someone look?"}`)
		runScenarios(t, f, []scenario{
			{name: "45 minutes is too long", as: "agent", method: "POST", path: "/api/v1/cases/{id:s}/sessions", body: `{"starts_at":"2026-11-21T15:00:00Z","minutes":45}`,
				status: 400, has: []string{`"field":"minutes"`, "1 to 30 minutes"}},
			{name: "in the past", as: "agent", method: "POST", path: "/api/v1/cases/{id:s}/sessions", body: `{"starts_at":"2026-11-19T15:00:00Z","minutes":20}`,
				status: 400, has: []string{`"field":"starts_at"`}},
			{name: "customer may not propose", as: "acme", method: "POST", path: "/api/v1/cases/{id:s}/sessions", body: `{"starts_at":"2026-11-21T15:00:00Z","minutes":20}`,
				status: 403},
			{name: "agent proposes", as: "agent", method: "POST", path: "/api/v1/cases/{id:s}/sessions", body: `{"starts_at":"2026-11-21T15:00:00Z","minutes":20,"note":"Have the LDAP admin ready"}`,
				status: 200, has: []string{`"state":"open"`, `"responded_at":"2026-11-20T15:00:00Z"`}, actions: []string{"case.session_propose"}},
		})
		var proposal cases.Entry
		for _, e := range f.timeline("acme", "s") {
			if e.Kind == cases.RemoteSession {
				proposal = e
			}
		}
		if proposal.Data.Session == nil || proposal.Data.Session.Minutes != 20 || proposal.Data.Session.Status != cases.SessionProposed ||
			!proposal.Data.Session.StartsAt.Equal(ts("2026-11-21T15:00:00Z")) || proposal.Body != "Have the LDAP admin ready" {
			t.Fatalf("proposal: %+v", proposal)
		}
		f.ids["proposal"] = string(proposal.ID)
		f.at(friday.Add(30 * time.Minute))
		runScenarios(t, f, []scenario{
			{name: "agent may not decide", as: "agent", method: "POST", path: "/api/v1/cases/{id:s}/sessions/{id:proposal}/decision", body: `{"accept":true}`, status: 403},
			{name: "no such session", as: "acme", method: "POST", path: "/api/v1/cases/{id:s}/sessions/ent_00000000000000000000000000/decision", body: `{"accept":true}`, status: 404},
			{name: "customer accepts with remote control", as: "acme", method: "POST", path: "/api/v1/cases/{id:s}/sessions/{id:proposal}/decision",
				body: `{"accept":true,"remote_control":true,"note":"Use the jump host"}`, status: 200, actions: []string{"case.session_accepted"}},
			{name: "decided once", as: "acme", method: "POST", path: "/api/v1/cases/{id:s}/sessions/{id:proposal}/decision", body: `{"accept":false}`, status: 409,
				has: []string{"already accepted"}},
		})
		for _, e := range f.timeline("agent", "s") {
			if e.ID == proposal.ID {
				s := e.Data.Session
				if s == nil || s.Status != cases.SessionAccepted || !s.RemoteControl || s.DecidedBy != "User acme" || s.Note != "Use the jump host" {
					t.Errorf("decided proposal: %+v", s)
				}
				timeIs(t, "decided_at", s.DecidedAt, "2026-11-20T15:30:00Z")
			}
		}
	})
}

// TestCaseSessionDecidedOnce sends several decisions on one proposal at
// once: exactly one may be recorded, however the requests interleave.
func TestCaseSessionDecidedOnce(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, open func(testing.TB) *store.DB) {
		f := newFixture(t, open)
		for round := range 10 {
			name := fmt.Sprintf("s%d", round)
			f.openCase("acme", name, `{"type":"question","title":"Session please","description":"Now"}`)
			if resp := f.do("agent", "POST", "/api/v1/cases/"+f.ids[name]+"/sessions", `{"starts_at":"2026-11-21T15:00:00Z","minutes":20}`); resp.status != http.StatusOK {
				t.Fatalf("propose: %d %s", resp.status, resp.body)
			}
			var proposal accord.ID
			for _, e := range f.timeline("acme", name) {
				if e.Kind == cases.RemoteSession {
					proposal = e.ID
				}
			}
			var wg sync.WaitGroup
			statuses := make([]int, 4)
			for i := range statuses {
				wg.Go(func() {
					statuses[i] = f.do("acme", "POST", "/api/v1/cases/"+f.ids[name]+"/sessions/"+string(proposal)+"/decision", fmt.Sprintf(`{"accept":%v}`, i%2 == 0)).status
				})
			}
			wg.Wait()
			decisions := 0
			for _, e := range f.timeline("agent", name) {
				if e.Kind == cases.RemoteSession && e.ID != proposal {
					decisions++
				}
			}
			slices.Sort(statuses)
			if want := []int{200, 409, 409, 409}; !slices.Equal(statuses, want) || decisions != 1 {
				t.Errorf("round %d: statuses %v, want %v; %d decisions in the timeline, want 1", round, statuses, want, decisions)
			}
		}
	})
}

// TestCaseBreach: a breach the job recorded shows in the list and the
// status; lowering the criticality so that the due instant lies ahead
// does not clear it, nor does an answer before the new due instant.
func TestCaseBreach(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, open func(testing.TB) *store.DB) {
		f := newFixture(t, open)
		f.openCase("agent", "b", strings.Replace(incident("Vault down", "C1"), `"type"`,
			`"org_id":"{org:acme}","channel":"phone","call":{"caller":"Carla Ruiz","number":"+1 555 0100","at":"2026-11-20T15:00:00Z"},"type"`, 1))
		f.at(friday.Add(40 * time.Minute))
		runScenarios(t, f, []scenario{
			{name: "ten minutes late", as: "acme", method: "GET", path: "/api/v1/cases/{id:b}", status: 200,
				has: []string{`"due_at":"2026-11-20T15:30:00Z"`, `"sla_status":"breached"`, `"sla_margin":"-10m"`}, hasNot: []string{"breached_at"}},
			{name: "not yet recorded", as: "agent", method: "GET", path: "/api/v1/cases?breached=true", status: 200, has: []string{`"items":[]`}},
		})
		if err := f.cases.Fire(f.system(), f.now, cases.BreachTimer, accord.ID(f.ids["b"])); err != nil {
			t.Fatal(err)
		}
		runScenarios(t, f, []scenario{
			{name: "recorded", as: "agent", method: "GET", path: "/api/v1/cases?breached=true", status: 200,
				has: []string{`"id":"{id:b}"`, `"breached_at":"2026-11-20T15:40:00Z"`, `"breach_criticality":"C1"`, `"breach_due_at":"2026-11-20T15:30:00Z"`}},
			{name: "the breach is internal", as: "acme", method: "GET", path: "/api/v1/cases/{id:b}/timeline", status: 200, hasNot: []string{"sla_breach"}},
			// Durations read as the policy writes them: 30m, not 30m0s.
			{name: "agents see it", as: "agent", method: "GET", path: "/api/v1/cases/{id:b}/timeline", status: 200,
				has: []string{`"kind":"sla_breach"`, `"internal":true`, "The 30m first-response target was breached with no response."}},
			{name: "lowered to C4", as: "agent", method: "POST", path: "/api/v1/cases/{id:b}/reclassify", body: `{"criticality":"C4","reason":"A workaround is in place"}`,
				// 12 working hours from the call, Friday 10:00 New York time;
				// the breach under C1 stands.
				status: 200, has: []string{`"due_at":"2026-11-23T15:00:00Z"`, `"sla_status":"breached"`, `"sla_margin":"-10m"`, `"kind":"support-hours"`,
					`"breached_at":"2026-11-20T15:40:00Z"`, `"breach_criticality":"C1"`, `"breach_due_at":"2026-11-20T15:30:00Z"`},
				actions: []string{"case.reclassify"}},
			{name: "still breached", as: "agent", method: "GET", path: "/api/v1/cases?breached=true", status: 200, has: []string{`"id":"{id:b}"`}},
			{name: "answered before the new due time", as: "agent", method: "POST", path: "/api/v1/cases/{id:b}/replies", body: `{"body":"Restarted the vault"}`, status: 200,
				has: []string{`"sla_status":"breached"`, `"sla_margin":"-10m"`}, actions: []string{"case.reply"}},
		})
	})
}

// TestBreachStandsEverywhere is the scenario: a C3 phone case is
// raised to C1, its 30 minutes pass, it is lowered to C3 and answered
// before the C3 due time. The case, its clock explained, the SLA report
// and its CSV all say breached under C1, on both engines, whether the
// job recorded the breach before the lowering or not.
func TestBreachStandsEverywhere(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, open func(testing.TB) *store.DB) {
		f := newFixture(t, open)
		phoneC3 := func(name string) {
			f.openCase("agent", name, strings.Replace(incident("Exports fail", "C3"), `"type"`,
				`"org_id":"{org:acme}","channel":"phone","call":{"caller":"Carla Ruiz","number":"+1 555 0100","at":"2026-11-20T15:00:00Z"},"type"`, 1))
		}
		// Friday 10:00 in New York: premium C3 by phone, 8 working hours, due 18:00.
		phoneC3("job")
		phoneC3("nojob")
		f.at(friday.Add(time.Hour))
		for _, name := range []string{"job", "nojob"} {
			runScenarios(t, f, []scenario{
				// Raised at 11:00: C1's 30 minutes count from the raise.
				{name: "raised " + name, as: "agent", method: "POST", path: "/api/v1/cases/{id:" + name + "}/reclassify",
					body: `{"criticality":"C1","reason":"Production is down after all"}`, status: 200,
					has: []string{`"criticality":"C1"`, `"due_at":"2026-11-20T16:30:00Z"`, `"sla_status":"running"`}, actions: []string{"case.reclassify"}},
			})
		}
		f.at(friday.Add(100 * time.Minute))
		if err := f.cases.Fire(f.system(), f.now, cases.BreachTimer, accord.ID(f.ids["job"])); err != nil {
			t.Fatal(err)
		}
		f.at(friday.Add(2 * time.Hour))
		for _, tc := range []struct{ name, breachedAt string }{{"job", "2026-11-20T16:40:00Z"}, {"nojob", "2026-11-20T17:00:00Z"}} {
			breach := []string{`"breached_at":"` + tc.breachedAt + `"`, `"breach_criticality":"C1"`, `"breach_due_at":"2026-11-20T16:30:00Z"`}
			runScenarios(t, f, []scenario{
				{name: "lowering a breached case needs a reason", as: "agent", method: "POST", path: "/api/v1/cases/{id:" + tc.name + "}/reclassify",
					body: `{"criticality":"C3"}`, status: 400, has: []string{`"field":"reason"`}},
				{name: "lowered " + tc.name, as: "agent", method: "POST", path: "/api/v1/cases/{id:" + tc.name + "}/reclassify",
					body: `{"criticality":"C3","reason":"A workaround restored production"}`, status: 200,
					has:     append([]string{`"criticality":"C3"`, `"due_at":"2026-11-20T23:00:00Z"`, `"sla_status":"breached"`, `"sla_margin":"-30m"`}, breach...),
					actions: []string{"case.reclassify"}},
				{name: "the customer's case " + tc.name, as: "acme", method: "GET", path: "/api/v1/cases/{id:" + tc.name + "}", status: 200,
					has: append([]string{`"sla_status":"breached"`, `"reclassifications":[{"from":"C3","to":"C1","at":"2026-11-20T16:00:00Z"},{"from":"C1","to":"C3","at":"2026-11-20T17:00:00Z"}]`}, breach...)},
				{name: "the customer sees both changes and why " + tc.name, as: "acme", method: "GET", path: "/api/v1/cases/{id:" + tc.name + "}/timeline", status: 200,
					has:    []string{`"from":"C3","to":"C1","reason":"Production is down after all"`, `"from":"C1","to":"C3","reason":"A workaround restored production"`},
					hasNot: []string{"sla_breach"}},
			})
			now := f.now
			f.now = friday.Add(3 * time.Hour)
			runScenarios(t, f, []scenario{
				{name: "answered at 13:00 " + tc.name, as: "agent", method: "POST", path: "/api/v1/cases/{id:" + tc.name + "}/replies",
					body: `{"body":"The export service is back."}`, status: 200, has: append([]string{`"sla_status":"breached"`}, breach...), actions: []string{"case.reply"}},
			})
			f.now = now
			x := f.explain("acme", tc.name)
			if x.Status != cases.Breached || x.BreachCriticality != "C1" || !x.BreachDueAt.Equal(ts("2026-11-20T16:30:00Z")) || len(x.Reclassifications) != 2 ||
				!strings.Contains(strings.Join(x.Why, " "), "The C1 target was breached") {
				t.Errorf("%s explained: status %s under %q due %v, history %+v, why %q", tc.name, x.Status, x.BreachCriticality, x.BreachDueAt, x.Reclassifications, x.Why)
			}
			// The customer is mailed each reclassification, the one after the
			// breach included: each entry has its notification job.
			for _, e := range f.timeline("acme", tc.name) {
				var jobs int
				if err := f.db.SQL().QueryRow(`SELECT count(*) FROM jobs WHERE subject_id = $1 AND kind = $2`, e.ID, cases.NotifyJob).Scan(&jobs); err != nil {
					t.Fatal(err)
				}
				if ev, ok := cases.EventOf(cases.Case{OrgID: f.orgs["acme"].ID}, e); e.Kind == cases.Reclassified && (jobs != 1 || !ok || ev != cases.EventReclassified) {
					t.Errorf("%s: reclassification %s has %d notification jobs (event %q), want one for case.reclassified", tc.name, e.ID, jobs, ev)
				}
			}
		}

		f.at(time.Date(2026, 12, 1, 15, 0, 0, 0, time.UTC))
		var rep reports.SLAReport
		expect(t, f.do("acme", "GET", "/api/v1/reports/sla?month=2026-11", nil), http.StatusOK).json(t, &rep)
		// Both breached under C1 and reclassified; answered 3 working hours
		// after the C3 clock's start.
		if len(rep.Rows) != 1 || rep.Rows[0].Criticality != "C1" || rep.Rows[0].Cases != 2 || rep.Rows[0].Breached != 2 || rep.Rows[0].Met != 0 ||
			rep.Rows[0].Reclassified != 2 || len(rep.Reclassified) != 2 {
			t.Fatalf("report rows %+v, reclassified %+v; want both cases breached under C1", rep.Rows, rep.Reclassified)
		}
		for _, c := range rep.Reclassified {
			if c.Outcome != "breached" || c.Criticality != "C1" || c.Opened != "C3" || len(c.Reclassifications) != 2 || !c.BreachDueAt.Equal(ts("2026-11-20T16:30:00Z")) {
				t.Errorf("reclassified case %+v", c)
			}
		}
		resp := expect(t, f.do("admin", "GET", f.expand("/api/v1/reports/sla?month=2026-11&format=csv&org_id={org:acme}"), nil), http.StatusOK)
		want := strings.Join(reports.SLAColumns, ",") + "\n" +
			"2026-11," + string(f.orgs["acme"].ID) + ",Acme Bank,premium,C1,2,0,2,0,0,2,2,10800,3h,10800,3h\n" +
			"2026-11,,Total,,,2,0,2,0,0,2,2,10800,3h,10800,3h\n"
		if resp.body != want {
			t.Fatalf("CSV:\n%s\nwant:\n%s", resp.body, want)
		}
	})
}

// upload is a multipart body with the file and the extra fields.
func upload(t *testing.T, name string, content []byte, fields ...string) (string, string) {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for i := 0; i+1 < len(fields); i += 2 {
		if err := mw.WriteField(fields[i], fields[i+1]); err != nil {
			t.Fatal(err)
		}
	}
	if name != "" {
		w, err := mw.CreateFormFile("file", name)
		if err == nil {
			_, err = w.Write(content)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.String(), mw.FormDataContentType()
}

func TestCaseFiles(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, open func(testing.TB) *store.DB) {
		f := newFixture(t, open)
		f.openCase("acme", "f", `{"type":"question","title":"Screenshot of the error","description":"Attached"}`)
		path := "/api/v1/cases/" + f.ids["f"] + "/files"
		send := func(as, name string, content []byte, fields ...string) response {
			t.Helper()
			body, ct := upload(t, name, content, fields...)
			return f.do(as, "POST", path, body, "Content-Type", ct)
		}

		png := append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{0}, 100)...)
		seen := map[accord.ID]bool{}
		for _, e := range f.events() {
			seen[e.ID] = true
		}
		resp := send("acme", "tela ü.png", png)
		if resp.status != http.StatusCreated {
			t.Fatalf("upload: %d %s", resp.status, resp.body)
		}
		var e cases.Entry
		resp.json(t, &e)
		sum := sha256.Sum256(png)
		if e.Kind != cases.Attachment || e.Internal || e.Data.File == nil || e.Data.File.Name != "tela ü.png" || e.Data.File.ContentType != "image/png" ||
			e.Data.File.Size != int64(len(png)) || e.Data.File.SHA256 != hex.EncodeToString(sum[:]) || e.AuthorID != f.users["acme"].ID {
			t.Fatalf("entry: %+v %+v", e, e.Data.File)
		}
		var written []string
		for _, e := range f.events() {
			if !seen[e.ID] {
				written = append(written, e.Action+" "+string(e.OrgID)+" "+string(e.EntityID))
			}
		}
		if want := []string{"case.attach " + string(f.orgs["acme"].ID) + " " + f.ids["f"]}; !slices.Equal(written, want) {
			t.Errorf("audit: %v, want %v", written, want)
		}
		file := path + "/" + string(e.Data.File.ID)

		resp = f.do("agent", "GET", file, nil)
		if resp.status != http.StatusOK || resp.body != string(png) {
			t.Fatalf("download: %d %q", resp.status, short(resp.body))
		}
		for h, want := range map[string]string{
			"Content-Type": "image/png", "Content-Disposition": `inline; filename*=utf-8''tela%20%C3%BC.png`, "X-Content-Type-Options": "nosniff",
			"Content-Security-Policy": "sandbox", "Cache-Control": "private, no-store", "Content-Length": "108",
		} {
			if got := resp.header.Get(h); got != want {
				t.Errorf("%s: %q, want %q", h, got, want)
			}
		}
		if resp := f.do("acme", "GET", file, nil); resp.status != http.StatusOK || resp.body != string(png) {
			t.Errorf("the customer's own download: %d", resp.status)
		}
		for _, as := range []string{"globex", "partner"} {
			if resp := f.do(as, "GET", file, nil); resp.status != http.StatusNotFound || strings.Contains(resp.body, "tela") {
				t.Errorf("%s downloads acme's file: %d %s", as, resp.status, resp.body)
			}
		}

		// An internal file: agents only.
		resp = send("agent", "notes.txt", []byte("internal notes about the customer"), "internal", "true")
		var internal cases.Entry
		resp.json(t, &internal)
		if resp.status != http.StatusCreated || !internal.Internal || internal.Data.File.ContentType != "text/plain; charset=utf-8" {
			t.Fatalf("internal upload: %d %s", resp.status, resp.body)
		}
		ifile := path + "/" + string(internal.Data.File.ID)
		if resp := f.do("acme", "GET", ifile, nil); resp.status != http.StatusNotFound || strings.Contains(resp.body, "internal notes") {
			t.Errorf("customer reads the internal file: %d %s", resp.status, resp.body)
		}
		if resp := f.do("agent", "GET", ifile, nil); resp.status != http.StatusOK || resp.body != "internal notes about the customer" ||
			resp.header.Get("Content-Type") != "text/plain; charset=utf-8" || resp.header.Get("Content-Disposition") != "attachment; filename=notes.txt" {
			t.Errorf("agent reads the internal file: %d %s %v", resp.status, resp.body, resp.header)
		}
		for _, e := range f.timeline("acme", "f") {
			if e.Data.File != nil && e.Data.File.Name == "notes.txt" {
				t.Errorf("the customer's timeline shows the internal file")
			}
		}

		// What a browser could render is served as bytes.
		resp = send("acme", "page.html", []byte("<html><script>alert(document.cookie)</script></html>"))
		var page cases.Entry
		resp.json(t, &page)
		if resp.status != http.StatusCreated || page.Data.File.ContentType != "text/html; charset=utf-8" {
			t.Fatalf("html upload: %d %s", resp.status, resp.body)
		}
		resp = f.do("agent", "GET", path+"/"+string(page.Data.File.ID), nil)
		if ct := resp.header.Get("Content-Type"); resp.status != http.StatusOK || ct != "application/octet-stream" ||
			resp.header.Get("Content-Disposition") != "attachment; filename=page.html" {
			t.Errorf("html download: %d %q %q", resp.status, ct, resp.header.Get("Content-Disposition"))
		}

		for _, c := range []struct {
			name, as, file string
			content        []byte
			fields         []string
			contentType    string
			field          string
		}{
			{name: "too large", as: "acme", file: "big.bin", content: bytes.Repeat([]byte("x"), 1<<20+1), field: "file"},
			{name: "empty", as: "acme", file: "empty.txt", content: nil, field: "file"},
			{name: "customer's internal file", as: "acme", file: "a.txt", content: []byte("a"), fields: []string{"internal", "true"}, field: "internal"},
			{name: "internal not a boolean", as: "agent", file: "a.txt", content: []byte("a"), fields: []string{"internal", "maybe"}, field: "internal"},
			{name: "no file", as: "acme", fields: []string{"internal", "false"}, field: "file"},
			{name: "unknown field", as: "acme", file: "a.txt", content: []byte("a"), fields: []string{"comment", "hi"}, field: "comment"},
			{name: "JSON", as: "acme", contentType: "application/json", field: "Content-Type"},
		} {
			t.Run(c.name, func(t *testing.T) {
				body, ct := upload(t, c.file, c.content, c.fields...)
				if c.contentType != "" {
					body, ct = `{"file":"x"}`, c.contentType
				}
				resp := f.do(c.as, "POST", path, body, "Content-Type", ct)
				if resp.status != http.StatusBadRequest || !strings.Contains(resp.body, `"field":"`+c.field+`"`) {
					t.Errorf("%d %s, want 400 naming %s", resp.status, short(resp.body), c.field)
				}
			})
		}
		t.Run("two files", func(t *testing.T) {
			var b bytes.Buffer
			mw := multipart.NewWriter(&b)
			for _, n := range []string{"a.txt", "b.txt"} {
				w, _ := mw.CreateFormFile("file", n)
				_, _ = w.Write([]byte(n))
			}
			_ = mw.Close()
			resp := f.do("acme", "POST", path, b.String(), "Content-Type", mw.FormDataContentType())
			if resp.status != http.StatusBadRequest || !strings.Contains(resp.body, "one file per request") {
				t.Errorf("%d %s", resp.status, resp.body)
			}
		})
	})
}

func TestServedType(t *testing.T) {
	for sniffed, want := range map[string]string{
		"image/png": "image/png", "application/pdf": "application/pdf", "text/plain; charset=utf-8": "text/plain; charset=utf-8",
		"text/html; charset=utf-8": "application/octet-stream", "text/xml; charset=utf-8": "application/octet-stream",
		"image/svg+xml": "application/octet-stream", "application/javascript": "application/octet-stream",
		"application/ecmascript": "application/octet-stream", "": "application/octet-stream", "TEXT/HTML": "application/octet-stream",
	} {
		if got := servedType(sniffed); got != want {
			t.Errorf("servedType(%q) = %q, want %q", sniffed, got, want)
		}
	}
}

func TestCaseOutOfScopeAndEnhancement(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, open func(testing.TB) *store.DB) {
		f := newFixture(t, open)
		f.openCase("acme", "upgrade", `{"type":"question","title":"Please upgrade us to 5.0","description":"This weekend"}`)
		f.openCase("acme", "dark", `{"type":"enhancement","title":"Dark mode","description":"Please add a dark theme"}`)
		runScenarios(t, f, []scenario{
			{name: "unknown category", as: "agent", method: "POST", path: "/api/v1/cases/{id:upgrade}/out-of-scope", body: `{"category":"fishing"}`, status: 400,
				has: []string{`"field":"category"`, "upgrade"}},
			{name: "customer may not", as: "acme", method: "POST", path: "/api/v1/cases/{id:upgrade}/out-of-scope", body: `{"category":"upgrade"}`, status: 403},
			{name: "agent marks an upgrade out of scope", as: "agent", method: "POST", path: "/api/v1/cases/{id:upgrade}/out-of-scope",
				body: `{"category":"upgrade","note":"Your partner can schedule it"}`, status: 200,
				has: []string{`"out_of_scope":"upgrade"`, `"responded_at":"2026-11-20T15:00:00Z"`, `"sla_status":"met"`}, actions: []string{"case.out_of_scope"}},
			{name: "the customer is pointed to the service", as: "acme", method: "GET", path: "/api/v1/cases/{id:upgrade}/timeline", status: 200,
				has: []string{`"kind":"out_of_scope"`, `The professional service \"Assisted update\" covers it`, "Your partner can schedule it",
					`"category":"upgrade","service":"assisted_update"`}},

			{name: "an enhancement has no clock", as: "acme", method: "GET", path: "/api/v1/cases/{id:dark}", status: 200,
				has: []string{`"state":"received"`, `"kind":""`, `"sla_status":"no_clock"`, `"guaranteed":false`}, hasNot: []string{`"due_at"`}},
			{name: "its explanation says so", as: "acme", method: "GET", path: "/api/v1/cases/{id:dark}/sla", status: 200,
				has: []string{`"status":"no_clock"`, "Enhancement requests have no response clock"}},
			{name: "not delivered before accepted", as: "agent", method: "POST", path: "/api/v1/cases/{id:dark}/enhancement", body: `{"state":"delivered","delivered_in":"5.2"}`,
				status: 400, has: []string{`"field":"state"`, "from received the request can go to under_analysis, accepted, declined"}},
			{name: "customer may not decide", as: "acme", method: "POST", path: "/api/v1/cases/{id:dark}/enhancement", body: `{"state":"accepted"}`, status: 403},
			{name: "support states do not apply", as: "agent", method: "POST", path: "/api/v1/cases/{id:dark}/resolve", body: `{"summary":"done"}`, status: 409},
			{name: "enhancement states do not apply to questions", as: "agent", method: "POST", path: "/api/v1/cases/{id:upgrade}/enhancement", body: `{"state":"accepted"}`, status: 409},
			{name: "under analysis", as: "agent", method: "POST", path: "/api/v1/cases/{id:dark}/enhancement", body: `{"state":"under_analysis"}`, status: 200,
				has: []string{`"state":"under_analysis"`, `"sla_status":"no_clock"`}, actions: []string{"case.enhancement"}},
			{name: "accepted", as: "agent", method: "POST", path: "/api/v1/cases/{id:dark}/enhancement", body: `{"state":"accepted","note":"Planned for 5.2"}`, status: 200,
				has: []string{`"state":"accepted"`}, actions: []string{"case.enhancement"}},
			{name: "delivered needs the version", as: "agent", method: "POST", path: "/api/v1/cases/{id:dark}/enhancement", body: `{"state":"delivered"}`, status: 400,
				has: []string{`"field":"delivered_in"`}},
			{name: "delivered", as: "agent", method: "POST", path: "/api/v1/cases/{id:dark}/enhancement", body: `{"state":"delivered","delivered_in":"5.2"}`, status: 200,
				has: []string{`"state":"delivered"`, `"delivered_in":"5.2"`, `"closed_at":"2026-11-20T15:00:00Z"`}, actions: []string{"case.enhancement"}},
		})
	})
}

func TestCaseList(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, open func(testing.TB) *store.DB) {
		f := newFixture(t, open)
		// Due instants: A is a best-effort C2 (1 working hour), C and D are
		// C3 (8 working hours), B a C4 (12 working hours, into Monday);
		// the enhancement E has none.
		step := func(n int) { f.now = friday.Add(time.Duration(n) * time.Minute) }
		step(0)
		f.openCase("acme", "A", incident("Hypervisor crash on node 3", "C2"))
		step(1)
		f.openCase("acme", "B", `{"type":"question","title":"Question about licences","description":"How are they counted?"}`)
		step(2)
		f.openCase("acme", "C", incident("Slow report export", "C3"))
		step(3)
		f.openCase("globex", "D", incident("Portal login fails", "C3"))
		step(4)
		f.openCase("acme", "E", `{"type":"enhancement","title":"Dark mode","description":"Please"}`)
		step(5)
		if resp := f.do("agent", "POST", "/api/v1/cases/"+f.ids["C"]+"/assign", `{"user_id":"`+string(f.users["agent"].ID)+`"}`); resp.status != http.StatusOK ||
			!strings.Contains(resp.body, `"state":"open"`) || !strings.Contains(resp.body, `"assignee_id":"`+string(f.users["agent"].ID)+`"`) {
			t.Fatalf("assign: %d %s", resp.status, resp.body)
		}
		name := map[accord.ID]string{}
		for k, id := range f.ids {
			name[accord.ID(id)] = k
		}
		listed := func(as, query string) ([]string, string) {
			t.Helper()
			resp := f.do(as, "GET", "/api/v1/cases"+f.expand(query), nil)
			if resp.status != http.StatusOK {
				t.Fatalf("%s: %d %s", query, resp.status, resp.body)
			}
			var l struct {
				Items []caseView
				Next  string `json:"next_cursor"`
			}
			resp.json(t, &l)
			var got []string
			for _, c := range l.Items {
				got = append(got, name[c.ID])
			}
			return got, l.Next
		}
		for _, c := range []struct {
			as, query string
			want      []string
		}{
			{"agent", "", []string{"E", "D", "C", "B", "A"}},
			{"acme", "", []string{"E", "C", "B", "A"}},
			{"globex", "", []string{"D"}},
			{"partner", "", []string{"D"}},
			{"agent", "?org_id={org:globex}", []string{"D"}},
			{"acme", "?org_id={org:globex}", nil},
			{"agent", "?state=new,open", []string{"D", "C", "B", "A"}},
			{"agent", "?state=new&state=received", []string{"E", "D", "B", "A"}},
			{"agent", "?state=open", []string{"C"}},
			{"agent", "?type=question", []string{"B"}},
			{"agent", "?type=incident", []string{"D", "C", "A"}},
			{"agent", "?criticality=C2", []string{"A"}},
			{"agent", "?criticality=C3&type=incident", []string{"D", "C"}},
			{"agent", "?q=hypervisor", []string{"A"}},
			{"agent", "?q=report+export", []string{"C"}},
			{"agent", "?q=licences", []string{"B"}},
			{"agent", "?q=nothing-like-this", nil},
			{"globex", "?q=hypervisor", nil},
			{"agent", "?assignee_id=none", []string{"E", "D", "B", "A"}},
			{"agent", "?assignee_id={user:agent}", []string{"C"}},
			{"agent", "?due_before=2026-11-20T23:02:30Z", []string{"C", "A"}},
			{"agent", "?breached=true", nil},
			{"agent", "?breached=false&type=enhancement", []string{"E"}},
			// Soonest due first: A 16:00, C 23:02, D 23:03 Friday, B Monday
			// 15:01 UTC; the enhancement, without a due instant, last.
			// The queue: cases awaiting a first response, soonest due first;
			// the enhancement has no clock.
			{"agent", "?sort=due", []string{"A", "C", "D", "B"}},
			{"acme", "?sort=due&state=new", []string{"A", "B"}},
		} {
			if got, _ := listed(c.as, c.query); !slices.Equal(got, c.want) {
				t.Errorf("%s lists %q: %v, want %v", c.as, c.query, got, c.want)
			}
		}
		for _, sort := range []string{"created", "due"} {
			var all []string
			cursor := ""
			for range 10 {
				got, next := listed("agent", "?limit=1&sort="+sort+"&cursor="+cursor)
				if len(got) != 1 {
					t.Errorf("sort=%s: a page of %v", sort, got)
				}
				all = append(all, got...)
				if cursor = next; cursor == "" {
					break
				}
			}
			slices.Sort(all)
			want := []string{"A", "B", "C", "D", "E"}
			if sort == "due" {
				want = want[:4]
			}
			if !slices.Equal(all, want) {
				t.Errorf("sort=%s, pages of one: %v, want each of %v once", sort, all, want)
			}
		}
		for query, field := range map[string]string{
			"?state=bogus": "state", "?state=new,bogus": "state", "?type=saga": "type", "?criticality=C9": "criticality",
			"?due_before=tomorrow": "due_before", "?breached=maybe": "breached", "?sort=oldest": "sort", "?assignee_id=bob": "assignee_id",
			"?limit=0": "limit", "?org_id=acme": "org_id", "?cursor=zzz": "cursor", "?q=" + strings.Repeat("x", 201): "q",
		} {
			resp := f.do("agent", "GET", "/api/v1/cases"+query, nil)
			if resp.status != http.StatusBadRequest || !strings.Contains(resp.body, `"field":"`+field+`"`) {
				t.Errorf("%s: %d %s, want 400 naming %s", query, resp.status, short(resp.body), field)
			}
		}
	})
}

// TestCaseAssign covers assignment: agents of the actor's own
// organization only, and unassigning with "".
func TestCaseAssign(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, open func(testing.TB) *store.DB) {
		f := newFixture(t, open)
		f.openCase("globex", "g", `{"type":"question","title":"Where are the logs?","description":"Which folder?"}`)
		runScenarios(t, f, []scenario{
			{name: "customer may not assign", as: "globex", method: "POST", path: "/api/v1/cases/{id:g}/assign", body: `{"user_id":""}`, status: 403},
			{name: "not an agent", as: "agent", method: "POST", path: "/api/v1/cases/{id:g}/assign", body: `{"user_id":"{user:globex}"}`, status: 400,
				has: []string{`"field":"user_id"`}},
			{name: "not an id", as: "agent", method: "POST", path: "/api/v1/cases/{id:g}/assign", body: `{"user_id":"bob"}`, status: 400, has: []string{`"field":"user_id"`}},
			{name: "vendor agent to a partner agent", as: "agent", method: "POST", path: "/api/v1/cases/{id:g}/assign", body: `{"user_id":"{user:partner}"}`, status: 400,
				has: []string{"your own organization"}},
			{name: "partner assigns to itself", as: "partner", method: "POST", path: "/api/v1/cases/{id:g}/assign", body: `{"user_id":"{user:partner}"}`, status: 200,
				has: []string{`"assignee_id":"{user:partner}"`, `"state":"open"`}, actions: []string{"case.assign"}},
			{name: "assigning again changes nothing", as: "partner", method: "POST", path: "/api/v1/cases/{id:g}/assign", body: `{"user_id":"{user:partner}"}`, status: 200,
				has: []string{`"assignee_id":"{user:partner}"`}},
			{name: "unassign", as: "agent", method: "POST", path: "/api/v1/cases/{id:g}/assign", body: `{"user_id":""}`, status: 200,
				hasNot: []string{"assignee_id"}, has: []string{`"state":"open"`}, actions: []string{"case.assign"}},
		})
	})
}

// TestCaseHold: a hold for the customer is a public timeline entry with
// its reason, told to the customer, and sets no auto-close.
func TestCaseHold(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, open func(testing.TB) *store.DB) {
		f := newFixture(t, open)
		f.openCase("acme", "h", incident("Exports fail", "C3"))
		runScenarios(t, f, []scenario{
			{name: "a reason is required", as: "agent", method: "POST", path: "/api/v1/cases/{id:h}/await-customer", body: `{"reason":" "}`, status: 400,
				has: []string{`"field":"reason"`}},
			{name: "the customer may not", as: "acme", method: "POST", path: "/api/v1/cases/{id:h}/await-customer", body: `{"reason":"later"}`, status: 403},
			{name: "on hold", as: "agent", method: "POST", path: "/api/v1/cases/{id:h}/await-customer", body: `{"reason":"You asked us to wait for Friday's window"}`,
				status: 200, has: []string{`"state":"awaiting_customer"`, `"sla_status":"paused"`}, hasNot: []string{"auto_close_at"}, actions: []string{"case.await_customer"}},
			{name: "the customer sees it", as: "acme", method: "GET", path: "/api/v1/cases/{id:h}/timeline", status: 200,
				has: []string{`"kind":"state_changed","internal":false`, `"to":"awaiting_customer","reason":"You asked us to wait for Friday's window","hold":true`}},
		})
		l := f.timeline("acme", "h")
		hold := l[len(l)-1]
		var jobs int
		if err := f.db.SQL().QueryRow(`SELECT count(*) FROM jobs WHERE subject_id = $1 AND kind = $2`, hold.ID, cases.NotifyJob).Scan(&jobs); err != nil {
			t.Fatal(err)
		}
		if jobs != 1 {
			t.Fatalf("%d notification jobs for the hold, want 1", jobs)
		}
	})
}

// TestCaseAssignForeignUsers: whoever assigns, a user id it may not read
// (another tenant's, the vendor's for a partner, one that does not exist)
// answers exactly as a missing one, and no answer names a user.
func TestCaseAssignForeignUsers(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, open func(testing.TB) *store.DB) {
		f := newFixture(t, open)
		f.openCase("globex", "g", `{"type":"question","title":"Where are the logs?","description":"Which folder?"}`)
		missing := string(accord.NewID("usr"))
		assign := func(as, userID string) response {
			t.Helper()
			return f.do(as, "POST", "/api/v1/cases/"+f.ids["g"]+"/assign", map[string]string{"user_id": userID})
		}
		for _, tc := range []struct {
			as      string
			foreign []string // fixture users the caller may not read
		}{
			// The partner reads its own organization and Globex, not the
			// vendor nor Acme.
			{"partner", []string{"agent", "admin", "auditor", "acme", "acme-admin"}},
			// A customer contact may not assign at all, whoever is named.
			{"globex", []string{"agent", "partner", "acme", "globex"}},
		} {
			want := assign(tc.as, missing)
			for _, key := range tc.foreign {
				got := assign(tc.as, string(f.users[key].ID))
				if got.status != want.status || got.body != want.body {
					t.Errorf("%s assigns %s's id: %d %s; a missing id: %d %s", tc.as, key, got.status, got.body, want.status, want.body)
				}
				for _, u := range f.users {
					if strings.Contains(got.body, u.Name) || strings.Contains(got.body, u.Email) {
						t.Errorf("%s assigns %s's id: the answer names %s: %s", tc.as, key, u.Name, got.body)
					}
				}
			}
			if want.status == http.StatusOK || want.status >= 500 {
				t.Errorf("%s assigns a missing id: %d %s", tc.as, want.status, want.body)
			}
		}
		// The partner may still assign its own agents.
		expect(t, assign("partner", string(f.users["partner"].ID)), http.StatusOK)
	})
}

// TestCaseViews: each built-in view on both engines, the waiting time of
// the cases the customer wrote last, and a partner agent who sees only its
// customers' cases in every view.
func TestCaseViews(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, open func(testing.TB) *store.DB) {
		f := newFixture(t, open)
		step := func(n int) { f.now = friday.Add(time.Duration(n) * time.Minute) }
		must := func(as, method, path, body string) {
			t.Helper()
			if resp := f.do(as, method, f.expand(path), f.expand(body)); resp.status != http.StatusOK {
				t.Fatalf("%s %s: %d %s", method, path, resp.status, resp.body)
			}
		}
		step(0)
		f.openCase("acme", "A", incident("Hypervisor crash on node 3", "C2"))
		step(1)
		f.openCase("acme", "B", `{"type":"question","title":"Question about licences","description":"How are they counted?"}`)
		step(2)
		f.openCase("acme", "C", incident("Slow report export", "C3"))
		step(3)
		f.openCase("globex", "D", incident("Portal login fails", "C3"))
		step(4)
		must("agent", "POST", "/api/v1/cases/{id:C}/assign", `{"user_id":"{user:agent}"}`)
		must("agent", "POST", "/api/v1/cases/{id:C}/replies", `{"body":"Which report?"}`)
		step(5)
		must("agent", "POST", "/api/v1/cases/{id:B}/await-customer", `{"reason":"The customer checks the licence file"}`)
		step(6)
		must("partner", "POST", "/api/v1/cases/{id:D}/assign", `{"user_id":"{user:partner}"}`)
		must("partner", "POST", "/api/v1/cases/{id:D}/replies", `{"body":"Which browser?"}`)
		step(7)
		// A C1 taken by phone: due at 15:30, breached at 16:30. Opened by
		// the agent, it does not wait on the customer's word.
		f.openCase("agent", "P", strings.Replace(incident("Vault down", "C1"), `"type"`,
			`"org_id":"{org:acme}","channel":"phone","call":{"caller":"Carla Ruiz","number":"+1 555 0100","at":"2026-11-20T15:00:00Z"},"type"`, 1))
		step(8)
		must("globex", "POST", "/api/v1/cases/{id:D}/replies", `{"body":"Firefox"}`)
		step(90)
		if err := f.cases.Fire(f.system(), f.now, cases.BreachTimer, accord.ID(f.ids["P"])); err != nil {
			t.Fatal(err)
		}
		name := map[accord.ID]string{}
		for k, id := range f.ids {
			name[accord.ID(id)] = k
		}
		for _, c := range []struct {
			as, query string
			want      []string
			waiting   map[string]string // case: waiting_since
		}{
			{"agent", "?view=mine", []string{"C"}, nil},
			{"agent", "?view=unassigned", []string{"P", "B", "A"}, nil},
			{"agent", "?view=waiting", []string{"D", "A"}, map[string]string{"A": "2026-11-20T15:00:00Z", "D": "2026-11-20T15:08:00Z"}},
			{"agent", "?view=awaiting", []string{"B"}, nil},
			{"agent", "?view=breached", []string{"P"}, nil},
			{"agent", "?view=updated", []string{"P", "D", "B", "C", "A"}, nil},
			{"agent", "?view=mine&state=awaiting_customer", nil, nil},
			{"acme", "?view=waiting", []string{"A"}, map[string]string{"A": "2026-11-20T15:00:00Z"}},
			// The partner agent sees its customer's cases only, in every view.
			{"partner", "?view=mine", []string{"D"}, nil},
			{"partner", "?view=unassigned", nil, nil},
			{"partner", "?view=waiting", []string{"D"}, map[string]string{"D": "2026-11-20T15:08:00Z"}},
			{"partner", "?view=awaiting", nil, nil},
			{"partner", "?view=breached", nil, nil},
			{"partner", "?view=updated", []string{"D"}, nil},
		} {
			resp := f.do(c.as, "GET", "/api/v1/cases"+c.query, nil)
			if resp.status != http.StatusOK {
				t.Fatalf("%s %s: %d %s", c.as, c.query, resp.status, resp.body)
			}
			var l struct{ Items []caseView }
			resp.json(t, &l)
			var got []string
			waiting := map[string]string{}
			for _, v := range l.Items {
				got = append(got, name[v.ID])
				if v.WaitingSince != nil {
					waiting[name[v.ID]] = v.WaitingSince.Format(time.RFC3339)
				}
			}
			if !slices.Equal(got, c.want) {
				t.Errorf("%s lists %q: %v, want %v", c.as, c.query, got, c.want)
			}
			if c.waiting != nil && !maps.Equal(waiting, c.waiting) {
				t.Errorf("%s lists %q waiting since %v, want %v", c.as, c.query, waiting, c.waiting)
			}
		}
		resp := f.do("agent", "GET", "/api/v1/cases?view=everything", nil)
		if resp.status != http.StatusBadRequest || !strings.Contains(resp.body, `"field":"view"`) {
			t.Errorf("unknown view: %d %s, want 400 naming view", resp.status, short(resp.body))
		}
	})
}
