package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"accord/internal/accord"
	"accord/internal/audit"
	"accord/internal/directory"
)

// This file implements directory.SSOStore: identity providers, their
// e-mail domains and the single sign-ons under way.

const providerColumns = `org_id, issuer, client_id, client_secret, scopes, require_sso, created_at, updated_at`

func (s *Directory) providerRow(ctx context.Context, where string, arg any) (directory.IdentityProvider, error) {
	var p directory.IdentityProvider
	var scopes string
	err := s.db.sql.QueryRowContext(ctx, `SELECT `+providerColumns+` FROM identity_providers WHERE `+where, arg).Scan(
		&p.OrgID, &p.Issuer, &p.ClientID, &p.ClientSecret, &scopes, &p.RequireSSO, &p.CreatedAt, &p.UpdatedAt)
	if err == sql.ErrNoRows {
		return p, notFound("identity provider")
	}
	if err != nil {
		return p, fmt.Errorf("get identity provider: %w", err)
	}
	p.Scopes = strings.Fields(scopes)
	p.CreatedAt, p.UpdatedAt = p.CreatedAt.UTC(), p.UpdatedAt.UTC()
	rows, err := s.db.sql.QueryContext(ctx, `SELECT domain, verified_at, verified_by FROM sso_domains WHERE org_id = $1 ORDER BY domain`, p.OrgID)
	if err != nil {
		return p, fmt.Errorf("list sso domains: %w", err)
	}
	p.Domains, err = collect(rows, func(row interface{ Scan(...any) error }) (directory.Domain, error) {
		var d directory.Domain
		var at sql.NullTime
		var by sql.NullString
		err := row.Scan(&d.Name, &at, &by)
		if at.Valid {
			t := at.Time.UTC()
			d.VerifiedAt = &t
		}
		d.VerifiedBy = accord.ID(by.String)
		return d, err
	})
	if err != nil {
		return p, fmt.Errorf("list sso domains: %w", err)
	}
	return p, nil
}

func (s *Directory) IdentityProvider(ctx context.Context, orgID accord.ID) (directory.IdentityProvider, error) {
	return s.providerRow(ctx, `org_id = $1`, orgID)
}

func (s *Directory) ProviderByDomain(ctx context.Context, domain string) (directory.IdentityProvider, error) {
	return s.providerRow(ctx, `org_id = (SELECT org_id FROM sso_domains WHERE domain = $1)`, domain)
}

func (s *Directory) PutIdentityProvider(ctx context.Context, p directory.IdentityProvider, ev audit.Event) error {
	return s.db.txWithEvent(ctx, ev, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO identity_providers (`+providerColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
			ON CONFLICT (org_id) DO UPDATE SET issuer = $2, client_id = $3, client_secret = $4, scopes = $5, require_sso = $6, updated_at = $8`,
			p.OrgID, p.Issuer, p.ClientID, p.ClientSecret, strings.Join(p.Scopes, " "), p.RequireSSO, p.CreatedAt, p.UpdatedAt)
		if err != nil {
			return err
		}
		names := make([]any, 0, len(p.Domains)+1)
		names = append(names, p.OrgID)
		for _, d := range p.Domains {
			names = append(names, d.Name)
		}
		// Domains no longer named go; the ones kept keep their verification.
		drop := `DELETE FROM sso_domains WHERE org_id = $1`
		if len(p.Domains) > 0 {
			drop += ` AND domain NOT IN ` + inList(2, len(p.Domains))
		}
		if _, err := tx.ExecContext(ctx, drop, names...); err != nil {
			return err
		}
		for _, d := range p.Domains {
			var owner accord.ID
			err := tx.QueryRowContext(ctx, `SELECT org_id FROM sso_domains WHERE domain = $1`, d.Name).Scan(&owner)
			switch {
			case err == sql.ErrNoRows:
				if _, err := tx.ExecContext(ctx, `INSERT INTO sso_domains (domain, org_id) VALUES ($1, $2)`, d.Name, p.OrgID); err != nil {
					return err
				}
			case err != nil:
				return err
			case owner != p.OrgID:
				return &accord.Error{Kind: accord.Conflict, Field: "domains", Msg: "another organization claims the domain " + d.Name}
			}
		}
		return nil
	})
}

func (s *Directory) DeleteIdentityProvider(ctx context.Context, orgID accord.ID, ev audit.Event) error {
	return s.db.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM sso_domains WHERE org_id = $1`, orgID); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM identity_providers WHERE org_id = $1`, orgID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return notFound("identity provider")
		}
		return s.db.appendEvent(ctx, tx, ev)
	})
}

func (s *Directory) VerifyDomain(ctx context.Context, orgID accord.ID, domain string, at time.Time, by accord.ID, ev audit.Event) error {
	return s.exec(ctx, ev, "domain", `UPDATE sso_domains SET verified_at = $3, verified_by = $4 WHERE org_id = $1 AND domain = $2`,
		orgID, domain, at, by)
}

func (s *Directory) CreateSSOState(ctx context.Context, st directory.SSOState) error {
	return s.db.tx(ctx, func(tx *sql.Tx) error {
		// Sign-ins never finished are swept here, as sessions are.
		if _, err := tx.ExecContext(ctx, `DELETE FROM sso_states WHERE expires_at <= $1`, st.ExpiresAt.Add(-directory.SSOLife)); err != nil {
			return fmt.Errorf("sweep sso states: %w", err)
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO sso_states (id, org_id, browser, nonce, verifier, next, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
			st.ID, st.OrgID, st.Browser, st.Nonce, st.Verifier, st.Next, st.ExpiresAt)
		return s.db.mapErr(err)
	})
}

func (s *Directory) TakeSSOState(ctx context.Context, id string, now time.Time) (directory.SSOState, error) {
	var st directory.SSOState
	err := s.db.sql.QueryRowContext(ctx, `DELETE FROM sso_states WHERE id = $1
		RETURNING id, org_id, browser, nonce, verifier, next, expires_at`, id).Scan(
		&st.ID, &st.OrgID, &st.Browser, &st.Nonce, &st.Verifier, &st.Next, &st.ExpiresAt)
	if err == sql.ErrNoRows || (err == nil && !st.ExpiresAt.After(now)) {
		return directory.SSOState{}, notFound("sign-in")
	}
	if err != nil {
		return st, fmt.Errorf("take sso state: %w", err)
	}
	st.ExpiresAt = st.ExpiresAt.UTC()
	return st, nil
}
