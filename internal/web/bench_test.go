package web

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"accord/internal/accord"
	"accord/internal/directory"
)

// BenchmarkRender measures what binding each reader's locale and zone
// costs. render takes a pooled clone whose functions read the page being
// rendered; "clone per request" is the simple way (clone, bind, execute,
// which escapes the templates every time); the baseline executes one clone
// bound once, as fast as html/template goes.
func BenchmarkRender(b *testing.B) {
	s, err := New(Deps{Log: slog.New(slog.DiscardHandler), Now: func() time.Time { return time.Date(2026, 11, 20, 15, 0, 0, 0, time.UTC) }})
	if err != nil {
		b.Fatal(err)
	}
	zone, _ := time.LoadLocation("America/Sao_Paulo")
	rd := reader{Actor: accord.Actor{UserID: "usr_x", Role: accord.RoleCustomerContact}, Locale: "pt-BR", Zone: zone,
		User: directory.User{Name: "Ana", TimeZone: "America/Sao_Paulo", Locale: "pt-BR"}}
	req := httptest.NewRequest("GET", "/settings", nil)
	req = req.WithContext(withReader(req.Context(), rd))
	p := s.newPage(req, "settings.title", settingsData{Locales: Locales, Zones: zones})

	parsed, err := parsePages(files, s.funcs(&bound{}))
	if err != nil {
		b.Fatal(err)
	}
	b.Run("render (pooled clones)", func(b *testing.B) {
		for b.Loop() {
			w := httptest.NewRecorder()
			s.render(w, req, http.StatusOK, "settings", p)
			if w.Code != http.StatusOK {
				b.Fatal(w.Code)
			}
		}
	})
	b.Run("clone per request", func(b *testing.B) {
		for b.Loop() {
			t, err := parsed["settings"].Clone()
			if err != nil {
				b.Fatal(err)
			}
			t.Funcs(s.funcs(&bound{t: t, p: p}))
			if err := t.ExecuteTemplate(io.Discard, "layout", p); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("bound once (baseline)", func(b *testing.B) {
		t, err := parsed["settings"].Clone()
		if err != nil {
			b.Fatal(err)
		}
		t.Funcs(s.funcs(&bound{t: t, p: p}))
		for b.Loop() {
			if err := t.ExecuteTemplate(io.Discard, "layout", p); err != nil {
				b.Fatal(err)
			}
		}
	})
}
