package api

import (
	"net/http"

	"accord/internal/changes"
)

type route struct {
	method  string
	path    string
	handler http.HandlerFunc
	public  bool // reachable without signing in
}

// routes lists every route the server answers. openapi_test.go checks that
// each one is documented in openapi.yaml.
func (s *Server) routes() []route {
	return []route{
		{"GET", "/healthz", s.healthz, true},
		{"GET", "/readyz", s.readyz, true},
		{"GET", "/api/openapi.yaml", s.openapi, true},

		{"POST", "/api/v1/login", s.login, true},
		{"POST", "/api/v1/logout", s.logout, false},
		{"GET", "/api/v1/me", s.me, false},
		{"PATCH", "/api/v1/me", s.updateMe, false},
		{"PUT", "/api/v1/me/password", s.changePassword, false},
		{"POST", "/api/v1/password-resets", s.requestPasswordReset, true},
		{"POST", "/api/v1/password-resets/complete", s.completePasswordReset, true},
		{"POST", "/api/v1/invitations/accept", s.acceptInvitation, true},
		{"GET", "/api/v1/me/sessions", s.listSessions, false},

		{"GET", "/api/v1/tokens", s.listTokens, false},
		{"POST", "/api/v1/tokens", s.createToken, false},
		{"DELETE", "/api/v1/tokens/{id}", s.deleteToken, false},

		{"GET", "/api/v1/organizations", s.listOrganizations, false},
		{"POST", "/api/v1/organizations", s.createOrganization, false},
		{"GET", "/api/v1/organizations/{id}", s.getOrganization, false},
		{"PATCH", "/api/v1/organizations/{id}", s.updateOrganization, false},
		{"GET", "/api/v1/organizations/{id}/customers", s.listPartnerCustomers, false},
		{"PUT", "/api/v1/organizations/{id}/customers/{customer_id}", s.linkPartner, false},
		{"DELETE", "/api/v1/organizations/{id}/customers/{customer_id}", s.unlinkPartner, false},

		{"GET", "/api/v1/users", s.listUsers, false},
		{"POST", "/api/v1/users", s.createUser, false},
		{"GET", "/api/v1/users/{id}", s.getUser, false},
		{"PATCH", "/api/v1/users/{id}", s.updateUser, false},
		{"PUT", "/api/v1/users/{id}/password", s.resetPassword, false},
		{"POST", "/api/v1/users/{id}/unlock", s.unlockUser, false},
		{"POST", "/api/v1/users/{id}/invitation", s.inviteUser, false},
		{"GET", "/api/v1/users/{id}/certifications", s.listCertifications, false},
		{"POST", "/api/v1/users/{id}/certifications", s.createCertification, false},
		{"DELETE", "/api/v1/certifications/{id}", s.deleteCertification, false},

		{"GET", "/api/v1/audit", s.listAudit, false},

		{"GET", "/api/v1/policy", s.getPolicy, false},
		{"GET", "/api/v1/policy/versions", s.listPolicyVersions, false},
		{"POST", "/api/v1/policy/versions", s.importPolicy, false},
		{"GET", "/api/v1/policy/versions/{version}", s.getPolicyVersion, false},
		{"POST", "/api/v1/policy/versions/{version}/rollback", s.rollbackPolicy, false},
		{"GET", "/api/v1/policy/diff", s.diffPolicy, false},
		{"POST", "/api/v1/policy/due", s.policyDue, false},

		{"GET", "/api/v1/contracts", s.listContracts, false},
		{"POST", "/api/v1/contracts", s.createContract, false},
		{"GET", "/api/v1/contracts/{id}", s.getContract, false},
		{"PATCH", "/api/v1/contracts/{id}", s.updateContract, false},
		{"GET", "/api/v1/contracts/{id}/notices", s.listNotices, false},
		{"POST", "/api/v1/contracts/{id}/renew", s.renewContract, false},
		{"POST", "/api/v1/contracts/{id}/cancel", s.cancelContract, false},
		{"GET", "/api/v1/contracts/{id}/terms", s.listTerms, false},
		{"GET", "/api/v1/contracts/{id}/entitlements", s.listEntitlements, false},
		{"GET", "/api/v1/contracts/{id}/surveys", s.listSurveys, false},
		{"POST", "/api/v1/contracts/{id}/surveys", s.recordSurvey, false},
		{"GET", "/api/v1/entitlements/{id}/consumptions", s.listConsumptions, false},
		{"POST", "/api/v1/entitlements/{id}/consumptions", s.consumeEntitlement, false},
		{"GET", "/api/v1/organizations/{id}/true-up", s.trueUp, false},
		{"GET", "/api/v1/licence-surveys", s.listSurveyRequests, false},
		{"GET", "/api/v1/contact-requests", s.listContactRequests, false},
		{"POST", "/api/v1/contact-requests", s.createContactRequest, false},
		{"GET", "/api/v1/contact-requests/{id}", s.getContactRequest, false},
		{"POST", "/api/v1/contact-requests/{id}/authorize", s.authorizeContactRequest, false},
		{"POST", "/api/v1/contact-requests/{id}/approve", s.approveContactRequest, false},
		{"POST", "/api/v1/contact-requests/{id}/reject", s.rejectContactRequest, false},
		{"DELETE", "/api/v1/users/{id}/authorization", s.deauthorizeContact, false},

		{"GET", "/api/v1/cases", s.listCases, false},
		{"POST", "/api/v1/cases", s.openCase, false},
		{"GET", "/api/v1/cases/{id}", s.getCase, false},
		{"GET", "/api/v1/cases/{id}/timeline", s.caseTimeline, false},
		{"GET", "/api/v1/cases/{id}/sla", s.explainCase, false},
		{"POST", "/api/v1/cases/{id}/replies", s.replyToCase, false},
		{"POST", "/api/v1/cases/{id}/calls", s.recordCaseCall, false},
		{"POST", "/api/v1/cases/{id}/reclassify", s.reclassifyCase, false},
		{"POST", "/api/v1/cases/{id}/assign", s.assignCase, false},
		{"POST", "/api/v1/cases/{id}/await-customer", s.awaitCustomer, false},
		{"POST", "/api/v1/cases/{id}/resolve", s.resolveCase, false},
		{"POST", "/api/v1/cases/{id}/confirm", s.confirmCase, false},
		{"POST", "/api/v1/cases/{id}/reopen", s.reopenCase, false},
		{"POST", "/api/v1/cases/{id}/sessions", s.proposeSession, false},
		{"POST", "/api/v1/cases/{id}/sessions/{entry_id}/decision", s.decideSession, false},
		{"POST", "/api/v1/cases/{id}/files", s.attachFile, false},
		{"GET", "/api/v1/cases/{id}/files/{file_id}", s.downloadFile, false},
		{"POST", "/api/v1/cases/{id}/out-of-scope", s.markOutOfScope, false},
		{"POST", "/api/v1/cases/{id}/enhancement", s.updateEnhancement, false},

		{"GET", "/api/v1/mail", s.listMail, false},
		{"GET", "/api/v1/mail/inbound", s.listInboundMail, false},
		{"GET", "/api/v1/mail/{id}", s.getMail, false},
		{"POST", "/api/v1/mail/{id}/resend", s.resendMail, false},

		{"POST", "/api/v1/imports/{kind}", s.importSheets, false},
		{"GET", "/api/v1/exports/{kind}", s.exportSheets, false},

		{"GET", "/api/v1/reports/sla", s.slaReport, false},

		{"GET", "/api/v1/raci", s.getRaci, false},
		{"GET", "/api/v1/raci/versions", s.listRaciVersions, false},
		{"POST", "/api/v1/raci/versions", s.importRaci, false},
		{"GET", "/api/v1/raci/versions/{version}", s.getRaciVersion, false},
		{"POST", "/api/v1/raci/versions/{version}/rollback", s.rollbackRaci, false},
		{"GET", "/api/v1/raci/diff", s.diffRaci, false},
		{"GET", "/api/v1/environments/{id}/raci", s.getEnvironmentRaci, false},
		{"PUT", "/api/v1/environments/{id}/raci", s.putEnvironmentRaci, false},

		{"GET", "/api/v1/catalog", s.getCatalog, false},
		{"GET", "/api/v1/catalog/versions", s.listCatalogVersions, false},
		{"POST", "/api/v1/catalog/versions", s.importCatalog, false},
		{"GET", "/api/v1/catalog/versions/{version}", s.getCatalogVersion, false},

		{"GET", "/api/v1/engagements", s.listEngagements, false},
		{"POST", "/api/v1/engagements", s.requestEngagement, false},
		{"GET", "/api/v1/engagements/{id}", s.getEngagement, false},
		{"POST", "/api/v1/engagements/{id}/quote", s.quoteEngagement, false},
		{"POST", "/api/v1/engagements/{id}/accept", s.acceptEngagement, false},
		{"POST", "/api/v1/engagements/{id}/schedule", s.scheduleEngagement, false},
		{"POST", "/api/v1/engagements/{id}/start", s.startEngagement, false},
		{"POST", "/api/v1/engagements/{id}/steps/{position}/complete", s.completeStep, false},
		{"GET", "/api/v1/engagements/{id}/files/{file_id}", s.downloadEvidence, false},
		{"PUT", "/api/v1/engagements/{id}/outcome", s.recordOutcome, false},
		{"POST", "/api/v1/engagements/{id}/complete", s.completeEngagement, false},
		{"POST", "/api/v1/engagements/{id}/sign-off", s.signOffEngagement, false},
		{"POST", "/api/v1/engagements/{id}/cancel", s.cancelEngagement, false},
		{"GET", "/api/v1/engagements/{id}/report", s.engagementReport, false},
		{"GET", "/api/v1/engagements/{id}/report.html", s.engagementReportHTML, false},

		{"GET", "/api/v1/environments", s.listEnvironments, false},
		{"POST", "/api/v1/environments", s.createEnvironment, false},
		{"GET", "/api/v1/environments/{id}", s.getEnvironment, false},
		{"PATCH", "/api/v1/environments/{id}", s.updateEnvironment, false},
		{"POST", "/api/v1/environments/{id}/backup-agreement", s.agreeBackup, false},
		{"GET", "/api/v1/environments/{id}/snapshots", s.listSnapshots, false},
		{"POST", "/api/v1/environments/{id}/snapshots", s.recordSnapshot, false},
		{"GET", "/api/v1/environments/{id}/restore-test", s.restoreTest, false},
		{"GET", "/api/v1/environment-alerts", s.listEnvironmentAlerts, false},
		{"GET", "/api/v1/notices", s.listOperationsNotices, false},
		{"POST", "/api/v1/notices", s.publishNotice, false},
		{"GET", "/api/v1/notices/{id}", s.getOperationsNotice, false},

		{"GET", "/api/v1/changes", s.listChanges, false},
		{"POST", "/api/v1/changes", s.requestChange, false},
		{"GET", "/api/v1/changes/{id}", s.getChange, false},
		{"PATCH", "/api/v1/changes/{id}", changeAction(s, s.Changes.Edit), false},
		{"GET", "/api/v1/changes/{id}/timeline", s.changeTimeline, false},
		{"POST", "/api/v1/changes/{id}/submit", changeAction(s, noInput(s.Changes.Submit)), false},
		{"POST", "/api/v1/changes/{id}/script", s.attachChangeScript, false},
		{"POST", "/api/v1/changes/{id}/assess", changeAction(s, s.Changes.Assess), false},
		{"POST", "/api/v1/changes/{id}/approve", changeAction(s, noInput(s.Changes.Approve)), false},
		{"POST", "/api/v1/changes/{id}/validate", changeAction(s, noInput(s.Changes.Validate)), false},
		{"POST", "/api/v1/changes/{id}/schedule", changeAction(s, noInput(s.Changes.Schedule)), false},
		{"POST", "/api/v1/changes/{id}/start", changeAction(s, noInput(s.Changes.Start)), false},
		{"POST", "/api/v1/changes/{id}/complete", s.finishChange(changes.Completed), false},
		{"POST", "/api/v1/changes/{id}/fail", s.finishChange(changes.Failed), false},
		{"POST", "/api/v1/changes/{id}/roll-back", s.finishChange(changes.RolledBack), false},
		{"POST", "/api/v1/changes/{id}/cancel", changeAction(s, s.cancelChange), false},
		{"GET", "/api/v1/changes/{id}/files/{file_id}", s.downloadChangeFile, false},
		{"GET", "/api/v1/environments/{id}/maintenance-windows", s.listMaintenanceWindows, false},
		{"POST", "/api/v1/environments/{id}/maintenance-windows", s.createMaintenanceWindow, false},
		{"DELETE", "/api/v1/maintenance-windows/{id}", s.deleteMaintenanceWindow, false},

		{"GET", "/api/v1/me/calendar-feed", s.getCalendarFeed, false},
		{"POST", "/api/v1/me/calendar-feed", s.rotateCalendarFeed, false},
		// The secret in the file name is the feed's only credential.
		{"GET", "/feeds/{file}", s.calendarFeed, true},
	}
}
