package signals

import (
	"context"
	"fmt"
	"time"

	"accord/internal/accord"
	"accord/internal/cases"
)

// reader is the signed-in person whose own notifications are read: the
// system and people without a user have none.
func (s *Service) reader(ctx context.Context, now time.Time) (accord.Actor, accord.Scope, error) {
	a, err := accord.ActorFrom(ctx)
	if err != nil {
		return a, accord.Scope{}, err
	}
	if a.UserID == "" {
		return a, accord.Scope{}, forbidden("signals", "notifications belong to a signed-in user")
	}
	scope, err := s.dir.Scope(ctx, now)
	return a, scope, err
}

// Notifications lists the actor's own notifications, newest first; only
// the unread ones when unread is true.
func (s *Service) Notifications(ctx context.Context, now time.Time, unread bool, p accord.Page) ([]Notification, string, error) {
	a, scope, err := s.reader(ctx, now)
	if err != nil {
		return nil, "", err
	}
	return s.store.Notifications(ctx, scope, a.UserID, unread, p.Normalize())
}

// Unread counts the actor's unread notifications, for the bell.
func (s *Service) Unread(ctx context.Context, now time.Time) (int, error) {
	a, scope, err := s.reader(ctx, now)
	if err != nil {
		return 0, err
	}
	return s.store.Unread(ctx, scope, a.UserID)
}

// MarkRead marks one of the actor's notifications read; another user's is
// NotFound. Marking one read twice keeps the first instant.
func (s *Service) MarkRead(ctx context.Context, now time.Time, id accord.ID) error {
	a, scope, err := s.reader(ctx, now)
	if err != nil {
		return err
	}
	return accord.Wrap("signals.MarkRead", s.store.MarkRead(ctx, scope, a.UserID, id, now.UTC()))
}

// MarkAllRead marks every unread notification of the actor read and says
// how many there were.
func (s *Service) MarkAllRead(ctx context.Context, now time.Time) (int, error) {
	a, scope, err := s.reader(ctx, now)
	if err != nil {
		return 0, err
	}
	n, err := s.store.MarkAllRead(ctx, scope, a.UserID, now.UTC())
	return n, accord.Wrap("signals.MarkAllRead", err)
}

// MentionLetter says what to mail a mentioned colleague, for the job that
// posts it; ok is false when the notification is not a mention.
func (s *Service) MentionLetter(ctx context.Context, now time.Time, id accord.ID) (Letter, bool, error) {
	n, err := s.store.Notification(ctx, id)
	if accord.IsKind(err, accord.NotFound) {
		return Letter{}, false, nil
	}
	if err != nil {
		return Letter{}, false, accord.Wrap("signals.MentionLetter", err)
	}
	if n.Kind != cases.AlertMentioned {
		return Letter{}, false, nil
	}
	return Letter{Kind: MentionLetter, Topic: string(n.ID), OrgID: n.OrgID, UserID: n.UserID,
		Facts: map[string]any{"number": n.CaseNumber, "title": n.CaseTitle, "author": n.Author},
		Link:  fmt.Sprintf("/cases/%s", n.CaseID)}, true, nil
}
