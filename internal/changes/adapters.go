package changes

import (
	"context"
	"time"

	"accord/internal/accord"
	"accord/internal/environments"
	"accord/internal/raci"
)

// EnvironmentsOf reads environments and their snapshots from the
// environments service, as the actor in ctx may.
func EnvironmentsOf(s *environments.Service) Environments { return envReader{s} }

type envReader struct{ s *environments.Service }

func (r envReader) Environment(ctx context.Context, _ time.Time, id accord.ID) (Environment, error) {
	e, err := r.s.Get(ctx, id)
	if err != nil {
		return Environment{}, err
	}
	return Environment{ID: e.ID, OrgID: e.OrgID, ResellerID: e.ResellerID, Name: e.Name, Version: e.Version,
		SnapshotBeforeChange: e.Backup.SnapshotBeforeChange, SnapshotMaxAge: e.Backup.SnapshotMaxAge}, nil
}

func (r envReader) Snapshots(ctx context.Context, _ time.Time, envID accord.ID, since time.Time) ([]Snapshot, error) {
	l, err := r.s.Snapshots(ctx, envID, since)
	if err != nil {
		return nil, err
	}
	out := make([]Snapshot, len(l))
	for i, sn := range l {
		out[i] = Snapshot{ID: sn.ID, TakenAt: sn.TakenAt}
	}
	return out, nil
}

// MatricesOf reads who approves changes from the responsibility matrix in
// force for each environment.
func MatricesOf(s *raci.Service) Matrices { return matrices{s} }

type matrices struct{ s *raci.Service }

// Approvers are the parties holding A for change/approve, or R where
// nobody holds A.
func (m matrices) Approvers(ctx context.Context, envID accord.ID) ([]Party, error) {
	eff, err := m.s.ForEnvironment(ctx, envID)
	if err != nil {
		return nil, err
	}
	ps := eff.Matrix.Holders("change", "approve", raci.Accountable)
	if len(ps) == 0 {
		ps = eff.Matrix.Holders("change", "approve", raci.Responsible)
	}
	out := make([]Party, len(ps))
	for i, p := range ps {
		out[i] = Party(p)
	}
	return out, nil
}
