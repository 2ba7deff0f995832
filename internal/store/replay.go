package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"accord/internal/accord"
	"accord/internal/cases"
	"accord/internal/sla"
)

// ReceivedAfter returns up to limit cases of scope received in [from, to)
// that come after (at, id) in the order (received_at, id), each with its
// pauses and reclassifications but only the columns a replay reads
// (replayColumns): a replay reads a year of cases in batches
// this way, in constant memory. Three queries a batch, whatever its size:
// the cases by the cases_received index (migration 00029), then their
// pauses by case id and their reclassification entries by the partial
// index case_entries_reclassified. An empty id starts at from.
func (s *Reports) ReceivedAfter(ctx context.Context, scope accord.Scope, from, to, at time.Time, id accord.ID, limit int) ([]cases.Case, error) {
	w := receivedWhere(scope, from, to)
	if id != "" {
		// The bound on received_at alone is what bounds the scan of
		// cases_received (received_at, org_id, id); the row comparison
		// then drops what came before id at the same instant.
		w.add("received_at >= ?", at.UTC())
		w.add("(received_at, id) > (?, ?)", at.UTC(), id)
	}
	w.args = append(w.args, limit)
	rows, err := s.db.sql.QueryContext(ctx, `SELECT `+replayColumns+` FROM cases`+w.String()+
		` ORDER BY received_at, id LIMIT $`+fmt.Sprint(len(w.args)), w.args...)
	if err != nil {
		return nil, fmt.Errorf("received cases: %w", err)
	}
	out, err := collect(rows, scanReplayed)
	if err != nil {
		return nil, fmt.Errorf("received cases: %w", err)
	}
	if len(out) == 0 {
		return out, nil
	}
	index := make(map[accord.ID]int, len(out))
	for i, c := range out {
		index[c.ID] = i
	}
	// Of these cases only, and still inside the scope, as every read is.
	of := func() where {
		var w where
		w.scope("org_id", scope)
		w.conds = append(w.conds, "case_id IN "+inList(len(w.args)+1, len(out)))
		for _, c := range out {
			w.args = append(w.args, c.ID)
		}
		return w
	}
	w = of()
	rows, err = s.db.sql.QueryContext(ctx, `SELECT case_id, starts_at, ends_at FROM case_pauses`+w.String()+` ORDER BY case_id, starts_at`, w.args...)
	if err != nil {
		return nil, fmt.Errorf("received cases' pauses: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var cid accord.ID
		var p cases.Pause
		var end sql.NullTime
		if err := rows.Scan(&cid, &p.From, &end); err != nil {
			return nil, fmt.Errorf("received cases' pauses: %w", err)
		}
		p.From, p.To = p.From.UTC(), utcPtr(end)
		i := index[cid]
		out[i].Pauses = append(out[i].Pauses, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("received cases' pauses: %w", err)
	}
	// The kind written out, not bound: the partial index
	// case_entries_reclassified serves only a query that names it, and a
	// generic plan with a parameter would read every entry.
	w = of()
	w.conds = append(w.conds, "kind = '"+string(cases.Reclassified)+"'")
	rows, err = s.db.sql.QueryContext(ctx, `SELECT case_id, data, at FROM case_entries`+w.String()+` ORDER BY case_id, seq`, w.args...)
	if err != nil {
		return nil, fmt.Errorf("received cases' reclassifications: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		cid, ch, err := scanReclassification(rows)
		if err != nil {
			return nil, fmt.Errorf("received cases' reclassifications: %w", err)
		}
		i := index[cid]
		out[i].Reclassifications = append(out[i].Reclassifications, ch)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("received cases' reclassifications: %w", err)
	}
	return out, nil
}

// replayColumns are what a replay reads of a case: which case and whose,
// its type, criticality and close, and its clock's facts and recorded
// outcome; not the texts nor the details, most of a row's bytes and of the
// time to scan it.
const replayColumns = `id, org_id, number, type, criticality, closed_at, policy_version, plan, channel, received_at, phone_at,
	clock_kind, clock_starts_at, target_ns, guaranteed, call_required, due_at, warn_at, responded_at, warned_at, breached_at,
	breach_criticality, breach_due_at, paused_since`

func scanReplayed(row interface{ Scan(...any) error }) (cases.Case, error) {
	var c cases.Case
	var phone, due, warn, responded, warned, breached, breachDue, paused, closed sql.NullTime
	var target int64
	k := &c.Clock
	err := row.Scan(&c.ID, &c.OrgID, &c.Number, &c.Type, &c.Criticality, &closed, &k.PolicyVersion, &k.Plan, &k.Channel, &k.ReceivedAt, &phone,
		&k.Kind, &k.StartsAt, &target, &k.Guaranteed, &k.CallRequired, &due, &warn, &responded, &warned, &breached,
		&k.BreachCriticality, &breachDue, &paused)
	if err != nil {
		return c, err
	}
	k.ReceivedAt, k.StartsAt, k.Target = k.ReceivedAt.UTC(), k.StartsAt.UTC(), sla.Duration(target)
	k.PhoneAt, k.DueAt, k.WarnAt, k.RespondedAt = utcPtr(phone), utcPtr(due), utcPtr(warn), utcPtr(responded)
	k.WarnedAt, k.BreachedAt, k.BreachDueAt, k.PausedSince = utcPtr(warned), utcPtr(breached), utcPtr(breachDue), utcPtr(paused)
	c.ClosedAt = utcPtr(closed)
	return c, nil
}
