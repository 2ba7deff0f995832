package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// The browser tests drive Debian's Chromium, headless, against a real
// `accord serve --demo` on a loopback port: the pages as people use them,
// with htmx, app.js and the Content Security Policy in force.

// browserTimeout bounds a whole test. Steps wait for what they expect, not
// for a time; stepTimeout only ends a step that waits in vain while the
// browser can still tell where it was. The bound is generous: the suite
// runs every package at once on two cores, and the accessibility test
// walks every page.
const (
	browserTimeout = 4 * time.Minute
	stepTimeout    = 20 * time.Second
)

// chromium is the browser's path. Without one the tests skip, except under
// CI=true, where a skip would hide that nothing ran.
func chromium(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("the browser tests take seconds; skipped under -short")
	}
	path, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("chromium is not installed (apt-get install chromium); CI runs the browser tests")
		}
		t.Skip("chromium is not installed; skipping the browser tests")
	}
	return path
}

// serveDemo starts `accord serve --demo` on a free loopback port with a
// fresh SQLite database and returns its address; the server stops when the
// test ends.
func serveDemo(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	ctx, stop := context.WithCancel(context.Background())
	var out, errb syncBuffer
	code, exited := 0, make(chan struct{})
	go func() {
		defer close(exited)
		code = run(ctx, []string{"serve", "--demo", "--addr", "127.0.0.1:0", "--data-dir", dir, "--siem-allow-hosts", "127.0.0.1"}, noEnv, nil, &out, &errb)
	}()
	t.Cleanup(func() {
		stop()
		select {
		case <-exited:
			if code != 0 {
				t.Errorf("accord serve exited %d: %s", code, errb.String())
			}
		case <-time.After(20 * time.Second):
			t.Error("accord serve did not stop")
		}
	})
	re := regexp.MustCompile(`Accord listening on (http://\S+) `)
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if m := re.FindStringSubmatch(out.String()); m != nil {
			return m[1]
		}
		select {
		case <-exited:
			t.Fatalf("accord serve exited %d before it listened: %s", code, errb.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("accord serve did not start; stdout %q stderr %q", out.String(), errb.String())
		}
	}
}

// browser is one Chromium for one test. It keeps what the pages reported
// that a person would not see: Content Security Policy violations and
// uncaught exceptions, in any tab.
type browser struct {
	t    *testing.T
	ctx  context.Context
	base string

	mu       sync.Mutex
	problems []string
}

// newBrowser starts a demo server and a Chromium for the test.
func newBrowser(t *testing.T) *browser {
	t.Helper()
	exe := chromium(t)
	return browserAt(t, exe, serveDemo(t))
}

// browserAt starts the Chromium at exe for the test, on a server the test
// started itself, such as one that keeps the mail it sends.
func browserAt(t *testing.T, exe, base string) *browser {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), browserTimeout)
	// The defaults already run headless, with no first-run page, background
	// networking or sync. Root needs --no-sandbox; nothing else may call out.
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-quic", true),
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1280, 900))
	actx, stopAlloc := chromedp.NewExecAllocator(ctx, opts...)
	bctx, stopBrowser := chromedp.NewContext(actx)
	b := &browser{t: t, ctx: bctx, base: base}
	t.Cleanup(func() {
		stopBrowser()
		stopAlloc() // waits for Chromium to exit, before its profile is removed
		cancel()
		b.mu.Lock()
		defer b.mu.Unlock()
		for _, p := range b.problems {
			t.Errorf("the browser reported: %s", p)
		}
	})
	if err := chromedp.Do(bctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return b
}

// watch runs in a tab's event loop: it only notes what it sees.
func (b *browser) watch(ev any) {
	var text string
	switch ev := ev.(type) {
	case *runtime.EventConsoleAPICalled:
		for _, a := range ev.Args {
			text += " " + a.Description + string(a.Value)
		}
	case *log.EventEntryAdded:
		text = ev.Entry.Text
	case *runtime.EventExceptionThrown:
		text = "uncaught exception: " + ev.ExceptionDetails.Text
		if ex := ev.ExceptionDetails.Exception; ex != nil {
			text += " " + ex.Description
		}
	default:
		return
	}
	if strings.Contains(text, "Content Security Policy") || strings.HasPrefix(text, "uncaught exception") {
		b.mu.Lock()
		b.problems = append(b.problems, strings.TrimSpace(text))
		b.mu.Unlock()
	}
}

