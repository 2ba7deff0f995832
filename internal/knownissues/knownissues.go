package knownissues

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"accord/internal/accord"
	"accord/internal/lang"
	"accord/internal/products"
)

// Status is where the vendor's work on a known issue stands.
type Status string

const (
	Investigating       Status = "investigating"
	WorkaroundAvailable Status = "workaround_available"
	FixScheduled        Status = "fix_scheduled"
	Fixed               Status = "fixed"
)

// Statuses lists every status in order.
var Statuses = []Status{Investigating, WorkaroundAvailable, FixScheduled, Fixed}

func (s Status) valid() bool { return slices.Contains(Statuses, s) }

// State is whether customers may see the issue.
type State string

const (
	Draft     State = "draft"
	Published State = "published"
)

// KnownIssue is a software problem of one product over a range of its
// versions.
type KnownIssue struct {
	ID        accord.ID      `json:"id"`
	OrgID     accord.ID      `json:"org_id"` // the vendor
	ProductID accord.ID      `json:"product_id"`
	Range     products.Range `json:"range"`
	Title     lang.Text      `json:"title"`
	Symptoms  lang.Text      `json:"symptoms"`
	// Workaround is empty until one is known.
	Workaround lang.Text `json:"workaround,omitempty"`
	RootCause  lang.Text `json:"root_cause,omitempty"`
	Status     Status    `json:"status"`
	// FixedIn is the version that fixes it, once Status is Fixed.
	FixedIn string `json:"fixed_in,omitempty"`
	// InternalNotes are for the vendor's staff only; customers read an
	// empty string.
	InternalNotes string     `json:"internal_notes,omitempty"`
	State         State      `json:"state"`
	PublishedAt   *time.Time `json:"published_at,omitempty"`
	CreatedAt     time.Time  `json:"created_at"`
	UpdatedAt     time.Time  `json:"updated_at"`
}

// Open reports whether the issue still affects its customers: published
// and not fixed. The portal's banner shows while one is.
func (k KnownIssue) Open() bool { return k.State == Published && k.Status != Fixed }

// Texts are the customer-facing texts of an issue, in document order.
func (k KnownIssue) Texts() map[string]lang.Text {
	return map[string]lang.Text{"title": k.Title, "symptoms": k.Symptoms, "workaround": k.Workaround, "root_cause": k.RootCause}
}

// Missing lists, field by field (title, symptoms, workaround, root_cause),
// the locales a text given in the Default language lacks: readers of those
// read the en-US text, which the author's page shows.
func (k KnownIssue) Missing() []lang.Gap {
	var out []lang.Gap
	for _, f := range []string{"title", "symptoms", "workaround", "root_cause"} {
		t := k.Texts()[f]
		if strings.TrimSpace(t[lang.Default]) == "" {
			continue
		}
		var lacks []string
		for _, loc := range lang.Locales[1:] {
			if strings.TrimSpace(t[loc]) == "" {
				lacks = append(lacks, loc)
			}
		}
		if len(lacks) > 0 {
			out = append(out, lang.Gap{Path: f, Lacks: lacks})
		}
	}
	return out
}

// For is the issue as a reader of loc sees it: every text in loc (or
// en-US), and without the internal notes unless the reader is the
// vendor's staff.
func (k KnownIssue) For(loc string, vendor bool) KnownIssue {
	k.Title, k.Symptoms = k.Title.Pick(loc), k.Symptoms.Pick(loc)
	if len(k.Workaround) > 0 {
		k.Workaround = k.Workaround.Pick(loc)
	}
	if len(k.RootCause) > 0 {
		k.RootCause = k.RootCause.Pick(loc)
	}
	if !vendor {
		k.InternalNotes = ""
	}
	return k
}

// Input creates an issue, or changes one (nil fields stay).
type Input struct {
	ProductID     *accord.ID `json:"product_id"`
	From          *string    `json:"from"`
	To            *string    `json:"to"`
	Title         lang.Text  `json:"title"`
	Symptoms      lang.Text  `json:"symptoms"`
	RootCause     lang.Text  `json:"root_cause"`
	Status        *Status    `json:"status"`
	InternalNotes *string    `json:"internal_notes"`
}

// Bounds of the texts.
const (
	maxTitle = 200
	maxText  = 10000
)

