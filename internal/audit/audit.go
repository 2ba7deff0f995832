package audit

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"accord/internal/accord"
)

// GlobalOrg is the chain of vendor-wide records that belong to no tenant,
// such as the support policy. Only vendor administrators and auditors read
// it: customers' scopes never include it.
const GlobalOrg accord.ID = "global"

// Event is one recorded change.
type Event struct {
	OrgID      accord.ID `json:"org_id"` // the organization that owns the changed record
	Seq        int64     `json:"seq"`    // position in the organization's chain, from 1
	ID         accord.ID `json:"id"`
	At         time.Time `json:"at"`
	ActorID    accord.ID `json:"actor_id"` // empty for the system
	ActorName  string    `json:"actor_name"`
	ActorOrgID accord.ID `json:"actor_org_id"`
	Action     string    `json:"action"` // "user.create", "session.create" ...
	EntityType string    `json:"entity_type"`
	EntityID   accord.ID `json:"entity_id"`
	Changes    []Change  `json:"changes"`
	RequestID  string    `json:"request_id"`
	PrevHash   string    `json:"prev_hash"`
	Hash       string    `json:"hash"`
}

// Change is one field's value before and after; nil means absent.
type Change struct {
	Field  string `json:"field"`
	Before any    `json:"before"`
	After  any    `json:"after"`
}

// New makes an event for a change by actor at now. The store fills Seq,
// PrevHash and Hash when it appends the event to the chain.
func New(actor accord.Actor, now time.Time, orgID accord.ID, action, entityType string, entityID accord.ID, changes []Change) Event {
	name := actor.Name
	if actor.System && name == "" {
		name = "system"
	}
	if changes == nil {
		changes = []Change{}
	}
	return Event{
		OrgID: orgID, ID: accord.NewID("aud"), At: now.UTC().Truncate(time.Microsecond),
		ActorID: actor.UserID, ActorName: name, ActorOrgID: actor.OrgID,
		Action: action, EntityType: entityType, EntityID: entityID,
		Changes: changes, RequestID: actor.RequestID,
	}
}

// canonical is the hashed form: every field but Hash, in a fixed order, with
// the time in one textual form and changes as stored.
func (e Event) canonical() []byte {
	changes, _ := json.Marshal(e.Changes)
	b, _ := json.Marshal([]any{
		e.OrgID, e.Seq, e.ID, e.At.UTC().Format(time.RFC3339Nano), e.ActorID, e.ActorName,
		e.ActorOrgID, e.Action, e.EntityType, e.EntityID, json.RawMessage(changes), e.RequestID, e.PrevHash,
	})
	return b
}

// Seal places e after the chain head (seq, hash) and computes its hash.
func (e *Event) Seal(headSeq int64, headHash string) {
	e.Seq = headSeq + 1
	e.PrevHash = headHash
	e.Hash = e.computeHash()
}

func (e Event) computeHash() string {
	h := sha256.New()
	h.Write([]byte(e.PrevHash))
	h.Write([]byte{'\n'})
	h.Write(e.canonical())
	return hex.EncodeToString(h.Sum(nil))
}

// Break names the first event at which a chain does not verify.
type Break struct {
	OrgID  accord.ID
	Seq    int64
	ID     accord.ID
	Reason string
}

func (b *Break) Error() string {
	return fmt.Sprintf("audit chain of organization %s broken at event %d (%s): %s", b.OrgID, b.Seq, b.ID, b.Reason)
}

// Verifier checks events one at a time, in chain order per organization.
type Verifier struct {
	heads  map[accord.ID]head
	Events int64
}

type head struct {
	seq  int64
	hash string
}

// NewVerifier returns a verifier with no chains seen yet.
func NewVerifier() *Verifier { return &Verifier{heads: map[accord.ID]head{}} }

// Check verifies the next event of its organization's chain.
func (v *Verifier) Check(e Event) *Break {
	v.Events++
	h := v.heads[e.OrgID]
	brk := func(reason string) *Break { return &Break{OrgID: e.OrgID, Seq: e.Seq, ID: e.ID, Reason: reason} }
	switch {
	case e.Seq != h.seq+1:
		return brk(fmt.Sprintf("expected event %d, found %d: an event is missing or out of order", h.seq+1, e.Seq))
	case e.PrevHash != h.hash:
		return brk("its previous-hash does not match the event before it")
	case e.computeHash() != e.Hash:
		return brk("its content does not match its hash: the event was altered")
	}
	v.heads[e.OrgID] = head{seq: e.Seq, hash: e.Hash}
	return nil
}

// Tail checks that every chain ends where the store's recorded head says, so
// that a deleted last event is noticed.
func (v *Verifier) Tail(orgID accord.ID, seq int64, hash string) *Break {
	h := v.heads[orgID]
	if h.seq == seq && h.hash != hash {
		return &Break{OrgID: orgID, Seq: h.seq, Reason: "the last event does not match the chain's recorded head"}
	}
	if h.seq != seq {
		return &Break{OrgID: orgID, Seq: h.seq, Reason: fmt.Sprintf("the chain ends at event %d but its head records event %d: events were removed", h.seq, seq)}
	}
	return nil
}

// Headless returns a break for the first chain (by organization id) that had
// events but whose head was never checked with Tail: deleting a chain's head
// row must not hide what was done to its end.
func (v *Verifier) Headless(tailed map[accord.ID]bool) *Break {
	var first *Break
	for org, h := range v.heads {
		if !tailed[org] && (first == nil || org < first.OrgID) {
			first = &Break{OrgID: org, Seq: h.seq, Reason: "the chain has events but no recorded head: the head was removed"}
		}
	}
	return first
}

// Filter selects events to list.
type Filter struct {
	OrgID      *accord.ID
	EntityType *string
	EntityID   *accord.ID
}

// Store persists audit events. Appending happens inside the other stores'
// transactions; this interface covers reading.
type Store interface {
	ListEvents(ctx context.Context, scope accord.Scope, f Filter, p accord.Page) ([]Event, string, error)
	// WalkChains calls check for every event in chain order, then tail for
	// every chain head.
	WalkChains(ctx context.Context, check func(Event) error, tail func(orgID accord.ID, seq int64, hash string) error) error
	// Record appends ev alone: an event about the trail itself.
	Record(ctx context.Context, ev Event) error
}
