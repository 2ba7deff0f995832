package api

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"accord/internal/accord"
	"accord/internal/cases"
	"accord/internal/directory"
	"accord/internal/store"
	"accord/internal/store/dbtest"
)

// threeLanguages is a macro with a text in each language and every
// placeholder.
var threeLanguages = map[string]any{
	"name": "logs",
	"bodies": map[string]string{
		"en-US": "Hello {{contact}} ({{customer}}), about {{case_number}}: please send the logs. Due {{due_time}}. {{agent}}",
		"pt-BR": "Olá {{contact}} ({{customer}}), sobre o {{case_number}}: envie os logs, por favor. Prazo {{due_time}}. {{agent}}",
		"es-ES": "Hola {{contact}} ({{customer}}), sobre el {{case_number}}: envíe los registros, por favor. Plazo {{due_time}}. {{agent}}",
	},
	"actions": map[string]any{"state": "awaiting_customer", "kb_url": "https://kb.example/logs", "assign": "me"},
}

type appliedBody struct {
	Rendered struct {
		Locale, Wanted, Body string
		FellBack             bool `json:"fell_back"`
	}
	Case  cases.Case
	Steps []struct {
		Action string
		OK     bool
		Error  *cases.Refusal
	}
}

// TestMacroAnswersInTheCustomersLanguage: the contact who opened the case
// reads the macro in pt-BR, with the placeholders filled in and the due
// time in the contact's zone; the actions are applied (assigned to the
// agent, information requested with the KB article) and macro.apply names
// the macro. A Spanish contact whose language the macro lacks reads en-US,
// and the answer says so.
func TestMacroAnswersInTheCustomersLanguage(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, open func(testing.TB) *store.DB) {
		f := newFixture(t, open)
		ctx := accord.WithActor(context.Background(), accord.SystemActor("test"))
		pt, sp := "pt-BR", "America/Sao_Paulo"
		if _, err := f.dir.UpdateUser(ctx, f.now, f.users["acme"].ID, directory.UserUpdate{Locale: &pt, TimeZone: &sp}); err != nil {
			t.Fatal(err)
		}
		r := f.do("agent", "POST", "/api/v1/macros", threeLanguages)
		if r.status != http.StatusCreated {
			t.Fatalf("create: %d %s", r.status, r.body)
		}
		var m struct{ ID accord.ID }
		r.json(t, &m)
		kase, err := f.cases.Open(f.actor("acme"), f.now, cases.NewCase{Type: cases.Question, Title: "Backups", Description: "How?"})
		if err != nil {
			t.Fatal(err)
		}
		r = f.do("agent", "POST", "/api/v1/cases/"+string(kase.ID)+"/macros/"+string(m.ID)+"/apply", nil)
		if r.status != http.StatusOK {
			t.Fatalf("apply: %d %s", r.status, r.body)
		}
		var ap appliedBody
		r.json(t, &ap)
		due := kase.Clock.DueAt.In(mustZone(sp)).Format("02/01/2006 15:04 MST")
		want := "Olá User acme (Acme Bank), sobre o #" + strconv.FormatInt(kase.Number, 10) + ": envie os logs, por favor. Prazo " + due + ". User agent"
		if ap.Rendered.Locale != "pt-BR" || ap.Rendered.FellBack || ap.Rendered.Body != want {
			t.Errorf("rendered %+v, want pt-BR %q", ap.Rendered, want)
		}
		if ap.Case.AssigneeID != f.users["agent"].ID || ap.Case.State != cases.AwaitingCustomer {
			t.Errorf("case after the macro: assignee %s, state %s; want the agent's and awaiting_customer", ap.Case.AssigneeID, ap.Case.State)
		}
		if len(ap.Steps) != 2 || ap.Steps[0].Action != "assign" || ap.Steps[1].Action != "reply" || !ap.Steps[0].OK || !ap.Steps[1].OK {
			t.Errorf("steps %+v", ap.Steps)
		}
		timeline, _ := f.cases.Timeline(f.actor("agent"), f.now, kase.ID)
		var reply cases.Entry
		for _, e := range timeline {
			if e.Kind == cases.Reply {
				reply = e
			}
		}
		if reply.Body != want || !reply.Data.RequestInformation || len(reply.Data.References) != 1 || reply.Data.References[0].Value != "https://kb.example/logs" {
			t.Errorf("reply %+v: want the Portuguese text requesting information with the KB article", reply)
		}
		found := false
		for _, e := range f.events() {
			if e.Action == "macro.apply" && e.EntityID == kase.ID {
				found = strings.Contains(fmt.Sprint(e.Changes), "logs") && strings.Contains(fmt.Sprint(e.Changes), "pt-BR")
			}
		}
		if !found {
			t.Error("no macro.apply event naming the macro and the language")
		}

		// A Spanish contact, and a macro without Spanish text.
		es := "es-ES"
		if _, err := f.dir.UpdateUser(ctx, f.now, f.users["globex"].ID, directory.UserUpdate{Locale: &es}); err != nil {
			t.Fatal(err)
		}
		r = f.do("agent", "POST", "/api/v1/macros", map[string]any{"name": "thanks", "bodies": map[string]string{"en-US": "Thanks, {{contact}}.", "pt-BR": "Obrigado, {{contact}}."}})
		r.json(t, &m)
		gk, err := f.cases.Open(f.actor("globex"), f.now, cases.NewCase{Type: cases.Question, Title: "Licencias", Description: "¿Cuántas?"})
		if err != nil {
			t.Fatal(err)
		}
		r = f.do("agent", "POST", "/api/v1/cases/"+string(gk.ID)+"/macros/"+string(m.ID)+"/preview", nil)
		var pv struct {
			Locale, Wanted, Body string
			FellBack             bool `json:"fell_back"`
		}
		r.json(t, &pv)
		if pv.Locale != "en-US" || pv.Wanted != "es-ES" || !pv.FellBack || pv.Body != "Thanks, User globex." {
			t.Errorf("preview for a Spanish contact = %+v, want the en-US text marked as a fallback", pv)
		}
	})
}

