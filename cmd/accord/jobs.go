package main

import (
	"context"
	"time"

	"accord/internal/accord"
	"accord/internal/cases"
	"accord/internal/contracts"
	"accord/internal/directory"
	"accord/internal/jobs"
	"accord/internal/notify"
)

// jobHandlers maps each kind of job to the service that does it.
func (s *services) jobHandlers() map[string]jobs.Handler {
	h := map[string]jobs.Handler{}
	for _, k := range []cases.TimerKind{cases.WarnTimer, cases.BreachTimer, cases.CloseTimer} {
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
	h[cases.MentionMailJob] = func(ctx context.Context, now time.Time, j jobs.Job) error {
		return s.mailSignal(ctx, now, j.SubjectID, false)
	}
	h[cases.RatingLetterJob] = func(ctx context.Context, now time.Time, j jobs.Job) error {
		return s.mailSignal(ctx, now, j.SubjectID, true)
	}
	return h
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
	plan := c.Plan
	if p, err := (contracts.PolicyPlans{Policy: s.policy}).Plan(ctx, c.Plan); err == nil {
		plan = p.Name
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
