package engagements_test

import (
	"strings"
	"testing"
	"time"

	"accord/internal/accord"
	"accord/internal/engagements"
	"accord/internal/sla"
)

// services is the default policy's services calendar: Mon-Fri 08:00-18:00
// in Sao Paulo (UTC-3 all year since 2019), with Brazil's national holidays.
func services(t testing.TB) engagements.Hours {
	t.Helper()
	pol, err := sla.Parse([]byte(sla.DefaultDocument()))
	if err != nil {
		t.Fatal(err)
	}
	cal, ok := pol.Calendar("services")
	if !ok {
		t.Fatal("the default policy has no services calendar")
	}
	h, err := engagements.NewHours("services", cal)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// sp is a Sao Paulo wall-clock time.
func sp(s string) time.Time {
	zone, err := time.LoadLocation("America/Sao_Paulo")
	if err != nil {
		panic(err)
	}
	t, err := time.ParseInLocation("2006-01-02 15:04", s, zone)
	if err != nil {
		panic(err)
	}
	return t
}

func TestEarliestStart(t *testing.T) {
	h := services(t)
	for _, tc := range []struct {
		name     string
		accepted string
		lead     int
		want     string
	}{
		{"plain week", "2026-11-09 10:00", 5, "2026-11-16 08:00"},
		{"over Black Awareness Day (Fri 20 Nov, national since 2024)", "2026-11-16 10:00", 5, "2026-11-24 08:00"},
		{"accepted after hours on a Friday, across the month's end", "2026-11-27 17:59", 5, "2026-12-04 08:00"},
		{"accepted on a Saturday counts from the Monday", "2026-11-28 11:00", 5, "2026-12-04 08:00"},
		{"accepted at midnight", "2026-11-30 00:00", 5, "2026-12-07 08:00"},
		{"over Christmas", "2026-12-23 09:00", 5, "2026-12-31 08:00"},
		{"over Christmas and New Year", "2026-12-24 09:00", 5, "2027-01-04 08:00"},
		{"over Carnival Monday and Tuesday", "2027-02-03 14:00", 5, "2027-02-12 08:00"},
		{"over Good Friday", "2027-03-22 14:00", 5, "2027-03-30 08:00"},
		{"over Tiradentes (Wed 21 Apr)", "2027-04-16 14:00", 5, "2027-04-26 08:00"},
		{"over Corpus Christi (Thu 27 May)", "2027-05-24 09:00", 5, "2027-06-01 08:00"},
		{"leap February: Carnival on the 28th and 29th", "2028-02-23 12:00", 5, "2028-03-03 08:00"},
		{"deployment: 3 business days for the kick-off", "2026-11-19 16:00", 3, "2026-11-25 08:00"},
		{"no lead time: at once", "2026-11-21 03:00", 0, "2026-11-21 03:00"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := h.EarliestStart(sp(tc.accepted), tc.lead)
			if err != nil {
				t.Fatal(err)
			}
			if want := sp(tc.want); !got.Equal(want) {
				t.Errorf("EarliestStart(%s, %d) = %s, want %s", tc.accepted, tc.lead, h.Local(got), h.Local(want))
			}
		})
	}
}

func session(eng, name, start, end string) engagements.Session {
	return engagements.Session{ID: accord.ID("ses_" + start), EngineerID: accord.ID(eng), EngineerName: name, Start: sp(start), End: sp(end)}
}

