package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// env is what a subcommand may touch of the outside world; tests pass their own.
type env struct {
	getenv func(string) string
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
}

type command struct {
	name    string
	summary string
	run     func(ctx context.Context, e *env, args []string) error
}

func commands() []command {
	return []command{
		{"serve", "run the web server and API", runServe},
		{"migrate", "apply database migrations", runMigrate},
		{"admin", "create users, reset passwords and unlock sign-ins from the command line", runAdmin},
		{"audit", "verify the audit trail's hash chains", runAudit},
		{"policy", "export, import, diff and roll back the support policy; compute due times", runPolicy},
		{"catalog", "show, export, import and list versions of the professional-services catalog", runCatalog},
		{"calendar", "compute due times and working time on a business calendar", runCalendar},
		{"import", "import organizations, contacts and contracts from CSV or XLSX, all or nothing", runImport},
		{"export", "export organizations, contacts and contracts as CSV or XLSX", runExport},
		{"report", "print reports: SLA compliance per customer, plan, criticality and month", runReport},
		{"bench", "measure opening cases over the API against pgbench; seed a large history; time the due-work queries", runBench},
	}
}

// exitError ends a command with a status and no further message: the command
// has already said what went wrong on its own output.
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) int {
	e := &env{getenv: getenv, stdin: stdin, stdout: stdout, stderr: stderr}
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(stdout)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	for _, c := range commands() {
		if c.name != args[0] {
			continue
		}
		err := c.run(ctx, e, args[1:])
		var ee exitError
		switch {
		case err == nil:
			return 0
		case errors.Is(err, flag.ErrHelp):
			return 0
		case errors.As(err, &ee):
			return ee.code
		case errors.As(err, new(usageError)):
			fmt.Fprintf(stderr, "accord %s: %v\n", c.name, err)
			return 2
		default:
			fmt.Fprintf(stderr, "accord %s: %v\n", c.name, err)
			return 1
		}
	}
	fmt.Fprintf(stderr, "accord: unknown command %q\n\n", args[0])
	usage(stderr)
	return 2
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: accord <command> [flags]\n\ncommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nrun 'accord <command> -h' for a command's flags")
}

// usageError is a mistake in the command line itself (exit status 2).
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// newFlags makes a flag set that reports parse errors as usage errors instead
// of exiting, and prints its help on the command's stdout.
func newFlags(e *env, name, synopsis string) *flag.FlagSet {
	fs := flag.NewFlagSet("accord "+name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprintf(e.stdout, "usage: accord %s\n\nflags:\n", synopsis)
		fs.SetOutput(e.stdout)
		fs.PrintDefaults()
		fs.SetOutput(e.stderr)
	}
	return fs
}

// parseFlags parses args; a bad flag is a usage error.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{strings.TrimSpace(err.Error())}
	}
	return nil
}
