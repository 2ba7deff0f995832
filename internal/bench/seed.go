package bench

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"accord/internal/accord"
	"accord/internal/cases"
	"accord/internal/sla"
	"accord/internal/store"
)

// seedCustomer is a customer the history is spread over.
type seedCustomer struct {
	org      accord.ID
	contract accord.ID
	plan     string
	contacts []seedUser
}

type seedUser struct {
	id   accord.ID
	org  accord.ID
	name string
}

// seedBatch is one transaction's rows.
type seedBatch struct {
	cases                 []seedCase
	entries, pauses, jobs [][]any
	states                map[cases.State]int
}

// seedCase is a case's row (seedCaseColumns) and its search documents:
// the public one (title, description, details, public replies) and its
// internal notes, as the store indexes them.
type seedCase struct {
	row        []any
	number     int64
	doc, notes string
}

// seedTable is rows of a table, in the order of cols.
type seedTable struct {
	table string
	cols  []string
	rows  [][]any
}

// tables are the batch's rows other than the cases, in the order they
// are written (after the cases they name).
func (b seedBatch) tables() []seedTable {
	return []seedTable{{"case_entries", seedEntryColumns, b.entries}, {"case_pauses", seedPauseColumns, b.pauses}, {"jobs", seedJobColumns, b.jobs}}
}

// seedCaseColumns are the columns of cases the seed writes (on
// PostgreSQL search and search_all are computed from the documents, as
// the store does).
var seedCaseColumns = []string{"id", "org_id", "number", "created_at", "type", "title", "description", "details", "criticality", "state",
	"delivered_in", "contract_id", "opened_by_id", "opened_by", "assignee_id", "parent_id", "root_cause_id", "out_of_scope",
	"policy_version", "plan", "channel", "received_at", "phone_at", "clock_kind", "clock_starts_at", "target_ns", "guaranteed",
	"call_required", "due_at", "warn_at", "responded_at", "warned_at", "breached_at", "paused_since",
	"auto_close_at", "resolved_at", "closed_at", "close_reason", "updated_at", "team_id",
	"breach_criticality", "breach_due_at"}

var (
	seedEntryColumns = []string{"id", "org_id", "case_id", "seq", "kind", "internal", "author_id", "author", "author_org_id", "body", "data", "at"}
	seedPauseColumns = []string{"org_id", "case_id", "starts_at", "ends_at"}
	seedJobColumns   = []string{"id", "org_id", "subject_id", "kind", "run_at", "attempts", "claimed_by", "claimed_until", "last_error", "failed_at", "created_at"}
)

// tz is a nullable instant for COPY.
func tz(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UTC()
}

func idOrNil(id accord.ID) any {
	if id == "" {
		return nil
	}
	return string(id)
}

// SeedConfig shapes the history Seed writes.
type SeedConfig struct {
	Cases  int
	Closed float64 // share of the cases that are closed history (0 to 1)
	Batch  int     // cases written per transaction
	Seed   uint64  // of the random history
	// Long is how many cases (the first ones) have a timeline of
	// longTimeline entries, found by LongTimelineSearch.
	Long int
	// DatabaseURL is the PostgreSQL d was opened on: COPY needs a
	// connection of its own.
	DatabaseURL string
}

// Source is what the seed needs from the domain services, which
// cmd/accord wires.
type Source struct {
	// Prepare loads the default policy and, into an empty database, the
	// demo data.
	Prepare func(ctx context.Context, now time.Time) error
	// Policy is the policy in force and its version number.
	Policy func(ctx context.Context) (int, *sla.Policy, error)
	// Contract is a customer's active contract and its plan; an error
	// when it has none.
	Contract func(ctx context.Context, now time.Time, org accord.ID) (accord.ID, string, error)
}

