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
	"accord/internal/changes"
)

// Changes implements changes.Store.
type Changes struct{ db *DB }

// NewChanges returns the change-request store of db.
func NewChanges(db *DB) *Changes { return &Changes{db: db} }

// A change's columns: those written once, when it is requested, then
// those every update rewrites, in the order scanChange and changeValues use.
const changeFixed = `id, org_id, environment_id, environment_name, reseller_id, requested_by_id, requested_by_name, created_at`

var changeMutable = []string{"state", "title", "reason", "description", "implementation_plan", "backout_plan",
	"needs_shutdown", "urgency", "planned_start", "planned_end", "duration_minutes", "script", "assessment", "type",
	"type_reason", "implementer_id", "implementer_name", "approvals", "exceptional", "criticality", "incident_case_id",
	"report", "submitted_at", "started_at", "ended_at", "updated_at"}

var (
	changeColumns = changeFixed + ", " + strings.Join(changeMutable, ", ")
	changeSet     = func() string {
		set := make([]string, len(changeMutable))
		for i, col := range changeMutable {
			set[i] = col + " = $" + strconv.Itoa(i+1)
		}
		return strings.Join(set, ", ")
	}()
)

func changeValues(c changes.Change) ([]any, error) {
	script, err := jsonText(c.Script)
	if err != nil {
		return nil, fmt.Errorf("change %s: script: %w", c.ID, err)
	}
	assessment, err := jsonText(c.Assessment)
	if err != nil {
		return nil, fmt.Errorf("change %s: assessment: %w", c.ID, err)
	}
	report, err := jsonText(c.Report)
	if err != nil {
		return nil, fmt.Errorf("change %s: report: %w", c.ID, err)
	}
	approvals := c.Approvals
	if approvals == nil {
		approvals = []changes.Approval{}
	}
	ap, err := json.Marshal(approvals)
	if err != nil {
		return nil, fmt.Errorf("change %s: approvals: %w", c.ID, err)
	}
	var end any
	if c.PlannedStart != nil {
		end = micro(c.End())
	}
	return []any{string(c.State), c.Title, c.Reason, c.Description, c.Plan, c.BackoutPlan, c.NeedsShutdown, string(c.Urgency),
		nullMicro(c.PlannedStart), end, c.Minutes, script, assessment, string(c.Type), c.TypeReason, nullable(c.ImplementerID),
		c.ImplementerName, string(ap), c.Exceptional, string(c.Criticality), nullable(c.IncidentCaseID), report,
		nullMicro(c.SubmittedAt), nullMicro(c.StartedAt), nullMicro(c.EndedAt), micro(c.UpdatedAt)}, nil
}

func scanChange(row interface{ Scan(...any) error }) (changes.Change, error) {
	var c changes.Change
	var reseller, requestedBy, implementer, incident, script, assessment, report sql.NullString
	var start, end, submitted, started, ended sql.NullTime
	var approvals string
	err := row.Scan(&c.ID, &c.OrgID, &c.EnvironmentID, &c.EnvironmentName, &reseller, &requestedBy, &c.RequestedByName, &c.CreatedAt,
		&c.State, &c.Title, &c.Reason, &c.Description, &c.Plan, &c.BackoutPlan, &c.NeedsShutdown, &c.Urgency,
		&start, &end, &c.Minutes, &script, &assessment, &c.Type, &c.TypeReason, &implementer, &c.ImplementerName,
		&approvals, &c.Exceptional, &c.Criticality, &incident, &report, &submitted, &started, &ended, &c.UpdatedAt)
	if err != nil {
		return c, err
	}
	c.ResellerID, c.RequestedByID = accord.ID(reseller.String), accord.ID(requestedBy.String)
	c.ImplementerID, c.IncidentCaseID = accord.ID(implementer.String), accord.ID(incident.String)
	c.PlannedStart, c.SubmittedAt, c.StartedAt, c.EndedAt = utcPtr(start), utcPtr(submitted), utcPtr(started), utcPtr(ended)
	c.CreatedAt, c.UpdatedAt = c.CreatedAt.UTC(), c.UpdatedAt.UTC()
	if err := json.Unmarshal([]byte(approvals), &c.Approvals); err != nil {
		return c, fmt.Errorf("change %s: approvals: %w", c.ID, err)
	}
	if c.Script, err = fromJSON[changes.File](script); err != nil {
		return c, fmt.Errorf("change %s: script: %w", c.ID, err)
	}
	if c.Assessment, err = fromJSON[changes.Assessment](assessment); err != nil {
		return c, fmt.Errorf("change %s: assessment: %w", c.ID, err)
	}
	if c.Report, err = fromJSON[changes.Report](report); err != nil {
		return c, fmt.Errorf("change %s: report: %w", c.ID, err)
	}
	return c, nil
}

