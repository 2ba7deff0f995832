package environments

import (
	"context"
	"fmt"
	"time"

	"accord/internal/accord"
	"accord/internal/audit"
	"accord/internal/directory"
)

// Directory gives actors' scopes and organizations; *directory.Service
// provides it.
type Directory interface {
	Scope(ctx context.Context, now time.Time) (accord.Scope, error)
	GetOrganization(ctx context.Context, now time.Time, id accord.ID) (directory.Organization, error)
	PartnerServes(ctx context.Context, partnerID, customerID accord.ID) (bool, error)
}

// Store persists environments. Every method that changes something writes
// its audit events in the same transaction; reads apply the scope to the
// environment's customer or, for a partner, to its reseller too.
type Store interface {
	// CreateEnvironment inserts e and schedules its first check at check.
	CreateEnvironment(ctx context.Context, e Environment, check time.Time, ev audit.Event) error
	GetEnvironment(ctx context.Context, scope accord.Scope, id accord.ID) (Environment, error)
	ListEnvironments(ctx context.Context, scope accord.Scope, f Filter) ([]Environment, error)
	// UpdateEnvironment runs decide on the environment under its row lock
	// and stores what it returns with its event.
	UpdateEnvironment(ctx context.Context, scope accord.Scope, id accord.ID, decide func(Environment) (Environment, audit.Event, error)) (Environment, error)
	// Record runs decide on the environment under its row lock with what
	// its backups stand at, and writes the Record it returns.
	Record(ctx context.Context, scope accord.Scope, id accord.ID, now time.Time, decide func(Environment, Backups) (Record, error)) error
	// Snapshots lists an environment's snapshots taken at or after since
	// that have not expired at now, newest first.
	Snapshots(ctx context.Context, envID accord.ID, since, now time.Time) ([]Snapshot, error)
	// LastRestoreTest reads the environment's last completed restore
	// test, or nil.
	LastRestoreTest(ctx context.Context, envID accord.ID) (*RestoreTest, error)
	// Alerts lists alerts newest first.
	Alerts(ctx context.Context, scope accord.Scope, f AlertFilter) ([]Alert, error)
	// CreateNotices inserts the notices of one publication, their events
	// and the jobs that mail them.
	CreateNotices(ctx context.Context, ns []Notice, evs []audit.Event) error
	ListNotices(ctx context.Context, scope accord.Scope, f NoticeFilter) ([]Notice, error)
	GetNotice(ctx context.Context, scope accord.Scope, id accord.ID) (Notice, error)
}

// Backups is what an environment's backups stand at, read under its lock.
type Backups struct {
	// LastScheduled is the newest snapshot of the scheduled kind (daily);
	// nil when there is none.
	LastScheduled *Snapshot
	// LastRestoreTest is the last completed restore or HA/DR test
	// engagement linked to the environment; nil when there is none.
	LastRestoreTest *RestoreTest
	// Open lists the alerts not cleared yet.
	Open []Alert
}

// Record is what a decision about an environment's backups writes.
type Record struct {
	Snapshot *Snapshot
	Raise    []Raise
	Clear    []accord.ID // open alerts cleared at the Record's time
	Events   []audit.Event
	// NextCheck reschedules the hourly check; zero leaves it.
	NextCheck time.Time
}

// Raise is an alert to insert with its event. An alert with the same key
// (environment, kind, lapse) raised before, even if cleared since, makes
// it nothing: once per lapse.
type Raise struct {
	Alert Alert
	Event audit.Event
}

// Config tunes the service; start from DefaultConfig.
type Config struct {
	// Now reads the clock for the reads whose signatures carry no time
	// (Get, List): a partner's certification is checked at Now.
	Now func() time.Time
	// Grace is how late a scheduled backup may be before an alert.
	Grace time.Duration
	// CheckEvery is how often each environment's backups are checked.
	CheckEvery time.Duration
}

// DefaultConfig allows two hours of grace and checks every hour.
func DefaultConfig() Config {
	return Config{Now: time.Now, Grace: 2 * time.Hour, CheckEvery: time.Hour}
}

// Service applies the rules of managed environments.
type Service struct {
	store Store
	dir   Directory
	cfg   Config
}

