package engagements_test

import (
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"testing"

	"accord/internal/cases"
	"accord/internal/engagements"
	"accord/internal/lang"
	"accord/internal/yamldoc"
)

func defaultCatalog(t testing.TB) *engagements.Catalog {
	t.Helper()
	c, err := engagements.ParseCatalog([]byte(engagements.DefaultDocument()))
	if err != nil {
		t.Fatalf("the default catalog does not parse: %v", err)
	}
	return c
}

func TestDefaultCatalogParses(t *testing.T) {
	c := defaultCatalog(t)
	if c.Calendar != "services" || c.HomeCity != "São Paulo" {
		t.Errorf("calendar %q, home city %q", c.Calendar, c.HomeCity)
	}
	r := c.Rates
	if r.Currency != "BRL" || r.Hourly.String() != "450.00" || r.OnSiteOutsideHomeCity != 30 || r.OutOfHours != 50 {
		t.Errorf("rates = %+v", r)
	}
	for key, s := range c.Services {
		if s.Name.String() == "" || s.Description.String() == "" || s.Outcome.String() == "" || len(s.Assumptions) == 0 || len(s.Examples) == 0 {
			t.Errorf("%s: name, description, outcome, assumptions and examples are all expected: %+v", key, s)
		}
		// The catalog speaks of "the vendor" and "the product", in every
		// language (the word, not "segurança").
		lang.Walk(&s, func(path string, tx lang.Text) {
			for loc, text := range tx {
				if vendorName.MatchString(text) {
					t.Errorf("%s.%s.%s names the vendor: %q", key, path, loc, text)
				}
			}
		})
	}
}

var vendorName = regexp.MustCompile(`(?i)\bsegura\b`)

// wantStep is a plan step the reference documents assign to given parties.
type wantStep struct {
	format string // "" for a service without formats
	index  int
	title  string // a prefix of the step's title
	before bool
	// "Customer" -> customer; "Segura" -> vendor; "Reseller or Segura" ->
	// reseller, vendor; "Customer and Reseller or Segura" -> all three.
	parties string
}

