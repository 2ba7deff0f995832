package main

import (
	"context"
	"fmt"

	"accord/internal/accord"
)

func runAudit(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || args[0] != "verify" {
		return usageError{"usage: accord audit verify [flags]"}
	}
	fs := newFlags(e, "audit verify", "audit verify [flags]")
	var db dbFlags
	db.register(fs, e)
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	d, err := db.open(ctx)
	if err != nil {
		return err
	}
	defer d.Close()
	if _, err := d.CheckSchema(ctx); err != nil {
		return err
	}
	rep, err := newServices(d).audit.Verify(accord.WithActor(ctx, accord.SystemActor("accord audit verify")))
	if err != nil {
		return err
	}
	if rep.Break != nil {
		fmt.Fprintf(e.stdout, "BROKEN after %d verified event(s): %v\n", rep.Events-1, rep.Break)
		return exitError{1}
	}
	fmt.Fprintf(e.stdout, "intact: %d event(s) in %d organization chain(s)\n", rep.Events, rep.Chains)
	return nil
}
