package kb

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"accord/internal/accord"
	"accord/internal/audit"
)

// Limits of an article.
const (
	MaxTitle   = 200
	MaxBody    = 100000
	MaxField   = 100
	MaxResults = 50
	// MaxSuggestions is how many articles a new case's title suggests.
	MaxSuggestions = 5
)

// Directory tells what the actor may read; *directory.Service provides it.
type Directory interface {
	Scope(ctx context.Context, now time.Time) (accord.Scope, error)
}

// Service keeps and searches the knowledge base.
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

// Readable returns what the actor may read: the visibilities and states.
// An actor of nil is an anonymous reader.
func Readable(a *accord.Actor) ([]Visibility, []State) {
	switch {
	case a == nil:
		return []Visibility{Public}, []State{Published}
	case a.IsVendor():
		return Visibilities, []State{Draft, Published, Archived}
	case a.Role == accord.RolePartnerAgent:
		return []Visibility{Public, Customers, Partners}, []State{Published}
	case a.Role == accord.RoleCustomerContact:
		return []Visibility{Public, Customers}, []State{Published}
	}
	return []Visibility{Public}, []State{Published}
}

// reader is the actor of ctx, nil when nobody signed in, and the filter of
// what it may read.
func (s *Service) reader(ctx context.Context) (*accord.Actor, Filter, error) {
	var a *accord.Actor
	if x, err := accord.ActorFrom(ctx); err == nil {
		a = &x
	}
	org, err := s.store.Vendor(ctx)
	if err != nil {
		return nil, Filter{}, err
	}
	f := Filter{OrgID: org}
	f.Visibilities, f.States = Readable(a)
	if a != nil && a.Role == accord.RolePartnerAgent {
		// A partner's agent reads customers' and partners' articles
		// because it serves customers; without a valid certification it
		// serves none (directory.Scope refuses it) and reads what anyone
		// reads.
		if _, err := s.dir.Scope(ctx, s.now()); accord.IsKind(err, accord.Forbidden) {
			f.Visibilities, f.States = Readable(nil)
		} else if err != nil {
			return nil, Filter{}, err
		}
	}
	return a, f, nil
}

// writer is the acting vendor administrator or agent.
func (s *Service) writer(ctx context.Context, op string) (accord.Actor, accord.ID, error) {
	a, err := accord.ActorFrom(ctx)
	if err != nil {
		return a, "", err
	}
	if !a.System && a.Role != accord.RoleAdmin && a.Role != accord.RoleAgent {
		return a, "", &accord.Error{Kind: accord.Forbidden, Op: op, Msg: "vendor staff write the knowledge base"}
	}
	org, err := s.store.Vendor(ctx)
	return a, org, err
}

// NewArticle is the input to Create.
type NewArticle struct {
	// TranslationOf is an article this one translates; empty starts a new
	// group.
	TranslationOf accord.ID  `json:"translation_of,omitempty"`
	Lang          string     `json:"lang"`
	Slug          string     `json:"slug"`
	Title         string     `json:"title"`
	Body          string     `json:"body"`
	Category      string     `json:"category"`
	Product       string     `json:"product"`
	Versions      string     `json:"versions"`
	Visibility    Visibility `json:"visibility"`
}

// Update is the input to Update; nil fields stay as they are.
type Update struct {
	Slug       *string     `json:"slug,omitempty"`
	Title      *string     `json:"title,omitempty"`
	Body       *string     `json:"body,omitempty"`
	Category   *string     `json:"category,omitempty"`
	Product    *string     `json:"product,omitempty"`
	Versions   *string     `json:"versions,omitempty"`
	Visibility *Visibility `json:"visibility,omitempty"`
}

