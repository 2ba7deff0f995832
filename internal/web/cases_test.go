package web

import (
	"bytes"
	"fmt"
	"html"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"accord/internal/accord"
	"accord/internal/cases"
	"accord/internal/directory"
	"accord/internal/sla"
	"accord/internal/store/dbtest"
)

// openIncident opens a C2 incident for Acme as its contact, through the
// service, the way the form does.
func (f *fixture) openIncident(title string) cases.Case {
	f.t.Helper()
	c, err := f.cases.Open(f.as("acme"), f.now, cases.NewCase{Type: cases.Incident, Title: title,
		Description: "The vault **rejects** every sign-in since the update.",
		Details: cases.Details{Criticality: sla.C2, Procedure: "Sign in with SSO", Version: "12.4.1",
			Observed: "Error 500", Expected: "The dashboard", Discovery: "Users called the help desk"}})
	if err != nil {
		f.t.Fatal(err)
	}
	return c
}

// later moves the fixture's clock on, so that entries read in order.
func (f *fixture) later(d time.Duration) { f.now = f.now.Add(d) }

// must fails the test unless a form post was accepted (303 back to the case).
func mustPost(t *testing.T, r response, what string) {
	t.Helper()
	if r.status != http.StatusSeeOther {
		t.Fatalf("%s: %d %s", what, r.status, r.body)
	}
}

func TestNewCaseForm(t *testing.T) {
	f := newFixture(t, dbtest.SQLite)
	body := f.page("acme", "/cases/new")
	golden(t, "case_new", body)
	for _, want := range []string{`id="phone-notice"`, "Applies to C1 Urgent, C2 High cases:", "11 3069-3932",
		`name="details.customer_criticality" value="C1"`, "Production is down", `name="title"`, "Markdown is allowed"} {
		if !strings.Contains(body, want) {
			t.Errorf("the new-case form lacks %s", want)
		}
	}
	for _, absent := range []string{`name="org_id"`, `name="channel"`, `name="call.caller"`} {
		if strings.Contains(body, absent) {
			t.Errorf("a customer is offered %s", absent)
		}
	}
	agent := f.page("agent", "/cases/new")
	for _, want := range []string{`name="org_id"`, "Acme Bank", `name="channel"`, `name="call.at" type="datetime-local"`, `name="criticality"`} {
		if !strings.Contains(agent, want) {
			t.Errorf("the agent's form lacks %s", want)
		}
	}
	if pt := f.page("acme-admin", "/cases/new"); !strings.Contains(pt, "Abrir um chamado") || !strings.Contains(pt, "Vale para chamados C1 Urgente, C2 Alta:") {
		t.Error("the form is not in the reader's language")
	}
}

var casePathPattern = regexp.MustCompile(`^/cases/(cas_[0-9a-z]{26})$`)

func TestOpenCase(t *testing.T) {
	engines(t, func(t *testing.T, f *fixture) {
		form := url.Values{"type": {"incident"}, "title": {"Vault refuses sign-in"}, "description": {"Since **12.4.1**"},
			"details.customer_criticality": {"C2"}, "details.version": {"12.4.1"}, "details.procedure": {"SSO sign-in"},
			"details.observed": {"Error 500"}, "details.expected": {"The dashboard"}, "details.discovery": {"Help desk calls"}}
		r := f.post("acme", "/cases/new", form)
		m := casePathPattern.FindStringSubmatch(r.location)
		if r.status != http.StatusSeeOther || m == nil {
			t.Fatalf("open: %d to %q %s", r.status, r.location, r.body)
		}
		if r.cookies[flashCookie] != "case.flash.opened" {
			t.Errorf("no notice after opening: %v", r.cookies)
		}
		c, err := f.cases.Get(f.as("acme"), f.now, accord.ID(m[1]))
		if err != nil || c.Criticality != sla.C2 || c.Details.Version != "12.4.1" || c.Clock.Channel != sla.Portal {
			t.Fatalf("the case opened is %+v, %v", c, err)
		}
		page := f.page("acme", r.location)
		for _, want := range []string{`class="due`, "Vault refuses sign-in", `<strong>12.4.1</strong>`, `id="phone-notice"`, "Why this due time?"} {
			if !strings.Contains(page, want) {
				t.Errorf("the new case's page lacks %s", want)
			}
		}
		list := f.page("acme", "/cases")
		if !strings.Contains(list, `href="/cases/`+m[1]+`">#`) || strings.Contains(list, "<th scope=\"col\">Organization") {
			t.Errorf("the customer's list does not show the case, or shows the organization column")
		}
		if agent := f.page("agent", "/cases?q=vault&criticality=C2"); !strings.Contains(agent, "Vault refuses sign-in") || !strings.Contains(agent, "Acme Bank") {
			t.Errorf("the agent's filtered list lacks the case or its organization")
		}
		if other := f.page("agent", "/cases?criticality=C1"); strings.Contains(other, "Vault refuses sign-in") {
			t.Errorf("the criticality filter lets a C2 case through")
		}
		if globex := f.page("globex", "/cases"); strings.Contains(globex, "Vault refuses sign-in") {
			t.Errorf("another customer's list shows Acme's case")
		}

		delete(form, "title")
		form.Set("description", "kept <as typed>")
		bad := f.post("acme", "/cases/new", form)
		if bad.status != http.StatusUnprocessableEntity {
			t.Fatalf("without a title: %d", bad.status)
		}
		for _, want := range []string{`id="f-title"`, `aria-invalid="true"`, "is required", "kept &lt;as typed&gt;", `value="C2" checked`} {
			if !strings.Contains(bad.body, want) {
				t.Errorf("the form shown again lacks %s", want)
			}
		}
	})
}

