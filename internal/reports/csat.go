package reports

import (
	"cmp"
	"context"
	"encoding/csv"
	"io"
	"math"
	"slices"
	"strconv"
	"time"

	"accord/internal/accord"
	"accord/internal/sheets"
	"accord/internal/sla"
)

// Rating is a customer's satisfaction score of a closed case, with what
// the report groups it by.
type Rating struct {
	CaseID      accord.ID
	OrgID       accord.ID
	AssigneeID  accord.ID // "" when nobody had the case
	Criticality sla.Criticality
	Score       int // 1 to 5
	ClosedAt    time.Time
}

// CSAT groups: each row of the report counts the ratings of one customer,
// one agent, one criticality, or all of them.
const (
	GroupAll         = "all"
	GroupCustomer    = "customer"
	GroupAgent       = "agent"
	GroupCriticality = "criticality"
)

// CSATReport is the satisfaction of the cases closed in a month.
type CSATReport struct {
	Month string    `json:"month"`
	Zone  string    `json:"zone"`
	From  time.Time `json:"from"`
	To    time.Time `json:"to"`
	// Total counts every rating; Rows one per customer, agent and
	// criticality, in that order, each group by name.
	Total CSATRow   `json:"total"`
	Rows  []CSATRow `json:"rows"`
}

// CSATRow counts the ratings of a group. CSAT is the share of satisfied
// ratings (4 or 5), the usual definition, in percent with one decimal;
// Average the mean score with two decimals. Both are 0 without ratings.
type CSATRow struct {
	Group     string  `json:"group"`
	Key       string  `json:"key"`  // the customer's or agent's id, the criticality; "" for all and for no agent
	Name      string  `json:"name"` // the customer's or agent's name
	Ratings   int     `json:"ratings"`
	Scores    [5]int  `json:"scores"` // how many gave 1, 2, 3, 4 and 5
	Satisfied int     `json:"satisfied"`
	Average   float64 `json:"average"`
	CSAT      float64 `json:"csat_percent"`
	sum       int     // of the scores
}

func (r *CSATRow) add(score int) {
	r.Ratings++
	r.Scores[score-1]++
	r.sum += score
	if score >= 4 {
		r.Satisfied++
	}
	r.Average = math.Round(float64(r.sum)/float64(r.Ratings)*100) / 100
	r.CSAT = math.Round(float64(r.Satisfied)/float64(r.Ratings)*1000) / 10
}

// CSAT reports the satisfaction ratings of the cases closed in q.Month (in
// the vendor's zone) that the actor may read, per customer, agent and
// criticality. Only the vendor's staff read it: it ranks agents.
func (s *Service) CSAT(ctx context.Context, now time.Time, q Query) (CSATReport, error) {
	const op = "reports.CSAT"
	a, err := accord.ActorFrom(ctx)
	if err != nil {
		return CSATReport{}, err
	}
	if !a.IsVendor() {
		return CSATReport{}, &accord.Error{Kind: accord.Forbidden, Op: op, Msg: "the satisfaction report is for the vendor's staff"}
	}
	from, to, err := s.cfg.Month(q.Month)
	if err != nil {
		return CSATReport{}, err
	}
	scope, err := s.scoped(ctx, now)
	if err != nil {
		return CSATReport{}, err
	}
	if q.OrgID != "" {
		if _, err := s.dir.GetOrganization(ctx, now, q.OrgID); err != nil {
			return CSATReport{}, err
		}
	}
	ratings, err := s.store.Ratings(ctx, scope, from, to, q.OrgID)
	if err != nil {
		return CSATReport{}, accord.Wrap(op, err)
	}
	rep := CSATReport{Month: q.Month, Zone: s.cfg.zone().String(), From: from, To: to, Total: CSATRow{Group: GroupAll}, Rows: []CSATRow{}}
	rows := map[[2]string]*CSATRow{}
	row := func(group, key string) *CSATRow {
		r := rows[[2]string{group, key}]
		if r == nil {
			r = &CSATRow{Group: group, Key: key}
			rows[[2]string{group, key}] = r
		}
		return r
	}
	for _, r := range ratings {
		if r.Score < 1 || r.Score > 5 || !scope.Allows(r.OrgID) {
			continue
		}
		rep.Total.add(r.Score)
		row(GroupCustomer, string(r.OrgID)).add(r.Score)
		row(GroupAgent, string(r.AssigneeID)).add(r.Score)
		row(GroupCriticality, string(r.Criticality)).add(r.Score)
	}
	sys := system(ctx)
	for _, r := range rows {
		switch {
		case r.Group == GroupCustomer:
			o, err := s.dir.GetOrganization(sys, now, accord.ID(r.Key))
			if err != nil {
				return CSATReport{}, accord.Wrap(op, err)
			}
			r.Name = o.Name
		case r.Group == GroupAgent && r.Key != "":
			u, err := s.dir.GetUser(sys, now, accord.ID(r.Key))
			if err != nil {
				return CSATReport{}, accord.Wrap(op, err)
			}
			r.Name = u.Name
		case r.Group == GroupCriticality:
			r.Name = r.Key
		}
		rep.Rows = append(rep.Rows, *r)
	}
	order := map[string]int{GroupCustomer: 0, GroupAgent: 1, GroupCriticality: 2}
	slices.SortFunc(rep.Rows, func(x, y CSATRow) int {
		return cmp.Or(cmp.Compare(order[x.Group], order[y.Group]), cmp.Compare(x.Name, y.Name), cmp.Compare(x.Key, y.Key))
	})
	return rep, nil
}

// CSATColumns are the columns of the satisfaction report as a table.
var CSATColumns = []string{"month", "group", "key", "name", "ratings", "score_1", "score_2", "score_3", "score_4", "score_5",
	"satisfied", "average", "csat_percent"}

// Table returns the report as rows of text: CSATColumns, a row per
// customer, agent and criticality, and the totals (group "all").
func (r CSATReport) Table() [][]string {
	out := [][]string{CSATColumns}
	for _, row := range append(slices.Clone(r.Rows), r.Total) {
		cells := []string{r.Month, row.Group, row.Key, row.Name, strconv.Itoa(row.Ratings)}
		for _, n := range row.Scores {
			cells = append(cells, strconv.Itoa(n))
		}
		cells = append(cells, strconv.Itoa(row.Satisfied), strconv.FormatFloat(row.Average, 'f', 2, 64), strconv.FormatFloat(row.CSAT, 'f', 1, 64))
		out = append(out, cells)
	}
	return out
}

// WriteCSATCSV writes r's Table as CSV, every cell through sheets.Escape.
func WriteCSATCSV(w io.Writer, r CSATReport) error {
	cw := csv.NewWriter(w)
	for _, row := range r.Table() {
		esc := make([]string, len(row))
		for i, v := range row {
			esc[i] = sheets.Escape(v)
		}
		if err := cw.Write(esc); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
