package main

import (
	"context"
	"maps"
	"slices"

	"accord/internal/accord"
	"accord/internal/contracts"
	"accord/internal/sla"
)

// policyPlans gives the contracts service the plans of the current support
// policy, keeping the two domain packages apart.
type policyPlans struct{ policy *sla.Service }

func (p policyPlans) Plan(ctx context.Context, key string) (contracts.Plan, error) {
	_, pol, err := p.policy.Current(ctx)
	if err != nil {
		return contracts.Plan{}, err
	}
	plan, ok := pol.Plans[key]
	if !ok {
		return contracts.Plan{}, &accord.Error{Kind: accord.NotFound, Msg: "no plan " + key}
	}
	out := contracts.Plan{Key: key, Name: plan.Name}
	for _, k := range slices.Sorted(maps.Keys(plan.Inclusions)) {
		// Standing benefits (senior routing) come along with no quantity;
		// the contracts service leaves them out of entitlements.
		in := plan.Inclusions[k]
		out.Inclusions = append(out.Inclusions, contracts.Inclusion{Key: k, Name: in.Name, Quantity: in.Quantity, Unit: in.Unit})
	}
	return out, nil
}
