package knownissues

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"accord/internal/accord"
	"accord/internal/audit"
	"accord/internal/cases"
	"accord/internal/lang"
	"accord/internal/products"
)

// NoticeJob is the kind of the durable job that mails a notice and notes
// it on the linked open cases.
const NoticeJob = "knownissue.notice"

// NoticeLetter is the kind of the letters a notice is mailed as
// (templates in internal/notify/templates).
const NoticeLetter = "knownissue.notice"

// UpgradeService is the catalog service a fix offers to customers whose
// contract includes it (engagements' default catalog, "Assisted update").
const UpgradeService = "assisted_update"

// NoticeKind says which change a notice announces.
type NoticeKind string

const (
	PublishedNotice  NoticeKind = "published"
	WorkaroundNotice NoticeKind = "workaround"
	FixedNotice      NoticeKind = "fixed"
)

// Notice is one change customers are told about: its row is written with
// the change, and its job mails it once per recipient (topic
// "knownissue:<notice id>").
type Notice struct {
	ID        accord.ID  `json:"id"`
	OrgID     accord.ID  `json:"org_id"` // the vendor
	IssueID   accord.ID  `json:"issue_id"`
	Kind      NoticeKind `json:"kind"`
	Version   string     `json:"version,omitempty"` // the fix's
	CreatedBy accord.ID  `json:"created_by,omitempty"`
	CreatedAt time.Time  `json:"created_at"`
}

// Topic is the letters' topic: once per notice and recipient.
func (n Notice) Topic() string { return "knownissue:" + string(n.ID) }

// Link ties a case of a customer to a known issue.
type Link struct {
	IssueID    accord.ID `json:"issue_id"`
	CaseID     accord.ID `json:"case_id"`
	OrgID      accord.ID `json:"org_id"` // the case's customer
	CaseNumber int64     `json:"case_number"`
	CaseTitle  string    `json:"case_title"`
	LinkedBy   accord.ID `json:"linked_by,omitempty"`
	LinkedAt   time.Time `json:"linked_at"`
}

// Product is what the service reads of a product.
type Product struct {
	ID    accord.ID `json:"id"`
	OrgID accord.ID `json:"org_id"`
	Key   string    `json:"key"`
	Name  string    `json:"name"`
}

// Filter narrows a list of issues.
type Filter struct {
	ProductID accord.ID
	State     State
	// Open keeps the published issues not fixed yet.
	Open bool
}

// LinkFilter narrows a list of links; at least one field is set.
type LinkFilter struct {
	IssueID accord.ID
	CaseID  accord.ID
	// Scope keeps the links of cases of these customers.
	Scope accord.Scope
}

// Change is what a decision about an issue writes: the issue, its events
// and, when customers are to be told, the notice (with its job).
type Change struct {
	Issue  KnownIssue
	Events []audit.Event
	Notice *Notice
}

// Store persists known issues. Every mutating method writes its events in
// the same transaction.
type Store interface {
	Create(ctx context.Context, k KnownIssue, ev audit.Event) error
	Get(ctx context.Context, id accord.ID) (KnownIssue, error)
	List(ctx context.Context, f Filter) ([]KnownIssue, error)
	// Update runs decide on the issue under its row lock and writes the
	// Change it returns, and the notice's job.
	Update(ctx context.Context, id accord.ID, decide func(KnownIssue) (Change, error)) (KnownIssue, error)
	GetNotice(ctx context.Context, id accord.ID) (Notice, error)
	Notices(ctx context.Context, issueID accord.ID) ([]Notice, error)
	// Link inserts l; a link already there is Conflict.
	Link(ctx context.Context, l Link, ev audit.Event) error
	// Unlink deletes the link; none is NotFound.
	Unlink(ctx context.Context, issueID, caseID accord.ID, ev audit.Event) error
	Links(ctx context.Context, f LinkFilter) ([]Link, error)
	// Installations lists the installations of the scope's customers (of
	// product, unless empty): the candidates Affected places in a range.
	Installations(ctx context.Context, scope accord.Scope, productID accord.ID) ([]Installation, error)
	// ClaimNote records that the notice's note goes on the case; false
	// when it was claimed before. ReleaseNote undoes a claim whose note
	// could not be written, so that the job's next run writes it.
	ClaimNote(ctx context.Context, n Notice, l Link, now time.Time) (bool, error)
	ReleaseNote(ctx context.Context, n Notice, l Link) error
	Product(ctx context.Context, id accord.ID) (Product, error)
	// Products lists every product, by name.
	Products(ctx context.Context) ([]Product, error)
	// VersionReleased reports whether product has version number and it is
	// released (published); NotFound when the product has no such version.
	VersionReleased(ctx context.Context, productID accord.ID, number string) (bool, error)
}

