package web

import (
	"encoding/json"
	"net/http"
	"strings"

	"accord/internal/accord"
	"accord/internal/audit"
)

// adminEntityTypes are the kinds of records the services audit, offered in
// the filter.
var adminEntityTypes = []string{"case", "catalog_version", "certification", "contact_request", "contract",
	"engagement", "entitlement", "organization", "policy_version", "token", "user"}

type adminAuditData struct {
	Events      []adminEvent
	EntityTypes []string
	Orgs        map[accord.ID]string
	// OrgList is Orgs in order, for the filter.
	OrgList []adminOrgOption
	Next    string
}

type adminOrgOption struct {
	ID   accord.ID
	Name string
}

// adminEvent is an audit event with its changes written out for reading.
type adminEvent struct {
	audit.Event
	Changes []adminChange
}

type adminChange struct {
	Field, Before, After string
}

// adminAuditValue writes a change's value as JSON, the way the trail stores it;
// an absent value is empty.
func adminAuditValue(v any) string {
	if v == nil {
		return ""
	}
	b, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	return string(b)
}

// adminAuditFilter reads the trail's filters. Ids that are not ids are
// ignored, as the list would be empty anyway; the vendor-wide chain (the
// policy, the catalog) is the organization "global".
func adminAuditFilter(r *http.Request) audit.Filter {
	q := r.URL.Query()
	var f audit.Filter
	id := func(name string) *accord.ID {
		v := strings.TrimSpace(q.Get(name))
		if !accord.ValidID(v) && !(name == "org_id" && v == string(audit.GlobalOrg)) {
			return nil
		}
		x := accord.ID(v)
		return &x
	}
	f.OrgID, f.EntityID = id("org_id"), id("entity_id")
	if t := strings.TrimSpace(q.Get("entity_type")); t != "" {
		f.EntityType = &t
	}
	return f
}

// adminAudit lists the audit trail, newest first, a page at a time.
func (s *Server) adminAudit(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	events, next, err := s.Audit.List(r.Context(), adminAuditFilter(r), accord.Page{Cursor: q.Get("cursor")})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	orgs, names, err := s.adminAllOrgs(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	loc := readerOf(r.Context()).Locale
	names[audit.GlobalOrg] = s.msgs.text(loc, "admin.audit.global")
	d := adminAuditData{Orgs: names, EntityTypes: adminEntityTypes, Next: nextPage(r.URL.Path, q, next),
		OrgList: []adminOrgOption{{ID: audit.GlobalOrg, Name: names[audit.GlobalOrg]}}}
	for _, o := range orgs {
		d.OrgList = append(d.OrgList, adminOrgOption{ID: o.ID, Name: o.Name})
	}
	for _, e := range events {
		ev := adminEvent{Event: e}
		for _, c := range e.Changes {
			ev.Changes = append(ev.Changes, adminChange{Field: c.Field, Before: adminAuditValue(c.Before), After: adminAuditValue(c.After)})
		}
		d.Events = append(d.Events, ev)
	}
	s.render(w, r, http.StatusOK, "admin_audit", s.newPage(r, "admin.audit.title", d))
}

// adminVerifyAudit checks every chain of the trail from its first event
// and shows the outcome: intact, or the first event that does not match.
func (s *Server) adminVerifyAudit(w http.ResponseWriter, r *http.Request) {
	rep, err := s.Audit.VerifyAndRecord(r.Context(), s.Now())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "admin_audit_verify", s.newPage(r, "admin.verify.title", rep))
}
