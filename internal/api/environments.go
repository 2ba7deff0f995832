package api

import (
	"net/http"
	"time"

	"accord/internal/accord"
	"accord/internal/environments"
)

// --- managed environments (docs/operations.md)

func (s *Server) listEnvironments(w http.ResponseWriter, r *http.Request) {
	var f environments.Filter
	org, err := queryID(r, "org_id")
	if err == nil && org != nil {
		f.OrgID = *org
	}
	var reseller *accord.ID
	if err == nil {
		reseller, err = queryID(r, "reseller_id")
	}
	if reseller != nil {
		f.ResellerID = *reseller
	}
	f.Status = environments.Status(r.URL.Query().Get("status"))
	var l []environments.Environment
	if err == nil {
		l, err = s.Environments.List(r.Context(), f)
	}
	s.respond(w, r, http.StatusOK, list(l, ""), err)
}

func (s *Server) createEnvironment(w http.ResponseWriter, r *http.Request) {
	var in environments.NewEnvironment
	if err := decode(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	e, err := s.Environments.Create(r.Context(), s.Now(), in)
	s.respond(w, r, http.StatusCreated, e, err)
}

func (s *Server) getEnvironment(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	var e environments.Environment
	if err == nil {
		e, err = s.Environments.Get(r.Context(), id)
	}
	s.respond(w, r, http.StatusOK, e, err)
}

func (s *Server) updateEnvironment(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	var in environments.EnvironmentUpdate
	if err == nil {
		err = decode(w, r, &in)
	}
	var e environments.Environment
	if err == nil {
		e, err = s.Environments.Update(r.Context(), s.Now(), id, in)
	}
	s.respond(w, r, http.StatusOK, e, err)
}

// agreeBackup records the customer's agreement to the backup policy.
func (s *Server) agreeBackup(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err == nil {
		err = decodeOptional(w, r, &struct{}{})
	}
	var e environments.Environment
	if err == nil {
		e, err = s.Environments.AgreeBackup(r.Context(), s.Now(), id)
	}
	s.respond(w, r, http.StatusOK, e, err)
}

// listSnapshots lists the snapshots not expired, newest first, taken at or
// after ?since= (RFC 3339) when given.
func (s *Server) listSnapshots(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	var since time.Time
	if v := r.URL.Query().Get("since"); err == nil && v != "" {
		if since, err = time.Parse(time.RFC3339, v); err != nil {
			err = accord.FieldError("since", "must be an RFC 3339 time, such as 2026-11-20T00:00:00Z")
		}
	}
	var l []environments.Snapshot
	if err == nil {
		l, err = s.Environments.Snapshots(r.Context(), id, since)
	}
	s.respond(w, r, http.StatusOK, list(l, ""), err)
}

// recordSnapshot records a snapshot of the environment in the path; the
// body's environment_id, if any, must name it too.
func (s *Server) recordSnapshot(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	var in environments.NewSnapshot
	if err == nil {
		err = decode(w, r, &in)
	}
	if err == nil && in.EnvironmentID != "" && in.EnvironmentID != id {
		err = accord.FieldError("environment_id", "must be the environment of the path, or left out")
	}
	var sn environments.Snapshot
	if err == nil {
		in.EnvironmentID = id
		sn, err = s.Environments.RecordSnapshot(r.Context(), s.Now(), in)
	}
	s.respond(w, r, http.StatusCreated, sn, err)
}

// restoreTest answers the last completed restore or HA/DR test of the
// environment, or null.
func (s *Server) restoreTest(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	var t *environments.RestoreTest
	if err == nil {
		t, err = s.Environments.LastRestoreTest(r.Context(), id)
	}
	s.respond(w, r, http.StatusOK, struct {
		RestoreTest *environments.RestoreTest `json:"restore_test"`
	}{t}, err)
}

// listEnvironmentAlerts lists the operations alerts, ?open=true for those
// not cleared, ?environment_id= for one environment's.
func (s *Server) listEnvironmentAlerts(w http.ResponseWriter, r *http.Request) {
	var f environments.AlertFilter
	env, err := queryID(r, "environment_id")
	if env != nil {
		f.EnvironmentID = *env
	}
	switch r.URL.Query().Get("open") {
	case "", "false":
	case "true":
		f.Open = true
	default:
		err = accord.FieldError("open", "must be true or false")
	}
	var l []environments.Alert
	if err == nil {
		l, err = s.Environments.Alerts(r.Context(), f)
	}
	s.respond(w, r, http.StatusOK, list(l, ""), err)
}

// listOperationsNotices lists the notices to customers the caller may
// read, newest first: ?current=true for those not ended, ?org_id= and
// ?environment_id= to narrow.
func (s *Server) listOperationsNotices(w http.ResponseWriter, r *http.Request) {
	var f environments.NoticeFilter
	org, err := queryID(r, "org_id")
	if org != nil {
		f.OrgID = *org
	}
	var env *accord.ID
	if err == nil {
		env, err = queryID(r, "environment_id")
	}
	if env != nil {
		f.EnvironmentID = *env
	}
	switch r.URL.Query().Get("current") {
	case "", "false":
	case "true":
		f.EndsAfter = s.Now()
	default:
		err = accord.FieldError("current", "must be true or false")
	}
	var l []environments.Notice
	if err == nil {
		l, err = s.Environments.Notices(r.Context(), f)
	}
	s.respond(w, r, http.StatusOK, list(l, ""), err)
}

func (s *Server) publishNotice(w http.ResponseWriter, r *http.Request) {
	var in environments.NewNotice
	if err := decode(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	l, err := s.Environments.Publish(r.Context(), s.Now(), in)
	s.respond(w, r, http.StatusCreated, list(l, ""), err)
}

func (s *Server) getOperationsNotice(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	var n environments.Notice
	if err == nil {
		n, err = s.Environments.Notice(r.Context(), id)
	}
	s.respond(w, r, http.StatusOK, n, err)
}
