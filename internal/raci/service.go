package raci

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"sync"
	"time"

	"accord/internal/accord"
	"accord/internal/audit"
	"accord/internal/environments"
	"accord/internal/yamldoc"
)

// Version is one stored version of the default matrix. Versions are never
// edited.
type Version struct {
	ID          accord.ID `json:"id"`
	Number      int       `json:"version"`
	SHA256      string    `json:"sha256"` // of Document
	Note        string    `json:"note"`   // "default matrix", "imported", "rollback to version 2"
	CreatedAt   time.Time `json:"created_at"`
	CreatedBy   string    `json:"created_by"` // the actor's name
	CreatedByID accord.ID `json:"created_by_id,omitempty"`
	Document    string    `json:"document,omitempty"` // the YAML text as imported
}

// Override is one version of an environment's own matrix, numbered per
// environment. It is tenant data: it carries the customer organization
// that owns the environment.
type Override struct {
	ID            accord.ID `json:"id"`
	OrgID         accord.ID `json:"org_id"`
	EnvironmentID accord.ID `json:"environment_id"`
	Number        int       `json:"version"`
	// BasedOn is the default version in force when the override was set,
	// the one its agreed differences were read against.
	BasedOn     int       `json:"based_on"`
	SHA256      string    `json:"sha256"`
	Note        string    `json:"note"`
	CreatedAt   time.Time `json:"created_at"`
	CreatedBy   string    `json:"created_by"`
	CreatedByID accord.ID `json:"created_by_id,omitempty"`
	Document    string    `json:"document,omitempty"`
}

// Store persists versions and overrides. Create* fail with Conflict when
// the number is taken, and append ev in the same transaction.
type Store interface {
	CreateVersion(ctx context.Context, v Version, ev audit.Event) error
	GetVersion(ctx context.Context, number int) (Version, error)
	// LatestVersion is NotFound while there is no version at all.
	LatestVersion(ctx context.Context) (Version, error)
	// ListVersions lists newest first, without documents.
	ListVersions(ctx context.Context, p accord.Page) ([]Version, string, error)
	CreateOverride(ctx context.Context, o Override, ev audit.Event) error
	// LatestOverride is the environment's newest override, looked up
	// within org; NotFound when it has none.
	LatestOverride(ctx context.Context, org, env accord.ID) (Override, error)
}

// Environments finds an environment the actor may read: NotFound for one
// that does not exist or belongs to another tenant. *environments.Service
// provides it.
type Environments interface {
	Get(ctx context.Context, id accord.ID) (environments.Environment, error)
}

// Service applies the matrices' rules and authorization.
type Service struct {
	store Store
	envs  Environments
	mu    sync.Mutex
	// parsed caches matrices by document hash: stored documents never
	// change, so the cache is right for every process sharing the database.
	parsed map[string]*Matrix
}

// NewService returns a service over store, finding environments in envs.
func NewService(store Store, envs Environments) *Service {
	return &Service{store: store, envs: envs, parsed: map[string]*Matrix{}}
}

func forbidden(op, msg string) error { return &accord.Error{Kind: accord.Forbidden, Op: op, Msg: msg} }

func requireStaff(ctx context.Context, op string) (accord.Actor, error) {
	a, err := accord.ActorFrom(ctx)
	if err != nil {
		return a, err
	}
	if !a.IsVendor() {
		return a, forbidden(op, "only the vendor's staff may read the matrix's history")
	}
	return a, nil
}

func requireAdmin(ctx context.Context, op string) (accord.Actor, error) {
	a, err := accord.ActorFrom(ctx)
	if err != nil {
		return a, err
	}
	if !a.System && a.Role != accord.RoleAdmin {
		return a, forbidden(op, "only vendor administrators may change responsibility matrices")
	}
	return a, nil
}

func noMatrix() error {
	return &accord.Error{Kind: accord.NotFound, Msg: "no responsibility matrix has been loaded yet"}
}

// matrix parses a stored document, once per process.
func (s *Service) matrix(sum, doc string, version int) (*Matrix, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	key := fmt.Sprintf("%s/%d", sum, version)
	if m, ok := s.parsed[key]; ok {
		return m, nil
	}
	m, _, err := Parse([]byte(doc))
	if err != nil {
		// It was valid when stored; a stricter Accord reading it is a bug
		// to fix, not the caller's mistake.
		return nil, fmt.Errorf("raci: a stored matrix no longer parses: %w", err)
	}
	m.Version = version
	s.parsed[key] = m
	return m, nil
}

// Invalid makes Parse's problems an Invalid error with every problem as a
// field of the document, at its line and column.
func Invalid(op string, ps yamldoc.Problems) error {
	e := &accord.Error{Kind: accord.Invalid, Op: op, Msg: "the matrix document is not valid: " + ps.Error(), Err: ps}
	for _, p := range ps {
		field := "document"
		if p.Path != "" {
			field = "document." + p.Path
		}
		e.Problems = append(e.Problems, accord.Problem{Field: field, Msg: p.Located()})
	}
	if len(e.Problems) > 0 {
		e.Field = e.Problems[0].Field
	}
	return e
}

