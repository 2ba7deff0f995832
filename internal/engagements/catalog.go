package engagements

import (
	_ "embed"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"accord/internal/accord"
	"accord/internal/lang"
	"accord/internal/yamldoc"
)

//go:embed default.yaml
var defaultDocument string

// DefaultDocument is the reference catalog, loaded as version 1 into an
// empty database.
func DefaultDocument() string { return defaultDocument }

// MaxDocument bounds a catalog document; the default one is about 25 KiB.
const MaxDocument = 512 << 10

// Catalog is the professional-services catalog.
type Catalog struct {
	// Calendar names the support policy's calendar that lead times and
	// services hours are counted on.
	Calendar string `yaml:"calendar" json:"calendar"`
	// HomeCity is where on-site work costs no travel surcharge.
	HomeCity string              `yaml:"home_city" json:"home_city"`
	Rates    Rates               `yaml:"rates" json:"rates"`
	Services map[string]Offering `yaml:"services" json:"services"`
}

// Rates is the rate card.
type Rates struct {
	Currency string `yaml:"currency" json:"currency"`
	Hourly   Money  `yaml:"hourly" json:"hourly"`
	// Surcharges, in percent of the hours' price.
	OnSiteOutsideHomeCity int `yaml:"on_site_outside_home_city_percent" json:"on_site_outside_home_city_percent"`
	OutOfHours            int `yaml:"out_of_hours_percent" json:"out_of_hours_percent"`
}

// Who may deliver a service.
const (
	VendorOnly       = "vendor"
	VendorOrReseller = "vendor_or_reseller"
)

// Lead times count from acceptance, or from the last plan step marked
// before_scheduling.
const (
	FromAcceptance     = "acceptance"
	FromPrerequisites  = "prerequisites"
	MeasureRTO         = "rto"
	MeasureRPO         = "rpo"
	maxLeadDays        = 60
	maxHours           = 2000
	maxSessionsPerPlan = 100
	maxCrew            = 20
)

// Offering is one service of the catalog.
type Offering struct {
	Name        lang.Text `yaml:"name" json:"name"`
	Description lang.Text `yaml:"description" json:"description"`
	DeliveredBy string    `yaml:"delivered_by" json:"delivered_by"`
	// MinimumHours is the least a quote may ask; 0 with FixedPrice.
	MinimumHours int    `yaml:"minimum_hours" json:"minimum_hours,omitempty"`
	FixedPrice   *Money `yaml:"fixed_price" json:"fixed_price,omitempty"`
	// Hourly overrides the rate card's hourly rate.
	Hourly      *Money      `yaml:"hourly" json:"hourly,omitempty"`
	LeadDays    int         `yaml:"lead_days" json:"lead_days"`
	LeadFrom    string      `yaml:"lead_from" json:"lead_from"`
	Assumptions []lang.Text `yaml:"assumptions" json:"assumptions"`
	Plan        []StepDef   `yaml:"plan" json:"plan,omitempty"`
	// Formats are alternative plans; a request picks one.
	Formats  map[string]Format `yaml:"formats" json:"formats,omitempty"`
	Outcome  lang.Text         `yaml:"outcome" json:"outcome"`
	Examples []lang.Text       `yaml:"examples" json:"examples"`
	// Measures lists what the outcome records: rto, rpo.
	Measures []string `yaml:"measures" json:"measures,omitempty"`
	// Entitlement is a plan inclusion that pays for the service when the
	// customer's contract has some left: one unit per engagement, or one
	// per hour when its unit is engineer-hours.
	Entitlement string `yaml:"entitlement" json:"entitlement,omitempty"`
	// Crew is the staffing the service needs, checked when its sessions
	// are booked.
	Crew *Crew `yaml:"crew" json:"crew,omitempty"`
}

// Crew is a service's least staffing: on each of at least Days days of
// the services calendar, at least Engineers distinct engineers booked.
// Premium's ransomware response is "two days with two dedicated engineers".
type Crew struct {
	Engineers int `yaml:"engineers" json:"engineers"`
	Days      int `yaml:"days" json:"days"`
}