// TestMacroRefusals: unknown placeholders name the body and the
// placeholder; shared macros are for administrators; nobody else's personal
// macro is visible, a partner's agent sees none of the vendor's; a macro
// whose first step is refused changes nothing.
func TestMacroRefusals(t *testing.T) {
	f := newFixture(t, dbtest.SQLite)
	r := f.do("agent", "POST", "/api/v1/macros", map[string]any{"name": "x", "bodies": map[string]string{"en-US": "Hi", "pt-BR": "Olá {{cliente}}"}})
	if r.status != http.StatusBadRequest || !strings.Contains(r.body, `"field":"bodies.pt-BR"`) || !strings.Contains(r.body, "{{cliente}}") {
		t.Errorf("unknown placeholder: %d %s", r.status, r.body)
	}
	r = f.do("agent", "POST", "/api/v1/macros", map[string]any{"name": "x", "shared": true, "bodies": map[string]string{"en-US": "Hi"}})
	if r.status != http.StatusForbidden {
		t.Errorf("an agent's shared macro: %d %s", r.status, r.body)
	}
	r = f.do("admin", "POST", "/api/v1/macros", map[string]any{"name": "shared", "shared": true, "bodies": map[string]string{"en-US": "Hi all"}})
	if r.status != http.StatusCreated {
		t.Fatalf("an admin's shared macro: %d %s", r.status, r.body)
	}
	var shared struct{ ID accord.ID }
	r.json(t, &shared)
	r = f.do("agent", "POST", "/api/v1/macros", map[string]any{"name": "mine", "bodies": map[string]string{"en-US": "Agent's own words"}, "actions": map[string]any{"state": "resolved"}})
	var mine struct{ ID accord.ID }
	r.json(t, &mine)
	for _, tc := range []struct {
		as, method, path string
		want             int
	}{
		{"admin", "GET", "/api/v1/macros/" + string(mine.ID), http.StatusNotFound},
		{"admin", "PUT", "/api/v1/macros/" + string(mine.ID), http.StatusNotFound},
		{"partner", "GET", "/api/v1/macros/" + string(mine.ID), http.StatusNotFound},
		{"partner", "GET", "/api/v1/macros/" + string(shared.ID), http.StatusNotFound},
		{"partner", "DELETE", "/api/v1/macros/" + string(shared.ID), http.StatusNotFound},
		{"agent", "GET", "/api/v1/macros/" + string(shared.ID), http.StatusOK},
		{"agent", "DELETE", "/api/v1/macros/" + string(shared.ID), http.StatusForbidden},
		{"acme", "GET", "/api/v1/macros", http.StatusForbidden},
		{"auditor", "GET", "/api/v1/macros", http.StatusForbidden},
	} {
		var body any
		if tc.method == "PUT" {
			body = map[string]any{"name": "hijack", "bodies": map[string]string{"en-US": "x"}}
		}
		if r := f.do(tc.as, tc.method, tc.path, body); r.status != tc.want || strings.Contains(r.body, "Agent's own words") && tc.want != http.StatusOK {
			t.Errorf("%s %s %s: %d %s, want %d", tc.as, tc.method, tc.path, r.status, short(r.body), tc.want)
		}
	}
	r = f.do("partner", "GET", "/api/v1/macros", nil)
	if r.status != http.StatusOK || strings.Contains(r.body, "Hi all") || strings.Contains(r.body, "Agent's own words") {
		t.Errorf("the partner's agent lists %d %s", r.status, r.body)
	}
	r = f.do("agent", "GET", "/api/v1/macros", nil)
	if !strings.Contains(r.body, "Hi all") || !strings.Contains(r.body, "Agent's own words") {
		t.Errorf("the agent lists %s, want the shared macro and its own", r.body)
	}

	kase, err := f.cases.Open(f.actor("acme"), f.now, cases.NewCase{Type: cases.Question, Title: "Q", Description: "?"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.cases.Resolve(f.actor("agent"), f.now, kase.ID, "done"); err != nil {
		t.Fatal(err)
	}
	before := len(f.events())
	r = f.do("agent", "POST", "/api/v1/cases/"+string(kase.ID)+"/macros/"+string(mine.ID)+"/apply", nil)
	if r.status != http.StatusConflict || !strings.Contains(r.body, "already resolved") {
		t.Errorf("resolving a resolved case by macro: %d %s", r.status, r.body)
	}
	if after := len(f.events()); after != before {
		t.Errorf("a refused macro wrote %d audit events", after-before)
	}
}

// TestBulkEachCaseAnswersOnItsOwn: resolving three cases where one is
// already resolved resolves the two others and says why the third
// refused; a case out of the caller's scope answers not_found like a
// missing one.
func TestBulkEachCaseAnswersOnItsOwn(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, open func(testing.TB) *store.DB) {
		f := newFixture(t, open)
		var ids []accord.ID
		for _, title := range []string{"One", "Two", "Three"} {
			c, err := f.cases.Open(f.actor("globex"), f.now, cases.NewCase{Type: cases.Question, Title: title, Description: "?"})
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, c.ID)
		}
		if _, err := f.cases.Resolve(f.actor("agent"), f.now, ids[1], "earlier"); err != nil {
			t.Fatal(err)
		}
		acme, err := f.cases.Open(f.actor("acme"), f.now, cases.NewCase{Type: cases.Question, Title: "Acme only", Description: "?"})
		if err != nil {
			t.Fatal(err)
		}
		r := f.do("agent", "POST", "/api/v1/cases/bulk", map[string]any{"action": "resolve", "case_ids": ids, "summary": "Fixed in 4.2"})
		if r.status != http.StatusOK {
			t.Fatalf("bulk: %d %s", r.status, r.body)
		}
		var out struct{ Results []cases.Outcome }
		r.json(t, &out)
		if len(out.Results) != 3 || !out.Results[0].OK || out.Results[1].OK || !out.Results[2].OK ||
			out.Results[1].Error == nil || out.Results[1].Error.Kind != accord.Conflict || !strings.Contains(out.Results[1].Error.Message, "already resolved") {
			t.Fatalf("results %+v: want the first and third resolved, the second refused as already resolved", out.Results)
		}
		for _, i := range []int{0, 2} {
			if c, _ := f.cases.Get(f.actor("agent"), f.now, ids[i]); c.State != cases.Resolved {
				t.Errorf("case %d is %s", i, c.State)
			}
		}

		// The partner serves Globex, not Acme.
		r = f.do("partner", "POST", "/api/v1/cases/bulk", map[string]any{"action": "note", "case_ids": []accord.ID{ids[0], acme.ID, "cas_00000000000000000000000000"}, "body": "seen"})
		out.Results = nil
		r.json(t, &out)
		if !out.Results[0].OK || out.Results[1].OK || out.Results[1].Error.Kind != accord.NotFound || out.Results[1].Number != 0 ||
			out.Results[2].Error.Kind != accord.NotFound || out.Results[1].Error.Message != out.Results[2].Error.Message || strings.Contains(r.body, "Acme") {
			t.Errorf("partner's bulk: %s; want a foreign case answered exactly as a missing one", r.body)
		}
		for _, tc := range []struct {
			body  map[string]any
			field string
		}{
			{map[string]any{"action": "close", "case_ids": ids}, "action"},
			{map[string]any{"action": "note", "case_ids": []accord.ID{}}, "case_ids"},
			{map[string]any{"action": "note", "case_ids": []accord.ID{ids[0], ids[0]}, "body": "x"}, "case_ids[1]"},
		} {
			if r := f.do("agent", "POST", "/api/v1/cases/bulk", tc.body); r.status != http.StatusBadRequest || !strings.Contains(r.body, `"field":"`+tc.field+`"`) {
				t.Errorf("bulk %v: %d %s, want 400 on %s", tc.body, r.status, r.body, tc.field)
			}
		}
		if r := f.do("acme", "POST", "/api/v1/cases/bulk", map[string]any{"action": "note", "case_ids": []accord.ID{acme.ID}, "body": "x"}); r.status != http.StatusForbidden {
			t.Errorf("a customer's bulk: %d", r.status)
		}
	})
}