// Seed adds f.Cases cases straight into the database, bypassing the
// API and therefore the audit trail: the measurement needs tables and
// indexes of realistic size, not a million audit events of openings that
// never happened. Clocks are computed by the policy's own Due and
// AutoCloseAt, so that the jobs rows agree with the cases they act on.
func Seed(ctx context.Context, w io.Writer, d *store.DB, src Source, f SeedConfig, now time.Time) error {
	now = now.UTC().Truncate(time.Microsecond)
	if err := src.Prepare(ctx, now); err != nil {
		return err
	}
	version, pol, err := src.Policy(ctx)
	if err != nil {
		return err
	}

	rows, err := d.SQL().QueryContext(ctx, `SELECT u.id, u.org_id, u.name, u.role FROM users u JOIN organizations o ON o.id = u.org_id
		WHERE u.active AND ((o.kind = 'vendor' AND u.role IN ('agent', 'admin')) OR (u.role = 'customer_contact' AND u.authorized_contact))
		ORDER BY u.role = 'admin', u.email_key`)
	if err != nil {
		return fmt.Errorf("users: %w", err)
	}
	var agents []seedUser
	byOrg := map[accord.ID]*seedCustomer{}
	var orgs []accord.ID
	for rows.Next() {
		var u seedUser
		var role accord.Role
		if err := rows.Scan(&u.id, &u.org, &u.name, &role); err != nil {
			rows.Close()
			return err
		}
		if role != accord.RoleCustomerContact {
			agents = append(agents, u)
			continue
		}
		c := byOrg[u.org]
		if c == nil {
			c = &seedCustomer{org: u.org}
			byOrg[u.org] = c
			orgs = append(orgs, u.org)
		}
		c.contacts = append(c.contacts, u)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	var customers []seedCustomer
	for _, org := range orgs {
		c := byOrg[org]
		contract, plan, err := src.Contract(ctx, now, org)
		if err != nil {
			continue // no active contract: nobody could have opened its cases
		}
		if _, ok := pol.Plans[plan]; !ok {
			continue
		}
		c.contract, c.plan = contract, plan
		customers = append(customers, *c)
	}
	if len(customers) == 0 || len(agents) == 0 {
		return errors.New("the seed needs a vendor agent and customers with an active contract and authorized contacts: start from an empty database (the demo data is added) or one with them")
	}

	var teams []accord.ID
	trows, err := d.SQL().QueryContext(ctx, `SELECT t.id FROM teams t JOIN organizations o ON o.id = t.org_id WHERE o.kind = 'vendor' ORDER BY t.name`)
	if err != nil {
		return fmt.Errorf("teams: %w", err)
	}
	for trows.Next() {
		var id accord.ID
		if err := trows.Scan(&id); err != nil {
			trows.Close()
			return err
		}
		teams = append(teams, id)
	}
	trows.Close()
	if err := trows.Err(); err != nil {
		return err
	}

	var out seedWriter
	if d.Engine() == store.Postgres {
		out, err = newPGWriter(ctx, f.DatabaseURL)
	} else {
		out = &sqliteWriter{db: d.SQL()}
	}
	if err != nil {
		return err
	}
	defer out.close(context.WithoutCancel(ctx))
	var number int64
	if err := d.SQL().QueryRowContext(ctx, `SELECT COALESCE(MAX(number), 0) FROM cases`).Scan(&number); err != nil {
		return fmt.Errorf("last case number: %w", err)
	}
	fmt.Fprintf(w, "seeding %d cases over %d customer(s) under policy version %d, after case #%d\n", f.Cases, len(customers), version, number)

	g := &seedGen{rng: rand.New(rand.NewPCG(f.Seed, 0x5eed)), pol: pol, version: version, now: now,
		customers: customers, agents: agents, teams: teams, closed: f.Closed}
	states := map[cases.State]int{}
	var nEntries, nPauses, nJobs int
	start := time.Now()
	nextReport := f.Cases / 10
	for done := 0; done < f.Cases; {
		n := min(f.Batch, f.Cases-done)
		b := seedBatch{states: states}
		for i := range n {
			number++
			if err := g.add(&b, number, done+i < f.Long); err != nil {
				return err
			}
		}
		if err := out.write(ctx, b); err != nil {
			return err
		}
		done += n
		nEntries += len(b.entries)
		nPauses += len(b.pauses)
		nJobs += len(b.jobs)
		if done >= nextReport || done == f.Cases {
			fmt.Fprintf(w, "  %d cases (%s)\n", done, time.Since(start).Round(time.Second))
			nextReport += max(f.Cases/10, 1)
		}
	}
	took := time.Since(start)
	fmt.Fprintln(w, "vacuum and analyze ...")
	if err := out.finish(ctx, number); err != nil {
		return err
	}
	var parts []string
	for _, st := range cases.States {
		if states[st] > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", st, states[st]))
		}
	}
	fmt.Fprintf(w, "seeded %d cases (%s), %d timeline entries, %d pauses, %d jobs in %s (%.0f cases/s); %d with a timeline of %d entries (search %q); no audit events: these rows bypass the API\n",
		f.Cases, strings.Join(parts, ", "), nEntries, nPauses, nJobs, took.Round(time.Second), float64(f.Cases)/took.Seconds(),
		min(f.Long, f.Cases), longTimeline, LongTimelineSearch)
	return nil
}

