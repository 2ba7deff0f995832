package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"

	"accord/internal/accord"
	"accord/internal/audit"
	"accord/internal/products"
)

// Products implements products.Store.
type Products struct{ db *DB }

// NewProducts returns the products store of db.
func NewProducts(db *DB) *Products { return &Products{db: db} }

const productColumns = `id, org_id, key, name, created_at, updated_at`

func scanProduct(row interface{ Scan(...any) error }) (products.Product, error) {
	var p products.Product
	err := row.Scan(&p.ID, &p.OrgID, &p.Key, &p.Name, &p.CreatedAt, &p.UpdatedAt)
	p.CreatedAt, p.UpdatedAt = p.CreatedAt.UTC(), p.UpdatedAt.UTC()
	return p, err
}

func (s *Products) CreateProduct(ctx context.Context, p products.Product, ev audit.Event) error {
	return s.db.txWithEvent(ctx, ev, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO products (`+productColumns+`) VALUES ($1, $2, $3, $4, $5, $6)`,
			p.ID, p.OrgID, p.Key, p.Name, micro(p.CreatedAt), micro(p.UpdatedAt))
		return err
	})
}

func (s *Products) UpdateProduct(ctx context.Context, id accord.ID, decide func(products.Product) (products.Product, audit.Event, error)) (products.Product, error) {
	var out products.Product
	err := s.db.tx(ctx, func(tx *sql.Tx) error {
		old, err := oneRow(scanProduct, tx.QueryRowContext(ctx, `SELECT `+productColumns+` FROM products WHERE id = $1`+s.db.forChange(), id), "product")
		if err != nil {
			return err
		}
		p, ev, err := decide(old)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE products SET key = $1, name = $2, updated_at = $3 WHERE id = $4`,
			p.Key, p.Name, micro(p.UpdatedAt), old.ID); err != nil {
			return s.db.mapErr(fmt.Errorf("update product: %w", err))
		}
		out = p
		return s.db.appendEvent(ctx, tx, ev)
	})
	return out, err
}

func (s *Products) GetProduct(ctx context.Context, id accord.ID) (products.Product, error) {
	return oneRow(scanProduct, s.db.sql.QueryRowContext(ctx, `SELECT `+productColumns+` FROM products WHERE id = $1`, id), "product")
}

// ListProducts lists by name, then id.
func (s *Products) ListProducts(ctx context.Context) ([]products.Product, error) {
	rows, err := s.db.sql.QueryContext(ctx, `SELECT `+productColumns+` FROM products ORDER BY name, id`)
	if err != nil {
		return nil, fmt.Errorf("list products: %w", err)
	}
	return collect(rows, scanProduct)
}

const productVersionColumns = `id, org_id, product_id, number, released_on, end_of_support, notes, state, published_at, created_at, updated_at`

func scanProductVersion(row interface{ Scan(...any) error }) (products.Version, error) {
	var v products.Version
	var released, eos sql.NullString
	var published sql.NullTime
	err := row.Scan(&v.ID, &v.OrgID, &v.ProductID, &v.Number, &released, &eos, &v.Notes, &v.State, &published, &v.CreatedAt, &v.UpdatedAt)
	v.ReleasedOn, v.EndOfSupport, v.PublishedAt = released.String, eos.String, utcPtr(published)
	v.CreatedAt, v.UpdatedAt = v.CreatedAt.UTC(), v.UpdatedAt.UTC()
	return v, err
}

func (s *Products) CreateVersion(ctx context.Context, v products.Version, ev audit.Event) error {
	return s.db.txWithEvent(ctx, ev, func(tx *sql.Tx) error { return insertVersion(ctx, tx, v) })
}

