package main

import (
	"context"
	"time"

	"accord/internal/cases"
	"accord/internal/jobs"
)

// jobHandlers maps each kind of job to the service that does it.
func (s *services) jobHandlers() map[string]jobs.Handler {
	h := map[string]jobs.Handler{}
	for _, k := range []cases.TimerKind{cases.WarnTimer, cases.BreachTimer, cases.CloseTimer} {
		h[string(k)] = func(ctx context.Context, now time.Time, j jobs.Job) error {
			return s.cases.Fire(ctx, now, k, j.SubjectID)
		}
	}
	return h
}
