// Package web holds Accord's pages: the customer portal, the partner view,
// the agent console, the administration pages and the dashboard.
//
// Pages are rendered on the server with html/template; htmx (vendored in
// static/, with its licence) only spares a full reload where it is loaded,
// so every core flow (sign in, open a case, reply, resolve, confirm) works
// as plain HTML forms without JavaScript.
//
// Invariants:
//   - Every page calls one domain service with the signed-in actor in the
//     context; authorization and tenant scope are the services' own, the
//     same as for the API. A record of another tenant is a 404 page.
//   - Every text a person reads comes from the message catalogs in i18n/,
//     one per locale, and every catalog has every key (catalog_test.go).
//   - Instants are shown in the user's time zone, with the zone named.
//   - The Content-Security-Policy allows no inline script or style; text
//     that people wrote is escaped, and Markdown is rendered by goldmark and
//     sanitized by bluemonday before it is shown.
//   - A form that fails is shown again with what was typed and the rule each
//     field broke (status 422), so nothing is lost.
package web
