package audit

import (
	"strings"
	"testing"
	"time"

	"accord/internal/accord"
)

// chain builds a sealed chain of n events for one organization.
func chain(n int) []Event {
	var out []Event
	seq, hash := int64(0), ""
	for i := range n {
		e := New(accord.SystemActor("t"), time.Date(2026, 1, 1, 0, i, 0, 0, time.UTC), "org_a", "x.update", "x", "x_1",
			[]Change{{Field: "n", Before: i, After: i + 1}})
		e.Seal(seq, hash)
		seq, hash = e.Seq, e.Hash
		out = append(out, e)
	}
	return out
}

func verifyAll(events []Event, headSeq int64, headHash string) *Break {
	v := NewVerifier()
	for _, e := range events {
		if b := v.Check(e); b != nil {
			return b
		}
	}
	return v.Tail("org_a", headSeq, headHash)
}

func TestVerifyFindsEveryKindOfTampering(t *testing.T) {
	full := chain(5)
	head := full[4]
	tests := []struct {
		name    string
		edit    func([]Event) []Event
		wantSeq int64 // 0: intact
		reason  string
	}{
		{"intact", func(e []Event) []Event { return e }, 0, ""},
		{"field edited", func(e []Event) []Event { e[2].ActorName = "mallory"; return e }, 3, "altered"},
		{"change edited", func(e []Event) []Event { e[1].Changes = []Change{{Field: "n", Before: 0, After: 99}}; return e }, 2, "altered"},
		{"time edited", func(e []Event) []Event { e[3].At = e[3].At.Add(time.Second); return e }, 4, "altered"},
		{"event deleted", func(e []Event) []Event { return append(e[:2], e[3:]...) }, 4, "missing or out of order"},
		{"events swapped", func(e []Event) []Event { e[1], e[2] = e[2], e[1]; return e }, 3, "missing or out of order"},
		{"rehashed after edit", func(e []Event) []Event {
			e[2].ActorName = "mallory"
			e[2].Hash = e[2].computeHash()
			return e
		}, 4, "previous-hash"},
		{"last event deleted", func(e []Event) []Event { return e[:4] }, 4, "events were removed"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			events := tc.edit(append([]Event(nil), full...))
			b := verifyAll(events, head.Seq, head.Hash)
			if tc.wantSeq == 0 {
				if b != nil {
					t.Fatalf("intact chain reported broken: %v", b)
				}
				return
			}
			if b == nil || b.Seq != tc.wantSeq || !strings.Contains(b.Reason, tc.reason) {
				t.Fatalf("break = %+v, want at %d with %q", b, tc.wantSeq, tc.reason)
			}
		})
	}
}
