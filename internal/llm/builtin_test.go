package llm_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/supportd/supportd/internal/llm"
)

// compose streams req through a default Builtin and returns the reply.
func compose(t *testing.T, req llm.Request) (llm.Result, string) {
	t.Helper()
	res, text, err := stream(t, llm.NewBuiltin(llm.BuiltinOptions{WordsPerChunk: 1000}), req)
	if err != nil {
		t.Fatal(err)
	}
	return res, text
}

// quoted returns the lines of a reply between its opening and closing lines
// that are not "From" lines: the article text.
func quoted(text string) []string {
	lines := strings.Split(text, "\n")
	var out []string
	for _, l := range lines[1 : len(lines)-1] {
		if l != "" && !strings.HasSuffix(l, "\":") && !strings.HasSuffix(l, "\" :") {
			out = append(out, l)
		}
	}
	return out
}

func citedIDs(res llm.Result) string {
	var ids []string
	for _, p := range res.Citations {
		ids = append(ids, p.ArticleID)
	}
	return strings.Join(ids, ",")
}

var passwordPassage = llm.Passage{ArticleID: "kb1", Title: "Resetting your password", Text: "Forgot your password? " +
	"Don't worry, it happens to everyone and we are here to help you get back to work.\n\n" +
	"Open Settings, choose Security and press Reset password. The reset email arrives within five minutes."}

func TestBuiltinDeclinesInTheCustomersLanguage(t *testing.T) {
	for _, tc := range []struct{ lang, want string }{
		{"en", "I don't know this one, a person from the team will answer."},
		{"", "I don't know this one, a person from the team will answer."},
		{"ja", "I don't know this one, a person from the team will answer."},
		{"es", "No sé responder a esto; una persona del equipo te contestará."},
		{"fr", "Je ne connais pas la réponse ; une personne de l'équipe va vous répondre."},
		{"de", "Das weiß ich leider nicht; eine Person aus dem Team wird Ihnen antworten."},
		{"pt-BR", "Não sei responder a isto; uma pessoa da equipe vai responder."},
		{"it", "Non conosco la risposta; una persona del team ti risponderà."},
		{"NL", "Dit weet ik niet; iemand van het team zal je antwoorden."},
	} {
		for _, declined := range []bool{true, false} {
			t.Run(fmt.Sprintf("%s/%v", tc.lang, declined), func(t *testing.T) {
				req := llm.Request{Question: "How do I reset my password?", Language: tc.lang, Declined: declined}
				if declined { // passages that would answer do not matter
					req.Passages = []llm.Passage{passwordPassage}
				}
				res, text := compose(t, req)
				if text != tc.want || len(res.Citations) != 0 {
					t.Errorf("reply %q citing %d passages, want %q citing none", text, len(res.Citations), tc.want)
				}
			})
		}
	}
}

