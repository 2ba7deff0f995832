package contracts

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"accord/internal/accord"
	"accord/internal/audit"
	"accord/internal/directory"
)

// The cadence of a contract: the notices Accord gives about a term by
// itself, each once, from durable jobs. A term has at most one job of each
// kind (the jobs table's rule); each run gives what is due and sets the
// job's next run.
const (
	// RenewalJob gives a term's renewal notices before it ends.
	RenewalJob = "contract.renewal_notice"
	// SurveyJob asks for the yearly licence survey and reminds.
	SurveyJob = "contract.licence_survey"
)

// NoticeKind is what a notice told.
type NoticeKind string

const (
	// NoticeRenewal: the term ends in Days days (one of Config.RenewalNotices).
	NoticeRenewal NoticeKind = "renewal"
	// NoticeSurvey asks for the licence count of contract year Year.
	NoticeSurvey NoticeKind = "survey"
	// NoticeSurveyReminder: the survey of Year was not answered by its
	// AnswerBy day.
	NoticeSurveyReminder NoticeKind = "survey_reminder"
)

// Notice is one notice Accord gave about a term, recorded once posted.
type Notice struct {
	OrgID      accord.ID  `json:"org_id"`
	ContractID accord.ID  `json:"contract_id"`
	Kind       NoticeKind `json:"kind"`
	Days       int        `json:"days,omitempty"` // renewal notices
	Year       int        `json:"year,omitempty"` // surveys and reminders
	DueOn      string     `json:"due_on"`         // the day it fell due
	// AnswerBy is the day the answer to a survey is due (for a reminder,
	// was due); unanswered then, the survey is overdue and reminded.
	AnswerBy   string      `json:"answer_by,omitempty"`
	SentAt     time.Time   `json:"sent_at"`
	Recipients []Recipient `json:"recipients"`
}

// Recipient is a person a notice was posted to.
type Recipient struct {
	UserID accord.ID   `json:"user_id"`
	Name   string      `json:"name"`
	Role   accord.Role `json:"role"`
}

// Topic names what a notice is about, so that its letters are posted once
// per recipient: contract.renewal/<term>/<days>, contract.survey/<term>/<year>,
// contract.survey_reminder/<term>/<year>.
func (n Notice) Topic() string {
	if n.Kind == NoticeRenewal {
		return fmt.Sprintf("contract.renewal/%s/%d", n.ContractID, n.Days)
	}
	return fmt.Sprintf("contract.%s/%s/%d", n.Kind, n.ContractID, n.Year)
}

// same reports whether n and o are the same notice of the same term.
func (n Notice) same(o Notice) bool {
	return n.ContractID == o.ContractID && n.Kind == o.Kind && n.Days == o.Days && n.Year == o.Year
}

func (n Notice) action() string {
	switch n.Kind {
	case NoticeSurvey:
		return "licence_survey.request"
	case NoticeSurveyReminder:
		return "licence_survey.remind"
	}
	return "contract.renewal_notice"
}

func (n Notice) changes() audit.Changes {
	var ch audit.Changes
	if n.Kind == NoticeRenewal {
		ch.Add("days", nil, n.Days)
	} else {
		ch.Add("year", nil, n.Year)
	}
	ch.Add("due_on", nil, n.DueOn)
	if n.AnswerBy != "" {
		ch.Add("answer_by", nil, n.AnswerBy)
	}
	names := make([]string, len(n.Recipients))
	for i, r := range n.Recipients {
		names[i] = r.Name
	}
	ch.Add("recipients", nil, strings.Join(names, ", "))
	return ch
}

// Timer sets the job Kind about a term to run at At; a zero At drops it.
type Timer struct {
	ContractID accord.ID
	Kind       string
	At         time.Time
}

// Cadence is what the jobs decide from: a term, its notices (oldest first)
// and the contract years whose survey figures are recorded.
type Cadence struct {
	Contract Contract
	Notices  []Notice
	Surveyed []int
}

