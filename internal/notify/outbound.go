package notify

import (
	"context"
	"fmt"
	"slices"
	"time"

	"accord/internal/accord"
	"accord/internal/cases"
	"accord/internal/directory"
	"accord/internal/sla"
)

// Announce is the job that tells people about a case entry: it finds the
// recipients, renders a message for each in their language and zone, and
// queues them for delivery. Running it twice queues nothing twice.
func (s *Service) Announce(ctx context.Context, now time.Time, entryID accord.ID) error {
	if s.smtp == nil {
		return nil
	}
	ctx = system(ctx)
	n, ok, err := s.cases.Notice(ctx, now, entryID)
	if err != nil || !ok {
		return err
	}
	people, err := s.recipients(ctx, now, n)
	if err != nil {
		return err
	}
	org, err := s.dir.GetOrganization(ctx, now, n.Case.OrgID)
	if err != nil {
		return fmt.Errorf("notify: customer of case %s: %w", n.Case.ID, err)
	}
	msgs := make([]Message, 0, len(people))
	for _, u := range people {
		m, err := s.compose(ctx, now, n, org, u)
		if err != nil {
			return err
		}
		msgs = append(msgs, m)
	}
	return s.store.Queue(ctx, now, msgs)
}

// compose renders the message about n for u.
func (s *Service) compose(ctx context.Context, now time.Time, n cases.Notice, org directory.Organization, u directory.User) (Message, error) {
	refs, err := s.store.Thread(ctx, n.Case.ID, u.ID, 20)
	if err != nil {
		return Message{}, err
	}
	m := Message{
		ID: accord.NewID("msg"), OrgID: n.Case.OrgID, CaseID: n.Case.ID, EntryID: n.Entry.ID, Event: string(n.Event),
		UserID: u.ID, To: u.Email, Locale: localeOf(u), References: refs, ReplyToken: token(), CreatedAt: now,
	}
	m.MessageID = fmt.Sprintf("%s.%s@%s", n.Case.ID, m.ID, s.domain)
	m.Subject, m.Body, err = render(m.Locale, n.Event, s.view(n, org, u))
	return m, err
}

// view is what a template shows.
func (s *Service) view(n cases.Notice, org directory.Organization, u directory.User) view {
	zone := s.zoneOf(u)
	v := view{
		Name: u.Name, Vendor: u.Role.Vendor() || u.Role == accord.RolePartnerAgent,
		Number: n.Case.Number, Title: n.Case.Title, Customer: org.Name,
		Type: string(n.Case.Type), Criticality: string(n.Case.Criticality), State: string(n.Case.State),
		Author: n.Entry.Author, System: n.Entry.AuthorID == "", Body: n.Entry.Body, From: n.Entry.Data.From, To: n.Entry.Data.To, Reason: n.Entry.Data.Reason, Days: n.Entry.Data.Days,
		Target:     n.Case.Clock.Target.String(),
		Warn:       int(sla.WarnShare * 100),
		Replies:    s.cfg.ReplyTo != "",
		locale:     localeOf(u),
		zone:       zone,
		CaseURL:    s.cfg.BaseURL + "/cases/" + string(n.Case.ID),
		DueAt:      n.Case.Clock.DueAt,
		Guaranteed: n.Case.Clock.Guaranteed,
	}
	if n.Event == cases.EventOpened && v.Body == "" {
		v.Body = n.Case.Description
	}
	if n.Entry.Data.DueAt != nil {
		v.DueAt = n.Entry.Data.DueAt
	}
	if n.Case.Clock.RespondedAt != nil && n.Event != cases.EventOpened && n.Event != cases.EventInternalWarning {
		v.DueAt = nil // answered: the first response's due time is no longer news
	}
	v.Feasibility, v.Repair = n.Entry.Data.Feasibility, n.Entry.Data.Repair
	for _, r := range n.Entry.Data.References {
		v.References = append(v.References, r.Value)
	}
	return v
}

