package cases

import (
	"context"
	"strings"
	"time"
	"unicode"

	"accord/internal/accord"
	"accord/internal/directory"
)

// AlertKind is why a user is notified in the app about an entry.
type AlertKind string

const (
	AlertAssigned        AlertKind = "assigned"         // the case was given to you
	AlertMentioned       AlertKind = "mentioned"        // a colleague named you in an internal note
	AlertCustomerReplied AlertKind = "customer_replied" // the customer wrote on your case
	AlertSLAWarning      AlertKind = "sla_warning"      // your case's first response is due soon
)

// AlertKinds lists every kind, in the order the documentation gives them.
var AlertKinds = []AlertKind{AlertAssigned, AlertMentioned, AlertCustomerReplied, AlertSLAWarning}

// Alert is an in-app notification a change gives one user: the store
// writes it with the change, so that a rolled-back change notifies nobody.
type Alert struct {
	UserID  accord.ID
	Kind    AlertKind
	EntryID accord.ID
}

// MentionMailJob is the kind of the job that mails a mentioned colleague;
// its subject is the notification's id.
const MentionMailJob = "notification.mail"

// alerts lists whom the entries of a change to c notify in the app. People
// are never notified of what they did themselves.
func alerts(c Case, entries []Entry) []Alert {
	var out []Alert
	add := func(user accord.ID, kind AlertKind, e Entry) {
		if user != "" && user != e.AuthorID {
			out = append(out, Alert{UserID: user, Kind: kind, EntryID: e.ID})
		}
	}
	for _, e := range entries {
		switch {
		case e.Kind == Assigned:
			add(e.Data.UserID, AlertAssigned, e)
		case e.Kind == Note:
			for _, id := range e.Data.Mentions {
				add(id, AlertMentioned, e)
			}
		case e.Kind == Reply && e.AuthorOrg != "" && e.AuthorOrg == c.OrgID:
			add(c.AssigneeID, AlertCustomerReplied, e)
		case e.Kind == SLAWarning:
			add(c.AssigneeID, AlertSLAWarning, e)
		}
	}
	return out
}

// Mentionable reports whether the writer of an internal note may mention
// u: an active colleague of the writer's own organization who works or
// reads cases, so that someone who may see the case hears of it. Vendor
// staff mention vendor staff; a partner's agents mention their partner's
// own agents, whose scope is the writer's. Customer contacts and other
// partners' agents are never mentionable.
func Mentionable(writer accord.Actor, u directory.User) bool {
	if !u.Active || u.OrgID != writer.OrgID {
		return false
	}
	switch {
	case writer.Role.Vendor():
		return u.Role.Vendor()
	case writer.Role == accord.RolePartnerAgent:
		return u.Role == accord.RolePartnerAgent
	}
	return false
}

// Mentions lists the @mentions of text, in order, each once: "@" followed
// by an address or a name without spaces, at the start of the text or
// after a character that is not part of a word (so that "ana@x.example"
// mentions nobody). Trailing punctuation is not part of a mention.
func Mentions(text string) []string {
	var out []string
	seen := map[string]bool{}
	rs := []rune(text)
	for i := 0; i < len(rs); i++ {
		if rs[i] != '@' || (i > 0 && mentionRune(rs[i-1])) {
			continue
		}
		j := i + 1
		for j < len(rs) && (mentionRune(rs[j]) || rs[j] == '@') {
			j++
		}
		m := strings.TrimRight(strings.TrimLeft(string(rs[i+1:j]), "@"), ".-_@")
		i = j - 1
		if m == "" || seen[strings.ToLower(m)] {
			continue
		}
		seen[strings.ToLower(m)] = true
		out = append(out, m)
	}
	return out
}

func mentionRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || r == '.' || r == '_' || r == '-' || r == '+'
}

// ResolveMentions matches the mentions of text with candidates the writer
// may mention: "@ana@northwind.example" by address, "@ana" or "@AnaSouza"
// by the address's part before the @, the name without spaces, or the
// first name, when exactly one candidate answers. It returns the people
// mentioned and, as written, the mentions that name nobody mentionable
// (unknown, ambiguous, or outside the case's people): the writer is told,
// and nobody else hears of them. Writers who mention themselves are
// neither notified nor told.
func ResolveMentions(writer accord.Actor, text string, candidates []directory.User) (ids []accord.ID, unknown []string) {
	for _, m := range Mentions(text) {
		key := strings.ToLower(m)
		var match []directory.User
		for _, u := range candidates {
			if !Mentionable(writer, u) {
				continue
			}
			email := strings.ToLower(u.Email)
			local, _, _ := strings.Cut(email, "@")
			name := strings.ToLower(strings.Join(strings.Fields(u.Name), ""))
			first, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(u.Name)), " ")
			if strings.Contains(key, "@") {
				if email == key {
					match = append(match, u)
				}
			} else if local == key || name == key || first == key {
				match = append(match, u)
			}
		}
		if len(match) != 1 {
			unknown = append(unknown, "@"+m)
			continue
		}
		if match[0].ID != writer.UserID && !containsID(ids, match[0].ID) {
			ids = append(ids, match[0].ID)
		}
	}
	return ids, unknown
}

func containsID(l []accord.ID, id accord.ID) bool {
	for _, x := range l {
		if x == id {
			return true
		}
	}
	return false
}

// colleagues lists the active users of the actor's own organization, whom
// a note may mention.
func (s *Service) colleagues(ctx context.Context, now time.Time, a accord.Actor) ([]directory.User, error) {
	active := true
	org := a.OrgID
	var out []directory.User
	p := accord.Page{Limit: accord.MaxLimit}
	for {
		l, next, err := s.dir.ListUsers(ctx, now, directory.UserFilter{OrgID: &org, Active: &active}, p)
		if err != nil {
			return nil, err
		}
		out = append(out, l...)
		if next == "" {
			return out, nil
		}
		p.Cursor = next
	}
}
