package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"accord/internal/accord"
	"accord/internal/raci"
)

// runRaci shows, exports, imports, compares and rolls back the
// responsibility matrices: the default one and environments' own
// versions. Every subcommand that opens the database first loads the
// defaults into a database that has none.
func runRaci(ctx context.Context, e *env, args []string) error {
	return runGroup(ctx, e, "raci", []subcommand{
		{"show", "a matrix as a table: the current default, a version, or an environment's", raciShow},
		{"export", "write a matrix's document to standard output", raciExport},
		{"import", "validate a document and make it the next default version, or an environment's own", raciImport},
		{"diff", "what changes from one default version to another", raciDiff},
		{"rollback", "make a copy of an older default version the next version", raciRollback},
		{"versions", "list the default matrix's versions, newest first", raciVersions},
	}, args)
}

// raciTarget is the matrix a show or export names: a default version
// (0: the current one) or an environment's matrix in force.
func raciTarget(ctx context.Context, svc *services, version int, envID string) (string, *raci.Matrix, string, error) {
	switch {
	case version != 0 && envID != "":
		return "", nil, "", usageError{"give --version or --environment, not both"}
	case envID != "":
		eff, err := svc.raci.ForEnvironment(ctx, accord.ID(envID))
		if err != nil {
			return "", nil, "", err
		}
		if eff.Override == nil {
			v, _, err := svc.raci.Get(ctx, eff.Default.Number)
			return v.Document, eff.Matrix, fmt.Sprintf("environment %s follows default version %d", envID, v.Number), err
		}
		o := eff.Override
		return o.Document, eff.Matrix, fmt.Sprintf("environment %s, its version %d (%s), agreed on default version %d, %s by %s",
			envID, o.Number, o.Note, o.BasedOn, o.CreatedAt.UTC().Format("2006-01-02 15:04 UTC"), o.CreatedBy), nil
	case version != 0:
		v, m, err := svc.raci.Get(ctx, version)
		return v.Document, m, versionLine(v), err
	default:
		v, m, err := svc.raci.Current(ctx)
		return v.Document, m, versionLine(v), err
	}
}

func versionLine(v raci.Version) string {
	return fmt.Sprintf("matrix version %d (%s), %s by %s, sha256 %s", v.Number, v.Note, v.CreatedAt.UTC().Format("2006-01-02 15:04 UTC"), v.CreatedBy, v.SHA256)
}

func raciFlags(e *env, name, usage string) (*flag.FlagSet, *dbFlags, *int, *string) {
	fs := newFlags(e, name, usage)
	var db dbFlags
	db.register(fs, e)
	version := fs.Int("version", 0, "the default version; default: the current one")
	envID := fs.String("environment", "", "an environment's ID: its matrix in force")
	return fs, &db, version, envID
}

func raciShow(ctx context.Context, e *env, args []string) error {
	fs, db, version, envID := raciFlags(e, "raci show", "raci show [--version N | --environment ID] [--lang en-US|pt-BR|es-ES] [flags]")
	lang := fs.String("lang", "en-US", "the language of the activities: en-US, pt-BR or es-ES")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if !slices.Contains(raci.Locales, *lang) {
		return usageError{fmt.Sprintf("--lang: %q is not one of %s", *lang, strings.Join(raci.Locales, ", "))}
	}
	ctx, svc, done, err := openAs(ctx, db, "accord raci", true)
	if err != nil {
		return err
	}
	defer done()
	_, m, line, err := raciTarget(ctx, svc, *version, *envID)
	if err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, line)
	printMatrix(e.stdout, m, *lang)
	return nil
}

// printMatrix writes each process as a table: activity, then the letters
// of vendor, customer and reseller ("-" for an empty cell).
func printMatrix(w io.Writer, m *raci.Matrix, lang string) {
	cell := func(l raci.Letters) string {
		if len(l) == 0 {
			return "-"
		}
		return l.String()
	}
	for _, p := range m.Processes {
		fmt.Fprintf(w, "\n%s (%s)\n", raci.In(p.Name, lang), p.Key)
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "KEY\tVENDOR\tCUSTOMER\tRESELLER\tACTIVITY")
		for _, a := range p.Activities {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", a.Key, cell(a.Parties[raci.Vendor]), cell(a.Parties[raci.Customer]), cell(a.Parties[raci.Reseller]), raci.In(a.Text, lang))
		}
		tw.Flush()
	}
}

