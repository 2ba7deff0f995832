package main

import (
	"context"
	"strings"
	"time"

	"accord/internal/accord"
	"accord/internal/cases"
	"accord/internal/changes"
	"accord/internal/contracts"
	"accord/internal/directory"
	"accord/internal/environments"
	"accord/internal/jobs"
	"accord/internal/knownissues"
	"accord/internal/lang"
	"accord/internal/notify"
	"accord/internal/products"
	"accord/internal/siem"
	"accord/internal/webhooks"
)

// jobHandlers maps each kind of job to the service that does it.
func (s *services) jobHandlers() map[string]jobs.Handler {
	h := map[string]jobs.Handler{}
	for _, k := range []cases.TimerKind{cases.WarnTimer, cases.BreachTimer, cases.CloseTimer, cases.InternalTimer} {
		h[string(k)] = func(ctx context.Context, now time.Time, j jobs.Job) error {
			return s.cases.Fire(ctx, now, k, j.SubjectID)
		}
	}
	h[cases.NotifyJob] = func(ctx context.Context, now time.Time, j jobs.Job) error {
		return s.notify.Announce(ctx, now, j.SubjectID)
	}
	h[notify.SendJob] = func(ctx context.Context, now time.Time, j jobs.Job) error {
		return s.notify.Deliver(ctx, now, j.SubjectID)
	}
	for _, k := range []string{contracts.RenewalJob, contracts.SurveyJob} {
		h[k] = func(ctx context.Context, now time.Time, j jobs.Job) error {
			return s.contracts.Tell(ctx, now, k, j.SubjectID, s.postNotice)
		}
	}
	h[directory.LinkJob] = func(ctx context.Context, now time.Time, j jobs.Job) error {
		return s.mailLink(ctx, now, j.SubjectID)
	}
	h[contracts.RequestLetterJob] = func(ctx context.Context, now time.Time, j jobs.Job) error {
		return s.mailContactRequest(ctx, now, j.SubjectID)
	}
	h[environments.CheckJob] = func(ctx context.Context, now time.Time, j jobs.Job) error {
		open, err := s.environments.Check(ctx, now, j.SubjectID)
		if err != nil {
			return err
		}
		return s.mailAlerts(ctx, now, open)
	}
	h[environments.NoticeJob] = func(ctx context.Context, now time.Time, j jobs.Job) error {
		return s.mailNotice(ctx, now, j.SubjectID)
	}
	h[cases.MentionMailJob] = func(ctx context.Context, now time.Time, j jobs.Job) error {
		return s.mailSignal(ctx, now, j.SubjectID, false)
	}
	h[cases.RatingLetterJob] = func(ctx context.Context, now time.Time, j jobs.Job) error {
		return s.mailSignal(ctx, now, j.SubjectID, true)
	}
	h[changes.LetterJob] = func(ctx context.Context, now time.Time, j jobs.Job) error {
		return s.mailChange(ctx, now, j.SubjectID)
	}
	h[knownissues.NoticeJob] = func(ctx context.Context, now time.Time, j jobs.Job) error {
		return s.mailKnownIssue(ctx, now, j.SubjectID)
	}
	h[products.ReleaseJob] = func(ctx context.Context, now time.Time, j jobs.Job) error {
		return s.mailRelease(ctx, now, j.SubjectID)
	}
	h[webhooks.FanoutJob] = func(ctx context.Context, now time.Time, j jobs.Job) error {
		_, err := s.webhooks.Fanout(ctx, j.SubjectID)
		return err
	}
	h[webhooks.DeliverJob] = func(ctx context.Context, now time.Time, j jobs.Job) error {
		return s.deliverWebhook(ctx, now, j.SubjectID)
	}
	h[siem.DeliverJob] = func(ctx context.Context, now time.Time, j jobs.Job) error {
		return s.siem.Deliver(ctx, now, j.SubjectID)
	}
	return h
}

// deliverWebhook makes one attempt of a webhook delivery and mails the
// owner of a subscription that its failures disabled, once per disabling.
func (s *services) deliverWebhook(ctx context.Context, now time.Time, id accord.ID) error {
	off, err := s.webhooks.Deliver(ctx, now, id)
	if err != nil || off == nil {
		return err
	}
	sub := off.Subscription
	return s.notify.Post(ctx, now, notify.Letter{Kind: webhooks.DisabledLetter, OrgID: sub.OrgID, UserID: sub.OwnerID,
		Topic: "webhook-disabled:" + string(sub.ID) + ":" + sub.UpdatedAt.Format(time.RFC3339Nano),
		Facts: map[string]any{"url": sub.URL, "reason": off.Reason}, Link: "/admin/webhooks"})
}

