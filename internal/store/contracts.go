package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"accord/internal/accord"
	"accord/internal/audit"
	"accord/internal/contracts"
	"accord/internal/directory"
)

// Contracts implements contracts.Store.
type Contracts struct{ db *DB }

// NewContracts returns the contracts store of db.
func NewContracts(db *DB) *Contracts { return &Contracts{db: db} }

// renewing is true of a renewal n that counts: one not cancelled on or
// before its start. It is the predicate of the contracts_renewal unique
// index (migration 00003), which keeps such renewals to one per term.
const renewing = `(n.cancelled_on IS NULL OR n.cancelled_on > n.signed_on)`

// contractColumns reads a term with the id of the term that renews it and
// its account owner's name.
const contractColumns = `c.id, c.org_id, c.partner_id, c.account_owner_id, (SELECT u.name FROM users u WHERE u.id = c.account_owner_id),
	c.series_id, c.previous_id, (SELECT n.id FROM contracts n WHERE n.previous_id = c.id AND ` + renewing + `),
	c.plan, c.signed_on, c.years, c.ends_on, c.cancelled_on, c.cancel_reason, c.created_at, c.updated_at`

func scanContract(row interface{ Scan(...any) error }) (contracts.Contract, error) {
	var c contracts.Contract
	var partner, owner, ownerName, prev, next, cancelled sql.NullString
	err := row.Scan(&c.ID, &c.OrgID, &partner, &owner, &ownerName, &c.SeriesID, &prev, &next, &c.Plan, &c.SignedOn, &c.Years, &c.EndsOn,
		&cancelled, &c.CancelReason, &c.CreatedAt, &c.UpdatedAt)
	c.PartnerID, c.PreviousID, c.NextID = accord.ID(partner.String), accord.ID(prev.String), accord.ID(next.String)
	c.AccountOwnerID, c.AccountOwnerName = accord.ID(owner.String), ownerName.String
	c.CancelledOn = cancelled.String
	c.CreatedAt, c.UpdatedAt = c.CreatedAt.UTC(), c.UpdatedAt.UTC()
	return c, err
}

// nullable stores "" as NULL, for optional references.
func nullable[T ~string](v T) any {
	if v == "" {
		return nil
	}
	return string(v)
}

func (s *Contracts) CreateContract(ctx context.Context, t contracts.NewTerm) error {
	return s.db.tx(ctx, func(tx *sql.Tx) error {
		if err := s.db.insertContract(ctx, tx, t); err != nil {
			return err
		}
		return s.db.appendEvent(ctx, tx, t.Event)
	})
}

// insertContract writes a term with its licences, entitlements and jobs
// inside tx, refusing one that overlaps another term of the customer. It
// locks the customer's row first (SQLite's immediate transactions already
// run one writer at a time), so that of two concurrent overlapping terms
// the second sees the first. Errors are mapped.
func (db *DB) insertContract(ctx context.Context, tx *sql.Tx, t contracts.NewTerm) error {
	c := t.Contract
	var id string
	err := tx.QueryRowContext(ctx, `SELECT id FROM organizations WHERE id = $1`+db.forUpdate(), c.OrgID).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return &accord.Error{Kind: accord.Invalid, Field: "org_id", Msg: "refers to a record that does not exist"}
	} else if err != nil {
		return fmt.Errorf("lock customer: %w", err)
	}
	if err := writeContract(ctx, tx, c, t.Entitlements); err != nil {
		return db.mapErr(err)
	}
	if err := setTimers(ctx, tx, c.OrgID, t.Timers, c.CreatedAt); err != nil {
		return err
	}
	rows, err := tx.QueryContext(ctx, `SELECT id, signed_on, ends_on, cancelled_on FROM contracts WHERE org_id = $1 AND id <> $2`, c.OrgID, c.ID)
	if err != nil {
		return fmt.Errorf("customer's terms: %w", err)
	}
	terms, err := collect(rows, func(r interface{ Scan(...any) error }) (contracts.Contract, error) {
		var o contracts.Contract
		var cancelled sql.NullString
		err := r.Scan(&o.ID, &o.SignedOn, &o.EndsOn, &cancelled)
		o.CancelledOn = cancelled.String
		return o, err
	})
	if err != nil {
		return fmt.Errorf("customer's terms: %w", err)
	}
	return contracts.CheckNoOverlap(c, terms)
}

