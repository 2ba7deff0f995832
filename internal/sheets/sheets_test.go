package sheets_test

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"accord/internal/accord"
	"accord/internal/audit"
	"accord/internal/contracts"
	"accord/internal/directory"
	"accord/internal/sheets"
	"accord/internal/store"
	"accord/internal/store/dbtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

var plans = contracts.StaticPlans{
	"advanced": {Name: "Advanced 24x7"},
	"premium": {Name: "Premium", Inclusions: []contracts.Inclusion{
		{Key: "assisted_upgrade", Name: "Assisted upgrade", Quantity: 1, Unit: "assisted upgrade"}}},
}

type env struct {
	t     *testing.T
	db    *store.DB
	ctx   context.Context
	now   time.Time
	dir   *directory.Service
	ctr   *contracts.Service
	sheet *sheets.Service
}

// newEnv opens a database holding a vendor, a partner and a customer with
// one contact and one contract, unless empty.
func newEnv(t *testing.T, open func(testing.TB) *store.DB, empty bool) *env {
	t.Helper()
	cfg := directory.DefaultConfig()
	cfg.Argon2 = directory.Argon2{MemoryKiB: 64, Time: 1, Threads: 1}
	e := &env{t: t, db: open(t), ctx: accord.WithActor(context.Background(), accord.SystemActor("test")),
		now: time.Date(2026, 11, 20, 15, 0, 0, 0, time.UTC)}
	e.dir = directory.NewService(store.NewDirectory(e.db), cfg)
	e.ctr = contracts.NewService(store.NewContracts(e.db), plans, e.dir, contracts.DefaultConfig())
	e.sheet = sheets.NewService(e.dir, e.ctr, store.NewImports(e.db))
	if empty {
		return e
	}
	orgs := map[string]directory.Organization{}
	for _, o := range []directory.NewOrganization{{Kind: "vendor", Name: "Northwind"}, {Kind: "partner", Name: "Southwind"},
		{Kind: "customer", Name: "Acme Bank"}, {Kind: "customer", Name: "=Evil Corp"}} {
		org, err := e.dir.CreateOrganization(e.ctx, e.now, o)
		if err != nil {
			t.Fatal(err)
		}
		orgs[o.Name] = org
	}
	must(t, e.dir.LinkPartner(e.ctx, e.now, orgs["Southwind"].ID, orgs["Acme Bank"].ID))
	_, err := e.dir.CreateUser(e.ctx, e.now, directory.NewUser{OrgID: orgs["Acme Bank"].ID, Email: "ana@acme.example", Name: "Ana Lima",
		Role: accord.RoleCustomerContact, AuthorizedContact: true, Password: "a long test passphrase"})
	must(t, err)
	_, err = e.ctr.Create(e.ctx, e.now, contracts.NewContract{OrgID: orgs["Acme Bank"].ID, PartnerID: orgs["Southwind"].ID, Plan: "premium",
		SignedOn: "2026-03-15", Years: 2, Licences: []contracts.Licence{{Module: "core", Quantity: 100}, {Module: "dr", Quantity: 2}}})
	must(t, err)
	return e
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// counts is how many organizations, users, contracts and audit events the
// database holds.
func (e *env) counts() [4]int {
	e.t.Helper()
	orgs, _, err := e.dir.ListOrganizations(e.ctx, e.now, directory.OrgFilter{}, accord.Page{Limit: accord.MaxLimit})
	must(e.t, err)
	users, _, err := e.dir.ListUsers(e.ctx, e.now, directory.UserFilter{}, accord.Page{Limit: accord.MaxLimit})
	must(e.t, err)
	ctrs, _, err := e.ctr.List(e.ctx, e.now, contracts.Filter{}, accord.Page{Limit: accord.MaxLimit})
	must(e.t, err)
	events := 0
	must(e.t, store.NewAudit(e.db).WalkChains(e.ctx, func(audit.Event) error { events++; return nil }, func(accord.ID, int64, string) error { return nil }))
	return [4]int{len(orgs), len(users), len(ctrs), events}
}

func (e *env) importCSV(kind, csv string, dryRun bool) (sheets.Report, error) {
	e.t.Helper()
	tables, err := sheets.Read([]byte(csv), kind)
	if err != nil {
		return sheets.Report{}, err
	}
	return e.sheet.Import(e.ctx, e.now, tables, dryRun, nil)
}

func problemLines(rep sheets.Report, err error) []string {
	var ps sheets.Problems
	if errors.As(err, &ps) {
		rep.Problems = ps
	} else if err != nil {
		return []string{"error: " + err.Error()}
	}
	var out []string
	for _, p := range rep.Problems {
		out = append(out, p.String())
	}
	return out
}

func TestRowProblems(t *testing.T) {
	e := newEnv(t, dbtest.SQLite, false)
	cases := []struct {
		name, kind, csv string
		want            []string
	}{
		{"unknown and missing columns", "contacts", "Organization,E-mail,name\nAcme Bank,a@b.example,A\n",
			[]string{"contacts row 1 column e-mail: unknown column; want organization, email, name, role, locale, time_zone, authorized_contact, customer_admin",
				"contacts row 1 column email: required column missing"}},
		{"bad cells", "contacts", "organization,email,name,locale,time_zone,authorized_contact\n" +
			"Acme Bank,bob@acme.example,Bob,en-US,UTC,yes\n" +
			"Acme Bank,Ana <x@y>,Ana,en-US,UTC,no\n" +
			"Nowhere Inc,c@acme.example,Cy,en-US,UTC,no\n" +
			"Acme Bank,d@acme.example,Di,fr-FR,UTC,no\n" +
			"Acme Bank,e@acme.example,Ed,en-US,Mars/Base,no\n" +
			"Acme Bank,f@acme.example,Fe,en-US,UTC,maybe\n" +
			"Acme Bank,BOB@acme.example,Bob Two,en-US,UTC,no\n" +
			"Acme Bank,ana@acme.example,Ana Again,en-US,UTC,no\n" +
			"Southwind,g@south.example,Gil,en-US,UTC,yes\n",
			[]string{
				"contacts row 3 column email: must be a plain e-mail address such as ana@example.com",
				"contacts row 4 column organization: no organization named \"Nowhere Inc\" in the file or the database",
				"contacts row 5 column locale: must be one of en-US, pt-BR, es-ES",
				"contacts row 6 column time_zone: \"Mars/Base\" is not an IANA time zone",
				"contacts row 7 column authorized_contact: must be true or false (or yes/no, 1/0)",
				"contacts row 8 column email: \"BOB@acme.example\" is also in row 2",
				"contacts row 9 column email: a user with this e-mail address already exists",
				"contacts row 10 column role: a customer_contact belongs to a customer organization, and this one is a partner",
			}},
		{"organizations", "orgs", "kind,name,partner\ncustomer,Acme Bank,\nreseller,Zed,\ncustomer,Beta,Nobody\ncustomer,Gamma,Beta\ncustomer,gamma,\nvendor,Other Vendor,\ncustomer,Delta,Southwind\n",
			[]string{
				"organizations row 2 column name: an organization named \"Acme Bank\" already exists",
				"organizations row 3 column kind: must be vendor, partner or customer",
				"organizations row 4 column partner: no organization named \"Nobody\" in the file or the database",
				"organizations row 5 column partner: must be a partner organization, not a customer",
				"organizations row 6 column name: \"gamma\" is also in row 5",
				"organizations row 7 column kind: there is already a vendor organization; there can be only one",
			}},
		{"contracts", "contracts", "customer,partner,plan,signed_on,years,licences\n" +
			"Acme Bank,,premium,2026-06-01,1,\n" +
			"Nobody,,premium,2026-06-01,1,\n" +
			"=Evil Corp,Southwind,premium,2026-06-01,1,\n" +
			"=Evil Corp,,gold,2026-06-01,1,\n" +
			"=Evil Corp,,premium,15/03/2026,1,\n" +
			"=Evil Corp,,premium,2026-03-15,1.5,\n" +
			"=Evil Corp,,premium,2026-03-15,1,core:5\n" +
			"=Evil Corp,,premium,2026-03-15,1,core=5;core=6\n" +
			"Southwind,,premium,2026-03-15,1,\n" +
			"=Evil Corp,,premium,2026-03-15,1,core=5\n" +
			"=Evil Corp,,advanced,2026-09-15,1,\n",
			[]string{
				"contracts row 2 column signed_on: the customer's contract",
				"contracts row 3 column customer: no organization named \"Nobody\" in the file or the database",
				"contracts row 4 column partner: must be a partner that serves the customer",
				"contracts row 5 column plan: no plan \"gold\" in the support policy",
				"contracts row 6 column signed_on: must be a date such as 2025-03-15",
				"contracts row 7 column years: must be a whole number",
				"contracts row 8 column licences: \"core:5\" is not module=quantity; write licences as core=100;reports=5",
				"contracts row 9 column licences: \"core\" is listed twice",
				"contracts row 10 column customer: must be a customer organization",
				"contracts row 12 column signed_on: the customer's contract",
			}},
	}
	before := e.counts()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, dry := range []bool{true, false} {
				got := problemLines(e.importCSV(c.kind, c.csv, dry))
				if len(got) != len(c.want) {
					t.Fatalf("dry run %v: got\n%s\nwant\n%s", dry, strings.Join(got, "\n"), strings.Join(c.want, "\n"))
				}
				for i := range got {
					if !strings.HasPrefix(got[i], c.want[i]) {
						t.Errorf("dry run %v: problem %d\n got %s\nwant %s", dry, i, got[i], c.want[i])
					}
				}
			}
		})
	}
	if after := e.counts(); after != before {
		t.Errorf("bad files wrote: %v -> %v", before, after)
	}
}

