package api

import (
	"strings"
	"testing"

	"accord/internal/sheets"
	"accord/internal/store/dbtest"
)

func TestImportExportScenarios(t *testing.T) {
	f := newFixture(t, dbtest.SQLite)
	const good = "kind,name,partner\ncustomer,Initech,Southwind\n"
	csv := []string{"Content-Type", "text/csv"}
	type report struct {
		Error    errorDetail     `json:"error"`
		Counts   sheets.Counts   `json:"counts"`
		Problems sheets.Problems `json:"problems"`
	}
	steps := []struct {
		name, as, method, path, body string
		headers                      []string
		status                       int
		check                        func(t *testing.T, r response)
	}{
		{"customers may not import", "acme-admin", "POST", "/api/v1/imports/orgs", good, csv, 403, nil},
		{"agents may not import", "agent", "POST", "/api/v1/imports/orgs", good, csv, 403, nil},
		{"unknown kind", "admin", "POST", "/api/v1/imports/tickets", good, csv, 404, nil},
		{"JSON is not a sheet", "admin", "POST", "/api/v1/imports/orgs", good, []string{"Content-Type", "application/json"}, 400, nil},
		{"XLSX type on a CSV body", "admin", "POST", "/api/v1/imports/orgs", good, []string{"Content-Type", xlsxType}, 400, nil},
		{"unknown column", "admin", "POST", "/api/v1/imports/orgs?dry_run=true", "kind,name,colour\ncustomer,X,red\n", csv, 400, func(t *testing.T, r response) {
			var b report
			r.json(t, &b)
			if len(b.Problems) != 1 || b.Problems[0] != (sheets.Problem{Sheet: "organizations", Row: 1, Column: "colour", Message: b.Problems[0].Message}) {
				t.Errorf("problems %+v", b.Problems)
			}
		}},
		{"bad rows", "admin", "POST", "/api/v1/imports/contacts?dry_run=true",
			"organization,email,name\nAcme Bank,ok@acme.example,Ok\nAcme Bank,not-an-address,Bad\nNowhere,x@y.example,X\n", csv, 400, func(t *testing.T, r response) {
				var b report
				r.json(t, &b)
				want := sheets.Problems{
					{Sheet: "contacts", Row: 3, Column: "email", Message: "must be a plain e-mail address such as ana@example.com"},
					{Sheet: "contacts", Row: 4, Column: "organization", Message: `no organization named "Nowhere" in the file or the database`},
				}
				if b.Error.Kind != "invalid" || len(b.Problems) != 2 || b.Problems[0] != want[0] || b.Problems[1] != want[1] {
					t.Errorf("body %s", r.body)
				}
			}},
		{"unreadable dry_run", "admin", "POST", "/api/v1/imports/orgs?dry_run=yes", good, csv, 400, func(t *testing.T, r response) {
			if !strings.Contains(r.body, `"field":"dry_run"`) {
				t.Errorf("body %s", r.body)
			}
		}},
		{"empty dry_run", "admin", "POST", "/api/v1/imports/orgs?dry_run", good, csv, 400, nil},
		{"unreadable dry_run imported nothing", "admin", "GET", "/api/v1/exports/orgs", "", nil, 200, func(t *testing.T, r response) {
			if strings.Contains(r.body, "Initech") {
				t.Errorf("dry_run=yes imported: %s", r.body)
			}
		}},
		{"clean dry run", "admin", "POST", "/api/v1/imports/orgs?dry_run=true", good, csv, 200, func(t *testing.T, r response) {
			var b report
			r.json(t, &b)
			if b.Counts != (sheets.Counts{Organizations: 1, PartnerLinks: 1}) {
				t.Errorf("body %s", r.body)
			}
		}},
		{"dry run wrote nothing", "admin", "GET", "/api/v1/exports/orgs", "", nil, 200, func(t *testing.T, r response) {
			if strings.Contains(r.body, "Initech") {
				t.Errorf("dry run imported: %s", r.body)
			}
		}},
		{"import", "admin", "POST", "/api/v1/imports/orgs", good, csv, 201, nil},
		{"imported", "admin", "GET", "/api/v1/exports/orgs?format=csv", "", nil, 200, func(t *testing.T, r response) {
			if !strings.Contains(r.body, "customer,Initech,Southwind\n") || !strings.HasPrefix(r.header.Get("Content-Type"), "text/csv") {
				t.Errorf("export: %s", r.body)
			}
		}},
		{"again: already exists", "admin", "POST", "/api/v1/imports/orgs", good, csv, 400, func(t *testing.T, r response) {
			if !strings.Contains(r.body, `"row":2,"column":"name"`) {
				t.Errorf("body %s", r.body)
			}
		}},
		{"a customer exports only its own contacts", "acme", "GET", "/api/v1/exports/contacts", "", nil, 200, func(t *testing.T, r response) {
			if !strings.Contains(r.body, "acme@acme.example") || strings.Contains(r.body, "globex") || strings.Contains(r.body, "Northwind") {
				t.Errorf("export: %s", r.body)
			}
		}},
		{"workbook", "admin", "GET", "/api/v1/exports/all", "", nil, 200, func(t *testing.T, r response) {
			if r.header.Get("Content-Type") != xlsxType || !sheets.IsXLSX([]byte(r.body)) {
				t.Errorf("not a workbook: %q", r.header.Get("Content-Type"))
			}
		}},
		{"a CSV of all is refused", "admin", "GET", "/api/v1/exports/all?format=csv", "", nil, 400, nil},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			var body any
			if s.body != "" {
				body = s.body
			}
			r := f.do(s.as, s.method, s.path, body, s.headers...)
			if r.status != s.status {
				t.Fatalf("status %d, want %d: %s", r.status, s.status, r.body)
			}
			if s.check != nil {
				s.check(t, r)
			}
		})
	}
}
