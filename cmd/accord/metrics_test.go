package main

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"

	"accord/internal/accord"
	"accord/internal/cases"
	"accord/internal/contracts"
	"accord/internal/directory"
	"accord/internal/jobs"
	"accord/internal/metrics"
	"accord/internal/sla"
	"accord/internal/store"
	"accord/internal/store/dbtest"
)

// value is the sample of the family name whose labels include want (a
// flat list of name, value pairs), or -1 when there is none. A counter,
// gauge or histogram's count.
func value(t *testing.T, m *metrics.Metrics, name string, want ...string) float64 {
	t.Helper()
	fams, err := m.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fams {
		if f.GetName() != name {
			continue
		}
	next:
		for _, s := range f.GetMetric() {
			for i := 0; i < len(want); i += 2 {
				if !hasLabel(s, want[i], want[i+1]) {
					continue next
				}
			}
			switch {
			case s.Counter != nil:
				return s.Counter.GetValue()
			case s.Gauge != nil:
				return s.Gauge.GetValue()
			case s.Histogram != nil:
				return float64(s.Histogram.GetSampleCount())
			}
		}
	}
	return -1
}

func hasLabel(s *dto.Metric, name, v string) bool {
	for _, l := range s.GetLabel() {
		if l.GetName() == name && l.GetValue() == v {
			return true
		}
	}
	return false
}

