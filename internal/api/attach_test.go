package api

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"accord/internal/cases"
	"accord/internal/store"
	"accord/internal/store/dbtest"
)

// withFiles is a multipart body of a JSON document and files (name,
// content, name, content...).
func withFiles(t *testing.T, doc string, files ...string) (string, string) {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	if err := mw.WriteField("json", doc); err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(files); i += 2 {
		w, err := mw.CreateFormFile("files", files[i])
		if err == nil {
			_, err = w.Write([]byte(files[i+1]))
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

var (
	testPNG = string(append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{0}, 40)...))
	testSVG = `<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`
)

func TestReplyFiles(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, open func(testing.TB) *store.DB) {
		f := newFixture(t, open)
		c := f.openCase("acme", "f", `{"type":"question","title":"Export fails","description":"See the log"}`)
		reply := "/api/v1/cases/" + f.ids["f"] + "/replies"
		send := func(as, doc string, files ...string) response {
			t.Helper()
			body, ct := withFiles(t, doc, files...)
			return f.do(as, "POST", reply, body, "Content-Type", ct)
		}

		// Two files with a reply: both listed under the reply's entry.
		if resp := send("acme", `{"body":"The screen and the log"}`, "screen.png", testPNG, "export.log", "line 1\nline 2\n"); resp.status != http.StatusOK {
			t.Fatalf("reply with files: %d %s", resp.status, resp.body)
		}
		var withFiles cases.Entry
		for _, e := range f.timeline("acme", "f") {
			if e.Kind == cases.Reply {
				withFiles = e
			}
		}
		if len(withFiles.Data.Files) != 2 || withFiles.Data.Files[0].Name != "screen.png" || withFiles.Data.Files[0].ContentType != "image/png" ||
			withFiles.Data.Files[1].Name != "export.log" || withFiles.Data.Files[1].ContentType != "text/plain; charset=utf-8" {
			t.Fatalf("the reply's files: %+v", withFiles.Data.Files)
		}
		files := "/api/v1/cases/" + f.ids["f"] + "/files/"
		for _, c := range []struct {
			file        cases.File
			disposition string
			ctype       string
		}{
			{withFiles.Data.Files[0], "inline; filename=screen.png", "image/png"},
			{withFiles.Data.Files[1], "attachment; filename=export.log", "text/plain; charset=utf-8"},
		} {
			resp := f.do("agent", "GET", files+string(c.file.ID), nil)
			if resp.status != http.StatusOK || resp.header.Get("Content-Disposition") != c.disposition || resp.header.Get("Content-Type") != c.ctype ||
				resp.header.Get("X-Content-Type-Options") != "nosniff" {
				t.Errorf("%s: %d %v", c.file.Name, resp.status, resp.header)
			}
		}

		// An SVG is never inline, whatever it is called.
		if resp := send("acme", `{"body":"A drawing"}`, "drawing.png", testSVG); resp.status != http.StatusOK {
			t.Fatalf("reply with an svg: %d %s", resp.status, resp.body)
		}
		tl := f.timeline("acme", "f")
		svg := tl[len(tl)-1].Data.Files[0]
		if resp := f.do("acme", "GET", files+string(svg.ID), nil); resp.status != http.StatusOK ||
			!strings.HasPrefix(resp.header.Get("Content-Disposition"), "attachment;") || resp.header.Get("Content-Type") == "image/svg+xml" {
			t.Errorf("svg served %d %v", resp.status, resp.header)
		}

		// A note's file is the agents': 404 to the customer, whose timeline
		// does not show it.
		if resp := send("agent", `{"body":"Their vault config","internal":true}`, "vault.hcl", "secret = 1\n"); resp.status != http.StatusOK {
			t.Fatalf("note with a file: %d %s", resp.status, resp.body)
		}
		tl = f.timeline("agent", "f")
		note := tl[len(tl)-1]
		if note.Kind != cases.Note || len(note.Data.Files) != 1 {
			t.Fatalf("the note: %+v", note)
		}
		noteFile := files + string(note.Data.Files[0].ID)
		if resp := f.do("acme", "GET", noteFile, nil); resp.status != http.StatusNotFound || strings.Contains(resp.body, "secret") {
			t.Errorf("the customer reads the note's file: %d %s", resp.status, resp.body)
		}
		if resp := f.do("agent", "GET", noteFile, nil); resp.status != http.StatusOK || resp.body != "secret = 1\n" {
			t.Errorf("the agent reads the note's file: %d", resp.status)
		}
		for _, e := range f.timeline("acme", "f") {
			if e.Kind == cases.Note || slices.ContainsFunc(e.Data.Files, func(x cases.File) bool { return x.Name == "vault.hcl" }) {
				t.Errorf("the customer's timeline shows the note or its file: %+v", e)
			}
		}
		for _, as := range []string{"globex", "partner"} {
			if resp := f.do(as, "GET", files+string(withFiles.Data.Files[0].ID), nil); resp.status != http.StatusNotFound {
				t.Errorf("%s reads acme's file: %d", as, resp.status)
			}
		}

		// One file too large: refused naming it, and nothing is written.
		before := len(f.timeline("agent", "f"))
		big := strings.Repeat("x", 1<<20+1)
		resp := send("acme", `{"body":"Two more"}`, "small.txt", "fine", "huge.bin", big)
		if resp.status != http.StatusBadRequest || !strings.Contains(resp.body, `"files[1]"`) || !strings.Contains(resp.body, "huge.bin") {
			t.Errorf("a file too large: %d %s", resp.status, resp.body)
		}
		if after := len(f.timeline("agent", "f")); after != before {
			t.Errorf("the refused reply wrote %d entries", after-before)
		}
		got, err := f.cases.Get(f.system(), f.now, c.ID)
		if err != nil || got.UpdatedAt != c.UpdatedAt && got.State != cases.New {
			t.Errorf("the case moved: %v %+v", err, got)
		}

		// A customer's internal note is refused, files and all.
		if resp := send("acme", `{"body":"psst","internal":true}`, "a.txt", "a"); resp.status != http.StatusBadRequest || !strings.Contains(resp.body, "internal") {
			t.Errorf("customer's note: %d %s", resp.status, resp.body)
		}
		for body, field := range map[string]string{
			"no json": "json", "unknown part": "extra",
		} {
			var b bytes.Buffer
			mw := multipart.NewWriter(&b)
			if body == "unknown part" {
				_ = mw.WriteField("extra", "1")
			}
			_ = mw.Close()
			resp := f.do("acme", "POST", reply, b.String(), "Content-Type", mw.FormDataContentType())
			if resp.status != http.StatusBadRequest || !strings.Contains(resp.body, `"field":"`+field+`"`) {
				t.Errorf("%s: %d %s", body, resp.status, resp.body)
			}
		}
	})
}

