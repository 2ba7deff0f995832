package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"accord/internal/accord"
	"accord/internal/audit"
	"accord/internal/directory"
)

// Two-factor sign-in: enrolments, recovery codes, sign-in challenges and
// the per-role policy (docs/identity.md).

func (s *Directory) TOTP(ctx context.Context, userID accord.ID) (directory.TOTP, error) {
	return oneRow(scanTOTP, s.db.sql.QueryRowContext(ctx, `SELECT `+totpColumns+` FROM user_totp WHERE user_id = $1`, userID), "two-factor enrolment")
}

const totpColumns = `user_id, org_id, secret, created_at, confirmed_at, last_step`

func scanTOTP(row interface{ Scan(...any) error }) (directory.TOTP, error) {
	var t directory.TOTP
	var confirmed sql.NullTime
	err := row.Scan(&t.UserID, &t.OrgID, &t.Secret, &t.CreatedAt, &confirmed, &t.LastStep)
	t.CreatedAt = t.CreatedAt.UTC()
	if confirmed.Valid {
		c := confirmed.Time.UTC()
		t.ConfirmedAt = &c
	}
	return t, err
}

func (s *Directory) BeginTOTP(ctx context.Context, t directory.TOTP, ev audit.Event) error {
	return s.db.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM user_totp WHERE user_id = $1 AND confirmed_at IS NULL`, t.UserID); err != nil {
			return fmt.Errorf("begin totp: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO user_totp (`+totpColumns+`) VALUES ($1, $2, $3, $4, NULL, 0)`,
			t.UserID, t.OrgID, t.Secret, t.CreatedAt); err != nil {
			if err := s.db.mapErr(err); accord.IsKind(err, accord.Conflict) {
				return &accord.Error{Kind: accord.Conflict, Msg: "two-factor sign-in is already on; turn it off first", Err: err}
			}
			return s.db.mapErr(err)
		}
		return s.db.appendEvent(ctx, tx, ev)
	})
}

func (s *Directory) ChangeTOTP(ctx context.Context, userID accord.ID, decide func(directory.TOTP) (directory.TOTP, error), ch directory.TOTPChange, evs ...audit.Event) error {
	return s.db.tx(ctx, func(tx *sql.Tx) error {
		t, err := oneRow(scanTOTP, tx.QueryRowContext(ctx, `SELECT `+totpColumns+` FROM user_totp WHERE user_id = $1`+s.db.forUpdate(), userID), "two-factor enrolment")
		if err != nil {
			return err
		}
		if ch.UseRecovery != "" {
			res, err := tx.ExecContext(ctx, `UPDATE totp_recovery_codes SET used_at = $1 WHERE hash = $2 AND user_id = $3 AND used_at IS NULL`,
				ch.Now, ch.UseRecovery, userID)
			if err != nil {
				return fmt.Errorf("use recovery code: %w", err)
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return notFound("recovery code")
			}
		}
		if t, err = decide(t); err != nil {
			return err
		}
		if ch.Remove {
			for _, q := range []string{`DELETE FROM totp_recovery_codes WHERE user_id = $1`, `DELETE FROM user_totp WHERE user_id = $1`} {
				if _, err := tx.ExecContext(ctx, q, userID); err != nil {
					return fmt.Errorf("remove totp: %w", err)
				}
			}
		} else if _, err := tx.ExecContext(ctx, `UPDATE user_totp SET confirmed_at = $1, last_step = $2 WHERE user_id = $3`,
			t.ConfirmedAt, t.LastStep, userID); err != nil {
			return fmt.Errorf("update totp: %w", err)
		}
		if ch.Recovery != nil {
			if _, err := tx.ExecContext(ctx, `DELETE FROM totp_recovery_codes WHERE user_id = $1`, userID); err != nil {
				return fmt.Errorf("replace recovery codes: %w", err)
			}
			for _, h := range ch.Recovery {
				if _, err := tx.ExecContext(ctx, `INSERT INTO totp_recovery_codes (hash, user_id, org_id, used_at) VALUES ($1, $2, $3, NULL)`,
					h, userID, t.OrgID); err != nil {
					return s.db.mapErr(err)
				}
			}
		}
		if ch.Challenge != "" {
			// Deleting it is what makes it single-use: of two sign-ins
			// quoting it at once, the second finds nothing.
			res, err := tx.ExecContext(ctx, `DELETE FROM login_challenges WHERE id = $1 AND user_id = $2`, ch.Challenge, userID)
			if err != nil {
				return fmt.Errorf("consume challenge: %w", err)
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return notFound("sign-in challenge")
			}
		}
		if ch.Session != nil {
			if err := s.insertSession(ctx, tx, *ch.Session); err != nil {
				return err
			}
		}
		if ch.Verified != "" {
			if _, err := tx.ExecContext(ctx, `UPDATE sessions SET second_factor_at = $1, enrol_only = $2 WHERE id = $3 AND user_id = $4`,
				ch.Now, false, ch.Verified, userID); err != nil {
				return fmt.Errorf("mark session: %w", err)
			}
		}
		for _, ev := range evs {
			if err := s.db.appendEvent(ctx, tx, ev); err != nil {
				return err
			}
		}
		return nil
	})
}