// current is the newest default version and its matrix, without
// authorization.
func (s *Service) current(ctx context.Context) (Version, *Matrix, error) {
	v, err := s.store.LatestVersion(ctx)
	if accord.IsKind(err, accord.NotFound) {
		return Version{}, nil, noMatrix()
	}
	if err != nil {
		return Version{}, nil, err
	}
	m, err := s.matrix(v.SHA256, v.Document, v.Number)
	return v, m, err
}

// Current returns the newest default version and its matrix, to anyone
// signed in: it is the vendor's published split of duties.
func (s *Service) Current(ctx context.Context) (Version, *Matrix, error) {
	if _, err := accord.ActorFrom(ctx); err != nil {
		return Version{}, nil, err
	}
	return s.current(ctx)
}

// Get returns default version n and its matrix (vendor staff).
func (s *Service) Get(ctx context.Context, n int) (Version, *Matrix, error) {
	if _, err := requireStaff(ctx, "raci.Get"); err != nil {
		return Version{}, nil, err
	}
	v, err := s.store.GetVersion(ctx, n)
	if err != nil {
		return Version{}, nil, err
	}
	m, err := s.matrix(v.SHA256, v.Document, v.Number)
	return v, m, err
}

// List lists default versions newest first, without documents (vendor
// staff).
func (s *Service) List(ctx context.Context, p accord.Page) ([]Version, string, error) {
	if _, err := requireStaff(ctx, "raci.List"); err != nil {
		return nil, "", err
	}
	return s.store.ListVersions(ctx, p.Normalize())
}

// Diff lists the changes from default version from to version to (vendor
// staff).
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

// Import validates doc and stores it as the next default version (vendor
// administrators). A document identical to the current version is a
// Conflict: nothing would change.
func (s *Service) Import(ctx context.Context, now time.Time, doc, note string) (Version, []Change, error) {
	const op = "raci.Import"
	a, err := requireAdmin(ctx, op)
	if err != nil {
		return Version{}, nil, err
	}
	if _, ps, _ := Parse([]byte(doc)); ps != nil {
		return Version{}, nil, Invalid(op, ps)
	}
	if note = strings.TrimSpace(note); note == "" {
		note = "imported"
	}
	if msg := accord.TextProblem(note); msg != "" || len(note) > 500 {
		return Version{}, nil, accord.FieldError("note", "must be text of at most 500 bytes")
	}
	return s.create(ctx, op, a, now, doc, "raci.import", note)
}

// Rollback makes the next default version a copy of version n.
func (s *Service) Rollback(ctx context.Context, now time.Time, n int) (Version, []Change, error) {
	const op = "raci.Rollback"
	a, err := requireAdmin(ctx, op)
	if err != nil {
		return Version{}, nil, err
	}
	old, err := s.store.GetVersion(ctx, n)
	if err != nil {
		return Version{}, nil, err
	}
	return s.create(ctx, op, a, now, old.Document, "raci.rollback", fmt.Sprintf("rollback to version %d", n))
}

// EnsureDefault loads the default matrix as version 1 into a database that
// has none; several processes may call it at once. It reports whether it
// created the version.
func (s *Service) EnsureDefault(ctx context.Context, now time.Time) (bool, error) {
	a, err := requireAdmin(ctx, "raci.EnsureDefault")
	if err != nil {
		return false, err
	}
	if _, err := s.store.LatestVersion(ctx); !accord.IsKind(err, accord.NotFound) {
		return false, err
	}
	v := newVersion(a, now, 1, defaultDocument, "default matrix")
	ev := audit.New(a, now, audit.GlobalOrg, "raci.default", "raci_version", v.ID, versionChanges(v.Number, v.SHA256, nil))
	err = s.store.CreateVersion(ctx, v, ev)
	if accord.IsKind(err, accord.Conflict) {
		return false, nil // another process loaded it first
	}
	return err == nil, err
}

func actorName(a accord.Actor) string {
	if a.System && a.Name == "" {
		return "system"
	}
	return a.Name
}

func stamp(now time.Time) time.Time { return now.UTC().Truncate(time.Microsecond) }

func hash(doc string) string {
	sum := sha256.Sum256([]byte(doc))
	return hex.EncodeToString(sum[:])
}

func newVersion(a accord.Actor, now time.Time, n int, doc, note string) Version {
	return Version{ID: accord.NewID("raci"), Number: n, SHA256: hash(doc), Note: note,
		CreatedAt: stamp(now), CreatedBy: actorName(a), CreatedByID: a.UserID, Document: doc}
}

