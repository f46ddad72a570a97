package textsearch

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func mustParseSynonyms(t *testing.T, text string) *Synonyms {
	t.Helper()
	s, err := ParseSynonyms(strings.NewReader(text))
	if err != nil {
		t.Fatalf("ParseSynonyms: %v", err)
	}
	return s
}

func TestParseSynonymsErrors(t *testing.T) {
	tests := []struct {
		name, text, want string
	}{
		{"missing colon", "# list\n\npassword contraseña\n", "line 3: missing \":\""},
		{"empty canonical", "x: b\n : c\n", "line 2: canonical: has no words"},
		{"stop-word canonical", "the: el\n", "line 1: canonical \"the\" has only English stop words"},
		{"empty variant", "password: contraseña,, senha\n", "line 1: variant 2 is empty"},
		{"trailing comma", "password: contraseña,\n", "line 1: variant 2 is empty"},
		{"punctuation variant", "password: ---\n", "line 1: variant \"---\": has no words"},
		{"too long", "login: one two three four five\n", "line 1: variant \"one two three four five\": has 5 words, at most 4"},
		{"duplicate", "refund: money back\n\ncharge: Money-Back\n", "line 3: \"Money-Back\" already belongs to \"refund\" (line 1)"},
		{"line too long", "a: " + strings.Repeat("b", maxSynonymLineBytes), "read synonyms"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseSynonyms(strings.NewReader(tt.text))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tt.want)
			}
			if tt.name != "line too long" && !errors.Is(err, ErrInvalidSynonyms) {
				t.Errorf("err = %v, want ErrInvalidSynonyms", err)
			}
		})
	}
}

func TestParseSynonymsAtLimits(t *testing.T) {
	s := mustParseSynonyms(t, "# comment\n\n  login: one two three four, log in\nlogin: sign in\nrefund: refund\n")
	if s.Len() != 2 {
		t.Fatalf("Len = %d, want 2 (same canonical joins one group)", s.Len())
	}
	if got, want := s.groups[0].variants, []string{"login", "one two three four", "log in", "sign in"}; !reflect.DeepEqual(got, want) {
		t.Errorf("variants = %q, want %q", got, want)
	}
	if _, err := ParseSynonyms(strings.NewReader("x: " + strings.Repeat("b", maxSynonymLineBytes-10))); err != nil {
		t.Errorf("line under the byte limit: %v", err)
	}
}

func TestDefaultSynonyms(t *testing.T) {
	s := DefaultSynonyms()
	if s.Len() < 60 || s.Len() > 120 {
		t.Errorf("built-in list has %d groups, want 60-120", s.Len())
	}
	if DefaultSynonyms() != s {
		t.Error("DefaultSynonyms should return the same immutable value")
	}
}

func TestSynonymPhrasesEachLanguage(t *testing.T) {
	a := NewAnalyzer(DefaultSynonyms())
	tests := []struct {
		lang Lang
		text string
		want []string
	}{
		{English, "I want my money back", []string{"want", "refund"}},
		{English, "can't sign in", []string{"login"}},
		{English, "2FA with an authenticator", []string{"two", "factor", "two", "factor"}},
		{Spanish, "olvidé mi contraseña", []string{"forgot", "password"}},
		{Spanish, "contraseñas", []string{"password"}}, // plural matches through the stem
		{Spanish, "no puedo iniciar sesión", []string{"pued", "login"}},
		{French, "mot de passe oublié", []string{"password", "forgot"}},
		{French, "mots de passe", []string{"password"}},
		{French, "je n'arrive pas à me connecter", []string{"arriv", "login"}},
		{German, "Passwort vergessen", []string{"password", "forgot"}},
		{German, "Wie ändere ich meine E-Mail-Adresse?", []string{"chang", "email"}},
		{German, "Geld zurück", []string{"refund"}},
		{Portuguese, "esqueci a senha", []string{"forgot", "password"}},
		{Portuguese, "quero meu dinheiro de volta", []string{"quer", "refund"}},
		{Portuguese, "nota fiscal", []string{"invoic"}},
		{Italian, "fattura sbagliata", []string{"invoic", "sbagl"}},
		{Italian, "ho dimenticato la password", []string{"forgot", "password"}},
		{Italian, "fatture", []string{"invoic"}},
		{Dutch, "wachtwoord vergeten", []string{"password", "forgot"}},
		{Dutch, "geld terug", []string{"refund"}},
		{Dutch, "facturen met btw-nummer", []string{"invoic", "tax"}},
	}
	for _, tt := range tests {
		if got := a.Terms(tt.text, tt.lang); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Terms(%q, %s) = %q, want %q", tt.text, tt.lang, got, tt.want)
		}
	}
}

