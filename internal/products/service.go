package products

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"

	"accord/internal/accord"
	"accord/internal/audit"
	"accord/internal/directory"
)

// ReleaseJob is the durable job that mails a published version's release
// notice; its subject is the version. The store schedules it in the
// transaction that publishes the version.
const ReleaseJob = "products.release"

// ReleaseLetter is the kind of letter (notify template) of a release notice.
const ReleaseLetter = "product.release"

// Directory gives actors' scopes and organizations; *directory.Service
// provides it.
type Directory interface {
	Scope(ctx context.Context, now time.Time) (accord.Scope, error)
	GetOrganization(ctx context.Context, now time.Time, id accord.ID) (directory.Organization, error)
}

// Store persists the catalog and installations. Every method that changes
// something writes its audit event in the same transaction; decide runs
// under the row's lock.
type Store interface {
	CreateProduct(ctx context.Context, p Product, ev audit.Event) error
	UpdateProduct(ctx context.Context, id accord.ID, decide func(Product) (Product, audit.Event, error)) (Product, error)
	GetProduct(ctx context.Context, id accord.ID) (Product, error)
	ListProducts(ctx context.Context) ([]Product, error)
	CreateVersion(ctx context.Context, v Version, ev audit.Event) error
	// CreateVersions inserts vs with their events (evs[i] is vs[i]'s) in
	// one transaction: all or nothing.
	CreateVersions(ctx context.Context, vs []Version, evs []audit.Event) error
	// UpdateVersion stores what decide returns; when it turns a draft into
	// a published version it also schedules ReleaseJob.
	UpdateVersion(ctx context.Context, id accord.ID, decide func(Version) (Version, audit.Event, error)) (Version, error)
	GetVersion(ctx context.Context, id accord.ID) (Version, error)
	// ListVersions lists a product's versions (every product's when
	// productID is empty), highest number first by CompareVersions.
	ListVersions(ctx context.Context, productID accord.ID, publishedOnly bool) ([]Version, error)
	CreateInstallation(ctx context.Context, i Installation, ev audit.Event) error
	GetInstallation(ctx context.Context, scope accord.Scope, id accord.ID) (Installation, error)
	ListInstallations(ctx context.Context, scope accord.Scope, f InstallationFilter) ([]Installation, error)
	UpdateInstallation(ctx context.Context, scope accord.Scope, id accord.ID, decide func(Installation) (Installation, audit.Event, error)) (Installation, error)
	DeleteInstallation(ctx context.Context, scope accord.Scope, id accord.ID, decide func(Installation) (audit.Event, error)) error
}

// InstallationFilter narrows a list of installations; empty fields match all.
type InstallationFilter struct {
	OrgID     accord.ID
	ProductID accord.ID
}

// Service applies the rules of the catalog and installations.
type Service struct {
	store Store
	dir   Directory
	now   func() time.Time
}

// NewService returns a service over store; now reads the clock for reads
// whose signatures carry no time (a partner's certification is checked
// then), time.Now when nil.
func NewService(store Store, dir Directory, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{store: store, dir: dir, now: now}
}

func forbidden(op, msg string) error {
	return &accord.Error{Kind: accord.Forbidden, Op: op, Msg: msg}
}

func system(ctx context.Context) context.Context {
	return accord.WithActor(ctx, accord.SystemActor("products"))
}

// admin returns the actor if it may manage the catalog: vendor
// administrators and the system.
func admin(ctx context.Context, op string) (accord.Actor, error) {
	a, err := accord.ActorFrom(ctx)
	if err != nil {
		return a, err
	}
	if !a.System && a.Role != accord.RoleAdmin {
		return a, forbidden(op, "only the vendor's administrators manage products and versions")
	}
	return a, nil
}

// NewProduct is a product as its author writes it. OrgID is the vendor;
// it is the administrator's own organization, and required of the system.
type NewProduct struct {
	OrgID accord.ID `json:"org_id"`
	Key   string    `json:"key"`
	Name  string    `json:"name"`
}

var keyPattern = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

