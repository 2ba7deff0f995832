package accord

// Scope is the set of organizations whose records an actor may read. Stores
// apply it in every query of tenant data; services compute it from the actor.
type Scope struct {
	All  bool // vendor staff: every organization
	Orgs []ID // otherwise, only these
}

// Allows reports whether records of org are inside the scope.
func (s Scope) Allows(org ID) bool {
	if s.All {
		return true
	}
	for _, o := range s.Orgs {
		if o == org {
			return true
		}
	}
	return false
}

// OnlyOrg is the scope of a single organization.
func OnlyOrg(org ID) Scope { return Scope{Orgs: []ID{org}} }
