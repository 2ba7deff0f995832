package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"accord/internal/accord"
	"accord/internal/cases"
	"accord/internal/sla"
)

// Cases implements cases.Store.
type Cases struct {
	db *DB
	// dataDir holds SQLite's large attachments, under files/<org>/<file>.
	dataDir string
}

// NewCases returns the case store of db; dataDir is where SQLite keeps
// attachments too large for a row (unused on PostgreSQL).
func NewCases(db *DB, dataDir string) *Cases { return &Cases{db: db, dataDir: dataDir} }

// A case's columns: those written once, then those every update rewrites.
// caseColumns lists them in the order scanCase and caseValues use.
const caseFixed = `id, org_id, number, created_at`

var caseMutable = []string{"type", "title", "description", "details", "criticality", "state", "delivered_in", "contract_id",
	"opened_by_id", "opened_by", "assignee_id", "parent_id", "root_cause_id", "out_of_scope",
	"policy_version", "plan", "channel", "received_at", "phone_at", "clock_kind", "clock_starts_at", "target_ns", "guaranteed",
	"call_required", "due_at", "warn_at", "responded_at", "warned_at", "breached_at", "breach_criticality", "breach_due_at",
	"paused_since", "auto_close_at", "resolved_at", "closed_at", "close_reason", "updated_at",
	"team_id", "senior_required", "assignee_senior"}

var (
	caseColumns = caseFixed + ", " + strings.Join(caseMutable, ", ")
	// caseSet is "type = $1, title = $2, ..." over caseMutable.
	caseSet = func() string {
		set := make([]string, len(caseMutable))
		for i, col := range caseMutable {
			set[i] = col + " = $" + strconv.Itoa(i+1)
		}
		return strings.Join(set, ", ")
	}()
)

// caseValues are c's values for caseMutable, in order.
func caseValues(c cases.Case) ([]any, error) {
	details, err := json.Marshal(c.Details)
	if err != nil {
		return nil, fmt.Errorf("case details: %w", err)
	}
	k := c.Clock
	return []any{string(c.Type), c.Title, c.Description, string(details), string(c.Criticality), string(c.State), c.DeliveredIn,
		nullable(c.ContractID), nullable(c.OpenedByID), c.OpenedBy, nullable(c.AssigneeID), nullable(c.ParentID), nullable(c.RootCauseID), c.OutOfScope,
		k.PolicyVersion, k.Plan, string(k.Channel), k.ReceivedAt.UTC(), nullTime(k.PhoneAt), k.Kind, k.StartsAt.UTC(), int64(k.Target),
		k.Guaranteed, k.CallRequired, nullTime(k.DueAt), nullTime(k.WarnAt), nullTime(k.RespondedAt), nullTime(k.WarnedAt),
		nullTime(k.BreachedAt), string(k.BreachCriticality), nullTime(k.BreachDueAt), nullTime(k.PausedSince), nullTime(c.AutoCloseAt), nullTime(c.ResolvedAt), nullTime(c.ClosedAt),
		c.CloseReason, c.UpdatedAt.UTC(), nullable(c.TeamID), c.SeniorRequired, c.AssigneeSenior}, nil
}

func scanCase(row interface{ Scan(...any) error }) (cases.Case, error) {
	var c cases.Case
	var details string
	var contract, openedByID, assignee, parent, rootCause, team sql.NullString
	var phone, due, warn, responded, warned, breached, breachDue, paused, autoClose, resolved, closed sql.NullTime
	var target int64
	k := &c.Clock
	err := row.Scan(&c.ID, &c.OrgID, &c.Number, &c.CreatedAt,
		&c.Type, &c.Title, &c.Description, &details, &c.Criticality, &c.State, &c.DeliveredIn, &contract,
		&openedByID, &c.OpenedBy, &assignee, &parent, &rootCause, &c.OutOfScope,
		&k.PolicyVersion, &k.Plan, &k.Channel, &k.ReceivedAt, &phone, &k.Kind, &k.StartsAt, &target, &k.Guaranteed,
		&k.CallRequired, &due, &warn, &responded, &warned, &breached, &k.BreachCriticality, &breachDue, &paused,
		&autoClose, &resolved, &closed, &c.CloseReason, &c.UpdatedAt, &team, &c.SeniorRequired, &c.AssigneeSenior)
	if err != nil {
		return c, err
	}
	if err := json.Unmarshal([]byte(details), &c.Details); err != nil {
		return c, fmt.Errorf("case %s: details: %w", c.ID, err)
	}
	c.ContractID, c.OpenedByID, c.TeamID = accord.ID(contract.String), accord.ID(openedByID.String), accord.ID(team.String)
	c.AssigneeID, c.ParentID, c.RootCauseID = accord.ID(assignee.String), accord.ID(parent.String), accord.ID(rootCause.String)
	k.ReceivedAt, k.StartsAt, k.Target = k.ReceivedAt.UTC(), k.StartsAt.UTC(), sla.Duration(target)
	k.PhoneAt, k.DueAt, k.WarnAt, k.RespondedAt = utcPtr(phone), utcPtr(due), utcPtr(warn), utcPtr(responded)
	k.WarnedAt, k.BreachedAt, k.BreachDueAt, k.PausedSince = utcPtr(warned), utcPtr(breached), utcPtr(breachDue), utcPtr(paused)
	c.AutoCloseAt, c.ResolvedAt, c.ClosedAt = utcPtr(autoClose), utcPtr(resolved), utcPtr(closed)
	c.CreatedAt, c.UpdatedAt = c.CreatedAt.UTC(), c.UpdatedAt.UTC()
	return c, nil
}

