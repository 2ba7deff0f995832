// Package api is Accord's REST JSON interface under /api/v1, plus the
// operational endpoints (/healthz, /readyz, /metrics) and the OpenAPI
// document. routes.go lists every route; errors.go maps error kinds to HTTP
// status in one table. A handler decodes, calls one service method and
// encodes; authorization happens in the services.
package api
