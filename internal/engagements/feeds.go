package engagements

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	ics "github.com/arran4/golang-ical"

	"accord/internal/accord"
	"accord/internal/audit"
)

// feedHistory is how far back a feed reaches: recent sessions stay in
// calendars, older ones drop out.
const feedHistory = 90 * 24 * time.Hour

// FeedToken hashes a feed's secret the way it is stored.
func FeedToken(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// Feed returns the actor's calendar feed; NotFound until one is made.
func (s *Service) Feed(ctx context.Context) (Feed, error) {
	a, err := accord.ActorFrom(ctx)
	if err != nil {
		return Feed{}, err
	}
	if a.UserID == "" {
		return Feed{}, forbidden("engagements.Feed", "calendar feeds belong to users")
	}
	return s.store.GetFeed(ctx, a.UserID)
}

// RotateFeed makes a new secret for the actor's calendar feed; the old one
// stops working at once. The secret is returned once and stored hashed.
func (s *Service) RotateFeed(ctx context.Context, now time.Time) (Feed, string, error) {
	a, err := accord.ActorFrom(ctx)
	if err != nil {
		return Feed{}, "", err
	}
	if a.UserID == "" {
		return Feed{}, "", forbidden("engagements.RotateFeed", "calendar feeds belong to users")
	}
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return Feed{}, "", err
	}
	secret := base64.RawURLEncoding.EncodeToString(b)
	f := Feed{UserID: a.UserID, OrgID: a.OrgID, TokenHash: FeedToken(secret), CreatedAt: stamp(now)}
	ev := audit.New(a, now, a.OrgID, "calendar_feed.rotate", "user", a.UserID, audit.Changes{{Field: "calendar_feed", After: "new secret"}})
	if err := s.store.SaveFeed(ctx, f, ev); err != nil {
		return Feed{}, "", accord.Wrap("engagements.RotateFeed", err)
	}
	return f, secret, nil
}

// Calendar writes the iCalendar (RFC 5545) feed the secret opens: an
// engineer's sessions, or for a customer's contact every session of the
// customer's engagements, in either case only those of customers the
// feed's owner may read at now. The secret is the only credential, so a
// feed of a deactivated user is NotFound like a wrong secret.
func (s *Service) Calendar(ctx context.Context, now time.Time, secret string, w io.Writer) error {
	notFound := &accord.Error{Kind: accord.NotFound, Msg: "no such calendar feed"}
	if secret == "" || len(secret) > 100 {
		return notFound
	}
	f, err := s.store.FeedByToken(ctx, FeedToken(secret))
	if accord.IsKind(err, accord.NotFound) {
		return notFound
	}
	if err != nil {
		return err
	}
	u, err := s.dir.GetUser(system(ctx), now, f.UserID)
	if accord.IsKind(err, accord.NotFound) {
		return notFound
	}
	if err != nil {
		return err
	}
	if !u.Active {
		return notFound
	}
	// The feed shows what its owner may read now, as the API would: a
	// partner's agent no longer sees a customer's sessions once its
	// certification lapses or its partner stops serving the customer.
	scope, err := s.dir.Scope(accord.WithActor(ctx, u.Actor()), now)
	if accord.IsKind(err, accord.Forbidden) {
		scope = accord.Scope{} // without a valid certification, no customer at all
	} else if err != nil {
		return err
	}
	filter := SessionFilter{EngineerID: u.ID, Scope: &scope, From: now.Add(-feedHistory)}
	name := "Accord: " + u.Name + "'s sessions"
	if u.Role == accord.RoleCustomerContact {
		filter = SessionFilter{OrgID: u.OrgID, Scope: &scope, From: now.Add(-feedHistory)}
		name = "Accord: professional services"
	}
	bookings, err := s.store.Bookings(ctx, filter)
	if err != nil {
		return err
	}
	cal := s.calendar(name, now, bookings)
	if s.cfg.More != nil {
		if err := s.cfg.More(ctx, now, u, scope, cal); err != nil {
			return err
		}
	}
	return cal.SerializeTo(w)
}

// Sessions lists the sessions that start in [from, to) of the engagements
// the actor may see, those of cancelled engagements included (their State
// says so), by start: the services calendar.
func (s *Service) Sessions(ctx context.Context, now, from, to time.Time) ([]Booking, error) {
	_, scope, err := s.scoped(ctx, now)
	if err != nil {
		return nil, err
	}
	l, err := s.store.Bookings(ctx, SessionFilter{Scope: &scope, From: from, To: to})
	if err != nil {
		return nil, accord.Wrap("engagements.Sessions", err)
	}
	return slices.DeleteFunc(l, func(b Booking) bool { return b.Start.Before(from) }), nil
}

// calendar is the feed's calendar with the bookings' sessions.
func (s *Service) calendar(name string, now time.Time, bookings []Booking) *ics.Calendar {
	cal := ics.NewCalendarFor("Accord")
	cal.SetMethod(ics.MethodPublish)
	cal.SetName(name)
	cal.SetXWRCalName(name)
	cal.SetRefreshInterval("PT1H")
	for _, b := range bookings {
		ev := cal.AddEvent(string(b.ID) + "@accord")
		ev.SetDtStampTime(now.UTC())
		ev.SetModifiedAt(b.UpdatedAt.UTC())
		ev.SetStartAt(b.Start.UTC())
		ev.SetEndAt(b.End.UTC())
		ev.SetSummary(fmt.Sprintf("%s: %s", b.ServiceName, b.OrgName))
		where := "Remote"
		if b.OnSite {
			where = "On site"
			if b.Location != "" {
				where += ": " + b.Location
			}
		} else if b.Location != "" {
			where = b.Location
		}
		ev.SetLocation(where)
		desc := []string{"Engineer: " + b.EngineerName, "Engagement: " + string(b.EngagementID)}
		if s.cfg.BaseURL != "" {
			link := strings.TrimRight(s.cfg.BaseURL, "/") + "/engagements/" + string(b.EngagementID)
			ev.SetURL(link)
			desc = append(desc, link)
		}
		ev.SetDescription(strings.Join(desc, "\n"))
		if b.State == Cancelled {
			ev.SetStatus(ics.ObjectStatusCancelled)
		} else {
			ev.SetStatus(ics.ObjectStatusConfirmed)
		}
	}
	return cal
}
