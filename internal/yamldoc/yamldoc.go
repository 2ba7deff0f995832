package yamldoc

import (
	"bytes"
	"cmp"
	"encoding"
	"errors"
	"fmt"
	"io"
	"maps"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"

	"accord/internal/accord"
	"accord/internal/lang"
)

// Problem is one thing wrong with a document.
type Problem struct {
	Path   string `json:"path"` // "plans.premium.targets.C2.clock", "phone_lines[0].region"; empty for the document as a whole
	Line   int    `json:"line,omitempty"`
	Column int    `json:"column,omitempty"`
	Msg    string `json:"message"`
}

// String writes "path: message", or the message alone when the problem is
// about the document as a whole.
func (p Problem) String() string {
	if p.Path == "" {
		return p.Msg
	}
	return p.Path + ": " + p.Msg
}

// Located writes the message after the position, as far as it is known:
// "line 3, column 5: message", "line 3: message" for a YAML syntax error
// (which knows its line only), or the message alone.
func (p Problem) Located() string {
	switch {
	case p.Line > 0 && p.Column > 0:
		return fmt.Sprintf("line %d, column %d: %s", p.Line, p.Column, p.Msg)
	case p.Line > 0:
		return fmt.Sprintf("line %d: %s", p.Line, p.Msg)
	}
	return p.Msg
}

// Problems is every problem found in a document, in document order.
type Problems []Problem

// Error writes the one problem, or "N problems: " and each of them.
func (ps Problems) Error() string {
	parts := make([]string, len(ps))
	for i, p := range ps {
		parts[i] = p.String()
	}
	if len(ps) == 1 {
		return parts[0]
	}
	return fmt.Sprintf("%d problems: %s", len(ps), strings.Join(parts, "; "))
}

// Scalar is implemented (on the value receiver) by types read from one YAML
// scalar with a syntax of their own (durations, amounts of money); the
// walker calls CheckScalar on the scalar text and reports its error at that
// node. A mapping or list where such a value belongs is reported as "must be
// a single value, not a mapping", or with the message of the type's method
// NotScalar() string when it has one.
type Scalar interface{ CheckScalar(text string) error }

// notScalar is the optional companion of Scalar described there.
type notScalar interface{ NotScalar() string }

// Localized is implemented (on the value receiver) by types written either
// as one scalar or as a mapping of scalars by locale (lang.Text): the
// walker checks that shape and records the path of each entry
// ("criticalities.C1.name.pt-BR"); which locales are allowed is the
// caller's validate to say.
type Localized interface{ Localized() }

var (
	scalarType          = reflect.TypeFor[Scalar]()
	localizedType       = reflect.TypeFor[Localized]()
	yamlUnmarshalerType = reflect.TypeFor[yaml.Unmarshaler]()
	textUnmarshalerType = reflect.TypeFor[encoding.TextUnmarshaler]()
)

// Decode reads doc strictly into v (a pointer to a struct): unknown fields,
// duplicate keys, anchors/aliases, wrong shapes are Problems with path, line
// and column; then validate (may be nil) checks rules the shape cannot
// express, returning Problems with Path only — Decode fills in Line/Column
// from the nearest node on that path, drops those under a path that already
// has a shape problem, and sorts everything by line, column. It returns nil
// or Problems. limit bounds len(doc) (a Problems "the document is larger
// than N KiB" otherwise; 0 or less means no bound). An empty document is a
// Problem "the document is empty".
//
// validate runs on whatever could be decoded, even when there are shape
// problems, so that every problem is reported in one pass; it is not called
// when the document is unreadable, empty, too large or uses aliases. Decode
// panics when v is not a non-nil pointer to a struct.
func Decode(doc []byte, limit int, v any, validate func() Problems) error {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() || rv.Elem().Kind() != reflect.Struct {
		panic(fmt.Sprintf("yamldoc: Decode needs a non-nil pointer to a struct, not %T", v))
	}
	if limit > 0 && len(doc) > limit {
		return Problems{{Msg: "the document is larger than " + size(limit)}}
	}
	if p, found := notText(doc); found {
		return Problems{p}
	}
	dec := yaml.NewDecoder(bytes.NewReader(doc))
	var root yaml.Node
	if err := dec.Decode(&root); err != nil {
		if errors.Is(err, io.EOF) {
			return Problems{{Msg: "the document is empty"}}
		}
		return Problems{syntaxProblem(err)}
	}
	if len(root.Content) == 0 {
		return Problems{{Msg: "the document is empty"}}
	}
	var next yaml.Node
	switch err := dec.Decode(&next); {
	case err == nil:
		return Problems{{Line: next.Line, Column: next.Column, Msg: "only one document is allowed; remove the second ---"}}
	case !errors.Is(err, io.EOF):
		return Problems{syntaxProblem(err)}
	}

	w := walker{pos: map[string]*yaml.Node{}}
	w.walk(root.Content[0], rv.Type().Elem(), "")
	if w.aliases {
		return sorted(w.problems)
	}
	// What is wrong in shape is taken out, so that the rules can still be
	// checked on the rest and every problem reported in one pass.
	w.prune()
	if err := root.Content[0].Decode(v); err != nil && len(w.problems) == 0 {
		return Problems{syntaxProblem(err)}
	}
	ps := w.problems
	if validate != nil {
		for _, sp := range validate() {
			if w.covers(sp.Path) {
				continue // the value is wrong in shape; its rule cannot be judged
			}
			if n := w.nearest(sp.Path); n != nil {
				sp.Line, sp.Column = n.Line, n.Column
			}
			ps = append(ps, sp)
		}
	}
	if len(ps) == 0 {
		return nil
	}
	return sorted(ps)
}

