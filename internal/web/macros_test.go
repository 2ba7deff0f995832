package web

import (
	"net/url"
	"strings"
	"testing"

	"accord/internal/accord"
	"accord/internal/cases"
	"accord/internal/macros"
	"accord/internal/store/dbtest"
)

// TestMacroPickerWithoutScripts: the reply box's picker puts the macro,
// written in the customer's language, after what was typed, and says
// which language; sending the reply applies the macro's actions.
func TestMacroPickerWithoutScripts(t *testing.T) {
	engines(t, func(t *testing.T, f *fixture) {
		m, err := f.macros.Create(f.as("agent"), f.now, macros.NewMacro{Name: "logs",
			Bodies:  map[string]string{"en-US": "Please send the logs, {{contact}}.", "es-ES": "Envíe los registros, {{contact}}."},
			Actions: macros.Actions{State: macros.StateAwaiting, Assign: macros.AssignMe}})
		if err != nil {
			t.Fatal(err)
		}
		c, err := f.cases.Open(f.as("globex"), f.now, cases.NewCase{Type: cases.Question, Title: "Export", Description: "How?"})
		if err != nil {
			t.Fatal(err)
		}
		path := "/cases/" + string(c.ID)
		page := f.page("agent", path)
		if !strings.Contains(page, `<option value="`+string(m.ID)+`">logs</option>`) || !strings.Contains(page, `formaction="`+path+`/macros/insert"`) {
			t.Fatal("the reply box offers no macro picker")
		}
		r := f.post("agent", path+"/macros/insert", url.Values{"body": {"Hola."}, "macro_pick": {string(m.ID)}})
		if r.status != 200 || !strings.Contains(r.body, "Hola.\n\nEnvíe los registros, User globex.</textarea>") ||
			!strings.Contains(r.body, `name="macro_id" value="`+string(m.ID)+`"`) || !strings.Contains(r.body, "Macro logs inserted in Español (España).") {
			t.Fatalf("insert: %d; want the Spanish text after what was typed, the macro's id and the language named", r.status)
		}
		mustPost(t, f.post("agent", path+"/reply", url.Values{"body": {"Envíe los registros, User globex."}, "macro_id": {string(m.ID)}}), "reply with the macro")
		got, _ := f.cases.Get(f.as("agent"), f.now, c.ID)
		if got.State != cases.AwaitingCustomer || got.AssigneeID != f.users["agent"].ID {
			t.Errorf("after the macro: %s, assigned to %q", got.State, got.AssigneeID)
		}
		if n := f.auditCount(c.ID, "macro.apply"); n != 1 {
			t.Errorf("%d macro.apply events, want 1", n)
		}
		// `::name` reads the same text as JSON.
		if r := f.get("agent", path+"/macros/preview?name=logs"); !strings.Contains(r.body, `"body":"Envíe los registros, User globex."`) {
			t.Errorf("preview: %d %s", r.status, r.body)
		}
		if r := f.get("agent", path+"/macros/preview?name=nope"); r.status != 404 {
			t.Errorf("an unknown macro's preview: %d", r.status)
		}
	})
}

// TestBulkPageShowsEachCase: resolving three cases where one refuses shows
// each case's result, and the two others are resolved.
func TestBulkPageShowsEachCase(t *testing.T) {
	f := newFixture(t, dbtest.SQLite)
	var ids []string
	for _, title := range []string{"One", "Two", "Three"} {
		c, err := f.cases.Open(f.as("acme"), f.now, cases.NewCase{Type: cases.Question, Title: title, Description: "?"})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, string(c.ID))
	}
	if _, err := f.cases.Resolve(f.as("agent"), f.now, accord.ID(ids[1]), "earlier"); err != nil {
		t.Fatal(err)
	}
	page := f.page("agent", "/queue?view=updated&select=all")
	if strings.Count(page, `form="bulk" aria-label="Select case #`) < 3 || strings.Count(page, `form="bulk"`) != strings.Count(page, `form="bulk" aria-label="Select case #`) {
		t.Fatal("the queue has no checkbox per case")
	}
	if !strings.Contains(page, `name="case_id" value="`+ids[0]+`" form="bulk" aria-label="Select case #1" checked`) {
		t.Error("select=all does not tick the cases")
	}
	r := f.post("agent", "/queue/bulk", url.Values{"action": {"resolve"}, "text": {"Fixed in 4.2"}, "case_id": ids, "back": {"view=updated"}})
	if r.status != 200 || !strings.Contains(r.body, "2 of 3 cases done.") || strings.Count(r.body, `class="bulk-ok"`) != 2 ||
		!strings.Contains(r.body, "Refused:</strong> the case is already resolved") || !strings.Contains(r.body, `href="/queue?view=updated"`) {
		t.Errorf("bulk page: %d %s", r.status, r.body)
	}
}