// reported returns the problems seen so far and forgets them.
func (b *browser) reported() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	ps := b.problems
	b.problems = nil
	return ps
}

// person is someone at the browser: a tab in a browser context of their
// own, so that two people never share cookies.
type person struct {
	*browser
	ctx context.Context
	who string
}

func (b *browser) person(who string) *person {
	b.t.Helper()
	ctx, stop := chromedp.NewContext(b.ctx, chromedp.WithNewBrowserContext(), chromedp.WithListener(b.watch))
	b.t.Cleanup(stop)
	// The first run opens the tab for as long as ctx lives, so it runs on
	// ctx itself, not on a step's shorter context.
	if err := chromedp.Do(ctx); err != nil {
		b.t.Fatalf("%s: open a tab: %v", who, err)
	}
	p := &person{browser: b, ctx: ctx, who: who}
	p.do("size the window", chromedp.EmulateViewport(1280, 900))
	return p
}

// do runs steps, or ends the test saying where the person was.
func (p *person) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	get(p, what, chromedp.Steps(steps...))
}

// get runs an action and returns its value, or ends the test saying where
// the person was.
func get[T any](p *person, what string, a chromedp.Action[T]) T {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		p.t.Fatalf("%s: %s: %v\n%s", p.who, what, err, p.where())
	}
	return v
}

// where describes the page on screen, for a failure message.
func (p *person) where() string {
	ctx, cancel := context.WithTimeout(p.ctx, 2*time.Second)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string](`location.href + "\n" + (document.querySelector("main") || document.body).innerText`))
	if err != nil {
		return "(the page could not be read: " + err.Error() + ")"
	}
	return "on " + s
}

func (p *person) open(path string) {
	p.t.Helper()
	p.do("open "+path, chromedp.Navigate(p.base+path), chromedp.WaitReady(chromedp.CSS("main")))
}

// fill sets form fields by CSS selector, in order.
func (p *person) fill(fields ...string) {
	p.t.Helper()
	var steps []chromedp.Action[chromedp.Void]
	for i := 0; i+1 < len(fields); i += 2 {
		steps = append(steps, chromedp.SetValue(chromedp.CSS(fields[i]), fields[i+1]))
	}
	p.do("fill "+strings.Join(fields, " "), steps...)
}

// submit presses the submit button of the form that form selects, first
// opening the collapsed section it may be in, and waits for the answer.
func (p *person) submit(form string) {
	p.t.Helper()
	p.do("open the section of "+form, chromedp.Evaluate[chromedp.Void](
		`document.querySelectorAll("details:has(`+jsString(form)+`):not([open])").forEach(d => d.open = true)`))
	p.await("submit "+form, chromedp.Click(chromedp.CSS(form+` button[type="submit"]`)))
}

// follow clicks the link sel and waits for the page it leads to.
func (p *person) follow(sel string) {
	p.t.Helper()
	p.await("follow "+sel, chromedp.Click(chromedp.CSS(sel)))
}

// await runs trigger and waits for the page it brings: swapped in by htmx
// or loaded by the browser, either way a new <main>.
func (p *person) await(what string, trigger chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	p.do(what+", then wait for a new page",
		chromedp.Evaluate[chromedp.Void](`document.getElementById("main").dataset.stale = "1"`),
		trigger,
		chromedp.WaitReady(chromedp.CSS(`main:not([data-stale])`)),
	)
}

// jsString escapes s for a double-quoted JavaScript string.
func jsString(s string) string { return strings.ReplaceAll(s, `"`, `\"`) }

// see waits for the element sel and checks that its text has each of want.
func (p *person) see(sel string, want ...string) {
	p.t.Helper()
	p.do("wait for "+sel, chromedp.WaitVisible(chromedp.CSS(sel)))
	text := get(p, "read "+sel, chromedp.Text(chromedp.CSS(sel)))
	for _, w := range want {
		if !strings.Contains(text, w) {
			p.t.Fatalf("%s: %s does not say %q:\n%s\n%s", p.who, sel, w, text, p.where())
		}
	}
}