func TestOpenCaseWithFiles(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, open func(testing.TB) *store.DB) {
		f := newFixture(t, open)
		body, ct := withFiles(t, `{"type":"question","title":"Licence screen","description":"As shown"}`, "licence.png", testPNG, "notes.txt", "n")
		resp := f.do("acme", "POST", "/api/v1/cases", body, "Content-Type", ct)
		if resp.status != http.StatusCreated {
			t.Fatalf("open with files: %d %s", resp.status, resp.body)
		}
		var c caseView
		resp.json(t, &c)
		f.ids["c"] = string(c.ID)
		tl := f.timeline("acme", "c")
		if tl[0].Kind != cases.Opened || len(tl[0].Data.Files) != 2 || tl[0].Data.Files[0].ContentType != "image/png" {
			t.Fatalf("the opening's files: %+v", tl[0])
		}
		big := strings.Repeat("y", 1<<20+1)
		body, ct = withFiles(t, `{"type":"question","title":"Too big","description":"x"}`, "huge.iso", big)
		if resp := f.do("acme", "POST", "/api/v1/cases", body, "Content-Type", ct); resp.status != http.StatusBadRequest || !strings.Contains(resp.body, "huge.iso") {
			t.Errorf("a case with a file too large: %d %s", resp.status, resp.body)
		}
		if l := f.list("agent", "?q=Too+big"); len(l.Items) != 0 {
			t.Errorf("the refused case was opened: %+v", l.Items)
		}
	})
}

// caseListBody is the list answer as a client reads it.
type caseListBody struct {
	Items       []caseView `json:"items"`
	NextCursor  string     `json:"next_cursor"`
	NumberMatch bool       `json:"number_match"`
}

func (f *fixture) list(as, query string) caseListBody {
	f.t.Helper()
	resp := f.do(as, "GET", "/api/v1/cases"+query, nil)
	if resp.status != http.StatusOK {
		f.t.Fatalf("list %s as %s: %d %s", query, as, resp.status, resp.body)
	}
	var l caseListBody
	resp.json(f.t, &l)
	return l
}

