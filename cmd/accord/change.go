package main

import (
	"context"
	"fmt"
	"text/tabwriter"
	"time"

	"accord/internal/accord"
	"accord/internal/changes"
)

// runChange lists change requests, for an operator's scripts (a nightly
// report of what is scheduled, a check before a maintenance night).
func runChange(ctx context.Context, e *env, args []string) error {
	return runGroup(ctx, e, "change", []subcommand{
		{"list", "list change requests, newest first", changeList},
	}, args)
}

func changeList(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "change list", "change list [--environment ID] [--org ID] [--state STATE] [flags]")
	var db dbFlags
	db.register(fs, e)
	envID := fs.String("environment", "", "only the changes of this environment (`id`)")
	orgID := fs.String("org", "", "only the changes of this customer organization (`id`)")
	state := fs.String("state", "", "only the changes in this `state` (draft, submitted, assessed, approved, scheduled, in_progress, completed, failed, rolled_back, cancelled)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	for name, v := range map[string]string{"--environment": *envID, "--org": *orgID} {
		if v != "" && !accord.ValidID(v) {
			return usageError{fmt.Sprintf("%s: %q is not an id", name, v)}
		}
	}
	ctx, svc, done, err := openAs(ctx, &db, "accord change", true)
	if err != nil {
		return err
	}
	defer done()
	f := changes.Filter{EnvironmentID: accord.ID(*envID), OrgID: accord.ID(*orgID), State: changes.State(*state)}
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tENVIRONMENT\tSTATE\tTYPE\tSHUTDOWN\tPLANNED START\tMINUTES\tTITLE")
	for p := (accord.Page{Limit: accord.MaxLimit}); ; {
		l, next, err := svc.changes.List(ctx, time.Now(), f, p)
		if err != nil {
			return flagError(err)
		}
		for _, c := range l {
			start := "-"
			if c.PlannedStart != nil {
				start = c.PlannedStart.UTC().Format(time.RFC3339)
			}
			typ := string(c.Type)
			if typ == "" {
				typ = "-"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%t\t%s\t%d\t%s\n", c.ID, c.EnvironmentName, c.State, typ, c.NeedsShutdown, start, c.Minutes, c.Title)
		}
		if next == "" {
			return tw.Flush()
		}
		p.Cursor = next
	}
}
