package siem_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"accord/internal/accord"
	"accord/internal/audit"
	"accord/internal/siem"
)

func TestEscapeParam(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`plain`, `plain`},
		{`say "hi"`, `say \"hi\"`},
		{`C:\path`, `C:\\path`},
		{`a]b`, `a\]b`},
		{`[x]`, `[x\]`},
		{`\"]`, `\\\"\]`},
		{"ação", "ação"},
		{"bad\xffbyte", "bad\uFFFDbyte"},
		{"", ""},
	} {
		if got := siem.EscapeParam(tc.in); got != tc.want {
			t.Errorf("EscapeParam(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func event() audit.Event {
	e := audit.New(accord.Actor{UserID: "usr_1", OrgID: "org_a", Name: `Ana "the admin" [SOC]\ops`, RequestID: "req-7"},
		time.Date(2026, 12, 7, 13, 4, 5, 123456000, time.UTC), "org_a", "session.fail", "user", "usr_1",
		[]audit.Change{{Field: "address", After: "203.0.113.9"}})
	e.Seal(41, "abc")
	return e
}

func TestMessage(t *testing.T) {
	e := event()
	m := string(siem.Message("desk.example", e))
	head := "<108>1 2026-12-07T13:04:05.123456Z desk.example accord - session.fail [accord@32473 org=\"org_a\" seq=\"42\" id=\"" + string(e.ID) + "\" action=\"session.fail\" actor=\"usr_1\" actorName=\"Ana \\\"the admin\\\" [SOC\\]\\\\ops\""
	if !strings.HasPrefix(m, head) {
		t.Fatalf("message\n%s\ndoes not start with\n%s", m, head)
	}
	p, err := siem.Parse(m)
	if err != nil {
		t.Fatal(err)
	}
	sd := p.SD[siem.SDID]
	if p.Priority != 13*8+4 || p.MsgID != "session.fail" || p.App != "accord" || p.Host != "desk.example" ||
		sd["actorName"] != e.ActorName || sd["seq"] != "42" || sd["hash"] != e.Hash || sd["requestId"] != "req-7" || sd["entity"] != "usr_1" {
		t.Fatalf("parsed %+v", p)
	}
	var back audit.Event
	if err := json.Unmarshal([]byte(p.Msg), &back); err != nil || back.Hash != e.Hash || back.Seq != 42 {
		t.Fatalf("MSG = %q (%v)", p.Msg, err)
	}
	if !p.Timestamp.Equal(e.At) {
		t.Fatalf("timestamp %v, want %v", p.Timestamp, e.At)
	}
	if got := string(siem.Frame([]byte("<13>1 - - - - - -"))); got != "17 <13>1 - - - - - -" {
		t.Fatalf("frame = %q", got)
	}
	// Other actions are notices; a host with spaces or nothing is sanitized.
	e.Action = "token.create"
	if p, _ := siem.Parse(string(siem.Message("my host", e))); p.Priority != 13*8+5 || p.Host != "my_host" {
		t.Fatalf("notice %+v", p)
	}
	if p, _ := siem.Parse(string(siem.Message("", e))); p.Host != "-" {
		t.Fatalf("empty host %+v", p)
	}
}

func TestParseRejects(t *testing.T) {
	for _, m := range []string{
		"", "no", "<>1 - - - - - -", "<192>1 - - - - - -", "<013>1 - - - - - -", "<13>2 - - - - - -",
		"<13>1 - - - - -", `<13>1 - h a - m [x a="b]`, `<13>1 - h a - m [x a="b"`, `<13>1 - h a - m [x a=b]`,
		`<13>1 - h a - m [x a="]"]`, `<13>1 - h a - m [x][x]`, `<13>1 yesterday h a - m -`,
	} {
		if p, err := siem.Parse(m); err == nil {
			t.Errorf("Parse(%q) = %+v, want an error", m, p)
		}
	}
	p, err := siem.Parse(`<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"][examplePriority@32473 class="high"]`)
	if err != nil || p.SD["exampleSDID@32473"]["eventID"] != "1011" || p.SD["examplePriority@32473"]["class"] != "high" || p.Msg != "" {
		t.Fatalf("RFC 5424 example 3: %+v, %v", p, err)
	}
}

// FuzzParse: the parser never panics, and whatever it accepts as a value
// survives escaping and parsing again unchanged.
func FuzzParse(f *testing.F) {
	f.Add(string(siem.Message("h", event())))
	f.Add(`<13>1 - h a - m [x a="\"\\\]"] msg`)
	f.Add(`<0>1 - - - - - -`)
	f.Fuzz(func(t *testing.T, m string) {
		p, err := siem.Parse(m)
		if err != nil {
			return
		}
		for id, params := range p.SD {
			for k, v := range params {
				again, err := siem.Parse(`<13>1 - h a - m [` + id + ` ` + k + `="` + siem.EscapeParam(v) + `"]`)
				if err != nil || again.SD[id][k] != v {
					t.Fatalf("value %q of %s/%s did not survive: %+v, %v", v, id, k, again, err)
				}
			}
		}
	})
}

// FuzzMessage: any event formats into a message that parses back with
// every field intact.
func FuzzMessage(f *testing.F) {
	f.Add("session.fail", `Ana "x" ]\`, "req", "user")
	f.Add("", "", "", "")
	f.Fuzz(func(t *testing.T, action, name, req, entity string) {
		e := event()
		e.Action, e.ActorName, e.RequestID, e.EntityType = action, name, req, entity
		p, err := siem.Parse(string(siem.Message("h", e)))
		if err != nil {
			t.Fatalf("message of %+v does not parse: %v", e, err)
		}
		sd := p.SD[siem.SDID]
		for k, want := range map[string]string{"action": action, "actorName": name, "requestId": req, "entityType": entity} {
			if w := strings.ToValidUTF8(want, "\uFFFD"); sd[k] != w {
				t.Fatalf("%s = %q, want %q", k, sd[k], w)
			}
		}
	})
}
