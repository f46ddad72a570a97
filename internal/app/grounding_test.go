package app_test

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/supportd/supportd/internal/kb"
	"github.com/supportd/supportd/internal/llm/llmtest"
	"github.com/supportd/supportd/internal/support"
)

type question struct {
	Question string `json:"question"`
	Slug     string `json:"slug"`
}

func loadQuestions(t *testing.T) []question {
	t.Helper()
	raw, err := os.ReadFile("../kb/testdata/questions.json")
	if err != nil {
		t.Fatal(err)
	}
	var qs []question
	if err := json.Unmarshal(raw, &qs); err != nil {
		t.Fatal(err)
	}
	return qs
}

func sampleTitles(t *testing.T) map[string]string {
	t.Helper()
	arts, err := kb.Sample()
	if err != nil {
		t.Fatal(err)
	}
	titles := map[string]string{}
	for _, a := range arts {
		titles[a.Slug] = a.Title
	}
	return titles
}

type doneEvent struct {
	Content   string `json:"content"`
	Provider  string `json:"provider"`
	Citations []struct {
		ID    string `json:"id"`
		Title string `json:"title"`
	} `json:"citations"`
}

func (in *instance) askAssistant(t *testing.T, token, title, description string) doneEvent {
	t.Helper()
	return in.askAssistantOn(t, token, in.createTicket(token, title, description).ID)
}

// askAssistantOn streams the assistant's reply on a ticket and returns its done event.
func (in *instance) askAssistantOn(t *testing.T, token, ticketID string) doneEvent {
	t.Helper()
	evs := in.openStream(aiPath(ticketID), token, nil).all(t)
	last := evs[len(evs)-1]
	if last.Event != "done" {
		t.Fatalf("final event %+v", last)
	}
	var d doneEvent
	if err := json.Unmarshal([]byte(last.Data), &d); err != nil {
		t.Fatal(err)
	}
	return d
}

// The built-in responder, on the zero-configuration sample help center, must cite
// the article that answers a paraphrased question, and admit when nothing matches.
func TestBuiltinResponderCitesTheRightArticle(t *testing.T) {
	forEachEngineWith(t, map[string]string{"KB_SEED_SAMPLE": "true"}, func(t *testing.T, in *instance) {
		titles := sampleTitles(t)
		u := in.newStaff(support.RoleAgent) // staff see which provider answered; customers do not
		var asked, hits int
		for _, q := range loadQuestions(t) {
			d := in.askAssistant(t, u.Token, q.Question, "")
			if d.Provider != "builtin" {
				t.Fatalf("provider %q", d.Provider)
			}
			if q.Slug == "" {
				if len(d.Citations) != 0 || !strings.Contains(d.Content, "I don't know this one") {
					t.Errorf("off-topic %q answered with %+v: %q", q.Question, d.Citations, d.Content)
				}
				continue
			}
			asked++
			if len(d.Citations) > 0 && d.Citations[0].Title == titles[q.Slug] {
				hits++
			} else {
				t.Logf("miss: %q -> %+v (want %q)", q.Question, d.Citations, titles[q.Slug])
			}
		}
		if asked < 10 || hits*10 < asked*9 {
			t.Fatalf("cited the right article for %d of %d questions; want at least 90%%", hits, asked)
		}
		t.Logf("%s: %d of %d questions cited the right article first", in.app.DB.Engine(), hits, asked)
	})
}

func TestPromptCarriesRetrievedPassages(t *testing.T) {
	forEachEngineUpstream(t, map[string]string{"KB_SEED_SAMPLE": "true"}, func(t *testing.T, in *instance, fake *llmtest.Server) {
		fake.Enqueue(llmtest.Reply("See our refund policy [1]."))
		u := in.newUser()
		d := in.askAssistant(t, u.Token, "Can I get my money back?", "I was billed twice for the annual plan and want a refund.")
		body := string(fake.Requests()[0].RawBody)
		arts, _ := kb.Sample()
		var refund kb.Article
		for _, a := range arts {
			if a.Slug == "refund-policy" {
				refund = a
			}
		}
		if !strings.Contains(body, refund.Title) || len(d.Citations) == 0 {
			t.Fatalf("prompt lacks the refund article %q or no citation (%+v): %s", refund.Title, d.Citations, body)
		}
	})
}

// forEachEngineWith is forEachEngine with extra configuration.
func forEachEngineWith(t *testing.T, env map[string]string, f func(t *testing.T, in *instance)) {
	t.Helper()
	for _, engine := range engines(t) {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			f(t, start(t, engine, env))
		})
	}
}
