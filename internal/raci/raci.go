package raci

import (
	_ "embed"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"gopkg.in/yaml.v3"

	"accord/internal/yamldoc"
)

//go:embed default.yaml
var defaultDocument string

// DefaultDocument is the reference matrix (document 004's tables and 003's
// split of duties), loaded as version 1 into an empty database.
func DefaultDocument() string { return defaultDocument }

// MaxDocument bounds a matrix document; the default one is about 40 KiB.
const MaxDocument = 256 << 10

// Party is a side of the service: the vendor who runs it, the customer who
// owns the environment, the reseller who delivers it where there is one.
type Party string

// The parties, in the order a matrix shows them.
const (
	Vendor   Party = "vendor"
	Customer Party = "customer"
	Reseller Party = "reseller"
)

// Parties lists the known parties in display order.
var Parties = []Party{Vendor, Customer, Reseller}

// Letter is one RACI-S letter.
type Letter byte

// The letters of document 004.
const (
	Responsible Letter = 'R' // performs the task
	Accountable Letter = 'A' // approves R's work and answers for it
	Support     Letter = 'S' // provides additional resources
	Consulted   Letter = 'C' // is consulted and provides knowledge
	Informed    Letter = 'I' // is informed
)

const letterSet = "RASCI"

// Letters is one cell of the matrix, in the order written: "R, A", "I, S, C".
// An empty cell (004's database rows with no customer letter) is allowed.
type Letters []Letter

// Has reports whether x is among the letters.
func (l Letters) Has(x Letter) bool { return slices.Contains(l, x) }

// String writes the letters as a document does: "R, A".
func (l Letters) String() string {
	parts := make([]string, len(l))
	for i, x := range l {
		parts[i] = string(rune(x))
	}
	return strings.Join(parts, ", ")
}

// canonical is the letters in R, A, S, C, I order, so that "A, R" and
// "R, A" compare equal.
func (l Letters) canonical() string {
	var b strings.Builder
	for _, x := range letterSet {
		if l.Has(Letter(x)) {
			b.WriteRune(x)
		}
	}
	return b.String()
}

// lookalikes are letters of other alphabets that a copy from a word
// processor brings in (document 004 has Greek Iota and Cyrillic Es): they
// are refused, with a message that says what they look like.
var lookalikes = map[rune]rune{'Ι': 'I', 'І': 'I', 'Α': 'A', 'А': 'A', 'С': 'C', 'Ѕ': 'S', 'Р': 'R'}

// parseLetters reads a cell; an empty one is an empty, non-nil Letters,
// told apart from a cell with no value at all.
func parseLetters(text string) (Letters, error) {
	text = strings.TrimSpace(text)
	out := Letters{}
	if text == "" {
		return out, nil
	}
	for part := range strings.SplitSeq(text, ",") {
		part = strings.TrimSpace(part)
		r, n := utf8.DecodeRuneInString(part)
		switch {
		case part == "":
			return nil, fmt.Errorf("letters are separated by single commas, as in \"R, A\"; %q has an empty one", text)
		case n != len(part):
			return nil, fmt.Errorf("unknown letter %q; letters are R, A, S, C and I, separated by commas", part)
		case lookalikes[r] != 0:
			return nil, fmt.Errorf("unknown letter %q (U+%04X, which looks like %c but is not the Latin letter); letters are R, A, S, C and I", part, r, lookalikes[r])
		case !strings.ContainsRune(letterSet, r):
			return nil, fmt.Errorf("unknown letter %q; letters are R, A, S, C and I", part)
		case out.Has(Letter(r)):
			return nil, fmt.Errorf("letter %c appears twice in %q", r, text)
		}
		out = append(out, Letter(r))
	}
	return out, nil
}

// CheckScalar implements yamldoc.Scalar.
func (Letters) CheckScalar(text string) error {
	_, err := parseLetters(text)
	return err
}

// NotScalar says what a cell looks like when a list or mapping is written.
func (Letters) NotScalar() string {
	return "must be letters in one value, such as \"R, A\", not a list or mapping"
}

