package web

import (
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"accord/internal/accord"
	"accord/internal/cases"
	"accord/internal/changes"
	"accord/internal/contracts"
	"accord/internal/directory"
	"accord/internal/engagements"
)

// TestCatalogsHaveEveryKey fails when a message is missing in a locale, or
// when a page or handler names a key that no catalog defines.
func TestCatalogsHaveEveryKey(t *testing.T) {
	msgs, err := loadCatalogs(catalogFiles)
	if err != nil {
		t.Fatal(err)
	}
	base := msgs[Locales[0]]
	for _, loc := range Locales[1:] {
		for k := range base {
			if _, ok := msgs[loc][k]; !ok {
				t.Errorf("%s: missing %q (it is in %s)", loc, k, Locales[0])
			}
		}
		for k := range msgs[loc] {
			if _, ok := base[k]; !ok {
				t.Errorf("%s: %q is not in %s", loc, k, Locales[0])
			}
		}
	}
	// A translation must take the same arguments as the original.
	verb := regexp.MustCompile(`%(\[\d+\])?[-+# 0]*\d*(\.\d+)?[a-zA-Z]`)
	for k, en := range base {
		want := len(verb.FindAllString(strings.ReplaceAll(en, "%%", ""), -1))
		for _, loc := range Locales[1:] {
			if got := len(verb.FindAllString(strings.ReplaceAll(msgs[loc][k], "%%", ""), -1)); got != want {
				t.Errorf("%s %q takes %d arguments, %s's takes %d", loc, k, got, Locales[0], want)
			}
		}
	}

	for _, key := range usedKeys(t) {
		if _, ok := base[key]; !ok {
			t.Errorf("key %q is used but not in any catalog", key)
		}
	}
	// Keys made from the domain's values.
	var dynamic []string
	add := func(prefix string, values ...string) {
		for _, v := range values {
			dynamic = append(dynamic, prefix+v)
		}
	}
	for _, s := range cases.States {
		add("state.", string(s))
	}
	for _, ty := range append(slices.Clone(cases.Types), cases.RootCause) {
		add("type.", string(ty))
	}
	for _, r := range accord.Roles {
		add("role.", string(r))
	}
	add("orgkind.", string(directory.KindVendor), string(directory.KindPartner), string(directory.KindCustomer))
	add("engstate.", "requested", "quoted", "accepted", "scheduled", "in_progress", "completed", "signed_off", "cancelled")
	add("party.", string(engagements.Customer), string(engagements.Reseller), string(engagements.Vendor))
	add("ref.", string(cases.KnowledgeBase), string(cases.KnownIssue), string(cases.LogRequest))
	add("request.", string(contracts.RequestPending), string(contracts.RequestAuthorized), string(contracts.RequestApproved), string(contracts.RequestRejected))
	add("survey.status.", string(contracts.SurveyOpen), string(contracts.SurveyOverdue), string(contracts.SurveyAnswered))
	add("contract.status.", string(contracts.Pending), string(contracts.Active), string(contracts.Expired), string(contracts.Renewed), string(contracts.Cancelled))
	add("locale.", Locales...)
	for _, st := range changes.States {
		add("chgstate.", string(st))
	}
	add("chgtype.", string(changes.Minor), string(changes.Medium), string(changes.Major))
	add("chgentry.", string(changes.Requested), string(changes.SubmittedEntry), string(changes.AssessedEntry), string(changes.Edited),
		string(changes.ApprovedEntry), string(changes.Validated), string(changes.ApprovalsVoided), string(changes.ScheduledEntry),
		string(changes.Started), string(changes.CompletedEntry), string(changes.FailedEntry), string(changes.RolledBackEntry),
		string(changes.CancelledEntry), string(changes.IncidentOpened))
	add("change.need.", string(changes.NeedChangeWindow), string(changes.NeedMaintenance), string(changes.NeedNone))
	add("change.level.", "low", "medium", "high", "easy", "hard", "impossible")
	add("change.criterion.", "complexity", "importance", "impact", "reversibility")
	add("change.approval.", changes.KindApproval, changes.KindValidation)
	add("case.reason.", cases.ReasonRepliedToResolution, cases.ReasonConfirmed, cases.ReasonAssigned, cases.ReasonAutoResolved, cases.ReasonAutoAwaiting)
	add("case.closed_by.", cases.ReasonAutoResolved, cases.ReasonAutoAwaiting)
	add("admin.weekday.", adminWeekdays...)
	add("case.scope.", cases.ScopeCategories()...)
	add("case.sla.", string(cases.NoClock), string(cases.NotGuaranteed), string(cases.Running), string(cases.Paused),
		string(cases.Met), string(cases.Breached))
	for _, k := range []accord.Kind{accord.Invalid, accord.NotFound, accord.Conflict, accord.Forbidden, accord.Unauthenticated,
		accord.Unprocessable, accord.TooManyRequests, accord.Internal} {
		add("error.title.", string(k), string(k)+".body")
	}
	for _, k := range dynamic {
		if _, ok := base[k]; !ok {
			t.Errorf("key %q (from a domain value) is not in the catalogs", k)
		}
	}
}