func changeWhere(scope accord.Scope) where {
	var w where
	w.scope("org_id", scope)
	return w
}

func readChange(ctx context.Context, q queryer, w where, lock string) (changes.Change, error) {
	return oneRow(scanChange, q.QueryRowContext(ctx, `SELECT `+changeColumns+` FROM changes`+w.String()+lock, w.args...), "change")
}

// Create inserts the change with its first entries and events.
func (s *Changes) Create(ctx context.Context, w changes.Write) error {
	c := w.Change
	vals, err := changeValues(c)
	if err != nil {
		return err
	}
	args := append([]any{c.ID, c.OrgID, c.EnvironmentID, c.EnvironmentName, nullable(c.ResellerID), nullable(c.RequestedByID),
		c.RequestedByName, micro(c.CreatedAt)}, vals...)
	return s.db.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO changes (`+changeColumns+`) VALUES `+inList(1, len(args)), args...); err != nil {
			return s.db.mapErr(fmt.Errorf("insert change: %w", err))
		}
		return s.writeRest(ctx, tx, c, w)
	})
}

// writeRest writes w's entries (queueing the letter job of each mailed
// one), files and audit events.
func (s *Changes) writeRest(ctx context.Context, tx *sql.Tx, c changes.Change, w changes.Write) error {
	var pos int
	if len(w.Entries) > 0 {
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(max(position), 0) FROM change_entries WHERE change_id = $1`, c.ID).Scan(&pos); err != nil {
			return fmt.Errorf("change entry position: %w", err)
		}
	}
	for _, e := range w.Entries {
		pos++
		_, err := tx.ExecContext(ctx, `INSERT INTO change_entries (id, org_id, change_id, position, kind, at, actor_id, actor_name, note)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, e.ID, c.OrgID, c.ID, pos, string(e.Kind), micro(e.At), string(e.ActorID), e.ActorName, e.Note)
		if err != nil {
			return s.db.mapErr(fmt.Errorf("insert change entry: %w", err))
		}
		if changes.Mailed(e.Kind) {
			if err := setTimer(ctx, tx, c.OrgID, e.ID, changes.LetterJob, e.At, e.At); err != nil {
				return err
			}
		}
	}
	for _, u := range w.Uploads {
		_, err := tx.ExecContext(ctx, `INSERT INTO change_files (id, org_id, change_id, name, content_type, size, sha256, content, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
			u.File.ID, c.OrgID, c.ID, u.File.Name, u.File.ContentType, u.File.Size, u.File.SHA256, u.Content, micro(c.UpdatedAt))
		if err != nil {
			return s.db.mapErr(fmt.Errorf("insert change file: %w", err))
		}
	}
	for _, ev := range w.Events {
		if err := s.db.appendEvent(ctx, tx, ev); err != nil {
			return err
		}
	}
	return nil
}

func (s *Changes) Get(ctx context.Context, scope accord.Scope, id accord.ID) (changes.Change, error) {
	w := changeWhere(scope)
	w.add("id = ?", id)
	return readChange(ctx, s.db.sql, w, "")
}

// ByCase returns the change whose incident case is caseID.
func (s *Changes) ByCase(ctx context.Context, scope accord.Scope, caseID accord.ID) (changes.Change, error) {
	w := changeWhere(scope)
	w.add("incident_case_id = ?", caseID)
	return readChange(ctx, s.db.sql, w, "")
}

