package cases

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"accord/internal/accord"
	"accord/internal/audit"
	"accord/internal/sla"
)

// SessionProposal is the input to ProposeSession.
type SessionProposal struct {
	StartsAt time.Time `json:"starts_at"`
	Minutes  int       `json:"minutes"` // at most 30; 30 when zero
	Note     string    `json:"note"`
}

// ProposeSession proposes a remote session to the customer (agents), to
// start within a year. A proposal answers the customer (section 7.7 lists
// it among responses).
func (s *Service) ProposeSession(ctx context.Context, now time.Time, id accord.ID, in SessionProposal) (Case, error) {
	const op = "cases.ProposeSession"
	return s.change(ctx, now, op, id, func(a accord.Actor, pol *sla.Policy, c Case) (Change, error) {
		if !isAgent(a) {
			return Change{}, forbidden(op, "agents propose remote sessions")
		}
		var ps []accord.Problem
		note := checkText(&ps, "note", in.Note, false, maxShort)
		minutes := in.Minutes
		if minutes == 0 {
			minutes = int(MaxSession / time.Minute)
		}
		if minutes < 1 || time.Duration(minutes)*time.Minute > MaxSession {
			ps = append(ps, accord.Problem{Field: "minutes", Msg: fmt.Sprintf("a remote session lasts 1 to %d minutes", int(MaxSession/time.Minute))})
		}
		if in.StartsAt.IsZero() {
			ps = append(ps, accord.Problem{Field: "starts_at", Msg: "is required"})
		} else if !in.StartsAt.After(now) {
			ps = append(ps, accord.Problem{Field: "starts_at", Msg: "must be in the future"})
		} else if in.StartsAt.After(now.AddDate(1, 0, 0)) {
			ps = append(ps, accord.Problem{Field: "starts_at", Msg: "must be within a year from now"})
		}
		if err := accord.InvalidFields(op, ps); err != nil {
			return Change{}, err
		}
		if err := supportCase(op, c); err != nil {
			return Change{}, err
		}
		before, after := c, c
		respond(&after, a, now)
		e := entry(a, now, c, RemoteSession)
		e.Body = note
		e.Data.Session = &Session{StartsAt: in.StartsAt.UTC().Truncate(time.Second), Minutes: minutes, Status: SessionProposed}
		var p *Pause
		entries := []Entry{e}
		if after.State == New {
			var err error
			if p, err = transition(pol, &after, Open, now); err != nil {
				return Change{}, err
			}
			entries = append(entries, stateChange(a, now, after, New, "", "", false))
		}
		return finish(pol, a, now, before, after, "case.session_propose", p, entries...)
	})
}

// SessionDecision is the customer's answer to a proposed session.
type SessionDecision struct {
	Accept        bool   `json:"accept"`
	RemoteControl bool   `json:"remote_control"` // may the engineer take control?
	Note          string `json:"note"`
}

// DecideSession records the customer's answer to a proposed session.
func (s *Service) DecideSession(ctx context.Context, now time.Time, id, entryID accord.ID, in SessionDecision) (Case, error) {
	const op = "cases.DecideSession"
	_, scope, err := s.scoped(ctx, now)
	if err != nil {
		return Case{}, err
	}
	timeline, err := s.store.Entries(ctx, scope, id, false)
	if err != nil {
		return Case{}, accord.Wrap(op, err)
	}
	var proposal *Entry
	for i := range timeline {
		if timeline[i].ID == entryID && timeline[i].Kind == RemoteSession {
			proposal = &timeline[i]
		}
	}
	if proposal == nil {
		return Case{}, &accord.Error{Kind: accord.NotFound, Op: op, Msg: "no such remote session on this case"}
	}
	return s.change(ctx, now, op, id, func(a accord.Actor, pol *sla.Policy, c Case) (Change, error) {
		var ps []accord.Problem
		note := checkText(&ps, "note", in.Note, false, maxShort)
		if err := accord.InvalidFields(op, ps); err != nil {
			return Change{}, err
		}
		if !isCustomer(a, c) {
			return Change{}, forbidden(op, "the customer accepts or declines a remote session")
		}
		if proposal.Data.Session.Status != SessionProposed {
			return Change{}, conflict(op, "the session was already "+string(proposal.Data.Session.Status))
		}
		if c.State == Closed {
			return Change{}, conflict(op, "the case is closed")
		}
		decided := *proposal
		sess := *decided.Data.Session
		at := now
		sess.Status, sess.RemoteControl, sess.DecidedBy, sess.DecidedAt, sess.Note = SessionDeclined, false, a.Name, &at, note
		if in.Accept {
			sess.Status, sess.RemoteControl = SessionAccepted, in.RemoteControl
		}
		decided.Data.Session = &sess
		e := entry(a, now, c, RemoteSession)
		e.Body, e.Data.Session = note, &sess
		ch, err := finish(pol, a, now, c, c, "case.session_"+string(sess.Status), nil, e)
		ch.Update = []EntryUpdate{{From: *proposal, To: decided}}
		return ch, err
	})
}