func TestBuiltinQuotesWhatAnswers(t *testing.T) {
	for _, tc := range []struct {
		name, question string
		passages       []llm.Passage
		want, not      []string
	}{{
		name:     "the answer, not the introduction",
		question: "When does the password reset email arrive?",
		passages: []llm.Passage{passwordPassage},
		want:     []string{"The reset email arrives within five minutes."},
		not:      []string{"Don't worry"},
	}, {
		name:     "the section whose heading matches",
		question: "What are the rate limits?",
		passages: []llm.Passage{{ArticleID: "api", Title: "API", Text: "Rate limits\nTeam plans get 120 requests per minute. " +
			"Business plans get 600 requests per minute.\n\n### Documentation\n\nThe full reference is on the developer site."}},
		want: []string{"Team plans get 120 requests per minute. Business plans get 600 requests per minute."},
		not:  []string{"reference"},
	}, {
		name:     "rare terms count more than common ones",
		question: "Can I change the currency at checkout on my account?",
		passages: []llm.Passage{{ArticleID: "b", Title: "Billing", Text: "Your account shows your plan. Your account lists your members. " +
			"Your account holds your projects. Your account has a name. Invoices use the currency chosen at checkout."}},
		want: []string{"Invoices use the currency chosen at checkout."},
		not:  []string{"members", "projects"},
	}, {
		name:     "nothing matches: the best passage's first sentences",
		question: "zzz qqq",
		passages: []llm.Passage{passwordPassage, {ArticleID: "kb2", Title: "Other", Text: "Something else entirely."}},
		want:     []string{"Forgot your password?"},
		not:      []string{"Something else"},
	}, {
		name:     "matching items of a long bullet list",
		question: "Which browsers support Safari?",
		passages: []llm.Passage{{ArticleID: "br", Title: "Browsers", Text: "We support these browsers:\n\n" +
			"- Chrome: the latest two versions, tested every week on Windows, macOS and Linux by our own team.\n" +
			"- Firefox: the latest two versions, tested every week on Windows, macOS and Linux by our own team.\n" +
			"- Safari 16 or later on macOS, tested every week on the latest two releases of the operating system.\n" +
			"- Edge: the latest two versions, tested every week on Windows by our own team and our partners.\n" +
			"- Opera and Brave work too, but we do not test them and cannot promise that every feature works."}},
		want: []string{"- Safari 16 or later on macOS, tested every week on the latest two releases of the operating system."},
		not:  []string{"Opera"},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			_, text := compose(t, llm.Request{Question: tc.question, Passages: tc.passages})
			for _, w := range tc.want {
				if !strings.Contains(text, w) {
					t.Errorf("reply lacks %q:\n%s", w, text)
				}
			}
			for _, n := range tc.not {
				if strings.Contains(text, n) {
					t.Errorf("reply has %q:\n%s", n, text)
				}
			}
		})
	}
}

func TestBuiltinKeepsNumberedStepsWhole(t *testing.T) {
	steps := "1. Open **Settings → Export**.\n2. Choose the projects\n   you want to keep.\n3. Click `Export` and wait.\n\n" +
		"4. Download the ZIP file from the email.\n5. Unzip it."
	p := llm.Passage{ArticleID: "ex", Title: "Exporting", Text: "Export your data\nYou can export everything at any time. " +
		"Exports include archived projects.\n\nTo export a workspace:\n\n" + steps + "\n\nLarge exports take up to an hour."}
	_, text := compose(t, llm.Request{Question: "How do I export a workspace?", Passages: []llm.Passage{p}})
	want := "To export a workspace:\n1. Open Settings → Export.\n2. Choose the projects you want to keep.\n" +
		"3. Click Export and wait.\n4. Download the ZIP file from the email.\n5. Unzip it."
	if !strings.Contains(text, want) {
		t.Errorf("reply lacks the whole list:\n%s", text)
	}
}

func TestBuiltinLeavesNoMarkdown(t *testing.T) {
	p := llm.Passage{ArticleID: "md", Title: "Markdown", Text: "## Connect the **API**\n" +
		"Send the `tw_live_` key in the __Authorization__ header, see [the reference](https://dev.example.com/api) " +
		"or [your settings](/settings) and <https://status.example.com>.\n\n" +
		"> **Note:** keys of the *API* expire after a year.\n\n### Older keys\n\n" +
		"* Keys made before 2024 use the `v1` API.\n+ Replace them with _new_ keys.\n\n" +
		"```\ncurl -H \"Authorization: Bearer tw_live_...\" https://api.example.com\n```\n\n" +
		"Snake_case names like max_page_size and 2 * 3 stay as they are. Escaped \\*stars\\* stay too."}
	_, text := compose(t, llm.Request{Question: "api key authorization header expire older keys curl snake_case stars",
		Passages: []llm.Passage{p}})
	for _, marker := range []string{"**", "__", "`", "#", "](", "> ", "\n* ", "\n+ ", "_new_", "<http"} {
		if strings.Contains(text, marker) {
			t.Errorf("reply has %q:\n%s", marker, text)
		}
	}
	for _, want := range []string{"Send the tw_live_ key in the Authorization header, see the reference (https://dev.example.com/api) or your settings and https://status.example.com.",
		"Note: keys of the API expire after a year.", "- Keys made before 2024 use the v1 API.\n- Replace them with new keys.",
		`    curl -H "Authorization: Bearer tw_live_..." https://api.example.com`,
		"Snake_case names like max_page_size and 2 * 3 stay as they are.", "Escaped *stars* stay too."} {
		if !strings.Contains(text, want) {
			t.Errorf("reply lacks %q:\n%s", want, text)
		}
	}
}

