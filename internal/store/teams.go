package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"accord/internal/accord"
	"accord/internal/audit"
	"accord/internal/cases"
)

const teamColumns = `id, org_id, name, senior, intake, round_robin, last_user_id, created_at, updated_at`

func scanTeam(row interface{ Scan(...any) error }) (cases.Team, error) {
	var t cases.Team
	var last sql.NullString
	err := row.Scan(&t.ID, &t.OrgID, &t.Name, &t.Senior, &t.Intake, &t.RoundRobin, &last, &t.CreatedAt, &t.UpdatedAt)
	t.Last, t.CreatedAt, t.UpdatedAt = accord.ID(last.String), t.CreatedAt.UTC(), t.UpdatedAt.UTC()
	return t, err
}

func (s *Cases) CreateTeam(ctx context.Context, t cases.Team, ev audit.Event) error {
	return s.db.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO teams (`+teamColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
			t.ID, t.OrgID, t.Name, t.Senior, t.Intake, t.RoundRobin, nullable(t.Last), t.CreatedAt.UTC(), t.UpdatedAt.UTC())
		if err != nil {
			return s.db.mapErr(fmt.Errorf("insert team: %w", err))
		}
		return s.db.appendEvent(ctx, tx, ev)
	})
}

func (s *Cases) UpdateTeam(ctx context.Context, t cases.Team, ev audit.Event) error {
	return s.db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE teams SET name = $1, senior = $2, intake = $3, round_robin = $4, updated_at = $5
			WHERE id = $6 AND org_id = $7`, t.Name, t.Senior, t.Intake, t.RoundRobin, t.UpdatedAt.UTC(), t.ID, t.OrgID)
		if err != nil {
			return s.db.mapErr(fmt.Errorf("update team: %w", err))
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return notFound("team")
		}
		return s.db.appendEvent(ctx, tx, ev)
	})
}

func (s *Cases) GetTeam(ctx context.Context, scope accord.Scope, id accord.ID) (cases.Team, error) {
	var w where
	w.add("id = ?", id)
	w.scope("org_id", scope)
	t, err := oneRow(scanTeam, s.db.sql.QueryRowContext(ctx, `SELECT `+teamColumns+` FROM teams`+w.String(), w.args...), "team")
	if err != nil {
		return t, err
	}
	t.Members, err = teamMembers(ctx, s.db.sql, t.ID)
	return t, err
}

func (s *Cases) ListTeams(ctx context.Context, scope accord.Scope, f cases.TeamFilter) ([]cases.Team, error) {
	var w where
	w.scope("org_id", scope)
	if f.OrgID != "" {
		w.add("org_id = ?", f.OrgID)
	}
	if f.MemberID != "" {
		w.add("id IN (SELECT team_id FROM team_members WHERE user_id = ?)", f.MemberID)
	}
	if f.Senior {
		w.add("senior")
	}
	if f.Intake {
		w.add("intake")
	}
	rows, err := s.db.sql.QueryContext(ctx, `SELECT `+teamColumns+` FROM teams`+w.String()+` ORDER BY name, id`, w.args...)
	if err != nil {
		return nil, fmt.Errorf("list teams: %w", err)
	}
	out, err := collect(rows, scanTeam)
	if err != nil {
		return nil, fmt.Errorf("list teams: %w", err)
	}
	for i := range out {
		if out[i].Members, err = teamMembers(ctx, s.db.sql, out[i].ID); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// teamMembers reads a team's members in rotation order, with their
// directory flags as they are now.
func teamMembers(ctx context.Context, q queryer, teamID accord.ID) ([]cases.Member, error) {
	rows, err := q.QueryContext(ctx, `SELECT u.id, u.name, u.email, u.role, u.active, u.senior, u.away
		FROM team_members m JOIN users u ON u.id = m.user_id WHERE m.team_id = $1 ORDER BY u.id`, teamID)
	if err != nil {
		return nil, fmt.Errorf("team members: %w", err)
	}
	out, err := collect(rows, func(r interface{ Scan(...any) error }) (cases.Member, error) {
		var m cases.Member
		err := r.Scan(&m.UserID, &m.Name, &m.Email, &m.Role, &m.Active, &m.Senior, &m.Away)
		return m, err
	})
	if err != nil {
		return nil, fmt.Errorf("team members: %w", err)
	}
	return out, nil
}

func (s *Cases) AddMember(ctx context.Context, t cases.Team, userID accord.ID, at time.Time, ev audit.Event) error {
	return s.db.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO team_members (org_id, team_id, user_id, created_at) VALUES ($1, $2, $3, $4)
			ON CONFLICT (team_id, user_id) DO NOTHING`, t.OrgID, t.ID, userID, at.UTC())
		if err != nil {
			return s.db.mapErr(fmt.Errorf("add team member: %w", err))
		}
		return s.db.appendEvent(ctx, tx, ev)
	})
}

func (s *Cases) RemoveMember(ctx context.Context, t cases.Team, userID accord.ID, ev audit.Event) error {
	return s.db.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM team_members WHERE team_id = $1 AND user_id = $2 AND org_id = $3`, t.ID, userID, t.OrgID); err != nil {
			return fmt.Errorf("remove team member: %w", err)
		}
		return s.db.appendEvent(ctx, tx, ev)
	})
}

// rotate runs an opening's rotation under the row lock of its team (on
// SQLite, the one writer's lock already held): two openings routed to one
// team take turns, and each sees the member the other gave its case to.
func (s *Cases) rotate(ctx context.Context, tx *sql.Tx, o cases.Opening) (cases.Opening, error) {
	if o.Rotate == nil || o.Case.TeamID == "" {
		return o, nil
	}
	t, err := s.lockTeam(ctx, tx, o.Case.TeamID)
	if err != nil {
		return o, err
	}
	next, err := o.Rotate(t)
	if err != nil {
		return o, err
	}
	if next.Case.AssigneeID != "" {
		if err := s.rotated(ctx, tx, t.ID, next.Case.AssigneeID); err != nil {
			return o, err
		}
	}
	return next, nil
}

// lockTeam reads a team with its members and holds its row until tx ends.
func (s *Cases) lockTeam(ctx context.Context, tx *sql.Tx, id accord.ID) (cases.Team, error) {
	t, err := oneRow(scanTeam, tx.QueryRowContext(ctx, `SELECT `+teamColumns+` FROM teams WHERE id = $1`+s.db.forChange(), id), "team")
	if err != nil {
		return t, err
	}
	t.Members, err = teamMembers(ctx, tx, t.ID)
	return t, err
}

// rotated records the member a team's rotation gave a case to last.
func (s *Cases) rotated(ctx context.Context, tx *sql.Tx, teamID, userID accord.ID) error {
	if _, err := tx.ExecContext(ctx, `UPDATE teams SET last_user_id = $1 WHERE id = $2`, userID, teamID); err != nil {
		return fmt.Errorf("team rotation: %w", err)
	}
	return nil
}
