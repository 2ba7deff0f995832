package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"accord/internal/accord"
	"accord/internal/reports"
)

// runReport prints reports computed from the database, as the system
// actor: every customer, or the one -org names.
func runReport(ctx context.Context, e *env, args []string) error {
	return runGroup(ctx, e, "report", []subcommand{
		{"sla", "SLA compliance per customer, plan, criticality and month (docs/reports.md)", reportSLA},
		{"csat", "customer satisfaction with the cases closed in a month, per customer, agent and criticality (docs/reports.md)", reportCSAT},
	}, args)
}

func reportSLA(ctx context.Context, e *env, args []string) error {
	return reportMonth(ctx, e, args, "sla", "received")
}

func reportCSAT(ctx context.Context, e *env, args []string) error {
	return reportMonth(ctx, e, args, "csat", "closed")
}

// reportMonth runs the report name of a month, whose cases were received
// or closed in it as what says.
func reportMonth(ctx context.Context, e *env, args []string, name, what string) error {
	fs := newFlags(e, "report "+name, "report "+name+" -month YYYY-MM [-org ID] [-format table|csv|json] [flags]")
	var db dbFlags
	db.register(fs, e)
	month := fs.String("month", "", "the month the cases were "+what+" in, `YYYY-MM`, read in America/New_York (required)")
	org := fs.String("org", "", "only this customer's cases (an organization `id`)")
	format := fs.String("format", "table", "table, csv or json")
	if pos, err := parseInterspersed(fs, args); err != nil {
		return err
	} else if len(pos) > 0 {
		return usageError{fmt.Sprintf("unexpected argument %q; the month is given with -month", pos[0])}
	}
	if _, _, err := reports.DefaultConfig().Month(*month); err != nil {
		return usageError{"-month: " + accord.Public(err).Msg}
	}
	if *org != "" && !accord.ValidID(*org) {
		return usageError{fmt.Sprintf("-org: %q is not an organization id (org_...)", *org)}
	}
	if *format != "table" && *format != "csv" && *format != "json" {
		return usageError{fmt.Sprintf("-format: %q is not table, csv or json", *format)}
	}
	d, err := db.openExisting(ctx)
	if err != nil {
		return err
	}
	defer d.Close()
	svc := newServices(d)
	ctx = accord.WithActor(ctx, accord.SystemActor("accord report"))
	now := time.Now()
	if *org != "" {
		if _, err := svc.directory.GetOrganization(ctx, now, accord.ID(*org)); accord.IsKind(err, accord.NotFound) {
			return fmt.Errorf("-org: no organization %s", *org)
		} else if err != nil {
			return err
		}
	}
	q := reports.Query{Month: *month, OrgID: accord.ID(*org)}
	if name == "csat" {
		rep, err := svc.reports.CSAT(ctx, now, q)
		if err != nil {
			return reportError(err)
		}
		return writeCSAT(e.stdout, *format, rep)
	}
	rep, err := svc.reports.SLA(ctx, now, q)
	if err != nil {
		return reportError(err)
	}
	switch *format {
	case "csv":
		return reports.WriteCSV(e.stdout, rep)
	case "json":
		return writeJSON(e.stdout, rep)
	}
	return printSLA(e.stdout, rep)
}

// reportError makes a refused input a usage error naming its flag.
func reportError(err error) error {
	var fe *accord.Error
	if errors.As(err, &fe) && fe.Kind == accord.Invalid && fe.Field != "" {
		return usageError{"-" + fe.Field + ": " + fe.Msg}
	}
	return err
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// writeCSAT writes the satisfaction report in format: CSV, JSON, or an
// aligned table for a terminal.
func writeCSAT(w io.Writer, format string, r reports.CSATReport) error {
	switch format {
	case "csv":
		return reports.WriteCSATCSV(w, r)
	case "json":
		return writeJSON(w, r)
	}
	fmt.Fprintf(w, "Customer satisfaction with the cases closed in %s (%s)\n\n", r.Month, r.Zone)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "GROUP\tNAME\tRATINGS\t1\t2\t3\t4\t5\tAVERAGE\tCSAT")
	for _, row := range append(r.Rows, r.Total) {
		name := row.Name
		if name == "" {
			name = "-"
		}
		s := row.Scores
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%d\t%d\t%d\t%.2f\t%.1f%%\n", row.Group, name, row.Ratings, s[0], s[1], s[2], s[3], s[4], row.Average, row.CSAT)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if r.Total.Ratings == 0 {
		fmt.Fprintln(w, "\nno closed case of this month has been rated")
	}
	return nil
}

// printSLA writes the report as an aligned table for a terminal.
func printSLA(w io.Writer, r reports.SLAReport) error {
	fmt.Fprintf(w, "SLA compliance of the cases received in %s (%s), as of %s\n\n", r.Month, r.Zone, r.At.UTC().Format("2006-01-02 15:04 UTC"))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "CUSTOMER\tPLAN\tCRITICALITY\tCASES\tMET\tBREACHED\tNOT GUARANTEED\tPENDING\tRECLASSIFIED\tRESPONDED\tMEDIAN\tP90")
	line := func(customer string, row reports.SLARow) {
		span := func(s *reports.Span) string {
			if s == nil {
				return "-"
			}
			return s.Text
		}
		n := strconv.Itoa
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", customer, row.Plan, row.Criticality, n(row.Cases), n(row.Met),
			n(row.Breached), n(row.NotGuaranteed), n(row.Pending), n(row.Reclassified), n(row.Responded), span(row.Median), span(row.P90))
	}
	for _, row := range r.Rows {
		line(row.Customer, row)
	}
	line(reports.TotalLabel, r.Total)
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(r.Rows) == 0 {
		fmt.Fprintln(w, "\nno cases with a response clock were received in this month")
	}
	if len(r.Reclassified) == 0 {
		return nil
	}
	// Each reclassified case with its criticality history: "#12 Acme Bank
	// premium: C3, C1 at 2026-10-06 15:00 UTC, C3 at ... -> breached under C1".
	fmt.Fprintln(w, "\nreclassified cases:")
	for _, c := range r.Reclassified {
		history := []string{string(c.Opened)}
		for _, ch := range c.Reclassifications {
			history = append(history, fmt.Sprintf("%s at %s", ch.To, ch.At.UTC().Format("2006-01-02 15:04 UTC")))
		}
		fmt.Fprintf(w, "  #%d %s %s: %s -> %s under %s\n", c.Number, c.Customer, c.Plan, strings.Join(history, ", "), c.Outcome, c.Criticality)
	}
	return nil
}