func TestOpenCaseByPhone(t *testing.T) {
	f := newFixture(t, dbtest.SQLite)
	form := url.Values{"org_id": {string(f.orgs["acme"].ID)}, "type": {"question"}, "title": {"How do I rotate keys?"},
		"description": {"Asked on the phone"}, "criticality": {"C3"}, "channel": {"phone"},
		"call.caller": {"Ana"}, "call.number": {"+55 11 5555-0000"}, "call.at": {"2026-11-20T09:50"}}
	r := f.post("agent", "/cases/new", form)
	m := casePathPattern.FindStringSubmatch(r.location)
	if m == nil {
		t.Fatalf("open by phone: %d %s", r.status, r.body)
	}
	c, err := f.cases.Get(f.as("agent"), f.now, accord.ID(m[1]))
	// The agent is in New York: 09:50 there is 14:50 UTC.
	if err != nil || c.Clock.Channel != sla.Phone || c.Criticality != sla.C3 || c.Clock.PhoneAt == nil ||
		!c.Clock.PhoneAt.Equal(time.Date(2026, 11, 20, 14, 50, 0, 0, time.UTC)) {
		t.Fatalf("the phone case is %+v, %v", c, err)
	}
	form.Set("call.at", "yesterday")
	if bad := f.post("agent", "/cases/new", form); bad.status != http.StatusUnprocessableEntity || !strings.Contains(bad.body, `id="f-call.at"`) ||
		!strings.Contains(bad.body, `value="yesterday"`) {
		t.Errorf("a call time that is not one: %d", bad.status)
	}
	form.Del("call.caller")
	form.Del("call.number")
	form.Del("call.at")
	if bad := f.post("agent", "/cases/new", form); bad.status != http.StatusUnprocessableEntity || !strings.Contains(bad.body, "is required for a phone case") {
		t.Errorf("a phone case without its call: %d", bad.status)
	}
	if r := f.post("acme", "/cases/new", url.Values{"type": {"question"}, "title": {"x"}, "description": {"y"}, "channel": {"phone"}}); r.status != http.StatusUnprocessableEntity {
		t.Errorf("a customer records a phone case: %d", r.status)
	}
}

