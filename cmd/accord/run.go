package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strconv"
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
		{"raci", "show, export, import, diff and roll back the responsibility matrices (RACI)", runRaci},
		{"calendar", "compute due times and working time on a business calendar", runCalendar},
		{"import", "import organizations, contacts and contracts from CSV or XLSX, all or nothing", runImport},
		{"export", "export organizations, contacts and contracts as CSV or XLSX", runExport},
		{"snapshot", "record and list the snapshots of managed environments", runSnapshot},
		{"change", "list the change requests on managed environments", runChange},
		{"report", "print reports: SLA compliance per customer, plan, criticality and month", runReport},
		{"bench", "measure opening cases over the API against pgbench; time the pages people wait on; seed a large history; time the due-work queries", runBench},
		{"version", "print the version, the commit it was built from, the database schema it brings and the Go release", runVersion},
		{"backup", "copy the database and attachments while Accord serves; verify a backup by restoring it", runBackup},
		{"restore", "restore a backup into an empty data directory or database, checked before and after", runRestore},
		{"healthcheck", "ask a running server whether it is ready (GET /readyz); exit 0 when it is, 1 when not", runHealthcheck},
	}
}

// exitError ends a command with a status and no further message: the command
// has already said what went wrong on its own output.
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) int {
	e := &env{getenv: getenv, stdin: stdin, stdout: stdout, stderr: stderr}
	if len(args) == 0 || slices.Contains(helpArgs, args[0]) {
		usage(stdout)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	if args[0] == "--version" || args[0] == "-version" {
		args[0] = "version"
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
		case errors.Is(err, errVersion):
			if err := printVersion(e); err != nil {
				fmt.Fprintf(stderr, "accord %s: %v\n", c.name, err)
				return 1
			}
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
		fmt.Fprintf(w, "  %-12s %s\n", c.name, c.summary)
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
		if f := fs.Lookup("version"); f == nil {
			fmt.Fprintln(e.stdout, "  -version\n    \tprint accord's version, commit, schema and Go version, and exit")
		} else if !isBoolFlag(f) {
			fmt.Fprintln(e.stdout, "\n-version with no number after it prints accord's own version instead")
		}
	}
	return fs
}

// errVersion stops a command before it does anything: --version was among
// its flags, and run prints what `accord version` prints instead.
var errVersion = errors.New("version requested")

// wantsVersion reports whether args ask for accord's version: a --version
// (or -version) among the flags, before any "--". The values of other
// flags are skipped, so "--reason --version" is a reason. Where the
// command has a --version N of its own (the policy, catalog or matrix
// version to show or export), a --version with no number after it is the
// request.
func wantsVersion(fs *flag.FlagSet, args []string) bool {
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			return false
		}
		if len(a) < 2 || a[0] != '-' {
			continue
		}
		name, value, hasValue := strings.Cut(strings.TrimPrefix(a[1:], "-"), "=")
		f := fs.Lookup(name)
		switch {
		case name == "version" && f == nil:
			if b, err := strconv.ParseBool(value); !hasValue || err == nil && b {
				return true
			}
		case f == nil || hasValue || isBoolFlag(f):
		case name == "version" && (i+1 == len(args) || !isNumber(args[i+1])):
			return true
		default:
			i++ // the flag's value
		}
	}
	return false
}

func isNumber(s string) bool {
	_, err := strconv.Atoi(s)
	return err == nil
}

func isBoolFlag(f *flag.Flag) bool {
	b, ok := f.Value.(interface{ IsBoolFlag() bool })
	return ok && b.IsBoolFlag()
}

// parseFlags parses args, which must all be flags: a bad flag, or an
// argument left over, is a usage error. A stray word must not end the
// flags quietly: "serve extra --addr X" would start a server on the
// default address.
func parseFlags(fs *flag.FlagSet, args []string) error {
	pos, err := parseInterspersed(fs, args)
	if err == nil && len(pos) > 0 {
		err = usageError{fmt.Sprintf("unexpected argument %q; %s takes only flags (see -h)", pos[0], fs.Name())}
	}
	return err
}

// parseInterspersed parses flags that may come before or after the
// positional arguments ("import FILE --data-dir d") and returns the latter.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	if wantsVersion(fs, args) {
		return nil, errVersion
	}
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, usageError{strings.TrimSpace(err.Error())}
		}
		if fs.NArg() == 0 {
			return pos, nil
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

// helpArgs ask for a command's help.
var helpArgs = []string{"-h", "-help", "--help", "help"}

// subcommand is one command of a group: "policy export", "audit verify".
type subcommand struct {
	name    string
	summary string
	run     func(ctx context.Context, e *env, args []string) error
}

// runGroup runs the subcommand of group that args name. With none, or an
// unknown one, it is a usage error; -h, --help and help list the
// subcommands on stdout and exit 0.
func runGroup(ctx context.Context, e *env, group string, subs []subcommand, args []string) error {
	names := make([]string, len(subs))
	for i, sc := range subs {
		names[i] = sc.name
	}
	switch {
	case len(args) > 0 && slices.Contains(helpArgs, args[0]):
		fmt.Fprintf(e.stdout, "usage: accord %s %s [flags]\n\ncommands:\n", group, strings.Join(names, "|"))
		for _, sc := range subs {
			fmt.Fprintf(e.stdout, "  %-15s %s\n", sc.name, sc.summary)
		}
		fmt.Fprintf(e.stdout, "\nrun 'accord %s <command> -h' for a command's flags\n", group)
		return flag.ErrHelp
	case len(args) > 0 && strings.HasPrefix(args[0], "-") && wantsVersion(flag.NewFlagSet(group, flag.ContinueOnError), args):
		// A group takes no flags of its own: "accord policy --version".
		return errVersion
	case len(args) == 0 || strings.HasPrefix(args[0], "-"):
		return usageError{fmt.Sprintf("usage: accord %s %s [flags]; run 'accord %s -h' for what each does", group, strings.Join(names, "|"), group)}
	}
	for _, sc := range subs {
		if sc.name == args[0] {
			return sc.run(ctx, e, args[1:])
		}
	}
	want := strings.Join(names, ", ")
	if i := strings.LastIndex(want, ", "); i >= 0 {
		want = want[:i] + " or " + want[i+2:]
	}
	return usageError{fmt.Sprintf("unknown %s command %q; want %s", group, args[0], want)}
}