func productFields(p *Product) error {
	p.Key, p.Name = strings.TrimSpace(p.Key), strings.TrimSpace(p.Name)
	var ps []accord.Problem
	if len(p.Key) > 50 || !keyPattern.MatchString(p.Key) {
		ps = append(ps, accord.Problem{Field: "key", Msg: "must be 1 to 50 lowercase letters, digits and single hyphens, like identity-server"})
	}
	if p.Name == "" || len(p.Name) > 100 {
		ps = append(ps, accord.Problem{Field: "name", Msg: "is required, at most 100 characters"})
	} else if msg := accord.TextProblem(p.Name); msg != "" {
		ps = append(ps, accord.Problem{Field: "name", Msg: msg})
	}
	return accord.InvalidFields("products.Product", ps)
}

func taken(err error, field, msg string) error {
	if accord.IsKind(err, accord.Conflict) {
		return accord.FieldError(field, "%s", msg)
	}
	return err
}

// CreateProduct adds a product to the vendor's catalog.
func (s *Service) CreateProduct(ctx context.Context, now time.Time, in NewProduct) (Product, error) {
	const op = "products.CreateProduct"
	a, err := admin(ctx, op)
	if err != nil {
		return Product{}, err
	}
	now = now.UTC().Truncate(time.Microsecond)
	p := Product{ID: accord.NewID("prd"), OrgID: in.OrgID, Key: in.Key, Name: in.Name, CreatedAt: now, UpdatedAt: now}
	if !a.System {
		p.OrgID = a.OrgID
	}
	if err := productFields(&p); err != nil {
		return Product{}, err
	}
	org, err := s.dir.GetOrganization(system(ctx), now, p.OrgID)
	if accord.IsKind(err, accord.NotFound) || err == nil && org.Kind != directory.KindVendor {
		return Product{}, accord.FieldError("org_id", "must be the vendor's organization")
	} else if err != nil {
		return Product{}, err
	}
	ev := audit.New(a, now, p.OrgID, "product.create", "product", p.ID, after("key", p.Key, "name", p.Name))
	if err := s.store.CreateProduct(ctx, p, ev); err != nil {
		return Product{}, taken(err, "key", "another product has that key")
	}
	return p, nil
}

// ProductPatch changes a product; nil fields stay.
type ProductPatch struct {
	Key  *string `json:"key"`
	Name *string `json:"name"`
}

// UpdateProduct renames a product or changes its key.
func (s *Service) UpdateProduct(ctx context.Context, now time.Time, id accord.ID, in ProductPatch) (Product, error) {
	const op = "products.UpdateProduct"
	a, err := admin(ctx, op)
	if err != nil {
		return Product{}, err
	}
	now = now.UTC().Truncate(time.Microsecond)
	p, err := s.store.UpdateProduct(ctx, id, func(p Product) (Product, audit.Event, error) {
		old := p
		if in.Key != nil {
			p.Key = *in.Key
		}
		if in.Name != nil {
			p.Name = *in.Name
		}
		p.UpdatedAt = now
		if err := productFields(&p); err != nil {
			return p, audit.Event{}, err
		}
		var cs audit.Changes
		cs.Add("key", old.Key, p.Key)
		cs.Add("name", old.Name, p.Name)
		return p, audit.New(a, now, p.OrgID, "product.update", "product", p.ID, cs), nil
	})
	return p, taken(err, "key", "another product has that key")
}

// signedIn returns the actor: the catalog (products and published
// versions) is readable by everyone signed in.
func signedIn(ctx context.Context) (accord.Actor, error) { return accord.ActorFrom(ctx) }

// GetProduct returns a product.
func (s *Service) GetProduct(ctx context.Context, id accord.ID) (Product, error) {
	if _, err := signedIn(ctx); err != nil {
		return Product{}, err
	}
	return s.store.GetProduct(ctx, id)
}

// ListProducts lists the catalog by name.
func (s *Service) ListProducts(ctx context.Context) ([]Product, error) {
	if _, err := signedIn(ctx); err != nil {
		return nil, err
	}
	return s.store.ListProducts(ctx)
}

