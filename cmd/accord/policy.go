package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"

	"accord/internal/accord"
	"accord/internal/sla"
	"accord/internal/store"
)

// runPolicy reads, changes, compares and tries out the support policy. Every
// subcommand that opens the database first loads the default policy into a
// database that has none.
func runPolicy(ctx context.Context, e *env, args []string) error {
	return runGroup(ctx, e, "policy", []subcommand{
		{"export", "write a policy version's document to standard output", policyExport},
		{"import", "validate a document and make it the next version", policyImport},
		{"diff", "what changes from one version to another", policyDiff},
		{"rollback", "make a copy of an older version the next version", policyRollback},
		{"due", "when a response is due, and why", policyDue},
		{"replay", "what the cases of a range would have been under a draft or another version (docs/policy.md)", policyReplay},
	}, args)
}

// openPolicy opens the database as the system actor and makes sure it
// holds a policy and a services catalog. A command that only reads
// (reading) opens an existing database and migrates nothing; the others
// migrate it first, creating it if need be.
func openPolicy(ctx context.Context, db *dbFlags, reading bool) (context.Context, *services, func(), error) {
	return openAs(ctx, db, "accord policy", reading)
}

// openAs is openPolicy acting as the system actor named name.
func openAs(ctx context.Context, db *dbFlags, name string, reading bool) (context.Context, *services, func(), error) {
	open := db.openExisting
	if !reading {
		open = func(ctx context.Context) (*store.DB, error) {
			return db.openMigrated(ctx, slog.New(slog.DiscardHandler))
		}
	}
	d, err := open(ctx)
	if err != nil {
		return ctx, nil, nil, err
	}
	svc := newServices(d)
	ctx = accord.WithActor(ctx, accord.SystemActor(name))
	if err := svc.ensureDefaults(ctx, time.Now()); err != nil {
		d.Close()
		return ctx, nil, nil, err
	}
	return ctx, svc, func() { d.Close() }, nil
}

func versionArg(s, name string) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		return 0, usageError{fmt.Sprintf("%s: %q is not a version number (1, 2, ...)", name, s)}
	}
	return n, nil
}

// readDocument reads FILE, or standard input for "-".
func readDocument(e *env, file string) ([]byte, error) {
	var r io.Reader = e.stdin
	if file != "-" {
		f, err := os.Open(file)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r = f
	}
	return io.ReadAll(io.LimitReader(r, sla.MaxDocument+1))
}

// printProblems writes each problem as FILE:line:col: path: message, the
// form editors jump to.
func printProblems(w io.Writer, file string, err error) {
	var ps sla.Problems
	if !errors.As(err, &ps) {
		fmt.Fprintf(w, "%s: %v\n", file, err)
		return
	}
	for _, p := range ps {
		switch {
		case p.Line > 0 && p.Column > 0:
			fmt.Fprintf(w, "%s:%d:%d: %s\n", file, p.Line, p.Column, p)
		case p.Line > 0:
			fmt.Fprintf(w, "%s:%d: %s\n", file, p.Line, p)
		default:
			fmt.Fprintf(w, "%s: %s\n", file, p)
		}
	}
}

// printWarnings writes each warning of an import like a problem, marked
// as a warning: the document was imported all the same.
func printWarnings(w io.Writer, file string, ws sla.Problems) {
	for i := range ws {
		ws[i].Msg = "warning: " + ws[i].Msg
	}
	if len(ws) > 0 {
		printProblems(w, file, ws)
	}
}

func printChanges(w io.Writer, changes []sla.Change) {
	if len(changes) == 0 {
		fmt.Fprintln(w, "no differences")
	}
	for _, c := range changes {
		fmt.Fprintln(w, c)
	}
}

func policyExport(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "policy export", "policy export [--version N] [flags] > policy.yaml")
	var db dbFlags
	db.register(fs, e)
	version := fs.Int("version", 0, "the version to export; default: the current one")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	ctx, svc, done, err := openPolicy(ctx, &db, true)
	if err != nil {
		return err
	}
	defer done()
	var v sla.Version
	if *version == 0 {
		v, _, err = svc.policy.Current(ctx)
	} else {
		v, _, err = svc.policy.Get(ctx, *version)
	}
	if err != nil {
		return err
	}
	_, err = io.WriteString(e.stdout, v.Document)
	return err
}

func policyImport(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "policy import", "policy import FILE [flags] (FILE - reads standard input)")
	var db dbFlags
	db.register(fs, e)
	languages := languagesFlag(fs, e)
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageError{"usage: accord policy import FILE"}
	}
	langs, err := languagesOf(*languages)
	if err != nil {
		return err
	}
	doc, err := readDocument(e, pos[0])
	if err != nil {
		return err
	}
	// Validate before touching the database: a bad file saves nothing.
	if _, err := sla.Parse(doc); err != nil {
		printProblems(e.stderr, pos[0], err)
		return exitError{1}
	}
	ctx, svc, done, err := openPolicy(ctx, &db, false)
	if err != nil {
		return err
	}
	defer done()
	svc.setLanguages(langs)
	v, changes, err := svc.policy.Import(ctx, time.Now(), string(doc))
	if errors.As(err, new(sla.Problems)) {
		printProblems(e.stderr, pos[0], err)
		return exitError{1}
	}
	if err != nil {
		return err
	}
	printWarnings(e.stderr, pos[0], v.Warnings)
	fmt.Fprintf(e.stdout, "imported %s as policy version %d (sha256 %s)\n", pos[0], v.Number, v.SHA256)
	printChanges(e.stdout, changes)
	return nil
}

