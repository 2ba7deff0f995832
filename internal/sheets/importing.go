package sheets

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"accord/internal/accord"
	"accord/internal/audit"
	"accord/internal/contracts"
	"accord/internal/directory"
)

// At is the row a record comes from.
type At struct {
	Sheet string
	Row   int
}

// Batch is every record of an import with its audit event, ready to be
// stored in one transaction.
type Batch struct {
	Orgs      []OrgRecord
	Links     []LinkRecord
	Users     []UserRecord
	Contracts []ContractRecord
}

type OrgRecord struct {
	At
	Org   directory.Organization
	Event audit.Event
}

type LinkRecord struct {
	At
	PartnerID, CustomerID accord.ID
	Event                 audit.Event
}

type UserRecord struct {
	At
	User  directory.User
	Event audit.Event
}

type ContractRecord struct {
	At
	contracts.NewTerm
}

// RowError is a store failure on the record from At; the whole batch was
// rolled back.
type RowError struct {
	At
	Err error
}

func (e *RowError) Error() string { return fmt.Sprintf("%s row %d: %v", e.Sheet, e.Row, e.Err) }
func (e *RowError) Unwrap() error { return e.Err }

// Store writes a batch in one transaction: all of it or none of it.
type Store interface {
	Import(ctx context.Context, b Batch) error
}

// Service imports and exports sheets through the directory and contracts
// services.
type Service struct {
	dir       *directory.Service
	contracts *contracts.Service
	store     Store
}

// NewService returns a service over the given services and store.
func NewService(dir *directory.Service, ctr *contracts.Service, store Store) *Service {
	return &Service{dir: dir, contracts: ctr, store: store}
}

// Counts says how many records an import holds.
type Counts struct {
	Organizations int `json:"organizations"`
	PartnerLinks  int `json:"partner_links"`
	Contacts      int `json:"contacts"`
	Contracts     int `json:"contracts"`
}

// Report is the outcome of an import or a dry run: with Problems, nothing
// was (or would be) stored.
type Report struct {
	DryRun   bool     `json:"dry_run"`
	Counts   Counts   `json:"counts"`
	Problems Problems `json:"problems"`
}

// RequireImporter refuses anyone but vendor administrators (and the
// system). Each row's Prepare step checks this too; checking first refuses a
// caller before a file is read or the database searched, even for an empty
// file.
func RequireImporter(ctx context.Context) error {
	a, err := accord.ActorFrom(ctx)
	if err != nil {
		return err
	}
	if !a.System && a.Role != accord.RoleAdmin {
		return &accord.Error{Kind: accord.Forbidden, Op: "sheets.Import", Msg: "only vendor administrators may import"}
	}
	return nil
}

// Import checks every row of tables and, unless dryRun or a row is bad,
// stores them all in one transaction. onRow, if set, is called once per row
// checked, for progress. The error is for failures that are not the file's
// fault; the file's problems are in the report.
func (s *Service) Import(ctx context.Context, now time.Time, tables []Table, dryRun bool, onRow func()) (Report, error) {
	if err := RequireImporter(ctx); err != nil {
		return Report{}, err
	}
	if onRow == nil {
		onRow = func() {}
	}
	im := &importer{Service: s, now: now, onRow: onRow, fileOrgs: map[string]directory.Organization{}, links: map[[2]accord.ID]bool{},
		emails: map[string]int{}, terms: map[accord.ID][]contracts.Contract{}}
	if err := im.loadOrgs(ctx); err != nil {
		return Report{}, err
	}
	byName := map[string]Table{}
	for _, t := range tables {
		byName[t.Sheet.Name] = t
	}
	for _, step := range []struct {
		sheet Sheet
		run   func(context.Context, Table) error
	}{{Organizations, im.orgs}, {Contacts, im.contacts}, {Contracts, im.contractRows}} {
		if t, ok := byName[step.sheet.Name]; ok {
			if err := step.run(ctx, t); err != nil {
				return Report{}, err
			}
		}
	}
	b := im.batch
	rep := Report{DryRun: dryRun, Problems: im.problems,
		Counts: Counts{Organizations: len(b.Orgs), PartnerLinks: len(b.Links), Contacts: len(b.Users), Contracts: len(b.Contracts)}}
	rep.Problems.sort()
	if dryRun || len(rep.Problems) > 0 {
		return rep, nil
	}
	err := s.store.Import(ctx, b)
	var re *RowError
	if errors.As(err, &re) && accord.KindOf(re.Err) != accord.Internal {
		rep.Problems = Problems{{Sheet: re.Sheet, Row: re.Row, Column: conflictColumn[re.Sheet], Message: accord.Public(re.Err).Msg + " (in the database; nothing was imported)"}}
		return rep, nil
	}
	return rep, err
}

