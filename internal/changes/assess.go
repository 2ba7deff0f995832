package changes

import "fmt"

// Level answers one criterion of an assessment.
type Level string

const (
	Low      Level = "low"
	Moderate Level = "medium"
	High     Level = "high"
)

// Reversibility answers the fourth criterion: how easily the environment
// returns to where it was if the change fails.
type Reversibility string

const (
	Easy       Reversibility = "easy"
	Hard       Reversibility = "hard"
	Impossible Reversibility = "impossible"
)

// Assessment answers the four criteria 004 names for a change's type: the
// complexity of its implementation (preparation, execution, completion
// control), its importance for the customer's activities, its potential
// impact on the service level, and the possibility of returning to the
// original situation after a failure.
type Assessment struct {
	Complexity    Level         `json:"complexity"`
	Importance    Level         `json:"importance"`
	Impact        Level         `json:"impact"`
	Reversibility Reversibility `json:"reversibility"`
}

func weight[T Level | Reversibility](v T) int {
	switch string(v) {
	case "medium", "hard":
		return 1
	case "high", "impossible":
		return 2
	}
	return 0
}

// Check names the first criterion without a valid answer.
func (a Assessment) Check() (field, msg string) {
	for _, c := range []struct {
		field string
		v     Level
	}{{"complexity", a.Complexity}, {"importance", a.Importance}, {"impact", a.Impact}} {
		if c.v != Low && c.v != Moderate && c.v != High {
			return "assessment." + c.field, "must be low, medium or high"
		}
	}
	if a.Reversibility != Easy && a.Reversibility != Hard && a.Reversibility != Impossible {
		return "assessment.reversibility", "must be easy, hard or impossible"
	}
	return "", ""
}

// Suggest is the type the answers point to. Each answer weighs 0 (low,
// easy), 1 (medium, hard) or 2 (high, impossible):
//   - major when the change cannot be undone, when its impact on the service
//     level is high, or when the four weights add up to 5 or more;
//   - minor when the weights add up to at most 1 and the impact is low;
//   - medium otherwise.
func (a Assessment) Suggest() Type {
	sum := weight(a.Complexity) + weight(a.Importance) + weight(a.Impact) + weight(a.Reversibility)
	switch {
	case a.Reversibility == Impossible || a.Impact == High || sum >= 5:
		return Major
	case sum <= 1 && a.Impact == Low:
		return Minor
	}
	return Medium
}

// Why says in words why the answers suggest their type.
func (a Assessment) Why() string {
	rule, sum := a.Rule()
	switch rule {
	case RuleIrreversible:
		return "major: the change cannot be undone"
	case RuleHighImpact:
		return "major: high impact on the service level"
	case RuleHeavy:
		return fmt.Sprintf("major: the answers weigh %d (5 or more)", sum)
	case RuleLight:
		return fmt.Sprintf("minor: the answers weigh %d (at most 1) and the impact is low", sum)
	}
	return fmt.Sprintf("medium: the answers weigh %d", sum)
}

// The rules that decide a suggested type, so that pages can say Why in
// their reader's language.
const (
	RuleIrreversible = "irreversible"
	RuleHighImpact   = "high_impact"
	RuleHeavy        = "heavy"
	RuleLight        = "light"
	RuleMedium       = "medium"
)

// Rule is the rule that decides the suggested type and the weight of the
// answers.
func (a Assessment) Rule() (string, int) {
	sum := weight(a.Complexity) + weight(a.Importance) + weight(a.Impact) + weight(a.Reversibility)
	switch {
	case a.Reversibility == Impossible:
		return RuleIrreversible, sum
	case a.Impact == High:
		return RuleHighImpact, sum
	case sum >= 5:
		return RuleHeavy, sum
	case sum <= 1 && a.Impact == Low:
		return RuleLight, sum
	}
	return RuleMedium, sum
}
