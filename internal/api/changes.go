package api

import (
	"context"
	"mime"
	"net/http"
	"time"

	"accord/internal/accord"
	"accord/internal/changes"
)

// --- change requests (docs/operations.md, "Change requests")

func (s *Server) listChanges(w http.ResponseWriter, r *http.Request) {
	p, err := pageOf(r)
	var f changes.Filter
	for _, q := range []struct {
		name string
		dst  *accord.ID
	}{{"org_id", &f.OrgID}, {"environment_id", &f.EnvironmentID}} {
		var id *accord.ID
		if err == nil {
			id, err = queryID(r, q.name)
		}
		if id != nil {
			*q.dst = *id
		}
	}
	f.State = changes.State(r.URL.Query().Get("state"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	l, next, err := s.Changes.List(r.Context(), s.Now(), f, p)
	s.respond(w, r, http.StatusOK, list(l, next), err)
}

func (s *Server) requestChange(w http.ResponseWriter, r *http.Request) {
	var in changes.RequestInput
	if err := decode(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	c, err := s.Changes.Request(r.Context(), s.Now(), in)
	s.respond(w, r, http.StatusCreated, c, err)
}

func (s *Server) getChange(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	var c changes.Change
	if err == nil {
		c, err = s.Changes.Get(r.Context(), s.Now(), id)
	}
	s.respond(w, r, http.StatusOK, c, err)
}

func (s *Server) changeTimeline(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	var l []changes.Entry
	if err == nil {
		l, err = s.Changes.Timeline(r.Context(), s.Now(), id)
	}
	s.respond(w, r, http.StatusOK, list(l, ""), err)
}

// changeAction decodes the body into in (an empty body is no input) and
// runs do on the change of the path.
func changeAction[T any](s *Server, do func(ctx context.Context, now time.Time, id accord.ID, in T) (changes.Change, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := pathID(r, "id")
		var in T
		if err == nil {
			err = decodeOptional(w, r, &in)
		}
		var c changes.Change
		if err == nil {
			c, err = do(r.Context(), s.Now(), id, in)
		}
		s.respond(w, r, http.StatusOK, c, err)
	}
}

// noInput adapts an action that takes no input.
func noInput(do func(ctx context.Context, now time.Time, id accord.ID) (changes.Change, error)) func(context.Context, time.Time, accord.ID, struct{}) (changes.Change, error) {
	return func(ctx context.Context, now time.Time, id accord.ID, _ struct{}) (changes.Change, error) {
		return do(ctx, now, id)
	}
}

type cancelInput struct {
	Reason string `json:"reason"`
}

func (s *Server) cancelChange(ctx context.Context, now time.Time, id accord.ID, in cancelInput) (changes.Change, error) {
	return s.Changes.Cancel(ctx, now, id, in.Reason)
}

// attachChangeScript stores the customer's script or procedure, sent as
// multipart/form-data in the part "file".
func (s *Server) attachChangeScript(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	var fm form
	if err == nil {
		fm, err = readForm(w, r, nil)
	}
	if err == nil && fm.File == nil {
		err = accord.FieldError("file", "is required: the script or procedure")
	}
	var c changes.Change
	if err == nil {
		c, err = s.Changes.AttachScript(r.Context(), s.Now(), id, fm.File.Name, fm.File.Content)
	}
	s.respond(w, r, http.StatusOK, c, err)
}

// finishChange ends a change in progress with its activity report: JSON
// {what_was_done, result}, or multipart/form-data with those fields and an
// evidence file in the part "file".
func (s *Server) finishChange(to changes.State) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := pathID(r, "id")
		var in changes.ReportInput
		if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); err == nil && mt == "multipart/form-data" {
			var fm form
			fm, err = readForm(w, r, map[string]int64{"what_was_done": 80_000, "result": 80_000})
			in.WhatWasDone, in.Result = fm.Values["what_was_done"], fm.Values["result"]
			if fm.File != nil {
				in.Evidence = []changes.EvidenceInput{{Name: fm.File.Name, Content: fm.File.Content}}
			}
		} else if err == nil {
			err = decode(w, r, &in)
		}
		var c changes.Change
		if err == nil {
			c, err = s.Changes.Finish(r.Context(), s.Now(), id, to, in)
		}
		s.respond(w, r, http.StatusOK, c, err)
	}
}

func (s *Server) downloadChangeFile(w http.ResponseWriter, r *http.Request) {
	id, fileID, err := filePath(r)
	var f changes.File
	var content []byte
	if err == nil {
		f, content, err = s.Changes.File(r.Context(), s.Now(), id, fileID)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	serveFile(w, f.Name, f.ContentType, content)
}

func (s *Server) listMaintenanceWindows(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	var l changes.WindowList
	if err == nil {
		l, err = s.Changes.ListWindows(r.Context(), s.Now(), id)
	}
	s.respond(w, r, http.StatusOK, l, err)
}

// createMaintenanceWindow answers the window with the environment's
// windows after it, whose warning says when they allow less than an hour
// a month.
func (s *Server) createMaintenanceWindow(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	var in changes.WindowInput
	if err == nil {
		err = decode(w, r, &in)
	}
	var out struct {
		Window changes.Window `json:"window"`
		changes.WindowList
	}
	if err == nil {
		out.Window, out.WindowList, err = s.Changes.CreateWindow(r.Context(), s.Now(), id, in)
	}
	s.respond(w, r, http.StatusCreated, out, err)
}

func (s *Server) deleteMaintenanceWindow(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err == nil {
		err = s.Changes.DeleteWindow(r.Context(), s.Now(), id)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
