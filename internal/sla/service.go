package sla

import (
	"context"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"time"

	"accord/internal/accord"
	"accord/internal/audit"
	"accord/internal/lang"
	"accord/internal/yamldoc"
)

//go:embed default.yaml
var defaultDocument string

// DefaultDocument is the reference policy, loaded as version 1 into an
// empty database.
func DefaultDocument() string { return defaultDocument }

// Version is one stored version of the policy. Versions are never edited.
type Version struct {
	ID          accord.ID `json:"id"`
	Number      int       `json:"version"`
	SHA256      string    `json:"sha256"` // of Document
	Note        string    `json:"note"`   // "default policy", "imported", "rollback to version 2"
	CreatedAt   time.Time `json:"created_at"`
	CreatedBy   string    `json:"created_by"` // the actor's name
	CreatedByID accord.ID `json:"created_by_id,omitempty"`
	Document    string    `json:"document,omitempty"` // the YAML text as imported
	// Warnings, on an import only, are the texts that lack a language
	// Accord serves, when the instance's lang.Mode is Warn; never stored.
	Warnings Problems `json:"warnings,omitempty"`
}

// Store persists versions. CreateVersion fails with Conflict when the
// number is taken, and appends ev in the same transaction.
type Store interface {
	CreateVersion(ctx context.Context, v Version, ev audit.Event) error
	GetVersion(ctx context.Context, number int) (Version, error)
	// LatestVersion is NotFound while there is no version at all.
	LatestVersion(ctx context.Context) (Version, error)
	// ListVersions lists newest first, without documents.
	ListVersions(ctx context.Context, p accord.Page) ([]Version, string, error)
}

// Service applies the policy's rules and authorization.
type Service struct {
	store Store
	mu    sync.Mutex
	// parsed caches policies by version number: versions never change, so
	// the cache is right for every process sharing the database.
	parsed map[int]*Policy
	// languages says whether an import refuses a document whose texts lack
	// a language Accord serves, or warns.
	languages lang.Mode
}

// NewService returns a service over store; imports warn about missing
// translations (SetLanguages).
func NewService(store Store) *Service {
	return &Service{store: store, parsed: map[int]*Policy{}, languages: lang.Warn}
}

// SetLanguages sets what an import does with a document whose texts lack
// one of lang.Locales: refuse it (lang.Strict) or warn (lang.Warn).
func (s *Service) SetLanguages(m lang.Mode) { s.languages = m }

func forbidden(op, msg string) error { return &accord.Error{Kind: accord.Forbidden, Op: op, Msg: msg} }

// requireStaff lets the vendor's own staff read the history; customers and
// partners read only the current policy.
func requireStaff(ctx context.Context, op string) error {
	a, err := accord.ActorFrom(ctx)
	if err != nil {
		return err
	}
	if !a.IsVendor() {
		return forbidden(op, "only the vendor's staff may read the policy's history")
	}
	return nil
}

func requireAdmin(ctx context.Context, op string) (accord.Actor, error) {
	a, err := accord.ActorFrom(ctx)
	if err != nil {
		return a, err
	}
	if !a.System && a.Role != accord.RoleAdmin {
		return a, forbidden(op, "only vendor administrators may change the support policy")
	}
	return a, nil
}

// policy parses version v, once per process.
func (s *Service) policy(v Version) (*Policy, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p, ok := s.parsed[v.Number]; ok {
		return p, nil
	}
	p, err := Parse([]byte(v.Document))
	if err != nil {
		// It was valid when stored; a newer, stricter Accord reading it is a
		// bug to fix, not the caller's mistake.
		return nil, fmt.Errorf("sla: stored policy version %d no longer parses: %w", v.Number, err)
	}
	s.parsed[v.Number] = p
	return p, nil
}

func noPolicy() error {
	return &accord.Error{Kind: accord.NotFound, Msg: "no support policy has been loaded yet"}
}

// Current returns the newest version and its policy, to anyone signed in:
// customers read the criticality definitions and phone lines there.
func (s *Service) Current(ctx context.Context) (Version, *Policy, error) {
	if _, err := accord.ActorFrom(ctx); err != nil {
		return Version{}, nil, err
	}
	v, err := s.store.LatestVersion(ctx)
	if accord.IsKind(err, accord.NotFound) {
		return Version{}, nil, noPolicy()
	}
	if err != nil {
		return Version{}, nil, err
	}
	p, err := s.policy(v)
	return v, p, err
}

