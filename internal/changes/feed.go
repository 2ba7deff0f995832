package changes

import (
	"context"
	"fmt"
	"strings"
	"time"

	ics "github.com/arran4/golang-ical"

	"accord/internal/accord"
	"accord/internal/directory"
)

// feedHistory and feedAhead bound what a calendar feed shows.
const (
	feedHistory = 90 * 24 * time.Hour
	feedAhead   = 120 * 24 * time.Hour
)

// FeedEvents adds to a user's calendar feed the changes they take part in
// and, for a customer's contact, the maintenance windows of their
// environments, as scope (the owner's, when the feed is read) allows. A
// customer's contacts take part in every change of their environments;
// the vendor's people in those they requested, implement or approved.
func (s *Service) FeedEvents(ctx context.Context, now time.Time, owner directory.User, scope accord.Scope, cal *ics.Calendar) error {
	list, _, err := s.store.List(ctx, scope, Filter{From: now.Add(-feedHistory)}, accord.Page{Limit: accord.MaxLimit})
	if err != nil {
		return err
	}
	customer := owner.Role == accord.RoleCustomerContact
	for _, c := range list {
		if c.PlannedStart == nil || c.State == Draft || !(customer && c.OrgID == owner.OrgID || takesPart(owner.ID, c)) {
			continue
		}
		ev := cal.AddEvent(string(c.ID) + "@accord")
		ev.SetDtStampTime(now.UTC())
		ev.SetModifiedAt(c.UpdatedAt.UTC())
		ev.SetStartAt(c.PlannedStart.UTC())
		ev.SetEndAt(c.End().UTC())
		summary := "Change: " + c.Title + " (" + c.EnvironmentName + ")"
		if c.NeedsShutdown {
			summary += ", shutdown"
		}
		ev.SetSummary(summary)
		desc := []string{"State: " + string(c.State)}
		if c.Type != "" {
			desc = append(desc, "Type: "+string(c.Type))
		}
		if s.cfg.BaseURL != "" {
			link := strings.TrimRight(s.cfg.BaseURL, "/") + "/changes/" + string(c.ID)
			ev.SetURL(link)
			desc = append(desc, link)
		}
		ev.SetDescription(strings.Join(desc, "\n"))
		// Until it is scheduled (approved by both sides, its slot
		// confirmed) the change may still move or be refused.
		switch c.State {
		case Cancelled:
			ev.SetStatus(ics.ObjectStatusCancelled)
		case Submitted, Assessed, Approved:
			ev.SetStatus(ics.ObjectStatusTentative)
		default:
			ev.SetStatus(ics.ObjectStatusConfirmed)
		}
	}
	if !customer {
		return nil
	}
	ws, err := s.store.Windows(ctx, accord.OnlyOrg(owner.OrgID), "")
	if err != nil || !scope.Allows(owner.OrgID) {
		return err
	}
	for _, w := range ws {
		r, err := ParseRule(w.Rule)
		if err != nil {
			return fmt.Errorf("changes: stored window %s: %w", w.ID, err)
		}
		zone, err := time.LoadLocation(w.Zone)
		if err != nil {
			return err
		}
		for _, o := range r.Occurrences(zone, now, now.Add(feedAhead)) {
			ev := cal.AddEvent(fmt.Sprintf("%s-%d@accord", w.ID, o.From.Unix()))
			ev.SetDtStampTime(now.UTC())
			ev.SetModifiedAt(w.CreatedAt.UTC())
			ev.SetStartAt(o.From.UTC())
			ev.SetEndAt(o.To.UTC())
			ev.SetSummary("Maintenance window (" + w.Rule + ", " + w.Zone + ")")
			ev.SetDescription("Agreed by " + w.VendorAgreedBy + " and " + w.CustomerAgreedBy)
			ev.SetStatus(ics.ObjectStatusConfirmed)
		}
	}
	return nil
}

func takesPart(user accord.ID, c Change) bool {
	if user == c.RequestedByID || user == c.ImplementerID {
		return true
	}
	for _, ap := range c.Approvals {
		if ap.UserID == user {
			return true
		}
	}
	return false
}