func TestCheckSessions(t *testing.T) {
	h := services(t)
	earliest := sp("2026-11-24 08:00") // 5 working days after Mon 16 Nov
	busy := []engagements.Booking{{Session: session("u1", "Ana", "2026-11-26 08:00", "2026-11-26 14:00"), OrgName: "Globex", ServiceName: "Health check"}}
	for _, tc := range []struct {
		name     string
		sessions []engagements.Session
		ooh      bool
		kind     accord.Kind
		field    string
		earliest string // the allowed start the error names, Sao Paulo time
	}{
		{name: "one session on the first allowed morning", sessions: []engagements.Session{session("u1", "Ana", "2026-11-24 08:00", "2026-11-24 12:00")}},
		{name: "a full 8-hour day", sessions: []engagements.Session{session("u1", "Ana", "2026-11-24 09:00", "2026-11-24 17:00")}},
		{name: "two engineers at once", sessions: []engagements.Session{
			session("u1", "Ana", "2026-11-24 08:00", "2026-11-24 12:00"), session("u2", "Bruno", "2026-11-24 08:00", "2026-11-24 12:00")}},
		{name: "before the lead time has passed", kind: accord.Unprocessable, field: "sessions[0].start", earliest: "2026-11-24 08:00",
			sessions: []engagements.Session{session("u1", "Ana", "2026-11-23 09:00", "2026-11-23 13:00")}},
		{name: "one minute early", kind: accord.Unprocessable, field: "sessions[0].start", earliest: "2026-11-24 08:00",
			sessions: []engagements.Session{session("u1", "Ana", "2026-11-24 07:59", "2026-11-24 11:59")}},
		{name: "running past 18:00", kind: accord.Unprocessable, field: "sessions[0].start", earliest: "2026-11-25 08:00",
			sessions: []engagements.Session{session("u1", "Ana", "2026-11-24 16:00", "2026-11-24 20:00")}},
		{name: "running past 18:00 with the out-of-hours surcharge", ooh: true,
			sessions: []engagements.Session{session("u1", "Ana", "2026-11-24 16:00", "2026-11-24 20:00")}},
		{name: "on a Sunday", kind: accord.Unprocessable, field: "sessions[0].start", earliest: "2026-11-30 08:00",
			sessions: []engagements.Session{session("u1", "Ana", "2026-11-29 10:00", "2026-11-29 12:00")}},
		{name: "on a Sunday with the surcharge", ooh: true,
			sessions: []engagements.Session{session("u1", "Ana", "2026-11-29 10:00", "2026-11-29 12:00")}},
		{name: "on Christmas Day", kind: accord.Unprocessable, field: "sessions[0].start", earliest: "2026-12-28 08:00",
			sessions: []engagements.Session{session("u1", "Ana", "2026-12-25 10:00", "2026-12-25 12:00")}},
		{name: "longer than 8 hours", kind: accord.Unprocessable, field: "sessions[0].end", ooh: true,
			sessions: []engagements.Session{session("u1", "Ana", "2026-11-24 08:00", "2026-11-24 16:01")}},
		{name: "more than 8 hours in one day", kind: accord.Unprocessable, field: "sessions[1].start", earliest: "2026-11-25 08:00",
			sessions: []engagements.Session{session("u1", "Ana", "2026-11-24 08:00", "2026-11-24 12:00"), session("u1", "Ana", "2026-11-24 13:00", "2026-11-24 18:00")}},
		{name: "more than 8 hours across midnight with the surcharge", ooh: true, kind: accord.Unprocessable, field: "sessions[1].start", earliest: "2026-11-25 08:00",
			sessions: []engagements.Session{session("u1", "Ana", "2026-11-24 10:00", "2026-11-24 16:00"), session("u1", "Ana", "2026-11-24 20:00", "2026-11-25 02:00")}},
		{name: "overlapping sessions of one engineer", kind: accord.Conflict, field: "sessions[1].start", earliest: "2026-11-24 12:00",
			sessions: []engagements.Session{session("u1", "Ana", "2026-11-24 08:00", "2026-11-24 12:00"), session("u1", "Ana", "2026-11-24 11:00", "2026-11-24 13:00")}},
		{name: "back to back is fine", sessions: []engagements.Session{session("u1", "Ana", "2026-11-24 08:00", "2026-11-24 12:00"), session("u1", "Ana", "2026-11-24 12:00", "2026-11-24 14:00")}},
		{name: "double-booked on another engagement", kind: accord.Conflict, field: "sessions[0].start", earliest: "2026-11-26 14:00",
			sessions: []engagements.Session{session("u1", "Ana", "2026-11-26 13:00", "2026-11-26 17:00")}},
		{name: "right after the other engagement", sessions: []engagements.Session{session("u1", "Ana", "2026-11-26 14:00", "2026-11-26 18:00")}},
		{name: "another engineer while Ana is busy", sessions: []engagements.Session{session("u2", "Bruno", "2026-11-26 08:00", "2026-11-26 12:00")}},
		{name: "an empty plan", kind: accord.Invalid, field: "sessions"},
		{name: "ending before it starts", kind: accord.Invalid, field: "sessions[0].end",
			sessions: []engagements.Session{session("u1", "Ana", "2026-11-24 12:00", "2026-11-24 08:00")}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := h.Check(engagements.Plan{Sessions: tc.sessions, Earliest: earliest, LeadNote: "5 working days after acceptance", OutOfHours: tc.ooh, Busy: busy})
			if tc.kind == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			var ae *accord.Error
			if !accord.IsKind(err, tc.kind) || !asError(err, &ae) || ae.Field != tc.field {
				t.Fatalf("got %v (%#v), want %s on %s", err, ae, tc.kind, tc.field)
			}
			if tc.earliest != "" {
				want := sp(tc.earliest).UTC().Format(time.RFC3339)
				if !strings.Contains(ae.Msg, want) {
					t.Errorf("message %q does not name the earliest allowed start %s (%s)", ae.Msg, want, tc.earliest)
				}
			}
		})
	}
}