// seedWriter writes batches of the history into one engine.
type seedWriter interface {
	write(ctx context.Context, b seedBatch) error
	// finish refreshes the planner's statistics; last is the last case
	// number written.
	finish(ctx context.Context, last int64) error
	close(ctx context.Context)
}

// pgWriter copies each batch into PostgreSQL: the cases through a staging
// table, so that search and search_all are computed by to_tsvector as the
// store computes them, the rest straight into their tables.
type pgWriter struct {
	conn   *pgx.Conn
	insert string
}

func newPGWriter(ctx context.Context, dbURL string) (*pgWriter, error) {
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return nil, fmt.Errorf("connect: %w", err)
	}
	if _, err := conn.Exec(ctx, `CREATE TEMP TABLE bench_seed_cases (LIKE cases INCLUDING DEFAULTS, doc TEXT NOT NULL, notes TEXT NOT NULL) ON COMMIT DELETE ROWS`); err != nil {
		conn.Close(context.WithoutCancel(ctx))
		return nil, fmt.Errorf("staging table: %w", err)
	}
	cols := strings.Join(seedCaseColumns, ", ")
	return &pgWriter{conn: conn, insert: `INSERT INTO cases (` + cols + `, search, search_all) SELECT ` + cols +
		`, to_tsvector('simple', doc), to_tsvector('simple', doc) || to_tsvector('simple', notes) FROM bench_seed_cases`}, nil
}

