package sla

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"accord/internal/businesstime"
	"accord/internal/lang"
)

// Criticality is how badly a case hurts the customer, C1 (worst) to C4.
type Criticality string

const (
	C1 Criticality = "C1" // Urgent
	C2 Criticality = "C2" // High
	C3 Criticality = "C3" // Medium
	C4 Criticality = "C4" // Low
)

// Criticalities lists every criticality, worst first.
var Criticalities = []Criticality{C1, C2, C3, C4}

func (c Criticality) valid() bool {
	return c == C1 || c == C2 || c == C3 || c == C4
}

// Channel is how a case reached the vendor.
type Channel string

const (
	Portal Channel = "portal"
	Phone  Channel = "phone"
)

// PortalRule says when the clock of a case opened in the portal starts.
type PortalRule string

const (
	// NextWorkingMoment starts it at the first working moment at or after
	// receipt: at once during business hours (the default).
	NextWorkingMoment PortalRule = "next_working_moment"
	// NextBusinessDayStart is the strict reading of the reference policy's
	// section 7.9: the first hour of the business day after the day of
	// receipt, even when the case arrived during business hours.
	NextBusinessDayStart PortalRule = "next_business_day_start"
)

// Clock24x7 is the clock of targets counted around the clock.
const Clock24x7 = "24x7"

// Policy is one version of the support policy, parsed and validated.
type Policy struct {
	// SupportCalendar names the calendar of business hours: the best-effort
	// clock, and the business days of the portal rule.
	SupportCalendar string                         `yaml:"support_calendar" json:"support_calendar"`
	PortalStart     PortalRule                     `yaml:"portal_start" json:"portal_start"`
	Calendars       map[string]businesstime.Spec   `yaml:"calendars" json:"calendars"`
	Criticalities   map[Criticality]CriticalityDef `yaml:"criticalities" json:"criticalities"`
	PhoneLines      []PhoneLine                    `yaml:"phone_lines,omitempty" json:"phone_lines"`
	Plans           map[string]Plan                `yaml:"plans" json:"plans"`
	AutoClose       AutoClose                      `yaml:"auto_close" json:"auto_close"`

	cals  map[string]*businesstime.Calendar // by name, plus Clock24x7
	zones map[string]*time.Location         // by name, plus Clock24x7
}

// CriticalityDef is what users read when they choose a criticality.
type CriticalityDef struct {
	Name       lang.Text   `yaml:"name" json:"name"`
	Definition lang.Text   `yaml:"definition" json:"definition"`
	Examples   []lang.Text `yaml:"examples,omitempty" json:"examples"`
}

// PhoneLine is a support telephone number for urgent cases.
type PhoneLine struct {
	Region lang.Text `yaml:"region" json:"region"`
	Number string    `yaml:"number" json:"number"`
}

// Plan is a support plan a contract subscribes to.
type Plan struct {
	Name    lang.Text              `yaml:"name" json:"name"`
	Targets map[Criticality]Target `yaml:"targets" json:"targets"`
	// Inclusions are the plan's entitlements, by key, per contract year.
	Inclusions map[string]Inclusion `yaml:"inclusions,omitempty" json:"inclusions"`
	// Internal are the vendor's own operational levels, by criticality,
	// all optional: never shown to customers (hence no JSON) and never
	// counted in the SLA report.
	Internal map[Criticality]InternalTargets `yaml:"internal_targets,omitempty" json:"-"`
}

// InternalTargets are a plan's operational levels for one criticality.
type InternalTargets struct {
	// NextReply counts from the customer's latest public message, once the
	// case has had its first response, to the next public agent reply.
	NextReply *InternalTarget `yaml:"next_reply,omitempty" json:"next_reply,omitempty"`
	// Resolution counts from the case's receipt to its resolution.
	Resolution *InternalTarget `yaml:"resolution,omitempty" json:"resolution,omitempty"`
}

// InternalTarget is an amount of working time on a clock (Clock24x7 or a
// calendar of the policy).
type InternalTarget struct {
	Work  Duration `yaml:"work" json:"work"`
	Clock string   `yaml:"clock" json:"clock"`
}

// InternalKind names an internal target.
type InternalKind string

const (
	NextReply  InternalKind = "next_reply"
	Resolution InternalKind = "resolution"
)

// InternalKinds lists them in the order a case meets them.
var InternalKinds = []InternalKind{NextReply, Resolution}

// Internal returns the plan's internal target of kind for criticality c.
func (p *Policy) Internal(plan string, c Criticality, kind InternalKind) (InternalTarget, bool) {
	ts := p.Plans[plan].Internal[c]
	t := ts.NextReply
	if kind == Resolution {
		t = ts.Resolution
	}
	if t == nil {
		return InternalTarget{}, false
	}
	return *t, true
}

// HasInternal reports whether any plan of p sets an internal target.
func (p *Policy) HasInternal() bool {
	for _, pl := range p.Plans {
		if len(pl.Internal) > 0 {
			return true
		}
	}
	return false
}

// Target is a first-response target.
type Target struct {
	Work Duration `yaml:"work" json:"work"`
	// Clock is Clock24x7 or the name of a calendar whose working time counts.
	Clock string `yaml:"clock" json:"clock"`
	// PhoneRequired: the target is guaranteed only when the case is notified
	// by phone; a portal case without a call gets best effort.
	PhoneRequired bool `yaml:"phone_required,omitempty" json:"phone_required"`
}

