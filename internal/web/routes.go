package web

import "net/http"

type route struct {
	method  string
	path    string
	handler http.HandlerFunc
	public  bool // shown without signing in
}

// routes lists every page and form target: the sign-in, mailed-link and
// settings pages here, the others in the file of their area.
func (s *Server) routes() []route {
	rs := []route{
		{"GET", "/login", s.loginPage, true},
		{"POST", "/login", s.login, true},
		{"GET", "/reset", s.resetPage, true},
		{"POST", "/reset", s.askReset, true},
		{"GET", "/reset/{token}", s.resetLinkPage, true},
		{"POST", "/reset/{token}", s.useResetLink, true},
		{"GET", "/invite/{token}", s.inviteLinkPage, true},
		{"POST", "/invite/{token}", s.useInviteLink, true},
		{"POST", "/logout", s.logout, false},
		{"GET", "/{$}", s.home, false},
		{"GET", "/settings", s.settingsPage, false},
		{"POST", "/settings", s.saveSettings, false},
	}
	for _, area := range [][]route{
		s.caseRoutes(),
		s.queueRoutes(),
		s.contractRoutes(),
		s.engagementRoutes(),
		s.environmentRoutes(),
		s.changeRoutes(),
		s.adminRoutes(),
		s.raciRoutes(),
		s.signalRoutes(),
		s.routingRoutes(),
		s.macroRoutes(),
		s.productRoutes(),
		s.caseworkRoutes(),
		s.knownIssueRoutes(),
		s.kbRoutes(),
		s.kbEditRoutes(),
		s.ssoRoutes(),
		s.totpRoutes(),
		s.webhookRoutes(),
		s.siemRoutes(),
		s.replayRoutes(),
	} {
		rs = append(rs, area...)
	}
	return rs
}