// Format is one way of running a service, with its own plan.
type Format struct {
	Name lang.Text `yaml:"name" json:"name"`
	Plan []StepDef `yaml:"plan" json:"plan"`
}

// StepDef is one step of a plan.
type StepDef struct {
	Title            lang.Text `yaml:"title" json:"title"`
	Parties          []Party   `yaml:"parties" json:"parties"`
	BeforeScheduling bool      `yaml:"before_scheduling" json:"before_scheduling,omitempty"`
	// Preparation steps (agreeing the date, the customer's own
	// preparations) may be done before the first session's day; the
	// others are the execution, which waits for it.
	Preparation bool `yaml:"preparation" json:"preparation,omitempty"`
}

// Money is an amount in the rate card's currency, written "450.00".
type Money int64

// CheckScalar implements yamldoc.Scalar.
func (Money) CheckScalar(text string) error {
	_, err := parseMoney(text)
	return err
}

// UnmarshalText reads "450.00" or "450".
func (m *Money) UnmarshalText(b []byte) error {
	v, err := parseMoney(string(b))
	*m = v
	return err
}

// MarshalText writes the amount with two decimals.
func (m Money) MarshalText() ([]byte, error) { return []byte(m.String()), nil }

func (m Money) String() string {
	sign := ""
	if m < 0 {
		sign, m = "-", -m
	}
	return fmt.Sprintf("%s%d.%02d", sign, m/100, m%100)
}

var moneyPattern = regexp.MustCompile(`^[0-9]{1,10}(\.[0-9]{1,2})?$`)

func parseMoney(s string) (Money, error) {
	if !moneyPattern.MatchString(s) {
		return 0, fmt.Errorf("must be an amount like 450.00, not %q", s)
	}
	whole, frac, _ := strings.Cut(s, ".")
	w, _ := strconv.ParseInt(whole, 10, 64)
	f := int64(0)
	if frac != "" {
		f, _ = strconv.ParseInt(frac, 10, 64)
		if len(frac) == 1 {
			f *= 10
		}
	}
	return Money(w*100 + f), nil
}

// PlanFor returns the plan of format (empty for a service without formats).
func (s Offering) PlanFor(format string) ([]StepDef, bool) {
	if len(s.Formats) == 0 {
		return s.Plan, format == ""
	}
	f, ok := s.Formats[format]
	return f.Plan, ok
}

// Localize gives e the service name and step titles c has in loc, for the
// steps that are still the catalog's (same position and title in en-US).
func (c *Catalog) Localize(e Engagement, loc string) Engagement {
	svc, ok := c.Services[e.Service]
	if !ok {
		return e
	}
	if svc.Name.String() == e.ServiceName {
		e.ServiceName = svc.Name.In(loc)
	}
	plan, _ := svc.PlanFor(e.Format)
	steps := slices.Clone(e.Steps)
	for i, st := range steps {
		if j := st.Position - 1; j >= 0 && j < len(plan) && plan[j].Title.String() == st.Title {
			steps[i].Title = plan[j].Title.In(loc)
		}
	}
	e.Steps = steps
	return e
}

// In is the service as a reader of loc reads it: its texts hold only
// loc's (see lang.Text.Pick).
func (s Offering) In(loc string) Offering {
	s.Name, s.Description, s.Outcome = s.Name.Pick(loc), s.Description.Pick(loc), s.Outcome.Pick(loc)
	s.Assumptions, s.Examples = pick(s.Assumptions, loc), pick(s.Examples, loc)
	s.Plan = stepsIn(s.Plan, loc)
	if s.Formats != nil {
		fs := make(map[string]Format, len(s.Formats))
		for k, f := range s.Formats {
			fs[k] = Format{Name: f.Name.Pick(loc), Plan: stepsIn(f.Plan, loc)}
		}
		s.Formats = fs
	}
	return s
}

// In is the catalog as a reader of loc reads it (see Offering.In).
func (c *Catalog) In(loc string) *Catalog {
	q := *c
	q.Services = make(map[string]Offering, len(c.Services))
	for k, s := range c.Services {
		q.Services[k] = s.In(loc)
	}
	return &q
}

