package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"accord/internal/accord"
	"accord/internal/audit"
	"accord/internal/directory"
)

// Directory implements directory.Store.
type Directory struct{ db *DB }

// NewDirectory returns the directory store of db.
func NewDirectory(db *DB) *Directory { return &Directory{db: db} }

func notFound(what string) error {
	return &accord.Error{Kind: accord.NotFound, Msg: what + " not found"}
}

// exec runs one statement and its audit event in a transaction; when
// mustHit is set, a statement that changed no row is NotFound.
func (s *Directory) exec(ctx context.Context, ev audit.Event, mustHit string, q string, args ...any) error {
	return s.db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, q, args...)
		if err != nil {
			return s.db.mapErr(err)
		}
		if mustHit != "" {
			if n, _ := res.RowsAffected(); n == 0 {
				return notFound(mustHit)
			}
		}
		return s.db.appendEvent(ctx, tx, ev)
	})
}

// --- organizations

const orgColumns = `id, kind, name, created_at, updated_at`

func scanOrg(row interface{ Scan(...any) error }) (directory.Organization, error) {
	var o directory.Organization
	err := row.Scan(&o.ID, &o.Kind, &o.Name, &o.CreatedAt, &o.UpdatedAt)
	o.CreatedAt, o.UpdatedAt = o.CreatedAt.UTC(), o.UpdatedAt.UTC()
	return o, err
}

func nameKey(s string) string { return strings.ToLower(s) }

func (s *Directory) CreateOrganization(ctx context.Context, o directory.Organization, ev audit.Event) error {
	return s.db.txWithEvent(ctx, ev, func(tx *sql.Tx) error { return insertOrganization(ctx, tx, o) })
}

// insertOrganization, insertLink and insertUser are shared with bulk imports,
// so that one record and a thousand are written by the same statements.
func insertOrganization(ctx context.Context, tx *sql.Tx, o directory.Organization) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO organizations (id, kind, name, name_key, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6)`,
		o.ID, o.Kind, o.Name, nameKey(o.Name), o.CreatedAt, o.UpdatedAt)
	return err
}

func insertLink(ctx context.Context, tx *sql.Tx, partnerID, customerID accord.ID, at time.Time) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO partner_customers (partner_id, org_id, created_at) VALUES ($1, $2, $3)`, partnerID, customerID, at)
	return err
}

