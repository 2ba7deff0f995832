package kb

import (
	"context"
	"time"

	"accord/internal/accord"
	"accord/internal/audit"
)

// Visibility is who may read an article.
type Visibility string

const (
	Public    Visibility = "public"    // anyone, without signing in
	Customers Visibility = "customers" // customers' contacts, partners' agents and vendor staff
	Partners  Visibility = "partners"  // partners' agents and vendor staff
	Internal  Visibility = "internal"  // vendor staff only
)

// Visibilities lists them, widest first.
var Visibilities = []Visibility{Public, Customers, Partners, Internal}

// State is where an article stands.
type State string

const (
	Draft     State = "draft"
	Published State = "published"
	Archived  State = "archived"
)

// Languages are the languages articles are written in.
var Languages = []string{"en-US", "pt-BR", "es-ES"}

// Article is one translation of an article group.
type Article struct {
	ID      accord.ID `json:"id"`
	OrgID   accord.ID `json:"org_id"`   // the vendor
	GroupID accord.ID `json:"group_id"` // the translations of one article share it
	Lang    string    `json:"lang"`
	// Slug names the translation in its URL, /kb/<slug>.
	Slug     string `json:"slug"`
	Title    string `json:"title"`
	Body     string `json:"body"` // Markdown, sanitized when rendered
	Category string `json:"category"`
	// Product is the product's key and Versions the range of its versions
	// the article applies to ("3.20-3.22", "all"), as written.
	Product    string     `json:"product"`
	Versions   string     `json:"versions"`
	Visibility Visibility `json:"visibility"`
	State      State      `json:"state"`
	// Revision is the number of the last published revision, 0 before the
	// first publication.
	Revision int `json:"revision"`
	// Solved counts the readers who said the article solved their problem.
	Solved      int        `json:"solved"`
	CreatedBy   accord.ID  `json:"created_by"`
	UpdatedBy   accord.ID  `json:"updated_by"`
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
	PublishedAt *time.Time `json:"published_at,omitempty"`
}

// Revision is an article as it was published, and who changed what.
type Revision struct {
	ArticleID  accord.ID  `json:"article_id"`
	OrgID      accord.ID  `json:"org_id"`
	Number     int        `json:"number"`
	Title      string     `json:"title"`
	Body       string     `json:"body"`
	Slug       string     `json:"slug"`
	Category   string     `json:"category"`
	Product    string     `json:"product"`
	Versions   string     `json:"versions"`
	Visibility Visibility `json:"visibility"`
	// Changed names the fields that differ from the previous revision
	// (every field for the first).
	Changed []string  `json:"changed"`
	ByID    accord.ID `json:"by_id"`
	ByName  string    `json:"by_name"`
	At      time.Time `json:"at"`
}

// Hit is an article found by a search, with its snippet.
type Hit struct {
	Article
	Rank    float64   `json:"rank"`
	Snippet []Segment `json:"snippet"`
}

// Filter selects articles. Visibilities and States are required: the
// service fills them from the reader.
type Filter struct {
	OrgID        accord.ID
	Lang         string
	Category     string
	Visibilities []Visibility
	States       []State
	// Terms, when set, keep the articles whose title or body has a word
	// starting with every term, best ranked first.
	Terms []string
	// Any keeps the articles with any of the terms instead of all, still
	// best ranked first: suggestions read a whole sentence.
	Any   bool
	Limit int
}

// Store persists articles. Reads return nothing outside the filter given;
// a translation the filter excludes is NotFound.
type Store interface {
	// Vendor returns the vendor organization's id.
	Vendor(ctx context.Context) (accord.ID, error)
	// Create writes a and ev; a taken slug or language of the group is
	// Conflict.
	Create(ctx context.Context, a Article, ev audit.Event) error
	// Get returns the article by id, or by slug when id is empty.
	Get(ctx context.Context, f Filter, id accord.ID, slug string) (Article, error)
	// Update rewrites a (and its search document), appends rev when not
	// nil, and writes ev, in one transaction.
	Update(ctx context.Context, a Article, rev *Revision, ev audit.Event) error
	// List returns the articles of f: by rank with terms, by title without.
	List(ctx context.Context, f Filter) ([]Hit, error)
	// Revisions returns an article's revisions, newest first.
	Revisions(ctx context.Context, orgID, id accord.ID) ([]Revision, error)
	// Solve adds one to an article's solved count and writes ev.
	Solve(ctx context.Context, orgID, id accord.ID, ev audit.Event) (int, error)
}