func TestCasePages(t *testing.T) {
	f := newFixture(t, dbtest.SQLite)
	c := f.openIncident("Vault refuses sign-in")
	f.later(10 * time.Minute)
	if _, err := f.cases.Reply(f.as("agent"), f.now, c.ID, cases.NewReply{Body: "Please send the **server log**.",
		RequestInformation: true, References: []cases.Reference{{Kind: cases.KnowledgeBase, Value: "https://kb.example/sso"},
			{Kind: cases.LogRequest, Value: "vault.log of the last hour"}}}); err != nil {
		t.Fatal(err)
	}
	f.later(time.Minute)
	if _, err := f.cases.Reply(f.as("agent"), f.now, c.ID, cases.NewReply{Body: "Looks like the SSO certificate expired.", Internal: true}); err != nil {
		t.Fatal(err)
	}
	f.later(time.Minute)
	if _, err := f.cases.Reclassify(f.as("agent"), f.now, c.ID, cases.Reclassification{Criticality: sla.C1, Reason: "Nobody can sign in"}); err != nil {
		t.Fatal(err)
	}
	f.later(time.Minute)
	if _, _, err := f.cases.Attach(f.as("acme"), f.now, c.ID, cases.NewFile{Name: "vault.log", Content: []byte("2026-11-20 error 500\n")}); err != nil {
		t.Fatal(err)
	}
	f.later(time.Minute)
	if _, err := f.cases.ProposeSession(f.as("agent"), f.now, c.ID, cases.SessionProposal{StartsAt: f.now.Add(2 * time.Hour), Minutes: 20}); err != nil {
		t.Fatal(err)
	}
	f.later(time.Minute)
	path := "/cases/" + string(c.ID)

	customer := f.page("acme", path)
	golden(t, "case_customer", customer)
	agent := f.page("agent", path)
	golden(t, "case_agent", agent)

	for _, want := range []string{"Nobody can sign in", `href="https://kb.example/sso"`, "Information requested", "vault.log",
		"/decision", `name="remote_control"`, `action="` + path + `/reply"`, `action="` + path + `/files"`} {
		if !strings.Contains(customer, want) {
			t.Errorf("the customer's page lacks %s", want)
		}
	}
	for _, absent := range []string{"SSO certificate expired", `action="` + path + `/reclassify"`, `action="` + path + `/resolve"`,
		`name="internal"`, `action="` + path + `/calls"`} {
		if strings.Contains(customer, absent) {
			t.Errorf("the customer's page shows %s", absent)
		}
	}
	for _, want := range []string{"SSO certificate expired", `class="entry-note internal"`, `action="` + path + `/reclassify"`,
		`name="criticality"`, `name="reason"`, `action="` + path + `/calls"`, `action="` + path + `/assign"`, `name="internal"`} {
		if !strings.Contains(agent, want) {
			t.Errorf("the agent's page lacks %s", want)
		}
	}
	auditor := f.page("auditor", path)
	if strings.Contains(auditor, `<form method="post" action="/cases/`) || !strings.Contains(auditor, "SSO certificate expired") {
		t.Error("the auditor is offered a form, or does not read the internal note")
	}
	if r := f.get("globex", path); r.status != http.StatusNotFound {
		t.Errorf("another customer reads the case: %d", r.status)
	}
	if r := f.post("globex", path+"/reply", url.Values{"body": {"hi"}}); r.status != http.StatusNotFound {
		t.Errorf("another customer replies to the case: %d", r.status)
	}
}

