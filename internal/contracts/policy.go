package contracts

import (
	"context"
	"maps"
	"slices"

	"accord/internal/accord"
	"accord/internal/sla"
)

// PolicyPlans gives the contracts service the plans of the current support
// policy: a contract's plan and its yearly inclusions are the policy's.
type PolicyPlans struct{ Policy *sla.Service }

// Plan returns the plan key of the current policy.
func (p PolicyPlans) Plan(ctx context.Context, key string) (Plan, error) {
	_, pol, err := p.Policy.Current(ctx)
	if err != nil {
		return Plan{}, err
	}
	plan, ok := pol.Plans[key]
	if !ok {
		return Plan{}, &accord.Error{Kind: accord.NotFound, Msg: "no plan " + key}
	}
	out := Plan{Key: key, Name: plan.Name.String()}
	for _, k := range slices.Sorted(maps.Keys(plan.Inclusions)) {
		// Standing benefits (senior routing) come along with no quantity;
		// the service leaves them out of entitlements.
		in := plan.Inclusions[k]
		out.Inclusions = append(out.Inclusions, Inclusion{Key: k, Name: in.Name.String(), Quantity: in.Quantity, Unit: in.Unit})
	}
	return out, nil
}
