package signals

import (
	"context"
	"fmt"
	"strings"
	"time"

	"accord/internal/accord"
	"accord/internal/audit"
	"accord/internal/cases"
)

// NewRating is what a customer gives: a score from 1 to 5 and an optional
// comment.
type NewRating struct {
	Score   int    `json:"score"`
	Comment string `json:"comment"`
}

const maxComment = 2000

func (in NewRating) validate() (NewRating, error) {
	var ps []accord.Problem
	if in.Score < 1 || in.Score > 5 {
		ps = append(ps, accord.Problem{Field: "score", Msg: "must be a whole number from 1 to 5"})
	}
	in.Comment = strings.TrimSpace(in.Comment)
	if err := accord.CheckText("comment", in.Comment); err != nil {
		ps = append(ps, accord.Problem{Field: "comment", Msg: accord.Public(err).Msg})
	} else if len([]rune(in.Comment)) > maxComment {
		ps = append(ps, accord.Problem{Field: "comment", Msg: fmt.Sprintf("at most %d characters", maxComment)})
	}
	return in, accord.InvalidFields("signals.Rate", ps)
}

// errBadLink answers every rating link that does not work, whatever the
// reason (forged, used, expired, another case's), in the same words.
var errBadLink = &accord.Error{Kind: accord.NotFound, Msg: "this rating link is unknown, used or expired; you can rate the case from its page once signed in"}

// errRated refuses a second rating: the first stands.
var errRated = &accord.Error{Kind: accord.Conflict, Msg: "this case has been rated already; thank you"}

func rateable(op string, c cases.Case) error {
	if !cases.Rateable(c) {
		return &accord.Error{Kind: accord.Conflict, Op: op, Msg: "only a closed case can be rated"}
	}
	return nil
}

func newRating(c cases.Case, user accord.ID, in NewRating, via Via, now time.Time) Rating {
	closed := now
	if c.ClosedAt != nil {
		closed = *c.ClosedAt
	}
	return Rating{CaseID: c.ID, OrgID: c.OrgID, UserID: user, Score: in.Score, Comment: in.Comment, Via: via,
		AssigneeID: c.AssigneeID, Criticality: c.Criticality, ClosedAt: closed.UTC(), RatedAt: now.UTC()}
}

func ratingEvent(a accord.Actor, now time.Time, r Rating) audit.Event {
	var ch audit.Changes
	ch.Add("score", nil, r.Score)
	ch.Add("via", nil, string(r.Via))
	if r.Comment != "" {
		ch.Add("comment", nil, r.Comment)
	}
	return audit.New(a, now, r.OrgID, "case.rate", "case", r.CaseID, ch)
}

// Rate records a contact's rating of their organization's closed case from
// the portal. A case is rated once: a second rating is refused, whoever
// gives it and however.
func (s *Service) Rate(ctx context.Context, now time.Time, caseID accord.ID, in NewRating) (Rating, error) {
	const op = "signals.Rate"
	a, err := accord.ActorFrom(ctx)
	if err != nil {
		return Rating{}, err
	}
	c, err := s.cases.Get(ctx, now, caseID)
	if err != nil {
		return Rating{}, err
	}
	if a.Role != accord.RoleCustomerContact || a.OrgID != c.OrgID {
		return Rating{}, forbidden(op, "the customer's contacts rate their cases")
	}
	if in, err = in.validate(); err != nil {
		return Rating{}, err
	}
	if err := rateable(op, c); err != nil {
		return Rating{}, err
	}
	now = now.UTC()
	r := newRating(c, a.UserID, in, ViaPortal, now)
	if err := s.store.Rate(ctx, r, ratingEvent(a, now, r)); err != nil {
		return Rating{}, accord.Wrap(op, err)
	}
	return r, nil
}

// Rating returns a case's rating, to those who may read the case; a case
// not rated is NotFound.
func (s *Service) Rating(ctx context.Context, now time.Time, caseID accord.ID) (Rating, error) {
	if _, err := s.cases.Get(ctx, now, caseID); err != nil {
		return Rating{}, err
	}
	scope, err := s.scope(ctx, now)
	if err != nil {
		return Rating{}, err
	}
	return s.store.Rating(ctx, scope, caseID)
}

func (s *Service) scope(ctx context.Context, now time.Time) (accord.Scope, error) {
	a, err := accord.ActorFrom(ctx)
	if err != nil {
		return accord.Scope{}, err
	}
	if a.System {
		return accord.Scope{All: true}, nil
	}
	return s.dir.Scope(ctx, now)
}

// Invitation is what the page a rating link opens shows: the case, in the
// language of the contact the link was mailed to.
type Invitation struct {
	Case   cases.Case
	Locale string
}

// LinkCase is the case a rating link that works now is for, for the page
// the link opens, without signing in; every link that does not work gets
// the same answer (errBadLink), and so does a link used for another case.
// A case rated meanwhile from the portal is Conflict.
func (s *Service) LinkCase(ctx context.Context, now time.Time, caseID accord.ID, token string) (Invitation, error) {
	const op = "signals.LinkCase"
	sys := system(ctx)
	l, err := s.linkFor(ctx, now, caseID, token)
	if err != nil {
		// A link that existed but no longer works (used, expired, for
		// another case) still answers in its contact's language.
		if seen, ferr := s.store.RatingLinkByHash(ctx, hashToken(token)); ferr == nil && token != "" {
			if u, uerr := s.dir.GetUser(sys, now, seen.UserID); uerr == nil {
				return Invitation{Locale: u.Locale}, err
			}
		}
		return Invitation{}, err
	}
	c, err := s.cases.Get(sys, now, l.CaseID)
	if err != nil {
		return Invitation{}, accord.Wrap(op, err)
	}
	u, err := s.dir.GetUser(sys, now, l.UserID)
	if err != nil {
		return Invitation{}, accord.Wrap(op, err)
	}
	if _, err := s.store.Rating(ctx, accord.Scope{All: true}, c.ID); err == nil {
		return Invitation{Case: c, Locale: u.Locale}, errRated
	} else if !accord.IsKind(err, accord.NotFound) {
		return Invitation{}, accord.Wrap(op, err)
	}
	return Invitation{Case: c, Locale: u.Locale}, nil
}