func insertUser(ctx context.Context, tx *sql.Tx, u directory.User) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO users (`+userColumns+`, email_key) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`,
		u.ID, u.OrgID, u.Email, u.Name, u.Locale, u.TimeZone, u.Role, u.Active, u.AuthorizedContact, u.CustomerAdmin,
		u.PasswordHash, u.CreatedAt, u.UpdatedAt, u.Senior, u.Away, directory.EmailKey(u.Email))
	return err
}

func (s *Directory) UpdateOrganization(ctx context.Context, o directory.Organization, ev audit.Event) error {
	return s.exec(ctx, ev, "organization", `UPDATE organizations SET name = $1, name_key = $2, updated_at = $3 WHERE id = $4`,
		o.Name, nameKey(o.Name), o.UpdatedAt, o.ID)
}

func (s *Directory) GetOrganization(ctx context.Context, scope accord.Scope, id accord.ID) (directory.Organization, error) {
	var w where
	w.add("id = ?", id)
	w.scope("id", scope)
	return oneRow(scanOrg, s.db.sql.QueryRowContext(ctx, `SELECT `+orgColumns+` FROM organizations`+w.String(), w.args...), "organization")
}

func (s *Directory) ListOrganizations(ctx context.Context, scope accord.Scope, f directory.OrgFilter, p accord.Page) ([]directory.Organization, string, error) {
	c, err := accord.DecodeCursor(p.Cursor)
	if err != nil {
		return nil, "", err
	}
	var w where
	w.scope("id", scope)
	if f.Kind != nil {
		w.add("kind = ?", *f.Kind)
	}
	if f.PartnerID != nil {
		w.add("id IN (SELECT org_id FROM partner_customers WHERE partner_id = ?)", *f.PartnerID)
	}
	w.after("name_key", "id", c)
	rows, err := s.db.sql.QueryContext(ctx, `SELECT `+orgColumns+` FROM organizations`+w.String()+` ORDER BY name_key, id`+w.limit(p), w.args...)
	if err != nil {
		return nil, "", fmt.Errorf("list organizations: %w", err)
	}
	out, err := collect(rows, scanOrg)
	if err != nil {
		return nil, "", fmt.Errorf("list organizations: %w", err)
	}
	out, next := page(out, p, func(o directory.Organization) accord.Cursor { return accord.Cursor{Key: nameKey(o.Name), ID: o.ID} })
	return out, next, nil
}

// collect scans every row with scan and closes rows.
func collect[T any](rows *sql.Rows, scan func(interface{ Scan(...any) error }) (T, error)) ([]T, error) {
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

func (s *Directory) LinkPartner(ctx context.Context, partnerID, customerID accord.ID, now time.Time, ev audit.Event) error {
	return s.db.txWithEvent(ctx, ev, func(tx *sql.Tx) error { return insertLink(ctx, tx, partnerID, customerID, now) })
}

func (s *Directory) UnlinkPartner(ctx context.Context, partnerID, customerID accord.ID, ev audit.Event) error {
	return s.exec(ctx, ev, "partner link", `DELETE FROM partner_customers WHERE partner_id = $1 AND org_id = $2`, partnerID, customerID)
}

func (s *Directory) PartnerCustomers(ctx context.Context, partnerID accord.ID) ([]accord.ID, error) {
	rows, err := s.db.sql.QueryContext(ctx, `SELECT org_id FROM partner_customers WHERE partner_id = $1 ORDER BY org_id`, partnerID)
	if err != nil {
		return nil, fmt.Errorf("partner customers: %w", err)
	}
	return collect(rows, func(r interface{ Scan(...any) error }) (accord.ID, error) {
		var id accord.ID
		return id, r.Scan(&id)
	})
}

// --- users

const userColumns = `id, org_id, email, name, locale, time_zone, role, active, authorized_contact, customer_admin, password_hash, created_at, updated_at, senior, away`

func scanUser(row interface{ Scan(...any) error }) (directory.User, error) {
	var u directory.User
	err := row.Scan(&u.ID, &u.OrgID, &u.Email, &u.Name, &u.Locale, &u.TimeZone, &u.Role, &u.Active, &u.AuthorizedContact,
		&u.CustomerAdmin, &u.PasswordHash, &u.CreatedAt, &u.UpdatedAt, &u.Senior, &u.Away)
	u.CreatedAt, u.UpdatedAt = u.CreatedAt.UTC(), u.UpdatedAt.UTC()
	return u, err
}

func (s *Directory) CreateUser(ctx context.Context, u directory.User, ev audit.Event) error {
	return s.db.txWithEvent(ctx, ev, func(tx *sql.Tx) error { return insertUser(ctx, tx, u) })
}

func (s *Directory) UpdateUser(ctx context.Context, u directory.User, revoke bool, ev audit.Event) error {
	return s.db.tx(ctx, func(tx *sql.Tx) error {
		if err := s.updateUser(ctx, tx, u); err != nil {
			return err
		}
		if revoke {
			if err := revokeUser(ctx, tx, u.ID); err != nil {
				return err
			}
		}
		return s.db.appendEvent(ctx, tx, ev)
	})
}

func (s *Directory) updateUser(ctx context.Context, tx *sql.Tx, u directory.User) error {
	res, err := tx.ExecContext(ctx, `UPDATE users SET name = $1, locale = $2, time_zone = $3, role = $4, active = $5,
		authorized_contact = $6, customer_admin = $7, password_hash = $8, updated_at = $9, senior = $12, away = $13 WHERE id = $10 AND org_id = $11`,
		u.Name, u.Locale, u.TimeZone, u.Role, u.Active, u.AuthorizedContact, u.CustomerAdmin, u.PasswordHash, u.UpdatedAt, u.ID, u.OrgID, u.Senior, u.Away)
	if err != nil {
		return s.db.mapErr(err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return notFound("user")
	}
	return nil
}

// revokeUser ends everything that lets the user in without its password:
// sessions, API tokens and mailed links.
func revokeUser(ctx context.Context, tx *sql.Tx, userID accord.ID) error {
	for _, q := range []string{`DELETE FROM sessions WHERE user_id = $1`, `DELETE FROM api_tokens WHERE user_id = $1`,
		`DELETE FROM user_links WHERE user_id = $1`} {
		if _, err := tx.ExecContext(ctx, q, userID); err != nil {
			return fmt.Errorf("revoke sessions, tokens and links: %w", err)
		}
	}
	return nil
}

func (s *Directory) GetUser(ctx context.Context, scope accord.Scope, id accord.ID) (directory.User, error) {
	var w where
	w.add("id = ?", id)
	w.scope("org_id", scope)
	return oneRow(scanUser, s.db.sql.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users`+w.String(), w.args...), "user")
}

