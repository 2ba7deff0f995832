package audit

import (
	"context"
	"errors"
	"reflect"
	"time"

	"accord/internal/accord"
)

// Changes collects field changes, keeping only fields whose value changed.
type Changes []Change

// Add records field if before and after differ.
func (c *Changes) Add(field string, before, after any) {
	if !reflect.DeepEqual(before, after) {
		*c = append(*c, Change{Field: field, Before: before, After: after})
	}
}

// Secret records that a secret field changed without recording its values.
func (c *Changes) Secret(field string) {
	*c = append(*c, Change{Field: field, Before: "(secret)", After: "(changed)"})
}

// Service reads the audit trail for authorized actors.
type Service struct{ store Store }

// NewService returns a service over store.
func NewService(store Store) *Service { return &Service{store: store} }

// List returns events newest first. Vendor admins and auditors see every
// organization's events; a customer's administrator sees its own
// organization's; everyone else is refused.
func (s *Service) List(ctx context.Context, f Filter, p accord.Page) ([]Event, string, error) {
	a, err := accord.ActorFrom(ctx)
	if err != nil {
		return nil, "", err
	}
	var scope accord.Scope
	switch {
	case a.System, a.Role == accord.RoleAdmin, a.Role == accord.RoleAuditor:
		scope = accord.Scope{All: true}
	case a.Role == accord.RoleCustomerContact && a.CustomerAdmin:
		scope = accord.OnlyOrg(a.OrgID)
	default:
		return nil, "", &accord.Error{Kind: accord.Forbidden, Op: "audit.List", Msg: "only administrators and auditors may read the audit trail"}
	}
	return s.store.ListEvents(ctx, scope, f, p.Normalize())
}

// Report is the outcome of verifying every chain.
type Report struct {
	Events int64
	Chains int
	Break  *Break // nil when every chain is intact
}

// errStop ends the walk at the first break.
var errStop = errors.New("stop")

// Verify checks every organization's chain from its first event and stops at
// the first event that does not match. It reads every tenant's chain, so
// only vendor admins, auditors and Accord itself may run it.
func (s *Service) Verify(ctx context.Context) (Report, error) {
	a, err := accord.ActorFrom(ctx)
	if err != nil {
		return Report{}, err
	}
	if !a.System && a.Role != accord.RoleAdmin && a.Role != accord.RoleAuditor {
		return Report{}, &accord.Error{Kind: accord.Forbidden, Op: "audit.Verify", Msg: "only administrators and auditors may verify the audit trail"}
	}
	v := NewVerifier()
	var rep Report
	tailed := map[accord.ID]bool{}
	err = s.store.WalkChains(ctx,
		func(e Event) error {
			if b := v.Check(e); b != nil {
				rep.Break = b
				return errStop
			}
			return nil
		},
		func(org accord.ID, seq int64, hash string) error {
			rep.Chains++
			tailed[org] = true
			if b := v.Tail(org, seq, hash); b != nil {
				rep.Break = b
				return errStop
			}
			return nil
		})
	rep.Events = v.Events
	if err != nil && !errors.Is(err, errStop) {
		return rep, err
	}
	if rep.Break == nil {
		rep.Break = v.Headless(tailed)
	}
	return rep, nil
}

// VerifyAndRecord verifies like Verify and records the outcome in the
// vendor-wide chain, so that auditors and the vendor's SIEM receivers see
// every check: "audit.verify" when intact, "audit.verify.broken" with the
// first break.
func (s *Service) VerifyAndRecord(ctx context.Context, now time.Time) (Report, error) {
	rep, err := s.Verify(ctx)
	if err != nil {
		return rep, err
	}
	a, err := accord.ActorFrom(ctx)
	if err != nil {
		return rep, err
	}
	action := "audit.verify"
	ch := Changes{{Field: "events", After: rep.Events}, {Field: "chains", After: rep.Chains}}
	if rep.Break != nil {
		action = "audit.verify.broken"
		ch = append(ch, Change{Field: "break", After: rep.Break.Error()})
	}
	return rep, s.store.Record(ctx, New(a, now, GlobalOrg, action, "audit", "", ch))
}

// Exported records that the actor exported kind (cases, organizations,
// contacts, contracts, all) with the given query, in the actor's
// organization's chain: an export is how data leaves Accord in bulk, so
// auditors and the organization's SIEM receivers see who took what.
func (s *Service) Exported(ctx context.Context, now time.Time, kind, query string) error {
	a, err := accord.ActorFrom(ctx)
	if err != nil {
		return err
	}
	ch := Changes{{Field: "kind", After: kind}}
	if query != "" {
		ch = append(ch, Change{Field: "query", After: query})
	}
	return s.store.Record(ctx, New(a, now, a.OrgID, "export."+kind, "export", "", ch))
}
