package contracts

import (
	"testing"
	"time"
)

// reference is the term of the example (reference policy 5.2):
// signed 2024-03-08 for one year, it ends 2025-03-07.
var reference = Contract{ID: "ctr_ref", OrgID: "org_c", SignedOn: "2024-03-08", Years: 1, EndsOn: "2025-03-07"}

func renewals(days ...int) []Notice {
	var out []Notice
	for _, d := range days {
		out = append(out, Notice{Kind: NoticeRenewal, Days: d})
	}
	return out
}

// TestRenewalPlan: notices 90, 60 and 30 days before the end of the
// reference term fall on 2024-12-07, 2025-01-06 and 2025-02-05; each is
// given once, the nearest to the end supersedes those due with it, and a
// renewed, cancelled or ended term is told nothing.
func TestRenewalPlan(t *testing.T) {
	renewed, cancelled := reference, reference
	renewed.NextID, cancelled.CancelledOn = "ctr_next", "2024-06-01"
	leap := Contract{ID: "ctr_leap", SignedOn: "2024-02-29", Years: 1, EndsOn: "2025-02-28"}
	std := []int{90, 60, 30}
	for _, x := range []struct {
		name      string
		c         Contract
		intervals []int
		given     []Notice
		today     string
		due       int // days of the notice due, 0 for none
		dueOn     string
		next      string
	}{
		{"signed", reference, std, nil, "2024-03-08", 0, "", "2024-12-07"},
		{"day before the first", reference, std, nil, "2024-12-06", 0, "", "2024-12-07"},
		{"90 days before", reference, std, nil, "2024-12-07", 90, "2024-12-07", "2025-01-06"},
		{"90 given", reference, std, renewals(90), "2024-12-08", 0, "", "2025-01-06"},
		{"60 days before", reference, std, renewals(90), "2025-01-06", 60, "2025-01-06", "2025-02-05"},
		{"30 days before", reference, std, renewals(90, 60), "2025-02-05", 30, "2025-02-05", ""},
		{"all given", reference, std, renewals(90, 60, 30), "2025-02-10", 0, "", ""},
		{"given again on the same day", reference, std, renewals(90), "2024-12-07", 0, "", "2025-01-06"},
		// Recorded 47 days before its end: the 60-day notice supersedes the
		// 90-day one, which is never given.
		{"recorded late", reference, std, nil, "2025-01-19", 60, "2025-01-06", "2025-02-05"},
		{"after a later one", reference, std, renewals(60), "2025-01-10", 0, "", "2025-02-05"},
		{"jobs stopped past every day", reference, std, nil, "2025-03-07", 30, "2025-02-05", ""},
		{"ended", reference, std, nil, "2025-03-08", 0, "", ""},
		{"renewed", renewed, std, nil, "2024-12-07", 0, "", ""},
		{"cancelled", cancelled, std, nil, "2024-12-07", 0, "", ""},
		{"leap-day term", leap, std, nil, "2025-01-29", 30, "2025-01-29", ""},
		// A notice due before the term starts waits for the start.
		{"longer than the term", reference, []int{400, 30}, nil, "2024-03-08", 400, "2024-03-08", "2025-02-05"},
		{"before the start", reference, []int{400, 30}, nil, "2024-03-07", 0, "", "2024-03-08"},
	} {
		n, next := renewalPlan(x.c, x.given, x.intervals, x.today)
		switch {
		case x.due == 0 && n != nil:
			t.Errorf("%s: %+v due, want none", x.name, *n)
		case x.due != 0 && (n == nil || n.Days != x.due || n.DueOn != x.dueOn || n.Kind != NoticeRenewal || n.ContractID != x.c.ID):
			t.Errorf("%s: due %+v, want the %d-day notice of %s", x.name, n, x.due, x.dueOn)
		}
		if next != x.next {
			t.Errorf("%s: next %q, want %q", x.name, next, x.next)
		}
	}
}