// apply writes in onto k and checks the result. The workaround and the
// fix have their own operations, which notify; the status cannot be set
// to fixed here for that reason.
func (in Input) apply(k *KnownIssue) error {
	var ps []accord.Problem
	add := func(path, format string, args ...any) {
		ps = append(ps, accord.Problem{Field: path, Msg: fmtMsg(format, args...)})
	}
	if in.ProductID != nil {
		if k.Status == Fixed && *in.ProductID != k.ProductID {
			add("product_id", "the issue is fixed in %s of its product; the product cannot change", k.FixedIn)
		}
		k.ProductID = *in.ProductID
	}
	if in.From != nil {
		k.Range.From = strings.TrimSpace(*in.From)
	}
	if in.To != nil {
		k.Range.To = strings.TrimSpace(*in.To)
	}
	if in.Title != nil {
		k.Title = trimmed(in.Title)
	}
	if in.Symptoms != nil {
		k.Symptoms = trimmed(in.Symptoms)
	}
	if in.RootCause != nil {
		k.RootCause = trimmed(in.RootCause)
	}
	if in.Status != nil {
		switch {
		case !in.Status.valid():
			add("status", "must be one of %v", Statuses)
		case *in.Status == Fixed && k.Status != Fixed:
			add("status", "a fix is recorded with its version (POST .../fix)")
		case k.Status == Fixed && *in.Status != Fixed:
			add("status", "a fixed issue stays fixed")
		case *in.Status == WorkaroundAvailable && len(k.Workaround) == 0:
			add("status", "record the workaround first (POST .../workaround)")
		default:
			k.Status = *in.Status
		}
	}
	if in.InternalNotes != nil {
		k.InternalNotes = strings.TrimSpace(*in.InternalNotes)
		if len(k.InternalNotes) > maxText {
			add("internal_notes", "must be at most %d characters", maxText)
		}
	}
	if k.ProductID == "" {
		add("product_id", "is required")
	}
	if k.Range.From == "" {
		add("from", "is required: the first affected version")
	}
	if k.Range.To == "" {
		add("to", "is required: the last affected version known")
	}
	if err := k.Range.Validate(); err != nil {
		ps = append(ps, problemsOf(err, "range")...)
	} else if k.Status == Fixed && k.Range.To != "" && products.CompareVersions(k.FixedIn, k.Range.To) <= 0 {
		// The fix lies above the range (Fix): customers were told so.
		add("to", "must be before %s, the version that fixes the issue", k.FixedIn)
	}
	lang.Check(add, "title", k.Title, maxTitle)
	lang.Check(add, "symptoms", k.Symptoms, maxText)
	if len(k.RootCause) > 0 {
		lang.Check(add, "root_cause", k.RootCause, maxText)
	}
	for _, t := range []lang.Text{k.Title, k.Symptoms, k.RootCause} {
		for loc, s := range t {
			if err := accord.CheckText(loc, s); err != nil {
				add("text."+loc, "%s", accord.Public(err).Msg)
			}
		}
	}
	for loc, s := range k.Title {
		if strings.ContainsAny(s, "\r\n") {
			add("title."+loc, "must be one line")
		}
	}
	return accord.InvalidFields("knownissues.apply", ps)
}

// SetWorkaround records a new or changed workaround; an issue still under
// investigation moves to workaround_available.
func SetWorkaround(k *KnownIssue, t lang.Text) error {
	t = trimmed(t)
	var ps []accord.Problem
	lang.Check(func(path, format string, args ...any) {
		ps = append(ps, accord.Problem{Field: path, Msg: fmtMsg(format, args...)})
	}, "workaround", t, maxText)
	for loc, s := range t {
		if err := accord.CheckText("workaround."+loc, s); err != nil {
			return err
		}
	}
	if err := accord.InvalidFields("knownissues.SetWorkaround", ps); err != nil {
		return err
	}
	if k.Status == Fixed {
		return accord.FieldError("workaround", "the issue is fixed in %s; upgrading is the answer now", k.FixedIn)
	}
	if equalTexts(k.Workaround, t) {
		return accord.FieldError("workaround", "is the workaround already recorded")
	}
	k.Workaround = t
	if k.Status == Investigating {
		k.Status = WorkaroundAvailable
	}
	return nil
}

// Fix records the version that fixes the issue: it must lie above the
// affected range.
func Fix(k *KnownIssue, version string) error {
	version = strings.TrimSpace(version)
	if version == "" {
		return accord.FieldError("version", "is required")
	}
	if k.Status == Fixed {
		return accord.FieldError("version", "the issue is already fixed in %s", k.FixedIn)
	}
	if err := products.ValidVersion(version); err != nil {
		return accord.FieldError("version", "%s", versionMsg(err))
	}
	if products.CompareVersions(version, k.Range.To) <= 0 || k.Range.Contains(version) {
		return accord.FieldError("version", "%s is inside the affected range %s-%s; the fix comes in a later version", version, k.Range.From, k.Range.To)
	}
	k.Status, k.FixedIn = Fixed, version
	return nil
}

func trimmed(t lang.Text) lang.Text {
	out := lang.Text{}
	for loc, s := range t {
		if s = strings.TrimSpace(s); s != "" {
			out[loc] = s
		}
	}
	return out
}

func equalTexts(a, b lang.Text) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// Installation is what Affected needs of a customer's installation.
type Installation struct {
	OrgID     accord.ID
	ProductID accord.ID
	Version   string
}

// Affected lists, sorted and once each, the customers an issue of product
// over r affects: those with a linked case (linked, their customers) plus
// those with an installation of product at a version in r. An installation
// whose version does not parse is not counted: it cannot be placed in the
// range.
func Affected(product accord.ID, r products.Range, linked []accord.ID, installs []Installation) []accord.ID {
	seen := map[accord.ID]bool{}
	for _, o := range linked {
		seen[o] = true
	}
	for _, in := range installs {
		if in.ProductID == product && r.Contains(in.Version) {
			seen[in.OrgID] = true
		}
	}
	out := make([]accord.ID, 0, len(seen))
	for o := range seen {
		out = append(out, o)
	}
	slices.Sort(out)
	return out
}

func fmtMsg(format string, args ...any) string { return fmt.Sprintf(format, args...) }

// problemsOf turns err (a range's refusal) into problems: its own when it
// names fields, else one at field.
func problemsOf(err error, field string) []accord.Problem {
	var e *accord.Error
	if errors.As(err, &e) {
		if len(e.Problems) > 0 {
			return e.Problems
		}
		if e.Field != "" {
			return []accord.Problem{{Field: e.Field, Msg: e.Msg}}
		}
		if e.Msg != "" {
			return []accord.Problem{{Field: field, Msg: e.Msg}}
		}
	}
	return []accord.Problem{{Field: field, Msg: err.Error()}}
}

// versionMsg is the message of a version's refusal.
func versionMsg(err error) string {
	var e *accord.Error
	if errors.As(err, &e) && e.Msg != "" {
		return e.Msg
	}
	return err.Error()
}
