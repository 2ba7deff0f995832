// Package sheets imports and exports organizations, contacts and contracts
// as CSV files and XLSX workbooks. Every row goes through the same Prepare
// steps as the API's create calls, so the rules live in one place; an import
// either stores every row in one transaction or stores nothing.
package sheets

import (
	"fmt"
	"slices"
	"strings"
)

// Sheet is a kind of record and the columns of its rows.
type Sheet struct {
	Name     string
	Columns  []string
	Required []string
}

// The three sheets, in the order an import applies them: contacts and
// contracts name organizations, which may be in the same workbook.
var (
	Organizations = Sheet{Name: "organizations", Columns: []string{"kind", "name", "partner"}, Required: []string{"kind", "name"}}
	Contacts      = Sheet{Name: "contacts", Columns: []string{"organization", "email", "name", "role", "locale", "time_zone", "authorized_contact", "customer_admin"},
		Required: []string{"organization", "email", "name"}}
	Contracts = Sheet{Name: "contracts", Columns: []string{"customer", "partner", "plan", "signed_on", "years", "licences"},
		Required: []string{"customer", "plan", "signed_on", "years"}}
	All = []Sheet{Organizations, Contacts, Contracts}
	// Versions are products' versions (internal/products), read with
	// ReadOne and imported by the products service: not a kind of Read.
	Versions = Sheet{Name: "versions", Columns: []string{"product", "number", "released_on", "end_of_support", "notes"},
		Required: []string{"product", "number"}}
)

// SheetsFor returns the sheets a command or URL names: orgs (or
// organizations), contacts, contracts, or all.
func SheetsFor(kind string) ([]Sheet, error) {
	switch kind {
	case "orgs", "organizations":
		return []Sheet{Organizations}, nil
	case "contacts":
		return []Sheet{Contacts}, nil
	case "contracts":
		return []Sheet{Contracts}, nil
	case "all":
		return All, nil
	}
	return nil, fmt.Errorf("unknown kind %q; want orgs, contacts, contracts or all", kind)
}

// Table is one sheet's rows as read from a file.
type Table struct {
	Sheet Sheet
	Rows  []Row
}

// Row is one row of cells by column name.
type Row struct {
	// Number is the row as a spreadsheet shows it: the header is row 1.
	Number int
	Cells  map[string]string
}

// Problem is one thing wrong with a file, located as a person finds it in a
// spreadsheet. Row and Column are empty for problems of the whole file.
type Problem struct {
	Sheet   string `json:"sheet"`
	Row     int    `json:"row,omitempty"`
	Column  string `json:"column,omitempty"`
	Message string `json:"message"`
}

func (p Problem) String() string {
	var b strings.Builder
	b.WriteString(p.Sheet)
	if p.Row > 0 {
		fmt.Fprintf(&b, " row %d", p.Row)
	}
	if p.Column != "" {
		b.WriteString(" column " + p.Column)
	}
	return b.String() + ": " + p.Message
}

// Problems is every problem found; as an error it lists them one a line.
type Problems []Problem

func (ps Problems) Error() string {
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

// sort orders problems as the file reads: by sheet, row and column.
func (ps Problems) sort() {
	order := func(sheet string) int {
		return slices.IndexFunc(All, func(s Sheet) bool { return s.Name == sheet })
	}
	slices.SortStableFunc(ps, func(a, b Problem) int {
		if d := order(a.Sheet) - order(b.Sheet); d != 0 {
			return d
		}
		return a.Row - b.Row
	})
}

// formulaStarts are the first characters that make a spreadsheet read a
// cell as a formula (or, for tab and CR, hide one after them).
const formulaStarts = "=+-@\t\r"

// escaped says whether Escape prefixes v with a quote: v starts like a
// formula, or with a quote itself, so that unescape can tell an added quote
// from one of the value's own.
func escaped(v string) bool {
	return v != "" && (v[0] == '\'' || strings.IndexByte(formulaStarts, v[0]) >= 0)
}

// Escape protects an exported cell against formula injection by prefixing a
// quote, which spreadsheets read as "this is text" and do not show.
func Escape(v string) string {
	if escaped(v) {
		return "'" + v
	}
	return v
}

// unescape undoes Escape, so that an exported file imports as it was.
func unescape(v string) string {
	if len(v) > 1 && v[0] == '\'' && escaped(v[1:]) {
		return v[1:]
	}
	return v
}