// NewVersion is a version as its author writes it; it starts as a draft.
type NewVersion struct {
	Number       string `json:"number"`
	ReleasedOn   string `json:"released_on"`
	EndOfSupport string `json:"end_of_support"`
	Notes        string `json:"notes"`
}

// MaxNotes is the longest release notes accepted, in bytes.
const MaxNotes = 64 << 10

func versionFields(v *Version) error {
	v.Number = strings.TrimSpace(v.Number)
	var ps []accord.Problem
	if err := ValidVersion(v.Number); err != nil {
		ps = append(ps, accord.Problem{Field: "number", Msg: err.Error()})
	}
	for _, d := range []struct{ field, val string }{{"released_on", v.ReleasedOn}, {"end_of_support", v.EndOfSupport}} {
		if d.val == "" {
			continue
		}
		if t, err := time.Parse(time.DateOnly, d.val); err != nil || t.Format(time.DateOnly) != d.val {
			ps = append(ps, accord.Problem{Field: d.field, Msg: "must be a date as YYYY-MM-DD"})
		}
	}
	if len(ps) == 0 && v.ReleasedOn != "" && v.EndOfSupport != "" && v.EndOfSupport < v.ReleasedOn {
		ps = append(ps, accord.Problem{Field: "end_of_support", Msg: "must not be before the release date"})
	}
	if len(v.Notes) > MaxNotes {
		ps = append(ps, accord.Problem{Field: "notes", Msg: "must be at most 64 KiB"})
	} else if msg := accord.TextProblem(v.Notes); msg != "" {
		ps = append(ps, accord.Problem{Field: "notes", Msg: msg})
	}
	return accord.InvalidFields("products.Version", ps)
}

// CreateVersion adds a draft version to a product.
func (s *Service) CreateVersion(ctx context.Context, now time.Time, productID accord.ID, in NewVersion) (Version, error) {
	const op = "products.CreateVersion"
	a, err := admin(ctx, op)
	if err != nil {
		return Version{}, err
	}
	p, err := s.store.GetProduct(ctx, productID)
	if err != nil {
		return Version{}, err
	}
	now = now.UTC().Truncate(time.Microsecond)
	v := Version{ID: accord.NewID("ver"), OrgID: p.OrgID, ProductID: p.ID, Number: in.Number, ReleasedOn: in.ReleasedOn,
		EndOfSupport: in.EndOfSupport, Notes: in.Notes, State: Draft, CreatedAt: now, UpdatedAt: now}
	if err := versionFields(&v); err != nil {
		return Version{}, err
	}
	ev := audit.New(a, now, v.OrgID, "product.version_create", "product_version", v.ID,
		after("product_id", p.ID, "number", v.Number, "released_on", v.ReleasedOn, "end_of_support", v.EndOfSupport))
	if err := s.store.CreateVersion(ctx, v, ev); err != nil {
		return Version{}, taken(err, "number", "the product already has that version")
	}
	return v, nil
}

// VersionPatch changes a version; nil fields stay. A published version's
// number is fixed: customers were told it.
type VersionPatch struct {
	Number       *string `json:"number"`
	ReleasedOn   *string `json:"released_on"`
	EndOfSupport *string `json:"end_of_support"`
	Notes        *string `json:"notes"`
}

