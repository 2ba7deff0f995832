package metrics_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"accord/internal/accord"
	"accord/internal/audit"
	"accord/internal/directory"
	"accord/internal/metrics"
	"accord/internal/siem"
	"accord/internal/store"
	"accord/internal/store/dbtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// accordName is a metric name of Accord's in a PromQL expression.
var accordName = regexp.MustCompile(`\baccord_[a-z0-9_]+`)

// exprs gathers every "expr" and query string in a Grafana dashboard.
func exprs(v any, out *[]string) {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			if s, ok := x.(string); ok && (k == "expr" || k == "definition") {
				*out = append(*out, s)
			}
			exprs(x, out)
		}
	case []any:
		for _, x := range v {
			exprs(x, out)
		}
	}
}

// The dashboard parses, and the dashboard and the alert rules name only
// metrics Accord registers: a renamed metric cannot leave them blank.
func TestDashboardAndRulesUseAccordMetrics(t *testing.T) {
	known := metrics.New(dbtest.SQLite(t), metrics.Config{}).Families()
	check := func(file string, list []string) {
		t.Helper()
		if len(list) == 0 {
			t.Fatalf("%s: no expressions found", file)
		}
		used := 0
		for _, e := range list {
			for _, name := range accordName.FindAllString(e, -1) {
				used++
				if !known[name] {
					t.Errorf("%s: %q uses %s, which Accord does not register", file, e, name)
				}
			}
		}
		if used == 0 {
			t.Errorf("%s uses no Accord metric", file)
		}
	}

	const dashboard = "../../deploy/grafana/accord-dashboard.json"
	b, err := os.ReadFile(dashboard)
	if err != nil {
		t.Fatal(err)
	}
	var d map[string]any
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatalf("%s: %v", dashboard, err)
	}
	if d["title"] != "Accord" || d["uid"] == "" {
		t.Errorf("%s: title %v, uid %v", dashboard, d["title"], d["uid"])
	}
	var list []string
	exprs(d["panels"], &list)
	check(dashboard, list)
	// The figures each have a panel.
	all := strings.Join(list, "\n")
	for _, name := range []string{"accord_job_lag_seconds", "accord_job_runs_total", "accord_sla_breaches_total", "accord_mail_send_failures_total",
		"accord_cases_open", "accord_http_request_duration_seconds_bucket", "accord_db_pool_acquired_connections"} {
		if !strings.Contains(all, name) {
			t.Errorf("%s: no panel shows %s", dashboard, name)
		}
	}

	const rules = "../../deploy/prometheus/accord-rules.yml"
	b, err = os.ReadFile(rules)
	if err != nil {
		t.Fatal(err)
	}
	var r struct {
		Groups []struct {
			Name  string
			Rules []struct {
				Alert, Expr string
			}
		}
	}
	if err := yaml.Unmarshal(b, &r); err != nil {
		t.Fatalf("%s: %v", rules, err)
	}
	list = nil
	var alerts []string
	for _, g := range r.Groups {
		for _, rule := range g.Rules {
			list = append(list, rule.Expr)
			alerts = append(alerts, rule.Alert)
		}
	}
	check(rules, list)
	for _, a := range []string{"AccordDown", "AccordJobLagHigh", "AccordJobsFailing", "AccordSLABreachRate", "AccordMailFailing", "AccordSignInThrottleSpike"} {
		if !slices.Contains(alerts, a) {
			t.Errorf("%s: no alert %s", rules, a)
		}
	}
}

// Every Accord metric has a HELP text and is documented in docs/deploy.md.
func TestMetricsAreDocumented(t *testing.T) {
	m := metrics.New(dbtest.SQLite(t), metrics.Config{})
	doc, err := os.ReadFile("../../docs/deploy.md")
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	m.Handler("").ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	for name := range m.Families() {
		if strings.HasSuffix(name, "_bucket") || strings.HasSuffix(name, "_sum") || strings.HasSuffix(name, "_count") {
			continue
		}
		if !strings.Contains(string(doc), "`"+name+"`") {
			t.Errorf("docs/deploy.md does not document %s", name)
		}
	}
	for _, line := range strings.Split(rec.Body.String(), "\n") {
		if strings.HasPrefix(line, "# HELP accord_") && len(strings.Fields(line)) < 4 {
			t.Errorf("no help text: %s", line)
		}
	}
}