// queryer is a transaction or the database.
type queryer interface {
	QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row
}

// readCase reads the case w selects, with its pauses and its
// reclassifications; lock is appended to the SELECT (db.forChange() or "").
func readCase(ctx context.Context, q queryer, w where, lock string) (cases.Case, error) {
	c, err := oneRow(scanCase, q.QueryRowContext(ctx, `SELECT `+caseColumns+` FROM cases`+w.String()+lock, w.args...), "case")
	if err != nil {
		return c, err
	}
	rows, err := q.QueryContext(ctx, `SELECT starts_at, ends_at FROM case_pauses WHERE case_id = $1 ORDER BY starts_at`, c.ID)
	if err != nil {
		return c, fmt.Errorf("case pauses: %w", err)
	}
	c.Pauses, err = collect(rows, func(r interface{ Scan(...any) error }) (cases.Pause, error) {
		var p cases.Pause
		var to sql.NullTime
		err := r.Scan(&p.From, &to)
		p.From, p.To = p.From.UTC(), utcPtr(to)
		return p, err
	})
	if err != nil {
		return c, fmt.Errorf("case pauses: %w", err)
	}
	rows, err = q.QueryContext(ctx, `SELECT `+reclassificationColumns+` FROM case_entries WHERE case_id = $1 AND kind = $2 ORDER BY seq`, c.ID, string(cases.Reclassified))
	if err != nil {
		return c, fmt.Errorf("case reclassifications: %w", err)
	}
	c.Reclassifications, err = collect(rows, func(r interface{ Scan(...any) error }) (cases.CriticalityChange, error) {
		_, ch, err := scanReclassification(r)
		return ch, err
	})
	if err != nil {
		return c, fmt.Errorf("case reclassifications: %w", err)
	}
	return c, readCasework(ctx, q, &c)
}

// A case's criticality history is its reclassification entries: the
// timeline is the record, so no second copy can disagree with it.
const reclassificationColumns = `case_id, data, at`

func scanReclassification(r interface{ Scan(...any) error }) (accord.ID, cases.CriticalityChange, error) {
	var id accord.ID
	var data string
	var ch cases.CriticalityChange
	if err := r.Scan(&id, &data, &ch.At); err != nil {
		return id, ch, err
	}
	var d cases.EntryData
	if err := json.Unmarshal([]byte(data), &d); err != nil {
		return id, ch, fmt.Errorf("reclassification of case %s: %w", id, err)
	}
	ch.From, ch.To, ch.At = sla.Criticality(d.From), sla.Criticality(d.To), ch.At.UTC()
	return id, ch, nil
}

func caseByID(id accord.ID, scope accord.Scope) where {
	var w where
	w.add("id = ?", id)
	w.scope("org_id", scope)
	return w
}

// searchText is the document full-text search reads: the title, the
// description and the details' free text.
func searchText(c cases.Case) string {
	d := c.Details
	return strings.Join([]string{c.Title, c.Description, d.Procedure, d.Version, d.Observed, d.Expected, d.Discovery}, "\n")
}

// searchWords splits what a person typed into the words to look for,
// dropping those without a letter or a digit, which no document has.
func searchWords(text string) []string {
	var words []string
	for _, f := range strings.Fields(text) {
		if strings.IndexFunc(f, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }) >= 0 {
			words = append(words, f)
		}
	}
	return words
}

// Open writes an opening in one transaction; files it put in the data
// directory are removed if the transaction fails (see Update).
func (s *Cases) Open(ctx context.Context, o cases.Opening) (cases.Case, error) {
	if s.db.engine == Postgres && o.Rotate != nil && o.Case.TeamID != "" {
		// A round-robin turn is taken in its own short transaction, as a
		// case number from the sequence is: openings for different
		// customers routed to one team would otherwise hold the team's row
		// until each commits. An opening that fails afterwards has used
		// its member's turn (docs/cases.md, "Assignment and routing").
		err := s.db.tx(ctx, func(tx *sql.Tx) error {
			var err error
			o, err = s.rotate(ctx, tx, o)
			return err
		})
		if err != nil {
			return o.Case, err
		}
		o.Rotate = nil
	}
	var c cases.Case
	var written []string
	committed := false
	defer func() { s.unwrite(written, committed) }()
	err := s.db.tx(ctx, func(tx *sql.Tx) error {
		var err error
		c, err = s.open(ctx, tx, o, &written)
		return err
	})
	committed = err == nil
	return c, err
}

// unwrite removes the files a transaction put in the data directory, unless
// it committed.
func (s *Cases) unwrite(written []string, committed bool) {
	if committed {
		return
	}
	for _, name := range written {
		_ = os.Remove(name)
	}
}

