package textsearch

import "testing"

func TestStem(t *testing.T) {
	tests := []struct {
		lang       Lang
		word, want string
	}{
		{English, "running", "run"},
		{English, "passwords", "password"},
		{English, "connection", "connect"},
		{English, "Invoices", "invoic"},
		{Spanish, "contraseña", "contrasen"},
		{Spanish, "facturas", "factur"},
		{Spanish, "cancelación", "cancel"},
		{French, "remboursement", "rembours"},
		{French, "oublié", "oubli"},
		{French, "factures", "factur"},
		{German, "Rechnungen", "rechnung"},
		{German, "Passwörter", "passwort"},
		{German, "Straße", "strass"},
		{Portuguese, "cobrança", "cobranc"},
		{Portuguese, "sincronização", "sincroniz"},
		{Portuguese, "cartões", "carto"},
		{Italian, "fatture", "fattur"},
		{Italian, "abbonamento", "abbon"},
		{Italian, "dimenticata", "dimentic"},
		{Dutch, "wachtwoorden", "wachtwoord"},
		{Dutch, "betaling", "betal"},
		{Dutch, "abonnementen", "abonnement"},
		{Lang("xx"), "running", "run"}, // unsupported: English
	}
	for _, tt := range tests {
		if got := Stem(tt.lang, tt.word); got != tt.want {
			t.Errorf("Stem(%s, %q) = %q, want %q", tt.lang, tt.word, got, tt.want)
		}
	}
}

func TestParseLang(t *testing.T) {
	for in, want := range map[string]Lang{"en": English, "ES": Spanish, " fr ": French, "de-AT": German,
		"pt_BR": Portuguese, "it": Italian, "nl": Dutch} {
		if got, ok := ParseLang(in); !ok || got != want {
			t.Errorf("ParseLang(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "xx", "english", "sv"} {
		if got, ok := ParseLang(in); ok {
			t.Errorf("ParseLang(%q) = %q, want not ok", in, got)
		}
	}
	if n := len(Langs()); n != numLangs {
		t.Errorf("Langs() has %d languages, want %d", n, numLangs)
	}
	for i, l := range Langs() {
		if l.index() != i {
			t.Errorf("%s.index() = %d, want %d", l, l.index(), i)
		}
	}
}

func TestIsStopWord(t *testing.T) {
	tests := []struct {
		lang Lang
		word string
		want bool
	}{
		{English, "the", true},
		{English, "The", true},
		{English, "doesn", true}, // contraction piece
		{English, "please", true},
		{English, "not", true}, // negations are noise for retrieval, in every language
		{English, "password", false},
		{Spanish, "contraseña", false},
		{Spanish, "está", true},
		{Spanish, "esta", true},
		{Spanish, "no", true},
		{French, "pas", true},
		{French, "l", true}, // elision piece
		{French, "jusqu", true},
		{French, "passe", false},
		{German, "nicht", true},
		{German, "daß", true},
		{German, "dass", true},
		{German, "andere", true},
		{German, "ändere", false}, // accented words are compared as written
		{Portuguese, "não", true},
		{Portuguese, "nao", true}, // typed without accents
		{Portuguese, "senha", false},
		{Italian, "non", true},
		{Italian, "dell", true},
		{Italian, "fattura", false},
		{Dutch, "geen", true},
		{Dutch, "niet", true},
		{Dutch, "wachtwoord", false},
		{Lang("xx"), "the", true},
	}
	for _, tt := range tests {
		if got := IsStopWord(tt.lang, tt.word); got != tt.want {
			t.Errorf("IsStopWord(%s, %q) = %v, want %v", tt.lang, tt.word, got, tt.want)
		}
	}
}
