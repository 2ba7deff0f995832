package reports

import (
	"encoding/csv"
	"io"
	"strconv"

	"accord/internal/sheets"
)

// SLAColumns are the columns of the SLA report as a table (CSV).
var SLAColumns = []string{"month", "customer_id", "customer", "plan", "criticality", "cases", "met", "breached",
	"not_guaranteed", "pending", "reclassified", "responded", "median_first_response_seconds", "median_first_response",
	"p90_first_response_seconds", "p90_first_response"}

// TotalLabel is the customer cell of the totals row.
const TotalLabel = "Total"

// Table returns the report as rows of text: SLAColumns, a row per
// customer, plan and criticality, and the totals, whose customer cell is
// TotalLabel and whose customer_id, plan and criticality are empty.
// Percentiles of rows without a response are empty. Cells are not escaped.
func (r SLAReport) Table() [][]string {
	out := make([][]string, 0, len(r.Rows)+2)
	out = append(out, SLAColumns)
	for _, row := range r.Rows {
		out = append(out, row.cells())
	}
	total := r.Total.cells()
	total[2] = TotalLabel
	return append(out, total)
}

func (row SLARow) cells() []string {
	n := strconv.Itoa
	span := func(s *Span) (string, string) {
		if s == nil {
			return "", ""
		}
		return strconv.FormatInt(s.Seconds, 10), s.Text
	}
	medS, med := span(row.Median)
	p90S, p90 := span(row.P90)
	return []string{row.Month, string(row.OrgID), row.Customer, row.Plan, string(row.Criticality), n(row.Cases), n(row.Met),
		n(row.Breached), n(row.NotGuaranteed), n(row.Pending), n(row.Reclassified), n(row.Responded), medS, med, p90S, p90}
}

// WriteCSV writes r's Table as CSV, every cell through sheets.Escape, so
// that a customer named "=HYPERLINK(...)" is text in a spreadsheet, not a
// formula.
func WriteCSV(w io.Writer, r SLAReport) error {
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