// Directory gives actors' scopes; *directory.Service provides it.
type Directory interface {
	Scope(ctx context.Context, now time.Time) (accord.Scope, error)
}

// Cases reads cases and writes their timeline; *cases.Service provides it.
type Cases interface {
	Get(ctx context.Context, now time.Time, id accord.ID) (cases.Case, error)
	Reply(ctx context.Context, now time.Time, id accord.ID, in cases.NewReply) (cases.Case, error)
}

// Upgrades knows which customers' contracts include the assisted upgrade
// and requests it; cmd/accord wires contracts, the policy and engagements.
type Upgrades interface {
	// Included reports whether the customer's active contract includes the
	// assisted upgrade (the Premium plan).
	Included(ctx context.Context, now time.Time, orgID accord.ID) (bool, error)
	// Request requests the assisted upgrade for the customer as the actor
	// in ctx, with scope as its description; it returns the engagement.
	Request(ctx context.Context, now time.Time, orgID accord.ID, scope string) (accord.ID, error)
}

// Service applies the rules of known issues.
type Service struct {
	store    Store
	dir      Directory
	cases    Cases
	upgrades Upgrades
}

// NewService returns a service over store.
func NewService(store Store, dir Directory, cs Cases, up Upgrades) *Service {
	return &Service{store: store, dir: dir, cases: cs, upgrades: up}
}

func forbidden(op, format string, args ...any) error {
	return &accord.Error{Kind: accord.Forbidden, Op: op, Msg: fmt.Sprintf(format, args...)}
}

func notFound() error { return &accord.Error{Kind: accord.NotFound, Msg: "known issue not found"} }

func system(ctx context.Context) context.Context {
	return accord.WithActor(ctx, accord.SystemActor("knownissues"))
}

// staff returns the actor if it may write known issues: the vendor's
// administrators and agents, and the system.
func staff(ctx context.Context, op string) (accord.Actor, error) {
	a, err := accord.ActorFrom(ctx)
	if err != nil {
		return a, err
	}
	if !a.System && a.Role != accord.RoleAdmin && a.Role != accord.RoleAgent {
		return a, forbidden(op, "only the vendor's administrators and agents manage known issues")
	}
	return a, nil
}

func event(a accord.Actor, now time.Time, k KnownIssue, action string, ch audit.Changes) audit.Event {
	return audit.New(a, now, k.OrgID, action, "known_issue", k.ID, ch)
}

// Create records a draft issue. Vendor staff only; the product must be
// the vendor's.
func (s *Service) Create(ctx context.Context, now time.Time, in Input) (KnownIssue, error) {
	const op = "knownissues.Create"
	a, err := staff(ctx, op)
	if err != nil {
		return KnownIssue{}, err
	}
	now = now.UTC().Truncate(time.Microsecond)
	k := KnownIssue{ID: accord.NewID("kis"), Status: Investigating, State: Draft, CreatedAt: now, UpdatedAt: now}
	if err := in.apply(&k); err != nil {
		return KnownIssue{}, err
	}
	p, err := s.product(ctx, k.ProductID)
	if err != nil {
		return KnownIssue{}, err
	}
	k.OrgID = p.OrgID
	var ch audit.Changes
	ch.Add("product_id", nil, k.ProductID)
	ch.Add("range", nil, k.Range)
	ch.Add("title", nil, k.Title)
	ch.Add("symptoms", nil, k.Symptoms)
	ch.Add("status", nil, k.Status)
	if len(k.RootCause) > 0 {
		ch.Add("root_cause", nil, k.RootCause)
	}
	if k.InternalNotes != "" {
		ch.Add("internal_notes", nil, k.InternalNotes)
	}
	if err := s.store.Create(ctx, k, event(a, now, k, "known_issue.create", ch)); err != nil {
		return KnownIssue{}, accord.Wrap(op, err)
	}
	return k, nil
}

