package views

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"accord/internal/accord"
)

// memory is a Store in a map, enough to check the service's own rules.
type memory struct {
	views []View
	prefs map[accord.ID]Preferences
}

func (m *memory) Preferences(_ context.Context, _, user accord.ID) (Preferences, error) {
	p, ok := m.prefs[user]
	if !ok {
		return p, &accord.Error{Kind: accord.NotFound, Msg: "preferences not found"}
	}
	return p, nil
}

func (m *memory) SetPreferences(_ context.Context, _, user accord.ID, p Preferences) error {
	if m.prefs == nil {
		m.prefs = map[accord.ID]Preferences{}
	}
	m.prefs[user] = p
	return nil
}

func (m *memory) List(_ context.Context, org, user accord.ID) ([]View, error) {
	var out []View
	for _, v := range m.views {
		if v.OrgID == org && v.UserID == user {
			out = append(out, v)
		}
	}
	return out, nil
}

func (m *memory) Create(_ context.Context, v View) error {
	for _, x := range m.views {
		if x.UserID == v.UserID && x.Name == v.Name {
			return &accord.Error{Kind: accord.Conflict, Msg: "already exists"}
		}
	}
	m.views = append(m.views, v)
	return nil
}

func (m *memory) Delete(_ context.Context, org, user, id accord.ID) error {
	for i, v := range m.views {
		if v.ID == id && v.OrgID == org && v.UserID == user {
			m.views = append(m.views[:i], m.views[i+1:]...)
			return nil
		}
	}
	return &accord.Error{Kind: accord.NotFound, Msg: "view not found"}
}

var now = time.Date(2026, 11, 20, 15, 0, 0, 0, time.UTC)

func as(user string) context.Context {
	return accord.WithActor(context.Background(), accord.Actor{UserID: accord.ID(user), OrgID: "org_vendor", Role: accord.RoleAgent})
}

func TestSaveValidates(t *testing.T) {
	s := NewService(&memory{})
	for _, tc := range []struct {
		in    NewView
		field string
	}{
		{NewView{Page: Queue, Name: "  ", Query: "a=1"}, "name"},
		{NewView{Page: Queue, Name: strings.Repeat("é", MaxName+1), Query: "a=1"}, "name"},
		{NewView{Page: "cases", Name: "x", Query: "a=1"}, "page"},
		{NewView{Page: Queue, Name: "x", Query: "a=%zz"}, "query"},
		{NewView{Page: Queue, Name: "x", Query: "q=" + strings.Repeat("a", MaxQuery)}, "query"},
	} {
		_, err := s.Save(as("usr_a"), now, tc.in)
		if e := accord.Public(err); e.Kind != accord.Invalid || e.Field != tc.field {
			t.Errorf("Save(%+v) = %v, want Invalid on %s", tc.in, err, tc.field)
		}
	}
	v, err := s.Save(as("usr_a"), now, NewView{Page: Queue, Name: " Sev 1 ", Query: "?state=open&criticality=C1"})
	if err != nil {
		t.Fatal(err)
	}
	if v.Name != "Sev 1" || v.Query != "criticality=C1&state=open" || v.UserID != "usr_a" || v.OrgID != "org_vendor" || !v.CreatedAt.Equal(now) {
		t.Errorf("saved %+v: want the name trimmed, the query canonical and the actor as owner", v)
	}
	_, err = s.Save(as("usr_a"), now, NewView{Page: Queue, Name: "Sev 1", Query: ""})
	if e := accord.Public(err); e.Kind != accord.Conflict || e.Field != "name" {
		t.Errorf("a taken name: %v, want Conflict on name", err)
	}
	if _, err := s.Save(accord.WithActor(context.Background(), accord.SystemActor("t")), now, NewView{Page: Queue, Name: "x"}); !accord.IsKind(err, accord.Forbidden) {
		t.Errorf("the system saved a view: %v", err)
	}
}

func TestAtMostMaxPerUser(t *testing.T) {
	s := NewService(&memory{})
	for i := range MaxPerUser {
		if _, err := s.Save(as("usr_a"), now, NewView{Page: Queue, Name: fmt.Sprint(i)}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.Save(as("usr_a"), now, NewView{Page: Queue, Name: "one more"}); !accord.IsKind(err, accord.Unprocessable) {
		t.Errorf("view %d: %v, want Unprocessable", MaxPerUser+1, err)
	}
	if _, err := s.Save(as("usr_b"), now, NewView{Page: Queue, Name: "one more"}); err != nil {
		t.Errorf("another user is held to the first one's limit: %v", err)
	}
}

func TestOnlyOwnViews(t *testing.T) {
	s := NewService(&memory{})
	v, err := s.Save(as("usr_a"), now, NewView{Page: Queue, Name: "Mine", Query: "assigned=me"})
	if err != nil {
		t.Fatal(err)
	}
	if l, _ := s.List(as("usr_b"), Queue); len(l) != 0 {
		t.Errorf("another user lists %+v", l)
	}
	if err := s.Delete(as("usr_b"), v.ID); !accord.IsKind(err, accord.NotFound) {
		t.Errorf("another user's delete: %v, want NotFound", err)
	}
	if l, _ := s.List(as("usr_a"), Queue); len(l) != 1 || l[0].ID != v.ID {
		t.Errorf("own views = %+v", l)
	}
	if l, _ := s.List(as("usr_a"), "other"); len(l) != 0 {
		t.Errorf("views of another page listed: %+v", l)
	}
	if err := s.Delete(as("usr_a"), v.ID); err != nil {
		t.Fatal(err)
	}
}

func TestPreferencesDefaultToShortcutsOn(t *testing.T) {
	s := NewService(&memory{})
	if p, err := s.Preferences(as("usr_a")); err != nil || !p.Shortcuts {
		t.Fatalf("a new user's preferences = %+v, %v; want shortcuts on", p, err)
	}
	if err := s.SetPreferences(as("usr_a"), Preferences{Shortcuts: false}); err != nil {
		t.Fatal(err)
	}
	if p, _ := s.Preferences(as("usr_a")); p.Shortcuts {
		t.Error("shortcuts still on after turning them off")
	}
	if p, _ := s.Preferences(as("usr_b")); !p.Shortcuts {
		t.Error("one user's choice turned another's shortcuts off")
	}
}
