package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"accord/internal/cases"
	"accord/internal/reports"
	"accord/internal/sla"
)

// replayShown is how many flipped cases the table lists; --json lists up
// to cases.MaxFlips.
const replayShown = 50

func policyReplay(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "policy replay", "policy replay --file draft.yaml|--version N --from YYYY-MM-DD --to YYYY-MM-DD [--case NUMBER] [--json] [flags]")
	var db dbFlags
	db.register(fs, e)
	file := fs.String("file", "", "a policy document not imported yet (- reads standard input)")
	version := fs.Int("version", 0, "a stored policy version")
	fromFlag := fs.String("from", "", "the first day of the cases' receipt, `YYYY-MM-DD`, read in America/New_York (required)")
	toFlag := fs.String("to", "", "the day after the last, `YYYY-MM-DD` (required)")
	number := fs.Int64("case", 0, "explain this case's clock under both policies (a case `number`); default: the first flipped case")
	asJSON := fs.Bool("json", false, "write the report as JSON")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if (*file == "") == (*version == 0) {
		return usageError{"give either --file draft.yaml or --version N"}
	}
	if *fromFlag == "" || *toFlag == "" {
		return usageError{"--from and --to are required"}
	}
	cfg := reports.DefaultConfig()
	q := reports.ReplayQuery{Version: *version, Name: *file, Explain: *number}
	var err error
	if q.From, err = cfg.Day("from", *fromFlag); err != nil {
		return reportError(err)
	}
	if q.To, err = cfg.Day("to", *toFlag); err != nil {
		return reportError(err)
	}
	if *file != "" {
		// Checked before opening the database, as policy import does.
		if q.Document, err = readDocument(e, *file); err != nil {
			return err
		}
		if _, err := sla.Parse(q.Document); err != nil {
			printProblems(e.stderr, *file, err)
			return exitError{1}
		}
	}
	ctx, svc, done, err := openPolicy(ctx, &db, true)
	if err != nil {
		return err
	}
	defer done()
	progress, finish := replayProgress(e.stderr)
	start := time.Now()
	rep, err := svc.reports.Replay(ctx, start, q, progress)
	finish()
	if err != nil {
		if errors.As(err, new(sla.Problems)) {
			printProblems(e.stderr, *file, err)
			return exitError{1}
		}
		return reportError(err)
	}
	out := replayOutput{ReplayReport: rep, Zone: cfg.ZoneName(), Elapsed: time.Since(start).Seconds()}
	if *asJSON {
		return writeJSON(e.stdout, out)
	}
	return printReplay(e.stdout, out)
}

// replayOutput is a replay's report with where its days were read and how
// long it took.
type replayOutput struct {
	cases.ReplayReport
	Zone    string  `json:"zone"`
	Elapsed float64 `json:"elapsed_seconds"`
}

// replayProgress returns a counter of the cases read, drawn on w when it
// is a terminal, and what clears it.
func replayProgress(w io.Writer) (func(int), func()) {
	f, ok := w.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return nil, func() {}
	}
	bar := progressbar.NewOptions(-1, progressbar.OptionSetWriter(w), progressbar.OptionSetDescription("replaying"),
		progressbar.OptionShowCount(), progressbar.OptionShowIts(), progressbar.OptionSetItsString("cases"), progressbar.OptionClearOnFinish())
	return func(n int) { _ = bar.Set(n) }, func() { _ = bar.Finish() }
}

func printReplay(w io.Writer, r replayOutput) error {
	day := func(t time.Time) string { return t.In(zoneOf(r.Zone)).Format("2006-01-02") }
	rate := 0.0
	if r.Elapsed > 0 {
		rate = float64(r.Total.Cases) / r.Elapsed
	}
	fmt.Fprintf(w, "Replay under %s of the cases received from %s up to %s (%s), judged at %s\n", r.Draft, day(r.From), day(r.To), r.Zone,
		r.At.Format(time.RFC3339))
	fmt.Fprintf(w, "%d cases in %.1fs (%.0f cases/s): %d flipped, %d skipped; %d differ already when recomputed under their own versions\n\n",
		r.Total.Cases, r.Elapsed, rate, r.Total.Flipped, r.Skipped, r.Drift)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "GROUP\tNAME\tCASES\tMET\tBREACHED\tNOT GUARANTEED\tPENDING\tFLIPPED")
	row := func(group, name string, x cases.ReplayRow) {
		pair := func(a, b int) string {
			if a == b {
				return fmt.Sprint(a)
			}
			return fmt.Sprintf("%d -> %d", a, b)
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t%s\t%s\t%d\n", group, name, x.Cases, pair(x.Actual.Met, x.Draft.Met), pair(x.Actual.Breached, x.Draft.Breached),
			pair(x.Actual.NotGuaranteed, x.Draft.NotGuaranteed), pair(x.Actual.Pending, x.Draft.Pending), x.Flipped)
	}
	row("total", "", r.Total)
	for _, x := range r.Plans {
		row("plan", x.Key, x)
	}
	for _, x := range r.Criticalities {
		row("criticality", x.Key, x)
	}
	for _, x := range r.Customers {
		row("customer", x.Name, x)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w, "\n(actual -> under the draft, where they differ)")
	if len(r.Flips) > 0 {
		fmt.Fprintf(w, "\nFlipped cases (%d", r.Total.Flipped)
		if r.Total.Flipped > replayShown {
			fmt.Fprintf(w, "; the first %d, --json lists up to %d", replayShown, cases.MaxFlips)
		}
		fmt.Fprintln(w, "):")
		tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "CASE\tCUSTOMER\tPLAN\tCRITICALITY\tRECEIVED\tACTUAL\tDRAFT\tDUE\tDUE UNDER DRAFT")
		for _, f := range r.Flips[:min(len(r.Flips), replayShown)] {
			fmt.Fprintf(tw, "#%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", f.Number, f.Customer, f.Plan, f.Criticality, f.ReceivedAt.Format(time.RFC3339),
				f.Actual, f.Draft, instant(f.DueAt), instant(f.DraftDueAt))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	for _, p := range r.Problems {
		fmt.Fprintln(w, "skipped:", p)
	}
	if x := r.Explained; x != nil {
		fmt.Fprintf(w, "\nCase #%d as it happened (policy version %d):\n", x.Number, x.Actual.PolicyVersion)
		explainLines(w, x.Actual)
		fmt.Fprintf(w, "\nCase #%d under %s:\n", x.Number, r.Draft)
		explainLines(w, x.Draft)
	}
	return nil
}

func explainLines(w io.Writer, x cases.Explanation) {
	fmt.Fprintf(w, "  %s, target %s on %s, starts %s, due %s, used %s\n", strings.ReplaceAll(string(x.Status), "_", " "), x.Target, x.Clock,
		x.StartsAt.Format(time.RFC3339), instant(x.DueAt), x.Used)
	for _, s := range x.Why {
		fmt.Fprintln(w, "  -", s)
	}
}

func instant(t *time.Time) string {
	if t == nil {
		return "-"
	}
	return t.Format(time.RFC3339)
}

func zoneOf(name string) *time.Location {
	if l, err := time.LoadLocation(name); err == nil {
		return l
	}
	return time.UTC
}
