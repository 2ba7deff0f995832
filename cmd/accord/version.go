package main

import (
	"context"
	"fmt"
	"runtime"
	"runtime/debug"

	"accord/internal/store"
)

// version and commit are stamped at build time:
//
//	go build -ldflags "-X main.version=1.0.0 -X main.commit=$(git rev-parse HEAD)" ./cmd/accord
//
// Left empty, they come from the module's build information (the module
// version `go install` records, the VCS revision `go build` does).
var version, commit string

// buildVersion is the version and commit this binary reports: the stamped
// ones, else the build information's, else "(devel)" and "unknown".
func buildVersion() (string, string) {
	v, c := version, commit
	info, ok := debug.ReadBuildInfo()
	if v == "" {
		v = "(devel)"
		if ok && info.Main.Version != "" {
			v = info.Main.Version
		}
	}
	if c == "" {
		c = "unknown"
		if ok {
			modified := ""
			for _, s := range info.Settings {
				switch {
				case s.Key == "vcs.revision":
					c = s.Value
				case s.Key == "vcs.modified" && s.Value == "true":
					modified = " (modified)"
				}
			}
			if c != "unknown" {
				c += modified
			}
		}
	}
	return v, c
}

// runVersion prints what this binary is: its version, the commit it was
// built from, the database schema it brings (its newest migration, which
// is what a database must not be newer than) and the Go release and
// platform it was built with: what a bug report needs.
func runVersion(_ context.Context, e *env, args []string) error {
	fs := newFlags(e, "version", "version (also --version on every command)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	return printVersion(e)
}

func printVersion(e *env) error {
	schema, err := store.LatestMigration(store.SQLite)
	if err != nil {
		return err
	}
	// Both engines bring the same migrations, numbered alike.
	if pg, err := store.LatestMigration(store.Postgres); err != nil {
		return err
	} else if pg != schema {
		return fmt.Errorf("the embedded migrations disagree: SQLite's newest is %d, PostgreSQL's %d", schema, pg)
	}
	v, c := buildVersion()
	fmt.Fprintf(e.stdout, "accord %s\ncommit: %s\nschema: %d\ngo: %s %s/%s\n", v, c, schema, runtime.Version(), runtime.GOOS, runtime.GOARCH)
	return nil
}
