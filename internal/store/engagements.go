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
	"accord/internal/contracts"
	"accord/internal/engagements"
)

// Engagements implements engagements.Store.
type Engagements struct{ db *DB }

// NewEngagements returns the engagements store of db.
func NewEngagements(db *DB) *Engagements { return &Engagements{db: db} }

// --- catalog versions, stored as policy versions are (policy.go)

// CreateCatalogVersion inserts v and its audit event; a taken number is
// Conflict, for the service to retry.
func (s *Engagements) CreateCatalogVersion(ctx context.Context, v engagements.Version, ev audit.Event) error {
	return s.db.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO catalog_versions (id, number, document, sha256, note, created_at, created_by, created_by_id)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
			v.ID, v.Number, v.Document, v.SHA256, v.Note, v.CreatedAt.UTC(), v.CreatedBy, v.CreatedByID)
		if err != nil {
			return s.db.mapErr(err)
		}
		return s.db.appendEvent(ctx, tx, ev)
	})
}

// scanCatalogVersion reads versionColumns, the columns of policy_versions
// and catalog_versions alike.
func scanCatalogVersion(row interface{ Scan(...any) error }, doc *string) (engagements.Version, error) {
	v, err := scanVersion(row, doc)
	return engagements.Version(v), err
}

func (s *Engagements) catalogVersion(ctx context.Context, q string, args ...any) (engagements.Version, error) {
	var doc string
	scan := func(r interface{ Scan(...any) error }) (engagements.Version, error) {
		return scanCatalogVersion(r, &doc)
	}
	row := s.db.sql.QueryRowContext(ctx, `SELECT `+versionColumns+`, document FROM catalog_versions `+q, args...)
	return oneRow(scan, row, "catalog version")
}

func (s *Engagements) GetCatalogVersion(ctx context.Context, number int) (engagements.Version, error) {
	return s.catalogVersion(ctx, `WHERE number = $1`, number)
}

func (s *Engagements) LatestCatalogVersion(ctx context.Context) (engagements.Version, error) {
	return s.catalogVersion(ctx, `ORDER BY number DESC LIMIT 1`)
}

// ListCatalogVersions lists newest first, without documents. The cursor's
// key is the last number shown.
func (s *Engagements) ListCatalogVersions(ctx context.Context, p accord.Page) ([]engagements.Version, string, error) {
	p = p.Normalize()
	c, err := accord.DecodeCursor(p.Cursor)
	if err != nil {
		return nil, "", err
	}
	var w where
	if c.ID != "" {
		n, err := strconv.Atoi(c.Key)
		if err != nil {
			return nil, "", accord.FieldError("cursor", "is not a cursor this server issued")
		}
		w.add("number < ?", n)
	}
	rows, err := s.db.sql.QueryContext(ctx, `SELECT `+versionColumns+` FROM catalog_versions`+w.String()+` ORDER BY number DESC`+w.limit(p), w.args...)
	if err != nil {
		return nil, "", fmt.Errorf("list catalog versions: %w", err)
	}
	out, err := collect(rows, func(r interface{ Scan(...any) error }) (engagements.Version, error) {
		return scanCatalogVersion(r, nil)
	})
	if err != nil {
		return nil, "", fmt.Errorf("list catalog versions: %w", err)
	}
	out, next := page(out, p, func(v engagements.Version) accord.Cursor {
		return accord.Cursor{Key: strconv.Itoa(v.Number), ID: v.ID}
	})
	return out, next, nil
}

// --- engagements

// An engagement's columns: those written once, when it is requested, then
// those every update rewrites, in the order scanEngagement and
// engagementValues use.
const engagementFixed = `id, org_id, service, service_name, catalog_version, requested_at, requested_by_id, requested_by_name, environment_id`

var engagementMutable = []string{"reseller_id", "provider", "format", "scope", "case_id", "state", "quote",
	"accepted_at", "earliest_start", "started_at", "completed_at", "signed_off_at", "sign_off_note",
	"cancelled_at", "cancel_reason", "steps", "hours_shortfall", "outcome", "updated_at"}

var (
	engagementColumns = engagementFixed + ", " + strings.Join(engagementMutable, ", ")
	// engagementSet is "reseller_id = $1, provider = $2, ..." over
	// engagementMutable.
	engagementSet = func() string {
		set := make([]string, len(engagementMutable))
		for i, col := range engagementMutable {
			set[i] = col + " = $" + strconv.Itoa(i+1)
		}
		return strings.Join(set, ", ")
	}()
)