func (s *Service) product(ctx context.Context, id accord.ID) (Product, error) {
	p, err := s.store.Product(ctx, id)
	if accord.IsKind(err, accord.NotFound) {
		return p, accord.FieldError("product_id", "no such product")
	}
	return p, err
}

// Update changes the descriptive fields of an issue. Vendor staff only.
func (s *Service) Update(ctx context.Context, now time.Time, id accord.ID, in Input) (KnownIssue, error) {
	const op = "knownissues.Update"
	a, err := staff(ctx, op)
	if err != nil {
		return KnownIssue{}, err
	}
	now = now.UTC().Truncate(time.Microsecond)
	if in.ProductID != nil {
		if _, err := s.product(ctx, *in.ProductID); err != nil {
			return KnownIssue{}, err
		}
	}
	return s.store.Update(ctx, id, func(old KnownIssue) (Change, error) {
		k := old
		if err := in.apply(&k); err != nil {
			return Change{}, err
		}
		var ch audit.Changes
		if k.ProductID != old.ProductID {
			ch.Add("product_id", old.ProductID, k.ProductID)
		}
		if k.Range != old.Range {
			ch.Add("range", old.Range, k.Range)
		}
		for _, f := range []string{"title", "symptoms", "root_cause"} {
			if !equalTexts(old.Texts()[f], k.Texts()[f]) {
				ch.Add(f, old.Texts()[f], k.Texts()[f])
			}
		}
		if k.Status != old.Status {
			ch.Add("status", old.Status, k.Status)
		}
		if k.InternalNotes != old.InternalNotes {
			ch.Add("internal_notes", old.InternalNotes, k.InternalNotes)
		}
		if len(ch) == 0 {
			return Change{Issue: old}, nil
		}
		k.UpdatedAt = now
		return Change{Issue: k, Events: []audit.Event{event(a, now, k, "known_issue.update", ch)}}, nil
	})
}

// notice makes the notice of a change of a published issue; a draft's
// changes tell nobody (publishing tells everything at once).
func notice(a accord.Actor, now time.Time, k KnownIssue, kind NoticeKind) *Notice {
	if k.State != Published {
		return nil
	}
	return &Notice{ID: accord.NewID("kin"), OrgID: k.OrgID, IssueID: k.ID, Kind: kind, Version: k.FixedIn, CreatedBy: a.UserID, CreatedAt: now}
}

// Publish shows a draft to the customers it affects and tells them.
func (s *Service) Publish(ctx context.Context, now time.Time, id accord.ID) (KnownIssue, error) {
	const op = "knownissues.Publish"
	a, err := staff(ctx, op)
	if err != nil {
		return KnownIssue{}, err
	}
	now = now.UTC().Truncate(time.Microsecond)
	return s.store.Update(ctx, id, func(k KnownIssue) (Change, error) {
		if k.State == Published {
			return Change{}, &accord.Error{Kind: accord.Conflict, Op: op, Msg: "the known issue is published already"}
		}
		k.State, k.PublishedAt, k.UpdatedAt = Published, &now, now
		var ch audit.Changes
		ch.Add("state", Draft, Published)
		return Change{Issue: k, Events: []audit.Event{event(a, now, k, "known_issue.publish", ch)}, Notice: notice(a, now, k, PublishedNotice)}, nil
	})
}

// SetWorkaround records or changes the workaround; customers of a
// published issue are told.
func (s *Service) SetWorkaround(ctx context.Context, now time.Time, id accord.ID, t lang.Text) (KnownIssue, error) {
	const op = "knownissues.SetWorkaround"
	a, err := staff(ctx, op)
	if err != nil {
		return KnownIssue{}, err
	}
	now = now.UTC().Truncate(time.Microsecond)
	return s.store.Update(ctx, id, func(old KnownIssue) (Change, error) {
		k := old
		if err := SetWorkaround(&k, t); err != nil {
			return Change{}, err
		}
		k.UpdatedAt = now
		var ch audit.Changes
		ch.Add("workaround", old.Workaround, k.Workaround)
		if k.Status != old.Status {
			ch.Add("status", old.Status, k.Status)
		}
		return Change{Issue: k, Events: []audit.Event{event(a, now, k, "known_issue.workaround", ch)}, Notice: notice(a, now, k, WorkaroundNotice)}, nil
	})
}

