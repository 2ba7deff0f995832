// Package notify tells people about their cases by e-mail and turns their
// replies back into case comments.
//
// Outgoing: a case change schedules a job per timeline entry worth telling
// (cases.EventOf); Announce renders one message per recipient from the
// templates of the recipient's locale and queues it, and Deliver hands it
// to the SMTP server, retried by the job runner. Letters (Post) are mail
// about anything else, once per topic and recipient, with secret links
// minted at delivery. Every message is checked against its recipient's
// scope when written and when sent. Incoming: Receive accepts
// a reply only when it proves to answer a notification we sent, from the
// person we sent it to; IMAP and InboundSMTP feed it. docs/notifications.md
// has the rules.
package notify