// micro is t as stored: UTC, to the microsecond, which is what PostgreSQL
// keeps, so that both engines read back the same instant.
func micro(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// nullMicro is nullTime to the microsecond.
func nullMicro(t *time.Time) any {
	if t == nil {
		return nil
	}
	return micro(*t)
}

// jsonText is v as JSON text; a nil pointer is NULL.
func jsonText[T any](v *T) (any, error) {
	if v == nil {
		return nil, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return string(b), nil
}

// fromJSON decodes a nullable JSON column into a new T; NULL is nil.
func fromJSON[T any](text sql.NullString) (*T, error) {
	if !text.Valid {
		return nil, nil
	}
	v := new(T)
	if err := json.Unmarshal([]byte(text.String), v); err != nil {
		return nil, err
	}
	return v, nil
}

// engagementFixedValues are e's values for engagementFixed.
func engagementFixedValues(e engagements.Engagement) []any {
	return []any{e.ID, e.OrgID, e.Service, e.ServiceName, e.CatalogVersion, micro(e.RequestedAt), nullable(e.RequestedByID), e.RequestedByName,
		nullable(e.EnvironmentID)}
}

// engagementValues are e's values for engagementMutable. Steps are stored
// as a list even when nil.
func engagementValues(e engagements.Engagement) ([]any, error) {
	quote, err := jsonText(e.Quote)
	if err != nil {
		return nil, fmt.Errorf("engagement %s: quote: %w", e.ID, err)
	}
	outcome, err := jsonText(e.Outcome)
	if err != nil {
		return nil, fmt.Errorf("engagement %s: outcome: %w", e.ID, err)
	}
	shortfall, err := jsonText(e.HoursShortfall)
	if err != nil {
		return nil, fmt.Errorf("engagement %s: hours shortfall: %w", e.ID, err)
	}
	steps := e.Steps
	if steps == nil {
		steps = []engagements.Step{}
	}
	stepsText, err := json.Marshal(steps)
	if err != nil {
		return nil, fmt.Errorf("engagement %s: steps: %w", e.ID, err)
	}
	return []any{nullable(e.ResellerID), string(e.Provider), e.Format, e.Scope, nullable(e.CaseID), string(e.State), quote,
		nullMicro(e.AcceptedAt), nullMicro(e.EarliestStart), nullMicro(e.StartedAt), nullMicro(e.CompletedAt), nullMicro(e.SignedOffAt),
		e.SignOffNote, nullMicro(e.CancelledAt), e.CancelReason, string(stepsText), shortfall, outcome, micro(e.UpdatedAt)}, nil
}

// scanEngagement reads engagementColumns, without sessions.
func scanEngagement(row interface{ Scan(...any) error }) (engagements.Engagement, error) {
	var e engagements.Engagement
	var requestedBy, environment, reseller, caseID, quote, shortfall, outcome sql.NullString
	var accepted, earliest, started, completed, signedOff, cancelled sql.NullTime
	var steps string
	err := row.Scan(&e.ID, &e.OrgID, &e.Service, &e.ServiceName, &e.CatalogVersion, &e.RequestedAt, &requestedBy, &e.RequestedByName, &environment,
		&reseller, &e.Provider, &e.Format, &e.Scope, &caseID, &e.State, &quote,
		&accepted, &earliest, &started, &completed, &signedOff, &e.SignOffNote,
		&cancelled, &e.CancelReason, &steps, &shortfall, &outcome, &e.UpdatedAt)
	if err != nil {
		return e, err
	}
	e.RequestedByID, e.ResellerID, e.CaseID = accord.ID(requestedBy.String), accord.ID(reseller.String), accord.ID(caseID.String)
	e.EnvironmentID = accord.ID(environment.String)
	e.AcceptedAt, e.EarliestStart, e.StartedAt = utcPtr(accepted), utcPtr(earliest), utcPtr(started)
	e.CompletedAt, e.SignedOffAt, e.CancelledAt = utcPtr(completed), utcPtr(signedOff), utcPtr(cancelled)
	e.RequestedAt, e.UpdatedAt = e.RequestedAt.UTC(), e.UpdatedAt.UTC()
	if err := json.Unmarshal([]byte(steps), &e.Steps); err != nil {
		return e, fmt.Errorf("engagement %s: steps: %w", e.ID, err)
	}
	if e.Quote, err = fromJSON[engagements.Quote](quote); err != nil {
		return e, fmt.Errorf("engagement %s: quote: %w", e.ID, err)
	}
	if e.HoursShortfall, err = fromJSON[engagements.Shortfall](shortfall); err != nil {
		return e, fmt.Errorf("engagement %s: hours shortfall: %w", e.ID, err)
	}
	if e.Outcome, err = fromJSON[engagements.Outcome](outcome); err != nil {
		return e, fmt.Errorf("engagement %s: outcome: %w", e.ID, err)
	}
	return e, nil
}

func engagementByID(id accord.ID, scope accord.Scope) where {
	var w where
	w.add("id = ?", id)
	w.scope("org_id", scope)
	return w
}

// readEngagement reads the engagement w selects with its sessions, in
// order of start; lock is appended to the SELECT (db.forChange() or "").
func readEngagement(ctx context.Context, q queryer, w where, lock string) (engagements.Engagement, error) {
	e, err := oneRow(scanEngagement, q.QueryRowContext(ctx, `SELECT `+engagementColumns+` FROM engagements`+w.String()+lock, w.args...), "engagement")
	if err != nil {
		return e, err
	}
	rows, err := q.QueryContext(ctx, `SELECT id, engineer_id, engineer_name, starts_at, ends_at, on_site, location
		FROM engagement_sessions WHERE engagement_id = $1 ORDER BY starts_at, id`, e.ID)
	if err != nil {
		return e, fmt.Errorf("engagement sessions: %w", err)
	}
	e.Sessions, err = collect(rows, scanEngineerSession)
	if err != nil {
		return e, fmt.Errorf("engagement sessions: %w", err)
	}
	if e.Sessions == nil {
		e.Sessions = []engagements.Session{} // read, and none: not "not read"
	}
	return e, nil
}

func scanEngineerSession(row interface{ Scan(...any) error }) (engagements.Session, error) {
	return scanEngineerSessionAnd(row)
}

// scanEngineerSessionAnd scans a session's columns followed by extra ones.
func scanEngineerSessionAnd(row interface{ Scan(...any) error }, extra ...any) (engagements.Session, error) {
	var s engagements.Session
	err := row.Scan(append([]any{&s.ID, &s.EngineerID, &s.EngineerName, &s.Start, &s.End, &s.OnSite, &s.Location}, extra...)...)
	s.Start, s.End = s.Start.UTC(), s.End.UTC()
	return s, err
}

// Create inserts the engagement, with its steps, and its audit event.
// Sessions are booked by later changes; any given here are not written.
func (s *Engagements) Create(ctx context.Context, e engagements.Engagement, ev audit.Event) error {
	vals, err := engagementValues(e)
	if err != nil {
		return err
	}
	args := append(engagementFixedValues(e), vals...)
	return s.db.txWithEvent(ctx, ev, func(tx *sql.Tx) error {
		if e.EnvironmentID != "" {
			// An environment of another customer is refused as one that
			// does not exist: the requester may not learn it does.
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM environments WHERE id = $1 AND org_id = $2`, e.EnvironmentID, e.OrgID).Scan(&n); err != nil {
				return err
			}
			if n == 0 {
				return accord.FieldError("environment_id", "must be a managed environment of the customer")
			}
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO engagements (`+engagementColumns+`) VALUES `+inList(1, len(args)), args...)
		return err
	})
}

// Get returns the engagement with its steps, sessions and outcome. Waiting
// is the service's to compute.
func (s *Engagements) Get(ctx context.Context, scope accord.Scope, id accord.ID) (engagements.Engagement, error) {
	return readEngagement(ctx, s.db.sql, engagementByID(id, scope), "")
}

// List lists engagements newest first by (requested_at, id), with their
// steps but without sessions.
func (s *Engagements) List(ctx context.Context, scope accord.Scope, f engagements.Filter, p accord.Page) ([]engagements.Engagement, string, error) {
	p = p.Normalize()
	cur, err := accord.DecodeCursor(p.Cursor)
	if err != nil {
		return nil, "", err
	}
	var w where
	w.scope("org_id", scope)
	if f.OrgID != "" {
		w.add("org_id = ?", f.OrgID)
	}
	if f.ResellerID != "" {
		w.add("reseller_id = ?", f.ResellerID)
	}
	if f.State != "" {
		w.add("state = ?", string(f.State))
	}
	if f.Service != "" {
		w.add("service = ?", f.Service)
	}
	if f.EngineerID != "" {
		w.add("EXISTS (SELECT 1 FROM engagement_sessions s WHERE s.engagement_id = engagements.id AND s.engineer_id = ?)", f.EngineerID)
	}
	if err := w.beforeTime("requested_at", "id", cur); err != nil {
		return nil, "", err
	}
	rows, err := s.db.sql.QueryContext(ctx, `SELECT `+engagementColumns+` FROM engagements`+w.String()+
		` ORDER BY requested_at DESC, id DESC`+w.limit(p), w.args...)
	if err != nil {
		return nil, "", fmt.Errorf("list engagements: %w", err)
	}
	out, err := collect(rows, scanEngagement)
	if err != nil {
		return nil, "", fmt.Errorf("list engagements: %w", err)
	}
	out, next := page(out, p, func(e engagements.Engagement) accord.Cursor { return timeCursor(e.RequestedAt, e.ID) })
	return out, next, nil
}

// Update holds the engagement for the whole transaction: a row lock on
// PostgreSQL that lets rows referring to it be inserted elsewhere (see
// forChange), the one write lock on SQLite. decide sees it with its
// sessions, and through Locked reads (and locks) what other engagements
// may change at the same time: engineers' bookings, the customer's
// entitlements.
func (s *Engagements) Update(ctx context.Context, scope accord.Scope, id accord.ID,
	decide func(engagements.Engagement, engagements.Locked) (engagements.Change, error)) (engagements.Engagement, error) {
	var out engagements.Engagement
	err := s.db.tx(ctx, func(tx *sql.Tx) error {
		old, err := readEngagement(ctx, tx, engagementByID(id, scope), s.db.forChange())
		if err != nil {
			return err
		}
		ch, err := decide(old, &locked{ctx: ctx, db: s.db, tx: tx, e: old})
		if err != nil {
			return err
		}
		if err := s.write(ctx, tx, old, ch); err != nil {
			return err
		}
		out, err = readEngagement(ctx, tx, engagementByID(old.ID, accord.Scope{All: true}), "")
		return err
	})
	if err != nil {
		return engagements.Engagement{}, err
	}
	return out, nil
}

// write stores a Change to old inside tx. The id, the customer and what
// was fixed at the request are old's whatever ch.Engagement says.
func (s *Engagements) write(ctx context.Context, tx *sql.Tx, old engagements.Engagement, ch engagements.Change) error {
	e := ch.Engagement
	vals, err := engagementValues(e)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE engagements SET `+engagementSet+` WHERE id = $`+strconv.Itoa(len(vals)+1), append(vals, old.ID)...); err != nil {
		return s.db.mapErr(fmt.Errorf("update engagement: %w", err))
	}
	if ch.Sessions != nil {
		if _, err := tx.ExecContext(ctx, `DELETE FROM engagement_sessions WHERE engagement_id = $1`, old.ID); err != nil {
			return fmt.Errorf("replace sessions: %w", err)
		}
		for _, ss := range *ch.Sessions {
			_, err := tx.ExecContext(ctx, `INSERT INTO engagement_sessions (id, org_id, engagement_id, engineer_id, engineer_name, starts_at, ends_at, on_site, location)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
				ss.ID, old.OrgID, old.ID, ss.EngineerID, ss.EngineerName, micro(ss.Start), micro(ss.End), ss.OnSite, ss.Location)
			if err != nil {
				return s.db.mapErr(fmt.Errorf("insert session: %w", err))
			}
		}
	}
	if u := ch.Upload; u != nil {
		content := u.Content
		if content == nil {
			content = []byte{} // an empty file, not a missing one
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO engagement_files (id, org_id, engagement_id, name, content_type, size, sha256, content, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
			u.File.ID, old.OrgID, old.ID, u.File.Name, u.File.ContentType, u.File.Size, u.File.SHA256, content, micro(e.UpdatedAt))
		if err != nil {
			return s.db.mapErr(fmt.Errorf("insert file: %w", err))
		}
	}
	if c := ch.Use; c != nil {
		if err := s.use(ctx, tx, old, *c); err != nil {
			return err
		}
	}
	for _, ev := range ch.Events {
		if err := s.db.appendEvent(ctx, tx, ev); err != nil {
			return err
		}
	}
	return nil
}