// Fix records the released version that fixes the issue; customers of a
// published issue are told, and offered the upgrade.
func (s *Service) Fix(ctx context.Context, now time.Time, id accord.ID, version string) (KnownIssue, error) {
	const op = "knownissues.Fix"
	a, err := staff(ctx, op)
	if err != nil {
		return KnownIssue{}, err
	}
	now = now.UTC().Truncate(time.Microsecond)
	cur, err := s.store.Get(ctx, id)
	if err != nil {
		return KnownIssue{}, err
	}
	// The version is checked as one before the catalog is asked about it,
	// so that a missing or malformed version says so.
	version = strings.TrimSpace(version)
	if version == "" {
		return KnownIssue{}, accord.FieldError("version", "is required")
	}
	if err := products.ValidVersion(version); err != nil {
		return KnownIssue{}, accord.FieldError("version", "%s", versionMsg(err))
	}
	released, err := s.store.VersionReleased(ctx, cur.ProductID, version)
	if accord.IsKind(err, accord.NotFound) {
		return KnownIssue{}, accord.FieldError("version", "the product has no version %q", version)
	} else if err != nil {
		return KnownIssue{}, err
	}
	if !released {
		return KnownIssue{}, accord.FieldError("version", "version %s is not released yet; publish it first", version)
	}
	return s.store.Update(ctx, id, func(old KnownIssue) (Change, error) {
		k := old
		if k.ProductID != cur.ProductID {
			return Change{}, &accord.Error{Kind: accord.Conflict, Op: op, Msg: "the issue's product changed meanwhile; try again"}
		}
		if err := Fix(&k, version); err != nil {
			return Change{}, err
		}
		k.UpdatedAt = now
		var ch audit.Changes
		ch.Add("status", old.Status, k.Status)
		ch.Add("fixed_in", nil, k.FixedIn)
		return Change{Issue: k, Events: []audit.Event{event(a, now, k, "known_issue.fix", ch)}, Notice: notice(a, now, k, FixedNotice)}, nil
	})
}

// visible reads an issue as the actor may: vendor staff any; others a
// published one that affects a customer in their scope.
func (s *Service) visible(ctx context.Context, now time.Time, id accord.ID) (KnownIssue, accord.Actor, accord.Scope, error) {
	a, err := accord.ActorFrom(ctx)
	if err != nil {
		return KnownIssue{}, a, accord.Scope{}, err
	}
	k, err := s.store.Get(ctx, id)
	if err != nil {
		return KnownIssue{}, a, accord.Scope{}, err
	}
	if a.IsVendor() {
		return k, a, accord.Scope{All: true}, nil
	}
	scope, err := s.dir.Scope(ctx, now)
	if err != nil {
		return KnownIssue{}, a, scope, err
	}
	if k.State != Published {
		return KnownIssue{}, a, scope, notFound()
	}
	mine, err := s.affected(ctx, k, scope)
	if err != nil {
		return KnownIssue{}, a, scope, err
	}
	if len(mine) == 0 {
		return KnownIssue{}, a, scope, notFound()
	}
	k.InternalNotes = ""
	return k, a, scope, nil
}

// affected computes the customers within scope that k affects.
func (s *Service) affected(ctx context.Context, k KnownIssue, scope accord.Scope) ([]accord.ID, error) {
	links, err := s.store.Links(ctx, LinkFilter{IssueID: k.ID, Scope: scope})
	if err != nil {
		return nil, err
	}
	installs, err := s.store.Installations(ctx, scope, k.ProductID)
	if err != nil {
		return nil, err
	}
	linked := make([]accord.ID, len(links))
	for i, l := range links {
		linked[i] = l.OrgID
	}
	return Affected(k.ProductID, k.Range, linked, installs), nil
}

