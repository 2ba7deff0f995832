package main

import (
	"regexp"
	"testing"
	"time"

	"accord/internal/sla"
)

// An administrator replays the demo's history under a draft that gives
// every target one minute: the page shows the tables, lists the cases that
// would have breached with links to their pages, and lays one out under
// both policies; the page passes axe, and the link leads to the case.
func TestBrowserPolicyReplay(t *testing.T) {
	draft := regexp.MustCompile(`(C[1-4]: \{work: )\d+[hm]`).ReplaceAllString(sla.DefaultDocument(), "${1}1m")
	if _, err := sla.Parse([]byte(draft)); err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t)
	ada := b.person("the administrator")
	ada.signIn("admin@northwind.example")
	ada.open("/admin/policy")
	ada.follow(`a[href="/admin/policy/replay"]`)
	ada.see("h1", "Replay the policy over past cases")
	ada.fill(`#f-version`, "draft", `#f-doc`, draft,
		`#f-from`, "2020-01-01", `#f-to`, time.Now().AddDate(0, 0, 2).Format(time.DateOnly))
	ada.submit(`form[action="/admin/policy/replay"]`)
	ada.see(`#replay-report`, "Replay under the draft", "cases replayed", "All cases", "By plan", "By criticality", "By customer", "Acme Bank")
	ada.see(`#replay-flips`, "Breached")
	ada.see(`#replay-explained`, "under both policies")
	ada.see(`#replay-report .grid`, "As it happened (version 1)", "Under the draft", "first response within 1 minute")
	ada.checkA11y("/admin/policy/replay with a report")
	ada.follow(`#replay-flips tbody a`)
	if p := ada.path(); !regexp.MustCompile(`^/cases/cas_`).MatchString(p) {
		t.Fatalf("the flipped case's link led to %s", p)
	}
}
