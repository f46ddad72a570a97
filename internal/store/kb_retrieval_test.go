package store_test

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/supportd/supportd/internal/store"
)

// question is one entry of internal/kb/testdata/questions.json; Slug is the
// article that answers it, or "" for an off-topic question.
type question struct {
	Question string `json:"question"`
	Slug     string `json:"slug"`
}

// TestRetrievalQuality holds each engine's ranking to the sample's test
// questions: the top passage of at least 90% of on-topic questions must come
// from the expected article, and off-topic questions must retrieve nothing.
func TestRetrievalQuality(t *testing.T) {
	questions := loadQuestions(t)
	eachEngine(t, func(t *testing.T, db *store.DB) {
		svc := kbService(db)
		mustImportSample(t, svc)
		hits, onTopic := 0, 0
		for _, q := range questions {
			got, err := svc.Retrieve(t.Context(), q.Question, 5)
			if err != nil {
				t.Fatalf("Retrieve(%q): %v", q.Question, err)
			}
			if q.Slug == "" {
				if len(got) != 0 {
					t.Errorf("off-topic %q retrieved %d passages, first %s (%.2f)", q.Question, len(got), got[0].Slug, got[0].Score)
				}
				continue
			}
			onTopic++
			if len(got) > 0 && got[0].Slug == q.Slug {
				hits++
				continue
			}
			t.Logf("miss: %q wants %s, got %v", q.Question, q.Slug, slugsOf(got))
		}
		want := (9*onTopic + 9) / 10 // ceil(0.9 n)
		t.Logf("%s: top article right for %d of %d on-topic questions (%.0f%%)", db.Engine(), hits, onTopic, 100*float64(hits)/float64(onTopic))
		if hits < want {
			t.Errorf("%s: top article right for %d of %d on-topic questions, want at least %d", db.Engine(), hits, onTopic, want)
		}
	})
}

func loadQuestions(t *testing.T) []question {
	t.Helper()
	data, err := os.ReadFile("../kb/testdata/questions.json")
	if err != nil {
		t.Fatal(err)
	}
	var qs []question
	if err := json.Unmarshal(data, &qs); err != nil {
		t.Fatalf("questions.json: %v", err)
	}
	if len(qs) == 0 {
		t.Fatal("questions.json has no questions")
	}
	return qs
}