func TestSynonymLongestMatchWins(t *testing.T) {
	syn := mustParseSynonyms(t, "card: card, credit card\nloan: credit\nsso: single sign on\nlogin: sign on\n")
	a := NewAnalyzer(syn)
	tests := map[string][]string{
		"credit card":        {"card"},
		"credit":             {"loan"},
		"credit cards":       {"card"}, // the stem of "cards" matches
		"single sign on":     {"sso"},
		"sign on":            {"login"},
		"single sign":        {"singl", "sign"},
		"credit credit card": {"loan", "card"},
	}
	for text, want := range tests {
		if got := a.Terms(text, English); !reflect.DeepEqual(got, want) {
			t.Errorf("Terms(%q) = %q, want %q", text, got, want)
		}
	}
}

func TestSynonymsInflectedAndAccentless(t *testing.T) {
	a := NewAnalyzer(mustParseSynonyms(t, "invoice: factura, rechnung, fattura\ncancel: résilier\n"))
	tests := []struct {
		lang Lang
		text string
		want []string
	}{
		{Spanish, "FACTURAS", []string{"invoic"}},
		{German, "Rechnungen", []string{"invoic"}},
		{Italian, "fatture", []string{"invoic"}},
		{French, "resilier", []string{"cancel"}}, // typed without accent
		{French, "résiliation", []string{"cancel"}},
		{French, "résilié", []string{"cancel"}},
	}
	for _, tt := range tests {
		if got := a.Terms(tt.text, tt.lang); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Terms(%q, %s) = %q, want %q", tt.text, tt.lang, got, tt.want)
		}
	}
}

func TestSynonymVariantOfStopWordsIgnored(t *testing.T) {
	// "to do" is made of English stop words: it must not swallow "how to do this" in English,
	// but it still matches in a language where those are not stop words.
	a := NewAnalyzer(mustParseSynonyms(t, "task: to do\n"))
	if got := a.Terms("how to do this", English); len(got) != 0 {
		t.Errorf("English: got %q, want no terms", got)
	}
	if got := a.Terms("to do", German); !reflect.DeepEqual(got, []string{"task"}) {
		t.Errorf("German: got %q, want [task]", got)
	}
}

func TestSynonymsMerge(t *testing.T) {
	base := mustParseSynonyms(t, "refund: money back, reembolso\ncharge: charged, billed\n")
	extra := mustParseSynonyms(t, "refund: cash back\ninvoice: billed, bill\n")
	merged := base.Merge(extra)
	a := NewAnalyzer(merged)
	tests := map[string][]string{
		"money back": {"refund"}, // kept from base
		"cash back":  {"refund"}, // added to the same canonical
		"billed":     {"invoic"}, // moved by the operator's file
		"charged":    {"charg"},
		"reembolso":  {"refund"},
	}
	for text, want := range tests {
		if got := a.Terms(text, English); !reflect.DeepEqual(got, want) {
			t.Errorf("Terms(%q) = %q, want %q", text, got, want)
		}
	}
	if merged.Len() != 3 {
		t.Errorf("merged Len = %d, want 3", merged.Len())
	}
	// Inputs unchanged.
	if got := NewAnalyzer(base).Terms("billed cash back", English); !reflect.DeepEqual(got, []string{"charg", "cash", "back"}) {
		t.Errorf("base changed by Merge: %q", got)
	}
	if base.Merge(nil) != base || (*Synonyms)(nil).Merge(extra) != extra {
		t.Error("merging with nil should return the other list")
	}
}
