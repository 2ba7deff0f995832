package engagements

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
	"time"

	"accord/internal/accord"
	"accord/internal/audit"
	"accord/internal/lang"
	"accord/internal/yamldoc"
)

func requireCatalogAdmin(ctx context.Context, op string) (accord.Actor, error) {
	a, err := accord.ActorFrom(ctx)
	if err != nil {
		return a, err
	}
	if !a.System && a.Role != accord.RoleAdmin {
		return a, forbidden(op, "only vendor administrators may change the services catalog")
	}
	return a, nil
}

func noCatalog() error {
	return &accord.Error{Kind: accord.NotFound, Msg: "no services catalog has been loaded yet"}
}

// CurrentCatalog returns the newest catalog version, to anyone signed in:
// customers and partners choose services from it.
func (s *Service) CurrentCatalog(ctx context.Context) (Version, *Catalog, error) {
	if _, err := accord.ActorFrom(ctx); err != nil {
		return Version{}, nil, err
	}
	v, err := s.store.LatestCatalogVersion(ctx)
	if accord.IsKind(err, accord.NotFound) {
		return Version{}, nil, noCatalog()
	}
	if err != nil {
		return Version{}, nil, err
	}
	c, err := s.parse(v)
	return v, c, err
}

// CatalogVersion returns catalog version n (vendor staff).
func (s *Service) CatalogVersion(ctx context.Context, n int) (Version, *Catalog, error) {
	a, err := accord.ActorFrom(ctx)
	if err != nil {
		return Version{}, nil, err
	}
	if !a.IsVendor() {
		return Version{}, nil, forbidden("engagements.CatalogVersion", "only the vendor's staff may read the catalog's history")
	}
	v, err := s.store.GetCatalogVersion(ctx, n)
	if err != nil {
		return Version{}, nil, err
	}
	c, err := s.parse(v)
	return v, c, err
}

// CatalogVersions lists versions newest first, without documents (vendor staff).
func (s *Service) CatalogVersions(ctx context.Context, p accord.Page) ([]Version, string, error) {
	a, err := accord.ActorFrom(ctx)
	if err != nil {
		return nil, "", err
	}
	if !a.IsVendor() {
		return nil, "", forbidden("engagements.CatalogVersions", "only the vendor's staff may read the catalog's history")
	}
	return s.store.ListCatalogVersions(ctx, p.Normalize())
}

// InvalidCatalog is the error for a document that does not parse: Invalid,
// with every problem as a field of the document.
func InvalidCatalog(err error) error {
	var ps yamldoc.Problems
	if !errors.As(err, &ps) {
		return err
	}
	e := &accord.Error{Kind: accord.Invalid, Op: "engagements.ImportCatalog", Msg: "the catalog document is not valid: " + ps.Error(), Err: ps}
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

// ImportCatalog stores doc as the next catalog version (vendor
// administrators). Engagements already requested keep their version.
func (s *Service) ImportCatalog(ctx context.Context, now time.Time, doc, note string) (Version, error) {
	const op = "engagements.ImportCatalog"
	a, err := requireCatalogAdmin(ctx, op)
	if err != nil {
		return Version{}, err
	}
	c, err := ParseCatalog([]byte(doc))
	if err != nil {
		return Version{}, InvalidCatalog(err)
	}
	if _, err := s.hours(ctx, c); err != nil {
		return Version{}, err
	}
	gaps := yamldoc.Untranslated([]byte(doc), c, lang.Locales)
	if len(gaps) > 0 && s.cfg.Languages == lang.Strict {
		return Version{}, InvalidCatalog(gaps)
	}
	note = strings.TrimSpace(note)
	if note == "" {
		note = "imported"
	}
	for attempt := 1; ; attempt++ {
		latest, err := s.store.LatestCatalogVersion(ctx)
		if err != nil && !accord.IsKind(err, accord.NotFound) {
			return Version{}, err
		}
		if latest.Number > 0 && latest.Document == doc {
			return Version{}, conflict(op, "the document is identical to version %d, the current catalog; nothing to change", latest.Number)
		}
		v := newCatalogVersion(a, now, latest.Number+1, doc, note)
		err = s.store.CreateCatalogVersion(ctx, v, catalogEvent(a, now, "catalog.import", v))
		if accord.IsKind(err, accord.Conflict) && attempt < 10 {
			continue // another import took the number
		}
		if err != nil {
			return Version{}, accord.Wrap(op, err)
		}
		v.Warnings = gaps
		return v, nil
	}
}

// EnsureDefaultCatalog loads the default catalog as version 1 into a
// database that has none; several processes may call it at once.
func (s *Service) EnsureDefaultCatalog(ctx context.Context, now time.Time) (bool, error) {
	a, err := requireCatalogAdmin(ctx, "engagements.EnsureDefaultCatalog")
	if err != nil {
		return false, err
	}
	if _, err := s.store.LatestCatalogVersion(ctx); !accord.IsKind(err, accord.NotFound) {
		return false, err
	}
	v := newCatalogVersion(a, now, 1, defaultDocument, "default catalog")
	err = s.store.CreateCatalogVersion(ctx, v, catalogEvent(a, now, "catalog.default", v))
	if accord.IsKind(err, accord.Conflict) {
		return false, nil
	}
	return err == nil, err
}

func newCatalogVersion(a accord.Actor, now time.Time, n int, doc, note string) Version {
	sum := sha256.Sum256([]byte(doc))
	name := a.Name
	if a.System && name == "" {
		name = "system"
	}
	return Version{ID: accord.NewID("cat"), Number: n, SHA256: hex.EncodeToString(sum[:]), Note: note,
		CreatedAt: stamp(now), CreatedBy: name, CreatedByID: a.UserID, Document: doc}
}

func catalogEvent(a accord.Actor, now time.Time, action string, v Version) audit.Event {
	return audit.New(a, now, audit.GlobalOrg, action, "catalog_version", v.ID,
		audit.Changes{{Field: "version", After: v.Number}, {Field: "sha256", After: v.SHA256}})
}
