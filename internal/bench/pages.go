package bench

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"accord/internal/accord"
	"accord/internal/cases"
)

// PagesConfig is what bench pages measures.
type PagesConfig struct {
	URL string
	// Clients are the concurrencies to measure each page at, one run per
	// value, each client with one request in flight.
	Clients []int
	// Count requests per page and concurrency, or else requests for
	// Duration.
	Count    int
	Duration time.Duration
	// Agent, Admin, Customer and Partner sign in with Password: the
	// vendor's agent reads the queue, views, searches, dashboard, reports
	// and the export of every case; the admin the audit trail and the
	// sheet exports; the customer's contact and the partner's agent their
	// lists, a case, a search and the export of their cases.
	// An empty email leaves that user's pages out.
	Agent, Admin, Customer, Partner string
	Password                        string
	// Search is the text of the full-text searches; LongSearch finds the
	// cases with a long timeline (the seed's marathon cases).
	Search, LongSearch string
	// Month of the SLA report (YYYY-MM); the previous month when empty.
	Month string
	// Only keeps the pages whose name contains one of these.
	Only []string
	// PID and MetricsURL name the server whose memory is sampled during
	// the run: /proc/PID/status, or process_resident_memory_bytes at
	// MetricsURL (with MetricsToken as its bearer token).
	PID          int
	MetricsURL   string
	MetricsToken string
	JSON         bool // print JSON instead of the table
	// Timeout bounds each answer, read whole.
	Timeout time.Duration
}

// page is one page or API call people wait on, as one signed-in user asks
// for it.
type page struct {
	name string
	as   *user
	path string
	// stream marks an export: time to first byte is reported as well.
	stream bool
}

// PageResult is one page's figures at one concurrency.
type PageResult struct {
	Page    string  `json:"page"`
	User    string  `json:"user"`
	Path    string  `json:"path"`
	Clients int     `json:"clients"`
	N       int     `json:"n"`
	Errors  int     `json:"errors"`
	P50     float64 `json:"p50_ms"`
	P90     float64 `json:"p90_ms"`
	P99     float64 `json:"p99_ms"`
	Max     float64 `json:"max_ms"`
	// FirstByte is an export's time to its first byte (p50 ... max, ms).
	FirstByte *[4]float64 `json:"first_byte_ms,omitempty"`
	Bytes     int64       `json:"bytes"` // of the last successful answer
	FirstErr  string      `json:"first_error,omitempty"`
}

// Memory is the server's resident memory while the pages were measured.
type Memory struct {
	Source  string `json:"source"`
	Samples int    `json:"samples"`
	MaxRSS  int64  `json:"max_rss_bytes"`
	HWM     int64  `json:"hwm_bytes,omitempty"` // VmHWM at the end, /proc only
}

// PagesReport is what bench pages prints as JSON.
type PagesReport struct {
	URL    string       `json:"url"`
	Pages  []PageResult `json:"pages"`
	Memory *Memory      `json:"memory,omitempty"`
}

// Pages signs in and times every page at each concurrency, then prints a
// table (or JSON) to w. Every answer must be 200 and is read whole; other
// answers are counted as errors, and any error makes it return
// ErrSomeFailed after printing.
func Pages(ctx context.Context, w io.Writer, cfg PagesConfig) error {
	base := strings.TrimRight(cfg.URL, "/")
	hc := newClient(slices.Max(cfg.Clients))
	if cfg.Timeout > 0 {
		hc.Timeout = cfg.Timeout
	}
	defer hc.CloseIdleConnections()
	// A web page that redirects (to the sign-in page, say) is an error,
	// not the page it redirects to.
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

	pages, err := pagesToTime(ctx, hc, base, cfg)
	if err != nil {
		return err
	}
	if len(pages) == 0 {
		return errors.New("no page to time: check -only and the users")
	}

	var mem *memSampler
	if cfg.PID > 0 || cfg.MetricsURL != "" {
		mem = startMemSampler(ctx, cfg.PID, cfg.MetricsURL, cfg.MetricsToken)
	}
	rep := PagesReport{URL: base}
	if !cfg.JSON {
		mode := fmt.Sprintf("for %s", cfg.Duration)
		if cfg.Count > 0 {
			mode = fmt.Sprintf("%d times", cfg.Count)
		}
		fmt.Fprintf(w, "accord bench pages: %d page(s) against %s, each asked for %s at %s concurrent client(s)\n", len(pages), base, mode,
			strings.Trim(strings.Join(strings.Fields(fmt.Sprint(cfg.Clients)), ", "), "[]"))
	}
	failed := false
	for _, c := range cfg.Clients {
		for _, p := range pages {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			r := timePage(ctx, hc, base, p, c, cfg.Count, cfg.Duration)
			failed = failed || r.Errors > 0
			rep.Pages = append(rep.Pages, r)
		}
	}
	if mem != nil {
		m := mem.stop()
		rep.Memory = &m
	}
	if cfg.JSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return err
		}
	} else {
		printPages(w, rep)
	}
	if failed {
		return ErrSomeFailed
	}
	return nil
}

