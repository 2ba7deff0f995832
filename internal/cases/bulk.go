package cases

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"accord/internal/accord"
)

// Bulk actions: one action on many cases, each case answering on its own.
const (
	BulkAssign  = "assign"  // UserID, "" to unassign
	BulkHold    = "hold"    // await the customer, with Reason
	BulkResolve = "resolve" // with Summary
	BulkNote    = "note"    // an internal note, Body
)

// BulkActions lists the actions Bulk knows, in the order pages offer them.
var BulkActions = []string{BulkAssign, BulkHold, BulkResolve, BulkNote}

// MaxBulk bounds the cases of one bulk action: a page of the queue.
const MaxBulk = 100

// BulkAction is the input to Bulk.
type BulkAction struct {
	Action  string      `json:"action"`
	CaseIDs []accord.ID `json:"case_ids"`
	UserID  accord.ID   `json:"user_id,omitempty"`
	Reason  string      `json:"reason,omitempty"`
	Summary string      `json:"summary,omitempty"`
	Body    string      `json:"body,omitempty"`
}

// Refusal is why one case refused: an error's kind, field and message as
// the API shows them.
type Refusal struct {
	Kind    accord.Kind `json:"kind"`
	Field   string      `json:"field,omitempty"`
	Message string      `json:"message"`
}

// RefusalOf is err as a Refusal, or nil; internal errors are not refusals
// and are returned as they are.
func RefusalOf(err error) (*Refusal, error) {
	if err == nil {
		return nil, nil
	}
	if accord.KindOf(err) == accord.Internal {
		return nil, err
	}
	e := accord.Public(err)
	return &Refusal{Kind: e.Kind, Field: e.Field, Message: e.Msg}, nil
}

// Outcome is how one case of a bulk action went.
type Outcome struct {
	CaseID accord.ID `json:"case_id"`
	OK     bool      `json:"ok"`
	// Number is the case's number when the case is one the actor may read.
	Number int64    `json:"number,omitempty"`
	Error  *Refusal `json:"error,omitempty"`
}

// Bulk applies one action to each case, each in its own change of the
// case (own transaction, own audit event, own refusal): a case that
// refuses does not stop the others. A case the actor may not read answers
// NotFound like any missing one. The input as a whole is checked first;
// an internal error stops the run and is returned with what was done.
func (s *Service) Bulk(ctx context.Context, now time.Time, in BulkAction) ([]Outcome, error) {
	const op = "cases.Bulk"
	a, err := accord.ActorFrom(ctx)
	if err != nil {
		return nil, err
	}
	if !isAgent(a) {
		return nil, forbidden(op, "only agents act on cases in bulk")
	}
	var ps []accord.Problem
	if !slices.Contains(BulkActions, in.Action) {
		ps = append(ps, accord.Problem{Field: "action", Msg: "must be assign, hold, resolve or note"})
	}
	switch n := len(in.CaseIDs); {
	case n == 0:
		ps = append(ps, accord.Problem{Field: "case_ids", Msg: "choose at least one case"})
	case n > MaxBulk:
		ps = append(ps, accord.Problem{Field: "case_ids", Msg: fmt.Sprintf("at most %d cases", MaxBulk)})
	}
	// The text an action needs is the same for every case: missing, it is
	// one refusal of the request rather than one per case.
	texts := map[string]struct{ field, text string }{
		BulkHold: {"reason", in.Reason}, BulkResolve: {"summary", in.Summary}, BulkNote: {"body", in.Body}}
	if t, ok := texts[in.Action]; ok && strings.TrimSpace(t.text) == "" {
		ps = append(ps, accord.Problem{Field: t.field, Msg: "is required"})
	}
	seen := map[accord.ID]bool{}
	for i, id := range in.CaseIDs {
		if seen[id] {
			ps = append(ps, accord.Problem{Field: fmt.Sprintf("case_ids[%d]", i), Msg: "is listed twice"})
		}
		seen[id] = true
	}
	if err := accord.InvalidFields(op, ps); err != nil {
		return nil, err
	}
	do := map[string]func(id accord.ID) (Case, error){
		BulkAssign:  func(id accord.ID) (Case, error) { return s.Assign(ctx, now, id, Assignment{UserID: in.UserID}) },
		BulkHold:    func(id accord.ID) (Case, error) { return s.AwaitCustomer(ctx, now, id, in.Reason) },
		BulkResolve: func(id accord.ID) (Case, error) { return s.Resolve(ctx, now, id, in.Summary) },
		BulkNote: func(id accord.ID) (Case, error) {
			return s.Reply(ctx, now, id, NewReply{Body: in.Body, Internal: true})
		},
	}[in.Action]
	out := make([]Outcome, 0, len(in.CaseIDs))
	for _, id := range in.CaseIDs {
		o := Outcome{CaseID: id}
		c, err := do(id)
		if o.Error, err = RefusalOf(err); err != nil {
			return out, accord.Wrap(op, err)
		}
		o.OK = o.Error == nil
		if o.OK {
			o.Number = c.Number
		} else if seen, err := s.Get(ctx, now, id); err == nil {
			o.Number = seen.Number
		}
		out = append(out, o)
	}
	return out, nil
}