// NewFile is an attachment to add.
type NewFile struct {
	Name     string
	Content  []byte
	Internal bool // agents only: hidden from the customer
}

// MaxFiles bounds the files sent with one reply, note or new case.
const MaxFiles = 10

// prepare checks files sent together and describes them, each typed by
// sniffing its content, never by the uploader. A problem names the file,
// in field[i], so that nothing is written when one of them is refused.
func (s *Service) prepare(field string, in []NewFile) ([]File, []Upload, error) {
	var ps []accord.Problem
	if len(in) > MaxFiles {
		ps = append(ps, accord.Problem{Field: field, Msg: fmt.Sprintf("at most %d files at once", MaxFiles)})
	}
	files, uploads := make([]File, 0, len(in)), make([]Upload, 0, len(in))
	for i, nf := range in {
		at := field
		if len(in) > 1 || field != "file" {
			at = fmt.Sprintf("%s[%d]", field, i)
		}
		var fps []accord.Problem
		name := checkText(&fps, at, filepath.Base(strings.ReplaceAll(nf.Name, `\`, "/")), true, 255)
		if len(fps) == 0 && (strings.ContainsAny(name, "\x00\r\n\"") || name == "." || name == "/") {
			fps = append(fps, accord.Problem{Field: at, Msg: "is not a usable file name"})
		}
		shown := name
		if len(fps) > 0 {
			shown = fmt.Sprintf("file %d", i+1)
		}
		switch {
		case len(nf.Content) == 0:
			fps = append(fps, accord.Problem{Field: at, Msg: shown + ": is empty"})
		case int64(len(nf.Content)) > s.cfg.MaxFile:
			fps = append(fps, accord.Problem{Field: at, Msg: fmt.Sprintf("%s: at most %d MiB", shown, s.cfg.MaxFile>>20)})
		}
		ps = append(ps, fps...)
		if len(fps) > 0 {
			continue
		}
		sum := sha256.Sum256(nf.Content)
		f := File{ID: accord.NewID("fil"), Name: name, ContentType: s.cfg.Sniff(nf.Content), Size: int64(len(nf.Content)), SHA256: hex.EncodeToString(sum[:])}
		files, uploads = append(files, f), append(uploads, Upload{File: f, Content: nf.Content})
	}
	if err := accord.InvalidFields("cases.files", ps); err != nil {
		return nil, nil, err
	}
	return files, uploads, nil
}

// filesChange records in an audit event the files sent with an entry.
func filesChange(files []File) audit.Change {
	l := make([]map[string]any, len(files))
	for i, f := range files {
		l[i] = map[string]any{"id": f.ID, "name": f.Name, "content_type": f.ContentType, "size": f.Size, "sha256": f.SHA256}
	}
	return audit.Change{Field: "files", After: l}
}

// Attach adds a file to a case. Its type is sniffed from its content, never
// taken from the uploader.
func (s *Service) Attach(ctx context.Context, now time.Time, id accord.ID, in NewFile) (Case, Entry, error) {
	const op = "cases.Attach"
	files, uploads, err := s.prepare("file", []NewFile{in})
	if err != nil {
		return Case{}, Entry{}, err
	}
	f := files[0]
	var added Entry
	c, err := s.change(ctx, now, op, id, func(a accord.Actor, pol *sla.Policy, c Case) (Change, error) {
		if !isAgent(a) && !isCustomer(a, c) {
			return Change{}, forbidden(op, "only the customer's contacts and agents add files")
		}
		if in.Internal && !isAgent(a) {
			return Change{}, accord.FieldError("internal", "internal files are for agents")
		}
		if c.State == Closed {
			return Change{}, conflict(op, "the case is closed")
		}
		e := entry(a, now, c, Attachment)
		e.Internal, e.Data.File = in.Internal, &f
		added = e
		ch, err := finish(pol, a, now, c, c, "case.attach", nil, e)
		ch.Uploads = uploads
		return ch, err
	})
	return c, added, err
}

// File returns an attachment of a case the actor may read; internal files
// only to agents.
func (s *Service) File(ctx context.Context, now time.Time, id, fileID accord.ID) (File, []byte, error) {
	a, scope, err := s.scoped(ctx, now)
	if err != nil {
		return File{}, nil, err
	}
	e, content, err := s.store.File(ctx, scope, id, fileID)
	if err != nil {
		return File{}, nil, err
	}
	if e.Internal && !isAgent(a) && !a.IsVendor() {
		return File{}, nil, &accord.Error{Kind: accord.NotFound, Op: "cases.File", Msg: "file not found"}
	}
	if f := e.Data.File; f != nil && f.ID == fileID {
		return *f, content, nil
	}
	for _, f := range e.Data.Files {
		if f.ID == fileID {
			return f, content, nil
		}
	}
	return File{}, nil, &accord.Error{Kind: accord.NotFound, Op: "cases.File", Msg: "file not found"}
}

// Scope categories: requests outside support's scope (section 5.5) and
// the professional service that covers each, by catalog key.
var scopeServices = map[string]struct{ Key, Name string }{
	"upgrade":          {"assisted_update", "Assisted update"},
	"configuration":    {"assisted_settings", "Assisted settings"},
	"migration":        {"environment_migration", "Environment migration"},
	"environment_test": {"ha_dr_test", "HA/DR test"},
	"integration_test": {"ha_dr_test", "HA/DR test"},
	"training":         {"admin_training", "Administrator training"},
	"installation":     {"deployment", "Deployment"},
	"data_collection":  {"health_check", "Health check"},
	"database_restore": {"database_restore", "Database restore"},
	"credentials":      {"device_registration", "Registration of devices and credentials"},
	"on_site_visit":    {"", ""},
	"other":            {"", ""},
}

// ScopeCategories lists the categories MarkOutOfScope accepts.
func ScopeCategories() []string {
	return slices.Sorted(maps.Keys(scopeServices))
}

// ServiceFor names the professional service that covers an out-of-scope
// category, if one does.
func ServiceFor(category string) (key, name string) {
	s := scopeServices[category]
	return s.Key, s.Name
}

// OutOfScope is the input to MarkOutOfScope.
type OutOfScope struct {
	Category string `json:"category"`
	Note     string `json:"note"`
}

// MarkOutOfScope records that a request lies outside support's scope and
// points the customer to the professional service that covers it.
func (s *Service) MarkOutOfScope(ctx context.Context, now time.Time, id accord.ID, in OutOfScope) (Case, error) {
	const op = "cases.MarkOutOfScope"
	return s.change(ctx, now, op, id, func(a accord.Actor, pol *sla.Policy, c Case) (Change, error) {
		if !isAgent(a) {
			return Change{}, forbidden(op, "agents decide what support covers")
		}
		var ps []accord.Problem
		svc, ok := scopeServices[in.Category]
		if !ok {
			ps = append(ps, accord.Problem{Field: "category", Msg: "must be one of " + strings.Join(ScopeCategories(), ", ")})
		}
		note := checkText(&ps, "note", in.Note, false, maxText)
		if err := accord.InvalidFields(op, ps); err != nil {
			return Change{}, err
		}
		if err := supportCase(op, c); err != nil {
			return Change{}, err
		}
		before, after := c, c
		after.OutOfScope = in.Category
		respond(&after, a, now)
		e := entry(a, now, c, OutOfScopeMark)
		e.Data.Category, e.Data.Service = in.Category, svc.Key
		e.Body = "This request is outside the scope of support (" + strings.ReplaceAll(in.Category, "_", " ") + ")."
		if svc.Name != "" {
			e.Body += " The professional service \"" + svc.Name + "\" covers it; your partner or our team can book it for you."
		} else {
			e.Body += " Ask your partner or our team about professional services."
		}
		if note != "" {
			e.Body += "\n\n" + note
		}
		return finish(pol, a, now, before, after, "case.out_of_scope", nil, e)
	})
}

// enhancementNext lists where each enhancement state may go.
var enhancementNext = map[State][]State{
	Received:      {UnderAnalysis, Accepted, Declined},
	UnderAnalysis: {Accepted, Declined},
	Accepted:      {Delivered, Declined},
}

// EnhancementUpdate is the input to UpdateEnhancement.
type EnhancementUpdate struct {
	State       State  `json:"state"`
	DeliveredIn string `json:"delivered_in"` // required for delivered
	Note        string `json:"note"`
}

// UpdateEnhancement moves an enhancement request along its own states
// (vendor staff): received, under analysis, accepted or declined, and
// delivered in a version.
func (s *Service) UpdateEnhancement(ctx context.Context, now time.Time, id accord.ID, in EnhancementUpdate) (Case, error) {
	const op = "cases.UpdateEnhancement"
	return s.change(ctx, now, op, id, func(a accord.Actor, pol *sla.Policy, c Case) (Change, error) {
		var ps []accord.Problem
		note := checkText(&ps, "note", in.Note, false, maxText)
		version := checkText(&ps, "delivered_in", in.DeliveredIn, in.State == Delivered, 100)
		if err := accord.InvalidFields(op, ps); err != nil {
			return Change{}, err
		}
		if !isVendorAgent(a) {
			return Change{}, forbidden(op, "the vendor decides on enhancement requests")
		}
		if c.Type != Enhancement {
			return Change{}, conflict(op, "only enhancement requests have these states")
		}
		next := enhancementNext[c.State]
		if !slices.Contains(next, in.State) {
			return Change{}, accord.FieldError("state", "from %s the request can go to %s", c.State, joinStates(next))
		}
		before, after := c, c
		after.State = in.State
		if in.State == Delivered {
			after.DeliveredIn = version
		}
		if in.State == Declined || in.State == Delivered {
			closed := now
			after.ClosedAt = &closed
		}
		return finish(pol, a, now, before, after, "case.enhancement", nil, stateChange(a, now, after, before.State, note, version, false))
	})
}
