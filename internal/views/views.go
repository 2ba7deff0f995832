package views

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"accord/internal/accord"
)

// Pages a view may be saved for.
const Queue = "queue"

var pages = []string{Queue}

// Limits of a user's views.
const (
	MaxName    = 80
	MaxQuery   = 2000
	MaxPerUser = 50
)

// View is a named set of filters of a page, saved by a user.
type View struct {
	ID        accord.ID `json:"id"`
	OrgID     accord.ID `json:"org_id"` // the owner's organization
	UserID    accord.ID `json:"user_id"`
	Name      string    `json:"name"`
	Page      string    `json:"page"`
	Query     string    `json:"query"` // URL query without "?", canonical
	CreatedAt time.Time `json:"created_at"`
}

// NewView is the input to Save.
type NewView struct {
	Page  string `json:"page"`
	Name  string `json:"name"`
	Query string `json:"query"`
}

// Store persists views. Every method reads and writes only the views of
// the user (in the organization) it is given.
type Store interface {
	// List returns the user's views by page and name.
	List(ctx context.Context, orgID, userID accord.ID) ([]View, error)
	// Create writes v; a name the user already has is Conflict.
	Create(ctx context.Context, v View) error
	// Delete removes one of the user's views; any other id is NotFound.
	Delete(ctx context.Context, orgID, userID, id accord.ID) error
	// Preferences returns the user's preferences; NotFound when the user
	// never saved any.
	Preferences(ctx context.Context, orgID, userID accord.ID) (Preferences, error)
	// SetPreferences writes the user's preferences.
	SetPreferences(ctx context.Context, orgID, userID accord.ID, p Preferences) error
}

// Preferences are how a user wants the console to behave.
type Preferences struct {
	// Shortcuts turns the single-key keyboard shortcuts on; WCAG 2.1 SC
	// 2.1.4 asks that a user can turn them off.
	Shortcuts bool `json:"shortcuts"`
}

// DefaultPreferences are those of a user who never saved any.
var DefaultPreferences = Preferences{Shortcuts: true}

// Service keeps the acting user's views.
type Service struct{ store Store }

// NewService returns a service over store.
func NewService(store Store) *Service { return &Service{store: store} }

// owner is the acting user; the system has no views.
func owner(ctx context.Context, op string) (accord.Actor, error) {
	a, err := accord.ActorFrom(ctx)
	if err != nil {
		return a, err
	}
	if a.UserID == "" {
		return a, &accord.Error{Kind: accord.Forbidden, Op: op, Msg: "views belong to users"}
	}
	return a, nil
}

// List lists the acting user's views of page, by name.
func (s *Service) List(ctx context.Context, page string) ([]View, error) {
	a, err := owner(ctx, "views.List")
	if err != nil {
		return nil, err
	}
	all, err := s.store.List(ctx, a.OrgID, a.UserID)
	if err != nil {
		return nil, accord.Wrap("views.List", err)
	}
	return slices.DeleteFunc(all, func(v View) bool { return v.Page != page }), nil
}

// Save keeps a new view for the acting user. Any user may save views,
// auditors too: a view changes nothing but the user's own list.
func (s *Service) Save(ctx context.Context, now time.Time, in NewView) (View, error) {
	const op = "views.Save"
	a, err := owner(ctx, op)
	if err != nil {
		return View{}, err
	}
	v, err := in.validate()
	if err != nil {
		return View{}, err
	}
	mine, err := s.store.List(ctx, a.OrgID, a.UserID)
	if err != nil {
		return View{}, accord.Wrap(op, err)
	}
	if len(mine) >= MaxPerUser {
		return View{}, &accord.Error{Kind: accord.Unprocessable, Op: op,
			Msg: fmt.Sprintf("you already keep %d views; delete one first", MaxPerUser)}
	}
	v.ID, v.OrgID, v.UserID, v.CreatedAt = accord.NewID("view"), a.OrgID, a.UserID, now.UTC()
	if err := s.store.Create(ctx, v); err != nil {
		if accord.IsKind(err, accord.Conflict) {
			return View{}, &accord.Error{Kind: accord.Conflict, Op: op, Field: "name", Msg: "you already have a view with this name", Err: err}
		}
		return View{}, accord.Wrap(op, err)
	}
	return v, nil
}

// Delete removes one of the acting user's views; anyone else's is NotFound.
func (s *Service) Delete(ctx context.Context, id accord.ID) error {
	a, err := owner(ctx, "views.Delete")
	if err != nil {
		return err
	}
	return accord.Wrap("views.Delete", s.store.Delete(ctx, a.OrgID, a.UserID, id))
}

// validate checks in and returns the view it describes, its query in
// canonical form; every problem is named.
func (in NewView) validate() (View, error) {
	var ps []accord.Problem
	name := strings.TrimSpace(in.Name)
	switch n := utf8.RuneCountInString(name); {
	case !utf8.ValidString(name):
		ps = append(ps, accord.Problem{Field: "name", Msg: "must be UTF-8 text"})
	case n == 0:
		ps = append(ps, accord.Problem{Field: "name", Msg: "is required"})
	case n > MaxName:
		ps = append(ps, accord.Problem{Field: "name", Msg: fmt.Sprintf("at most %d characters", MaxName)})
	}
	if !slices.Contains(pages, in.Page) {
		ps = append(ps, accord.Problem{Field: "page", Msg: fmt.Sprintf("must be one of %s", strings.Join(pages, ", "))})
	}
	values, err := url.ParseQuery(strings.TrimPrefix(in.Query, "?"))
	query := values.Encode()
	switch {
	case err != nil:
		ps = append(ps, accord.Problem{Field: "query", Msg: "is not a URL query"})
	case len(in.Query) > MaxQuery || len(query) > MaxQuery:
		ps = append(ps, accord.Problem{Field: "query", Msg: fmt.Sprintf("at most %d characters", MaxQuery)})
	}
	return View{Name: name, Page: in.Page, Query: query}, accord.InvalidFields("views.Save", ps)
}

// Preferences returns the acting user's preferences, the defaults until
// the user saves some.
func (s *Service) Preferences(ctx context.Context) (Preferences, error) {
	a, err := owner(ctx, "views.Preferences")
	if err != nil {
		return Preferences{}, err
	}
	p, err := s.store.Preferences(ctx, a.OrgID, a.UserID)
	if accord.IsKind(err, accord.NotFound) {
		return DefaultPreferences, nil
	}
	return p, accord.Wrap("views.Preferences", err)
}

// SetPreferences saves the acting user's preferences.
func (s *Service) SetPreferences(ctx context.Context, p Preferences) error {
	a, err := owner(ctx, "views.SetPreferences")
	if err != nil {
		return err
	}
	return accord.Wrap("views.SetPreferences", s.store.SetPreferences(ctx, a.OrgID, a.UserID, p))
}