// NewService returns a service over store; zero fields of cfg take
// DefaultConfig's values.
func NewService(store Store, dir Directory, cfg Config) *Service {
	d := DefaultConfig()
	if cfg.Now == nil {
		cfg.Now = d.Now
	}
	if cfg.Grace <= 0 {
		cfg.Grace = d.Grace
	}
	if cfg.CheckEvery <= 0 {
		cfg.CheckEvery = d.CheckEvery
	}
	return &Service{store: store, dir: dir, cfg: cfg}
}

func forbidden(op, format string, args ...any) error {
	return &accord.Error{Kind: accord.Forbidden, Op: op, Msg: fmt.Sprintf(format, args...)}
}

// system is ctx acting as the system, for lookups this package makes on
// its own behalf once the actor is authorized.
func system(ctx context.Context) context.Context {
	return accord.WithActor(ctx, accord.SystemActor("environments"))
}

// vendorStaff reports whether a may manage environments: vendor
// administrators and agents, and the system.
func vendorStaff(a accord.Actor) bool {
	return a.System || a.Role == accord.RoleAdmin || a.Role == accord.RoleAgent
}

// scoped returns the actor and the organizations it may read.
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

// staff returns the actor if it may manage environments.
func (s *Service) staff(ctx context.Context, op string) (accord.Actor, error) {
	a, err := accord.ActorFrom(ctx)
	if err != nil {
		return a, err
	}
	if !vendorStaff(a) {
		return a, forbidden(op, "only the vendor's administrators and agents manage environments")
	}
	return a, nil
}

// Get returns an environment the actor may read; another tenant's is
// NotFound.
func (s *Service) Get(ctx context.Context, id accord.ID) (Environment, error) {
	_, scope, err := s.scoped(ctx, s.cfg.Now())
	if err != nil {
		return Environment{}, err
	}
	return s.store.GetEnvironment(ctx, scope, id)
}

// List lists the environments the actor may read, by customer and name.
func (s *Service) List(ctx context.Context, f Filter) ([]Environment, error) {
	_, scope, err := s.scoped(ctx, s.cfg.Now())
	if err != nil {
		return nil, err
	}
	if f.Status != "" && !f.Status.valid() {
		return nil, accord.FieldError("status", "must be one of %v", Statuses)
	}
	return s.store.ListEnvironments(ctx, scope, f)
}

// fields checks the descriptive fields of an environment.
func fields(e *Environment) error {
	var err error
	if e.Name, err = text("name", e.Name, true, 100, false); err != nil {
		return err
	}
	if e.Product, err = text("product", e.Product, true, 100, false); err != nil {
		return err
	}
	if e.Version, err = text("version", e.Version, false, 50, false); err != nil {
		return err
	}
	if e.Region, err = text("region", e.Region, false, 100, false); err != nil {
		return err
	}
	if !e.Status.valid() {
		return accord.FieldError("status", "must be one of %v", Statuses)
	}
	return nil
}

// checkOrgs checks that e's customer is a customer organization and its
// reseller, if any, a partner that serves it.
func (s *Service) checkOrgs(ctx context.Context, now time.Time, e Environment) error {
	org, err := s.dir.GetOrganization(system(ctx), now, e.OrgID)
	if accord.IsKind(err, accord.NotFound) || err == nil && org.Kind != directory.KindCustomer {
		return accord.FieldError("org_id", "must be a customer organization")
	} else if err != nil {
		return err
	}
	if e.ResellerID == "" {
		return nil
	}
	p, err := s.dir.GetOrganization(system(ctx), now, e.ResellerID)
	if accord.IsKind(err, accord.NotFound) || err == nil && p.Kind != directory.KindPartner {
		return accord.FieldError("reseller_id", "must be a partner organization")
	} else if err != nil {
		return err
	}
	serves, err := s.dir.PartnerServes(system(ctx), e.ResellerID, e.OrgID)
	if err != nil {
		return err
	}
	if !serves {
		return accord.FieldError("reseller_id", "must be a partner that serves the customer")
	}
	return nil
}

