package textsearch

import (
	"reflect"
	"strings"
	"sync"
	"testing"
)

func TestTermsWithoutSynonyms(t *testing.T) {
	a := NewAnalyzer(nil)
	tests := []struct {
		lang Lang
		text string
		want []string
	}{
		{English, "", []string{}},
		{English, "The passwords, the PASSWORD!", []string{"password", "password"}}, // duplicates kept
		{English, "Hi, please help: I don't see my invoices", []string{"help", "see", "invoic"}},
		{Spanish, "¿Dónde están mis facturas?", []string{"dond", "factur"}},
		{French, "l'application plante", []string{"appliqu", "plant"}},
		{German, "Rechnungen für 2024", []string{"rechnung", "2024"}},
		{Lang("xx"), "running invoices", []string{"run", "invoic"}},
	}
	for _, tt := range tests {
		if got := a.Terms(tt.text, tt.lang); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Terms(%q, %s) = %q, want %q", tt.text, tt.lang, got, tt.want)
		}
	}
}

func TestTermsMixedText(t *testing.T) {
	a := NewAnalyzer(DefaultSynonyms())
	// An English article with customer aliases in other languages, analysed as English: synonym phrases of
	// every language still map to the canonical terms.
	text := "Resetting your password. Mot de passe oublié? Passwort vergessen! Forgot your password"
	want := []string{"reset", "password", "password", "forgot", "password", "forgot", "forgot", "password"}
	if got := a.Terms(text, English); !reflect.DeepEqual(got, want) {
		t.Errorf("Terms = %q, want %q", got, want)
	}
	// A Spanish question with an English product word.
	got := a.Terms("No me llega el email de la invoice", Spanish)
	if want := []string{"lleg", "email", "invoic"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Terms = %q, want %q", got, want)
	}
}

func TestTermsQueryMatchesArticle(t *testing.T) {
	// What the retrieval relies on: a foreign question and the English article share terms.
	a := NewAnalyzer(DefaultSynonyms())
	article := a.Terms("Refunds and cancellations: how to get your money back or stop future charges", English)
	for _, q := range []struct {
		lang Lang
		text string
	}{
		{Spanish, "quiero un reembolso"},
		{French, "je veux être remboursé"},
		{German, "Rückerstattung bitte"},
		{Portuguese, "quero meu dinheiro de volta"},
		{Italian, "voglio un rimborso"},
		{Dutch, "ik wil mijn geld terug"},
	} {
		if terms := a.Terms(q.text, q.lang); !shareTerm(terms, article) {
			t.Errorf("%s %q -> %q shares no term with the article %q", q.lang, q.text, terms, article)
		}
	}
}

func shareTerm(a, b []string) bool {
	for _, x := range a {
		for _, y := range b {
			if x == y {
				return true
			}
		}
	}
	return false
}

func TestTermsConcurrent(t *testing.T) {
	a := NewAnalyzer(DefaultSynonyms())
	want := a.Terms(benchPassage, English)
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 20; i++ {
				if got := a.Terms(benchPassage, English); !reflect.DeepEqual(got, want) {
					t.Error("concurrent Terms gave a different result")
					return
				}
				a.Terms("mot de passe oublié", French)
				Detect("wachtwoord vergeten")
			}
		}()
	}
	wg.Wait()
}

func TestStemCacheLimit(t *testing.T) {
	c := &stemCache{limit: 2}
	for _, w := range []string{"running", "invoices", "passwords", "running", "passwords"} {
		if got, want := c.stem(English, w), Stem(English, w); got != want {
			t.Errorf("stem(%q) = %q, want %q", w, got, want)
		}
	}
	if n := c.size.Load(); n != 2 {
		t.Errorf("cache holds %d stems, want the limit 2", n)
	}
}

// benchPassage is about 1 KB of help-center text.
var benchPassage = strings.TrimSpace(`
Forgot your password or can't remember which one you used? You can reset it yourself in under a minute and
get back into your account. It works the same on the web app and in the mobile apps. Go to the sign-in page
and click Forgot password below the password field. Enter the email address you use for Taskwren and click
Send reset link. Open the email and click Choose a new password. The link expires after 60 minutes and works
only once. If you asked for several links, only the newest one works. Your new password must be at least 10
characters long and can't be one of your last 5 passwords. We also reject passwords that appear in known data
breaches. After a reset, every other session is signed out, including the mobile apps, so you will need to
log in again on your phone. Wait 5 minutes and check your spam or junk folder. Make sure you typed the address
you signed up with. If your company signs you in with single sign-on, ask your IT team to reset it.`)

func BenchmarkTerms(b *testing.B) {
	a := NewAnalyzer(DefaultSynonyms())
	b.SetBytes(int64(len(benchPassage)))
	b.ReportAllocs()
	for b.Loop() {
		a.Terms(benchPassage, English)
	}
}

func BenchmarkDetect(b *testing.B) {
	Detect("warmup")
	for b.Loop() {
		Detect("wie ändere ich meine E-Mail-Adresse im Konto?")
	}
}
