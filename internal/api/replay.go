package api

import (
	"net/http"

	"accord/internal/reports"
)

// replayRequest asks for a what-if replay (docs/policy.md, "Replay").
type replayRequest struct {
	Version  int    `json:"version"`
	Document string `json:"document"`
	From     string `json:"from"`
	To       string `json:"to"`
	Case     int64  `json:"case"`
}

// policyReplay answers what accord policy replay --json prints, without
// the elapsed time: vendor administrators only, as the service decides.
func (s *Server) policyReplay(w http.ResponseWriter, r *http.Request) {
	var in replayRequest
	if err := decode(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	cfg := reports.DefaultConfig()
	q := reports.ReplayQuery{Version: in.Version, Document: []byte(in.Document), Name: "the draft", Explain: in.Case, Lang: "en-US"}
	var err error
	if q.From, err = cfg.Day("from", in.From); err == nil {
		q.To, err = cfg.Day("to", in.To)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	rep, err := s.reports().Replay(r.Context(), s.Now(), q, nil)
	s.respond(w, r, http.StatusOK, rep, err)
}