// List lists changes newest first by (created_at, id).
func (s *Changes) List(ctx context.Context, scope accord.Scope, f changes.Filter, p accord.Page) ([]changes.Change, string, error) {
	p = p.Normalize()
	cur, err := accord.DecodeCursor(p.Cursor)
	if err != nil {
		return nil, "", err
	}
	w := changeWhere(scope)
	if f.OrgID != "" {
		w.add("org_id = ?", f.OrgID)
	}
	if f.EnvironmentID != "" {
		w.add("environment_id = ?", f.EnvironmentID)
	}
	if f.State != "" {
		w.add("state = ?", string(f.State))
	}
	if !f.From.IsZero() {
		w.add("planned_end > ?", micro(f.From))
	}
	if !f.To.IsZero() {
		w.add("planned_start < ?", micro(f.To))
	}
	if err := w.beforeTime("created_at", "id", cur); err != nil {
		return nil, "", err
	}
	rows, err := s.db.sql.QueryContext(ctx, `SELECT `+changeColumns+` FROM changes`+w.String()+` ORDER BY created_at DESC, id DESC`+w.limit(p), w.args...)
	if err != nil {
		return nil, "", fmt.Errorf("list changes: %w", err)
	}
	out, err := collect(rows, scanChange)
	if err != nil {
		return nil, "", fmt.Errorf("list changes: %w", err)
	}
	out, next := page(out, p, func(c changes.Change) accord.Cursor { return timeCursor(c.CreatedAt, c.ID) })
	return out, next, nil
}

type changeLocked struct {
	ctx context.Context
	db  *DB
	tx  *sql.Tx
}

// Overlapping returns the other scheduled or running changes of the
// environment whose schedule meets [from, to). Update locked the environment's row first, so
// two changes of one environment scheduled at once serialize.
func (l *changeLocked) Overlapping(envID, except accord.ID, from, to time.Time) ([]changes.Change, error) {
	var w where
	w.add("environment_id = ?", envID)
	w.add("id <> ?", except)
	w.add("state IN ('scheduled', 'in_progress')")
	w.add("planned_start < ?", micro(to))
	w.add("planned_end > ?", micro(from))
	rows, err := l.tx.QueryContext(l.ctx, `SELECT `+changeColumns+` FROM changes`+w.String()+` ORDER BY planned_start, id`, w.args...)
	if err != nil {
		return nil, fmt.Errorf("overlapping changes: %w", err)
	}
	return collect(rows, scanChange)
}

