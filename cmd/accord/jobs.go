package main

import (
	"context"
	"time"

	"accord/internal/cases"
	"accord/internal/contracts"
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
	return h
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
