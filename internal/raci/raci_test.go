package raci_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"accord/internal/raci"
)

// small is a valid matrix of one process, edited by the problem table.
const small = `processes:
  - key: change
    name: {en-US: Change management, pt-BR: Gestão de mudanças, es-ES: Gestión de cambios}
    activities:
      - key: approve
        text: {en-US: Approve, pt-BR: Aprovar, es-ES: Aprobar}
        letters: {vendor: I, customer: "R, A"}
      - key: implement
        text: {en-US: Implement, pt-BR: Executar, es-ES: Ejecutar}
        letters: {vendor: R, customer: I}
`

func edit(t *testing.T, old, new string) string {
	t.Helper()
	if !strings.Contains(small, old) {
		t.Fatalf("%q is not in the small matrix", old)
	}
	return strings.Replace(small, old, new, 1)
}

func TestParseProblems(t *testing.T) {
	type want struct {
		line, col int
		path, msg string
	}
	tests := []struct {
		name string
		doc  string
		want []want
	}{
		{"unknown letter", edit(t, `customer: "R, A"`, `customer: "R, X"`),
			[]want{{7, 40, "processes[0].activities[0].letters.customer", `unknown letter "X"`}}},
		{"look-alike letter (Greek Iota, as copied from 004)", edit(t, "vendor: I,", "vendor: Ι,"),
			[]want{{7, 27, "processes[0].activities[0].letters.vendor", "looks like I"}}},
		{"letter twice", edit(t, `"R, A"`, `"R, R"`),
			[]want{{7, 40, "processes[0].activities[0].letters.customer", "appears twice"}}},
		{"empty letter between commas", edit(t, `"R, A"`, `"R,,A"`),
			[]want{{7, 40, "processes[0].activities[0].letters.customer", "empty one"}}},
		{"letters as a list", edit(t, `customer: "R, A"`, `customer: [R, A]`),
			[]want{{7, 40, "processes[0].activities[0].letters.customer", "not a list"}}},
		{"unknown party", edit(t, "vendor: R, customer: I", "vendor: R, supplier: I"),
			[]want{{10, 40, "processes[0].activities[1].letters.supplier", `unknown party "supplier"`}}},
		{"unknown process", edit(t, "key: change", "key: changes"),
			[]want{{2, 10, "processes[0].key", `unknown process "changes"`}}},
		{"no R", edit(t, "vendor: R, customer: I", "vendor: S, customer: I"),
			[]want{{10, 18, "processes[0].activities[1].letters", "no party is R"}}},
		{"two A", edit(t, "vendor: I, customer", "vendor: A, customer"),
			[]want{{7, 40, "processes[0].activities[0].letters.customer", "only one party may be A (accountable); vendor is A already"}}},
		{"duplicate activity key", edit(t, "key: implement", "key: approve"),
			[]want{{8, 14, "processes[0].activities[1].key", `activity "approve" appears twice`}}},
		{"duplicate process", small + strings.Replace(strings.TrimPrefix(small, "processes:\n"), "", "", 1),
			[]want{{11, 10, "processes[1].key", `process "change" appears twice`}}},
		{"duplicate YAML key", edit(t, "        letters: {vendor: R, customer: I}", "        letters: {vendor: R, customer: I}\n        letters: {vendor: R}"),
			[]want{{11, 9, "processes[0].activities[1].letters", "appears twice"}}},
		{"bad shape: activities as a mapping", "processes:\n  - key: change\n    name: {en-US: a, pt-BR: b, es-ES: c}\n    activities: {approve: R}\n",
			[]want{{4, 17, "processes[0].activities", "must be a list"}}},
		{"bad shape: unknown field", edit(t, "        text: {en-US: Approve,", "        txt: {en-US: Approve,"),
			[]want{{6, 9, "processes[0].activities[0].txt", "unknown field"}, {5, 9, "processes[0].activities[0].text", "needs a text in en-US"}}},
		{"missing translation", edit(t, ", es-ES: Ejecutar}", "}"),
			[]want{{9, 15, "processes[0].activities[1].text", "needs a text in es-ES"}}},
		{"unknown language", edit(t, "es-ES: Ejecutar}", "es-ES: Ejecutar, fr-FR: Exécuter}"),
			[]want{{9, 75, "processes[0].activities[1].text.fr-FR", `unknown language "fr-FR"`}}},
		{"bad key", edit(t, "key: implement", "key: Implement Now"),
			[]want{{8, 14, "processes[0].activities[1].key", "is not a key"}}},
		{"cell without a value", edit(t, "vendor: R, customer: I", "vendor: R, customer: null"),
			[]want{{10, 40, "processes[0].activities[1].letters.customer", "has no letters"}}},
		{"no processes", "processes: []\n", []want{{1, 12, "processes", "at least one process"}}},
		{"empty document", "", []want{{0, 0, "", "the document is empty"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, ps, err := raci.Parse([]byte(tt.doc))
			if m != nil || err == nil || len(ps) == 0 {
				t.Fatalf("Parse = %v, %v, %v; want problems", m, ps, err)
			}
			if len(ps) != len(tt.want) {
				t.Fatalf("problems %v, want %d", ps, len(tt.want))
			}
			for _, w := range tt.want {
				found := false
				for _, p := range ps {
					if p.Line == w.line && p.Column == w.col && p.Path == w.path && strings.Contains(p.Msg, w.msg) {
						found = true
					}
				}
				if !found {
					var all []string
					for _, p := range ps {
						all = append(all, fmt.Sprintf("%d:%d %s", p.Line, p.Column, p))
					}
					t.Errorf("no problem at %d:%d %s %q in\n%s", w.line, w.col, w.path, w.msg, strings.Join(all, "\n"))
				}
			}
		})
	}
}

func TestParseSpacingAndEmptyCells(t *testing.T) {
	doc := edit(t, `customer: "R, A"`, `customer: "R , A"`)
	doc = strings.Replace(doc, "vendor: R, customer: I", "vendor: R", 1)
	m, ps, err := raci.Parse([]byte(doc))
	if err != nil {
		t.Fatalf("problems: %v", ps)
	}
	a, _ := m.Activity("change", "approve")
	if got := a.Parties[raci.Customer]; !got.Has('R') || !got.Has('A') || got.String() != "R, A" {
		t.Fatalf("customer letters %v", got)
	}
	if b, _ := m.Activity("change", "implement"); len(b.Parties[raci.Customer]) != 0 {
		t.Fatalf("empty cell read as %v", b.Parties[raci.Customer])
	}
}

// TestDefaultRows checks rows of document 004 as written there (vendor is
// CLOUD-IAM's column, customer [CLIENT]'s), and 003's split of duties.
func TestDefaultRows(t *testing.T) {
	m := raci.Default()
	tests := []struct {
		process, activity, en string
		vendor, customer      string
	}{
		{"incident", "handle-incidents", "Manage incidents at the system layer", "R", "I"},
		{"incident", "escalation-contacts", "list of the customer's staff", "I", "R"},
		{"change", "procedures", "Develop with the customer the procedures", "R", "S, C"},
		{"change", "announce-major", "Announce the major changes", "R", "I"},
		{"change", "scripts", "automation scripts or procedures", "I", "R"},
		{"change", "request", "planned or urgent change", "I", "R"},
		{"change", "approve", "Approve the change", "I", "R, A"},
		{"change", "implement", "Implement the approved change", "R", "I"},
		{"change", "activity-report", "activity report", "R", "I"},
		{"configuration", "configure-cluster", "administration console or the API", "S", "R, A"},
		{"configuration", "audit-enabled", "audit features", "S", "R, A"},
		{"configuration", "user-identities", "managing user identities", "", "R, A"},
		{"performance", "indicators", "Define performance indicators", "R", "C, A"},
		{"availability", "define-needs", "availability needs", "S, C", "R"},
		{"availability", "define-backup-needs", "Define the backup needs", "I", "R"},
		{"monitoring-and-control", "application-monitoring", "applications that use the Keycloak clusters", "I", "R"},
		{"monitoring-and-control", "environment-health", "overall health", "R", ""},
		{"operations", "provider-maintenance", "cloud provider", "R", "I"},
		{"backup", "process", "backup and restoration process", "R", "I, S, C"},
		{"backup", "backup-policy", "backup policy", "R", "I, C"},
		{"backup", "snapshots", "according to the backup plan", "R", "I"},
		{"backup", "restore", "Recover systems and data", "R", "I"},
		{"system-and-technical-support", "change-history", "history of changes", "R", "I"},
		{"database-administration", "space-allocation", "Monitor space allocation", "R", ""},
		{"database-administration", "promote-production", "Promote the changes to the customer's databases into the production environment", "R", "I, A"},
		{"database-administration", "assist-incidents", "application database problems", "R", "S"},
		{"database-administration", "backup-needs", "backup and restoration needs", "C", "R"},
		{"database-administration", "change-needs", "changing and updating", "R", "C"},
	}
	for _, tt := range tests {
		a, ok := m.Activity(tt.process, tt.activity)
		if !ok {
			t.Errorf("%s.%s: missing", tt.process, tt.activity)
			continue
		}
		if !strings.Contains(a.Text["en-US"], tt.en) {
			t.Errorf("%s.%s: text %q, want it to say %q", tt.process, tt.activity, a.Text["en-US"], tt.en)
		}
		if got := a.Parties[raci.Vendor].String(); got != tt.vendor {
			t.Errorf("%s.%s: vendor %q, want %q", tt.process, tt.activity, got, tt.vendor)
		}
		if got := a.Parties[raci.Customer].String(); got != tt.customer {
			t.Errorf("%s.%s: customer %q, want %q", tt.process, tt.activity, got, tt.customer)
		}
	}
	// Every table of 004, row for row, and 003's duties: the number of rows
	// per process.
	rows := map[string]int{"incident": 4, "change": 8 + 3, "configuration": 8 + 6, "performance": 3,
		"availability": 8 + 1, "monitoring-and-control": 4 + 2, "operations": 5 + 1, "backup": 8 + 1,
		"system-and-technical-support": 9, "database-administration": 11}
	for _, key := range raci.Processes {
		p, ok := m.Process(key)
		if !ok || len(p.Activities) != rows[key] {
			t.Errorf("process %s: %d activities, want %d", key, len(p.Activities), rows[key])
		}
	}
	if got := m.Holders("change", "approve", raci.Accountable); !cmp.Equal(got, []raci.Party{raci.Customer}) {
		t.Errorf("change.approve A = %v", got)
	}
	if got := m.Holders("change", "implement", raci.Responsible); !cmp.Equal(got, []raci.Party{raci.Vendor}) {
		t.Errorf("change.implement R = %v", got)
	}
	if got := m.Holders("change", "nothing", raci.Responsible); got != nil {
		t.Errorf("unknown activity's holders = %v", got)
	}
}

// TestRoundTrip: a matrix written out parses back equal, and the default
// document compared with itself has no changes.
func TestRoundTrip(t *testing.T) {
	m := raci.Default()
	back, ps, err := raci.Parse(m.Export())
	if err != nil {
		t.Fatalf("exported default: %v", ps)
	}
	if d := cmp.Diff(m, back); d != "" {
		t.Fatalf("round trip (-want +got):\n%s", d)
	}
	if ch := raci.Diff(m, back); len(ch) != 0 {
		t.Fatalf("diff with itself: %v", ch)
	}
}

func TestDiff(t *testing.T) {
	a, _, _ := raci.Parse([]byte(small))
	doc := edit(t, `customer: "R, A"`, `customer: "A , R"`)
	doc = strings.Replace(doc, "vendor: R, customer: I", "vendor: R, customer: C", 1)
	doc = strings.Replace(doc, "pt-BR: Executar", "pt-BR: Implementar", 1)
	doc += "      - key: scripts\n        text: {en-US: Scripts, pt-BR: Scripts, es-ES: Scripts}\n        letters: {customer: R}\n"
	b, ps, err := raci.Parse([]byte(doc))
	if err != nil {
		t.Fatal(ps)
	}
	var got []string
	for _, c := range raci.Diff(a, b) {
		got = append(got, c.String())
	}
	want := []string{
		"change.implement.text.pt-BR: Executar -> Implementar",
		"change.implement.letters.customer: I -> C",
		"change.scripts: (none) -> Scripts",
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Fatalf("diff (-want +got):\n%s", d)
	}
}
