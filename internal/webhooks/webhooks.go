// Package webhooks keeps subscriptions of HTTPS endpoints to Accord's
// events and the log of their deliveries. Events are derived from the
// per-organization audit chains: a fan-out job reads each organization's
// chain after its cursor, in order, and writes one delivery row per
// matching subscription in the transaction that advances the cursor, so
// that nothing is lost and nothing is written twice. Each delivery is then
// sent by its own durable job, at least once, signed per the Standard
// Webhooks scheme, on the schedule of Retry.
package webhooks

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"accord/internal/accord"
	"accord/internal/audit"
)

// Job kinds, wired in cmd/accord/jobs.go.
const (
	// FanoutJob reads an organization's audit chain after the cursor (its
	// subject is the organization).
	FanoutJob = "webhook.fanout"
	// DeliverJob sends one delivery (its subject) once.
	DeliverJob = "webhook.deliver"
	// DisabledLetter is the kind of the mail to a subscription's owner
	// when failures disabled it.
	DisabledLetter = "webhook.disabled"
)

// Type is the type of an event as receivers see it.
type Type string

// The event types.
const (
	CaseOpened          Type = "case.opened"
	CaseReplied         Type = "case.replied"
	CaseReclassified    Type = "case.reclassified"
	CaseWarned          Type = "case.warned"
	CaseBreached        Type = "case.breached"
	CaseResolved        Type = "case.resolved"
	CaseClosed          Type = "case.closed"
	EngagementState     Type = "engagement.state_changed"
	ChangeRequestState  Type = "change_request.state_changed"
	KnownIssuePublished Type = "known_issue.published"
	KnownIssueUpdated   Type = "known_issue.updated"
	// Ping is sent by the test endpoint only; nobody subscribes to it.
	Ping Type = "webhook.test"
)

// Types lists the types one may subscribe to.
var Types = []Type{CaseOpened, CaseReplied, CaseReclassified, CaseWarned, CaseBreached, CaseResolved, CaseClosed,
	EngagementState, ChangeRequestState, KnownIssuePublished, KnownIssueUpdated}

// Version is the payload's version; a change that breaks receivers gets a
// new one.
const Version = 1

// TypesOf maps an audit event to the webhook events it stands for (none
// for most). A case event may stand for several: a reply that resolves.
func TypesOf(ev audit.Event) []Type {
	var out []Type
	add := func(t Type) {
		if !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	switch ev.EntityType {
	case "case":
		switch ev.Action {
		case "case.open":
			add(CaseOpened)
		case "case.reply", "case.agent_reply", "case.customer_reply":
			add(CaseReplied)
		case "case.reclassify":
			add(CaseReclassified)
		case "case.sla_warning":
			add(CaseWarned)
		case "case.sla_breach":
			add(CaseBreached)
		}
		if after, ok := changed(ev, "breached_at"); ok && after != nil {
			add(CaseBreached)
		}
		if after, ok := changed(ev, "state"); ok && ev.Action != "case.open" {
			switch fmt.Sprint(after) {
			case "resolved":
				add(CaseResolved)
			case "closed":
				add(CaseClosed)
			}
		}
	case "engagement":
		if _, ok := changed(ev, "state"); ok {
			add(EngagementState)
		}
	case "change":
		if _, ok := changed(ev, "state"); ok {
			add(ChangeRequestState)
		}
	case "known_issue":
		switch ev.Action {
		case "known_issue.publish":
			add(KnownIssuePublished)
		case "known_issue.update", "known_issue.fix", "known_issue.workaround":
			add(KnownIssueUpdated)
		}
	}
	return out
}

// Triggers reports whether an audit action may stand for a webhook event:
// the store schedules the fan-out of the event's organization when it
// appends one.
func Triggers(entityType string) bool {
	switch entityType {
	case "case", "engagement", "change", "known_issue":
		return true
	}
	return false
}

func changed(ev audit.Event, field string) (any, bool) {
	for _, c := range ev.Changes {
		if c.Field == field {
			return c.After, true
		}
	}
	return nil, false
}

// Data is the "data" of a payload: what the audit event records, which is
// what the organization's administrators may read of their chain anyway.
type Data struct {
	OrgID      accord.ID      `json:"org_id"`
	EntityType string         `json:"entity_type"`
	EntityID   accord.ID      `json:"entity_id"`
	Action     string         `json:"action"`
	AuditID    accord.ID      `json:"audit_id"`
	AuditSeq   int64          `json:"audit_seq"`
	ActorName  string         `json:"actor_name"`
	Changes    []audit.Change `json:"changes"`
}

// Payload is the JSON body of a delivery.
type Payload struct {
	Type      Type      `json:"type"`
	Version   int       `json:"version"`
	ID        accord.ID `json:"id"`
	Timestamp time.Time `json:"timestamp"`
	Data      Data      `json:"data"`
}

// Body encodes the payload of event t of ev as delivery id.
func Body(id accord.ID, t Type, ev audit.Event) []byte {
	changes := ev.Changes
	if changes == nil {
		changes = []audit.Change{}
	}
	b, _ := json.Marshal(Payload{Type: t, Version: Version, ID: id, Timestamp: ev.At.UTC(), Data: Data{
		OrgID: ev.OrgID, EntityType: ev.EntityType, EntityID: ev.EntityID, Action: ev.Action, AuditID: ev.ID,
		AuditSeq: ev.Seq, ActorName: ev.ActorName, Changes: changes}})
	return b
}

// SecretPrefix starts every signing secret (Standard Webhooks).
const SecretPrefix = "whsec_"

// NewSecret returns a fresh signing secret: 32 random bytes.
func NewSecret() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails since Go 1.24
	return SecretPrefix + base64.StdEncoding.EncodeToString(b)
}

// Sign returns the value of the webhook-signature header of body sent as
// message id at ts: one "v1,<base64 HMAC-SHA256>" per secret, separated by
// spaces, so that a receiver holding either secret during a rotation
// verifies it.
func Sign(secrets []string, id string, ts time.Time, body []byte) (string, error) {
	var sigs []string
	for _, s := range secrets {
		key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(s, SecretPrefix))
		if err != nil {
			return "", fmt.Errorf("webhooks: bad secret: %w", err)
		}
		m := hmac.New(sha256.New, key)
		m.Write([]byte(id + "." + strconv.FormatInt(ts.Unix(), 10) + "."))
		m.Write(body)
		sigs = append(sigs, "v1,"+base64.StdEncoding.EncodeToString(m.Sum(nil)))
	}
	return strings.Join(sigs, " "), nil
}

// Retry is the wait before each attempt after the first (Standard
// Webhooks' recommended schedule, about a day and a half in all); after
// the last, the delivery has failed.
var Retry = []time.Duration{5 * time.Second, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour, 5 * time.Hour, 10 * time.Hour, 14 * time.Hour}

// Attempts is the most attempts a delivery gets.
var Attempts = len(Retry) + 1

// Disabling: a subscription is disabled when this many consecutive
// deliveries failed every attempt, or when it has been failing (no success
// since its first failed attempt) for FailingFor.
const (
	MaxFailedDeliveries = 5
	FailingFor          = 5 * 24 * time.Hour
)

// RotationGrace is how long a rotated-out secret still signs.
const RotationGrace = 24 * time.Hour