// conflictColumn is the column blamed when the database refuses a row that
// the checks passed: a record written meanwhile by someone else.
var conflictColumn = map[string]string{Organizations.Name: "name", Contacts.Name: "email", Contracts.Name: "customer"}

type importer struct {
	*Service
	now      time.Time
	onRow    func()
	dbOrgs   map[string]directory.Organization // by lower-case name
	dbVendor bool
	fileOrgs map[string]directory.Organization
	orgRows  map[string]int // row of each file organization, by lower-case name
	links    map[[2]accord.ID]bool
	emails   map[string]int // row of each e-mail address in the file
	terms    map[accord.ID][]contracts.Contract
	batch    Batch
	problems Problems
}

func nameKey(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

func (im *importer) loadOrgs(ctx context.Context) error {
	im.dbOrgs = map[string]directory.Organization{}
	p := accord.Page{Limit: accord.MaxLimit}
	for {
		l, next, err := im.dir.ListOrganizations(ctx, im.now, directory.OrgFilter{}, p)
		if err != nil {
			return err
		}
		for _, o := range l {
			im.dbOrgs[nameKey(o.Name)] = o
			im.dbVendor = im.dbVendor || o.Kind == directory.KindVendor
		}
		if next == "" {
			return nil
		}
		p.Cursor = next
	}
}

// org finds an organization by name in the file or the database.
func (im *importer) org(name string) (directory.Organization, bool) {
	if o, ok := im.fileOrgs[nameKey(name)]; ok {
		return o, true
	}
	o, ok := im.dbOrgs[nameKey(name)]
	return o, ok
}

func (im *importer) problem(sheet string, row int, column, format string, args ...any) {
	im.problems = append(im.problems, Problem{Sheet: sheet, Row: row, Column: column, Message: fmt.Sprintf(format, args...)})
}

// fail records a Prepare error against the column its field comes from; an
// error that is not the row's fault is returned instead.
func (im *importer) fail(sheet string, row int, columns map[string]string, err error) error {
	if accord.KindOf(err) == accord.Internal {
		return fmt.Errorf("%s row %d: %w", sheet, row, err)
	}
	pub := accord.Public(err)
	field, _, _ := strings.Cut(pub.Field, "[")
	col := field
	if c, ok := columns[field]; ok {
		col = c
	}
	im.problem(sheet, row, col, "%s", pub.Msg)
	return nil
}

func (im *importer) orgs(ctx context.Context, t Table) error {
	im.orgRows = map[string]int{}
	vendorRow := 0
	for _, r := range t.Rows {
		im.onRow()
		c := r.Cells
		key := nameKey(c["name"])
		switch {
		case key != "" && im.orgRows[key] != 0:
			im.problem(t.Sheet.Name, r.Number, "name", "%q is also in row %d", c["name"], im.orgRows[key])
			continue
		case key != "" && im.dbOrgs[key].ID != "":
			im.problem(t.Sheet.Name, r.Number, "name", "an organization named %q already exists", c["name"])
			continue
		case c["kind"] == string(directory.KindVendor) && (im.dbVendor || vendorRow != 0):
			im.problem(t.Sheet.Name, r.Number, "kind", "there is already a vendor organization; there can be only one")
			continue
		}
		o, ev, err := im.dir.PrepareOrganization(ctx, im.now, directory.NewOrganization{Kind: directory.Kind(c["kind"]), Name: c["name"]})
		if err != nil {
			if err := im.fail(t.Sheet.Name, r.Number, nil, err); err != nil {
				return err
			}
			continue
		}
		if o.Kind == directory.KindVendor {
			vendorRow = r.Number
		}
		im.orgRows[key] = r.Number
		im.fileOrgs[key] = o
		im.batch.Orgs = append(im.batch.Orgs, OrgRecord{At{t.Sheet.Name, r.Number}, o, ev})
	}
	// Links come second: a customer's partner may be further down the sheet.
	for _, r := range t.Rows {
		customer, ok := im.fileOrgs[nameKey(r.Cells["name"])]
		if !ok || im.orgRows[nameKey(r.Cells["name"])] != r.Number {
			continue
		}
		for _, name := range splitList(r.Cells["partner"]) {
			partner, ok := im.org(name)
			if !ok {
				im.problem(t.Sheet.Name, r.Number, "partner", "no organization named %q in the file or the database", name)
				continue
			}
			if im.links[[2]accord.ID{partner.ID, customer.ID}] {
				im.problem(t.Sheet.Name, r.Number, "partner", "%q is listed twice", name)
				continue
			}
			ev, err := im.dir.PrepareLink(ctx, im.now, partner, customer)
			if err != nil {
				if err := im.fail(t.Sheet.Name, r.Number, map[string]string{"partner_id": "partner", "customer_id": "partner"}, err); err != nil {
					return err
				}
				continue
			}
			im.links[[2]accord.ID{partner.ID, customer.ID}] = true
			im.batch.Links = append(im.batch.Links, LinkRecord{At{t.Sheet.Name, r.Number}, partner.ID, customer.ID, ev})
		}
	}
	return nil
}

// splitList splits a cell of names separated by ';'.
func splitList(v string) []string {
	var out []string
	for _, s := range strings.Split(v, ";") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

func parseBool(v string) (bool, bool) {
	switch strings.ToLower(v) {
	case "", "false", "no", "n", "0":
		return false, true
	case "true", "yes", "y", "1":
		return true, true
	}
	return false, false
}

var contactColumns = map[string]string{"org_id": "organization", "password": "email"}

func (im *importer) contacts(ctx context.Context, t Table) error {
	sys := accord.WithActor(ctx, accord.SystemActor("accord import"))
	for _, r := range t.Rows {
		im.onRow()
		c := r.Cells
		bad := func(col, format string, args ...any) { im.problem(t.Sheet.Name, r.Number, col, format, args...) }
		org, ok := im.org(c["organization"])
		if !ok {
			bad("organization", "no organization named %q in the file or the database", c["organization"])
			continue
		}
		key := directory.EmailKey(c["email"])
		if row := im.emails[key]; key != "" && row != 0 {
			bad("email", "%q is also in row %d", c["email"], row)
			continue
		}
		in := directory.NewUser{OrgID: org.ID, Email: c["email"], Name: c["name"], Role: accord.Role(c["role"]), Locale: c["locale"],
			TimeZone: c["time_zone"], WithoutPassword: true}
		if in.Role == "" {
			in.Role = accord.RoleCustomerContact
		}
		var okA, okC bool
		in.AuthorizedContact, okA = parseBool(c["authorized_contact"])
		in.CustomerAdmin, okC = parseBool(c["customer_admin"])
		if !okA || !okC {
			col := map[bool]string{false: "authorized_contact", true: "customer_admin"}[okA]
			bad(col, "must be true or false (or yes/no, 1/0)")
			continue
		}
		u, ev, err := im.dir.PrepareUser(ctx, im.now, in, org)
		if err != nil {
			if err := im.fail(t.Sheet.Name, r.Number, contactColumns, err); err != nil {
				return err
			}
			continue
		}
		im.emails[key] = r.Number
		_, err = im.dir.UserByEmail(sys, im.now, u.Email)
		switch {
		case err == nil:
			bad("email", "a user with this e-mail address already exists")
			continue
		case !accord.IsKind(err, accord.NotFound):
			return err
		}
		im.batch.Users = append(im.batch.Users, UserRecord{At{t.Sheet.Name, r.Number}, u, ev})
	}
	return nil
}

var contractColumns = map[string]string{"org_id": "customer", "partner_id": "partner"}

func (im *importer) contractRows(ctx context.Context, t Table) error {
	for _, r := range t.Rows {
		im.onRow()
		c := r.Cells
		bad := func(col, format string, args ...any) { im.problem(t.Sheet.Name, r.Number, col, format, args...) }
		customer, ok := im.org(c["customer"])
		if !ok {
			bad("customer", "no organization named %q in the file or the database", c["customer"])
			continue
		}
		in := contracts.NewContract{OrgID: customer.ID, Plan: c["plan"]}
		if c["partner"] != "" {
			partner, ok := im.org(c["partner"])
			if !ok {
				bad("partner", "no organization named %q in the file or the database", c["partner"])
				continue
			}
			in.PartnerID = partner.ID
		}
		var err error
		if in.SignedOn, err = parseDate(c["signed_on"]); err != nil {
			bad("signed_on", "%v", err)
			continue
		}
		if in.Years, err = parseWhole(c["years"]); err != nil {
			bad("years", "%v", err)
			continue
		}
		if in.Licences, err = parseLicences(c["licences"]); err != nil {
			bad("licences", "%v", err)
			continue
		}
		cu := contracts.Customer{Org: customer}
		if _, inDB := im.dbOrgs[nameKey(customer.Name)]; inDB {
			if cu, err = im.contracts.CustomerOf(ctx, im.now, in); err != nil {
				return err
			}
		}
		cu.PartnerServes = cu.PartnerServes || im.links[[2]accord.ID{in.PartnerID, in.OrgID}]
		cu.Terms = append(cu.Terms, im.terms[in.OrgID]...)
		term, err := im.contracts.Prepare(ctx, im.now, in, cu)
		if err != nil {
			if err := im.fail(t.Sheet.Name, r.Number, contractColumns, err); err != nil {
				return err
			}
			continue
		}
		im.terms[in.OrgID] = append(im.terms[in.OrgID], term.Contract)
		im.batch.Contracts = append(im.batch.Contracts, ContractRecord{At{t.Sheet.Name, r.Number}, term})
	}
	return nil
}

// parseDate reads YYYY-MM-DD, or the serial number of a spreadsheet date
// cell.
func parseDate(v string) (string, error) {
	if _, err := time.Parse(time.DateOnly, v); err == nil {
		return v, nil
	}
	if f, err := strconv.ParseFloat(v, 64); err == nil && f >= 1 && f < 2958466 { // 2958465 is 9999-12-31
		t, err := excelize.ExcelDateToTime(f, false)
		if err == nil {
			return t.Format(time.DateOnly), nil
		}
	}
	return "", errors.New("must be a date such as 2025-03-15")
}

func parseWhole(v string) (int, error) {
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || f != math.Trunc(f) || math.Abs(f) > 1e6 {
		return 0, errors.New("must be a whole number")
	}
	return int(f), nil
}

// parseLicences reads module=quantity pairs separated by ';'.
func parseLicences(v string) ([]contracts.Licence, error) {
	var out []contracts.Licence
	for _, part := range splitList(v) {
		mod, qty, ok := strings.Cut(part, "=")
		n, err := parseWhole(strings.TrimSpace(qty))
		if !ok || err != nil {
			return nil, fmt.Errorf("%q is not module=quantity; write licences as core=100;reports=5", part)
		}
		out = append(out, contracts.Licence{Module: strings.TrimSpace(mod), Quantity: n})
	}
	return out, nil
}
