package reports

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"accord/internal/accord"
	"accord/internal/cases"
	"accord/internal/sla"
)

// ReplayBatch is how many cases a replay reads at a time: large enough
// that the three queries of a batch cost little per case, small enough
// that memory stays flat.
const ReplayBatch = 5000

// ReplayQuery asks what the cases received in [From, To) would have
// looked like under another policy: a stored version (Version) or a draft
// document (Document, read by the parser of policy import).
type ReplayQuery struct {
	Version  int
	Document []byte
	// Name is how the report names a draft document ("draft.yaml").
	Name     string
	From, To time.Time
	// Explain is the number of the case whose clock to explain under both
	// policies; 0: the first flipped case.
	Explain int64
	// Lang is the language of the policy's texts in the explanation.
	Lang string
}

// Replay recomputes every case received in [q.From, q.To) under the
// policy q names, from its stored facts, and compares the outcomes with
// the stored ones as of now (cases.Replayer). It reads the cases in
// batches and writes nothing; progress, when set, is told how many cases
// were read after each batch. A vendor administrator's question (or the
// system's): it spans every customer.
func (s *Service) Replay(ctx context.Context, now time.Time, q ReplayQuery, progress func(read int)) (cases.ReplayReport, error) {
	const op = "reports.Replay"
	a, err := accord.ActorFrom(ctx)
	if err != nil {
		return cases.ReplayReport{}, err
	}
	if !a.System && a.Role != accord.RoleAdmin {
		return cases.ReplayReport{}, &accord.Error{Kind: accord.Forbidden, Op: op, Msg: "only the vendor's administrators may replay the policy"}
	}
	switch {
	case q.From.IsZero():
		return cases.ReplayReport{}, accord.FieldError("from", "is required")
	case q.To.IsZero():
		return cases.ReplayReport{}, accord.FieldError("to", "is required")
	case !q.From.Before(q.To):
		return cases.ReplayReport{}, accord.FieldError("to", "must come after from")
	case (q.Version != 0) == (len(q.Document) > 0):
		return cases.ReplayReport{}, accord.FieldError("version", "name a stored version or give a draft document, not both")
	}
	draft, name := (*sla.Policy)(nil), q.Name
	if q.Version != 0 {
		if draft, err = s.policies.Version(ctx, q.Version); err != nil {
			return cases.ReplayReport{}, err
		}
		name = fmt.Sprintf("version %d", q.Version)
	} else if draft, err = sla.Draft(q.Document); err != nil {
		return cases.ReplayReport{}, err // Invalid, wrapping sla.Problems at their lines and columns
	}
	scope, err := s.scoped(ctx, now)
	if err != nil {
		return cases.ReplayReport{}, err
	}
	r := cases.NewReplayer(cases.ReplayOptions{Draft: draft, Name: name, From: q.From.UTC(), To: q.To.UTC(), Now: now, Explain: q.Explain, Lang: q.Lang,
		Versions: func(n int) (*sla.Policy, error) { return s.policies.Version(ctx, n) }})
	err = s.eachReceived(ctx, scope, q.From, q.To, func(b []cases.Case) error {
		for _, c := range b {
			if err := r.Add(c); err != nil {
				return err
			}
		}
		return nil
	}, progress)
	if err != nil {
		return cases.ReplayReport{}, accord.Wrap(op, err)
	}
	rep := r.Report()
	names := map[accord.ID]string{}
	nameOf := func(id accord.ID) (string, error) {
		if n, ok := names[id]; ok {
			return n, nil
		}
		o, err := s.dir.GetOrganization(system(ctx), now, id)
		if err != nil {
			return "", err
		}
		names[id] = o.Name
		return o.Name, nil
	}
	for i := range rep.Customers {
		if rep.Customers[i].Name, err = nameOf(accord.ID(rep.Customers[i].Key)); err != nil {
			return cases.ReplayReport{}, accord.Wrap(op, err)
		}
	}
	slices.SortFunc(rep.Customers, func(a, b cases.ReplayRow) int {
		return cmp.Or(cmp.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)), cmp.Compare(a.Name, b.Name), cmp.Compare(a.Key, b.Key))
	})
	for i := range rep.Flips {
		if rep.Flips[i].Customer, err = nameOf(rep.Flips[i].OrgID); err != nil {
			return cases.ReplayReport{}, accord.Wrap(op, err)
		}
	}
	return rep, nil
}

// eachReceived hands fn the cases of scope received in [from, to), in
// batches of ReplayBatch in (received_at, id) order, and reports progress
// after each. The next batch is read while fn works on this one: the
// database and the calendar arithmetic take about the same time a case, on
// two cores. Memory holds two batches, whatever the range.
func (s *Service) eachReceived(ctx context.Context, scope accord.Scope, from, to time.Time, fn func([]cases.Case) error, progress func(read int)) error {
	type batch struct {
		cases []cases.Case
		err   error
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	batches := make(chan batch, 1)
	go func() {
		defer close(batches)
		var at time.Time
		var after accord.ID
		for {
			b, err := s.store.ReceivedAfter(ctx, scope, from, to, at, after, ReplayBatch)
			select {
			case batches <- batch{b, err}:
			case <-ctx.Done():
				return
			}
			if err != nil || len(b) < ReplayBatch {
				return
			}
			at, after = b[len(b)-1].Clock.ReceivedAt, b[len(b)-1].ID
		}
	}()
	read := 0
	for b := range batches {
		if b.err != nil {
			return b.err
		}
		if err := fn(b.cases); err != nil {
			return err
		}
		read += len(b.cases)
		if progress != nil {
			progress(read)
		}
	}
	return nil
}
