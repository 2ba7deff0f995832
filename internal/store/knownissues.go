package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"accord/internal/accord"
	"accord/internal/audit"
	"accord/internal/knownissues"
	"accord/internal/lang"
)

// KnownIssues implements knownissues.Store.
type KnownIssues struct{ db *DB }

// NewKnownIssues returns the known-issues store of db.
func NewKnownIssues(db *DB) *KnownIssues { return &KnownIssues{db: db} }

var knownIssueMutable = []string{"product_id", "range_from", "range_to", "title", "symptoms", "workaround", "root_cause",
	"status", "fixed_in", "internal_notes", "state", "published_at", "updated_at"}

var (
	knownIssueColumns = "id, org_id, created_at, " + strings.Join(knownIssueMutable, ", ")
	knownIssueSet     = func() string {
		set := make([]string, len(knownIssueMutable))
		for i, col := range knownIssueMutable {
			set[i] = col + " = $" + strconv.Itoa(i+1)
		}
		return strings.Join(set, ", ")
	}()
)

// textJSON stores a text as an object by locale ("{}" when empty), so that
// both engines hold the same bytes.
func textJSON(t lang.Text) string {
	if len(t) == 0 {
		return "{}"
	}
	b, _ := json.Marshal(map[string]string(t))
	return string(b)
}

func textOf(s string) (lang.Text, error) {
	var m map[string]string
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		return nil, err
	}
	if len(m) == 0 {
		return nil, nil
	}
	return lang.Text(m), nil
}

func knownIssueValues(k knownissues.KnownIssue) []any {
	return []any{k.ProductID, k.Range.From, k.Range.To, textJSON(k.Title), textJSON(k.Symptoms), textJSON(k.Workaround), textJSON(k.RootCause),
		string(k.Status), k.FixedIn, k.InternalNotes, string(k.State), nullMicro(k.PublishedAt), micro(k.UpdatedAt)}
}

func scanKnownIssue(row interface{ Scan(...any) error }) (knownissues.KnownIssue, error) {
	var k knownissues.KnownIssue
	var title, symptoms, workaround, rootCause string
	var published sql.NullTime
	err := row.Scan(&k.ID, &k.OrgID, &k.CreatedAt, &k.ProductID, &k.Range.From, &k.Range.To, &title, &symptoms, &workaround, &rootCause,
		&k.Status, &k.FixedIn, &k.InternalNotes, &k.State, &published, &k.UpdatedAt)
	if err != nil {
		return k, err
	}
	k.CreatedAt, k.UpdatedAt, k.PublishedAt = k.CreatedAt.UTC(), k.UpdatedAt.UTC(), utcPtr(published)
	for _, f := range []struct {
		dst *lang.Text
		src string
	}{{&k.Title, title}, {&k.Symptoms, symptoms}, {&k.Workaround, workaround}, {&k.RootCause, rootCause}} {
		if *f.dst, err = textOf(f.src); err != nil {
			return k, fmt.Errorf("known issue %s: %w", k.ID, err)
		}
	}
	return k, nil
}

func readKnownIssue(ctx context.Context, q queryer, id accord.ID, lock string) (knownissues.KnownIssue, error) {
	return oneRow(scanKnownIssue, q.QueryRowContext(ctx, `SELECT `+knownIssueColumns+` FROM known_issues WHERE id = $1`+lock, id), "known issue")
}

