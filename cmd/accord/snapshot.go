package main

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"accord/internal/accord"
	"accord/internal/environments"
)

// runSnapshot records and lists the snapshots of managed environments, for
// the vendor's backup automation where it runs beside the database (the
// API's POST /api/v1/environments/{id}/snapshots does the same with a
// token).
func runSnapshot(ctx context.Context, e *env, args []string) error {
	return runGroup(ctx, e, "snapshot", []subcommand{
		{"record", "record a snapshot the backup automation took", snapshotRecord},
		{"list", "list an environment's snapshots not expired, newest first", snapshotList},
	}, args)
}

func snapshotRecord(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "snapshot record", "snapshot record --environment ID --kind KIND --location REF [--taken-at TIME] [--size BYTES] [--checksum SUM] [--verified] [flags]")
	var db dbFlags
	db.register(fs, e)
	envID := fs.String("environment", "", "the environment's `id` (required)")
	takenAt := fs.String("taken-at", "", "when the snapshot was taken, RFC 3339 (`time`); default: now")
	kind := fs.String("kind", "", "daily, pre-change or on-demand (required)")
	size := fs.Int64("size", 0, "the snapshot's size in `bytes`")
	location := fs.String("location", "", "where the snapshot is, or its `reference` (required)")
	checksum := fs.String("checksum", "", "the snapshot's `checksum`, such as sha256:...")
	verified := fs.Bool("verified", false, "the snapshot was verified after it was taken")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *envID == "" || *kind == "" || *location == "" {
		return usageError{"--environment, --kind and --location are required"}
	}
	if !accord.ValidID(*envID) {
		return usageError{fmt.Sprintf("--environment: %q is not an id", *envID)}
	}
	now := time.Now()
	at := now
	if *takenAt != "" {
		t, err := time.Parse(time.RFC3339, *takenAt)
		if err != nil {
			return usageError{fmt.Sprintf("--taken-at: %q is not an RFC 3339 time, such as 2026-11-20T02:00:00Z", *takenAt)}
		}
		at = t
	}
	ctx, svc, done, err := openAs(ctx, &db, "accord snapshot", false)
	if err != nil {
		return err
	}
	defer done()
	sn, err := svc.environments.RecordSnapshot(ctx, now, environments.NewSnapshot{EnvironmentID: accord.ID(*envID), TakenAt: at,
		Kind: environments.SnapshotKind(*kind), SizeBytes: *size, Location: *location, Checksum: *checksum, Verified: *verified})
	if err != nil {
		return flagError(err)
	}
	fmt.Fprintf(e.stdout, "recorded snapshot %s of %s taken %s, kept until %s\n", sn.ID, sn.EnvironmentID,
		sn.TakenAt.Format(time.RFC3339), sn.ExpiresAt.Format(time.RFC3339))
	return nil
}

// flagError names the command line's flag for the input field at fault.
func flagError(err error) error {
	e, ok := err.(*accord.Error)
	if !ok || e.Field == "" {
		return err
	}
	flag := map[string]string{"environment_id": "environment", "taken_at": "taken-at", "size_bytes": "size"}[e.Field]
	if flag == "" {
		flag = strings.ReplaceAll(e.Field, "_", "-")
	}
	return fmt.Errorf("--%s: %s", flag, e.Msg)
}

func snapshotList(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "snapshot list", "snapshot list --environment ID [flags]")
	var db dbFlags
	db.register(fs, e)
	envID := fs.String("environment", "", "the environment's `id` (required)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *envID == "" {
		return usageError{"--environment is required"}
	}
	ctx, svc, done, err := openAs(ctx, &db, "accord snapshot", true)
	if err != nil {
		return err
	}
	defer done()
	l, err := svc.environments.Snapshots(ctx, accord.ID(*envID), time.Time{})
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tTAKEN\tKIND\tSIZE\tVERIFIED\tEXPIRES\tLOCATION")
	for _, sn := range l {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%t\t%s\t%s\n", sn.ID, sn.TakenAt.Format(time.RFC3339), sn.Kind, sn.SizeBytes, sn.Verified,
			sn.ExpiresAt.Format(time.RFC3339), sn.Location)
	}
	return tw.Flush()
}