const workbookCSV = "kind,name,partner\npartner,Eastwind,\ncustomer,Eastco,Eastwind\n"

func TestImportAllOrNothing(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, open func(testing.TB) *store.DB) {
		e := newEnv(t, open, false)
		before := e.counts()

		// The last row names a contact who already exists: the check
		// finds it and nothing is written.
		orgs := workbook(t, map[string]string{
			"organizations": workbookCSV,
			"contacts":      "organization,email,name\nEastco,eve@eastco.example,Eve\nAcme Bank,ana@acme.example,Ana Again\n",
			"contracts":     "customer,partner,plan,signed_on,years,licences\nEastco,Eastwind,premium,2026-01-01,1,core=5\n",
		})
		tables, err := sheets.Read(orgs, "all")
		must(t, err)
		rep, err := e.sheet.Import(e.ctx, e.now, tables, false, nil)
		must(t, err)
		if got := problemLines(rep, nil); !slices.Equal(got, []string{"contacts row 3 column email: a user with this e-mail address already exists"}) {
			t.Errorf("problems %q", got)
		}
		if after := e.counts(); after != before {
			t.Errorf("a refused import wrote: %v -> %v", before, after)
		}

		// A conflict only the database sees (a record written after the
		// checks) rolls back every record before it.
		tables, err = sheets.Read(workbook(t, map[string]string{
			"organizations": workbookCSV,
			"contacts":      "organization,email,name\nEastco,eve@eastco.example,Eve\nAcme Bank,zed@acme.example,Zed\n",
			"contracts":     "customer,partner,plan,signed_on,years,licences\nEastco,Eastwind,premium,2026-01-01,1,core=5\n",
		}), "all")
		must(t, err)
		var batch sheets.Batch
		spy := sheets.NewService(e.dir, e.ctr, storeFunc(func(ctx context.Context, b sheets.Batch) error { batch = b; return nil }))
		rep, err = spy.Import(e.ctx, e.now, tables, false, nil)
		must(t, err)
		if len(rep.Problems) > 0 || len(batch.Users) != 2 {
			t.Fatalf("problems %v, %d users", rep.Problems, len(batch.Users))
		}
		acme, err := e.dir.UserByEmail(e.ctx, e.now, "ana@acme.example")
		must(t, err)
		_, err = e.dir.CreateUser(e.ctx, e.now, directory.NewUser{OrgID: acme.OrgID, Email: "zed@acme.example", Name: "Zed Meanwhile",
			Role: accord.RoleCustomerContact, Password: "a long test passphrase"})
		must(t, err)
		before = e.counts()
		err = store.NewImports(e.db).Import(e.ctx, batch)
		storeErr := err
		var re *sheets.RowError
		if !errors.As(err, &re) || re.Sheet != "contacts" || re.Row != 3 || !accord.IsKind(err, accord.Conflict) {
			t.Fatalf("err %v, want a conflict at contacts row 3", err)
		}
		if after := e.counts(); after != before {
			t.Errorf("a failed import wrote: %v -> %v", before, after)
		}

		// And a clean file imports whole, audited; first through a store
		// that fails as above, which the report names by its row.
		tables, err = sheets.Read(workbook(t, map[string]string{
			"organizations": workbookCSV,
			"contacts":      "organization,email,name,authorized_contact,customer_admin\nEastco,eve@eastco.example,Eve,true,true\n",
			"contracts":     "customer,partner,plan,signed_on,years,licences\nEastco,Eastwind,premium,2026-01-01,2,core=5;dr=1\n",
		}), "all")
		must(t, err)
		failing := sheets.NewService(e.dir, e.ctr, storeFunc(func(context.Context, sheets.Batch) error { return storeErr }))
		rep, err = failing.Import(e.ctx, e.now, tables, false, nil)
		must(t, err)
		if got := problemLines(rep, nil); len(got) != 1 || !strings.HasPrefix(got[0], "contacts row 3 column email: already exists") {
			t.Errorf("problems %q", got)
		}
		rep, err = e.sheet.Import(e.ctx, e.now, tables, false, nil)
		must(t, err)
		if len(rep.Problems) > 0 || rep.Counts != (sheets.Counts{Organizations: 2, PartnerLinks: 1, Contacts: 1, Contracts: 1}) {
			t.Fatalf("report %+v", rep)
		}
		after := e.counts()
		if want := [4]int{before[0] + 2, before[1] + 1, before[2] + 1, before[3] + 5}; after != want {
			t.Errorf("counts %v, want %v", after, want)
		}
		eve, err := e.dir.UserByEmail(e.ctx, e.now, "eve@eastco.example")
		must(t, err)
		if !eve.AuthorizedContact || !eve.CustomerAdmin || eve.PasswordHash != "" {
			t.Errorf("imported contact %+v", eve)
		}
		ents, err := e.ctr.Entitlements(e.ctx, e.now, mustContract(t, e, "Eastco").ID, 2)
		must(t, err)
		if len(ents) != 1 {
			t.Errorf("entitlements of year 2: %+v", ents)
		}
	})
}

