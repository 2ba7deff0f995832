package engagements

import (
	"fmt"
	"strings"

	"accord/internal/accord"
	"accord/internal/contracts"
)

// price builds a quote from the rate card: the hours at the service's rate
// (at least its minimum) or its fixed price, the surcharges for on-site
// work outside the home city and for work outside services hours, and the
// part an entitlement left on the customer's contract pays for.
func price(c *Catalog, svc Offering, in QuoteInput, left *contracts.Entitlement) (Quote, error) {
	q := Quote{Hours: in.Hours, OnSite: in.OnSite, OutsideHomeCity: in.OutsideHomeCity, OutOfHours: in.OutOfHours, Currency: c.Rates.Currency}
	var ps []accord.Problem
	q.Note = text(&ps, "note", in.Note, false, maxNote)
	switch {
	case svc.FixedPrice != nil && in.Hours != 0:
		ps = append(ps, accord.Problem{Field: "hours", Msg: fmt.Sprintf("%s has a fixed price; leave hours out", svc.Name)})
	case svc.FixedPrice == nil && in.Hours < svc.MinimumHours:
		ps = append(ps, accord.Problem{Field: "hours", Msg: fmt.Sprintf("must be at least %d, the minimum for %s", svc.MinimumHours, svc.Name)})
	case in.Hours > maxHours:
		ps = append(ps, accord.Problem{Field: "hours", Msg: fmt.Sprintf("must be at most %d", maxHours)})
	}
	if in.OutsideHomeCity && !in.OnSite {
		ps = append(ps, accord.Problem{Field: "outside_home_city", Msg: "applies to on-site work only"})
	}
	if err := accord.InvalidFields("engagements.Quote", ps); err != nil {
		return Quote{}, err
	}
	var base int64
	if svc.FixedPrice != nil {
		base = int64(*svc.FixedPrice)
		q.Lines = append(q.Lines, Line{Label: "Fixed price", AmountCents: base})
	} else {
		rate := c.Rate(svc)
		base = int64(in.Hours) * int64(rate)
		q.Lines = append(q.Lines, Line{Label: fmt.Sprintf("%d hours at %s %s an hour", in.Hours, rate, c.Rates.Currency), AmountCents: base})
	}
	sum := base
	if in.OnSite && in.OutsideHomeCity {
		add := percent(base, c.Rates.OnSiteOutsideHomeCity)
		q.Lines = append(q.Lines, Line{Label: fmt.Sprintf("On-site outside %s: %d%%", c.HomeCity, c.Rates.OnSiteOutsideHomeCity), AmountCents: add})
		sum += add
	}
	if in.OutOfHours {
		add := percent(base, c.Rates.OutOfHours)
		q.Lines = append(q.Lines, Line{Label: fmt.Sprintf("Outside services hours: %d%%", c.Rates.OutOfHours), AmountCents: add})
		sum += add
	}
	if left != nil && svc.FixedPrice == nil {
		cov := &Coverage{EntitlementID: left.ID, Key: left.Key, Name: left.Name, Unit: left.Unit, StartsOn: left.StartsOn, EndsOn: left.EndsOn}
		covered := sum
		if strings.Contains(left.Unit, "hour") {
			// Hours come out of the included hours, with their surcharges.
			cov.Quantity = min(in.Hours, left.Left)
			covered = sum * int64(cov.Quantity) / int64(in.Hours)
		} else {
			cov.Quantity = 1
		}
		q.Coverage = cov
		q.Lines = append(q.Lines, Line{Label: fmt.Sprintf("Included in the contract: %d %s of %s (contract year %s..%s)", cov.Quantity, cov.Unit, left.Name, left.StartsOn, left.EndsOn),
			AmountCents: -covered})
		sum -= covered
	}
	q.TotalCents = sum
	return q, nil
}

// percent is p% of amount, rounded half up to the cent.
func percent(amount int64, p int) int64 { return (amount*int64(p) + 50) / 100 }