// Locate fills in the line and column of each problem of ps from where its
// path (or the closest ancestor) is in doc, and returns them in document
// order: for problems found on a decoded document, such as a text that
// lacks a language. A doc that does not parse leaves ps without positions.
func Locate(doc []byte, ps Problems) Problems {
	var root yaml.Node
	if err := yaml.Unmarshal(doc, &root); err != nil || len(root.Content) == 0 {
		return ps
	}
	w := walker{pos: map[string]*yaml.Node{}}
	w.record(root.Content[0], "")
	out := slices.Clone(ps)
	for i, p := range out {
		if n := w.nearest(p.Path); n != nil {
			out[i].Line, out[i].Column = n.Line, n.Column
		}
	}
	return sorted(out)
}

// record notes where every path under n is, whatever its type.
func (w *walker) record(n *yaml.Node, path string) {
	w.pos[path] = n
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			if _, seen := w.pos[join(path, n.Content[i].Value)]; !seen {
				w.record(n.Content[i+1], join(path, n.Content[i].Value))
			}
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			w.record(c, fmt.Sprintf("%s[%d]", path, i))
		}
	}
}

// sorted puts problems in document order, which reads best next to the file.
func sorted(ps Problems) Problems {
	slices.SortStableFunc(ps, func(a, b Problem) int {
		return cmp.Or(cmp.Compare(a.Line, b.Line), cmp.Compare(a.Column, b.Column))
	})
	return ps
}

func size(limit int) string {
	if limit%1024 == 0 {
		return fmt.Sprintf("%d KiB", limit>>10)
	}
	return fmt.Sprintf("%d bytes", limit)
}

var yamlLine = regexp.MustCompile(`^yaml: (?:unmarshal errors:\n\s*)?line (\d+): (.*)$`)

// syntaxProblem turns a yaml error ("yaml: line 3: mapping values are not
// allowed in this context") into a Problem at that line.
func syntaxProblem(err error) Problem {
	msg := err.Error()
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		return Problem{Line: line, Msg: m[2]}
	}
	return Problem{Msg: strings.TrimPrefix(msg, "yaml: ")}
}

// notText finds the first character of doc that is not text
// (accord.TextProblem), with its line and column; yaml.v3 refuses it too,
// but without saying where.
func notText(doc []byte) (Problem, bool) {
	line, col := 1, 1
	for i := 0; i < len(doc); {
		r, n := utf8.DecodeRune(doc[i:])
		if msg := accord.TextProblem(string(doc[i : i+n])); msg != "" {
			return Problem{Line: line, Column: col, Msg: msg}, true
		}
		if r == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
		i += n
	}
	return Problem{}, false
}

// walker checks the shape of the YAML tree against the Go types before
// decoding, because yaml.v3 reports unknown fields and type mismatches by
// line only; here each gets its path. It also remembers where every path
// is, for the semantic problems found later.
type walker struct {
	pos      map[string]*yaml.Node
	problems Problems
	aliases  bool // the document uses anchors or aliases, which are refused
	// What prune takes out of the tree: values of the wrong shape, and keys
	// (with their values) that are not plain names or appear again.
	bad     []*yaml.Node
	dropped map[*yaml.Node]bool
	keyed   []*yaml.Node // the mappings holding dropped keys
}

// covers reports whether a shape problem was found at path or above it
// (at the root, path "", it covers everything).
func (w *walker) covers(path string) bool {
	for _, p := range w.problems {
		if p.Path == "" || path == p.Path || strings.HasPrefix(path, p.Path+".") || strings.HasPrefix(path, p.Path+"[") {
			return true
		}
	}
	return false
}