// Told is what a job decided about a term: the notice it gave, if any, with
// its audit event, and the job's next run, decided at Now.
type Told struct {
	Notice *Notice
	Event  audit.Event
	Next   Timer
	Now    time.Time
}

// renewalPlan returns the renewal notice due on today for c, given the
// notices given so far, and the next day one falls due after today ("" for
// none). intervals are days before the end, farthest first. Of several due
// at once (a term recorded 45 days before its end, jobs stopped for a
// while) only the one nearest the end is given: it supersedes the others.
// A renewed, cancelled or ended term is told nothing more.
func renewalPlan(c Contract, given []Notice, intervals []int, today string) (*Notice, string) {
	end, err := time.Parse(time.DateOnly, c.EndsOn)
	if err != nil || c.NextID != "" || c.CancelledOn != "" || today > c.EndsOn {
		return nil, ""
	}
	latest := 0 // the days of the notice given nearest the end
	for _, n := range given {
		if n.Kind == NoticeRenewal && (latest == 0 || n.Days < latest) {
			latest = n.Days
		}
	}
	var due *Notice
	next := ""
	for _, d := range intervals {
		if latest != 0 && d >= latest {
			continue
		}
		// A notice earlier than the term's start waits for the start.
		on := max(formatDate(end.AddDate(0, 0, -d)), c.SignedOn)
		if on <= today {
			due = &Notice{OrgID: c.OrgID, ContractID: c.ID, Kind: NoticeRenewal, Days: d, DueOn: on}
		} else if next == "" {
			next = on
		}
	}
	return due, next
}

// surveyPlan returns the licence survey notice due on today for c and the
// next day one falls due after today. At each anniversary, the first day of
// every contract year but a first term's first, the customer is asked for
// its licence count, to answer within remind days; unanswered then, it is
// reminded once. A year whose survey was never asked (a term recorded
// late) is asked only while it lasts. A cancelled term asks nothing more.
func surveyPlan(c Contract, given []Notice, surveyed []int, remind int, today string) (*Notice, string) {
	signed, err := time.Parse(time.DateOnly, c.SignedOn)
	if err != nil || c.CancelledOn != "" {
		return nil, ""
	}
	asked, reminded := map[int]bool{}, map[int]bool{}
	for _, n := range given {
		switch n.Kind {
		case NoticeSurvey:
			asked[n.Year] = true
		case NoticeSurveyReminder:
			reminded[n.Year] = true
		}
	}
	var due *Notice
	next := ""
	later := func(day string) {
		if next == "" || day < next {
			next = day
		}
	}
	for _, n := range given {
		if n.Kind != NoticeSurvey || reminded[n.Year] || slices.Contains(surveyed, n.Year) {
			continue
		}
		switch {
		case n.AnswerBy > today:
			later(n.AnswerBy)
		case due == nil:
			due = &Notice{OrgID: c.OrgID, ContractID: c.ID, Kind: NoticeSurveyReminder, Year: n.Year, DueOn: n.AnswerBy, AnswerBy: n.AnswerBy}
		}
	}
	for _, y := range Years(signed, c.Years) {
		if (y.Number == 1 && c.PreviousID == "") || asked[y.Number] {
			continue
		}
		switch {
		case y.StartsOn > today:
			later(y.StartsOn)
		case today <= y.EndsOn && due == nil:
			t, _ := time.Parse(time.DateOnly, today)
			due = &Notice{OrgID: c.OrgID, ContractID: c.ID, Kind: NoticeSurvey, Year: y.Number, DueOn: y.StartsOn,
				AnswerBy: formatDate(t.AddDate(0, 0, remind))}
		}
	}
	return due, next
}

// plan returns the notice of job due for cd on today, and the next day one
// falls due after today.
func (s *Service) plan(job string, cd Cadence, today string) (*Notice, string) {
	switch job {
	case RenewalJob:
		return renewalPlan(cd.Contract, cd.Notices, s.cfg.RenewalNotices, today)
	case SurveyJob:
		return surveyPlan(cd.Contract, cd.Notices, cd.Surveyed, s.cfg.SurveyReminder, today)
	}
	return nil, ""
}