// Get returns version n and its policy (vendor staff).
func (s *Service) Get(ctx context.Context, n int) (Version, *Policy, error) {
	if err := requireStaff(ctx, "sla.Get"); err != nil {
		return Version{}, nil, err
	}
	v, err := s.store.GetVersion(ctx, n)
	if err != nil {
		return Version{}, nil, err
	}
	p, err := s.policy(v)
	return v, p, err
}

// Version returns policy version n for a record that was made under it (a
// case keeps the version it was opened under). It does not authorize: the
// caller has already decided the actor may read that record.
func (s *Service) Version(ctx context.Context, n int) (*Policy, error) {
	s.mu.Lock()
	p, ok := s.parsed[n]
	s.mu.Unlock()
	if ok {
		return p, nil
	}
	v, err := s.store.GetVersion(ctx, n)
	if err != nil {
		return nil, err
	}
	return s.policy(v)
}

// List lists versions newest first, without their documents (vendor staff).
func (s *Service) List(ctx context.Context, p accord.Page) ([]Version, string, error) {
	if err := requireStaff(ctx, "sla.List"); err != nil {
		return nil, "", err
	}
	return s.store.ListVersions(ctx, p.Normalize())
}

// Diff lists the changes from version from to version to (vendor staff).
func (s *Service) Diff(ctx context.Context, from, to int) ([]Change, error) {
	_, a, err := s.Get(ctx, from)
	if err != nil {
		return nil, err
	}
	_, b, err := s.Get(ctx, to)
	if err != nil {
		return nil, err
	}
	return Diff(a, b), nil
}

// DueRequest asks when a first response is due under a version of the
// policy (0: the current one) or under a draft document not yet imported.
type DueRequest struct {
	DueInput
	Version  int    `json:"policy_version,omitempty"`
	Document string `json:"document,omitempty"`
}

// Due answers a what-if for anyone signed in; reading an older version or
// trying a draft is for vendor staff.
func (s *Service) Due(ctx context.Context, req DueRequest) (DueResult, error) {
	var p *Policy
	var err error
	switch {
	case req.Document != "" && req.Version != 0:
		return DueResult{}, accord.FieldError("document", "give a document or a policy_version, not both")
	case req.Document != "":
		if err := requireStaff(ctx, "sla.Due"); err != nil {
			return DueResult{}, err
		}
		if p, err = Draft([]byte(req.Document)); err != nil {
			return DueResult{}, err
		}
	case req.Version != 0:
		_, p, err = s.Get(ctx, req.Version)
	default:
		_, p, err = s.Current(ctx)
	}
	if err != nil {
		return DueResult{}, err
	}
	return p.Due(req.DueInput)
}

// invalidDocument makes Parse's problems (or a strict import's missing
// texts) an Invalid error naming the first problem's path; its message
// lists them all, and each problem is answered on its own with its line
// and column, as the catalog's and the matrices' are, so that the
// administrator finds it in the file.
func invalidDocument(err error) error {
	var ps Problems
	errors.As(err, &ps)
	field := "document"
	if len(ps) > 0 && ps[0].Path != "" {
		field = ps[0].Path
	}
	e := &accord.Error{Kind: accord.Invalid, Op: "sla.Parse", Field: field, Msg: err.Error(), Err: err}
	for _, p := range ps {
		f := p.Path
		if f == "" {
			f = "document"
		}
		e.Problems = append(e.Problems, accord.Problem{Field: f, Msg: p.Located()})
	}
	return e
}

// Draft parses a document that is not stored (a what-if, a replay) as
// Import would: its error is Invalid and wraps Problems, every problem
// with its line and column.
func Draft(doc []byte) (*Policy, error) {
	p, err := Parse(doc)
	if err != nil {
		return nil, invalidDocument(err)
	}
	return p, nil
}

// Import validates doc and stores it as the next version. Its error for an
// invalid document wraps Problems (every problem, with positions). A
// document identical to the current version is refused as a Conflict:
// nothing would change.
func (s *Service) Import(ctx context.Context, now time.Time, doc string) (Version, []Change, error) {
	const op = "sla.Import"
	a, err := requireAdmin(ctx, op)
	if err != nil {
		return Version{}, nil, err
	}
	p, err := Parse([]byte(doc))
	if err != nil {
		return Version{}, nil, invalidDocument(err)
	}
	gaps := yamldoc.Untranslated([]byte(doc), p, lang.Locales)
	if len(gaps) > 0 && s.languages == lang.Strict {
		return Version{}, nil, invalidDocument(gaps)
	}
	v, changes, err := s.create(ctx, op, a, now, doc, "policy.import", "imported")
	v.Warnings = gaps
	return v, changes, err
}