func TestCaseWork(t *testing.T) {
	engines(t, func(t *testing.T, f *fixture) {
		c := f.openIncident("Vault refuses sign-in")
		path := "/cases/" + string(c.ID)

		f.later(5 * time.Minute)
		noReason := f.post("agent", path+"/reclassify", url.Values{"criticality": {"C1"}, "reason": {""}})
		if noReason.status != http.StatusUnprocessableEntity || !strings.Contains(noReason.body, `id="f-reason"`) ||
			!strings.Contains(noReason.body, "is required") || !strings.Contains(noReason.body, `<details class="action" open>`) {
			t.Fatalf("reclassify without a reason: %d", noReason.status)
		}
		mustPost(t, f.post("agent", path+"/reclassify", url.Values{"criticality": {"C1"}, "reason": {"Production is down"}}), "reclassify")
		if got, _ := f.cases.Get(f.as("agent"), f.now, c.ID); got.Criticality != sla.C1 {
			t.Fatalf("the case is %s after reclassifying", got.Criticality)
		}
		if page := f.page("acme", path); !strings.Contains(page, "Production is down") {
			t.Error("the customer does not see the reason of the reclassification")
		}
		refused := f.post("acme", path+"/reclassify", url.Values{"criticality": {"C4"}, "reason": {"Not so bad"}})
		if refused.status != http.StatusForbidden || !strings.Contains(refused.body, `class="alert"`) {
			t.Errorf("a customer reclassifies: %d", refused.status)
		}

		f.later(time.Minute)
		mustPost(t, f.post("agent", path+"/reply", url.Values{"body": {"Checking the certificate store."}, "internal": {"true"}}), "note")
		if page := f.page("acme", path); strings.Contains(page, "Checking the certificate store") {
			t.Error("the customer reads an internal note")
		}
		badRef := f.post("agent", path+"/reply", url.Values{"body": {"See this"}, "references[0].value": {""},
			"references[1].kind": {"kb_article"}, "references[1].value": {"not a link"}})
		if badRef.status != http.StatusUnprocessableEntity || !strings.Contains(badRef.body, `id="f-references[0].value"`) ||
			!strings.Contains(badRef.body, `value="not a link"`) {
			t.Errorf("a bad reference: %d", badRef.status)
		}

		f.later(time.Minute)
		mustPost(t, f.post("acme", path+"/reply", url.Values{"body": {"Hello <script>alert(1)</script> **bold** [x](javascript:alert(2))"}}), "customer reply")
		page := f.page("agent", path)
		if strings.Contains(page, "<script>alert") || strings.Contains(page, "javascript:alert") || !strings.Contains(page, "<strong>bold</strong>") {
			t.Error("Markdown in a reply is not sanitized")
		}

		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		fw, _ := mw.CreateFormFile("file", "trace.txt")
		fw.Write([]byte("a trace of the failure\n"))
		mw.Close()
		mustPost(t, f.do("acme", "POST", path+"/files", &body, mw.FormDataContentType()), "attach")
		page = f.page("acme", path)
		link := regexp.MustCompile(`href="(/api/v1/cases/` + string(c.ID) + `/files/fil_[0-9a-z]{26})"`).FindStringSubmatch(page)
		if link == nil || !strings.Contains(page, "trace.txt") {
			t.Fatal("the attachment has no download link")
		}
		if dl := f.get("acme", link[1]); dl.status != http.StatusOK || dl.body != "a trace of the failure\n" {
			t.Errorf("download: %d %q", dl.status, dl.body)
		}
		empty := f.do("acme", "POST", path+"/files", strings.NewReader(""), "application/x-www-form-urlencoded")
		if empty.status != http.StatusUnprocessableEntity || !strings.Contains(empty.body, "choose a file") {
			t.Errorf("attach without a file: %d", empty.status)
		}

		f.later(time.Minute)
		if strings.Contains(f.page("acme", path), `action="`+path+`/confirm"`) {
			t.Error("the customer may confirm an unresolved case")
		}
		mustPost(t, f.post("agent", path+"/resolve", url.Values{"summary": {"Renewed the SSO certificate."}}), "resolve")
		if !strings.Contains(f.page("acme", path), `action="`+path+`/confirm"`) {
			t.Fatal("the customer is not offered to confirm the resolution")
		}
		mustPost(t, f.post("acme", path+"/confirm", nil), "confirm")
		if got, _ := f.cases.Get(f.as("acme"), f.now, c.ID); got.State != cases.Closed {
			t.Errorf("after confirming, the case is %s", got.State)
		}
		if closed := f.page("acme", path); strings.Contains(closed, `action="`+path+`/reply"`) {
			t.Error("a closed case still offers a reply")
		}
		// Accord's own reasons read in the reader's language (acme-admin
		// reads Portuguese); a person's reason stays as written.
		if closed := f.page("acme-admin", path); !strings.Contains(closed, "o cliente confirmou a solução") {
			t.Error("the closing reason is not translated")
		}
	})
}