// Inclusion is something a plan includes per contract year: a counted
// quantity of a unit (1 upgrade, 32 engineer-hours), or, with no quantity,
// a standing benefit, optionally limited to some criticalities.
type Inclusion struct {
	Name          lang.Text     `yaml:"name" json:"name"`
	Quantity      int           `yaml:"quantity,omitempty" json:"quantity,omitempty"`
	Unit          string        `yaml:"unit,omitempty" json:"unit,omitempty"`
	Criticalities []Criticality `yaml:"criticalities,omitempty" json:"criticalities,omitempty"`
}

// Counted reports whether the inclusion is consumed unit by unit.
func (i Inclusion) Counted() bool { return i.Quantity > 0 }

// AutoClose says after how many business days, counted on Calendar, a case
// closes by itself.
type AutoClose struct {
	Calendar string `yaml:"calendar" json:"calendar"`
	// ResolvedDays: resolved by the vendor, not confirmed by the customer.
	ResolvedDays int `yaml:"resolved_days" json:"resolved_days"`
	// AwaitingCustomerDays: the vendor asked for information that never came.
	AwaitingCustomerDays int `yaml:"awaiting_customer_days" json:"awaiting_customer_days"`
}

// Duration is a length of (working) time written like "30m" or "8h".
type Duration time.Duration

// String writes d the short way: "1h", "30m", "1h30m".
func (d Duration) String() string {
	s := time.Duration(d).String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

func parseDuration(s string) (Duration, error) {
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("%q is not a duration (write it like 30m, 8h or 1h30m)", s)
	}
	return Duration(d), nil
}

// CheckScalar implements [yamldoc.Scalar]: Parse reports a bad duration
// with its path.
func (Duration) CheckScalar(text string) error {
	_, err := parseDuration(text)
	return err
}

// NotScalar is the problem of a mapping or list written as a duration.
func (Duration) NotScalar() string { return "must be a duration like 30m or 8h" }

// MarshalYAML writes the short form.
func (d Duration) MarshalYAML() (any, error) { return d.String(), nil }

// UnmarshalYAML reads "30m", "8h". Parse has already reported bad values
// with their path, so an error here only stops a caller decoding by hand.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	v, err := parseDuration(n.Value)
	if err != nil {
		return &yaml.TypeError{Errors: []string{fmt.Sprintf("line %d: %v", n.Line, err)}}
	}
	*d = v
	return nil
}

// MarshalJSON writes the short form, as in YAML.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(d.String()) }

// UnmarshalJSON reads "30m", "8h".
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	v, err := parseDuration(s)
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// Export writes p as a YAML document that Parse reads back to an equal
// policy.
func (p *Policy) Export() []byte {
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	// Every field is a string, number, bool, map or slice of them: encoding
	// cannot fail.
	if err := enc.Encode(p); err != nil {
		panic(fmt.Sprintf("sla: export: %v", err))
	}
	_ = enc.Close()
	return b.Bytes()
}

// In is p as a reader of loc reads it: a copy whose texts hold only loc's
// text (en-US where loc has none), so that its JSON writes each text as a
// plain string. The calendars are shared, as p never changes.
func (p *Policy) In(loc string) *Policy {
	q := *p
	q.Criticalities = make(map[Criticality]CriticalityDef, len(p.Criticalities))
	for c, d := range p.Criticalities {
		ex := make([]lang.Text, len(d.Examples))
		for i, e := range d.Examples {
			ex[i] = e.Pick(loc)
		}
		q.Criticalities[c] = CriticalityDef{Name: d.Name.Pick(loc), Definition: d.Definition.Pick(loc), Examples: ex}
	}
	q.PhoneLines = LinesIn(p.PhoneLines, loc)
	q.Plans = make(map[string]Plan, len(p.Plans))
	for k, pl := range p.Plans {
		pl.Name = pl.Name.Pick(loc)
		if pl.Inclusions != nil {
			in := make(map[string]Inclusion, len(pl.Inclusions))
			for ik, i := range pl.Inclusions {
				i.Name = i.Name.Pick(loc)
				in[ik] = i
			}
			pl.Inclusions = in
		}
		q.Plans[k] = pl
	}
	return &q
}

// LinesIn is lines with their labels in loc (see Policy.In).
func LinesIn(lines []PhoneLine, loc string) []PhoneLine {
	if lines == nil {
		return nil
	}
	out := make([]PhoneLine, len(lines))
	for i, l := range lines {
		out[i] = PhoneLine{Region: l.Region.Pick(loc), Number: l.Number}
	}
	return out
}

// SeniorRouting is the inclusion key of a plan's senior-engineer rule
// (section 5.1: Premium gives direct access to the senior engineer for
// Urgent and High incidents).
const SeniorRouting = "senior_routing"

// SeniorRequired reports whether a case under plan at criticality c must
// go to a senior engineer: the plan includes SeniorRouting, for c or, with
// no criticalities listed, for every criticality.
func (p *Policy) SeniorRequired(plan string, c Criticality) bool {
	in, ok := p.Plans[plan].Inclusions[SeniorRouting]
	return ok && (len(in.Criticalities) == 0 || slices.Contains(in.Criticalities, c))
}