// TestMacroHoldAndPartnerShared: a hold macro replies and then holds the
// case with its reason; PUT replaces a macro; the vendor's administrator
// keeps the shared macros of a partner organization, which the partner's
// agents then use and the vendor's agents do not see.
func TestMacroHoldAndPartnerShared(t *testing.T) {
	f := newFixture(t, dbtest.SQLite)
	r := f.do("agent", "POST", "/api/v1/macros", map[string]any{"name": "window", "bodies": map[string]string{"en-US": "We wait for your window."},
		"actions": map[string]any{"hold_reason": "the customer's maintenance window"}})
	var m struct{ ID accord.ID }
	r.json(t, &m)
	kase, err := f.cases.Open(f.actor("acme"), f.now, cases.NewCase{Type: cases.Question, Title: "Upgrade", Description: "When?"})
	if err != nil {
		t.Fatal(err)
	}
	r = f.do("agent", "POST", "/api/v1/cases/"+string(kase.ID)+"/macros/"+string(m.ID)+"/apply", map[string]string{"body": "We wait for your window, edited."})
	var ap appliedBody
	r.json(t, &ap)
	if r.status != http.StatusOK || ap.Case.State != cases.AwaitingCustomer || len(ap.Steps) != 2 || ap.Steps[1].Action != "hold" || !ap.Steps[1].OK {
		t.Fatalf("hold macro: %d %s", r.status, r.body)
	}
	timeline, _ := f.cases.Timeline(f.actor("agent"), f.now, kase.ID)
	var sawReply, sawHold bool
	for _, e := range timeline {
		sawReply = sawReply || (e.Kind == cases.Reply && e.Body == "We wait for your window, edited.")
		sawHold = sawHold || (e.Data.Hold && e.Data.Reason == "the customer's maintenance window")
	}
	if !sawReply || !sawHold {
		t.Errorf("timeline: reply %v, hold %v", sawReply, sawHold)
	}
	// A second application: the reply goes out, the hold is refused (the
	// case already waits), and the answer says so step by step.
	r = f.do("agent", "POST", "/api/v1/cases/"+string(kase.ID)+"/macros/"+string(m.ID)+"/apply", nil)
	ap = appliedBody{}
	r.json(t, &ap)
	if r.status != http.StatusOK || len(ap.Steps) != 2 || !ap.Steps[0].OK || ap.Steps[1].OK || ap.Steps[1].Error.Kind != accord.Conflict {
		t.Errorf("a hold on a waiting case: %d %s", r.status, r.body)
	}

	r = f.do("agent", "PUT", "/api/v1/macros/"+string(m.ID), map[string]any{"name": "window-2", "bodies": map[string]string{"en-US": "Hold on."}})
	if r.status != http.StatusOK || !strings.Contains(r.body, `"name":"window-2"`) || strings.Contains(r.body, "hold_reason") {
		t.Errorf("PUT: %d %s", r.status, r.body)
	}
	if r := f.do("agent", "PUT", "/api/v1/macros/"+string(m.ID), map[string]any{"name": "x", "shared": true, "bodies": map[string]string{"en-US": "x"}}); r.status != http.StatusBadRequest {
		t.Errorf("a personal macro made shared: %d %s", r.status, r.body)
	}

	partner := string(f.orgs["partner"].ID)
	r = f.do("admin", "POST", "/api/v1/macros", map[string]any{"name": "southwind", "shared": true, "org_id": partner, "bodies": map[string]string{"en-US": "Southwind answers."}})
	if r.status != http.StatusCreated {
		t.Fatalf("a partner's shared macro: %d %s", r.status, r.body)
	}
	if r := f.do("admin", "GET", "/api/v1/macros?org_id="+partner, nil); !strings.Contains(r.body, "Southwind answers.") {
		t.Errorf("the admin does not list the partner's macros: %s", r.body)
	}
	if r := f.do("partner", "GET", "/api/v1/macros", nil); !strings.Contains(r.body, "Southwind answers.") {
		t.Errorf("the partner's agent does not see its shared macro: %s", r.body)
	}
	if r := f.do("agent", "GET", "/api/v1/macros", nil); strings.Contains(r.body, "Southwind answers.") {
		t.Errorf("the vendor's agent sees the partner's macro: %s", r.body)
	}
	if r := f.do("admin", "POST", "/api/v1/macros", map[string]any{"name": "acme", "shared": true, "org_id": string(f.orgs["acme"].ID), "bodies": map[string]string{"en-US": "x"}}); r.status != http.StatusBadRequest || !strings.Contains(r.body, `"field":"org_id"`) {
		t.Errorf("a customer's shared macro: %d %s", r.status, r.body)
	}
}

