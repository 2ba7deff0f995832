package reports

import (
	"context"
	"encoding/csv"
	"io"
	"strconv"
	"time"

	"accord/internal/accord"
	"accord/internal/cases"
	"accord/internal/sheets"
	"accord/internal/sla"
)

// CaseColumns are the columns of the case export, one row per case.
// first_response is the SLA report's outcome of the case (met, breached,
// not_guaranteed or pending; empty for a case without a response clock,
// which the report does not count); paused_seconds is the wall time its
// clock spent paused, up to the export's instant for an open pause.
var CaseColumns = []string{"number", "id", "customer", "type", "title", "criticality", "state", "channel", "plan",
	"policy_version", "received_at", "clock_starts_at", "due_at", "first_response_at", "first_response", "paused_seconds",
	"assignee", "team", "opened_at", "resolved_at", "closed_at"}

// CaseSheet writes cases as CSV rows of CaseColumns, every cell through
// sheets.Escape. It remembers the names and policy versions it has looked
// up, which are as many as the customers, agents and versions, whatever the
// number of cases.
type CaseSheet struct {
	s        *Service
	w        *csv.Writer
	now      time.Time
	teams    map[accord.ID]string
	orgs     map[accord.ID]string
	users    map[accord.ID]string
	policies map[int]*sla.Policy
}

// CaseSheet returns a sheet writing to w, judging clocks at now; teams
// names the teams the reader may see (a team it may not see is left blank).
func (s *Service) CaseSheet(w io.Writer, now time.Time, teams map[accord.ID]string) *CaseSheet {
	return &CaseSheet{s: s, w: csv.NewWriter(w), now: now.UTC(), teams: teams, orgs: map[accord.ID]string{},
		users: map[accord.ID]string{}, policies: map[int]*sla.Policy{}}
}

// Header writes the row of column names.
func (cs *CaseSheet) Header() error {
	if err := cs.w.Write(CaseColumns); err != nil {
		return err
	}
	cs.w.Flush()
	return cs.w.Error()
}

// Write writes a row per case, in order, and flushes them to the writer.
// The cases must be ones the actor of ctx may read: their customers are
// named whatever the actor's scope, and their assignees only when the
// actor may read the user (a customer's contact does not read the
// vendor's agents).
func (cs *CaseSheet) Write(ctx context.Context, l []cases.Case) error {
	for _, c := range l {
		row, err := cs.row(ctx, c)
		if err != nil {
			return err
		}
		for i, v := range row {
			row[i] = sheets.Escape(v)
		}
		if err := cs.w.Write(row); err != nil {
			return err
		}
	}
	cs.w.Flush()
	return cs.w.Error()
}

func (cs *CaseSheet) row(ctx context.Context, c cases.Case) ([]string, error) {
	k := c.Clock
	customer, ok := cs.orgs[c.OrgID]
	if !ok {
		o, err := cs.s.dir.GetOrganization(system(ctx), cs.now, c.OrgID)
		if err != nil {
			return nil, err
		}
		customer, cs.orgs[c.OrgID] = o.Name, o.Name
	}
	assignee, ok := cs.users[c.AssigneeID]
	if !ok && c.AssigneeID != "" {
		u, err := cs.s.dir.GetUser(ctx, cs.now, c.AssigneeID)
		if err != nil && !accord.IsKind(err, accord.NotFound) {
			return nil, err
		}
		assignee, cs.users[c.AssigneeID] = u.Name, u.Name
	}
	outcome := ""
	if k.Kind != "" {
		pol, ok := cs.policies[k.PolicyVersion]
		if !ok {
			var err error
			if pol, err = cs.s.policies.Version(ctx, k.PolicyVersion); err != nil {
				return nil, err
			}
			cs.policies[k.PolicyVersion] = pol
		}
		j, err := judge(pol, c, cs.now)
		if err != nil {
			return nil, err
		}
		outcome = string(j.outcome)
	}
	var paused time.Duration
	for _, p := range c.Pauses {
		to := cs.now
		if p.To != nil {
			to = *p.To
		}
		paused += max(to.Sub(p.From), 0)
	}
	version := ""
	if k.PolicyVersion > 0 {
		version = strconv.Itoa(k.PolicyVersion)
	}
	return []string{strconv.FormatInt(c.Number, 10), string(c.ID), customer, string(c.Type), c.Title, string(c.Criticality),
		string(c.State), string(k.Channel), k.Plan, version, instant(&k.ReceivedAt), instant(&k.StartsAt), instant(k.DueAt),
		instant(k.RespondedAt), outcome, strconv.FormatInt(int64(paused/time.Second), 10), assignee, cs.teams[c.TeamID],
		instant(&c.CreatedAt), instant(c.ResolvedAt), instant(c.ClosedAt)}, nil
}

// instant is t in RFC 3339 UTC, empty for none.
func instant(t *time.Time) string {
	if t == nil || t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}