func (s *KnownIssues) Create(ctx context.Context, k knownissues.KnownIssue, ev audit.Event) error {
	args := append([]any{k.ID, k.OrgID, micro(k.CreatedAt)}, knownIssueValues(k)...)
	return s.db.txWithEvent(ctx, ev, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO known_issues (`+knownIssueColumns+`) VALUES `+inList(1, len(args)), args...)
		return err
	})
}

func (s *KnownIssues) Get(ctx context.Context, id accord.ID) (knownissues.KnownIssue, error) {
	return readKnownIssue(ctx, s.db.sql, id, "")
}

// List lists newest first, at most 500.
func (s *KnownIssues) List(ctx context.Context, f knownissues.Filter) ([]knownissues.KnownIssue, error) {
	var w where
	if f.ProductID != "" {
		w.add("product_id = ?", f.ProductID)
	}
	if f.State != "" {
		w.add("state = ?", string(f.State))
	}
	if f.Open {
		w.add("state = ? AND status <> ?", string(knownissues.Published), string(knownissues.Fixed))
	}
	rows, err := s.db.sql.QueryContext(ctx, `SELECT `+knownIssueColumns+` FROM known_issues`+w.String()+` ORDER BY created_at DESC, id DESC LIMIT 500`, w.args...)
	if err != nil {
		return nil, fmt.Errorf("list known issues: %w", err)
	}
	out, err := collect(rows, scanKnownIssue)
	if err != nil {
		return nil, fmt.Errorf("list known issues: %w", err)
	}
	return out, nil
}

// Update holds the issue's row while decide runs, then writes the issue,
// its events and, with a notice, the notice and the job that mails it.
func (s *KnownIssues) Update(ctx context.Context, id accord.ID, decide func(knownissues.KnownIssue) (knownissues.Change, error)) (knownissues.KnownIssue, error) {
	var out knownissues.KnownIssue
	err := s.db.tx(ctx, func(tx *sql.Tx) error {
		old, err := readKnownIssue(ctx, tx, id, s.db.forChange())
		if err != nil {
			return err
		}
		ch, err := decide(old)
		if err != nil {
			return err
		}
		if len(ch.Events) == 0 {
			out = old
			return nil
		}
		vals := knownIssueValues(ch.Issue)
		if _, err := tx.ExecContext(ctx, `UPDATE known_issues SET `+knownIssueSet+` WHERE id = $`+strconv.Itoa(len(vals)+1), append(vals, old.ID)...); err != nil {
			return s.db.mapErr(fmt.Errorf("update known issue: %w", err))
		}
		for _, ev := range ch.Events {
			if err := s.db.appendEvent(ctx, tx, ev); err != nil {
				return err
			}
		}
		if n := ch.Notice; n != nil {
			if _, err := tx.ExecContext(ctx, `INSERT INTO known_issue_notices (id, org_id, issue_id, kind, version, created_by, created_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7)`, n.ID, n.OrgID, n.IssueID, string(n.Kind), n.Version, nullable(n.CreatedBy), micro(n.CreatedAt)); err != nil {
				return s.db.mapErr(fmt.Errorf("insert known issue notice: %w", err))
			}
			if err := setTimer(ctx, tx, n.OrgID, n.ID, knownissues.NoticeJob, n.CreatedAt, n.CreatedAt); err != nil {
				return err
			}
		}
		out, err = readKnownIssue(ctx, tx, old.ID, "")
		return err
	})
	return out, err
}

const knownIssueNoticeColumns = `id, org_id, issue_id, kind, version, created_by, created_at`

func scanKnownIssueNotice(row interface{ Scan(...any) error }) (knownissues.Notice, error) {
	var n knownissues.Notice
	var by sql.NullString
	err := row.Scan(&n.ID, &n.OrgID, &n.IssueID, &n.Kind, &n.Version, &by, &n.CreatedAt)
	n.CreatedBy, n.CreatedAt = accord.ID(by.String), n.CreatedAt.UTC()
	return n, err
}

func (s *KnownIssues) GetNotice(ctx context.Context, id accord.ID) (knownissues.Notice, error) {
	return oneRow(scanKnownIssueNotice, s.db.sql.QueryRowContext(ctx, `SELECT `+knownIssueNoticeColumns+` FROM known_issue_notices WHERE id = $1`, id), "notice")
}

// Notices lists oldest first.
func (s *KnownIssues) Notices(ctx context.Context, issueID accord.ID) ([]knownissues.Notice, error) {
	rows, err := s.db.sql.QueryContext(ctx, `SELECT `+knownIssueNoticeColumns+` FROM known_issue_notices WHERE issue_id = $1 ORDER BY created_at, id`, issueID)
	if err != nil {
		return nil, fmt.Errorf("list known issue notices: %w", err)
	}
	out, err := collect(rows, scanKnownIssueNotice)
	if err != nil {
		return nil, fmt.Errorf("list known issue notices: %w", err)
	}
	return out, nil
}

func (s *KnownIssues) Link(ctx context.Context, l knownissues.Link, ev audit.Event) error {
	return s.db.txWithEvent(ctx, ev, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO known_issue_cases (issue_id, case_id, org_id, linked_by, linked_at) VALUES ($1, $2, $3, $4, $5)`,
			l.IssueID, l.CaseID, l.OrgID, nullable(l.LinkedBy), micro(l.LinkedAt))
		return err
	})
}