// Update holds the change and its environment for the whole transaction:
// the environment's row first, so that decisions about two changes of one
// environment (which may not overlap) run one after the other.
func (s *Changes) Update(ctx context.Context, scope accord.Scope, id accord.ID, decide func(changes.Change, changes.Locked) (changes.Write, error)) (changes.Change, error) {
	var out changes.Change
	err := s.db.tx(ctx, func(tx *sql.Tx) error {
		w := changeWhere(scope)
		w.add("id = ?", id)
		old, err := readChange(ctx, tx, w, "")
		if err != nil {
			return err
		}
		var envID string
		if err := tx.QueryRowContext(ctx, `SELECT id FROM environments WHERE id = $1`+s.db.forChange(), old.EnvironmentID).Scan(&envID); err != nil {
			return fmt.Errorf("lock environment: %w", err)
		}
		byID := changeWhere(accord.Scope{All: true})
		byID.add("id = ?", id)
		if old, err = readChange(ctx, tx, byID, s.db.forChange()); err != nil {
			return err
		}
		wr, err := decide(old, &changeLocked{ctx: ctx, db: s.db, tx: tx})
		if err != nil {
			return err
		}
		c := wr.Change
		c.ID, c.OrgID, c.EnvironmentID = old.ID, old.OrgID, old.EnvironmentID
		vals, err := changeValues(c)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE changes SET `+changeSet+` WHERE id = $`+strconv.Itoa(len(vals)+1), append(vals, old.ID)...); err != nil {
			return s.db.mapErr(fmt.Errorf("update change: %w", err))
		}
		if err := s.writeRest(ctx, tx, c, wr); err != nil {
			return err
		}
		out, err = readChange(ctx, tx, byID, "")
		return err
	})
	return out, err
}

func scanChangeEntry(row interface{ Scan(...any) error }) (changes.Entry, error) {
	var e changes.Entry
	err := row.Scan(&e.ID, &e.OrgID, &e.ChangeID, &e.Kind, &e.At, &e.ActorID, &e.ActorName, &e.Note)
	e.At = e.At.UTC()
	return e, err
}

const changeEntryColumns = `id, org_id, change_id, kind, at, actor_id, actor_name, note`

// Timeline lists the change's entries oldest first.
func (s *Changes) Timeline(ctx context.Context, scope accord.Scope, id accord.ID) ([]changes.Entry, error) {
	if _, err := s.Get(ctx, scope, id); err != nil {
		return nil, err
	}
	rows, err := s.db.sql.QueryContext(ctx, `SELECT `+changeEntryColumns+` FROM change_entries WHERE change_id = $1 ORDER BY position`, id)
	if err != nil {
		return nil, fmt.Errorf("change timeline: %w", err)
	}
	out, err := collect(rows, scanChangeEntry)
	if out == nil {
		out = []changes.Entry{}
	}
	return out, err
}

// Entry returns one timeline entry, for the job that mails it.
func (s *Changes) Entry(ctx context.Context, id accord.ID) (changes.Entry, error) {
	return oneRow(scanChangeEntry, s.db.sql.QueryRowContext(ctx, `SELECT `+changeEntryColumns+` FROM change_entries WHERE id = $1`, id), "change entry")
}

func (s *Changes) File(ctx context.Context, scope accord.Scope, changeID, fileID accord.ID) (changes.File, []byte, error) {
	var w where
	w.add("f.id = ?", fileID)
	w.add("f.change_id = ?", changeID)
	w.scope("c.org_id", scope)
	var content []byte
	f, err := oneRow(func(r interface{ Scan(...any) error }) (changes.File, error) {
		var f changes.File
		err := r.Scan(&f.ID, &f.Name, &f.ContentType, &f.Size, &f.SHA256, &content)
		return f, err
	}, s.db.sql.QueryRowContext(ctx, `SELECT f.id, f.name, f.content_type, f.size, f.sha256, f.content
		FROM change_files f JOIN changes c ON c.id = f.change_id AND c.org_id = f.org_id`+w.String(), w.args...), "file")
	if err != nil {
		return changes.File{}, nil, err
	}
	if content == nil {
		content = []byte{}
	}
	return f, content, nil
}

const windowColumns = `id, org_id, environment_id, rule, zone, vendor_agreed_by, customer_agreed_by, created_at, created_by`

func scanWindow(row interface{ Scan(...any) error }) (changes.Window, error) {
	var w changes.Window
	err := row.Scan(&w.ID, &w.OrgID, &w.EnvironmentID, &w.Rule, &w.Zone, &w.VendorAgreedBy, &w.CustomerAgreedBy, &w.CreatedAt, &w.CreatedBy)
	w.CreatedAt = w.CreatedAt.UTC()
	return w, err
}

// Windows lists an environment's maintenance windows, or with no envID
// every window in scope, oldest first.
func (s *Changes) Windows(ctx context.Context, scope accord.Scope, envID accord.ID) ([]changes.Window, error) {
	var w where
	w.scope("org_id", scope)
	if envID != "" {
		w.add("environment_id = ?", envID)
	}
	rows, err := s.db.sql.QueryContext(ctx, `SELECT `+windowColumns+` FROM maintenance_windows`+w.String()+` ORDER BY created_at, id`, w.args...)
	if err != nil {
		return nil, fmt.Errorf("maintenance windows: %w", err)
	}
	out, err := collect(rows, scanWindow)
	if out == nil {
		out = []changes.Window{}
	}
	return out, err
}

func (s *Changes) CreateWindow(ctx context.Context, mw changes.Window, ev audit.Event) error {
	return s.db.txWithEvent(ctx, ev, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO maintenance_windows (`+windowColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
			mw.ID, mw.OrgID, mw.EnvironmentID, mw.Rule, mw.Zone, mw.VendorAgreedBy, mw.CustomerAgreedBy, micro(mw.CreatedAt), mw.CreatedBy)
		return err
	})
}

// DeleteWindow removes a window in scope, with the event ev makes of it.
func (s *Changes) DeleteWindow(ctx context.Context, scope accord.Scope, id accord.ID, ev func(changes.Window) audit.Event) error {
	return s.db.tx(ctx, func(tx *sql.Tx) error {
		var w where
		w.scope("org_id", scope)
		w.add("id = ?", id)
		mw, err := oneRow(scanWindow, tx.QueryRowContext(ctx, `SELECT `+windowColumns+` FROM maintenance_windows`+w.String()+s.db.forChange(), w.args...), "maintenance window")
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM maintenance_windows WHERE id = $1`, mw.ID); err != nil {
			return fmt.Errorf("delete maintenance window: %w", err)
		}
		return s.db.appendEvent(ctx, tx, ev(mw))
	})
}