// nextRun is when job should look at cd next: now when a notice is due,
// else the start of the day the next one falls due in the vendor's zone,
// else never (zero).
func (s *Service) nextRun(job string, cd Cadence, now time.Time) time.Time {
	due, next := s.plan(job, cd, s.today(now))
	switch {
	case due != nil:
		return now.UTC()
	case next == "":
		return time.Time{}
	}
	d, _ := time.Parse(time.DateOnly, next)
	return time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, s.cfg.Zone).UTC()
}

// schedule returns the timers of both jobs of cd's term as they stand at now.
func (s *Service) schedule(cd Cadence, now time.Time) []Timer {
	return []Timer{
		{ContractID: cd.Contract.ID, Kind: RenewalJob, At: s.nextRun(RenewalJob, cd, now)},
		{ContractID: cd.Contract.ID, Kind: SurveyJob, At: s.nextRun(SurveyJob, cd, now)},
	}
}

// Mail is a notice to post: the notice with its recipients, and what its
// letters say.
type Mail struct {
	Notice   Notice
	Contract Contract
	Customer string // the customer's name
	Reseller string // the reseller's name, for renewal notices of a term sold by one
	Year     Year   // surveys and reminders: the contract year asked about
}

// Post mails a notice before it is recorded. It must be idempotent: a job
// that stopped between posting and recording posts again (notify.Post
// queues a topic once per recipient).
type Post func(ctx context.Context, now time.Time, m Mail) error

// Tell gives the notice of kind job that is due for term id at now, if
// any: it decides what is due and to whom, posts it, then records it with
// its audit event and sets the job's next run, with the customer locked
// and the decision taken again on what is stored then. A run that finds the
// notice recorded posts nothing; a term renewed or cancelled meanwhile is
// not recorded as told. Only the system (the jobs) gives notices.
func (s *Service) Tell(ctx context.Context, now time.Time, job string, id accord.ID, post Post) error {
	const op = "contracts.Tell"
	a, err := accord.ActorFrom(ctx)
	if err != nil {
		return err
	}
	if !a.System {
		return forbidden(op, "only Accord's jobs give notices")
	}
	if job != RenewalJob && job != SurveyJob {
		return fmt.Errorf("%s: unknown job %q", op, job)
	}
	cd, err := s.store.Cadence(ctx, id)
	if err != nil {
		return accord.Wrap(op, err)
	}
	today := s.today(now)
	n, _ := s.plan(job, cd, today)
	if n != nil {
		m, err := s.mail(ctx, now, cd.Contract, *n)
		if err != nil {
			return accord.Wrap(op, err)
		}
		if len(m.Notice.Recipients) > 0 {
			if err := post(ctx, now, m); err != nil {
				return accord.Wrap(op, err)
			}
		}
		n = &m.Notice
	}
	err = s.store.Tell(ctx, id, func(fresh Cadence) (Told, error) {
		t := Told{Now: now.UTC(), Next: Timer{ContractID: id, Kind: job}}
		if due, _ := s.plan(job, fresh, today); n != nil && due != nil && due.same(*n) {
			told := *n
			told.SentAt = now.UTC().Truncate(time.Microsecond)
			t.Notice = &told
			t.Event = audit.New(a, now, fresh.Contract.OrgID, told.action(), "contract", id, told.changes())
			fresh.Notices = append(fresh.Notices, told)
		}
		t.Next.At = s.nextRun(job, fresh, now)
		return t, nil
	})
	return accord.Wrap(op, err)
}