// writeContract inserts a term with its licences and entitlements.
func writeContract(ctx context.Context, tx *sql.Tx, c contracts.Contract, ents []contracts.Entitlement) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO contracts (id, org_id, partner_id, account_owner_id, series_id, previous_id, plan, signed_on, years, ends_on,
		cancelled_on, cancel_reason, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, NULL, '', $11, $12)`,
		c.ID, c.OrgID, nullable(c.PartnerID), nullable(c.AccountOwnerID), c.SeriesID, nullable(c.PreviousID), c.Plan, c.SignedOn, c.Years, c.EndsOn,
		c.CreatedAt, c.UpdatedAt)
	if err != nil {
		return err
	}
	for _, l := range c.Licences {
		if _, err := tx.ExecContext(ctx, `INSERT INTO contract_licences (org_id, contract_id, module, quantity) VALUES ($1, $2, $3, $4)`,
			c.OrgID, c.ID, l.Module, l.Quantity); err != nil {
			return err
		}
	}
	for _, e := range ents {
		if _, err := tx.ExecContext(ctx, `INSERT INTO entitlements (id, org_id, contract_id, year, starts_on, ends_on, key, name, unit, quantity, used)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 0)`,
			e.ID, e.OrgID, c.ID, e.Year, e.StartsOn, e.EndsOn, e.Key, e.Name, e.Unit, e.Quantity); err != nil {
			return err
		}
	}
	return nil
}

// setTimers sets or drops each timer's job inside tx; now is the time of
// the change.
func setTimers(ctx context.Context, tx *sql.Tx, orgID accord.ID, timers []contracts.Timer, now time.Time) error {
	for _, t := range timers {
		if err := setTimer(ctx, tx, orgID, t.ContractID, t.Kind, t.At, now); err != nil {
			return err
		}
	}
	return nil
}

// lockCustomer holds the customer's row until tx ends: every change of a
// customer's terms and of their jobs (CreateContract, CancelContract,
// UpdateContract, Tell) takes this lock first, so that a job deciding on
// what is stored never races a renewal or cancellation. On PostgreSQL it
// conflicts with insertContract's FOR UPDATE and with itself, and lets rows
// that refer to the customer be inserted meanwhile; SQLite runs one writer
// at a time.
func (db *DB) lockCustomer(ctx context.Context, tx *sql.Tx, orgID accord.ID) error {
	var id string
	err := tx.QueryRowContext(ctx, `SELECT id FROM organizations WHERE id = $1`+db.forChange(), orgID).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return notFound("contract")
	} else if err != nil {
		return fmt.Errorf("lock customer: %w", err)
	}
	return nil
}

func (s *Contracts) CancelContract(ctx context.Context, c contracts.Contract, timers []contracts.Timer, ev audit.Event) error {
	return s.db.tx(ctx, func(tx *sql.Tx) error {
		if err := s.db.lockCustomer(ctx, tx, c.OrgID); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE contracts SET cancelled_on = $1, cancel_reason = $2, updated_at = $3
			WHERE id = $4 AND org_id = $5 AND cancelled_on IS NULL`, c.CancelledOn, c.CancelReason, c.UpdatedAt, c.ID, c.OrgID)
		if err != nil {
			return s.db.mapErr(err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return &accord.Error{Kind: accord.Conflict, Msg: "the contract is already cancelled"}
		}
		if err := setTimers(ctx, tx, c.OrgID, timers, c.UpdatedAt); err != nil {
			return err
		}
		return s.db.appendEvent(ctx, tx, ev)
	})
}