func TestBuiltinNeverCutsASentence(t *testing.T) {
	long := strings.Repeat("Taskwren keeps every invoice for seven years in the archive. ", 30)
	for _, p := range []llm.Passage{
		passwordPassage,
		{ArticleID: "l", Title: "Long", Text: long + "\n\nInvoices can be sent by email: open the invoice and click Send."},
		{ArticleID: "e", Title: "Abbreviations", Text: "Invoices list taxes, e.g. VAT, and totals in v2.1 of the app. Nothing else here!"},
	} {
		_, text := compose(t, llm.Request{Question: "invoice archive password taxes email", Passages: []llm.Passage{p}})
		for _, line := range quoted(text) {
			if !strings.ContainsAny(line[len(line)-1:], ".!?:") && !strings.HasPrefix(line, "- ") {
				t.Errorf("line %q ends mid-sentence in:\n%s", line, text)
			}
		}
		if n := utf8.RuneCountInString(strings.Join(quoted(text), "\n")); n > 900 {
			t.Errorf("quoted %d runes, want at most 900:\n%s", n, text)
		}
	}
}

func TestBuiltinBoundsAParagraphWithoutPunctuation(t *testing.T) {
	words := make([]string, 3000)
	for i := range words {
		words[i] = fmt.Sprintf("word%d", i)
	}
	p := llm.Passage{ArticleID: "huge", Title: "Huge", Text: strings.Join(words, " ")}
	_, text := compose(t, llm.Request{Question: "word1 word2", Passages: []llm.Passage{p}})
	body := strings.Join(quoted(text), " ")
	if n := utf8.RuneCountInString(body); n > 600 || n < 100 {
		t.Fatalf("quoted %d runes:\n%s", n, text)
	}
	if !strings.HasSuffix(body, "…") {
		t.Errorf("the cut is not marked: %q", body)
	}
	for i, w := range strings.Fields(strings.TrimSuffix(body, "…")) {
		if w != words[i] {
			t.Fatalf("word %d is %q, want %q (a cut word)", i, w, words[i])
		}
	}
}

func TestBuiltinCitesTheArticlesItQuotes(t *testing.T) {
	billing := llm.Passage{ArticleID: "bill", Title: "Billing", Text: "Invoices are sent on the first day of each month."}
	cats := llm.Passage{ArticleID: "cats", Title: "Office cats", Text: "Our office has two cats."}
	email := llm.Passage{ArticleID: "mail", Title: "Email deliverability", Text: "If the reset email never arrives, check your spam folder."}
	for _, tc := range []struct {
		name     string
		question string
		passages []llm.Passage
		want     string
	}{
		{"irrelevant lower passage left out", "reset password email", []llm.Passage{passwordPassage, cats, email}, "kb1,mail"},
		{"best passage always used", "invoices", []llm.Passage{cats, billing}, "cats,bill"},
		{"at most three passages", "email", []llm.Passage{email, email, email, {ArticleID: "4", Title: "Four", Text: "Email four."}}, "mail"},
		{"empty passages skipped", "reset email", []llm.Passage{{ArticleID: "blank", Title: "Blank", Text: " \n\t "}, email}, "mail"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, text := compose(t, llm.Request{Question: tc.question, Passages: tc.passages})
			if got := citedIDs(res); got != tc.want {
				t.Fatalf("citations %q, want %q:\n%s", got, tc.want, text)
			}
			for _, p := range tc.passages {
				named := strings.Contains(text, `From "`+p.Title+`":`)
				if named != slices.Contains(res.Citations, p) {
					t.Errorf("article %q named %v, cited %v:\n%s", p.Title, named, !named, text)
				}
			}
		})
	}
}