// ErrSomeFailed is returned when some request was not answered 200.
var ErrSomeFailed = errors.New("bench: some requests failed")

// pagesToTime signs in and finds what the pages name: a case with a long
// timeline, a case each outside user may read, last month.
func pagesToTime(ctx context.Context, hc *http.Client, base string, cfg PagesConfig) ([]page, error) {
	signed := map[string]*user{}
	for _, email := range []string{cfg.Agent, cfg.Admin, cfg.Customer, cfg.Partner} {
		if email == "" || signed[email] != nil {
			continue
		}
		u, err := login(ctx, hc, base, email, cfg.Password)
		if err != nil {
			return nil, err
		}
		signed[email] = &u
	}
	month := cfg.Month
	if month == "" {
		month = time.Now().UTC().AddDate(0, -1, 0).Format("2006-01")
	}
	q := url.QueryEscape(cfg.Search)
	var pages []page
	add := func(p page) {
		if len(cfg.Only) == 0 || slices.ContainsFunc(cfg.Only, func(s string) bool { return strings.Contains(p.name, s) }) {
			pages = append(pages, p)
		}
	}
	if a := signed[cfg.Agent]; a != nil {
		add(page{name: "agent queue (web)", as: a, path: "/queue"})
		add(page{name: "agent queue (api sort=due)", as: a, path: "/api/v1/cases?sort=due"})
		for _, v := range cases.Views {
			add(page{name: "agent view " + string(v) + " (web)", as: a, path: "/queue?view=" + string(v)})
		}
		long, err := firstCase(ctx, hc, base, *a, "/api/v1/cases?q="+url.QueryEscape(cfg.LongSearch))
		if err != nil {
			return nil, fmt.Errorf("a case with a long timeline (search %q): %w", cfg.LongSearch, err)
		}
		if long != "" {
			add(page{name: "agent long case (web)", as: a, path: "/cases/" + string(long)})
			add(page{name: "agent long case timeline (api)", as: a, path: "/api/v1/cases/" + string(long) + "/timeline"})
		}
		add(page{name: "agent search (web)", as: a, path: "/cases?q=" + q})
		add(page{name: "agent search (api)", as: a, path: "/api/v1/cases?q=" + q})
		add(page{name: "dashboard (web)", as: a, path: "/dashboard"})
		add(page{name: "dashboard (api)", as: a, path: "/api/v1/reports/dashboard"})
		add(page{name: "sla report " + month + " (json)", as: a, path: "/api/v1/reports/sla?month=" + month + "&format=json"})
		add(page{name: "sla report " + month + " (csv)", as: a, path: "/api/v1/reports/sla?month=" + month + "&format=csv"})
		// Every case of every customer: at a million, the longest answer
		// of the run, which streams.
		add(page{name: "agent export cases (csv)", as: a, path: "/api/v1/exports/cases", stream: true})
	}
	if ad := signed[cfg.Admin]; ad != nil {
		add(page{name: "audit trail (web)", as: ad, path: "/admin/audit"})
		add(page{name: "audit trail (api)", as: ad, path: "/api/v1/audit"})
		add(page{name: "export all (xlsx)", as: ad, path: "/api/v1/exports/all", stream: true})
		add(page{name: "export contacts (csv)", as: ad, path: "/api/v1/exports/contacts", stream: true})
	}
	for _, who := range []struct{ label, email string }{{"customer", cfg.Customer}, {"partner", cfg.Partner}} {
		u := signed[who.email]
		if u == nil {
			continue
		}
		add(page{name: who.label + " cases (web)", as: u, path: "/cases"})
		add(page{name: who.label + " cases (api)", as: u, path: "/api/v1/cases"})
		id, err := firstCase(ctx, hc, base, *u, "/api/v1/cases")
		if err != nil {
			return nil, fmt.Errorf("a case %s may read: %w", who.email, err)
		}
		if id != "" {
			add(page{name: who.label + " case (web)", as: u, path: "/cases/" + string(id)})
			add(page{name: who.label + " case (api)", as: u, path: "/api/v1/cases/" + string(id)})
		}
		add(page{name: who.label + " search (web)", as: u, path: "/cases?q=" + q})
		add(page{name: who.label + " search (api)", as: u, path: "/api/v1/cases?q=" + q})
		add(page{name: who.label + " export cases (csv)", as: u, path: "/api/v1/exports/cases", stream: true})
	}
	return pages, nil
}