// open writes an opening inside tx and returns the case as stored. What
// must be ordered comes last, so that it is held for the shortest time
// before the commit: a round-robin team's row, when Open has not taken the
// turn already (SQLite, or a root-cause case opened inside a change), then
// the organization's audit chain head (two openings for one customer take
// turns there). The number comes from insertCase, which makes nobody wait
// on PostgreSQL. Errors are mapped.
func (s *Cases) open(ctx context.Context, tx *sql.Tx, o cases.Opening, written *[]string) (cases.Case, error) {
	c := o.Case
	var err error
	public, notes := newDocuments(c, o.Entries)
	if c.Number, err = s.db.insertCase(ctx, tx, c, public, notes); err != nil {
		return c, err
	}
	if err := s.db.writeEntries(ctx, tx, c, 0, o.Entries); err != nil {
		return c, err
	}
	for _, u := range o.Uploads {
		if err := s.upload(ctx, tx, c, o.Entries, u, written); err != nil {
			return c, err
		}
	}
	timers := make([]job, 0, len(o.Timers)+len(o.Notify))
	for _, t := range o.Timers {
		timers = append(timers, job{c.ID, string(t.Kind), t.At})
	}
	for _, id := range o.Notify {
		timers = append(timers, job{id, cases.NotifyJob, c.CreatedAt})
	}
	if err := setJobs(ctx, tx, c.OrgID, timers, c.CreatedAt); err != nil {
		return c, err
	}
	before := len(o.Entries)
	if o, err = s.rotate(ctx, tx, o); err != nil {
		return c, err
	}
	o.Case.Number = c.Number // the rotation decides on the case as the service built it
	if o.Case.AssigneeID != c.AssigneeID {
		if _, err := tx.ExecContext(ctx, `UPDATE cases SET assignee_id = $1, assignee_senior = $2 WHERE id = $3`,
			o.Case.AssigneeID, o.Case.AssigneeSenior, c.ID); err != nil {
			return c, fmt.Errorf("assign case: %w", err)
		}
	}
	if err := s.db.writeEntries(ctx, tx, c, int64(before), o.Entries[before:]); err != nil {
		return c, err
	}
	if err := s.db.appendEvents(ctx, tx, o.Events...); err != nil {
		return c, err
	}
	return o.Case, nil
}

