package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"reflect"

	"accord/internal/accord"
	"accord/internal/cases"
)

// A case's integration evaluation and appliance repair live in rows of
// their own, one per case, read with the case and written with its change.

const feasibilityColumns = `platform, state, flagged_at, started_at, analysis, analysed_at, relevant, reasons, decided_at, target_date, date_set_at`

const repairColumns = `installation_id, product, serial, step, requested_at, received_at, diagnosed_at, diagnosis, fixed_at, fix,
	replacement_serial, shipped_at, carrier, tracking`

// readCasework fills c's Feasibility and Repair, if it has them.
func readCasework(ctx context.Context, q queryer, c *cases.Case) error {
	var f cases.Feasibility
	var started, analysed, decided, dateSet sql.NullTime
	var relevant sql.NullBool
	err := q.QueryRowContext(ctx, `SELECT `+feasibilityColumns+` FROM case_feasibility WHERE case_id = $1`, c.ID).Scan(
		&f.Platform, &f.State, &f.FlaggedAt, &started, &f.Analysis, &analysed, &relevant, &f.Reasons, &decided, &f.TargetDate, &dateSet)
	switch {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		return fmt.Errorf("case feasibility: %w", err)
	default:
		f.FlaggedAt, f.StartedAt, f.AnalysedAt, f.DecidedAt, f.DateSetAt = f.FlaggedAt.UTC(), utcPtr(started), utcPtr(analysed), utcPtr(decided), utcPtr(dateSet)
		if relevant.Valid {
			f.Relevant = &relevant.Bool
		}
		c.Feasibility = &f
	}
	var r cases.Repair
	var received, diagnosed, fixed, shipped sql.NullTime
	err = q.QueryRowContext(ctx, `SELECT `+repairColumns+` FROM case_repairs WHERE case_id = $1`, c.ID).Scan(
		&r.InstallationID, &r.Product, &r.Serial, &r.Step, &r.RequestedAt, &received, &diagnosed, &r.Diagnosis, &fixed, &r.Fix,
		&r.Replacement, &shipped, &r.Carrier, &r.Tracking)
	switch {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		return fmt.Errorf("case repair: %w", err)
	default:
		r.RequestedAt, r.ReceivedAt, r.DiagnosedAt, r.FixedAt, r.ShippedAt = r.RequestedAt.UTC(), utcPtr(received), utcPtr(diagnosed), utcPtr(fixed), utcPtr(shipped)
		c.Repair = &r
	}
	return nil
}

// writeCasework writes the evaluation and the repair of c that differ
// from old's.
func (db *DB) writeCasework(ctx context.Context, tx *sql.Tx, old, c cases.Case) error {
	if f := c.Feasibility; f != nil && !reflect.DeepEqual(f, old.Feasibility) {
		var relevant any
		if f.Relevant != nil {
			relevant = *f.Relevant
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO case_feasibility (case_id, org_id, `+feasibilityColumns+`)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
			ON CONFLICT (case_id) DO UPDATE SET platform = excluded.platform, state = excluded.state, flagged_at = excluded.flagged_at,
				started_at = excluded.started_at, analysis = excluded.analysis, analysed_at = excluded.analysed_at, relevant = excluded.relevant,
				reasons = excluded.reasons, decided_at = excluded.decided_at, target_date = excluded.target_date, date_set_at = excluded.date_set_at`,
			old.ID, old.OrgID, f.Platform, string(f.State), f.FlaggedAt.UTC(), nullTime(f.StartedAt), f.Analysis, nullTime(f.AnalysedAt), relevant,
			f.Reasons, nullTime(f.DecidedAt), f.TargetDate, nullTime(f.DateSetAt)); err != nil {
			return db.mapErr(fmt.Errorf("write case feasibility: %w", err))
		}
	}
	if r := c.Repair; r != nil && !reflect.DeepEqual(r, old.Repair) {
		if _, err := tx.ExecContext(ctx, `INSERT INTO case_repairs (case_id, org_id, `+repairColumns+`)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
			ON CONFLICT (case_id) DO UPDATE SET installation_id = excluded.installation_id, product = excluded.product, serial = excluded.serial,
				step = excluded.step, requested_at = excluded.requested_at, received_at = excluded.received_at, diagnosed_at = excluded.diagnosed_at,
				diagnosis = excluded.diagnosis, fixed_at = excluded.fixed_at, fix = excluded.fix, replacement_serial = excluded.replacement_serial,
				shipped_at = excluded.shipped_at, carrier = excluded.carrier, tracking = excluded.tracking`,
			old.ID, old.OrgID, string(r.InstallationID), r.Product, r.Serial, string(r.Step), r.RequestedAt.UTC(), nullTime(r.ReceivedAt),
			nullTime(r.DiagnosedAt), r.Diagnosis, nullTime(r.FixedAt), string(r.Fix), r.Replacement, nullTime(r.ShippedAt), r.Carrier, r.Tracking); err != nil {
			return db.mapErr(fmt.Errorf("write case repair: %w", err))
		}
	}
	return nil
}

// Appliance reads an installation of customer inside scope.
func (s *Cases) Appliance(ctx context.Context, scope accord.Scope, customer, installation accord.ID) (cases.Appliance, error) {
	var w where
	w.add("i.id = ?", installation)
	w.add("i.org_id = ?", customer)
	w.scope("i.org_id", scope)
	return oneRow(func(r interface{ Scan(...any) error }) (cases.Appliance, error) {
		var a cases.Appliance
		var serial sql.NullString
		err := r.Scan(&a.ID, &a.OrgID, &a.Product, &a.Deployment, &serial)
		a.Serial = serial.String
		return a, err
	}, s.db.sql.QueryRowContext(ctx, `SELECT i.id, i.org_id, p.name, i.deployment, i.serial
		FROM installations i JOIN products p ON p.id = i.product_id`+w.String(), w.args...), "installation")
}
