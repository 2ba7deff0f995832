package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"accord/internal/accord"
	"accord/internal/products"
	"accord/internal/sheets"
	"accord/internal/store"
)

// progressEvery is how often an import logs its progress when stderr is not
// a terminal (a log file or a CI job).
const progressEvery = 1000

// runImport imports organizations, contacts and contracts from a CSV file or
// an XLSX workbook, all or nothing.
func runImport(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "import", "import orgs|contacts|contracts|all|versions FILE [-dry-run]")
	var db dbFlags
	db.register(fs, e)
	dryRun := fs.Bool("dry-run", false, "check every row and report; store nothing")
	// Flags may come before or after the two arguments.
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 2 {
		return usageError{"usage: accord import orgs|contacts|contracts|all|versions FILE [-dry-run]"}
	}
	data, err := os.ReadFile(pos[1])
	if err != nil {
		return err
	}
	if pos[0] == "versions" {
		return importVersions(ctx, e, db, data, *dryRun)
	}
	tables, err := sheets.Read(data, pos[0])
	var ps sheets.Problems
	if errors.As(err, &ps) {
		fmt.Fprintln(e.stdout, ps.Error())
		return exitError{1}
	}
	if err != nil {
		return err
	}
	d, err := db.openMigrated(ctx, slog.New(slog.DiscardHandler))
	if err != nil {
		return err
	}
	defer d.Close()
	svc := newServices(d)
	ctx = accord.WithActor(ctx, accord.SystemActor("accord import"))
	now := time.Now()
	if err := svc.ensureDefaults(ctx, now); err != nil {
		return err
	}
	total := 0
	for _, t := range tables {
		total += len(t.Rows)
	}
	onRow, done := progress(e.stderr, total)
	rep, err := sheets.NewService(svc.directory, svc.contracts, store.NewImports(d)).Import(ctx, now, tables, *dryRun, onRow)
	done()
	if err != nil {
		return err
	}
	if len(rep.Problems) > 0 {
		fmt.Fprintln(e.stdout, rep.Problems.Error())
		fmt.Fprintf(e.stdout, "%d problem(s); nothing was imported\n", len(rep.Problems))
		return exitError{1}
	}
	c := rep.Counts
	verb := "imported"
	if *dryRun {
		verb = "dry run clean; would import"
	}
	fmt.Fprintf(e.stdout, "%s %d organization(s), %d partner link(s), %d contact(s), %d contract(s)\n",
		verb, c.Organizations, c.PartnerLinks, c.Contacts, c.Contracts)
	return nil
}

// progress returns a per-row callback and a function to call at the end: a
// progress bar when w is a terminal, else a log line every progressEvery rows.
func progress(w io.Writer, total int) (func(), func()) {
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		bar := progressbar.NewOptions(total, progressbar.OptionSetWriter(w), progressbar.OptionSetDescription("checking rows"),
			progressbar.OptionShowCount(), progressbar.OptionClearOnFinish())
		return func() { _ = bar.Add(1) }, func() { _ = bar.Finish() }
	}
	n := 0
	return func() {
		n++
		if n%progressEvery == 0 {
			fmt.Fprintf(w, "checked %d of %d rows\n", n, total)
		}
	}, func() {}
}

// runExport writes organizations, contacts or contracts as CSV or XLSX.
func runExport(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "export", "export orgs|contacts|contracts|all [-format csv|xlsx] [-out FILE]")
	var db dbFlags
	db.register(fs, e)
	format := fs.String("format", "", "csv or xlsx; default: from -out's extension, else csv (all: xlsx)")
	out := fs.String("out", "", "file to write; default: standard output")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageError{"usage: accord export orgs|contacts|contracts|all [-format csv|xlsx] [-out FILE]"}
	}
	want, err := sheets.SheetsFor(pos[0])
	if err != nil {
		return usageError{err.Error()}
	}
	if *format == "" {
		*format = strings.TrimPrefix(strings.ToLower(filepath.Ext(*out)), ".")
		if *format != "xlsx" {
			*format = map[bool]string{true: "xlsx", false: "csv"}[len(want) > 1]
		}
	}
	if *format != "csv" && *format != "xlsx" {
		return usageError{fmt.Sprintf("-format: %q is not csv or xlsx", *format)}
	}
	if *format == "csv" && len(want) > 1 {
		return usageError{"export all writes an XLSX workbook; use -format xlsx"}
	}
	d, err := db.openExisting(ctx)
	if err != nil {
		return err
	}
	defer d.Close()
	svc := newServices(d)
	ctx = accord.WithActor(ctx, accord.SystemActor("accord export"))
	var buf bytes.Buffer
	if err := export(ctx, sheets.NewService(svc.directory, svc.contracts, store.NewImports(d)), time.Now(), want, *format, &buf); err != nil {
		return err
	}
	if *out == "" {
		_, err = e.stdout.Write(buf.Bytes())
		return err
	}
	return os.WriteFile(*out, buf.Bytes(), 0o600)
}

func export(ctx context.Context, s *sheets.Service, now time.Time, want []sheets.Sheet, format string, w io.Writer) error {
	tables := make([][][]string, len(want))
	for i, sh := range want {
		rows, err := s.Export(ctx, now, sh)
		if err != nil {
			return err
		}
		tables[i] = rows
	}
	if format == "xlsx" {
		return sheets.WriteXLSX(w, want, tables)
	}
	return sheets.WriteCSV(w, tables[0])
}

// importVersions imports products' versions as drafts from a CSV file or
// an XLSX workbook (columns product, number, released_on, end_of_support,
// notes), all or nothing; problems are listed by row and column.
func importVersions(ctx context.Context, e *env, db dbFlags, data []byte, dryRun bool) error {
	t, err := sheets.ReadOne(data, sheets.Versions)
	var ps sheets.Problems
	if errors.As(err, &ps) {
		fmt.Fprintln(e.stdout, ps.Error())
		return exitError{1}
	}
	if err != nil {
		return err
	}
	d, err := db.openMigrated(ctx, slog.New(slog.DiscardHandler))
	if err != nil {
		return err
	}
	defer d.Close()
	svc := newServices(d)
	ctx = accord.WithActor(ctx, accord.SystemActor("accord import"))
	rows := make([]products.VersionRow, len(t.Rows))
	for i, r := range t.Rows {
		c := r.Cells
		rows[i] = products.VersionRow{Row: r.Number, Product: c["product"], Number: c["number"], ReleasedOn: c["released_on"],
			EndOfSupport: c["end_of_support"], Notes: c["notes"]}
	}
	n, problems, err := svc.products.ImportVersions(ctx, time.Now(), rows, dryRun)
	if err != nil {
		return err
	}
	if len(problems) > 0 {
		for _, p := range problems {
			ps = append(ps, sheets.Problem{Sheet: sheets.Versions.Name, Row: p.Row, Column: p.Column, Message: p.Message})
		}
		fmt.Fprintln(e.stdout, ps.Error())
		fmt.Fprintf(e.stdout, "%d problem(s); nothing was imported\n", len(ps))
		return exitError{1}
	}
	verb := "imported"
	if dryRun {
		verb = "dry run clean; would import"
	}
	fmt.Fprintf(e.stdout, "%s %d version(s) as drafts\n", verb, n)
	return nil
}
