package api

import (
	"testing"

	"accord/internal/store"
	"accord/internal/store/dbtest"
)

// TestRepairDeviceEdges: the device of a case's repair is not removed from
// the inventory (the case refers to it: it was a 500), and a repair that
// takes its serial from the inventory checks it like one typed in.
func TestRepairDeviceEdges(t *testing.T) {
	dbtest.Engines(t, func(t *testing.T, open func(testing.TB) *store.DB) {
		f := newFixture(t, open)
		f.installation("device", "acme", "appliance", "SGA-1200-0042")
		f.installation("odd", "acme", "appliance", "<b>x</b>")
		f.openCase("acme", "boot", `{"type":"incident","title":"Appliance does not boot","description":"Dead","details":{"customer_criticality":"C2","procedure":"power on","version":"3.21","observed":"no boot","expected":"boot","discovery":"monitoring"}}`)
		path := "/api/v1/cases/{id:boot}/repair"
		runScenarios(t, f, []scenario{
			{name: "an implausible serial of the inventory", as: "acme", method: "PUT", path: path, body: `{"installation_id":"{id:odd}"}`, status: 400,
				has: []string{`"field":"serial"`}},
			{name: "the request", as: "acme", method: "PUT", path: path, body: `{"installation_id":"{id:device}"}`, status: 200,
				actions: []string{"case.repair_requested"}},
			{name: "the device stays in the inventory", as: "agent", method: "DELETE", path: "/api/v1/installations/{id:device}", status: 409,
				has: []string{"repair"}},
			{name: "another installation goes", as: "agent", method: "DELETE", path: "/api/v1/installations/{id:odd}", status: 204,
				actions: []string{"installation.delete"}},
		})
	})
}
