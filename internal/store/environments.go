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
	"accord/internal/engagements"
	"accord/internal/environments"
)

// Environments implements environments.Store.
type Environments struct{ db *DB }

// NewEnvironments returns the environments store of db.
func NewEnvironments(db *DB) *Environments { return &Environments{db: db} }

var environmentMutable = []string{"reseller_id", "name", "product", "version", "region", "status",
	"backup_frequency", "retention_days", "covers", "snapshot_before_change", "snapshot_max_age_secs",
	"restore_test_months", "agreed_by", "agreed_at", "updated_at"}

var (
	environmentColumns = "id, org_id, created_at, " + strings.Join(environmentMutable, ", ")
	environmentSet     = func() string {
		set := make([]string, len(environmentMutable))
		for i, col := range environmentMutable {
			set[i] = col + " = $" + strconv.Itoa(i+1)
		}
		return strings.Join(set, ", ")
	}()
)

func environmentValues(e environments.Environment) []any {
	b := e.Backup
	return []any{nullable(e.ResellerID), e.Name, e.Product, e.Version, e.Region, string(e.Status),
		b.Frequency, b.RetentionDays, b.Covers, b.SnapshotBeforeChange, int64(b.SnapshotMaxAge / time.Second),
		b.RestoreTestMonths, nullable(b.AgreedBy), nullMicro(b.AgreedAt), micro(e.UpdatedAt)}
}

func scanEnvironment(row interface{ Scan(...any) error }) (environments.Environment, error) {
	var e environments.Environment
	var reseller, agreedBy sql.NullString
	var agreedAt sql.NullTime
	var maxAge int64
	b := &e.Backup
	err := row.Scan(&e.ID, &e.OrgID, &e.CreatedAt, &reseller, &e.Name, &e.Product, &e.Version, &e.Region, &e.Status,
		&b.Frequency, &b.RetentionDays, &b.Covers, &b.SnapshotBeforeChange, &maxAge, &b.RestoreTestMonths, &agreedBy, &agreedAt, &e.UpdatedAt)
	e.ResellerID, b.AgreedBy, b.AgreedAt = accord.ID(reseller.String), accord.ID(agreedBy.String), utcPtr(agreedAt)
	b.SnapshotMaxAge = time.Duration(maxAge) * time.Second
	e.CreatedAt, e.UpdatedAt = e.CreatedAt.UTC(), e.UpdatedAt.UTC()
	return e, err
}

// environmentScope restricts w to the environments scope may read: those
// of its organizations, and those one of them delivers as reseller.
func environmentScope(w *where, prefix string, scope accord.Scope) {
	if scope.All {
		return
	}
	if len(scope.Orgs) == 0 {
		w.add("1 = 0")
		return
	}
	ids := make([]any, len(scope.Orgs))
	for i, o := range scope.Orgs {
		ids[i] = o
	}
	marks := strings.TrimSuffix(strings.Repeat("?, ", len(ids)), ", ")
	w.add("("+prefix+"org_id IN ("+marks+") OR "+prefix+"reseller_id IN ("+marks+"))", append(ids, ids...)...)
}

func environmentByID(id accord.ID, scope accord.Scope) where {
	var w where
	w.add("id = ?", id)
	environmentScope(&w, "", scope)
	return w
}

func readEnvironment(ctx context.Context, q queryer, w where, lock string) (environments.Environment, error) {
	return oneRow(scanEnvironment, q.QueryRowContext(ctx, `SELECT `+environmentColumns+` FROM environments`+w.String()+lock, w.args...), "environment")
}

