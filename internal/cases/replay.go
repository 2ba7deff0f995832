package cases

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	"accord/internal/accord"
	"accord/internal/lang"
	"accord/internal/sla"
)

// MaxFlips bounds the flipped cases a replay lists; it counts them all.
const MaxFlips = 1000

// maxProblems bounds the cases a replay names that it could not replay.
const maxProblems = 20

// ReplayCounts are a group's cases by outcome.
type ReplayCounts struct {
	Met           int `json:"met"`
	Breached      int `json:"breached"`
	NotGuaranteed int `json:"not_guaranteed"`
	Pending       int `json:"pending"`
}

func (c *ReplayCounts) add(v Verdict) {
	switch v {
	case VerdictMet:
		c.Met++
	case VerdictBreached:
		c.Breached++
	case VerdictNotGuaranteed:
		c.NotGuaranteed++
	case VerdictPending:
		c.Pending++
	}
}

// ReplayRow compares one group's cases (a plan, a criticality, a customer,
// or all of them): Actual are the stored outcomes, Recomputed the same
// cases recomputed under the versions they were opened under, Draft under
// the replayed policy.
type ReplayRow struct {
	Key        string       `json:"key"`
	Name       string       `json:"name,omitempty"` // a customer's name, filled by the caller
	Cases      int          `json:"cases"`
	Actual     ReplayCounts `json:"actual"`
	Recomputed ReplayCounts `json:"recomputed"`
	Draft      ReplayCounts `json:"draft"`
	// Flipped counts the cases whose draft outcome differs from the actual.
	Flipped int `json:"flipped"`
}

// Flip is a case whose outcome under the draft differs from the stored one.
type Flip struct {
	CaseID      accord.ID       `json:"case_id"`
	Number      int64           `json:"number"`
	OrgID       accord.ID       `json:"org_id"`
	Customer    string          `json:"customer,omitempty"`
	Plan        string          `json:"plan"`
	Criticality sla.Criticality `json:"criticality"`
	ReceivedAt  time.Time       `json:"received_at"`
	Actual      Verdict         `json:"actual"`
	Draft       Verdict         `json:"draft"`
	DueAt       *time.Time      `json:"due_at,omitempty"`       // as stored
	DraftDueAt  *time.Time      `json:"draft_due_at,omitempty"` // under the draft
}

// ReplayExplanation is one case's clock under the policy it was opened
// under, as it happened, and as the draft would have counted it.
type ReplayExplanation struct {
	CaseID accord.ID   `json:"case_id"`
	Number int64       `json:"number"`
	Actual Explanation `json:"actual"`
	Draft  Explanation `json:"draft"`
}

// ReplayReport is what a replay found.
type ReplayReport struct {
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
	// At is the instant outcomes are judged at: a clock not ended by then
	// is pending (or breached, its target used up).
	At time.Time `json:"at"`
	// Draft names the replayed policy ("version 4", "draft.yaml").
	Draft string    `json:"draft"`
	Total ReplayRow `json:"total"`
	// Plans and Criticalities are sorted by key, Customers by name once the
	// caller names them (reports.Service.Replay does); the
	// criticality is the one the first-response clock counts under.
	Plans         []ReplayRow `json:"plans"`
	Criticalities []ReplayRow `json:"criticalities"`
	Customers     []ReplayRow `json:"customers"`
	// Flips are the first MaxFlips flipped cases in the order received;
	// Total.Flipped counts them all.
	Flips []Flip `json:"flips"`
	// Drift counts the cases whose recomputed outcome differs from the
	// stored one: facts changed after the clock was judged (a breach the
	// job recorded late, a policy version edited in place), which the
	// flips then include.
	Drift int `json:"drift"`
	// Skipped counts the cases the draft cannot judge (their plan is not
	// in it); Problems names the first few.
	Skipped  int      `json:"skipped"`
	Problems []string `json:"problems"`
	// Explained is the chosen case's clock under both policies: the one
	// asked for, or else the first flipped case.
	Explained *ReplayExplanation `json:"explained,omitempty"`
}

// Replayer recomputes cases one at a time under a draft policy and counts
// the outcomes against the stored ones; it holds the groups, not the
// cases, so a replay of any number of cases takes constant memory beyond
// MaxFlips. It writes nothing.
type Replayer struct {
	draft    *sla.Policy
	versions func(int) (*sla.Policy, error)
	cache    map[int]*sla.Policy
	now      time.Time
	explain  int64 // the case number to explain; 0: the first flip
	loc      string
	rep      ReplayReport
	plans    map[string]*ReplayRow
	crits    map[string]*ReplayRow
	orgs     map[string]*ReplayRow
}

// ReplayOptions say what a replay compares and when.
type ReplayOptions struct {
	// Draft is the replayed policy; Name how the report names it.
	Draft *sla.Policy
	Name  string
	// Versions returns a stored policy version, for the cases' own.
	Versions func(int) (*sla.Policy, error)
	// From and To bound the receipt of the cases replayed (the caller
	// reads them); Now is the instant outcomes are judged at.
	From, To, Now time.Time
	// Explain is the number of the case to explain; 0: the first flip.
	Explain int64
	// Lang is the language of the policy's texts in the explanation.
	Lang string
}

// NewReplayer starts a replay.
func NewReplayer(o ReplayOptions) *Replayer {
	loc := o.Lang
	if loc == "" {
		loc = lang.Default
	}
	now := o.Now.UTC().Truncate(time.Second)
	return &Replayer{draft: o.Draft, versions: o.Versions, cache: map[int]*sla.Policy{}, now: now, explain: o.Explain, loc: loc,
		rep:   ReplayReport{From: o.From, To: o.To, At: now, Draft: o.Name, Flips: []Flip{}, Problems: []string{}},
		plans: map[string]*ReplayRow{}, crits: map[string]*ReplayRow{}, orgs: map[string]*ReplayRow{}}
}