func (s *Contracts) UpdateContract(ctx context.Context, c contracts.Contract, ev audit.Event) error {
	return s.db.tx(ctx, func(tx *sql.Tx) error {
		if err := s.db.lockCustomer(ctx, tx, c.OrgID); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE contracts SET partner_id = $1, account_owner_id = $2, updated_at = $3 WHERE id = $4 AND org_id = $5`,
			nullable(c.PartnerID), nullable(c.AccountOwnerID), c.UpdatedAt, c.ID, c.OrgID)
		if err != nil {
			return s.db.mapErr(err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return notFound("contract")
		}
		return s.db.appendEvent(ctx, tx, ev)
	})
}

// withLicences fills the licences of the terms read.
func (s *Contracts) withLicences(ctx context.Context, cs []contracts.Contract) error {
	if len(cs) == 0 {
		return nil
	}
	idx := map[accord.ID]int{}
	args := make([]any, len(cs))
	for i, c := range cs {
		idx[c.ID] = i
		args[i] = c.ID
		cs[i].Licences = []contracts.Licence{}
	}
	rows, err := s.db.sql.QueryContext(ctx, `SELECT contract_id, module, quantity FROM contract_licences
		WHERE contract_id IN `+inList(1, len(cs))+` ORDER BY contract_id, module`, args...)
	if err != nil {
		return fmt.Errorf("contract licences: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id accord.ID
		var l contracts.Licence
		if err := rows.Scan(&id, &l.Module, &l.Quantity); err != nil {
			return err
		}
		cs[idx[id]].Licences = append(cs[idx[id]].Licences, l)
	}
	return rows.Err()
}

func (s *Contracts) GetContract(ctx context.Context, scope accord.Scope, id accord.ID) (contracts.Contract, error) {
	var w where
	w.add("c.id = ?", id)
	w.scope("c.org_id", scope)
	c, err := scanContract(s.db.sql.QueryRowContext(ctx, `SELECT `+contractColumns+` FROM contracts c`+w.String(), w.args...))
	if errors.Is(err, sql.ErrNoRows) {
		return c, notFound("contract")
	}
	if err != nil {
		return c, fmt.Errorf("get contract: %w", err)
	}
	one := []contracts.Contract{c}
	err = s.withLicences(ctx, one)
	return one[0], err
}

func (s *Contracts) ListContracts(ctx context.Context, scope accord.Scope, f contracts.Filter, p accord.Page) ([]contracts.Contract, string, error) {
	cur, err := accord.DecodeCursor(p.Cursor)
	if err != nil {
		return nil, "", err
	}
	var w where
	w.scope("c.org_id", scope)
	if f.OrgID != nil {
		w.add("c.org_id = ?", *f.OrgID)
	}
	w.before("c.signed_on", "c.id", cur)
	rows, err := s.db.sql.QueryContext(ctx, `SELECT `+contractColumns+` FROM contracts c`+w.String()+` ORDER BY c.signed_on DESC, c.id DESC`+w.limit(p), w.args...)
	if err != nil {
		return nil, "", fmt.Errorf("list contracts: %w", err)
	}
	out, err := collect(rows, scanContract)
	if err != nil {
		return nil, "", fmt.Errorf("list contracts: %w", err)
	}
	out, next := page(out, p, func(c contracts.Contract) accord.Cursor { return accord.Cursor{Key: c.SignedOn, ID: c.ID} })
	return out, next, s.withLicences(ctx, out)
}

func (s *Contracts) ListTerms(ctx context.Context, scope accord.Scope, seriesID accord.ID) ([]contracts.Contract, error) {
	var w where
	w.add("c.series_id = ?", seriesID)
	w.scope("c.org_id", scope)
	rows, err := s.db.sql.QueryContext(ctx, `SELECT `+contractColumns+` FROM contracts c`+w.String()+` ORDER BY c.signed_on, c.id`, w.args...)
	if err != nil {
		return nil, fmt.Errorf("list terms: %w", err)
	}
	out, err := collect(rows, scanContract)
	if err != nil {
		return nil, fmt.Errorf("list terms: %w", err)
	}
	return out, s.withLicences(ctx, out)
}

// --- entitlements

const entitlementColumns = `id, org_id, contract_id, year, starts_on, ends_on, key, name, unit, quantity, used`

func scanEntitlement(row interface{ Scan(...any) error }) (contracts.Entitlement, error) {
	var e contracts.Entitlement
	err := row.Scan(&e.ID, &e.OrgID, &e.ContractID, &e.Year, &e.StartsOn, &e.EndsOn, &e.Key, &e.Name, &e.Unit, &e.Quantity, &e.Used)
	return e, err
}

func (s *Contracts) ListEntitlements(ctx context.Context, scope accord.Scope, contractID accord.ID) ([]contracts.Entitlement, error) {
	var w where
	w.add("contract_id = ?", contractID)
	w.scope("org_id", scope)
	rows, err := s.db.sql.QueryContext(ctx, `SELECT `+entitlementColumns+` FROM entitlements`+w.String()+` ORDER BY year, key`, w.args...)
	if err != nil {
		return nil, fmt.Errorf("list entitlements: %w", err)
	}
	return collect(rows, scanEntitlement)
}

func (s *Contracts) GetEntitlement(ctx context.Context, scope accord.Scope, id accord.ID) (contracts.Entitlement, error) {
	var w where
	w.add("id = ?", id)
	w.scope("org_id", scope)
	return oneRow(scanEntitlement, s.db.sql.QueryRowContext(ctx, `SELECT `+entitlementColumns+` FROM entitlements`+w.String(), w.args...), "entitlement")
}

// Consume takes units with one conditional UPDATE: the row's lock makes a
// concurrent consumer on PostgreSQL wait and re-check "used + q <= quantity"
// against the committed row, and SQLite runs one writer at a time, so two
// consumers of the last unit can never both succeed.
func (s *Contracts) Consume(ctx context.Context, c contracts.Consumption, ev audit.Event) (contracts.Entitlement, bool, error) {
	var e contracts.Entitlement
	ok := false
	err := s.db.tx(ctx, func(tx *sql.Tx) error {
		var err error
		e, err = scanEntitlement(tx.QueryRowContext(ctx, `UPDATE entitlements SET used = used + $1
			WHERE id = $2 AND org_id = $3 AND ($4 OR used + $1 <= quantity) RETURNING `+entitlementColumns,
			c.Quantity, c.EntitlementID, c.OrgID, c.Override))
		if errors.Is(err, sql.ErrNoRows) {
			e, err = scanEntitlement(tx.QueryRowContext(ctx, `SELECT `+entitlementColumns+` FROM entitlements WHERE id = $1 AND org_id = $2`,
				c.EntitlementID, c.OrgID))
			if errors.Is(err, sql.ErrNoRows) {
				return notFound("entitlement")
			}
			return err
		}
		if err != nil {
			return s.db.mapErr(err)
		}
		if err := insertUse(ctx, tx, c); err != nil {
			return s.db.mapErr(err)
		}
		ok = true
		return s.db.appendEvent(ctx, tx, ev)
	})
	return e, ok, err
}

// insertUse records a use of an entitlement whose used count the caller
// has already changed by c.Quantity in tx.
func insertUse(ctx context.Context, tx *sql.Tx, c contracts.Consumption) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO entitlement_uses (id, org_id, entitlement_id, quantity, at, reason, record_type, record_id,
		actor_id, actor_name, override) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
		c.ID, c.OrgID, c.EntitlementID, c.Quantity, c.At, c.Reason, c.RecordType, c.RecordID, c.ActorID, c.ActorName, c.Override)
	return err
}

func (s *Contracts) ListConsumptions(ctx context.Context, scope accord.Scope, entitlementID accord.ID) ([]contracts.Consumption, error) {
	var w where
	w.add("entitlement_id = ?", entitlementID)
	w.scope("org_id", scope)
	rows, err := s.db.sql.QueryContext(ctx, `SELECT id, org_id, entitlement_id, quantity, at, reason, record_type, record_id, actor_id, actor_name, override
		FROM entitlement_uses`+w.String()+` ORDER BY at, id`, w.args...)
	if err != nil {
		return nil, fmt.Errorf("list consumptions: %w", err)
	}
	return collect(rows, func(r interface{ Scan(...any) error }) (contracts.Consumption, error) {
		var c contracts.Consumption
		err := r.Scan(&c.ID, &c.OrgID, &c.EntitlementID, &c.Quantity, &c.At, &c.Reason, &c.RecordType, &c.RecordID, &c.ActorID, &c.ActorName, &c.Override)
		c.At = c.At.UTC()
		return c, err
	})
}

// --- licence surveys

func (s *Contracts) RecordSurveys(ctx context.Context, rows []contracts.Survey, ev audit.Event) error {
	return s.db.tx(ctx, func(tx *sql.Tx) error {
		for _, r := range rows {
			_, err := tx.ExecContext(ctx, `INSERT INTO licence_surveys (org_id, contract_id, year, module, measured, recorded_at)
				VALUES ($1, $2, $3, $4, $5, $6)
				ON CONFLICT (contract_id, year, module) DO UPDATE SET measured = excluded.measured, recorded_at = excluded.recorded_at`,
				r.OrgID, r.ContractID, r.Year, r.Module, r.Measured, r.RecordedAt)
			if err != nil {
				return s.db.mapErr(err)
			}
		}
		return s.db.appendEvent(ctx, tx, ev)
	})
}

func (s *Contracts) ListSurveys(ctx context.Context, scope accord.Scope, contractID accord.ID) ([]contracts.Survey, error) {
	var w where
	w.add("contract_id = ?", contractID)
	w.scope("org_id", scope)
	rows, err := s.db.sql.QueryContext(ctx, `SELECT org_id, contract_id, year, module, measured, recorded_at FROM licence_surveys`+w.String()+
		` ORDER BY year, module`, w.args...)
	if err != nil {
		return nil, fmt.Errorf("list surveys: %w", err)
	}
	return collect(rows, scanSurvey)
}

func scanSurvey(r interface{ Scan(...any) error }) (contracts.Survey, error) {
	var v contracts.Survey
	err := r.Scan(&v.OrgID, &v.ContractID, &v.Year, &v.Module, &v.Measured, &v.RecordedAt)
	v.RecordedAt = v.RecordedAt.UTC()
	return v, err
}

// --- the cadence: notices and survey requests

const noticeColumns = `org_id, contract_id, kind, days, year, due_on, answer_by, sent_at, recipients`

func scanNotice(row interface{ Scan(...any) error }) (contracts.Notice, error) {
	var n contracts.Notice
	var answerBy sql.NullString
	var recipients string
	if err := row.Scan(&n.OrgID, &n.ContractID, &n.Kind, &n.Days, &n.Year, &n.DueOn, &answerBy, &n.SentAt, &recipients); err != nil {
		return n, err
	}
	n.AnswerBy, n.SentAt = answerBy.String, n.SentAt.UTC()
	if err := json.Unmarshal([]byte(recipients), &n.Recipients); err != nil {
		return n, fmt.Errorf("notice recipients: %w", err)
	}
	return n, nil
}

func insertNotice(ctx context.Context, tx *sql.Tx, n contracts.Notice) error {
	recipients, err := json.Marshal(n.Recipients)
	if err != nil {
		return fmt.Errorf("notice recipients: %w", err)
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO contract_notices (`+noticeColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		n.OrgID, n.ContractID, string(n.Kind), n.Days, n.Year, n.DueOn, nullable(n.AnswerBy), n.SentAt.UTC(), string(recipients))
	return err
}

// readCadence reads a term, its notices and its surveyed years in q.
func (s *Contracts) readCadence(ctx context.Context, q queryer, id accord.ID) (contracts.Cadence, error) {
	var cd contracts.Cadence
	c, err := oneRow(scanContract, q.QueryRowContext(ctx, `SELECT `+contractColumns+` FROM contracts c WHERE c.id = $1`, id), "contract")
	if err != nil {
		return cd, err
	}
	cd.Contract = c
	rows, err := q.QueryContext(ctx, `SELECT `+noticeColumns+` FROM contract_notices WHERE contract_id = $1 ORDER BY sent_at, kind, days, year`, id)
	if err != nil {
		return cd, fmt.Errorf("contract notices: %w", err)
	}
	if cd.Notices, err = collect(rows, scanNotice); err != nil {
		return cd, fmt.Errorf("contract notices: %w", err)
	}
	rows, err = q.QueryContext(ctx, `SELECT DISTINCT year FROM licence_surveys WHERE contract_id = $1 ORDER BY year`, id)
	if err != nil {
		return cd, fmt.Errorf("surveyed years: %w", err)
	}
	cd.Surveyed, err = collect(rows, func(r interface{ Scan(...any) error }) (int, error) {
		var y int
		return y, r.Scan(&y)
	})
	if err != nil {
		return cd, fmt.Errorf("surveyed years: %w", err)
	}
	return cd, nil
}

func (s *Contracts) Cadence(ctx context.Context, id accord.ID) (contracts.Cadence, error) {
	cd, err := s.readCadence(ctx, s.db.sql, id)
	if err != nil {
		return cd, err
	}
	// The letters of a survey list what is contracted; Tell's decision
	// under the lock needs no licences.
	one := []contracts.Contract{cd.Contract}
	err = s.withLicences(ctx, one)
	cd.Contract = one[0]
	return cd, err
}

func (s *Contracts) Tell(ctx context.Context, id accord.ID, decide func(contracts.Cadence) (contracts.Told, error)) error {
	var org accord.ID
	if err := s.db.sql.QueryRowContext(ctx, `SELECT org_id FROM contracts WHERE id = $1`, id).Scan(&org); errors.Is(err, sql.ErrNoRows) {
		return notFound("contract")
	} else if err != nil {
		return fmt.Errorf("contract's customer: %w", err)
	}
	return s.db.tx(ctx, func(tx *sql.Tx) error {
		if err := s.db.lockCustomer(ctx, tx, org); err != nil {
			return err
		}
		cd, err := s.readCadence(ctx, tx, id)
		if err != nil {
			return err
		}
		t, err := decide(cd)
		if err != nil {
			return err
		}
		if t.Notice != nil {
			if err := insertNotice(ctx, tx, *t.Notice); err != nil {
				return s.db.mapErr(fmt.Errorf("record notice: %w", err))
			}
			if err := s.db.appendEvent(ctx, tx, t.Event); err != nil {
				return err
			}
		}
		return setTimers(ctx, tx, org, []contracts.Timer{t.Next}, t.Now)
	})
}

func (s *Contracts) ListNotices(ctx context.Context, scope accord.Scope, contractID accord.ID) ([]contracts.Notice, error) {
	var w where
	w.add("contract_id = ?", contractID)
	w.scope("org_id", scope)
	rows, err := s.db.sql.QueryContext(ctx, `SELECT `+noticeColumns+` FROM contract_notices`+w.String()+` ORDER BY sent_at, kind, days, year`, w.args...)
	if err != nil {
		return nil, fmt.Errorf("list notices: %w", err)
	}
	return collect(rows, scanNotice)
}

// answered is true of a survey request (notice r) whose year has figures.
const answered = `EXISTS (SELECT 1 FROM licence_surveys v WHERE v.contract_id = r.contract_id AND v.year = r.year)`

func (s *Contracts) ListSurveyRequests(ctx context.Context, scope accord.Scope, f contracts.SurveyFilter, p accord.Page) ([]contracts.SurveyRequest, string, error) {
	cur, err := accord.DecodeCursor(p.Cursor)
	if err != nil {
		return nil, "", err
	}
	var w where
	w.add("r.kind = ?", string(contracts.NoticeSurvey))
	w.scope("r.org_id", scope)
	if f.OrgID != nil {
		w.add("r.org_id = ?", *f.OrgID)
	}
	if f.Status != nil {
		switch *f.Status {
		case contracts.SurveyAnswered:
			w.add(answered)
		case contracts.SurveyOverdue:
			w.add("NOT "+answered+" AND r.answer_by <= ?", f.Today)
		case contracts.SurveyOpen:
			w.add("NOT "+answered+" AND r.answer_by > ?", f.Today)
		}
	}
	w.before("r.due_on", "r.contract_id", cur)
	// The reminder is joined rather than read by a subquery, whose result
	// SQLite returns as text.
	rows, err := s.db.sql.QueryContext(ctx, `SELECT r.org_id, r.contract_id, r.year, r.due_on, r.answer_by, r.sent_at, m.sent_at, `+answered+`
		FROM contract_notices r LEFT JOIN contract_notices m ON m.contract_id = r.contract_id AND m.kind = 'survey_reminder' AND m.year = r.year`+
		w.String()+` ORDER BY r.due_on DESC, r.contract_id DESC`+w.limit(p), w.args...)
	if err != nil {
		return nil, "", fmt.Errorf("list survey requests: %w", err)
	}
	out, err := collect(rows, func(r interface{ Scan(...any) error }) (contracts.SurveyRequest, error) {
		var v contracts.SurveyRequest
		var answerBy sql.NullString
		var reminded sql.NullTime
		err := r.Scan(&v.OrgID, &v.ContractID, &v.Year, &v.AskedOn, &answerBy, &v.AskedAt, &reminded, &v.Answered)
		v.AnswerBy, v.AskedAt, v.RemindedAt = answerBy.String, v.AskedAt.UTC(), utcPtr(reminded)
		return v, err
	})
	if err != nil {
		return nil, "", fmt.Errorf("list survey requests: %w", err)
	}
	out, next := page(out, p, func(v contracts.SurveyRequest) accord.Cursor { return accord.Cursor{Key: v.AskedOn, ID: v.ContractID} })
	return out, next, s.withTrueUp(ctx, out)
}

// withTrueUp fills the licences of each request's term and the figures of
// its year.
func (s *Contracts) withTrueUp(ctx context.Context, rs []contracts.SurveyRequest) error {
	if len(rs) == 0 {
		return nil
	}
	var terms []contracts.Contract
	var args []any
	for _, r := range rs {
		if !slices.ContainsFunc(terms, func(c contracts.Contract) bool { return c.ID == r.ContractID }) {
			terms = append(terms, contracts.Contract{ID: r.ContractID})
			args = append(args, r.ContractID)
		}
	}
	if err := s.withLicences(ctx, terms); err != nil {
		return err
	}
	rows, err := s.db.sql.QueryContext(ctx, `SELECT org_id, contract_id, year, module, measured, recorded_at FROM licence_surveys
		WHERE contract_id IN `+inList(1, len(args))+` ORDER BY contract_id, year, module`, args...)
	if err != nil {
		return fmt.Errorf("survey figures: %w", err)
	}
	figures, err := collect(rows, scanSurvey)
	if err != nil {
		return fmt.Errorf("survey figures: %w", err)
	}
	for i := range rs {
		r := &rs[i]
		r.Licences = terms[slices.IndexFunc(terms, func(c contracts.Contract) bool { return c.ID == r.ContractID })].Licences
		for _, v := range figures {
			if v.ContractID == r.ContractID && v.Year == r.Year {
				r.Measured = append(r.Measured, v)
			}
		}
	}
	return nil
}

// --- authorized-contact requests

const requestColumns = `id, org_id, requested_by, requested_by_name, name, email, reason, status, case_id, authorized_by,
	authorized_by_name, authorized_at, decided_by, decided_by_name, decided_at, note, user_id, created_at`

func scanRequest(row interface{ Scan(...any) error }) (contracts.ContactRequest, error) {
	var r contracts.ContactRequest
	var authorized, decided sql.NullTime
	err := row.Scan(&r.ID, &r.OrgID, &r.RequestedBy, &r.RequestedByName, &r.Name, &r.Email, &r.Reason, &r.Status, &r.CaseID,
		&r.AuthorizedBy, &r.AuthorizedByName, &authorized, &r.DecidedBy, &r.DecidedByName, &decided, &r.Note, &r.UserID, &r.CreatedAt)
	r.CreatedAt = r.CreatedAt.UTC()
	r.AuthorizedAt, r.DecidedAt = utcPtr(authorized), utcPtr(decided)
	return r, err
}

// CreateContactRequest writes the request with the job that tells the
// people who decide it.
func (s *Contracts) CreateContactRequest(ctx context.Context, r contracts.ContactRequest, ev audit.Event) error {
	return s.db.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO contact_requests (`+requestColumns+`, email_key)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, '', '', NULL, '', '', NULL, '', '', $10, $11)`,
			r.ID, r.OrgID, r.RequestedBy, r.RequestedByName, r.Name, r.Email, r.Reason, r.Status, r.CaseID, r.CreatedAt,
			directory.EmailKey(r.Email)); err != nil {
			return s.db.mapErr(err)
		}
		if err := setTimer(ctx, tx, r.OrgID, r.ID, contracts.RequestLetterJob, r.CreatedAt, r.CreatedAt); err != nil {
			return err
		}
		return s.db.appendEvent(ctx, tx, ev)
	})
}

// StepContactRequest writes a step only while the request stands at from,
// with the job that tells the people it concerns now.
func (s *Contracts) StepContactRequest(ctx context.Context, r contracts.ContactRequest, from contracts.RequestStatus, ev audit.Event) error {
	return s.db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE contact_requests SET status = $1, authorized_by = $2, authorized_by_name = $3,
			authorized_at = $4, decided_by = $5, decided_by_name = $6, decided_at = $7, note = $8
			WHERE id = $9 AND org_id = $10 AND status = $11`, r.Status, r.AuthorizedBy, r.AuthorizedByName, r.AuthorizedAt,
			r.DecidedBy, r.DecidedByName, r.DecidedAt, r.Note, r.ID, r.OrgID, from)
		if err != nil {
			return s.db.mapErr(err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return &accord.Error{Kind: accord.Conflict, Msg: "the request was decided meanwhile"}
		}
		if err := setTimer(ctx, tx, r.OrgID, r.ID, contracts.RequestLetterJob, ev.At, ev.At); err != nil {
			return err
		}
		return s.db.appendEvent(ctx, tx, ev)
	})
}