func (s *Directory) UserByEmail(ctx context.Context, emailKey string) (directory.User, error) {
	return oneRow(scanUser, s.db.sql.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE email_key = $1`, emailKey), "user")
}

func (s *Directory) ListUsers(ctx context.Context, scope accord.Scope, f directory.UserFilter, p accord.Page) ([]directory.User, string, error) {
	c, err := accord.DecodeCursor(p.Cursor)
	if err != nil {
		return nil, "", err
	}
	var w where
	w.scope("org_id", scope)
	if f.OrgID != nil {
		w.add("org_id = ?", *f.OrgID)
	}
	if f.Role != nil {
		w.add("role = ?", *f.Role)
	}
	if f.Active != nil {
		w.add("active = ?", *f.Active)
	}
	w.after("email_key", "id", c)
	rows, err := s.db.sql.QueryContext(ctx, `SELECT `+userColumns+` FROM users`+w.String()+` ORDER BY email_key, id`+w.limit(p), w.args...)
	if err != nil {
		return nil, "", fmt.Errorf("list users: %w", err)
	}
	out, err := collect(rows, scanUser)
	if err != nil {
		return nil, "", fmt.Errorf("list users: %w", err)
	}
	out, next := page(out, p, func(u directory.User) accord.Cursor { return accord.Cursor{Key: directory.EmailKey(u.Email), ID: u.ID} })
	return out, next, nil
}

// --- certifications

const certColumns = `id, org_id, user_id, name, number, valid_from, valid_until, created_at`

func scanCert(row interface{ Scan(...any) error }) (directory.Certification, error) {
	var c directory.Certification
	err := row.Scan(&c.ID, &c.OrgID, &c.UserID, &c.Name, &c.Number, &c.ValidFrom, &c.ValidUntil, &c.CreatedAt)
	c.CreatedAt = c.CreatedAt.UTC()
	return c, err
}

func (s *Directory) CreateCertification(ctx context.Context, c directory.Certification, ev audit.Event) error {
	return s.exec(ctx, ev, "", `INSERT INTO certifications (`+certColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		c.ID, c.OrgID, c.UserID, c.Name, c.Number, c.ValidFrom, c.ValidUntil, c.CreatedAt)
}

// DeleteCertification removes a certification; ev's organization is taken
// from the row, which the caller may not know beforehand.
func (s *Directory) DeleteCertification(ctx context.Context, scope accord.Scope, id accord.ID, ev audit.Event) error {
	return s.db.tx(ctx, func(tx *sql.Tx) error {
		var w where
		w.add("id = ?", id)
		w.scope("org_id", scope)
		c, err := scanCert(tx.QueryRowContext(ctx, `DELETE FROM certifications`+w.String()+` RETURNING `+certColumns, w.args...))
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("certification")
		}
		if err != nil {
			return fmt.Errorf("delete certification: %w", err)
		}
		ev.OrgID = c.OrgID
		ev.Changes = []audit.Change{{Field: "name", Before: c.Name}, {Field: "number", Before: c.Number}, {Field: "user_id", Before: c.UserID}}
		return s.db.appendEvent(ctx, tx, ev)
	})
}

func (s *Directory) ListCertifications(ctx context.Context, scope accord.Scope, userID accord.ID) ([]directory.Certification, error) {
	var w where
	w.add("user_id = ?", userID)
	w.scope("org_id", scope)
	rows, err := s.db.sql.QueryContext(ctx, `SELECT `+certColumns+` FROM certifications`+w.String()+` ORDER BY valid_until DESC, id`, w.args...)
	if err != nil {
		return nil, fmt.Errorf("list certifications: %w", err)
	}
	return collect(rows, scanCert)
}

// --- sessions

const sessionColumns = `id, user_id, org_id, created_at, expires_at, last_seen_at, address, user_agent, second_factor_at, enrol_only`

func scanSession(row interface{ Scan(...any) error }) (directory.Session, error) {
	var x directory.Session
	var factor sql.NullTime
	err := row.Scan(&x.ID, &x.UserID, &x.OrgID, &x.CreatedAt, &x.ExpiresAt, &x.LastSeenAt, &x.Address, &x.UserAgent, &factor, &x.EnrolOnly)
	x.CreatedAt, x.ExpiresAt, x.LastSeenAt = x.CreatedAt.UTC(), x.ExpiresAt.UTC(), x.LastSeenAt.UTC()
	if factor.Valid {
		t := factor.Time.UTC()
		x.SecondFactorAt = &t
	}
	return x, err
}

func (s *Directory) CreateSession(ctx context.Context, x directory.Session, ev audit.Event) error {
	return s.db.tx(ctx, func(tx *sql.Tx) error {
		if err := s.insertSession(ctx, tx, x); err != nil {
			return err
		}
		return s.db.appendEvent(ctx, tx, ev)
	})
}

func (s *Directory) insertSession(ctx context.Context, tx *sql.Tx, x directory.Session) error {
	// Expired sessions are swept here rather than by a timer, so that no
	// process has to own the cleanup.
	if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE expires_at <= $1`, x.CreatedAt); err != nil {
		return fmt.Errorf("sweep sessions: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO sessions (`+sessionColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		x.ID, x.UserID, x.OrgID, x.CreatedAt, x.ExpiresAt, x.LastSeenAt, x.Address, x.UserAgent, x.SecondFactorAt, x.EnrolOnly); err != nil {
		return s.db.mapErr(err)
	}
	return nil
}

func (s *Directory) Session(ctx context.Context, id string, now time.Time) (directory.Session, error) {
	return oneRow(scanSession, s.db.sql.QueryRowContext(ctx, `SELECT `+sessionColumns+` FROM sessions WHERE id = $1 AND expires_at > $2`, id, now), "session")
}

func (s *Directory) DeleteSession(ctx context.Context, userID accord.ID, id string, ev audit.Event) error {
	return s.exec(ctx, ev, "session", `DELETE FROM sessions WHERE id = $1 AND user_id = $2`, id, userID)
}

func (s *Directory) ListSessions(ctx context.Context, userID accord.ID, now time.Time) ([]directory.Session, error) {
	rows, err := s.db.sql.QueryContext(ctx, `SELECT `+sessionColumns+` FROM sessions WHERE user_id = $1 AND expires_at > $2 ORDER BY created_at DESC`, userID, now)
	if err != nil {
		return nil, fmt.Errorf("list sessions: %w", err)
	}
	return collect(rows, scanSession)
}

// --- tokens

const tokenColumns = `id, org_id, user_id, name, hint, created_at, expires_at, last_used_at, hash`

func scanToken(row interface{ Scan(...any) error }) (directory.Token, error) {
	var t directory.Token
	var used sql.NullTime
	err := row.Scan(&t.ID, &t.OrgID, &t.UserID, &t.Name, &t.Hint, &t.CreatedAt, &t.ExpiresAt, &used, &t.Hash)
	t.CreatedAt, t.ExpiresAt = t.CreatedAt.UTC(), t.ExpiresAt.UTC()
	if used.Valid {
		u := used.Time.UTC()
		t.LastUsedAt = &u
	}
	return t, err
}

func (s *Directory) CreateToken(ctx context.Context, t directory.Token, ev audit.Event) error {
	return s.exec(ctx, ev, "", `INSERT INTO api_tokens (`+tokenColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, NULL, $8)`,
		t.ID, t.OrgID, t.UserID, t.Name, t.Hint, t.CreatedAt, t.ExpiresAt, t.Hash)
}

func (s *Directory) TokenByHash(ctx context.Context, hash string, now time.Time) (directory.Token, error) {
	return oneRow(scanToken, s.db.sql.QueryRowContext(ctx, `UPDATE api_tokens SET last_used_at = $1 WHERE hash = $2 AND expires_at > $1 RETURNING `+tokenColumns, now, hash), "token")
}

func (s *Directory) ListTokens(ctx context.Context, userID accord.ID) ([]directory.Token, error) {
	rows, err := s.db.sql.QueryContext(ctx, `SELECT `+tokenColumns+` FROM api_tokens WHERE user_id = $1 ORDER BY created_at DESC, id`, userID)
	if err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	return collect(rows, scanToken)
}

func (s *Directory) DeleteToken(ctx context.Context, userID, id accord.ID, ev audit.Event) error {
	return s.exec(ctx, ev, "token", `DELETE FROM api_tokens WHERE id = $1 AND user_id = $2`, id, userID)
}

// --- sign-in throttling

func (s *Directory) RecordLoginAttempt(ctx context.Context, key string, now, since time.Time) (int, time.Time, error) {
	var n int
	var start time.Time
	err := s.db.sql.QueryRowContext(ctx, `INSERT INTO login_failures (key, failures, window_start) VALUES ($1, 1, $2)
		ON CONFLICT (key) DO UPDATE SET
			failures = CASE WHEN login_failures.window_start <= $3 THEN 1 ELSE login_failures.failures + 1 END,
			window_start = CASE WHEN login_failures.window_start <= $3 THEN excluded.window_start ELSE login_failures.window_start END
		RETURNING failures, window_start`, key, now, since).Scan(&n, &start)
	if err != nil {
		return 0, time.Time{}, fmt.Errorf("record sign-in attempt: %w", err)
	}
	return n, start.UTC(), nil
}

func (s *Directory) ForgiveLoginAttempt(ctx context.Context, key string) error {
	_, err := s.db.sql.ExecContext(ctx, `UPDATE login_failures SET failures = failures - 1 WHERE key = $1 AND failures > 0`, key)
	return err
}

func (s *Directory) ThrottleLogin(ctx context.Context, account, address string, now time.Time, decide func(directory.Throttle) (directory.Throttle, error)) error {
	return s.db.tx(ctx, func(tx *sql.Tx) error {
		// The row is made first, so that concurrent first attempts lock one
		// row instead of each deciding from nothing.
		if _, err := tx.ExecContext(ctx, `INSERT INTO login_throttles (account, address, failures, last_failure_at, next_at)
			VALUES ($1, $2, 0, $3, $3) ON CONFLICT (account, address) DO NOTHING`, account, address, now.UTC()); err != nil {
			return fmt.Errorf("throttle sign-in: %w", err)
		}
		var t directory.Throttle
		if err := tx.QueryRowContext(ctx, `SELECT failures, last_failure_at, next_at FROM login_throttles
			WHERE account = $1 AND address = $2`+s.db.forUpdate(), account, address).Scan(&t.Failures, &t.LastFailure, &t.Next); err != nil {
			return fmt.Errorf("throttle sign-in: %w", err)
		}
		t.LastFailure, t.Next = t.LastFailure.UTC(), t.Next.UTC()
		t, err := decide(t)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE login_throttles SET failures = $1, last_failure_at = $2, next_at = $3
			WHERE account = $4 AND address = $5`, t.Failures, t.LastFailure.UTC(), t.Next.UTC(), account, address); err != nil {
			return fmt.Errorf("throttle sign-in: %w", err)
		}
		return nil
	})
}