// path is the path of the page on screen.
func (p *person) path() string {
	p.t.Helper()
	return get(p, "read the location", chromedp.Evaluate[string](`location.pathname`))
}

func (p *person) signIn(email string) {
	p.t.Helper()
	p.open("/login")
	p.fill("#f-email", email, "#f-password", demoPassword)
	p.submit(`form[action="/login"]`)
	if p.path() == "/login" {
		p.t.Fatalf("%s: still on the sign-in page\n%s", p.who, p.where())
	}
}

// setLocale sets the person's language on the settings page.
func (p *person) setLocale(locale, saved string) {
	p.t.Helper()
	p.open("/settings")
	p.fill(`#f-locale`, locale)
	p.submit(`form[action="/settings"]`)
	p.see(`.flash`, saved)
}

// scrollTo brings the element sel to the top of the screen.
func (p *person) scrollTo(sel string) {
	p.t.Helper()
	p.do("scroll to "+sel, chromedp.WaitVisible(chromedp.CSS(sel)), chromedp.Evaluate[chromedp.Void](
		`document.querySelector("`+jsString(sel)+`").scrollIntoView({block: "start", behavior: "instant"})`))
}

// shot saves the screen as name.png in $ACCORD_SCREENSHOTS, when it is set.
func (p *person) shot(name string) {
	p.t.Helper()
	dir := os.Getenv("ACCORD_SCREENSHOTS")
	if dir == "" {
		return
	}
	png := get(p, "take a screenshot", chromedp.CaptureScreenshot())
	if err := os.MkdirAll(dir, 0o755); err != nil {
		p.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		p.t.Fatal(err)
	}
}

// TestBrowserSignInPage checks what every page shares, on the sign-in
// page: keyboard focus shows, and the watch for Content Security Policy
// reports works, so that its silence in the other tests means something.
func TestBrowserSignInPage(t *testing.T) {
	b := newBrowser(t)
	p := b.person("visitor")
	p.open("/login")
	p.do("press Tab", chromedp.KeyEvent(kb.Tab))
	focus := get(p, "read the focus", chromedp.Evaluate[string](`(() => {
		const el = document.activeElement, st = getComputedStyle(el);
		const shown = el.matches(":focus-visible") && st.outlineStyle !== "none" && parseFloat(st.outlineWidth) >= 2;
		return el.id + (shown ? " with a ring" : " without a ring");
	})()`))
	if focus != "f-password with a ring" {
		t.Errorf("after Tab from the e-mail field the focus is on %q", focus)
	}

	p.do("inject an inline script", chromedp.Evaluate[chromedp.Void](
		`const s = document.createElement("script"); s.textContent = "1"; document.body.append(s)`))
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if ps := b.reported(); len(ps) > 0 {
			if !strings.Contains(strings.Join(ps, "\n"), "Content Security Policy") {
				t.Fatalf("reported, but not as a CSP violation: %q", ps)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("an inline script ran or was refused without a report")
		}
	}
}

// caseTexts are the words the case flow expects on screen, in one language
// (from internal/web/i18n/<locale>/).
type caseTexts struct {
	locale       string
	saved        string   // settings.saved
	nav          string   // nav.cases
	phoneRule    []string // phrases of case.phone.applies and case.phone.rule
	opened       string   // case.flash.opened
	queue        string   // queue.title
	reclassified string   // case.flash.reclassified
	changed      string   // case.tl.reclassified
	replied      string   // case.flash.replied
	resolved     string   // case.flash.resolved
	confirmed    string   // case.flash.confirmed
	closed       string   // state.closed
}