func (s *Directory) RecoveryCodesLeft(ctx context.Context, userID accord.ID) (int, error) {
	var n int
	err := s.db.sql.QueryRowContext(ctx, `SELECT COUNT(*) FROM totp_recovery_codes WHERE user_id = $1 AND used_at IS NULL`, userID).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count recovery codes: %w", err)
	}
	return n, nil
}

func (s *Directory) CreateChallenge(ctx context.Context, c directory.Challenge, ev audit.Event) error {
	return s.db.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM login_challenges WHERE expires_at <= $1`, c.CreatedAt); err != nil {
			return fmt.Errorf("sweep challenges: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO login_challenges (id, user_id, org_id, address, user_agent, created_at, expires_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`, c.ID, c.UserID, c.OrgID, c.Address, c.UserAgent, c.CreatedAt, c.ExpiresAt); err != nil {
			return s.db.mapErr(err)
		}
		return s.db.appendEvent(ctx, tx, ev)
	})
}

func (s *Directory) Challenge(ctx context.Context, id string, now time.Time) (directory.Challenge, error) {
	return oneRow(func(row interface{ Scan(...any) error }) (directory.Challenge, error) {
		var c directory.Challenge
		err := row.Scan(&c.ID, &c.UserID, &c.OrgID, &c.Address, &c.UserAgent, &c.CreatedAt, &c.ExpiresAt)
		c.CreatedAt, c.ExpiresAt = c.CreatedAt.UTC(), c.ExpiresAt.UTC()
		return c, err
	}, s.db.sql.QueryRowContext(ctx, `SELECT id, user_id, org_id, address, user_agent, created_at, expires_at
		FROM login_challenges WHERE id = $1 AND expires_at > $2`, id, now.UTC()), "sign-in challenge")
}

func (s *Directory) TOTPPolicy(ctx context.Context) (map[string]bool, error) {
	rows, err := s.db.sql.QueryContext(ctx, `SELECT rule, required FROM totp_policy`)
	if err != nil {
		return nil, fmt.Errorf("totp policy: %w", err)
	}
	defer rows.Close()
	p := map[string]bool{}
	for rows.Next() {
		var rule string
		var req bool
		if err := rows.Scan(&rule, &req); err != nil {
			return nil, fmt.Errorf("totp policy: %w", err)
		}
		p[rule] = req
	}
	return p, rows.Err()
}

func (s *Directory) SetTOTPPolicy(ctx context.Context, orgID accord.ID, rule string, required bool, now time.Time, ev audit.Event) error {
	return s.exec(ctx, ev, "", `INSERT INTO totp_policy (rule, org_id, required, updated_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (rule) DO UPDATE SET required = excluded.required, updated_at = excluded.updated_at`, rule, orgID, required, now)
}
