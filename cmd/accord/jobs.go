package main

import (
	"context"
	"time"

	"accord/internal/cases"
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
	return h
}