// insertEntries appends entries to c's timeline, numbering them after its
// last. The caller holds the case (it is locked, or new).
func (db *DB) insertEntries(ctx context.Context, tx *sql.Tx, c cases.Case, entries []cases.Entry) error {
	if len(entries) == 0 {
		return nil
	}
	var seq int64
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(seq), 0) FROM case_entries WHERE case_id = $1`, c.ID).Scan(&seq); err != nil {
		return fmt.Errorf("last entry: %w", err)
	}
	return db.writeEntries(ctx, tx, c, seq, entries)
}

// writeEntries writes entries to c's timeline numbered after seq, in one
// statement. An entry's case and organization are c's; an entry naming
// another case is refused.
func (db *DB) writeEntries(ctx context.Context, tx *sql.Tx, c cases.Case, seq int64, entries []cases.Entry) error {
	if len(entries) == 0 {
		return nil
	}
	const cols = 12
	var q strings.Builder
	q.WriteString(`INSERT INTO case_entries (id, org_id, case_id, seq, kind, internal, author_id, author, author_org_id, body, data, at) VALUES `)
	args := make([]any, 0, cols*len(entries))
	for i, e := range entries {
		if (e.CaseID != "" && e.CaseID != c.ID) || (e.OrgID != "" && e.OrgID != c.OrgID) {
			return fmt.Errorf("entry %s names case %s of %s, but is written to case %s of %s", e.ID, e.CaseID, e.OrgID, c.ID, c.OrgID)
		}
		data, err := json.Marshal(e.Data)
		if err != nil {
			return fmt.Errorf("entry data: %w", err)
		}
		seq++
		if i > 0 {
			q.WriteString(", ")
		}
		q.WriteString(inList(len(args)+1, cols))
		args = append(args, e.ID, c.OrgID, c.ID, seq, string(e.Kind), e.Internal, nullable(e.AuthorID), e.Author, nullable(e.AuthorOrg), e.Body, string(data), e.At.UTC())
	}
	if _, err := tx.ExecContext(ctx, q.String(), args...); err != nil {
		return db.mapErr(fmt.Errorf("insert entry: %w", err))
	}
	return nil
}

const entryColumns = `id, org_id, case_id, kind, internal, author_id, author, author_org_id, body, data, at`

func scanEntry(row interface{ Scan(...any) error }) (cases.Entry, error) { return scanEntryAnd(row) }

// scanEntryAnd scans an entry's columns followed by extra ones.
func scanEntryAnd(row interface{ Scan(...any) error }, extra ...any) (cases.Entry, error) {
	var e cases.Entry
	var author, authorOrg sql.NullString
	var data string
	dest := append([]any{&e.ID, &e.OrgID, &e.CaseID, &e.Kind, &e.Internal, &author, &e.Author, &authorOrg, &e.Body, &data, &e.At}, extra...)
	if err := row.Scan(dest...); err != nil {
		return e, err
	}
	e.AuthorID, e.AuthorOrg, e.At = accord.ID(author.String), accord.ID(authorOrg.String), e.At.UTC()
	if err := json.Unmarshal([]byte(data), &e.Data); err != nil {
		return e, fmt.Errorf("entry %s: data: %w", e.ID, err)
	}
	return e, nil
}

func (s *Cases) Get(ctx context.Context, scope accord.Scope, id accord.ID) (cases.Case, error) {
	return readCase(ctx, s.db.sql, caseByID(id, scope), "")
}

// List lists cases newest first, or with ByDue soonest due first. ByDue
// lists only cases that have a due instant: those whose clock runs (not
// paused, not answered), which is the queue the partial indexes cases_due
// and cases_org_due serve. Breached selects on breached_at alone. Pauses
// are not read.
func (s *Cases) List(ctx context.Context, scope accord.Scope, f cases.Filter, p accord.Page) ([]cases.Case, string, error) {
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
	if len(f.States) > 0 {
		marks := make([]string, len(f.States))
		vals := make([]any, len(f.States))
		for i, st := range f.States {
			marks[i], vals[i] = "?", string(st)
		}
		w.add("state IN ("+strings.Join(marks, ", ")+")", vals...)
	}
	if f.Type != "" {
		w.add("type = ?", string(f.Type))
	}
	if f.Criticality != "" {
		w.add("criticality = ?", string(f.Criticality))
	}
	if f.AssigneeID != "" {
		w.add("assignee_id = ?", f.AssigneeID)
	}
	if f.Unassigned {
		w.add("assignee_id IS NULL")
	}
	if f.Teams != nil {
		if len(f.Teams) == 0 {
			w.add("1 = 0")
		} else {
			w.add("team_id IN ("+strings.TrimSuffix(strings.Repeat("?, ", len(f.Teams)), ", ")+")", anys(f.Teams)...)
		}
	}
	if f.DueBefore != nil {
		w.add("due_at < ?", f.DueBefore.UTC())
	}
	if f.SeniorRequired {
		w.add("senior_required")
	}
	for _, sp := range []struct {
		col  string
		span cases.Span
	}{{"received_at", f.Opened}, {"resolved_at", f.Resolved}, {"closed_at", f.Closed}} {
		if !sp.span.From.IsZero() {
			w.add(sp.col+" >= ?", sp.span.From.UTC())
		}
		if !sp.span.To.IsZero() {
			w.add(sp.col+" < ?", sp.span.To.UTC())
		}
	}
	if f.Breached != nil {
		if *f.Breached {
			w.add("breached_at IS NOT NULL")
		} else {
			w.add("breached_at IS NULL")
		}
	}
	if f.CustomerWroteLast {
		// A comparison with a scalar subquery rather than EXISTS: PostgreSQL
		// turned the EXISTS into a join of every case with every entry,
		// estimating a few hundred matches where a third of the cases
		// match; as a filter, the list's index order is read until the page
		// is full.
		w.add("(" + latestAuthorOrg + ") = cases.org_id")
	}
	if f.ByDue {
		w.add("due_at IS NOT NULL AND responded_at IS NULL")
	}
	words := searchWords(f.Text)
	var out []cases.Case
	var next string
	if f.Sort.Key != "" {
		s.db.matchCases(&w, words, f.Notes)
		out, next, err = s.listSorted(ctx, w, f.Sort, p, cur)
	} else {
		out, next, err = s.listKeyed(ctx, w, words, f, p, cur)
	}
	if err != nil {
		return nil, "", err
	}
	if err := s.markWaiting(ctx, out); err != nil {
		return nil, "", err
	}
	return out, next, nil
}

// searchWindow is how many of a list's newest rows, per row of the page,
// a search of common words reads first (listKeyed): a page fills from them
// when at least one in searchWindow of the listed cases matches.
const searchWindow = 40

// listKeyed lists in the list's own order, continuing after a cursor
// that holds the last row's instant and id; words, if any, are a search.
func (s *Cases) listKeyed(ctx context.Context, w where, words []string, f cases.Filter, p accord.Page, cur accord.Cursor) ([]cases.Case, string, error) {
	order := ` ORDER BY created_at DESC, id DESC`
	if f.ByUpdated {
		if err := w.beforeTime("updated_at", "id", cur); err != nil {
			return nil, "", err
		}
		order = ` ORDER BY updated_at DESC, id DESC`
	} else if f.ByDue {
		if cur.ID != "" {
			at, err := time.Parse(time.RFC3339Nano, cur.Key)
			if err != nil {
				return nil, "", accord.FieldError("cursor", "is not a cursor this server issued")
			}
			w.add("(due_at > ? OR (due_at = ? AND id > ?))", at, at, cur.ID)
		}
		order = ` ORDER BY due_at, id`
	} else if err := w.beforeTime("created_at", "id", cur); err != nil {
		return nil, "", err
	}
	var out []cases.Case
	full, common := false, false
	if len(words) > 0 {
		var err error
		if common, err = s.db.commonWords(ctx, words, f.Notes); err != nil {
			return nil, "", err
		}
	}
	if common {
		// A search of common words reads the list's newest rows first, in
		// the list's index order, and keeps those that match; when they
		// fill the page, they are its first rows whatever older cases
		// match. The whole search that follows when they do not reads
		// every matching case through the full-text index and sorts them:
		// hundreds of milliseconds for common words at a million cases,
		// which PostgreSQL chose because it estimates words that come
		// together as if they were independent (docs/benchmarks.md). The
		// window is a constant in the text, where a parameter would leave
		// a generic plan guessing its size.
		probe := where{conds: slices.Clone(w.conds), args: slices.Clone(w.args)}
		recent := `SELECT * FROM cases` + probe.String() + order + ` LIMIT ` + strconv.Itoa(searchWindow*(p.Limit+1))
		probe.conds = nil
		s.db.matchCases(&probe, words, f.Notes)
		var err error
		if out, err = s.listCases(ctx, `SELECT `+caseColumns+` FROM (`+recent+`) cases`+probe.String()+order+probe.limit(p), probe.args); err != nil {
			return nil, "", err
		}
		full = len(out) > p.Limit
	}
	if !full {
		s.db.matchCases(&w, words, f.Notes)
		var err error
		if out, err = s.listCases(ctx, `SELECT `+caseColumns+` FROM cases`+w.String()+order+w.limit(p), w.args); err != nil {
			return nil, "", err
		}
	}
	out, next := page(out, p, func(c cases.Case) accord.Cursor {
		switch {
		case f.ByDue:
			return timeCursor(*c.Clock.DueAt, c.ID)
		case f.ByUpdated:
			return timeCursor(c.UpdatedAt, c.ID)
		}
		return timeCursor(c.CreatedAt, c.ID)
	})
	return out, next, nil
}

// listCases reads the cases query q selects.
func (s *Cases) listCases(ctx context.Context, q string, args []any) ([]cases.Case, error) {
	rows, err := s.db.sql.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list cases: %w", err)
	}
	out, err := collect(rows, scanCase)
	if err != nil {
		return nil, fmt.Errorf("list cases: %w", err)
	}
	return out, nil
}

// sortExpr is the SQL value a sort key orders by, over the cases table,
// and whether ascending means its values descending (a longer wait is an
// earlier instant). Rows where it is NULL come last either way.
func (s *Cases) sortExpr(k cases.SortKey) (string, bool) {
	switch k {
	case cases.SortNumber:
		return "number", false
	case cases.SortCreated:
		return "created_at", false
	case cases.SortUpdated:
		return "updated_at", false
	case cases.SortTitle:
		return "title" + s.db.bytewise(), false
	case cases.SortCriticality:
		return "criticality", false
	case cases.SortPlan:
		return "plan" + s.db.bytewise(), false
	case cases.SortState:
		var b strings.Builder
		b.WriteString("CASE state")
		for i, st := range cases.States {
			fmt.Fprintf(&b, " WHEN '%s' THEN %d", st, i)
		}
		b.WriteString(" END")
		return b.String(), false
	case cases.SortAssignee:
		return "(SELECT u.name FROM users u WHERE u.id = cases.assignee_id)" + s.db.bytewise(), false
	case cases.SortCustomer:
		return "(SELECT o.name FROM organizations o WHERE o.id = cases.org_id)" + s.db.bytewise(), false
	case cases.SortDue:
		return "CASE WHEN responded_at IS NULL THEN due_at END", false
	case cases.SortWaited:
		marks := make([]string, len(cases.WaitingStates))
		for i, st := range cases.WaitingStates {
			marks[i] = "'" + string(st) + "'"
		}
		return "CASE WHEN state IN (" + strings.Join(marks, ", ") + ") THEN (SELECT e.at FROM case_entries e WHERE e.case_id = cases.id" +
			" AND e.author_org_id = cases.org_id AND e.seq = (" + latestMessage + ")) END", true
	}
	return "", false
}

// listSorted lists by a column with ties broken by id, paging by position:
// the cursor holds the sort and the offset of the next page, so that a
// cursor of another sort is refused rather than misread.
func (s *Cases) listSorted(ctx context.Context, w where, by cases.Sort, p accord.Page, cur accord.Cursor) ([]cases.Case, string, error) {
	expr, invert := s.sortExpr(by.Key)
	if expr == "" {
		return nil, "", accord.FieldError("sort", "unknown sort key %q", by.Key)
	}
	offset := 0
	if cur.ID != "" {
		n, err := strconv.Atoi(string(cur.ID))
		if err != nil || n < 0 || cur.Key != "sort:"+by.String() {
			return nil, "", accord.FieldError("cursor", "is not a cursor of this sort")
		}
		offset = n
	}
	dir, idDir := " ASC", " ASC"
	if by.Desc != invert {
		dir = " DESC"
	}
	if by.Desc {
		idDir = " DESC"
	}
	order := " ORDER BY (" + expr + ") IS NULL, " + expr + dir + ", id" + idDir
	limit := w.limit(p)
	w.args = append(w.args, offset)
	q := `SELECT ` + caseColumns + ` FROM cases` + w.String() + order + limit + " OFFSET $" + strconv.Itoa(len(w.args))
	rows, err := s.db.sql.QueryContext(ctx, q, w.args...)
	if err != nil {
		return nil, "", fmt.Errorf("list cases: %w", err)
	}
	out, err := collect(rows, scanCase)
	if err != nil {
		return nil, "", fmt.Errorf("list cases: %w", err)
	}
	out, next := page(out, p, func(cases.Case) accord.Cursor {
		return accord.Cursor{Key: "sort:" + by.String(), ID: accord.ID(strconv.Itoa(offset + p.Limit))}
	})
	return out, next, nil
}

// latestMessage selects the seq of the latest public message of the case
// of the enclosing query: its opening or a public reply. Who wrote it says
// who waits; the case's (case_id, seq) key serves it.
const latestMessage = `SELECT MAX(m.seq) FROM case_entries m WHERE m.case_id = cases.id AND m.kind IN ('opened', 'reply') AND NOT m.internal`

// latestAuthorOrg selects the organization of the author of that message,
// read backwards along the same key; NULL without one.
const latestAuthorOrg = `SELECT m.author_org_id FROM case_entries m WHERE m.case_id = cases.id AND m.kind IN ('opened', 'reply') AND NOT m.internal
	ORDER BY m.seq DESC LIMIT 1`

// markWaiting sets WaitingSince on the cases in WaitingStates whose
// customer wrote the latest public message. The instant is read as a
// column, which SQLite types, rather than out of a subquery, which it
// returns as text.
func (s *Cases) markWaiting(ctx context.Context, l []cases.Case) error {
	var ids []any
	at := map[accord.ID]int{}
	for i, c := range l {
		if slices.Contains(cases.WaitingStates, c.State) {
			ids, at[c.ID] = append(ids, c.ID), i
		}
	}
	if len(ids) == 0 {
		return nil
	}
	rows, err := s.db.sql.QueryContext(ctx, `SELECT cases.id, e.at FROM cases JOIN case_entries e ON e.case_id = cases.id
		AND e.author_org_id = cases.org_id AND e.seq = (`+latestMessage+`) WHERE cases.id IN `+inList(1, len(ids)), ids...)
	if err != nil {
		return fmt.Errorf("cases waiting: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id accord.ID
		var since time.Time
		if err := rows.Scan(&id, &since); err != nil {
			return fmt.Errorf("cases waiting: %w", err)
		}
		since = since.UTC()
		l[at[id]].WaitingSince = &since
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("cases waiting: %w", err)
	}
	return nil
}

func (s *Cases) Entries(ctx context.Context, scope accord.Scope, caseID accord.ID, internal bool) ([]cases.Entry, error) {
	w := caseByID(caseID, scope)
	var n int
	if err := s.db.sql.QueryRowContext(ctx, `SELECT count(*) FROM cases`+w.String(), w.args...).Scan(&n); err != nil {
		return nil, fmt.Errorf("case entries: %w", err)
	}
	if n == 0 {
		return nil, notFound("case")
	}
	q := `SELECT ` + entryColumns + ` FROM case_entries WHERE case_id = $1`
	if !internal {
		q += ` AND NOT internal`
	}
	rows, err := s.db.sql.QueryContext(ctx, q+` ORDER BY seq`, caseID)
	if err != nil {
		return nil, fmt.Errorf("case entries: %w", err)
	}
	out, err := collect(rows, scanEntry)
	if err != nil {
		return nil, fmt.Errorf("case entries: %w", err)
	}
	return out, nil
}

// Entry reads one entry of a case inside scope.
func (s *Cases) Entry(ctx context.Context, scope accord.Scope, id accord.ID, internal bool) (cases.Entry, error) {
	var w where
	w.add("id = ?", id)
	w.scope("org_id", scope)
	if !internal {
		w.add("NOT internal")
	}
	e, err := scanEntry(s.db.sql.QueryRowContext(ctx, `SELECT `+entryColumns+` FROM case_entries`+w.String(), w.args...))
	if errors.Is(err, sql.ErrNoRows) {
		return e, notFound("entry")
	}
	if err != nil {
		return e, fmt.Errorf("case entry: %w", err)
	}
	return e, nil
}

// notifyEntries schedules the job that tells people about each entry, now.
func notifyEntries(ctx context.Context, tx *sql.Tx, orgID accord.ID, ids []accord.ID, now time.Time) error {
	for _, id := range ids {
		if err := setTimer(ctx, tx, orgID, id, cases.NotifyJob, now, now); err != nil {
			return err
		}
	}
	return nil
}

// writeAlerts writes the in-app notifications of a change to c, and
// schedules the mail of each mention.
func writeAlerts(ctx context.Context, tx *sql.Tx, c cases.Case, alerts []cases.Alert, now time.Time) error {
	for _, a := range alerts {
		id := accord.NewID("ntf")
		if _, err := tx.ExecContext(ctx, `INSERT INTO notifications (id, org_id, user_id, kind, case_id, entry_id, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`, id, c.OrgID, a.UserID, string(a.Kind), c.ID, a.EntryID, now.UTC()); err != nil {
			return fmt.Errorf("insert notification: %w", err)
		}
		if a.Kind == cases.AlertMentioned {
			if err := setTimer(ctx, tx, c.OrgID, id, cases.MentionMailJob, now, now); err != nil {
				return err
			}
		}
	}
	return nil
}

// Update holds the case for the whole transaction: a row lock on
// PostgreSQL (a concurrent Update waits, then decides on what this one
// wrote), the one write lock on SQLite. The lock does not exclude rows
// that refer to the case: opening a case with it as parent elsewhere does
// not wait for it (see forChange). A large attachment is written to the
// data directory before the commit and removed if the transaction fails,
// so that a committed row never points to a missing file, even when decide
// panics.
func (s *Cases) Update(ctx context.Context, scope accord.Scope, id accord.ID, decide func(cases.Case) (cases.Change, error)) (cases.Case, error) {
	var before, out cases.Case
	var written []string // files put in the data directory
	committed := false
	defer func() { s.unwrite(written, committed) }()
	err := s.db.tx(ctx, func(tx *sql.Tx) error {
		old, err := readCase(ctx, tx, caseByID(id, scope), s.db.forChange())
		if err != nil {
			return err
		}
		before = old
		ch, err := decide(old)
		if err != nil {
			return err
		}
		if ch.Rotate != nil && ch.Case.TeamID != "" {
			t, err := s.lockTeam(ctx, tx, ch.Case.TeamID)
			if err != nil {
				return err
			}
			if ch = ch.Rotate(t, ch); ch.Case.AssigneeID != "" {
				if err := s.rotated(ctx, tx, t.ID, ch.Case.AssigneeID); err != nil {
					return err
				}
			}
		}
		if err := s.write(ctx, tx, old, ch, &written); err != nil {
			return err
		}
		out, err = readCase(ctx, tx, caseByID(old.ID, accord.Scope{All: true}), "")
		return err
	})
	if err != nil {
		return cases.Case{}, err
	}
	committed = true
	if s.db.obs != nil {
		s.db.obs.CaseChanged(ctx, before, out)
	}
	return out, nil
}

// write stores a Change to old inside tx. Openings come before the events
// so that on PostgreSQL the case-number lock is always taken before any
// audit head, in every transaction.
func (s *Cases) write(ctx context.Context, tx *sql.Tx, old cases.Case, ch cases.Change, written *[]string) error {
	c := ch.Case
	vals, err := caseValues(c)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE cases SET `+caseSet+` WHERE id = $`+strconv.Itoa(len(vals)+1), append(vals, old.ID)...); err != nil {
		return s.db.mapErr(fmt.Errorf("update case: %w", err))
	}
	if err := s.db.insertEntries(ctx, tx, old, ch.Entries); err != nil {
		return err
	}
	if err := s.db.writeCasework(ctx, tx, old, c); err != nil {
		return err
	}
	prose := slices.ContainsFunc(ch.Entries, func(e cases.Entry) bool { return e.Kind == cases.Reply || e.Kind == cases.Note })
	if prose || searchText(c) != searchText(old) {
		c.Number = old.Number
		if err := s.reindex(ctx, tx, c); err != nil {
			return err
		}
	}
	for _, u := range ch.Update {
		data, err := json.Marshal(u.To.Data)
		if err != nil {
			return fmt.Errorf("entry data: %w", err)
		}
		was, err := json.Marshal(u.From.Data)
		if err != nil {
			return fmt.Errorf("entry data: %w", err)
		}
		res, err := tx.ExecContext(ctx, `UPDATE case_entries SET data = $1 WHERE id = $2 AND case_id = $3 AND data = $4`, string(data), u.To.ID, old.ID, string(was))
		if err != nil {
			return fmt.Errorf("update entry: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			var exists int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM case_entries WHERE id = $1 AND case_id = $2`, u.To.ID, old.ID).Scan(&exists); err != nil {
				return fmt.Errorf("update entry: %w", err)
			}
			if exists > 0 {
				return &accord.Error{Kind: accord.Conflict, Msg: "the entry changed meanwhile; reload and try again"}
			}
			return notFound("entry")
		}
	}
	if p := ch.Pause; p != nil {
		if _, err := tx.ExecContext(ctx, `INSERT INTO case_pauses (org_id, case_id, starts_at, ends_at) VALUES ($1, $2, $3, $4)
			ON CONFLICT (case_id, starts_at) DO UPDATE SET ends_at = excluded.ends_at`, old.OrgID, old.ID, p.From.UTC(), nullTime(p.To)); err != nil {
			return s.db.mapErr(fmt.Errorf("write pause: %w", err))
		}
	}
	for _, u := range ch.Uploads {
		if err := s.upload(ctx, tx, old, ch.Entries, u, written); err != nil {
			return err
		}
	}
	for _, o := range ch.Created {
		if _, err := s.open(ctx, tx, o, written); err != nil {
			return err
		}
	}
	for _, t := range ch.Timers {
		if err := setTimer(ctx, tx, old.OrgID, old.ID, string(t.Kind), t.At, c.UpdatedAt); err != nil {
			return err
		}
	}
	if err := notifyEntries(ctx, tx, old.OrgID, ch.Notify, c.UpdatedAt); err != nil {
		return err
	}
	if err := writeAlerts(ctx, tx, old, ch.Alerts, c.UpdatedAt); err != nil {
		return err
	}
	if r := ch.Rating; r != nil {
		if _, err := tx.ExecContext(ctx, `INSERT INTO rating_links (id, org_id, case_id, user_id, created_at, expires_at)
			VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (case_id) DO NOTHING`, r.ID, old.OrgID, old.ID, r.UserID, c.UpdatedAt.UTC(), r.ExpiresAt.UTC()); err != nil {
			return s.db.mapErr(fmt.Errorf("insert rating link: %w", err))
		}
		if err := setTimer(ctx, tx, old.OrgID, r.ID, cases.RatingLetterJob, c.UpdatedAt, c.UpdatedAt); err != nil {
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

// upload stores an attachment's content with the entry among entries that
// lists it: in its row, or for a large file on SQLite in
// <dataDir>/files/<org>/<file id>, whose full name is added to *written.
func (s *Cases) upload(ctx context.Context, tx *sql.Tx, c cases.Case, entries []cases.Entry, u cases.Upload, written *[]string) error {
	var entryID accord.ID
	for _, e := range entries {
		if lists(e, u.File.ID) {
			entryID = e.ID
		}
	}
	if entryID == "" {
		return fmt.Errorf("upload %s: no entry of the change describes it", u.File.ID)
	}
	content, rel := u.Content, ""
	if content == nil {
		content = []byte{} // an empty file, not a missing one
	}
	if !s.db.fileInRow(len(content)) {
		if !accord.ValidID(string(c.OrgID)) || !accord.ValidID(string(u.File.ID)) {
			return fmt.Errorf("upload %s of %s: not ids that make a file name", u.File.ID, c.OrgID)
		}
		if s.dataDir == "" {
			return errors.New("upload: no data directory for large files")
		}
		rel = path.Join("files", string(c.OrgID), string(u.File.ID))
		full := filepath.Join(s.dataDir, filepath.FromSlash(rel))
		if err := writeNewFile(full, content); err != nil {
			return err
		}
		*written = append(*written, full)
		content = nil
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO case_files (id, org_id, case_id, entry_id, name, content_type, size, sha256, content, path)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		u.File.ID, c.OrgID, c.ID, entryID, u.File.Name, u.File.ContentType, u.File.Size, u.File.SHA256, content, rel)
	if err != nil {
		return s.db.mapErr(fmt.Errorf("insert file: %w", err))
	}
	return nil
}

// writeNewFile writes content to name, which must not exist yet, through a
// temporary file renamed into place once synced, so that name is never
// seen half written.
func writeNewFile(name string, content []byte) error {
	dir := filepath.Dir(name)
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return fmt.Errorf("attachment directory: %w", err)
	}
	if _, err := os.Lstat(name); err == nil {
		return &accord.Error{Kind: accord.Conflict, Msg: "the attachment already exists"}
	}
	f, err := os.CreateTemp(dir, ".upload-*")
	if err != nil {
		return fmt.Errorf("write attachment: %w", err)
	}
	tmp := f.Name()
	_, err = f.Write(content)
	if err == nil {
		err = f.Chmod(0o640)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, name)
	}
	if err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("write attachment: %w", err)
	}
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync() // make the rename durable before the commit
		d.Close()
	}
	return nil
}