// versionChanges records the new version and, path by path, what it
// changes from the one before.
func versionChanges(n int, sum string, changes []Change) audit.Changes {
	ch := audit.Changes{{Field: "version", After: n}, {Field: "sha256", After: sum}}
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

// create stores doc as the default version after the newest; two imports
// at once race for the number, and the loser tries the next one.
func (s *Service) create(ctx context.Context, op string, a accord.Actor, now time.Time, doc, action, note string) (Version, []Change, error) {
	next, _, err := Parse([]byte(doc))
	if err != nil {
		return Version{}, nil, fmt.Errorf("raci: a stored matrix no longer parses: %w", err)
	}
	for attempt := 1; ; attempt++ {
		latest, err := s.store.LatestVersion(ctx)
		if err != nil && !accord.IsKind(err, accord.NotFound) {
			return Version{}, nil, err
		}
		var changes []Change
		if latest.Number > 0 {
			if latest.Document == doc {
				return Version{}, nil, &accord.Error{Kind: accord.Conflict, Op: op,
					Msg: fmt.Sprintf("the document is identical to version %d, the current matrix; nothing to change", latest.Number)}
			}
			prev, err := s.matrix(latest.SHA256, latest.Document, latest.Number)
			if err != nil {
				return Version{}, nil, err
			}
			changes = Diff(prev, next)
		}
		v := newVersion(a, now, latest.Number+1, doc, note)
		ev := audit.New(a, now, audit.GlobalOrg, action, "raci_version", v.ID, versionChanges(v.Number, v.SHA256, changes))
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

// Effective is the matrix in force for an environment.
type Effective struct {
	EnvironmentID accord.ID `json:"environment_id"`
	// Default is the current default version.
	Default Version `json:"default"`
	// Override is the environment's own version; nil when it follows the
	// default.
	Override *Override `json:"override,omitempty"`
	Matrix   *Matrix   `json:"matrix"`
	// Agreed is what the override changes from the current default: what
	// the vendor and the customer agreed. Empty without an override.
	Agreed []Change `json:"agreed"`
}

// ForEnvironment returns the matrix in force for an environment: its
// override if it has one, else the current default. The environment's
// customer contacts and partners read their own; another tenant's
// environment is NotFound.
func (s *Service) ForEnvironment(ctx context.Context, envID accord.ID) (Effective, error) {
	if _, err := accord.ActorFrom(ctx); err != nil {
		return Effective{}, err
	}
	env, err := s.envs.Get(ctx, envID)
	if err != nil {
		return Effective{}, err
	}
	v, def, err := s.current(ctx)
	if err != nil {
		return Effective{}, err
	}
	out := Effective{EnvironmentID: envID, Default: v, Matrix: def, Agreed: []Change{}}
	out.Default.Document = ""
	o, err := s.store.LatestOverride(ctx, env.OrgID, envID)
	if accord.IsKind(err, accord.NotFound) {
		return out, nil
	}
	if err != nil {
		return Effective{}, err
	}
	m, err := s.matrix(o.SHA256, o.Document, o.Number)
	if err != nil {
		return Effective{}, err
	}
	out.Override, out.Matrix, out.Agreed = &o, m, Diff(def, m)
	return out, nil
}

// SetOverride stores doc as the environment's next own version (vendor
// administrators); the audit event goes to the chain of the organization
// that owns the environment and lists what differs from the matrix in
// force before. Letters for a reseller are refused when no reseller
// delivers the environment.
func (s *Service) SetOverride(ctx context.Context, now time.Time, envID accord.ID, doc, note string) (Override, []Change, error) {
	const op = "raci.SetOverride"
	a, err := requireAdmin(ctx, op)
	if err != nil {
		return Override{}, nil, err
	}
	env, err := s.envs.Get(ctx, envID)
	if err != nil {
		return Override{}, nil, err
	}
	next, ps, _ := parse([]byte(doc), env.ResellerID != "")
	if ps != nil {
		return Override{}, nil, Invalid(op, ps)
	}
	if note = strings.TrimSpace(note); note == "" {
		note = "agreed for the environment"
	}
	if msg := accord.TextProblem(note); msg != "" || len(note) > 500 {
		return Override{}, nil, accord.FieldError("note", "must be text of at most 500 bytes")
	}
	for attempt := 1; ; attempt++ {
		before, err := s.ForEnvironment(ctx, envID)
		if err != nil {
			return Override{}, nil, err
		}
		number := 1
		if before.Override != nil {
			if before.Override.Document == doc {
				return Override{}, nil, &accord.Error{Kind: accord.Conflict, Op: op,
					Msg: fmt.Sprintf("the document is identical to the environment's version %d; nothing to change", before.Override.Number)}
			}
			number = before.Override.Number + 1
		}
		changes := Diff(before.Matrix, next)
		o := Override{ID: accord.NewID("raco"), OrgID: env.OrgID, EnvironmentID: envID, Number: number,
			BasedOn: before.Default.Number, SHA256: hash(doc), Note: note, CreatedAt: stamp(now),
			CreatedBy: actorName(a), CreatedByID: a.UserID, Document: doc}
		ch := versionChanges(o.Number, o.SHA256, changes)
		ch = append(audit.Changes{{Field: "environment_id", After: string(envID)}, {Field: "based_on", After: o.BasedOn}}, ch...)
		ev := audit.New(a, now, env.OrgID, "raci.override", "raci_override", o.ID, ch)
		err = s.store.CreateOverride(ctx, o, ev)
		if accord.IsKind(err, accord.Conflict) && attempt < maxAttempts {
			continue
		}
		if err != nil {
			return Override{}, nil, accord.Wrap(op, err)
		}
		return o, changes, nil
	}
}