// TestPreferences: shortcuts are on until the user turns them off, for
// that user alone.
func TestPreferences(t *testing.T) {
	f := newFixture(t, dbtest.SQLite)
	if r := f.do("agent", "GET", "/api/v1/me/preferences", nil); r.status != http.StatusOK || !strings.Contains(r.body, `"shortcuts":true`) {
		t.Errorf("a new user's preferences: %d %s", r.status, r.body)
	}
	if r := f.do("agent", "PUT", "/api/v1/me/preferences", map[string]bool{"shortcuts": false}); r.status != http.StatusOK {
		t.Fatalf("turn shortcuts off: %d %s", r.status, r.body)
	}
	if r := f.do("agent", "GET", "/api/v1/me/preferences", nil); !strings.Contains(r.body, `"shortcuts":false`) {
		t.Errorf("after turning them off: %s", r.body)
	}
	if r := f.do("admin", "GET", "/api/v1/me/preferences", nil); !strings.Contains(r.body, `"shortcuts":true`) {
		t.Errorf("another user's: %s", r.body)
	}
	if r := f.do("agent", "PUT", "/api/v1/me/preferences", `{"shortcuts":"no"}`); r.status != http.StatusBadRequest {
		t.Errorf("a wrong type: %d %s", r.status, r.body)
	}
}