func (p *pgWriter) write(ctx context.Context, b seedBatch) error {
	tx, err := p.conn.Begin(ctx)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	rows := make([][]any, len(b.cases))
	for i, c := range b.cases {
		rows[i] = append(c.row, c.doc, c.notes)
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"bench_seed_cases"}, append(slices.Clone(seedCaseColumns), "doc", "notes"), pgx.CopyFromRows(rows)); err != nil {
		return fmt.Errorf("copy cases: %w", err)
	}
	if _, err := tx.Exec(ctx, p.insert); err != nil {
		return fmt.Errorf("insert cases: %w", err)
	}
	for _, t := range b.tables() {
		if len(t.rows) == 0 {
			continue
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{t.table}, t.cols, pgx.CopyFromRows(t.rows)); err != nil {
			return fmt.Errorf("copy %s: %w", t.table, err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// finish also moves the case-number sequence past the seeded numbers when
// the schema numbers cases from one (case_numbers), so that the next case
// opened does not take a seeded number.
func (p *pgWriter) finish(ctx context.Context, last int64) error {
	if _, err := p.conn.Exec(ctx, `SELECT setval(to_regclass('case_numbers'), $1) WHERE to_regclass('case_numbers') IS NOT NULL`, last); err != nil {
		return fmt.Errorf("case numbers: %w", err)
	}
	if _, err := p.conn.Exec(ctx, `VACUUM (ANALYZE) cases, case_entries, case_pauses, jobs`); err != nil {
		return fmt.Errorf("vacuum: %w", err)
	}
	return nil
}

func (p *pgWriter) close(ctx context.Context) { _ = p.conn.Close(ctx) }

// sqliteWriter inserts each batch into SQLite in one transaction, many
// rows per INSERT, and indexes the cases in case_search (rowid the case's
// number) as the store's indexCase does.
type sqliteWriter struct{ db *sql.DB }

// sqliteMaxVars keeps a statement under SQLite's limit of bound
// parameters (32,766 since 3.32).
const sqliteMaxVars = 30_000

func (s *sqliteWriter) write(ctx context.Context, b seedBatch) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }()
	caseRows := make([][]any, len(b.cases))
	search := make([][]any, len(b.cases))
	for i, c := range b.cases {
		caseRows[i] = c.row
		search[i] = []any{c.number, c.doc, c.notes}
	}
	tables := append([]seedTable{{"cases", seedCaseColumns, caseRows}, {"case_search", []string{"rowid", "body", "notes"}, search}}, b.tables()...)
	for _, t := range tables {
		if err := insertRows(ctx, tx, t); err != nil {
			return err
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// insertRows inserts t's rows with as few statements as the limit of
// bound parameters allows.
func insertRows(ctx context.Context, tx *sql.Tx, t seedTable) error {
	per := max(sqliteMaxVars/len(t.cols), 1)
	row := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(t.cols)), ", ") + ")"
	head := `INSERT INTO ` + t.table + ` (` + strings.Join(t.cols, ", ") + `) VALUES `
	for rows := range slices.Chunk(t.rows, per) {
		args := make([]any, 0, len(rows)*len(t.cols))
		for _, r := range rows {
			args = append(args, r...)
		}
		q := head + strings.TrimSuffix(strings.Repeat(row+", ", len(rows)), ", ")
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return fmt.Errorf("insert %s: %w", t.table, err)
		}
	}
	return nil
}

func (s *sqliteWriter) finish(ctx context.Context, _ int64) error {
	if _, err := s.db.ExecContext(ctx, `ANALYZE`); err != nil {
		return fmt.Errorf("analyze: %w", err)
	}
	return nil
}

func (s *sqliteWriter) close(context.Context) {}

// seedGen makes the cases of the history, one at a time.
type seedGen struct {
	rng       *rand.Rand
	pol       *sla.Policy
	version   int
	now       time.Time
	customers []seedCustomer
	agents    []seedUser
	teams     []accord.ID // the vendor's: most cases are in one's queue
	closed    float64
}

// between is a uniformly random instant in [from, to).
func (g *seedGen) between(from, to time.Time) time.Time {
	if !to.After(from) {
		return from
	}
	return from.Add(time.Duration(g.rng.Int64N(int64(to.Sub(from))))).Truncate(time.Microsecond)
}

// add appends one case, its timeline, pause and jobs to b. Of the cases
// not closed, half await a first response with a running clock (the
// queue, and a warning and a breach job each while guaranteed), a fifth
// are being worked, and the rest await the customer or its confirmation
// of a resolution, with an auto-close job.
func (g *seedGen) add(b *seedBatch, number int64, long bool) error {
	rng, now := g.rng, g.now
	cust := g.customers[rng.IntN(len(g.customers))]
	contact := cust.contacts[rng.IntN(len(cust.contacts))]
	agent := g.agents[rng.IntN(len(g.agents))]

	state := cases.Closed
	if long {
		state = cases.Open
	} else if rng.Float64() >= g.closed {
		switch n := rng.IntN(100); {
		case n < 50:
			state = cases.New
		case n < 70:
			state = cases.Open
		case n < 85:
			state = cases.AwaitingCustomer
		default:
			state = cases.Resolved
		}
	}
	typ := cases.Question
	switch n := rng.IntN(100); {
	case n < 2:
		typ = cases.Enhancement
	case n < 52:
		typ = cases.Incident
	case n < 67:
		typ = cases.Defect
	case n < 72:
		typ = cases.AccessRequest
	}
	crit := sla.C4
	switch n := rng.IntN(100); {
	case typ != cases.Incident && typ != cases.Defect:
		if n < 10 {
			crit = sla.C3
		}
	case n < 5:
		crit = sla.C1
	case n < 20:
		crit = sla.C2
	case n < 75:
		crit = sla.C3
	}
	if long {
		typ, crit = cases.Incident, sla.C3
	}
	// An Urgent or High case that was resolved has a root-cause analysis;
	// the history keeps those being worked instead.
	if (crit == sla.C1 || crit == sla.C2) && (state == cases.Resolved || state == cases.Closed) {
		state = cases.Open
	}

	var received time.Time
	switch state {
	case cases.New:
		received = g.between(now.Add(-24*time.Hour), now.Add(-time.Minute))
	case cases.Open:
		received = g.between(now.Add(-30*24*time.Hour), now.Add(-10*time.Minute))
	case cases.AwaitingCustomer:
		received = g.between(now.Add(-14*24*time.Hour), now.Add(-time.Hour))
	case cases.Resolved:
		received = g.between(now.Add(-10*24*time.Hour), now.Add(-2*time.Hour))
	default:
		// Closed history fills the last year's monthly reports.
		received = g.between(now.AddDate(-1, 0, 0), now.AddDate(0, 0, -30))
	}
	host := fmt.Sprintf("srv-%04d", rng.IntN(10000))
	c := cases.Case{ID: accord.NewID("cas"), OrgID: cust.org, Number: number, Type: typ, Criticality: crit, State: state,
		ContractID: cust.contract, CreatedAt: received,
		Clock: cases.Clock{PolicyVersion: g.version, Plan: cust.plan, Channel: sla.Portal, ReceivedAt: received}}
	opener := contact
	switch typ {
	case cases.Question, cases.AccessRequest:
		c.Title = pick(rng, questions)
		c.Description = "We are planning the next quarter's changes and need to know this before our change board meets."
		c.Details = cases.Details{Criticality: crit}
	case cases.Enhancement:
		c.Title = "Export session recordings' metadata to " + host
		c.Description = "We would like recordings' metadata forwarded over syslog to our SIEM."
		c.State = cases.Received
		if state == cases.Closed {
			c.State = cases.Declined
		}
	default:
		c.Title = pick(rng, subjects) + " on " + host
		if long {
			c.Title = "Vault replication lag under sustained load on " + host
		}
		c.Description = "We noticed it after the weekend maintenance; a workaround is to retry, which usually works the second time."
		c.Details = cases.Details{Criticality: crit, Procedure: pick(rng, procedures), Version: pick(rng, versions),
			Observed: "Since this morning the operation fails on " + host + " with 'connection reset by peer' after about 30 seconds; other hosts work.",
			Expected: "The operation completes as it did last week, within a few seconds.", Discovery: "Reported by the operations team during the daily checks."}
		if (crit == sla.C1 || crit == sla.C2) && rng.IntN(100) < 85 {
			// Phoned in: an agent recorded the call, which is the receipt.
			c.Clock.Channel, opener = sla.Phone, agent
			at := received
			c.Clock.PhoneAt = &at
		}
	}
	c.OpenedByID, c.OpenedBy = opener.id, opener.name

	var entries []cases.Entry
	entryBy := func(u *seedUser, at time.Time, kind cases.EntryKind) *cases.Entry {
		e := cases.Entry{ID: accord.NewID("ent"), Kind: kind, Author: "Accord", At: at}
		if u != nil {
			e.AuthorID, e.Author, e.AuthorOrg = u.id, u.name, u.org
		}
		entries = append(entries, e)
		return &entries[len(entries)-1]
	}
	opened := entryBy(&opener, received, cases.Opened)
	opened.Data.To = string(crit)
	if c.Clock.Channel == sla.Phone {
		call := entryBy(&agent, received, cases.PhoneCall)
		at := received
		call.Body, call.Data.Caller, call.Data.Number, call.Data.CalledAt = "Production affected; callback requested.", "Operations manager", "+1 212 555 0100", &at
	}
	k := &c.Clock
	var jobs []cases.Timer
	last := received
	if typ == cases.Enhancement {
		k.StartsAt = received
	} else {
		in := sla.DueInput{Plan: k.Plan, Criticality: crit, Channel: k.Channel, Received: received}
		r, err := g.pol.Due(in)
		if err != nil {
			return fmt.Errorf("due: %w", err)
		}
		k.Kind, k.StartsAt, k.Target, k.Guaranteed, k.CallRequired = r.Clock, r.StartsAt, r.Target, r.Guaranteed, !r.Guaranteed
		due, warn := r.DueAt, r.WarnAt
		k.DueAt, k.WarnAt = &due, &warn
		respondedBy := now
		if state != cases.New {
			// Answered within about the target, some of them late.
			span := due.Sub(received)
			at := received.Add(time.Minute + time.Duration(rng.Float64()*1.15*float64(span)))
			if limit := now.Add(-time.Minute); at.After(limit) {
				at = g.between(received, limit)
			}
			at = at.Truncate(time.Microsecond)
			respondedBy = at
		}
		if k.Guaranteed && !warn.After(respondedBy) {
			at := warn
			k.WarnedAt = &at
			e := entryBy(nil, at, cases.SLAWarning)
			e.Internal, e.Data.DueAt = true, &due
			e.Body = fmt.Sprintf("%d%% of the %s first-response target has elapsed with no response.", int(sla.WarnShare*100), k.Target)
			last = at
		}
		if k.Guaranteed && !due.After(respondedBy) {
			at, missed := due, due
			// The breach keeps the criticality and due instant it missed.
			k.BreachedAt, k.BreachCriticality, k.BreachDueAt = &at, crit, &missed
			e := entryBy(nil, at, cases.SLABreach)
			e.Internal, e.Data.DueAt = true, &due
			e.Body = fmt.Sprintf("The %s first-response target was breached with no response.", k.Target)
			last = at
		}
		if state == cases.New {
			if k.Guaranteed && k.WarnedAt == nil {
				jobs = append(jobs, cases.Timer{Kind: cases.WarnTimer, At: warn})
			}
			if k.Guaranteed && k.BreachedAt == nil {
				jobs = append(jobs, cases.Timer{Kind: cases.BreachTimer, At: due})
			}
		} else {
			at := respondedBy
			k.RespondedAt = &at
			reply := entryBy(&agent, at, cases.Reply)
			reply.Body = "Thank you. Please send the service logs of " + host + " from the time of the failure."
			reply.Data.References = []cases.Reference{{Kind: cases.KnowledgeBase, Value: "https://docs.example.com/kb/collect-logs"}}
			last = at
			if rng.IntN(100) < 60 || long {
				c.AssigneeID = agent.id
			}
			switch {
			case state != cases.Open:
			case long:
				// A long investigation: the customer, the agent and the
				// agent's notes in turn, spread up to now.
				from, to := last, now.Add(-time.Minute)
				step := to.Sub(from) / time.Duration(longTimeline-len(entries)+1)
				for i := 0; len(entries) < longTimeline; i++ {
					at := from.Add(time.Duration(i+1) * step).Truncate(time.Microsecond)
					switch i % 3 {
					case 0:
						r := entryBy(&contact, at, cases.Reply)
						r.Body = fmt.Sprintf("The lag on %s reached %d seconds again overnight; logs attached to our ticket system.", host, 30+rng.IntN(600))
					case 1:
						r := entryBy(&agent, at, cases.Reply)
						r.Body = "Thank you. Please raise the replication log level and send the next capture of " + host + "."
					default:
						n := entryBy(&agent, at, cases.Note)
						n.Internal, n.Body = true, "Compared with the lab: the lag follows the checkpoint of the standby; escalate if it passes 10 minutes."
					}
					last = at
				}
			case rng.IntN(100) < 40:
				// The customer answered last: the case is on the vendor.
				at := g.between(last, now.Add(-time.Minute))
				r := entryBy(&contact, at, cases.Reply)
				r.Body = "Here are the service logs of " + host + "; it failed again this morning."
				last = at
			}
		}
		switch state {
		case cases.AwaitingCustomer:
			at := respondedBy
			reply := &entries[len(entries)-1]
			reply.Data.RequestInformation = true
			k.PausedSince = &at
			ch := entryBy(&agent, at, cases.StateChanged)
			ch.Data.From, ch.Data.To, ch.Data.Reason = string(cases.Open), string(cases.AwaitingCustomer), "information requested"
			closeAt, err := g.pol.AutoCloseAt(sla.AwaitingCustomer, at)
			if err != nil {
				return err
			}
			c.AutoCloseAt = &closeAt
			b.pauses = append(b.pauses, []any{string(c.OrgID), string(c.ID), at, nil})
			jobs = append(jobs, cases.Timer{Kind: cases.CloseTimer, At: closeAt})
		case cases.Resolved, cases.Closed:
			until := respondedBy.Add(72 * time.Hour)
			if limit := now.Add(-time.Minute); until.After(limit) {
				until = limit
			}
			at := g.between(respondedBy, until)
			c.ResolvedAt = &at
			ch := entryBy(&agent, at, cases.StateChanged)
			ch.Body, ch.Data.From, ch.Data.To = "Fixed by the hotfix of the session manager; please confirm.", string(cases.Open), string(cases.Resolved)
			closeAt, err := g.pol.AutoCloseAt(sla.Resolved, at)
			if err != nil {
				return err
			}
			last = at
			if state == cases.Resolved {
				c.AutoCloseAt = &closeAt
				jobs = append(jobs, cases.Timer{Kind: cases.CloseTimer, At: closeAt})
			} else {
				closed := g.between(at, closeAt)
				c.ClosedAt, c.CloseReason = &closed, "confirmed"
				ch := entryBy(&contact, closed, cases.StateChanged)
				ch.Data.From, ch.Data.To, ch.Data.Reason = string(cases.Resolved), string(cases.Closed), "confirmed"
				last = closed
			}
		}
	}
	c.UpdatedAt = last
	b.states[c.State]++

	details, err := json.Marshal(c.Details)
	if err != nil {
		return err
	}
	var team any
	if len(g.teams) > 0 && typ != cases.Enhancement && rng.IntN(100) < 70 {
		team = string(pick(rng, g.teams))
	}
	// The search documents as the store's reindex writes them.
	public := []string{strings.Join([]string{c.Title, c.Description, c.Details.Procedure, c.Details.Version, c.Details.Observed, c.Details.Expected, c.Details.Discovery}, "\n")}
	var notes []string
	for _, e := range entries {
		switch {
		case e.Kind == cases.Reply && !e.Internal:
			public = append(public, e.Body)
		case e.Kind == cases.Note, e.Kind == cases.Reply:
			notes = append(notes, e.Body)
		}
	}
	// Instants are written in UTC, as the store writes them: SQLite
	// compares them as text.
	b.cases = append(b.cases, seedCase{number: c.Number, doc: strings.Join(public, "\n"), notes: strings.Join(notes, "\n"), row: []any{
		string(c.ID), string(c.OrgID), c.Number, c.CreatedAt.UTC(), string(c.Type), c.Title, c.Description, string(details),
		string(c.Criticality), string(c.State), "", idOrNil(c.ContractID), idOrNil(c.OpenedByID), c.OpenedBy, idOrNil(c.AssigneeID), nil, nil, "",
		int32(k.PolicyVersion), k.Plan, string(k.Channel), k.ReceivedAt.UTC(), tz(k.PhoneAt), k.Kind, k.StartsAt.UTC(), int64(k.Target), k.Guaranteed,
		k.CallRequired, tz(k.DueAt), tz(k.WarnAt), tz(k.RespondedAt), tz(k.WarnedAt), tz(k.BreachedAt), tz(k.PausedSince),
		tz(c.AutoCloseAt), tz(c.ResolvedAt), tz(c.ClosedAt), c.CloseReason, c.UpdatedAt.UTC(), team,
		string(k.BreachCriticality), tz(k.BreachDueAt)}})
	for i, e := range entries {
		data, err := json.Marshal(e.Data)
		if err != nil {
			return err
		}
		b.entries = append(b.entries, []any{string(e.ID), string(c.OrgID), string(c.ID), int64(i + 1), string(e.Kind), e.Internal,
			idOrNil(e.AuthorID), e.Author, idOrNil(e.AuthorOrg), e.Body, string(data), e.At.UTC()})
	}
	for _, t := range jobs {
		b.jobs = append(b.jobs, []any{string(accord.NewID("job")), string(c.OrgID), string(c.ID), string(t.Kind), t.At.UTC(), int32(0), "", nil, "", nil, last.UTC()})
	}
	return nil
}

// longTimeline is the length of the long cases' timelines.
const longTimeline = 200

// LongTimelineSearch finds the seed's cases with a long timeline: their
// titles, and only theirs, have these words.
const LongTimelineSearch = "replication lag"
