package changes_test

import (
	"testing"

	"accord/internal/changes"
)

// The rule of Suggest, criterion by criterion (004: complexity,
// importance, impact on the service level, return to the original
// situation).
func TestSuggest(t *testing.T) {
	const L, M, H = changes.Low, changes.Moderate, changes.High
	tests := []struct {
		a    changes.Assessment
		want changes.Type
	}{
		{changes.Assessment{L, L, L, changes.Easy}, changes.Minor},
		{changes.Assessment{M, L, L, changes.Easy}, changes.Minor},
		{changes.Assessment{L, L, L, changes.Hard}, changes.Minor},
		{changes.Assessment{L, L, M, changes.Easy}, changes.Medium}, // some impact is never minor
		{changes.Assessment{M, M, L, changes.Easy}, changes.Medium},
		{changes.Assessment{H, H, L, changes.Easy}, changes.Medium},
		{changes.Assessment{M, M, M, changes.Hard}, changes.Medium},
		{changes.Assessment{H, M, M, changes.Hard}, changes.Major}, // weighs 5
		{changes.Assessment{H, H, M, changes.Easy}, changes.Major},
		{changes.Assessment{L, L, H, changes.Easy}, changes.Major}, // high impact
		{changes.Assessment{L, L, L, changes.Impossible}, changes.Major},
	}
	for _, tt := range tests {
		if got := tt.a.Suggest(); got != tt.want {
			t.Errorf("%+v suggests %s (%s), want %s", tt.a, got, tt.a.Why(), tt.want)
		}
		if f, _ := tt.a.Check(); f != "" {
			t.Errorf("%+v: %s refused", tt.a, f)
		}
	}
	if f, _ := (changes.Assessment{L, L, L, "maybe"}).Check(); f != "assessment.reversibility" {
		t.Errorf("reversibility maybe: %q", f)
	}
}

func TestStateMachine(t *testing.T) {
	allowed := map[changes.State][]changes.State{
		changes.Draft:      {changes.Submitted, changes.Cancelled},
		changes.Submitted:  {changes.Assessed, changes.Cancelled},
		changes.Assessed:   {changes.Assessed, changes.Approved, changes.Cancelled},
		changes.Approved:   {changes.Assessed, changes.Scheduled, changes.Cancelled},
		changes.Scheduled:  {changes.Assessed, changes.InProgress, changes.Cancelled},
		changes.InProgress: {changes.Completed, changes.Failed, changes.RolledBack},
	}
	for _, from := range changes.States {
		for _, to := range changes.States {
			want := false
			for _, x := range allowed[from] {
				want = want || x == to
			}
			if got := changes.CanMove(from, to); got != want {
				t.Errorf("%s -> %s: %v, want %v", from, to, got, want)
			}
		}
		if ended := len(allowed[from]) == 0; from.Ended() != ended {
			t.Errorf("%s ended: %v", from, from.Ended())
		}
	}
}