// usedKeys finds the literal message keys in the templates ({{t "x"}}) and
// in the handlers (msgs.text(loc, "x"), flash keys passed to done, page
// titles passed to newPage).
func usedKeys(t *testing.T) []string {
	t.Helper()
	keys := map[string]bool{}
	tmpl := regexp.MustCompile(`\bt "([a-z0-9_.\-]+)"`)
	err := fs.WalkDir(files, "templates", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(files, p)
		for _, m := range tmpl.FindAllStringSubmatch(string(b), -1) {
			keys[m[1]] = true
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	code := []*regexp.Regexp{
		regexp.MustCompile(`\.text\([^,]+, "([a-z0-9_.\-]+)"[,)]`),
		regexp.MustCompile(`s\.done\([^)]*, "([a-z0-9_.\-]+)"\)`),
		regexp.MustCompile(`newPage\(r, "([a-z0-9_.\-]+)",`),
		regexp.MustCompile(`// i18n: "([a-z0-9_.\-]+)"`),
	}
	// Any other string literal that starts like a key is taken for one:
	// flash notices and labels kept in tables rather than passed directly.
	literal := regexp.MustCompile(`"([a-z_]+\.[a-z0-9_.\-]*[a-z0-9])"`)
	msgs, err := loadCatalogs(catalogFiles)
	if err != nil {
		t.Fatal(err)
	}
	prefixes := map[string]bool{}
	for k := range msgs[Locales[0]] {
		prefix, _, _ := strings.Cut(k, ".")
		prefixes[prefix] = true
	}
	gofiles, _ := filepath.Glob("*.go")
	for _, f := range gofiles {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, re := range code {
			for _, m := range re.FindAllStringSubmatch(string(b), -1) {
				keys[m[1]] = true
			}
		}
		for _, m := range literal.FindAllStringSubmatch(string(b), -1) {
			if prefix, _, _ := strings.Cut(m[1], "."); prefixes[prefix] {
				keys[m[1]] = true
			}
		}
	}
	if len(keys) < 20 {
		t.Fatalf("found only %d keys; has the pattern changed?", len(keys))
	}
	return slices.Sorted(maps.Keys(keys))
}

func TestNegotiate(t *testing.T) {
	for header, want := range map[string]string{
		"":                        "en-US",
		"pt-BR,pt;q=0.9,en;q=0.8": "pt-BR",
		"pt-PT":                   "pt-BR",
		"es":                      "es-ES",
		"es-AR,es;q=0.9":          "es-ES",
		"fr-FR,fr;q=0.9":          "en-US",
		"en;q=0.5, es;q=0.9":      "es-ES",
		"de, pt;q=0.1":            "pt-BR",
		"pt;q=0":                  "en-US",
		"en-GB,en;q=0.9":          "en-US",
		"garbage;;;,,q=,":         "en-US",
	} {
		if got := negotiate(header); got != want {
			t.Errorf("negotiate(%q) = %s, want %s", header, got, want)
		}
	}
}
