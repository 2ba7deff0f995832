package products

import (
	"slices"
	"time"

	"accord/internal/accord"
)

// Product is one of the vendor's products: the catalog entry versions and
// installations hang from. OrgID is the vendor's organization.
type Product struct {
	ID        accord.ID `json:"id"`
	OrgID     accord.ID `json:"org_id"`
	Key       string    `json:"key"` // a slug, unique per vendor: "identity"
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// VersionState is where a version stands: a draft is seen by vendor staff
// only; publishing it is the release (section 11) and cannot be undone.
type VersionState string

const (
	Draft     VersionState = "draft"
	Published VersionState = "published"
)

// Version is one version of a product. Dates are calendar days
// (YYYY-MM-DD), empty when not known; Notes are the release notes in
// Markdown, rendered sanitized.
type Version struct {
	ID           accord.ID    `json:"id"`
	OrgID        accord.ID    `json:"org_id"` // the vendor
	ProductID    accord.ID    `json:"product_id"`
	Number       string       `json:"number"`
	ReleasedOn   string       `json:"released_on,omitempty"`
	EndOfSupport string       `json:"end_of_support,omitempty"`
	Notes        string       `json:"notes"`
	State        VersionState `json:"state"`
	PublishedAt  *time.Time   `json:"published_at,omitempty"`
	CreatedAt    time.Time    `json:"created_at"`
	UpdatedAt    time.Time    `json:"updated_at"`
}

// PastEndOfSupport reports whether the version's support ended before the
// day today (YYYY-MM-DD): the end-of-support day itself is still supported.
func (v Version) PastEndOfSupport(today string) bool {
	return v.EndOfSupport != "" && v.EndOfSupport < today
}

// Deployment is how a customer runs an installation.
type Deployment string

const (
	OnPremises Deployment = "on_premises"
	Managed    Deployment = "managed" // a managed environment the vendor runs (internal/environments)
	Appliance  Deployment = "appliance"
)

// Deployments lists every deployment.
var Deployments = []Deployment{OnPremises, Managed, Appliance}

// Valid reports whether d is one of Deployments.
func (d Deployment) Valid() bool { return slices.Contains(Deployments, d) }

// Installation is one product a customer runs at one version: the
// "inventory on demand" of the support policy. OrgID is the customer.
type Installation struct {
	ID         accord.ID  `json:"id"`
	OrgID      accord.ID  `json:"org_id"`
	ProductID  accord.ID  `json:"product_id"`
	Version    string     `json:"version"`
	Deployment Deployment `json:"deployment"`
	// EnvironmentID is the managed environment, for Managed installations.
	EnvironmentID accord.ID `json:"environment_id,omitempty"`
	// Serial is the device's serial number, for appliances.
	Serial    string    `json:"serial,omitempty"`
	Quantity  int       `json:"quantity"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}