// use adds c to its entitlement's use, unconditionally (the decision was
// made on the row Locked.Entitlement locked), and records it. The
// entitlement must be the engagement's customer's.
func (s *Engagements) use(ctx context.Context, tx *sql.Tx, old engagements.Engagement, c contracts.Consumption) error {
	if c.OrgID != "" && c.OrgID != old.OrgID {
		return fmt.Errorf("use %s names customer %s, but is written for engagement %s of %s", c.ID, c.OrgID, old.ID, old.OrgID)
	}
	c.OrgID, c.At = old.OrgID, micro(c.At)
	res, err := tx.ExecContext(ctx, `UPDATE entitlements SET used = used + $1 WHERE id = $2 AND org_id = $3`, c.Quantity, c.EntitlementID, c.OrgID)
	if err != nil {
		return s.db.mapErr(fmt.Errorf("use entitlement: %w", err))
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return notFound("entitlement")
	}
	if err := insertUse(ctx, tx, c); err != nil {
		return s.db.mapErr(fmt.Errorf("record use: %w", err))
	}
	return nil
}

// locked implements engagements.Locked inside the transaction of an
// Update that holds e.
type locked struct {
	ctx context.Context
	db  *DB
	tx  *sql.Tx
	e   engagements.Engagement
}

// bookingColumns read a session with its engagement and customer, from
// engagement_sessions s JOIN engagements e JOIN organizations o.
const bookingColumns = `s.id, s.engineer_id, s.engineer_name, s.starts_at, s.ends_at, s.on_site, s.location,
	s.engagement_id, e.org_id, o.name, e.service_name, e.state, e.updated_at`

