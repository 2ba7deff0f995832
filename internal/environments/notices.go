package environments

import (
	"context"
	"slices"
	"strconv"
	"time"

	"accord/internal/accord"
	"accord/internal/audit"
)

// NoticeJob is the kind of the durable job that mails a notice to its
// customer's contacts.
const NoticeJob = "environment.notice"

// NoticeLetter is the kind of the letters a notice is mailed as
// (templates in internal/notify/templates).
const NoticeLetter = "environment.notice"

// NoticeKind says what a notice announces.
type NoticeKind string

const (
	// Incident: an incident affecting users (004 "Operations", "Monitoring
	// and control").
	Incident NoticeKind = "incident"
	// ProviderMaintenance: the cloud provider's scheduled, non-interruptible
	// maintenance (004 "Operations").
	ProviderMaintenance NoticeKind = "provider_maintenance"
	// MaintenanceShutdown: the vendor stops the service for maintenance.
	MaintenanceShutdown NoticeKind = "maintenance_shutdown"
	// Release: a new version of the software is available (001 section 11).
	Release NoticeKind = "release"
)

// NoticeKinds lists every kind.
var NoticeKinds = []NoticeKind{Incident, ProviderMaintenance, MaintenanceShutdown, Release}

func (k NoticeKind) valid() bool { return slices.Contains(NoticeKinds, k) }

// Notice is what one customer is told about some of its environments. A
// publication to the environments of several customers makes one notice
// per customer, sharing PublicationID.
type Notice struct {
	ID            accord.ID   `json:"id"`
	OrgID         accord.ID   `json:"org_id"`
	PublicationID accord.ID   `json:"publication_id"`
	Kind          NoticeKind  `json:"kind"`
	Title         string      `json:"title"`
	Body          string      `json:"body"`
	StartsAt      time.Time   `json:"starts_at"`
	EndsAt        time.Time   `json:"ends_at"`
	Environments  []accord.ID `json:"environments"`
	PublishedBy   accord.ID   `json:"published_by,omitempty"`
	PublishedName string      `json:"published_name"`
	PublishedAt   time.Time   `json:"published_at"`
}

// Current reports whether the notice is still shown at now: until it ends.
func (n Notice) Current(now time.Time) bool { return now.Before(n.EndsAt) }

// NewNotice is the input to Publish.
type NewNotice struct {
	Kind         NoticeKind  `json:"kind"`
	Title        string      `json:"title"`
	Body         string      `json:"body"`
	StartsAt     time.Time   `json:"starts_at"`
	EndsAt       time.Time   `json:"ends_at"`
	Environments []accord.ID `json:"environments"`
}

// NoticeFilter narrows a list of notices.
type NoticeFilter struct {
	OrgID         accord.ID
	EnvironmentID accord.ID
	// EndsAfter leaves out the notices ended by then; zero keeps all.
	EndsAfter time.Time
}

// MaxNoticeEnvironments bounds the environments of one publication.
const MaxNoticeEnvironments = 500