// UnmarshalText reads "R, A"; spaces around the commas do not matter.
func (l *Letters) UnmarshalText(b []byte) error {
	v, err := parseLetters(string(b))
	*l = v
	return err
}

// MarshalText writes the letters as String does.
func (l Letters) MarshalText() ([]byte, error) { return []byte(l.String()), nil }

// Matrix is a responsibility matrix: processes, their activities, and who
// holds which letters for each.
type Matrix struct {
	// Version is the stored version the matrix was read from; 0 for a
	// document that is not stored.
	Version   int       `yaml:"-" json:"version"`
	Processes []Process `yaml:"processes" json:"processes"`
}

// Process is one management process of document 004.
type Process struct {
	Key        string            `yaml:"key" json:"key"`
	Name       map[string]string `yaml:"name" json:"name"`
	Activities []Activity        `yaml:"activities" json:"activities"`
}

// Activity is one row of a process's table.
type Activity struct {
	// Key is stable across versions and languages: "change.approve".
	Key     string            `yaml:"key" json:"key"`
	Text    map[string]string `yaml:"text" json:"text"`
	Parties map[Party]Letters `yaml:"letters" json:"letters"`
}

// Processes are the known process keys, in document 004's order.
var Processes = []string{
	"incident", "change", "configuration", "performance", "availability",
	"monitoring-and-control", "operations", "backup",
	"system-and-technical-support", "database-administration",
}

// Locales are the languages every name and text is written in.
var Locales = []string{"en-US", "pt-BR", "es-ES"}

// In returns the text in locale, or in en-US when there is none.
func In(texts map[string]string, locale string) string {
	if t, ok := texts[locale]; ok {
		return t
	}
	return texts["en-US"]
}

// Process returns the process with key.
func (m *Matrix) Process(key string) (Process, bool) {
	for _, p := range m.Processes {
		if p.Key == key {
			return p, true
		}
	}
	return Process{}, false
}

// Activity returns the activity with key in process.
func (m *Matrix) Activity(process, activity string) (Activity, bool) {
	p, ok := m.Process(process)
	if !ok {
		return Activity{}, false
	}
	return activityIn(p, activity)
}

// Holders lists the parties that hold x for the activity, in the order
// vendor, customer, reseller; none when the activity is unknown.
func (m *Matrix) Holders(process, activity string, x Letter) []Party {
	a, ok := m.Activity(process, activity)
	if !ok {
		return nil
	}
	return a.Holders(x)
}

// Holders lists the parties that hold x, in the order vendor, customer,
// reseller.
func (a Activity) Holders(x Letter) []Party {
	var out []Party
	for _, p := range Parties {
		if a.Parties[p].Has(x) {
			out = append(out, p)
		}
	}
	return out
}

// Parse reads a matrix document strictly and checks its rules. On success
// it returns the matrix and no problems; otherwise no matrix, every problem
// with its path, line and column, and the same problems as the error, so
// that a caller may test either.
func Parse(src []byte) (*Matrix, yamldoc.Problems, error) { return parse(src, true) }

// parse is Parse; without reseller, the document is for an environment
// that no reseller delivers, and letters for the reseller are refused.
func parse(src []byte, reseller bool) (*Matrix, yamldoc.Problems, error) {
	var m Matrix
	if err := yamldoc.Decode(src, MaxDocument, &m, func() yamldoc.Problems { return m.validate(reseller) }); err != nil {
		ps := err.(yamldoc.Problems)
		return nil, ps, ps
	}
	return &m, nil, nil
}

// Export writes the matrix as a document that Parse reads back equal.
func (m *Matrix) Export() []byte {
	b, err := yaml.Marshal(m)
	if err != nil {
		panic(fmt.Sprintf("raci: a matrix always marshals: %v", err)) // only maps, lists, strings
	}
	return b
}

var keyPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)