func insertVersion(ctx context.Context, tx *sql.Tx, v products.Version) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO product_versions (`+productVersionColumns+`) VALUES `+inList(1, 11),
		v.ID, v.OrgID, v.ProductID, v.Number, nullable(v.ReleasedOn), nullable(v.EndOfSupport), v.Notes, string(v.State),
		nullMicro(v.PublishedAt), micro(v.CreatedAt), micro(v.UpdatedAt))
	return err
}

// CreateVersions inserts an import's versions and events in one
// transaction; a number taken meanwhile is Conflict and stores nothing.
func (s *Products) CreateVersions(ctx context.Context, vs []products.Version, evs []audit.Event) error {
	return s.db.tx(ctx, func(tx *sql.Tx) error {
		for i, v := range vs {
			if err := insertVersion(ctx, tx, v); err != nil {
				return s.db.mapErr(fmt.Errorf("insert version %s: %w", v.Number, err))
			}
			if err := s.db.appendEvent(ctx, tx, evs[i]); err != nil {
				return err
			}
		}
		return nil
	})
}

// UpdateVersion holds the version's row while decide runs; a draft it
// publishes gets its ReleaseJob in the same transaction, so that the
// notice goes out once the publication is committed, and only then.
func (s *Products) UpdateVersion(ctx context.Context, id accord.ID, decide func(products.Version) (products.Version, audit.Event, error)) (products.Version, error) {
	var out products.Version
	err := s.db.tx(ctx, func(tx *sql.Tx) error {
		old, err := oneRow(scanProductVersion, tx.QueryRowContext(ctx, `SELECT `+productVersionColumns+` FROM product_versions WHERE id = $1`+s.db.forChange(), id), "version")
		if err != nil {
			return err
		}
		v, ev, err := decide(old)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE product_versions SET number = $1, released_on = $2, end_of_support = $3, notes = $4,
			state = $5, published_at = $6, updated_at = $7 WHERE id = $8`,
			v.Number, nullable(v.ReleasedOn), nullable(v.EndOfSupport), v.Notes, string(v.State), nullMicro(v.PublishedAt), micro(v.UpdatedAt), old.ID); err != nil {
			return s.db.mapErr(fmt.Errorf("update version: %w", err))
		}
		if old.State != products.Published && v.State == products.Published {
			if err := setTimer(ctx, tx, v.OrgID, v.ID, products.ReleaseJob, v.UpdatedAt, v.UpdatedAt); err != nil {
				return err
			}
		}
		out = v
		return s.db.appendEvent(ctx, tx, ev)
	})
	return out, err
}

func (s *Products) GetVersion(ctx context.Context, id accord.ID) (products.Version, error) {
	return oneRow(scanProductVersion, s.db.sql.QueryRowContext(ctx, `SELECT `+productVersionColumns+` FROM product_versions WHERE id = $1`, id), "version")
}

// ListVersions sorts in Go: the order of version numbers is
// products.CompareVersions, which no collation of either engine knows.
func (s *Products) ListVersions(ctx context.Context, productID accord.ID, publishedOnly bool) ([]products.Version, error) {
	var w where
	if productID != "" {
		w.add("product_id = ?", productID)
	}
	if publishedOnly {
		w.add("state = ?", string(products.Published))
	}
	rows, err := s.db.sql.QueryContext(ctx, `SELECT `+productVersionColumns+` FROM product_versions`+w.String(), w.args...)
	if err != nil {
		return nil, fmt.Errorf("list versions: %w", err)
	}
	out, err := collect(rows, scanProductVersion)
	if err != nil {
		return nil, fmt.Errorf("list versions: %w", err)
	}
	slices.SortFunc(out, func(a, b products.Version) int {
		if a.ProductID != b.ProductID {
			return strings.Compare(string(a.ProductID), string(b.ProductID))
		}
		return -products.CompareVersions(a.Number, b.Number)
	})
	return out, nil
}

const installationColumns = `id, org_id, product_id, version, deployment, environment_id, serial, quantity, created_at, updated_at`

func scanInstallation(row interface{ Scan(...any) error }) (products.Installation, error) {
	var i products.Installation
	var env, serial sql.NullString
	err := row.Scan(&i.ID, &i.OrgID, &i.ProductID, &i.Version, &i.Deployment, &env, &serial, &i.Quantity, &i.CreatedAt, &i.UpdatedAt)
	i.EnvironmentID, i.Serial = accord.ID(env.String), serial.String
	i.CreatedAt, i.UpdatedAt = i.CreatedAt.UTC(), i.UpdatedAt.UTC()
	return i, err
}

// checkEnvironment refuses an environment that is not the customer's.
func checkEnvironment(ctx context.Context, tx *sql.Tx, i products.Installation) error {
	if i.EnvironmentID == "" {
		return nil
	}
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM environments WHERE id = $1 AND org_id = $2`, i.EnvironmentID, i.OrgID).Scan(&n); err != nil {
		return fmt.Errorf("check environment: %w", err)
	}
	if n == 0 {
		return accord.FieldError("environment_id", "must be a managed environment of the customer")
	}
	return nil
}

func (s *Products) CreateInstallation(ctx context.Context, i products.Installation, ev audit.Event) error {
	return s.db.txWithEvent(ctx, ev, func(tx *sql.Tx) error {
		if err := checkEnvironment(ctx, tx, i); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO installations (`+installationColumns+`) VALUES `+inList(1, 10),
			i.ID, i.OrgID, i.ProductID, i.Version, string(i.Deployment), nullable(i.EnvironmentID), nullable(i.Serial), i.Quantity,
			micro(i.CreatedAt), micro(i.UpdatedAt))
		return err
	})
}

