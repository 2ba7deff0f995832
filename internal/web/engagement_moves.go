package web

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"accord/internal/accord"
	"accord/internal/engagements"
)

// The forms of the engagement page that carry more than a note: the quote,
// the sessions, a step's evidence and a recovery test's outcome.

func (s *Server) quoteEngagement(w http.ResponseWriter, r *http.Request) {
	s.onEngagement(w, r, "quote", "engagement.quoted", 0, func(id accord.ID) error {
		f := r.PostForm
		in := engagements.QuoteInput{OnSite: f.Get("on_site") != "", OutsideHomeCity: f.Get("outside_home_city") != "",
			OutOfHours: f.Get("out_of_hours") != "", Provider: engagements.Party(f.Get("provider")), Note: f.Get("note")}
		if v := strings.TrimSpace(f.Get("hours")); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil {
				return accord.FieldError("hours", "%s", s.msgs.text(readerOf(r.Context()).Locale, "engagement.error.whole_number"))
			}
			in.Hours = n
		}
		_, err := s.Engagements.Quote(r.Context(), s.Now(), id, in)
		return err
	})
}

// maxScheduleRows bounds the rows the scheduling form is read for; the
// service allows 100 sessions.
const maxScheduleRows = 100

// sessionRow is one line of the scheduling form.
type sessionRow struct {
	Index      int
	EngineerID string
	Start      string // as a datetime-local input holds it, in the reader's zone
	Hours      string
	OnSite     bool
	Location   string
}

// scheduleRows fills the scheduling form: the rows typed when it was sent
// and refused, else the sessions not started yet; then empty rows to add
// more, the first starting at the earliest start the lead time allows.
func scheduleRows(e engagements.Engagement, typed url.Values, zone *time.Location, now time.Time) []sessionRow {
	c := clock{zone: zone}
	var rows []sessionRow
	if typed != nil {
		for i := range maxScheduleRows {
			at := fmt.Sprintf("sessions[%d].", i)
			if _, ok := typed[at+"engineer_id"]; !ok {
				break
			}
			rows = append(rows, sessionRow{Index: i, EngineerID: typed.Get(at + "engineer_id"), Start: typed.Get(at + "start"),
				Hours: typed.Get(at + "hours"), OnSite: typed.Get(at+"on_site") != "", Location: typed.Get(at + "location")})
		}
	} else {
		for _, ses := range e.Sessions {
			if ses.Start.After(now) {
				rows = append(rows, sessionRow{Index: len(rows), EngineerID: string(ses.EngineerID), Start: c.inputValue(ses.Start),
					Hours: strconv.FormatFloat(ses.End.Sub(ses.Start).Hours(), 'f', -1, 64), OnSite: ses.OnSite, Location: ses.Location})
			}
		}
	}
	blank := sessionRow{Index: len(rows)}
	if len(rows) == 0 && e.EarliestStart != nil && e.EarliestStart.After(now) {
		blank.Start = c.inputValue(e.EarliestStart)
	}
	rows = append(rows, blank)
	return append(rows, sessionRow{Index: len(rows)})
}

// Number is the row's number as people count, from 1.
func (row sessionRow) Number() int { return row.Index + 1 }

func (s *Server) scheduleEngagement(w http.ResponseWriter, r *http.Request) {
	s.onEngagement(w, r, "schedule", "engagement.scheduled", 0, func(id accord.ID) error {
		in, err := s.sessionsOf(r)
		if err != nil {
			return err
		}
		_, err = s.Engagements.Schedule(r.Context(), s.Now(), id, in)
		return err
	})
}

// sessionsOf reads the scheduling form. A row without an engineer is left
// out, and the rows kept are numbered again from 0 in r.PostForm, so that
// the service's errors (sessions[1].start) and the form shown again name
// the same rows. A session's end is its start plus its hours.
func (s *Server) sessionsOf(r *http.Request) (engagements.ScheduleInput, error) {
	rd := readerOf(r.Context())
	c := clock{zone: rd.Zone}
	typed, kept := r.PostForm, url.Values{}
	for k, v := range typed {
		if !strings.HasPrefix(k, "sessions[") {
			kept[k] = v
		}
	}
	in := engagements.ScheduleInput{HoursShortfallReason: typed.Get("hours_shortfall_reason")}
	var ps []accord.Problem
	for i := range maxScheduleRows {
		from := fmt.Sprintf("sessions[%d].", i)
		if typed.Get(from+"engineer_id") == "" {
			continue
		}
		to := fmt.Sprintf("sessions[%d].", len(in.Sessions))
		for _, field := range []string{"engineer_id", "start", "hours", "on_site", "location"} {
			if v, ok := typed[from+field]; ok {
				kept[to+field] = v
			}
		}
		si := engagements.SessionInput{EngineerID: accord.ID(typed.Get(from + "engineer_id")), OnSite: typed.Get(from+"on_site") != "",
			Location: typed.Get(from + "location")}
		start, err := c.parseLocal(typed.Get(from + "start"))
		if err != nil {
			ps = append(ps, accord.Problem{Field: to + "start", Msg: s.msgs.text(rd.Locale, "engagement.error.datetime")})
		}
		hours, err := strconv.ParseFloat(strings.TrimSpace(typed.Get(from+"hours")), 64)
		if err != nil || hours <= 0 || hours > 24 {
			ps = append(ps, accord.Problem{Field: to + "hours", Msg: s.msgs.text(rd.Locale, "engagement.error.hours")})
		}
		si.Start = start
		si.End = start.Add(time.Duration(hours * float64(time.Hour)).Round(time.Minute))
		in.Sessions = append(in.Sessions, si)
	}
	r.PostForm = kept
	return in, accord.InvalidFields("web.schedule", ps)
}