// Get returns an issue the actor may read; customers' and partners'
// without its internal notes.
func (s *Service) Get(ctx context.Context, now time.Time, id accord.ID) (KnownIssue, error) {
	k, _, _, err := s.visible(ctx, now, id)
	return k, err
}

// List lists the issues the actor may read, newest first: vendor staff
// every one f matches, others the published ones affecting them.
func (s *Service) List(ctx context.Context, now time.Time, f Filter) ([]KnownIssue, error) {
	a, err := accord.ActorFrom(ctx)
	if err != nil {
		return nil, err
	}
	if f.State != "" && f.State != Draft && f.State != Published {
		return nil, accord.FieldError("state", "must be draft or published")
	}
	if a.IsVendor() {
		return s.store.List(ctx, f)
	}
	scope, err := s.dir.Scope(ctx, now)
	if err != nil {
		return nil, err
	}
	if f.State == Draft {
		return []KnownIssue{}, nil
	}
	f.State = Published
	all, err := s.store.List(ctx, f)
	if err != nil {
		return nil, err
	}
	installs, err := s.store.Installations(ctx, scope, "")
	if err != nil {
		return nil, err
	}
	links, err := s.store.Links(ctx, LinkFilter{Scope: scope})
	if err != nil {
		return nil, err
	}
	out := []KnownIssue{}
	for _, k := range all {
		var linked []accord.ID
		for _, l := range links {
			if l.IssueID == k.ID {
				linked = append(linked, l.OrgID)
			}
		}
		if len(Affected(k.ProductID, k.Range, linked, installs)) > 0 {
			k.InternalNotes = ""
			out = append(out, k)
		}
	}
	return out, nil
}

// Customer is a customer an issue affects, and why.
type Customer struct {
	OrgID accord.ID `json:"org_id"`
	// Versions are its installed versions in the range.
	Versions []string `json:"versions"`
	// Cases are its cases linked to the issue.
	Cases []accord.ID `json:"cases"`
}

// Customers lists the customers an issue affects: every one for vendor
// staff; for a customer's contact or a partner, only those in its scope
// (an issue that affects none of them is NotFound).
func (s *Service) Customers(ctx context.Context, now time.Time, id accord.ID) ([]Customer, error) {
	k, _, scope, err := s.visible(ctx, now, id)
	if err != nil {
		return nil, err
	}
	return s.customers(ctx, k, scope)
}

func (s *Service) customers(ctx context.Context, k KnownIssue, scope accord.Scope) ([]Customer, error) {
	links, err := s.store.Links(ctx, LinkFilter{IssueID: k.ID, Scope: scope})
	if err != nil {
		return nil, err
	}
	installs, err := s.store.Installations(ctx, scope, k.ProductID)
	if err != nil {
		return nil, err
	}
	linked := make([]accord.ID, len(links))
	for i, l := range links {
		linked[i] = l.OrgID
	}
	out := []Customer{}
	for _, o := range Affected(k.ProductID, k.Range, linked, installs) {
		c := Customer{OrgID: o, Versions: []string{}, Cases: []accord.ID{}}
		for _, in := range installs {
			if in.OrgID == o && k.Range.Contains(in.Version) && !slices.Contains(c.Versions, in.Version) {
				c.Versions = append(c.Versions, in.Version)
			}
		}
		for _, l := range links {
			if l.OrgID == o {
				c.Cases = append(c.Cases, l.CaseID)
			}
		}
		out = append(out, c)
	}
	return out, nil
}

// Notices lists the notices given about an issue, oldest first. Vendor
// staff only.
func (s *Service) Notices(ctx context.Context, id accord.ID) ([]Notice, error) {
	a, err := accord.ActorFrom(ctx)
	if err != nil {
		return nil, err
	}
	if !a.IsVendor() {
		return nil, notFound()
	}
	return s.store.Notices(ctx, id)
}

// Products lists the products an issue may concern, for the vendor's
// staff's forms.
func (s *Service) Products(ctx context.Context) ([]Product, error) {
	if _, err := staff(ctx, "knownissues.Products"); err != nil {
		return nil, err
	}
	return s.store.Products(ctx)
}
