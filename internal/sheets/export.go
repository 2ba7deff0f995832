package sheets

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"accord/internal/accord"
	"accord/internal/contracts"
	"accord/internal/directory"
)

// Export returns the rows of sh that the actor may read, header first,
// every cell escaped against formula injection. Contracts are exported
// without cancelled terms, each as a first term: an import of the file
// recreates what is in force, not the history.
func (s *Service) Export(ctx context.Context, now time.Time, sh Sheet) ([][]string, error) {
	orgs, err := all(func(p accord.Page) ([]directory.Organization, string, error) {
		return s.dir.ListOrganizations(ctx, now, directory.OrgFilter{}, p)
	})
	if err != nil {
		return nil, err
	}
	names := map[accord.ID]string{}
	for _, o := range orgs {
		names[o.ID] = o.Name
	}
	var rows [][]string
	switch sh.Name {
	case Organizations.Name:
		partners := map[accord.ID][]string{}
		for _, p := range orgs {
			if p.Kind != directory.KindPartner {
				continue
			}
			served, err := all(func(pg accord.Page) ([]directory.Organization, string, error) {
				return s.dir.ListOrganizations(ctx, now, directory.OrgFilter{PartnerID: &p.ID}, pg)
			})
			if err != nil {
				return nil, err
			}
			for _, c := range served {
				partners[c.ID] = append(partners[c.ID], p.Name)
			}
		}
		for _, o := range orgs {
			slices.Sort(partners[o.ID])
			rows = append(rows, []string{string(o.Kind), o.Name, strings.Join(partners[o.ID], "; ")})
		}
	case Contacts.Name:
		users, err := all(func(p accord.Page) ([]directory.User, string, error) {
			return s.dir.ListUsers(ctx, now, directory.UserFilter{}, p)
		})
		if err != nil {
			return nil, err
		}
		for _, u := range users {
			rows = append(rows, []string{names[u.OrgID], u.Email, u.Name, string(u.Role), u.Locale, u.TimeZone,
				strconv.FormatBool(u.AuthorizedContact), strconv.FormatBool(u.CustomerAdmin)})
		}
	case Contracts.Name:
		terms, err := all(func(p accord.Page) ([]contracts.Contract, string, error) {
			return s.contracts.List(ctx, now, contracts.Filter{}, p)
		})
		if err != nil {
			return nil, err
		}
		slices.SortStableFunc(terms, func(a, b contracts.Contract) int {
			return strings.Compare(names[a.OrgID]+"\x00"+a.SignedOn, names[b.OrgID]+"\x00"+b.SignedOn)
		})
		for _, c := range terms {
			if c.CancelledOn != "" {
				continue
			}
			lic := make([]string, len(c.Licences))
			for i, l := range c.Licences {
				lic[i] = fmt.Sprintf("%s=%d", l.Module, l.Quantity)
			}
			// A partner outside the actor's scope stays blank rather
			// than named.
			rows = append(rows, []string{names[c.OrgID], names[c.PartnerID], c.Plan, c.SignedOn, strconv.Itoa(c.Years), strings.Join(lic, ";")})
		}
	default:
		return nil, fmt.Errorf("unknown sheet %q", sh.Name)
	}
	out := [][]string{sh.Columns}
	for _, r := range rows {
		for i := range r {
			r[i] = Escape(r[i])
		}
		out = append(out, r)
	}
	return out, nil
}

// all reads every page of a list.
func all[T any](list func(accord.Page) ([]T, string, error)) ([]T, error) {
	var out []T
	p := accord.Page{Limit: accord.MaxLimit}
	for {
		l, next, err := list(p)
		if err != nil {
			return nil, err
		}
		out = append(out, l...)
		if next == "" {
			return out, nil
		}
		p.Cursor = next
	}
}

// WriteCSV writes rows as CSV.
func WriteCSV(w io.Writer, rows [][]string) error {
	cw := csv.NewWriter(w)
	if err := cw.WriteAll(rows); err != nil {
		return err
	}
	return cw.Error()
}

// WriteXLSX writes one sheet per table of rows, in the order of sheets.
// Cells are written as text, so that a date or number reads back as it was
// exported.
func WriteXLSX(w io.Writer, sheets []Sheet, tables [][][]string) error {
	f := excelize.NewFile()
	defer f.Close()
	for i, sh := range sheets {
		if i == 0 {
			if err := f.SetSheetName(f.GetSheetName(0), sh.Name); err != nil {
				return err
			}
		} else if _, err := f.NewSheet(sh.Name); err != nil {
			return err
		}
		sw, err := f.NewStreamWriter(sh.Name)
		if err != nil {
			return err
		}
		for r, row := range tables[i] {
			cells := make([]any, len(row))
			for c, v := range row {
				cells[c] = v
			}
			cell, _ := excelize.CoordinatesToCellName(1, r+1)
			if err := sw.SetRow(cell, cells); err != nil {
				return err
			}
		}
		if err := sw.Flush(); err != nil {
			return err
		}
	}
	return f.Write(w)
}