func TestCaseSearchNumbersAndNotes(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, open func(testing.TB) *store.DB) {
		f := newFixture(t, open)
		a := f.openCase("acme", "a", `{"type":"question","title":"Licence count","description":"How many seats"}`)
		b := f.openCase("acme", "b", `{"type":"question","title":"Case 1 follow-up","description":"About case `+strconv.FormatInt(a.Number, 10)+`"}`)
		g := f.openCase("globex", "g", `{"type":"question","title":"Globex question","description":"Anything"}`)
		reply := func(as, name, doc string) {
			t.Helper()
			if resp := f.do(as, "POST", "/api/v1/cases/"+f.ids[name]+"/replies", doc); resp.status != http.StatusOK {
				t.Fatalf("reply: %d %s", resp.status, resp.body)
			}
		}
		reply("agent", "a", `{"body":"The customer runs zanzibar clusters","internal":true}`)
		reply("agent", "a", `{"body":"Please send the quokka report"}`)

		ids := func(l caseListBody) []string {
			var out []string
			for _, c := range l.Items {
				out = append(out, string(c.ID))
			}
			return out
		}
		num := strconv.FormatInt(a.Number, 10)
		for _, c := range []struct {
			as, q  string
			want   []string
			number bool
		}{
			{"agent", num, []string{string(a.ID), string(b.ID)}, true},
			{"agent", "%23" + num, []string{string(a.ID), string(b.ID)}, true},
			{"acme", "%23" + num, []string{string(a.ID), string(b.ID)}, true},
			{"acme", "+%23" + num + "+", []string{string(a.ID), string(b.ID)}, true},
			{"globex", num, nil, false},
			{"globex", strconv.FormatInt(g.Number, 10), []string{string(g.ID)}, true},
			{"agent", "999999", nil, false},
			// Notes are the agents'; public replies everyone's.
			{"agent", "zanzibar", []string{string(a.ID)}, false},
			{"acme", "zanzibar", nil, false},
			{"agent", "zanzibar+quokka", []string{string(a.ID)}, false},
			{"acme", "quokka", []string{string(a.ID)}, false},
			{"acme", "quokka+zanzibar", nil, false},
		} {
			l := f.list(c.as, "?q="+c.q)
			if got := ids(l); !slices.Equal(got, c.want) || l.NumberMatch != c.number {
				t.Errorf("%s searches %q: %v (number %v), want %v (number %v)", c.as, c.q, got, l.NumberMatch, c.want, c.number)
			}
		}
	})
}

func TestCaseListSort(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, open func(testing.TB) *store.DB) {
		f := newFixture(t, open)
		a := f.openCase("acme", "a", `{"type":"question","title":"Beta","description":"x"}`)
		b := f.openCase("agent", "b", `{"org_id":"{org:acme}","type":"question","title":"alpha","description":"x","criticality":"C2"}`)
		g := f.openCase("globex", "g", `{"type":"question","title":"Gamma","description":"x"}`)
		ids := func(l caseListBody) []string {
			var out []string
			for _, c := range l.Items {
				out = append(out, string(c.ID))
			}
			return out
		}
		// Equal values follow the ids.
		byID := func(ids ...string) []string { return slices.Sorted(slices.Values(ids)) }
		for _, c := range []struct {
			sort string
			want []string
		}{
			{"number", []string{string(a.ID), string(b.ID), string(g.ID)}},
			{"-number", []string{string(g.ID), string(b.ID), string(a.ID)}},
			{"criticality", append([]string{string(b.ID)}, byID(string(a.ID), string(g.ID))...)},
			{"title", []string{string(a.ID), string(g.ID), string(b.ID)}},
			{"customer", append(byID(string(a.ID), string(b.ID)), string(g.ID))},
		} {
			if got := ids(f.list("agent", "?sort="+c.sort)); !slices.Equal(got, c.want) {
				t.Errorf("sort=%s: %v, want %v", c.sort, got, c.want)
			}
		}
		// Pages of one, by position.
		var all []string
		cursor := ""
		for range 5 {
			l := f.list("agent", "?sort=-number&limit=1&cursor="+url.QueryEscape(cursor))
			all = append(all, ids(l)...)
			if cursor = l.NextCursor; cursor == "" {
				break
			}
		}
		if want := []string{string(g.ID), string(b.ID), string(a.ID)}; !slices.Equal(all, want) {
			t.Errorf("pages: %v, want %v", all, want)
		}
		resp := f.do("agent", "GET", "/api/v1/cases?sort=-colour", nil)
		if resp.status != http.StatusBadRequest || !strings.Contains(resp.body, `"field":"sort"`) || !strings.Contains(resp.body, "colour") {
			t.Errorf("unknown key: %d %s", resp.status, resp.body)
		}
	})
}
