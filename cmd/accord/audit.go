package main

import (
	"context"
	"fmt"
	"time"

	"accord/internal/accord"
	"accord/internal/audit"
	"accord/internal/store"
)

func runAudit(ctx context.Context, e *env, args []string) error {
	return runGroup(ctx, e, "audit", []subcommand{
		{"verify", "check every hash chain of the audit trail", auditVerify},
	}, args)
}

func auditVerify(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "audit verify", "audit verify [flags]")
	var db dbFlags
	db.register(fs, e)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	d, err := db.openExisting(ctx)
	if err != nil {
		return err
	}
	defer d.Close()
	// The command's check is recorded; the one that ends a restore is not,
	// so that the restored trail stays as it was backed up.
	rep, err := newServices(d).audit.VerifyAndRecord(accord.WithActor(ctx, accord.SystemActor("accord audit verify")), time.Now())
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

// verifyAudit checks every hash chain of d's audit trail, for audit verify
// and for the check that ends a restore.
func verifyAudit(ctx context.Context, d *store.DB) (audit.Report, error) {
	return newServices(d).audit.Verify(accord.WithActor(ctx, accord.SystemActor("accord audit verify")))
}