// caseFlow is a case's life through the pages: the customer opens a C2
// incident; the agent finds it in the queue, lowers it to C3, replies and
// resolves it; the customer reads all of it and confirms. It returns the
// customer, left on the closed case, and the case's path. With shots, it
// saves the form and the queue as screenshots.
func caseFlow(t *testing.T, b *browser, tx caseTexts, shots bool) (*person, string) {
	customer := b.person("customer")
	customer.signIn("cto@acme.example")
	if tx.locale != "en-US" {
		customer.setLocale(tx.locale, tx.saved)
	}
	customer.see(`header nav`, tx.nav)

	title := "Session recordings stop after the upgrade (" + tx.locale + ")"
	customer.open("/cases/new")
	customer.see(`#phone-notice`, tx.phoneRule...)
	customer.fill(`#f-type`, "incident", `#f-title`, title,
		`[name="description"]`, "Since this morning's upgrade no session is recorded.",
		`[name="details.version"]`, "4.3.0",
		`[name="details.procedure"]`, "Sessions > Recordings > Play",
		`[name="details.observed"]`, "Every recording after 08:00 is empty.",
		`[name="details.expected"]`, "Recordings play back.",
		`[name="details.discovery"]`, "An auditor asked for yesterday's sessions.")
	// Each detail stands on its own line: the short version field once
	// shared one with the next label.
	if !get(customer, "compare the version field with the next label", chromedp.Evaluate[bool](
		`document.getElementById("f-details.version").getBoundingClientRect().bottom <= document.querySelector('label[for="f-details.procedure"]').getBoundingClientRect().top`)) {
		t.Error("the version field shares a line with the next label")
	}
	if tx.locale == "en-US" {
		// A refused form comes back, swapped in by htmx, with the problem
		// named and nothing typed lost: here, no criticality chosen.
		customer.submit(`form[action="/cases/new"]`)
		customer.see(`main .alert`)
		if got := get(customer, "read the title", chromedp.Value(chromedp.CSS(`#f-title`))); got != title {
			t.Fatalf("after a refusal the title reads %q, want %q", got, title)
		}
	}
	customer.do("choose C2", chromedp.Click(chromedp.CSS(`#crit-C2`)))
	if shots {
		customer.scrollTo(`fieldset:has(#crit-C2)`)
		customer.shot("new-case")
	}
	customer.submit(`form[action="/cases/new"]`)
	customer.see(`.flash`, tx.opened)
	path := customer.path()
	if !regexp.MustCompile(`^/cases/[^/]+$`).MatchString(path) || path == "/cases/new" {
		t.Fatalf("after opening a case the customer is at %s\n%s", path, customer.where())
	}
	customer.see(`main h1`, title)
	customer.see(`main .due`)

	agent := b.person("agent")
	agent.signIn("agent@northwind.example")
	if tx.locale == "en-US" { // the demo agent reads Portuguese
		agent.setLocale("en-US", tx.saved)
	}
	agent.open("/queue")
	agent.see(`main h1`, tx.queue)
	row := `tr:has(a[href="` + path + `"])`
	agent.see(row, title)
	agent.see(row + ` .due`)
	if shots {
		agent.shot("queue")
	}
	agent.follow(row + ` a[href="` + path + `"]`)
	if agent.path() != path {
		t.Fatalf("the queue's link led to %s, not %s", agent.path(), path)
	}

	reason := "Production keeps working; only the recordings are affected."
	agent.fill(`form[action$="/reclassify"] [name="criticality"]`, "C3", `form[action$="/reclassify"] [name="reason"]`, reason)
	agent.submit(`form[action$="/reclassify"]`)
	agent.see(`.flash`, tx.reclassified)
	reply := "Please restart the recorder service; a fix ships in 4.3.1."
	agent.fill(`form[action$="/reply"] [name="body"]`, reply)
	agent.submit(`form[action$="/reply"]`)
	agent.see(`.flash`, tx.replied)
	summary := "Restarting the recorder service restores recording."
	agent.fill(`form[action$="/resolve"] [name="summary"]`, summary)
	agent.submit(`form[action$="/resolve"]`)
	agent.see(`.flash`, tx.resolved)

	customer.open(path)
	customer.see(`.timeline`, tx.changed, reason, reply, summary)
	customer.submit(`form[action$="/confirm"]`)
	customer.see(`.flash`, tx.confirmed)
	customer.see(`main h1 + .actions`, tx.closed) // the case's badges: criticality and state
	return customer, path
}

