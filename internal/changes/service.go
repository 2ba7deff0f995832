package changes

import (
	"context"
	"fmt"
	"time"

	"accord/internal/accord"
	"accord/internal/cases"
	"accord/internal/directory"
	"accord/internal/sla"
)

// Environment is what changes need to know of a managed environment.
type Environment struct {
	ID         accord.ID
	OrgID      accord.ID
	ResellerID accord.ID
	Name       string
	Version    string
	// SnapshotBeforeChange asks for a snapshot, taken after the approvals
	// and at most SnapshotMaxAge before the start, before a change starts.
	SnapshotBeforeChange bool
	SnapshotMaxAge       time.Duration
}

// Snapshot is a recorded snapshot of an environment.
type Snapshot struct {
	ID      accord.ID
	TakenAt time.Time
}

// DefaultSnapshotMaxAge is the limit where a backup policy names none (002).
const DefaultSnapshotMaxAge = 12 * time.Hour

// Environments reads managed environments as the actor in ctx may: another
// tenant's is NotFound. cmd/accord adapts *environments.Service.
type Environments interface {
	Environment(ctx context.Context, now time.Time, id accord.ID) (Environment, error)
	// Snapshots lists the environment's snapshots taken since, newest first.
	Snapshots(ctx context.Context, now time.Time, envID accord.ID, since time.Time) ([]Snapshot, error)
}

// Matrices says who approves the changes of an environment: the parties
// holding A for the activity change/approve of its responsibility matrix
// (those holding R where nobody holds A). cmd/accord adapts *raci.Service.
type Matrices interface {
	Approvers(ctx context.Context, envID accord.ID) ([]Party, error)
}

// Policies gives the support policy, whose change-window calendar holds
// the change window.
type Policies interface {
	Current(ctx context.Context) (sla.Version, *sla.Policy, error)
}

// Directory gives scopes and users; *directory.Service provides it.
type Directory interface {
	Scope(ctx context.Context, now time.Time) (accord.Scope, error)
	GetUser(ctx context.Context, now time.Time, id accord.ID) (directory.User, error)
	ListUsers(ctx context.Context, now time.Time, f directory.UserFilter, p accord.Page) ([]directory.User, string, error)
}

// Cases opens the incident an exceptional change becomes; *cases.Service
// provides it.
type Cases interface {
	Open(ctx context.Context, now time.Time, in cases.NewCase) (cases.Case, error)
}

// Config holds the settings of changes.
type Config struct {
	MaxFile int64
	// Sniff names a file's type from its first bytes (http.DetectContentType).
	Sniff func([]byte) string
	// ChangeWindow names the policy calendar of the change window.
	ChangeWindow string
	BaseURL      string
}

// Service applies the rules of change requests.
type Service struct {
	store Store
	envs  Environments
	raci  Matrices
	pol   Policies
	dir   Directory
	cases Cases
	cfg   Config
}

// NewService returns a service over store.
func NewService(store Store, envs Environments, raci Matrices, pol Policies, dir Directory, cases Cases, cfg Config) *Service {
	if cfg.ChangeWindow == "" {
		cfg.ChangeWindow = "change-window"
	}
	return &Service{store: store, envs: envs, raci: raci, pol: pol, dir: dir, cases: cases, cfg: cfg}
}

func forbidden(op, format string, args ...any) error {
	return &accord.Error{Kind: accord.Forbidden, Op: op, Msg: fmt.Sprintf(format, args...)}
}

func conflict(op, format string, args ...any) error {
	return &accord.Error{Kind: accord.Conflict, Op: op, Msg: fmt.Sprintf(format, args...)}
}

func refuse(op, field, format string, args ...any) error {
	return &accord.Error{Kind: accord.Unprocessable, Op: op, Field: field, Msg: fmt.Sprintf(format, args...)}
}

func system(ctx context.Context) context.Context {
	return accord.WithActor(ctx, accord.SystemActor("changes"))
}

func (s *Service) scoped(ctx context.Context, now time.Time) (accord.Actor, accord.Scope, error) {
	a, err := accord.ActorFrom(ctx)
	if err != nil {
		return a, accord.Scope{}, err
	}
	if a.System {
		return a, accord.Scope{All: true}, nil
	}
	scope, err := s.dir.Scope(ctx, now)
	return a, scope, err
}

// vendorStaff may act for the vendor: its administrators and agents.
func vendorStaff(a accord.Actor) bool {
	return a.Role == accord.RoleAdmin || a.Role == accord.RoleAgent
}

// Windows returns what a change of env is scheduled against.
func (s *Service) Windows(ctx context.Context, envID accord.ID) (Windows, error) {
	_, pol, err := s.pol.Current(system(ctx))
	if err != nil {
		return Windows{}, err
	}
	cal, ok := pol.Calendar(s.cfg.ChangeWindow)
	if !ok {
		return Windows{}, &accord.Error{Kind: accord.Unprocessable, Field: "calendar",
			Msg: fmt.Sprintf("the support policy defines no %q calendar for the change window", s.cfg.ChangeWindow)}
	}
	zone, err := time.LoadLocation(cal.Spec().Zone)
	if err != nil {
		return Windows{}, err
	}
	w := Windows{ChangeWindow: cal, Zone: zone}
	ws, err := s.store.Windows(ctx, accord.Scope{All: true}, envID)
	if err != nil {
		return Windows{}, err
	}
	for _, mw := range ws {
		r, err := ParseRule(mw.Rule)
		if err != nil {
			return Windows{}, fmt.Errorf("changes: stored window %s no longer parses: %w", mw.ID, err)
		}
		z, err := time.LoadLocation(mw.Zone)
		if err != nil {
			return Windows{}, err
		}
		w.Maintenance = append(w.Maintenance, Maintenance{Rule: r, Zone: z})
	}
	return w, nil
}

// Get returns a change the actor may read.
func (s *Service) Get(ctx context.Context, now time.Time, id accord.ID) (Change, error) {
	_, scope, err := s.scoped(ctx, now)
	if err != nil {
		return Change{}, err
	}
	return s.store.Get(ctx, scope, id)
}

// List lists the changes the actor may read, newest first.
func (s *Service) List(ctx context.Context, now time.Time, f Filter, p accord.Page) ([]Change, string, error) {
	_, scope, err := s.scoped(ctx, now)
	if err != nil {
		return nil, "", err
	}
	if f.State != "" && !f.State.valid() {
		return nil, "", accord.FieldError("state", "must be one of %v", States)
	}
	return s.store.List(ctx, scope, f, p.Normalize())
}

// Timeline returns what happened to a change, oldest first.
func (s *Service) Timeline(ctx context.Context, now time.Time, id accord.ID) ([]Entry, error) {
	_, scope, err := s.scoped(ctx, now)
	if err != nil {
		return nil, err
	}
	return s.store.Timeline(ctx, scope, id)
}

// File returns a file stored with a change.
func (s *Service) File(ctx context.Context, now time.Time, id, fileID accord.ID) (File, []byte, error) {
	_, scope, err := s.scoped(ctx, now)
	if err != nil {
		return File{}, nil, err
	}
	return s.store.File(ctx, scope, id, fileID)
}

// ForCase returns the change an incident case was opened for, if the
// actor may read it.
func (s *Service) ForCase(ctx context.Context, now time.Time, caseID accord.ID) (Change, error) {
	_, scope, err := s.scoped(ctx, now)
	if err != nil {
		return Change{}, err
	}
	return s.store.ByCase(ctx, scope, caseID)
}
