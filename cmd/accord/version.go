package main

import (
	"context"
	"fmt"
	"runtime/debug"

	"accord/internal/store"
)

// runVersion prints what this binary is: its version, the commit it was
// built from and the database schema it brings (its newest migration),
// which is what a database must not be newer than.
func runVersion(_ context.Context, e *env, args []string) error {
	fs := newFlags(e, "version", "version (also accord --version)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	version, commit := buildVersion()
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
	fmt.Fprintf(e.stdout, "accord %s\ncommit: %s\nschema: %d\n", version, commit, schema)
	return nil
}

// buildVersion is this binary's version and the commit it was built from,
// as runVersion prints them and backups record them.
func buildVersion() (version, commit string) {
	version, commit = "(devel)", "unknown"
	if info, ok := debug.ReadBuildInfo(); ok {
		if v := info.Main.Version; v != "" {
			version = v
		}
		modified := ""
		for _, s := range info.Settings {
			switch {
			case s.Key == "vcs.revision":
				commit = s.Value
			case s.Key == "vcs.modified" && s.Value == "true":
				modified = " (modified)"
			}
		}
		if commit != "unknown" {
			commit += modified
		}
	}
	return version, commit
}