// The metrics say what really happened, on both engines: an unanswered
// urgent case is warned and breached by its jobs, the breach is mailed to
// the agent through SMTP, sign-ins fail and are throttled, and a job falls
// behind; the log names the case, the job and the account.
func TestMetricsAfterRealWork(t *testing.T) {
	box, smtpAddr := smtpSink(t)

	dbtest.Engines(t, func(t *testing.T, open func(testing.TB) *store.DB) {
		db := open(t)
		var logs syncBuffer
		log, err := newLogger(&logs, "text", "info")
		if err != nil {
			t.Fatal(err)
		}
		svc := newServices(db)
		if err := svc.enableMail(mailFlags{smtpURL: "smtp://" + smtpAddr + "?tls=none", from: "Northwind <support@northwind.example>"},
			"127.0.0.1:8080", time.UTC, log); err != nil {
			t.Fatal(err)
		}
		now := time.Now().UTC()
		// The gauges' clock, moved on below past their 15 s cache.
		clock := now
		m := metrics.New(db, metrics.Config{Log: log, Now: func() time.Time { return clock }})
		svc.observe(m)

		sys := accord.WithActor(context.Background(), accord.SystemActor("test"))
		if _, err := svc.policy.EnsureDefault(sys, now); err != nil {
			t.Fatal(err)
		}
		vendor, err := svc.directory.CreateOrganization(sys, now, directory.NewOrganization{Kind: directory.KindVendor, Name: "Northwind"})
		if err != nil {
			t.Fatal(err)
		}
		acme, err := svc.directory.CreateOrganization(sys, now, directory.NewOrganization{Kind: directory.KindCustomer, Name: "Acme"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.contracts.Create(sys, now, contracts.NewContract{OrgID: acme.ID, Plan: "premium", SignedOn: now.AddDate(0, -3, 0).Format(time.DateOnly), Years: 1}); err != nil {
			t.Fatal(err)
		}
		agent, err := svc.directory.CreateUser(sys, now, directory.NewUser{OrgID: vendor.ID, Email: "agent@northwind.example", Name: "Sam Agent", Role: accord.RoleAgent, Password: "correct horse battery"})
		if err != nil {
			t.Fatal(err)
		}
		as := accord.WithActor(context.Background(), accord.Actor{UserID: agent.ID, OrgID: vendor.ID, Role: agent.Role, Name: agent.Name})
		// An urgent phone case two hours old, unanswered: warned at 22.5
		// minutes and breached at 30.
		at := now.Add(-2 * time.Hour)
		c, err := svc.cases.Open(as, at, cases.NewCase{OrgID: acme.ID, Type: cases.Question, Title: "Vault down", Description: "Nothing works",
			Criticality: sla.C1, Channel: sla.Phone, Call: &cases.Call{Caller: "Carla", Number: "+1 555 0100", At: at}})
		if err != nil {
			t.Fatal(err)
		}

		r := jobs.NewRunner(svc.jobs, svc.jobHandlers(), jobs.Config{Log: log, Observe: m.JobRan})
		for range 10 {
			if n, err := r.RunDue(context.Background()); err != nil {
				t.Fatal(err)
			} else if n == 0 {
				break
			}
		}
		if box.find("agent@northwind.example", "case.sla_breach") == nil {
			t.Fatalf("no breach mailed to the agent; log:\n%s", logs.String())
		}

		// Five wrong passwords from one address, then the sixth attempt
		// waits, whatever the password.
		for range 6 {
			_, _, _, err := svc.directory.Login(context.Background(), now, "agent@northwind.example", "wrong", "192.0.2.7", "test")
			if err == nil {
				t.Fatal("a wrong password signed in")
			}
		}

		for _, c := range []struct {
			name   string
			labels []string
			want   float64
		}{
			{"accord_sla_warnings_total", []string{"criticality", "C1"}, 1},
			{"accord_sla_breaches_total", []string{"criticality", "C1"}, 1},
			{"accord_sla_breaches_total", []string{"criticality", "C2"}, 0},
			{"accord_sla_breaches_last_24h", []string{"criticality", "C1"}, 1},
			{"accord_sla_warnings_last_24h", []string{"criticality", "C1"}, 1},
			{"accord_job_runs_total", []string{"kind", string(cases.BreachTimer), "outcome", "done"}, 1},
			{"accord_job_duration_seconds", []string{"kind", string(cases.BreachTimer)}, 1},
			{"accord_mail_send_failures_total", nil, 0},
			{"accord_mail_outbound", []string{"status", "queued"}, 0},
			{"accord_signin_failures_total", nil, 5},
			{"accord_signin_throttled_total", nil, 1},
			{"accord_db_up", nil, 1},
			{"accord_cases_open", []string{"state", "resolved", "criticality", "C4"}, 0}, // reported though none is
		} {
			if got := value(t, m, c.name, c.labels...); got != c.want {
				t.Errorf("%s%v = %v, want %v", c.name, c.labels, got, c.want)
			}
		}
		if got := value(t, m, "accord_mail_sent_total"); got < 1 {
			t.Errorf("accord_mail_sent_total = %v, want the breach mail at least", got)
		}
		openCases := 0.0
		for _, st := range cases.States {
			if v := value(t, m, "accord_cases_open", "state", string(st), "criticality", "C1"); v > 0 {
				openCases += v
			}
		}
		if openCases != 1 {
			t.Errorf("accord_cases_open sums to %v C1 cases, want 1", openCases)
		}

		// A job of a kind nobody runs, due 90 s ago, shows as lag once the
		// cache of the gauges has expired.
		if _, err := db.SQL().ExecContext(context.Background(), `INSERT INTO jobs (id, org_id, subject_id, kind, run_at, attempts, claimed_by, last_error, created_at)
			VALUES ('job_lag', $1, 'nothing', 'test.lagging', $2, 0, '', '', $2)`, acme.ID, now.Add(-90*time.Second)); err != nil {
			t.Fatal(err)
		}
		if got := value(t, m, "accord_job_lag_seconds", "kind", "test.lagging"); got != -1 {
			t.Errorf("the gauges were read again within their cache: lag %v", got)
		}
		clock = now.Add(20 * time.Second)
		if got := value(t, m, "accord_job_lag_seconds", "kind", "test.lagging"); got < 110 || got > 111 {
			t.Errorf("accord_job_lag_seconds{kind=test.lagging} = %v, want 110", got)
		}
		if got := value(t, m, "accord_jobs", "kind", "test.lagging", "state", "queued"); got != 1 {
			t.Errorf("accord_jobs{test.lagging,queued} = %v, want 1", got)
		}

		// The pool: pgxpool's own figures on PostgreSQL, one connection on
		// SQLite.
		if db.Engine() == store.Postgres {
			if got := value(t, m, "accord_db_pool_acquires_total"); got <= 0 {
				t.Errorf("accord_db_pool_acquires_total = %v on PostgreSQL", got)
			}
			if got := value(t, m, "accord_db_pool_connections"); got <= 0 {
				t.Errorf("accord_db_pool_connections = %v on PostgreSQL", got)
			}
			if got := value(t, m, "accord_db_pool_max_connections"); got <= 1 {
				t.Errorf("accord_db_pool_max_connections = %v on PostgreSQL", got)
			}
		} else if got := value(t, m, "accord_db_pool_max_connections"); got != 1 {
			t.Errorf("accord_db_pool_max_connections = %v on SQLite, want 1", got)
		}

		out := logs.String()
		for _, want := range []string{
			`msg="sla breach recorded" case=` + string(c.ID) + " number=",
			"org=" + string(acme.ID) + " criticality=C1",
			`msg="sign-in throttled" account=agent@northwind.example address=192.0.2.7 retry_in=2s`,
			`msg="sign-in failed" account=agent@northwind.example`,
		} {
			if !strings.Contains(out, want) {
				t.Errorf("log lacks %q:\n%s", want, out)
			}
		}
	})
}

// Where GET /metrics is served, for each combination of the main address,
// the metrics address and the token.
func TestMetricsExposure(t *testing.T) {
	for _, c := range []struct {
		addr, metricsAddr, token string
		onMain, warns            bool
	}{
		{"127.0.0.1:8080", "", "", true, false},
		{"[::1]:8080", "", "", true, false},
		{"localhost:8080", "", "", true, false},
		{":8080", "", "", false, true},
		{"0.0.0.0:8080", "", "", false, true},
		{"192.0.2.10:8080", "", "", false, true},
		{"0.0.0.0:8080", "127.0.0.1:9090", "", false, false},
		{"127.0.0.1:8080", "127.0.0.1:9090", "", false, false},
		{"0.0.0.0:8080", "", "t0ken", true, false},
		{"0.0.0.0:8080", "10.0.0.5:9090", "t0ken", false, false},
	} {
		onMain, warning := metricsExposure(c.addr, c.metricsAddr, c.token)
		if onMain != c.onMain || (warning != "") != c.warns {
			t.Errorf("addr %q, metrics addr %q, token %q: on main %v, warning %q", c.addr, c.metricsAddr, c.token, onMain, warning)
		}
	}
}

// accord serve on every interface: /metrics answers 404 there with a
// warning at startup, or on its own address, or with the token.
func TestServeMetricsAddressAndToken(t *testing.T) {
	start := func(t *testing.T, args ...string) (main, metricsURL, logs string, stop func()) {
		t.Helper()
		ctx, cancel := context.WithCancel(context.Background())
		var out, errb syncBuffer
		done := make(chan int, 1)
		go func() {
			done <- run(ctx, append([]string{"serve", "--data-dir", t.TempDir(), "--jobs=false"}, args...), noEnv, nil, &out, &errb)
		}()
		for deadline := time.Now().Add(20 * time.Second); !strings.Contains(out.String(), "Accord listening on"); time.Sleep(20 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("no startup line; stdout %q stderr %q", out.String(), errb.String())
			}
		}
		for _, line := range strings.Split(out.String(), "\n") {
			if rest, ok := strings.CutPrefix(line, "Accord listening on "); ok {
				main = strings.Fields(rest)[0]
			}
			if rest, ok := strings.CutPrefix(line, "Metrics on "); ok {
				metricsURL = rest
			}
		}
		main = strings.Replace(main, "[::]", "127.0.0.1", 1)
		return main, metricsURL, errb.String(), func() { cancel(); <-done }
	}
	get := func(t *testing.T, url, token string) int {
		t.Helper()
		req, _ := http.NewRequest("GET", url, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	t.Run("every interface, nothing set", func(t *testing.T) {
		main, _, logs, stop := start(t, "--addr", "0.0.0.0:0")
		defer stop()
		if code := get(t, main+"/metrics", ""); code != http.StatusNotFound {
			t.Errorf("/metrics on a public address: %d, want 404", code)
		}
		if !strings.Contains(logs, "GET /metrics answers 404") || !strings.Contains(logs, "-metrics-addr") {
			t.Errorf("no warning at startup: %s", logs)
		}
	})
	t.Run("own address", func(t *testing.T) {
		main, metricsURL, _, stop := start(t, "--addr", "0.0.0.0:0", "--metrics-addr", "127.0.0.1:0")
		defer stop()
		if code := get(t, main+"/metrics", ""); code != http.StatusNotFound {
			t.Errorf("/metrics on the main address: %d, want 404", code)
		}
		if code := get(t, metricsURL, ""); code != http.StatusOK {
			t.Errorf("%s: %d, want 200", metricsURL, code)
		}
	})
	t.Run("token", func(t *testing.T) {
		main, _, _, stop := start(t, "--addr", "0.0.0.0:0", "--metrics-token", "t0ken")
		defer stop()
		if code := get(t, main+"/metrics", ""); code != http.StatusUnauthorized {
			t.Errorf("/metrics without the token: %d, want 401", code)
		}
		if code := get(t, main+"/metrics", "t0ken"); code != http.StatusOK {
			t.Errorf("/metrics with the token: %d, want 200", code)
		}
	})
	t.Run("own address and token", func(t *testing.T) {
		_, metricsURL, _, stop := start(t, "--metrics-addr", "127.0.0.1:0", "--metrics-token", "t0ken")
		defer stop()
		if code := get(t, metricsURL, ""); code != http.StatusUnauthorized {
			t.Errorf("%s without the token: %d, want 401", metricsURL, code)
		}
		if code := get(t, metricsURL, "t0ken"); code != http.StatusOK {
			t.Errorf("%s with the token: %d, want 200", metricsURL, code)
		}
	})
	t.Run("loopback", func(t *testing.T) {
		main, _, _, stop := start(t, "--addr", "127.0.0.1:0")
		defer stop()
		if code := get(t, main+"/metrics", ""); code != http.StatusOK {
			t.Errorf("/metrics on loopback: %d, want 200", code)
		}
	})
}

// Text logs give durations in units people read.
func TestRoundDuration(t *testing.T) {
	for _, c := range []struct {
		in   time.Duration
		want string
	}{
		{1523456789 * time.Nanosecond, "1.52s"},
		{12345678 * time.Nanosecond, "12.35ms"},
		{2*time.Hour + 123456789, "2h0m0s"},
		{999, "999ns"},
		{-1523456789 * time.Nanosecond, "-1.52s"},
	} {
		if got := roundDuration(c.in).String(); got != c.want {
			t.Errorf("%d: %s, want %s", c.in, got, c.want)
		}
	}
	var b strings.Builder
	log, _ := newLogger(&b, "text", "info")
	log.Info("x", "elapsed", 1523456789*time.Nanosecond)
	if !strings.Contains(b.String(), "elapsed=1.52s") {
		t.Errorf("text log: %s", b.String())
	}
	b.Reset()
	log, _ = newLogger(&b, "json", "info")
	log.Info("x", "elapsed", 1523456789*time.Nanosecond)
	if !strings.Contains(b.String(), `"elapsed":1523456789`) {
		t.Errorf("json log: %s", b.String())
	}
}