// recipients are the people who hear of n, without its author.
func (s *Service) recipients(ctx context.Context, now time.Time, n cases.Notice) ([]directory.User, error) {
	aud := n.Audience()
	var ids []accord.ID
	if aud.Customer {
		l, err := s.customerPeople(ctx, now, n.Case)
		if err != nil {
			return nil, err
		}
		ids = append(ids, l...)
	}
	if aud.Vendor {
		l, err := s.vendorPeople(ctx, now, n.Case)
		if err != nil {
			return nil, err
		}
		ids = append(ids, l...)
	}
	var out []directory.User
	// People are not told what they did themselves, but for the receipt
	// of the case they opened.
	seen := map[accord.ID]bool{}
	if n.Event != cases.EventOpened {
		seen[n.Entry.AuthorID] = true
	}
	for _, id := range ids {
		if id == "" || seen[id] {
			continue
		}
		seen[id] = true
		u, err := s.dir.GetUser(ctx, now, id)
		if accord.IsKind(err, accord.NotFound) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("notify: recipient %s: %w", id, err)
		}
		if u.Email == "" {
			continue
		}
		ok, err := s.mayRead(ctx, now, u, n.Case.OrgID)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, u)
		}
	}
	return out, nil
}

// customerPeople are the customer's people on c: whoever opened it if not
// the vendor, and the customer's contacts and partner agents who wrote in
// it. A case the vendor opened by phone that nobody at the customer wrote
// in goes to the customer's authorized contacts.
func (s *Service) customerPeople(ctx context.Context, now time.Time, c cases.Case) ([]accord.ID, error) {
	var ids []accord.ID
	if c.OpenedByID != "" {
		if u, err := s.dir.GetUser(ctx, now, c.OpenedByID); err == nil && !u.Role.Vendor() {
			ids = append(ids, u.ID)
		} else if err != nil && !accord.IsKind(err, accord.NotFound) {
			return nil, fmt.Errorf("notify: opener of case %s: %w", c.ID, err)
		}
	}
	timeline, err := s.cases.Timeline(ctx, now, c.ID)
	if err != nil {
		return nil, err
	}
	for _, e := range timeline {
		if e.AuthorID != "" && e.AuthorOrg == c.OrgID && !slices.Contains(ids, e.AuthorID) {
			ids = append(ids, e.AuthorID)
		}
	}
	if len(ids) > 0 {
		return ids, nil
	}
	role, active := accord.RoleCustomerContact, true
	return s.users(ctx, now, directory.UserFilter{OrgID: &c.OrgID, Role: &role, Active: &active}, func(u directory.User) bool { return u.AuthorizedContact })
}

// vendorPeople are the case's assignee, or every active vendor agent while
// nobody has it.
func (s *Service) vendorPeople(ctx context.Context, now time.Time, c cases.Case) ([]accord.ID, error) {
	if c.AssigneeID != "" {
		return []accord.ID{c.AssigneeID}, nil
	}
	role, active := accord.RoleAgent, true
	return s.users(ctx, now, directory.UserFilter{Role: &role, Active: &active}, nil)
}

// users lists the ids of every user f matches and keep accepts.
func (s *Service) users(ctx context.Context, now time.Time, f directory.UserFilter, keep func(directory.User) bool) ([]accord.ID, error) {
	var ids []accord.ID
	p := accord.Page{Limit: 200}
	for {
		l, next, err := s.dir.ListUsers(ctx, now, f, p)
		if err != nil {
			return nil, fmt.Errorf("notify: users: %w", err)
		}
		for _, u := range l {
			if keep == nil || keep(u) {
				ids = append(ids, u.ID)
			}
		}
		if next == "" {
			return ids, nil
		}
		p.Cursor = next
	}
}

// Deliver is the job that hands one message to the SMTP server. A message
// already sent is not sent again; one whose delivery fails is retried by
// the job runner with backoff, and kept as failed after the last attempt.
// A message whose recipient may no longer read what it tells (deactivated,
// decertified, unlinked from the customer since it was written) is
// withdrawn instead, as is a secret letter whose link no longer applies.
func (s *Service) Deliver(ctx context.Context, now time.Time, id accord.ID) error {
	if s.smtp == nil {
		return fmt.Errorf("notify: mail is off (no SMTP server configured)")
	}
	ctx = system(ctx)
	m, err := s.store.Message(ctx, id)
	if err != nil {
		return err
	}
	if m.SentAt != nil || m.Delivery.Status == Withdrawn {
		return nil
	}
	why, err := s.stale(ctx, now, m)
	if err == nil && why == "" && m.Secret {
		why, err = s.mint(ctx, now, &m)
	}
	if err != nil {
		return err
	}
	if why != "" {
		return s.store.Withdraw(ctx, id, now, why)
	}
	var reply string
	if s.cfg.ReplyTo != "" && !m.Letter() {
		reply = replyAddress(s.cfg.ReplyTo, m.ReplyToken)
	}
	if err := s.smtp.Send(ctx, s.cfg.From, reply, m); err != nil {
		return err
	}
	return s.store.MarkSent(ctx, id, now)
}