// mailChange tells the people of a change about one of its timeline
// entries, each in their language (templates "change.*").
func (s *services) mailChange(ctx context.Context, now time.Time, entryID accord.ID) error {
	ls, err := s.changes.Letters(ctx, now, entryID)
	if err != nil {
		return err
	}
	letters := make([]notify.Letter, len(ls))
	for i, l := range ls {
		letters[i] = notify.Letter{Kind: l.Kind, Topic: l.Topic, OrgID: l.OrgID, UserID: l.UserID, Facts: l.Facts, Link: l.Link}
	}
	return s.notify.Post(ctx, now, letters...)
}

// activeUsers lists the active users f matches.
func (s *services) activeUsers(ctx context.Context, now time.Time, f directory.UserFilter) ([]directory.User, error) {
	active := true
	f.Active = &active
	var out []directory.User
	p := accord.Page{Limit: 200}
	for {
		l, next, err := s.directory.ListUsers(ctx, now, f, p)
		if err != nil {
			return nil, err
		}
		out = append(out, l...)
		if next == "" {
			return out, nil
		}
		p.Cursor = next
	}
}

// mailAlerts mails each open operations alert to the vendor's
// administrators and agents, once per alert (its topic) and person: the
// hourly check posts them again and again, and notify keeps the first.
func (s *services) mailAlerts(ctx context.Context, now time.Time, open []environments.Alert) error {
	if len(open) == 0 {
		return nil
	}
	var staff []directory.User
	for _, role := range []accord.Role{accord.RoleAdmin, accord.RoleAgent} {
		l, err := s.activeUsers(ctx, now, directory.UserFilter{Role: &role})
		if err != nil {
			return err
		}
		staff = append(staff, l...)
	}
	var letters []notify.Letter
	for _, a := range open {
		facts := map[string]any{"environment": a.EnvironmentName, "kind": string(a.Kind), "detail": a.Detail, "raised_at": a.RaisedAt}
		for _, u := range staff {
			letters = append(letters, notify.Letter{Kind: "environment.alert", Topic: a.Topic(), OrgID: a.OrgID, UserID: u.ID,
				Facts: facts, Link: "/environments/" + string(a.EnvironmentID)})
		}
	}
	return s.notify.Post(ctx, now, letters...)
}

// mailNotice mails a notice to its customer's active contacts, each in
// their language.
func (s *services) mailNotice(ctx context.Context, now time.Time, id accord.ID) error {
	n, err := s.environments.Notice(ctx, id)
	if err != nil {
		return err
	}
	if !n.Current(now) {
		return nil // ended before it could be mailed: nobody needs it now
	}
	role := accord.RoleCustomerContact
	contacts, err := s.activeUsers(ctx, now, directory.UserFilter{OrgID: &n.OrgID, Role: &role})
	if err != nil {
		return err
	}
	var names []string
	for _, envID := range n.Environments {
		if e, err := s.environments.Get(ctx, envID); err == nil {
			names = append(names, e.Name)
		}
	}
	facts := map[string]any{"kind": string(n.Kind), "title": n.Title, "body": n.Body, "starts_at": n.StartsAt, "ends_at": n.EndsAt,
		"environments": strings.Join(names, ", ")}
	letters := make([]notify.Letter, len(contacts))
	for i, u := range contacts {
		letters[i] = notify.Letter{Kind: environments.NoticeLetter, Topic: "notice:" + string(n.ID), OrgID: n.OrgID, UserID: u.ID,
			Facts: facts, Link: "/notices"}
	}
	return s.notify.Post(ctx, now, letters...)
}

// mailSignal posts the mail of a mention (in the colleague's language,
// pointing to the case) or of a rating request, whose single-use link is
// minted when it is delivered; what no longer applies mails nothing.
func (s *services) mailSignal(ctx context.Context, now time.Time, id accord.ID, rating bool) error {
	letter, ok, err := s.signals.MentionLetter(ctx, now, id)
	if rating {
		letter, ok, err = s.signals.RatingLetterFor(ctx, now, id)
	}
	if err != nil || !ok {
		return err
	}
	return s.notify.Post(ctx, now, notify.Letter{Kind: letter.Kind, Topic: letter.Topic, OrgID: letter.OrgID, UserID: letter.UserID,
		Facts: letter.Facts, Link: letter.Link, Secret: rating})
}