func (s *Service) linkFor(ctx context.Context, now time.Time, caseID accord.ID, token string) (RatingLink, error) {
	if token == "" {
		return RatingLink{}, errBadLink
	}
	found, err := s.store.RatingLinkByHash(ctx, hashToken(token))
	if accord.IsKind(err, accord.NotFound) {
		return RatingLink{}, errBadLink
	}
	if err != nil {
		return RatingLink{}, accord.Wrap("signals.LinkCase", err)
	}
	if !works(found, caseID, now) {
		return RatingLink{}, errBadLink
	}
	return found, nil
}

// works says whether l may rate caseID at now.
func works(l RatingLink, caseID accord.ID, now time.Time) bool {
	return l.CaseID == caseID && l.UsedAt == nil && now.Before(l.ExpiresAt) && l.Hash != ""
}

// RateByLink records the rating given through the single-use link of the
// closing mail, without signing in: the contact it was mailed to rates the
// case it was minted for, once, before it expires. A forged, used, expired
// or other case's link is refused in the same words; a case rated from the
// portal meanwhile is refused as rated.
func (s *Service) RateByLink(ctx context.Context, now time.Time, caseID accord.ID, token string, in NewRating) (Rating, error) {
	const op = "signals.RateByLink"
	if token == "" {
		return Rating{}, errBadLink
	}
	in, err := in.validate()
	if err != nil {
		return Rating{}, err
	}
	now = now.UTC()
	sys := system(ctx)
	c, err := s.cases.Get(sys, now, caseID)
	if accord.IsKind(err, accord.NotFound) {
		return Rating{}, errBadLink
	}
	if err != nil {
		return Rating{}, accord.Wrap(op, err)
	}
	// The contact is read before the link is locked: decide must not use
	// the database, and the link's contact never changes.
	seen, err := s.linkFor(ctx, now, c.ID, token)
	if err != nil {
		return Rating{}, err
	}
	u, err := s.dir.GetUser(sys, now, seen.UserID)
	if err != nil {
		return Rating{}, accord.Wrap(op, err)
	}
	var r Rating
	err = s.store.RateByLink(ctx, hashToken(token), func(l RatingLink) (Rating, audit.Event, error) {
		if !works(l, c.ID, now) || l.UserID != u.ID {
			return Rating{}, audit.Event{}, errBadLink
		}
		if err := rateable(op, c); err != nil {
			return Rating{}, audit.Event{}, err
		}
		r = newRating(c, l.UserID, in, ViaLink, now)
		return r, ratingEvent(u.Actor(), now, r), nil
	})
	if accord.IsKind(err, accord.NotFound) {
		return Rating{}, errBadLink
	}
	if err != nil {
		return Rating{}, accord.Wrap(op, err)
	}
	return r, nil
}

// RatingLetterFor says what to mail about a rating link, for the job that
// posts it; ok is false when the link is used or expired, or its contact
// is no longer an active contact of the case's customer.
func (s *Service) RatingLetterFor(ctx context.Context, now time.Time, id accord.ID) (Letter, bool, error) {
	const op = "signals.RatingLetterFor"
	l, err := s.store.RatingLink(ctx, id)
	if accord.IsKind(err, accord.NotFound) || (err == nil && (l.UsedAt != nil || !now.Before(l.ExpiresAt))) {
		return Letter{}, false, nil
	}
	if err != nil {
		return Letter{}, false, accord.Wrap(op, err)
	}
	sys := system(ctx)
	u, err := s.dir.GetUser(sys, now, l.UserID)
	if err != nil {
		return Letter{}, false, accord.Wrap(op, err)
	}
	if !u.Active || u.Role != accord.RoleCustomerContact || u.OrgID != l.OrgID {
		return Letter{}, false, nil
	}
	c, err := s.cases.Get(sys, now, l.CaseID)
	if err != nil {
		return Letter{}, false, accord.Wrap(op, err)
	}
	return Letter{Kind: RatingLetter, Topic: string(l.ID), OrgID: l.OrgID, UserID: l.UserID,
		Facts: map[string]any{"number": c.Number, "title": c.Title, "expires_at": l.ExpiresAt}}, true, nil
}

// MintLink makes the token of a rating link as its letter is delivered and
// returns the path the letter points to. A link used, expired or not its
// letter's is NotFound, so the letter is withdrawn. Minting again (a
// delivery retried) voids the previous token. With directory.MintLink it
// provides notify.Links.
func (s *Service) MintLink(ctx context.Context, now time.Time, kind, topic string, userID accord.ID) (string, error) {
	token := randomToken()
	var path string
	err := s.store.MintRatingLink(ctx, accord.ID(topic), func(l RatingLink) (RatingLink, error) {
		if kind != RatingLetter || l.UserID != userID || l.UsedAt != nil || !now.Before(l.ExpiresAt) {
			return l, &accord.Error{Kind: accord.NotFound, Msg: "the rating link is gone"}
		}
		l.Hash, path = hashToken(token), "/rate/"+string(l.CaseID)+"/"+token
		return l, nil
	})
	if err != nil {
		return "", accord.Wrap("signals.MintLink", err)
	}
	return path, nil
}
