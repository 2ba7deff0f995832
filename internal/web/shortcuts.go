package web

import (
	"net/http"

	"accord/internal/views"
)

// shortcut is a key of the console and the catalog key saying what it does.
type shortcut struct{ Key, What string }

// shortcuts are the console's single-key shortcuts, as static/console.js
// answers them; none fires while typing in a field, and each user may turn
// them all off (WCAG 2.1 SC 2.1.4).
var shortcuts = []shortcut{
	{"j", "shortcuts.next"}, {"k", "shortcuts.previous"}, {"r", "shortcuts.reply"}, {"n", "shortcuts.note"},
	{"a", "shortcuts.take"}, {"/", "shortcuts.search"}, {"?", "shortcuts.help"},
}

// ShortcutKeys are the shortcuts the layout's help overlay lists.
func (p *page) ShortcutKeys() []shortcut { return shortcuts }

type shortcutsData struct {
	Keys []shortcut
	On   bool
}

func (s *Server) shortcutsPage(w http.ResponseWriter, r *http.Request) {
	p, err := s.preferences(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "shortcuts", s.newPage(r, "shortcuts.title", shortcutsData{Keys: shortcuts, On: p.Shortcuts}))
}

// preferences are the reader's; only agents have a console to prefer
// anything of.
func (s *Server) preferences(r *http.Request) (views.Preferences, error) {
	if !readerOf(r.Context()).agent() {
		return views.Preferences{}, nil
	}
	return s.Views.Preferences(r.Context())
}

// saveShortcuts turns the reader's shortcuts on or off.
func (s *Server) saveShortcuts(w http.ResponseWriter, r *http.Request) {
	err := parseForm(w, r, 0)
	if err == nil {
		err = s.Views.SetPreferences(r.Context(), views.Preferences{Shortcuts: r.PostForm.Get("shortcuts") == "on"})
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.done(w, r, "/shortcuts", "shortcuts.saved")
}