var slugPattern = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// Slug makes a slug of a title: folded, words joined by hyphens.
func Slug(title string) string {
	var words []string
	for _, w := range strings.FieldsFunc(Fold(title), func(r rune) bool { return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9') }) {
		words = append(words, w)
	}
	s := strings.Join(words, "-")
	for len(s) > 80 {
		s = s[:strings.LastIndexByte(s, '-')]
	}
	return s
}

func check(ps *[]accord.Problem, field, v string, required bool, max int) string {
	v = strings.TrimSpace(v)
	switch {
	case required && v == "":
		*ps = append(*ps, accord.Problem{Field: field, Msg: "is required"})
	case utf8.RuneCountInString(v) > max:
		*ps = append(*ps, accord.Problem{Field: field, Msg: "is too long"})
	default:
		if p := accord.TextProblem(v); p != "" {
			*ps = append(*ps, accord.Problem{Field: field, Msg: p})
		}
	}
	return v
}

// validate checks the article's fields; op names the refusal.
func validate(op string, a *Article) error {
	var ps []accord.Problem
	if !slices.Contains(Languages, a.Lang) {
		ps = append(ps, accord.Problem{Field: "lang", Msg: "must be en-US, pt-BR or es-ES"})
	}
	if a.Slug == "" {
		a.Slug = Slug(a.Title)
	}
	if !slugPattern.MatchString(a.Slug) || len(a.Slug) > 80 {
		ps = append(ps, accord.Problem{Field: "slug", Msg: "must be lowercase letters and digits joined by single hyphens, at most 80"})
	}
	a.Title = check(&ps, "title", a.Title, true, MaxTitle)
	a.Body = check(&ps, "body", a.Body, true, MaxBody)
	a.Category = check(&ps, "category", a.Category, false, MaxField)
	a.Product = check(&ps, "product", a.Product, false, MaxField)
	a.Versions = check(&ps, "versions", a.Versions, false, MaxField)
	if !slices.Contains(Visibilities, a.Visibility) {
		ps = append(ps, accord.Problem{Field: "visibility", Msg: "must be public, customers, partners or internal"})
	}
	return accord.InvalidFields(op, ps)
}

// Create writes a draft article, a new group or a translation of one.
func (s *Service) Create(ctx context.Context, now time.Time, in NewArticle) (Article, error) {
	const op = "kb.Create"
	a, org, err := s.writer(ctx, op)
	if err != nil {
		return Article{}, err
	}
	art := Article{
		ID: accord.NewID("kba"), OrgID: org, GroupID: accord.NewID("kbg"), Lang: in.Lang, Slug: in.Slug, Title: in.Title, Body: in.Body,
		Category: in.Category, Product: in.Product, Versions: in.Versions, Visibility: in.Visibility, State: Draft,
		CreatedBy: a.UserID, UpdatedBy: a.UserID, CreatedAt: now, UpdatedAt: now,
	}
	if art.Visibility == "" {
		art.Visibility = Internal
	}
	if in.TranslationOf != "" {
		of, err := s.store.Get(ctx, Filter{OrgID: org, Visibilities: Visibilities, States: []State{Draft, Published, Archived}}, in.TranslationOf, "")
		if err != nil {
			if accord.IsKind(err, accord.NotFound) {
				return Article{}, accord.FieldError("translation_of", "is not an article")
			}
			return Article{}, err
		}
		art.GroupID = of.GroupID
	}
	if err := validate(op, &art); err != nil {
		return Article{}, err
	}
	ev := audit.New(a, now, org, "kb.create", "kb_article", art.ID, []audit.Change{
		{Field: "title", After: art.Title}, {Field: "lang", After: art.Lang}, {Field: "slug", After: art.Slug},
		{Field: "visibility", After: art.Visibility}, {Field: "group_id", After: art.GroupID}})
	if err := s.store.Create(ctx, art, ev); err != nil {
		if accord.IsKind(err, accord.Conflict) {
			return Article{}, &accord.Error{Kind: accord.Conflict, Op: op, Msg: "the slug is taken, or the group has a translation in this language", Err: err}
		}
		return Article{}, accord.Wrap(op, err)
	}
	return art, nil
}

// Get returns an article the reader may read; any other is NotFound.
func (s *Service) Get(ctx context.Context, id accord.ID) (Article, error) {
	_, f, err := s.reader(ctx)
	if err != nil {
		return Article{}, err
	}
	return s.store.Get(ctx, f, id, "")
}

// Referable checks that id names a published article a reply may point
// at: any published one in an internal note, one the customer may read
// (public or customers') in a reply the customer reads. Otherwise it is
// NotFound, whoever asks, so that a reply never links the customer to an
// article it cannot open.
func (s *Service) Referable(ctx context.Context, id accord.ID, customers bool) error {
	org, err := s.store.Vendor(ctx)
	if err != nil {
		return err
	}
	f := Filter{OrgID: org, Visibilities: Visibilities, States: []State{Published}}
	if customers {
		f.Visibilities = []Visibility{Public, Customers}
	}
	_, err = s.store.Get(ctx, f, id, "")
	return err
}

// BySlug returns the translation at /kb/<slug> if the reader may read it.
func (s *Service) BySlug(ctx context.Context, slug string) (Article, error) {
	_, f, err := s.reader(ctx)
	if err != nil {
		return Article{}, err
	}
	return s.store.Get(ctx, f, "", slug)
}

// Translations returns the other translations of a's group the reader may
// read.
func (s *Service) Translations(ctx context.Context, a Article) ([]Article, error) {
	_, f, err := s.reader(ctx)
	if err != nil {
		return nil, err
	}
	hits, err := s.store.List(ctx, f)
	if err != nil {
		return nil, err
	}
	var out []Article
	for _, h := range hits {
		if h.GroupID == a.GroupID && h.ID != a.ID {
			out = append(out, h.Article)
		}
	}
	return out, nil
}

// Query is the input to Search.
type Query struct {
	Text string
	// Any finds articles with any word of Text rather than all.
	Any      bool
	Lang     string // empty: every language
	Category string
	State    State // empty: every state the reader may read
	Limit    int
}

// Search lists the articles the reader may read: with text, those matching
// it, best first, with snippets; without, all of them by title.
func (s *Service) Search(ctx context.Context, q Query) ([]Hit, error) {
	_, f, err := s.reader(ctx)
	if err != nil {
		return nil, err
	}
	if q.Lang != "" && !slices.Contains(Languages, q.Lang) {
		return nil, accord.FieldError("lang", "must be en-US, pt-BR or es-ES")
	}
	if q.State != "" {
		if !slices.Contains(f.States, q.State) {
			return nil, nil
		}
		f.States = []State{q.State}
	}
	f.Lang, f.Category, f.Limit, f.Any = q.Lang, q.Category, q.Limit, q.Any
	if f.Limit <= 0 || f.Limit > MaxResults {
		f.Limit = MaxResults
	}
	if strings.TrimSpace(q.Text) != "" {
		f.Terms = Terms(q.Text)
		if q.Any {
			// A sentence's short words (articles, prepositions) would
			// match nearly every article as prefixes.
			f.Terms = slices.DeleteFunc(f.Terms, func(t string) bool { return utf8.RuneCountInString(t) < 3 })
		}
		if len(f.Terms) == 0 {
			return nil, nil
		}
	}
	hits, err := s.store.List(ctx, f)
	if err != nil {
		return nil, err
	}
	for i := range hits {
		hits[i].Snippet = Snippet(hits[i].Body, f.Terms)
	}
	return hits, nil
}

// Suggest returns up to MaxSuggestions published articles in lang that
// match any word of what a customer is typing as a new case's title, the
// articles matching more of them first.
func (s *Service) Suggest(ctx context.Context, text, lang string) ([]Hit, error) {
	if strings.TrimSpace(text) == "" {
		return nil, nil
	}
	return s.Search(ctx, Query{Text: text, Any: true, Lang: lang, State: Published, Limit: MaxSuggestions})
}

// Categories returns the categories of the articles the reader may read
// in lang, sorted.
func (s *Service) Categories(ctx context.Context, lang string) ([]string, error) {
	hits, err := s.Search(ctx, Query{Lang: lang, State: Published})
	if err != nil {
		return nil, err
	}
	var out []string
	for _, h := range hits {
		if h.Category != "" && !slices.Contains(out, h.Category) {
			out = append(out, h.Category)
		}
	}
	slices.Sort(out)
	return out, nil
}

// Sitemap returns every published public article, for /sitemap.xml.
func (s *Service) Sitemap(ctx context.Context) ([]Article, error) {
	org, err := s.store.Vendor(ctx)
	if err != nil {
		return nil, err
	}
	hits, err := s.store.List(ctx, Filter{OrgID: org, Visibilities: []Visibility{Public}, States: []State{Published}})
	out := make([]Article, len(hits))
	for i, h := range hits {
		out[i] = h.Article
	}
	return out, err
}

// edit loads an article for a writer, applies change and stores it with a
// revision when the result is published.
func (s *Service) edit(ctx context.Context, now time.Time, op, action string, id accord.ID, change func(*Article) error) (Article, error) {
	a, org, err := s.writer(ctx, op)
	if err != nil {
		return Article{}, err
	}
	before, err := s.store.Get(ctx, Filter{OrgID: org, Visibilities: Visibilities, States: []State{Draft, Published, Archived}}, id, "")
	if err != nil {
		return Article{}, err
	}
	after := before
	if err := change(&after); err != nil {
		return Article{}, err
	}
	if err := validate(op, &after); err != nil {
		return Article{}, err
	}
	changed := diff(before, after)
	if len(changed) == 0 {
		return before, nil
	}
	after.UpdatedBy, after.UpdatedAt = a.UserID, now
	var rev *Revision
	if after.State == Published && (before.State != Published || slices.ContainsFunc(changed, func(c audit.Change) bool { return c.Field != "state" })) {
		after.Revision++
		rev = &Revision{ArticleID: after.ID, OrgID: after.OrgID, Number: after.Revision, Title: after.Title, Body: after.Body, Slug: after.Slug,
			Category: after.Category, Product: after.Product, Versions: after.Versions, Visibility: after.Visibility,
			ByID: a.UserID, ByName: a.Name, At: now}
		for _, c := range changed {
			rev.Changed = append(rev.Changed, c.Field)
		}
		if before.Revision == 0 {
			rev.Changed = []string{"title", "body", "slug", "category", "product", "versions", "visibility"}
		}
		changed = append(changed, audit.Change{Field: "revision", Before: before.Revision, After: after.Revision})
	}
	ev := audit.New(a, now, after.OrgID, action, "kb_article", after.ID, changed)
	if err := s.store.Update(ctx, after, rev, ev); err != nil {
		if accord.IsKind(err, accord.Conflict) {
			// A taken slug, or a concurrent publication that took this
			// revision's number first (kb_revisions' key).
			return Article{}, &accord.Error{Kind: accord.Conflict, Op: op, Msg: "the slug is taken, or the article changed meanwhile; reload it", Err: err}
		}
		return Article{}, accord.Wrap(op, err)
	}
	return after, nil
}

// diff lists the fields that differ; the body's text is not copied into
// the audit trail, only that it changed.
func diff(b, a Article) []audit.Change {
	var out []audit.Change
	add := func(field string, before, after any) {
		if before != after {
			out = append(out, audit.Change{Field: field, Before: before, After: after})
		}
	}
	add("title", b.Title, a.Title)
	if b.Body != a.Body {
		out = append(out, audit.Change{Field: "body", Before: len(b.Body), After: len(a.Body)})
	}
	add("slug", b.Slug, a.Slug)
	add("category", b.Category, a.Category)
	add("product", b.Product, a.Product)
	add("versions", b.Versions, a.Versions)
	add("visibility", b.Visibility, a.Visibility)
	add("state", b.State, a.State)
	return out
}

// Update changes an article's fields; a published article keeps a new
// revision.
func (s *Service) Update(ctx context.Context, now time.Time, id accord.ID, in Update) (Article, error) {
	return s.edit(ctx, now, "kb.Update", "kb.update", id, func(a *Article) error {
		set := func(dst *string, v *string) {
			if v != nil {
				*dst = *v
			}
		}
		set(&a.Slug, in.Slug)
		set(&a.Title, in.Title)
		set(&a.Body, in.Body)
		set(&a.Category, in.Category)
		set(&a.Product, in.Product)
		set(&a.Versions, in.Versions)
		if in.Visibility != nil {
			a.Visibility = *in.Visibility
		}
		return nil
	})
}

// Publish publishes a draft or an archived article, keeping a revision.
func (s *Service) Publish(ctx context.Context, now time.Time, id accord.ID) (Article, error) {
	return s.edit(ctx, now, "kb.Publish", "kb.publish", id, func(a *Article) error {
		if a.State == Published {
			return &accord.Error{Kind: accord.Conflict, Op: "kb.Publish", Msg: "the article is already published"}
		}
		a.State = Published
		if a.PublishedAt == nil {
			a.PublishedAt = &now
		}
		return nil
	})
}

// Archive withdraws an article from everyone but vendor staff.
func (s *Service) Archive(ctx context.Context, now time.Time, id accord.ID) (Article, error) {
	return s.edit(ctx, now, "kb.Archive", "kb.archive", id, func(a *Article) error {
		if a.State == Archived {
			return &accord.Error{Kind: accord.Conflict, Op: "kb.Archive", Msg: "the article is already archived"}
		}
		a.State = Archived
		return nil
	})
}

// Revisions returns an article's published revisions, newest first, to
// vendor staff.
func (s *Service) Revisions(ctx context.Context, id accord.ID) ([]Revision, error) {
	a, f, err := s.reader(ctx)
	if err != nil {
		return nil, err
	}
	art, err := s.store.Get(ctx, f, id, "")
	if err != nil {
		return nil, err
	}
	if a == nil || !a.IsVendor() {
		return nil, &accord.Error{Kind: accord.Forbidden, Op: "kb.Revisions", Msg: "revisions are for vendor staff"}
	}
	return s.store.Revisions(ctx, art.OrgID, art.ID)
}

// Solved counts a reader saying the article solved their problem; anyone
// who may read it may say so, signed in or not.
func (s *Service) Solved(ctx context.Context, now time.Time, id accord.ID) (Article, error) {
	a, f, err := s.reader(ctx)
	if err != nil {
		return Article{}, err
	}
	art, err := s.store.Get(ctx, f, id, "")
	if err != nil {
		return Article{}, err
	}
	if art.State != Published {
		return Article{}, &accord.Error{Kind: accord.Conflict, Op: "kb.Solved", Msg: "the article is not published"}
	}
	who := accord.Actor{Name: "anonymous reader", RequestID: accord.RequestID(ctx)}
	if a != nil {
		who = *a
	}
	ev := audit.New(who, now, art.OrgID, "kb.solved", "kb_article", art.ID, []audit.Change{{Field: "solved", Before: art.Solved, After: art.Solved + 1}})
	n, err := s.store.Solve(ctx, art.OrgID, art.ID, ev)
	if err != nil {
		return Article{}, accord.Wrap("kb.Solved", err)
	}
	art.Solved = n
	return art, nil
}
