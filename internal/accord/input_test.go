package accord

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func TestTextProblem(t *testing.T) {
	for _, tc := range []struct {
		s, want string
	}{
		{"", ""},
		{"Vault down\tsince 09:00\r\nagain", ""},
		{"São Paulo, 東京, emoji 🙂, U+0085 \u0085", ""},
		{"a\x00b", "U+0000"},
		{"\x01", "U+0001"},
		{"bell\a", "U+0007"},
		{"esc\x1b[31m", "U+001B"},
		{"del\x7f", "U+007F"},
		{"bad \xff utf-8", "must be UTF-8 text"},
		{"cut \xe2\x82", "must be UTF-8 text"},
	} {
		got := TextProblem(tc.s)
		if tc.want == "" && got != "" || tc.want != "" && !strings.Contains(got, tc.want) {
			t.Errorf("TextProblem(%q) = %q, want %q", tc.s, got, tc.want)
		}
	}
	if e := Public(CheckText("title", "a\x00")); e.Kind != Invalid || e.Field != "title" {
		t.Errorf("CheckText = %+v", e)
	}
}

func TestCheckInstant(t *testing.T) {
	minus14 := time.FixedZone("-14", -14*3600)
	for _, tc := range []struct {
		at time.Time
		ok bool
	}{
		{time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC), true},
		{time.Date(1899, 12, 31, 23, 59, 59, 0, time.UTC), false},
		{time.Date(1900, 1, 1, 0, 30, 0, 0, time.FixedZone("+1", 3600)), false}, // 1899 in UTC
		{time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC), true},
		{time.Date(9999, 12, 31, 23, 59, 59, 0, minus14), false}, // the probe's: year 10000 in UTC
		{time.Time{}, false},
	} {
		err := CheckInstant("starts_at", tc.at)
		if (err == nil) != tc.ok {
			t.Errorf("CheckInstant(%s) = %v, want ok %v", tc.at, err, tc.ok)
		}
		if err != nil && Public(err).Field != "starts_at" {
			t.Errorf("CheckInstant(%s) names %q", tc.at, Public(err).Field)
		}
	}
}

func TestWildcards(t *testing.T) {
	for _, tc := range []struct {
		pattern string
		want    []string
	}{
		{"GET /api/v1/cases/{id}/sessions/{entry_id}/decision", []string{"id", "entry_id"}},
		{"GET /feeds/{file...}", []string{"file"}},
		{"GET /{$}", nil},
		{"POST /login", nil},
	} {
		if got := Wildcards(tc.pattern); !slices.Equal(got, tc.want) {
			t.Errorf("Wildcards(%q) = %q, want %q", tc.pattern, got, tc.want)
		}
	}
}
