package cases

import (
	"context"
	"time"

	"accord/internal/accord"
)

// exportBatch is how many cases an export reads at a time: a list's
// largest page, so that an export holds one page in memory whatever the
// number of cases.
const exportBatch = accord.MaxLimit

// Export calls fn with every case the actor may read that f selects, a
// batch at a time, each with its pauses: the cases List lists for f, page
// after page, in its order (newest first; with ByDue, the queue, soonest due
// first). The filter is checked, and the scope resolved, before fn is first
// called, so that a caller may answer an error before writing anything.
//
// A sort by a column is refused: it pages by offset, and every page of a
// large export would cost more than the one before. The updated view keeps
// its cases but not its order: a case changed during the export would
// move ahead of the pages already read and be left out, where no change
// moves a case's opening.
func (s *Service) Export(ctx context.Context, now time.Time, f Filter, fn func([]Case) error) error {
	if f.Sort.Key != "" {
		return accord.FieldError("sort", "an export is newest first, or soonest due with sort=due; it is not sorted by a column")
	}
	scope, f, err := s.listFilter(ctx, now, f)
	if err != nil {
		return err
	}
	f.ByUpdated = false
	return s.store.Each(ctx, scope, f, exportBatch, fn)
}