// Create records a new environment with its backup policy and schedules
// its backup checks. Vendor staff only.
func (s *Service) Create(ctx context.Context, now time.Time, in NewEnvironment) (Environment, error) {
	const op = "environments.Create"
	a, err := s.staff(ctx, op)
	if err != nil {
		return Environment{}, err
	}
	now = now.UTC().Truncate(time.Microsecond)
	e := Environment{
		ID: accord.NewID("env"), OrgID: in.OrgID, ResellerID: in.ResellerID, Name: in.Name, Product: in.Product,
		Version: in.Version, Region: in.Region, Status: in.Status, Backup: DefaultBackup(), CreatedAt: now, UpdatedAt: now,
	}
	if e.Status == "" {
		e.Status = Provisioning
	}
	if e.OrgID == "" {
		return Environment{}, accord.FieldError("org_id", "is required")
	}
	if err := fields(&e); err != nil {
		return Environment{}, err
	}
	if in.Backup != nil {
		if _, err := in.Backup.apply(&e.Backup); err != nil {
			return Environment{}, err
		}
	}
	if err := s.checkOrgs(ctx, now, e); err != nil {
		return Environment{}, err
	}
	var ch audit.Changes
	ch.Add("reseller_id", nil, e.ResellerID)
	ch.Add("name", nil, e.Name)
	ch.Add("product", nil, e.Product)
	ch.Add("version", nil, e.Version)
	ch.Add("region", nil, e.Region)
	ch.Add("status", nil, e.Status)
	policyChanges(&ch, BackupPolicy{}, e.Backup)
	ev := audit.New(a, now, e.OrgID, "environment.create", "environment", e.ID, ch)
	if err := s.store.CreateEnvironment(ctx, e, now.Add(s.cfg.CheckEvery), ev); err != nil {
		if accord.IsKind(err, accord.Conflict) {
			return Environment{}, accord.FieldError("name", "the customer already has an environment named %q", e.Name)
		}
		return Environment{}, err
	}
	return e, nil
}

// Update changes an environment or its backup policy. Vendor staff only;
// a change to the policy voids the customer's agreement, which must be
// given again.
func (s *Service) Update(ctx context.Context, now time.Time, id accord.ID, in EnvironmentUpdate) (Environment, error) {
	const op = "environments.Update"
	a, err := s.staff(ctx, op)
	if err != nil {
		return Environment{}, err
	}
	_, scope, err := s.scoped(ctx, now)
	if err != nil {
		return Environment{}, err
	}
	now = now.UTC().Truncate(time.Microsecond)
	if in.ResellerID != nil && *in.ResellerID != "" {
		// The partner is checked before the lock: the customer never changes.
		cur, err := s.store.GetEnvironment(ctx, scope, id)
		if err != nil {
			return Environment{}, err
		}
		cur.ResellerID = *in.ResellerID
		if err := s.checkOrgs(ctx, now, cur); err != nil {
			return Environment{}, err
		}
	}
	return s.store.UpdateEnvironment(ctx, scope, id, func(old Environment) (Environment, audit.Event, error) {
		e := old
		set := func(dst *string, v *string) {
			if v != nil {
				*dst = *v
			}
		}
		set(&e.Name, in.Name)
		set(&e.Product, in.Product)
		set(&e.Version, in.Version)
		set(&e.Region, in.Region)
		if in.Status != nil {
			e.Status = *in.Status
		}
		if in.ResellerID != nil {
			e.ResellerID = *in.ResellerID
		}
		if err := fields(&e); err != nil {
			return e, audit.Event{}, err
		}
		if in.Backup != nil {
			changed, err := in.Backup.apply(&e.Backup)
			if err != nil {
				return e, audit.Event{}, err
			}
			if changed {
				e.Backup.AgreedBy, e.Backup.AgreedAt = "", nil
			}
		}
		e.UpdatedAt = now
		var ch audit.Changes
		ch.Add("reseller_id", old.ResellerID, e.ResellerID)
		ch.Add("name", old.Name, e.Name)
		ch.Add("product", old.Product, e.Product)
		ch.Add("version", old.Version, e.Version)
		ch.Add("region", old.Region, e.Region)
		ch.Add("status", old.Status, e.Status)
		policyChanges(&ch, old.Backup, e.Backup)
		return e, audit.New(a, now, e.OrgID, "environment.update", "environment", e.ID, ch), nil
	})
}