// UpdateVersion changes a version's dates or notes, or a draft's number.
func (s *Service) UpdateVersion(ctx context.Context, now time.Time, id accord.ID, in VersionPatch) (Version, error) {
	const op = "products.UpdateVersion"
	a, err := admin(ctx, op)
	if err != nil {
		return Version{}, err
	}
	now = now.UTC().Truncate(time.Microsecond)
	v, err := s.store.UpdateVersion(ctx, id, func(v Version) (Version, audit.Event, error) {
		old := v
		if in.Number != nil && *in.Number != v.Number {
			if v.State == Published {
				return v, audit.Event{}, accord.FieldError("number", "of a published version cannot change")
			}
			v.Number = *in.Number
		}
		for _, f := range []struct{ in, to *string }{{in.ReleasedOn, &v.ReleasedOn}, {in.EndOfSupport, &v.EndOfSupport}, {in.Notes, &v.Notes}} {
			if f.in != nil {
				*f.to = *f.in
			}
		}
		v.UpdatedAt = now
		if err := versionFields(&v); err != nil {
			return v, audit.Event{}, err
		}
		var cs audit.Changes
		cs.Add("number", old.Number, v.Number)
		cs.Add("released_on", old.ReleasedOn, v.ReleasedOn)
		cs.Add("end_of_support", old.EndOfSupport, v.EndOfSupport)
		cs.Add("notes", old.Notes, v.Notes)
		return v, audit.New(a, now, v.OrgID, "product.version_update", "product_version", v.ID, cs), nil
	})
	return v, taken(err, "number", "the product already has that version")
}

// Publish releases a draft version: it becomes visible to everyone signed
// in and its release notice is mailed, by ReleaseJob, to every customer
// with an active contract and an installation of the product.
func (s *Service) Publish(ctx context.Context, now time.Time, id accord.ID) (Version, error) {
	const op = "products.Publish"
	a, err := admin(ctx, op)
	if err != nil {
		return Version{}, err
	}
	now = now.UTC().Truncate(time.Microsecond)
	return s.store.UpdateVersion(ctx, id, func(v Version) (Version, audit.Event, error) {
		if v.State == Published {
			return v, audit.Event{}, &accord.Error{Kind: accord.Conflict, Op: op, Msg: "the version is published already"}
		}
		v.State, v.PublishedAt, v.UpdatedAt = Published, &now, now
		if v.ReleasedOn == "" {
			v.ReleasedOn = now.Format(time.DateOnly)
		}
		return v, audit.New(a, now, v.OrgID, "product.version_publish", "product_version", v.ID,
			after("state", string(Published), "number", v.Number)), nil
	})
}

// GetVersion returns a version; drafts only to vendor staff.
func (s *Service) GetVersion(ctx context.Context, id accord.ID) (Version, error) {
	a, err := signedIn(ctx)
	if err != nil {
		return Version{}, err
	}
	v, err := s.store.GetVersion(ctx, id)
	if err == nil && v.State != Published && !a.IsVendor() {
		return Version{}, &accord.Error{Kind: accord.NotFound, Msg: "version not found"}
	}
	return v, err
}

// ListVersions lists a product's versions, highest first; drafts only to
// vendor staff. An empty productID lists every product's.
func (s *Service) ListVersions(ctx context.Context, productID accord.ID) ([]Version, error) {
	a, err := signedIn(ctx)
	if err != nil {
		return nil, err
	}
	if productID != "" {
		if _, err := s.store.GetProduct(ctx, productID); err != nil {
			return nil, err
		}
	}
	return s.store.ListVersions(ctx, productID, !a.IsVendor())
}

// Release is what a release notice needs: the version, its product and
// the customers that run the product (before any check of their
// contracts, which the caller makes).
type Release struct {
	Version   Version
	Product   Product
	Customers []accord.ID
}