func TestBrowserCaseFlow(t *testing.T) {
	b := newBrowser(t)
	customer, path := caseFlow(t, b, caseTexts{
		locale: "en-US", saved: "Your settings are saved.", nav: "Cases",
		phoneRule: []string{"Applies to", "the response time is guaranteed only from the call"},
		opened:    "The case is open.", queue: "Queue",
		reclassified: "The criticality is changed.", changed: "Criticality changed:",
		replied: "Your message is sent.", resolved: "The case is resolved.",
		confirmed: "the case is closed", closed: "Closed",
	}, true)
	customer.scrollTo(`#h-timeline`)
	customer.shot("case")

	// On a phone the page reflows to one column: nothing wider than the screen.
	customer.do("turn into a phone", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile))
	customer.open(path)
	if w := get(customer, "measure", chromedp.Evaluate[int](`document.documentElement.scrollWidth`)); w > 390 {
		t.Errorf("on a 390 px wide phone the case page is %d px wide", w)
	}
	customer.shot("case-phone")

	admin := b.person("admin")
	admin.signIn("admin@northwind.example")
	if admin.path() != "/dashboard" {
		t.Fatalf("the admin's home is %s, not /dashboard", admin.path())
	}
	admin.see(`main h1`)
	admin.shot("dashboard")
}

func TestBrowserCaseFlowPortuguese(t *testing.T) {
	b := newBrowser(t)
	customer, _ := caseFlow(t, b, caseTexts{
		locale: "pt-BR", saved: "Preferências salvas.", nav: "Chamados",
		phoneRule: []string{"Vale para chamados", "o tempo de resposta só é garantido a partir da ligação"},
		opened:    "O chamado foi aberto.", queue: "Fila",
		reclassified: "A criticidade foi alterada.", changed: "Criticidade alterada:",
		replied: "Sua mensagem foi enviada.", resolved: "O chamado foi resolvido.",
		confirmed: "o chamado foi encerrado", closed: "Fechado",
	}, false)
	customer.scrollTo(`#h-timeline`)
	customer.shot("case-pt-BR")
}

// axeSource is axe-core (testdata/axe), read once. It is only for the
// tests: Accord neither embeds nor serves it.
var axeSource = sync.OnceValues(func() (string, error) {
	b, err := os.ReadFile(filepath.Join("testdata", "axe", "axe.min.js"))
	return string(b), err
})

// axeViolation is what axe.run reports of one rule a page breaks.
type axeViolation struct {
	ID      string `json:"id"`
	Impact  string `json:"impact"`
	Help    string `json:"help"`
	HelpURL string `json:"helpUrl"`
	Nodes   []struct {
		Target string `json:"target"`
		HTML   string `json:"html"`
	} `json:"nodes"`
}

// axeRun runs axe on the page, for WCAG 2.0 and 2.1, levels A and AA, and
// returns the violations, without the result's passes and elements.
const axeRun = `axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}})
	.then(r => r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
		nodes: v.nodes.map(n => ({target: n.target.map(String).join(" "), html: n.html}))})))`

// checkA11y injects axe into the page on screen and runs it. A serious or
// critical violation fails the test; a minor or moderate one is logged.
// The script goes in through the DevTools protocol (Runtime.evaluate),
// which the page's Content Security Policy does not govern: script-src
// 'self' refuses the same source added as an inline <script> (see
// TestBrowserSignInPage), but not this. Should axe do anything else the
// policy forbids, the browser's report fails the test.
func (p *person) checkA11y(page string) {
	p.t.Helper()
	src, err := axeSource()
	if err != nil {
		p.t.Fatalf("read axe-core: %v", err)
	}
	p.do("inject axe into "+page, chromedp.Evaluate[chromedp.Void](src))
	vs := get(p, "run axe on "+page, chromedp.Evaluate[[]axeViolation](axeRun, chromedp.EvalAwaitPromise))
	for _, v := range vs {
		var b strings.Builder
		fmt.Fprintf(&b, "%s: %s: %s (%s): %s, on %d elements, %s", p.who, page, v.ID, v.Impact, v.Help, len(v.Nodes), v.HelpURL)
		for i, n := range v.Nodes {
			if i == 3 {
				fmt.Fprintf(&b, "\n\t…")
				break
			}
			html := []rune(n.HTML)
			if len(html) > 200 {
				html = append(html[:200], '…')
			}
			fmt.Fprintf(&b, "\n\t%s\n\t\t%s", n.Target, string(html))
		}
		if v.Impact == "serious" || v.Impact == "critical" {
			p.t.Error(b.String())
		} else {
			p.t.Log(b.String())
		}
	}
}

