package sla

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"accord/internal/lang"
)

// Change is one difference between two policies, at a path such as
// "plans.premium.targets.C2.work". Before or After is nil where the path is
// absent on that side.
type Change struct {
	Path   string  `json:"path"`
	Before *string `json:"before"`
	After  *string `json:"after"`
}

func (c Change) String() string {
	show := func(s *string) string {
		if s == nil {
			return "(none)"
		}
		return *s
	}
	return c.Path + ": " + show(c.Before) + " -> " + show(c.After)
}

// Diff lists what changes from a to b, path by path in sorted order. It
// compares the policies as written in YAML, so that paths and values read
// like the document: "plans.premium.targets.C2.work: 1h -> 2h".
func Diff(a, b *Policy) []Change {
	fa, fb := flatten(a), flatten(b)
	var out []Change
	for _, path := range slices.Sorted(maps.Keys(union(fa, fb))) {
		va, ina := fa[path]
		vb, inb := fb[path]
		if ina && inb && va == vb {
			continue
		}
		c := Change{Path: path}
		if ina {
			c.Before = &va
		}
		if inb {
			c.After = &vb
		}
		out = append(out, c)
	}
	return out
}

func union(a, b map[string]string) map[string]bool {
	u := make(map[string]bool, len(a)+len(b))
	for k := range a {
		u[k] = true
	}
	for k := range b {
		u[k] = true
	}
	return u
}

// flatten maps every leaf path of p's YAML form to its value. A list of
// plain values (a time window, holidays) is one leaf, written
// "[08:00, 20:00]". A text is a leaf per language ("criticalities.C1.name.pt-BR"),
// whether the document wrote it as a plain string or by locale, so that
// adding a translation reads as just that.
func flatten(p *Policy) map[string]string {
	texts := map[string]lang.Text{}
	lang.Walk(p, func(path string, t lang.Text) { texts[path] = t })
	var tree any
	// Export's output is YAML that decodes; it cannot fail.
	_ = yaml.Unmarshal(p.Export(), &tree)
	out := map[string]string{}
	var walk func(path string, v any)
	walk = func(path string, v any) {
		if t, ok := texts[path]; ok {
			for loc, s := range t {
				out[join(path, loc)] = s
			}
			return
		}
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				walk(join(path, k), e)
			}
		case []any:
			if leaf, ok := scalars(x); ok {
				out[path] = leaf
				return
			}
			for i, e := range x {
				walk(fmt.Sprintf("%s[%d]", path, i), e)
			}
		default:
			out[path] = fmt.Sprint(x)
		}
	}
	walk("", tree)
	return out
}

func scalars(xs []any) (string, bool) {
	parts := make([]string, len(xs))
	for i, x := range xs {
		switch x.(type) {
		case map[string]any, []any:
			return "", false
		}
		parts[i] = fmt.Sprint(x)
	}
	return "[" + strings.Join(parts, ", ") + "]", true
}