// Sessions that have already started are kept and not judged again: the
// lead time is behind them.
func TestCheckKeepsStartedSessions(t *testing.T) {
	h := services(t)
	started := session("u1", "Ana", "2026-11-24 08:00", "2026-11-24 12:00")
	next := session("u1", "Ana", "2026-11-25 08:00", "2026-11-25 12:00")
	if err := h.Check(engagements.Plan{Sessions: []engagements.Session{started, next}, Fixed: 1}); err != nil {
		t.Fatal(err)
	}
	// The day's limit still counts the kept session.
	same := session("u1", "Ana", "2026-11-24 13:00", "2026-11-24 18:00")
	err := h.Check(engagements.Plan{Sessions: []engagements.Session{started, same}, Fixed: 1})
	var ae *accord.Error
	if !asError(err, &ae) || ae.Field != "sessions[0].start" {
		t.Fatalf("got %v, want the new session (sessions[0]) refused for the 8-hour day", err)
	}
}

// A clash with another engagement names its service and customer only to
// a reader of that customer; anyone else learns until when the engineer is
// busy.
func TestCheckClashSaysWhatTheReaderMayRead(t *testing.T) {
	h := services(t)
	other := engagements.Booking{Session: session("u1", "Ana", "2026-11-26 08:00", "2026-11-26 14:00"), OrgID: "org_globex", OrgName: "Globex", ServiceName: "Health check"}
	plan := []engagements.Session{session("u1", "Ana", "2026-11-26 13:00", "2026-11-26 17:00")}
	for _, tc := range []struct {
		name     string
		readable accord.Scope
		has      []string
		hasNot   []string
	}{
		{"the vendor", accord.Scope{All: true}, []string{"Health check for Globex", "Thu 2026-11-26 08:00 -03"}, nil},
		{"a partner serving Globex", accord.Scope{Orgs: []accord.ID{"org_partner", "org_globex"}}, []string{"Health check for Globex"}, nil},
		{"a partner that does not", accord.Scope{Orgs: []accord.ID{"org_partner", "org_initech"}}, []string{"Ana is busy until Thu 2026-11-26 14:00 -03"},
			[]string{"Globex", "Health check", "08:00"}},
		{"nobody named", accord.Scope{}, []string{"busy until"}, []string{"Globex", "Health check"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := h.Check(engagements.Plan{Sessions: plan, Earliest: sp("2026-11-24 08:00"), Busy: []engagements.Booking{other}, Readable: tc.readable})
			var ae *accord.Error
			if !accord.IsKind(err, accord.Conflict) || !asError(err, &ae) || ae.Field != "sessions[0].start" {
				t.Fatalf("got %v, want a conflict on sessions[0].start", err)
			}
			if !strings.Contains(ae.Msg, "2026-11-26T17:00:00Z") {
				t.Errorf("%q does not say when the engineer is free", ae.Msg)
			}
			for _, s := range tc.has {
				if !strings.Contains(ae.Msg, s) {
					t.Errorf("%q lacks %q", ae.Msg, s)
				}
			}
			for _, s := range tc.hasNot {
				if strings.Contains(ae.Msg, s) {
					t.Errorf("%q names %q", ae.Msg, s)
				}
			}
		})
	}
}