func raciExport(ctx context.Context, e *env, args []string) error {
	fs, db, version, envID := raciFlags(e, "raci export", "raci export [--version N | --environment ID] [flags] > matrix.yaml")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	ctx, svc, done, err := openAs(ctx, db, "accord raci", true)
	if err != nil {
		return err
	}
	defer done()
	doc, _, _, err := raciTarget(ctx, svc, *version, *envID)
	if err != nil {
		return err
	}
	_, err = io.WriteString(e.stdout, doc)
	return err
}

func raciImport(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "raci import", "raci import FILE [--environment ID] [--note TEXT] [flags] (FILE - reads standard input)")
	var db dbFlags
	db.register(fs, e)
	note := fs.String("note", "", "why the matrix changes, recorded with the version")
	envID := fs.String("environment", "", "make the document this environment's own version (an override)")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageError{"usage: accord raci import FILE [--environment ID] [--note TEXT]"}
	}
	var r io.Reader = e.stdin
	if pos[0] != "-" {
		f, err := os.Open(pos[0])
		if err != nil {
			return err
		}
		defer f.Close()
		r = f
	}
	// One byte more than a matrix may have, so that the parser reports it.
	doc, err := io.ReadAll(io.LimitReader(r, raci.MaxDocument+1))
	if err != nil {
		return err
	}
	// Validate before touching the database: a bad file saves nothing.
	if _, ps, _ := raci.Parse(doc); ps != nil {
		printProblems(e.stderr, pos[0], ps)
		return exitError{1}
	}
	ctx, svc, done, err := openAs(ctx, &db, "accord raci", false)
	if err != nil {
		return err
	}
	defer done()
	if *envID != "" {
		o, changes, err := svc.raci.SetOverride(ctx, time.Now(), accord.ID(*envID), string(doc), *note)
		if err != nil {
			return raciProblems(e, pos[0], err)
		}
		fmt.Fprintf(e.stdout, "imported %s as version %d of environment %s's matrix (sha256 %s)\n", pos[0], o.Number, *envID, o.SHA256)
		printRaciChanges(e.stdout, changes)
		return nil
	}
	v, changes, err := svc.raci.Import(ctx, time.Now(), string(doc), *note)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "imported %s as matrix version %d (sha256 %s)\n", pos[0], v.Number, v.SHA256)
	printRaciChanges(e.stdout, changes)
	return nil
}

// raciProblems prints an environment's refusal of a document (letters for
// a reseller where none delivers it) like a parse's problems.
func raciProblems(e *env, file string, err error) error {
	var ae *accord.Error
	if errors.As(err, &ae) && ae.Kind == accord.Invalid && len(ae.Problems) > 0 {
		for _, p := range ae.Problems {
			fmt.Fprintf(e.stderr, "%s: %s: %s\n", file, strings.TrimPrefix(p.Field, "document."), p.Msg)
		}
		return exitError{1}
	}
	return err
}

func printRaciChanges(w io.Writer, changes []raci.Change) {
	if len(changes) == 0 {
		fmt.Fprintln(w, "no differences")
	}
	for _, c := range changes {
		fmt.Fprintln(w, c)
	}
}

func raciDiff(ctx context.Context, e *env, args []string) error {
	return versionsCommand(ctx, e, args, "raci diff", "A B", "what changes from default version A to version B", true,
		func(ctx context.Context, svc *services, v []int) error {
			changes, err := svc.raci.Diff(ctx, v[0], v[1])
			if err != nil {
				return err
			}
			printRaciChanges(e.stdout, changes)
			return nil
		})
}

func raciRollback(ctx context.Context, e *env, args []string) error {
	return versionsCommand(ctx, e, args, "raci rollback", "N", "the next default version becomes a copy of version N", false,
		func(ctx context.Context, svc *services, n []int) error {
			v, changes, err := svc.raci.Rollback(ctx, time.Now(), n[0])
			if err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "matrix version %d is a copy of version %d\n", v.Number, n[0])
			printRaciChanges(e.stdout, changes)
			return nil
		})
}

func raciVersions(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "raci versions", "raci versions [flags] (newest first)")
	var db dbFlags
	db.register(fs, e)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	ctx, svc, done, err := openAs(ctx, &db, "accord raci", true)
	if err != nil {
		return err
	}
	defer done()
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "VERSION\tCREATED\tBY\tSHA256\tNOTE")
	p := accord.Page{Limit: accord.MaxLimit}
	for {
		vs, next, err := svc.raci.List(ctx, p)
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
