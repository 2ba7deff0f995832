package sla

import (
	"cmp"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"accord/internal/businesstime"
)

// MaxDocument bounds a policy document; the reference policy is about 4 KiB.
const MaxDocument = 256 << 10

// Problem is one thing wrong with a policy document.
type Problem struct {
	Path   string `json:"path"` // "plans.premium.targets.C2.clock"; empty for the document as a whole
	Line   int    `json:"line,omitempty"`
	Column int    `json:"column,omitempty"`
	Msg    string `json:"message"`
}

func (p Problem) String() string {
	if p.Path == "" {
		return p.Msg
	}
	return p.Path + ": " + p.Msg
}

// Problems is every problem Parse found, in document order.
type Problems []Problem

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

// Parse reads a policy document strictly (unknown fields are problems) and
// validates it. Its error is always Problems, naming the path of every
// problem and, where the document has it, its line and column.
func Parse(doc []byte) (*Policy, error) {
	if len(doc) > MaxDocument {
		return nil, Problems{{Msg: fmt.Sprintf("the document is larger than %d KiB", MaxDocument>>10)}}
	}
	var root yaml.Node
	if err := yaml.Unmarshal(doc, &root); err != nil {
		return nil, Problems{syntaxProblem(err)}
	}
	if len(root.Content) == 0 {
		return nil, Problems{{Msg: "the document is empty"}}
	}
	w := walker{pos: map[string]*yaml.Node{}}
	w.walk(root.Content[0], reflect.TypeFor[Policy](), "")
	if w.aliases {
		return nil, w.problems
	}
	// yaml.v3 decodes what it can past type mismatches, so the rules can
	// still be checked and every problem reported in one pass.
	var p Policy
	if err := root.Content[0].Decode(&p); err != nil && len(w.problems) == 0 {
		return nil, Problems{syntaxProblem(err)}
	}
	ps := w.problems
	for _, sp := range p.validate() {
		if w.covers(sp.Path) {
			continue // the value is wrong in shape; its rule cannot be judged
		}
		if n := w.nearest(sp.Path); n != nil {
			sp.Line, sp.Column = n.Line, n.Column
		}
		ps = append(ps, sp)
	}
	if len(ps) > 0 {
		// Document order reads best next to the file.
		slices.SortStableFunc(ps, func(a, b Problem) int {
			return cmp.Or(cmp.Compare(a.Line, b.Line), cmp.Compare(a.Column, b.Column))
		})
		return nil, ps
	}
	return &p, nil
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

// walker checks the shape of the YAML tree against the Go types before
// decoding, because yaml.v3 reports unknown fields and type mismatches by
// line only; here each gets its path. It also remembers where every path
// is, for the semantic problems found later.
type walker struct {
	pos      map[string]*yaml.Node
	problems Problems
	aliases  bool // the document uses anchors or aliases, which are refused
}

// covers reports whether a shape problem was found at path or above it.
func (w *walker) covers(path string) bool {
	for _, p := range w.problems {
		if path == p.Path || strings.HasPrefix(path, p.Path+".") || strings.HasPrefix(path, p.Path+"[") {
			return true
		}
	}
	return false
}

func (w *walker) add(n *yaml.Node, path, format string, args ...any) {
	w.problems = append(w.problems, Problem{Path: path, Line: n.Line, Column: n.Column, Msg: fmt.Sprintf(format, args...)})
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

var durationType = reflect.TypeFor[Duration]()

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func (w *walker) walk(n *yaml.Node, t reflect.Type, path string) {
	w.pos[path] = n
	if n.Kind == yaml.AliasNode || n.Anchor != "" {
		// Expanding aliases here could take exponential time on a hostile
		// document, and a policy is short enough to write out.
		w.aliases = true
		w.add(n, path, "anchors and aliases are not supported; write the value out")
		return
	}
	if n.Tag == "!!null" {
		return // an empty value: validate says whether it is required
	}
	switch {
	case t == durationType:
		if n.Kind != yaml.ScalarNode {
			w.add(n, path, "must be a duration like 30m or 8h")
		} else if _, err := parseDuration(n.Value); err != nil {
			w.add(n, path, "%v", err)
		}
	case t.Kind() == reflect.Struct:
		if n.Kind != yaml.MappingNode {
			w.add(n, path, "must be a mapping of fields")
			return
		}
		fields := map[string]reflect.StructField{}
		for _, f := range reflect.VisibleFields(t) {
			if name, _, _ := strings.Cut(f.Tag.Get("yaml"), ","); name != "" && name != "-" {
				fields[name] = f
			}
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			f, ok := fields[k.Value]
			if !ok {
				w.add(k, join(path, k.Value), "unknown field (known: %s)", strings.Join(slices.Sorted(maps.Keys(fields)), ", "))
				continue
			}
			w.walk(v, f.Type, join(path, k.Value))
		}
	case t.Kind() == reflect.Map:
		if n.Kind != yaml.MappingNode {
			w.add(n, path, "must be a mapping")
			return
		}
		seen := map[string]bool{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			p := join(path, k.Value)
			if k.Kind != yaml.ScalarNode {
				w.add(k, path, "keys must be plain names")
				continue
			}
			if seen[k.Value] {
				w.add(k, p, "appears twice")
				continue
			}
			seen[k.Value] = true
			w.walk(v, t.Elem(), p)
		}
	case t.Kind() == reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			w.add(n, path, "must be a list")
			return
		}
		for i, v := range n.Content {
			w.walk(v, t.Elem(), fmt.Sprintf("%s[%d]", path, i))
		}
	case n.Kind != yaml.ScalarNode:
		w.add(n, path, "must be a single value, not a %s", kindName(n.Kind))
	case t.Kind() == reflect.Int:
		if _, err := strconv.Atoi(n.Value); err != nil || n.Tag != "!!int" {
			w.add(n, path, "must be a whole number, not %q", n.Value)
		}
	case t.Kind() == reflect.Bool:
		if n.Tag != "!!bool" {
			w.add(n, path, "must be true or false, not %q", n.Value)
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

var keyPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,62}$`)

// maxWork bounds a target: a year of working time is already absurd, and
// it keeps every deadline inside the business-time engine's horizon.
const maxWork = 8760 * time.Hour

// validate checks the rules the YAML shape cannot express and compiles the
// calendars. Problems come out in a fixed order: fields top to bottom, map
// keys sorted.
func (p *Policy) validate() Problems {
	var ps Problems
	add := func(path, format string, args ...any) {
		ps = append(ps, Problem{Path: path, Msg: fmt.Sprintf(format, args...)})
	}
	p.cals = map[string]*businesstime.Calendar{}
	p.zones = map[string]*time.Location{}
	calNames := slices.Sorted(maps.Keys(p.Calendars))
	known := "known: " + strings.Join(append([]string{Clock24x7}, calNames...), ", ")
	calendar := func(path, name string, allow24x7 bool) {
		switch {
		case name == "":
			add(path, "is required")
		case name == Clock24x7 && allow24x7:
		case !slices.Contains(calNames, name):
			if allow24x7 {
				add(path, "unknown calendar %q (%s)", name, known)
			} else {
				add(path, "unknown calendar %q (known: %s)", name, strings.Join(calNames, ", "))
			}
		}
	}

	calendar("support_calendar", p.SupportCalendar, false)
	switch p.PortalStart {
	case "":
		p.PortalStart = NextWorkingMoment
	case NextWorkingMoment, NextBusinessDayStart:
	default:
		add("portal_start", "must be %s or %s, not %q", NextWorkingMoment, NextBusinessDayStart, p.PortalStart)
	}

	if len(p.Calendars) == 0 {
		add("calendars", "at least one calendar is required")
	}
	for _, name := range calNames {
		path := "calendars." + name
		if !keyPattern.MatchString(name) || name == Clock24x7 {
			add(path, "a calendar name is lower-case letters, digits, - and _, and not %q", Clock24x7)
			continue
		}
		c, err := businesstime.New(p.Calendars[name])
		if err != nil {
			var se *businesstime.SpecError
			if errors.As(err, &se) {
				add(join(path, se.Path), "%s", se.Msg)
			} else {
				add(path, "%v", err)
			}
			continue
		}
		p.cals[name] = c
		p.zones[name], _ = time.LoadLocation(p.Calendars[name].Zone) // New has loaded it already
	}
	if c, ok := p.cals[p.SupportCalendar]; ok {
		// 24x7 targets count real time; the support calendar's zone is where
		// their explanations are told.
		p.cals[Clock24x7], _ = businesstime.AlwaysOpen(c.Spec().Zone)
		p.zones[Clock24x7] = p.zones[p.SupportCalendar]
	}

	for _, c := range slices.Sorted(maps.Keys(p.Criticalities)) {
		path := "criticalities." + string(c)
		if !c.valid() {
			add(path, "unknown criticality (want C1, C2, C3 or C4)")
			continue
		}
		d := p.Criticalities[c]
		if strings.TrimSpace(d.Name) == "" {
			add(path+".name", "is required")
		}
		if strings.TrimSpace(d.Definition) == "" {
			add(path+".definition", "is required")
		}
	}
	for _, c := range Criticalities {
		if _, ok := p.Criticalities[c]; !ok {
			add("criticalities."+string(c), "is required: users choose among C1, C2, C3 and C4")
		}
	}

	for i, l := range p.PhoneLines {
		path := fmt.Sprintf("phone_lines[%d]", i)
		if strings.TrimSpace(l.Region) == "" {
			add(path+".region", "is required")
		}
		if strings.TrimSpace(l.Number) == "" {
			add(path+".number", "is required")
		}
	}

	if len(p.Plans) == 0 {
		add("plans", "at least one plan is required")
	}
	for _, key := range slices.Sorted(maps.Keys(p.Plans)) {
		path := "plans." + key
		if !keyPattern.MatchString(key) {
			add(path, "a plan key is lower-case letters, digits, - and _")
			continue
		}
		plan := p.Plans[key]
		if strings.TrimSpace(plan.Name) == "" {
			add(path+".name", "is required")
		}
		for _, c := range slices.Sorted(maps.Keys(plan.Targets)) {
			if !c.valid() {
				add(path+".targets."+string(c), "unknown criticality (want C1, C2, C3 or C4)")
			}
		}
		for _, c := range Criticalities {
			tp := path + ".targets." + string(c)
			t, ok := plan.Targets[c]
			if !ok {
				add(tp, "is required: every plan has a target for C1, C2, C3 and C4")
				continue
			}
			switch {
			case t.Work <= 0:
				add(tp+".work", "must be more than zero")
			case time.Duration(t.Work) > maxWork:
				add(tp+".work", "must be at most %s", Duration(maxWork))
			}
			calendar(tp+".clock", t.Clock, true)
		}
		for _, ik := range slices.Sorted(maps.Keys(plan.Inclusions)) {
			ip := path + ".inclusions." + ik
			in := plan.Inclusions[ik]
			if !keyPattern.MatchString(ik) {
				add(ip, "an inclusion key is lower-case letters, digits, - and _")
			}
			if strings.TrimSpace(in.Name) == "" {
				add(ip+".name", "is required")
			}
			switch {
			case in.Quantity < 0:
				add(ip+".quantity", "must not be negative")
			case in.Quantity > 0 && strings.TrimSpace(in.Unit) == "":
				add(ip+".unit", "is required with a quantity (upgrade, engineer-hours ...)")
			case in.Quantity == 0 && in.Unit != "":
				add(ip+".unit", "needs a quantity; an inclusion without one is a standing benefit")
			}
			for j, c := range in.Criticalities {
				if !c.valid() {
					add(fmt.Sprintf("%s.criticalities[%d]", ip, j), "unknown criticality %q (want C1, C2, C3 or C4)", c)
				}
			}
		}
	}

	calendar("auto_close.calendar", p.AutoClose.Calendar, false)
	for _, d := range []struct {
		path string
		n    int
	}{{"auto_close.resolved_days", p.AutoClose.ResolvedDays}, {"auto_close.awaiting_customer_days", p.AutoClose.AwaitingCustomerDays}} {
		if d.n < 1 || d.n > 365 {
			add(d.path, "must be from 1 to 365 business days")
		}
	}
	return ps
}