func TestCaseSession(t *testing.T) {
	f := newFixture(t, dbtest.SQLite)
	c := f.openIncident("Slow vault")
	path := "/cases/" + string(c.ID)
	// The agent is in New York: 10:30 there is 15:30 UTC.
	mustPost(t, f.post("agent", path+"/sessions", url.Values{"starts_at": {"2026-11-20T10:30"}, "minutes": {"20"}}), "propose")
	tl, err := f.cases.Timeline(f.as("acme"), f.now, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	var proposal cases.Entry
	for _, e := range tl {
		if e.Kind == cases.RemoteSession {
			proposal = e
		}
	}
	if proposal.Data.Session == nil || !proposal.Data.Session.StartsAt.Equal(time.Date(2026, 11, 20, 15, 30, 0, 0, time.UTC)) {
		t.Fatalf("the proposal is %+v", proposal)
	}
	tooLong := f.post("agent", path+"/sessions", url.Values{"starts_at": {"2026-11-20T11:30"}, "minutes": {"45"}})
	if tooLong.status != http.StatusUnprocessableEntity || !strings.Contains(tooLong.body, `id="f-minutes"`) {
		t.Errorf("a 45-minute session: %d", tooLong.status)
	}
	mustPost(t, f.post("acme", path+"/sessions/"+string(proposal.ID)+"/decision",
		url.Values{"decision": {"accept"}, "remote_control": {"true"}}), "accept")
	page := f.page("acme", path)
	if !strings.Contains(page, "remote control allowed") || strings.Contains(page, "/decision") {
		t.Error("the accepted session is not shown as such, or may be decided again")
	}
}

func TestCaseListPages(t *testing.T) {
	f := newFixture(t, dbtest.SQLite)
	for i := range accord.DefaultLimit + 1 {
		f.openIncident(fmt.Sprintf("Case number %02d", i))
		f.later(time.Second)
	}
	first := f.page("agent", "/cases?type=incident")
	next := regexp.MustCompile(`<a href="([^"]+)" rel="next">`).FindStringSubmatch(first)
	if next == nil || strings.Contains(first, "Case number 00") || !strings.Contains(first, "Case number 50") {
		t.Fatal("the first page is not the newest 50 with a link to the next")
	}
	second := f.page("agent", html.UnescapeString(next[1]))
	if !strings.Contains(second, "Case number 00") || strings.Contains(second, "Case number 01") || strings.Contains(second, `rel="next"`) {
		t.Error("the second page is not the oldest case alone")
	}
	if !strings.Contains(second, `<option value="incident" selected>`) {
		t.Error("the next page forgets the filter")
	}
	bad := f.get("agent", "/cases?q="+strings.Repeat("x", 201))
	if bad.status != http.StatusUnprocessableEntity || !strings.Contains(bad.body, "at most 200 characters") {
		t.Errorf("a search too long: %d", bad.status)
	}
}

// An agent puts a case on hold from the case page; the customer's page
// shows the hold and its reason, in the reader's language, and an
// automatic closing says which rule of section 7.8 closed the case.
func TestCaseHoldAndAutoClose(t *testing.T) {
	engines(t, func(t *testing.T, f *fixture) {
		c := f.openIncident("Vault refuses sign-in")
		path := "/cases/" + string(c.ID)
		f.later(10 * time.Minute)
		if agent := f.page("agent", path); !strings.Contains(agent, `action="`+path+`/await-customer"`) {
			t.Fatal("the agent's page offers no hold")
		}
		if customer := f.page("acme", path); strings.Contains(customer, `action="`+path+`/await-customer"`) {
			t.Fatal("the customer's page offers a hold")
		}
		if r := f.post("agent", path+"/await-customer", url.Values{"reason": {""}}); r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, `aria-invalid="true"`) {
			t.Fatalf("a hold without a reason: %d", r.status)
		}
		mustPost(t, f.post("agent", path+"/await-customer", url.Values{"reason": {"Waiting for your maintenance window on Friday"}}), "hold")
		for as, want := range map[string]string{
			"acme":       "On hold, waiting for the customer",
			"acme-admin": "Em espera, aguardando o cliente",
			"agent":      "On hold, waiting for the customer",
		} {
			page := f.page(as, path)
			if !strings.Contains(page, want) || !strings.Contains(page, "Waiting for your maintenance window on Friday") {
				t.Errorf("%s's page does not show the hold and its reason (%q)", as, want)
			}
		}

		// Information requested and never given: closed after 15 business days.
		f.later(time.Minute)
		if _, err := f.cases.Reply(f.as("acme"), f.now, c.ID, cases.NewReply{Body: "Window over."}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.cases.Reply(f.as("agent"), f.now, c.ID, cases.NewReply{Body: "Please send the vault log.", RequestInformation: true}); err != nil {
			t.Fatal(err)
		}
		got, err := f.cases.Get(f.as("agent"), f.now, c.ID)
		if err != nil || got.AutoCloseAt == nil {
			t.Fatalf("no auto-close after the request: %v %+v", err, got)
		}
		f.now = *got.AutoCloseAt
		if err := f.cases.Fire(f.system(), f.now, cases.CloseTimer, c.ID); err != nil {
			t.Fatal(err)
		}
		for as, want := range map[string]string{
			"acme":       "the details or logs requested did not arrive within 15 business days (section 7.8 of the support policy)",
			"acme-admin": "os detalhes ou logs solicitados não chegaram em 15 dias úteis (seção 7.8 da política de suporte)",
		} {
			// Three weeks on, the sessions have expired: sign in again.
			resp := f.post("", "/login", url.Values{"email": {f.users[as].Email}, "password": {testPassword}})
			f.cookie[as] = resp.cookies[directory.SessionCookie]
			if page := f.page(as, path); !strings.Contains(html.UnescapeString(page), want) {
				t.Errorf("%s's page does not say which rule closed the case (%q)", as, want)
			}
		}
	})
}