const bookingJoins = ` FROM engagement_sessions s JOIN engagements e ON e.id = s.engagement_id JOIN organizations o ON o.id = e.org_id`

func scanBooking(row interface{ Scan(...any) error }) (engagements.Booking, error) {
	var b engagements.Booking
	var err error
	b.Session, err = scanEngineerSessionAnd(row, &b.EngagementID, &b.OrgID, &b.OrgName, &b.ServiceName, &b.State, &b.UpdatedAt)
	b.UpdatedAt = b.UpdatedAt.UTC()
	return b, err
}

// Busy locks the engineers' user rows first, in order of id, so that two
// transactions booking one engineer take turns: the second reads the
// first's sessions once it commits. It is deliberately not scoped: a
// partner's engineer may be booked at another customer, and the service
// needs to say until when. It returns nothing of a cancelled engagement,
// nor of the engagement being decided.
func (l *locked) Busy(engineers []accord.ID, from, to time.Time) ([]engagements.Booking, error) {
	if len(engineers) == 0 {
		return nil, nil
	}
	ids := make([]any, len(engineers))
	for i, id := range engineers {
		ids[i] = id
	}
	rows, err := l.tx.QueryContext(l.ctx, `SELECT id FROM users WHERE id IN `+inList(1, len(ids))+` ORDER BY id`+l.db.forChange(), ids...)
	if err != nil {
		return nil, fmt.Errorf("lock engineers: %w", err)
	}
	if _, err := collect(rows, func(r interface{ Scan(...any) error }) (accord.ID, error) {
		var id accord.ID
		return id, r.Scan(&id)
	}); err != nil {
		return nil, fmt.Errorf("lock engineers: %w", err)
	}
	var w where
	w.add("s.engagement_id <> ?", l.e.ID)
	w.add("e.state <> ?", string(engagements.Cancelled))
	w.add("s.engineer_id IN ("+strings.Repeat("?, ", len(ids)-1)+"?)", ids...)
	w.add("s.starts_at < ? AND s.ends_at > ?", micro(to), micro(from))
	rows, err = l.tx.QueryContext(l.ctx, `SELECT `+bookingColumns+bookingJoins+w.String()+` ORDER BY s.starts_at, s.id`, w.args...)
	if err != nil {
		return nil, fmt.Errorf("busy engineers: %w", err)
	}
	out, err := collect(rows, scanBooking)
	if err != nil {
		return nil, fmt.Errorf("busy engineers: %w", err)
	}
	return out, nil
}