// File returns the attachment entry that describes fileID and its content.
func (s *Cases) File(ctx context.Context, scope accord.Scope, caseID, fileID accord.ID) (cases.Entry, []byte, error) {
	var w where
	w.add("f.id = ?", fileID)
	w.add("f.case_id = ?", caseID)
	w.scope("f.org_id", scope)
	var content []byte
	var rel string
	e, err := oneRow(func(r interface{ Scan(...any) error }) (cases.Entry, error) { return scanEntryAnd(r, &content, &rel) },
		s.db.sql.QueryRowContext(ctx, `SELECT e.id, e.org_id, e.case_id, e.kind, e.internal, e.author_id, e.author, e.author_org_id,
		e.body, e.data, e.at, f.content, f.path FROM case_files f JOIN case_entries e ON e.id = f.entry_id AND e.case_id = f.case_id`+w.String(), w.args...), "file")
	if err != nil {
		return cases.Entry{}, nil, err
	}
	if !lists(e, fileID) {
		return cases.Entry{}, nil, notFound("file")
	}
	if rel == "" {
		if content == nil {
			content = []byte{}
		}
		return e, content, nil
	}
	if !filepath.IsLocal(filepath.FromSlash(rel)) {
		return cases.Entry{}, nil, fmt.Errorf("file %s: stored path %q is outside the data directory", fileID, rel)
	}
	content, err = os.ReadFile(filepath.Join(s.dataDir, filepath.FromSlash(rel)))
	if errors.Is(err, os.ErrNotExist) {
		return cases.Entry{}, nil, notFound("file")
	}
	if err != nil {
		return cases.Entry{}, nil, fmt.Errorf("read file %s: %w", fileID, err)
	}
	return e, content, nil
}

