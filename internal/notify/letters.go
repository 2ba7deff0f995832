package notify

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"text/template"
	"time"

	"accord/internal/accord"
	"accord/internal/directory"
	"accord/internal/lang"
)

// Letter is mail to one person about something other than a case entry: a
// contract's renewal, a licence survey, an invitation.
type Letter struct {
	Kind   string    // names its templates: "<Kind>.subject" and "<Kind>.body"
	Topic  string    // what it is about; queued once per Topic and recipient, ever
	OrgID  accord.ID // the organization it concerns
	UserID accord.ID // the recipient, active or not: the caller decides who
	// Facts are what the templates show, as {{.Facts.name}}; a lang.Text
	// (a plan's name) shows in the recipient's language.
	Facts map[string]any
	// Link is a path under BaseURL the letter points to; the templates
	// show the full URL as {{.Link}}.
	Link string
	// Secret letters carry a single-use link that Config.Links mints when
	// the letter is delivered, so that it is never stored in the clear.
	Secret bool
}

// linkMark stands in a secret letter's stored body where the minted link
// goes at delivery.
const linkMark = "<accord:secret-link>"

// letterView is what a letter's templates show, for one recipient.
type letterView struct {
	Name   string
	Vendor bool // the recipient is vendor or partner staff
	Facts  map[string]any
	Link   string
}

// Post renders each letter for its recipient, in the recipient's language
// and zone, and queues it for delivery in one transaction. A letter whose
// topic was queued before for the same recipient is skipped, so a job that
// posts twice mails once. Without SMTP it does nothing.
func (s *Service) Post(ctx context.Context, now time.Time, letters ...Letter) error {
	if s.smtp == nil || len(letters) == 0 {
		return nil
	}
	ctx = system(ctx)
	msgs := make([]Message, 0, len(letters))
	for _, l := range letters {
		if l.Kind == "" || l.Topic == "" || l.OrgID == "" || l.UserID == "" {
			return fmt.Errorf("notify: letter %q about %q to %q: kind, topic, organization and recipient are required", l.Kind, l.Topic, l.UserID)
		}
		u, err := s.dir.GetUser(ctx, now, l.UserID)
		if err != nil {
			return fmt.Errorf("notify: recipient of %s: %w", l.Topic, err)
		}
		if u.Email == "" {
			continue
		}
		m := Message{
			ID: accord.NewID("msg"), OrgID: l.OrgID, Topic: l.Topic, Event: l.Kind, UserID: u.ID, To: u.Email,
			Locale: localeOf(u), Secret: l.Secret, ReplyToken: token(), CreatedAt: now,
		}
		m.MessageID = fmt.Sprintf("%s@%s", m.ID, s.domain)
		v := letterView{Name: u.Name, Vendor: u.Role.Vendor() || u.Role == accord.RolePartnerAgent, Facts: factsIn(l.Facts, m.Locale)}
		switch {
		case l.Secret:
			v.Link = linkMark
		case l.Link != "":
			v.Link = s.cfg.BaseURL + l.Link
		}
		if m.Subject, m.Body, err = renderLetter(m.Locale, s.zoneOf(u), l.Kind, v); err != nil {
			return err
		}
		msgs = append(msgs, m)
	}
	return s.store.Queue(ctx, now, msgs)
}

// factsIn is facts with each lang.Text in loc.
func factsIn(facts map[string]any, loc string) map[string]any {
	out := make(map[string]any, len(facts))
	for k, v := range facts {
		if t, ok := v.(lang.Text); ok {
			v = t.In(loc)
		}
		out[k] = v
	}
	return out
}

// zoneOf is where u reads times: their own zone, else the vendor's.
func (s *Service) zoneOf(u directory.User) *time.Location {
	if z, err := time.LoadLocation(u.TimeZone); u.TimeZone != "" && err == nil {
		return z
	}
	return s.cfg.Zone
}