// TestShortcutsSwitch: shortcuts are on until the agent turns them off,
// which the pages then say to console.js; customers have none.
func TestShortcutsSwitch(t *testing.T) {
	f := newFixture(t, dbtest.SQLite)
	if !strings.Contains(f.page("agent", "/queue"), `data-shortcuts="on"`) {
		t.Error("an agent's shortcuts start off")
	}
	mustPost(t, f.post("agent", "/shortcuts", url.Values{}), "turn shortcuts off")
	if page := f.page("agent", "/queue"); strings.Contains(page, `data-shortcuts="on"`) || strings.Contains(page, `id="shortcuts-help"`) {
		t.Error("shortcuts still on after turning them off")
	}
	if !strings.Contains(f.page("agent", "/shortcuts"), `<kbd>j</kbd>`) {
		t.Error("the shortcuts page does not list them")
	}
	mustPost(t, f.post("agent", "/shortcuts", url.Values{"shortcuts": {"on"}}), "turn shortcuts on")
	if !strings.Contains(f.page("agent", "/cases"), `data-shortcuts="on"`) {
		t.Error("shortcuts do not come back on")
	}
	if strings.Contains(f.page("acme", "/cases"), `data-shortcuts`) {
		t.Error("a customer has shortcuts")
	}
}

// TestMacroPagesIsolation: a partner's agent can neither insert its macro
// into a case of a customer its partner does not serve nor read the
// vendor's macros; nobody deletes another's macro.
func TestMacroPagesIsolation(t *testing.T) {
	f := newFixture(t, dbtest.SQLite)
	mine, err := f.macros.Create(f.as("agent"), f.now, macros.NewMacro{Name: "vendor-only", Bodies: map[string]string{"en-US": "Vendor words"}})
	if err != nil {
		t.Fatal(err)
	}
	theirs, err := f.macros.Create(f.as("partner"), f.now, macros.NewMacro{Name: "partner", Bodies: map[string]string{"en-US": "Partner words"}})
	if err != nil {
		t.Fatal(err)
	}
	acme := f.openIncident("Acme only")
	path := "/cases/" + string(acme.ID)
	if r := f.post("partner", path+"/macros/insert", url.Values{"macro_pick": {string(theirs.ID)}}); r.status != 404 || strings.Contains(r.body, "Acme only") {
		t.Errorf("insert into a foreign case: %d", r.status)
	}
	if r := f.get("partner", path+"/macros/preview?name=partner"); r.status != 404 || strings.Contains(r.body, "Acme") {
		t.Errorf("preview on a foreign case: %d %s", r.status, r.body)
	}
	if page := f.page("partner", "/macros"); strings.Contains(page, "vendor-only") || !strings.Contains(page, "::partner") {
		t.Error("the partner's macros page shows the vendor's macro, or not its own")
	}
	if r := f.post("partner", "/macros/"+string(mine.ID)+"/delete", nil); r.status != 404 {
		t.Errorf("the partner deletes the vendor's macro: %d", r.status)
	}
	if r := f.post("agent", path+"/macros/insert", url.Values{"macro_pick": {string(theirs.ID)}}); r.status != 404 {
		t.Errorf("the vendor's agent inserts the partner's macro: %d", r.status)
	}
	if r := f.get("acme", "/macros"); r.status != 403 {
		t.Errorf("a customer's macros page: %d", r.status)
	}
}

// TestMacroEdit: the form comes back holding the macro; saving it
// replaces the texts, and an unknown placeholder is named at its field.
func TestMacroEdit(t *testing.T) {
	f := newFixture(t, dbtest.SQLite)
	m, err := f.macros.Create(f.as("agent"), f.now, macros.NewMacro{Name: "hi", Bodies: map[string]string{"en-US": "Hi {{contact}}", "pt-BR": "Oi {{contact}}"}})
	if err != nil {
		t.Fatal(err)
	}
	page := f.page("agent", "/macros/"+string(m.ID))
	if !strings.Contains(page, `action="/macros/`+string(m.ID)+`"`) || !strings.Contains(page, ">Oi {{contact}}</textarea>") {
		t.Fatal("the edit form does not hold the macro")
	}
	r := f.post("agent", "/macros/"+string(m.ID), url.Values{"name": {"hi"}, "bodies.en-US": {"Hello {{contact}}"}, "bodies.pt-BR": {"Olá {{cliente}}"}})
	if r.status != 422 || !strings.Contains(r.body, "unknown placeholder {{cliente}}") || !strings.Contains(r.body, `id="f-bodies.pt-BR" name="bodies.pt-BR" lang="pt-BR" aria-describedby="h-placeholders" aria-invalid="true"`) {
		t.Errorf("an unknown placeholder: %d", r.status)
	}
	mustPost(t, f.post("agent", "/macros/"+string(m.ID), url.Values{"name": {"hi"}, "bodies.en-US": {"Hello {{contact}}"}}), "save the macro")
	if got, _ := f.macros.Get(f.as("agent"), m.ID); got.Bodies["en-US"] != "Hello {{contact}}" || got.Bodies["pt-BR"] != "" {
		t.Errorf("after saving: %+v", got.Bodies)
	}
	if r := f.get("admin", "/macros/"+string(m.ID)); r.status != 404 {
		t.Errorf("another agent edits the macro: %d", r.status)
	}
}