func (r *Replayer) version(n int) (*sla.Policy, error) {
	if p, ok := r.cache[n]; ok {
		return p, nil
	}
	p, err := r.versions(n)
	if err != nil {
		return nil, err
	}
	r.cache[n] = p
	return p, nil
}

// Add replays one case, with its pauses and reclassifications. Cases
// without a response clock are not counted, as in the SLA report. An
// error is the stored side's (a version that cannot be read); a case the
// draft cannot judge is counted as skipped.
func (r *Replayer) Add(c Case) error {
	if c.Clock.Kind == "" {
		return nil
	}
	stored, err := r.version(c.Clock.PolicyVersion)
	if err != nil {
		return fmt.Errorf("case %s: policy version %d: %w", c.ID, c.Clock.PolicyVersion, err)
	}
	actual, err := VerdictAt(stored, c, r.now)
	if err != nil {
		return err
	}
	again, err := Replay(stored, c)
	if err != nil {
		return fmt.Errorf("case %s under version %d: %w", c.ID, c.Clock.PolicyVersion, err)
	}
	recomputed, err := VerdictAt(stored, again, r.now)
	if err != nil {
		return err
	}
	d, err := Replay(r.draft, c)
	var draft Verdict
	if err == nil {
		draft, err = VerdictAt(r.draft, d, r.now)
	}
	if err != nil {
		r.rep.Skipped++
		if len(r.rep.Problems) < maxProblems {
			r.rep.Problems = append(r.rep.Problems, fmt.Sprintf("case #%d: %v", c.Number, err))
		}
		return nil
	}
	crit := ClockCriticality(c)
	flipped := draft != actual
	for _, row := range []*ReplayRow{&r.rep.Total, r.row(r.plans, c.Clock.Plan), r.row(r.crits, string(crit)), r.row(r.orgs, string(c.OrgID))} {
		row.Cases++
		row.Actual.add(actual)
		row.Recomputed.add(recomputed)
		row.Draft.add(draft)
		if flipped {
			row.Flipped++
		}
	}
	if recomputed != actual {
		r.rep.Drift++
	}
	if flipped && len(r.rep.Flips) < MaxFlips {
		r.rep.Flips = append(r.rep.Flips, Flip{CaseID: c.ID, Number: c.Number, OrgID: c.OrgID, Plan: c.Clock.Plan, Criticality: crit,
			ReceivedAt: c.Clock.ReceivedAt, Actual: actual, Draft: draft, DueAt: c.Clock.DueAt, DraftDueAt: d.Clock.DueAt})
	}
	if r.rep.Explained == nil && (r.explain == c.Number || r.explain == 0 && flipped) {
		x := &ReplayExplanation{CaseID: c.ID, Number: c.Number}
		if x.Actual, err = explainClock(stored, c, r.now, r.loc); err != nil {
			return fmt.Errorf("case %s: %w", c.ID, err)
		}
		if x.Draft, err = explainClock(r.draft, d, r.now, r.loc); err != nil {
			return fmt.Errorf("case %s: %w", c.ID, err)
		}
		r.rep.Explained = x
	}
	return nil
}

func (r *Replayer) row(m map[string]*ReplayRow, key string) *ReplayRow {
	row := m[key]
	if row == nil {
		row = &ReplayRow{Key: key}
		m[key] = row
	}
	return row
}

// Report returns what the replay found so far.
func (r *Replayer) Report() ReplayReport {
	rep := r.rep
	rows := func(m map[string]*ReplayRow) []ReplayRow {
		out := make([]ReplayRow, 0, len(m))
		for _, row := range m {
			out = append(out, *row)
		}
		slices.SortFunc(out, func(a, b ReplayRow) int { return cmp.Compare(a.Key, b.Key) })
		return out
	}
	rep.Total.Key = "total"
	rep.Plans, rep.Criticalities, rep.Customers = rows(r.plans), rows(r.crits), rows(r.orgs)
	rep.Flips = slices.Clone(r.rep.Flips)
	return rep
}

// Replay returns c with its clock recomputed from its stored facts
// (receipt, channel, call, pauses, reclassifications, first response)
// under pol, with the breach the breach job would have recorded: a
// criticality the case left by a reclassification before its first
// response was breached if its due instant came at or before the
// reclassification, and that breach stands whatever came after, as a
// recorded one does. The warning and breach actually recorded are
// dropped: they were decided under the case's own policy.
func Replay(pol *sla.Policy, c Case) (Case, error) {
	out := c
	k := &out.Clock
	k.WarnedAt, k.BreachedAt, k.BreachCriticality, k.BreachDueAt = nil, nil, "", nil
	if c.Type == Enhancement {
		return out, settle(pol, &out)
	}
	ss := stances(c)
	for i := 1; i < len(ss); i++ {
		// The case as it stood just before its i-th reclassification, as
		// if answered then: a due instant at or before it was missed, and a
		// pause or call that came later did not exist yet.
		left := ss[i].since
		before := out
		before.Criticality, before.Reclassifications = ss[i-1].crit, c.Reclassifications[:i-1]
		before.Clock.RespondedAt, before.ClosedAt = &left, nil
		if before.Clock.PhoneAt != nil && before.Clock.PhoneAt.After(left) {
			before.Clock.PhoneAt = nil
		}
		if err := settle(pol, &before); err != nil {
			return Case{}, err
		}
		if b := before.Clock; b.Guaranteed && b.DueAt != nil && !b.DueAt.After(left) {
			due := *b.DueAt
			k.BreachedAt, k.BreachCriticality, k.BreachDueAt = &due, ss[i-1].crit, &due
			break
		}
	}
	return out, settle(pol, &out)
}