// TestSurveyPlan: a term signed 2024-03-08 for three years is asked for its
// licence count on its anniversaries 2025-03-08 and 2026-03-08 (its first
// year is the one just bought), reminded 14 days later when unanswered.
func TestSurveyPlan(t *testing.T) {
	three := Contract{ID: "ctr_3", OrgID: "org_c", SignedOn: "2024-03-08", Years: 3, EndsOn: "2027-03-07"}
	renewal := Contract{ID: "ctr_r", OrgID: "org_c", PreviousID: "ctr_ref", SignedOn: "2025-03-08", Years: 1, EndsOn: "2026-03-07"}
	cancelled := three
	cancelled.CancelledOn = "2025-01-01"
	asked := func(year int, answerBy string) Notice {
		return Notice{Kind: NoticeSurvey, Year: year, AnswerBy: answerBy}
	}
	reminded := func(year int) Notice { return Notice{Kind: NoticeSurveyReminder, Year: year} }
	for _, x := range []struct {
		name     string
		c        Contract
		given    []Notice
		surveyed []int
		today    string
		want     *Notice // Kind, Year, DueOn, AnswerBy
		next     string
	}{
		{"signed", three, nil, nil, "2024-03-08", nil, "2025-03-08"},
		{"first anniversary", three, nil, nil, "2025-03-08", &Notice{Kind: NoticeSurvey, Year: 2, DueOn: "2025-03-08", AnswerBy: "2025-03-22"}, "2026-03-08"},
		{"asked", three, []Notice{asked(2, "2025-03-22")}, nil, "2025-03-09", nil, "2025-03-22"},
		{"unanswered after 14 days", three, []Notice{asked(2, "2025-03-22")}, nil, "2025-03-22",
			&Notice{Kind: NoticeSurveyReminder, Year: 2, DueOn: "2025-03-22", AnswerBy: "2025-03-22"}, "2026-03-08"},
		{"answered", three, []Notice{asked(2, "2025-03-22")}, []int{2}, "2025-03-22", nil, "2026-03-08"},
		{"reminded", three, []Notice{asked(2, "2025-03-22"), reminded(2)}, nil, "2025-04-01", nil, "2026-03-08"},
		{"second anniversary", three, []Notice{asked(2, "2025-03-22"), reminded(2)}, []int{2}, "2026-03-08",
			&Notice{Kind: NoticeSurvey, Year: 3, DueOn: "2026-03-08", AnswerBy: "2026-03-22"}, ""},
		// Recorded in its third year: only that year is asked, from today.
		{"recorded late", three, nil, nil, "2026-05-01", &Notice{Kind: NoticeSurvey, Year: 3, DueOn: "2026-03-08", AnswerBy: "2026-05-15"}, ""},
		{"asked late", three, []Notice{asked(2, "2025-04-03")}, nil, "2025-03-22", nil, "2025-04-03"},
		// A reminder and a new year's survey due together: the reminder
		// first; the job looks again at once for the other.
		{"both due", three, []Notice{asked(2, "2025-03-22")}, nil, "2026-03-08",
			&Notice{Kind: NoticeSurveyReminder, Year: 2, DueOn: "2025-03-22", AnswerBy: "2025-03-22"}, ""},
		{"renewal's first year", renewal, nil, nil, "2025-03-08", &Notice{Kind: NoticeSurvey, Year: 1, DueOn: "2025-03-08", AnswerBy: "2025-03-22"}, ""},
		{"one-year first term", reference, nil, nil, "2024-03-08", nil, ""},
		{"cancelled", cancelled, nil, nil, "2025-03-08", nil, ""},
		{"ended", three, nil, nil, "2027-03-08", nil, ""},
	} {
		n, next := surveyPlan(x.c, x.given, x.surveyed, 14, x.today)
		switch {
		case x.want == nil && n != nil:
			t.Errorf("%s: %+v due, want none", x.name, *n)
		case x.want != nil && (n == nil || n.Kind != x.want.Kind || n.Year != x.want.Year || n.DueOn != x.want.DueOn ||
			n.AnswerBy != x.want.AnswerBy || n.ContractID != x.c.ID || n.OrgID != x.c.OrgID):
			t.Errorf("%s: due %+v, want %+v", x.name, n, *x.want)
		}
		if next != x.next {
			t.Errorf("%s: next %q, want %q", x.name, next, x.next)
		}
	}
}

// TestNextRun: a job runs at the start of the day its notice falls due in
// the vendor's zone (midnight in New York is 05:00 UTC in December), at
// once when one is due, and never after the last.
func TestNextRun(t *testing.T) {
	s := NewService(nil, nil, nil, Config{Zone: DefaultConfig().Zone, RenewalNotices: []int{30, 90, 60}, SurveyReminder: 14})
	cd := Cadence{Contract: reference}
	now := time.Date(2024, 3, 8, 15, 0, 0, 0, time.UTC)
	if got, want := s.nextRun(RenewalJob, cd, now), time.Date(2024, 12, 7, 5, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("first notice job at %s, want %s", got, want)
	}
	late := time.Date(2025, 1, 20, 15, 0, 0, 0, time.UTC)
	if got := s.nextRun(RenewalJob, cd, late); !got.Equal(late) {
		t.Errorf("a notice due: job at %s, want now", got)
	}
	cd.Notices = renewals(90, 60, 30)
	if got := s.nextRun(RenewalJob, cd, late); !got.IsZero() {
		t.Errorf("every notice given: job at %s, want none", got)
	}
	if got := s.nextRun(SurveyJob, Cadence{Contract: reference}, now); !got.IsZero() {
		t.Errorf("a one-year first term is never surveyed: job at %s", got)
	}
}

func TestParseRenewalNotices(t *testing.T) {
	if got, err := ParseRenewalNotices("90, 60,30"); err != nil || len(got) != 3 || got[0] != 90 || got[2] != 30 {
		t.Errorf("90,60,30 = %v, %v", got, err)
	}
	for _, bad := range []string{"", "90,,30", "0", "-5", "731", "30,30", "ninety"} {
		if _, err := ParseRenewalNotices(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