// link is the first link in the page's main whose path matches re.
func (p *person) link(re string) string {
	p.t.Helper()
	href := get(p, "find a link to "+re, chromedp.Evaluate[string](
		`[...document.querySelectorAll("main a[href]")].map(a => a.getAttribute("href")).find(h => /`+re+`/.test(h)) || ""`))
	if href == "" {
		p.t.Fatalf("%s: no link to %s\n%s", p.who, re, p.where())
	}
	return href
}

// TestBrowserAccessibility runs axe-core on the main pages of each kind of
// person, as they see them with their demo data: a serious or critical
// WCAG 2.1 AA violation fails it.
func TestBrowserAccessibility(t *testing.T) {
	b := newBrowser(t)
	check := func(p *person, paths ...string) {
		for _, path := range paths {
			p.open(path)
			p.checkA11y(path)
		}
	}

	visitor := b.person("visitor")
	check(visitor, "/login")

	customer := b.person("customer")
	customer.signIn("cto@acme.example")
	check(customer, "/cases")
	casePath := customer.link(`^\/cases\/(?!new$)[^\/?#]+$`)
	check(customer, "/cases/new", casePath, "/contracts")
	check(customer, customer.link(`^\/contracts\/[^\/?#]+$`), "/engagements")
	check(customer, customer.link(`^\/engagements\/(?!new$|calendar$)[^\/?#]+$`), "/settings")

	agent := b.person("agent")
	agent.signIn("agent@northwind.example")
	check(agent, "/queue")
	agent.open(casePath)
	agent.do("open the action forms", chromedp.Evaluate[chromedp.Void](
		`document.querySelectorAll("details:not([open])").forEach(d => d.open = true)`))
	agent.checkA11y(casePath + " (forms open)")
	check(agent, "/engagements", "/engagements/calendar")

	admin := b.person("admin")
	admin.signIn("admin@northwind.example")
	check(admin, "/dashboard", "/admin", "/admin/users", "/admin/organizations", "/admin/policy",
		"/admin/policy/due", "/admin/calendars", "/admin/catalog", "/admin/audit")

	partner := b.person("partner")
	partner.signIn("partner@southwind.example")
	check(partner, "/customers")

	customer.do("turn into a phone", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile))
	customer.open(casePath)
	customer.checkA11y(casePath + " (phone)")
}

// TestBrowserWithoutJavaScript walks the core flows with scripts off in
// the page: no htmx, no app.js, only forms, links and redirects. The
// customer opens a case, the agent replies and resolves it, the customer
// confirms.
func TestBrowserWithoutJavaScript(t *testing.T) {
	b := newBrowser(t)
	noScript := chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true})
		return err
	})
	customer, agent := b.person("customer"), b.person("agent")
	customer.do("turn scripts off", noScript)
	agent.do("turn scripts off", noScript)

	customer.signIn("cto@acme.example")
	customer.open("/cases/new")
	if get(customer, "look for htmx", chromedp.Evaluate[bool](`typeof window.htmx !== "undefined"`)) {
		t.Fatal("htmx ran although scripts are off")
	}
	title := "Recordings missing, reported without JavaScript"
	customer.fill(`#f-type`, "question", `#f-title`, title,
		`[name="description"]`, "Where are last week's recordings kept?")
	customer.do("choose C4", chromedp.Click(chromedp.CSS(`#crit-C4`)))
	customer.submit(`form[action="/cases/new"]`)
	customer.see(`main h1`, title)
	path := customer.path()

	agent.signIn("agent@northwind.example")
	agent.open(path)
	agent.fill(`form[action$="/reply"] [name="body"]`, "They are under Sessions > Archive.")
	agent.submit(`form[action$="/reply"]`)
	agent.see(`.flash`)
	agent.fill(`form[action$="/resolve"] [name="summary"]`, "Answered.")
	agent.submit(`form[action$="/resolve"]`)
	agent.see(`.flash`)

	customer.open(path)
	customer.see(`.timeline`, "They are under Sessions > Archive.", "Answered.")
	customer.submit(`form[action$="/confirm"]`)
	customer.see(`main h1 + .actions`, "Closed")
}
