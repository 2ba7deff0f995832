// Package views holds saved views: a user's named filters of a page (the
// agent console's queue), kept as the page's URL query so that following a
// view is following a link.
//
// Invariants:
//   - a view belongs to one user, and only that user lists, follows or
//     deletes it; anyone else's view is NotFound, as another tenant's
//     record is. Every stored view carries its owner's organization.
//   - a name is 1 to 80 characters and unique among the user's views; a
//     user keeps at most MaxPerUser views.
//   - the query is stored in canonical form (keys sorted, encoded), at most
//     MaxQuery characters; it is what the page's filter form submits.
//
// Views are preferences, not records: they are not audited. So are the
// user's other Preferences of the console (keyboard shortcuts on or off),
// one row per user.
package views