// maxEvidence bounds an evidence file as the page reads it; the service's
// own limit (20 MiB as cmd/accord wires it) is the one people meet.
const maxEvidence = 32 << 20

func (s *Server) completeStep(w http.ResponseWriter, r *http.Request) {
	position, err := strconv.Atoi(r.PathValue("position"))
	if err != nil || position < 1 {
		s.fail(w, r, &accord.Error{Kind: accord.NotFound, Msg: "no such step"})
		return
	}
	s.onEngagement(w, r, fmt.Sprintf("step-%d", position), "engagement.step_done", maxEvidence, func(id accord.ID) error {
		in := engagements.StepInput{Note: r.PostForm.Get("note")}
		file, err := evidenceOf(r)
		if err != nil {
			return err
		}
		in.File = file
		_, err = s.Engagements.CompleteStep(r.Context(), s.Now(), id, position, in)
		return err
	})
}

// evidenceOf is the file a step's multipart form carried, or nil when
// none was chosen (browsers send an empty part without a name then).
func evidenceOf(r *http.Request) (*engagements.NewFile, error) {
	if r.MultipartForm == nil || len(r.MultipartForm.File["file"]) == 0 {
		return nil, nil
	}
	fh := r.MultipartForm.File["file"][0]
	if fh.Filename == "" && fh.Size == 0 {
		return nil, nil
	}
	f, err := fh.Open()
	if err != nil {
		return nil, formError(err)
	}
	defer f.Close()
	content, err := io.ReadAll(f)
	if err != nil {
		return nil, formError(err)
	}
	return &engagements.NewFile{Name: fh.Filename, Content: content}, nil
}

func (s *Server) recordOutcome(w http.ResponseWriter, r *http.Request) {
	s.onEngagement(w, r, "outcome", "engagement.outcome_recorded", 0, func(id accord.ID) error {
		in, err := s.outcomeOf(r)
		if err != nil {
			return err
		}
		_, err = s.Engagements.RecordOutcome(r.Context(), s.Now(), id, in)
		return err
	})
}

// outcomeOf reads the outcome form: instants in the reader's zone,
// objectives in whole minutes, and the actions one per line.
func (s *Server) outcomeOf(r *http.Request) (engagements.OutcomeInput, error) {
	rd := readerOf(r.Context())
	c, f := clock{zone: rd.Zone}, r.PostForm
	var ps []accord.Problem
	at := func(field string) *time.Time {
		v := strings.TrimSpace(f.Get(field))
		if v == "" {
			return nil
		}
		t, err := c.parseLocal(v)
		if err != nil {
			ps = append(ps, accord.Problem{Field: field, Msg: s.msgs.text(rd.Locale, "engagement.error.datetime")})
			return nil
		}
		return &t
	}
	minutes := func(field string) *int {
		v := strings.TrimSpace(f.Get(field))
		if v == "" {
			return nil
		}
		n, err := strconv.Atoi(v)
		if err != nil {
			ps = append(ps, accord.Problem{Field: field, Msg: s.msgs.text(rd.Locale, "engagement.error.whole_number")})
			return nil
		}
		return &n
	}
	in := engagements.OutcomeInput{FailureAt: at("failure_at"), RestoredAt: at("restored_at"), DataPointAt: at("data_point_at"),
		RTOObjectiveMinutes: minutes("rto_objective_minutes"), RPOObjectiveMinutes: minutes("rpo_objective_minutes"), Notes: f.Get("notes")}
	for line := range strings.SplitSeq(f.Get("actions"), "\n") {
		if line = strings.TrimSpace(line); line != "" {
			in.Actions = append(in.Actions, line)
		}
	}
	return in, accord.InvalidFields("web.outcome", ps)
}