func TestBuiltinDeclinesWithOnlyBlankPassages(t *testing.T) {
	res, text := compose(t, llm.Request{Question: "reset", Passages: []llm.Passage{{Title: "Empty", Text: "  "}, {Title: "Blank", Text: "\n\n"}}})
	if text != "I don't know this one, a person from the team will answer." || len(res.Citations) != 0 {
		t.Errorf("reply %q citing %+v", text, res.Citations)
	}
}

func TestBuiltinFramesTheReplyInTheCustomersLanguage(t *testing.T) {
	for _, tc := range []struct{ lang, opening, from, closing, attached string }{
		{"en", "Here is what our help center says:", `From "Resetting your password":`,
			"If this does not solve it, reply here and a person from the team will help.",
			"I see you attached a.png and b.log; a person from the team will look at it. "},
		{"es", "Esto es lo que dice nuestro centro de ayuda:", `Según "Resetting your password":`,
			"Si esto no lo resuelve, responde aquí y una persona del equipo te ayudará.",
			"Veo que adjuntaste a.png y b.log; una persona del equipo lo revisará. "},
		{"fr", "Voici ce qu'indique notre centre d'aide :", `D'après "Resetting your password" :`,
			"Si cela ne résout pas le problème, répondez ici et une personne de l'équipe vous aidera.",
			"Je vois que vous avez joint a.png et b.log ; une personne de l'équipe va le regarder. "},
		{"de", "Das sagt unser Hilfe-Center dazu:", `Aus "Resetting your password":`,
			"Falls das Ihr Problem nicht löst, antworten Sie hier, und eine Person aus dem Team hilft Ihnen weiter.",
			"Ich sehe, dass Sie a.png und b.log angehängt haben; eine Person aus dem Team wird es sich ansehen. "},
		{"pt", "Veja o que diz a nossa central de ajuda:", `De "Resetting your password":`,
			"Se isto não resolver, responda aqui e uma pessoa da equipe vai ajudar.",
			"Vejo que você anexou a.png e b.log; uma pessoa da equipe vai analisar. "},
		{"it", "Ecco cosa dice il nostro centro assistenza:", `Da "Resetting your password":`,
			"Se questo non risolve il problema, rispondi qui e una persona del team ti aiuterà.",
			"Vedo che hai allegato a.png e b.log; una persona del team lo esaminerà. "},
		{"nl", "Dit zegt ons helpcentrum erover:", `Uit "Resetting your password":`,
			"Als dit het niet oplost, antwoord dan hier en iemand van het team helpt je verder.",
			"Ik zie dat je a.png en b.log hebt bijgevoegd; iemand van het team bekijkt het. "},
	} {
		t.Run(tc.lang, func(t *testing.T) {
			req := llm.Request{Question: "password reset email", Language: tc.lang, Passages: []llm.Passage{passwordPassage},
				Thread: []llm.Turn{{Sender: llm.SenderUser, Content: "help", Attachments: []string{"a.png", "b.log"}}}}
			_, text := compose(t, req)
			want := tc.attached + tc.opening + "\n\n" + tc.from + "\nOpen Settings, choose Security and press Reset password. " +
				"The reset email arrives within five minutes.\n\n" + tc.closing
			if text != want {
				t.Errorf("reply\n%s\nwant\n%s", text, want)
			}
		})
	}
}