func pick(ts []lang.Text, loc string) []lang.Text {
	if ts == nil {
		return nil
	}
	out := make([]lang.Text, len(ts))
	for i, t := range ts {
		out[i] = t.Pick(loc)
	}
	return out
}

func stepsIn(plan []StepDef, loc string) []StepDef {
	if plan == nil {
		return nil
	}
	out := slices.Clone(plan)
	for i := range out {
		out[i].Title = out[i].Title.Pick(loc)
	}
	return out
}

// FormatKeys lists the service's formats, sorted.
func (s Offering) FormatKeys() []string { return slices.Sorted(maps.Keys(s.Formats)) }

// measures reports whether the service's outcome records m.
func (s Offering) measures(m string) bool { return slices.Contains(s.Measures, m) }

// Rate is the service's hourly rate.
func (c *Catalog) Rate(s Offering) Money {
	if s.Hourly != nil {
		return *s.Hourly
	}
	return c.Rates.Hourly
}

var keyPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,62}$`)

// ParseCatalog reads a catalog document strictly and validates it. Its
// error is always yamldoc.Problems, each naming the path and, where the
// document has it, the line and column.
func ParseCatalog(doc []byte) (*Catalog, error) {
	var c Catalog
	if err := yamldoc.Decode(doc, MaxDocument, &c, c.validate); err != nil {
		return nil, err
	}
	return &c, nil
}

// validate checks the rules the YAML shape cannot express, in a fixed
// order: fields top to bottom, map keys sorted.
func (c *Catalog) validate() yamldoc.Problems {
	var ps yamldoc.Problems
	add := func(path, format string, args ...any) {
		ps = append(ps, yamldoc.Problem{Path: path, Msg: fmt.Sprintf(format, args...)})
	}
	required := func(path, v string, max int) {
		switch {
		case strings.TrimSpace(v) == "":
			add(path, "is required")
		case len(v) > max:
			add(path, "must be at most %d characters", max)
		}
	}
	required("calendar", c.Calendar, 63)
	required("home_city", c.HomeCity, 100)
	if len(c.Rates.Currency) != 3 || strings.ToUpper(c.Rates.Currency) != c.Rates.Currency {
		add("rates.currency", "must be a three-letter ISO 4217 code like BRL or USD")
	}
	if c.Rates.Hourly <= 0 {
		add("rates.hourly", "must be more than zero")
	}
	for _, p := range []struct {
		path string
		v    int
	}{{"rates.on_site_outside_home_city_percent", c.Rates.OnSiteOutsideHomeCity}, {"rates.out_of_hours_percent", c.Rates.OutOfHours}} {
		if p.v < 0 || p.v > 500 {
			add(p.path, "must be from 0 to 500")
		}
	}
	if len(c.Services) == 0 {
		add("services", "at least one service is required")
	}
	for _, key := range slices.Sorted(maps.Keys(c.Services)) {
		path := "services." + key
		if !keyPattern.MatchString(key) {
			add(path, "a service key is lower-case letters, digits, - and _")
			continue
		}
		s := c.Services[key]
		lang.Check(add, path+".name", s.Name, 200)
		lang.Check(add, path+".description", s.Description, 4000)
		if s.DeliveredBy != VendorOnly && s.DeliveredBy != VendorOrReseller {
			add(path+".delivered_by", "must be %s or %s", VendorOnly, VendorOrReseller)
		}
		switch {
		case s.FixedPrice != nil && s.MinimumHours != 0:
			add(path+".minimum_hours", "a fixed-price service has no minimum hours")
		case s.FixedPrice != nil && *s.FixedPrice <= 0:
			add(path+".fixed_price", "must be more than zero")
		case s.FixedPrice == nil && (s.MinimumHours < 1 || s.MinimumHours > maxHours):
			add(path+".minimum_hours", "must be from 1 to %d, or give a fixed_price", maxHours)
		}
		if s.Hourly != nil && *s.Hourly <= 0 {
			add(path+".hourly", "must be more than zero")
		}
		if s.LeadDays < 0 || s.LeadDays > maxLeadDays {
			add(path+".lead_days", "must be from 0 to %d working days", maxLeadDays)
		}
		switch s.LeadFrom {
		case FromAcceptance, FromPrerequisites:
		default:
			add(path+".lead_from", "must be %s or %s", FromAcceptance, FromPrerequisites)
		}
		for i, a := range s.Assumptions {
			lang.Check(add, fmt.Sprintf("%s.assumptions[%d]", path, i), a, 1000)
		}
		switch {
		case len(s.Formats) > 0 && len(s.Plan) > 0:
			add(path+".plan", "a service with formats has its plans there, not here")
		case len(s.Formats) == 0:
			c.validatePlan(add, path+".plan", s.Plan, s.LeadFrom)
		}
		for _, fk := range slices.Sorted(maps.Keys(s.Formats)) {
			fp := path + ".formats." + fk
			if !keyPattern.MatchString(fk) {
				add(fp, "a format key is lower-case letters, digits, - and _")
				continue
			}
			lang.Check(add, fp+".name", s.Formats[fk].Name, 200)
			c.validatePlan(add, fp+".plan", s.Formats[fk].Plan, s.LeadFrom)
		}
		lang.Check(add, path+".outcome", s.Outcome, 2000)
		for i, e := range s.Examples {
			lang.Check(add, fmt.Sprintf("%s.examples[%d]", path, i), e, 1000)
		}
		for i, m := range s.Measures {
			switch {
			case m != MeasureRTO && m != MeasureRPO:
				add(fmt.Sprintf("%s.measures[%d]", path, i), "must be %s or %s", MeasureRTO, MeasureRPO)
			case slices.Index(s.Measures, m) < i:
				add(fmt.Sprintf("%s.measures[%d]", path, i), "%s is listed twice", m)
			}
		}
		if s.Entitlement != "" && !keyPattern.MatchString(s.Entitlement) {
			add(path+".entitlement", "names a plan inclusion: lower-case letters, digits, - and _")
		}
		if s.Entitlement != "" && s.FixedPrice != nil {
			add(path+".entitlement", "a fixed-price service cannot be paid by an entitlement")
		}
		if c := s.Crew; c != nil {
			if c.Engineers < 1 || c.Engineers > maxCrew {
				add(path+".crew.engineers", "must be from 1 to %d", maxCrew)
			}
			if c.Days < 1 || c.Days > maxLeadDays {
				add(path+".crew.days", "must be from 1 to %d", maxLeadDays)
			}
		}
	}
	return ps
}

func (c *Catalog) validatePlan(add func(string, string, ...any), path string, plan []StepDef, leadFrom string) {
	switch {
	case len(plan) == 0:
		add(path, "lists at least one step")
	case len(plan) > maxSessionsPerPlan:
		add(path, "lists at most %d steps", maxSessionsPerPlan)
	}
	before := false
	for i, st := range plan {
		sp := fmt.Sprintf("%s[%d]", path, i)
		lang.Check(add, sp+".title", st.Title, 500)
		if len(st.Parties) == 0 {
			add(sp+".parties", "names at least one of customer, reseller, vendor")
		}
		seen := map[Party]bool{}
		for j, p := range st.Parties {
			switch {
			case !p.valid():
				add(fmt.Sprintf("%s.parties[%d]", sp, j), "must be customer, reseller or vendor, not %q", p)
			case seen[p]:
				add(fmt.Sprintf("%s.parties[%d]", sp, j), "%s is listed twice", p)
			}
			seen[p] = true
		}
		before = before || st.BeforeScheduling
	}
	if leadFrom == FromPrerequisites && !before && len(plan) > 0 {
		add(path, "a lead time counted from prerequisites needs a step marked before_scheduling")
	}
}

// Version is one stored version of the catalog. Versions are never edited.
type Version struct {
	ID          accord.ID `json:"id"`
	Number      int       `json:"version"`
	SHA256      string    `json:"sha256"`
	Note        string    `json:"note"`
	CreatedAt   time.Time `json:"created_at"`
	CreatedBy   string    `json:"created_by"`
	CreatedByID accord.ID `json:"created_by_id,omitempty"`
	Document    string    `json:"document,omitempty"`
	// Warnings, on an import only, are the texts that lack a language
	// Accord serves, when the instance's lang.Mode is Warn; never stored.
	Warnings yamldoc.Problems `json:"warnings,omitempty"`
}