// Rollback makes the next version a copy of version n.
func (s *Service) Rollback(ctx context.Context, now time.Time, n int) (Version, []Change, error) {
	const op = "sla.Rollback"
	a, err := requireAdmin(ctx, op)
	if err != nil {
		return Version{}, nil, err
	}
	old, err := s.store.GetVersion(ctx, n)
	if err != nil {
		return Version{}, nil, err
	}
	return s.create(ctx, op, a, now, old.Document, "policy.rollback", fmt.Sprintf("rollback to version %d", n))
}

// EnsureDefault loads the default policy as version 1 into a database that
// has none, and does nothing otherwise; several processes may call it at
// once. It reports whether it created the version.
func (s *Service) EnsureDefault(ctx context.Context, now time.Time) (bool, error) {
	a, err := requireAdmin(ctx, "sla.EnsureDefault")
	if err != nil {
		return false, err
	}
	if _, err := s.store.LatestVersion(ctx); !accord.IsKind(err, accord.NotFound) {
		return false, err
	}
	v := newVersion(a, now, 1, defaultDocument, "default policy")
	ev := audit.New(a, now, audit.GlobalOrg, "policy.default", "policy_version", v.ID, versionChanges(v, nil))
	err = s.store.CreateVersion(ctx, v, ev)
	if accord.IsKind(err, accord.Conflict) {
		return false, nil // another process loaded it first
	}
	return err == nil, err
}

func newVersion(a accord.Actor, now time.Time, n int, doc, note string) Version {
	sum := sha256.Sum256([]byte(doc))
	name := a.Name
	if a.System && name == "" {
		name = "system"
	}
	return Version{ID: accord.NewID("pol"), Number: n, SHA256: hex.EncodeToString(sum[:]), Note: note,
		CreatedAt: now.UTC().Truncate(time.Microsecond), CreatedBy: name, CreatedByID: a.UserID, Document: doc}
}

// versionChanges records the new version and, path by path, what it
// changes from the previous one.
func versionChanges(v Version, changes []Change) audit.Changes {
	ch := audit.Changes{{Field: "version", After: v.Number}, {Field: "sha256", After: v.SHA256}}
	for _, c := range changes {
		var before, after any
		if c.Before != nil {
			before = *c.Before
		}
		if c.After != nil {
			after = *c.After
		}
		ch = append(ch, audit.Change{Field: c.Path, Before: before, After: after})
	}
	return ch
}

// maxAttempts bounds the retries of concurrent imports racing for one
// version number.
const maxAttempts = 10

// create stores doc as the version after the newest. Two imports at once
// read the same newest version; the store's unique number makes one of
// them fail with Conflict, and it tries again with the next number.
func (s *Service) create(ctx context.Context, op string, a accord.Actor, now time.Time, doc, action, note string) (Version, []Change, error) {
	for attempt := 1; ; attempt++ {
		latest, err := s.store.LatestVersion(ctx)
		if err != nil && !accord.IsKind(err, accord.NotFound) {
			return Version{}, nil, err
		}
		var changes []Change
		if latest.Number > 0 {
			if latest.Document == doc {
				return Version{}, nil, &accord.Error{Kind: accord.Conflict, Op: op,
					Msg: fmt.Sprintf("the document is identical to version %d, the current policy; nothing to change", latest.Number)}
			}
			prev, err := s.policy(latest)
			if err != nil {
				return Version{}, nil, err
			}
			next, err := Parse([]byte(doc))
			if err != nil {
				return Version{}, nil, invalidDocument(err)
			}
			changes = Diff(prev, next)
		}
		v := newVersion(a, now, latest.Number+1, doc, note)
		ev := audit.New(a, now, audit.GlobalOrg, action, "policy_version", v.ID, versionChanges(v, changes))
		err = s.store.CreateVersion(ctx, v, ev)
		if accord.IsKind(err, accord.Conflict) && attempt < maxAttempts {
			continue
		}
		if err != nil {
			return Version{}, nil, accord.Wrap(op, err)
		}
		return v, changes, nil
	}
}