func (s *Directory) ForgetThrottle(ctx context.Context, account, address string, stale time.Time) error {
	_, err := s.db.sql.ExecContext(ctx, `DELETE FROM login_throttles WHERE (account = $1 AND address = $2) OR last_failure_at < $3`,
		account, address, stale.UTC())
	if err != nil {
		return fmt.Errorf("forget sign-in throttle: %w", err)
	}
	return nil
}

func (s *Directory) Unlock(ctx context.Context, account string, ev audit.Event) (int, error) {
	var n int64
	err := s.db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM login_throttles WHERE account = $1`, account)
		if err != nil {
			return fmt.Errorf("unlock: %w", err)
		}
		n, _ = res.RowsAffected()
		return s.db.appendEvent(ctx, tx, ev)
	})
	return int(n), err
}

// --- single-use links

const linkColumns = `user_links.id, user_links.org_id, user_links.user_id, purpose, user_links.created_at, expires_at, token_hash`

func scanLink(row interface{ Scan(...any) error }, more ...any) (directory.Link, error) {
	var l directory.Link
	var hash sql.NullString
	err := row.Scan(append([]any{&l.ID, &l.OrgID, &l.UserID, &l.Purpose, &l.CreatedAt, &l.ExpiresAt, &hash}, more...)...)
	l.CreatedAt, l.ExpiresAt, l.Hash = l.CreatedAt.UTC(), l.ExpiresAt.UTC(), hash.String
	return l, err
}

// replaceLink removes the user's link of the link's purpose and writes the
// link, with the job that mails it.
func replaceLink(ctx context.Context, tx *sql.Tx, l directory.Link) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM user_links WHERE user_id = $1 AND purpose = $2`, l.UserID, l.Purpose); err != nil {
		return fmt.Errorf("replace link: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO user_links (id, org_id, user_id, purpose, created_at, expires_at, token_hash)
		VALUES ($1, $2, $3, $4, $5, $6, NULL)`, l.ID, l.OrgID, l.UserID, l.Purpose, l.CreatedAt, l.ExpiresAt); err != nil {
		return fmt.Errorf("create link: %w", err)
	}
	return setTimer(ctx, tx, l.OrgID, l.ID, directory.LinkJob, l.CreatedAt, l.CreatedAt)
}

func (s *Directory) CreateLink(ctx context.Context, l directory.Link, ev audit.Event) error {
	return s.db.tx(ctx, func(tx *sql.Tx) error {
		if err := replaceLink(ctx, tx, l); err != nil {
			return err
		}
		return s.db.appendEvent(ctx, tx, ev)
	})
}

// RequestReset finds the user inside its statements, so that it runs the
// same ones whether anyone has the address or not. The job is the
// system's ("global"), since the organization is not known here.
func (s *Directory) RequestReset(ctx context.Context, emailKey string, l directory.Link) error {
	return s.db.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM user_links WHERE purpose = $1 AND user_id IN (SELECT id FROM users WHERE email_key = $2)`,
			l.Purpose, emailKey); err != nil {
			return fmt.Errorf("replace link: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO user_links (id, org_id, user_id, purpose, created_at, expires_at, token_hash)
			SELECT $1, org_id, id, $2, $3, $4, NULL FROM users WHERE email_key = $5`, l.ID, l.Purpose, l.CreatedAt, l.ExpiresAt, emailKey); err != nil {
			return fmt.Errorf("create link: %w", err)
		}
		return setTimer(ctx, tx, audit.GlobalOrg, l.ID, directory.LinkJob, l.CreatedAt, l.CreatedAt)
	})
}

func (s *Directory) Link(ctx context.Context, id accord.ID) (directory.Link, error) {
	l, err := scanLink(s.db.sql.QueryRowContext(ctx, `SELECT `+linkColumns+` FROM user_links WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return l, notFound("link")
	}
	return l, err
}

// queryRower is a database or a transaction.
type queryRower interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// linkWithUser reads a link and its user; lock locks both in a
// transaction.
func (s *Directory) linkWithUser(ctx context.Context, q queryRower, cond string, arg any, lock string) (directory.Link, directory.User, error) {
	var u directory.User
	var created, updated time.Time
	l, err := scanLink(q.QueryRowContext(ctx, `SELECT `+linkColumns+`, users.email, users.name, users.locale, users.time_zone, users.role,
		users.active, users.authorized_contact, users.customer_admin, users.password_hash, users.created_at, users.updated_at
		FROM user_links JOIN users ON users.id = user_links.user_id WHERE `+cond+lock, arg),
		&u.Email, &u.Name, &u.Locale, &u.TimeZone, &u.Role, &u.Active, &u.AuthorizedContact, &u.CustomerAdmin, &u.PasswordHash, &created, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return l, u, notFound("link")
	}
	if err != nil {
		return l, u, fmt.Errorf("read link: %w", err)
	}
	u.ID, u.OrgID, u.CreatedAt, u.UpdatedAt = l.UserID, l.OrgID, created.UTC(), updated.UTC()
	return l, u, nil
}

func (s *Directory) LinkByHash(ctx context.Context, hash string) (directory.Link, directory.User, error) {
	return s.linkWithUser(ctx, s.db.sql, "token_hash = $1", hash, "")
}

func (s *Directory) MintLink(ctx context.Context, id accord.ID, decide func(directory.Link, directory.User) (directory.Link, error)) error {
	return s.db.tx(ctx, func(tx *sql.Tx) error {
		l, u, err := s.linkWithUser(ctx, tx, "user_links.id = $1", id, s.db.forUpdate())
		if err != nil {
			return err
		}
		if l, err = decide(l, u); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE user_links SET token_hash = $1 WHERE id = $2`, l.Hash, l.ID); err != nil {
			return fmt.Errorf("mint link: %w", err)
		}
		return nil
	})
}

func (s *Directory) UseLink(ctx context.Context, hash string, decide func(directory.Link, directory.User) (directory.User, audit.Event, error)) (directory.User, error) {
	var out directory.User
	err := s.db.tx(ctx, func(tx *sql.Tx) error {
		l, u, err := s.linkWithUser(ctx, tx, "token_hash = $1", hash, s.db.forUpdate())
		if err != nil {
			return err
		}
		u, ev, err := decide(l, u)
		if err != nil {
			return err
		}
		if err := s.updateUser(ctx, tx, u); err != nil {
			return err
		}
		if err := revokeUser(ctx, tx, u.ID); err != nil {
			return err
		}
		out = u
		return s.db.appendEvent(ctx, tx, ev)
	})
	return out, err
}

// RecordEvent appends ev alone.
func (s *Directory) RecordEvent(ctx context.Context, ev audit.Event) error {
	return s.db.tx(ctx, func(tx *sql.Tx) error { return s.db.appendEvent(ctx, tx, ev) })
}