// Entitlement reads and locks an entitlement of the engagement's customer;
// one of another customer is NotFound.
func (l *locked) Entitlement(id accord.ID) (contracts.Entitlement, error) {
	e, err := oneRow(scanEntitlement, l.tx.QueryRowContext(l.ctx, `SELECT `+entitlementColumns+` FROM entitlements WHERE id = $1 AND org_id = $2`+
		l.db.forChange(), id, l.e.OrgID), "entitlement")
	e.Left = max(0, e.Quantity-e.Used)
	return e, err
}

// File returns an engagement's evidence file and its content, inside scope.
func (s *Engagements) File(ctx context.Context, scope accord.Scope, engagementID, fileID accord.ID) (engagements.File, []byte, error) {
	var w where
	w.add("f.id = ?", fileID)
	w.add("f.engagement_id = ?", engagementID)
	w.scope("e.org_id", scope)
	var content []byte
	f, err := oneRow(func(r interface{ Scan(...any) error }) (engagements.File, error) {
		var f engagements.File
		err := r.Scan(&f.ID, &f.Name, &f.ContentType, &f.Size, &f.SHA256, &content)
		return f, err
	}, s.db.sql.QueryRowContext(ctx, `SELECT f.id, f.name, f.content_type, f.size, f.sha256, f.content
		FROM engagement_files f JOIN engagements e ON e.id = f.engagement_id AND e.org_id = f.org_id`+w.String(), w.args...), "file")
	if err != nil {
		return engagements.File{}, nil, err
	}
	if content == nil {
		content = []byte{}
	}
	return f, content, nil
}

