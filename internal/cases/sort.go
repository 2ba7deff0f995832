package cases

import (
	"strconv"
	"strings"

	"accord/internal/accord"
)

// SortKey names a column a list of cases is sorted by.
type SortKey string

const (
	SortNumber      SortKey = "number"
	SortCreated     SortKey = "created_at"
	SortUpdated     SortKey = "updated_at"
	SortTitle       SortKey = "title"
	SortCriticality SortKey = "criticality" // C1 first
	SortState       SortKey = "state"       // in the order of States
	SortAssignee    SortKey = "assignee"    // by name; unassigned last
	SortCustomer    SortKey = "customer"    // by the organization's name
	SortPlan        SortKey = "plan"        // by the plan's key
	SortDue         SortKey = "due"         // the first response's due instant; none last
	SortWaited      SortKey = "waited"      // how long the customer has waited on us; shortest first, not waiting last
)

// SortKeys lists the keys ParseSort accepts.
var SortKeys = []SortKey{SortNumber, SortCreated, SortUpdated, SortTitle, SortCriticality, SortState, SortAssignee, SortCustomer, SortPlan, SortDue, SortWaited}

// Sort orders a list by a column, ascending unless Desc; rows with equal
// values follow their ids in the same direction, and rows without a value
// (no assignee, no due instant) come last either way. The zero Sort keeps
// the list's own order.
type Sort struct {
	Key  SortKey
	Desc bool
}

// ParseSort reads a sort parameter: a key of SortKeys, descending with a
// leading "-" (sort=-updated_at). An empty parameter is the zero Sort.
func ParseSort(s string) (Sort, error) {
	if s == "" {
		return Sort{}, nil
	}
	var out Sort
	key := s
	if rest, ok := strings.CutPrefix(s, "-"); ok {
		out.Desc, key = true, rest
	}
	for _, k := range SortKeys {
		if string(k) == key {
			out.Key = k
			return out, nil
		}
	}
	names := make([]string, len(SortKeys))
	for i, k := range SortKeys {
		names[i] = string(k)
	}
	shown := s
	if len(shown) > 40 || accord.TextProblem(shown) != "" {
		shown = shown[:min(len(shown), 40)]
	}
	return Sort{}, accord.FieldError("sort", "unknown sort key %s: must be one of %s, with a leading - for descending",
		strconv.QuoteToASCII(shown), strings.Join(names, ", "))
}

// String is the parameter ParseSort reads back.
func (s Sort) String() string {
	if s.Key == "" {
		return ""
	}
	if s.Desc {
		return "-" + string(s.Key)
	}
	return string(s.Key)
}

// Toggle is the sort a column header links to: key ascending, or
// descending when the list is already sorted by key ascending.
func (s Sort) Toggle(key SortKey) Sort {
	return Sort{Key: key, Desc: s.Key == key && !s.Desc}
}