// TestCheckTerms: what the quote and the catalog ask of the sessions as a
// whole, with the reference's numbers. Premium includes "incident response
// support regarding ransomware attacks for two days with two dedicated
// Engineers" (section 5.1): 2 engineers on each of 2 days, 32
// engineer-hours at 8 hours a day (section 13.1). Its "1 assisted upgrade
// per year" is an assisted update, 6 hours at least (the catalog's sheet).
func TestCheckTerms(t *testing.T) {
	h := services(t)
	ransomware := &engagements.Crew{Engineers: 2, Days: 2}
	day := func(eng, name, date string) engagements.Session {
		return session(eng, name, date+" 09:00", date+" 17:00")
	}
	onSite := func(s engagements.Session) engagements.Session { s.OnSite = true; return s }
	const tue, wed, thu = "2026-11-24", "2026-11-25", "2026-11-26"
	for _, tc := range []struct {
		name     string
		crew     *engagements.Crew
		onSite   bool
		quoted   int // hours
		reason   string
		fixed    int
		sessions []engagements.Session
		field    string // refused on this field, Invalid; "" for allowed
		says     []string
	}{
		{name: "ransomware: two engineers on each of two days, 32 hours", crew: ransomware, quoted: 32,
			sessions: []engagements.Session{day("u1", "Ana", tue), day("u2", "Bruno", tue), day("u1", "Ana", wed), day("u2", "Bruno", wed)}},
		{name: "ransomware: a rotating crew still has two on each day", crew: ransomware, quoted: 32,
			sessions: []engagements.Session{day("u1", "Ana", tue), day("u2", "Bruno", tue), day("u1", "Ana", wed), day("u3", "Carla", wed)}},
		{name: "ransomware: three days of two", crew: ransomware, quoted: 48,
			sessions: []engagements.Session{day("u1", "Ana", tue), day("u2", "Bruno", tue), day("u1", "Ana", wed), day("u2", "Bruno", wed), day("u1", "Ana", thu), day("u2", "Bruno", thu)}},
		{name: "ransomware: one engineer on two days", crew: ransomware, quoted: 16, field: "sessions",
			sessions: []engagements.Session{day("u1", "Ana", tue), day("u1", "Ana", wed)},
			says:     []string{"2 engineers on each of 2 days", "0 days"}},
		{name: "ransomware: the same engineer twice in a day counts once", crew: ransomware, quoted: 24, field: "sessions",
			sessions: []engagements.Session{session("u1", "Ana", tue+" 08:00", tue+" 12:00"), session("u1", "Ana", tue+" 13:00", tue+" 17:00"),
				day("u1", "Ana", wed), day("u2", "Bruno", wed)},
			says: []string{"1 day (Wed 2026-11-25)"}},
		{name: "ransomware: two engineers on one day only", crew: ransomware, quoted: 16, field: "sessions",
			sessions: []engagements.Session{day("u1", "Ana", tue), day("u2", "Bruno", tue)}, says: []string{"1 day (Tue 2026-11-24)"}},
		{name: "ransomware: two engineers, each on a day of their own", crew: ransomware, quoted: 16, field: "sessions",
			sessions: []engagements.Session{day("u1", "Ana", tue), day("u2", "Bruno", wed)}},
		{name: "ransomware: the sessions already started count", crew: ransomware, quoted: 32, fixed: 2,
			sessions: []engagements.Session{day("u1", "Ana", tue), day("u2", "Bruno", tue), day("u1", "Ana", wed), day("u2", "Bruno", wed)}},

		{name: "assisted upgrade: 6 hours quoted, 6 booked", quoted: 6,
			sessions: []engagements.Session{session("u1", "Ana", tue+" 09:00", tue+" 15:00")}},
		{name: "assisted upgrade: 6 quoted, 4 + 2 booked on two days", quoted: 6,
			sessions: []engagements.Session{session("u1", "Ana", tue+" 14:00", tue+" 18:00"), session("u1", "Ana", wed+" 08:00", wed+" 10:00")}},
		{name: "assisted upgrade: 6 quoted, 4 booked", quoted: 6, field: "sessions",
			sessions: []engagements.Session{session("u1", "Ana", tue+" 09:00", tue+" 13:00")},
			says:     []string{"4 hours", "6 hours quoted", "hours_shortfall_reason"}},
		{name: "assisted upgrade: 6 quoted, 5h30m booked", quoted: 6, field: "sessions",
			sessions: []engagements.Session{session("u1", "Ana", tue+" 09:00", tue+" 14:30")}, says: []string{"5h30m,", "30m more"}},
		{name: "assisted upgrade: 6 quoted, 4 booked, the provider says why", quoted: 6, reason: "The mirrors were opened ahead; two hours are not needed",
			sessions: []engagements.Session{session("u1", "Ana", tue+" 09:00", tue+" 13:00")}},
		{name: "assisted upgrade: more than quoted", quoted: 6,
			sessions: []engagements.Session{session("u1", "Ana", tue+" 09:00", tue+" 17:00")}},
		{name: "a reason with nothing to confirm", quoted: 6, reason: "just in case", field: "hours_shortfall_reason",
			sessions: []engagements.Session{session("u1", "Ana", tue+" 09:00", tue+" 15:00")}, says: []string{"no difference to confirm"}},
		{name: "a fixed price has no hours to cover", quoted: 0,
			sessions: []engagements.Session{session("u1", "Ana", tue+" 09:00", tue+" 10:00")}},

		{name: "on-site quote, remote sessions only", onSite: true, quoted: 8, field: "sessions",
			sessions: []engagements.Session{day("u1", "Ana", tue)}, says: []string{"on site", "on_site"}},
		{name: "on-site quote, one of two sessions on site", onSite: true, quoted: 8,
			sessions: []engagements.Session{session("u1", "Ana", tue+" 09:00", tue+" 13:00"), onSite(session("u1", "Ana", wed+" 09:00", wed+" 13:00"))}},
		{name: "remote quote, a session on site", quoted: 8, sessions: []engagements.Session{onSite(day("u1", "Ana", tue))}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := h.Check(engagements.Plan{Sessions: tc.sessions, Fixed: tc.fixed, Earliest: sp("2026-11-24 08:00"), Service: "The service",
				Crew: tc.crew, OnSite: tc.onSite, Quoted: time.Duration(tc.quoted) * time.Hour, ShortfallReason: tc.reason})
			if tc.field == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			var ae *accord.Error
			if !accord.IsKind(err, accord.Invalid) || !asError(err, &ae) || ae.Field != tc.field {
				t.Fatalf("got %v, want Invalid on %s", err, tc.field)
			}
			for _, s := range tc.says {
				if !strings.Contains(ae.Msg, s) {
					t.Errorf("%q does not say %q", ae.Msg, s)
				}
			}
		})
	}
}