// Publish tells the customers of the chosen environments: one notice per
// customer, mailed to its contacts by a job. Vendor staff only.
func (s *Service) Publish(ctx context.Context, now time.Time, in NewNotice) ([]Notice, error) {
	const op = "environments.Publish"
	a, err := s.staff(ctx, op)
	if err != nil {
		return nil, err
	}
	now = now.UTC().Truncate(time.Microsecond)
	if !in.Kind.valid() {
		return nil, accord.FieldError("kind", "must be one of %v", NoticeKinds)
	}
	if in.Title, err = text("title", in.Title, true, 200, false); err != nil {
		return nil, err
	}
	if in.Body, err = text("body", in.Body, true, 10000, true); err != nil {
		return nil, err
	}
	if in.StartsAt.IsZero() {
		return nil, accord.FieldError("starts_at", "is required")
	}
	if in.EndsAt.IsZero() {
		return nil, accord.FieldError("ends_at", "is required")
	}
	if err := accord.CheckInstant("starts_at", in.StartsAt); err != nil {
		return nil, err
	}
	if err := accord.CheckInstant("ends_at", in.EndsAt); err != nil {
		return nil, err
	}
	if !in.EndsAt.After(in.StartsAt) {
		return nil, accord.FieldError("ends_at", "must be after starts_at")
	}
	if !in.EndsAt.After(now) {
		return nil, accord.FieldError("ends_at", "is in the past; a notice is shown until it ends")
	}
	if len(in.Environments) == 0 {
		return nil, accord.FieldError("environments", "name at least one environment")
	}
	if len(in.Environments) > MaxNoticeEnvironments {
		return nil, accord.FieldError("environments", "name at most %d environments", MaxNoticeEnvironments)
	}
	pub := accord.NewID("pub")
	byOrg := map[accord.ID]*Notice{}
	var out []*Notice
	for i, id := range in.Environments {
		e, err := s.store.GetEnvironment(ctx, accord.Scope{All: true}, id)
		if accord.IsKind(err, accord.NotFound) {
			return nil, accord.FieldError("environments["+strconv.Itoa(i)+"]", "no such environment")
		} else if err != nil {
			return nil, err
		}
		n, ok := byOrg[e.OrgID]
		if !ok {
			n = &Notice{ID: accord.NewID("ntc"), OrgID: e.OrgID, PublicationID: pub, Kind: in.Kind, Title: in.Title, Body: in.Body,
				StartsAt: in.StartsAt.UTC().Truncate(time.Microsecond), EndsAt: in.EndsAt.UTC().Truncate(time.Microsecond),
				PublishedBy: a.UserID, PublishedName: a.Name, PublishedAt: now}
			if a.System && n.PublishedName == "" {
				n.PublishedName = "system"
			}
			byOrg[e.OrgID] = n
			out = append(out, n)
		}
		if !slices.Contains(n.Environments, e.ID) {
			n.Environments = append(n.Environments, e.ID)
		}
	}
	notices := make([]Notice, len(out))
	events := make([]audit.Event, len(out))
	for i, n := range out {
		notices[i] = *n
		var ch audit.Changes
		ch.Add("kind", nil, n.Kind)
		ch.Add("title", nil, n.Title)
		ch.Add("body", nil, n.Body)
		ch.Add("starts_at", nil, n.StartsAt)
		ch.Add("ends_at", nil, n.EndsAt)
		ch.Add("environments", nil, n.Environments)
		ch.Add("publication_id", nil, n.PublicationID)
		events[i] = audit.New(a, now, n.OrgID, "notice.publish", "notice", n.ID, ch)
	}
	if err := s.store.CreateNotices(ctx, notices, events); err != nil {
		return nil, err
	}
	return notices, nil
}

// Notices lists the notices the actor may read, newest first.
func (s *Service) Notices(ctx context.Context, f NoticeFilter) ([]Notice, error) {
	_, scope, err := s.scoped(ctx, s.cfg.Now())
	if err != nil {
		return nil, err
	}
	return s.store.ListNotices(ctx, scope, f)
}

// Notice returns a notice the actor may read.
func (s *Service) Notice(ctx context.Context, id accord.ID) (Notice, error) {
	_, scope, err := s.scoped(ctx, s.cfg.Now())
	if err != nil {
		return Notice{}, err
	}
	return s.store.GetNotice(ctx, scope, id)
}

// Alerts lists the operations alerts, newest first. Vendor staff
// (auditors included) only: alerts are the vendor's work list.
func (s *Service) Alerts(ctx context.Context, f AlertFilter) ([]Alert, error) {
	a, err := accord.ActorFrom(ctx)
	if err != nil {
		return nil, err
	}
	if !a.IsVendor() {
		return nil, forbidden("environments.Alerts", "operations alerts are for the vendor's staff")
	}
	return s.store.Alerts(ctx, accord.Scope{All: true}, f)
}
