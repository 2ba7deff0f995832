package environments

import (
	"context"
	"strings"
	"time"

	ics "github.com/arran4/golang-ical"

	"accord/internal/accord"
	"accord/internal/directory"
)

// feedHistory is how far back notices stay in a calendar feed, as the
// sessions of engagements do.
const feedHistory = 90 * 24 * time.Hour

// AddNotices adds to a customer contact's calendar feed the notices to
// the contact's customer that have not ended more than 90 days ago, read
// through scope (the owner's, at now), as events from start to end. Other
// owners' feeds get none: notices are for customers. baseURL, when set,
// links each event to the notices page.
func (s *Service) AddNotices(ctx context.Context, now time.Time, owner directory.User, scope accord.Scope, cal *ics.Calendar, baseURL string) error {
	if owner.Role != accord.RoleCustomerContact {
		return nil
	}
	l, err := s.store.ListNotices(ctx, scope, NoticeFilter{OrgID: owner.OrgID, EndsAfter: now.Add(-feedHistory)})
	if err != nil {
		return accord.Wrap("environments.AddNotices", err)
	}
	for _, n := range l {
		ev := cal.AddEvent(string(n.ID) + "@accord")
		ev.SetDtStampTime(now.UTC())
		ev.SetModifiedAt(n.PublishedAt)
		ev.SetStartAt(n.StartsAt)
		ev.SetEndAt(n.EndsAt)
		ev.SetSummary(noticeSummary[n.Kind] + ": " + n.Title)
		desc := n.Body
		if baseURL != "" {
			link := strings.TrimRight(baseURL, "/") + "/notices"
			ev.SetURL(link)
			desc += "\n\n" + link
		}
		ev.SetDescription(desc)
		ev.SetStatus(ics.ObjectStatusConfirmed)
	}
	return nil
}

// noticeSummary names each kind in feeds, which calendars show to anyone
// the feed is shared with, in one language.
var noticeSummary = map[NoticeKind]string{
	Incident:            "Incident",
	ProviderMaintenance: "Cloud provider maintenance",
	MaintenanceShutdown: "Maintenance shutdown",
	Release:             "New version",
}