func TestDefaultBuiltinTerms(t *testing.T) {
	for _, tc := range []struct{ text, want string }{
		{"How do I reset MY Password?", "reset password"},
		{"The invoice's PDF, and 2FA codes: it is on v2!", "invoice pdf 2fa codes"},
		{"Rechnungsübersicht für Änderungen", "rechnungsübersicht für änderungen"},
		{"a an to of is", ""},
		{"", ""},
	} {
		if got := strings.Join(llm.DefaultBuiltinTerms(tc.text, "en"), " "); got != tc.want {
			t.Errorf("DefaultBuiltinTerms(%q) = %q, want %q", tc.text, got, tc.want)
		}
	}
}

func TestBuiltinUsesTheInjectedAnalyzer(t *testing.T) {
	var calls []string
	terms := func(text, lang string) []string { // a tiny Spanish-English "stemmer"
		calls = append(calls, lang)
		out := llm.DefaultBuiltinTerms(strings.ReplaceAll(text, "factura", "invoice"), lang)
		for i, w := range out {
			out[i] = strings.TrimSuffix(w, "s")
		}
		return out
	}
	p := llm.Passage{ArticleID: "b", Title: "Billing", Text: "Your plan renews every month. Invoices are sent by email."}
	res, text, err := stream(t, llm.NewBuiltin(llm.BuiltinOptions{Terms: terms}),
		llm.Request{Question: "¿Dónde está mi factura?", Language: "es", Passages: []llm.Passage{p}})
	if err != nil || !strings.Contains(text, "Invoices are sent by email.") || strings.Contains(text, "renews") || len(res.Citations) != 1 {
		t.Fatalf("reply %q, err %v", text, err)
	}
	if calls[0] != "es" || slices.Index(calls[1:], "es") >= 0 {
		t.Errorf("languages passed %v, want the question in es and the passages in en", calls)
	}
}

func TestBuiltinStreamsTheComposedReply(t *testing.T) {
	req := sampleRequest()
	_, whole := compose(t, req)
	for _, n := range []int{1, 3, 7} {
		var c collector
		res, err := llm.NewBuiltin(llm.BuiltinOptions{WordsPerChunk: n}).Stream(t.Context(), req, c.emit)
		if err != nil {
			t.Fatal(err)
		}
		if c.text() != whole {
			t.Fatalf("%d words per chunk: streamed\n%q\nwant\n%q", n, c.text(), whole)
		}
		for _, d := range c.deltas[:len(c.deltas)-1] {
			if len(strings.Fields(d)) != n {
				t.Fatalf("chunk %q does not have %d words", d, n)
			}
		}
		if res.Provider != "builtin" || res.Model != llm.BuiltinModel || res.Usage.CompletionTokens != len(strings.Fields(whole)) || res.Usage.PromptTokens == 0 {
			t.Errorf("result %+v", res)
		}
	}
}

func TestBuiltinUsesTheTicketWithoutAQuestion(t *testing.T) {
	res, text := compose(t, sampleRequest()) // no Question: the ticket speaks of a password and an email
	if citedIDs(res) != "kb1" || !strings.Contains(text, "The email arrives within five minutes.") {
		t.Errorf("citations %q:\n%s", citedIDs(res), text)
	}
}

func TestBuiltinStopsOnCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	n := 0
	_, err := llm.NewBuiltin(llm.BuiltinOptions{ChunkDelay: time.Millisecond}).Stream(ctx, sampleRequest(), func(string) error {
		n++
		cancel()
		return nil
	})
	if !errors.Is(err, context.Canceled) || !errors.Is(err, llm.ErrInterrupted) || n != 1 {
		t.Fatalf("err %v after %d chunks", err, n)
	}
}

func TestBuiltinReturnsEmitError(t *testing.T) {
	errGone := errors.New("gone")
	_, err := llm.NewBuiltin(llm.BuiltinOptions{}).Stream(t.Context(), sampleRequest(), func(string) error { return errGone })
	if err != errGone {
		t.Fatalf("err %v", err)
	}
}
