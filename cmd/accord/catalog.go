package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"accord/internal/accord"
	"accord/internal/engagements"
	"accord/internal/yamldoc"
)

// runCatalog shows, exports, imports and lists versions of the
// professional-services catalog. Every subcommand that opens the database
// first loads the default policy and catalog into a database that has none.
func runCatalog(ctx context.Context, e *env, args []string) error {
	return runGroup(ctx, e, "catalog", []subcommand{
		{"show", "the current catalog: services, minimum hours, lead times", catalogShow},
		{"export", "write a catalog version's document to standard output", catalogExport},
		{"import", "validate a document and make it the next version", catalogImport},
		{"versions", "list the catalog's versions, newest first", catalogVersions},
	}, args)
}

// openCatalog is openPolicy for the catalog's commands.
func openCatalog(ctx context.Context, db *dbFlags, reading bool) (context.Context, *services, func(), error) {
	return openAs(ctx, db, "accord catalog", reading)
}

// readCatalog reads FILE, or standard input for "-", up to one byte more
// than a catalog may have, so that the parser reports the excess.
func readCatalog(e *env, file string) ([]byte, error) {
	var r io.Reader = e.stdin
	if file != "-" {
		f, err := os.Open(file)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r = f
	}
	return io.ReadAll(io.LimitReader(r, engagements.MaxDocument+1))
}

func catalogShow(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "catalog show", "catalog show [--version N] [flags]")
	var db dbFlags
	db.register(fs, e)
	version := fs.Int("version", 0, "the version to show; default: the current one")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	ctx, svc, done, err := openCatalog(ctx, &db, true)
	if err != nil {
		return err
	}
	defer done()
	var v engagements.Version
	var c *engagements.Catalog
	if *version == 0 {
		v, c, err = svc.engagements.CurrentCatalog(ctx)
	} else {
		v, c, err = svc.engagements.CatalogVersion(ctx, *version)
	}
	if err != nil {
		return err
	}
	return printCatalog(e.stdout, v, c)
}

// printCatalog writes a version's summary: where it came from, the rate
// card, and each service's minimum and lead time.
func printCatalog(w io.Writer, v engagements.Version, c *engagements.Catalog) error {
	fmt.Fprintf(w, "catalog version %d (%s), %s by %s, sha256 %s\n", v.Number, v.Note, v.CreatedAt.UTC().Format("2006-01-02 15:04 UTC"), v.CreatedBy, v.SHA256)
	fmt.Fprintf(w, "calendar %s; %s %s an hour; on site outside %s +%d%%; outside services hours +%d%%\n\n",
		c.Calendar, c.Rates.Currency, c.Rates.Hourly, c.HomeCity, c.Rates.OnSiteOutsideHomeCity, c.Rates.OutOfHours)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SERVICE\tNAME\tDELIVERED BY\tMINIMUM\tLEAD TIME\tFORMATS")
	for _, key := range slices.Sorted(maps.Keys(c.Services)) {
		s := c.Services[key]
		minimum := strconv.Itoa(s.MinimumHours) + " hours"
		if s.FixedPrice != nil {
			minimum = "fixed " + s.FixedPrice.String()
		}
		lead := fmt.Sprintf("%d working days after %s", s.LeadDays, s.LeadFrom)
		if s.LeadDays == 0 {
			lead = "none"
		}
		formats := "-"
		if len(s.Formats) > 0 {
			formats = strings.Join(s.FormatKeys(), ", ")
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", key, s.Name, s.DeliveredBy, minimum, lead, formats)
	}
	return tw.Flush()
}

func catalogExport(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "catalog export", "catalog export [--version N] [flags] > catalog.yaml")
	var db dbFlags
	db.register(fs, e)
	version := fs.Int("version", 0, "the version to export; default: the current one")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	ctx, svc, done, err := openCatalog(ctx, &db, true)
	if err != nil {
		return err
	}
	defer done()
	var v engagements.Version
	if *version == 0 {
		v, _, err = svc.engagements.CurrentCatalog(ctx)
	} else {
		v, _, err = svc.engagements.CatalogVersion(ctx, *version)
	}
	if err != nil {
		return err
	}
	_, err = io.WriteString(e.stdout, v.Document)
	return err
}

func catalogImport(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "catalog import", "catalog import FILE [--note TEXT] [flags] (FILE - reads standard input)")
	var db dbFlags
	db.register(fs, e)
	note := fs.String("note", "", "why the catalog changes, recorded with the version; default: imported")
	languages := languagesFlag(fs, e)
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageError{"usage: accord catalog import FILE [--note TEXT]"}
	}
	langs, err := languagesOf(*languages)
	if err != nil {
		return err
	}
	doc, err := readCatalog(e, pos[0])
	if err != nil {
		return err
	}
	// Validate before touching the database: a bad file saves nothing.
	if _, err := engagements.ParseCatalog(doc); err != nil {
		printProblems(e.stderr, pos[0], err)
		return exitError{1}
	}
	ctx, svc, done, err := openCatalog(ctx, &db, false)
	if err != nil {
		return err
	}
	defer done()
	svc.setLanguages(langs)
	v, err := svc.engagements.ImportCatalog(ctx, time.Now(), string(doc), *note)
	if errors.As(err, new(yamldoc.Problems)) {
		printProblems(e.stderr, pos[0], err)
		return exitError{1}
	}
	if err != nil {
		return err
	}
	printWarnings(e.stderr, pos[0], v.Warnings)
	fmt.Fprintf(e.stdout, "imported %s as catalog version %d (sha256 %s)\n", pos[0], v.Number, v.SHA256)
	return nil
}

func catalogVersions(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "catalog versions", "catalog versions [flags] (newest first)")
	var db dbFlags
	db.register(fs, e)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	ctx, svc, done, err := openCatalog(ctx, &db, true)
	if err != nil {
		return err
	}
	defer done()
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "VERSION\tCREATED\tBY\tSHA256\tNOTE")
	p := accord.Page{Limit: accord.MaxLimit}
	for {
		vs, next, err := svc.engagements.CatalogVersions(ctx, p)
		if err != nil {
			return err
		}
		for _, v := range vs {
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", v.Number, v.CreatedAt.UTC().Format("2006-01-02 15:04 UTC"), v.CreatedBy, v.SHA256[:12], v.Note)
		}
		if next == "" {
			return tw.Flush()
		}
		p.Cursor = next
	}
}