// firstCase is the id of the first case a list gives u, "" for none.
func firstCase(ctx context.Context, hc *http.Client, base string, u user, path string) (accord.ID, error) {
	var l struct {
		Items []struct {
			ID accord.ID `json:"id"`
		} `json:"items"`
	}
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	if err := getJSON(ctx, hc, base+path+sep+"limit=1", u, &l); err != nil {
		return "", err
	}
	if len(l.Items) == 0 {
		return "", nil
	}
	return l.Items[0].ID, nil
}

// timePage asks for p with clients concurrent loops: one request first,
// not measured (it warms the caches a person's first visit would not
// find cold either), then count requests or as many as fit in duration.
func timePage(ctx context.Context, hc *http.Client, base string, p page, clients, count int, duration time.Duration) PageResult {
	r := PageResult{Page: p.name, User: p.as.Email, Path: p.path, Clients: clients}
	_, _, _, _ = fetch(ctx, hc, base, p)
	end := time.Now().Add(duration)
	var issued atomic.Int64
	var mu sync.Mutex
	var total, first []time.Duration
	var wg sync.WaitGroup
	for range clients {
		wg.Go(func() {
			var lt, lf []time.Duration
			var bad int
			var msg string
			var size int64
			for ctx.Err() == nil {
				if count > 0 {
					if issued.Add(1) > int64(count) {
						break
					}
				} else if !time.Now().Before(end) {
					break
				}
				t, f, n, err := fetch(ctx, hc, base, p)
				if err != nil {
					bad++
					if msg == "" {
						msg = err.Error()
					}
					continue
				}
				lt, lf, size = append(lt, t), append(lf, f), n
			}
			mu.Lock()
			defer mu.Unlock()
			total, first = append(total, lt...), append(first, lf...)
			r.Errors += bad
			if r.FirstErr == "" {
				r.FirstErr = msg
			}
			if size > 0 {
				r.Bytes = size
			}
		})
	}
	wg.Wait()
	slices.Sort(total)
	slices.Sort(first)
	r.N = len(total)
	msf := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	r.P50, r.P90, r.P99, r.Max = msf(percentile(total, 50)), msf(percentile(total, 90)), msf(percentile(total, 99)), msf(percentile(total, 100))
	if p.stream {
		r.FirstByte = &[4]float64{msf(percentile(first, 50)), msf(percentile(first, 90)), msf(percentile(first, 99)), msf(percentile(first, 100))}
	}
	return r
}

// fetch asks for p once and reads the whole answer: the time to its first
// byte, to its last, and its size. Anything but 200 is an error.
func fetch(ctx context.Context, hc *http.Client, base string, p page) (total, first time.Duration, size int64, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+p.path, nil)
	if err != nil {
		return 0, 0, 0, err
	}
	req.Header.Set(p.as.auth, p.as.header)
	t0 := time.Now()
	resp, err := hc.Do(req)
	if err != nil {
		return 0, 0, 0, err
	}
	defer resp.Body.Close()
	// Do returns once the status line and headers are read: with a body
	// that follows them, that is the first byte. Reading one more byte
	// makes it so for a server that flushes headers early.
	br := bufio.NewReader(resp.Body)
	_, _ = br.Peek(1)
	first = time.Since(t0)
	size, err = io.Copy(io.Discard, br)
	total = time.Since(t0)
	if err != nil {
		return 0, 0, 0, err
	}
	if resp.StatusCode != http.StatusOK {
		return 0, 0, 0, fmt.Errorf("GET %s as %s: %s", p.path, p.as.Email, resp.Status)
	}
	return total, first, size, nil
}

