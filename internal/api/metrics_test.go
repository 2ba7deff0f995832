package api

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"accord/internal/store/dbtest"
)

// GET /metrics on the API server: public by default (cmd/accord decides
// when), behind a token, or answered 404 by the server itself, never by
// the UI mounted at "/" (which would send the scraper to a sign-in page).
func TestMetricsEndpoint(t *testing.T) {
	db := dbtest.SQLite(t)
	ui := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/login", http.StatusSeeOther) })
	for _, c := range []struct {
		name      string
		deps      Deps
		header    string
		want      int
		wantCount bool // the request was counted by route
	}{
		{"public", Deps{}, "", http.StatusOK, true},
		{"off", Deps{NoMetrics: true}, "", http.StatusNotFound, false},
		{"token missing", Deps{MetricsToken: "t0ken"}, "", http.StatusUnauthorized, false},
		{"token given", Deps{MetricsToken: "t0ken"}, "Bearer t0ken", http.StatusOK, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			d := c.deps
			d.DB, d.UI, d.Log = db, ui, slog.New(slog.DiscardHandler)
			s := New(d)
			get := func() *httptest.ResponseRecorder {
				req := httptest.NewRequest("GET", "/metrics", nil)
				if c.header != "" {
					req.Header.Set("Authorization", c.header)
				}
				rec := httptest.NewRecorder()
				s.ServeHTTP(rec, req)
				return rec
			}
			if rec := get(); rec.Code != c.want {
				t.Fatalf("GET /metrics: %d, want %d: %s", rec.Code, c.want, rec.Body)
			}
			// The second scrape sees the first, counted under its route.
			rec := get()
			if c.wantCount && !slices.Contains(strings.Split(rec.Body.String(), "\n"), `accord_http_requests_total{route="GET /metrics",status="200"} 1`) {
				t.Errorf("the first scrape is not counted:\n%s", rec.Body)
			}
		})
	}
}