// report records a problem at n.
func (w *walker) report(n *yaml.Node, path, format string, args ...any) {
	w.problems = append(w.problems, Problem{Path: path, Line: n.Line, Column: n.Column, Msg: fmt.Sprintf(format, args...)})
}

// add records a problem with the value n, which is then decoded as empty.
func (w *walker) add(n *yaml.Node, path, format string, args ...any) {
	w.report(n, path, format, args...)
	w.bad = append(w.bad, n)
}

// prune makes every value with a problem empty and takes out the keys with
// one, so that decoding reads the rest of the document: yaml.v3 stops at
// the first error of a custom unmarshaler (an amount's UnmarshalText), and
// validate should still see everything after it.
func (w *walker) prune() {
	for _, n := range w.bad {
		*n = yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Line: n.Line, Column: n.Column}
	}
	for _, m := range w.keyed {
		kept := m.Content[:0]
		for i := 0; i+1 < len(m.Content); i += 2 {
			if !w.dropped[m.Content[i]] {
				kept = append(kept, m.Content[i], m.Content[i+1])
			}
		}
		m.Content = kept
	}
}

// nearest returns the node at path or at its closest ancestor, so that a
// missing field is reported where its parent is.
func (w *walker) nearest(path string) *yaml.Node {
	for {
		if n, ok := w.pos[path]; ok {
			return n
		}
		i := strings.LastIndexAny(path, ".[")
		if i < 0 {
			return w.pos[""]
		}
		path = path[:i]
	}
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// alias reports an anchor or alias at n. Expanding aliases could take
// exponential time on a hostile document, and a document meant for people
// is short enough to write out.
func (w *walker) alias(n *yaml.Node, path string) bool {
	if n.Kind != yaml.AliasNode && n.Anchor == "" {
		return false
	}
	w.aliases = true
	w.add(n, path, "anchors and aliases are not supported; write the value out")
	return true
}

func (w *walker) walk(n *yaml.Node, t reflect.Type, path string) {
	w.pos[path] = n
	if w.alias(n, path) {
		return
	}
	if n.Tag == "!!null" {
		return // an empty value: validate says whether it is required
	}
	if w.notText(n, path) {
		return
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t.Implements(localizedType):
		switch n.Kind {
		case yaml.ScalarNode:
		case yaml.MappingNode:
			w.entries(n, path, func(_, v *yaml.Node, p string) { w.walk(v, reflect.TypeFor[string](), p) })
		default:
			w.add(n, path, "must be a text, or a mapping of texts by locale (en-US: ..., pt-BR: ..., es-ES: ...), not a %s", kindName(n.Kind))
		}
	case t.Kind() == reflect.Interface || reflect.PointerTo(t).Implements(yamlUnmarshalerType) && !t.Implements(scalarType):
		// Any shape may do; only aliases are looked for.
		w.anything(n, path)
	case t.Implements(scalarType):
		if n.Kind != yaml.ScalarNode {
			if ns, ok := reflect.Zero(t).Interface().(notScalar); ok {
				w.add(n, path, "%s", ns.NotScalar())
			} else {
				w.add(n, path, "must be a single value, not a %s", kindName(n.Kind))
			}
		} else if err := reflect.Zero(t).Interface().(Scalar).CheckScalar(n.Value); err != nil {
			w.add(n, path, "%v", err)
		}
	case reflect.PointerTo(t).Implements(textUnmarshalerType):
		if n.Kind != yaml.ScalarNode {
			w.add(n, path, "must be a single value, not a %s", kindName(n.Kind))
		}
	case t.Kind() == reflect.Struct:
		if n.Kind != yaml.MappingNode {
			w.add(n, path, "must be a mapping of fields")
			return
		}
		fields := map[string]reflect.Type{}
		fieldsOf(t, fields)
		w.entries(n, path, func(k, v *yaml.Node, p string) {
			if ft, ok := fields[k.Value]; ok {
				w.walk(v, ft, p)
			} else {
				w.report(k, p, "unknown field (known: %s)", strings.Join(slices.Sorted(maps.Keys(fields)), ", "))
			}
		})
	case t.Kind() == reflect.Map:
		if n.Kind != yaml.MappingNode {
			w.add(n, path, "must be a mapping")
			return
		}
		w.entries(n, path, func(_, v *yaml.Node, p string) { w.walk(v, t.Elem(), p) })
	case t.Kind() == reflect.Slice || t.Kind() == reflect.Array:
		if n.Kind != yaml.SequenceNode {
			w.add(n, path, "must be a list")
			return
		}
		for i, v := range n.Content {
			w.walk(v, t.Elem(), fmt.Sprintf("%s[%d]", path, i))
		}
	case n.Kind != yaml.ScalarNode:
		w.add(n, path, "must be a single value, not a %s", kindName(n.Kind))
	case t.Kind() >= reflect.Int && t.Kind() <= reflect.Int64:
		if _, err := strconv.ParseInt(n.Value, 10, t.Bits()); err != nil || n.Tag != "!!int" {
			w.add(n, path, "must be a whole number, not %q", n.Value)
		}
	case t.Kind() >= reflect.Uint && t.Kind() <= reflect.Uintptr:
		if _, err := strconv.ParseUint(n.Value, 10, t.Bits()); err != nil || n.Tag != "!!int" {
			w.add(n, path, "must be a whole number, zero or more, not %q", n.Value)
		}
	case t.Kind() == reflect.Float32 || t.Kind() == reflect.Float64:
		if n.Tag != "!!int" && n.Tag != "!!float" {
			w.add(n, path, "must be a number, not %q", n.Value)
		}
	case t.Kind() == reflect.Bool:
		if n.Tag != "!!bool" {
			w.add(n, path, "must be true or false, not %q", n.Value)
		}
	}
}

// notText reports a scalar at n whose value is not text
// (accord.TextProblem): a quoted string's escapes ("\0", "\x01") can
// make what the document's own characters cannot.
func (w *walker) notText(n *yaml.Node, path string) bool {
	if n.Kind != yaml.ScalarNode {
		return false
	}
	if msg := accord.TextProblem(n.Value); msg != "" {
		w.add(n, path, "%s", msg)
		return true
	}
	return false
}

// entries calls f with each key of mapping n, its value and its path, once
// per key; keys that are not plain names or appear again are problems.
func (w *walker) entries(n *yaml.Node, path string, f func(k, v *yaml.Node, p string)) {
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		p := join(path, k.Value)
		switch {
		case w.alias(k, p):
		case k.Kind != yaml.ScalarNode:
			w.report(k, path, "keys must be plain names")
			w.drop(n, k)
		case accord.TextProblem(k.Value) != "":
			w.report(k, path, "a key %s", accord.TextProblem(k.Value))
			w.drop(n, k)
		case seen[k.Value]:
			w.report(k, p, "appears twice")
			w.drop(n, k)
		default:
			seen[k.Value] = true
			f(k, v, p)
		}
	}
}

