package cases

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"accord/internal/accord"
	"accord/internal/sla"
)

// FuzzNewCase feeds request bodies to NewCase.validate for a customer
// contact and a vendor agent: it never panics; what it accepts is clean
// and complete; what it refuses is an Invalid error naming every field.
func FuzzNewCase(f *testing.F) {
	for _, seed := range []string{
		// Valid.
		`{"type":"incident","title":"Vault down","details":{"customer_criticality":"C1","procedure":"Sign in","version":"4.2.1","observed":"500","expected":"200","discovery":"Monitoring"}}`,
		`{"type":"defect","title":"  Padded  ","description":" d ","details":{"customer_criticality":"C3","procedure":" p ","version":" v ","observed":" o ","expected":" e ","discovery":" x "}}`,
		`{"type":"question","title":"How do I rotate keys?","description":"Which command?"}`,
		`{"type":"enhancement","title":"Dark mode","description":"Please"}`,
		`{"type":"access_request","title":"New user","description":"Ana, ana@acme.example","criticality":"C4"}`,
		`{"org_id":"org_1","type":"question","title":"Called in","description":"d","criticality":"C1","channel":"phone","call":{"caller":"Carla","number":"+1 555 0100","at":"2024-03-12T10:00:00-04:00","notes":" n "}}`,
		`{"type":"question","title":"t","description":"d","channel":"portal","call":{"caller":"c","number":"1","at":"2024-03-12T10:00:00Z"}}`,
		// Invalid.
		`{}`,
		`{"type":"root_cause","title":"t","description":"d"}`,
		`{"type":"incident","title":"   ","details":{"customer_criticality":"C9"}}`,
		`{"type":"question","title":"` + strings.Repeat("é", 201) + `","description":"d"}`,
		`{"type":"question","title":"t","description":"d","channel":"email"}`,
		`{"type":"question","title":"t","description":"d","channel":"phone"}`,
		`{"type":"question","title":"t","description":"d","channel":"phone","call":{"caller":" ","number":"","at":"0001-01-01T00:00:00Z"}}`,
		`{"type":"incident","title":"t","criticality":"C1","details":{"customer_criticality":"C3","procedure":"p","version":"v","observed":"o","expected":"e","discovery":"x"}}`,
		`{"type":"question","title":"t","description":"d","details":{"version":"` + strings.Repeat("9", 101) + `"}}`,
		`{"type":"question","title":"\u00a0\t\n","description":"\u2003"}`,
		`{"type":"question","title":"a\u0000b","description":"d\u007f"}`,
		`not json`,
		`null`,
	} {
		f.Add([]byte(seed))
	}
	actors := []accord.Actor{
		{UserID: "usr_c", OrgID: "org_1", Role: accord.RoleCustomerContact, Name: "Carla"},
		{UserID: "usr_a", OrgID: "org_v", Role: accord.RoleAgent, Name: "Sam"},
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, a := range actors {
			// Decode afresh for each actor: validate cleans a call in place.
			var in NewCase
			_ = json.Unmarshal(body, &in)
			out, err := in.validate(a)
			if err != nil {
				checkRefusal(t, a, err)
				continue
			}
			checkAccepted(t, a, out)
		}
	})
}

func checkRefusal(t *testing.T, a accord.Actor, err error) {
	t.Helper()
	var e *accord.Error
	if !errors.As(err, &e) {
		t.Fatalf("%s: error %T %v is not an *accord.Error", a.Role, err, err)
	}
	if e.Kind != accord.Invalid || len(e.Problems) == 0 {
		t.Fatalf("%s: error %v of kind %s with %d problems, want invalid with problems", a.Role, err, e.Kind, len(e.Problems))
	}
	if e.Field != e.Problems[0].Field || e.Msg != e.Problems[0].Msg {
		t.Fatalf("%s: error names %q %q, its first problem %+v", a.Role, e.Field, e.Msg, e.Problems[0])
	}
	for _, p := range e.Problems {
		if p.Field == "" || p.Msg == "" {
			t.Fatalf("%s: problem %+v names no field or rule", a.Role, p)
		}
	}
}

func checkAccepted(t *testing.T, a accord.Actor, out NewCase) {
	t.Helper()
	d := out.Details
	texts := map[string]string{"title": out.Title, "description": out.Description, "details.procedure": d.Procedure,
		"details.version": d.Version, "details.observed": d.Observed, "details.expected": d.Expected, "details.discovery": d.Discovery}
	if out.Call != nil {
		texts["call.caller"], texts["call.number"], texts["call.notes"] = out.Call.Caller, out.Call.Number, out.Call.Notes
	}
	for field, v := range texts {
		if v != strings.TrimSpace(v) || accord.TextProblem(v) != "" {
			t.Fatalf("%s: accepted %s %q is not trimmed text without control characters", a.Role, field, v)
		}
	}
	if out.Title == "" || utf8.RuneCountInString(out.Title) > maxTitle {
		t.Fatalf("%s: accepted title %q (%d characters)", a.Role, out.Title, utf8.RuneCountInString(out.Title))
	}
	if !validType(out.Type, false) {
		t.Fatalf("%s: accepted type %q", a.Role, out.Type)
	}
	if out.Channel != sla.Portal && out.Channel != sla.Phone {
		t.Fatalf("%s: accepted channel %q", a.Role, out.Channel)
	}
	if needsDetails(out.Type) {
		for _, f := range []string{"details.procedure", "details.version", "details.observed", "details.expected", "details.discovery"} {
			if texts[f] == "" {
				t.Fatalf("%s: accepted an %s without %s", a.Role, out.Type, f)
			}
		}
		if !validCriticality(d.Criticality) {
			t.Fatalf("%s: accepted an %s with customer criticality %q", a.Role, out.Type, d.Criticality)
		}
	} else if out.Description == "" {
		t.Fatalf("%s: accepted a %s without a description", a.Role, out.Type)
	}
	if (d.Criticality != "" && !validCriticality(d.Criticality)) || (out.Criticality != "" && !validCriticality(out.Criticality)) {
		t.Fatalf("%s: accepted criticalities %q and %q", a.Role, out.Criticality, d.Criticality)
	}
	if out.Channel == sla.Phone && (out.Call == nil || out.Call.Caller == "" || out.Call.Number == "" || out.Call.At.IsZero()) {
		t.Fatalf("%s: accepted a phone case without a complete call: %+v", a.Role, out.Call)
	}
	if !isVendorAgent(a) {
		// Customers report in the portal and do not set the vendor's
		// classification, beyond repeating their own reading.
		if out.Channel != sla.Portal || out.Call != nil {
			t.Fatalf("customer: accepted channel %s with call %+v", out.Channel, out.Call)
		}
		if out.Criticality != "" && out.Criticality != d.Criticality {
			t.Fatalf("customer: accepted the vendor's criticality %q beside the customer's reading %q", out.Criticality, d.Criticality)
		}
	}
}