// TestDefaultCatalogFigures checks the default catalog against the
// reference service catalog's sheets and section 13 of the support policy.
func TestDefaultCatalogFigures(t *testing.T) {
	const (
		any_   = engagements.VendorOrReseller
		vendor = engagements.VendorOnly
		acc    = engagements.FromAcceptance
		pre    = engagements.FromPrerequisites
	)
	for _, tc := range []struct {
		key         string
		hours       int
		fixed       string // "" when priced by the hour
		lead        int
		from        string
		by          string
		measures    string
		entitlement string
		crew        string         // "2x2" is 2 engineers on each of 2 days; "" for none
		steps       map[string]int // plan length by format; "" for the plan
		check       []wantStep
	}{
		{key: "ha_dr_test", hours: 4, lead: 5, from: acc, by: any_, measures: "[rto rpo]",
			steps: map[string]int{"segregated_clone": 4, "production": 3},
			check: []wantStep{
				{"segregated_clone", 0, "Agree the date", false, "[customer reseller vendor]"},
				{"segregated_clone", 1, "Clone the product's instance", false, "[customer]"},
				{"segregated_clone", 3, "Activate the application", false, "[reseller vendor]"},
				{"production", 1, "Carry out the scheduled shutdown", false, "[customer]"},
				{"production", 2, "Recover the environment", false, "[reseller vendor]"},
			}},
		{key: "restore_test", hours: 4, lead: 5, from: acc, by: vendor, measures: "[rto rpo]",
			steps: map[string]int{"": 6},
			check: []wantStep{
				{"", 0, "Agree the date", false, "[customer vendor]"},
				{"", 1, "Deploy a new instance", true, "[customer]"},
				{"", 3, "Perform the restore from backup", false, "[vendor]"},
				{"", 5, "Test the application's functions", false, "[customer]"},
			}},
		{key: "assisted_update", hours: 6, lead: 5, from: acc, by: any_, measures: "[]", entitlement: "assisted_upgrade",
			steps: map[string]int{"": 7},
			check: []wantStep{
				{"", 1, "Open access", false, "[customer]"},
				{"", 2, "Shut down the instances", false, "[reseller vendor]"},
				{"", 3, "Take a snapshot", false, "[customer]"},
				{"", 5, "Validate the application", false, "[vendor]"},
			}},
		{key: "assisted_settings", hours: 4, lead: 5, from: acc, by: any_, measures: "[]",
			steps: map[string]int{"": 3},
			check: []wantStep{
				{"", 0, "Define the scope of the settings", true, "[customer]"},
				{"", 2, "Make the settings together", false, "[customer reseller vendor]"},
			}},
		{key: "password_change_template", hours: 4, lead: 5, from: acc, by: any_, measures: "[]",
			steps: map[string]int{"": 4},
			check: []wantStep{
				{"", 0, "Define which devices", false, "[customer]"},
				{"", 1, "Evaluate whether", false, "[customer reseller vendor]"},
			}},
		{key: "device_registration", hours: 4, lead: 5, from: pre, by: any_, measures: "[]",
			steps: map[string]int{"": 5},
			check: []wantStep{
				{"", 0, "Define the devices and credentials", true, "[customer]"},
				{"", 3, "Run the batch import", false, "[customer reseller vendor]"},
			}},
		{key: "environment_migration", hours: 4, lead: 5, from: pre, by: any_, measures: "[]",
			steps: map[string]int{"": 8},
			check: []wantStep{
				{"", 0, "Meet the requirements", true, "[customer]"},
				{"", 2, "Shut down the instances", false, "[reseller vendor]"},
				{"", 3, "Move the instances", false, "[customer]"},
				{"", 6, "Validate the application", false, "[vendor]"},
			}},
		{key: "admin_training", hours: 6, lead: 5, from: acc, by: any_, measures: "[]",
			steps: map[string]int{"": 2},
			check: []wantStep{{"", 1, "Give the training", false, "[reseller vendor]"}}},
		{key: "user_training", hours: 2, lead: 5, from: acc, by: any_, measures: "[]",
			steps: map[string]int{"": 2},
			check: []wantStep{{"", 0, "Agree the date", false, "[customer reseller vendor]"}}},
		// "Minimum of 5 days" of 8 hours; "3 business days" to the kick-off.
		{key: "deployment", hours: 40, lead: 3, from: acc, by: any_, measures: "[]",
			steps: map[string]int{"": 6},
			check: []wantStep{{"", 0, "Kick off", false, "[customer reseller vendor]"}}},
		{key: "admin_password_recovery", fixed: "1500.00", lead: 0, from: acc, by: vendor, measures: "[]",
			steps: map[string]int{"": 4},
			check: []wantStep{
				{"", 0, "Boot the instance", false, "[customer]"},
				{"", 2, "Recover the password", false, "[vendor]"},
				{"", 3, "Hand the password", false, "[customer reseller vendor]"},
			}},
		{key: "master_key_ceremony", hours: 4, lead: 5, from: acc, by: vendor, measures: "[]",
			steps: map[string]int{"": 3},
			check: []wantStep{{"", 1, "Redefine the master key", false, "[vendor]"}}},
		{key: "appliance_maintenance", hours: 4, lead: 5, from: acc, by: vendor, measures: "[]",
			steps: map[string]int{"": 3},
			check: []wantStep{{"", 2, "Check the appliance works", false, "[customer]"}}},
		{key: "health_check", hours: 4, lead: 5, from: acc, by: any_, measures: "[]",
			steps: map[string]int{"": 3},
			check: []wantStep{{"", 1, "Review the instances", false, "[reseller vendor]"}}},
		{key: "database_restore", hours: 4, lead: 5, from: acc, by: vendor, measures: "[]",
			steps: map[string]int{"": 3},
			check: []wantStep{{"", 1, "Import the backup data", false, "[vendor]"}}},
		{key: "ransomware_response", hours: 8, lead: 0, from: acc, by: vendor, measures: "[]", entitlement: "ransomware_response", crew: "2x2",
			steps: map[string]int{"": 4},
			check: []wantStep{{"", 0, "Report the attack", false, "[customer]"}}},
	} {
		t.Run(tc.key, func(t *testing.T) {
			s, ok := defaultCatalog(t).Services[tc.key]
			if !ok {
				t.Fatalf("no service %s", tc.key)
			}
			fixed := ""
			if s.FixedPrice != nil {
				fixed = s.FixedPrice.String()
			}
			if s.MinimumHours != tc.hours || fixed != tc.fixed {
				t.Errorf("minimum hours %d, fixed price %q; want %d, %q", s.MinimumHours, fixed, tc.hours, tc.fixed)
			}
			if s.LeadDays != tc.lead || s.LeadFrom != tc.from {
				t.Errorf("lead %d days from %s; want %d from %s", s.LeadDays, s.LeadFrom, tc.lead, tc.from)
			}
			if s.DeliveredBy != tc.by {
				t.Errorf("delivered by %s, want %s", s.DeliveredBy, tc.by)
			}
			if got := fmt.Sprint(s.Measures); got != tc.measures {
				t.Errorf("measures %s, want %s", got, tc.measures)
			}
			if s.Entitlement != tc.entitlement {
				t.Errorf("entitlement %q, want %q", s.Entitlement, tc.entitlement)
			}
			if s.Hourly != nil {
				t.Errorf("hourly rate %s overrides the rate card", s.Hourly)
			}
			crew := ""
			if s.Crew != nil {
				crew = fmt.Sprintf("%dx%d", s.Crew.Engineers, s.Crew.Days)
			}
			if crew != tc.crew {
				t.Errorf("crew %q, want %q", crew, tc.crew)
			}
			if _, plain := tc.steps[""]; plain != (len(s.Formats) == 0) {
				t.Fatalf("formats %v, want plan lengths %v", s.FormatKeys(), tc.steps)
			}
			if len(s.Formats) > 0 && fmt.Sprint(s.FormatKeys()) != fmt.Sprint(slices.Sorted(maps.Keys(tc.steps))) {
				t.Errorf("formats %v, want %v", s.FormatKeys(), slices.Sorted(maps.Keys(tc.steps)))
			}
			for format, n := range tc.steps {
				plan, ok := s.PlanFor(format)
				if !ok || len(plan) != n {
					t.Errorf("format %q: %d steps (found %v), want %d", format, len(plan), ok, n)
				}
			}
			for _, st := range tc.check {
				plan, _ := s.PlanFor(st.format)
				if st.index >= len(plan) {
					t.Errorf("format %q has no step %d", st.format, st.index)
					continue
				}
				got := plan[st.index]
				if !strings.HasPrefix(got.Title.String(), st.title) || fmt.Sprint(got.Parties) != st.parties || got.BeforeScheduling != st.before {
					t.Errorf("format %q step %d = %q %v before scheduling %v; want %q... %s %v",
						st.format, st.index, got.Title, got.Parties, got.BeforeScheduling, st.title, st.parties, st.before)
				}
			}
		})
	}
}