func (s *Contracts) LinkContactRequestUser(ctx context.Context, r contracts.ContactRequest) error {
	res, err := s.db.sql.ExecContext(ctx, `UPDATE contact_requests SET user_id = $1 WHERE id = $2 AND org_id = $3 AND status = 'approved'`,
		r.UserID, r.ID, r.OrgID)
	if err != nil {
		return s.db.mapErr(err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return notFound("contact request")
	}
	return nil
}

func (s *Contracts) LinkContactRequestCase(ctx context.Context, r contracts.ContactRequest) error {
	res, err := s.db.sql.ExecContext(ctx, `UPDATE contact_requests SET case_id = $1 WHERE id = $2 AND org_id = $3 AND case_id = ''`,
		r.CaseID, r.ID, r.OrgID)
	if err != nil {
		return s.db.mapErr(err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return &accord.Error{Kind: accord.Conflict, Msg: "the request has a case already"}
	}
	return nil
}

func (s *Contracts) GetContactRequest(ctx context.Context, scope accord.Scope, id accord.ID) (contracts.ContactRequest, error) {
	var w where
	w.add("id = ?", id)
	w.scope("org_id", scope)
	return oneRow(scanRequest, s.db.sql.QueryRowContext(ctx, `SELECT `+requestColumns+` FROM contact_requests`+w.String(), w.args...), "contact request")
}

func (s *Contracts) ListContactRequests(ctx context.Context, scope accord.Scope, f contracts.RequestFilter, p accord.Page) ([]contracts.ContactRequest, string, error) {
	cur, err := accord.DecodeCursor(p.Cursor)
	if err != nil {
		return nil, "", err
	}
	var w where
	w.scope("org_id", scope)
	if f.OrgID != nil {
		w.add("org_id = ?", *f.OrgID)
	}
	if f.Status != nil {
		w.add("status = ?", *f.Status)
	}
	if err := w.beforeTime("created_at", "id", cur); err != nil {
		return nil, "", err
	}
	rows, err := s.db.sql.QueryContext(ctx, `SELECT `+requestColumns+` FROM contact_requests`+w.String()+` ORDER BY created_at DESC, id DESC`+w.limit(p), w.args...)
	if err != nil {
		return nil, "", fmt.Errorf("list contact requests: %w", err)
	}
	out, err := collect(rows, scanRequest)
	if err != nil {
		return nil, "", fmt.Errorf("list contact requests: %w", err)
	}
	out, next := page(out, p, func(r contracts.ContactRequest) accord.Cursor {
		return timeCursor(r.CreatedAt, r.ID)
	})
	return out, next, nil
}