func mustContract(t *testing.T, e *env, customer string) contracts.Contract {
	t.Helper()
	l, _, err := e.ctr.List(e.ctx, e.now, contracts.Filter{}, accord.Page{Limit: accord.MaxLimit})
	must(t, err)
	orgs, _, err := e.dir.ListOrganizations(e.ctx, e.now, directory.OrgFilter{}, accord.Page{Limit: accord.MaxLimit})
	must(t, err)
	for _, c := range l {
		for _, o := range orgs {
			if o.ID == c.OrgID && o.Name == customer {
				return c
			}
		}
	}
	t.Fatalf("no contract of %s", customer)
	return contracts.Contract{}
}

type storeFunc func(context.Context, sheets.Batch) error

func (f storeFunc) Import(ctx context.Context, b sheets.Batch) error { return f(ctx, b) }

// workbook builds an XLSX workbook from CSV text per sheet.
func workbook(t *testing.T, csvs map[string]string) []byte {
	t.Helper()
	var want []sheets.Sheet
	var tables [][][]string
	for _, sh := range sheets.All {
		csv, ok := csvs[sh.Name]
		if !ok {
			continue
		}
		var rows [][]string
		for _, line := range strings.Split(strings.TrimSpace(csv), "\n") {
			rows = append(rows, strings.Split(line, ","))
		}
		want = append(want, sh)
		tables = append(tables, rows)
	}
	var buf bytes.Buffer
	must(t, sheets.WriteXLSX(&buf, want, tables))
	return buf.Bytes()
}

