// Package signals holds what tells people about cases besides mail: the
// in-app notifications kept per user (assigned to you, mentioned, the
// customer replied on your case, a warning on your case), which only their
// user ever reads; presence on a case's page (who else is viewing it or
// writing a reply), kept in rows that expire after PresenceWindow so that
// several processes agree; and the customer's satisfaction rating of a
// closed case (1 to 5, an optional comment, one per case), given from the
// portal or from a single-use link in the mail that asks for it.
//
// The notifications themselves are decided by the cases package
// (cases.Alert) and written with the change that caused them; this package
// reads them and marks them read. Invariants: a user reads and marks only
// their own notifications, inside their scope; presence is shown only to
// agents who may read the case; a rating link's token exists only in its
// mail (the database keeps its SHA-256), works once, for its own case,
// until it expires.
package signals