// Bookings lists the sessions that end after f.From, of f.EngineerID and
// of f.OrgID when set, oldest first; those of cancelled engagements too,
// which a feed shows as cancelled. The service decides who may see them.
func (s *Engagements) Bookings(ctx context.Context, f engagements.SessionFilter) ([]engagements.Booking, error) {
	var w where
	if f.EngineerID != "" {
		w.add("s.engineer_id = ?", f.EngineerID)
	}
	if f.OrgID != "" {
		w.add("s.org_id = ?", f.OrgID)
	}
	if f.Scope != nil {
		w.scope("s.org_id", *f.Scope)
	}
	w.add("s.ends_at > ?", micro(f.From))
	if !f.To.IsZero() {
		w.add("s.starts_at < ?", micro(f.To))
	}
	rows, err := s.db.sql.QueryContext(ctx, `SELECT `+bookingColumns+bookingJoins+w.String()+` ORDER BY s.starts_at, s.id`, w.args...)
	if err != nil {
		return nil, fmt.Errorf("bookings: %w", err)
	}
	out, err := collect(rows, scanBooking)
	if err != nil {
		return nil, fmt.Errorf("bookings: %w", err)
	}
	return out, nil
}

// --- calendar feeds

// SaveFeed creates the user's feed or replaces its token.
func (s *Engagements) SaveFeed(ctx context.Context, f engagements.Feed, ev audit.Event) error {
	return s.db.txWithEvent(ctx, ev, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO calendar_feeds (user_id, org_id, token_hash, created_at) VALUES ($1, $2, $3, $4)
			ON CONFLICT (user_id) DO UPDATE SET org_id = excluded.org_id, token_hash = excluded.token_hash, created_at = excluded.created_at`,
			f.UserID, f.OrgID, f.TokenHash, micro(f.CreatedAt))
		return err
	})
}

func scanFeed(row interface{ Scan(...any) error }) (engagements.Feed, error) {
	var f engagements.Feed
	err := row.Scan(&f.UserID, &f.OrgID, &f.TokenHash, &f.CreatedAt)
	f.CreatedAt = f.CreatedAt.UTC()
	return f, err
}

func (s *Engagements) GetFeed(ctx context.Context, userID accord.ID) (engagements.Feed, error) {
	return oneRow(scanFeed, s.db.sql.QueryRowContext(ctx, `SELECT user_id, org_id, token_hash, created_at FROM calendar_feeds WHERE user_id = $1`, userID), "calendar feed")
}

func (s *Engagements) FeedByToken(ctx context.Context, tokenHash string) (engagements.Feed, error) {
	if tokenHash == "" {
		return engagements.Feed{}, notFound("calendar feed")
	}
	return oneRow(scanFeed, s.db.sql.QueryRowContext(ctx, `SELECT user_id, org_id, token_hash, created_at FROM calendar_feeds WHERE token_hash = $1`, tokenHash), "calendar feed")
}
