package web

import (
	"net/http"

	"accord/internal/accord"
	"accord/internal/contracts"
	"accord/internal/directory"
)

type customerListData struct {
	Customers []customerRow
	Plans     planNames
}

// customerRow is a customer with its newest contract term, if it has one.
type customerRow struct {
	directory.Organization
	Contract *contracts.Contract
}

// customerList is where a partner agent starts: the customers its partner
// serves, each with a way to its cases, services and contracts. Vendor
// staff see every customer; a customer's contact has its own cases.
func (s *Server) customerList(w http.ResponseWriter, r *http.Request) {
	if readerOf(r.Context()).is(accord.RoleCustomerContact) {
		http.Redirect(w, r, "/cases", http.StatusSeeOther)
		return
	}
	orgs, _, err := s.customerOrgs(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	data := customerListData{}
	if data.Plans, err = s.planNames(r); err != nil {
		s.fail(w, r, err)
		return
	}
	newest := map[accord.ID]*contracts.Contract{}
	for p := (accord.Page{Limit: accord.MaxLimit}); ; {
		terms, next, err := s.Contracts.List(r.Context(), s.Now(), contracts.Filter{}, p)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		for i := range terms { // newest first
			if newest[terms[i].OrgID] == nil {
				newest[terms[i].OrgID] = &terms[i]
			}
		}
		if next == "" {
			break
		}
		p.Cursor = next
	}
	for _, o := range orgs {
		data.Customers = append(data.Customers, customerRow{Organization: o, Contract: newest[o.ID]})
	}
	s.render(w, r, http.StatusOK, "customers", s.newPage(r, "customers.title", &data))
}

// customerOrgs are the customer organizations the reader may see, by
// name, and their names by id.
func (s *Server) customerOrgs(r *http.Request) ([]directory.Organization, map[accord.ID]string, error) {
	kind := directory.KindCustomer
	list, _, err := s.Directory.ListOrganizations(r.Context(), s.Now(), directory.OrgFilter{Kind: &kind}, accord.Page{Limit: accord.MaxLimit})
	if err != nil {
		return nil, nil, err
	}
	names := make(map[accord.ID]string, len(list))
	for _, o := range list {
		names[o.ID] = o.Name
	}
	return list, names, nil
}