// ReleaseOf reads the release notice of a published version, for
// ReleaseJob; a draft (a job outliving its publication cannot happen, but
// a hand-made one can) has no customers.
func (s *Service) ReleaseOf(ctx context.Context, versionID accord.ID) (Release, error) {
	v, err := s.store.GetVersion(ctx, versionID)
	if err != nil {
		return Release{}, err
	}
	p, err := s.store.GetProduct(ctx, v.ProductID)
	if err != nil {
		return Release{}, err
	}
	r := Release{Version: v, Product: p}
	if v.State != Published {
		return r, nil
	}
	ins, err := s.store.ListInstallations(ctx, accord.Scope{All: true}, InstallationFilter{ProductID: p.ID})
	if err != nil {
		return r, err
	}
	seen := map[accord.ID]bool{}
	for _, i := range ins {
		if !seen[i.OrgID] {
			seen[i.OrgID] = true
			r.Customers = append(r.Customers, i.OrgID)
		}
	}
	return r, nil
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

// mayEditInstallations reports whether a may change org's installations:
// vendor administrators and agents (and the system), and the customer's
// own administrators. Other contacts and partner agents read only, so
// that the inventory the notices go by has an accountable author.
func mayEditInstallations(a accord.Actor, org accord.ID) bool {
	return a.System || a.Role == accord.RoleAdmin || a.Role == accord.RoleAgent ||
		a.Role == accord.RoleCustomerContact && a.CustomerAdmin && a.OrgID == org
}

// NewInstallation is an installation as people write it.
type NewInstallation struct {
	OrgID         accord.ID  `json:"org_id"` // the customer; a customer administrator's own by default
	ProductID     accord.ID  `json:"product_id"`
	Version       string     `json:"version"`
	Deployment    Deployment `json:"deployment"`
	EnvironmentID accord.ID  `json:"environment_id"`
	Serial        string     `json:"serial"`
	Quantity      int        `json:"quantity"` // 1 when 0
}

func installationFields(i *Installation) error {
	i.Version, i.Serial = strings.TrimSpace(i.Version), strings.TrimSpace(i.Serial)
	var ps []accord.Problem
	if err := ValidVersion(i.Version); err != nil {
		ps = append(ps, accord.Problem{Field: "version", Msg: err.Error()})
	}
	if !i.Deployment.Valid() {
		ps = append(ps, accord.Problem{Field: "deployment", Msg: fmt.Sprintf("must be one of %v", Deployments)})
	}
	if i.Quantity < 1 || i.Quantity > 1_000_000 {
		ps = append(ps, accord.Problem{Field: "quantity", Msg: "must be between 1 and 1000000"})
	}
	if len(i.Serial) > 100 {
		ps = append(ps, accord.Problem{Field: "serial", Msg: "must be at most 100 characters"})
	} else if msg := accord.TextProblem(i.Serial); msg != "" {
		ps = append(ps, accord.Problem{Field: "serial", Msg: msg})
	}
	if i.Deployment == Appliance && i.Serial == "" {
		ps = append(ps, accord.Problem{Field: "serial", Msg: "is required for an appliance"})
	}
	if i.Deployment != Managed && i.EnvironmentID != "" {
		ps = append(ps, accord.Problem{Field: "environment_id", Msg: "is only for a managed deployment"})
	}
	return accord.InvalidFields("products.Installation", ps)
}

// CreateInstallation records a customer's installation.
func (s *Service) CreateInstallation(ctx context.Context, now time.Time, in NewInstallation) (Installation, error) {
	const op = "products.CreateInstallation"
	a, scope, err := s.scoped(ctx, now)
	if err != nil {
		return Installation{}, err
	}
	if in.OrgID == "" && a.Role == accord.RoleCustomerContact {
		in.OrgID = a.OrgID
	}
	if in.OrgID == "" {
		return Installation{}, accord.FieldError("org_id", "is required")
	}
	if !scope.Allows(in.OrgID) {
		return Installation{}, accord.FieldError("org_id", "must be a customer organization")
	}
	if !mayEditInstallations(a, in.OrgID) {
		return Installation{}, forbidden(op, "only vendor staff and the customer's administrators record installations")
	}
	now = now.UTC().Truncate(time.Microsecond)
	i := Installation{ID: accord.NewID("ins"), OrgID: in.OrgID, ProductID: in.ProductID, Version: in.Version, Deployment: in.Deployment,
		EnvironmentID: in.EnvironmentID, Serial: in.Serial, Quantity: in.Quantity, CreatedAt: now, UpdatedAt: now}
	if i.Quantity == 0 {
		i.Quantity = 1
	}
	if err := installationFields(&i); err != nil {
		return Installation{}, err
	}
	org, err := s.dir.GetOrganization(system(ctx), now, i.OrgID)
	if accord.IsKind(err, accord.NotFound) || err == nil && org.Kind != directory.KindCustomer {
		return Installation{}, accord.FieldError("org_id", "must be a customer organization")
	} else if err != nil {
		return Installation{}, err
	}
	if _, err := s.store.GetProduct(ctx, i.ProductID); accord.IsKind(err, accord.NotFound) {
		return Installation{}, accord.FieldError("product_id", "must be a product of the catalog")
	} else if err != nil {
		return Installation{}, err
	}
	ev := audit.New(a, now, i.OrgID, "installation.create", "installation", i.ID, installationFacts(i))
	if err := s.store.CreateInstallation(ctx, i, ev); err != nil {
		return Installation{}, taken(err, "environment_id", "must be a managed environment of the customer")
	}
	return i, nil
}

func installationFacts(i Installation) []audit.Change {
	return after("product_id", i.ProductID, "version", i.Version, "deployment", string(i.Deployment), "serial", i.Serial, "quantity", i.Quantity)
}

// after lists the fields of a new record as changes from nothing; kv
// alternates field names and values.
func after(kv ...any) []audit.Change {
	out := make([]audit.Change, 0, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		out = append(out, audit.Change{Field: kv[i].(string), After: kv[i+1]})
	}
	return out
}

// InstallationPatch changes an installation; nil fields stay.
type InstallationPatch struct {
	Version       *string     `json:"version"`
	Deployment    *Deployment `json:"deployment"`
	EnvironmentID *accord.ID  `json:"environment_id"`
	Serial        *string     `json:"serial"`
	Quantity      *int        `json:"quantity"`
}

// UpdateInstallation changes an installation the actor may edit.
func (s *Service) UpdateInstallation(ctx context.Context, now time.Time, id accord.ID, in InstallationPatch) (Installation, error) {
	const op = "products.UpdateInstallation"
	a, scope, err := s.scoped(ctx, now)
	if err != nil {
		return Installation{}, err
	}
	now = now.UTC().Truncate(time.Microsecond)
	return s.store.UpdateInstallation(ctx, scope, id, func(i Installation) (Installation, audit.Event, error) {
		if !mayEditInstallations(a, i.OrgID) {
			return i, audit.Event{}, forbidden(op, "only vendor staff and the customer's administrators change installations")
		}
		old := i
		if in.Version != nil {
			i.Version = *in.Version
		}
		if in.Deployment != nil {
			i.Deployment = *in.Deployment
		}
		if in.EnvironmentID != nil {
			i.EnvironmentID = *in.EnvironmentID
		}
		if in.Serial != nil {
			i.Serial = *in.Serial
		}
		if in.Quantity != nil {
			i.Quantity = *in.Quantity
		}
		i.UpdatedAt = now
		if err := installationFields(&i); err != nil {
			return i, audit.Event{}, err
		}
		var cs audit.Changes
		cs.Add("version", old.Version, i.Version)
		cs.Add("deployment", string(old.Deployment), string(i.Deployment))
		cs.Add("environment_id", old.EnvironmentID, i.EnvironmentID)
		cs.Add("serial", old.Serial, i.Serial)
		cs.Add("quantity", old.Quantity, i.Quantity)
		return i, audit.New(a, now, i.OrgID, "installation.update", "installation", i.ID, cs), nil
	})
}

// DeleteInstallation removes an installation the actor may edit.
func (s *Service) DeleteInstallation(ctx context.Context, now time.Time, id accord.ID) error {
	const op = "products.DeleteInstallation"
	a, scope, err := s.scoped(ctx, now)
	if err != nil {
		return err
	}
	return s.store.DeleteInstallation(ctx, scope, id, func(i Installation) (audit.Event, error) {
		if !mayEditInstallations(a, i.OrgID) {
			return audit.Event{}, forbidden(op, "only vendor staff and the customer's administrators remove installations")
		}
		return audit.New(a, now.UTC(), i.OrgID, "installation.delete", "installation", i.ID, installationFacts(i)), nil
	})
}

// GetInstallation returns an installation the actor may read; another
// tenant's is NotFound.
func (s *Service) GetInstallation(ctx context.Context, id accord.ID) (Installation, error) {
	_, scope, err := s.scoped(ctx, s.now())
	if err != nil {
		return Installation{}, err
	}
	return s.store.GetInstallation(ctx, scope, id)
}

// ListInstallations lists the installations the actor may read.
func (s *Service) ListInstallations(ctx context.Context, f InstallationFilter) ([]Installation, error) {
	_, scope, err := s.scoped(ctx, s.now())
	if err != nil {
		return nil, err
	}
	return s.store.ListInstallations(ctx, scope, f)
}

// Unsupported is an installation running a version past its end of
// support.
type Unsupported struct {
	Installation Installation `json:"installation"`
	Product      string       `json:"product"`
	EndOfSupport string       `json:"end_of_support"`
}

// EndOfSupport lists the installations the actor may read whose version
// is past its end of support on today (YYYY-MM-DD): the vendor's report of
// every customer, a customer's notice of its own.
func (s *Service) EndOfSupport(ctx context.Context, today string, f InstallationFilter) ([]Unsupported, error) {
	ins, err := s.ListInstallations(ctx, f)
	if err != nil {
		return nil, err
	}
	versions, err := s.store.ListVersions(ctx, "", false)
	if err != nil {
		return nil, err
	}
	products, err := s.store.ListProducts(ctx)
	if err != nil {
		return nil, err
	}
	return PastEndOfSupport(ins, versions, products, today), nil
}

// PastEndOfSupport picks the installations whose version (matched by
// product and number) ended support before today.
func PastEndOfSupport(ins []Installation, versions []Version, products []Product, today string) []Unsupported {
	names := map[accord.ID]string{}
	for _, p := range products {
		names[p.ID] = p.Name
	}
	eos := map[[2]string]string{}
	for _, v := range versions {
		if v.PastEndOfSupport(today) {
			eos[[2]string{string(v.ProductID), v.Number}] = v.EndOfSupport
		}
	}
	var out []Unsupported
	for _, i := range ins {
		if d, ok := eos[[2]string{string(i.ProductID), i.Version}]; ok {
			out = append(out, Unsupported{Installation: i, Product: names[i.ProductID], EndOfSupport: d})
		}
	}
	return out
}

// SuggestUpdate says which of a customer's installations a case's version
// detail would update: the one of the product whose version is older than
// version (the oldest, when there are several), or false when none is.
// The agent is shown the suggestion and decides; nothing changes silently.
func SuggestUpdate(ins []Installation, productID accord.ID, version string) (Installation, bool) {
	if ValidVersion(version) != nil {
		return Installation{}, false
	}
	var best Installation
	found := false
	for _, i := range ins {
		if i.ProductID != productID || CompareVersions(i.Version, version) >= 0 {
			continue
		}
		if !found || CompareVersions(i.Version, best.Version) < 0 {
			best, found = i, true
		}
	}
	return best, found
}

// Suggestion is an installation a case's version detail would update.
type Suggestion struct {
	Installation Installation `json:"installation"`
	Product      Product      `json:"product"`
	Version      string       `json:"version"`
}

// Suggest finds, among the customer's installations the actor may read,
// the one a case naming version would update: an installation older than
// version of a product that has that version. Nothing changes here: the
// agent is shown the suggestion and decides.
func (s *Service) Suggest(ctx context.Context, orgID accord.ID, version string) (Suggestion, bool, error) {
	version = strings.TrimSpace(version)
	if ValidVersion(version) != nil {
		return Suggestion{}, false, nil
	}
	ins, err := s.ListInstallations(ctx, InstallationFilter{OrgID: orgID})
	if err != nil || len(ins) == 0 {
		return Suggestion{}, false, err
	}
	versions, err := s.store.ListVersions(ctx, "", true)
	if err != nil {
		return Suggestion{}, false, err
	}
	for _, v := range versions {
		if v.Number != version {
			continue
		}
		if i, ok := SuggestUpdate(ins, v.ProductID, version); ok {
			p, err := s.store.GetProduct(ctx, v.ProductID)
			if err != nil {
				return Suggestion{}, false, err
			}
			return Suggestion{Installation: i, Product: p, Version: version}, true, nil
		}
	}
	return Suggestion{}, false, nil
}