// drop takes key k and its value out of mapping m when the tree is pruned.
func (w *walker) drop(m, k *yaml.Node) {
	if w.dropped == nil {
		w.dropped = map[*yaml.Node]bool{}
	}
	w.dropped[k] = true
	w.keyed = append(w.keyed, m)
}

// anything records the paths under n and refuses aliases in them, for a
// value of any shape.
func (w *walker) anything(n *yaml.Node, path string) {
	visit := func(_, c *yaml.Node, p string) {
		w.pos[p] = c
		if !w.alias(c, p) && !w.notText(c, p) {
			w.anything(c, p)
		}
	}
	switch n.Kind {
	case yaml.MappingNode:
		w.entries(n, path, visit)
	case yaml.SequenceNode:
		for i, c := range n.Content {
			visit(nil, c, fmt.Sprintf("%s[%d]", path, i))
		}
	}
}

// fieldsOf adds the fields of struct type t by the name yaml.v3 reads them
// under: the yaml tag's name, else the lower-cased field name; fields of
// inlined structs are t's own.
func fieldsOf(t reflect.Type, into map[string]reflect.Type) {
	for i := range t.NumField() {
		f := t.Field(i)
		name, opts, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		ft := f.Type
		for ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		switch {
		case name == "-":
		case slices.Contains(strings.Split(opts, ","), "inline") && ft.Kind() == reflect.Struct:
			fieldsOf(ft, into)
		case !f.IsExported():
		case name == "":
			into[strings.ToLower(f.Name)] = f.Type
		default:
			into[name] = f.Type
		}
	}
}

func kindName(k yaml.Kind) string {
	switch k {
	case yaml.MappingNode:
		return "mapping"
	case yaml.SequenceNode:
		return "list"
	}
	return "value"
}

// Untranslated lists, located in doc, the texts of v (the value doc was
// decoded into) that lack one of locales: "has no pt-BR, es-ES text".
func Untranslated(doc []byte, v any, locales []string) Problems {
	var ps Problems
	for _, g := range lang.Missing(v, locales) {
		ps = append(ps, Problem{Path: g.Path, Msg: fmt.Sprintf("has no %s text: its readers read the %s text instead",
			strings.Join(g.Lacks, ", "), lang.Default)})
	}
	if len(ps) == 0 {
		return nil
	}
	return Locate(doc, ps)
}