// renderLetter gives the subject and plain-text body of a letter of kind in
// locale, with dates and instants shown in zone.
func renderLetter(locale string, zone *time.Location, kind string, v letterView) (subject, body string, err error) {
	t, ok := templates[locale]
	if !ok {
		t = templates[DefaultLocale]
	}
	t, err = t.Clone()
	if err != nil {
		return "", "", err
	}
	t.Funcs(template.FuncMap{
		"day":  func(x any) (string, error) { return showDay(locale, x) },
		"when": func(x any) (string, error) { return showInstant(locale, zone, x) },
	})
	var sb, bb bytes.Buffer
	if err := t.ExecuteTemplate(&sb, kind+".subject", v); err != nil {
		return "", "", fmt.Errorf("notify: subject of %s in %s: %w", kind, locale, err)
	}
	if err := t.ExecuteTemplate(&bb, kind+".body", v); err != nil {
		return "", "", fmt.Errorf("notify: body of %s in %s: %w", kind, locale, err)
	}
	return strings.Join(strings.Fields(sb.String()), " "), tidy(bb.String()), nil
}

// dayLayout is how locale writes a date.
func dayLayout(locale string) string {
	if locale == "en-US" {
		return "Jan 2, 2006"
	}
	return "02/01/2006"
}

// showDay writes a date (a time.Time or a "YYYY-MM-DD" string) as locale
// does.
func showDay(locale string, x any) (string, error) {
	var d time.Time
	switch x := x.(type) {
	case time.Time:
		d = x
	case *time.Time:
		if x == nil {
			return "", nil
		}
		d = *x
	case string:
		var err error
		if d, err = time.Parse(time.DateOnly, x); err != nil {
			return "", fmt.Errorf("day: %q is not a date", x)
		}
	default:
		return "", fmt.Errorf("day: %T is not a date", x)
	}
	return d.Format(dayLayout(locale)), nil
}

// showInstant writes an instant in zone, with the zone named, as the case
// mail's due times are written.
func showInstant(locale string, zone *time.Location, x any) (string, error) {
	var t time.Time
	switch x := x.(type) {
	case time.Time:
		t = x
	case *time.Time:
		if x == nil {
			return "", nil
		}
		t = *x
	default:
		return "", fmt.Errorf("when: %T is not an instant", x)
	}
	return view{DueAt: &t, locale: locale, zone: zone}.Due(), nil
}

// stale says why m must not be sent now, if it must not: mail tells only
// what its recipient may still read. A secret letter goes to people who may
// not be signed in yet (an invitation, a reset); its link decides.
func (s *Service) stale(ctx context.Context, now time.Time, m Message) (string, error) {
	if m.Secret {
		return "", nil
	}
	u, err := s.dir.GetUser(ctx, now, m.UserID)
	if accord.IsKind(err, accord.NotFound) {
		return "the recipient is no longer a user", nil
	}
	if err != nil {
		return "", fmt.Errorf("notify: recipient of %s: %w", m.ID, err)
	}
	ok, err := s.mayRead(ctx, now, u, m.OrgID)
	if err != nil || ok {
		return "", err
	}
	if !u.Active {
		return "the recipient is deactivated", nil
	}
	return "the recipient may no longer read this organization's records", nil
}

// mayRead reports whether u, active, may read org's records at now, by the
// same scope the API applies to u.
func (s *Service) mayRead(ctx context.Context, now time.Time, u directory.User, org accord.ID) (bool, error) {
	if !u.Active {
		return false, nil
	}
	scope, err := s.dir.Scope(accord.WithActor(ctx, u.Actor()), now)
	if accord.IsKind(err, accord.Forbidden) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("notify: scope of %s: %w", u.ID, err)
	}
	return scope.Allows(org), nil
}

// mint puts a secret letter's link into its body, or says why the letter
// no longer applies.
func (s *Service) mint(ctx context.Context, now time.Time, m *Message) (why string, err error) {
	if s.cfg.Links == nil {
		return "no link minter is configured for secret letters", nil
	}
	path, err := s.cfg.Links.MintLink(ctx, now, m.Event, m.Topic, m.UserID)
	if accord.IsKind(err, accord.Conflict) || accord.IsKind(err, accord.NotFound) {
		return "the link no longer applies: " + accord.Public(err).Msg, nil
	}
	if err != nil {
		return "", fmt.Errorf("notify: link of %s: %w", m.ID, err)
	}
	m.Body = strings.ReplaceAll(m.Body, linkMark, s.cfg.BaseURL+path)
	return "", nil
}