// TestMacroAssignsOnlyToColleagues: a macro's assignment names someone who
// can take the cases of its organization (an active agent of it, or "me");
// a partner's agent, a customer contact or an unknown id is refused when
// the macro is saved, in the same words, rather than stored to fail on
// every use.
func TestMacroAssignsOnlyToColleagues(t *testing.T) {
	f := newFixture(t, dbtest.SQLite)
	for _, who := range []string{"partner", "acme", "nobody"} {
		id := accord.NewID("usr")
		if u, ok := f.users[who]; ok {
			id = u.ID
		}
		r := f.do("agent", "POST", "/api/v1/macros", map[string]any{"name": "give-" + who, "bodies": map[string]string{"en-US": "Hi"}, "actions": map[string]any{"assign": id}})
		if r.status != http.StatusBadRequest || !strings.Contains(r.body, `"field":"actions.assign"`) {
			t.Errorf("assigning to %s: %d %s", who, r.status, r.body)
		}
	}
	for _, to := range []accord.ID{f.users["admin"].ID, "me"} {
		r := f.do("agent", "POST", "/api/v1/macros", map[string]any{"name": "give-" + strings.ToLower(string(to))[:2], "bodies": map[string]string{"en-US": "Hi"}, "actions": map[string]any{"assign": to}})
		if r.status != http.StatusCreated {
			t.Errorf("assigning to %s: %d %s", to, r.status, r.body)
		}
	}
}

// TestBulkRefusesMissingText: a bulk hold, resolution or note without its
// text is one refusal of the request naming the field (400), not the same
// refusal repeated for every case, and touches no case.
func TestBulkRefusesMissingText(t *testing.T) {
	f := newFixture(t, dbtest.SQLite)
	c, err := f.cases.Open(f.actor("globex"), f.now, cases.NewCase{Type: cases.Question, Title: "One", Description: "?"})
	if err != nil {
		t.Fatal(err)
	}
	for action, field := range map[string]string{"hold": "reason", "resolve": "summary", "note": "body"} {
		r := f.do("agent", "POST", "/api/v1/cases/bulk", map[string]any{"action": action, "case_ids": []accord.ID{c.ID}, field: "  "})
		if r.status != http.StatusBadRequest || !strings.Contains(r.body, `"field":"`+field+`"`) || strings.Contains(r.body, "results") {
			t.Errorf("bulk %s without %s: %d %s", action, field, r.status, r.body)
		}
	}
}
