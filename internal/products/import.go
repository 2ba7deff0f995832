package products

import (
	"context"
	"fmt"
	"strings"
	"time"

	"accord/internal/accord"
	"accord/internal/audit"
)

// VersionRow is one row of a versions sheet (accord import versions): the
// product by its key, then the version's fields.
type VersionRow struct {
	Row          int // as a spreadsheet numbers it: the header is row 1
	Product      string
	Number       string
	ReleasedOn   string
	EndOfSupport string
	Notes        string
}

// RowProblem is what is wrong with a row, by column.
type RowProblem struct {
	Row     int
	Column  string
	Message string
}

// ImportVersions checks every row as CreateVersion would (the product key
// known, the number valid and new to the product and to the file, the
// dates) and, when none has a problem and dryRun is false, stores them all
// as drafts in one transaction. It answers the number of versions the
// rows make and the problems found; with problems, nothing is stored.
func (s *Service) ImportVersions(ctx context.Context, now time.Time, rows []VersionRow, dryRun bool) (int, []RowProblem, error) {
	const op = "products.ImportVersions"
	a, err := admin(ctx, op)
	if err != nil {
		return 0, nil, err
	}
	all, err := s.store.ListProducts(ctx)
	if err != nil {
		return 0, nil, err
	}
	byKey := map[string]Product{}
	for _, p := range all {
		byKey[p.Key] = p
	}
	existing, err := s.store.ListVersions(ctx, "", false)
	if err != nil {
		return 0, nil, err
	}
	taken := map[[2]string]int{} // product id and number: the row that has it, 0 for the database
	for _, v := range existing {
		taken[[2]string{string(v.ProductID), v.Number}] = 0
	}
	now = now.UTC().Truncate(time.Microsecond)
	var ps []RowProblem
	var vs []Version
	var evs []audit.Event
	for _, r := range rows {
		p, ok := byKey[strings.TrimSpace(r.Product)]
		if !ok {
			ps = append(ps, RowProblem{Row: r.Row, Column: "product", Message: fmt.Sprintf("no product has the key %q", r.Product)})
			continue
		}
		v := Version{ID: accord.NewID("ver"), OrgID: p.OrgID, ProductID: p.ID, Number: r.Number, ReleasedOn: strings.TrimSpace(r.ReleasedOn),
			EndOfSupport: strings.TrimSpace(r.EndOfSupport), Notes: r.Notes, State: Draft, CreatedAt: now, UpdatedAt: now}
		if err := versionFields(&v); err != nil {
			for _, pr := range accord.Public(err).Problems {
				ps = append(ps, RowProblem{Row: r.Row, Column: pr.Field, Message: pr.Msg})
			}
			continue
		}
		key := [2]string{string(p.ID), v.Number}
		if at, dup := taken[key]; dup {
			msg := "the product already has this version"
			if at > 0 {
				msg = fmt.Sprintf("the version is also on row %d", at)
			}
			ps = append(ps, RowProblem{Row: r.Row, Column: "number", Message: msg})
			continue
		}
		taken[key] = r.Row
		vs = append(vs, v)
		evs = append(evs, audit.New(a, now, v.OrgID, "product.version_create", "product_version", v.ID,
			after("product_id", p.ID, "number", v.Number, "released_on", v.ReleasedOn, "end_of_support", v.EndOfSupport, "import", true)))
	}
	if len(ps) > 0 || dryRun {
		return len(vs), ps, nil
	}
	if err := s.store.CreateVersions(ctx, vs, evs); err != nil {
		return 0, nil, err
	}
	return len(vs), nil, nil
}
