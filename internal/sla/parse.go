package sla

import (
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"time"

	"accord/internal/businesstime"
	"accord/internal/lang"
	"accord/internal/yamldoc"
)

// MaxDocument bounds a policy document; the reference policy is about 4 KiB.
const MaxDocument = 256 << 10

// Problem is one thing wrong with a policy document.
type Problem = yamldoc.Problem

// Problems is every problem Parse found, in document order.
type Problems = yamldoc.Problems

// Parse reads a policy document strictly (unknown fields are problems) and
// validates it. Its error is always Problems, naming the path of every
// problem and, where the document has it, its line and column.
func Parse(doc []byte) (*Policy, error) {
	var p Policy
	if err := yamldoc.Decode(doc, MaxDocument, &p, p.validate); err != nil {
		return nil, err
	}
	return &p, nil
}

// join appends a field or key to a path.
func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

var keyPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,62}$`)

// maxText bounds each text of the policy, in bytes: a definition is a
// paragraph.
const maxText = 4000

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
		lang.Check(add, path+".name", d.Name, maxText)
		lang.Check(add, path+".definition", d.Definition, maxText)
		for i, e := range d.Examples {
			lang.Check(add, fmt.Sprintf("%s.examples[%d]", path, i), e, maxText)
		}
	}
	for _, c := range Criticalities {
		if _, ok := p.Criticalities[c]; !ok {
			add("criticalities."+string(c), "is required: users choose among C1, C2, C3 and C4")
		}
	}

	for i, l := range p.PhoneLines {
		path := fmt.Sprintf("phone_lines[%d]", i)
		lang.Check(add, path+".region", l.Region, maxText)
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
		lang.Check(add, path+".name", plan.Name, maxText)
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
		for _, c := range slices.Sorted(maps.Keys(plan.Internal)) {
			ipath := path + ".internal_targets." + string(c)
			if !c.valid() {
				add(ipath, "unknown criticality (want C1, C2, C3 or C4)")
				continue
			}
			ts := plan.Internal[c]
			if ts.NextReply == nil && ts.Resolution == nil {
				add(ipath, "names next_reply, resolution or both")
			}
			for _, t := range []struct {
				key string
				t   *InternalTarget
			}{{"next_reply", ts.NextReply}, {"resolution", ts.Resolution}} {
				if t.t == nil {
					continue
				}
				tp := ipath + "." + t.key
				switch {
				case t.t.Work <= 0:
					add(tp+".work", "must be more than zero")
				case time.Duration(t.t.Work) > maxWork:
					add(tp+".work", "must be at most %s", Duration(maxWork))
				}
				calendar(tp+".clock", t.t.Clock, true)
			}
		}
		for _, ik := range slices.Sorted(maps.Keys(plan.Inclusions)) {
			ip := path + ".inclusions." + ik
			in := plan.Inclusions[ik]
			if !keyPattern.MatchString(ik) {
				add(ip, "an inclusion key is lower-case letters, digits, - and _")
			}
			lang.Check(add, ip+".name", in.Name, maxText)
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