func printPages(w io.Writer, rep PagesReport) {
	// Names are padded to one width, so that right alignment leaves them
	// flush left.
	width := len("page")
	for _, r := range rep.Pages {
		width = max(width, len(r.Page)+len(" first byte"))
	}
	name := func(s string) string { return s + strings.Repeat(" ", width-len(s)) }
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, name("page")+"\tclients\tn\tp50 ms\tp90 ms\tp99 ms\tmax ms\terrors\tbytes\t")
	f := func(x float64) string { return strconv.FormatFloat(x, 'f', 1, 64) }
	for _, r := range rep.Pages {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%s\t%s\t%s\t%s\t%d\t%d\t\n", name(r.Page), r.Clients, r.N, f(r.P50), f(r.P90), f(r.P99), f(r.Max), r.Errors, r.Bytes)
		if fb := r.FirstByte; fb != nil {
			fmt.Fprintf(tw, "%s\t%d\t%d\t%s\t%s\t%s\t%s\t\t\t\n", name(r.Page+" first byte"), r.Clients, r.N, f(fb[0]), f(fb[1]), f(fb[2]), f(fb[3]))
		}
	}
	_ = tw.Flush()
	for _, r := range rep.Pages {
		if r.FirstErr != "" {
			fmt.Fprintf(w, "error: %s (clients %d): %s\n", r.Page, r.Clients, r.FirstErr)
		}
	}
	if m := rep.Memory; m != nil {
		fmt.Fprintf(w, "server memory   max RSS %.1f MB over %d samples (%s)", float64(m.MaxRSS)/(1<<20), m.Samples, m.Source)
		if m.HWM > 0 {
			fmt.Fprintf(w, ", VmHWM %.1f MB", float64(m.HWM)/(1<<20))
		}
		fmt.Fprintln(w)
	}
}

// memSampler reads the server's resident memory every 100 ms (/proc) or
// 500 ms (metrics) until stopped.
type memSampler struct {
	stopc chan struct{}
	done  chan Memory
}

func startMemSampler(ctx context.Context, pid int, metricsURL, token string) *memSampler {
	s := &memSampler{stopc: make(chan struct{}), done: make(chan Memory, 1)}
	m := Memory{Source: "/proc/" + strconv.Itoa(pid) + "/status"}
	every := 100 * time.Millisecond
	read := func() (int64, int64, error) { return procMemory(pid) }
	if pid <= 0 {
		m.Source, every = metricsURL, 500*time.Millisecond
		hc := &http.Client{Timeout: 5 * time.Second}
		read = func() (int64, int64, error) {
			rss, err := scrapeRSS(ctx, hc, metricsURL, token)
			return rss, 0, err
		}
	}
	go func() {
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			if rss, hwm, err := read(); err == nil {
				m.Samples++
				m.MaxRSS, m.HWM = max(m.MaxRSS, rss), max(m.HWM, hwm)
			}
			select {
			case <-s.stopc:
				s.done <- m
				return
			case <-t.C:
			}
		}
	}()
	return s
}

func (s *memSampler) stop() Memory {
	close(s.stopc)
	return <-s.done
}

// procMemory reads VmRSS and VmHWM (bytes) from /proc/pid/status.
func procMemory(pid int) (rss, hwm int64, err error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, 0, err
	}
	return parseProcStatus(string(b))
}

func parseProcStatus(s string) (rss, hwm int64, err error) {
	found := false
	for line := range strings.SplitSeq(s, "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok || (k != "VmRSS" && k != "VmHWM") {
			continue
		}
		f := strings.Fields(v)
		if len(f) != 2 || f[1] != "kB" {
			return 0, 0, fmt.Errorf("%s: %q", k, v)
		}
		n, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			return 0, 0, fmt.Errorf("%s: %w", k, err)
		}
		if k == "VmRSS" {
			rss, found = n<<10, true
		} else {
			hwm = n << 10
		}
	}
	if !found {
		return 0, 0, errors.New("no VmRSS line")
	}
	return rss, hwm, nil
}

// scrapeRSS reads process_resident_memory_bytes from a Prometheus text
// exposition.
func scrapeRSS(ctx context.Context, hc *http.Client, u, token string) (int64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return 0, err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := hc.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("GET %s: %s", u, resp.Status)
	}
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, err
	}
	return parseRSSMetric(string(b))
}

func parseRSSMetric(s string) (int64, error) {
	for line := range strings.SplitSeq(s, "\n") {
		rest, ok := strings.CutPrefix(line, "process_resident_memory_bytes ")
		if !ok {
			continue
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(rest), 64)
		if err != nil {
			return 0, fmt.Errorf("process_resident_memory_bytes: %w", err)
		}
		return int64(v), nil
	}
	return 0, errors.New("no process_resident_memory_bytes in the metrics")
}