func installationByID(scope accord.Scope, id accord.ID) where {
	var w where
	w.add("id = ?", id)
	w.scope("org_id", scope)
	return w
}

func readInstallation(ctx context.Context, q queryer, w where, lock string) (products.Installation, error) {
	return oneRow(scanInstallation, q.QueryRowContext(ctx, `SELECT `+installationColumns+` FROM installations`+w.String()+lock, w.args...), "installation")
}

func (s *Products) GetInstallation(ctx context.Context, scope accord.Scope, id accord.ID) (products.Installation, error) {
	return readInstallation(ctx, s.db.sql, installationByID(scope, id), "")
}

// ListInstallations lists by customer name, product name, then id.
func (s *Products) ListInstallations(ctx context.Context, scope accord.Scope, f products.InstallationFilter) ([]products.Installation, error) {
	var w where
	w.scope("i.org_id", scope)
	if f.OrgID != "" {
		w.add("i.org_id = ?", f.OrgID)
	}
	if f.ProductID != "" {
		w.add("i.product_id = ?", f.ProductID)
	}
	rows, err := s.db.sql.QueryContext(ctx, `SELECT i.id, i.org_id, i.product_id, i.version, i.deployment, i.environment_id, i.serial,
		i.quantity, i.created_at, i.updated_at FROM installations i JOIN organizations o ON o.id = i.org_id JOIN products p ON p.id = i.product_id`+
		w.String()+` ORDER BY o.name, p.name, i.id`, w.args...)
	if err != nil {
		return nil, fmt.Errorf("list installations: %w", err)
	}
	return collect(rows, scanInstallation)
}

func (s *Products) UpdateInstallation(ctx context.Context, scope accord.Scope, id accord.ID,
	decide func(products.Installation) (products.Installation, audit.Event, error)) (products.Installation, error) {
	var out products.Installation
	err := s.db.tx(ctx, func(tx *sql.Tx) error {
		old, err := readInstallation(ctx, tx, installationByID(scope, id), s.db.forChange())
		if err != nil {
			return err
		}
		i, ev, err := decide(old)
		if err != nil {
			return err
		}
		if err := checkEnvironment(ctx, tx, i); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE installations SET version = $1, deployment = $2, environment_id = $3, serial = $4,
			quantity = $5, updated_at = $6 WHERE id = $7`, i.Version, string(i.Deployment), nullable(i.EnvironmentID), nullable(i.Serial),
			i.Quantity, micro(i.UpdatedAt), old.ID); err != nil {
			return s.db.mapErr(fmt.Errorf("update installation: %w", err))
		}
		out = i
		return s.db.appendEvent(ctx, tx, ev)
	})
	return out, err
}

func (s *Products) DeleteInstallation(ctx context.Context, scope accord.Scope, id accord.ID, decide func(products.Installation) (audit.Event, error)) error {
	return s.db.tx(ctx, func(tx *sql.Tx) error {
		old, err := readInstallation(ctx, tx, installationByID(scope, id), s.db.forChange())
		if err != nil {
			return err
		}
		ev, err := decide(old)
		if err != nil {
			return err
		}
		// A case's repair refers to its device: the case keeps telling what
		// was repaired, so the installation stays (changed, not removed).
		var number int64
		err = tx.QueryRowContext(ctx, `SELECT c.number FROM case_repairs r JOIN cases c ON c.id = r.case_id
			WHERE r.installation_id = $1 ORDER BY c.number LIMIT 1`, old.ID).Scan(&number)
		switch {
		case err == nil:
			return &accord.Error{Kind: accord.Conflict, Msg: fmt.Sprintf("the appliance is the device of the repair of case %d; it stays in the inventory", number)}
		case !errors.Is(err, sql.ErrNoRows):
			return fmt.Errorf("repairs of installation: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM installations WHERE id = $1`, old.ID); err != nil {
			return fmt.Errorf("delete installation: %w", err)
		}
		return s.db.appendEvent(ctx, tx, ev)
	})
}