// With a token, the metrics answer only the requests that carry it.
func TestMetricsToken(t *testing.T) {
	m := metrics.New(dbtest.SQLite(t), metrics.Config{})
	h := m.Handler("s3cret-token")
	for _, c := range []struct {
		header string
		want   int
	}{
		{"", http.StatusUnauthorized},
		{"Bearer wrong", http.StatusUnauthorized},
		{"Bearer s3cret-toke", http.StatusUnauthorized},
		{"s3cret-token", http.StatusUnauthorized},
		{"Basic s3cret-token", http.StatusUnauthorized},
		{"Bearer s3cret-token", http.StatusOK},
	} {
		req := httptest.NewRequest("GET", "/metrics", nil)
		if c.header != "" {
			req.Header.Set("Authorization", c.header)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != c.want {
			t.Errorf("Authorization %q: %d, want %d", c.header, rec.Code, c.want)
		}
		if c.want == http.StatusOK && !strings.Contains(rec.Body.String(), "accord_db_up 1") {
			t.Errorf("no accord_db_up 1 in\n%s", rec.Body.String())
		}
	}
}

// The job attempt counters of every kind the runner handles start at 0,
// so that increase() sees a kind's first give-up (AccordJobsFailing): a
// series that first appears at 1 shows no increase.
func TestJobRunsStartAtZero(t *testing.T) {
	m := metrics.New(dbtest.SQLite(t), metrics.Config{JobKinds: []string{"mail.send"}})
	rec := httptest.NewRecorder()
	m.Handler("").ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	for _, outcome := range []string{"done", "retry", "failed"} {
		want := `accord_job_runs_total{kind="mail.send",outcome="` + outcome + `"} 0`
		if !strings.Contains(rec.Body.String(), want) {
			t.Errorf("no %s", want)
		}
	}
}

// A SIEM receiver's lag, last success age and failures are exported per
// receiver: a receiver that is behind and has never succeeded shows it.
func TestSIEMGauges(t *testing.T) {
	db := dbtest.SQLite(t)
	ctx := context.Background()
	now := time.Date(2026, 12, 7, 13, 0, 0, 0, time.UTC)
	org := directory.Organization{ID: accord.NewID("org"), Kind: directory.KindVendor, Name: "Vendor", CreatedAt: now, UpdatedAt: now}
	sys := accord.SystemActor("test")
	if err := store.NewDirectory(db).CreateOrganization(ctx, org, audit.New(sys, now, org.ID, "organization.create", "organization", org.ID, nil)); err != nil {
		t.Fatal(err)
	}
	r := siem.Receiver{ID: "siem_1", OrgID: org.ID, AllOrgs: true, Name: "SOC", Protocol: siem.SyslogUDP, Address: "192.0.2.1:514",
		Actions: []string{}, Enabled: true, CreatedAt: now, UpdatedAt: now}
	if err := store.NewSIEM(db).CreateReceiver(ctx, r, audit.New(sys, now, org.ID, "siem.receiver.create", "siem_receiver", r.ID, nil)); err != nil {
		t.Fatal(err)
	}
	if err := store.NewSIEM(db).Fail(ctx, r.ID, now, "connection refused", now.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	m := metrics.New(db, metrics.Config{Now: func() time.Time { return now.Add(90 * time.Second) }})
	rec := httptest.NewRecorder()
	m.Handler("").ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	for _, want := range []string{
		`accord_siem_lag_events{org="` + string(org.ID) + `",receiver="siem_1"} 1`,
		`accord_siem_last_success_age_seconds{org="` + string(org.ID) + `",receiver="siem_1"} 90`,
		`accord_siem_failures{org="` + string(org.ID) + `",receiver="siem_1"} 1`,
	} {
		if !strings.Contains(rec.Body.String(), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

// The profiles ask for the metrics' token and then serve pprof's index and
// the contention profiles it turns on.
func TestProfiles(t *testing.T) {
	h := metrics.Profiles("s3cret-token")
	for _, c := range []struct {
		path, header string
		want         int
	}{
		{"/debug/pprof/", "", http.StatusUnauthorized},
		{"/debug/pprof/mutex", "Bearer wrong", http.StatusUnauthorized},
		{"/debug/pprof/", "Bearer s3cret-token", http.StatusOK},
		{"/debug/pprof/mutex?debug=1", "Bearer s3cret-token", http.StatusOK},
		{"/debug/pprof/block?debug=1", "Bearer s3cret-token", http.StatusOK},
	} {
		req := httptest.NewRequest("GET", c.path, nil)
		if c.header != "" {
			req.Header.Set("Authorization", c.header)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != c.want {
			t.Errorf("%s with %q: %d, want %d", c.path, c.header, rec.Code, c.want)
		}
		if c.want == http.StatusOK && strings.HasSuffix(c.path, "debug=1") && !strings.Contains(rec.Body.String(), "sampling period=10") && strings.Contains(c.path, "mutex") {
			t.Errorf("mutex profile not sampled one in 10: %.200s", rec.Body.String())
		}
	}
}