// lists reports whether entry e describes the file id: an attachment
// entry's file, or one of the files sent with a reply, note or opening.
func lists(e cases.Entry, id accord.ID) bool {
	if e.Data.File != nil && e.Data.File.ID == id {
		return true
	}
	return slices.ContainsFunc(e.Data.Files, func(f cases.File) bool { return f.ID == id })
}

// newDocuments are the search documents of a case being opened with
// entries, as reindex would read them back: its text and public replies,
// then its internal notes.
func newDocuments(c cases.Case, entries []cases.Entry) (public, notes string) {
	pub, internal := []string{searchText(c)}, []string{}
	for _, e := range entries {
		switch {
		case e.Kind != cases.Reply && e.Kind != cases.Note:
		case e.Internal:
			internal = append(internal, e.Body)
		default:
			pub = append(pub, e.Body)
		}
	}
	return strings.Join(pub, "\n"), strings.Join(internal, "\n")
}

// reindex writes c's search documents from the case and the replies and
// notes of its timeline, inside tx, after the change's entries.
func (s *Cases) reindex(ctx context.Context, tx *sql.Tx, c cases.Case) error {
	rows, err := tx.QueryContext(ctx, `SELECT internal, body FROM case_entries WHERE case_id = $1 AND kind IN ($2, $3) ORDER BY seq`,
		c.ID, string(cases.Reply), string(cases.Note))
	if err != nil {
		return fmt.Errorf("index case: %w", err)
	}
	defer rows.Close()
	public, notes := []string{searchText(c)}, []string{}
	for rows.Next() {
		var internal bool
		var body string
		if err := rows.Scan(&internal, &body); err != nil {
			return fmt.Errorf("index case: %w", err)
		}
		if internal {
			notes = append(notes, body)
		} else {
			public = append(public, body)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("index case: %w", err)
	}
	rows.Close() // before the next statement on SQLite's one connection
	if err := s.db.indexCase(ctx, tx, c.ID, c.Number, strings.Join(public, "\n"), strings.Join(notes, "\n")); err != nil {
		return fmt.Errorf("index case: %w", err)
	}
	return nil
}

// ByNumber reads the case numbered n inside scope.
func (s *Cases) ByNumber(ctx context.Context, scope accord.Scope, n int64) (cases.Case, error) {
	var w where
	w.add("number = ?", n)
	w.scope("org_id", scope)
	return readCase(ctx, s.db.sql, w, "")
}

// anys is l as arguments of a query.
func anys[T any](l []T) []any {
	out := make([]any, len(l))
	for i, x := range l {
		out[i] = x
	}
	return out
}