func policyDiff(ctx context.Context, e *env, args []string) error {
	return versionsCommand(ctx, e, args, "policy diff", "A B", "what changes from version A to version B", true,
		func(ctx context.Context, svc *services, v []int) error {
			changes, err := svc.policy.Diff(ctx, v[0], v[1])
			if err != nil {
				return err
			}
			printChanges(e.stdout, changes)
			return nil
		})
}

func policyRollback(ctx context.Context, e *env, args []string) error {
	return versionsCommand(ctx, e, args, "policy rollback", "N", "the next version becomes a copy of version N", false,
		func(ctx context.Context, svc *services, n []int) error {
			v, changes, err := svc.policy.Rollback(ctx, time.Now(), n[0])
			if err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "policy version %d is a copy of version %d\n", v.Number, n[0])
			printChanges(e.stdout, changes)
			return nil
		})
}

// versionsCommand runs a command of versioned documents ("policy diff",
// "raci rollback") whose arguments are version numbers named in names
// ("A B"), with the database open as the system actor of its group
// ("accord policy"); reading says whether it only reads.
func versionsCommand(ctx context.Context, e *env, args []string, name, names, what string, reading bool,
	run func(ctx context.Context, svc *services, versions []int) error) error {
	fs := newFlags(e, name, name+" "+names+" [flags] ("+what+")")
	var db dbFlags
	db.register(fs, e)
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	want := strings.Fields(names)
	if len(pos) != len(want) {
		return usageError{"usage: accord " + name + " " + names}
	}
	versions := make([]int, len(pos))
	for i, p := range pos {
		if versions[i], err = versionArg(p, want[i]); err != nil {
			return err
		}
	}
	ctx, svc, done, err := openAs(ctx, &db, "accord "+strings.Fields(name)[0], reading)
	if err != nil {
		return err
	}
	defer done()
	return run(ctx, svc, versions)
}

func policyDue(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "policy due", "policy due --plan advanced --criticality C3 --channel portal --received 2024-03-08T21:00:00-05:00 [--phone-at RFC3339] [--policy-version N | --file draft.yaml] [flags]")
	var db dbFlags
	db.register(fs, e)
	var in sla.DueInput
	fs.StringVar(&in.Plan, "plan", "", "plan key, e.g. advanced or premium (required)")
	crit := fs.String("criticality", "", "C1, C2, C3 or C4 (required)")
	channel := fs.String("channel", "portal", "how the case arrived: portal or phone")
	received := fs.String("received", "", "when the case was received, RFC 3339 (required)")
	phoneAt := fs.String("phone-at", "", "portal cases: when the customer called the support line, RFC 3339")
	version := fs.Int("policy-version", 0, "the policy version to use; default: the current one")
	file := fs.String("file", "", "try a policy document not imported yet instead of a stored version (no database needed)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if in.Plan == "" || *crit == "" || *received == "" {
		return usageError{"--plan, --criticality and --received are required"}
	}
	if *file != "" && *version != 0 {
		return usageError{"--file and --policy-version exclude each other"}
	}
	in.Criticality, in.Channel = sla.Criticality(*crit), sla.Channel(*channel)
	var err error
	if in.Received, err = time.Parse(time.RFC3339, *received); err != nil {
		return usageError{fmt.Sprintf("--received: %q is not an RFC 3339 instant like 2024-03-08T21:00:00-05:00", *received)}
	}
	if *phoneAt != "" {
		t, err := time.Parse(time.RFC3339, *phoneAt)
		if err != nil {
			return usageError{fmt.Sprintf("--phone-at: %q is not an RFC 3339 instant", *phoneAt)}
		}
		in.PhoneAt = &t
	}
	var r sla.DueResult
	if *file != "" {
		doc, err := readDocument(e, *file)
		if err != nil {
			return err
		}
		p, err := sla.Parse(doc)
		if err != nil {
			printProblems(e.stderr, *file, err)
			return exitError{1}
		}
		r, err = p.Due(in)
		if err != nil {
			return err
		}
	} else {
		ctx, svc, done, err := openPolicy(ctx, &db, true)
		if err != nil {
			return err
		}
		defer done()
		if r, err = svc.policy.Due(ctx, sla.DueRequest{DueInput: in, Version: *version}); err != nil {
			return err
		}
	}
	enc := json.NewEncoder(e.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}