// CreateEnvironment inserts e, its event, and the job of its first check.
func (s *Environments) CreateEnvironment(ctx context.Context, e environments.Environment, check time.Time, ev audit.Event) error {
	args := append([]any{e.ID, e.OrgID, micro(e.CreatedAt)}, environmentValues(e)...)
	return s.db.txWithEvent(ctx, ev, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO environments (`+environmentColumns+`) VALUES `+inList(1, len(args)), args...); err != nil {
			return err
		}
		return setTimer(ctx, tx, e.OrgID, e.ID, environments.CheckJob, check, e.CreatedAt)
	})
}

func (s *Environments) GetEnvironment(ctx context.Context, scope accord.Scope, id accord.ID) (environments.Environment, error) {
	return readEnvironment(ctx, s.db.sql, environmentByID(id, scope), "")
}

// ListEnvironments lists by customer name, then environment name.
func (s *Environments) ListEnvironments(ctx context.Context, scope accord.Scope, f environments.Filter) ([]environments.Environment, error) {
	var w where
	environmentScope(&w, "e.", scope)
	if f.OrgID != "" {
		w.add("e.org_id = ?", f.OrgID)
	}
	if f.ResellerID != "" {
		w.add("e.reseller_id = ?", f.ResellerID)
	}
	if f.Status != "" {
		w.add("e.status = ?", string(f.Status))
	}
	cols := "e." + strings.ReplaceAll(environmentColumns, ", ", ", e.")
	rows, err := s.db.sql.QueryContext(ctx, `SELECT `+cols+` FROM environments e JOIN organizations o ON o.id = e.org_id`+w.String()+
		` ORDER BY o.name, e.name, e.id`, w.args...)
	if err != nil {
		return nil, fmt.Errorf("list environments: %w", err)
	}
	out, err := collect(rows, scanEnvironment)
	if err != nil {
		return nil, fmt.Errorf("list environments: %w", err)
	}
	return out, nil
}

// UpdateEnvironment holds the environment's row for the transaction while
// decide runs; its id, customer and creation stay whatever decide says.
func (s *Environments) UpdateEnvironment(ctx context.Context, scope accord.Scope, id accord.ID,
	decide func(environments.Environment) (environments.Environment, audit.Event, error)) (environments.Environment, error) {
	var out environments.Environment
	err := s.db.tx(ctx, func(tx *sql.Tx) error {
		old, err := readEnvironment(ctx, tx, environmentByID(id, scope), s.db.forChange())
		if err != nil {
			return err
		}
		e, ev, err := decide(old)
		if err != nil {
			return err
		}
		vals := environmentValues(e)
		if _, err := tx.ExecContext(ctx, `UPDATE environments SET `+environmentSet+` WHERE id = $`+strconv.Itoa(len(vals)+1), append(vals, old.ID)...); err != nil {
			return s.db.mapErr(fmt.Errorf("update environment: %w", err))
		}
		if err := s.db.appendEvent(ctx, tx, ev); err != nil {
			return err
		}
		out, err = readEnvironment(ctx, tx, environmentByID(old.ID, accord.Scope{All: true}), "")
		return err
	})
	if accord.IsKind(err, accord.Conflict) {
		return out, accord.FieldError("name", "the customer already has an environment of that name")
	}
	return out, err
}

const snapshotColumns = `id, org_id, environment_id, taken_at, kind, size_bytes, location, checksum, verified, expires_at, recorded_by, recorded_at`

func scanSnapshot(row interface{ Scan(...any) error }) (environments.Snapshot, error) {
	var sn environments.Snapshot
	var by sql.NullString
	err := row.Scan(&sn.ID, &sn.OrgID, &sn.EnvironmentID, &sn.TakenAt, &sn.Kind, &sn.SizeBytes, &sn.Location, &sn.Checksum,
		&sn.Verified, &sn.ExpiresAt, &by, &sn.RecordedAt)
	sn.RecordedBy = accord.ID(by.String)
	sn.TakenAt, sn.ExpiresAt, sn.RecordedAt = sn.TakenAt.UTC(), sn.ExpiresAt.UTC(), sn.RecordedAt.UTC()
	return sn, err
}

const alertColumns = `a.id, a.org_id, a.environment_id, a.kind, a.lapse, a.detail, a.raised_at, a.cleared_at, e.name`

const alertJoins = ` FROM environment_alerts a JOIN environments e ON e.id = a.environment_id AND e.org_id = a.org_id`

func scanAlert(row interface{ Scan(...any) error }) (environments.Alert, error) {
	var a environments.Alert
	var cleared sql.NullTime
	err := row.Scan(&a.ID, &a.OrgID, &a.EnvironmentID, &a.Kind, &a.Lapse, &a.Detail, &a.RaisedAt, &cleared, &a.EnvironmentName)
	a.RaisedAt, a.ClearedAt = a.RaisedAt.UTC(), utcPtr(cleared)
	return a, err
}

// backups reads what decisions about e's backups need, inside tx.
func (s *Environments) backups(ctx context.Context, tx *sql.Tx, e environments.Environment) (environments.Backups, error) {
	var b environments.Backups
	sn, err := oneRow(scanSnapshot, tx.QueryRowContext(ctx, `SELECT `+snapshotColumns+` FROM environment_snapshots
		WHERE environment_id = $1 AND kind = $2 ORDER BY taken_at DESC, id DESC LIMIT 1`, e.ID, string(environments.DailySnapshot)), "snapshot")
	switch {
	case err == nil:
		b.LastScheduled = &sn
	case !accord.IsKind(err, accord.NotFound):
		return b, err
	}
	if b.LastRestoreTest, err = lastRestoreTest(ctx, tx, e.ID); err != nil {
		return b, err
	}
	rows, err := tx.QueryContext(ctx, `SELECT `+alertColumns+alertJoins+` WHERE a.environment_id = $1 AND a.cleared_at IS NULL ORDER BY a.raised_at, a.id`, e.ID)
	if err != nil {
		return b, fmt.Errorf("open alerts: %w", err)
	}
	b.Open, err = collect(rows, scanAlert)
	if err != nil {
		return b, fmt.Errorf("open alerts: %w", err)
	}
	return b, nil
}

// lastRestoreTest reads the environment's newest completed engagement of
// one of environments.RestoreServices, or nil.
func lastRestoreTest(ctx context.Context, q queryer, envID accord.ID) (*environments.RestoreTest, error) {
	args := []any{envID}
	for _, svc := range environments.RestoreServices {
		args = append(args, svc)
	}
	var t environments.RestoreTest
	var outcome sql.NullString
	err := q.QueryRowContext(ctx, `SELECT id, service, service_name, completed_at, outcome FROM engagements
		WHERE environment_id = $1 AND completed_at IS NOT NULL AND state IN ('completed', 'signed_off') AND service IN `+inList(2, len(environments.RestoreServices))+`
		ORDER BY completed_at DESC, id DESC LIMIT 1`, args...).Scan(&t.EngagementID, &t.Service, &t.ServiceName, &t.CompletedAt, &outcome)
	if err == sql.ErrNoRows {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("last restore test: %w", err)
	}
	t.CompletedAt = t.CompletedAt.UTC()
	o, err := fromJSON[engagements.Outcome](outcome)
	if err != nil {
		return nil, fmt.Errorf("last restore test %s: outcome: %w", t.EngagementID, err)
	}
	if o != nil && o.RTO != nil {
		t.RTO, t.RTOMet = o.RTO.Text, o.RTO.Met
	}
	if o != nil && o.RPO != nil {
		t.RPO, t.RPOMet = o.RPO.Text, o.RPO.Met
	}
	return &t, nil
}

// Record holds the environment's row while decide looks at its backups,
// then writes the snapshot, the alerts raised (once per key: one raised
// before makes the insert and its event nothing) and cleared, the events,
// and the next check.
func (s *Environments) Record(ctx context.Context, scope accord.Scope, id accord.ID, now time.Time,
	decide func(environments.Environment, environments.Backups) (environments.Record, error)) error {
	return s.db.tx(ctx, func(tx *sql.Tx) error {
		e, err := readEnvironment(ctx, tx, environmentByID(id, scope), s.db.forChange())
		if err != nil {
			return err
		}
		b, err := s.backups(ctx, tx, e)
		if err != nil {
			return err
		}
		r, err := decide(e, b)
		if err != nil {
			return err
		}
		if sn := r.Snapshot; sn != nil {
			_, err := tx.ExecContext(ctx, `INSERT INTO environment_snapshots (`+snapshotColumns+`) VALUES `+inList(1, 12),
				sn.ID, e.OrgID, e.ID, micro(sn.TakenAt), string(sn.Kind), sn.SizeBytes, sn.Location, sn.Checksum, sn.Verified,
				micro(sn.ExpiresAt), nullable(sn.RecordedBy), micro(sn.RecordedAt))
			if err != nil {
				return s.db.mapErr(fmt.Errorf("insert snapshot: %w", err))
			}
		}
		for _, id := range r.Clear {
			if _, err := tx.ExecContext(ctx, `UPDATE environment_alerts SET cleared_at = $1 WHERE id = $2 AND environment_id = $3 AND cleared_at IS NULL`,
				micro(now), id, e.ID); err != nil {
				return fmt.Errorf("clear alert: %w", err)
			}
		}
		for _, ev := range r.Events {
			if err := s.db.appendEvent(ctx, tx, ev); err != nil {
				return err
			}
		}
		for _, rs := range r.Raise {
			a := rs.Alert
			res, err := tx.ExecContext(ctx, `INSERT INTO environment_alerts (id, org_id, environment_id, kind, lapse, detail, raised_at, cleared_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, NULL) ON CONFLICT (environment_id, kind, lapse) DO NOTHING`,
				a.ID, e.OrgID, e.ID, string(a.Kind), a.Lapse, a.Detail, micro(a.RaisedAt))
			if err != nil {
				return s.db.mapErr(fmt.Errorf("raise alert: %w", err))
			}
			if n, err := res.RowsAffected(); err != nil {
				return fmt.Errorf("raise alert: %w", err)
			} else if n == 0 {
				continue
			}
			if err := s.db.appendEvent(ctx, tx, rs.Event); err != nil {
				return err
			}
		}
		if !r.NextCheck.IsZero() {
			return setTimer(ctx, tx, e.OrgID, e.ID, environments.CheckJob, r.NextCheck, now)
		}
		return nil
	})
}

// Snapshots lists newest first those not expired at now.
func (s *Environments) Snapshots(ctx context.Context, envID accord.ID, since, now time.Time) ([]environments.Snapshot, error) {
	rows, err := s.db.sql.QueryContext(ctx, `SELECT `+snapshotColumns+` FROM environment_snapshots
		WHERE environment_id = $1 AND taken_at >= $2 AND expires_at > $3 ORDER BY taken_at DESC, id DESC`, envID, micro(since), micro(now))
	if err != nil {
		return nil, fmt.Errorf("list snapshots: %w", err)
	}
	out, err := collect(rows, scanSnapshot)
	if err != nil {
		return nil, fmt.Errorf("list snapshots: %w", err)
	}
	return out, nil
}

// Alerts lists the alerts of the environments inside scope (by customer;
// the reseller does not widen it: alerts are the vendor's), newest first.
func (s *Environments) Alerts(ctx context.Context, scope accord.Scope, f environments.AlertFilter) ([]environments.Alert, error) {
	var w where
	w.scope("a.org_id", scope)
	if f.EnvironmentID != "" {
		w.add("a.environment_id = ?", f.EnvironmentID)
	}
	if f.Open {
		w.add("a.cleared_at IS NULL")
	}
	rows, err := s.db.sql.QueryContext(ctx, `SELECT `+alertColumns+alertJoins+w.String()+` ORDER BY a.raised_at DESC, a.id DESC LIMIT 500`, w.args...)
	if err != nil {
		return nil, fmt.Errorf("list alerts: %w", err)
	}
	out, err := collect(rows, scanAlert)
	if err != nil {
		return nil, fmt.Errorf("list alerts: %w", err)
	}
	return out, nil
}

// --- notices

const opsNoticeColumns = `id, org_id, publication_id, kind, title, body, starts_at, ends_at, environments, published_by, published_name, published_at`

func scanOpsNotice(row interface{ Scan(...any) error }) (environments.Notice, error) {
	var n environments.Notice
	var envs string
	var by sql.NullString
	err := row.Scan(&n.ID, &n.OrgID, &n.PublicationID, &n.Kind, &n.Title, &n.Body, &n.StartsAt, &n.EndsAt, &envs, &by, &n.PublishedName, &n.PublishedAt)
	if err != nil {
		return n, err
	}
	n.PublishedBy = accord.ID(by.String)
	n.StartsAt, n.EndsAt, n.PublishedAt = n.StartsAt.UTC(), n.EndsAt.UTC(), n.PublishedAt.UTC()
	if err := json.Unmarshal([]byte(envs), &n.Environments); err != nil {
		return n, fmt.Errorf("notice %s: environments: %w", n.ID, err)
	}
	return n, nil
}

// CreateNotices inserts the notices with their events and, for each, the
// job that mails it, due at once.
func (s *Environments) CreateNotices(ctx context.Context, ns []environments.Notice, evs []audit.Event) error {
	return s.db.tx(ctx, func(tx *sql.Tx) error {
		for _, n := range ns {
			envs, err := json.Marshal(n.Environments)
			if err != nil {
				return err
			}
			_, err = tx.ExecContext(ctx, `INSERT INTO notices (`+opsNoticeColumns+`) VALUES `+inList(1, 12),
				n.ID, n.OrgID, n.PublicationID, string(n.Kind), n.Title, n.Body, micro(n.StartsAt), micro(n.EndsAt), string(envs),
				nullable(n.PublishedBy), n.PublishedName, micro(n.PublishedAt))
			if err != nil {
				return s.db.mapErr(fmt.Errorf("insert notice: %w", err))
			}
			if err := setTimer(ctx, tx, n.OrgID, n.ID, environments.NoticeJob, n.PublishedAt, n.PublishedAt); err != nil {
				return err
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

// ListNotices lists newest first (by start, then publication), at most 500.
func (s *Environments) ListNotices(ctx context.Context, scope accord.Scope, f environments.NoticeFilter) ([]environments.Notice, error) {
	var w where
	w.scope("org_id", scope)
	if f.OrgID != "" {
		w.add("org_id = ?", f.OrgID)
	}
	if f.EnvironmentID != "" {
		// The list is JSON text on both engines: match the quoted id.
		w.add("environments LIKE ?", `%"`+string(f.EnvironmentID)+`"%`)
	}
	if !f.EndsAfter.IsZero() {
		w.add("ends_at > ?", micro(f.EndsAfter))
	}
	rows, err := s.db.sql.QueryContext(ctx, `SELECT `+opsNoticeColumns+` FROM notices`+w.String()+` ORDER BY starts_at DESC, published_at DESC, id DESC LIMIT 500`, w.args...)
	if err != nil {
		return nil, fmt.Errorf("list notices: %w", err)
	}
	out, err := collect(rows, scanOpsNotice)
	if err != nil {
		return nil, fmt.Errorf("list notices: %w", err)
	}
	return out, nil
}

func (s *Environments) GetNotice(ctx context.Context, scope accord.Scope, id accord.ID) (environments.Notice, error) {
	var w where
	w.add("id = ?", id)
	w.scope("org_id", scope)
	return oneRow(scanOpsNotice, s.db.sql.QueryRowContext(ctx, `SELECT `+opsNoticeColumns+` FROM notices`+w.String(), w.args...), "notice")
}

func (s *Environments) LastRestoreTest(ctx context.Context, envID accord.ID) (*environments.RestoreTest, error) {
	return lastRestoreTest(ctx, s.db.sql, envID)
}