// postNotice mails a contract's notice as one letter per recipient, of
// kind "contract.<notice kind>" (templates in internal/notify/templates),
// pointing to the contract's page, where a customer answers a survey.
func (s *services) postNotice(ctx context.Context, now time.Time, m contracts.Mail) error {
	c, n := m.Contract, m.Notice
	plan := lang.Plain(c.Plan)
	if _, pol, err := s.policy.Current(ctx); err == nil {
		if p, ok := pol.Plans[c.Plan]; ok {
			plan = p.Name
		}
	}
	facts := map[string]any{
		"customer": m.Customer, "reseller": m.Reseller, "plan": plan, "ends_on": c.EndsOn, "days": n.Days,
		"year": n.Year, "starts_on": m.Year.StartsOn, "answer_by": n.AnswerBy, "licences": c.Licences,
	}
	letters := make([]notify.Letter, len(n.Recipients))
	for i, r := range n.Recipients {
		letters[i] = notify.Letter{Kind: "contract." + string(n.Kind), Topic: n.Topic(), OrgID: c.OrgID, UserID: r.UserID,
			Facts: facts, Link: "/contracts/" + string(c.ID)}
	}
	return s.notify.Post(ctx, now, letters...)
}

// mailContactRequest tells the people a contact request needs, or the
// person who asked how it ended.
func (s *services) mailContactRequest(ctx context.Context, now time.Time, id accord.ID) error {
	ls, err := s.contracts.RequestLetters(ctx, now, id)
	if err != nil {
		return err
	}
	letters := make([]notify.Letter, 0, len(ls))
	for _, l := range ls {
		letters = append(letters, notify.Letter{Kind: contracts.RequestLetterKind, Topic: l.Topic, OrgID: l.OrgID, UserID: l.UserID, Facts: l.Facts, Link: l.Link})
	}
	return s.notify.Post(ctx, now, letters...)
}

// mailLink posts the letter of a new invitation or password reset, whose
// link is minted when it is delivered; a link gone meanwhile mails nothing.
func (s *services) mailLink(ctx context.Context, now time.Time, id accord.ID) error {
	l, ok, err := s.directory.LinkLetter(ctx, now, id)
	if err != nil || !ok {
		return err
	}
	return s.notify.Post(ctx, now, notify.Letter{Kind: l.Kind, Topic: l.Topic, OrgID: l.OrgID, UserID: l.UserID, Facts: l.Facts, Secret: true})
}

// mailRelease mails a published version's release notice to the
// authorized contacts of every customer with an active contract that runs
// the product, each in their language, once per version and recipient
// (the letter's topic): a job run twice, or by two processes, posts the
// same letters and notify keeps the first. The notes go as their Markdown
// source in the text mail, where nothing of them is executed.
func (s *services) mailRelease(ctx context.Context, now time.Time, versionID accord.ID) error {
	r, err := s.products.ReleaseOf(ctx, versionID)
	if err != nil {
		return err
	}
	ins, err := s.products.ListInstallations(ctx, products.InstallationFilter{ProductID: r.Product.ID})
	if err != nil {
		return err
	}
	running := map[accord.ID][]string{}
	for _, i := range ins {
		running[i.OrgID] = append(running[i.OrgID], i.Version)
	}
	role := accord.RoleCustomerContact
	var letters []notify.Letter
	for _, org := range r.Customers {
		if _, err := s.contracts.ActiveContract(ctx, now, org); accord.IsKind(err, accord.Unprocessable) || accord.IsKind(err, accord.NotFound) {
			continue // no active contract: no notice
		} else if err != nil {
			return err
		}
		contacts, err := s.activeUsers(ctx, now, directory.UserFilter{OrgID: &org, Role: &role})
		if err != nil {
			return err
		}
		facts := map[string]any{"product": r.Product.Name, "number": r.Version.Number, "released_on": r.Version.ReleasedOn,
			"end_of_support": r.Version.EndOfSupport, "notes": r.Version.Notes, "running": strings.Join(running[org], ", ")}
		for _, u := range contacts {
			if u.AuthorizedContact {
				letters = append(letters, notify.Letter{Kind: products.ReleaseLetter, Topic: "release:" + string(r.Version.ID), OrgID: org,
					UserID: u.ID, Facts: facts, Link: "/products/" + string(r.Product.ID)})
			}
		}
	}
	return s.notify.Post(ctx, now, letters...)
}
