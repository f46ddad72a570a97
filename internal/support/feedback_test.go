package support

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestSimpleQuestionTerms(t *testing.T) {
	terms := SimpleQuestionTerms()
	got := terms("How do I EXPORT my invoices, and where is the Tax report? ¿Cómo exportar facturas?", "en")
	want := []string{"export", "invoices", "report", "cómo", "exportar", "facturas"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}
}

func TestGroupQuestions(t *testing.T) {
	at := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	item := func(msg, q, reason string, minute int) UnansweredItem {
		return UnansweredItem{TicketID: "t", MessageID: msg, Question: q, Reason: reason, CreatedAt: at.Add(time.Duration(minute) * time.Minute)}
	}
	// Newest first, as the store returns them.
	items := []UnansweredItem{
		item("m7", "", ReasonUnhelpful, 9),
		item("m1", "export invoices to spreadsheet", ReasonUnhelpful, 8),
		item("m6", "change workspace logo", ReasonDeclined, 7),
		item("m5", "export invoices please", ReasonUngrounded, 6),
		item("m4", "export timesheet", ReasonDeclined, 5),
		item("m3", "export invoices monthly", ReasonDeclined, 4),
		item("m2", "delete account", ReasonDeclined, 3),
		item("m1", "export invoices to spreadsheet", ReasonDeclined, 2),
		item("m8", "delete account now", ReasonUngrounded, 1),
	}
	groups := groupQuestions(items, SimpleQuestionTerms())
	type summary struct {
		terms    string
		count    int
		reasons  [3]int
		examples string
	}
	var got []summary
	for _, g := range groups {
		var ex []string
		for _, e := range g.Examples {
			ex = append(ex, e.MessageID)
		}
		got = append(got, summary{strings.Join(g.Terms, " "), g.Count,
			[3]int{g.Reasons[ReasonDeclined], g.Reasons[ReasonUngrounded], g.Reasons[ReasonUnhelpful]}, strings.Join(ex, ",")})
	}
	want := []summary{
		{"export invoices", 4, [3]int{3, 1, 1}, "m1,m5,m4,m3"}, // m1 counts once, with both of its reasons
		{"account delete", 2, [3]int{1, 1, 0}, "m2,m8"},
		{"", 1, [3]int{0, 0, 1}, "m7"}, // no terms: newest singleton
		{"change workspace logo", 1, [3]int{1, 0, 0}, "m6"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("groups\n got %+v\nwant %+v", got, want)
	}
	if groups[0].Examples[0].Reason != ReasonUnhelpful {
		t.Errorf("an example is the message's newest occurrence: %+v", groups[0].Examples[0])
	}
}

func TestGroupQuestionsKeepsFiveExamples(t *testing.T) {
	var items []UnansweredItem
	at := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	for i := range 8 {
		items = append(items, UnansweredItem{MessageID: string(rune('a' + i)), Question: "refund", Reason: ReasonDeclined,
			CreatedAt: at.Add(-time.Duration(i) * time.Minute)})
	}
	groups := groupQuestions(items, SimpleQuestionTerms())
	if len(groups) != 1 || groups[0].Count != 8 || len(groups[0].Examples) != unansweredExamples ||
		groups[0].Examples[0].MessageID != "a" {
		t.Fatalf("%+v", groups)
	}
}

func TestFeedbackComment(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{
		{"  fine  ", "fine", true},
		{strings.Repeat("é", MaxFeedbackComment), strings.Repeat("é", MaxFeedbackComment), true},
		{" " + strings.Repeat("a", MaxFeedbackComment) + "\n", strings.Repeat("a", MaxFeedbackComment), true},
		{strings.Repeat("a", MaxFeedbackComment+1), "", false},
		{"a\x00b", "", false},
		{"\xff", "", false},
	} {
		got, err := feedbackComment(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("feedbackComment(%.20q) = %.20q, %v", tc.in, got, err)
		}
	}
}

func TestUnansweredLimit(t *testing.T) {
	for in, want := range map[int]int{0: DefaultUnansweredGroups, 1: 1, 100: 100, 101: MaxUnansweredGroups} {
		if got, err := unansweredLimit(in); err != nil || got != want {
			t.Errorf("limit %d: %d %v", in, got, err)
		}
	}
	if _, err := unansweredLimit(-1); ErrorCode(err) != CodeInvalid {
		t.Errorf("limit -1: %v", err)
	}
}