func TestEscape(t *testing.T) {
	for in, want := range map[string]string{
		"=SUM(A1)": "'=SUM(A1)", "+1": "'+1", "-1": "'-1", "@cmd": "'@cmd", "\tx": "'\tx", "\rx": "'\rx",
		"Acme Bank": "Acme Bank", "": "", "a=b": "a=b", "'quoted": "''quoted", "'=x": "''=x", "'": "''",
	} {
		if got := sheets.Escape(in); got != want {
			t.Errorf("Escape(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestEscapeRoundTrips writes each value escaped into a CSV file and reads
// it back: it must come back as it was.
func TestEscapeRoundTrips(t *testing.T) {
	for _, v := range []string{"=SUM(A1)", "'=x", "''=x", "'quoted", "'", "''", "Acme Bank", "+1", "x'y"} {
		var buf bytes.Buffer
		must(t, sheets.WriteCSV(&buf, [][]string{{"kind", "name"}, {"customer", sheets.Escape(v)}}))
		tables, err := sheets.Read(buf.Bytes(), "orgs")
		must(t, err)
		if got := tables[0].Rows[0].Cells["name"]; got != v {
			t.Errorf("%q reads back as %q", v, got)
		}
	}
}

func TestCSVRowNumbersAfterBlankLines(t *testing.T) {
	csv := "kind,name\n\ncustomer,A\n\n\ncustomer,\"B\nC\"\ncustomer,D\n"
	tables, err := sheets.Read([]byte(csv), "orgs")
	must(t, err)
	var got []int
	for _, r := range tables[0].Rows {
		got = append(got, r.Number)
	}
	// Line numbers of the file, as an editor shows them.
	if want := []int{3, 6, 8}; !slices.Equal(got, want) {
		t.Errorf("rows %v, want %v", got, want)
	}
	_, err = sheets.Read([]byte("kind,name\n\n\ncustomer,\"A\"x\n"), "orgs")
	var ps sheets.Problems
	if !errors.As(err, &ps) || len(ps) != 1 || ps[0].Row != 4 {
		t.Errorf("parse error at %v, want row 4", err)
	}
}

func TestExportEscapesAndRoundTrips(t *testing.T) {
	src := newEnv(t, dbtest.SQLite, false)
	var all [][][]string
	for _, sh := range sheets.All {
		rows, err := src.sheet.Export(src.ctx, src.now, sh)
		must(t, err)
		all = append(all, rows)
	}
	if got := all[0]; !slices.ContainsFunc(got, func(r []string) bool { return r[1] == `'=Evil Corp` }) {
		t.Errorf("organizations not escaped: %q", got)
	}
	if got := all[2]; len(got) != 2 || !slices.Equal(got[1], []string{"Acme Bank", "Southwind", "premium", "2026-03-15", "2", "core=100;dr=2"}) {
		t.Errorf("contracts: %q", got)
	}
	var csv bytes.Buffer
	must(t, sheets.WriteCSV(&csv, all[0]))
	if !strings.Contains(csv.String(), `'=Evil Corp`) {
		t.Errorf("CSV: %s", csv.String())
	}

	var buf bytes.Buffer
	must(t, sheets.WriteXLSX(&buf, sheets.All, all))
	dst := newEnv(t, dbtest.SQLite, true)
	tables, err := sheets.Read(buf.Bytes(), "all")
	must(t, err)
	rep, err := dst.sheet.Import(dst.ctx, dst.now, tables, true, nil)
	must(t, err)
	if len(rep.Problems) > 0 || rep.Counts != (sheets.Counts{Organizations: 4, PartnerLinks: 1, Contacts: 1, Contracts: 1}) {
		t.Errorf("round trip: %+v", rep)
	}
	if org := tables[0].Rows; !slices.ContainsFunc(org, func(r sheets.Row) bool { return r.Cells["name"] == `=Evil Corp` }) {
		t.Errorf("escaped names do not read back: %+v", org)
	}
}

func TestCSVWithBOMAndSemicolons(t *testing.T) {
	e := newEnv(t, dbtest.SQLite, false)
	csv := "\uFEFFCustomer;Partner;Plan;Signed_On;Years;Licences\r\n\"=Evil Corp\";;premium;2026-03-15;1;\"core=5;dr=1\"\r\n;;;;;\r\n"
	tables, err := sheets.Read([]byte(csv), "contracts")
	must(t, err)
	if len(tables[0].Rows) != 1 || tables[0].Rows[0].Cells["licences"] != "core=5;dr=1" || tables[0].Rows[0].Number != 2 {
		t.Fatalf("rows %+v", tables[0].Rows)
	}
	rep, err := e.sheet.Import(e.ctx, e.now, tables, true, nil)
	must(t, err)
	if len(rep.Problems) > 0 || rep.Counts.Contracts != 1 {
		t.Errorf("report %+v", rep)
	}
}

func TestImportIsForAdmins(t *testing.T) {
	e := newEnv(t, dbtest.SQLite, true)
	ctx := accord.WithActor(context.Background(), accord.Actor{UserID: "usr_x", OrgID: "org_x", Role: accord.RoleAgent})
	if _, err := e.sheet.Import(ctx, e.now, nil, true, nil); !accord.IsKind(err, accord.Forbidden) {
		t.Errorf("agent import: %v", err)
	}
}

// TestControlCharactersAreProblems: a cell holding NUL (which PostgreSQL
// cannot store), another control character or DEL is a problem at its row
// and column, in CSV files and workbooks alike; nothing is imported.
func TestControlCharactersAreProblems(t *testing.T) {
	csv := "kind,name\ncustomer,Acme\ncustomer,\"Glo\x00bex\"\n\ncustomer,\"Ini\ntech\x7f\"\n"
	_, err := sheets.Read([]byte(csv), "orgs")
	want := "organizations row 3 column name: must not contain the control character U+0000 (only tab, line feed and carriage return are allowed)\n" +
		"organizations row 5 column name: must not contain the control character U+007F (only tab, line feed and carriage return are allowed)"
	if err == nil || err.Error() != want {
		t.Errorf("CSV: %v, want\n%s", err, want)
	}
	if _, err := sheets.Read([]byte("kind,na\x01me\ncustomer,A\n"), "orgs"); err == nil || !strings.Contains(err.Error(), `row 1 column "na\x01me": the column's name must not contain`) {
		t.Errorf("a header with a control character: %v", err)
	}
	if _, err := sheets.Read([]byte("kind,name\ncustomer,\"a\tb\"\n"), "orgs"); err != nil {
		t.Errorf("a tab is text: %v", err)
	}

	// A workbook's cell writes a control character as an escape, _x0000_,
	// which reads back as the character.
	f := excelize.NewFile()
	for cell, v := range map[string]string{"A1": "kind", "B1": "name", "A2": "customer", "B2": "Acme", "A3": "customer", "B3": "Glo_x0000_bex"} {
		must(t, f.SetCellStr("Sheet1", cell, v))
	}
	book, err := f.WriteToBuffer()
	must(t, err)
	_, err = sheets.Read(book.Bytes(), "orgs")
	if err == nil || !strings.Contains(err.Error(), "organizations row 3 column name: must not contain the control character U+0000") {
		t.Errorf("XLSX: %v", err)
	}
}
