package lang

import (
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Default is the base language of documents: a text written as a plain
// string is in it, and a reader whose language a text lacks reads it.
const Default = "en-US"

// Locales are the languages Accord serves, Default first.
var Locales = []string{"en-US", "pt-BR", "es-ES"}

// Supported returns loc when Accord serves it, else "".
func Supported(loc string) string {
	if slices.Contains(Locales, loc) {
		return loc
	}
	return ""
}

// Text is a text of a document (a criticality's name, a step of a plan) in
// one or more languages, by locale. A document writes it either as a plain
// string, which is the Default text, or as a mapping from locale to text.
type Text map[string]string

// Plain is a text in the Default language only.
func Plain(s string) Text { return Text{Default: s} }

// In is the text a reader of loc reads: loc's own, else the Default one.
func (t Text) In(loc string) string {
	if s := t[loc]; strings.TrimSpace(s) != "" {
		return s
	}
	return t[Default]
}

// String is the Default text, for logs and explanations written in it;
// for a Text holding one language only (Pick), that one.
func (t Text) String() string {
	if s, ok := t[Default]; ok || len(t) != 1 {
		return s
	}
	for _, s := range t {
		return s
	}
	return ""
}

// Pick is the text a reader of loc reads, as a Text holding only it; its
// JSON is then a plain string, which is how the API answers in the
// reader's language.
func (t Text) Pick(loc string) Text {
	if t == nil {
		return nil
	}
	return Text{loc: t.In(loc)}
}

// UnmarshalYAML reads a plain string as the Default text, or a mapping of
// locale to text. The document's shape has been checked already
// (yamldoc.Localized); an error here only stops a caller decoding by hand.
func (t *Text) UnmarshalYAML(n *yaml.Node) error {
	switch n.Kind {
	case yaml.ScalarNode:
		*t = Plain(n.Value)
		return nil
	case yaml.MappingNode:
		m := map[string]string{}
		if err := n.Decode(&m); err != nil {
			return err
		}
		*t = m
		return nil
	}
	return &yaml.TypeError{Errors: []string{fmt.Sprintf("line %d: a text is a string or a mapping of locale to string", n.Line)}}
}

// Localized marks Text for yamldoc, which checks its shape: a single value,
// or a mapping of single values.
func (Text) Localized() {}

// MarshalYAML writes a text with only the Default language as a plain
// string, so that an old document exports as it was written, and a
// translated one as a mapping (keys sorted).
func (t Text) MarshalYAML() (any, error) {
	if len(t) == 1 && t[Default] != "" {
		return t[Default], nil
	}
	return map[string]string(t), nil
}

// MarshalJSON writes a text holding one language (Pick) as a plain string,
// and a translated one as an object by locale.
func (t Text) MarshalJSON() ([]byte, error) {
	if len(t) == 1 {
		for _, s := range t {
			return json.Marshal(s)
		}
	}
	return json.Marshal(map[string]string(t))
}

// UnmarshalJSON reads either form MarshalJSON writes; a plain string is
// the Default text.
func (t *Text) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*t = Plain(s)
		return nil
	}
	var m map[string]string
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	*t = m
	return nil
}

// Check reports through add what is wrong with t at path: it is required
// (its Default text, which every reader falls back to), no text is longer
// than max bytes (max 0: no bound), and every locale is one Accord serves.
func Check(add func(path, format string, args ...any), path string, t Text, max int) {
	s, ok := t[Default]
	switch {
	case len(t) == 0 || len(t) == 1 && ok && strings.TrimSpace(s) == "":
		add(path, "is required")
		return
	case !ok:
		add(path, "needs its %s text: readers of the other languages fall back to it", Default)
	}
	for _, loc := range slices.Sorted(maps.Keys(t)) {
		p := path + "." + loc
		switch {
		case Supported(loc) == "":
			add(p, "unknown locale %q (known: %s)", loc, strings.Join(Locales, ", "))
		case loc == Default && strings.TrimSpace(t[loc]) == "":
			add(p, "is required: readers of the other languages fall back to it")
		case strings.TrimSpace(t[loc]) == "":
			add(p, "is empty; leave the locale out to fall back to %s", Default)
		case max > 0 && len(t[loc]) > max:
			add(p, "must be at most %d characters", max)
		}
	}
}

// Missing lists, path by path in document order, the texts of v (a pointer
// to a struct read from a document) that lack one of locales; a plain
// string lacks every locale but the Default one.
func Missing(v any, locales []string) []Gap {
	var out []Gap
	Walk(v, func(path string, t Text) {
		var lacks []string
		for _, loc := range locales {
			if strings.TrimSpace(t[loc]) == "" {
				lacks = append(lacks, loc)
			}
		}
		if len(lacks) > 0 && len(t) > 0 {
			out = append(out, Gap{Path: path, Lacks: lacks})
		}
	})
	return out
}

// Gap is a text that lacks some languages.
type Gap struct {
	Path  string   `json:"path"`
	Lacks []string `json:"lacks"`
}

var textType = reflect.TypeFor[Text]()

// Walk calls fn with every Text of v (a struct, or a pointer to one) and
// its path as a document writes it ("plans.premium.name",
// "services.deployment.plan[2].title"): fields by their yaml names, map
// keys sorted, list items by index.
func Walk(v any, fn func(path string, t Text)) {
	walk(reflect.ValueOf(v), "", fn)
}

func walk(v reflect.Value, path string, fn func(string, Text)) {
	for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.IsNil() {
			return
		}
		v = v.Elem()
	}
	if v.Type() == textType {
		fn(path, v.Interface().(Text))
		return
	}
	switch v.Kind() {
	case reflect.Struct:
		t := v.Type()
		for i := range t.NumField() {
			f := t.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
			if !f.IsExported() || name == "-" {
				continue
			}
			if name == "" {
				name = strings.ToLower(f.Name)
			}
			walk(v.Field(i), join(path, name), fn)
		}
	case reflect.Map:
		if v.Type().Key().Kind() != reflect.String {
			return
		}
		keys := v.MapKeys()
		slices.SortFunc(keys, func(a, b reflect.Value) int { return strings.Compare(a.String(), b.String()) })
		for _, k := range keys {
			walk(v.MapIndex(k), join(path, k.String()), fn)
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			walk(v.Index(i), path+"["+strconv.Itoa(i)+"]", fn)
		}
	}
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}