// mail finds the recipients of n about c and what its letters say. The
// customer's active authorized contacts get every notice; renewal notices
// also go to the reseller's partner agents who may read the customer now
// (the partner still serves it and they hold a valid certification) and to
// the account owner while active vendor staff.
func (s *Service) mail(ctx context.Context, now time.Time, c Contract, n Notice) (Mail, error) {
	sys := system(ctx)
	m := Mail{Notice: n, Contract: c}
	m.Notice.Recipients = []Recipient{}
	org, err := s.dir.GetOrganization(sys, now, c.OrgID)
	if err != nil {
		return m, err
	}
	m.Customer = org.Name
	seen := map[accord.ID]bool{}
	add := func(u directory.User) {
		if !seen[u.ID] {
			seen[u.ID] = true
			m.Notice.Recipients = append(m.Notice.Recipients, Recipient{UserID: u.ID, Name: u.Name, Role: u.Role})
		}
	}
	contacts, err := s.activeUsers(sys, now, c.OrgID, accord.RoleCustomerContact)
	if err != nil {
		return m, err
	}
	for _, u := range contacts {
		if u.AuthorizedContact {
			add(u)
		}
	}
	if n.Kind != NoticeRenewal {
		signed, _ := time.Parse(time.DateOnly, c.SignedOn)
		if years := Years(signed, c.Years); n.Year >= 1 && n.Year <= len(years) {
			m.Year = years[n.Year-1]
		}
		return m, nil
	}
	if c.PartnerID != "" {
		agents, err := s.readers(ctx, now, c)
		if err != nil {
			return m, err
		}
		for _, u := range agents {
			add(u)
		}
		if p, err := s.dir.GetOrganization(sys, now, c.PartnerID); err == nil {
			m.Reseller = p.Name
		} else if !accord.IsKind(err, accord.NotFound) {
			return m, err
		}
	}
	if c.AccountOwnerID != "" {
		u, err := s.dir.GetUser(sys, now, c.AccountOwnerID)
		switch {
		case err == nil && u.Active && staff(u.Role):
			add(u)
		case err != nil && !accord.IsKind(err, accord.NotFound):
			return m, err
		}
	}
	return m, nil
}

// readers returns the reseller's partner agents who may read c's customer
// at now.
func (s *Service) readers(ctx context.Context, now time.Time, c Contract) ([]directory.User, error) {
	serves, err := s.dir.PartnerServes(ctx, c.PartnerID, c.OrgID)
	if err != nil || !serves {
		return nil, err
	}
	agents, err := s.activeUsers(system(ctx), now, c.PartnerID, accord.RolePartnerAgent)
	if err != nil {
		return nil, err
	}
	out := agents[:0]
	for _, u := range agents {
		as := accord.WithActor(ctx, accord.Actor{UserID: u.ID, OrgID: u.OrgID, Role: u.Role, Name: u.Name})
		scope, err := s.dir.Scope(as, now)
		if accord.IsKind(err, accord.Forbidden) {
			continue // no valid certification
		} else if err != nil {
			return nil, err
		}
		if scope.Allows(c.OrgID) {
			out = append(out, u)
		}
	}
	return out, nil
}

// activeUsers lists the active users of org with role.
func (s *Service) activeUsers(ctx context.Context, now time.Time, org accord.ID, role accord.Role) ([]directory.User, error) {
	yes := true
	f := directory.UserFilter{OrgID: &org, Role: &role, Active: &yes}
	var all []directory.User
	p := accord.Page{Limit: accord.MaxLimit}
	for {
		l, next, err := s.dir.ListUsers(ctx, now, f, p)
		if err != nil {
			return nil, err
		}
		all = append(all, l...)
		if next == "" {
			return all, nil
		}
		p.Cursor = next
	}
}

// staff reports whether role may own an account: vendor administrators and
// agents.
func staff(role accord.Role) bool { return role == accord.RoleAdmin || role == accord.RoleAgent }

// Notices lists the notices given about a term, oldest first.
func (s *Service) Notices(ctx context.Context, now time.Time, contractID accord.ID) ([]Notice, error) {
	_, scope, err := s.scoped(ctx, now)
	if err != nil {
		return nil, err
	}
	if _, err := s.store.GetContract(ctx, scope, contractID); err != nil {
		return nil, err
	}
	return s.store.ListNotices(ctx, scope, contractID)
}