// TestDefaultCatalogPreparation: the steps that may be done before the
// first session's day are agreeing the date and the customer's own
// preparations the sheets name; every other step is the execution.
func TestDefaultCatalogPreparation(t *testing.T) {
	want := []string{
		"admin_training 0", "appliance_maintenance 0", "assisted_settings 1", "assisted_update 0", "assisted_update 1",
		"database_restore 0", "device_registration 2", "environment_migration 1",
		"ha_dr_test/production 0", "ha_dr_test/segregated_clone 0", "ha_dr_test/segregated_clone 1", "ha_dr_test/segregated_clone 2",
		"health_check 0", "master_key_ceremony 0", "password_change_template 0", "password_change_template 3",
		"ransomware_response 0", "restore_test 0", "user_training 0",
	}
	var got []string
	c := defaultCatalog(t)
	for _, key := range slices.Sorted(maps.Keys(c.Services)) {
		svc := c.Services[key]
		formats := svc.FormatKeys()
		if len(formats) == 0 {
			formats = []string{""}
		}
		for _, format := range formats {
			plan, _ := svc.PlanFor(format)
			name := key
			if format != "" {
				name += "/" + format
			}
			for i, st := range plan {
				if st.Preparation {
					got = append(got, fmt.Sprintf("%s %d", name, i))
				}
			}
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("preparation steps\n%v\nwant\n%v", got, want)
	}
}

// TestDefaultCatalogServices: every service of the catalog is one the
// table above checks (a new one needs its figures there).
func TestDefaultCatalogServices(t *testing.T) {
	want := []string{
		"admin_password_recovery", "admin_training", "appliance_maintenance", "assisted_settings",
		"assisted_update", "database_restore", "deployment", "device_registration",
		"environment_migration", "ha_dr_test", "health_check", "master_key_ceremony",
		"password_change_template", "ransomware_response", "restore_test", "user_training",
	}
	if got := slices.Sorted(maps.Keys(defaultCatalog(t).Services)); !slices.Equal(got, want) {
		t.Errorf("services %v\nwant     %v", got, want)
	}
}

// TestScopeCategoriesNameCatalogServices: the services the cases package
// sends out-of-scope requests to (its unexported scopeServices, restated
// here) exist in the default catalog.
func TestScopeCategoriesNameCatalogServices(t *testing.T) {
	scope := map[string]string{
		"upgrade":          "assisted_update",
		"configuration":    "assisted_settings",
		"migration":        "environment_migration",
		"environment_test": "ha_dr_test",
		"integration_test": "ha_dr_test",
		"training":         "admin_training",
		"installation":     "deployment",
		"data_collection":  "health_check",
		"database_restore": "database_restore",
		"credentials":      "device_registration",
		"on_site_visit":    "",
		"other":            "",
	}
	if got, want := cases.ScopeCategories(), slices.Sorted(maps.Keys(scope)); !slices.Equal(got, want) {
		t.Fatalf("cases.ScopeCategories() = %v; this test knows %v (update its table from internal/cases/extras.go)", got, want)
	}
	c := defaultCatalog(t)
	for category, key := range scope {
		if _, ok := c.Services[key]; key != "" && !ok {
			t.Errorf("scope category %s points to %s, which the default catalog lacks", category, key)
		}
	}
}

// smallCatalog is a valid one-service document; the problem cases edit it.
const smallCatalog = `calendar: services
home_city: São Paulo
rates:
  currency: BRL
  hourly: "450.00"
  on_site_outside_home_city_percent: 30
  out_of_hours_percent: 50
services:
  health_check:
    name: Health check
    description: A review of the instances.
    delivered_by: vendor_or_reseller
    minimum_hours: 4
    lead_days: 5
    lead_from: acceptance
    assumptions: [Access to the instances.]
    plan:
      - title: Agree the date
        parties: [customer, vendor]
      - title: Review the instances
        parties: [vendor]
    outcome: A report.
    examples: [A yearly review.]
`

// editSmall replaces old, which must occur once in smallCatalog, by new.
func editSmall(t testing.TB, old, new string) string {
	t.Helper()
	if n := strings.Count(smallCatalog, old); n != 1 {
		t.Fatalf("%q occurs %d times in the small catalog", old, n)
	}
	return strings.Replace(smallCatalog, old, new, 1)
}

func TestSmallCatalogParses(t *testing.T) {
	c, err := engagements.ParseCatalog([]byte(smallCatalog))
	if err != nil {
		t.Fatal(err)
	}
	if s := c.Services["health_check"]; len(s.Plan) != 2 || c.Rate(s).String() != "450.00" {
		t.Fatalf("service %+v at %s", s, c.Rate(s))
	}
}

// TestParseCatalogProblems: each broken document yields exactly one
// problem, at its path and position, with its message.
func TestParseCatalogProblems(t *testing.T) {
	const svc = "services.health_check."
	for _, tc := range []struct {
		name string
		doc  string
		want string // "line:column: path: message"
	}{
		{"unknown field", editSmall(t, "    lead_days: 5\n", "    lead_days: 5\n    lead_time: 5\n"),
			"15:5: " + svc + "lead_time: unknown field (known: assumptions, crew, delivered_by, description, entitlement, examples, " +
				"fixed_price, formats, hourly, lead_days, lead_from, measures, minimum_hours, name, outcome, plan)"},
		{"fixed price with minimum hours", editSmall(t, "    minimum_hours: 4\n", "    minimum_hours: 4\n    fixed_price: \"100.00\"\n"),
			"13:20: " + svc + "minimum_hours: a fixed-price service has no minimum hours"},
		{"minimum hours zero", editSmall(t, "minimum_hours: 4", "minimum_hours: 0"),
			"13:20: " + svc + "minimum_hours: must be from 1 to 2000, or give a fixed_price"},
		{"no minimum hours nor fixed price", editSmall(t, "    minimum_hours: 4\n", ""),
			"10:5: " + svc + "minimum_hours: must be from 1 to 2000, or give a fixed_price"},
		{"bad delivered_by", editSmall(t, "delivered_by: vendor_or_reseller", "delivered_by: partner"),
			"12:19: " + svc + "delivered_by: must be vendor or vendor_or_reseller"},
		{"bad party", editSmall(t, "parties: [customer, vendor]", "parties: [customer, seller]"),
			"19:29: " + svc + `plan[0].parties[1]: must be customer, reseller or vendor, not "seller"`},
		{"party listed twice", editSmall(t, "parties: [vendor]", "parties: [vendor, vendor]"),
			"21:27: " + svc + "plan[1].parties[1]: vendor is listed twice"},
		{"no parties", editSmall(t, "parties: [vendor]", "parties: []"),
			"21:18: " + svc + "plan[1].parties: names at least one of customer, reseller, vendor"},
		{"prerequisites without a step before scheduling", editSmall(t, "lead_from: acceptance", "lead_from: prerequisites"),
			"18:7: " + svc + "plan: a lead time counted from prerequisites needs a step marked before_scheduling"},
		{"bad lead_from", editSmall(t, "lead_from: acceptance", "lead_from: signature"),
			"15:16: " + svc + "lead_from: must be acceptance or prerequisites"},
		{"formats and plan both", editSmall(t, "    outcome:", "    formats:\n      remote:\n        name: Remote\n        plan:\n          - {title: Review, parties: [vendor]}\n    outcome:"),
			"18:7: " + svc + "plan: a service with formats has its plans there, not here"},
		// A bad amount must not stop the rest of the document from being
		// read: services come after rates, and their rules still apply.
		{"bad money", editSmall(t, `hourly: "450.00"`, `hourly: "4,50"`),
			`5:11: rates.hourly: must be an amount like 450.00, not "4,50"`},
		{"bad currency", editSmall(t, "currency: BRL", "currency: brl"),
			"4:13: rates.currency: must be a three-letter ISO 4217 code like BRL or USD"},
		{"bad measure", editSmall(t, "    outcome:", "    measures: [rto, mttr]\n    outcome:"),
			"22:21: " + svc + "measures[1]: must be rto or rpo"},
		{"bad service key", editSmall(t, "  health_check:", "  Health Check:"),
			"10:5: services.Health Check: a service key is lower-case letters, digits, - and _"},
		{"entitlement with a fixed price", editSmall(t, "    minimum_hours: 4\n", "    fixed_price: \"100.00\"\n    entitlement: health\n"),
			"14:18: " + svc + "entitlement: a fixed-price service cannot be paid by an entitlement"},
		{"a crew of nobody", editSmall(t, "    outcome:", "    crew: {engineers: 0, days: 2}\n    outcome:"),
			"22:23: " + svc + "crew.engineers: must be from 1 to 20"},
		{"a crew for no days", editSmall(t, "    outcome:", "    crew: {engineers: 2, days: 0}\n    outcome:"),
			"22:32: " + svc + "crew.days: must be from 1 to 60"},
		{"wrong shape", editSmall(t, "lead_days: 5", "lead_days: five"),
			`14:16: ` + svc + `lead_days: must be a whole number, not "five"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := engagements.ParseCatalog([]byte(tc.doc))
			var ps yamldoc.Problems
			if !errors.As(err, &ps) {
				t.Fatalf("catalog %v, error %v is not yamldoc.Problems", c, err)
			}
			var got []string
			for _, p := range ps {
				got = append(got, fmt.Sprintf("%d:%d: %s", p.Line, p.Column, p))
			}
			if len(got) != 1 || got[0] != tc.want {
				t.Fatalf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), tc.want)
			}
		})
	}
}

// TestDefaultCatalogTranslated: the default catalog speaks every language
// Accord serves.
func TestDefaultCatalogTranslated(t *testing.T) {
	doc := engagements.DefaultDocument()
	c, err := engagements.ParseCatalog([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	if gaps := yamldoc.Untranslated([]byte(doc), c, lang.Locales); len(gaps) != 0 {
		t.Fatalf("untranslated: %v", gaps)
	}
	if got := c.In("es-ES").Services["restore_test"].Plan[3].Title.String(); got != "Realizar la restauración desde la copia de seguridad" {
		t.Errorf("restore step 4 in es-ES = %q", got)
	}
}
