package main

import (
	"context"
	"fmt"
)

func runMigrate(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "migrate", "migrate [flags]")
	var db dbFlags
	db.register(fs, e)
	status := fs.Bool("status", false, "only report the schema version; apply nothing, create nothing")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	open := db.open
	if *status {
		open = db.openFound
	}
	d, err := open(ctx)
	if err != nil {
		return err
	}
	defer d.Close()
	if *status {
		st, err := d.CheckSchema(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "%s: schema at migration %d of %d\n", d, st.Current, st.Latest)
		return nil
	}
	applied, err := d.Migrate(ctx)
	if err != nil {
		return err
	}
	st, err := d.Schema(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%s: applied %d migration(s) %v; schema at %d\n", d, len(applied), applied, st.Current)
	return nil
}
