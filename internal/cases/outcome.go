package cases

import (
	"fmt"
	"time"

	"accord/internal/sla"
)

// Verdict is where a case's first response stands for the reports: the
// SLA report and the replay count cases by it.
type Verdict string

const (
	VerdictMet           Verdict = "met"
	VerdictBreached      Verdict = "breached"
	VerdictNotGuaranteed Verdict = "not_guaranteed"
	VerdictPending       Verdict = "pending"
)

// VerdictAt decides where c's clock stands at now, under pol (the policy
// its clock was settled under). The rule is StatusAt's (met means answered
// before the due instant; a recorded breach stands whatever the
// criticality became), with one addition: a clock paused while waiting for
// the customer has no due instant, and is breached when the working time
// it used before the pause already reached the target. Cases without a
// clock have no outcome: callers leave them out.
func VerdictAt(pol *sla.Policy, c Case, now time.Time) (Verdict, error) {
	switch st, _ := StatusAt(c, now); st {
	case NotGuaranteed:
		return VerdictNotGuaranteed, nil
	case Met:
		return VerdictMet, nil
	case Breached:
		return VerdictBreached, nil
	case Paused:
		used, err := Used(pol, c, now)
		if err != nil {
			return "", fmt.Errorf("case %s: %w", c.ID, err)
		}
		if used >= time.Duration(c.Clock.Target) {
			return VerdictBreached, nil
		}
		return VerdictPending, nil
	case Running:
		return VerdictPending, nil
	default:
		return "", fmt.Errorf("case %s: unexpected clock status %q", c.ID, st)
	}
}
