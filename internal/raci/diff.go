package raci

import "slices"

// Change is one difference between two matrices, at a path such as
// "change.approve.letters.customer" or "backup.restore.text.pt-BR". Before
// or After is nil where the path is absent on that side; an activity or
// process added or removed as a whole is one change at its own path
// ("change.approve"), valued with its English text.
type Change struct {
	Path   string  `json:"path"`
	Before *string `json:"before"`
	After  *string `json:"after"`
}

func (c Change) String() string {
	show := func(s *string) string {
		if s == nil {
			return "(none)"
		}
		return *s
	}
	return c.Path + ": " + show(c.Before) + " -> " + show(c.After)
}

// Diff lists what changes from a to b, process by process in the order of
// [Processes], activities in a's order then those b adds. Letters compare
// as sets: "R , A" and "A, R" are the same cell.
func Diff(a, b *Matrix) []Change {
	var out []Change
	change := func(path string, before, after *string) {
		out = append(out, Change{Path: path, Before: before, After: after})
	}
	for _, key := range Processes {
		pa, ina := a.Process(key)
		pb, inb := b.Process(key)
		switch {
		case !ina && !inb:
			continue
		case !ina:
			change(key, nil, ptr(In(pb.Name, "en-US")))
			continue
		case !inb:
			change(key, ptr(In(pa.Name, "en-US")), nil)
			continue
		}
		diffTexts(key+".name", pa.Name, pb.Name, change)
		for _, ak := range activityKeys(pa, pb) {
			path := key + "." + ak
			xa, ina := activityIn(pa, ak)
			xb, inb := activityIn(pb, ak)
			switch {
			case !ina:
				change(path, nil, ptr(In(xb.Text, "en-US")))
			case !inb:
				change(path, ptr(In(xa.Text, "en-US")), nil)
			default:
				diffTexts(path+".text", xa.Text, xb.Text, change)
				for _, p := range Parties {
					la, lb := xa.Parties[p], xb.Parties[p]
					if la.canonical() != lb.canonical() {
						change(path+".letters."+string(p), cell(la), cell(lb))
					}
				}
			}
		}
	}
	return out
}

func ptr(s string) *string { return &s }

// cell is a cell's letters, nil for an empty cell.
func cell(l Letters) *string {
	if len(l) == 0 {
		return nil
	}
	return ptr(l.String())
}

func diffTexts(path string, a, b map[string]string, change func(string, *string, *string)) {
	for _, l := range Locales {
		ta, ina := a[l]
		tb, inb := b[l]
		if ta == tb && ina == inb {
			continue
		}
		var before, after *string
		if ina {
			before = ptr(ta)
		}
		if inb {
			after = ptr(tb)
		}
		change(path+"."+l, before, after)
	}
}

func activityIn(p Process, key string) (Activity, bool) {
	for _, a := range p.Activities {
		if a.Key == key {
			return a, true
		}
	}
	return Activity{}, false
}

// activityKeys is a's activity keys, then those only b has.
func activityKeys(a, b Process) []string {
	var keys []string
	for _, x := range a.Activities {
		keys = append(keys, x.Key)
	}
	for _, x := range b.Activities {
		if !slices.Contains(keys, x.Key) {
			keys = append(keys, x.Key)
		}
	}
	return keys
}