func (m *Matrix) validate(reseller bool) yamldoc.Problems {
	var ps yamldoc.Problems
	add := func(path, format string, args ...any) {
		ps = append(ps, yamldoc.Problem{Path: path, Msg: fmt.Sprintf(format, args...)})
	}
	if len(m.Processes) == 0 {
		add("processes", "a matrix needs at least one process")
	}
	seen := map[string]bool{}
	for i, p := range m.Processes {
		path := fmt.Sprintf("processes[%d]", i)
		switch {
		case p.Key == "":
			add(path+".key", "a process needs a key (one of %s)", strings.Join(Processes, ", "))
		case !slices.Contains(Processes, p.Key):
			add(path+".key", "unknown process %q (known: %s)", p.Key, strings.Join(Processes, ", "))
		case seen[p.Key]:
			add(path+".key", "process %q appears twice", p.Key)
		}
		seen[p.Key] = true
		texts(path+".name", p.Name, add)
		if len(p.Activities) == 0 {
			add(path+".activities", "a process needs at least one activity")
		}
		keys := map[string]bool{}
		for j, a := range p.Activities {
			ap := fmt.Sprintf("%s.activities[%d]", path, j)
			switch {
			case a.Key == "":
				add(ap+".key", "an activity needs a key")
			case !keyPattern.MatchString(a.Key):
				add(ap+".key", "%q is not a key: lower-case letters, digits and hyphens, at most 63", a.Key)
			case keys[a.Key]:
				add(ap+".key", "activity %q appears twice in process %q", a.Key, p.Key)
			}
			keys[a.Key] = true
			texts(ap+".text", a.Text, add)
			letters(ap+".letters", a.Parties, add)
			if !reseller && len(a.Parties[Reseller]) > 0 {
				add(ap+".letters.reseller", "no reseller delivers this environment; the reseller can hold no letter")
			}
		}
	}
	return ps
}

// texts checks a name or text: every locale, nothing else, none empty.
func texts(path string, t map[string]string, add func(string, string, ...any)) {
	var missing []string
	for _, l := range Locales {
		if strings.TrimSpace(t[l]) == "" {
			missing = append(missing, l)
		}
	}
	if len(missing) > 0 {
		add(path, "needs a text in %s (every one of %s)", strings.Join(missing, ", "), strings.Join(Locales, ", "))
	}
	for _, l := range sortedKeys(t) {
		if !slices.Contains(Locales, l) {
			add(path+"."+l, "unknown language %q (known: %s)", l, strings.Join(Locales, ", "))
		} else if len(t[l]) > 1000 {
			add(path+"."+l, "is longer than 1000 bytes")
		}
	}
}

// letters checks one row's cells: known parties, at least one R, at most
// one A. A cell without a value is one the document left empty (null) or
// whose letters were wrong; the row's rules are not judged then, since its
// letters are not known.
func letters(path string, cells map[Party]Letters, add func(string, string, ...any)) {
	known := make([]string, len(Parties))
	for i, p := range Parties {
		known[i] = string(p)
	}
	judge := true
	for _, p := range sortedKeys(cells) {
		switch {
		case !slices.Contains(Parties, p):
			add(path+"."+string(p), "unknown party %q (known: %s)", p, strings.Join(known, ", "))
		case cells[p] == nil:
			add(path+"."+string(p), "has no letters; write some, such as \"R\", or leave the party out")
			judge = false
		}
	}
	if !judge {
		return
	}
	var r bool
	var a []Party
	for _, p := range Parties {
		r = r || cells[p].Has(Responsible)
		if cells[p].Has(Accountable) {
			a = append(a, p)
		}
	}
	if !r {
		add(path, "no party is R (responsible); every activity needs one")
	}
	if len(a) > 1 {
		add(path+"."+string(a[1]), "only one party may be A (accountable); %s is A already", a[0])
	}
}

func sortedKeys[K ~string, V any](m map[K]V) []K {
	out := make([]K, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

var defaultMatrix = sync.OnceValue(func() *Matrix {
	m, _, err := Parse([]byte(defaultDocument))
	if err != nil {
		panic(fmt.Sprintf("raci: the embedded default matrix is not valid: %v", err)) // TestDefault keeps it valid
	}
	return m
})

// Default returns the reference matrix, the document that is loaded as
// version 1 (its Version is 0: it is not read from the store). Callers
// must not change it.
func Default() *Matrix { return defaultMatrix() }