func (s *KnownIssues) Unlink(ctx context.Context, issueID, caseID accord.ID, ev audit.Event) error {
	return s.db.txWithEvent(ctx, ev, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM known_issue_cases WHERE issue_id = $1 AND case_id = $2`, issueID, caseID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return notFound("link")
		}
		return nil
	})
}

func scanKnownIssueLink(row interface{ Scan(...any) error }) (knownissues.Link, error) {
	var l knownissues.Link
	var by sql.NullString
	err := row.Scan(&l.IssueID, &l.CaseID, &l.OrgID, &by, &l.LinkedAt, &l.CaseNumber, &l.CaseTitle)
	l.LinkedBy, l.LinkedAt = accord.ID(by.String), l.LinkedAt.UTC()
	return l, err
}

// Links lists by case number, at most 1000.
func (s *KnownIssues) Links(ctx context.Context, f knownissues.LinkFilter) ([]knownissues.Link, error) {
	var w where
	w.scope("l.org_id", f.Scope)
	if f.IssueID != "" {
		w.add("l.issue_id = ?", f.IssueID)
	}
	if f.CaseID != "" {
		w.add("l.case_id = ?", f.CaseID)
	}
	rows, err := s.db.sql.QueryContext(ctx, `SELECT l.issue_id, l.case_id, l.org_id, l.linked_by, l.linked_at, c.number, c.title
		FROM known_issue_cases l JOIN cases c ON c.id = l.case_id`+w.String()+` ORDER BY c.number, l.issue_id LIMIT 1000`, w.args...)
	if err != nil {
		return nil, fmt.Errorf("list known issue links: %w", err)
	}
	out, err := collect(rows, scanKnownIssueLink)
	if err != nil {
		return nil, fmt.Errorf("list known issue links: %w", err)
	}
	return out, nil
}

// Installations reads the installations of the scope's customers.
func (s *KnownIssues) Installations(ctx context.Context, scope accord.Scope, productID accord.ID) ([]knownissues.Installation, error) {
	var w where
	w.scope("org_id", scope)
	if productID != "" {
		w.add("product_id = ?", productID)
	}
	rows, err := s.db.sql.QueryContext(ctx, `SELECT org_id, product_id, version FROM installations`+w.String()+` ORDER BY org_id, product_id, version`, w.args...)
	if err != nil {
		return nil, fmt.Errorf("list installations: %w", err)
	}
	out, err := collect(rows, func(row interface{ Scan(...any) error }) (knownissues.Installation, error) {
		var in knownissues.Installation
		return in, row.Scan(&in.OrgID, &in.ProductID, &in.Version)
	})
	if err != nil {
		return nil, fmt.Errorf("list installations: %w", err)
	}
	return out, nil
}

func scanProductRef(row interface{ Scan(...any) error }) (knownissues.Product, error) {
	var p knownissues.Product
	return p, row.Scan(&p.ID, &p.OrgID, &p.Key, &p.Name)
}

func (s *KnownIssues) Product(ctx context.Context, id accord.ID) (knownissues.Product, error) {
	return oneRow(scanProductRef, s.db.sql.QueryRowContext(ctx, `SELECT id, org_id, key, name FROM products WHERE id = $1`, id), "product")
}

func (s *KnownIssues) Products(ctx context.Context) ([]knownissues.Product, error) {
	rows, err := s.db.sql.QueryContext(ctx, `SELECT id, org_id, key, name FROM products ORDER BY name, id LIMIT 500`)
	if err != nil {
		return nil, fmt.Errorf("list products: %w", err)
	}
	out, err := collect(rows, scanProductRef)
	if err != nil {
		return nil, fmt.Errorf("list products: %w", err)
	}
	return out, nil
}

func (s *KnownIssues) VersionReleased(ctx context.Context, productID accord.ID, number string) (bool, error) {
	var state string
	err := s.db.sql.QueryRowContext(ctx, `SELECT state FROM product_versions WHERE product_id = $1 AND number = $2`, productID, number).Scan(&state)
	if err == sql.ErrNoRows {
		return false, notFound("version")
	} else if err != nil {
		return false, fmt.Errorf("read version: %w", err)
	}
	return state == "published", nil
}

// ClaimNote inserts the claim; one there already makes it false.
func (s *KnownIssues) ClaimNote(ctx context.Context, n knownissues.Notice, l knownissues.Link, now time.Time) (bool, error) {
	res, err := s.db.sql.ExecContext(ctx, `INSERT INTO known_issue_case_notes (notice_id, case_id, org_id, claimed_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (notice_id, case_id) DO NOTHING`, n.ID, l.CaseID, l.OrgID, micro(now))
	if err != nil {
		return false, s.db.mapErr(fmt.Errorf("claim note: %w", err))
	}
	rows, err := res.RowsAffected()
	return rows == 1, err
}

func (s *KnownIssues) ReleaseNote(ctx context.Context, n knownissues.Notice, l knownissues.Link) error {
	if _, err := s.db.sql.ExecContext(ctx, `DELETE FROM known_issue_case_notes WHERE notice_id = $1 AND case_id = $2`, n.ID, l.CaseID); err != nil {
		return fmt.Errorf("release note: %w", err)
	}
	return nil
}
