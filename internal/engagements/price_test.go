package engagements

import (
	"testing"

	"accord/internal/accord"
	"accord/internal/contracts"
	"accord/internal/lang"
)

func TestPrice(t *testing.T) {
	cat := &Catalog{HomeCity: "São Paulo", Rates: Rates{Currency: "BRL", Hourly: 45000, OnSiteOutsideHomeCity: 30, OutOfHours: 50}}
	hadr := Offering{Name: lang.Plain("HA/DR test"), MinimumHours: 4}
	update := Offering{Name: lang.Plain("Assisted update"), MinimumHours: 6, Entitlement: "assisted_upgrade"}
	ransom := Offering{Name: lang.Plain("Ransomware response"), MinimumHours: 8, Hourly: ptr(Money(60000)), Entitlement: "ransomware_response"}
	recovery := Offering{Name: lang.Plain("Admin password recovery"), FixedPrice: ptr(Money(150000))}
	upgradeLeft := &contracts.Entitlement{ID: "ent_1", Key: "assisted_upgrade", Name: "Assisted upgrade", Unit: "upgrade", Quantity: 1, Left: 1, StartsOn: "2026-01-15", EndsOn: "2027-01-14"}
	hoursLeft := &contracts.Entitlement{ID: "ent_2", Key: "ransomware_response", Name: "Ransomware response", Unit: "engineer-hours", Quantity: 32, Used: 20, Left: 12, StartsOn: "2026-01-15", EndsOn: "2027-01-14"}
	for _, tc := range []struct {
		name     string
		svc      Offering
		in       QuoteInput
		left     *contracts.Entitlement
		field    string // an Invalid error on this field
		total    int64
		lines    []int64
		coverage int
	}{
		{name: "the minimum", svc: hadr, in: QuoteInput{Hours: 4}, total: 180000, lines: []int64{180000}},
		{name: "below the minimum", svc: hadr, in: QuoteInput{Hours: 3}, field: "hours"},
		{name: "no hours at all", svc: hadr, in: QuoteInput{}, field: "hours"},
		{name: "on site in the home city costs nothing more", svc: hadr, in: QuoteInput{Hours: 4, OnSite: true}, total: 180000, lines: []int64{180000}},
		{name: "on site elsewhere: +30%", svc: hadr, in: QuoteInput{Hours: 4, OnSite: true, OutsideHomeCity: true}, total: 234000, lines: []int64{180000, 54000}},
		{name: "out of hours: +50%", svc: hadr, in: QuoteInput{Hours: 6, OutOfHours: true}, total: 405000, lines: []int64{270000, 135000}},
		{name: "both surcharges, on the hours' price", svc: hadr, in: QuoteInput{Hours: 10, OnSite: true, OutsideHomeCity: true, OutOfHours: true}, total: 810000, lines: []int64{450000, 135000, 225000}},
		{name: "outside the home city but remote", svc: hadr, in: QuoteInput{Hours: 4, OutsideHomeCity: true}, field: "outside_home_city"},
		{name: "fixed price", svc: recovery, in: QuoteInput{}, total: 150000, lines: []int64{150000}},
		{name: "fixed price with hours", svc: recovery, in: QuoteInput{Hours: 2}, field: "hours"},
		{name: "Premium's yearly upgrade pays for all of it", svc: update, in: QuoteInput{Hours: 8, OutOfHours: true}, left: upgradeLeft,
			total: 0, lines: []int64{360000, 180000, -540000}, coverage: 1},
		{name: "an upgrade without the entitlement is paid", svc: update, in: QuoteInput{Hours: 6}, total: 270000, lines: []int64{270000}},
		{name: "included engineer-hours pay for what is left of them", svc: ransom, in: QuoteInput{Hours: 16}, left: hoursLeft,
			total: 4 * 60000, lines: []int64{16 * 60000, -12 * 60000}, coverage: 12},
		{name: "fewer hours than are left", svc: ransom, in: QuoteInput{Hours: 8}, left: hoursLeft, total: 0, lines: []int64{8 * 60000, -8 * 60000}, coverage: 8},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q, err := price(cat, tc.svc, tc.in, tc.left)
			if tc.field != "" {
				var ae *accord.Error
				if !accord.IsKind(err, accord.Invalid) || !asErr(err, &ae) || ae.Field != tc.field {
					t.Fatalf("got %v, want Invalid on %s", err, tc.field)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if q.TotalCents != tc.total {
				t.Errorf("total = %d, want %d (lines %+v)", q.TotalCents, tc.total, q.Lines)
			}
			var sum int64
			var amounts []int64
			for _, l := range q.Lines {
				sum += l.AmountCents
				amounts = append(amounts, l.AmountCents)
			}
			if sum != q.TotalCents {
				t.Errorf("lines add up to %d, total says %d", sum, q.TotalCents)
			}
			if len(amounts) != len(tc.lines) {
				t.Fatalf("lines %v, want %v", amounts, tc.lines)
			}
			for i := range amounts {
				if amounts[i] != tc.lines[i] {
					t.Errorf("lines %v, want %v", amounts, tc.lines)
					break
				}
			}
			switch {
			case tc.coverage == 0 && q.Coverage != nil:
				t.Errorf("coverage %+v, want none", q.Coverage)
			case tc.coverage > 0 && (q.Coverage == nil || q.Coverage.Quantity != tc.coverage || q.Coverage.EntitlementID != tc.left.ID):
				t.Errorf("coverage %+v, want %d of %s", q.Coverage, tc.coverage, tc.left.ID)
			}
		})
	}
}