// AgreeBackup records that the actor, an administrator of the customer's
// contacts, agrees to the environment's backup policy as it stands.
func (s *Service) AgreeBackup(ctx context.Context, now time.Time, id accord.ID) (Environment, error) {
	const op = "environments.AgreeBackup"
	a, scope, err := s.scoped(ctx, now)
	if err != nil {
		return Environment{}, err
	}
	now = now.UTC().Truncate(time.Microsecond)
	return s.store.UpdateEnvironment(ctx, scope, id, func(old Environment) (Environment, audit.Event, error) {
		if a.Role != accord.RoleCustomerContact || a.OrgID != old.OrgID || !a.CustomerAdmin {
			return old, audit.Event{}, forbidden(op, "the customer's administrators agree to its backup policy")
		}
		e := old
		e.Backup.AgreedBy, e.Backup.AgreedAt, e.UpdatedAt = a.UserID, &now, now
		var ch audit.Changes
		policyChanges(&ch, old.Backup, e.Backup)
		return e, audit.New(a, now, e.OrgID, "environment.backup_agree", "environment", e.ID, ch), nil
	})
}

// checkSnapshot checks a snapshot's input.
func checkSnapshot(in *NewSnapshot, now time.Time) error {
	if in.EnvironmentID == "" {
		return accord.FieldError("environment_id", "is required")
	}
	if in.TakenAt.IsZero() {
		return accord.FieldError("taken_at", "is required")
	}
	if err := accord.CheckInstant("taken_at", in.TakenAt); err != nil {
		return err
	}
	if in.TakenAt.After(now.Add(5 * time.Minute)) {
		return accord.FieldError("taken_at", "is in the future; record a snapshot once it is taken")
	}
	if !in.Kind.valid() {
		return accord.FieldError("kind", "must be one of %v", SnapshotKinds)
	}
	if in.SizeBytes < 0 {
		return accord.FieldError("size_bytes", "must not be negative")
	}
	var err error
	if in.Location, err = text("location", in.Location, true, 1000, false); err != nil {
		return err
	}
	if in.Checksum, err = text("checksum", in.Checksum, false, 200, false); err != nil {
		return err
	}
	return nil
}

// RecordSnapshot records a snapshot the vendor's automation took. A
// scheduled (daily) snapshot clears the open missing-snapshot alerts of
// its environment. Vendor staff (or their API tokens) only.
func (s *Service) RecordSnapshot(ctx context.Context, now time.Time, in NewSnapshot) (Snapshot, error) {
	const op = "environments.RecordSnapshot"
	a, err := s.staff(ctx, op)
	if err != nil {
		return Snapshot{}, err
	}
	now = now.UTC().Truncate(time.Microsecond)
	if err := checkSnapshot(&in, now); err != nil {
		return Snapshot{}, err
	}
	var out Snapshot
	err = s.store.Record(ctx, accord.Scope{All: true}, in.EnvironmentID, now, func(e Environment, b Backups) (Record, error) {
		if e.Status == Retired {
			return Record{}, &accord.Error{Kind: accord.Unprocessable, Op: op, Field: "environment_id", Msg: "the environment is retired"}
		}
		taken := in.TakenAt.UTC().Truncate(time.Microsecond)
		out = Snapshot{
			ID: accord.NewID("snp"), OrgID: e.OrgID, EnvironmentID: e.ID, TakenAt: taken, Kind: in.Kind,
			SizeBytes: in.SizeBytes, Location: in.Location, Checksum: in.Checksum, Verified: in.Verified,
			ExpiresAt: taken.AddDate(0, 0, e.Backup.RetentionDays), RecordedBy: a.UserID, RecordedAt: now,
		}
		var ch audit.Changes
		ch.Add("taken_at", nil, out.TakenAt)
		ch.Add("kind", nil, out.Kind)
		ch.Add("size_bytes", nil, out.SizeBytes)
		ch.Add("location", nil, out.Location)
		ch.Add("checksum", nil, out.Checksum)
		ch.Add("verified", nil, out.Verified)
		ch.Add("expires_at", nil, out.ExpiresAt)
		r := Record{Snapshot: &out, Events: []audit.Event{audit.New(a, now, e.OrgID, "environment.snapshot", "snapshot", out.ID, ch)}}
		if out.Kind == DailySnapshot {
			clearAlerts(&r, b.Open, a, now, e, func(al Alert) bool { return al.Kind == MissingSnapshot })
		}
		return r, nil
	})
	if err != nil {
		return Snapshot{}, err
	}
	return out, nil
}

// Snapshots lists the environment's snapshots taken since since that have
// not expired, newest first.
func (s *Service) Snapshots(ctx context.Context, envID accord.ID, since time.Time) ([]Snapshot, error) {
	now := s.cfg.Now()
	if _, err := s.Get(ctx, envID); err != nil {
		return nil, err
	}
	return s.store.Snapshots(ctx, envID, since.UTC(), now.UTC())
}
